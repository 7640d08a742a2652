"""The lock screen's bar: "Locked — sign in to continue" with a sign-in form (issue 13).

It takes the entry form's place while the station is locked, and says why when the console
locked it (an account disabled or without the nurse role: `SessionController.lock_reason`) until
the next sign-in: the refusal's words had gone to the entry panel the lock hides. The alarm
area, the tiles and the trend stay where they are and F2/F3 and the alarm area's buttons keep
working (the rule is in console/session/lock.py). It only draws and forwards: the sign-in goes
through the controller, and the PIN field is emptied after every attempt (the secret is never
kept or shown).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from console.session.chair_identity import SignInAnswer
from console.session.lock import LOCKED_MESSAGE
from console.ui import theme
from console.ui.controller import SessionController
from console.ui.window_front import belongs_to


class ActivityFilter(QtCore.QObject):
    """Calls `on_activity` for a key, a click or a touch in `window` or one of its own windows
    (the idle time): the chair's controller, the review's idle lock. A dialog of the window
    counts: the station locked under a nurse typing a correction's reason in the console's
    question, and what she typed was refused. `any_window`: in any window of the process (the
    review is a process of its own: typing an annotation in its dialog is someone there)."""

    KINDS = frozenset({QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.MouseButtonPress,
                       QtCore.QEvent.Type.Wheel, QtCore.QEvent.Type.TouchBegin})

    def __init__(self, on_activity: Callable[[], None], window: QtWidgets.QWidget,
                 any_window: bool = False) -> None:
        super().__init__(window)
        self._on_activity = on_activity
        self._window = window
        self._any_window = any_window

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if event.type() in self.KINDS and isinstance(watched, QtWidgets.QWidget) and (
                self._any_window or belongs_to(watched, self._window.window())):
            self._on_activity()
        return False


HINT = "Alarms can be acknowledged (F2) and audio paused (F3) without signing in."
"""What the bar says under the form each time the station locks."""


class LockBar(QtWidgets.QFrame):
    """The locked station's banner and sign-in form.

    Signals:
        signed_in: a sign-in was accepted; carries its SignInAnswer.
    """

    signed_in = QtCore.Signal(object)

    def __init__(self, controller: SessionController,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("lock_bar")
        self.title = QtWidgets.QLabel(LOCKED_MESSAGE)
        self.title.setObjectName("lock_title")
        self.name = QtWidgets.QLineEdit()
        self.name.setObjectName("lock_name")
        self.name.setPlaceholderText("name or badge")
        self.secret = QtWidgets.QLineEdit()
        self.secret.setObjectName("lock_secret")
        self.secret.setPlaceholderText("PIN or password")
        self.secret.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.button = QtWidgets.QPushButton("Sign in")
        self.button.setObjectName("lock_sign_in")
        self.reason = QtWidgets.QLabel("")   # why the console locked it; hidden when none
        self.reason.setObjectName("lock_reason")
        # Names an account: "Ana <s>Nurse" was drawn struck through as rich text (a review).
        self.reason.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.reason.setWordWrap(True)
        self.reason.hide()
        self.message = QtWidgets.QLabel(HINT)
        self.message.setObjectName("lock_message")
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # "Signed in as <name>"
        self.message.setWordWrap(True)
        form = QtWidgets.QHBoxLayout()
        form.addWidget(self.title, 2)
        form.addWidget(self.name, 2)
        form.addWidget(self.secret, 2)
        form.addWidget(self.button)
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 4)
        column.addLayout(form)
        column.addWidget(self.reason)
        column.addWidget(self.message)
        self.button.clicked.connect(self._on_sign_in_clicked)
        self.secret.returnPressed.connect(self._on_sign_in_clicked)
        self.name.returnPressed.connect(self.secret.setFocus)
        theme.signals().changed.connect(self._on_theme_changed)
        self._on_theme_changed(theme.current())

    def _on_theme_changed(self, now: theme.Theme) -> None:
        self.setStyleSheet(f"QFrame#lock_bar {{background:{now.dark_bg};}} QLabel "
                           f"{{color:{now.dark_text};font-size:14pt;}} QLabel#lock_title "
                           "{font-size:17pt;font-weight:bold;} QLabel#lock_reason "
                           "{font-weight:bold;} QLineEdit {font-size:15pt;} "
                           "QPushButton {font-size:15pt;padding:4px 16px;}")

    def show_locked(self) -> None:
        """The station has just locked: the hint again, not what the last sign-in answered (a
        walk showed "Signed in as Nina Nurse" under "Locked — sign in to continue" at the next
        idle lock), and why it locked when the console did."""
        self._show_reason(self.controller.lock_reason)
        self.message.setText(HINT)
        self.secret.clear()
        self.name.clear()   # a PIN typed there before is not left on a locked screen
        self.name.setFocus()

    def _on_sign_in_clicked(self) -> None:
        answer = self.controller.sign_in(self.name.text(), self.secret.text())
        self.secret.clear()
        # The name too, whatever the answer: the focus starts in it, and a PIN typed there at
        # once stayed readable on the locked station after its refusal (a review). Every
        # refusal, not only an unknown name's: which names exist is not told.
        self.name.clear()
        self.message.setText(answer.message)
        if answer.ok:
            self._show_reason("")   # an allowed account is at the chair: the reason is past
            self.signed_in.emit(answer)
        else:
            self.name.setFocus()

    def _show_reason(self, reason: str) -> None:
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
