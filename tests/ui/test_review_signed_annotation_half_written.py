"""A signed review note whose signature cannot be written after the note was (issue 13).

The note is committed first, its signature after it in a transaction of its own (the rule of
console/identity/signatures.py). A console's write that holds the log at that moment (or a full
disk) fails the signature alone: the note is in the record, unsigned. The window said "Nothing
was written", so the reviewer wrote it again, and the record held it twice, once unsigned. Now
it says the note was written unsigned and shows the session again, the note in it.
"""

from __future__ import annotations

import sqlite3

from console.review import queries
from tests.ui.test_review_identity import (  # noqa: F401 - fixtures
    PRESCRIBER,
    PRESCRIBER_PIN,
    built,
    db,
    facts,
    open_window,
    protocols,
    rows,
    signed_in,
)
from tests.ui.test_review_window import Dialogs
from tests.ui.test_signatures_at_chair import Signer

NOTE = "BP surge handled per protocol"


class ReadingDialogs(Dialogs):
    """A reviewer who reads each message before going on: `meanwhile` runs as it is shown."""

    meanwhile = staticmethod(lambda: None)

    def error(self, title: str, message: str) -> None:
        super().error(title, message)
        self.meanwhile()


def test_a_note_whose_signature_cannot_be_written_is_said_written_unsigned_and_shown(
        db, facts, protocols, qtbot, tmp_path, monkeypatch):
    signer = Signer()
    signer.answers = [(PRESCRIBER, PRESCRIBER_PIN)]
    window, _ = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path, signer)
    dialogs = window.dialogs = ReadingDialogs(tmp_path)
    session = facts.ids["surge"]
    window.open_session(session)
    # A console's write begins on the log just after the note's commit, before its signature.
    console = sqlite3.connect(db, isolation_level=None)
    written = queries.annotate

    def then_a_console_writes(log, *args):
        event_id = written(log, *args)
        log.set_busy_timeout(0)   # the signature fails at once, not after the wait
        console.execute("BEGIN IMMEDIATE")
        return event_id

    monkeypatch.setattr(queries, "annotate", then_a_console_writes)
    dialogs.meanwhile = lambda: console.execute("COMMIT")   # its write ends as the message is read
    dialogs.note = ("", NOTE)
    window.annotate()
    console.close()
    [(note_id,)] = rows(db, "SELECT id FROM events WHERE kind = 'review_note'")
    assert rows(db, "SELECT count(*) FROM signatures") == [(0,)]
    [(title, message)] = dialogs.errors
    assert title == "Annotation written unsigned"
    assert message.startswith("The note was written unsigned: its signature could not be "
                              "written. Cannot write the session log ")
    assert "another program is holding it locked" in message
    assert message.endswith("It is in the session's record without a signature (the "
                            "Signatures tab lists it UNSIGNED): do not add it again.")
    assert "Nothing was written" not in message
    # The session shown again holds the note, and lists it unsigned.
    page = window.detail_page
    assert any(r[1] == "Review annotation" and r[3] == NOTE for r in page.note_model.rows())
    assert page.tabs.currentWidget() is page.note_table
    unsigned = [r for r in page.signature_model.rows() if r[6] == "UNSIGNED"]
    assert any(NOTE in " ".join(r) for r in unsigned), unsigned
    assert "unsigned" in window.statusBar().currentMessage()
    window.close_log()
