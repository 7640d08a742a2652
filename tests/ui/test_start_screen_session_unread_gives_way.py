"""876800f: when the log cannot be read for the patient typed, the start screen's number box
shows "session ?" (value 0) and the message says "Could not read earlier sessions from the log
(...): enter the number." A nurse who clicks into the box, as she clicks into every other
field, and types her count gets nothing: the click leaves the cursor in "session ?", the digit
makes "session ?3" (or "session 3?"), which the box refuses without a word. Only Tab (which
selects the text) or the arrows work. The score boxes had the same trap, fixed by letting the
dash give way to the first character typed (entry_panel._ScoreBox.keyPressEvent)."""

from __future__ import annotations

from PySide6 import QtCore

from tests.ui.test_start_screen import fill, make_screen, protocols  # noqa: F401 - fixtures
from tests.ui.test_start_screen_number_and_weight_as_typed import locked_but_for_mrn_1


def test_a_number_typed_after_a_click_into_session_question_mark_is_taken(qtbot, make_screen):
    screen = make_screen(locked_but_for_mrn_1)
    fill(qtbot, screen, patient="MRN-2")
    box = screen.session_spin
    assert box.text() == "session ?"
    screen.show()
    qtbot.waitExposed(screen)
    line = box.lineEdit()
    qtbot.mouseClick(line, QtCore.Qt.MouseButton.LeftButton, pos=line.rect().center())
    assert not line.hasSelectedText()
    qtbot.keyClicks(line, "3")
    assert box.text() == "session 3", f"typed 3 after a click: the box reads {box.text()!r}"
    assert box.value() == 3
    assert screen.start_button.isEnabled()
