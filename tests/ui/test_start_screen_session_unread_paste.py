"""Digits pasted into "session ?" are taken as typed ones are (review 45). A nurse who clicks into "session ?" and pastes her count (Ctrl+V, or the context menu) got
nothing: the paste makes "session ?3", which the box refuses without a word, as the typed digit
was before 6c53deb (`_UnreadGivesWay` acts on key presses with printable text only)."""

from __future__ import annotations

from PySide6 import QtCore, QtGui

from tests.ui.test_start_screen import fill, make_screen, protocols  # noqa: F401 - fixtures
from tests.ui.test_start_screen_number_and_weight_as_typed import locked_but_for_mrn_1


def test_a_number_pasted_after_a_click_into_session_question_mark_is_taken(qtbot, make_screen):
    screen = make_screen(locked_but_for_mrn_1)
    fill(qtbot, screen, patient="MRN-2")
    box = screen.session_spin
    assert box.text() == "session ?"
    screen.show()
    qtbot.waitExposed(screen)
    line = box.lineEdit()
    qtbot.mouseClick(line, QtCore.Qt.MouseButton.LeftButton, pos=line.rect().center())
    assert not line.hasSelectedText()
    QtGui.QGuiApplication.clipboard().setText("3")
    qtbot.keyClick(box, QtCore.Qt.Key.Key_V, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert box.text() == "session 3", f"pasted 3 after a click: the box reads {box.text()!r}"
    assert box.value() == 3
