"""The failures of a command that reads a session log read-only (`export`, `access-log`), worded
once for both. No Qt.

Each failure is one line on stderr and an exit status, never a traceback (console/cli.py). The
two commands word a log they cannot use in the same sentences, and differ only in how a part of
the log names its file ("the access log of DB", "session 12 from DB") and in what the line says
was not done ("nothing was printed", "no file was written"): a `LogCommand` holds those two.
Their exit statuses are `verify`'s: 2 for what the user can act on, 3 for a damaged log.

The store and the review's reader are imported when a failure is worded, not with this module:
`export` loads the review model only when it runs (console/export/cli.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from console.store import LogError

EXIT_REFUSED: Final = 2   # nothing done: a failure the user can act on (usage, no log, a lock)
EXIT_DAMAGED: Final = 3   # nothing done: the session log is damaged, or not what the console wrote


class CommandFailure(Exception):
    """A failure worded for the user, and the exit status it ends in (a refusal unless said)."""

    def __init__(self, message: str, exit_status: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_status = exit_status


@dataclass(frozen=True)
class LogCommand:
    """How one command words a session log it cannot use: the shared sentences, its own ending.

    Methods taking `part` name what was being read ("the access log", "session 12"); without
    it the line names the whole log.
    """

    not_done: str      # closes a damage line: "nothing was printed", "no file was written"
    preposition: str   # joins a part to its file: "of" ("the access log of DB"), "from"

    def cannot_read(self, db: Path, why: str, part: str | None = None) -> CommandFailure:
        """The line for a log that cannot be used because of `why` (damage, or rows not as the
        console wrote them), with what was not done and the next steps; exit status 3."""
        from console.store.errors import damage_next_steps

        subject = f"the session log {db}" if part is None else f"{part} {self.preposition} {db}"
        return CommandFailure(f"cannot read {subject}: {why}; {self.not_done}. "
                              f"{damage_next_steps(db)}", EXIT_DAMAGED)

    def damaged(self, db: Path, words: str, part: str | None = None) -> CommandFailure:
        """The line for a log SQLite cannot read; `words` are SQLite's (errors.sqlite_words)."""
        return self.cannot_read(db, f"the file is damaged: {words}", part)

    def log_failure(self, error: LogError, db: Path, part: str | None = None,
                    words: str | None = None) -> CommandFailure:
        """The line for a log the store refused: damage gets its own words and status, anything
        else (no log, a lock, permission) is a refusal in the store's words.

        Args:
            error: what the store classified.
            db: the log file, as given.
            part: what was being read when SQLite found the damage ("session 12"), if known.
            words: SQLite's words for it, when `error` was not raised from SQLite's error.
        """
        from console.store.errors import sqlite_words

        if error.cause != "corrupt":
            return CommandFailure(str(error))
        return self.damaged(db, words or sqlite_words(error), part)

    @contextmanager
    def reading(self, db: Path, part: str | None = None) -> Iterator[None]:
        """Inside: SQLite failing to read the file (damage, a lock, I/O) ends in the user's line
        (a traceback before); a bug (bad SQL) propagates as it is."""
        from console.store import classify, is_environmental
        from console.store.errors import sqlite_words

        try:
            yield
        except UnicodeDecodeError as exc:   # SQLite's message quotes damaged bytes (errors.py)
            raise self.damaged(db, sqlite_words(exc), part) from exc
        except sqlite3.Error as exc:
            if not is_environmental(exc):
                raise
            raise self.log_failure(classify(exc, db), db, part, sqlite_words(exc)) from exc

    def open_readonly(self, db: Path) -> sqlite3.Connection:
        """The log at `db`, read-only; refused as `verify` and `review` refuse it.

        No file, a folder, an empty file or another program's database is not a session log:
        these commands never create one (EventLog.open would, and build the whole schema in an
        empty file). A `-wal` holding committed transactions SQLite would pass over is damage
        (console/store/wal_check.py): an export of the shorter log would leave in silence.
        """
        from console.review.queries import MissingLogError, open_readonly
        from console.store import LogError
        from console.store.errors import sqlite_words

        try:   # open_readonly checks the -wal before SQLite reads it
            return open_readonly(db)
        except UnicodeDecodeError as exc:   # SQLite's message quotes damaged bytes (errors.py)
            raise self.damaged(db, sqlite_words(exc)) from exc
        except MissingLogError as exc:
            raise CommandFailure(str(exc)) from exc
        except LogError as exc:
            raise self.log_failure(exc, db) from exc
