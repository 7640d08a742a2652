"""An open alarm reads after a restart as it read before it (review 44): a latched alarm with
the value it latched at (its `latched` row), and an alarm whose value changed at its own
priority (no row is written for that) with the newest value at that priority, rebuilt from the
readings replayed since its last row. After a restart the row said the value the alarm was
first raised at: a desaturation to 80 % the nurse must review read as a borderline 90."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.session.alarm_area import row_text
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, restart


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def shown(s: LoggedSession) -> list[tuple[int, str, str, str, float | None, str]]:
    return [(o.id, o.priority.label, o.state.value, o.banner(), o.value, row_text(o))
            for o in s.engine.alarms() if o.condition == "spo2_low"]


def test_a_latched_desaturation_reads_its_lowest_value_after_a_restart(log: EventLog) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10); s.manual("spo2", 90)    # high (<= 90): raised, sounding, nobody there
    s.t(start + 20); s.manual("spo2", 80)    # worse, same (high) priority: the row reads 80
    s.t(start + 30); s.manual("spo2", 96)    # recovered unseen: latched
    live = shown(s)
    assert [row[:5] for row in live] == [
        (1, "high", "latched", "*** SpO2 80 %, limit ≤90 (latched: reset to clear)", 80.0)]
    restart(s, 0)
    assert shown(s) == live


def test_an_unseen_high_desaturation_held_high_reads_as_before_after_a_restart(
        log: EventLog) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10); s.manual("spo2", 88)    # high, sounding
    s.t(start + 20); s.manual("spo2", 80)    # worse at the same priority: the row reads 80
    s.t(start + 30); s.manual("spo2", 92)    # medium now: held high until acknowledged
    live = shown(s)
    assert [row[5] for row in live] == ["*** SpO2 80 %, limit ≤90 · now 92"]
    restart(s, 0)
    assert shown(s) == live



def test_an_acknowledged_alarm_back_inside_keeps_its_last_value_after_a_restart(
        log: EventLog) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 10); s.manual("resp_rate", 30)   # medium (>= 25), sounding
    s.t(start + 15)                              # the nurse acknowledges it at 30
    alarm = next(o for o in s.engine.alarms() if o.condition == "resp_rate_high")
    assert s.engine.acknowledge(alarm.id, "nurse.ana", s.now()).done
    s.t(start + 20); s.manual("resp_rate", 28)   # still medium: no row, the alarm reads 28
    s.t(start + 30); s.manual("resp_rate", 20)   # back inside: it ends a while later
    live = [(o.priority.label, o.state.value, row_text(o), o.value) for o in s.engine.alarms()
            if o.condition == "resp_rate_high"]
    assert live == [("medium", "acknowledged",
                     "** Respiratory rate 28 breaths/min, limit ≥25 · acknowledged", 28.0)]
    restart(s, 0)
    # After the restart it read the value acknowledged (30), not the last that held it.
    assert [(o.priority.label, o.state.value, row_text(o), o.value) for o in s.engine.alarms()
            if o.condition == "resp_rate_high"] == live
