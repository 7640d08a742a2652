"""PCD-01 sends none of a monitor's values from before the session. A monitor's first message may
carry its last cuff, measured hours before the session opened: the previous patient's 196/104 of
3 h before. The trend, the review, the course, the PDF and the FHIR Bundle leave it out by one
rule (console/review/queries.py `before_the_session`: placed more than `STALE_MANUAL_SECONDS`
before the session's start, each monitor's clock judged, it is none of this session's values);
the PCD-01 filtered only by flags, and the interface engine filed the previous patient's cuff in
this patient's chart. A correction of such a value sends nothing either. A monitor whose clock
is behind has its cuff placed when received, as the trend places it, and sent."""

from __future__ import annotations

from datetime import datetime, timedelta

from console.network.pcd import hl7_time, segments
from console.review.queries import load_session, rows_before_the_session
from console.session.entry import Accepted
from devices.reading import Reading
from protocols.vitals import metric
from tests.network.test_composer_state import Chair
from tests.session.helpers import START

NURSE = "nurse.ana"
THREE_HOURS = timedelta(hours=3)


def _last_id(chair: Chair) -> int:
    (last,) = chair.log.conn.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()
    return int(last)


def _obx(chair: Chair, after: int) -> list[tuple[str, str, str]]:
    """(vital's MDC name, value, OBX-14) of every OBX of the PCD-01s written after row `after`."""
    return [(row[3].split("^")[1], row[5], row[14])
            for (message,) in chair.log.conn.execute(
                "SELECT message FROM outbox WHERE kind = 'pcd01' AND id > ? ORDER BY id", [after])
            for row in segments(message) if row[0] == "OBX"]


def _review_leaves_out(chair: Chair) -> list[float]:
    """The values the review leaves out of the session (`rows_before_the_session`)."""
    detail = load_session(chair.log.conn, chair.engine.session_id, with_observations=True)
    early = rows_before_the_session(detail)
    return [o.value for o in detail.observations if o.id in early]


def _message(chair: Chair, cuff_at: datetime, clock_behind: timedelta,
             cuff: tuple[float, float] = (196.0, 104.0)) -> None:
    """One message of the monitor: its cuff, dated `cuff_at` by the monitor's clock, listed
    before the SpO2 and heart rate it measures now (dated by a clock `clock_behind`)."""
    now = chair.clock.now()
    chair.engine.ingest_message([
        *(Reading(name, value, metric(name).unit, cuff_at, now.wall, "hl7:SIM")
          for name, value in zip(("bp_systolic", "bp_diastolic"), cuff, strict=True)),
        *(Reading(name, value, metric(name).unit, now.wall - clock_behind, now.wall, "hl7:SIM")
          for name, value in (("spo2", 97.0), ("heart_rate", 72.0))),
    ], now)


def test_the_previous_patients_cuff_is_not_sent_as_this_patients_result(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")   # the session opened at START, a minute ago
    last = _last_id(chair)
    # The monitor's first message: its last cuff, measured 3 h before the session opened (the
    # previous patient's), with this patient's SpO2 and heart rate, measured now.
    _message(chair, START - THREE_HOURS, timedelta(0))
    logged = chair.log.conn.execute(
        "SELECT count(*) FROM observations WHERE value IN (196, 104)").fetchone()[0]
    assert logged == 2   # the log keeps them: nothing handed to the console is lost
    sent = _obx(chair, last)
    assert [value for _, value, _ in sent] == ["97", "72"], sent
    assert _review_leaves_out(chair) == [196, 104]   # by the review's own rule


def test_the_previous_patients_cuff_entered_in_error_sends_nothing(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    _message(chair, START - THREE_HOURS, timedelta(0))
    (row,) = chair.log.conn.execute(
        "SELECT id FROM observations WHERE value = 196").fetchone()
    last = _last_id(chair)
    # Nothing went out, so nothing is withdrawn (composer.py `_withdrawal`).
    chair.t(30)
    assert chair.engine.void(row, "bp_systolic", NURSE, chair.clock.now(), "old cuff").done
    assert _obx(chair, last) == []


def test_a_correction_of_the_previous_patients_cuff_sends_nothing(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    _message(chair, START - THREE_HOURS, timedelta(0))
    (row,) = chair.log.conn.execute(
        "SELECT id FROM observations WHERE value = 196").fetchone()
    last = _last_id(chair)
    # The nurse corrects it (the monitor misread it): still none of this session's values.
    chair.t(30)
    verdict = chair.engine.correct(row, "bp_systolic", 186, NURSE, chair.clock.now(),
                                   reason="monitor misread", confirmed=True)
    assert isinstance(verdict, Accepted), verdict
    assert _obx(chair, last) == []


def test_a_cuff_from_a_monitor_three_hours_behind_is_sent_when_received(tmp_path):
    chair = Chair(tmp_path / "log.sqlite3")
    last = _last_id(chair)
    # A monitor whose clock is 3 h behind: its cuff of 40 s ago reads 3 h before the session,
    # and the SpO2 listed after it shows the clock off. The trend places the cuff when
    # received, in the session: it is this patient's, and goes, dated when received.
    now = chair.clock.now().wall
    _message(chair, now - THREE_HOURS - timedelta(seconds=40), THREE_HOURS, cuff=(124.0, 78.0))
    received = hl7_time(now)
    sent = _obx(chair, last)
    assert [(value, at) for _, value, at in sent] == [
        ("124", received), ("78", received), ("97", received), ("72", received)], sent
    assert _review_leaves_out(chair) == []
