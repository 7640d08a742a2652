"""Bringing a console window back in front when an alarm calls (console/session/alarm_area.py,
NewAlarmWatch, says when): the bedside's and the central station's alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeGuard

from PySide6 import QtCore, QtGui, QtWidgets

# Keys that reach a question of the console within this long of the last one, from the moment an
# alarm brought it forward, were typed for the window that was in front: they are dropped.
TYPE_AHEAD_QUIET_S = 1.0


def bring_forward(window: QtWidgets.QWidget, rest_on: QtWidgets.QWidget | None,
                  seconds: Callable[[], float]) -> TypeAheadGuard | None:
    """Ask for attention and, when another program's window is in front (the review the console
    started, a browser), un-minimise `window`, raise it over the others and activate it.

    The keyboard then rests on `rest_on` (a widget that takes no text), never back in an entry
    field: a clinician typing into the review when the alarm came would otherwise type on into
    the BP field, where an Enter records it. While one of this window's own windows is active
    (the nurse is typing here, or a question of the console's is open), nothing moves.

    A question of this window's that was open behind the other program (a modal one: "Confirm an
    unusual value", a signature) takes the keyboard when the window comes back, whatever
    `rest_on` asks; its TypeAheadGuard, returned, drops the keys typed on for the other window.
    `seconds` is a monotonic clock."""
    QtWidgets.QApplication.alert(window)
    if _active_here(window) and not window.isMinimized():
        return None
    if rest_on is not None:
        rest_on.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
    if window.isMinimized():
        window.setWindowState(window.windowState() & ~QtCore.Qt.WindowState.WindowMinimized)
    window.raise_()
    window.activateWindow()
    question = QtWidgets.QApplication.activeModalWidget()
    if question is not None and belongs_to(question, window):
        return TypeAheadGuard(question, seconds)
    return None


class TypeAheadGuard(QtCore.QObject):
    """Drops the keys that reach `question` until the keyboard has been quiet for
    TYPE_AHEAD_QUIET_S, then lets every key through for good.

    A clinician typing "150/90", Enter, into the review when an alarm brought the console back
    would otherwise answer the console's open question with the Enter ("Do not record" drops the
    nurse's value) or type into its password field. Only keys aimed at `question` and its children
    are looked at; the guard lives as long as the question (its Qt parent), so a later window is
    never touched."""

    def __init__(self, question: QtWidgets.QWidget, seconds: Callable[[], float]) -> None:
        super().__init__(question)
        self.question = question
        self.seconds = seconds
        self.last_key = seconds()
        self.dropped = 0
        self.active = True
        app = QtCore.QCoreApplication.instance()
        assert app is not None, "a question exists only inside a running application"
        self.app = app
        app.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802 - Qt's name
        if not self.active or event.type() not in _KEY_EVENTS or not self._aimed_at_question(watched):
            return False
        if alarm_key(event):
            # The alarm's own keys (DialogAlarmKeys acts on them in the question): not typing.
            # Dropped, and each press counted as typing, F2 twice in the question acknowledged
            # nothing while the high alarm that called the nurse sounded on (a review).
            return False
        now = self.seconds()
        if now - self.last_key >= TYPE_AHEAD_QUIET_S:
            self.end()
            return False
        if event.type() == QtCore.QEvent.Type.KeyPress:
            self.last_key = now
            self.dropped += 1
        return True

    def end(self) -> None:
        self.active = False
        self.app.removeEventFilter(self)

    def _aimed_at_question(self, watched: QtCore.QObject) -> bool:
        return isinstance(watched, QtWidgets.QWidget) and (
            watched is self.question or self.question.isAncestorOf(watched))


_KEY_EVENTS = frozenset({QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.KeyRelease,
                         QtCore.QEvent.Type.ShortcutOverride})
_ALARM_KEYS = frozenset({QtCore.Qt.Key.Key_F2, QtCore.Qt.Key.Key_F3})


def alarm_key(event: QtCore.QEvent) -> TypeGuard[QtGui.QKeyEvent]:
    """F2 or F3 without a modifier: acknowledge and pause, as the alarm area reads them (and
    alarm_bar.DialogAlarmKeys in a question)."""
    return (isinstance(event, QtGui.QKeyEvent) and event.key() in _ALARM_KEYS
            and event.modifiers() == QtCore.Qt.KeyboardModifier.NoModifier)


def _active_here(window: QtWidgets.QWidget) -> bool:
    """`window` or one of its own (a question, a sign-in) has the keyboard."""
    active = QtWidgets.QApplication.activeWindow()
    return active is not None and belongs_to(active, window)


def belongs_to(widget: QtWidgets.QWidget, window: QtWidgets.QWidget) -> bool:
    """`widget` is `window` or one of its own windows (its parent chain reaches `window`)."""
    here: QtWidgets.QWidget | None = widget
    while here is not None:
        if here is window:
            return True
        here = here.parentWidget()
    return False
