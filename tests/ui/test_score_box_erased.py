"""A score box records what it holds for the nurse, or nothing (review 46): Aldrete 9 typed,
then erased (Backspace, or select-all and Delete) and Return recorded "Aldrete 9/10", the
discharge gate's pass mark, from a box that showed nothing; full-width "１０" recorded the 9
typed before it."""

from PySide6 import QtCore, QtGui, QtWidgets

from tests.ui.conftest import live, shown_live_window  # noqa: F401 - the fixture
from tests.ui.test_score_box_typed_text import recorded, type_in

Key = QtCore.Qt.Key


def test_a_score_erased_with_backspace_is_not_recorded(live, qtbot):  # noqa: F811
    _controller, _journal, _clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    entry = window.entry
    type_in(qtbot, entry.aldrete, "9", enter=False)
    qtbot.keyClick(entry.aldrete.lineEdit(), Key.Key_Backspace)
    qtbot.keyClick(entry.aldrete.lineEdit(), Key.Key_Return)
    assert recorded(log, "aldrete") == []
    assert entry.message.text() == ("Set the Modified Aldrete score first (0–10 score (whole "
                                    "numbers)), then Record.")
    assert entry.aldrete.text() == "—"   # the box shows what it holds: no score


def test_a_score_erased_with_delete_is_not_recorded_by_the_record_button(live, qtbot):  # noqa: F811
    _controller, _journal, _clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    entry = window.entry
    type_in(qtbot, entry.dissociation, "12", enter=False)
    entry.dissociation.lineEdit().selectAll()
    qtbot.keyClick(entry.dissociation.lineEdit(), Key.Key_Delete)
    record = window.findChild(QtWidgets.QPushButton, "obs_dissociation_record")
    qtbot.mouseClick(record, QtCore.Qt.MouseButton.LeftButton)
    assert recorded(log, "dissociation") == []
    assert entry.message.text().startswith("Set the Dissociation (CADSS) score first")


def test_full_width_digits_are_read_as_the_vitals_read_them(live, qtbot):  # noqa: F811
    _controller, _journal, _clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    entry = window.entry
    box = entry.aldrete
    type_in(qtbot, box, "9", enter=False)
    qtbot.keyClick(box.lineEdit(), Key.Key_Backspace)
    for ch in "１０":   # an input method left in full-width mode
        for kind in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.KeyRelease):
            QtWidgets.QApplication.sendEvent(
                box, QtGui.QKeyEvent(kind, 0, QtCore.Qt.KeyboardModifier.NoModifier, ch))
    assert box.lineEdit().text() == "１０"
    qtbot.keyClick(box.lineEdit(), Key.Key_Return)
    assert recorded(log, "aldrete") == [10.0]
    assert entry.message.text() == "Recorded: Aldrete 10/10"


def test_a_score_set_with_the_arrow_keys_after_typing_is_the_one_recorded(live, qtbot):  # noqa: F811
    _controller, _journal, _clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    entry = window.entry
    type_in(qtbot, entry.aldrete, "7", enter=False)
    qtbot.keyClick(entry.aldrete.lineEdit(), Key.Key_Up)
    assert entry.aldrete.text() == "8"
    qtbot.keyClick(entry.aldrete.lineEdit(), Key.Key_Return)
    assert recorded(log, "aldrete") == [8.0]
