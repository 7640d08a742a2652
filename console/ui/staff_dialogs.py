"""Dialogs of the staff accounts (issue 13): the first administrator, a sign-in (the review's,
the administration's), and the administration of accounts.

They draw and forward: the rules (names, badges, PIN and password rules, who may add an account)
are the identity layer's (console/identity/staff.py), whose refusals are shown as they are. The
secret fields are emptied after every attempt; a secret is never kept, logged nor shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import Clock
from console.session.lock import DEFAULT_LOCK_AFTER_S, IdleLock
from console.store import LogError
from console.ui import theme
from console.ui.dialog_place import grow_to_wrapped_text
from console.ui.lock_bar import ActivityFilter

if TYPE_CHECKING:
    from console.identity import Account, Staff
    from console.store import EventLog

FIRST_ADMIN_NOTICE = "No staff accounts yet: create the first administrator"
ADMINISTRATOR_EXISTS = ("An administrator exists now in this session log ({name}, account {id}): "
                        "nothing was created. Close this; Staff ▸ Staff accounts… adds accounts "
                        "after an administrator's sign-in, and a session now starts with a "
                        "nurse's sign-in.")
"""The first-administrator dialog's Create, once an administrator was made meanwhile (IT's
`infusion-console staff add` on the chair's log): "Managing staff needs an administrator's
sign-in." had said neither that one exists nor what to do (a review)."""
IDLE_CHECK_MS = 1000   # how often the administration's idle time is looked at


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _refusal(exc: Exception) -> str:
    """A refused change in words: the identity layer's sentence, or that the log cannot be
    written now (a backup tool or a second console holds it), never a console fault."""
    if isinstance(exc, LogError):
        return f"Not saved: {exc.message}"
    return _sentence(str(exc))


class FirstAdministratorDialog(QtWidgets.QDialog):
    """Create the log's first account: an administrator, optionally also a nurse or prescriber.

    An administrator made elsewhere while it stands (IT's `staff add`) refuses Create: the
    dialog says so and the way on (`ADMINISTRATOR_EXISTS`), offers Create no more, and emits
    `administrator_exists` (the start page then asks for a nurse's sign-in).

    Signals:
        created: the account was written to the log; carries the Account.
        administrator_exists: Create was refused: an administrator was made meanwhile.
    """

    created = QtCore.Signal(object)
    administrator_exists = QtCore.Signal()

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
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # names as typed
        self.message.setWordWrap(True)
        self.create_button = QtWidgets.QPushButton("Create")
        self.create_button.setObjectName("admin_create")
        self.create_button.setDefault(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
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
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.create_button)
        column = QtWidgets.QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.message)
        column.addLayout(buttons)
        self.setStyleSheet("QWidget {font-size:14pt;}")
        self.create_button.clicked.connect(self._on_create_clicked)
        self.cancel_button.clicked.connect(self.reject)

    def roles(self) -> list[str]:
        return ["administrator", *(["nurse"] if self.nurse.isChecked() else []),
                *(["prescriber"] if self.prescriber.isChecked() else [])]

    def _on_create_clicked(self) -> None:
        from console.identity import (  # noqa: PLC0415 - on demand (P7)
            IdentityError, NotPermittedError, SecretKind,
        )

        secret, again = self.secret.text(), self.again.text()
        self.secret.clear()
        self.again.clear()
        kind = SecretKind(str(self.kind.currentData()))
        if secret != again:
            _refuse(self.message, f"The two {kind.label}s differ: type the {kind.label} twice, "
                                  "the same both times.")
            return
        try:
            account = self.staff.add(self.name.text(), self.roles(), secret, kind, None,
                                     self.clock.now().wall, badge=self.badge.text().strip() or None)
        except (IdentityError, ValueError, LogError) as exc:
            if not (isinstance(exc, NotPermittedError) and self._administrator_appeared()):
                _refuse(self.message, _refusal(exc))
            return
        self.account = account
        self.message.setText(f"{account.name} ({account.roles_text}) was created.")
        self.created.emit(account)
        self.accept()

    def _administrator_appeared(self) -> bool:
        """Create was refused as not permitted: when an active administrator exists now (made
        meanwhile), say so with the way on, offer Create no more (it could only be refused
        again) and tell the start page; False when none does (or the log cannot be read now:
        the refusal is then shown as the layer words it)."""
        from console.identity import Role  # noqa: PLC0415 - on demand (P7)

        try:
            admins = [a for a in self.staff.list(include_disabled=False)
                      if a.has(Role.ADMINISTRATOR)]
        except LogError:
            return False
        if not admins:
            return False
        first = min(admins, key=lambda a: a.id)
        _refuse(self.message, ADMINISTRATOR_EXISTS.format(name=first.name, id=first.id))
        self.create_button.setEnabled(False)
        self.cancel_button.setText("Close")
        self.cancel_button.setDefault(True)
        self.administrator_exists.emit()
        return True


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
        self.intro.setTextFormat(QtCore.Qt.TextFormat.PlainText)
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
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # may name an account
        self.message.setWordWrap(True)
        self.message.hide()
        self.sign_in_button = QtWidgets.QPushButton("Sign in")
        self.sign_in_button.setObjectName("sign_in_button")
        self.sign_in_button.setDefault(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        # Return on the focused Cancel cancels, never signs in (`SignatureDialog`: review 46).
        self.cancel_button.setAutoDefault(True)
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
        grow_to_wrapped_text(self)
        self.secret.setFocus()

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        grow_to_wrapped_text(self)


class StaffAdminDialog(QtWidgets.QDialog):
    """The administration of staff accounts, for a signed-in administrator: the accounts, and
    add, disable, enable again (with a new secret), set roles, reset a PIN or password, read an
    account's history (as `infusion-console staff` does).

    Every change goes through `Staff` with this administrator as `by` (the identity layer checks
    again, in the write transaction, that the account is an active administrator) and is a new
    `staff` row; the refusals are shown as the layer words them. Secret fields are emptied after
    every attempt. A reset or an enable keeps the account's own kind (PIN or password), as
    `staff reset` and `staff enable` do: Signs in with is the new account's.

    Left alone for `lock_after_s` (the console's --lock-after, as the chair and the review: no
    key, click or touch in it) it closes, and Staff ▸ asks for a sign-in again: it had stayed
    signed in for as long as it was open, and anyone at the station could add an administrator
    recorded as made by the one who had walked away.

    Signals:
        changed: an account was added, disabled or reset; carries the Account as it is now.
    """

    changed = QtCore.Signal(object)
    COLUMNS = ("Id", "Name", "Badge", "Roles", "Signs in with", "State", "Last change")
    ROLES = ("nurse", "prescriber", "reviewer", "administrator")

    def __init__(self, staff: Staff, clock: Clock, admin: Account,
                 parent: QtWidgets.QWidget | None = None,
                 lock_after_s: float = DEFAULT_LOCK_AFTER_S) -> None:
        super().__init__(parent)
        self.staff = staff
        self.clock = clock
        self.admin = admin
        self.history_text = ""   # the history shown last
        self.idle = IdleLock.started(lock_after_s, clock.now())
        self.setObjectName("staff_admin_dialog")
        self.setWindowTitle("Staff accounts")
        self.heading = QtWidgets.QLabel(f"Staff accounts — signed in as {admin.name} "
                                        "(administrator)")
        self.heading.setObjectName("staff_admin_heading")
        # Account names as typed: "Ada <B>" was drawn as "Ada " in bold (a review).
        self.heading.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.table = QtWidgets.QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("staff_table")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.name = QtWidgets.QLineEdit()
        self.name.setObjectName("staff_name")
        self.badge = QtWidgets.QLineEdit()
        self.badge.setObjectName("staff_badge")
        self.badge.setPlaceholderText("optional")
        # Two sets of boxes: the new account's roles (Add) and the selected account's (Set
        # selected's roles), which follow the selection. Shared, Add's own selection of the
        # account it made ticked that account's roles for the next Add (the review: a nurse
        # added after an administrator was made an administrator too).
        self.role_boxes = {role: QtWidgets.QCheckBox(role) for role in self.ROLES}
        self.account_role_boxes = {role: QtWidgets.QCheckBox(role) for role in self.ROLES}
        roles = QtWidgets.QHBoxLayout()
        account_roles = QtWidgets.QHBoxLayout()
        for role in self.ROLES:
            self.role_boxes[role].setObjectName(f"staff_role_{role}")
            roles.addWidget(self.role_boxes[role])
            self.account_role_boxes[role].setObjectName(f"staff_account_role_{role}")
            self.account_role_boxes[role].setEnabled(False)   # until an account is selected
            account_roles.addWidget(self.account_role_boxes[role])
        roles.addStretch(1)
        account_roles.addStretch(1)
        self.kind = QtWidgets.QComboBox()
        self.kind.setObjectName("staff_kind")
        self.kind.addItem("PIN (4-12 digits)", "pin")
        self.kind.addItem("Password (8 characters or more)", "password")
        self.secret = QtWidgets.QLineEdit()
        self.secret.setObjectName("staff_secret")
        self.again = QtWidgets.QLineEdit()
        self.again.setObjectName("staff_secret_again")
        for field in (self.secret, self.again):
            field.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.reason = QtWidgets.QLineEdit()
        self.reason.setObjectName("staff_reason")
        self.reason.setPlaceholderText("why: disable, enable or a change of roles")
        self.add_button = QtWidgets.QPushButton("Add account")
        self.add_button.setObjectName("staff_add")
        self.disable_button = QtWidgets.QPushButton("Disable selected")
        self.disable_button.setObjectName("staff_disable")
        self.reset_button = QtWidgets.QPushButton("Reset selected's PIN or password")
        self.reset_button.setObjectName("staff_reset")
        self.enable_button = QtWidgets.QPushButton("Enable selected")
        self.enable_button.setObjectName("staff_enable")
        self.enable_button.setToolTip("Enable the selected disabled account again, with the new "
                                      "PIN or password typed twice and the reason")
        self.roles_button = QtWidgets.QPushButton("Set selected's roles")
        self.roles_button.setObjectName("staff_roles")
        self.roles_button.setToolTip("Give the selected account the roles ticked in Selected's "
                                     "roles (the whole set), with the reason")
        self.history_button = QtWidgets.QPushButton("History")
        self.history_button.setObjectName("staff_history")
        self.history_button.setToolTip("Every version of the selected account: when, what "
                                       "changed, by whom, why (never a secret)")
        close = QtWidgets.QPushButton("Close")
        # Return on the focused Close closes: not auto-default, it handed Return to the dialog,
        # which clicked its default, Add account (or the action focused last; review 46).
        close.setAutoDefault(True)
        self.message = QtWidgets.QLabel("Select an account to disable or enable it, set its "
                                        "roles, reset its PIN or password or read its history; "
                                        "fill the form to add one.")
        self.message.setObjectName("staff_message")
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        form = QtWidgets.QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Badge id", self.badge)
        form.addRow("New account's roles", roles)
        form.addRow("Signs in with", self.kind)
        form.addRow("New PIN or password", self.secret)
        form.addRow("Again", self.again)
        form.addRow("Selected's roles", account_roles)
        form.addRow("Reason", self.reason)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.add_button, self.disable_button, self.enable_button,
                       self.roles_button, self.reset_button, self.history_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        column = QtWidgets.QVBoxLayout(self)
        column.addWidget(self.heading)
        column.addWidget(self.table, 1)
        column.addLayout(form)
        column.addWidget(self.message)
        column.addLayout(buttons)
        self.setStyleSheet("QWidget {font-size:13pt;} QLabel#staff_admin_heading "
                           "{font-size:16pt;font-weight:bold;}")
        self.resize(1100, 700)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.disable_button.clicked.connect(self._on_disable_clicked)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.enable_button.clicked.connect(self._on_enable_clicked)
        self.roles_button.clicked.connect(self._on_roles_clicked)
        self.history_button.clicked.connect(self._on_history_clicked)
        close.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._show_selected_roles)
        self.refresh()
        self._idle_timer = QtCore.QTimer(self)
        self._idle_timer.setInterval(IDLE_CHECK_MS)
        self._idle_timer.timeout.connect(self.check_idle)
        self._idle_timer.start()
        self._activity = ActivityFilter(self._on_activity, self)
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.installEventFilter(self._activity)

    def _on_activity(self) -> None:
        # A key or click after a sleep past the idle time, before the timer's first look,
        # closes it (lock.py): it had started the idle time again in the administrator's name.
        if self.idle.activity(self.clock.now()):
            self._close_idle()

    def check_idle(self) -> None:
        """Close when left idle for the lock time (the timer calls it): nothing it still holds
        is written, and a box it opened (an account's history) closes with it."""
        if self.idle.check(self.clock.now()):
            self._close_idle()

    def _close_idle(self) -> None:
        self.setEnabled(False)
        for child in self.findChildren(QtWidgets.QDialog):
            child.reject()
        self.reject()

    def done(self, result: int) -> None:
        """Closed, however (Close, Escape, the lock, a session opening): it watches no more."""
        self._idle_timer.stop()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._activity)
        super().done(result)

    def refresh(self) -> None:
        """The accounts as the log holds them now; the state as `staff list` says it ("locked
        until …" for one locked out by wrong secrets: the lock-out a reset ends)."""
        accounts = self.staff.list()
        now = self.clock.now().wall
        self.table.setRowCount(len(accounts))
        for row, a in enumerate(accounts):
            cells = (str(a.id), a.name, a.badge or "", a.roles_text, a.kind.label,
                     self.staff.state_text(a, now),
                     f"{a.changed_at.astimezone():%d %b %Y %H:%M}: {a.reason}")
            for col, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if col == 0:
                    item.setData(QtCore.Qt.ItemDataRole.UserRole, a.id)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()

    def selected_account(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return int(item.data(QtCore.Qt.ItemDataRole.UserRole)) if item is not None else None

    def _show_selected_roles(self) -> None:
        """Selected's roles shows the selected account's roles (none selected: none ticked, and
        not to be ticked), so Set selected's roles starts from what it has: with the boxes as
        they were, ticking "prescriber" for a nurse took her nurse role away. The new
        account's boxes are not touched."""
        from console.identity import UnknownAccountError  # noqa: PLC0415

        chosen = self.selected_account()
        try:
            roles = self.staff.get(chosen).roles if chosen is not None else frozenset()
        except (UnknownAccountError, LogError):
            return   # the boxes stay as they were; the change itself says why
        for role, box in self.account_role_boxes.items():
            box.setChecked(role in roles)
            box.setEnabled(chosen is not None)

    def select(self, account_id: int) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item is not None and item.data(QtCore.Qt.ItemDataRole.UserRole) == account_id:
                self.table.selectRow(row)
                return

    def _secret(self, label: str | None = None) -> str | None:
        """The new secret typed twice, or None (said why); the fields are emptied. `label`:
        what the secret is ("PIN", "password"); None: the New-account form's Signs in with."""
        from console.identity import SecretKind  # noqa: PLC0415

        secret, again = self.secret.text(), self.again.text()
        self.secret.clear()
        self.again.clear()
        if secret != again:
            label = label or SecretKind(str(self.kind.currentData())).label
            self._say(f"The two {label}s differ: type the {label} twice, the same both times.",
                      refused=True)
            return None
        return secret

    def _on_add_clicked(self) -> None:
        from console.identity import IdentityError  # noqa: PLC0415

        secret = self._secret()
        if secret is None:
            return
        roles = [role for role, box in self.role_boxes.items() if box.isChecked()]
        try:
            account = self.staff.add(self.name.text(), roles, secret,
                                     str(self.kind.currentData()), self.admin,
                                     self.clock.now().wall,
                                     badge=self.badge.text().strip() or None)
        except (IdentityError, ValueError, LogError) as exc:
            self._say(_refusal(exc), refused=True)
            return
        self.name.clear()
        self.badge.clear()
        for box in self.role_boxes.values():
            box.setChecked(False)
        self._done(account, f"{account.name} ({account.roles_text}) was added as account "
                            f"{account.id}.")

    def _on_disable_clicked(self) -> None:
        from console.identity import IdentityError  # noqa: PLC0415

        chosen = self.selected_account()
        if chosen is None:
            self._say("Select the account to disable in the list first.", refused=True)
            return
        try:
            account = self.staff.disable(chosen, self.admin, self.reason.text(),
                                         self.clock.now().wall)
        except (IdentityError, LogError) as exc:
            self._say(_refusal(exc), refused=True)
            return
        self.reason.clear()
        self._done(account, f"{account.name} is disabled: it signs in nowhere from now on.")

    def _on_reset_clicked(self) -> None:
        from console.identity import IdentityError  # noqa: PLC0415

        chosen = self.selected_account()
        if chosen is None:
            self.secret.clear()
            self.again.clear()
            self._say("Select the account whose PIN or password to reset in the list first.",
                      refused=True)
            return
        try:   # who resets, the account not disabled: before the new secret is read
            current = self.staff.check_reset(chosen, self.admin,
                                             "enable it again: Enable selected, with a reason "
                                             "and a new PIN or password")
        except (IdentityError, LogError) as exc:
            self.secret.clear()
            self.again.clear()
            self._say(_refusal(exc), refused=True)
            return
        secret = self._secret(current.kind.label)
        if secret is None:
            return
        try:
            # The account's own kind (None), as `staff reset` keeps it: "Signs in with" is the
            # New-account form's, and on PIN it refused a reviewer's new password as a bad PIN
            # and made a digits-only one a PIN account, unsaid (a review).
            account = self.staff.reset(chosen, secret, self.admin, self.clock.now().wall,
                                       kind=None)
        except (IdentityError, LogError) as exc:
            self._say(_refusal(exc), refused=True)
            return
        self._done(account, f"{account.name}'s {account.kind.label} was reset (a lock-out "
                            "ends with it).")

    def _chosen(self, what: str) -> int | None:
        """The selected account, or None (said: select one to `what`)."""
        chosen = self.selected_account()
        if chosen is None:
            self._say(f"Select the account to {what} in the list first.", refused=True)
        return chosen

    def _on_enable_clicked(self) -> None:
        from console.identity import IdentityError  # noqa: PLC0415

        chosen = self._chosen("enable")
        if chosen is None:
            self.secret.clear()
            self.again.clear()
            return
        try:   # who, why, disabled, name and badge free: before the new secret is read
            current = self.staff.check_enable(chosen, self.admin, self.reason.text())
        except (IdentityError, LogError) as exc:
            self.secret.clear()
            self.again.clear()
            self._say(_refusal(exc), refused=True)
            return
        secret = self._secret(current.kind.label)
        if secret is None:
            return
        try:   # the account's own kind, as `staff enable` keeps it (`_on_reset_clicked`)
            account = self.staff.enable(chosen, secret, self.admin, self.reason.text(),
                                        self.clock.now().wall, kind=None)
        except (IdentityError, LogError) as exc:
            self._say(_refusal(exc), refused=True)
            return
        self.reason.clear()
        self._done(account, f"{account.name} is enabled again, with a new "
                            f"{account.kind.label}.")

    def _on_roles_clicked(self) -> None:
        from console.identity import IdentityError  # noqa: PLC0415

        chosen = self._chosen("give roles to")
        if chosen is None:
            return
        roles = [role for role, box in self.account_role_boxes.items() if box.isChecked()]
        try:
            account = self.staff.change_roles(chosen, roles, self.admin, self.reason.text(),
                                              self.clock.now().wall)
        except (IdentityError, LogError) as exc:
            self._say(_refusal(exc), refused=True)
            return
        self.reason.clear()
        self._done(account, f"{account.name} now has the roles {account.roles_text}; the "
                            "signatures made before keep the roles they were made under.")

    def _on_history_clicked(self) -> None:
        chosen = self._chosen("read the history of")
        if chosen is None:
            return
        try:
            self.history_text = history_text(self.staff, chosen)
        except LogError as exc:   # a log that cannot be read now: said, not a console fault
            self._say(f"The history cannot be read now: {exc.message}", refused=True)
            return
        box = QtWidgets.QMessageBox(self)
        box.setObjectName("staff_history_box")
        box.setWindowTitle("Account history")
        box.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # names and reasons as written
        box.setText(self.history_text)
        box.exec()

    def _done(self, account: Account, text: str) -> None:
        self.refresh()
        self.select(account.id)
        self._say(text)
        self.changed.emit(account)

    def _say(self, text: str, refused: bool = False) -> None:
        if refused:
            _refuse(self.message, text)
        else:
            self.message.setStyleSheet("")
            self.message.setText(text)


def history_text(staff: Staff, account: int) -> str:
    """Every version of an account, oldest first, one line each: when, what changed, by whom,
    why (`Staff.changes`: never a secret nor its hash)."""
    names = {a.id: a.name for a in staff.list()}
    lines = []
    for change in staff.changes(account):
        by = (f"{names.get(change.by, '?')} (#{change.by})" if change.by is not None
              else "nobody signed in (the first administrator)")
        lines.append(f"{change.at.astimezone():%d %b %Y %H:%M} · {'; '.join(change.what)} · "
                     f"by {by} · {change.reason}")
    return "\n".join(lines)


def admin_sign_in(staff: Staff, clock: Clock, parent: QtWidgets.QWidget | None,
                  station: str = "administration") -> Account | None:
    """An administrator's sign-in (purpose `administration`) in a `SignInDialog`; the account,
    or None when cancelled. An account that may not manage staff is refused, naming the role."""
    from console.identity import Action, Purpose  # noqa: PLC0415
    from console.identity.staff import SIGN_IN_NOT_RECORDED  # noqa: PLC0415

    found: list[Account] = []

    def check(name_or_badge: str, secret: str) -> str | None:
        if not name_or_badge.strip() or not secret:
            return "Give your name or badge, then your PIN or password."
        try:
            # The role is checked before the attempt's row is written: a nurse's right PIN is
            # logged as "administration refused: …", never as signed in to manage staff.
            result = staff.sign_in(name_or_badge, secret, clock.now().wall, station,
                                   Purpose.ADMINISTRATION, may=Action.MANAGE_STAFF)
        except LogError as exc:   # every attempt is recorded before it is answered
            return SIGN_IN_NOT_RECORDED.format(cause=exc.message)
        if not result.ok or result.account is None:
            return _sentence(result.message)
        found[:] = [result.account]
        return None

    dialog = SignInDialog("Sign in to manage staff accounts",
                          "Adding, disabling and resetting accounts needs an administrator's "
                          "sign-in; every change is kept with your name.", check, parent)
    dialog.exec()
    return found[0] if found else None


def open_staff_admin(parent: QtWidgets.QWidget | None, log: EventLog,
                     account: Account | None = None, clock: Clock | None = None,
                     staff: Staff | None = None,
                     lock_after_s: float = DEFAULT_LOCK_AFTER_S) -> StaffAdminDialog | None:
    """Open the administration of staff accounts over `log` (shown, not modal).

    Args:
        parent: the window it belongs to.
        log: the open, writable session log.
        account: an administrator who has just signed in; None asks for an administrator's
            sign-in first (`admin_sign_in`). A given account that may not manage staff (any
            more) is refused like a sign-in would be.
        clock: wall time of the changes (default: the system clock).
        staff: the log's accounts (default: `Staff(log)` with the production hasher).
        lock_after_s: idle seconds before the dialog closes (the console's --lock-after).

    Returns the dialog, or None when nobody signed in or the account may not manage staff.
    """
    from console.clock import SystemClock  # noqa: PLC0415
    from console.identity import Action, Staff, refusal  # noqa: PLC0415

    clock = clock if clock is not None else SystemClock()
    staff = staff if staff is not None else Staff(log)
    if account is None:
        account = admin_sign_in(staff, clock, parent)
        if account is None:
            return None
    elif refusal(staff.get(account), Action.MANAGE_STAFF) is not None:
        return None
    dialog = StaffAdminDialog(staff, clock, account, parent, lock_after_s=lock_after_s)
    dialog.show()
    return dialog


def _refuse(label: QtWidgets.QLabel, text: str) -> None:
    """A refusal reads as one (the theme's error colour, bold), not as the dialog's explanation."""
    label.setStyleSheet(f"color:{theme.current().error_text};font-weight:bold;")
    label.setText(text)
