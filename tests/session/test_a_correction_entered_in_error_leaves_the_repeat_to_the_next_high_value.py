"""A systolic corrected to a high value, then the correction itself entered in error (another
chair's), leaves "Repeat Systolic BP" to the high value after it, timed from that value, live as
after a restart. Taken back, the correction counts nowhere, nor does the measurement it
corrected (README: a value entered in error counts nowhere; a repeat is asked only by a value
that still stands); the restart, which skips both, times the repeat from the 190 typed after.

Live, the repeat had stayed timed from the correction (or from the measurement it corrected):
the nurse was prompted up to a minute early, then a restart moved the prompt later (a review:
the value that asked the repeat was looked for among plain values only)."""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_a_repeat_asked_by_a_value_entered_in_error_is_timed_from_the_next_as_a_restart import (  # noqa: E501
    MIN, NURSE, REPEAT, log, repeat_alarm, repeat_due, typed, void)  # noqa: F401 - the fixture
from tests.session.test_resume_as_live import LoggedSession, restart


@pytest.mark.parametrize(("measured", "corrected_to"), [(185, 188), (150, 185)],
                         ids=["high-corrected-to-high", "in-range-corrected-to-high"])
@pytest.mark.parametrize("restarted", [
    pytest.param(False, id="live"),
    pytest.param(True, id="restarted"),
])
def test_a_correction_entered_in_error_leaves_the_repeat_to_the_high_value_after_it(
        log: EventLog, restarted: bool, measured: float, corrected_to: float) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()                                   # baseline 120/80
    start = s.now().mono - s.origin
    # +1 min: 130, another patient's. +2 min: 132, corrected to 134 (typed wrong): the older
    # value taken back below leaves no trackers kept from before the correction.
    s.t(start + 1 * MIN); other = typed(s, 130)
    s.t(start + 2 * MIN); misread = typed(s, 132)
    assert isinstance(s.engine.correct(misread, "bp_systolic", 134, NURSE, s.now(),
                                       reason="misread"), Accepted)
    # +3 min: a systolic, corrected 10 s later to a high one (>= 180): a repeat asked.
    s.t(start + 3 * MIN); first = typed(s, measured)
    s.t(start + 3 * MIN + 10)
    assert isinstance(s.engine.correct(first, "bp_systolic", corrected_to, NURSE, s.now(),
                                       reason="misread"), Accepted)
    correction = s.engine._state.rows["bp_systolic"][-1][0]
    # +4 min: the real one, 190 (>= 180). +5 min: the 130 and the correction entered in error.
    s.t(start + 4 * MIN); s.manual("bp_systolic", 190)
    s.t(start + 5 * MIN); void(s, other); void(s, correction)
    if restarted:
        restart(s, 0)
    # The 190 asks the repeat: due at +9 min, 4 min from now, not prompted before.
    assert repeat_due(s) == [(REPEAT, 4 * MIN)]
    s.t(start + 9 * MIN - 1)
    assert repeat_alarm(s) == []
    s.t(start + 9 * MIN)
    assert repeat_alarm(s) == [("info", "active")]
