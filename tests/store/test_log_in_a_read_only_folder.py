"""A data folder the user cannot write, holding a log file the user can (a clean-up made the
folder 0555, a share mounts the folder read-only): SQLite cannot create the log's -wal and -shm
beside it and says SQLITE_READONLY_DIRECTORY. The message told the IT person "the file or the disk
it is on is read-only. Make the file writable (or remount the disk read-write)": the file was
writable and the disk read-write, so following it changed nothing. It names the folder now.
Root ignores permissions: the real case runs the open as an ordinary user in a user namespace
(`unshare --user`), where the root-owned folder and file are that user's."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console.store import EventLog, LogError, classify
from tests.store import PROJECT_ROOT, VERSION

_OPEN_FOR_WRITING = r"""
import sys
from pathlib import Path
from console.store import EventLog, LogError
try:
    EventLog.open(Path(sys.argv[1]), sys.argv[2]).close()
except LogError as exc:
    print(exc.cause)
    print(exc)
    sys.exit(4)
print("opened")
"""


def _advice(message: str) -> str:
    """The words before SQLite's own (the part a person acts on)."""
    return message.split("(Details")[0]


def test_sqlites_read_only_folder_error_names_the_folder(tmp_path: Path) -> None:
    exc = sqlite3.OperationalError("attempt to write a readonly database")
    exc.sqlite_errorcode = 1544              # SQLITE_READONLY_DIRECTORY (8 | 6 << 8)
    exc.sqlite_errorname = "SQLITE_READONLY_DIRECTORY"
    db = tmp_path / "data" / "sessions.sqlite3"
    error = classify(exc, db)
    assert error.cause == "read-only"        # the same alarm and refusal paths as before
    advice = _advice(error.message)
    assert f"its folder {db.parent} is read-only" in advice
    assert "sessions.sqlite3-wal and sessions.sqlite3-shm" in advice
    assert "Make the folder writable" in advice
    assert "Make the file writable" not in advice


def test_a_read_only_file_is_still_told_to_be_made_writable(tmp_path: Path) -> None:
    exc = sqlite3.OperationalError("attempt to write a readonly database")
    exc.sqlite_errorcode = 8
    exc.sqlite_errorname = "SQLITE_READONLY"
    assert "Make the file writable" in classify(exc, tmp_path / "log.sqlite3").message


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root (to map itself to an ordinary user) and unshare")
def test_a_console_on_a_log_in_a_read_only_folder_is_told_to_fix_the_folder(
        tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "sessions.sqlite3"
    EventLog.open(db, VERSION).close()       # closed cleanly: no -wal, no -shm left
    folder.chmod(0o555)
    try:
        opened = subprocess.run(
            ["unshare", "--user", "--map-user=1000", sys.executable, "-c", _OPEN_FOR_WRITING,
             str(db), VERSION],
            cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True, text=True, timeout=60)
    finally:
        folder.chmod(0o755)
    if "unshare:" in opened.stderr:
        pytest.skip(f"no user namespace here: {opened.stderr.strip()}")
    assert opened.returncode == 4, opened.stdout + opened.stderr
    cause, message = opened.stdout.split("\n", 1)
    assert cause == "read-only"
    assert f"its folder {folder} is read-only" in _advice(message)
    assert "Make the file writable" not in _advice(message)


def test_the_log_error_keeps_its_cause_and_detail() -> None:
    error = LogError(Path("log.sqlite3"), "read-only", "SQLite: x", folder_read_only=True)
    assert (error.cause, error.detail) == ("read-only", "SQLite: x")
    assert f"its folder {Path.cwd()} is read-only" in error.message
