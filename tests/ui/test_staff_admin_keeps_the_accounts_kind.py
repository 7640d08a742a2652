"""Staff ▸ Staff accounts… resets or enables an account with a secret of its own kind, as `staff
reset` and `staff enable` do (a review): the dialog passed the kind of the
New-account form's "Signs in with" box (on PIN), so a reviewer's new password was refused as a
bad PIN, and a digits-only one turned her password account into a PIN account, unsaid. Real log,
real Argon2id at its smallest cost, a hand-moved clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.identity import SecretKind
from console.store import EventLog
from console.ui.staff_dialogs import StaffAdminDialog
from tests.ui.test_lock_screen import ADMIN, add_accounts, fast_hasher

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
RUI, RUI_PASSWORD = "Rui Reviewer", "amber kettle 41"


@pytest.fixture
def admin_dialog(qtbot, tmp_path):
    """The administration, signed in as the administrator, over a log with a password account
    (Rui, a reviewer); the New-account form's "Signs in with" as it opens (PIN)."""
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    staff = add_accounts(log, fast_hasher())
    admin = staff.find(ADMIN)
    rui = staff.add(RUI, "reviewer", RUI_PASSWORD, SecretKind.PASSWORD, admin, NOW)
    dialog = StaffAdminDialog(staff, ManualClock(NOW), admin)
    qtbot.addWidget(dialog)
    assert dialog.kind.currentData() == "pin"
    yield dialog, staff, rui
    log.close()


def type_twice(dialog: StaffAdminDialog, secret: str, again: str | None = None) -> None:
    dialog.secret.setText(secret)
    dialog.again.setText(secret if again is None else again)


def test_resetting_a_password_accounts_password_in_the_administration(admin_dialog):
    dialog, staff, rui = admin_dialog
    dialog.select(rui.id)
    type_twice(dialog, "copper lantern 77")
    dialog.reset_button.click()
    assert dialog.message.text() == f"{RUI}'s password was reset (a lock-out ends with it)."
    assert staff.sign_in(RUI, "copper lantern 77", NOW, "test").ok
    assert staff.get(rui.id).kind is SecretKind.PASSWORD


def test_a_password_accounts_reset_keeps_it_a_password_account(admin_dialog):
    """A new password of digits only is a password still: the account signs in as it did."""
    dialog, staff, rui = admin_dialog
    dialog.select(rui.id)
    type_twice(dialog, "90817263")
    dialog.reset_button.click()
    assert staff.get(rui.id).kind is SecretKind.PASSWORD, dialog.message.text()
    assert dialog.message.text() == f"{RUI}'s password was reset (a lock-out ends with it)."
    assert staff.sign_in(RUI, "90817263", NOW, "test").ok


def test_two_different_new_passwords_are_said_as_passwords(admin_dialog):
    dialog, _staff, rui = admin_dialog
    dialog.select(rui.id)
    type_twice(dialog, "copper lantern 77", "copper lantern 78")
    dialog.reset_button.click()
    assert dialog.message.text() == ("The two passwords differ: type the password twice, the "
                                     "same both times.")


def test_enabling_a_password_account_again_keeps_it_a_password_account(admin_dialog):
    dialog, staff, rui = admin_dialog
    dialog.select(rui.id)
    dialog.reason.setText("on leave")
    dialog.disable_button.click()
    dialog.select(rui.id)
    dialog.reason.setText("back from leave")
    type_twice(dialog, "silver harbour 12")
    dialog.enable_button.click()
    assert dialog.message.text() == f"{RUI} is enabled again, with a new password."
    assert staff.get(rui.id).active and staff.get(rui.id).kind is SecretKind.PASSWORD
    assert staff.sign_in(RUI, "silver harbour 12", NOW, "test").ok
