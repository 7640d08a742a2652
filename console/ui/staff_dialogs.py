"""Dialogs of the staff accounts (issue 13): the first administrator, a sign-in (the review's,
the administration's), and the administration of accounts.

They draw and forward: the rules (names, badges, PIN and password rules, who may add an account)
are the identity layer's (console/identity/staff.py), whose refusals are shown as they are. The
secret fields are emptied after every attempt; a secret is never kept, logged nor shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

from console.clock import Clock
from console.ui import theme

if TYPE_CHECKING:
    from console.identity import Account, Staff

FIRST_ADMIN_NOTICE = "No staff accounts yet: create the first administrator"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class FirstAdministratorDialog(QtWidgets.QDialog):
    """Create the log's first account: an administrator, optionally also a nurse or prescriber.

    Signals:
        created: the account was written to the log; carries the Account.
    """

    created = QtCore.Signal(object)

    def __init__(self, staff: Staff, clock: Clock,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff = staff
        self.clock = clock
        self.account: Account | None = None
        self.setWindowTitle("First administrator")
        self.setObjectName("first_admin_dialog")
        self.name = QtWidgets.QLineEdit()
        self.name.setObjectName("admin_name")
        self.badge = QtWidgets.QLineEdit()
        self.badge.setObjectName("admin_badge")
        self.badge.setPlaceholderText("optional")
        self.kind = QtWidgets.QComboBox()
        self.kind.setObjectName("admin_kind")
        self.kind.addItem("PIN (4-12 digits)", "pin")
        self.kind.addItem("Password (8 characters or more)", "password")
        self.secret = QtWidgets.QLineEdit()
        self.secret.setObjectName("admin_secret")
        self.again = QtWidgets.QLineEdit()
        self.again.setObjectName("admin_secret_again")
        for field in (self.secret, self.again):
            field.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.nurse = QtWidgets.QCheckBox("also a nurse (runs sessions at the chair)")
        self.nurse.setObjectName("admin_nurse")
        self.prescriber = QtWidgets.QCheckBox("also a prescriber (decides at a gate)")
        self.prescriber.setObjectName("admin_prescriber")
        self.message = QtWidgets.QLabel(
            "This account manages the staff accounts. Once it exists, every session needs a "
            "nurse's sign-in.")
        self.message.setObjectName("admin_message")
        self.message.setWordWrap(True)
        self.create_button = QtWidgets.QPushButton("Create")
        self.create_button.setObjectName("admin_create")
        self.create_button.setDefault(True)
        cancel = QtWidgets.QPushButton("Cancel")
        form = QtWidgets.QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Badge id", self.badge)
        form.addRow("Signs in with", self.kind)
        form.addRow("PIN or password", self.secret)
        form.addRow("Again", self.again)
        form.addRow("", self.nurse)
        form.addRow("", self.prescriber)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.create_button)
        column = QtWidgets.QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.message)
        column.addLayout(buttons)
        self.setStyleSheet("QWidget {font-size:14pt;}")
        self.create_button.clicked.connect(self._on_create_clicked)
        cancel.clicked.connect(self.reject)

    def roles(self) -> list[str]:
        return ["administrator", *(["nurse"] if self.nurse.isChecked() else []),
                *(["prescriber"] if self.prescriber.isChecked() else [])]

    def _on_create_clicked(self) -> None:
        from console.identity import IdentityError, SecretKind  # noqa: PLC0415 - on demand (P7)

        secret, again = self.secret.text(), self.again.text()
        self.secret.clear()
        self.again.clear()
        kind = SecretKind(str(self.kind.currentData()))
        if secret != again:
            self.message.setText(f"The two {kind.label}s differ: type the {kind.label} twice, "
                                 "the same both times.")
            return
        try:
            account = self.staff.add(self.name.text(), self.roles(), secret, kind, None,
                                     self.clock.now().wall, badge=self.badge.text().strip() or None)
        except (IdentityError, ValueError) as exc:
            self.message.setText(_sentence(str(exc)))
            return
        self.account = account
        self.message.setText(f"{account.name} ({account.roles_text}) was created.")
        self.created.emit(account)
        self.accept()


SignInCheck = Callable[[str, str], "str | None"]
"""`check(name_or_badge, secret)`: None when signed in, else the sentence to show."""


class SignInDialog(QtWidgets.QDialog):
    """Name or badge and PIN or password, for a sign-in that opens something (the review, the
    administration). It only asks: on Sign in it calls `check` and empties the secret field;
    it closes when `check` answers None and otherwise shows the answer and waits.

    Attributes:
        signed_in: True once `check` accepted a sign-in.
    """

    def __init__(self, title: str, intro: str, check: SignInCheck,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = check
        self.signed_in = False
        self.setObjectName("sign_in_dialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.title = QtWidgets.QLabel(title)
        self.title.setObjectName("sign_in_title")
        self.intro = QtWidgets.QLabel(intro)
        self.intro.setObjectName("sign_in_intro")
        self.intro.setWordWrap(True)
        self.name = QtWidgets.QLineEdit()
        self.name.setObjectName("sign_in_name")
        self.name.setPlaceholderText("name or badge")
        self.secret = QtWidgets.QLineEdit()
        self.secret.setObjectName("sign_in_secret")
        self.secret.setPlaceholderText("PIN or password")
        self.secret.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("sign_in_message")
        self.message.setWordWrap(True)
        self.message.hide()
        self.sign_in_button = QtWidgets.QPushButton("Sign in")
        self.sign_in_button.setObjectName("sign_in_button")
        self.sign_in_button.setDefault(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        form = QtWidgets.QFormLayout()
        form.addRow("Name or badge", self.name)
        form.addRow("PIN or password", self.secret)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_in_button)
        column = QtWidgets.QVBoxLayout(self)
        column.setSpacing(10)
        column.addWidget(self.title)
        column.addWidget(self.intro)
        column.addLayout(form)
        column.addWidget(self.message)
        column.addLayout(buttons)
        self.setMinimumWidth(600)
        t = theme.current()
        self.setStyleSheet("QWidget {font-size:14pt;} QLabel#sign_in_title {font-size:17pt;"
                           f"font-weight:bold;}} QLabel#sign_in_message {{color:{t.error_text};"
                           "font-weight:bold;} QPushButton {padding:4px 18px;}")
        self.sign_in_button.clicked.connect(self._on_sign_in_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.name.returnPressed.connect(self.secret.setFocus)
        self.name.setFocus()

    def _on_sign_in_clicked(self) -> None:
        secret = self.secret.text()
        self.secret.clear()   # never kept, whatever the answer
        refused = self.check(self.name.text(), secret)
        del secret
        if refused is None:
            self.signed_in = True
            self.accept()
            return
        self.message.setText(refused)
        self.message.show()
        self.secret.setFocus()
