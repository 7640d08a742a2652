"""A systolic 214 typed, a 181 after it (at or above 180: a repeat in 5 min), then a 166. The
214 is corrected to 140 (misread): with the 166 standing nothing asks the repeat any more, and
it goes. Then the 166 is entered in error: the 181 stands again and its repeat is owed, live as
after a restart. Live the repeat stayed gone (asked, it said, by the 214 alone, now 140), while
a restart had "Repeat Systolic BP" owed (a review)."""

from __future__ import annotations

from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)

REPEAT = "Repeat Systolic BP"


def test_the_181s_repeat_is_owed_once_the_166_after_it_is_entered_in_error() -> None:
    s = DosedSession(IV)
    s.t(1); s.bp(214, 94)
    s.t(3); s.bp(181, 89)
    s.t(4); s.bp(166, 100)
    s.t(5)
    first = s.engine._state.rows["bp_systolic"][0][0]
    assert s.engine.correct(first, "bp_systolic", 140, NURSE, s.now(),
                            reason="misread").value == 140
    due, _ = s.as_after_a_restart()
    assert [d for d in due if d[0] == REPEAT] == []
    s.t(6); s.void_last("bp_systolic")
    due, _ = s.as_after_a_restart()
    assert [(d[0], d[2], d[3]) for d in due if d[0] == REPEAT] == [
        (REPEAT, ("bp_systolic",), False)]
