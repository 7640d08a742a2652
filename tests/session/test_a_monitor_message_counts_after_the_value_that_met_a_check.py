"""The values of one monitor message count for the due checks in the order the message (and the
log) has them, also once an older value is entered in error: the check it counted for is passed
again with the values since, as a restart's replay passes them (README: "A value entered in
error counts nowhere, live as after a restart"). Live they were passed by vital, the values of
one moment out of their order: the SpO2 and RR of the message whose heart rate met "Vitals and
sedation" late counted for that slot rather than the next, which then asked for all six vitals
at T+26 live, and for MOAA/S alone at T+21 after a restart (a review). The test compares the due
checks and the prompts live with those a restart at the same moment rebuilds from a copy of the
log."""

from __future__ import annotations

from devices.reading import Reading
from protocols.vitals import metric
from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def monitor(s: DosedSession, **values: float) -> None:
    """One message of the bedside monitor, now."""
    now = s.now()
    assert s.engine.ingest_message([Reading(name, value, metric(name).unit, now.wall, now.wall,
                                            "hl7:MON") for name, value in values.items()], now)


def test_a_diastolic_entered_in_error_leaves_the_next_check_asking_what_a_restart_asks() -> None:
    # IV: the infusion stopped at T+1 (nausea); Observation's first "Vitals and sedation" comes
    # sooner, at T+15 (the infusion's checks were due then). The monitor sends SpO2 and RR at
    # T+6; the nurse takes a BP and scores MOAA/S at T+11. At T+20 another BP, and the
    # monitor's message with the heart rate meets the check late: the next slot is one
    # interval after the vital taken first (T+6), at T+21, its window open, the message's SpO2
    # and RR and the BP of T+20 counted for it: only MOAA/S is asked. The diastolic of T+11
    # was the next chair's: entered in error at T+20:15.
    s = DosedSession(IV)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done   # T0
    s.t0 = s.now().mono - s.origin
    s.engine.device_state_changed("connected", s.now())
    s.at(1)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="nausea: stopped").done
    s.at(6)
    monitor(s, spo2=97, resp_rate=14)
    s.at(11)
    s.bp(126, 80); s.manual("moaas", 5)
    s.at(20)
    s.bp(124, 78)
    monitor(s, heart_rate=72, spo2=97, resp_rate=14)
    due, prompts = s.as_after_a_restart()
    assert due == [("Vitals and sedation", 21.0, ("moaas",), False)]
    s.at(20.25)
    row = s.engine._state.rows["bp_diastolic"][-2][0]   # the 80 of T+11
    assert s.engine.void(row, "bp_diastolic", NURSE, s.now(), reason="the next chair's").done
    due, prompts = s.as_after_a_restart()
    assert due == [("Vitals and sedation", 21.0, ("moaas",), False)]
    s.at(21.5)
    _, prompts = s.as_after_a_restart()
    assert prompts == [("vitals_due:Vitals and sedation", "info",
                        "Vitals due: Vitals and sedation (Sedation: MOAA/S)")]
