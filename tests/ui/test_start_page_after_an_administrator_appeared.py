"""The start page when the first-administrator dialog finds an administrator made meanwhile (IT's
`infusion-console staff add` on the chair's log; a review): the page asks
for the nurse's sign-in at once and the "No staff accounts yet" notice goes, as after a Create.
Real log, real Argon2id at its smallest cost."""

from __future__ import annotations

from datetime import UTC, datetime

from console.identity import SecretKind
from tests.ui.test_first_administrator import fill, start_screen

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_the_start_page_asks_for_a_sign_in_once_the_dialog_finds_an_administrator(tmp_path,
                                                                                 qtbot):
    cleanups: list = []
    try:
        window = start_screen(tmp_path, qtbot, cleanups)
        window.first_admin_button.click()
        dialog = window.first_admin_dialog
        screen = window.start_screen
        assert not screen.secret_edit.isVisibleTo(screen)
        # IT adds the first administrator from a terminal; then Create in the dialog.
        window.staff.add("IT Admin", "administrator", "58203914", SecretKind.PIN, None, NOW)
        fill(dialog, "Ada Admin", "61829305", "61829305")
        assert dialog.message.text().startswith("An administrator exists now")
        assert not window.first_admin_notice.isVisible()
        assert screen.secret_edit.isVisibleTo(screen)
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
