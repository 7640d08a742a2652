"""A systolic entered in error that had asked "Repeat Systolic BP" leaves the repeat to the high
value after it, timed from that value, live as after a restart, also once the trackers before
the typo are no longer kept (an older value entered in error, before a correction, dropped
them). Live the repeat had stayed timed from the typo: prompted a minute early, while a
restart, which skips the typo, timed it from the real value.
"""
from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, restart
from tests.session.test_restart_matches_live_repeat_after_void import (  # the helpers of its kind
    MIN, NURSE, REPEAT, log, repeat_alarm, repeat_due, typed, void)  # noqa: F401 - the fixture


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_the_repeat_a_typo_asked_is_timed_from_the_high_value_after_it(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()                                   # baseline 120/80
    start = s.now().mono - s.origin
    # +1 min: 130, another patient's. +2 min: 132, corrected to 134 (typed wrong).
    s.t(start + 1 * MIN); other = typed(s, 130)
    s.t(start + 2 * MIN); misread = typed(s, 132)
    assert isinstance(s.engine.correct(misread, "bp_systolic", 134, NURSE, s.now(),
                                       reason="misread"), Accepted)
    # +3 min: a typo, 185 (>= 180): a repeat at +8 min.
    s.t(start + 3 * MIN); typo = typed(s, 185)
    # +4 min: the real one, 190 (>= 180): the repeat already asked stands.
    s.t(start + 4 * MIN); s.manual("bp_systolic", 190)
    # +5 min: the 130 and then the 185 are entered in error.
    s.t(start + 5 * MIN); void(s, other); void(s, typo)
    if restarted:
        restart(s, 0)
    # The 190 asks the repeat: due at +9 min, 4 min from now. Live it stayed at the typo's
    # +8 min, prompted a minute early.
    assert repeat_due(s) == [(REPEAT, 4 * MIN)]
    s.t(start + 8 * MIN + 30)
    assert repeat_alarm(s) == []
    s.t(start + 9 * MIN)
    assert repeat_alarm(s) == [("info", "active")]
