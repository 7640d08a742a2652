"""The checklist panel says why a signed discharge override was not taken (a window review).

After "Discharge refused: …", the reason and the signatures: a refusal then (a high alarm come
while the nurse was fetched to sign, a cancel, a lapsed signature) left the first refusal
standing, the new one said nowhere."""

from __future__ import annotations

from devices.reading import Reading
from tests.ui.test_lock_screen import ANA, ANA_PIN, PAT, PAT_PIN
from tests.ui.test_override_signed_for_what_was_shown import MeanwhileAtTheChair
from tests.ui.test_signatures_at_chair import SignedChair, to_discharge_phase


def test_the_panel_says_what_came_since_the_signatures(tmp_path, qtbot):
    chair = SignedChair(tmp_path, qtbot, with_window=True)
    try:
        to_discharge_phase(chair)

        def oximeter() -> None:
            now = chair.clock.now()
            chair.engine.ingest_message([Reading("spo2", 84, "%", now.wall, now.wall,
                                                 "hl7:MON")], now)

        signer = MeanwhileAtTheChair(1, oximeter)
        signer.answers = [(PAT, PAT_PIN), (ANA, ANA_PIN)]
        chair.controller.signature_service = signer
        chair.answers.reply = "prescriber reviewed at the chair"
        assert chair.window is not None
        panel = chair.window.checklist
        panel.discharge_button.click()
        assert not chair.engine.discharged
        assert panel.message.toolTip().startswith(
            "Not discharged: New since the signatures: Alarm not resolved: SpO2 84 %")
    finally:
        chair.close()
