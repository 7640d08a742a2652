"""The first-administrator dialog when an administrator was created meanwhile (a
review): the console's first start opens it, and IT runs `infusion-console staff
add --roles administrator` on the chair's log before Create. Create was refused with "Managing
staff needs an administrator's sign-in.", which said neither that an administrator exists now
nor what to do. Real log, real Argon2id at its smallest cost, a hand-moved clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.identity import SecretKind, Staff
from console.store import EventLog
from console.ui.staff_dialogs import FirstAdministratorDialog
from tests.ui.test_lock_screen import fast_hasher

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def log(tmp_path):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    yield log
    log.close()


def create_after_it_admin(qtbot, log) -> tuple[FirstAdministratorDialog, Staff]:
    """The dialog open on a new log; IT adds the first administrator with the command line;
    then Create."""
    staff = Staff(log, fast_hasher())
    dialog = FirstAdministratorDialog(staff, ManualClock(NOW))
    qtbot.addWidget(dialog)
    staff.add("IT Admin", "administrator", "58203914", SecretKind.PIN, None, NOW)   # the CLI
    dialog.name.setText("Ada Admin")
    dialog.secret.setText("61829305")
    dialog.again.setText("61829305")
    return dialog, staff


def test_first_administrator_dialog_says_an_administrator_exists_now(qtbot, log):
    dialog, staff = create_after_it_admin(qtbot, log)
    dialog.create_button.click()
    # Refused, saying an administrator exists, that nothing was created, and the way on.
    assert dialog.message.text() == (
        "An administrator exists now in this session log (IT Admin, account 1): nothing was "
        "created. Close this; Staff ▸ Staff accounts… adds accounts after an administrator's "
        "sign-in, and a session now starts with a nurse's sign-in.")
    assert dialog.account is None and staff.find("Ada Admin") is None
    assert [a.name for a in staff.list()] == ["IT Admin"]
    assert dialog.secret.text() == "" and dialog.again.text() == ""


def test_the_refused_dialog_offers_create_no_more_and_tells_the_start_page(qtbot, log):
    """Create again could only be refused again; the start page (MainWindow) is told, so it
    asks for the nurse's sign-in at once rather than at the next Start."""
    dialog, _staff = create_after_it_admin(qtbot, log)
    with qtbot.waitSignal(dialog.administrator_exists, timeout=1000):
        dialog.create_button.click()
    assert not dialog.create_button.isEnabled() and dialog.cancel_button.text() == "Close"
