"""The "session log unavailable" alarm says why in the log error's terms. A log whose folder is
read-only (SQLITE_READONLY_DIRECTORY: SQLite cannot create the log's -wal and -shm beside it)
told the nurse "the file is read-only" while the file was writable: the banner now names the
folder, as the log error's own message does (console/store/errors.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from console.session.engine import LOG_UNAVAILABLE
from console.store.errors import classify
from tests.session.helpers import Session
from tests.session.test_commit_first import Faulty, spo2


def _sqlite_error(name: str, code: int) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("attempt to write a readonly database")
    exc.sqlite_errorcode = code
    exc.sqlite_errorname = name
    return exc


def _banner_when_the_log_refuses(error: sqlite3.Error) -> str:
    s = Session()
    s.to_infusion()
    Faulty(s).fail_with = classify(error, Path("/data/sessions.sqlite3"))
    assert s.engine.ingest_message([spo2(s, 97)], s.now()) is False
    occurrence = s.engine.board.occurrence_for(LOG_UNAVAILABLE)
    assert occurrence is not None
    return occurrence.message


def test_a_log_in_a_read_only_folder_is_said_as_the_folder():
    message = _banner_when_the_log_refuses(_sqlite_error("SQLITE_READONLY_DIRECTORY", 1544))
    assert message == ("Session log unavailable (its folder is read-only): readings are held in "
                       "memory and not yet saved")


def test_a_read_only_log_file_is_still_said_as_the_file():
    message = _banner_when_the_log_refuses(_sqlite_error("SQLITE_READONLY", 8))
    assert message.startswith("Session log unavailable (the file is read-only)")
