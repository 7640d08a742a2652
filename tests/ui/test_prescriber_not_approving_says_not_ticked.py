"""Pre-dose BP 152/96, over the label's 140/90: the tick asks the prescriber, and the nurse
presses Cancel because the prescriber does not approve. The red line under the checklist
repeated the question itself ("… name the prescriber who approves dosing … (Cancel if they do
not approve)"), at 1366x768 cut to "Systolic BP 152 mmHg (gate ≥141); Diastolic BP 96 mmH…": it
never said the item stayed unticked, as every other cancelled question in the panel does
("Not ticked: lot number needed …"). It says so now, whole at 1366x768, the rest on hover."""

from __future__ import annotations

from PySide6 import QtCore

from console.session.engine import GATE_APPROVAL
from tests.ui.conftest import Answers, live_esketamine, shown_live_window  # noqa: F401
from tests.ui.test_checklist_panel import device_row, ticked_ids

Key = QtCore.Qt.Key
SAID = "Not ticked: BP 152/96 (gate ≥141/≥91) not approved."


def _cancel_the_prescriber_at(qtbot, live_esketamine, item_id):  # noqa: F811
    """The tick of `item_id` with its lot number given and the prescriber's question cancelled:
    (the window, the answers)."""
    answers = Answers()
    given = answers.ask

    def ask(title, message, action="Record", refresh=None):
        given(title, message, action, refresh)
        return "" if title == GATE_APPROVAL else "LOT-1"   # Cancel: the prescriber does not approve

    answers.ask = ask
    window = shown_live_window(qtbot, live_esketamine, (1366, 768), asker=answers)
    panel = window.checklist
    panel.refresh()
    panel.items.setCurrentRow(device_row(panel, item_id))
    panel.items.setFocus()
    qtbot.waitUntil(lambda: not panel.opening())
    qtbot.keyClick(panel.items, Key.Key_Space)
    return window, answers


def _type(controller, values):
    for name, value in values:
        controller.enter_manual(name, value)


def test_a_prescriber_who_does_not_approve_is_said_as_not_ticked(qtbot, live_esketamine):  # noqa: F811
    controller, _journal, _clock, log = live_esketamine
    _type(controller, (("bp_systolic", 152), ("bp_diastolic", 96), ("heart_rate", 70),
                       ("spo2", 98), ("resp_rate", 14)))
    window, answers = _cancel_the_prescriber_at(qtbot, live_esketamine, "bp-before-dose")
    panel = window.checklist
    assert answers.actions[-1] == "Prescriber approves dosing"
    assert "bp-before-dose" not in controller.view.ticks() and ticked_ids(log) == []
    assert panel.message.text() == SAID
    assert not panel.message.elided()          # whole in the panel at 1366x768
    tip = panel.message.toolTip()
    assert "no prescriber approval for Systolic BP 152 mmHg (gate ≥141); Diastolic BP 96 mmHg " \
           "(gate ≥91)" in tip and "Dosing waits" in tip


def test_device_1_over_the_gate_not_approved_is_said_as_not_ticked(qtbot, live_esketamine):  # noqa: F811
    # The first device passes the pre-dose gate once more (a BP after T0 over it): Cancel there
    # is said the same way, with the gate the device passes.
    controller, _journal, _clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done   # T0, the devices
    _type(controller, (("bp_systolic", 150), ("bp_diastolic", 88)))
    window, answers = _cancel_the_prescriber_at(qtbot, live_esketamine, "device-1")
    panel = window.checklist
    assert answers.asked[-1].startswith("Systolic BP 150 mmHg (gate ≥141): a prescriber review")
    assert ticked_ids(log) == []
    assert panel.message.text() == "Not ticked: BP 150/88 (gate ≥141/≥91) not approved."
    assert not panel.message.elided()
