"""A console restart in the middle of a session is in the record: the notes say when the console
was not running, an alarm's time to acknowledge says how much of it the console was down, and
the course marks the session (a clinician's audit: a 7-minute outage read as an 8:30 min response
by the nurse, and nowhere else).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta

from console.clock import ManualClock
from console.records import SessionOpened
from console.review import content as rc
from console.review.queries import annotate, load_course, load_session, open_readonly
from console.session.engine import SessionEngine
from console.store import EventLog
from devices.reading import Reading
from tests.review.logged_session import iv_ketamine, logged_session


def resumed(log: EventLog, session: int, clock: ManualClock, actor: str) -> SessionEngine:
    """The session taken up again from `log` by a restarted console, as `actor`."""
    (row,) = [r for r in log.open_sessions() if r.id == session]
    return SessionEngine.resume(
        iv_ketamine(), log, session,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in log.observations(session)], [r for _, r in log.events(session)],
        [r for _, r in log.alarm_events(session)], clock.now(), actor)


def test_a_restart_is_in_the_notes_the_time_to_ack_and_the_course(tmp_path):
    s = logged_session(tmp_path, patient="MRN-9", dose_mg=36.0, pump_rate_ml_h=150.0)
    engine, clock = s.engine, s.clock
    for name, value in (("bp_systolic", 120), ("bp_diastolic", 80)):
        engine.enter_manual(name, value, "ana", clock.advance(10))
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done   # T0
    now = clock.advance(60)                                           # 09:02:20
    engine.ingest_message([Reading("spo2", 86, "%", now.wall, now.wall, "hl7:MON")], now)
    assert [o.condition for o in engine.alarms()] == ["spo2_low"]
    session = engine.session_id
    s.log.close()                                                     # the console is killed

    clock.advance(7 * 60)                                             # restarted 7 min later
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    # A clinician's review note written while the console was down is not its last record.
    annotate(log, session, "dr.kim", "Seen in the review", clock.now().wall - timedelta(minutes=1))
    engine = resumed(log, session, clock, "ben")
    (alarm,) = engine.alarms()
    assert engine.acknowledge(alarm.id, "ben", clock.advance(30)).done
    log.close()

    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        detail = load_session(conn, session)
        course = load_course(conn, "MRN-9")
    finally:
        conn.close()
    (restart,) = detail.restarts
    assert restart.unrecorded_seconds == 7 * 60 and restart.alarms_restored == 1
    notes = rc.note_rows(detail, UTC)
    assert ("Console restarted", "ben",
            "No record from 09:02:20 (the last) to the restart at 09:09:20: the console stopped"
            " at some moment in between; up to 7:00 min with nothing monitored or recorded;"
            " 1 alarm restored as it was") in [n[1:] for n in notes]
    (row,) = [r for r in rc.alarm_rows(detail, UTC) if r.episode.condition == "spo2_low"]
    assert row.cells[4] == "7:30 min (up to 7:00 min of it with the console stopped)"
    cells = rc.course_cells(course[0], UTC)
    assert cells["restarts"] == "⚠ 1 (up to 7:00 min unrecorded)"
    # Still infusing where the record stops: not the whole dose (an audit read it as given).
    assert cells["dose"] == (
        "36 mg (0.5 mg/kg) planned; session not ended (infusion at 8:30 of 40 min)")


def test_the_course_marks_a_partial_infusion_a_dose_never_given_and_a_discharge_over_the_gate(
        tmp_path):
    """A clinician's audit: the course read "Dose 36 mg" for an infusion stopped at 11 of 40
    min, and its discharge at T0 + 12 min against the gate as a quick recovery."""
    s = logged_session(tmp_path / "a", patient="MRN-9", dose_mg=36.0, pump_rate_ml_h=150.0)
    engine, clock = s.engine, s.clock
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done   # T0
    assert engine.advance_phase("ana", clock.advance(11 * 60), override_reason="nausea").done
    assert engine.discharge("ana", clock.advance(60), override_reason="Dr Lee: to ED").done
    s.log.close()
    never = logged_session(tmp_path / "b", patient="MRN-9", dose_mg=40.0, pump_rate_ml_h=150.0)
    assert never.engine.discharge("ana", never.clock.advance(180), override_reason="unwell").done
    never.log.close()
    for folder, dose, discharge in (
            ("a", "36 mg (0.5 mg/kg) planned; ended at 11:00 of 40 min",
             "13 (T0 + 12 min) ⚠ against the gate"),
            ("b", "40 mg (0.56 mg/kg) planned; never given", "3 ⚠ against the gate")):
        conn = open_readonly(tmp_path / folder / "log.sqlite3")
        try:
            (row,) = load_course(conn, "MRN-9")
        finally:
            conn.close()
        cells = rc.course_cells(row, UTC)
        assert (cells["dose"], cells["discharge"], cells["restarts"]) == (dose, discharge, "none")


def test_a_restart_after_a_nurse_closed_the_console_says_who_closed_it(tmp_path):
    """The engine logs `console_closed` "so the record says why it has a gap, and who or what
    chose it"; the restart's row said only "Not running from 09:02:20 …": a gap a nurse chose
    read like a crash or a power cut. A restart after a crash still reads as before (above),
    the stop somewhere after its last record; after a close the stop is known."""
    s = logged_session(tmp_path, patient="MRN-9", dose_mg=36.0, pump_rate_ml_h=150.0)
    engine, clock = s.engine, s.clock
    for name, value in (("bp_systolic", 120), ("bp_diastolic", 80)):
        engine.enter_manual(name, value, "ana", clock.advance(10))
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done   # T0
    assert engine.console_closed("nurse.cy", clock.advance(60)).done   # 09:02:20 closed
    session = engine.session_id
    s.log.close()
    clock.advance(10 * 60)                                             # started again 09:12:20
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    resumed(log, session, clock, "ana")
    log.close()
    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        detail = load_session(conn, session)
    finally:
        conn.close()
    assert [n[1:] for n in rc.note_rows(detail, UTC) if n[1] == "Console restarted"] == [
        ("Console restarted", "ana",
         "Console closed by nurse.cy at 09:02:20. Not running from 09:02:20 (its last record) "
         "to 09:12:20: 10:00 min with nothing monitored or recorded; no alarm was open")]
    # Stopped by the system (a shutdown's SIGTERM), not by a nurse: it says so.
    (restart,) = detail.restarts
    closed = detail.closed_before(restart)
    assert closed is not None
    stopped = replace(closed, detail={**closed.detail, "signal": "SIGTERM"})
    assert rc.restart_text(restart, UTC, closed=stopped).startswith(
        "Console stopped by the system (SIGTERM) at 09:02:20. Not running from 09:02:20")
