"""A chooser that the mouse wheel cannot change in passing.

Qt lets the wheel change a combo box or a spin box under the pointer, focused or not: on the
start screen, scrolling the page with the pointer over "Monitor" switched it from hl7 to
intellivue without a word (a walk on X); over the protocol, the dose or the session number it
would change those. A guarded chooser takes the wheel only once it has the focus (a click or
Tab); otherwise the wheel scrolls what holds it, as the nurse meant.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class _WheelGuard(QtCore.QObject):
    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if (event.type() == QtCore.QEvent.Type.Wheel and isinstance(watched, QtWidgets.QWidget)
                and not watched.hasFocus()):
            parent = watched.parentWidget()
            if parent is not None:   # the page scrolls instead (Qt hands it up from there)
                QtCore.QCoreApplication.sendEvent(parent, event)
            return True
        return False


_GUARD: _WheelGuard | None = None


def guard_wheel(*widgets: QtWidgets.QWidget) -> None:
    """Let the wheel change each of `widgets` only while it has the focus."""
    global _GUARD   # noqa: PLW0603 - one filter serves every guarded widget
    if _GUARD is None:
        _GUARD = _WheelGuard()
    for widget in widgets:
        widget.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)   # the wheel gives no focus
        widget.installEventFilter(_GUARD)
