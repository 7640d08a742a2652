"""Environment failures of the session log, classified in one place.

A failure of the *environment* (the file is read-only, locked by another program, on a full disk,
damaged, not a log at all, emptied, written by a newer console, not permitted, not a file at all, an
I/O error, rows in a write-ahead file on a read-only disk, a write-ahead file left without its log,
or the log moved or deleted under a running console) becomes a
`LogError` whose message names the file, says what is wrong in plain words and says what to do next.
The caller routes it to a visible refusal or a technical alarm (style rule 8). Anything else (a
constraint violated by a bug, bad SQL) is not classified and propagates unchanged, so a bug ends in
the crash dialog instead of being dressed up as a disk problem.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import sqlite3
from pathlib import Path
from typing import Final, Literal

from protocols.text_rules import refused_in_text

Cause = Literal[
    "read-only", "locked", "disk-full", "corrupt", "not-a-log", "newer-schema", "permission",
    "not-a-file", "io", "read-only-wal", "emptied", "orphaned-wal", "moved", "two-names",
    "size-limit",
]

# The command-line option that chooses another log file; every message ends with it as a way out.
_OTHER_FILE: Final = "choose another log file with --db"

# Restoring a log from a backup with its -wal and -shm still beside it: SQLite replays that
# -wal (a crashed console's, the newer file's) over the restored file, a mixture of the two.
# Every "restore from the last backup" says so: these two, and the commands' next steps.
RESTORE_STEP: Final = "restore the log from the last backup, removing its -wal and -shm files first"
_RESTORE: Final = ("restore it from the last backup (remove {path}-wal and {path}-shm first: "
                   "SQLite would replay them over the restored file)")

# What each cause means for the nurse, and the next step. `{path}` is filled in.
_MESSAGES: Final[dict[Cause, str]] = {
    "read-only": (
        "Cannot write the session log {path}: the file or the disk it is on is read-only. "
        "Make the file writable (or remount the disk read-write), or " + _OTHER_FILE + "."
    ),
    "locked": (
        "Cannot write the session log {path}: another program is holding it locked "
        "(a second console, a backup tool or a database viewer). Close that program and try "
        "again, or " + _OTHER_FILE + "."
    ),
    "disk-full": (
        "Cannot write the session log {path}: the disk is full. "
        "Free space on that disk or " + _OTHER_FILE + "."
    ),
    "corrupt": (
        "Cannot use the session log {path}: the file is damaged. Keep a copy of it (and of its "
        "-wal) for review, " + _RESTORE + ", or " + _OTHER_FILE + "."
    ),
    "not-a-log": (
        "Cannot use {path} as the session log: it is not a session log of this console "
        "(it is not an SQLite database, its first bytes are damaged, or it holds other tables). "
        "Check the file name, or " + _OTHER_FILE + "."
    ),
    "newer-schema": (
        "Cannot use the session log {path}: it was written by a newer version of the console. "
        "Update this console, or " + _OTHER_FILE + "."
    ),
    "permission": (
        "Cannot open the session log {path}: permission denied. Check the owner and permissions "
        "of the file and its folder, or " + _OTHER_FILE + "."
    ),
    # A typed path that names a folder, or runs through a file: no disk is at fault, so the
    # message must not send anyone to check one.
    "not-a-file": (
        "Cannot use {path} as the session log: it is a folder, or a part of the path before the "
        "file name is a file or does not exist. Give the path of a file, or " + _OTHER_FILE + "."
    ),
    "io": (
        "Cannot use the session log {path}: the disk reported an input/output error. "
        "Check the disk and its connection, or " + _OTHER_FILE + "."
    ),
    # A limit on the size of files this program writes (`ulimit -f`, systemd's LimitFSIZE): the
    # write fails with EFBIG, which SQLite reports as an I/O error; "check the disk" sent IT to
    # hardware that was sound (a review).
    "size-limit": (
        "Cannot write the session log {path}: the log has reached the largest file this "
        "program may write (a limit set on it: `ulimit -f`, or LimitFSIZE in a systemd unit). "
        "Raise or remove that limit and the records held are written, or " + _OTHER_FILE + "."
    ),
    # Reading a log whose write-ahead file still holds rows needs SQLite's -shm file beside it
    # (sqlite.org/wal.html, "Read-Only Databases"); on a read-only disk or folder it cannot be
    # made. Nothing is wrong with the log or its permissions: the folder is the cause.
    "read-only-wal": (
        "Cannot read the session log {path}: some of its rows are still in its write-ahead file "
        "({path}-wal), and SQLite reads them only by creating {path}-shm beside it, which this "
        "read-only disk or folder does not allow. Copy the log and its -wal file together to a "
        "writable folder and open the copy, or " + _OTHER_FILE + "."
    ),
    # Only a missing path makes a new log: a file that lost its content (truncated, its -wal
    # deleted) made into a new, empty log hid the open session and its alarms without a word.
    "emptied": (
        "Cannot use {path} as the session log: it is not a session log (it has no session "
        "tables): the log was emptied, or its write-ahead file {path}-wal was deleted. The console "
        "makes a new log only where there is no file, never over one. Restore the log from the "
        "last backup (remove {path}-wal and {path}-shm first, if they are there), remove the "
        "file if no log was ever kept in it, or " + _OTHER_FILE + "."
    ),
    # A new log beside a -wal left behind would have SQLite delete (or replay into the new
    # file) the only copy of the rows in it.
    "orphaned-wal": (
        "Cannot create the session log {path}: there is no log file there, but its write-ahead "
        "file {path}-wal is, holding rows of a log that was moved, renamed or deleted; a new log "
        "would destroy them. Put the log file back beside it, or move {path}-wal aside (keep it: "
        "the rows are in it), or " + _OTHER_FILE + "."
    ),
    # SQLite goes on writing a deleted file through its open descriptor: every commit would be
    # acknowledged and lost when the console stops.
    "moved": (
        "Cannot write the session log {path}: the log file was moved or deleted while in use "
        "(or its write-ahead file {path}-wal, or its index {path}-shm, was deleted); nothing more "
        "is written to a file that is no longer the log at that path. Put the file back where it "
        "was if it was moved; otherwise stop the console and " + _RESTORE + ", or "
        + _OTHER_FILE + "."
    ),
    # SQLite keeps a -wal and a -shm per name of the file: two consoles on two names of one log
    # write two write-ahead logs of it, each blind to the other's commits (a session lost).
    "two-names": (
        "Cannot use the session log {path}: the log has another name (a hard link): open it by "
        "one path only and remove the other name (`ls -l` shows the log with 2 or more links), "
        "or " + _OTHER_FILE + "."
    ),
}

# SQLITE_READONLY_DIRECTORY: the log file may be written, its folder not, and SQLite creates the
# log's -wal and -shm there. "Make the file writable" sent the IT person to a file that was.
_READ_ONLY_FOLDER: Final = (
    "Cannot write the session log {path}: its folder {folder} is read-only, and SQLite must "
    "create the log's {name}-wal and {name}-shm files there to write it. Make the folder "
    "writable, or " + _OTHER_FILE + "."
)


class LogError(Exception):
    """The session log cannot be used because of its environment.

    Attributes:
        path: the log file concerned.
        cause: one of `Cause`, stable for code (tests, the technical alarm's condition).
        detail: what SQLite or the OS said, or extra facts (schema versions); may be empty.
        folder_read_only: a "read-only" whose fix is the folder's (SQLITE_READONLY_DIRECTORY:
            SQLite must create the log's -wal and -shm there).
    """

    def __init__(self, path: Path, cause: Cause, detail: str = "", *,
                 folder_read_only: bool = False) -> None:
        self.path = Path(path)
        self.cause: Cause = cause
        self.detail = detail
        self.folder_read_only = folder_read_only   # the fix is the folder's, not the file's
        if folder_read_only:   # a "read-only" whose fix is the folder's (`_READ_ONLY_FOLDER`)
            text = _READ_ONLY_FOLDER.format(path=self.path, folder=self.path.absolute().parent,
                                            name=self.path.name)
        else:
            text = _MESSAGES[cause].format(path=self.path)
        if detail:
            text += f" (Details: {detail}.)"
        super().__init__(text)

    @property
    def message(self) -> str:
        """The full text shown to the nurse."""
        return str(self)


# SQLite primary result codes (the part of `sqlite_errorname` before any extended suffix) that
# mean the environment failed, mapped to our causes. SQLITE_LOCKED is a shared-cache lock; we
# never use shared cache, but it is still a lock held by someone else.
_BY_SQLITE_CODE: Final[dict[str, Cause]] = {
    "SQLITE_READONLY": "read-only",
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
    "SQLITE_FULL": "disk-full",
    "SQLITE_CORRUPT": "corrupt",
    # NOTADB on a file that passed our header check (log.py refuses files without the SQLite
    # magic as not-a-log first) means a damaged SQLite header: corrupt.
    "SQLITE_NOTADB": "corrupt",
    "SQLITE_CANTOPEN": "permission",
    "SQLITE_PERM": "permission",
    "SQLITE_AUTH": "permission",
    "SQLITE_IOERR": "io",
    "SQLITE_PROTOCOL": "locked",
}

# Fallback on the message text, for an exception built without an error code.
_BY_TEXT: Final[tuple[tuple[str, Cause], ...]] = (
    ("readonly database", "read-only"),
    ("database is locked", "locked"),
    ("database table is locked", "locked"),
    ("database or disk is full", "disk-full"),
    ("disk image is malformed", "corrupt"),
    ("file is not a database", "corrupt"),
    ("unable to open database file", "permission"),
    ("disk i/o error", "io"),
    # SQLITE_ERROR for a file with the SQLite magic whose header names a file or schema format
    # SQLite has never had (read/write version above 2, schema format above 4): a damaged
    # header (found by overwriting bytes 16-100 of a real log).
    ("unsupported file format", "corrupt"),
    # Python's sqlite3, not SQLite, says this (no error code): a TEXT value whose bytes are not
    # UTF-8. The log writes only Python strings, so the bytes changed after they were written:
    # damage (found by overwriting bytes of a real log: tests/store/test_errors.py).
    ("could not decode to utf-8", "corrupt"),
)

_BY_ERRNO: Final[dict[int, Cause]] = {
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EROFS: "read-only",
    errno.ENOSPC: "disk-full",
    errno.EDQUOT: "disk-full",
    errno.EISDIR: "not-a-file",
    errno.ENOTDIR: "not-a-file",
    errno.EEXIST: "not-a-file",   # creating the folders: a part of the path is a file
    errno.ENOENT: "not-a-file",   # a folder that cannot hold files (/proc) or vanished under us
}


def _sqlite_cause(exc: sqlite3.Error) -> Cause | None:
    """The cause an sqlite3 exception stands for, or None when it is not an environment failure."""
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(name, str):
        for code, cause in _BY_SQLITE_CODE.items():
            # Extended codes extend the primary name: SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED.
            if name == code or name.startswith(code + "_"):
                return cause
        if name != "SQLITE_ERROR":
            return None
    text = str(exc).lower()
    for fragment, cause in _BY_TEXT:
        if fragment in text:
            return cause
    return None


_SQLITE_MAGIC: Final = b"SQLite format 3\x00"


def check_openable(path: Path) -> None:
    """Refuse, in the words of the OS, a log path that is a folder or a file this user may not
    read, before SQLite says only "unable to open database file". From the file's metadata:
    the file itself is not opened here (see `not_an_sqlite_file`)."""
    if path.is_dir():
        raise classify(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)), path)
    if path.exists() and not os.access(path, os.R_OK):
        raise classify(PermissionError(errno.EACCES, os.strerror(errno.EACCES)), path)


def not_an_sqlite_file(exc: BaseException, path: Path) -> bool:
    """SQLite refused `path` as no database (NOTADB) and its first bytes are not SQLite's:
    another program's file, not a damaged log.

    The header is read only after SQLite refused the file, never before opening it: closing any
    file descriptor of a file drops every POSIX lock this process holds on it, its SQLite
    connections' included (SQLite, "How To Corrupt An SQLite Database File", 2.2). The review
    read the header at each session it opened while its other connections held the log: another
    program closing the log then deleted the write-ahead log under them, and the review's
    committed rows (its access log, a signed annotation) went with it.
    """
    if not isinstance(exc, sqlite3.DatabaseError) or (
            getattr(exc, "sqlite_errorname", "") != "SQLITE_NOTADB"
            and "file is not a database" not in str(exc)):
        return False
    try:
        with path.open("rb") as f:
            return f.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC
    except OSError:
        return False


def is_environmental(exc: BaseException) -> bool:
    """True when `exc` is a failure of the log's environment rather than a bug."""
    if isinstance(exc, LogError | OSError):
        return True
    return isinstance(exc, sqlite3.Error) and _sqlite_cause(exc) is not None


def classify(exc: BaseException, path: Path) -> LogError:
    """Turn a failure touching the log at `path` into a `LogError` with the right cause.

    Args:
        exc: an `sqlite3.Error`, an `OSError` (creating the file or its folder) or a `LogError`
            (returned unchanged).
        path: the log file, named in the message.

    Returns:
        The `LogError` to raise (`from exc`). An exception that `is_environmental` does not
        recognise is classified as `io`, so callers should check `is_environmental` first when a
        bug could be the cause.
    """
    if isinstance(exc, LogError):
        return exc
    if isinstance(exc, OSError):
        cause = _BY_ERRNO.get(exc.errno or 0, "io")
        return LogError(path, _full_if_no_room(cause, path), exc.strerror or str(exc))
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "")
        detail = f"SQLite: {sqlite_words(exc)}" + (f" [{name}]" if name else "")
        return LogError(path, _full_if_no_room(_sqlite_cause(exc) or "io", path), detail,
                        folder_read_only=name == "SQLITE_READONLY_DIRECTORY")
    return LogError(path, "io", f"{type(exc).__name__}: {exc}")


def _full_if_no_room(cause: Cause, path: Path) -> Cause:
    """An I/O failure on a disk with no room left is the disk being full: opening a WAL log on
    a full disk fails making its -shm, SQLITE_IOERR_SHMSIZE, which read "(io): check the disk"
    at a restart, the cause and its fix ("free space") unnamed (a review)."""
    if cause != "io":
        return cause
    try:
        room = os.statvfs(path.parent)
    except OSError:
        return cause
    return "disk-full" if room.f_bavail == 0 else cause


def damage_next_steps(path: Path) -> str:
    """What to do about a damaged log, for a command other than `verify` (export, access-log):
    the clause that ends their line, in the same words."""
    return (f"Check it with `infusion-console verify --db {shlex.quote(str(path))}`, keep a "
            f"copy of it for review and {RESTORE_STEP}")


def sqlite_words(error: LogError | sqlite3.Error | UnicodeDecodeError) -> str:
    """SQLite's own words for a failure ("database disk image is malformed"), fit for one line.

    For a message that says in its own words what is wrong (the file is damaged) and quotes
    SQLite after it, without the error code of `detail`. A `LogError` raised from an SQLite error
    gives that error's words; otherwise its `detail`, or a plain sentence.

    A `UnicodeDecodeError` raised by an SQLite call is SQLite's message itself failing to decode:
    it quotes bytes of the file that are not text, as "malformed database schema (alarm_events)
    - unrecognized token: ..." does when the list of tables is damaged (found by overwriting
    bytes of its pages): that is damage too, in words of our own.
    """
    if isinstance(error, UnicodeDecodeError):
        return ("SQLite's description of the damage is itself unreadable (the file's list of "
                "tables is damaged)")
    if isinstance(error, LogError):
        if not isinstance(error.__cause__, sqlite3.Error):
            return error.detail or "SQLite could not read it"
        error = error.__cause__
    said = str(error)
    # "Could not decode to UTF-8 column 'x' with text '<the damaged bytes>'": those bytes are
    # not worth repeating.
    undecodable = _UNDECODABLE.match(said)
    if undecodable:
        return f"a value in its column {undecodable[1]} is not readable text"
    return one_line(said)


_UNDECODABLE: Final = re.compile(r"Could not decode to UTF-8 column '([^']*)'")


def one_line(text: str, limit: int = 240) -> str:
    """`text` as one line of at most about `limit` characters, for a message on a terminal.

    SQLite quotes damaged bytes of the file in its messages ("unrecognized token: ..."), and
    `PRAGMA integrity_check` answers in several lines: a line break or a control character would
    break the one-line rule, or drive the terminal. Line breaks become "; ", other characters
    that do not print become "?".
    """
    parts = [part.strip() for part in text.splitlines() if part.strip()]
    flat = printable("; ".join(parts))
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "..."


def printable(text: str) -> str:
    """`text` with every character refused in a text shown to staff as "?"
    (`protocols.text_rules.refused_in_text`): a line break or an escape sequence, a direction
    control, and a byte of a file name that is not UTF-8 (a Latin-1 folder "S\xe9ance"): its
    surrogate escape cannot be written as UTF-8. What a name keeps prints as it is: by
    `isprintable()` the zero-width non-joiner of a Persian name was a "?" in the access log (a
    review), the name an auditor searches for."""
    return "".join("?" if refused_in_text(ch) else ch for ch in text)
