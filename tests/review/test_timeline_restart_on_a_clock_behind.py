"""The timeline and the events CSV keep a restart on a clock behind its log in the order written
(a diff review).

A console restarted on a clock 30 minutes behind its log (its RTC wrong, NTP not yet in) logs no
clock step: it raises "clock behind" instead. Its `session_resumed` counts the alarm rows logged
before it, as a step does, yet those counts were used only when a step was logged: merged by
their times alone, the SpO2 alarm raised before the crash came after the restart and after its
own acknowledgement, as if raised while the console was down."""

from __future__ import annotations

from datetime import timedelta

from console.clock import ManualClock
from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from devices.reading import Reading
from tests.review.logged_session import logged_session
from tests.review.test_restart_in_record import resumed


def _restarted_on_a_clock_behind(tmp_path) -> SessionDetail:
    """SpO2 86 % at 09:02:20 (a high alarm), the console killed; restarted 5 min later on a
    clock reading 30 min behind, where the nurse acknowledges the restored alarm."""
    s = logged_session(tmp_path, patient="MRN-9", dose_mg=36.0, pump_rate_ml_h=150.0)
    engine, clock = s.engine, s.clock
    for name, value in (("bp_systolic", 120), ("bp_diastolic", 80)):
        engine.enter_manual(name, value, "ana", clock.advance(10))
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done   # T0
    now = clock.advance(60)
    engine.ingest_message([Reading("spo2", 86, "%", now.wall, now.wall, "hl7:MON")], now)
    session = engine.session_id
    s.log.close()                                            # the console is killed
    # The restarted console's clock: 5 min on, reading 30 min behind.
    behind = ManualClock(now.wall + timedelta(minutes=5) - timedelta(minutes=30))
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = resumed(log, session, behind, "ben")
    (alarm,) = [o for o in engine.alarms() if o.condition == "spo2_low"]
    assert engine.acknowledge(alarm.id, "ben", behind.advance(30)).done
    log.close()
    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        detail = load_session(conn, session)
    finally:
        conn.close()
    assert detail.logged_steps() == ()   # no step logged: the restart's counts are all there is
    return detail


def test_the_timeline_keeps_an_alarm_before_a_restart_on_a_clock_behind(tmp_path):
    detail = _restarted_on_a_clock_behind(tmp_path)
    said = [(e.kind, e.text) for e in detail.timeline()]
    raised = said.index(next(s for s in said if s[0] == "alarm_raised" and "spo2" in s[1]))
    acked = said.index(next(s for s in said if s[0] == "alarm_acknowledged" and "spo2" in s[1]))
    assert raised < [k for k, _ in said].index("session_resumed") < acked, said


def test_the_events_csv_keeps_an_alarm_before_a_restart_on_a_clock_behind(tmp_path):
    detail = _restarted_on_a_clock_behind(tmp_path)
    kind, condition = EVENT_COLUMNS.index("kind"), EVENT_COLUMNS.index("condition")
    rows = [(row[kind], row[condition]) for row in event_rows(detail)]
    assert rows.index(("alarm_raised", "spo2_low")) < rows.index(("session_resumed", "")) \
        < rows.index(("alarm_acknowledged", "spo2_low")), rows
