"""The review's sign-in on a log that cannot take the sign-in row (another process writing and
keeping at it, a full disk): the dialog answers in words, as the administration's sign-in does,
instead of letting the LogError out of the Sign in button's slot (a traceback, the PIN cleared,
the reviewer not told why). Review 45."""

from __future__ import annotations

import sqlite3

from console.clock import ManualClock
from console.ui import review_app
from console.ui.staff_dialogs import SignInDialog
from tests.identity.accounts import EXPORTER, EXPORTER_PIN, ensure_account
from tests.ui.test_lock_screen import START


def test_review_sign_in_on_a_log_held_by_another_writer_says_so_in_the_dialog(tmp_path, qtbot,
                                                                              monkeypatch):
    db = tmp_path / "log.sqlite3"
    ensure_account(db)
    holder = sqlite3.connect(db, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")   # another process is writing, and keeps at it
    shown: list[str] = []

    def answer(dialog: SignInDialog) -> int:
        dialog.name.setText(EXPORTER)
        dialog.secret.setText(EXPORTER_PIN)
        with qtbot.captureExceptions() as raised:
            dialog.sign_in_button.click()   # what the reviewer does
        assert not raised, f"the Sign in button raised {raised!r} instead of answering"
        shown.append(dialog.message.text())
        return 0

    monkeypatch.setattr(SignInDialog, "exec", answer)
    try:
        access = review_app.dialog_sign_in(db, ManualClock(START))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert access is None
    [text] = shown
    # The administration's sentence, word for word, then the store's: which file, what to do.
    assert text.startswith("Not signed in: the sign-in cannot be recorded now. Cannot write the "
                           "session log"), text
    assert str(db) in text, text
