"""Choosers that the mouse wheel cannot change in passing, and clinical values it never changes.

Qt lets the wheel change a combo box or a spin box under the pointer, focused or not: on the
start screen, scrolling the page with the pointer over "Monitor" switched it from hl7 to
intellivue without a word (a walk on X); over the protocol, the dose or the session number it
would change those. A guarded chooser (`guard_wheel`) takes the wheel only once it has the focus
(a click or Tab); otherwise the wheel scrolls what holds it, as the nurse meant.

A clinical value (a score box) never takes the wheel, focused or not (`refuse_wheel`): a nurse
clicked into the Aldrete box, typed 9 and turned the wheel to look further down without moving
the pointer away, and Return recorded 8, below the discharge cut-off (review 46). A value the
nurse typed changes only by her keys (typing, the arrow keys); the wheel scrolls what holds it.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class _WheelGuard(QtCore.QObject):
    def __init__(self, even_focused: bool) -> None:
        super().__init__()
        self.even_focused = even_focused

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if (event.type() == QtCore.QEvent.Type.Wheel and isinstance(watched, QtWidgets.QWidget)
                and (self.even_focused or not watched.hasFocus())):
            parent = watched.parentWidget()
            if parent is not None:   # the page scrolls instead (Qt hands it up from there)
                QtCore.QCoreApplication.sendEvent(parent, event)
            return True
        return False


_GUARDS: dict[bool, _WheelGuard] = {}   # one filter serves every widget of each rule


def _install(even_focused: bool, widgets: tuple[QtWidgets.QWidget, ...]) -> None:
    guard = _GUARDS.setdefault(even_focused, _WheelGuard(even_focused))
    for widget in widgets:
        widget.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)   # the wheel gives no focus
        widget.installEventFilter(guard)


def guard_wheel(*widgets: QtWidgets.QWidget) -> None:
    """Let the wheel change each of `widgets` only while it has the focus."""
    _install(False, widgets)


def refuse_wheel(*widgets: QtWidgets.QWidget) -> None:
    """Never let the wheel change `widgets` (clinical values): it scrolls what holds them."""
    _install(True, widgets)
