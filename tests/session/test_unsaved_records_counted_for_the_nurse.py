"""What the restart's "Records ... are not in the log" alarm counts (engine `_unsaved_left`,
holding `left_held`): what the nurse re-enters or Support reads, and nothing else.

It had counted the log's own "Session log unavailable" alarm as an alarm change to re-enter, and
a monitor's readings, each answered "not stored" (AE) and sent again by the monitor, as readings
to re-enter (re-entered, they were logged twice), the log's own copy of a resend included."""

from __future__ import annotations

from pathlib import Path

from console.records import ObservationRecord
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (  # noqa: F401 - fixture
    Locked, found_events, held_at_a_kill, log_in, resumed, spare_folder, unsaved_alarm)


def monitor_held_at_a_kill(s: LoggedSession, typed: bool = False) -> Path:
    """The monitor sends SpO2 97 and HR 71 while the log is locked (held: answered AE), the
    nurse perhaps types RR 14; then the console is killed."""
    log: EventLog = s.recorder   # type: ignore[assignment]
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = s.now().mono - s.origin
    s.t(start + 5); s.device("spo2", 97); s.device("heart_rate", 71)   # logged
    s.engine.writes.recorder = Locked(log)
    s.t(start + 10); s.device("spo2", 97); s.device("heart_rate", 71)  # held
    if typed:
        s.manual("resp_rate", 14)
    assert s.engine.unsaved > 0
    (held,) = log.path.parent.glob("unsaved-records-*.jsonl")
    return held


def test_the_log_unavailable_alarm_is_not_counted_as_an_alarm_change_to_re_enter(
        tmp_path: Path) -> None:
    # Held: SpO2 85 and BP 192 typed; the SpO2 alarm raised and acknowledged, the BP's raised,
    # and the log's own alarm raised (nobody re-enters that one).
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        engine = resumed(s)
        [(_, _, message)] = unsaved_alarm(engine)
        assert message == ("Records from before the restart are not in the log: 2 typed values, "
                           f"3 alarm changes in {held.name}: re-enter what matters, tell Support")
        assert found_events(log, engine.session_id) == [
            {"file": str(held), "readings": 2, "typed_values": 2, "monitor_readings": 0,
             "alarm_changes": 3, "other_entries": 0}]
    finally:
        log.close()


def test_monitor_readings_held_are_said_apart_as_sent_again_not_to_re_enter(
        tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = monitor_held_at_a_kill(s, typed=True)
        engine = resumed(s)
        [(priority, state, message)] = unsaved_alarm(engine)
        assert (priority, state) == ("medium", "latched")
        assert message == (
            f"Records from before the restart are not in the log: 1 typed value in {held.name}: "
            "re-enter what matters, tell Support; 2 monitor readings answered 'not stored' (AE): "
            "the monitor sends them again")
    finally:
        log.close()


def test_monitor_readings_alone_are_said_as_sent_again(tmp_path: Path) -> None:
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = monitor_held_at_a_kill(s)
        engine = resumed(s)
        [(_, _, message)] = unsaved_alarm(engine)
        assert message == (
            f"Monitor readings from before the restart are not in the log: 2 in {held.name}, "
            "answered 'not stored' (AE): the monitor sends them again")
        assert "re-enter" not in message
    finally:
        log.close()


def test_monitor_readings_the_log_has_are_not_counted_at_the_restart(tmp_path: Path) -> None:
    # The monitor sent the held readings again and the log took them (same source, channel,
    # metric, value and measured time) before this restart looked: nothing is missing.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        monitor_held_at_a_kill(s)
        resent = [r for r in s.engine.writes.held if isinstance(r, ObservationRecord)]
        assert len(resent) == 2
        log.write(resent)
        engine = resumed(s)
        assert unsaved_alarm(engine) == []
        assert found_events(log, engine.session_id) == []
    finally:
        log.close()
