"""A "Repeat" check is owed while the value that asked it stands, and only then: taking back
another value neither withdraws it nor, once its own value is taken back, brings it back; live
as after a restart (R10; README: a correction, or a value entered in error, withdraws the
repeat-to-confirm its wrong value asked for). Found by a differential fuzzer (fuzz_restart
seeds 3962 and 3906).
"""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_restart_matches_live_repeat_after_void import MIN, REPEAT, repeat_due
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401

REPEAT_DIASTOLIC = "Repeat Diastolic BP"


def typed(s: LoggedSession, metric: str, value: float) -> int:
    _, row = s.engine.enter_manual_row(metric, value, NURSE, s.now())
    assert row is not None
    return row


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_the_pre_dose_bp_taken_back_leaves_the_repeat_a_corrected_185_asked(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()                                            # pre-dose 120/80 typed, T0
    start = s.now().mono - s.origin
    pre_dose = s.engine._state.rows["bp_systolic"][0][0]
    s.t(start + 60); typo = typed(s, "bp_systolic", 205)
    s.t(start + 70)                                            # 205 was 185: its repeat at +6 min
    assert isinstance(s.engine.correct(typo, "bp_systolic", 185, NURSE, s.now(), "typed 205",
                                       confirmed=True), Accepted)
    s.t(start + 140); typed(s, "bp_systolic", 125)             # too soon to be its repeat
    assert repeat_due(s) == [(REPEAT, 60 + 5 * MIN - 140)]
    # The pre-dose BP was another patient's: the corrected 185 still asks its repeat.
    s.t(start + 220)
    assert s.engine.void(pre_dose, "bp_systolic", NURSE, s.now(), "chair 4's").done
    if restarted:
        restart(s, 0)
    assert repeat_due(s) == [(REPEAT, 60 + 5 * MIN - 220)]


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_the_repeat_of_a_diastolic_taken_back_stays_gone_when_its_repeat_is_taken_back(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)                                     # before the dose
    s.t(30); typo = typed(s, "bp_diastolic", 112)              # asks its repeat at +5 min
    s.t(300); repeat = typed(s, "bp_diastolic", 80)            # meets it
    s.t(380)                                                   # the 112 was another patient's
    assert s.engine.void(typo, "bp_diastolic", NURSE, s.now(), "chair 4's").done
    if restarted:
        restart(s, 0)
    s.t(510)                                                   # and so was the 80
    assert s.engine.void(repeat, "bp_diastolic", NURSE, s.now(), "chair 4's").done
    # No value stands that asked a repeat: none is due, nor overdue later.
    assert [d.name for d in s.engine.due(s.now()) if d.name == REPEAT_DIASTOLIC] == []
    s.t(30 + 11 * MIN)
    assert [o.condition for o in s.engine.alarms()
            if o.condition == "vitals_due:" + REPEAT_DIASTOLIC] == []
