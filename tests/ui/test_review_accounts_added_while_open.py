"""A review opened on a log without staff accounts, the first one created while it is open.

IT runs `infusion-console staff add` on the clinic's log while a review of it is open: from then
on the log's rule is that every read and export is signed in and logged (README "Transitional
rule"). The window had decided once, when it opened, that nothing was to be logged: it went on
showing identified sessions with no sign-in, no access-log row and no idle lock, and its
exports said "not logged: this log has no staff accounts", which the log now contradicted.
Now each read, export or annotation of such a window asks the log again, and once it holds an
account refuses, saying to open the review again (its sign-in comes first).
"""

from __future__ import annotations

import sqlite3

from console.identity import SecretKind, Staff
from console.store import EventLog
from tests.ui.test_review_identity import ACCOUNTS_AT, ADMIN, ADMIN_PIN, fast
from tests.ui.test_review_window import (  # noqa: F401 - fixtures
    built_log,
    log_copy,
    protocols,
    record_hashes,
    review,
)

REFUSED = "Staff accounts now exist in this log: close the review and open it again to sign in."


def test_once_the_first_account_exists_reads_exports_and_notes_are_refused_until_reopened(
        review, tmp_path):
    window, dialogs, facts, path = review
    bar = window.statusBar()
    assert bar.currentMessage().startswith("No staff accounts in this log")
    # Read as the log allowed it when the review opened: no sign-in, not logged.
    window.open_session(facts.ids["surge"])
    assert window.detail_page.detail is not None and dialogs.errors == []
    # IT creates the first administrator meanwhile.
    with EventLog.open(path, "test") as log:
        Staff(log, fast()).add(ADMIN, "administrator", ADMIN_PIN, SecretKind.PIN, None,
                               ACCOUNTS_AT)
    before = record_hashes(path)
    # An export of the session on screen: refused, no file.
    window.export("pdf")
    assert dialogs.errors == [("PDF export not written", REFUSED)]
    assert not (tmp_path / "export.pdf").exists()
    # The status bar no longer says the log has no accounts: it says what to do.
    assert bar.currentMessage().startswith(REFUSED), bar.currentMessage()
    assert "no staff accounts" not in bar.currentMessage().lower()
    # Another session, the patient's course, the list read again: refused, nothing shown.
    window.open_session(facts.ids["esketamine"])
    assert dialogs.errors[-1] == ("Session not opened", REFUSED)
    assert window.detail_page.detail.summary.id == facts.ids["surge"]   # not the other one
    window.show_course("MRN-4711")
    assert window.course_page.model.course == []
    assert window.course_page.title.text() == REFUSED
    window.list_page.reload()
    assert window.list_page.model.rows() == []
    assert window.list_page.error_label.text() == REFUSED
    # An annotation, unsigned on a log whose notes are signed now: refused, nothing written.
    dialogs.note = ("Dr Lee", "Reviewed")
    window.annotate()
    assert dialogs.errors[-1] == ("Annotation not added", REFUSED)
    assert record_hashes(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM access_log").fetchone() == (0,)
