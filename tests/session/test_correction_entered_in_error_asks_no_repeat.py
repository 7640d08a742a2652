"""A correction entered in error brings back no "Repeat" of the value it corrected, live as after
a restart: a typed systolic 185 asks "Repeat Systolic BP" in 5 min; corrected to 125, the repeat
is withdrawn (the 185 counts nowhere); the correction itself then entered in error (another
chair's), the vital goes back to the value before the 185 (README: a value entered in error
counts nowhere, and a repeat is asked only by a value that still stands). Live, the 185's repeat
came back, overdue and a medium alarm 11 minutes later; a restart had none (found by a
differential fuzzer, seed 2039)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, restart

REPEAT = "Repeat Systolic BP"


def repeat_asked(log: EventLog, restarted: bool, restart_before_the_void: bool = False,
                 ) -> tuple[list[str], list[tuple[str, str]]]:
    """185 typed at T+1, corrected to 125 at T+1:40, the correction entered in error at
    T+1:50 (perhaps a restart, before the void or after it); what is asked at T+12."""
    s = LoggedSession(log)
    s.to_infusion()
    b = s.now().mono - s.origin
    s.t(b + 60)
    _, row = s.engine.enter_manual_row("bp_systolic", 185, NURSE, s.now(), True)
    assert row is not None
    assert [d.name for d in s.engine.due(s.now()) if d.name == REPEAT] == [REPEAT]
    s.t(b + 100)
    assert isinstance(s.engine.correct(row, "bp_systolic", 125, NURSE, s.now(), "cuff read 125",
                                       confirmed=True), Accepted)
    assert [d.name for d in s.engine.due(s.now()) if d.name == REPEAT] == []
    correction = s.engine._state.rows["bp_systolic"][-1][0]
    if restart_before_the_void:
        restart(s, 5)
    s.t(b + 110)
    assert s.engine.void(correction, "bp_systolic", NURSE, s.now(), "another chair's").done
    if restarted:
        restart(s, 0)
    s.t(b + 60 + 11 * 60)   # the 185's repeat would be overdue by 6 min
    return ([d.name for d in s.engine.due(s.now()) if d.name == REPEAT],
            [(o.priority.label, o.message) for o in s.engine.alarms()
             if o.condition == "vitals_due:" + REPEAT])


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_correction_entered_in_error_asks_no_repeat_of_the_value_it_corrected(
        tmp_path: Path, restarted: bool) -> None:
    log = EventLog.open(tmp_path / "session.sqlite3", "test")
    try:
        assert repeat_asked(log, restarted) == ([], [])
    finally:
        log.close()


def test_a_correction_entered_in_error_after_a_restart_asks_no_repeat(tmp_path: Path) -> None:
    # The correction read back from the log (its trackers kept by the replay), then taken back.
    log = EventLog.open(tmp_path / "session.sqlite3", "test")
    try:
        assert repeat_asked(log, False, restart_before_the_void=True) == ([], [])
    finally:
        log.close()
