"""Two corrections entered in error one after the other raise no alarm of a value that counts
nowhere, live as after a restart (README: a value entered in error counts nowhere). The
pre-dose diastolic corrected to 112 (another patient's), the first diastolic after T0 corrected
to 95, then both corrections entered in error: taking back the second put the diastolic's
trackers back as they were kept before the 95, fed the 112 already taken back, and "Diastolic BP
112" stood live with no diastolic of this patient at all; a restart had none (found by a
differential fuzzer, seed 1261)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, restart


def diastolic_alarms(log: EventLog, restarted: bool) -> list[tuple[str, str]]:
    s = LoggedSession(log)
    s.to_infusion()                         # baseline 120/80 typed, ticked, T0
    b = s.now().mono - s.origin
    s.t(b + 41)
    _, first = s.engine.enter_manual_row("bp_diastolic", 80, NURSE, s.now())
    assert first is not None
    pre_dose = s.engine._state.rows["bp_diastolic"][0][0]
    s.t(b + 97)   # the pre-dose diastolic put right: 112 (another patient's, as it turns out)
    assert isinstance(s.engine.correct(pre_dose, "bp_diastolic", 112, NURSE, s.now(),
                                       "typed 80 for 112", confirmed=True), Accepted)
    s.t(b + 109)  # the first after T0 put right: 95
    assert isinstance(s.engine.correct(first, "bp_diastolic", 95, NURSE, s.now(),
                                       "typed 80 for 95", confirmed=True), Accepted)
    corrections = [row for row, _ in s.engine._state.rows["bp_diastolic"]]
    s.t(b + 174)
    assert s.engine.void(corrections[0], "bp_diastolic", NURSE, s.now(), "chair 4's").done
    s.t(b + 229)
    assert s.engine.void(corrections[1], "bp_diastolic", NURSE, s.now(), "chair 4's").done
    if restarted:
        restart(s, 1)
    s.t(b + 300)
    assert s.engine.latest("bp_diastolic") is None   # no diastolic of this patient stands
    return [(o.priority.label, o.message) for o in s.engine.alarms()
            if o.condition == "bp_diastolic_high"]


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_two_corrections_taken_back_leave_no_diastolic_alarm(tmp_path: Path,
                                                             restarted: bool) -> None:
    log = EventLog.open(tmp_path / "session.sqlite3", "test")
    try:
        assert diastolic_alarms(log, restarted) == []
    finally:
        log.close()
