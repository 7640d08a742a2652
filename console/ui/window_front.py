"""Bringing a console window back in front when an alarm calls (console/session/alarm_area.py,
NewAlarmWatch, says when): the bedside's and the central station's alike."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def bring_forward(window: QtWidgets.QWidget, rest_on: QtWidgets.QWidget | None) -> None:
    """Ask for attention and, when another program's window is in front (the review the console
    started, a browser), un-minimise `window`, raise it over the others and activate it.

    The keyboard then rests on `rest_on` (a widget that takes no text), never back in an entry
    field: a clinician typing into the review when the alarm came would otherwise type on into
    the BP field, where an Enter records it. While one of this window's own windows is active
    (the nurse is typing here, or a question of the console's is open), nothing moves."""
    QtWidgets.QApplication.alert(window)
    if _active_here(window) and not window.isMinimized():
        return
    if rest_on is not None:
        rest_on.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
    if window.isMinimized():
        window.setWindowState(window.windowState() & ~QtCore.Qt.WindowState.WindowMinimized)
    window.raise_()
    window.activateWindow()


def _active_here(window: QtWidgets.QWidget) -> bool:
    """`window` or one of its own (a question, a sign-in) has the keyboard."""
    active = QtWidgets.QApplication.activeWindow()
    while active is not None:
        if active is window:
            return True
        active = active.parentWidget()
    return False
