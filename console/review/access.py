"""Who reads the review (issue 13): its sign-in, its access-log rows, its signed annotations. No Qt.

On a log with staff accounts the review opens only after a sign-in (purpose `review`) of an
account that may review: a reviewer, prescriber or administrator (console/identity/roles.py). A
nurse-only account is refused, naming the role it needs; a disabled or locked one as at the
chair. The de-identification rule is roles.py's and the README's: an account whose only reviewing
role is *reviewer* sees every session de-identified and exports de-identified only.

Every read of a session's record (opening it, each session of a patient's course) and the
session list itself is an `access_log` row (`read`, format `review` or `list`); every export is
one (`export`, its format, de-identified or not, the file), written *before* the data is shown
or the file written: when the row cannot be written (`LogError`), nothing is shown or written.
The account is read again from the log for each access, so an account disabled while its review
is open reads nothing more, and one whose clinical role was taken away reads de-identified from
then on (its next identified export is refused, saying so; the one after is de-identified).

A review annotation is signed (meaning `review annotation`) by its author, the signed-in
account: the secret is checked first (`Signatures.approve`), then the note is written
(`queries.annotate`), then the signature names its `events` row. A wrong secret writes nothing.
The note and its signature are two transactions (console/identity/signatures.py says why): a
signature that cannot be written after its note was leaves the note in the record, unsigned,
and the answer says so (`UnsignedAnnotation`), never "nothing was written".

The review reads through a read-only connection; each write here opens the log for writing for
that moment only (as the annotation always did), so a review left open holds no write handle.
Those writes close while the read-only connection is open, so they stay in the log's -wal; when
the review lets go of the log (`ReviewAccess.close`, after its read-only connections) one
connection that may write is the last to close (`close_writing_last`): on a log nobody else has
open, the -wal is moved into the log file and the -wal and -shm are removed. Every one of these
writes goes only into the file the read-only connection reads, still at its path
(`open_to_write`): a log moved, renamed or replaced while the review is open is not written
(nor folded at the close), and no new log is made at its old path (`NotTheLogOpenError`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from console.clock import Clock
from console.review import queries
from console.store import EventLog, LogError, classify
from console.store.in_place import FileId, file_id
from console.store.wal_check import wal_damage, wal_of

if TYPE_CHECKING:
    from console.identity import AccessDecision, Account, SecretHasher
    from console.session.signing import SignatureService

STATION: Final = "review"
ANNOTATION_MEANING: Final = "review annotation"


def needs_sign_in(conn: sqlite3.Connection) -> bool:
    """True when the log holds a staff account (the transitional rule: identity is enforced)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return "staff" in tables and conn.execute("SELECT 1 FROM staff LIMIT 1").fetchone() is not None


# A log without staff accounts is read and exported without a sign-in (README "Transitional
# rule": identity is enforced once the log holds an account), so no access_log row can name a
# reader. Said on screen, with the way out, so an export is not taken for a logged one.
NO_ACCOUNTS: Final = "No staff accounts in this log: reads and exports are not logged"
NOT_LOGGED: Final = "not logged: this log has no staff accounts"
FIRST_ADMINISTRATOR: Final = "infusion-console staff add creates the first administrator"
# The first account created while such a review is open (`staff add` on the clinic's log): its
# reads and exports would go on unlogged, with no sign-in. A sign-in comes first: a new review.
ACCOUNTS_SINCE: Final = ("Staff accounts now exist in this log: close the review and open it "
                         "again to sign in.")


def accounts_since_open(conn: sqlite3.Connection) -> str | None:
    """For a review opened on a log without staff accounts (unlogged): asked before each read,
    export or annotation. `ACCOUNTS_SINCE` once the log holds an account, else None.

    A log that cannot be read here is not refused here: the read that follows says what is
    wrong with it (`queries.UnreadableLogError`), as it would have at the open.
    """
    try:
        return ACCOUNTS_SINCE if needs_sign_in(conn) else None
    except sqlite3.Error:
        return None


class NotTheLogOpenError(LogError):
    """The file at the review's path is not the log the review reads (moved, renamed, replaced
    or deleted since it opened it): nothing is written, and no log is made there."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "moved")
        self._text = (f"the log at {path} is no longer the one open here: it was moved, "
                      "renamed or replaced since the review opened it, and the review writes "
                      "into no other file, nor makes a new log there. Close the review and open "
                      "it again on the log where it is now")

    def __str__(self) -> str:
        return self._text


def open_to_write(path: Path, held: FileId | None, program_version: str) -> EventLog:
    """The log at `path` opened for one write of the review: only the file the review reads.

    `EventLog.open` makes a new log where none is: an annotation after the log was archived
    made an empty one at the old path, then failed on its missing session.

    Args:
        held: the identity (device, inode) of the file the review's read-only connection
            reads; None: any log that is at `path`.

    Raises:
        NotTheLogOpenError: no file at `path`, or another file than `held`.
        LogError: the log cannot be written.
    """
    if not _is_held(path, held):
        raise NotTheLogOpenError(path)
    log = EventLog.open(path, program_version)
    # Gone between the look and the open (EventLog.open then made a log): written to no more.
    if held is not None and not _is_held(path, held):
        log.close()
        raise NotTheLogOpenError(path)
    return log


def held_file(path: Path) -> FileId | None:
    """The identity of the file at `path` (device, inode), taken as the review opens it: its
    writes go into that file only (`open_to_write`). None when there is none, or it cannot be
    looked at."""
    try:
        return file_id(path)
    except OSError:
        return None


def still_held(path: Path, held: FileId | None) -> bool:
    """Whether the file at `path` is the one the review reads (`held`; None: any file there);
    False when that cannot be told."""
    try:
        return _is_held(path, held)
    except LogError:
        return False


def _is_held(path: Path, held: FileId | None) -> bool:
    """`still_held`, raising `LogError` when the path cannot be looked at (a folder made
    unreadable)."""
    try:
        found = file_id(path)
    except OSError as exc:
        raise classify(exc, path) from exc
    return found is not None and (held is None or found == held)


def close_writing_last(db_path: Path) -> None:
    """Open the log at `db_path` for writing and close it: call it after the review's read-only
    connections are closed, so this is the last connection to the file.

    SQLite moves the -wal into the log file and removes the -wal and -shm only when the last
    connection to the file closes, and a read-only one cannot. The review's writes (sign-ins,
    access rows, annotations) each closed while its read-only connection was open: without this,
    a closed review left a -wal and a -shm behind, its rows only in the -wal (a copy of the log
    file alone, a backup, lacked them).

    Never waits and never raises: SQLite folds the -wal in at the close only when no other
    connection has the log open, and it does not wait for one: a console writing the log keeps
    its -wal, as it must. A -wal left (the log locked, unwritable, gone) keeps every row, read by
    the next connection. A damaged -wal is not folded: the checkpoint would make the rows
    SQLite passes over lost for good (console/store/wal_check.py); `verify` says so.
    """
    path = Path(db_path)
    try:
        if not wal_of(path).is_file() or wal_damage(path) is not None:
            return   # no -wal: nothing to fold, and the file is not touched
        # Bytes: a path that is not UTF-8 (a Latin-1 folder) cannot be quoted as text.
        conn = sqlite3.connect(f"file:{quote(os.fsencode(path.resolve()))}?mode=rw", uri=True,
                               timeout=0, isolation_level=None)
    except (OSError, sqlite3.Error):
        return
    try:
        conn.execute("PRAGMA synchronous = FULL")   # the checkpoint syncs the file, as log.py
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()   # opens the -wal
    except sqlite3.Error:
        pass
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.close()


@dataclass(frozen=True, slots=True)
class SignedAnnotation:
    """An annotation written and signed: its `events` row and its `signatures` row."""

    event_id: int
    signature_id: int


@dataclass(frozen=True, slots=True)
class UnsignedAnnotation:
    """An annotation written whose signature could not be: its `events` row, and why."""

    event_id: int
    cause: str

    @property
    def message(self) -> str:
        """What the reviewer is told: written, unsigned, not to be written again."""
        return (f"The note was written unsigned: its signature could not be written. "
                f"{self.cause} It is in the session's record without a signature (the "
                "Signatures tab lists it UNSIGNED): do not add it again.")


class ReviewAccess:
    """The signed-in account of one review process and the rows it writes.

    Create with `sign_in`. Args as there; `account` is the account signed in.
    """

    def __init__(self, db_path: Path, account: Account, clock: Clock, program_version: str,
                 station: str = STATION, hasher: SecretHasher | None = None) -> None:
        self.db_path = Path(db_path)
        # The file written to (`open_to_write`): the one signed in on, until the window says
        # which one its read-only connection reads.
        self.held = held_file(self.db_path)
        self.account = account
        self.clock = clock
        self.program_version = program_version
        self.station = station
        self.hasher = hasher

    @classmethod
    def sign_in(cls, db_path: Path, name_or_badge: str, secret: str, clock: Clock,
                program_version: str, station: str = STATION,
                hasher: SecretHasher | None = None) -> ReviewAccess | str:
        """Sign in to the review; the access, or the sentence saying why not.

        Raises:
            LogError: the log cannot be written (the attempt could not be logged: no sign-in).
        """
        from console.identity import Action, Purpose, Staff  # noqa: PLC0415

        if not name_or_badge.strip():
            return "Give your name or badge, then your PIN or password."
        if not secret:
            return "Give your PIN or password."
        with EventLog.open(db_path, program_version) as log:
            # The role is checked before the attempt's row is written: a nurse-only account's
            # right PIN is logged as refused ("review refused: …"), not as a review sign-in.
            result = Staff(log, hasher).sign_in(name_or_badge, secret, clock.now().wall,
                                                where=station, purpose=Purpose.REVIEW,
                                                may=Action.REVIEW)
        if not result.ok or result.account is None:
            return _sentence(result.message)
        return cls(db_path, result.account, clock, program_version, station, hasher)

    def unlock(self, secret: str) -> str | None:
        """The review locked when left idle: the signed-in account's own PIN or password opens
        it again (checked like a sign-in, logged and counted by the lock-out). None when it
        opened; else the sentence why not. Anyone else closes the review and opens their own.

        The secret is checked against this account, found by its id: a sign-in by its name
        or badge checked whichever account bears them now (this one disabled and another
        account given its name, the wrong tries counted against that other account and locked
        it out). Disabled since, it is refused as disabled; its reviewing role taken away, as
        at the sign-in.

        Raises:
            LogError: the log cannot be written (the attempt could not be logged: still locked);
                `NotTheLogOpenError`: the log at the path is not the one the review reads.
        """
        from console.identity import (  # noqa: PLC0415
            Action,
            Purpose,
            Staff,
            UnknownAccountError,
        )

        if not secret:
            return "Give your PIN or password."
        with open_to_write(self.db_path, self.held, self.program_version) as log:
            try:
                result = Staff(log, self.hasher).verify_secret(
                    self.account, secret, self.clock.now().wall, where=self.station,
                    purpose=Purpose.REVIEW, may=Action.REVIEW)
            except UnknownAccountError as exc:   # not in this log (any more): nobody to unlock
                return _sentence(str(exc))
        if not result.ok or result.account is None:
            return _sentence(result.message)
        self.account = result.account
        return None

    def close(self) -> None:
        """The review lets go of the log: its writes folded into the log file when nobody else
        has it open (`close_writing_last`). Call it after the review's read-only connections
        are closed; it never raises. Another file put at the path meanwhile is not touched."""
        if still_held(self.db_path, self.held):
            close_writing_last(self.db_path)

    @property
    def deidentified(self) -> bool:
        """The account sees de-identified records only (the rule in roles.py; its roles as
        the log held them at its last access)."""
        from console.identity import must_deidentify  # noqa: PLC0415

        return must_deidentify(self.account)

    def export_decision(self, deidentify: bool) -> AccessDecision:
        """Whether this account may export, and de-identified or not (forced for a reviewer)."""
        from console.identity import Action, access_decision  # noqa: PLC0415

        return access_decision(self.account, Action.EXPORT, deidentify)

    def record_read(self, session_id: int | None, fmt: str = "review", detail: str = "") -> int:
        """An `access_log` read row (before the record is shown); returns its id.

        Raises:
            LogError: the log cannot be written (show nothing).
            NotPermittedError: the account may no longer review (disabled since).
        """
        return self._record("read", session_id, fmt, None, detail)

    def record_export(self, session_id: int, fmt: str, deidentified: bool, detail: str) -> int:
        """An `access_log` export row (before the file is written); returns its id.

        Raises:
            LogError: the log cannot be written (write nothing).
            NotPermittedError: the account may no longer export.
        """
        return self._record("export", session_id, fmt, deidentified, detail)

    def _record(self, what: str, session_id: int | None, fmt: str, deidentified: bool | None,
                detail: str) -> int:
        """`deidentified` None: a read, de-identified as the account's roles are now."""
        from console.identity import (  # noqa: PLC0415
            AccessLog,
            Action,
            NotPermittedError,
            Staff,
            must_deidentify,
            refusal,
        )

        with open_to_write(self.db_path, self.held, self.program_version) as log:
            current = Staff(log, self.hasher).get(self.account)
            why = refusal(current, Action.REVIEW if what == "read" else Action.EXPORT)
            if why is not None:
                raise NotPermittedError(_sentence(why))
            # The roles as the log holds them now, not as at the sign-in: a clinical role taken
            # away while the review is open de-identifies what it reads from then on.
            self.account = current
            if deidentified is None:
                deidentified = must_deidentify(current)
            elif not deidentified and must_deidentify(current):
                raise NotPermittedError(
                    f"Not exported: {current.name} sees de-identified records only now (its "
                    "roles changed): export again, and it is de-identified.")
            return AccessLog(log).record_access(current, what, session_id, fmt, deidentified,
                                                self.clock.now().wall, detail=detail,
                                                where=self.station)

    def annotate_signed(self, session_id: int, text: str, label: str, service: SignatureService
                        ) -> SignedAnnotation | UnsignedAnnotation | str:
        """Ask for the author's signature, then write the annotation, then sign it.

        Returns the rows written; the note written unsigned when its signature could not be
        (the log busy or full after the note's commit); or the sentence why nothing was
        (cancelled, refused, empty).

        Raises:
            LogError: the log cannot be written (nothing was); `NotTheLogOpenError`: the log
                at the path is not the one the review reads (nothing was).
        """
        from console.identity import (  # noqa: PLC0415 - loaded on demand (P7)
            Approval,
            IdentityError,
            Signatures,
            Staff,
        )
        from console.session.signing import SignatureRequest  # noqa: PLC0415

        if not text.strip():
            return "The review note is empty: write what you found."
        with open_to_write(self.db_path, self.held, self.program_version) as log:
            staff = Staff(log, self.hasher)
            signatures = Signatures(staff)
            approval: list[Approval] = []

            def check(name_or_badge: str, secret: str) -> str | None:
                if staff.find(name_or_badge) != staff.get(self.account):
                    return (f"An annotation is signed by its author: {self.account.name}, "
                            "signed in to this review.")
                try:
                    approval[:] = [signatures.approve(self.account, secret, ANNOTATION_MEANING,
                                                      self.clock.now().wall, self.station)]
                except IdentityError as exc:
                    return _sentence(str(exc))
                return None

            request = SignatureRequest((ANNOTATION_MEANING,), _quote(text), self.account.name,
                                       f"A note added now to {label}.", signer_fixed=True)
            if not service.sign(request, check) or not approval:
                return "Not added: the signature was cancelled (nothing was written)."
            try:
                event_id = queries.annotate(log, session_id, self.account.name, text,
                                            self.clock.now().wall)
            except ValueError as exc:
                return _sentence(str(exc))
            try:
                signature = signatures.sign_approved(approval[0], "events", event_id,
                                                     self.clock.now().wall)
            except (LogError, IdentityError) as exc:   # the note is committed: said so
                return UnsignedAnnotation(event_id, _sentence(str(exc)))
        return SignedAnnotation(event_id, signature.id)


def _quote(text: str, limit: int = 80) -> str:
    one_line = " ".join(text.split())
    return f"'{one_line[:limit - 1]}…'" if len(one_line) > limit else f"'{one_line}'"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
