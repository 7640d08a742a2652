"""The administration of staff accounts (issue 13): an administrator's sign-in first (a nurse is
refused), then the accounts listed, added, disabled and reset, each change a `staff` row naming the
administrator. Real log, real Argon2id at its smallest cost, a hand-moved clock; checked in
SQLite."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.identity import Purpose, Staff
from console.store import EventLog
from console.ui import theme
from console.ui.staff_dialogs import SignInDialog, StaffAdminDialog, open_staff_admin
from tests.ui.test_lock_screen import ADMIN, ADMIN_PIN, ANA, ANA_PIN, add_accounts, fast_hasher

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def log(tmp_path):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    yield log
    log.close()


@pytest.fixture
def staff(log) -> Staff:
    return add_accounts(log, fast_hasher())


@pytest.fixture
def dialog(qtbot, staff):
    admin = staff.find(ADMIN)
    dialog = StaffAdminDialog(staff, ManualClock(NOW), admin)
    qtbot.addWidget(dialog)
    return dialog


def versions(log: EventLog, name: str) -> list[tuple]:
    return log.conn.execute("SELECT active, changed_by, reason FROM staff WHERE name = ? "
                            "ORDER BY id", [name]).fetchall()


def column(dialog: StaffAdminDialog, index: int) -> list[str]:
    return [dialog.table.item(r, index).text() for r in range(dialog.table.rowCount())]


def test_the_dialog_lists_the_accounts(dialog):
    assert column(dialog, 1) == [ADMIN, ANA, "Ben Nurse", "Pat Prescriber"]
    assert column(dialog, 3) == ["administrator", "nurse", "nurse", "prescriber"]
    assert column(dialog, 5) == ["active"] * 4


def test_an_account_is_added_by_the_administrator(dialog, staff, log):
    dialog.name.setText("Rui Reviewer")
    dialog.role_boxes["reviewer"].setChecked(True)
    dialog.secret.setText("31415926")
    dialog.again.setText("31415926")
    dialog.add_button.click()
    assert dialog.secret.text() == "" and dialog.again.text() == ""
    assert dialog.message.text() == "Rui Reviewer (reviewer) was added as account 5."
    admin = staff.find(ADMIN).id
    assert versions(log, "Rui Reviewer") == [(1, admin, "account created")]
    assert "Rui Reviewer" in column(dialog, 1)
    assert staff.sign_in("Rui Reviewer", "31415926", NOW, "test").ok


def test_a_bad_add_is_refused_with_the_identity_layers_words(dialog, log):
    dialog.name.setText("Short Pin")
    dialog.role_boxes["nurse"].setChecked(True)
    dialog.secret.setText("12")
    dialog.again.setText("12")
    dialog.add_button.click()
    assert dialog.message.text() == "A PIN needs at least 4 digits; this one has 2."
    assert versions(log, "Short Pin") == []
    dialog.secret.setText("58203914")
    dialog.again.setText("58203910")
    dialog.add_button.click()
    assert dialog.message.text() == ("The two PINs differ: type the PIN twice, the same both "
                                     "times.")
    assert versions(log, "Short Pin") == []
    assert theme.current().error_text in dialog.message.styleSheet()   # reads as a refusal
    dialog.secret.setText("58203914")
    dialog.again.setText("58203914")
    dialog.add_button.click()   # a success after it is not shown in the refusal's colour
    assert dialog.message.text().startswith("Short Pin (nurse) was added")
    assert theme.current().error_text not in dialog.message.styleSheet()


def test_an_account_is_disabled_with_a_reason_and_signs_in_nowhere(dialog, staff, log):
    ana = staff.find(ANA)
    dialog.select(ana.id)
    dialog.disable_button.click()   # no reason
    assert "reason is empty" in dialog.message.text()
    dialog.reason.setText("left the clinic")
    dialog.disable_button.click()
    assert dialog.message.text() == f"{ANA} is disabled: it signs in nowhere from now on."
    assert versions(log, ANA)[-1] == (0, staff.find(ADMIN).id, "disabled: left the clinic")
    assert not staff.sign_in(ANA, ANA_PIN, NOW, "test").ok


def test_a_secret_is_reset(dialog, staff, log):
    ana = staff.find(ANA)
    dialog.select(ana.id)
    dialog.secret.setText("24681357")
    dialog.again.setText("24681357")
    dialog.reset_button.click()
    assert versions(log, ANA)[-1] == (1, staff.find(ADMIN).id, "PIN reset")
    assert staff.sign_in(ANA, "24681357", NOW, "test").ok
    assert not staff.sign_in(ANA, ANA_PIN, NOW, "test").ok


def test_opening_it_needs_an_administrators_sign_in(qtbot, staff, log, monkeypatch):
    typed: list[tuple[str, str]] = [(ANA, ANA_PIN), (ADMIN, "00000000"), (ADMIN, ADMIN_PIN)]
    messages: list[str] = []

    def answer(dialog: SignInDialog) -> int:
        # What a person does in the sign-in dialog: type, press Sign in, read the message.
        for name, secret in typed:
            dialog.name.setText(name)
            dialog.secret.setText(secret)
            dialog.sign_in_button.click()
            assert dialog.secret.text() == ""
            if dialog.signed_in:
                return 1
            messages.append(dialog.message.text())
        return 0

    monkeypatch.setattr(SignInDialog, "exec", answer)
    opened = open_staff_admin(None, log, None, ManualClock(NOW), staff)
    assert isinstance(opened, StaffAdminDialog)
    qtbot.addWidget(opened)
    assert opened.admin.name == ADMIN
    assert messages == [
        "Ana Nurse (nurse) may not manage staff accounts: it needs the administrator role.",
        "Name or badge and PIN or password do not match an account: check both and try again."]
    # Ana's right PIN is an `ok` row (the secret matched) that does not read as a sign-in to the
    # administration: its purpose says she was refused.
    assert log.conn.execute("SELECT typed, outcome, purpose FROM sign_ins ORDER BY id"
                            ).fetchall() == [
        (ANA, "ok", "administration refused: may not manage staff accounts"),
        (ADMIN, "wrong", Purpose.ADMINISTRATION.value), (ADMIN, "ok", Purpose.ADMINISTRATION.value)]


def test_a_cancelled_sign_in_opens_nothing(staff, log, monkeypatch):
    monkeypatch.setattr(SignInDialog, "exec", lambda self: 0)
    assert open_staff_admin(None, log, None, ManualClock(NOW), staff) is None


def test_a_given_account_that_is_not_an_administrator_opens_nothing(staff, log):
    assert open_staff_admin(None, log, staff.find(ANA), ManualClock(NOW), staff) is None


def test_roles_are_set_and_a_disabled_account_enabled_again_with_a_new_pin(dialog, staff, log):
    from console.ui.staff_dialogs import history_text

    ana = staff.find(ANA).id
    dialog.select(ana)
    for role, box in dialog.account_role_boxes.items():
        box.setChecked(role in ("nurse", "prescriber"))
    dialog.reason.setText("qualified as a prescriber")
    dialog.roles_button.click()
    assert dialog.message.text().startswith(f"{ANA} now has the roles nurse prescriber")
    assert staff.get(ana).roles_text == "nurse prescriber"
    dialog.reason.setText("on leave")
    dialog.disable_button.click()
    dialog.select(ana)
    dialog.secret.setText("77441122")
    dialog.again.setText("77441122")
    dialog.enable_button.click()   # no reason: refused before the secret is read
    assert "reason" in dialog.message.text().lower() and not staff.get(ana).active
    assert dialog.secret.text() == ""
    dialog.reason.setText("back from leave")
    dialog.secret.setText("77441122")
    dialog.again.setText("77441122")
    dialog.enable_button.click()
    assert dialog.message.text() == f"{ANA} is enabled again, with a new PIN."
    assert staff.get(ana).id == ana and staff.get(ana).active   # the same account
    assert not staff.sign_in(ANA, ANA_PIN, NOW, "test").ok      # the old PIN never again
    assert staff.sign_in(ANA, "77441122", NOW, "test").ok
    history = history_text(staff, ana).splitlines()
    assert [line.split(" · ")[1] for line in history] == [
        f"created: {ANA}, roles nurse, PIN", "roles nurse -> nurse,prescriber", "disabled",
        "enabled; PIN reset"]
    assert all(f"by {ADMIN} (#" in line for line in history[1:])


def test_the_administration_is_closed_when_a_session_opens(tmp_path, qtbot, monkeypatch):
    """Review 37 (staff 3): Staff ▸ Staff accounts… on the start page, an administrator signed
    in, then a nurse starts a session at that chair. The (non-modal) dialog stayed open over the
    live window's alarm area, signed in as the administrator; it is closed, like the first
    administrator's, and Staff ▸ asks for a sign-in again once the session has ended."""
    from console.cli import gui_parser
    from console.ui import staff_dialogs
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut
    from console.ui.start_screen import StartRequest
    from tests.ui.conftest import Answers
    from tests.ui.test_lock_screen import BEN, BEN_PIN

    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test") as log:
        add_accounts(log, fast_hasher())
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args(["--db", str(db)]), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        window.show()
        admin = window.staff.find(ADMIN)
        monkeypatch.setattr(staff_dialogs, "admin_sign_in", lambda *_a, **_k: admin)
        dialog = window.open_staff_admin()
        assert isinstance(dialog, StaffAdminDialog) and dialog.isVisible()
        window.start_screen.start_requested.emit(StartRequest(
            "MRN-9", 60.0, "iv-ketamine", None, 1, BEN, None, None, secret=BEN_PIN))
        assert window.live is not None
        assert not dialog.isVisible()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


@contextlib.contextmanager
def held(log: EventLog):
    """Another program (a backup tool, a second console) holds the log's write lock."""
    log.set_busy_timeout(0)
    other = sqlite3.connect(log.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


BUSY = "another program is holding it locked"


def test_an_add_the_log_cannot_take_now_is_said_in_words_not_a_console_fault(qtbot, dialog,
                                                                             log):
    """Review 37 (staff 4): a busy log's LogError left the Add button's slot (a traceback, a
    console fault) and the administrator read nothing; it is said like the chair's sign-in."""
    dialog.name.setText("Rui Reviewer")
    dialog.role_boxes["reviewer"].setChecked(True)
    dialog.secret.setText("31415926")
    dialog.again.setText("31415926")
    with held(log), qtbot.captureExceptions() as raised:
        dialog.add_button.click()
    assert not raised, raised
    assert dialog.message.text().startswith("Not saved: Cannot write the session log")
    assert BUSY in dialog.message.text()
    assert theme.current().error_text in dialog.message.styleSheet()
    assert versions(log, "Rui Reviewer") == []
    dialog.select(dialog.staff.find(ANA).id)   # the other changes the same
    dialog.reason.setText("on leave")
    with held(log), qtbot.captureExceptions() as raised:
        dialog.disable_button.click()
    assert not raised and dialog.message.text().startswith("Not saved: ")


def test_the_first_administrator_the_log_cannot_take_now_is_said_in_words(qtbot, log):
    from console.ui.staff_dialogs import FirstAdministratorDialog

    dialog = FirstAdministratorDialog(Staff(log, fast_hasher()), ManualClock(NOW))
    qtbot.addWidget(dialog)
    dialog.name.setText(ADMIN)
    dialog.secret.setText(ADMIN_PIN)
    dialog.again.setText(ADMIN_PIN)
    with held(log), qtbot.captureExceptions() as raised:
        dialog.create_button.click()
    assert not raised, raised
    assert dialog.message.text().startswith("Not saved: Cannot write the session log")
    assert dialog.account is None and log.conn.execute("SELECT count(*) FROM staff"
                                                       ).fetchone() == (0,)


def test_an_administrators_sign_in_the_log_cannot_record_is_said_in_words(qtbot, staff, log,
                                                                          monkeypatch):
    messages: list[str] = []

    def answer(dialog: SignInDialog) -> int:
        dialog.name.setText(ADMIN)
        dialog.secret.setText(ADMIN_PIN)
        with held(log), qtbot.captureExceptions() as raised:
            dialog.sign_in_button.click()
        assert not raised, raised
        messages.append(dialog.message.text())
        return 0

    monkeypatch.setattr(SignInDialog, "exec", answer)
    assert open_staff_admin(None, log, None, ManualClock(NOW), staff) is None
    [text] = messages
    assert text.startswith("Not signed in: the sign-in cannot be recorded now. Cannot write the "
                           "session log") and BUSY in text


def test_a_locked_out_account_is_listed_as_locked_as_staff_list_says(qtbot, staff):
    """QA: the administrator opens the dialog to help a nurse locked out by wrong PINs; it
    listed her "active" (`staff list` says "locked until …", the lock-out a reset ends)."""
    from datetime import timedelta

    from console.clock import local_stamp
    from console.identity import LOCK_FOR

    for i in range(5):
        staff.sign_in(ANA, "99999999", NOW + timedelta(seconds=i), "chair 1")
    dialog = StaffAdminDialog(staff, ManualClock(NOW + timedelta(seconds=30)), staff.find(ADMIN))
    qtbot.addWidget(dialog)
    states = dict(zip(column(dialog, 1), column(dialog, 5), strict=True))
    assert states[ANA] == f"locked until {local_stamp(NOW + timedelta(seconds=4) + LOCK_FOR)}"
    assert states[ADMIN] == "active"
    dialog.select(staff.find(ANA).id)   # the reset ends it, and the list says so
    dialog.secret.setText("24681357")
    dialog.again.setText("24681357")
    dialog.reset_button.click()
    assert dict(zip(column(dialog, 1), column(dialog, 5), strict=True))[ANA] == "active"


def test_selecting_an_account_ticks_its_roles(dialog, staff):
    """The administrator selects Ana (a nurse) and ticks "prescriber" to make her a prescriber
    too: the boxes had not shown Ana's roles, so Set selected's roles took her nurse role away
    (and locked her station at her next act)."""
    def ticked() -> set[str]:
        return {role for role, box in dialog.account_role_boxes.items() if box.isChecked()}

    dialog.select(staff.find(ANA).id)
    assert ticked() == {"nurse"}
    dialog.account_role_boxes["prescriber"].setChecked(True)
    dialog.reason.setText("qualified as a prescriber")
    dialog.roles_button.click()
    assert staff.find(ANA).roles_text == "nurse prescriber"
    dialog.select(staff.find(ADMIN).id)
    assert ticked() == {"administrator"}
    dialog.table.clearSelection()
    assert ticked() == set()
    # Nothing selected, nothing to give roles to: not to be ticked.
    assert not any(box.isEnabled() for box in dialog.account_role_boxes.values())


def add(dialog: StaffAdminDialog, name: str, *roles: str) -> None:
    """Fill the Add form for `name` with `roles` ticked (and no other: none was) and add it."""
    dialog.name.setText(name)
    for role in roles:
        dialog.role_boxes[role].setChecked(True)
    dialog.secret.setText("31415926")
    dialog.again.setText("31415926")
    dialog.add_button.click()


def test_the_next_account_added_gets_only_the_roles_ticked_for_it(dialog, staff):
    """The administrator adds Mallory as an administrator, then Zoe with only "nurse" ticked.
    Add selects the account it made, and selecting ticked that account's roles in the boxes
    the Add form shared: Zoe was made "nurse administrator" (the message said so in passing)."""
    add(dialog, "Mallory Admin", "administrator")
    assert staff.find("Mallory Admin").roles_text == "administrator"
    add(dialog, "Zoe Nurse", "nurse")
    assert staff.find("Zoe Nurse").roles_text == "nurse", dialog.message.text()
    assert dialog.message.text() == "Zoe Nurse (nurse) was added as account 6."


def test_selecting_an_account_never_changes_what_the_next_add_gives(dialog, staff):
    """The new account's roles are its own boxes: the selected account's roles are shown in
    others (Set selected's roles), so a selection, Add's own included, changes nothing of the
    next Add."""
    def ticked(boxes) -> set[str]:
        return {role for role, box in boxes.items() if box.isChecked()}

    dialog.select(staff.find(ADMIN).id)
    add(dialog, "Zoe Nurse", "nurse")
    assert staff.find("Zoe Nurse").roles_text == "nurse", dialog.message.text()
    # After an Add: its form is empty for the next account; the new account is selected, its
    # roles shown where Set selected's roles reads them.
    assert ticked(dialog.role_boxes) == set()
    assert dialog.selected_account() == staff.find("Zoe Nurse").id
    assert ticked(dialog.account_role_boxes) == {"nurse"}
    dialog.select(staff.find(ADMIN).id)
    assert ticked(dialog.role_boxes) == set()
    assert ticked(dialog.account_role_boxes) == {"administrator"}


def admin_dialog(qtbot, staff, log, clock, **lock_after_s: float) -> StaffAdminDialog:
    dialog = open_staff_admin(None, log, staff.find(ADMIN), clock, staff, **lock_after_s)
    assert isinstance(dialog, StaffAdminDialog)
    qtbot.addWidget(dialog)
    return dialog


def add_mallory(dialog: StaffAdminDialog) -> None:
    dialog.name.setText("Mallory")
    dialog.role_boxes["administrator"].setChecked(True)
    dialog.secret.setText("31415926")
    dialog.again.setText("31415926")
    dialog.add_button.click()


def test_the_administration_left_idle_closes(qtbot, staff, log):
    """The administrator signs in at the start page and walks away: the chair and the review
    lock after the idle time; the administration stayed signed in, and an hour later anyone at
    the station added an administrator recorded as made by her."""
    clock = ManualClock(NOW)
    dialog = admin_dialog(qtbot, staff, log, clock)
    clock.advance(599)
    dialog.check_idle()
    assert dialog.isVisible()
    clock.advance(1)
    dialog.check_idle()
    assert not dialog.isVisible()
    add_mallory(dialog)   # what a hidden dialog still holds writes nothing
    assert staff.find("Mallory") is None


def test_using_the_administration_keeps_it_open(qtbot, staff, log):
    clock = ManualClock(NOW)
    dialog = admin_dialog(qtbot, staff, log, clock, lock_after_s=120.0)
    clock.advance(100)
    qtbot.keyClicks(dialog.name, "Rui")
    clock.advance(100)
    dialog.check_idle()
    assert dialog.isVisible()
    clock.advance(20)
    dialog.check_idle()
    assert not dialog.isVisible()


def test_the_administration_locks_after_the_consoles_lock_after(tmp_path, qtbot, monkeypatch):
    """--lock-after sets the administration's idle time as the chair's and the review's."""
    from console.cli import gui_parser
    from console.ui import staff_dialogs
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut
    from tests.ui.conftest import Answers

    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test") as log:
        add_accounts(log, fast_hasher())
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args(["--db", str(db), "--lock-after", "2"]), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        window.show()
        window.clock = clock = ManualClock(NOW)
        admin = window.staff.find(ADMIN)
        monkeypatch.setattr(staff_dialogs, "admin_sign_in", lambda *_a, **_k: admin)
        dialog = window.open_staff_admin()
        assert isinstance(dialog, StaffAdminDialog)
        clock.advance(119)
        dialog.check_idle()
        assert dialog.isVisible()
        clock.advance(1)
        dialog.check_idle()
        assert not dialog.isVisible()
        assert window.open_staff_admin() is not dialog   # a new sign-in, a new dialog
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_staff_accounts_chosen_again_brings_the_open_one_forward(tmp_path, qtbot, monkeypatch):
    """Staff ▸ Staff accounts… chosen twice (the first went behind the window): a second dialog
    opened, and a session started at the chair closed only the second; the first stayed open
    over the live session, signed in as the administrator."""
    from console.cli import gui_parser
    from console.ui import staff_dialogs
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut
    from console.ui.start_screen import StartRequest
    from tests.ui.conftest import Answers
    from tests.ui.test_lock_screen import BEN, BEN_PIN

    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test") as log:
        add_accounts(log, fast_hasher())
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args(["--db", str(db)]), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        window.show()
        admin = window.staff.find(ADMIN)
        sign_ins: list[object] = []
        monkeypatch.setattr(staff_dialogs, "admin_sign_in",
                            lambda *_a, **_k: sign_ins.append(admin) or admin)
        first = window.open_staff_admin()
        assert window.open_staff_admin() is first and first.isVisible()
        assert len(sign_ins) == 1   # not asked again: the open one came forward
        window.start_screen.start_requested.emit(StartRequest(
            "MRN-9", 60.0, "iv-ketamine", None, 1, BEN, None, None, secret=BEN_PIN))
        assert window.live is not None
        assert not [w for w in window.findChildren(StaffAdminDialog) if w.isVisible()]
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_disabled_accounts_reset_is_refused_naming_enable(dialog, staff, log):
    ana = staff.find(ANA).id
    dialog.select(ana)
    dialog.reason.setText("on leave")
    dialog.disable_button.click()
    dialog.select(ana)
    dialog.secret.setText("24681357")
    dialog.again.setText("24681357")
    dialog.reset_button.click()
    assert dialog.message.text() == (
        f"{ANA} (account {ana}) is disabled: a disabled account keeps no secret to reset; enable "
        "it again: Enable selected, with a reason and a new PIN or password.")
    assert dialog.secret.text() == "" and dialog.again.text() == ""
    assert versions(log, ANA)[-1][0] == 0
