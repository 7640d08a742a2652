"""A console started at the instant another chair's console opens or closes the shared log (two
consoles started at once after an update, or one started as the other is stopped).

SQLite passes through two states in which the log has its -wal beside it and no -shm while it
holds the log's lock: opening, its SHARED lock is taken and its -wal made before its -shm; closing,
it deletes its -shm before its -wal, the lock still held. The start took either for a console
running on a deleted -shm, and the nurse read "the log file was moved or deleted while in use ...
close that console" (`moved`) with nothing moved: the log's start test failed so about once in 50
starts under load. Here the other console is held in that state (its locks, as SQLite takes them
at that point) and goes on when this one reaches its next step.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import console.store.log as store_log
from console.store import SCHEMA_VERSION, EventLog, schema
from console.store.wal_check import shm_of, wal_of

from . import PROJECT_ROOT, VERSION
from .test_migration_race import applied, old_log

# The other console's locks on the log, taken and let go as SQLite's unix VFS does (os_unix.c):
# SHARED, a read lock on 510 bytes at 1 GiB + 2; EXCLUSIVE, a write lock on them.
_OTHER_CONSOLE = r"""
import fcntl, os, sys
path, step = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDWR)
fcntl.lockf(fd, (fcntl.LOCK_EX if step == "closing" else fcntl.LOCK_SH) | fcntl.LOCK_NB,
            510, 0x40000000 + 2)
open(path + "-wal", "ab").close()       # opening: made before the -shm; closing: still there
print("held", flush=True)
sys.stdin.readline()                    # the next step of its open or close
if step == "closing":
    os.unlink(path + "-wal")
else:
    open(path + "-shm", "ab").close()
fcntl.lockf(fd, fcntl.LOCK_UN, 510, 0x40000000 + 2)
print("done", flush=True)
sys.stdin.readline()
"""


class OtherConsole:
    """Another process on the log, stopped between two of SQLite's steps of opening or closing."""

    def __init__(self, path: Path, step: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _OTHER_CONSOLE, str(path), step], cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._line() == "held"
        self.gone_on = False

    def _line(self) -> str:
        assert self._process.stdout is not None
        return self._process.stdout.readline().strip()

    def go_on(self) -> None:
        """Its next step: the -shm made (opening), or the -wal deleted (closing), lock let go."""
        if not self.gone_on:
            assert self._process.stdin is not None
            self._process.stdin.write("\n")
            self._process.stdin.flush()
            assert self._line() == "done"
            self.gone_on = True

    def stop(self) -> None:
        self._process.communicate("\n\n", timeout=60)


@pytest.fixture(params=["opening", "closing"])
def other(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OtherConsole]:
    path = old_log(tmp_path / "shared.sqlite3")
    other = OtherConsole(path, request.param)
    assert os.path.exists(wal_of(path)) and not os.path.exists(shm_of(path))
    yield other
    other.stop()


def _goes_on_when_sqlite_opens(monkeypatch: pytest.MonkeyPatch, other: OtherConsole) -> None:
    """The other console takes its next step as this one's SQLite opens the log (a closing
    one's EXCLUSIVE lock would otherwise hold this start for its busy timeout)."""
    connect = store_log.sqlite3.connect

    def connect_as_the_other_goes_on(*args: Any, **kwargs: Any) -> Any:
        other.go_on()
        return connect(*args, **kwargs)

    monkeypatch.setattr(store_log.sqlite3, "connect", connect_as_the_other_goes_on)


def _not_linux(path: Path) -> Any:
    raise OSError("/proc/locks cannot be read")


def _started(path: Path) -> None:
    with EventLog.open(path, VERSION) as log:
        version = log.conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)
    assert applied(path) == [name for name, _ in schema.MIGRATIONS]


def test_a_console_started_as_another_opens_or_closes_the_log_starts(
        tmp_path: Path, other: OtherConsole, monkeypatch: pytest.MonkeyPatch) -> None:
    moments: list[str] = []
    monkeypatch.setattr(store_log, "_a_moment", lambda: moments.append("waited"), raising=False)
    _goes_on_when_sqlite_opens(monkeypatch, other)
    _started(tmp_path / "shared.sqlite3")   # was refused: moved
    assert moments == []   # told apart by the other's locks, not by waiting (Linux)


def test_where_locks_cannot_be_listed_a_console_started_as_another_opens_or_closes_starts(
        tmp_path: Path, other: OtherConsole, monkeypatch: pytest.MonkeyPatch) -> None:
    # Not Linux (no /proc/locks): only that someone holds the log is known. Looked at again a
    # moment later, the other console has gone on (its -shm made, or its -wal deleted).
    monkeypatch.setattr(store_log, "_lock_table", _not_linux)
    monkeypatch.setattr(store_log, "_a_moment", other.go_on, raising=False)
    _goes_on_when_sqlite_opens(monkeypatch, other)
    _started(tmp_path / "shared.sqlite3")   # was refused: moved


def test_a_console_on_a_deleted_shm_is_still_refused_where_locks_cannot_be_listed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The state does not pass: a second console would write blind to the first's frames.
    path = old_log(tmp_path / "shared.sqlite3")
    script = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
              "c.execute('SELECT count(*) FROM meta').fetchone(); print('open', flush=True); "
              "sys.stdin.readline()")
    first = subprocess.Popen([sys.executable, "-c", script, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "open"
        os.unlink(shm_of(path))
        monkeypatch.setattr(store_log, "_lock_table", _not_linux)
        monkeypatch.setattr(store_log, "_a_moment", lambda: None, raising=False)
        with pytest.raises(store_log.LogError) as refused:
            EventLog.open(path, VERSION)
        assert refused.value.cause == "moved" and "-shm" in refused.value.detail
    finally:
        first.communicate("\n", timeout=60)
