"""Pre-dose, iv-ketamine:
typed BP 124/66 and 191/115, then the monitor's NIBP 139/69, its diastolic corrected to 112; the
typed 66 and, three minutes on, the typed 115 are entered in error. The 112 (corrected) still
asks its repeat, owed from the 191/115's time: overdue, "Vitals due: Repeat Diastolic BP" shows,
live as after a restart. Re-timed from the correction by the second void (2 min later), the
overdue prompt left the nurse's screen live only (engine `void`: no rebuild where a correction
came since that a replay takes otherwise)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store import EventLog
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.vitals import metric
from tests.session.test_resume_as_live import LoggedSession, restart

NURSE = "nurse.ana"
SRC = "hl7:MON"
PROTOCOL = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def row_of(s: LoggedSession, value: float) -> int:
    return next(row for row, kept in s.engine._state.rows["bp_diastolic"]
                if kept.reading.value == value)


def bp(s: LoggedSession, systolic: float, diastolic: float) -> None:
    s.engine.enter_manual("bp_systolic", systolic, NURSE, s.now())
    s.engine.enter_manual("bp_diastolic", diastolic, NURSE, s.now())


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_second_typo_taken_back_leaves_the_overdue_diastolic_repeat(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log, PROTOCOL)
    s.t(1); bp(s, 173, 111)
    s.t(62); bp(s, 124, 66)
    s.t(63); bp(s, 191, 115)
    s.t(124)
    s.engine.device_state_changed("connected", s.now())
    w = s.now().wall
    s.engine.ingest_message(
        [Reading("heart_rate", 82, metric("heart_rate").unit, w, w, SRC),
         Reading("spo2", 97, metric("spo2").unit, w, w, SRC),
         Reading("resp_rate", 14, metric("resp_rate").unit, w, w, SRC),
         Reading("bp_systolic", 139, "mmHg", w, w, SRC, "NIBP"),
         Reading("bp_diastolic", 69, "mmHg", w, w, SRC, "NIBP")], s.now())
    s.t(125)
    assert s.engine.correct(row_of(s, 69), "bp_diastolic", 112, NURSE, s.now(),
                            reason="misread").value == 112
    s.t(126)
    assert s.engine.void(row_of(s, 66), "bp_diastolic", NURSE, s.now(), reason="wrong chair").done
    s.t(306)
    s.t(307)
    assert s.engine.void(row_of(s, 115), "bp_diastolic", NURSE, s.now(),
                         reason="wrong chair").done
    if restarted:
        restart(s, 0, protocol=PROTOCOL)
        s.engine.device_state_changed("connected", s.now())
    s.engine.tick(s.now())
    due = [(d.name, round(d.due_at.mono - s.origin)) for d in s.engine.due(s.now())
           if d.name == "Repeat Diastolic BP"]
    assert due == [("Repeat Diastolic BP", 301)]
    assert [(o.condition, o.priority.label) for o in s.engine.alarms()
            if o.condition.startswith("vitals_due")] == [
        ("vitals_due:Repeat Diastolic BP", "info")]
