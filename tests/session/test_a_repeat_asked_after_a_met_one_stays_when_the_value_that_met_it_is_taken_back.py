"""A "Repeat Systolic BP" asked by a value that stands stays owed when an older value, one that
had met an earlier repeat, is entered in error: the values since meet the earlier repeat in its
place, and the later one stays asked, live as after a restart (README: "A value entered in error
counts nowhere, live as after a restart"). Taking the older value back put the earlier repeat
back over the later one: the 213's repeat went live, with no "Repeat Systolic BP" asked, while a
restart had it owed at its time (a review)."""

from __future__ import annotations

from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def void_at(s: DosedSession, name: str, pos: int) -> None:
    row = s.engine._state.rows[name][pos][0]
    assert s.engine.void(row, name, NURSE, s.now(), reason="the next chair's").done


def test_the_213s_repeat_stays_when_the_121_that_met_the_188s_repeat_is_entered_in_error(
) -> None:
    s = DosedSession(IV)
    s.t(60); s.bp(169, 86)
    s.t(61); s.bp(188, 95)        # >= 180: repeat in 5 min
    s.t(62); s.bp(144, 80)
    s.t(362)
    row = s.engine._state.rows["bp_systolic"][-1][0]
    assert s.engine.correct(row, "bp_systolic", 136, NURSE, s.now(), reason="misread").value == 136
    s.t(363); s.bp(121, 66)       # meets the 188's repeat
    s.t(364); s.bp(130, 68)
    s.t(365); void_at(s, "bp_systolic", 0)   # the 169 of the first BP
    s.t(366); s.bp(213, 100)      # its own repeat, due at 666
    assert ("Repeat Systolic BP", 11.1, ("bp_systolic",), False) in s.due(), s.due()
    s.t(367); void_at(s, "bp_systolic", -3)  # the 121: the 130 meets the 188's repeat instead
    due, prompts = s.as_after_a_restart()
    assert ("Repeat Systolic BP", 11.1, ("bp_systolic",), False) in due
    s.t(672)
    _, prompts = s.as_after_a_restart()
    assert ("vitals_due:Repeat Systolic BP", "info",
            "Vitals due: Repeat Systolic BP (Systolic BP)") in prompts
