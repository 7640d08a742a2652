"""An older BP that asked a "Repeat" check, corrected to a value that still breaks the rule, keeps
its repeat owed, live as after a restart (console/session/engine.py `_withdraw_unasked_repeat`).

The repeat is owed while the reading that asked it stands (8c77707). A correction stands for that
reading (the same measurement: its time), with another value: the repeat goes only when the
corrected value would no longer ask it. Live, `correct` withdrew the repeat before the correction
took the corrected row's place, while a restart's replay withdraws after: a typed 185 "corrected"
to 185 lost its repeat live and kept it after a restart; corrected to 195 it lost it both ways.
"""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_repeat_stays_while_the_value_that_asked_it_stands import typed
from tests.session.test_restart_matches_live_repeat_after_void import MIN, REPEAT, repeat_due
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
@pytest.mark.parametrize(("corrected", "repeat"), [
    (185, [(REPEAT, 60 + 5 * MIN - 150)]),   # checked: the same value, still owed
    (195, [(REPEAT, 60 + 5 * MIN - 150)]),   # the cuff read 195: still >= 180, still owed
    (125, []),                               # the cuff read 125: no repeat to confirm it
], ids=["same-value", "still-high", "in-range"])
def test_an_older_bp_corrected_keeps_its_repeat_while_the_corrected_value_asks_it(
        log: EventLog, restarted: bool, corrected: float,
        repeat: list[tuple[str, int]]) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60); high = typed(s, "bp_systolic", 185)    # asks "Repeat Systolic BP" in 5 min
    s.t(start + 120); typed(s, "bp_systolic", 130)          # too soon to be its repeat: owed
    assert repeat_due(s) == [(REPEAT, 60 + 5 * MIN - 120)]
    # The 185, now an older value, corrected.
    s.t(start + 150)
    assert isinstance(s.engine.correct(high, "bp_systolic", corrected, NURSE, s.now(),
                                       f"cuff read {corrected}", confirmed=True), Accepted)
    if restarted:
        restart(s, 0)
    assert repeat_due(s) == repeat
