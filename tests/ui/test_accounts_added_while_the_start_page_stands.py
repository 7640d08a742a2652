"""Staff accounts created elsewhere while the chair's start page stands on a log without them (IT
runs `infusion-console staff add` at a clinic upgrading mid-course, the transitional rule): the
page was built with no PIN field and "No staff accounts yet"; every Start was refused "Give your
PIN or password." with no field to type it in."""

from __future__ import annotations

from console.store import EventLog
from tests.ui.test_lock_screen import BEN, BEN_PIN, add_accounts, fast_hasher


def test_a_start_that_finds_accounts_asks_for_the_sign_in_on_the_page(tmp_path, qtbot):
    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut
    from console.ui.start_screen import StartRequest
    from tests.ui.conftest import Answers

    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test"):
        pass   # an existing log (a session ran on it once), no accounts yet
    cleanups: list = []
    try:
        window = build(gui_parser().parse_args(["--db", str(db)]), cleanups,
                       audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        window.show()
        screen = window.start_screen
        assert not screen.secret_edit.isVisibleTo(screen)
        assert window.first_admin_notice.isVisibleTo(window)
        with EventLog.open(db, "test") as other:   # IT, from the command line
            add_accounts(other, fast_hasher())
        # The nurse fills in the form as it is shown (no PIN field) and presses Start.
        screen.start_requested.emit(StartRequest(
            "MRN-9", 60.0, "iv-ketamine", None, 1, BEN, None, None, secret=""))
        assert window.live is None
        assert screen.secret_edit.isVisibleTo(screen)
        assert not window.first_admin_notice.isVisibleTo(window)
        assert screen.nurse_message.text() == (
            "Staff accounts now exist in this session log: sign in with your name or badge and "
            "your PIN or password to start.")
        screen.start_requested.emit(StartRequest(
            "MRN-9", 60.0, "iv-ketamine", None, 1, BEN, None, None, secret=BEN_PIN))
        assert window.live is not None and window.controller.view.nurse == BEN
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
