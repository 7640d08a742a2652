"""The review's idle lock: a review left alone hides its records until its reader signs in again.

A review signed in on a log with staff accounts showed identified records, and exported them in
its reader's name, for as long as the window stayed open (an audit: 48 hours after one sign-in,
reads and a PDF export were still logged under it). The chair's rule applies
(console/session/lock.py `IdleLock`, `DEFAULT_LOCK_AFTER_S`): after that long without a key, a
click or a touch in the window, the records give way to this page, which asks for the signed-in
account's own PIN or password (`ReviewAccess.unlock`: a sign-in, logged, counted by the
lock-out). Anyone else closes the review and opens their own. Nothing is read, exported or
annotated while it is locked: the page covers every tab, and a dialog left open is closed as if
cancelled. A key, a click or a touch in any window of the review (its own process) is someone
there: typing a long annotation in its dialog does not lock it.

It only draws and forwards; the rule and the secret's check are Qt-free.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.clock import Clock
from console.review.access import NotTheLogOpenError, ReviewAccess
from console.session.lock import IdleLock
from console.store import LogError
from console.ui.lock_bar import ActivityFilter

CHECK_MS = 1000   # how often the idle time is looked at


def locked_text(name: str, minutes: float) -> str:
    return (f"Locked: this review was left for {minutes:g} minutes. Its records are hidden until "
            f"{name} signs in again; anyone else closes this window and opens the review with "
            "their own sign-in.")


class _WakingEventHeld(ActivityFilter):
    """The review's `ActivityFilter`; the key or click that locked it goes no further.

    After a sleep past the idle time, the first click locks the review before the timer looks
    (`IdleLock.activity`); let through, the click on "Open session" that woke it opened the
    session behind the lock page, its read logged in the reader's name. (The chair lets its
    waking key through: F2 and the alarm area's buttons must act at once, and every other act
    there asks the lock.)"""

    def __init__(self, lock: ReviewLock, window: QtWidgets.QWidget) -> None:
        super().__init__(lock._on_activity, window, any_window=True)
        self._lock = lock

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if event.type() not in self.KINDS:
            return False   # every event of the application passes here: paints, timers
        was_locked = self._lock.locked
        super().eventFilter(watched, event)
        return self._lock.locked and not was_locked


class ReviewLock(QtWidgets.QWidget):
    """The page shown while locked, and the idle lock that shows it.

    Signals:
        locked_changed(bool): the review locked (True) or opened again (False).
    """

    locked_changed = QtCore.Signal(bool)

    def __init__(self, access: ReviewAccess, clock: Clock, lock_after_s: float,
                 window: QtWidgets.QWidget) -> None:
        super().__init__()
        self.access = access
        self.clock = clock
        self.idle = IdleLock.started(lock_after_s, clock.now())
        layout = QtWidgets.QVBoxLayout(self)
        layout.addStretch(1)
        self.text = QtWidgets.QLabel()
        self.text.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # the account's name as logged
        self.text.setWordWrap(True)
        self.text.setObjectName("review_locked")
        self.text.setStyleSheet("font-size:14pt;")
        layout.addWidget(self.text)
        form = QtWidgets.QHBoxLayout()
        form.addWidget(QtWidgets.QLabel("PIN or password"))
        self.secret = QtWidgets.QLineEdit()
        self.secret.setObjectName("review_unlock_secret")
        self.secret.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.secret.returnPressed.connect(self._on_unlock)
        form.addWidget(self.secret)
        self.unlock_button = QtWidgets.QPushButton("Unlock")
        self.unlock_button.clicked.connect(self._on_unlock)
        form.addWidget(self.unlock_button)
        form.addStretch(1)
        layout.addLayout(form)
        self.message = QtWidgets.QLabel()
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.message.setObjectName("review_unlock_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(2)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.installEventFilter(_WakingEventHeld(self, window))
        self._window = window

    @property
    def locked(self) -> bool:
        return self.idle.locked

    def _on_activity(self) -> None:
        # A key or click after a sleep past the idle time, before the timer's first look,
        # locks it (lock.py): it had started the idle time again over the records.
        if self.idle.activity(self.clock.now()):
            self._on_locked()

    def check(self) -> None:
        """Lock when the review has been idle long enough (the timer calls it)."""
        if self.idle.check(self.clock.now()):
            self._on_locked()

    def _on_locked(self) -> None:
        """It has just locked: its dialogs closed, this page over the records."""
        self._close_dialogs()
        self.text.setText(locked_text(self.access.account.name, self.idle.lock_after_s / 60.0))
        self.message.clear()
        self.secret.clear()
        self.locked_changed.emit(True)
        self.secret.setFocus()

    def _close_dialogs(self) -> None:
        """A dialog left open (an annotation half typed, a file being chosen, an error) shows
        what the lock hides: it is closed as if cancelled (nothing of it was written)."""
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if isinstance(widget, QtWidgets.QDialog) and widget.isVisible() \
                    and widget is not self._window:
                widget.reject()

    def _on_unlock(self) -> None:
        secret = self.secret.text()
        self.secret.clear()   # never kept, whatever the answer
        try:
            why = self.access.unlock(secret)
        except NotTheLogOpenError as exc:
            why = f"Not unlocked: {exc}."
        except LogError as exc:
            why = f"Not unlocked: the sign-in cannot be recorded now ({exc})."
        if why is not None:
            self.message.setText(why)
            return
        self.idle.unlock(self.clock.now())
        self.message.clear()
        self.locked_changed.emit(False)
