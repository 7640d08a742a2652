"""A correction entered in error takes the measurement it stands for with it: the check that
measurement met is owed again, live as after a restart (README: "A value entered in error counts
nowhere, live as after a restart: ... a correction taken back included").

Esketamine's REMS "BP at T+40" had stayed done with no systolic of this patient and nothing
asked, live and after a restart, once the corrected systolic of its BP was entered in error
(`SessionEngine._uncount` gave nothing back for a correction, and the restart's replay still
counted the corrected row), while the same systolic entered in error uncorrected asked it again
(a review of the take-back across phases). Each test compares the due checks and the prompts
live with those a restart at the same moment rebuilds from a copy of the log.
"""

from __future__ import annotations

from console.session.entry import Accepted
from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession, esketamine_observed,
)


def correct_last(s: DosedSession, name: str, value: float) -> None:
    row = s.engine._state.rows[name][-1][0]
    assert isinstance(s.engine.correct(row, name, value, NURSE, s.now(),
                                       reason=f"typed for {value:g}"), Accepted)


def bp_at_t40_met_then_corrected() -> DosedSession:
    """Esketamine in Observation, its "BP at T+40" met by the BP of T+41 (40 min after device 1),
    whose systolic is put right at T+42 (a typo)."""
    s = esketamine_observed()
    s.at(41)
    s.bp(128, 80); s.manual("heart_rate", 72)
    assert not any(name == "BP at T+40" for name, *_ in s.as_after_a_restart()[0])
    s.at(42)
    correct_last(s, "bp_systolic", 138)
    due, _ = s.as_after_a_restart()   # the correction stands for the BP: still met
    assert not any(name == "BP at T+40" for name, *_ in due)
    return s


def test_the_corrected_bp_at_t40_entered_in_error_asks_it_again() -> None:
    s = bp_at_t40_met_then_corrected()
    # T+43: the whole BP was the next chair's; its systolic (the correction) entered in error.
    s.at(43)
    s.void_last("bp_systolic")
    assert s.engine.latest("bp_systolic") is None   # no systolic of this patient stands
    due, prompts = s.as_after_a_restart()
    assert ("BP at T+40", 41.0, ("bp_systolic",), False) in due
    assert ("vitals_due:BP at T+40", "info", "Vitals due: BP at T+40 (Systolic BP)") in prompts
    # Her BP taken: the owed check is met, live as after a restart.
    s.at(43.5)
    s.bp(126, 80)
    due, prompts = s.as_after_a_restart()
    assert not any(name == "BP at T+40" for name, *_ in due)
    assert not any(condition == "vitals_due:BP at T+40" for condition, *_ in prompts)


def test_the_corrected_bp_at_t40_entered_in_error_after_the_move_to_discharge_asks_it_again(
) -> None:
    # The same, the correction taken back once Discharge had begun (`Schedule.take_back_value`
    # passes the phase change again without the measurement), overdue 5 min on.
    s = bp_at_t40_met_then_corrected()
    s.at(42.5)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="paperwork early").done
    assert s.engine.phase.id == "discharge"
    s.at(43)
    s.void_last("bp_systolic")
    due, prompts = s.as_after_a_restart()
    assert ("BP at T+40", 41.0, ("bp_systolic",), False) in due
    assert ("vitals_due:BP at T+40", "info", "Vitals due: BP at T+40 (Systolic BP)") in prompts
    s.at(47)
    _, prompts = s.as_after_a_restart()
    assert ("vitals_due:BP at T+40", "medium",
            "Vitals overdue by 6 min: BP at T+40 (Systolic BP)") in prompts


def test_a_correction_of_the_correction_entered_in_error_asks_it_again() -> None:
    # Corrected twice (the second correction put right the first one): the last correction,
    # entered in error, takes the measurement with it, as the restart's replay leaves it out.
    s = bp_at_t40_met_then_corrected()
    s.at(42.5)
    correct_last(s, "bp_systolic", 136)
    s.as_after_a_restart()
    s.at(43)
    s.void_last("bp_systolic")
    due, _ = s.as_after_a_restart()
    assert ("BP at T+40", 41.0, ("bp_systolic",), False) in due


def test_a_corrected_diastolic_entered_in_error_asks_the_diastolic_again() -> None:
    # The other half alike ("BP at T+40" asks for both): the corrected diastolic, entered in
    # error, leaves the check owed its diastolic, met by the systolic and heart rate that stand.
    s = esketamine_observed()
    s.at(41)
    s.bp(128, 80); s.manual("heart_rate", 72)
    s.at(42)
    correct_last(s, "bp_diastolic", 82)
    s.at(43)
    s.void_last("bp_diastolic")
    due, _ = s.as_after_a_restart()
    assert ("BP at T+40", 41.0, ("bp_diastolic",), False) in due


def test_a_repeat_met_by_a_corrected_value_entered_in_error_is_owed_from_the_value_that_asked_it(
) -> None:
    # IV: a typed systolic 185 at T+5 asks "Repeat Systolic BP" at T+10; the 150 of T+9:48
    # meets it, is put right to 160, then entered in error (the next chair's). The 185 stands
    # and its repeat is owed since T+10, as a restart has it (it had come back timed from the
    # correction, T+15:12, when the 185 stood again in the 150's place: 5 min late).
    s = DosedSession(IV)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.t0 = s.now().mono - s.origin
    s.at(5)
    s.manual("bp_systolic", 185, confirmed=True)
    s.at(9.8)
    s.manual("bp_systolic", 150)
    assert not any(name == "Repeat Systolic BP" for name, *_ in s.as_after_a_restart()[0])
    s.at(10.2)
    correct_last(s, "bp_systolic", 160)
    s.as_after_a_restart()
    s.at(10.5)
    s.void_last("bp_systolic")
    due, _ = s.as_after_a_restart()
    assert ("Repeat Systolic BP", 10.0, ("bp_systolic",), False) in due
    s.at(16)   # overdue by more than 5 min: a medium alarm (it had waited till T+20:12)
    _, prompts = s.as_after_a_restart()
    assert ("vitals_due:Repeat Systolic BP", "medium",
            "Vitals overdue by 6 min: Repeat Systolic BP (Systolic BP)") in prompts
