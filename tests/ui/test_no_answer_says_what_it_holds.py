"""A "no" to a yes-or-no item (esketamine's "Vital signs in an acceptable range before the first
device (REMS form: yes or no)") is logged and holds the move to dosing. At 1366x768 the checklist's
two-line message drew "Logged 'no': Vital signs recorded / not acceptable before the first …" in the
colour of a tick done: that dosing now waits for a yes or an override was cut off. The point comes
first, in the warning colour of the row itself."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from tests.ui.conftest import Answers, shown_live_window
from tests.ui.test_checklist_panel import device_row, ticked_ids

Key = QtCore.Qt.Key


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_a_no_answer_says_in_sight_that_dosing_waits_while_the_item_stays_open(
        qtbot, live_esketamine, size):
    controller, _journal, _clock, log = live_esketamine
    answers = Answers()
    window = shown_live_window(qtbot, live_esketamine, size, asker=answers)
    panel = window.checklist
    row = device_row(panel, "vitals-acceptable-before")
    panel.items.setCurrentRow(row)
    panel.items.setFocus()
    qtbot.waitUntil(lambda: not panel.opening())
    answers.reply = "No"   # typed in the "Yes or no" question
    qtbot.keyClick(panel.items, Key.Key_Space)
    assert ticked_ids(log) == ["vitals-acceptable-before"]   # logged as she gave it
    assert panel.items.item(row).checkState() == QtCore.Qt.CheckState.PartiallyChecked
    drawn = " ".join(panel.message.shown_lines())
    assert drawn.startswith("Still open: dosing waits for a yes or an override"), drawn
    assert panel.message._colour == "warn_text"   # as the row: open, and not an alarm
    assert panel.message.text() == (
        "Still open: dosing waits for a yes or an override ('No' logged: Vital signs recorded "
        "not acceptable before the first device).")
    # Answered yes: a tick as any other, said as one.
    answers.reply = "yes"
    qtbot.keyClick(panel.items, Key.Key_Space)
    assert panel.items.item(row).checkState() == QtCore.Qt.CheckState.Checked
    assert panel.message._colour != "warn_text" and "Still open" not in panel.message.text()
