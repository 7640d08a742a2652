"""The log moved, renamed or replaced while a review of it is open (archived by IT, say).

The review reads through a read-only connection, which goes on reading the file it opened;
each write opens the log at its path for that moment. An annotation then made a new, empty
session log at the old path and failed with a KeyError (UnknownSessionError) whose traceback
went to stderr only: nothing on screen. A signed-in review's access-log rows did the same.
Now a write goes only into the file the review reads, still at its path; otherwise nothing is
written, no log is made, and the window says why.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from PySide6 import QtCore

from console.session.lock import DEFAULT_LOCK_AFTER_S
from tests.ui.test_review_identity import (  # noqa: F401 - fixtures
    PRESCRIBER,
    PRESCRIBER_PIN,
    built,
    db,
    facts,
    open_window,
    signed_in,
)
from tests.ui.test_review_window import (  # noqa: F401 - fixtures
    built_log,
    log_copy,
    protocols,
    review,
)
from tests.ui.test_signatures_at_chair import Signer


def not_here(path: Path) -> str:
    return f"the log at {path} is no longer the one open here"


def move_log(path: Path, folder: Path) -> Path:
    """Move the log and its -wal and -shm into `folder`, as IT archives it; the log's new path."""
    folder.mkdir()
    for name in os.listdir(path.parent):
        if name.startswith(path.name):
            os.rename(path.parent / name, folder / name)
    return folder / path.name


def review_notes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE kind = 'review_note'").fetchone()[0]


def test_an_annotation_after_the_log_was_moved_makes_no_log_and_says_why(review, tmp_path):
    window, dialogs, facts, path = review
    window.open_session(facts.ids["surge"])
    moved = move_log(path, tmp_path / "archive")
    dialogs.note = ("Dr Lee", "Reviewed: BP surge handled per protocol")
    window.annotate()   # raised KeyError; a new, empty log stood at the old path
    assert not path.exists() and not os.path.lexists(f"{path}-wal")
    [(title, message)] = dialogs.errors
    assert title == "Annotation not added"
    assert message.startswith(f"Annotation not added: {not_here(path)}"), message
    assert review_notes(moved) == 0
    # The session on screen is still read from the file opened.
    assert window.detail_page.detail is not None


def test_an_annotation_goes_into_no_other_log_put_at_the_path(review, tmp_path):
    window, dialogs, facts, path = review
    window.open_session(facts.ids["surge"])
    moved = move_log(path, tmp_path / "archive")
    shutil.copy(moved, path)   # another file at the path: a copy, a restored backup
    dialogs.note = ("Dr Lee", "Reviewed")
    window.annotate()
    assert dialogs.errors and dialogs.errors[0][1].startswith(
        f"Annotation not added: {not_here(path)}")
    assert review_notes(path) == 0 and review_notes(moved) == 0


def test_a_signed_in_review_of_a_moved_log_writes_nothing_and_refuses_in_words(
        db, facts, qtbot, tmp_path):
    from protocols.loader import default_protocol_dirs, load_protocols

    signer = Signer()
    signer.answers = [(PRESCRIBER, PRESCRIBER_PIN)]
    window, dialogs = open_window(qtbot, db, load_protocols(default_protocol_dirs()).protocols,
                                  signed_in(db, PRESCRIBER, PRESCRIBER_PIN), tmp_path, signer)
    window.show()
    qtbot.waitExposed(window)
    window.open_session(facts.ids["surge"])
    move_log(db, tmp_path / "archive")
    # A signed annotation, a session read, an export: each an access-log row or a note first.
    dialogs.note = ("", "BP surge handled per protocol")
    window.annotate()
    window.open_session(facts.ids["esketamine"])
    window.export("pdf")
    assert not db.exists(), "a new log was made at the old path"
    assert [title for title, _ in dialogs.errors] == [
        "Annotation not added", "Session not opened", "PDF export not written"]
    assert all(not_here(db) in message for _, message in dialogs.errors), dialogs.errors
    assert not (tmp_path / "export.pdf").exists()
    # Locked, the reader's PIN cannot be checked (the sign-in is logged first): said so.
    window.clock.advance(DEFAULT_LOCK_AFTER_S)
    window.lock.check()
    qtbot.keyClicks(window.lock.secret, PRESCRIBER_PIN)
    qtbot.keyClick(window.lock.secret, QtCore.Qt.Key.Key_Return)
    assert window.lock.locked
    assert window.lock.message.text().startswith(f"Not unlocked: {not_here(db)}")
    assert not db.exists()
    window.close_log()
    assert not db.exists()


def a_log_with_its_wal_left(path: Path) -> bytes:
    """A database at `path` whose last rows are in its -wal, as a console that stopped
    without closing leaves it; the -wal's bytes."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    holder = sqlite3.connect(path)   # open: the -wal is not folded at the first close
    holder.execute("SELECT * FROM t").fetchall()
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    wal = Path(f"{path}-wal").read_bytes()
    conn.close()
    holder.close()
    Path(f"{path}-wal").write_bytes(wal)
    return wal


def test_a_review_that_wrote_closes_without_touching_another_file_put_at_its_path(review,
                                                                                  tmp_path):
    window, dialogs, facts, path = review
    window.open_session(facts.ids["surge"])
    dialogs.note = ("Dr Lee", "Reviewed")
    window.annotate()   # written: at its close the review folds its -wal into its log
    assert dialogs.errors == []
    moved = move_log(path, tmp_path / "archive")
    wal = a_log_with_its_wal_left(path)   # another file put at the path meanwhile
    window.close_log()
    assert Path(f"{path}-wal").read_bytes() == wal   # not folded into that file by the review
    assert review_notes(moved) == 1
