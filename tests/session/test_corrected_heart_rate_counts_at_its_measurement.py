"""A correction counts for the vitals checks as the measurement it stands for, when that was
taken, live as after a restart: the pre-dose heart rate corrected at T+8:17 is no heart rate of
T+8, so a diastolic of T+8:05 entered in error leaves "BP and HR" asking for the heart rate too.
The check was counted again from the values that stand with the correction at its own time,
and met the heart rate live, where a restart asked for it (found by a differential fuzzer,
seed 2031)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, restart


def bp_and_hr_lacks(log: EventLog, restarted: bool) -> list[tuple[str, ...]]:
    s = LoggedSession(log)
    s.to_infusion()                       # baseline 120/80 and HR 70 typed, T0
    b = s.now().mono - s.origin
    heart_rate = s.engine._state.rows["heart_rate"][0][0]
    s.t(b + 485)                          # inside the T+10 check's window (from T+8)
    _, diastolic = s.engine.enter_manual_row("bp_diastolic", 95, NURSE, s.now())
    assert diastolic is not None
    s.t(b + 497)   # the pre-dose heart rate put right
    assert isinstance(s.engine.correct(heart_rate, "heart_rate", 45, NURSE, s.now(),
                                       "typed 70 for 45", confirmed=True), Accepted)
    s.t(b + 574)
    assert s.engine.void(diastolic, "bp_diastolic", NURSE, s.now(), "chair 4's").done
    if restarted:
        restart(s, 1)
    s.t(b + 616)
    return [d.missing for d in s.engine.due(s.now()) if d.name == "BP and HR"]


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_heart_rate_corrected_in_the_window_does_not_meet_bp_and_hr(
        tmp_path: Path, restarted: bool) -> None:
    log = EventLog.open(tmp_path / "session.sqlite3", "test")
    try:
        assert bp_and_hr_lacks(log, restarted) == [("bp_systolic", "bp_diastolic", "heart_rate")]
    finally:
        log.close()
