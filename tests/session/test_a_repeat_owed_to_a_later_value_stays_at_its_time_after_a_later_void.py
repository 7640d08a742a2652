"""A "Repeat Systolic BP" asked by a typed 185 and again by a real 190 is owed to the 190 alone once
the 185 is corrected. A later value entered in error and taken back leaves it at the 190's time:
with the 185 still counted among the values that asked it, each value taken back moved it on by
the 185-to-190 gap once more, and the nurse was prompted minutes late (live only: a restart's
replay never counts the 185)."""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_a_repeat_owed_to_a_later_value_is_timed_from_it_once_the_first_is_corrected import (  # noqa: E501
    MIN, NURSE, REPEAT, log, repeat_alarm, repeat_due)  # noqa: F401 - the fixture
from tests.session.test_resume_as_live import LoggedSession, restart


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_value_taken_back_after_the_correction_leaves_the_repeat_at_the_190s_time(
        log: EventLog, restarted: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()                                   # baseline 120/80
    start = s.now().mono - s.origin
    # +1 min: 185 (typed); +2 min: 130; +3 min: 190 (real); +3.5 min: 125.
    s.t(start + 1 * MIN); _, typo = s.engine.enter_manual_row("bp_systolic", 185, NURSE, s.now())
    s.t(start + 2 * MIN); s.manual("bp_systolic", 130)
    s.t(start + 3 * MIN); s.manual("bp_systolic", 190)
    s.t(start + 3 * MIN + 30); s.manual("bp_systolic", 125)
    # +4 min: the 185 was misread, a 120: the repeat is owed to the 190, due at +8 min.
    s.t(start + 4 * MIN)
    assert isinstance(s.engine.correct(typo, "bp_systolic", 120, NURSE, s.now(),
                                       reason="misread"), Accepted)
    assert repeat_due(s) == [(REPEAT, 4 * MIN)]
    # +4.5 min: a systolic 128 typed into the wrong chair, taken back at +5 min.
    s.t(start + 4 * MIN + 30)
    _, slip = s.engine.enter_manual_row("bp_systolic", 128, NURSE, s.now())
    s.t(start + 5 * MIN)
    s.engine.void(slip, "bp_systolic", NURSE, s.now(), reason="wrong chair")
    if restarted:
        restart(s, 0)
    # Still due at +8 min, 3 min from now; prompted then, not 2 min later.
    assert repeat_due(s) == [(REPEAT, 3 * MIN)]
    s.t(start + 8 * MIN - 1)
    assert repeat_alarm(s) == []
    s.t(start + 8 * MIN)
    assert repeat_alarm(s) == [("info", "active")]
