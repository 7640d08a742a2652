"""The transitional rule (issue 13): a log without staff accounts runs as before and its start
screen offers to create the first administrator; once created, the notice goes and identity is
enforced (the next session's window can lock). Checked in the log."""

from __future__ import annotations

from console.cli import gui_parser
from console.identity import Argon2Hasher, Staff
from console.ui.app import build
from console.ui import theme
from console.ui.audio import RecordingAudioOut
from console.ui.staff_dialogs import FIRST_ADMIN_NOTICE
from tests.ui.conftest import Answers


def start_screen(tmp_path, qtbot, cleanups):
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")])
    window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                   asker=Answers())
    qtbot.addWidget(window)
    window._staff = Staff(window.log, Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1))
    window.show()
    return window


def fill(dialog, name, secret, again, nurse=False):
    dialog.name.setText(name)
    dialog.secret.setText(secret)
    dialog.again.setText(again)
    dialog.nurse.setChecked(nurse)
    dialog.create_button.click()
    assert dialog.secret.text() == "" and dialog.again.text() == ""   # never kept on screen


def test_the_first_administrator_is_created_from_the_start_screen(tmp_path, qtbot):
    cleanups = []
    try:
        window = start_screen(tmp_path, qtbot, cleanups)
        notice = window.first_admin_notice
        assert notice is not None and notice.isVisible()
        assert FIRST_ADMIN_NOTICE == "No staff accounts yet: create the first administrator"
        window.first_admin_button.click()
        dialog = window.first_admin_dialog
        assert dialog.isVisible()
        assert "font-weight:bold" not in dialog.message.styleSheet()   # an explanation
        # Two different PINs: refused, nothing written; it reads as a refusal (error colour).
        fill(dialog, "Ada Admin", "58203914", "58203915")
        assert dialog.message.text() == ("The two PINs differ: type the PIN twice, the same "
                                         "both times.")
        assert theme.current().error_text in dialog.message.styleSheet()
        # A PIN breaking the rules: the identity layer's message, nothing written.
        fill(dialog, "Ada Admin", "12", "12")
        assert dialog.message.text().startswith("A PIN ")
        assert window.log.conn.execute("SELECT count(*) FROM staff").fetchone() == (0,)
        # Right: the account is in the log, an administrator and a nurse; the notice goes.
        fill(dialog, "Ada Admin", "58203914", "58203914", nurse=True)
        assert window.log.conn.execute("SELECT name, roles FROM staff").fetchall() == [
            ("Ada Admin", "nurse administrator")]
        assert not dialog.isVisible() and not notice.isVisible()
        assert window.has_accounts()
        dump = "\n".join(window.log.conn.iterdump())
        assert "58203914" not in dump
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_log_with_accounts_shows_no_notice(tmp_path, qtbot):
    from tests.identity.accounts import ensure_account

    ensure_account(tmp_path / "log.sqlite3")
    cleanups = []
    try:
        window = start_screen(tmp_path, qtbot, cleanups)
        assert window.first_admin_notice is None
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_first_start_on_a_new_log_asks_for_the_first_administrator_before_anything_else(
        tmp_path, qtbot):
    cleanups = []
    try:
        window = start_screen(tmp_path, qtbot, cleanups)
        # A new log (no account, no session): the dialog opens by itself, over the start screen.
        qtbot.waitUntil(lambda: getattr(window, "first_admin_dialog", None) is not None,
                        timeout=2000)
        dialog = window.first_admin_dialog
        assert dialog.isVisible() and dialog.isModal()
        fill(dialog, "Ada Admin", "7319", "7319")
        assert [a.name for a in window.staff.list()] == ["Ada Admin"]
        assert not window.first_admin_notice.isVisible()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_log_with_sessions_but_no_account_shows_the_notice_without_interrupting(
        tmp_path, qtbot):
    from PySide6 import QtWidgets

    from console.clock import ManualClock
    from console.session.engine import Patient, SessionEngine
    from console.store import EventLog
    from datetime import UTC, datetime
    from protocols.loader import builtin_protocols_dir, load_protocol

    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                           Patient("MRN-1", 70), "Ana", ManualClock(
                               datetime(2026, 3, 1, 9, tzinfo=UTC)).now())
    cleanups = []
    try:
        window = start_screen(tmp_path, qtbot, cleanups)
        QtWidgets.QApplication.processEvents()   # a first start would have asked by now
        assert getattr(window, "first_admin_dialog", None) is None
        assert window.first_admin_notice.isVisible()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
