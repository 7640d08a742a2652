"""The order of the review's and the report's tables across a station clock set back (NTP
correcting a fast clock) while a session ran: the order the console logged its records, not
their wall times, which came twice. Sorted by wall time, the Notes tab listed "Station clock
stepped", then the note written after the step, then the one before it; the vitals table
started with a 160/90 typed after the step above the 09:00 baseline (a high BP before the
session began); an open session's "last record" was its latest wall time, from before the step,
and its scheduled checks ran on to a time the session never reached.

The scenario (the review's finding): IV ketamine from 09:00, T0 09:05; at 09:10 a BP 140/85 and
a note; at real 09:20 NTP sets the clock back 30 min; at real 09:25 (it reads 08:55) a BP 160/90
and a second note; the session left open."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from console.clock import Moment
from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.session.engine import ALARM_ROWS_BEFORE, OBSERVATIONS_BEFORE
from console.store import EventLog
from tests.review.scenarios import Driver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BEFORE, AFTER = "first note, before the step", "second note, after the step"


def _session(tmp_path, *, refused_and_overridden: bool = False, monitor: bool = False):
    """The scenario above: (the session as the review loads it, its protocol).
    `refused_and_overridden`: a discharge refused at 09:10, and the infusion ended early with an
    override at real 09:25 (08:55). `monitor`: the monitor's HR each minute from real 09:11 to
    09:19 and from 09:22 to 09:28 (the last reads 08:58), the session's last records."""
    path = tmp_path / "s.sqlite3"
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-ORD", 72.0, "nurse.ana", START, 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                    # T0 09:05
        r.at(10); r.manual(bp_systolic=140, bp_diastolic=85, moaas=4)
        r.engine.note(BEFORE, r.nurse, r.clock.now())
        if refused_and_overridden:
            assert not r.engine.discharge(r.nurse, r.clock.now()).done   # logged, refused
        for minute in range(11, 20) if monitor else ():
            r.at(minute); r.device(heart_rate=72)
        r.at(20)
        now = r.clock.now()                                     # NTP: the clock 30 min back
        r.clock._now = Moment(now.mono, now.wall - timedelta(minutes=30))
        r.at(21)                                                # logged: clock_stepped
        for minute in range(22, 29 if monitor else 26):
            r.at(minute)
            if minute == 25:
                r.manual(bp_systolic=160, bp_diastolic=90, moaas=2)
                r.engine.note(AFTER, r.nurse, r.clock.now())
                if refused_and_overridden:
                    r.advance(override_reason="patient asked to stop")
            if monitor:
                r.device(heart_rate=75 + minute - 22)
        session, protocol = r.id, r.protocol
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    assert [e.detail["step_s"] for e in detail.events if e.kind == "clock_stepped"] == [-1800]
    return detail, protocol


def _notes_order(detail) -> list[str]:
    return [text if kind == "Note" else kind for _, kind, _, text in rc.note_rows(detail, UTC)]


def test_notes_keep_the_order_they_were_written_across_a_clock_set_back(tmp_path):
    detail, _ = _session(tmp_path)
    assert _notes_order(detail) == [BEFORE, "Station clock stepped", AFTER]


def test_the_vitals_table_keeps_the_order_the_readings_were_typed_across_a_clock_set_back(
        tmp_path):
    detail, protocol = _session(tmp_path)
    rows = rc.vital_rows(detail, UTC, protocol)
    typed = [(time, bp) for time, _, bp, *_ in rows if bp != rc.NONE]
    # The baseline first, the 160/90 typed after the step last, each at its logged time.
    assert typed == [("09:00", "124/80"), ("09:10", "140/85"), ("08:55", "160/90")], rows


def test_the_scores_table_keeps_the_order_the_scores_were_entered_across_a_clock_set_back(
        tmp_path):
    detail, _ = _session(tmp_path)
    columns = rc.observation_columns(detail)
    sedation = columns.index(rc.SCALE_TITLES["moaas"])
    rows = [(row[0], row[sedation]) for row in rc.observation_rows(detail, UTC)]
    assert [score for _, score in rows] == ["5", "4", "2"], rows
    assert rows[-1][0] == "08:55", rows


def test_the_overrides_table_keeps_the_order_they_were_logged_across_a_clock_set_back(
        tmp_path):
    detail, _ = _session(tmp_path, refused_and_overridden=True)
    rows = [(time, what) for time, what, *_ in rc.override_rows(detail, UTC)]
    assert [what for _, what in rows] == ["Discharge refused", "Ended phase Infusion early"], rows
    assert [time for time, _ in rows] == ["09:10", "08:55"], rows


def test_an_open_sessions_banner_names_the_record_written_last_across_a_clock_set_back(
        tmp_path):
    # The last record is the note typed after the step, 08:55 on the new clock; 09:20 is a
    # time the clock read before the step, 5 minutes of record earlier.
    detail, _ = _session(tmp_path)
    text = rc.not_ended_text(detail, UTC)
    assert "Its last record is at 08:55" in text, text


def test_no_scheduled_check_after_an_open_sessions_last_record_across_a_clock_set_back(
        tmp_path):
    # Infusion from 09:05, checks every 10 and 15 min as the console's timers ran; the record
    # ends at real 09:25 (08:55). Due by then: real 09:15, 09:20, 09:25 (wall 09:15, 09:20,
    # 08:55). Its end taken as its latest wall time (09:20, before the step) counted 45 min of
    # infusion and added real 09:35 (wall 09:05), never reached.
    detail, protocol = _session(tmp_path)
    due = [rc.hhmm(t, UTC) for t in rc.scheduled_checks(detail, protocol)]
    assert due == ["08:55", "09:15", "09:20"], due
    rows = [row for row in rc.vital_rows(detail, UTC, protocol) if row[0] == "09:05"]
    assert not rows, rows                                   # no "not recorded" check there


def test_an_open_sessions_last_monitor_reading_ends_its_vitals_table_across_a_clock_set_back(
        tmp_path):
    # The monitor's last HR came at real 09:28, 08:58 on the new clock, after the BP typed at
    # real 09:25 (08:55); 09:19 came before the step. The table ends with that last reading.
    detail, protocol = _session(tmp_path, monitor=True)
    rows = rc.vital_rows(detail, UTC, protocol)
    assert (rows[-1][0], rows[-1][3]) == ("08:58", "81"), rows
    assert rows[-1][-1] == "device (last reading: session not ended)", rows
    assert "Its last record is at 08:58" in rc.not_ended_text(detail, UTC)


def test_an_older_log_without_row_counts_keeps_the_notes_in_the_order_written(tmp_path):
    # A log whose steps do not count the rows before them still orders its events by their ids.
    detail, _ = _session(tmp_path)
    events = tuple(replace(e, detail={k: v for k, v in e.detail.items()
                                      if k not in (OBSERVATIONS_BEFORE, ALARM_ROWS_BEFORE)})
                   for e in detail.events)
    older = replace(detail, events=events)
    assert _notes_order(older) == [BEFORE, "Station clock stepped", AFTER]
