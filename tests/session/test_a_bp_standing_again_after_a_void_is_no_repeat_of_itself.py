"""A value entered in error counts nowhere, live as after a restart (README): the value before it
stands again as the measurement of its time, not as a new one. Where the trackers before the
value taken back were no longer kept (a correction of the vital came since), the one before it
was fed again as if taken at the void: a systolic 185 of 5 min before was its own repeat,
"confirmed by a repeat reading", a high alarm live, while a restart (which skips the value) had
it medium with its repeat owed (a review)."""

from __future__ import annotations

from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def bp_alarms(s: DosedSession, engine: object = None) -> list[tuple[str, str, str, str]]:
    e = engine or s.engine
    return sorted((o.condition, o.priority.label, o.state.value, o.message)
                  for o in e.alarms() if o.condition.startswith("bp_systolic"))


def test_a_185_standing_again_after_a_void_is_medium_with_its_repeat_owed() -> None:
    s = DosedSession(IV)
    s.t(60); s.bp(185, 80)        # medium, repeat in 5 min
    s.t(61); s.bp(144, 66)
    s.t(62); s.bp(188, 97)
    s.t(364)                      # the 144 was misread: corrected (its history rewritten)
    row = s.engine._state.rows["bp_systolic"][-2][0]
    assert s.engine.correct(row, "bp_systolic", 150, NURSE, s.now(), reason="misread").value == 150
    s.t(365)                      # both the 150 and the 188 were the next chair's
    row = s.engine._state.rows["bp_systolic"][-2][0]
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), reason="next chair's").done
    s.t(366)
    row = s.engine._state.rows["bp_systolic"][-1][0]
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), reason="next chair's").done
    s.t(367)
    medium = [("bp_systolic_high", "medium", "active",
               "Systolic BP 185 mmHg, limit ≥180 or ≥40 above baseline")]
    assert bp_alarms(s) == medium
    assert bp_alarms(s, s.restarted()) == medium
    due, prompts = s.as_after_a_restart()
    assert ("Repeat Systolic BP", 6.0, ("bp_systolic",), False) in due
