"""Values that came after a value entered in error, before a phase change, count as a restart
counts them once it is taken back: the rebuild of the schedule before the phase change
(`Schedule.take_back_value`) gave the later values' new counts to no one, so taking one of them
back in turn left its check met live (no RR asked at all after two infusion RRs were entered in
error in Observation, a medium "Vitals overdue" after a restart; an SpO2 that stands asked again
live). Each test compares the due checks and prompts live with those a restart at the same
moment rebuilds from a copy of the log (a review of the take-back across phases)."""

from __future__ import annotations

from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def void_at(s: DosedSession, name: str, pos: int) -> None:
    row = s.engine._state.rows[name][pos][0]
    assert s.engine.void(row, name, NURSE, s.now(), reason="typed for the next chair").done


def test_two_rr_values_of_the_infusion_entered_in_error_in_observation_leave_rr_owed() -> None:
    # IV: the infusion's "RR and sedation" (every 15 min) met at T+14 by MOAA/S 5 and RR 22;
    # an RR 17 typed at T+14:30 counted for nothing (the check had moved on to T+30). The
    # infusion is stopped at T+16 (Observation). Both RRs were the next chair's: entered in
    # error one after the other in Observation. No RR of this patient stands: the T+15 slot
    # is owed its RR, as a restart (which skips both) has it.
    s = DosedSession(IV)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.t0 = s.now().mono - s.origin
    s.at(14)
    s.manual("moaas", 5); s.manual("resp_rate", 22)
    s.at(14.5)
    s.manual("resp_rate", 17)
    s.at(16)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="nausea: stopped").done
    assert s.engine.phase.id == "observation"
    s.at(17)
    void_at(s, "resp_rate", -2)   # the RR 22
    s.as_after_a_restart()        # still alike here: the RR 17 now meets the T+15 slot
    s.at(18)
    void_at(s, "resp_rate", -1)   # the RR 17
    # Live: no RR asked at all (the T+15 slot left met by the RR 17 that no longer counts).
    assert ("RR and sedation", 15.0, ("resp_rate",), False) in s.due()
    s.at(21)
    assert ("vitals_due:RR and sedation", "medium",
            "Vitals overdue by 6 min: RR and sedation (Respiratory rate)") in s.prompts()
    s.as_after_a_restart()


def test_an_spo2_that_stands_is_not_asked_again_after_two_values_of_the_infusion_are_taken_back(
) -> None:
    # Same root as the RR test: the T+10 check met by BP, HR 72 and SpO2 97; an SpO2 98 typed
    # after it counted for nothing. Infusion stopped at T+11. In Observation the HR, then the
    # SpO2 98 are entered in error: the SpO2 97 of T+10 stands and was measured for the T+10
    # slot, so only the heart rate is owed (as a restart has it). Live asked for SpO2 as well
    # ("Vitals overdue ...: BP, HR and SpO2 (Heart rate or pulse rate, SpO2)").
    s = DosedSession(IV)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.t0 = s.now().mono - s.origin
    s.at(10)
    s.bp(126, 80); s.manual("heart_rate", 72); s.manual("spo2", 97)
    s.at(10.1)
    s.manual("spo2", 98)
    s.at(11)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="nausea: stopped").done
    s.at(12)
    void_at(s, "heart_rate", -1)
    s.as_after_a_restart()
    s.at(13)
    void_at(s, "spo2", -1)        # the SpO2 98; the 97 of T+10 stands
    assert s.engine.latest("spo2").reading.value == 97
    assert ("BP, HR and SpO2", 10.0, ("heart_rate", "pulse_rate"), False) in s.due(), s.due()
    s.as_after_a_restart()
