"""Times across the night summer time ends (Europe/Berlin, 25 October 2026: 03:00 CEST became
02:00 CET, every clock time from 02:00 to 02:59 came twice): each carries its zone and the zone
line names both, in the review's rows and on its screen; a session on any other night reads
exactly as before (console/review/content.py, the rule in its module docstring).

Audit: "02:45" printed for +25 and for +85 minutes, under "times CEST, UTC+02:00".
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from console.review import content as rc
from tests.review.dst_sessions import (
    BERLIN, CLOCKS_BACK, START, DstLog, detail_of,
    dst_log,  # noqa: F401 - a fixture
)
from tests.review.test_damaged_and_edited_log import Dialogs
from tests.review.review_windows import open_review

BOTH = "CEST (UTC+02:00), then CET (UTC+01:00) from 03:00 CEST"
MIN = timedelta(minutes=1)


def first_cells(rows: list[tuple[str, ...]]) -> list[str]:
    return [r[0] for r in rows]


# ---- the rule ----------------------------------------------------------------------------------


def test_the_change_is_found_to_the_second_when_the_clocks_go_back_and_forward():
    assert rc.offset_changes(START, START + 90 * MIN, BERLIN) == (CLOCKS_BACK,)
    # A session ending the second before the change spans none.
    assert rc.offset_changes(START, CLOCKS_BACK - timedelta(seconds=1), BERLIN) == ()
    spring = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)      # 02:00 CET became 03:00 CEST
    assert rc.offset_changes(spring - 30 * MIN, spring + 30 * MIN, BERLIN) == (spring,)
    assert rc.offset_changes(START, START + 90 * MIN, UTC) == ()


def test_a_time_with_its_zone_names_the_zone_it_was_read_in():
    # One clock reading, two instants an hour apart.
    assert rc.hhmm(CLOCKS_BACK - 15 * MIN, BERLIN, zoned=True) == "02:45 CEST"
    assert rc.hhmm(CLOCKS_BACK + 45 * MIN, BERLIN, zoned=True) == "02:45 CET"
    assert rc.hhmm(CLOCKS_BACK + 45 * MIN, BERLIN, seconds=True, zoned=True) == "02:45:00 CET"
    assert rc.day_time(CLOCKS_BACK, BERLIN, zoned=True) == "Sun 25 Oct 2026 02:00 CET"
    # Without `zoned`, as before; a zone known only by its offset says the offset.
    assert rc.hhmm(CLOCKS_BACK + 45 * MIN, BERLIN) == "02:45"
    india = timezone(timedelta(hours=5, minutes=30))
    assert rc.hhmm(CLOCKS_BACK, india, zoned=True) == "06:30 UTC+05:30"


# ---- a session across the change ---------------------------------------------------------------


def test_two_readings_at_02_45_an_hour_apart_read_apart_by_their_zone(dst_log: DstLog):
    detail = detail_of(dst_log, "clocks-back")
    vitals = {r[1]: r for r in rc.vital_rows(detail, BERLIN)}
    assert vitals["+25"][:3] == ("02:45 CEST", "+25", "131/81")
    assert vitals["+85"][:3] == ("02:45 CET", "+85", "139/89")
    # Every time, not only those after the change: 02:20 came twice that night too.
    assert first_cells(rc.vital_rows(detail, BERLIN)) == [
        "02:20 CEST", "02:35 CEST", "02:45 CEST", "02:55 CEST",
        "02:05 CET", "02:20 CET", "02:35 CET", "02:45 CET"]
    assert rc.session_zone(detail, BERLIN) == BOTH


def test_every_table_and_the_header_of_that_session_carry_the_zone(dst_log: DstLog):
    detail = detail_of(dst_log, "clocks-back")
    assert rc.phase_rows(detail, BERLIN)[1][:3] == ("Infusion", "02:25 CEST", "02:05 CET")
    assert rc.note_rows(detail, BERLIN) == [
        ("Sun 25 Oct 2026 02:45 CET", "Note", "nurse.ana", "patient calm, escort waiting")]
    assert set(first_cells(rc.checklist_rows(detail, BERLIN))) == {"02:20 CEST", "02:05 CET",
                                                                   "02:45 CET"}
    assert first_cells(rc.observation_rows(detail, BERLIN))[-1] == "02:45 CET"
    overdue = next(r for r in rc.alarm_rows(detail, BERLIN) if r.priority == "medium")
    assert overdue.cells[2] == "02:45:00 CEST"                          # raised
    fields = dict(rc.header_fields(detail, BERLIN))
    assert fields["Date"] == "Sun 25 Oct 2026 02:20 CEST–02:45 CET (1:25 h)"
    assert fields["T0 (first dose)"] == "02:25 CEST"
    assert fields["Discharged"] == "02:45 CET (T0 + 80 min)"


def test_the_same_session_a_night_earlier_reads_exactly_as_before(dst_log: DstLog):
    detail = detail_of(dst_log, "day-before")
    assert first_cells(rc.vital_rows(detail, BERLIN)) == [
        "02:20", "02:35", "02:45", "02:55", "03:05", "03:20", "03:35", "03:45"]
    assert rc.session_zone(detail, BERLIN) == rc.zone(detail.summary.started_at, BERLIN) == (
        "CEST, UTC+02:00")
    fields = dict(rc.header_fields(detail, BERLIN))
    assert fields["Date"] == "Sat 24 Oct 2026 02:20–03:45 (1:25 h)"
    assert fields["Discharged"] == "03:45 (T0 + 80 min)"
    assert rc.note_rows(detail, BERLIN)[0][0] == "Sat 24 Oct 2026 03:45"


def test_that_night_shown_in_utc_has_no_change_to_mark(dst_log: DstLog):
    detail = detail_of(dst_log, "clocks-back")
    vitals = {r[1]: r[0] for r in rc.vital_rows(detail, UTC)}
    assert (vitals["+25"], vitals["+85"]) == ("00:45", "01:45")
    assert rc.session_zone(detail, UTC) == "UTC"


@pytest.fixture
def in_berlin(monkeypatch: pytest.MonkeyPatch):
    """This computer's zone is Europe/Berlin (the command line's exports use it); restored
    after the test."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_computers_own_zone_finds_the_change_too(dst_log: DstLog, in_berlin):
    # tz=None: the zone of this computer, what `infusion-console export` prints in.
    detail = detail_of(dst_log, "clocks-back")
    vitals = {r[1]: r[0] for r in rc.vital_rows(detail, None)}
    assert (vitals["+25"], vitals["+85"]) == ("02:45 CEST", "02:45 CET")
    assert rc.session_zone(detail, None) == BOTH


# ---- the review window --------------------------------------------------------------------------


def test_the_review_names_both_zones_and_marks_each_time(qtbot, dst_log: DstLog):
    dialogs = Dialogs()
    window = open_review(qtbot, dst_log.path, datetime(2026, 10, 26, 12, 0, tzinfo=UTC),
                         tz=BERLIN, dialogs=dialogs)
    # The list: the session across the change with its zones, the one a night earlier as before.
    model = window.list_page.model
    rows = {s.id: dict(zip(model.columns(), model.rows()[i], strict=True))
            for i, s in enumerate(model.sessions)}
    across, before = rows[dst_log.ids["clocks-back"]], rows[dst_log.ids["day-before"]]
    assert (across["Date"], across["Discharged"]) == ("Sun 25 Oct 2026 02:20 CEST",
                                                         "02:45 CET")
    assert (before["Date"], before["Discharged"]) == ("Sat 24 Oct 2026 02:20", "03:45")
    # The session: both zones in the subtitle, each time with its own.
    window.open_session(dst_log.ids["clocks-back"])
    page = window.detail_page
    assert page.title.text() == (
        "MRN-DST · session 1 of 6 · Sun 25 Oct 2026 02:20 CEST–02:45 CET (1:25 h)")
    assert page.subtitle.text().endswith(
        " · T0 02:25 CEST · discharged 02:45 CET (T0 + 80 min) · times " + BOTH)
    shown = [row[:3] for row in page.vitals_model.rows()]
    assert ("02:45 CEST", "+25", "131/81") in shown and ("02:45 CET", "+85", "139/89") in shown
    assert "T0 02:25 CEST" in page.protocol_label.text()
    # A night earlier: one zone, once, as always.
    window.open_session(dst_log.ids["day-before"])
    assert page.subtitle.text().endswith(
        " · T0 02:25 · discharged 03:45 (T0 + 80 min) · times CEST, UTC+02:00")
    assert not dialogs.errors
    window.close_log()


def test_an_annotation_written_months_later_leaves_the_sessions_times_as_they_were(tmp_path):
    # A records audit: an annotation written in December on a session of one night made every
    # time carry a zone and the header name two clock changes within 85 minutes.
    from console.review.queries import annotate
    from console.store import EventLog
    from tests.review.dst_sessions import build_dst_log

    built = build_dst_log(tmp_path / "log.sqlite3")
    december = datetime(2026, 12, 7, 9, 15, tzinfo=UTC)        # 10:15 CET
    with EventLog.open(built.path, "test") as log:
        annotate(log, built.ids["day-before"], "dr.lee", "reviewed: stable course", december)
    detail = detail_of(built, "day-before")
    assert rc.session_zone(detail, BERLIN) == "CEST, UTC+02:00"
    assert first_cells(rc.vital_rows(detail, BERLIN))[:2] == ["02:20", "02:35"]
    assert dict(rc.header_fields(detail, BERLIN))["Date"] == (
        "Sat 24 Oct 2026 02:20–03:45 (1:25 h)")
    # The annotation alone says its zone, which is not the session's named one.
    assert rc.note_rows(detail, BERLIN)[-1][:2] == ("Mon 07 Dec 2026 10:15 CET",
                                                    "Review annotation")
    assert rc.note_rows(detail, BERLIN)[0][0] == "Sat 24 Oct 2026 03:45"
