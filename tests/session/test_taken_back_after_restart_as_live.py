"""An escalation that a later value made stand stays standing after a restart, as live: SpO2 92
(medium) acknowledged, a typed 88 escalates it to high (sounding), a typed 87 follows; both are
then taken back (entered in error). Live, the 87 made the escalation stand (`AlarmBoard._change`:
another value stands now), so the alarm stays high and sounding. A restart anywhere between the
87 and the second take-back had rebuilt the escalation from the alarm rows alone (the 87 wrote
none) as still undoable: the same take-backs put it back to medium, acknowledged, silent."""

from __future__ import annotations

import pytest

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, restart

NURSE = "nurse.ana"


def spo2_alarm(s: LoggedSession) -> list[tuple[int, str, str]]:
    return [(o.id, o.priority.label, o.state.value) for o in s.engine.alarms()
            if o.condition == "spo2_low"]


def take_back(s: LoggedSession, value: float) -> None:
    (row,) = [i for i, o in s.recorder.observations(s.engine.session_id)   # type: ignore[attr-defined]
              if o.metric == "spo2" and o.value == value]
    assert s.engine.void(row, "spo2", NURSE, s.now(), "another patient's value").done


def run(log: EventLog, restart_after: str | None) -> tuple[list[tuple[int, str, str]], str | None]:
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10); s.manual("spo2", 92)
    (alarm,) = s.engine.alarms()
    assert s.engine.acknowledge(alarm.id, NURSE, s.now()).done
    s.t(start + 30); s.manual("spo2", 88)      # escalated: high, sounding
    s.t(start + 40); s.manual("spo2", 87)      # another value: the escalation stands
    if restart_after == "87":
        restart(s, 0)
    s.t(start + 60); take_back(s, 87)
    if restart_after == "first take-back":
        restart(s, 0)
    s.t(start + 70); take_back(s, 88)
    s.t(start + 80)
    sounding = s.engine.audio(s.now()).priority
    return spo2_alarm(s), sounding and sounding.label


@pytest.mark.parametrize("restart_after", ["87", "first take-back"])
def test_two_values_taken_back_leave_the_alarm_high_and_sounding_after_a_restart(
        tmp_path, restart_after: str) -> None:
    live_log = EventLog.open(tmp_path / "live.sqlite3", "test")
    restarted_log = EventLog.open(tmp_path / "restarted.sqlite3", "test")
    try:
        live = run(live_log, None)
        assert live == ([(1, "high", "active")], "high")
        assert run(restarted_log, restart_after) == live
    finally:
        live_log.close()
        restarted_log.close()
