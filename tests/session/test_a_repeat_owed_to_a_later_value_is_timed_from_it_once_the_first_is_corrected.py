"""A "Repeat Systolic BP" asked by a typed 185 and asked again by a real 190 after an in-range
value is owed to the 190 alone once the 185 is corrected to 120: timed from the 190, live as
after a restart. It had stayed at the 185's time, prompted early, live and restarted alike, and
a later value entered in error moved it live only (a differential fuzzer).
"""
from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, restart
from tests.session.test_restart_matches_live_repeat_after_void import (  # the helpers of its kind
    MIN, NURSE, REPEAT, log, repeat_alarm, repeat_due)  # noqa: F401 - the fixture


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_the_repeat_is_timed_from_the_real_high_value_once_the_first_is_corrected(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()                                   # baseline 120/80
    start = s.now().mono - s.origin
    # +1 min: 185 (>= 180) asks a repeat at +6 min; +2 min: 130, in range.
    s.t(start + 1 * MIN); _, typo = s.engine.enter_manual_row("bp_systolic", 185, NURSE, s.now())
    s.t(start + 2 * MIN); s.manual("bp_systolic", 130)
    # +3 min: 190 (>= 180), the repeat still owed; +3.5 min: 125, in range.
    s.t(start + 3 * MIN); s.manual("bp_systolic", 190)
    s.t(start + 3 * MIN + 30); s.manual("bp_systolic", 125)
    # +4 min: the 185 was misread, a 120: corrected.
    s.t(start + 4 * MIN)
    assert isinstance(s.engine.correct(typo, "bp_systolic", 120, NURSE, s.now(),
                                       reason="misread"), Accepted)
    if restarted:
        restart(s, 0)
    # The 190 asks it: due at +8 min, 4 min from now, not at the misread's +6 min.
    assert repeat_due(s) == [(REPEAT, 4 * MIN)]
    s.t(start + 7 * MIN)
    assert repeat_alarm(s) == []
    s.t(start + 8 * MIN)
    assert repeat_alarm(s) == [("info", "active")]
