"""A nasal device's tick names a value typed in the form and not recorded, as T0's question does:
device 1 is the dose, and a pre-dose BP of 152/96 typed and recorded only after its tick counted
as a value after the dose, so the label's 140/90 gate, which device 1 passes once more, never
asked the prescriber (an esketamine review). "Not yet" leaves the device unticked and the form
as it is; Return records the BP before the dose, and the tick then asks the prescriber. A later device is
not asked: every value already counts after the dose, and "Not yet" had left a device given
unticked (a review)."""

from __future__ import annotations

import sqlite3

from PySide6 import QtCore

from console.session.engine import GATE_APPROVAL
from tests.conftest import _cycles_freed_on_the_main_thread, _own_user_folders  # noqa: F401
from tests.ui.conftest import Answers, live_esketamine, shown_live_window  # noqa: F401
from tests.ui.test_checklist_panel import device_row, ticked_ids

Key = QtCore.Qt.Key
QUESTION = ("Tick device 1 now?\n\nBP 152/96 typed and not recorded would count after device 1, "
            "as a value after the dose. To record it before device 1, choose “Not yet” and press "
            "Return in the form first.")


def _device_1_chosen(qtbot, live_esketamine):  # noqa: F811
    controller, journal, clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done   # T0, the devices
    answers = Answers()
    window = shown_live_window(qtbot, live_esketamine, (1366, 768), asker=answers)
    bp = window.entry.fields["bp"]
    qtbot.keyClicks(bp, "152/96")             # the BP before the spray, Return not yet pressed
    panel = window.checklist
    panel.refresh()
    panel.items.setCurrentRow(device_row(panel, "device-1"))
    panel.items.setFocus()
    qtbot.waitUntil(lambda: not panel.opening())
    return window, answers, bp, panel, log


def test_device_1_names_a_bp_typed_and_not_recorded_and_not_yet_leaves_it_open(
        qtbot, live_esketamine):  # noqa: F811
    _window, answers, bp, panel, log = _device_1_chosen(qtbot, live_esketamine)
    answers.yes = False                       # "Not yet": she records the BP first
    qtbot.keyClick(panel.items, Key.Key_Space)
    assert answers.asked == [QUESTION]        # asked before the lot number
    assert ticked_ids(log) == [] and bp.text() == "152/96"
    assert panel.message.text().startswith("Not ticked: BP 152/96 typed and not recorded")
    qtbot.keyClick(bp, Key.Key_Return)        # recorded before the dose
    answers.yes = True
    titles = []

    def ask(title, message, action="Record", refresh=None):
        titles.append(title)
        return "Dr Lee approves" if title == GATE_APPROVAL else "LOT-1"

    answers.ask = ask
    panel.items.setFocus()
    qtbot.keyClick(panel.items, Key.Key_Space)
    # Nothing typed now: the lot, then the prescriber for the 152/96 over the gate.
    assert titles == ["Lot number", GATE_APPROVAL]
    with sqlite3.connect(log.path) as conn:
        gate = conn.execute("SELECT json_extract(detail, '$.decision') FROM events "
                            "WHERE kind = 'gate_decision'").fetchall()
    assert ticked_ids(log) == ["device-1"] and gate == [("Dr Lee approves",)]


def test_device_1_ticked_anyway_over_the_typing_is_ticked(qtbot, live_esketamine):  # noqa: F811
    _window, answers, bp, panel, log = _device_1_chosen(qtbot, live_esketamine)
    answers.reply = "LOT-1"                   # "Tick device 1" over the typing
    qtbot.keyClick(panel.items, Key.Key_Space)
    assert answers.asked[0] == QUESTION
    assert ticked_ids(log) == ["device-1"] and bp.text() == "152/96"


def test_device_2_is_not_asked_whether_a_bp_typed_counts_before_the_dose(
        qtbot, live_esketamine):  # noqa: F811
    controller, journal, clock, log = live_esketamine
    assert controller.advance_phase(override_reason="test").done   # T0, the devices
    assert controller.tick_item("device-1", note="LOT-1").done       # the dose began
    clock.advance(6 * 60)                                            # its rest has run
    answers = Answers()
    answers.reply = "LOT-2"
    answers.yes = False   # "Not yet", were it asked
    window = shown_live_window(qtbot, live_esketamine, (1366, 768), asker=answers)
    qtbot.keyClicks(window.entry.fields["bp"], "128/80")   # after the dose, Return not yet
    panel = window.checklist
    panel.refresh()
    panel.items.setCurrentRow(device_row(panel, "device-2"))
    panel.items.setFocus()
    qtbot.waitUntil(lambda: not panel.opening())
    qtbot.keyClick(panel.items, Key.Key_Space)
    assert not [q for q in answers.asked if "as a value after the dose" in q], answers.asked
    assert ticked_ids(log) == ["device-1", "device-2"], panel.message.text()
