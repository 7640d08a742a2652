"""An override is signed for what its dialog named (a window review).

A discharge against the gate: the prescriber signs the override of the blockers her dialog
names, then the nurse is fetched to sign the discharge. While she comes the oximeter reads 84 %:
a high alarm, itself a blocker. Her PIN discharged the patient over it: the override record
listed the new alarm as overridden by a prescriber who never saw it, and the discharge ended the
sounding alarm "session ended". Now the override is refused, naming what is new, with nothing
recorded; asked again, the prescriber's dialog names the alarm. A phase override signed by the
nurse while a BP comes in over the pre-dose gate is refused the same way (it had become a
prescriber's decision). Real engine, real SQLite log, a clock moved by hand; the signature
dialog is stood in for by `Signer`."""

from __future__ import annotations

import json

from console.session.signing import GATE_DECISION
from devices.reading import Reading
from tests.ui.test_lock_screen import ADMIN, ANA, ANA_PIN, PAT, PAT_PIN, START
from tests.ui.test_signatures_at_chair import (  # noqa: F401 - chair is a fixture
    Signer,
    SignedChair,
    chair,
    count,
    tick_all_but,
    to_discharge_phase,
)


class MeanwhileAtTheChair(Signer):
    """Signs as `Signer`; before the dialog number `at` (0: the first) is answered, `meanwhile`
    happens at the chair (the oximeter reads, the clock runs on)."""

    def __init__(self, at: int, meanwhile) -> None:
        super().__init__()
        self.at, self.meanwhile = at, meanwhile

    def sign(self, request, check) -> bool:
        if len(self.requests) == self.at:
            self.meanwhile()
        return super().sign(request, check)


def oximeter(chair: SignedChair, spo2: float) -> None:
    now = chair.clock.now()
    chair.engine.ingest_message([Reading("spo2", spo2, "%", now.wall, now.wall, "hl7:MON")], now)


def discharge_overrides(chair: SignedChair) -> list[list[str]]:
    """The blockers of each discharge override in the log."""
    return [json.loads(detail)["blockers"] for detail, in chair.rows(
        "SELECT detail FROM events WHERE kind = 'override' "
        "AND json_extract(detail, '$.action') = 'discharge' ORDER BY id")]


def test_an_alarm_raised_while_the_nurse_comes_to_sign_is_not_overridden_unseen(chair):
    to_discharge_phase(chair)
    before = len(chair.signatures())
    # The prescriber signs at once; while the nurse is fetched, SpO2 84 %.
    signer = MeanwhileAtTheChair(1, lambda: oximeter(chair, 84))
    signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
    chair.controller.signature_service = signer
    outcome = chair.controller.discharge(override_reason="prescriber reviewed at the chair")
    assert "SpO2" not in signer.requests[0].subject
    # Refused, naming what is new; the session goes on and its alarm sounds on.
    assert not outcome.done and not chair.engine.discharged
    assert outcome.message == ("New since the signatures: Alarm not resolved: SpO2 84 %, limit "
                               "≤90. Nothing was recorded: ask for the signatures again.")
    assert discharge_overrides(chair) == [] and count(chair, "discharged") == 0
    assert len(chair.signatures()) == before
    assert chair.rows("SELECT transition FROM alarm_events WHERE condition = 'spo2_low'") == [
        ("raised",)]
    # Asked again, the prescriber's dialog names the alarm, and what is signed is overridden.
    chair.signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
    chair.signer.requests.clear()
    chair.controller.signature_service = chair.signer
    outcome = chair.controller.discharge(override_reason="prescriber reviewed at the chair")
    assert outcome.done, outcome
    assert "Alarm not resolved: SpO2 84 %" in chair.signer.requests[0].subject
    assert "Alarm not resolved: SpO2 84 %, limit ≤90" in discharge_overrides(chair)[-1]


def test_one_pin_for_both_refuses_an_alarm_raised_while_it_was_typed(chair):
    to_discharge_phase(chair)
    # A nurse who is also a prescriber signs both with one PIN; the alarm comes as she types.
    chair.staff.add("Nia Both", "nurse,prescriber", "73920418", "pin", chair.staff.find(ADMIN),
                    START)
    assert chair.controller.sign_in("Nia Both", "73920418").ok
    signer = MeanwhileAtTheChair(0, lambda: oximeter(chair, 84))
    signer.answers = [("Nia Both", "73920418")]
    chair.controller.signature_service = signer
    outcome = chair.controller.discharge(override_reason="reviewed at the chair")
    assert not outcome.done and outcome.message.startswith(
        "New since the signatures: Alarm not resolved: SpO2 84 %")
    assert count(chair, "discharged") == 0


def test_the_gate_counting_down_while_the_nurse_comes_is_what_was_signed(chair):
    # "1:07 h left" when the prescriber signs reads "1:06 h left" when the nurse does: the same
    # wait, not a new blocker.
    to_discharge_phase(chair)
    signer = MeanwhileAtTheChair(1, lambda: chair.clock.advance(60))
    signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
    chair.controller.signature_service = signer
    outcome = chair.controller.discharge(override_reason="prescriber reviewed at the chair")
    assert outcome.done and chair.engine.discharged


def test_a_bp_over_the_gate_while_the_nurse_signs_her_phase_override_passes_nothing(chair):
    tick_all_but(chair, "consent")
    # While she signs her override of the open consent, the cuff reads 150/95: over the gate.
    def cuff() -> None:
        for name, value in (("bp_systolic", 150), ("bp_diastolic", 95)):
            chair.controller.enter_manual(name, value, confirmed=True)

    signer = MeanwhileAtTheChair(0, cuff)
    signer.answers = [(ANA, ANA_PIN)]
    chair.controller.signature_service = signer
    outcome = chair.controller.advance_phase(override_reason="consent on paper, scanned later")
    assert not outcome.done and outcome.message.startswith(
        "New since the signature: Systolic BP is now 150 mmHg (gate ≥141)")
    assert chair.engine.phase.id == "pre" and count(chair, "override") == 0
    assert count(chair, "dosing_started") == 0 and chair.signatures() == []
    # Asked again, it is the prescriber's decision at the gate.
    chair.signer.answers = [(PAT, PAT_PIN)]
    chair.controller.signature_service = chair.signer
    assert chair.controller.advance_phase(override_reason="reviewed, proceed").done
    assert chair.signer.requests[-1].meanings == (GATE_DECISION,)
