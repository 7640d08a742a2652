"""`infusion-console backup [--db PATH] [--replace] DEST`: a copy of the session log that is
sound whenever it is taken, a console writing the log included. No Qt.

A copy made as two reads, the file and then its -wal (`cp`, rsync), straddles the console's
checkpoints: SQLite checkpoints a running log every 1,000 pages (a few minutes of a session),
and a -wal restarted after the file was copied gives a pair the console refuses as damaged and
`verify` calls damaged, found only on the day the backup is restored. This copy is SQLite's
online backup (`sqlite3.Connection.backup`) read inside one read transaction on the log: every
row committed before it began, as one state of the log. In WAL mode a reader never blocks the
console's commits; the console's checkpoints stop short of the pages the copy still reads (its
-wal grows for that moment) and catch up after. The pages go over in steps (`STEP_PAGES`), so
Ctrl+C ends the copy between two of them, a half-written copy removed.

The copy is written under a hidden name beside DEST (created 0600: patient data), checked
(SQLite's quick_check, and opened as a session log as `verify` opens one), synced, and only
then given its name: DEST is never a half copy, and it is one file (the log's header says WAL,
as a log closed cleanly does, with no -wal beside it). An existing DEST is refused unless
`--replace` is given: a nightly script naming a dated file does not overwrite last night's by
a mistyped date, and one that reuses a name says so. Exit statuses as `verify`'s: 0 written,
2 nothing written for a reason the user can act on, 3 the log is damaged (nothing written).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import secrets
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from console.log_command import EXIT_DAMAGED, EXIT_REFUSED, CommandFailure, LogCommand
from console.paths import default_db_path, user_path
from devices.usage import OneLineParser

PROG: Final = "infusion-console backup"
BACKUP_WRITTEN: Final = 0

# Pages copied per step (4 KiB each: 4 MiB): a 130 MB log in about 30 steps.
STEP_PAGES: Final = 1024

_BACKUP: Final = LogCommand(not_done="no backup was written", preposition="of")

_EXITS: Final = f"""exit status:
  {BACKUP_WRITTEN}  the backup was written, checked, and named DEST
  {EXIT_REFUSED}  nothing was written: no log at --db, not a session log, DEST already there
     (without --replace), DEST's folder missing or not writable, the disk full
  {EXIT_DAMAGED}  nothing was written: the session log is damaged (SQLite cannot read it whole,
     or the copy of it fails SQLite's check); keep the log for review, and keep the last good
     backup"""

# What a failure to make or fill DEST's file says, by errno (the rest: the system's words).
_DEST_CAUSES: Final = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "this user's disk quota is used up",
    errno.EROFS: "the disk it is on is read-only",
    errno.EACCES: "this user may not write in its folder",
    errno.EPERM: "this user may not write in its folder",
}
# SQLite's words for the same, when it fails writing the copy.
_DEST_SQLITE: Final = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_READONLY": "the disk it is on is read-only",
}


@dataclass(frozen=True, slots=True)
class BackupWritten:
    """A backup in place: its file, and what it holds."""

    path: Path
    sessions: int
    rows: int   # the rows of the record tables, as `verify` counts the rows it checks

    @property
    def message(self) -> str:
        from console.store.errors import printable

        sessions = f"{self.sessions} session{'' if self.sessions == 1 else 's'}"
        rows = f"{self.rows} row{'' if self.rows == 1 else 's'}"
        return f"backup written: {printable(str(self.path))} ({sessions}, {rows})"


# Called after each step with (pages left, pages in all): tests commit there, between steps.
Progress = Callable[[int, int], None]


def write_backup(db: Path, dest: Path, *, replace: bool = False, pages: int = STEP_PAGES,
                 progress: Progress | None = None) -> BackupWritten:
    """Copy the session log at `db` to `dest`, consistently, while a console may write it.

    Args:
        db: the session log.
        dest: the backup file to write (its folder must exist).
        replace: overwrite a file already at `dest`.
        pages: pages copied per step.
        progress: called after every step.

    Returns:
        The backup written, with its counts.

    Raises:
        CommandFailure: nothing was written; its line and exit status (2, or 3 for damage).
    """
    dest = Path(dest)
    source = _BACKUP.open_readonly(db)   # no log, not a log, a damaged -wal: refused here
    built = dest.parent / f".{dest.name}.backup-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        try:
            _check_dest(db, dest, replace)
            _copy(source, db, built, dest, pages, progress)
        finally:
            source.close()   # before the check: the log's folder as it was
        counted = _checked(built, db, dest)
        _synced(built, dest)
        _place(built, dest, replace)
    finally:
        _remove(built)
    return BackupWritten(dest, *counted)


def _check_dest(db: Path, dest: Path, replace: bool) -> None:
    """Refuse a DEST that cannot be written, before the log is read."""
    folder = dest.parent
    # The log's own side files, there or not: its -wal replaced under a running console left
    # the console writing into the unlinked old one, and a crash lost the open session; a
    # backup named as its -journal was deleted by the next console to open the log (a review).
    for side in ("-wal", "-shm", "-journal"):
        twin = db.with_name(db.name + side)
        if _same_path(dest, twin):
            raise CommandFailure(f"{dest} is the session log's {side} file: give the backup "
                                 "another file; nothing was written")
    if os.path.isdir(dest):
        raise CommandFailure(f"{dest} is a folder: give the backup's file name, e.g. "
                             f"{dest / ('backup-' + db.name)}; nothing was written")
    if os.path.lexists(dest):
        with contextlib.suppress(OSError):
            if os.path.samefile(dest, db):
                raise CommandFailure(f"{dest} is the session log itself: give the backup "
                                     "another file; nothing was written")
        if not replace:
            raise CommandFailure(f"{dest} already exists: nothing was written; give a new "
                                 "name (a dated one for a nightly backup), or --replace to "
                                 "overwrite it")
    if not os.path.isdir(folder):
        raise CommandFailure(f"cannot write the backup {dest}: its folder {folder} does not "
                             "exist; nothing was written")


def _same_path(one: Path, other: Path) -> bool:
    """`one` and `other` name one file: the same path resolved, or one file by its inode."""
    with contextlib.suppress(OSError):
        if os.path.samefile(one, other):
            return True
    return os.path.realpath(one) == os.path.realpath(other)


def _dest_failure(dest: Path, cause: str) -> CommandFailure:
    return CommandFailure(f"cannot write the backup {dest}: {cause}; nothing was written")


def _copy(source: sqlite3.Connection, db: Path, built: Path, dest: Path, pages: int,
          progress: Progress | None) -> None:
    """SQLite's online backup of `source` into the new file `built`, from one read
    transaction: a backup left to take each step's own snapshot starts again from its first
    page whenever another connection commits, and beside a console committing every second it
    never ended."""
    try:
        fd = os.open(built, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise _dest_failure(dest, _DEST_CAUSES.get(exc.errno or 0, exc.strerror or str(exc))) \
            from exc
    os.close(fd)
    target = sqlite3.connect(built, isolation_level=None)
    try:
        with _BACKUP.reading(db):
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()   # the snapshot
        def step(_status: int, left: int, total: int) -> None:
            # Python code between two steps: Ctrl+C is taken here (none would run until the
            # copy ended), and the copy given up, its file removed below.
            if progress is not None:
                progress(left, total)

        try:
            source.backup(target, pages=max(1, pages), progress=step)
        except sqlite3.Error as exc:
            name = getattr(exc, "sqlite_errorname", "")
            if name in _DEST_SQLITE:
                raise _dest_failure(dest, _DEST_SQLITE[name]) from exc
            with _BACKUP.reading(db):   # damage, a lock, I/O of the log: said as export says it
                raise
    finally:
        with contextlib.suppress(sqlite3.Error):
            source.execute("ROLLBACK")
        target.close()


def _checked(built: Path, db: Path, dest: Path) -> tuple[int, int]:
    """SQLite's quick_check of the copy, opened as `verify` opens a log: (sessions, rows).

    A copy failing it is a log SQLite cannot read whole (the backup copies its pages as they
    are): said as damage of the log, exit 3, the last good backup kept."""
    from console.review.queries import open_readonly
    from console.store import LogError
    from console.store.chain import RECORD_TABLES
    from console.store.errors import sqlite_words
    from console.store.log import integrity_problems
    from console.store.schema import user_tables

    try:
        conn = open_readonly(built)
    except LogError as exc:
        raise _BACKUP.cannot_read(db, f"its copy does not open as a session log: "
                                      f"{sqlite_words(exc)}") from exc
    try:
        with _BACKUP.reading(db):
            problems = integrity_problems(conn, built, quick=True)
            if problems:
                raise _BACKUP.cannot_read(db, f"its copy fails SQLite's check: {problems[0]}")
            tables = user_tables(conn)
            (sessions,) = conn.execute("SELECT count(*) FROM sessions").fetchone()
            rows = sum(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                       for table in RECORD_TABLES if table in tables)
    except LogError as exc:
        raise _BACKUP.log_failure(exc, db) from exc
    finally:
        conn.close()   # the last connection: SQLite removes the -wal and -shm the read made
    from console.store.wal_check import shm_of, wal_of

    if os.path.lexists(wal_of(built)) or os.path.lexists(shm_of(built)):
        raise _dest_failure(dest, "SQLite left a -wal beside the copy")   # one file, or none
    return int(sessions), int(rows)


def _synced(built: Path, dest: Path) -> None:
    """The copy on the disk before it is named: a power cut leaves the old DEST or the new."""
    try:
        fd = os.open(built, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _dest_failure(dest, _DEST_CAUSES.get(exc.errno or 0, exc.strerror or str(exc))) \
            from exc


def _place(built: Path, dest: Path, replace: bool) -> None:
    """Give the checked copy its name: over an old DEST only with `replace`."""
    from console.store.log import link_into_place

    try:
        if replace:
            os.replace(built, dest)
            with contextlib.suppress(OSError):   # the new name survives a power cut
                folder = os.open(dest.parent, os.O_RDONLY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)
        elif not link_into_place(built, dest):
            raise CommandFailure(f"{dest} appeared while the backup was written: nothing was "
                                 "written; give a new name, or --replace to overwrite it")
    except OSError as exc:
        raise _dest_failure(dest, _DEST_CAUSES.get(exc.errno or 0, exc.strerror or str(exc))) \
            from exc


def _remove(built: Path) -> None:
    """The hidden copy, whatever became of it (named already, or left by a failure)."""
    from console.store.log import remove_built

    remove_built(built)


def backup_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
                           description="Write a consistent copy of the session log to DEST, a "
                                       "console writing it or not (a copy of the file and its "
                                       "-wal made while a console has the log open can be "
                                       "torn). The copy is checked, and DEST is one file, "
                                       "readable by this user only.",
                           epilog=_EXITS)
    parser.add_argument("dest", type=user_path, metavar="DEST", help="the backup file to write")
    parser.add_argument("--db", type=user_path, default=default_db_path(),
                        help="the session log file")
    parser.add_argument("--replace", action="store_true",
                        help="overwrite DEST if it is there (refused otherwise)")
    return parser


def backup_main(argv: list[str]) -> int:
    """`infusion-console backup`; returns the exit status."""
    args = backup_parser().parse_args(argv)
    try:
        written = write_backup(args.db, args.dest, replace=args.replace)
    except CommandFailure as failure:
        print(f"{PROG}: {failure}", file=sys.stderr)
        return failure.exit_status
    print(written.message)
    return BACKUP_WRITTEN
