"""Environment failures (R5): each real fault gives a LogError naming the file and the cause.

Faults are produced for real where this machine allows it: a read-only file (chattr +i, or mode
0400 for a process without root's bypass), a read-only filesystem and a full one (small tmpfs
mounts), a lock held by another connection, bytes overwritten in the file. Where the environment
cannot produce a fault the test skips and says why.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from console.store import EventLog, LogError, classify, is_environmental
from console.store.errors import sqlite_words

from . import (
    VERSION,
    filled_log,
    new_log,
    obs,
    open_in_unprivileged_child,
    opened,
    remount_read_only,
    tmpfs,
)


def assert_names(error: LogError, path: Path, cause: str, words: str) -> None:
    """The message names the file, says the cause in plain words and offers the way out."""
    assert error.cause == cause
    assert error.path == path
    assert str(path) in str(error)
    assert words in str(error)
    assert "--db" in str(error)


# --- classify, on exceptions as SQLite and the OS raise them ---


def _sqlite_error(kind: type[sqlite3.Error], text: str, name: str) -> sqlite3.Error:
    exc = kind(text)
    exc.sqlite_errorname = name
    return exc


@pytest.mark.parametrize(("exc", "cause"), [
    (_sqlite_error(sqlite3.OperationalError, "attempt to write a readonly database",
                   "SQLITE_READONLY"), "read-only"),
    (_sqlite_error(sqlite3.OperationalError, "database is locked", "SQLITE_BUSY"), "locked"),
    (_sqlite_error(sqlite3.OperationalError, "database or disk is full", "SQLITE_FULL"),
     "disk-full"),
    (_sqlite_error(sqlite3.DatabaseError, "database disk image is malformed",
                   "SQLITE_CORRUPT_INDEX"), "corrupt"),
    (_sqlite_error(sqlite3.DatabaseError, "file is not a database", "SQLITE_NOTADB"), "corrupt"),
    (_sqlite_error(sqlite3.OperationalError, "unable to open database file", "SQLITE_CANTOPEN"),
     "permission"),
    (_sqlite_error(sqlite3.OperationalError, "disk I/O error", "SQLITE_IOERR_FSYNC"), "io"),
    (sqlite3.OperationalError("database is locked"), "locked"),  # no code: the text decides
    (OSError(errno.ENOSPC, "No space left on device"), "disk-full"),
    (OSError(errno.EROFS, "Read-only file system"), "read-only"),
    (PermissionError(errno.EACCES, "Permission denied"), "permission"),
])
def test_classify(exc: BaseException, cause: str) -> None:
    path = Path("/data/log.sqlite3")
    assert is_environmental(exc)
    error = classify(exc, path)
    assert error.cause == cause and str(path) in str(error) and "--db" in str(error)


def _undecodable() -> sqlite3.Error:
    """The error Python's sqlite3 raises for a TEXT value whose bytes are not UTF-8 (as a few
    damaged bytes inside a row leave it), made for real."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (source TEXT)")
    conn.execute("INSERT INTO t VALUES (CAST(x'686c37ff0a1b5b326a' AS TEXT))")
    try:
        conn.execute("SELECT source FROM t").fetchall()
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError("the bytes decoded")


@pytest.mark.parametrize(("exc", "words"), [
    # Damage SQLite itself does not name, found by overwriting bytes of a real log.
    (_sqlite_error(sqlite3.OperationalError, "unsupported file format", "SQLITE_ERROR"),
     "unsupported file format"),
    (_undecodable(), "a value in its column source is not readable text"),
    # SQLite quotes the damaged bytes: no line break nor control code reaches the terminal.
    (_sqlite_error(sqlite3.DatabaseError, 'malformed database schema (outbox) - unrecognized '
                   'token: "\x0b\n\x1b[2J"', "SQLITE_CORRUPT"),
     'malformed database schema (outbox) - unrecognized token: "; ?[2J"'),
])
def test_damage_sqlite_words_differently_is_damage_in_one_line(exc: sqlite3.Error,
                                                               words: str) -> None:
    path = Path("/data/log.sqlite3")
    assert is_environmental(exc)
    error = classify(exc, path)
    assert error.cause == "corrupt" and "the file is damaged" in str(error)
    assert sqlite_words(exc) == words
    assert words in error.detail and "\n" not in str(error) and "\x1b" not in str(error)


def test_a_log_error_gives_the_words_of_the_sqlite_error_behind_it() -> None:
    exc = _sqlite_error(sqlite3.DatabaseError, "database disk image is malformed",
                        "SQLITE_CORRUPT")
    try:
        raise classify(exc, Path("/data/log.sqlite3")) from exc
    except LogError as error:
        assert sqlite_words(error) == "database disk image is malformed"
    assert sqlite_words(LogError(Path("/x"), "corrupt", "it was truncated")) == "it was truncated"


def test_bugs_are_not_environment_failures() -> None:
    assert not is_environmental(_sqlite_error(
        sqlite3.IntegrityError, "FOREIGN KEY constraint failed", "SQLITE_CONSTRAINT_FOREIGNKEY"))
    assert not is_environmental(_sqlite_error(
        sqlite3.OperationalError, 'near "SELEC": syntax error', "SQLITE_ERROR"))
    assert not is_environmental(ValueError("x"))


def test_disk_full_message_reads_as_specified() -> None:
    error = classify(_sqlite_error(sqlite3.OperationalError, "database or disk is full",
                                   "SQLITE_FULL"), Path("/x/y.sqlite3"))
    assert str(error).startswith(
        "Cannot write the session log /x/y.sqlite3: the disk is full. Free space on that disk "
        "or choose another log file with --db.")


# --- read-only ---


def test_read_only_file_mode(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    path.chmod(0o400)
    cause, message = open_in_unprivileged_child(path)
    assert cause == "read-only", message
    assert str(path) in message and "read-only" in message


def test_read_only_immutable_file(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode != 0:
        pytest.skip("chattr +i is not available on this filesystem or for this user")
    try:
        with pytest.raises(LogError) as caught:
            new_log(tmp_path)
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)
    assert_names(caught.value, path, "read-only", "is read-only")


def test_read_only_filesystem(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "1m") as mnt:
        path = mnt / "log.sqlite3"
        EventLog.open(path, VERSION).close()
        remount_read_only(mnt)
        with pytest.raises(LogError) as caught:
            EventLog.open(path, VERSION)
        assert_names(caught.value, path, "read-only", "is read-only")


def test_permission_denied_folder(tmp_path: Path) -> None:
    folder = tmp_path / "closed"
    folder.mkdir()
    folder.chmod(0o000)
    try:
        cause, message = open_in_unprivileged_child(folder / "log.sqlite3")
    finally:
        folder.chmod(0o700)
    assert cause == "permission", message
    assert str(folder / "log.sqlite3") in message and "permission denied" in message


# --- locked ---


def test_locked_at_open(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(LogError) as caught:
            EventLog.open(path, VERSION, busy_timeout_ms=200)
        assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_names(caught.value, path, "locked", "another program is holding it locked")


def test_locked_while_writing_then_recovers(tmp_path: Path) -> None:
    with new_log(tmp_path) as log:
        sid = log.start_session(opened())
        holder = sqlite3.connect(log.path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(LogError) as caught:
                log.write([obs(sid, 1)])
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert_names(caught.value, log.path, "locked", "locked")
        # once the lock is gone the same log takes the readings it had to keep in memory
        assert log.write([obs(sid, 1)]) == [1]
        assert log.verify().ok


# --- disk full ---


def test_disk_full_by_page_limit_then_recovers(tmp_path: Path) -> None:
    with new_log(tmp_path) as log:
        sid = log.start_session(opened())
        (pages,) = log.conn.execute("PRAGMA page_count").fetchone()
        # The file may not grow by a single page: the same SQLITE_FULL a full disk gives.
        log.conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(LogError) as caught:
            log.write([obs(sid, i) for i in range(2000)])
        assert_names(caught.value, log.path, "disk-full", "the disk is full")
        assert log.observations(sid) == []  # nothing of the failed batch
        log.conn.execute("PRAGMA max_page_count = 1073741823")
        assert len(log.write([obs(sid, i) for i in range(2000)])) == 2000
        assert log.verify().ok


def test_disk_full_on_a_small_filesystem_then_recovers(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "512k") as mnt:
        log = EventLog.open(mnt / "log.sqlite3", VERSION)
        sid = log.start_session(opened())
        filler = mnt / "filler"
        with filler.open("wb") as f:  # leave a few pages free
            try:
                f.write(b"\0" * (512 * 1024))
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        caught: LogError | None = None
        written = 0
        for i in range(10_000):
            try:
                log.write([obs(sid, i)])
                written += 1
            except LogError as exc:
                caught = exc
                break
        assert caught is not None, "the filesystem never filled up"
        assert_names(caught, log.path, "disk-full", "the disk is full")
        filler.unlink()
        log.write([obs(sid, 99_999)])  # writable again
        assert len(log.observations(sid)) == written + 1
        assert log.verify().ok
        log.close()


# --- corrupt, not a log, newer schema ---


def test_text_file_is_not_a_log(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Patient list\nnot a database\n")
    with pytest.raises(LogError) as caught:
        EventLog.open(path, VERSION)
    assert_names(caught.value, path, "not-a-log", "is not a session log")
    assert path.read_text().startswith("Patient list")  # untouched


@pytest.mark.parametrize("typed", ["folder", "through a file"])
def test_a_path_that_cannot_be_a_file_is_named_not_blamed_on_the_disk(tmp_path: Path,
                                                                     typed: str) -> None:
    # The typing mistakes of --db: a folder's path, or a path running through a file.
    (tmp_path / "notes.txt").write_text("keep me\n")
    path = tmp_path if typed == "folder" else tmp_path / "notes.txt" / "sessions.sqlite3"
    with pytest.raises(LogError) as caught:
        EventLog.open(path, VERSION)
    assert_names(caught.value, path, "not-a-file", "it is a folder, or a part of the path")
    assert "disk" not in str(caught.value).split("(Details")[0]
    assert (tmp_path / "notes.txt").read_text() == "keep me\n"


def test_garbage_over_the_header(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    with path.open("r+b") as f:
        f.write(b"\xde\xad\xbe\xef" * 25)
    with pytest.raises(LogError) as caught:
        EventLog.open(path, VERSION)
    assert_names(caught.value, path, "not-a-log", "is not a session log")


def test_garbage_in_the_header_after_the_magic(tmp_path: Path) -> None:
    path, _ = filled_log(tmp_path)
    with path.open("r+b") as f:
        f.seek(16)
        f.write(b"\xff" * 84)
    with pytest.raises(LogError) as caught:
        EventLog.open(path, VERSION)
    assert_names(caught.value, path, "corrupt", "the file is damaged")


def test_garbage_in_a_middle_page(tmp_path: Path) -> None:
    path, sid = filled_log(tmp_path, observations=3000)
    conn = sqlite3.connect(path)
    (root,) = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'observations'").fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with path.open("r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)
    # Opening reads only the first pages; the damage shows when the page is touched.
    with EventLog.open(path, VERSION) as log:
        assert not log.integrity_ok()
        with pytest.raises(LogError) as caught:
            log.observations(sid)
        assert_names(caught.value, path, "corrupt", "the file is damaged")
        with pytest.raises(LogError) as caught:
            log.write([obs(sid, 1)])
        assert caught.value.cause == "corrupt"


def test_other_database_is_not_a_log(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    conn.commit()
    conn.close()
    with pytest.raises(LogError) as caught:
        EventLog.open(path, VERSION)
    assert_names(caught.value, path, "not-a-log", "holds other tables")
    conn = sqlite3.connect(path)  # and nothing was added to it
    assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]
    conn.close()


@pytest.mark.parametrize("version", [None, "99"])
def test_newer_schema_is_refused(tmp_path: Path, version: str | None) -> None:
    """A newer console records its own schema change (and its version with it)."""
    path, _ = filled_log(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                 "VALUES ('infusion-console-log', '0099_from_the_future', 'x')")
    if version is not None:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
    conn.commit()
    conn.close()
    with pytest.raises(LogError) as caught:
        EventLog.open(path, VERSION)
    assert_names(caught.value, path, "newer-schema", "written by a newer version")


@pytest.mark.parametrize(("change", "said"), [
    # One flipped bit turns '4' into '5': not a newer console's, whose change would be recorded.
    ("UPDATE meta SET value = '5' WHERE key = 'schema_version'", "holds '5': it should read"),
    ("DELETE FROM meta WHERE key = 'schema_version'", "schema_version is missing"),
    # Emptied, the record of changes made the start run the first one again: a traceback.
    ("DELETE FROM _sqlite_migrations", "lists none of the log's schema changes"),
    ("DROP TABLE _sqlite_migrations", "lists none of the log's schema changes"),
])
def test_a_log_whose_schema_record_was_changed_is_refused_as_damaged(
        tmp_path: Path, change: str, said: str) -> None:
    path, _ = filled_log(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute(change)
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(LogError) as caught:
        EventLog.open(path, VERSION)
    assert_names(caught.value, path, "corrupt", "the file is damaged")
    assert said in str(caught.value)
    assert path.read_bytes() == before   # nothing migrated or stamped over it


# --- a second opening in a process that holds the log ---


def _another_program_reads(path: Path) -> None:
    """Another program (sqlite3, a backup tool) opens the log, reads and closes it: the last
    connection to close checkpoints and deletes the write-ahead log, unless a lock says that
    someone else still uses it."""
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                    "c.execute('SELECT count(*) FROM sessions').fetchall(); c.close()", str(path)],
                   check=True)


@pytest.mark.parametrize("second", ["EventLog.open", "review open_readonly"])
def test_opening_the_log_again_keeps_the_first_connections_locks(tmp_path: Path, second: str) -> None:
    # Reading the file's header with open()/close() dropped every POSIX lock the process held
    # on it, its SQLite connections' too (SQLite, "How To Corrupt", 2.2): the review reads its
    # access log and each session this way, and another program that closed the log then
    # deleted the write-ahead log under them; what they committed after was lost.
    from console.review.queries import open_readonly

    path, sid = filled_log(tmp_path)
    first = EventLog.open(path, VERSION)
    first.write([obs(sid, 100, value=80.0)])
    again = EventLog.open(path, VERSION) if second == "EventLog.open" else open_readonly(path)
    again.close()
    _another_program_reads(path)
    assert path.with_name(path.name + "-wal").exists()   # still in use: not deleted
    first.write([obs(sid, 101, value=81.0)])   # committed: it must outlive the process
    first.conn.close()   # no clean close: the row is in the write-ahead log only
    reader = sqlite3.connect(path)
    values = [v for (v,) in reader.execute("SELECT value FROM observations ORDER BY id")]
    reader.close()
    assert values[-2:] == [80.0, 81.0]
