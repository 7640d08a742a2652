"""The mouse wheel never changes a score (review 46): the score boxes were guarded only while
they lacked the focus, so a nurse who typed Aldrete 9 and turned the wheel, the pointer still
over the box, recorded 8 (below the discharge cut-off). Only her keys change a score."""

from PySide6 import QtCore, QtGui, QtWidgets

from tests.ui.conftest import live, shown_live_window  # noqa: F401 - the fixture
from tests.ui.test_score_box_typed_text import recorded, type_in

Key = QtCore.Qt.Key


def wheel(widget: QtWidgets.QWidget, notches: int) -> None:
    centre = widget.rect().center()
    QtWidgets.QApplication.sendEvent(widget, QtGui.QWheelEvent(
        QtCore.QPointF(centre), QtCore.QPointF(widget.mapToGlobal(centre)), QtCore.QPoint(0, 0),
        QtCore.QPoint(0, 120 * notches), QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier, QtCore.Qt.ScrollPhase.NoScrollPhase, False))


def test_the_wheel_does_not_change_a_focused_score(qtbot, live):  # noqa: F811
    _controller, _journal, _clock, log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    box = window.entry.aldrete
    type_in(qtbot, box, "9", enter=False)
    assert box.hasFocus()
    wheel(box, -1)
    wheel(box.lineEdit(), 1)
    assert box.text() == "9"
    qtbot.keyClick(box.lineEdit(), Key.Key_Return)
    assert recorded(log, "aldrete") == [9.0]
    # The arrow keys still set a score.
    box.setFocus()
    qtbot.keyClick(box.lineEdit(), Key.Key_Up)
    assert box.value() == 0
