"""The event log: the single writer of the session record to SQLite.

Every call commits before it returns (WAL, synchronous=FULL), so whatever the console showed after
a write survives a crash or power loss (quality bar R1). Network deliveries too, though their loss
would only send a message again: wal_check.py takes a damaged frame with commits after it for
damage because each commit is synced before the next transaction writes, and an unsynced delivery
torn by a power cut under a later synced commit had the log refused as damaged (the session and
its alarms not resumed). Rows are only ever inserted; a correction is a new row that points at
the old one, and triggers refuse UPDATE and DELETE (R7). Each row carries a hash chained to the
row before it in its table (see chain.py), so `verify` can show an edit made outside the console.

Failures of the environment (read-only, locked, full, corrupt, not a log, newer schema, permission,
I/O) are raised as `LogError` with a message that names the file (R5); `open` proves the file can
be written before any session starts on it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import json
import math
import os
import secrets
import sqlite3
import stat
import struct
import sys
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, Final, ParamSpec, Protocol, TypeVar, runtime_checkable

from console.clock import IsoParser, iso, parse_iso
from console.paths import utf8_text
from console.records import (
    ACKNOWLEDGED,
    AUDIO_PAUSED,
    AUDIO_RESUMED,
    CLEARED,
    DEESCALATED,
    ENGINE,
    ESCALATED,
    LATCHED,
    RAISED,
    REMINDED,
    RESET,
    RETURNED,
    SESSION_RESUMED,
    UPDATED,
    AlarmTransition,
    EventRecord,
    ObservationRecord,
    Record,
    SessionEnded,
    SessionOpened,
)
from console.store import schema
from console.store.close_as_is import without_checkpoint
from console.store.in_place import FileId, InPlace, file_id
from console.store.wal_check import holds_commits, shm_of, wal_damage, wal_of
from console.store.chain import (
    CHAINED_COLUMNS,
    RECORD_TABLES,
    Head,
    VerifyReport,
    row_hash,
    verify_chains,
)
from console.store.errors import (
    Cause,
    LogError,
    check_openable,
    classify,
    is_environmental,
    not_an_sqlite_file,
    one_line,
    sqlite_words,
)
from console.store.outbox import (
    DELIVERED,
    DESTINATIONS,
    FAILED,
    OUTCOMES,
    Delivery,
    Outgoing,
    OutboxHooks,
    OutboxRow,
)

try:
    import fcntl
except ImportError:   # Windows: no POSIX locks to look at (`_open_elsewhere`)
    fcntl = None  # type: ignore[assignment]
try:
    import resource
except ImportError:   # Windows: no file size limit to name (`_at_size_limit`)
    resource = None  # type: ignore[assignment]

DEFAULT_BUSY_TIMEOUT_MS: Final = 2000

# The event kind of a clinician's note written in the review, after the session (review/model.py
# names it REVIEW_NOTE): kept apart from the bedside's activity.
REVIEW_NOTE_KIND: Final = "review_note"
# Events a person's name is on that are the console's bookkeeping, not care at the bedside
# (`last_entry_at`): counted, a session resumed 3 days later only to discharge it (refused,
# the console closed) looked like today's and the next Start put today's vitals into it.
_NOT_CARE_KINDS: Final = (REVIEW_NOTE_KIND, SESSION_RESUMED, "console_closed",
                          "discharge_refused")
PRIORITIES: Final = frozenset({"info", "low", "medium", "high"})
CATEGORIES: Final = frozenset({"physiological", "technical", "prompt"})
TRANSITIONS: Final = frozenset(
    {RAISED, ESCALATED, DEESCALATED, ACKNOWLEDGED, REMINDED, AUDIO_PAUSED, AUDIO_RESUMED, RESET,
     LATCHED, RETURNED, CLEARED, UPDATED}
)


class UnknownSessionError(KeyError):
    """No session with that id in the log (a KeyError, with a readable message)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown session"


class SessionAlreadyEndedError(ValueError):
    """A session's end was recorded a second time (the first end stands)."""


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One row of `sessions`, with times as aware UTC datetimes and details as a dict."""

    id: int
    patient_id: str
    protocol_id: str
    protocol_version: str
    session_number: int
    started_at: datetime
    ended_at: datetime | None
    nurse: str
    weight_kg: float
    demo: bool
    details: dict[str, Any]
    row_hash: str


_SESSION_COLUMNS: Final = (
    "id, patient_id, protocol_id, protocol_version, session_number, started_at, ended_at, "
    "nurse, weight_kg, demo, details, row_hash"
)


def patient_fold(patient_id: str) -> str:
    """The key a patient's sessions are found by: composed (NFC), case folded, every run of
    whitespace (a no-break space too) one space, trimmed. "mrn-94 a", "MRN-94  A" and
    "MRN-94\u00a0A" are MRN-94 A: matched exactly, a crash's session left open under "MRN-94 A"
    was not resumed and a second one opened beside it as session 1 of a new course (review 45).
    Canonical composition only, not compatibility (NFKC): that made "MRN-1²" the patient
    "MRN-12", a session of one patient resumed for another. The log keeps the identifier as
    it was typed; only lookups fold."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", patient_id).casefold())
    return " ".join(folded.split())


def patient_spellings(conn: sqlite3.Connection, patient_id: str) -> list[str]:
    """The identifiers in the log's sessions that are `patient_id` folded alike (`patient_fold`),
    for the console and the review's reads alike."""
    key = patient_fold(patient_id)
    return [spelling for (spelling,) in
            conn.execute("SELECT DISTINCT patient_id FROM sessions").fetchall()
            if patient_fold(spelling) == key]


def _session_row(row: Sequence[Any]) -> SessionRow:
    return SessionRow(
        id=row[0],
        patient_id=row[1],
        protocol_id=row[2],
        protocol_version=row[3],
        session_number=row[4],
        started_at=parse_iso(row[5]),
        ended_at=parse_iso(row[6]) if row[6] is not None else None,
        nurse=row[7],
        weight_kg=row[8],
        demo=bool(row[9]),
        details=json.loads(row[10]),
        row_hash=row[11],
    )


# --- values written, checked first: a bad value is the engine's bug and must not reach the file ---


def _stamp(t: datetime, what: str) -> str:
    """A datetime as stored; naive times are refused (they would silently be read as local)."""
    if t.tzinfo is UTC:   # the console's own times: iso()'s text without its conversion (P12)
        return t.isoformat(timespec="milliseconds")[:-6] + "Z"
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {t!r})")
    return iso(t)


def _finite(x: float, what: str) -> float:
    """`x` as a float, zero without its sign: SQLite stores -0.0 (an HL7 "-0") as 0, so a hash
    over -0.0 would not verify (the chain hashes zero as 0.0 too, console/store/chain.py)."""
    if not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number (got {x!r})")
    return float(x) or 0.0


def _json(obj: dict[str, Any]) -> str:
    """Canonical JSON text for details/detail columns (sorted keys, so equal dicts hash equal)."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def _storable(values: list[object]) -> list[object]:
    """A row's values with each character UTF-8 cannot hold escaped (`\\udce9`): a byte of a
    path that is not UTF-8 (a Latin-1 folder "caf\\xe9") is a lone surrogate in Python, which
    the row's hash and SQLite refuse (UnicodeEncodeError inside the transaction, no LogError:
    a held batch naming such a path was refused at every retry, held for good). In a detail's
    JSON the escape is the character's own: it reads back as given (`utf8_text`, as a record
    names a path and a fault's crash file is written)."""
    return [utf8_text(value) if isinstance(value, str) and not value.isascii() else value
            for value in values]


def _flags(flags: frozenset[str]) -> str:
    for flag in flags:
        if not flag or any(ch.isspace() for ch in flag):
            raise ValueError(f"observation flag {flag!r} must be one word without spaces")
    return " ".join(sorted(flags))


def _session_values(opened: SessionOpened) -> list[object]:
    """Content columns of `sessions` after the id, in chain order."""
    return [
        opened.patient_id, opened.protocol_id, opened.protocol_version, opened.session_number,
        _stamp(opened.started_at, "started_at"), opened.nurse,
        _finite(opened.weight_kg, "weight_kg"), int(opened.demo), _json(opened.details),
    ]


def _observation_values(r: ObservationRecord) -> list[object]:
    return [
        r.session_id, r.metric, _finite(r.value, f"{r.metric} value"), r.unit, r.source,
        r.channel, _flags(r.flags),
        _stamp(r.measured_at, "measured_at") if r.measured_at is not None else None,
        _stamp(r.received_at, "received_at"), r.entered_by, int(r.confirmed), r.corrects,
    ]


def _alarm_values(r: AlarmTransition) -> list[object]:
    for given, allowed, what in (
        (r.priority, PRIORITIES, "priority"),
        (r.category, CATEGORIES, "category"),
        (r.transition, TRANSITIONS, "transition"),
    ):
        if given not in allowed:
            raise ValueError(f"alarm {what} {given!r} is not one of {sorted(allowed)}")
    value = _finite(r.value, "alarm value") if r.value is not None else None
    return [
        r.session_id, r.occurrence, r.condition, r.category, r.priority, r.transition,
        _stamp(r.at, "alarm time"), value, r.threshold, r.message, r.actor,
    ]


@functools.lru_cache(maxsize=16)
def _destinations(destinations: frozenset[str]) -> str:
    """The destinations column of a message's row (a composer sends all its messages to one set,
    so this is worked out once, not per row, P12)."""
    if not destinations or not destinations <= DESTINATIONS:
        raise ValueError(f"outbox message to {sorted(destinations)}: destinations must be "
                         f"among {sorted(DESTINATIONS)}")
    return " ".join(sorted(destinations))


def _outbox_values(m: Outgoing, index: int, control_id: str) -> list[object]:
    """An outbox row's content (without id), for the `index`th message (from 0) of a write, whose
    control id must be `control_id`."""
    if m.control_id != control_id:
        raise ValueError(f"outbox message {index + 1} of this write carries control id "
                         f"{m.control_id!r}, not {control_id!r}: each message must take the ids "
                         "in the order given, and use each one")
    return [m.session_id, m.control_id, m.kind, _destinations(m.destinations),
            _stamp(m.created_at, "created_at"), m.message]


def _event_values(r: EventRecord) -> list[object]:
    return [r.session_id, _stamp(r.at, "event time"), r.kind, r.actor, _json(r.detail)]


def _insert_sql(table: str) -> str:
    columns = (*CHAINED_COLUMNS[table], "row_hash")
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )


_INSERT: Final = {table: _insert_sql(table) for table in RECORD_TABLES}
# The table each kind of record is appended to (SessionEnded sets sessions.ended_at instead).
_TABLE_OF: Final[dict[type, str]] = {ObservationRecord: "observations",
                                     AlarmTransition: "alarm_events", EventRecord: "events"}


@runtime_checkable
class _Learns(Protocol):
    """A composer that keeps what it composed from one write to the next (the network's memory
    of open alarms, console/network/composer.py): told when that write did not commit."""

    def rolled_back(self) -> None: ...


class _Chains:
    """The chain heads of one write transaction: the next id and previous hash per table.

    The head recorded in meta is the source of the previous hash, not the table's last row: after
    rows were deleted from the end of a table outside the console, the next row still chains onto
    the deleted one, so the deletion stays visible to verify() instead of being papered over.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path
        self._heads: dict[str, Head] = {}
        self._touched: set[str] = set()

    def _load(self, table: str) -> Head:
        # One statement for both: this runs on every single-record write (quality bar P4).
        text, max_id = self._conn.execute(
            f"SELECT (SELECT value FROM meta WHERE key = ?), (SELECT max(id) FROM {table})",
            [schema.CHAIN_HEAD_PREFIX + table],
        ).fetchone()
        return self._head(table, text, max_id)

    def preload(self, tables: tuple[str, ...]) -> None:
        """Load the heads of `tables` (distinct, none loaded yet) in one statement: a write that
        also appends its outbox rows reads two heads; a statement each cost it as much as the
        outbox row's insert (P12)."""
        found = self._conn.execute(*_heads_query(tables)).fetchone()
        for index, table in enumerate(tables):
            self._heads[table] = self._head(table, found[2 * index], found[2 * index + 1])

    def _head(self, table: str, text: object, max_id: Any) -> Head:
        head = parse_head(text)
        if head is None:
            # Every schema change that makes a record table records its head; one missing was
            # deleted outside the console, one unreadable edited or damaged. Taking the table's
            # last row instead would record a new head over rows deleted from the end, and
            # verify would find nothing (the audit of the data path did so). The log is held as
            # damaged: records wait in memory. (Read again: the query gives NULL for an absent
            # row too, and this is not the path of every write.)
            stored = _stored_head(self._conn, table)
            raise LogError(self._path, "corrupt", head_problem(table, stored))
        if int(max_id or 0) > head[0]:
            # Rows past the recorded head were added outside the console (only a write of ours
            # moves the head). Chaining after them would take the old head's hash, so a forged
            # row with a correct hash (the rule is public) passed verify after our next write,
            # which verify then named as the edited row (review 35). Held as damaged, like a
            # missing head: records wait in memory and verify keeps naming the forgery.
            raise LogError(self._path, "corrupt", added_outside(table, head[0]))
        return head

    def next_id(self, table: str) -> int:
        """The id the next row appended to `table` in this transaction will get."""
        head = self._heads.get(table) or self._load(table)
        self._heads[table] = head
        return head[0] + 1

    def append(self, table: str, content: list[object]) -> int:
        """Insert one row (content without id) chained onto the head; return its id."""
        last_id, previous = self._heads.get(table) or self._load(table)
        row_id = last_id + 1
        values = [row_id, *content]
        digest = row_hash(previous, table, values)
        self._conn.execute(_INSERT[table], [*values, digest])
        self._heads[table] = (row_id, digest)
        self._touched.add(table)
        return row_id

    def append_many(self, table: str, contents: Sequence[list[object]]) -> list[int]:
        """`append` for several rows, in one statement (a pump's deliveries, P12)."""
        last_id, previous = self._heads.get(table) or self._load(table)
        rows = []
        for row_id, content in enumerate(contents, start=last_id + 1):
            values = [row_id, *content]
            previous = row_hash(previous, table, values)
            values.append(previous)
            rows.append(values)
        if not rows:
            return []
        self._conn.executemany(_INSERT[table], rows)
        self._heads[table] = (last_id + len(rows), previous)
        self._touched.add(table)
        return list(range(last_id + 1, last_id + len(rows) + 1))

    def store(self) -> None:
        """Record the new heads in meta (same transaction as the rows), in one statement."""
        if not self._touched:
            return
        values: list[object] = []
        for table in sorted(self._touched):
            row_id, digest = self._heads[table]
            values += [_HEAD_KEY[table], f"{row_id} {digest}"]
        self._conn.execute(_store_heads_sql(len(self._touched)), values)


# The statements of a write, made once rather than on every write (P12).
_HEAD_KEY: Final = {table: schema.CHAIN_HEAD_PREFIX + table for table in RECORD_TABLES}


@functools.lru_cache(maxsize=64)
def _tables_with_outbox(kinds: tuple[type, ...]) -> tuple[str, ...]:
    """The tables a write of records of these kinds appends to, and the outbox, each once."""
    return tuple(dict.fromkeys([*(_TABLE_OF[k] for k in kinds if k in _TABLE_OF), "outbox"]))


@functools.lru_cache(maxsize=32)
def _heads_query(tables: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The statement reading the heads of `tables`, and its parameters."""
    columns = ", ".join(f"(SELECT value FROM meta WHERE key = ?), (SELECT max(id) FROM {t})"
                        for t in tables)
    return f"SELECT {columns}", tuple(_HEAD_KEY[t] for t in tables)


@functools.lru_cache(maxsize=16)
def _store_heads_sql(count: int) -> str:
    """The statement recording `count` chain heads in meta."""
    rows = ", ".join(["(?, ?)"] * count)
    return (f"INSERT INTO meta(key, value) VALUES {rows} "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value")


class ChainedWriter:
    """One write transaction of `EventLog.appending()`: read with `conn`, append chained rows.

    For the stores that keep their own tables beside the session records (identity_store.py);
    the chain heads are recorded in meta when the transaction commits.
    """

    def __init__(self, conn: sqlite3.Connection, chains: _Chains) -> None:
        self.conn = conn
        self._chains = chains

    def next_id(self, table: str) -> int:
        """The id the next row appended to `table` in this transaction will get."""
        return self._chains.next_id(table)

    def append(self, table: str, content: list[object]) -> int:
        """Insert one row (its content columns after the id, in chain order); return its id."""
        return self._chains.append(table, content)


def parse_head(text: object) -> Head | None:
    """A chain head as stored in meta ("<id> <hash>"), or None when absent or unreadable."""
    if not isinstance(text, str) or " " not in text:
        return None
    row_id, digest = text.split(" ", 1)
    # ASCII digits only: "²" passes isdigit() and int() refuses it (a traceback, not damage).
    return (int(row_id), digest) if row_id.isascii() and row_id.isdigit() else None


def read_head(conn: sqlite3.Connection, table: str) -> Head | None:
    """The (last id, last row_hash) recorded in meta for `table`, or None when absent or
    unreadable (`head_problem` tells which)."""
    return parse_head(_stored_head(conn, table))


_ABSENT: Final = object()   # no meta row at all, told apart from a row holding NULL


def _stored_head(conn: sqlite3.Connection, table: str) -> object:
    """The meta value of `table`'s chain head as stored; _ABSENT when there is no such row."""
    row = conn.execute(
        "SELECT value FROM meta WHERE key = ?", [schema.CHAIN_HEAD_PREFIX + table]
    ).fetchone()
    return row[0] if row else _ABSENT


P = ParamSpec("P")
T = TypeVar("T")


def _classified(
    method: Callable[Concatenate[EventLog, P], T],
) -> Callable[Concatenate[EventLog, P], T]:
    """Turn environment failures inside a public method into `LogError` naming the log file."""

    @functools.wraps(method)
    def wrapper(self: EventLog, /, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            if is_environmental(exc):
                raise _refine(classify(exc, self.path), self.path) from exc
            raise

    return wrapper


_NO_FLAGS: Final[frozenset[str]] = frozenset()



# --- opening ---


@contextlib.contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: everything read inside is one consistent state of the log, even
    while a console writes it (rows and the chain head after them agree). Any connection, a
    read-only one too; it must not be in a transaction already."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        _rollback_quietly(conn)


def verify_log(conn: sqlite3.Connection) -> VerifyReport:
    """`EventLog.verify` on any connection to a log, a read-only one too (`infusion-console
    verify` reads the file without writing a byte of it: an auditor's copy stays as it was).

    A record table that is not in the file although the log recorded it (its chain head in
    meta, or the migration that made it) was removed outside the console: reported first, as
    its rows cannot be walked (a dropped access_log passed as "ok" before).
    """
    with read_snapshot(conn):
        # The tables too: listed before the snapshot, a migration by a console starting then
        # made a table (and its head) verify read as "removed outside the console".
        present = schema.user_tables(conn)
        applied = set(schema.applied_migrations(conn))
        removed = table_removed(conn, present, applied)
        if removed is not None:
            return removed
        heads: dict[str, Head | None] = {}
        for table in (t for t in RECORD_TABLES if t in present):
            stored = _stored_head(conn, table)
            head = parse_head(stored)
            if head is None and schema.made_by(table) in applied:
                return VerifyReport(False, (table, 0), head_problem(table, stored), 0)
            heads[table] = head
        report = verify_chains(conn, heads)
        guards = schema.guard_problems(conn)
        if report.ok and guards:
            return VerifyReport(False, None, "changed outside the console: " + "; ".join(guards)
                                + " (the append-only rules or the alarms view are not as the "
                                "console made them)", report.rows_checked)
        return report


def missing_head(table: str) -> str:
    """What `verify`, the review and a write say of a record table whose chain head is gone."""
    return (f"{table}: the log's record of where the table ends (meta row "
            f"{schema.CHAIN_HEAD_PREFIX}{table}) was deleted outside the console, so rows deleted "
            "from its end cannot be told")


def head_unreadable(conn: sqlite3.Connection, table: str) -> str | None:
    """Why `table`'s chain head in meta cannot be read (`head_problem`), or None when it can."""
    stored = _stored_head(conn, table)
    return head_problem(table, stored) if parse_head(stored) is None else None


HEAD_SHOWN_CHARS: Final = 40   # of an unreadable chain head's value: verify's one line


def head_problem(table: str, stored: object) -> str:
    """What `verify` and a write say of a record table whose chain head in meta, `stored`, cannot
    be read: `missing_head` when the row is absent, else the value it holds. A row still there
    was called deleted, which sent an auditor looking for a deletion that never happened."""
    if stored is _ABSENT:
        return missing_head(table)
    # repr, as for meta's schema_version: quoted, with spaces and control characters visible.
    shown = "NULL" if stored is None else repr(str(stored)[:HEAD_SHOWN_CHARS])
    return (f"{table}: the log's record of where the table ends (meta row "
            f"{schema.CHAIN_HEAD_PREFIX}{table}) holds {shown}, not \"<id> <hash>\": it was "
            "edited outside the console or is damaged, so rows missing from its end cannot be told")


def added_outside(table: str, head_id: int) -> str:
    """What a write says of a record table with rows after its recorded chain head (verify's
    words, chain.py)."""
    return (f"{table}: rows after {head_id} were added outside the console; the console "
            "writes nothing after them, so they stay named by verify")


# meta is made with the session tables, by the first schema change; the chain heads and the
# schema version are kept in it.
_META_MADE_BY: Final = schema.made_by("sessions")


def table_removed(conn: sqlite3.Connection, present: set[str],
                  applied: set[str]) -> VerifyReport | None:
    """The first table the log recorded that the file lacks, removed outside the console, as
    `verify` reports it; None when none is missing. Recorded: `meta` once the schema change
    that made it is (the chain heads are read from it), a record table once its chain head in
    meta or the schema change that made it is.

    Args:
        present: the file's tables (`schema.user_tables`); applied: its recorded migrations.
    """
    if "meta" not in present:
        return (VerifyReport(False, None, removed_table("meta", None, _META_MADE_BY), 0)
                if _META_MADE_BY in applied else None)
    for table in (t for t in RECORD_TABLES if t not in present):
        head = read_head(conn, table)
        if head is not None or schema.made_by(table) in applied:
            return VerifyReport(False, (table, head[0] if head else 0),
                                removed_table(table, head), 0)
    return None


def removed_table(table: str, head: Head | None, made_by: str | None = None) -> str:
    """What `verify` says of a record table that the log recorded and the file lacks: `head` is
    its chain head in meta, or None when only the migration that made it (`made_by`, by default
    the record table's) is recorded."""
    if head is None:
        recorded = f"the schema change that made it ({made_by or schema.made_by(table)})"
    else:
        rows = (f"rows 1 to {head[0]}" if head[0] > 1 else "row 1" if head[0] == 1
                else "no row yet")
        recorded = f"it ({rows})"
    return (f"{table}: the table is not in the file, though the log recorded {recorded}: it was "
            "removed outside the console")


def integrity_ok(conn: sqlite3.Connection, path: Path) -> bool:
    """`EventLog.integrity_ok` on any connection to the log at `path`."""
    return not integrity_problems(conn, path, limit=1)


def integrity_problems(conn: sqlite3.Connection, path: Path, limit: int = 1,
                       quick: bool = False) -> list[str]:
    """What SQLite's `PRAGMA integrity_check` finds wrong with the file: empty when it is sound.

    Args:
        conn: any connection to the log, a read-only one too.
        path: the log file, named in a `LogError`.
        limit: report at most this many problems (the check stops there).
        quick: `PRAGMA quick_check` instead: every page and b-tree, not the indexes' entries
            against their tables' rows (a quarter cheaper on a large log).

    Returns:
        SQLite's lines ("Tree 7 page 44 cell 0: ..."), or its error when the check could not
        even read the file because it is damaged.

    Raises:
        LogError: the check could not run for a reason other than damage (locked, I/O).
    """
    try:
        check = "quick_check" if quick else "integrity_check"
        rows = conn.execute(f"PRAGMA {check}({max(1, int(limit))})").fetchall()
    except sqlite3.DatabaseError as exc:
        error = classify(exc, path)
        if error.cause in ("corrupt", "not-a-log"):
            return [sqlite_words(exc)]
        raise error from exc
    if rows == [("ok",)]:
        return []
    # Each answer may span lines, under a heading naming the schema ("*** in database main ***").
    found = (line for (text,) in rows for line in str(text).splitlines())
    problems = [one_line(line) for line in found if line.strip() and not line.startswith("***")]
    return problems or ["it did not answer ok"]


def _check_ends(batch: Sequence[Record]) -> None:
    """Refuse a `SessionEnded` without its "session_ended" event at the same time (a bug)."""
    for end in batch:
        if isinstance(end, SessionEnded) and not any(
                isinstance(r, EventRecord) and r.kind == "session_ended"
                and r.session_id == end.session_id and r.at == end.ended_at for r in batch):
            raise ValueError(f"session {end.session_id}: its end needs a 'session_ended' event "
                             "at the same time in the same write")


def _create_private(path: Path) -> None:
    """Create the log file readable by its owner only, before SQLite touches it (R8).

    SQLite gives its -wal and -shm files the mode of the database file, so they are 0600 too.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it between our check and here: use it as it is
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
    finally:
        os.close(fd)


def _real(path: Path) -> Path:
    """The file a path names, links followed: SQLite keeps the -wal beside it, not beside a
    link to it (a -wal deleted under a linked log was never noticed: a review)."""
    return Path(os.path.realpath(path))


def where_to_build(path: Path) -> Path:
    """Where a new log asked for at the missing `path` is made: the real path (SQLite keeps the
    log and its -wal beside the file a link names), its missing folders made there.

    A link into a folder that is not there (a network disk not mounted) is refused: made, the
    folder would have taken the patients' records on the local disk. That is a link as the log's
    own name whose target's folder is missing, or a link as a folder of the path that names
    nothing. A folder above reached through a link that is there (/home -> /data/home, macOS
    /tmp) is no such thing: the missing folders below it are made, as without the link.

    Raises:
        FileNotFoundError: a link into a folder that is not there.
    """
    real = _real(path)
    given = Path(os.path.abspath(path))
    for part in (*reversed(given.parents), given):
        if os.path.exists(part):
            continue
        if not os.path.islink(part):
            break   # an ordinary missing folder (or the file): made
        if part != given or not real.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "the folder the link points into is not "
                                    "there", str(real.parent))
        break
    return real


def _refuse_orphaned_wal(path: Path) -> None:
    """Refuse to make a log at `path` while its -wal, with rows in it, is there without it.

    A log moved away (archived, renamed by a sync tool) leaves its -wal behind when the console
    was killed: the last session's rows are only there. A new log at the path would have SQLite
    take that -wal for its own: delete it, or replay another file's pages into the new one.
    """
    wal = wal_of(path)
    try:
        size = os.stat(wal).st_size
    except (FileNotFoundError, NotADirectoryError):
        return
    if size > 0:
        raise LogError(path, "orphaned-wal", f"{wal.name} holds {size} bytes")


# What os.link raises on a file system that has no hard links.
_NO_HARD_LINKS: Final = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS,
                                   errno.EMLINK})


def link_into_place(built: Path, path: Path) -> bool:
    """Give the finished log `built` the name `path` if no file is there now; False when one
    appeared meanwhile (left as it is). The folder is synced so the new name survives a power
    cut like the log's first commit does.

    An empty file that appeared while the log was built (the path was missing when this start
    looked) holds no log: a reader's `sqlite3.connect` on the path makes one (a monitoring
    script, the fault suite's own queries). It is replaced: refused as `emptied`, it stopped
    the start of a console that had found no log there."""
    try:
        os.link(built, path)
    except FileExistsError:
        if file_id(wal_of(path)) is not None or os.stat(path).st_size != 0:
            return False
        os.replace(built, path)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        # A disk without hard links (FAT, some network shares): renamed into place, after a
        # last look (a file appearing in between is the one race left, and only there).
        if path.exists():
            return False
        os.rename(built, path)
    with contextlib.suppress(OSError):   # a folder that cannot be opened (some network disks)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    return True


def _refuse_foreign_wal(path: Path) -> None:
    """Refuse a log that does not fit the -wal a crashed console left beside it, before SQLite
    writes anything of the two.

    SQLite keeps nothing in the file that ties a -wal to it: a log restored from a backup with
    `cp` beside the -wal of a console that crashed on the newer file has that -wal's pages
    replayed over the older ones. Opened, the mixture failed SQLite's check, the session running
    at the crash was no longer offered to resume, and new sessions went into it; the first
    checkpoint would have made it the file. Checked only where a crash leaves committed frames
    and no console has the log open (its -wal is then the live one): the check reads every page
    of the log (measured in the README's storage paragraph)."""
    if not holds_commits(path):
        return
    log = file_id(path)
    if (log is not None and _OPEN_HERE.get(log, 0)) or _shared_elsewhere(path):
        return
    problems = _wal_mismatch(path)
    if problems:
        wal, shm = wal_of(path), shm_of(path)
        raise LogError(path, "corrupt", (
            f"its write-ahead log {wal.name}, left by a console that stopped without closing the "
            f"log, does not fit the file: SQLite's check of the two read together fails "
            f"({problems[0]}). If the file was restored from a backup or copied in since, that "
            f"-wal belongs to the file it replaced: move {wal} and {shm} out of its folder (keep "
            "them) and start again"))


def _shared_elsewhere(path: Path) -> bool:
    """Whether another process holds the log's SHARED lock (has it open), read from /proc/locks
    where it can be: `_open_elsewhere` keeps a descriptor of the log open for good, which held a
    read-only archive's disk busy after the open was refused. Elsewhere, `_open_elsewhere`.

    This process's own locks are not counted: the review's read-only connection may be reading a
    crashed console's -wal (it writes nothing); a write beside it is checked like any other."""
    try:
        table = _lock_table(path)
    except OSError:
        return _open_elsewhere(path)   # not Linux
    return table is not None and bool(_shared_holders(*table) - {os.getpid()})


def _wal_mismatch(path: Path) -> list[str]:
    """What SQLite's quick check finds wrong with the log read through its -wal, on a
    read-only connection (it neither checkpoints nor removes the -wal when it closes): empty
    when sound, or when the check cannot run (the open for writing then says why)."""
    try:
        conn = sqlite3.connect(_real(path).as_uri() + "?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error:
        return []
    try:   # whatever stops this first read but damage is said by the open for writing
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        if classify(exc, path).cause != "corrupt" or not_an_sqlite_file(exc, path):
            return []   # a folder SQLite cannot make the -shm in, another program's file
        return [sqlite_words(exc)]
    try:
        return integrity_problems(conn, path, quick=True)
    except LogError:
        return []   # locked, an I/O error
    finally:
        conn.close()


def _refuse_second_name(path: Path) -> None:
    """Refuse a log file with another name (a hard link) than the hidden names new logs are
    built under (`_build`, the first administrator's `staff add`, each removed once linked).

    SQLite keeps a -wal and a -shm per name, not per file: two consoles on two names of one
    log each wrote a write-ahead log of their own, blind to the other's commits, and the
    checkpoints overwrote each other's pages: every write acknowledged, a session lost."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return
    if status.st_nlink <= 1:
        return
    real = _real(path)
    building = f".{real.name}.new-"
    with contextlib.suppress(OSError):
        others = sum(1 for entry in os.scandir(real.parent)
                     if entry.name.startswith(building)
                     and file_id(Path(entry.path)) == (status.st_dev, status.st_ino))
        if status.st_nlink - others <= 1:
            return   # a new log linked into place a moment ago: its build name goes next
    raise LogError(path, "two-names", f"the file has {status.st_nlink} names")


def _refuse_lost_index(path: Path) -> None:
    """Refuse a log another console has open on write-ahead files that are not the ones beside
    it now: its -shm deleted (and perhaps made again by a reader since), or the log moved to
    another folder with a link left at its path.

    That console goes on with its own index (and -wal); one started here on the files beside the
    log would write blind to its frames, and it to ours, and the last to close checkpoints by
    its own index: a whole session lost (reviews 43, 44). The running one holds its writes
    (in_place.py); this one does not start on the log until it has closed (an empty -wal too:
    both would append frames at the offsets of their own index). A -wal without its -shm and
    nobody on the log is what a crash or a backup leaves: opened as ever; so is one whose holder
    is a console opening or closing the log (`_between_its_steps`). Another process is seen by
    its locks (`_on_another_index`, and SQLite's SHARED lock where there is no -shm); this one's
    connections by `_OPEN_HERE` and the -shm they share (`_INDEX_HERE`)."""
    holders = _on_another_index(path)
    if holders:   # seen again a moment later: not a connection between its two locks
        _a_moment()
        holders = sorted(set(holders) & set(_on_another_index(path)))
    if holders:
        processes = ", ".join(map(str, holders))
        said = (f"{shm_of(path).name}, the write-ahead index, was made again while another "
                f"console (process {processes}) has the log open on the deleted one"
                if os.path.lexists(shm_of(path)) else
                f"another console (process {processes}) has the log open with its write-ahead "
                "files elsewhere (the log moved behind a link, or its -shm deleted)")
        raise LogError(path, "moved", f"{said}: close that console, then start again")
    log = file_id(path)
    if log is not None and _OPEN_HERE.get(log, 0) and file_id(shm_of(path)) != _INDEX_HERE[log]:
        # This process has the log open on a -shm no longer beside it: a connection opened here
        # would be given that index (SQLite shares it in a process), whatever is beside the log.
        raise LogError(path, "moved", f"{shm_of(path).name}, the write-ahead index, was deleted "
                       "while this console has the log open: close it, then start again")
    if _on_a_deleted_shm(path):
        _a_moment()   # seen again a moment later where the holder's locks cannot be listed
        if _on_a_deleted_shm(path):
            raise LogError(path, "moved", f"{shm_of(path).name}, the write-ahead index, was "
                           "deleted while another console has the log open: close that "
                           "console, then start again")


def _a_moment() -> None:
    """The wait before a second look at another process's locks and files: long enough for
    a connection to take its next step of opening or closing (tests go on without it)."""
    time.sleep(0.1)


def _on_a_deleted_shm(path: Path) -> bool:
    """Whether another process holds the log while it has its -wal and no -shm beside it,
    other than a console opening or closing it (`_between_its_steps`)."""
    if not os.path.lexists(wal_of(path)) or os.path.lexists(shm_of(path)):
        return False
    holder = _lock_holder(path)
    return holder is not None and not _between_its_steps(path, holder)


def _between_its_steps(path: Path, holder: int) -> bool:
    """Whether `holder`, holding the log's lock while the -wal has no -shm beside it, is a
    console opening or closing the log, not one running on a deleted -shm.

    SQLite passes through that state twice: opening, it takes the SHARED lock and makes the -wal
    before the -shm; closing, it deletes the -shm before the -wal, its lock still held. Neither
    holds the dead-man-switch byte of another -shm (`_SHM_DMS`), which a console on a deleted
    one holds for as long as it runs. Two consoles started at once on a log (after an update)
    met it about once in 50 starts under load and the second was refused as `moved`. Told
    apart only where /proc/locks lists the holder; elsewhere (not Linux, another PID namespace)
    False, and `_refuse_lost_index` looks again a moment later."""
    try:
        table = _lock_table(path)
    except OSError:
        return False
    if table is None:
        return True   # the log is gone meanwhile: the open says what is wrong
    log, locks = table
    if holder not in _shared_holders(log, locks):
        return False   # not listed: another PID namespace, a file system named otherwise
    try:
        shm: tuple[int, int, int] | None = _lock_key(os.stat(shm_of(path)))
    except (FileNotFoundError, NotADirectoryError):
        shm = None   # still none: made since, it is the holder's own
    return not any(pid == holder and first == _SHM_DMS and last == _SHM_DMS
                   and file[:2] == log[:2] and file != shm for pid, file, first, last in locks)


# SQLite's dead-man-switch byte of a -shm: a read lock on it is held by every connection that
# has that -shm mapped, for as long as it is open (os_unix.c, UNIX_SHM_DMS = 120 + 8; seen in
# /proc/locks beside the SHARED lock on the log).
_SHM_DMS: Final = 128


def _on_another_index(path: Path) -> list[int]:
    """The other processes holding the log open (SQLite's SHARED lock on it) on a -shm that is
    not the one beside it (deleted, or left behind when the log moved): they hold no lock on
    that -shm, and hold the dead-man-switch byte of another file on that disk (still listed). One holding no -shm at all is a reader that
    keeps the index in memory (a read-only copy open in the review), not refused: it writes
    nothing. Read from /proc/locks (Linux); none where that cannot be read, or where the kernel
    names the file system by another device than stat does (btrfs subvolumes)."""
    try:
        table = _lock_table(path)
    except OSError:
        return []   # /proc/locks cannot be read: not Linux
    if table is None:
        return []   # no log yet
    log, locks = table
    try:
        shm: tuple[int, int, int] | None = _lock_key(os.stat(shm_of(path)))
    except (FileNotFoundError, NotADirectoryError):
        shm = None   # none beside the log: deleted, or the log moved away from its own
    on_log = _shared_holders(log, locks)
    switches = [(pid, file) for pid, file, first, last in locks
                if first == _SHM_DMS and last == _SHM_DMS and file[:2] == log[:2]]
    on_this_shm = {pid for pid, file in switches if file == shm}
    on_another = {pid for pid, file in switches if file != shm}
    return sorted((on_log & on_another) - on_this_shm - {os.getpid()})


# A POSIX lock held, as /proc/locks lists it (`_posix_lock`).
_Lock = tuple[int, tuple[int, int, int], int, int | None]


def _lock_table(path: Path) -> tuple[tuple[int, int, int], list[_Lock]] | None:
    """The log as /proc/locks names it (`_lock_key`), with every POSIX lock listed there; None
    when there is no log.

    Raises:
        OSError: /proc/locks cannot be read (not Linux), or the log cannot be looked at.
    """
    try:
        log = _lock_key(os.stat(path))
    except (FileNotFoundError, NotADirectoryError):
        return None
    with open("/proc/locks", encoding="ascii", errors="replace") as table:
        return log, [lock for line in table if (lock := _posix_lock(line)) is not None]


def _shared_holders(log: tuple[int, int, int], locks: list[_Lock]) -> set[int]:
    """The processes (this one too) holding SQLite's SHARED lock on `log` among `locks`: those
    with an SQLite connection open on it."""
    return {pid for pid, file, first, last in locks
            if file == log and first <= _SHARED_FIRST + _SHARED_SIZE - 1
            and (last is None or last >= _SHARED_FIRST)}


def _lock_key(file: os.stat_result) -> tuple[int, int, int]:
    """A file as /proc/locks names it: (major, minor, inode)."""
    return (os.major(file.st_dev), os.minor(file.st_dev), file.st_ino)


def _posix_lock(line: str) -> _Lock | None:
    """A POSIX lock held, from a line of /proc/locks: (pid, (major, minor, inode), first byte,
    last byte or None to the end); None for another kind of lock, one waited for ("->"), or a
    line not understood."""
    fields = line.split()
    if len(fields) < 8 or fields[1] != "POSIX":
        return None
    try:
        major, minor, inode = fields[5].split(":")
        return (int(fields[4]), (int(major, 16), int(minor, 16), int(inode)), int(fields[6]),
                None if fields[7] == "EOF" else int(fields[7]))
    except ValueError:
        return None


# The logs this process has open, by file, with how many EventLogs each (`_refuse_lost_index`:
# another process's connections are seen by their lock, this one's by this count).
_OPEN_HERE: dict[FileId, int] = {}
# The -shm of each of those logs when the first was opened: SQLite gives every connection of a
# process the index its first one mapped, the deleted one's too (`_refuse_lost_index`).
_INDEX_HERE: dict[FileId, FileId | None] = {}

# SQLite's SHARED lock on a database file: a read lock on these bytes, held by every connection
# to a log in WAL mode for as long as it is open (sqlite.org/src, os_unix.c).
_SHARED_FIRST: Final = 0x40000000 + 2
_SHARED_SIZE: Final = 510
# Descriptors of the probe, kept open: closing a descriptor of the log drops every POSIX lock
# this process holds on it, its SQLite connections' included (errors.py, `not_an_sqlite_file`).
_PROBES: dict[FileId, int] = {}


def _open_elsewhere(path: Path) -> bool:
    """Whether another process has an SQLite connection open on the log (its SHARED lock).
    False where that cannot be asked (no fcntl; a platform whose `struct flock` is not known)."""
    return _lock_holder(path) is not None


def _lock_holder(path: Path) -> int | None:
    """A process holding a lock on the log's SHARED bytes (`_open_elsewhere`), by the id the
    kernel gives it here (0 when it cannot name it: another PID namespace); None when no other
    process holds one, or where that cannot be asked."""
    if fcntl is None or sys.platform not in ("linux", "darwin"):
        return None
    linux = sys.platform == "linux"
    layout = "@hhqqi4x" if linux else "@qqihh"
    request = ((fcntl.F_WRLCK, os.SEEK_SET, _SHARED_FIRST, _SHARED_SIZE, 0) if linux
               else (_SHARED_FIRST, _SHARED_SIZE, 0, fcntl.F_WRLCK, os.SEEK_SET))
    file = file_id(path)
    fd = _PROBES.get(file) if file is not None else None
    if fd is None:   # one a file, never closed: a second one could not be closed either
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return None
        status = os.fstat(fd)
        _PROBES[(status.st_dev, status.st_ino)] = fd
    try:
        found = struct.unpack(layout, fcntl.fcntl(fd, fcntl.F_GETLK,
                                                  struct.pack(layout, *request)))
    except OSError:
        return None
    held: int = found[0] if linux else found[3]
    pid: int = found[4] if linux else found[2]
    return None if held == fcntl.F_UNLCK else pid


def remove_built(built: Path) -> None:
    """Remove a log built under a name of its own, with SQLite's side files (`_build`, and
    the first administrator's `staff add`)."""
    for file in (built, *(built.with_name(built.name + end)
                          for end in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(OSError):
            file.unlink(missing_ok=True)


def _make_private(path: Path) -> None:
    """Take other users' access away from an existing log and its -wal and -shm (R8).

    A log restored from a backup with `cp` under umask 022 is 0644, and SQLite gives the -wal
    and -shm it makes the log's mode: patient data readable by every user of the computer, and
    the console said nothing. Only the group's and others' bits (and execute) go: a 0644 log is
    0600 after, and a log its owner made read-only stays so (and is refused as read-only).
    Changed by path, never by opening the file: closing a descriptor of the log would drop the
    POSIX locks of this process's connections (errors.py, `not_an_sqlite_file`).

    A file of this user's that cannot be changed (write-protected with chattr +i, on a
    read-only disk) is left as it is: opening it for writing is then refused as read-only, which
    says what to do (an export of an audit copy said "make it 0600", which its owner could not).

    This user's own -wal and -shm follow a log this user may write: made 0600 when they are
    not writable. SQLite makes them with the log's mode, so a refused start on a write-protected
    copy (an earlier console's) left a 0444 -shm that kept the log refused as read-only once
    made writable as told, naming the log and not the -shm.

    Raises:
        LogError: another user's file that others may read and this user cannot change: named
            with its mode (the console does not write patient data into it as it is).
    """
    log_writable = os.access(path, os.W_OK)
    for file in (path, wal_of(path), shm_of(path)):
        try:
            status = file.stat()
        except FileNotFoundError:
            continue
        mode = stat.S_IMODE(status.st_mode)
        if file != path and log_writable and status.st_uid == os.geteuid() \
                and not mode & stat.S_IWUSR:
            with contextlib.suppress(OSError):   # else refused as read-only when written
                os.chmod(file, 0o600)
            continue
        if not mode & 0o077:
            continue
        try:
            os.chmod(file, mode & 0o600)
        except OSError as exc:
            if status.st_uid == os.geteuid():
                continue   # ours, but write-protected: refused as read-only when written
            cause: Cause = "read-only" if exc.errno == errno.EROFS else "permission"
            raise LogError(path, cause, f"{file.name} is mode {mode:04o}: other users of this "
                           "computer may read it, and this user cannot make it 0600 "
                           f"({exc.strerror}); its owner can, with chmod 600") from exc


def _side_files(path: Path) -> tuple[FileId | None, FileId | None]:
    """The log's -wal and -shm as they are now (None: not there)."""
    return file_id(wal_of(path)), file_id(shm_of(path))


def _remove_sides_made(path: Path, before: tuple[FileId | None, FileId | None]) -> None:
    """After a refused open, remove the -wal (only while empty) that it made, and the -shm it
    made once no -wal is beside it: SQLite leaves them when it cannot write the log, with the
    log's mode, and a write-protected copy kept a 0444 -shm that refused the log once made
    writable as told (and `verify` promises a copy as it found it). Files there before, or
    while another process has the log open (it may have made them meanwhile), are left as they
    are. Never raises."""
    with contextlib.suppress(OSError):
        log = file_id(path)
        if (log is not None and _OPEN_HERE.get(log, 0)) or _shared_elsewhere(path):
            return
        wal, shm = wal_of(path), shm_of(path)
        if before[0] is None and file_id(wal) is not None:
            if os.stat(wal).st_size:
                return   # frames written: not ours to delete (and the -shm indexes them)
            wal.unlink()
        if before[1] is None and file_id(shm) is not None and file_id(wal) is None:
            shm.unlink()


def _check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse an SQLite file holding someone else's tables, a log without a table its schema
    changes made (`table_removed`), or one from a newer console."""
    tables = schema.user_tables(conn)
    applied = schema.applied_migrations(conn)
    if tables and not applied and not {"meta", "sessions"} <= tables:
        listed = ", ".join(sorted(tables)[:5])
        raise LogError(path, "not-a-log", f"it holds other tables: {listed}")
    if applied and set(applied) <= schema.KNOWN_MIGRATIONS:
        # A table its schema changes made, dropped outside the console: opened, the first alarm
        # written to it failed as SQLite's "no such table", a bug's error, and the alarm was
        # undone. Refused as damage, in verify's words (its exit 1).
        removed = table_removed(conn, tables, set(applied))
        if removed is not None:
            raise LogError(path, "corrupt", removed.message)
    if {"meta", "sessions"} <= tables:
        # A log whose record of schema changes, or meta.schema_version, is not what a console
        # writes: migrating it would run the first change again over its tables (a traceback at
        # the start), and a flipped bit ('4' read as '5') would pass for a newer console's.
        problem = schema.version_problem(conn)
        if problem is not None:
            raise LogError(path, "corrupt", problem.message)
    unknown = [name for name in applied if name not in schema.KNOWN_MIGRATIONS]
    version = schema.stored_schema_version(conn)
    if unknown or (version is not None and version > schema.SCHEMA_VERSION):
        raise LogError(
            path,
            "newer-schema",
            f"its schema version is {version}, this console knows up to {schema.SCHEMA_VERSION}",
        )


def _configure(conn: sqlite3.Connection, path: Path, busy_timeout_ms: int,
               new: bool = False) -> None:
    """Per-connection settings; then prove the file is writable now (R5). Unless the file is
    `new` (being built by `EventLog.open`), one without tables is refused before anything is
    written to it."""
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")  # off by default, per connection
    # The first read: a damaged header or a non-database shows up here.
    (entries,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    if not entries and not new:
        # Only a missing path makes a log: a file there without tables is a log that lost its
        # content (truncated, its -wal deleted), and a new, empty log made in it hid the open
        # session and its alarms from the start screen and the review.
        raise LogError(path, "emptied")
    # Write probe: takes the write lock and releases it, changing nothing.
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("ROLLBACK")
    (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
    if str(mode).lower() != "wal":
        raise LogError(path, "io", f"SQLite could not switch the file to WAL (it stays {mode})")
    conn.execute("PRAGMA synchronous = FULL")


def _make_current(conn: sqlite3.Connection, path: Path, program_version: str,
                  created_at: datetime) -> None:
    """Check the file is a log of ours, bring its schema up to date and stamp it, in one write
    transaction: another console starting on the same log at the same moment cannot migrate it
    between the check and our migrations (it waits for our commit, then finds nothing to do).

    Raises:
        LogError: the file is not ours or not usable (`_check_ours`), or a migration failed
            (`_migrate`); nothing is changed then.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        _check_ours(conn, path)
        _migrate(conn, path)
        _stamp_meta(conn, program_version, created_at)
        conn.execute("COMMIT")
    except BaseException:
        _rollback_quietly(conn)
        raise


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """`schema.migrate`, its failures as `LogError`: an SQLite error out of a migration is never
    a traceback at the start. One of the environment (full, locked, I/O) is named as such; any
    other says the file's tables are not what its record of schema changes says (a table a
    migration makes was already there: made or changed outside the console): damage."""
    try:
        schema.migrate(conn)
    except sqlite3.Error as exc:
        if is_environmental(exc):
            raise _refine(classify(exc, path), path) from exc
        raise LogError(path, "corrupt", "its schema could not be brought up to date: SQLite: "
                       f"{sqlite_words(exc)}") from exc


def _stamp_meta(conn: sqlite3.Connection, program_version: str, created_at: datetime) -> None:
    """Record which program created the file (once) and which opened it last (every time)."""
    for key, value in (
        (schema.META_PROGRAM_VERSION, program_version),
        (schema.META_CREATED_AT, iso(created_at)),
    ):
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", [key, value])
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [schema.META_LAST_OPENED_BY, program_version],
    )


def _rollback_quietly(conn: sqlite3.Connection) -> None:
    """Roll back after a failure. A failing rollback is not reported: the failure that brought us
    here is the one the caller must see, and SQLite has already rolled back on I/O errors."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


_NEARLY_FULL_BYTES: Final = 64 * 1024


def _refine(error: LogError, path: Path) -> LogError:
    """Name the cause the nurse can act on when SQLite's code hides it.

    SQLite reports a file it may not open for writing as 'cannot open' (permission), and a write
    refused under an open connection (a file made immutable, a disk remounted read-only) as an
    I/O error: say read-only when the file or its WAL may not be written. A full disk shows as
    SQLITE_FULL only when the database file itself cannot grow; when the WAL index (-shm) cannot
    grow it is SQLITE_IOERR_SHMSIZE: say disk-full when the disk has (next to) no space left.
    """
    if error.cause not in ("permission", "io"):
        return error
    # os.access, not Path.exists: exists() raises PermissionError inside an unreadable folder.
    for file in (path, wal_of(path)):
        if os.access(file, os.F_OK) and not os.access(file, os.W_OK):
            return LogError(path, "read-only", error.detail)
    if error.cause == "io":
        if _at_size_limit(path):
            return LogError(path, "size-limit", error.detail)
        try:
            space = os.statvfs(_real(path).parent)
        except OSError:
            return error
        if space.f_bavail * space.f_frsize < _NEARLY_FULL_BYTES:
            return LogError(path, "disk-full", error.detail)
    return error


def _at_size_limit(path: Path) -> bool:
    """The log or its write-ahead file is within `_NEARLY_FULL_BYTES` of this process's file
    size limit (RLIMIT_FSIZE): a write past it fails with EFBIG, which SQLite reports as an I/O
    error."""
    if resource is None:
        return False
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    for file in (path, wal_of(path)):
        try:
            if os.stat(file).st_size + _NEARLY_FULL_BYTES >= limit:
                return True
        except OSError:
            continue
    return False


def log_path_is(path: Path, question: Callable[[Path], bool]) -> bool:
    """`question(path)` (`Path.exists`, `Path.is_file`) of a log path a command is given, a
    path that cannot be looked up refused as the log's other failures are.

    pathlib answers False only where nothing is found (ENOENT, ENOTDIR, ELOOP); a folder on the
    way this user may not enter (EACCES) or a name longer than the file system takes
    (ENAMETOOLONG) it raises (the trait `_refine` steps around), and `verify`, `access-log`,
    `export` and `staff` ended in a traceback with exit 1, `verify`'s "edited".

    Raises:
        LogError: the path cannot be looked up (`classify`: permission, io), naming it.
    """
    try:
        return question(path)
    except OSError as exc:
        raise classify(exc, path) from exc


class EventLog:
    """The durable session record (implements `console.records.Recorder`).

    Use `EventLog.open(path, program_version)`; one instance per process, used from one thread.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection,
                 files: tuple[FileId | None, FileId | None, FileId | None] = (None, None, None)
                 ) -> None:
        """Wrap an already configured connection; call `open` instead. `files`: the identity
        of the log file, of its -wal and of its -shm when opened (in_place.py)."""
        self.path = path
        self._in_place = InPlace(path, files)
        self._log_id = files[0]
        if self._log_id is not None:
            _OPEN_HERE[self._log_id] = _OPEN_HERE.get(self._log_id, 0) + 1
            _INDEX_HERE.setdefault(self._log_id, files[2])
        self._conn: sqlite3.Connection | None = conn
        self._outbox: OutboxHooks | None = None
        self._prefix: str | None = None   # of control ids: meta.log_uid and "-", read once

    # --- lifecycle ---

    @classmethod
    def open(
        cls,
        path: Path,
        program_version: str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        now: datetime | None = None,
    ) -> EventLog:
        """Open the log at `path`, creating it (and its folders) when absent.

        Only a missing path makes a new log, and only whole (`_build`): a file there without
        tables (emptied, its -wal deleted) is refused as `emptied`, and a missing log whose
        -wal is still there with rows in it as `orphaned-wal`.

        Args:
            path: the log file.
            program_version: this console's version, stored in meta.
            busy_timeout_ms: how long to wait for another program's lock before `locked`.
            now: the creation time to record for a new file (default: the system clock, read
                here because opening the log is an entry-point action, not engine logic).

        Raises:
            LogError: the file cannot be created, read or written now (any `Cause`).
        """
        path = Path(path)
        try:
            missing = not path.exists()
            if missing:
                real = where_to_build(path)   # where SQLite keeps the file and its -wal
                _refuse_orphaned_wal(real)
        except (OSError, sqlite3.Error) as exc:
            raise _refine(classify(exc, path), path) from exc
        if missing:
            cls._build(real, program_version, busy_timeout_ms, now)
        return cls._open_file(path, program_version, busy_timeout_ms, now, built=missing)

    @classmethod
    def _build(cls, path: Path, program_version: str, busy_timeout_ms: int,
               now: datetime | None) -> None:
        """Make a new log at the missing `path`: built and migrated under a name of its own
        beside it, then linked into place only if no file is there yet. A console killed while
        it made the log leaves a hidden file of its own, not a half-made log at `path` that no
        start could open again; a file that appeared meanwhile (another console's new log) is
        left as it is, and opened as it is."""
        built = path.with_name(f".{path.name}.new-{os.getpid()}-{secrets.token_hex(3)}")
        try:
            try:
                with cls._open_file(built, program_version, busy_timeout_ms, now, new=True) as log:
                    # Fold the -wal into the file here, where its failure is seen: the close
                    # would do it too but keeps SQLITE_FULL to itself, and a disk with room for
                    # the -wal but not for the file was then called an I/O error, not full.
                    log.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except LogError as exc:   # named by the path asked for, not the name it was built as
                raise LogError(path, exc.cause, exc.detail,
                               folder_read_only=exc.folder_read_only) from exc
            # A -wal still holding rows would not follow the file to its name.
            if file_id(wal_of(built)) is not None and os.stat(wal_of(built)).st_size:
                raise _refine(LogError(path, "io", "the new log's write-ahead file was not "
                                       "folded into it"), path)
            link_into_place(built, path)
        except (OSError, sqlite3.Error) as exc:
            raise _refine(classify(exc, path), path) from exc
        finally:
            remove_built(built)

    @classmethod
    def _open_file(cls, path: Path, program_version: str, busy_timeout_ms: int,
                   now: datetime | None, new: bool = False, built: bool = False) -> EventLog:
        """Open the file at `path` (`open`); `new`: a file `_build` makes, empty or absent;
        `built`: the log `_build` has just linked into place (a FUSE share went on counting its
        build name for a moment: the first start was refused as a log with two names)."""
        try:
            if new:
                _create_private(path)
            check_openable(path)
            if not new and not built:
                _refuse_second_name(path)
            if not new:
                _refuse_lost_index(path)
            _make_private(path)
            # Before SQLite reads it: it passes over a damaged -wal frame and every commit
            # after it, and this console's first checkpoint would make that loss permanent.
            damage = wal_damage(path)
            if damage is not None:
                raise LogError(path, "corrupt", damage.message)
            if not new:
                _refuse_foreign_wal(path)
            sides_before = _side_files(path)
            conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise _refine(classify(exc, path), path) from exc
        try:
            _configure(conn, path, busy_timeout_ms, new)
            _make_current(conn, path, program_version, now or datetime.now(UTC))
            files = (file_id(path), file_id(wal_of(path)), file_id(shm_of(path)))
        except BaseException as exc:
            conn.close()
            _remove_sides_made(path, sides_before)
            if not_an_sqlite_file(exc, path):
                raise LogError(path, "not-a-log",
                               "the file does not start with the SQLite header") from exc
            if isinstance(exc, LogError) or is_environmental(exc):
                raise _refine(classify(exc, path), path) from exc
            raise
        return cls(path, conn, files)

    def set_busy_timeout(self, milliseconds: int) -> None:
        """How long a write waits for another program's lock before it fails as `locked`.

        `open` waits DEFAULT_BUSY_TIMEOUT_MS so a start rides out a short lock; a running session
        sets a shorter wait, because its engine holds records in memory while the log is locked
        (R5) and a long wait would freeze the screen on every attempt.
        """
        self.conn.execute(f"PRAGMA busy_timeout = {max(0, int(milliseconds))}")

    def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL into the file). Safe to call twice."""
        if self._conn is not None:
            try:
                if self._in_place.leave_wal_at_close():   # another's frames may follow ours
                    without_checkpoint(self._conn, self._in_place.real_path)
            finally:
                self._conn.close()
                self._conn = None
                self._in_place.close()
                if self._log_id is not None:
                    left = _OPEN_HERE.pop(self._log_id, 1) - 1
                    if left:
                        _OPEN_HERE[self._log_id] = left
                    else:
                        _INDEX_HERE.pop(self._log_id, None)

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether `close` was called (nothing can be read or written any more)."""
        return self._conn is None

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection (for review queries that are not in this API)."""
        if self._conn is None:
            raise RuntimeError(f"the session log {self.path} is closed")
        return self._conn

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; everything inside is one durable unit or nothing."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._in_place.check()   # an ACK means the reading is in the log at its path
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            _rollback_quietly(conn)
            raise

    @contextlib.contextmanager
    def environment_errors(self) -> Iterator[None]:
        """Inside: an environment failure becomes `LogError` naming this file (as every public
        method here does); a bug propagates unchanged."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            if is_environmental(exc):
                raise _refine(classify(exc, self.path), self.path) from exc
            raise

    @contextlib.contextmanager
    def appending(self) -> Iterator[ChainedWriter]:
        """One durable write transaction for a store beside the records (BEGIN IMMEDIATE: what
        is read inside cannot change before the commit). Rows appended are chained; all of it
        commits at the end, or none of it. Environment failures raise `LogError`."""
        with self.environment_errors(), self._transaction() as conn:
            chains = _Chains(conn, self.path)
            yield ChainedWriter(conn, chains)
            chains.store()

    # --- writing ---

    @_classified
    def start_session(self, opened: SessionOpened) -> int:
        """Insert a new session (committed) and return its id.

        Raises:
            LogError: the log cannot be written.
            ValueError: a value the log refuses (naive time, non-finite weight).
        """
        # Escaped as `write` escapes a record (`_storable`): a monitor port under a Latin-1
        # folder, named in the session's details, had refused the session (UnicodeEncodeError).
        content = _storable(_session_values(opened))
        with self._transaction() as conn:
            chains = _Chains(conn, self.path)
            session_id = chains.append("sessions", content)
            chains.store()
        return session_id

    @_classified
    def write(self, records: Sequence[Record]) -> list[int]:
        """Commit all `records` in one transaction; return their row ids in order.

        A `SessionEnded` sets `sessions.ended_at` (once) and its "id" is the session id; the same
        call must hold the session's "session_ended" event at the same time, the chained record
        of the end that `verify` holds `ended_at` to (that column is outside the row's hash).

        Raises:
            LogError: the log cannot be written; nothing of this call was committed.
            UnknownSessionError: a record names a session that is not in the log.
            SessionAlreadyEndedError: the session had already ended.
            ValueError: a value the log refuses; nothing was committed.
        """
        batch = list(records)
        if not batch:
            return []
        # Convert first: a bad value must fail before the transaction takes the write lock.
        prepared = [_storable(self._prepare(record)) for record in batch]
        _check_ends(batch)
        hooks = self._outbox
        queued: list[OutboxRow] = []
        failure: BaseException | None = None
        composed = False
        try:
            with self._transaction() as conn:
                chains = _Chains(conn, self.path)
                if hooks is not None:
                    tables = _tables_with_outbox(tuple(map(type, batch)))
                    if len(tables) > 1:   # else loaded when first used
                        chains.preload(tables)
                ids = [self._write_one(conn, chains, record, values)
                       for record, values in zip(batch, prepared, strict=True)]
                if hooks is not None:
                    prefix, first = self._control_prefix(conn), chains.next_id("outbox")
                    composed = True   # from here on, the composer has learnt this write
                    queued, failure = self._compose(chains, hooks, batch, prefix, first)
                chains.store()
        except BaseException:
            # Rolled back after the composer learnt this write's steps: the caller holds the
            # records and writes them again, and the composer must learn them once.
            if composed and hooks is not None and isinstance(hooks.composer, _Learns):
                hooks.composer.rolled_back()
            raise
        if hooks is not None:
            # After the commit: a message is sent only once its records are on disk. From here
            # the write has happened whatever the network layer does: a hand-off that raises (a
            # bug) must neither fail the write (the caller would keep the records and write them
            # again, or skip its state change and notice) nor pass for a log error. It is the
            # network's technical alarm, and the rows wait in the outbox for the next start.
            if failure is None and queued:
                try:
                    hooks.on_committed(queued)
                except Exception as exc:  # noqa: BLE001 - reported to the network layer
                    failure = exc
            if failure is not None:
                hooks.on_error(failure)
        return ids

    # --- the outbox (console/store/outbox.py) ---

    def attach_outbox(self, hooks: OutboxHooks | None) -> None:
        """From now on, every write also commits the messages `hooks.composer` builds for it."""
        self._outbox = hooks

    def _compose(self, chains: _Chains, hooks: OutboxHooks, batch: Sequence[Record],
                 prefix: str, first: int) -> tuple[list[OutboxRow], BaseException | None]:
        """Build and insert this write's outbox rows. A composer failure (a bug) is returned, not
        raised: the clinical records must be committed whatever the network layer does.

        Args:
            prefix: the control ids' (`_control_prefix`).
            first: the id of the first outbox row of this write.
        """
        # Control ids are `<log uid>-<outbox row id>`: unique in the clinic, known before the
        # insert, and no counter of their own to read and store on every write (P12).
        issued = itertools.count(first)

        def next_control_id() -> str:
            return f"{prefix}{next(issued)}"

        # Everything is built and checked before the first insert, so a composer failure (a bug)
        # leaves the transaction as the records made it: they commit, the messages do not. (No
        # savepoint: two statements more on every write, for an insert that can then fail only
        # as the records' own can, P12.)
        try:
            outgoing = hooks.composer.compose(batch, next_control_id)
            contents = [_outbox_values(message, index, f"{prefix}{first + index}")
                        for index, message in enumerate(outgoing)]
        except Exception as exc:  # noqa: BLE001 - reported to the network layer as its alarm
            return [], exc
        rows = [OutboxRow(chains.append("outbox", content), message.session_id, message.control_id,
                          message.kind, message.destinations, message.created_at, message.message)
                for message, content in zip(outgoing, contents, strict=True)]
        return rows, None

    def _control_prefix(self, conn: sqlite3.Connection) -> str:
        """`<meta.log_uid>-<this opening's 8 hex>-`, made once per opening of the log.

        The log's uid and the row id alone repeat after a restore from a backup: the restored
        file hands out row ids it had already sent, with other content, and every receiver,
        which drops a control id it has seen, dropped the new messages, a high alarm among them
        (the data-path audit). 8 hex, not 4: an opening after a restore drew one of the lost
        openings' digits once in 65,536 per lost opening (a review); once in some 4 billion
        now. A message resent keeps the id stored with it in its row."""
        if self._prefix is None:
            row = conn.execute("SELECT value FROM meta WHERE key = ?",
                               [schema.META_LOG_UID]).fetchone()
            self._prefix = f"{row[0] if row else 'log'}-{secrets.token_hex(4)}-"
        return self._prefix

    @_classified
    def record_deliveries(self, deliveries: Sequence[Delivery]) -> list[int]:
        """Commit what the senders reported (one transaction); return the row ids."""
        batch = list(deliveries)
        for d in batch:
            if d.destination not in DESTINATIONS or d.outcome not in OUTCOMES:
                raise ValueError(f"delivery {d!r}: destination must be one of "
                                 f"{sorted(DESTINATIONS)}, outcome one of {sorted(OUTCOMES)}")
        if not batch:
            return []
        # Synced like every other commit (FULL), though a lost delivery would only send its
        # message again: wal_check.py takes a damaged frame with two commits after it for damage,
        # which holds only if each commit reached the disk before the next wrote. Unsynced, a
        # power cut could tear this commit under the next synced one, and the console then
        # refused the log as damaged: the nurse could not resume the session or its alarms.
        with self._transaction():
            chains = _Chains(self.conn, self.path)
            ids = chains.append_many("deliveries", [
                [d.outbox_id, d.destination, d.outcome, _stamp(d.at, "at"), d.detail]
                for d in batch])
            chains.store()
        return ids

    @_classified
    def last_delivered_at(self, destination: str) -> datetime | None:
        """When `destination` last confirmed a message (None: never, in this log)."""
        row = self.conn.execute(
            "SELECT max(at) FROM deliveries WHERE destination = ? AND outcome = ?",
            [destination, DELIVERED]).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    @_classified
    def newest_network_times(self) -> list[datetime]:
        """The times of the newest outbox, delivery and alarm rows (by row id, no scan): the last
        moments of the run that wrote them, which a network link restarted with its clock behind
        measures from (console/network/link.py `_mono_of`)."""
        found = []
        for table, column in (("outbox", "created_at"), ("deliveries", "at"),
                              ("alarm_events", "at")):
            row = self.conn.execute(
                f"SELECT {column} FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
            if row is not None:
                found.append(parse_iso(row[0]))
        return found

    @_classified
    def last_outbox_row(self, session_id: int, kind: str, destination: str) -> OutboxRow | None:
        """The newest outbox row of `session_id` of `kind` (a PCD-04) bound for `destination`."""
        r = self.conn.execute(
            "SELECT id, session_id, control_id, kind, destinations, created_at, message "
            "FROM outbox WHERE session_id = ? AND kind = ? AND (' ' || destinations || ' ') "
            "LIKE ? ORDER BY id DESC LIMIT 1", [session_id, kind, f"% {destination} %"]).fetchone()
        return (OutboxRow(r[0], r[1], r[2], r[3], frozenset(r[4].split()), parse_iso(r[5]), r[6])
                if r else None)

    @_classified
    def delivered_among(self, destination: str, outbox_ids: Iterable[int]) -> set[int]:
        """Those of `outbox_ids` that `destination` has confirmed (a delivery row written by
        this process or another: `network resend` beside a running console)."""
        wanted = sorted(set(outbox_ids))
        found: set[int] = set()
        for start in range(0, len(wanted), 500):   # under SQLite's bound on parameters
            chunk = wanted[start:start + 500]
            rows = self.conn.execute(
                "SELECT DISTINCT outbox_id FROM deliveries WHERE destination = ? AND outcome = ? "
                f"AND outbox_id IN ({', '.join('?' * len(chunk))})",
                [destination, DELIVERED, *chunk]).fetchall()
            found.update(int(r[0]) for r in rows)
        return found

    @_classified
    def undelivered(self, destination: str, failed_too: bool = False) -> list[OutboxRow]:
        """Outbox rows for `destination` with no delivery row there yet, in outbox order;
        `failed_too`: and those whose rows there are all failures (never delivered)."""
        final = (DELIVERED,) if failed_too else (DELIVERED, FAILED)
        rows = self.conn.execute(
            "SELECT id, session_id, control_id, kind, destinations, created_at, message "
            "FROM outbox AS o WHERE (' ' || destinations || ' ') LIKE ? AND NOT EXISTS ("
            "SELECT 1 FROM deliveries AS d WHERE d.outbox_id = o.id AND d.destination = ? "
            f"AND d.outcome IN ({', '.join('?' * len(final))})) ORDER BY id",
            [f"% {destination} %", destination, *final],
        ).fetchall()
        return [OutboxRow(r[0], r[1], r[2], r[3], frozenset(r[4].split()), parse_iso(r[5]), r[6])
                for r in rows]

    @staticmethod
    def _prepare(record: Record) -> list[object]:
        if isinstance(record, ObservationRecord):
            return _observation_values(record)
        if isinstance(record, AlarmTransition):
            return _alarm_values(record)
        if isinstance(record, EventRecord):
            return _event_values(record)
        if isinstance(record, SessionEnded):
            return [_stamp(record.ended_at, "ended_at")]
        raise TypeError(f"not a log record: {record!r}")

    def _write_one(
        self, conn: sqlite3.Connection, chains: _Chains, record: Record, values: list[object]
    ) -> int:
        if isinstance(record, SessionEnded):
            return self._end_session(conn, record.session_id, str(values[0]))
        table = (
            "observations" if isinstance(record, ObservationRecord)
            else "alarm_events" if isinstance(record, AlarmTransition)
            else "events"
        )
        try:
            return chains.append(table, values)
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" in str(exc):
                raise self._missing_reference(conn, record) from exc
            raise

    def _missing_reference(self, conn: sqlite3.Connection, record: Record) -> Exception:
        """Say which reference of a refused row points nowhere."""
        if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", [record.session_id]).fetchone():
            return UnknownSessionError(
                f"session {record.session_id} is not in the session log {self.path}"
            )
        corrects = getattr(record, "corrects", None)
        return ValueError(f"observation {corrects} to be corrected is not in {self.path}")

    def _end_session(self, conn: sqlite3.Connection, session_id: int, ended_at: str) -> int:
        cursor = conn.execute(
            "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
            [ended_at, session_id],
        )
        if cursor.rowcount == 1:
            return session_id
        row = conn.execute("SELECT ended_at FROM sessions WHERE id = ?", [session_id]).fetchone()
        if row is None:
            raise UnknownSessionError(f"session {session_id} is not in the session log {self.path}")
        raise SessionAlreadyEndedError(
            f"session {session_id} already ended at {row[0]}; its end cannot be recorded twice"
        )

    # --- reading ---

    @_classified
    def session(self, session_id: int) -> SessionRow:
        """The session with this id.

        Raises:
            UnknownSessionError: no such session (a KeyError).
        """
        row = self.conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", [session_id]
        ).fetchone()
        if row is None:
            raise UnknownSessionError(f"session {session_id} is not in the session log {self.path}")
        return _session_row(row)

    @_classified
    def open_sessions(self) -> list[SessionRow]:
        """Sessions not yet ended, newest first (what a restarted console offers to resume)."""
        rows = self.conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE ended_at IS NULL "
            "ORDER BY started_at DESC, id DESC"
        ).fetchall()
        return [_session_row(row) for row in rows]

    @_classified
    def last_entry_at(self, session_id: int, before: datetime | None = None) -> datetime:
        """When the bedside last cared for the session (its start when not since): how long ago
        a session left open stopped, for a start that would resume it. Care is a reading, or an
        event a person made (a tick, a note, a correction, a phase moved, a hand-over...); not
        the console's own records: its alarm rows (the prompts of checks overdue for days,
        raised by a resume), a resume, a close, a refused discharge (`_NOT_CARE_KINDS`) and a
        clinician's review note, written later: each made a session abandoned days before look
        fresh, and the next start resumed it for that day's treatment (the review audit, the
        phases review).

        Args:
            before: only what was logged before this time (`left_open`: the care before a
                resume).
        """
        until = _stamp(before, "before") if before is not None else None
        kinds = ", ".join(f"?{4 + i}" for i in range(len(_NOT_CARE_KINDS)))
        row = self.conn.execute(
            "SELECT max(t) FROM ("
            " SELECT started_at AS t FROM sessions WHERE id = ?1"
            " UNION ALL SELECT max(at) FROM events WHERE session_id = ?1"
            f"  AND (?2 IS NULL OR at < ?2) AND actor <> ?3 AND kind NOT IN ({kinds})"
            " UNION ALL SELECT max(received_at) FROM observations WHERE session_id = ?1"
            "  AND (?2 IS NULL OR received_at < ?2))",
            [session_id, until, ENGINE, *_NOT_CARE_KINDS]).fetchone()
        if row is None or row[0] is None:
            raise KeyError(f"no session {session_id}")
        return parse_iso(row[0])

    @_classified
    def resumed_at(self, session_id: int) -> list[datetime]:
        """When the session was resumed after a restart, oldest first."""
        rows = self.conn.execute(
            "SELECT at FROM events WHERE session_id = ? AND kind = ? ORDER BY at, id",
            [session_id, SESSION_RESUMED]).fetchall()
        return [parse_iso(at) for (at,) in rows]

    @_classified
    def sessions_for_patient(self, patient_id: str) -> list[SessionRow]:
        """Every session of one patient, oldest first, whatever the spelling of the identifier
        (`patient_fold`: case, doubled or no-break spaces)."""
        spellings = self.patient_spellings(patient_id)
        if not spellings:
            return []
        rows = self.conn.execute(
            f"SELECT {_SESSION_COLUMNS} FROM sessions "
            f"WHERE patient_id IN ({', '.join('?' * len(spellings))}) ORDER BY started_at, id",
            spellings,
        ).fetchall()
        return [_session_row(row) for row in rows]

    def patient_as_logged(self, patient_id: str) -> str:
        """The identifier a new session of this patient is filed under: as its newest session has
        it (`patient_fold`: "mrn-94 a" typed for MRN-94 A's next session is MRN-94 A in the
        record, the exports and the course), else as typed."""
        earlier = self.sessions_for_patient(patient_id)
        return earlier[-1].patient_id if earlier else patient_id

    @_classified
    def patient_spellings(self, patient_id: str) -> list[str]:
        """The identifiers in the log that are `patient_id` folded alike (`patient_fold`).

        Folded in Python over the distinct identifiers (read from the sessions_by_patient
        index): a clinic's log holds thousands of sessions, and SQLite has no Unicode folding.
        """
        return patient_spellings(self.conn, patient_id)

    @_classified
    def observations(self, session_id: int, after_id: int = 0) -> list[tuple[int, ObservationRecord]]:
        """A session's observations in id (= commit) order; only those after row `after_id`
        when given (what a reader already has need not be read again)."""
        parse = IsoParser()
        rows = self.conn.execute(
            "SELECT id, session_id, metric, value, unit, source, measured_at, received_at, "
            "entered_by, channel, flags, confirmed, corrects "
            "FROM observations WHERE session_id = ? AND id > ? ORDER BY id",
            [session_id, after_id],
        ).fetchall()
        return [
            (
                r[0],
                ObservationRecord(
                    session_id=r[1], metric=r[2], value=r[3], unit=r[4], source=r[5],
                    measured_at=parse(r[6]) if r[6] is not None else None,
                    received_at=parse(r[7]), entered_by=r[8], channel=r[9],
                    flags=frozenset(r[10].split()) if r[10] else _NO_FLAGS,
                    confirmed=bool(r[11]), corrects=r[12],
                ),
            )
            for r in rows
        ]

    @_classified
    def alarm_events(self, session_id: int) -> list[tuple[int, AlarmTransition]]:
        """A session's alarm transitions in id order."""
        rows = self.conn.execute(
            "SELECT id, session_id, occurrence, condition, category, priority, transition, at, "
            "message, value, threshold, actor FROM alarm_events WHERE session_id = ? ORDER BY id",
            [session_id],
        ).fetchall()
        return [
            (
                r[0],
                AlarmTransition(
                    session_id=r[1], occurrence=r[2], condition=r[3], category=r[4],
                    priority=r[5], transition=r[6], at=parse_iso(r[7]), message=r[8],
                    value=r[9], threshold=r[10], actor=r[11],
                ),
            )
            for r in rows
        ]

    @_classified
    def events(self, session_id: int, kinds: Collection[str] | None = None,
               after_id: int = 0) -> list[tuple[int, EventRecord]]:
        """A session's other events in id order; only those of `kinds` when given (a resume
        looking for one kind reads that kind, not a long session's every event), only those
        after row `after_id` when given (as `observations`)."""
        wanted = "" if kinds is None else f" AND kind IN ({', '.join('?' * len(kinds))})"
        rows = self.conn.execute(
            "SELECT id, session_id, at, kind, actor, detail FROM events "
            f"WHERE session_id = ? AND id > ?{wanted} ORDER BY id",
            [session_id, after_id, *(kinds or ())],
        ).fetchall()
        return [
            (r[0], EventRecord(session_id=r[1], at=parse_iso(r[2]), kind=r[3], actor=r[4],
                               detail=json.loads(r[5])))
            for r in rows
        ]

    # --- checking ---

    @_classified
    def verify(self) -> VerifyReport:
        """Recompute every row's hash chain; report the first row edited or deleted outside."""
        return verify_log(self.conn)

    def integrity_ok(self) -> bool:
        """True when SQLite's `PRAGMA integrity_check` finds the file sound.

        Raises:
            LogError: the check could not run for a reason other than damage (locked, I/O).
        """
        return integrity_ok(self.conn, self.path)
