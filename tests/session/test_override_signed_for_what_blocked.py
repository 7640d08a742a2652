"""An override passes what it was signed for, nothing more (a window review).

The controller asks the engine what an override would pass (`phase_override_blockers`,
`discharge_override_blockers`) as it asks for the signatures, and hands that back with the
override (`signed_for`). What blocks by then and was not among it (a high alarm raised while
the nurse was fetched to sign) refuses the override, naming it, with nothing recorded. The same blocker with another value (SpO2 84 then 83: the same
alarm), a countdown run on, or a blocker gone since, is what was signed."""

from __future__ import annotations

from tests.session.helpers import Session, iv_protocol
from tests.session.test_phases_and_discharge import MIN, to_discharge_phase

SIGNED_AGAIN = "Nothing was recorded: ask for the signatures again."


def at_the_gate() -> Session:
    """In Discharge with its gate refusing: escort not ticked, 50 min of the 120 to run."""
    s = Session(iv_protocol(min_from_t0=120))
    s.to_infusion()
    to_discharge_phase(s, s.now().mono - s.origin)
    return s


def test_an_alarm_raised_after_the_discharge_override_was_signed_refuses_it():
    s = at_the_gate()
    signed = s.engine.discharge_override_blockers(s.now())
    # While the nurse comes to sign, the oximeter reads 84 %: a high alarm.
    s.device("spo2", 84)
    written = len(s.recorder.records)
    outcome = s.engine.discharge("nurse.ana", s.now(), "prescriber reviewed", signed_for=signed)
    assert not outcome.done and outcome.reasons == (
        "New since the signatures: Alarm not resolved: SpO2 84 %, limit ≤90. " + SIGNED_AGAIN,)
    # Nothing recorded: no override, no discharge, no refusal; the alarm still sounds.
    assert len(s.recorder.records) == written and not s.engine.discharged
    assert ("spo2_low", "high", "active") in s.shown()


def test_an_alarm_whose_value_moved_since_the_signature_is_the_alarm_signed_for():
    s = at_the_gate()
    s.device("spo2", 84)
    signed = s.engine.discharge_override_blockers(s.now())
    s.t(s.now().mono - s.origin + 20)   # the countdown's words change too
    s.device("spo2", 83)
    outcome = s.engine.discharge("dr.lee", s.now(), "transfer to ward", signed_for=signed)
    assert outcome.done and s.engine.discharged
    # The override lists what it passed when it was taken, as it then read.
    blockers = s.recorder.events("override")[-1].detail["blockers"]
    assert "Alarm not resolved: SpO2 83 %, limit ≤90" in blockers
    assert "Observation must reach 120 min after the first dose: 49:40 min left" in blockers


def test_an_alarm_come_up_to_high_since_the_signature_is_new():
    s = at_the_gate()
    s.device("spo2", 92)   # medium when the prescriber signs
    signed = s.engine.discharge_override_blockers(s.now())
    s.device("spo2", 84)   # high before the nurse signs
    outcome = s.engine.discharge("nurse.ana", s.now(), "prescriber reviewed", signed_for=signed)
    assert not outcome.done and outcome.reasons == (
        "New since the signatures: Alarm not resolved: SpO2 84 %, limit ≤90. " + SIGNED_AGAIN,)
    assert s.recorder.events("override") == [] and not s.engine.discharged


def test_a_blocker_gone_since_the_signature_does_not_refuse():
    s = at_the_gate()
    s.device("spo2", 92)
    signed = s.engine.discharge_override_blockers(s.now())
    s.device("spo2", 97)   # the medium alarm clears while the nurse comes
    outcome = s.engine.discharge("nurse.ana", s.now(), "prescriber reviewed", signed_for=signed)
    assert outcome.done
    assert not any("SpO2" in b for b in s.recorder.events("override")[-1].detail["blockers"])


def test_a_bp_over_the_gate_after_a_phase_override_was_signed_refuses_it():
    s = Session()
    s.bp(120, 80)
    assert s.engine.tick_item("baseline_bp", "nurse.ana", s.now()).done
    # Consent left open: the nurse signs her override of it ...
    signed = s.engine.phase_override_blockers(s.now())
    assert [b.text for b in signed] == ["Required item open: Consent current"]
    # ... while a BP over the gate comes in: the start of dosing is a prescriber's decision now.
    s.bp(150, 95)
    written = len(s.recorder.records)
    outcome = s.engine.advance_phase("nurse.ana", s.now(), "consent on paper", signed_for=signed)
    assert not outcome.done and len(outcome.reasons) == 1
    said = outcome.reasons[0]
    assert said.startswith("New since the signature: Systolic BP is now 150 mmHg (gate ≥141) "
                           "since the baseline was ticked at ")
    assert "Diastolic BP is now 95 mmHg (gate ≥91)" in said
    assert said.endswith("give the prescriber's decision. Nothing was recorded: ask for the "
                         "signature again.")
    assert "Consent" not in said   # what was signed for is not new
    assert len(s.recorder.records) == written
    assert s.engine.phase.id == "pre" and s.recorder.events("dosing_started") == []
