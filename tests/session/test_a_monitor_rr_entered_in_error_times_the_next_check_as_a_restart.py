"""A monitor's respiratory rate entered in error in the phase it came in: the next check is timed
from the rate that stands, live as after a restart (README: "A value entered in error counts
nowhere, live as after a restart"). The schedule kept only the last few times each vital came to
find the value before the one taken back; with a monitor sending every 30 s that value was already
forgotten, and live the check took the monitor's newest rate in its place: "Vitals and sedation"
was asked 30 s later live than after a restart. The test compares the due checks and the prompts
live with those a restart at the same moment rebuilds from a copy of the log."""

from __future__ import annotations

from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def monitor(s: DosedSession) -> int:
    """The monitor's HR, SpO2 and RR now; returns the RR's row."""
    for name, value in (("heart_rate", 72), ("spo2", 97), ("resp_rate", 14)):
        s.device(name, value)
    return s.engine._state.rows["resp_rate"][-1][0]


def test_a_monitor_rr_entered_in_error_leaves_the_next_check_as_after_a_restart() -> None:
    # IV: the infusion stopped at T+0:30 (nausea); Observation's "Vitals and sedation" due at
    # T+15. The monitor sends HR, SpO2 and RR every 30 s from T+10; the nurse takes the BP and
    # scores MOAA/S at T+16:15 (met late: the next slot one interval after the vital taken
    # first). The monitor's RR of T+16 was an artefact (the patient talking): entered in error
    # at T+17:36. The RR of T+15:30 stands: the next check is due at T+30:30, not T+31.
    s = DosedSession(IV)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.t0 = s.now().mono - s.origin
    s.engine.device_state_changed("connected", s.now())
    s.at(0.5)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="nausea: stopped").done
    assert s.engine.phase.id == "observation"
    rr: dict[float, int] = {}
    for k in range(16):
        s.at(10 + k / 2)
        rr[10 + k / 2] = monitor(s)
        if k == 12:   # T+16
            s.at(16.25)
            s.bp(126, 80); s.manual("moaas", 5)
    s.at(17.6)
    assert s.engine.void(rr[16], "resp_rate", NURSE, s.now(), reason="artefact: talking").done
    due, _ = s.as_after_a_restart()
    assert ("Vitals and sedation", 30.5, ("bp_systolic", "bp_diastolic", "heart_rate",
                                          "pulse_rate", "spo2", "resp_rate", "moaas"), False) in due
    # The monitor carries on. T+30:45: the check is due, and the nurse is asked for the BP and
    # MOAA/S the monitor does not send, live as after a restart (live: nothing until T+31).
    for k in range(26):
        s.at(18 + k / 2)
        monitor(s)
    s.at(30.75)
    _, prompts = s.as_after_a_restart()
    assert prompts == [("vitals_due:Vitals and sedation", "info", "Vitals due: Vitals and "
                        "sedation (Systolic BP, Diastolic BP, Sedation: MOAA/S)")]
