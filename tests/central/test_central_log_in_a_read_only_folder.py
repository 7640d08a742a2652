"""The central station's log in a folder it may not write (SQLITE_READONLY_DIRECTORY: SQLite
cannot create the log's -wal and -shm beside it) was refused with "make the file or its disk
writable" while the file was writable: the next step now names the folder, as the session log's
message does (console/store/errors.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.central.central_log import CentralLog, CentralLogError


def _refusing(name: str, code: int):
    def connect(*args: object, **kwargs: object) -> sqlite3.Connection:
        exc = sqlite3.OperationalError("attempt to write a readonly database")
        exc.sqlite_errorcode = code
        exc.sqlite_errorname = name
        raise exc
    return connect


def test_a_central_log_in_a_read_only_folder_is_told_to_fix_the_folder(tmp_path, monkeypatch):
    path = tmp_path / "data" / "central.sqlite3"
    monkeypatch.setattr(sqlite3, "connect", _refusing("SQLITE_READONLY_DIRECTORY", 1544))
    with pytest.raises(CentralLogError) as caught:
        CentralLog.open(path)
    message = str(caught.value).split("(Details")[0]
    assert caught.value.cause == "read-only"
    assert f"make its folder {path.parent} writable" in message
    assert "central.sqlite3-wal and central.sqlite3-shm" in message
    assert "make the file" not in message
    assert message.rstrip().endswith("or choose another file with --db.")


def test_a_read_only_central_log_file_is_still_told_to_be_made_writable(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite3, "connect", _refusing("SQLITE_READONLY", 8))
    with pytest.raises(CentralLogError, match="make the file or its disk writable"):
        CentralLog.open(tmp_path / "data" / "central.sqlite3")
