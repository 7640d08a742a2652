"""Text a person or a device supplied is drawn as written. A QLabel, a message box or a tooltip
left to Qt's AutoText draws text that looks like markup as rich text: a staff account named
"Ana <s>Nurse" came out struck through on the lock bar, a room "Bay <B>" as "Bay " (a review). Each
kind of place is read as the nurse sees it: the text Qt would draw (`drawn`), never only
`label.text()`. Real engine, real SQLite log, a clock moved by hand."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.identity import SecretKind, Staff
from console.ui import theme
from console.ui.entry_panel import question_box
from console.ui.staff_dialogs import StaffAdminDialog
from tests.drawn_text import drawn, drawn_text
from tests.ui.test_lock_screen import ADMIN, ANA, chair, fast_hasher, sign_in  # noqa: F401
from tests.ui.test_staff_admin import NOW, held, log, staff  # noqa: F401
from tests.ui.test_two_chairs import START, cleanups, open_session  # noqa: F401
from tests.ui.test_two_chairs import chair as console_on

NAME, NAME_PIN = "Ana <s>Nurse", "27182818"   # struck through when drawn as markup
ROOM = "Bay <B>"                              # drawn as "Bay " when drawn as markup
PLAIN = QtCore.Qt.TextFormat.PlainText


def test_the_lock_bar_shows_a_nurses_name_and_the_lock_reason_as_written(chair):  # noqa: F811
    staff = chair.staff
    staff.add(NAME, "nurse", NAME_PIN, SecretKind.PIN, staff.find(ADMIN), chair.clock.now().wall)
    bar = chair.window.lock_bar
    # Step 1: the console locks the station naming an account: the reason as written.
    reason = f"{NAME}'s account is disabled: ask an administrator."
    chair.controller.lock_now(reason)
    assert chair.controller.locked and bar.isVisible()
    assert drawn(bar.reason) == reason
    # Step 2: she signs in: her name, and the nurse she takes over from, as written.
    assert sign_in(chair, NAME, NAME_PIN) == f"Signed in as {NAME}: you have taken the session " \
                                            f"over from {ANA}."
    assert drawn(bar.message) == bar.message.text()
    assert bar.message.textFormat() == PLAIN and bar.reason.textFormat() == PLAIN


def test_the_staff_administration_shows_names_as_written(qtbot, log, monkeypatch):  # noqa: F811
    staff = Staff(log, fast_hasher())
    admin = staff.add("Ada <B>", "administrator", "31415926", SecretKind.PIN, None, NOW)
    dialog = StaffAdminDialog(staff, ManualClock(NOW), admin)
    qtbot.addWidget(dialog)
    # The heading names the administrator signed in.
    assert drawn(dialog.heading) == "Staff accounts — signed in as Ada <B> (administrator)"
    # An account added: the message names it as typed.
    dialog.name.setText(NAME)
    dialog.role_boxes["nurse"].setChecked(True)
    dialog.secret.setText(NAME_PIN)
    dialog.again.setText(NAME_PIN)
    dialog.add_button.click()
    assert drawn(dialog.message).startswith(f"{NAME} (nurse) was added as account ")
    # Its history, in the history box: "by Ada <B>" as written.
    boxes: list[str] = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec",
                        lambda box: boxes.append(drawn_text(box.text(), box.textFormat())) or 0)
    dialog.select(staff.find(NAME).id)
    dialog.history_button.click()
    [history] = boxes
    assert "by Ada <B> (#" in history, history


def test_a_history_the_log_cannot_give_now_is_said_in_words_not_a_console_fault(
        qtbot, staff, log, monkeypatch):  # noqa: F811
    from console.store import LogError

    failure = LogError(log.path, "io", "read error")
    dialog = StaffAdminDialog(staff, ManualClock(NOW), staff.find(ADMIN))
    qtbot.addWidget(dialog)
    dialog.select(staff.find(ANA).id)

    def unreadable(*_a: object) -> list[object]:
        raise failure

    monkeypatch.setattr(staff, "changes", unreadable)
    monkeypatch.setattr(QtWidgets.QMessageBox, "exec", lambda box: 0)
    with qtbot.captureExceptions() as raised:
        dialog.history_button.click()
    assert not raised, raised
    assert dialog.message.text() == f"The history cannot be read now: {failure.message}"
    assert theme.current().error_text in dialog.message.styleSheet()   # read as a refusal


def test_the_resume_offer_shows_the_patient_as_written(tmp_path: Path, qtbot,
                                                       cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    open_session(db, patient=ROOM)   # an identifier typed with "<B>" in it
    window, _ = console_on(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    [offer] = window.findChildren(QtWidgets.QFrame, "resume_offer")
    texts = [drawn(label) for label in offer.findChildren(QtWidgets.QLabel)]
    assert any(t.startswith(f"A session was left open: {ROOM} · ") for t in texts), texts


def test_a_note_in_the_events_list_reads_as_written_on_hover(chair):  # noqa: F811
    note = f"moved to {ROOM}; <s>cold</s> warm"
    chair.controller.note(note)
    rows = [chair.window.events.item(r) for r in range(chair.window.events.count())]
    tips = [drawn_text(item.toolTip()) for item in rows if note in item.text()]
    assert tips and all(note in tip for tip in tips), tips


def test_a_question_shows_the_words_it_was_built_from_as_written(qtbot):
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    message = f"Hand the chair in {ROOM} over to {NAME}?"
    box, _yes = question_box(parent, "Question", message, "Yes", "No")
    assert drawn_text(box.text(), box.textFormat()) == message
