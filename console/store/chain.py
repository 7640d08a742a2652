"""The hash chain that makes the log tamper-evident (quality bar R7): the one place the rule lives.

Each record table is its own chain. A row's `row_hash` is

    sha256( previous row's row_hash (same table), or GENESIS for the first row
            + "\\n" + canonical(table, row) ).hexdigest()

where `canonical` is a compact JSON array: the table name, then the row's content columns in the
order of `CHAINED_COLUMNS[table]` (the id included, so renumbering shows). Values are normalised
the way SQLite hands them back (booleans as 0/1, REAL columns as floats), so the hash computed
before the insert equals the one recomputed from the stored row. JSON columns are hashed as their
stored text. A zero in a REAL column is hashed as 0.0 whatever its sign: SQLite stores -0.0 as 0,
so the file cannot hold the sign (`recomputed_hash` also accepts the hash over "-0.0" an earlier
console wrote for a reading of -0, the only value whose sign was lost that way).

`sessions.ended_at` is deliberately outside the hash: it is the one column set after the insert (the
engine also records the end as an `events` row of kind `session_ended`, which is chained).

The chain detects a row edited or deleted outside the console. It cannot stop someone who rewrites
every hash after an edit with this very rule; that would need a key kept away from the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

GENESIS: Final = "infusion-console session log: genesis"

# The record tables, in the order verify() walks them.
RECORD_TABLES: Final = (
    "sessions", "observations", "alarm_events", "events", "outbox", "deliveries",
    "staff", "sign_ins", "signatures", "access_log",
)

# The tables whose rows a signature may sign (console/identity/signatures.py): the session record.
SIGNABLE_TABLES: Final = ("sessions", "observations", "alarm_events", "events")

# Content columns per table, in hash order. Inserts are built from the same tuples (log.py).
CHAINED_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "sessions": (
        "id", "patient_id", "protocol_id", "protocol_version", "session_number", "started_at",
        "nurse", "weight_kg", "demo", "details",
    ),
    "observations": (
        "id", "session_id", "metric", "value", "unit", "source", "channel", "flags",
        "measured_at", "received_at", "entered_by", "confirmed", "corrects",
    ),
    "alarm_events": (
        "id", "session_id", "occurrence", "condition", "category", "priority", "transition", "at",
        "value", "threshold", "message", "actor",
    ),
    "events": ("id", "session_id", "at", "kind", "actor", "detail"),
    # The clinic network's store and forward (console/store/outbox.py).
    "outbox": (
        "id", "session_id", "control_id", "kind", "destinations", "created_at", "message",
    ),
    "deliveries": ("id", "outbox_id", "destination", "outcome", "at", "detail"),
    # Who did it (console/store/identity_store.py, issue 13).
    "staff": (
        "id", "account", "name", "badge", "roles", "secret_hash", "secret_kind", "active",
        "changed_at", "changed_by", "reason",
    ),
    "sign_ins": (
        "id", "at", "account", "staff_version", "typed", "outcome", "locked_until", "purpose",
        "station",
    ),
    "signatures": (
        "id", "at", "account", "printed_name", "meaning", "session_id", "signed_table",
        "signed_id", "signed_hash",
    ),
    "access_log": (
        "id", "at", "account", "name", "what", "session_id", "format", "deidentified",
        "station", "detail",
    ),
}

# Columns with REAL affinity: SQLite returns them as floats even when given an int.
_REAL_COLUMNS: Final = frozenset({"weight_kg", "value"})
# Their positions in each table's values.
_REAL_AT: Final = {table: tuple(i for i, c in enumerate(columns) if c in _REAL_COLUMNS)
                   for table, columns in CHAINED_COLUMNS.items()}
# json.dumps with these options builds an encoder on every call (a fifth of a row's hash, P12).
# allow_nan=False: NaN would be stored as NULL by SQLite and could never verify.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def canonical(table: str, values: Sequence[object]) -> str:
    """Serialise one row's content columns (in `CHAINED_COLUMNS[table]` order) canonically.

    Values are normalised the way SQLite hands them back, so write-time and verify-time hashes
    agree: a bool as 0/1, a number in a REAL column as a float.
    """
    return _ENCODER.encode(_items(table, values))


def _items(table: str, values: Sequence[object]) -> list[object]:
    """The table name and the values, normalised as `canonical` says."""
    columns = CHAINED_COLUMNS[table]
    if len(values) != len(columns):
        raise ValueError(f"{table}: expected {len(columns)} values, got {len(values)}")
    items = [table, *[int(v) if v.__class__ is bool else v for v in values]]
    for index in _REAL_AT[table]:
        value = values[index]
        if value.__class__ is not bool and isinstance(value, int | float):
            # `or 0.0`: -0.0 as 0.0, as SQLite stores it (a reading of "-0" hashed as "-0.0"
            # never verified: a clean log read as edited outside the console).
            items[index + 1] = float(value) or 0.0
    return items


def _digest(previous: str, text: str) -> str:
    return hashlib.sha256((previous + "\n" + text).encode("utf-8")).hexdigest()


def row_hash(previous: str, table: str, values: Sequence[object]) -> str:
    """The row_hash of a row whose predecessor in the same table has hash `previous`."""
    return _digest(previous, canonical(table, values))


def recomputed_hash(previous: str, table: str, values: Sequence[object], stored: str) -> str:
    """The hash a stored row's content gives, to compare with its `stored` row_hash.

    `row_hash`, but for a row holding 0 in a REAL column whose stored hash is the one computed
    over -0.0: a console before the fix hashed a reading of -0 (an HL7 "-0.0") with its sign,
    and SQLite stored it as 0. Only the sign of that zero is given the benefit: the file cannot
    hold it, and any other value or column differs from both hashes as before.

    Raises:
        TypeError, ValueError: as `row_hash`, for a value the console never writes.
    """
    items = _items(table, values)
    digest = _digest(previous, _ENCODER.encode(items))
    if digest == stored:
        return digest
    # Each record table has at most one REAL column, so one other spelling to try.
    zeros = [i + 1 for i in _REAL_AT[table]
             if items[i + 1].__class__ is float and not items[i + 1]]
    if zeros:
        for index in zeros:
            items[index] = -0.0
        if _digest(previous, _ENCODER.encode(items)) == stored:
            return stored
    return digest


def row_values(table: str, row: Mapping[str, object]) -> list[object]:
    """Pick the content columns of `row` (a mapping by column name) in hash order."""
    return [row[c] for c in CHAINED_COLUMNS[table]]


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What `verify` found.

    Attributes:
        ok: every row of every record table matches the chain.
        first_bad: (table, row id) of the first row that does not, or None.
        message: one sentence for the nurse or the auditor: what differs, or that all is well.
        rows_checked: rows recomputed (up to and including the first bad one).
    """

    ok: bool
    first_bad: tuple[str, int] | None
    message: str
    rows_checked: int


@dataclass(frozen=True, slots=True)
class _Bad:
    row_id: int
    message: str


Head = tuple[int, str]


def _diagnose(
    table: str, row_id: int, expected: str, following: Sequence[object] | None,
    head: Head | None,
) -> str:
    """Say what differs about a row whose stored hash is not the expected one.

    When the next row chains onto the *expected* hash, the row's content is as recorded and only
    its row_hash column was changed; otherwise its content was changed (or the row before it was
    replaced by one with a recomputed hash, which looks the same from here). The last row has no
    next row: the chain head in meta (`head`) holds its hash as written, and answers instead.
    """
    if following is None and head == (row_id, expected):
        return hash_altered(table, row_id)
    if following is not None:
        next_values, next_stored = following[:-1], following[-1]
        try:
            chained = recomputed_hash(expected, table, next_values, str(next_stored))
        except (TypeError, ValueError):   # the next row is unreadable too: say nothing of it
            chained = None
        if chained == next_stored:
            return hash_altered(table, row_id)
    return (
        f"{table} row {row_id}: its content does not match its row_hash: it was edited outside "
        "the console, or the row before it was replaced"
    )


def hash_altered(table: str, row_id: int) -> str:
    """Say that only a row's row_hash column was changed."""
    return (f"{table} row {row_id}: its row_hash was altered outside the console (the content "
            "still matches the chain)")


def added_after(table: str, last_id: int) -> str:
    """Say that rows past the last one the log recorded (its chain head) were added."""
    return f"{table}: rows after {last_id} were added outside the console"


def _unhashable(table: str, row_id: int) -> str:
    """Say that a row holds a value of a kind the console never writes."""
    return (
        f"{table} row {row_id}: it holds a value of a kind the console never writes (bytes "
        "where text was written, or a number that is not one): the file is damaged there, or "
        "the row was edited outside the console"
    )


def _out_of_sequence(table: str, row_id: int, previous_id: int, chained: bool) -> str:
    """Say what a row whose id is not the one after `previous_id` (0: none before it) shows.

    The log numbers a table's rows 1, 2, 3... A row numbered at or below the one before it
    (id 0 in front of row 1) is none the console wrote: added. A gap is rows deleted, whatever
    the hashes say; unless the row's hash follows the row before the gap (`chained`): then no
    row of the gap was ever in the chain, and the row was added under an id of its own.
    """
    if row_id <= previous_id or chained:
        before = (f"the row after row {previous_id} is numbered {previous_id + 1}"
                  if previous_id else "its first row is numbered 1")
        return f"{table} row {row_id} was added outside the console (in this table {before})"
    missing = f"{previous_id + 1}" + (f" to {row_id - 1}" if row_id - 1 > previous_id + 1 else "")
    return (f"{table} row {row_id} no longer follows the row before it: "
            f"row(s) {missing} were deleted outside the console")


def _walk(rows: Iterator[Sequence[object]], table: str,
          head: Head | None) -> tuple[int, Head, _Bad | None]:
    """Recompute one table's chain. Returns rows checked, the last (id, hash) and the first bad.

    `head`: the chain head the log recorded in meta, or None (`_diagnose` of the last row)."""
    checked, previous = 0, (0, GENESIS)
    current = next(rows, None)
    while current is not None:
        following = next(rows, None)
        checked += 1
        values, stored = current[:-1], str(current[-1])
        row_id = int(str(values[0]))
        try:
            expected = recomputed_hash(previous[1], table, values, stored)
        except (TypeError, ValueError):
            # Bytes where the console wrote text, or a number that is none (NaN): no hash can
            # be computed, and the row is not as written (found by overwriting bytes of a log).
            return checked, previous, _Bad(row_id, _unhashable(table, row_id))
        if row_id != previous[0] + 1:
            return checked, previous, _Bad(row_id, _out_of_sequence(
                table, row_id, previous[0], chained=expected == stored))
        if expected != stored:
            return checked, previous, _Bad(row_id, _diagnose(table, row_id, expected, following,
                                                            head))
        previous, current = (row_id, stored), following
    return checked, previous, None


def _check_head(table: str, last: Head, head: Head | None) -> _Bad | None:
    """Compare the end of the chain with the head recorded in meta (rows removed from the end)."""
    if head is None or head == last:
        return None
    if head[0] > last[0]:
        return _Bad(
            last[0] + 1,
            f"{table}: rows {last[0] + 1} to {head[0]} were deleted from the end outside the "
            f"console (the log recorded its last row as {head[0]})",
        )
    if head[0] < last[0]:
        return _Bad(head[0] + 1, added_after(table, head[0]))
    return _Bad(last[0], f"{table} row {last[0]}: differs from the chain head the log recorded")


def verify_chains(conn: sqlite3.Connection, heads: Mapping[str, Head | None]) -> VerifyReport:
    """Walk every record table in id order, recompute each row_hash, report the first bad row.

    Args:
        conn: an open connection to the log.
        heads: per table to walk, the (last id, last row_hash) the log recorded in meta, or
            None; a table not named is not there (a log of an older schema, read as it is).
    """
    total = 0
    for table in (t for t in RECORD_TABLES if t in heads):
        checked, bad = _check_table(conn, table, heads.get(table))
        total += checked
        if bad is not None:
            return VerifyReport(False, (table, bad.row_id), bad.message, total)
    unended = _check_session_ends(conn)
    if unended is not None:
        return VerifyReport(False, ("sessions", unended.row_id), unended.message, total)
    unbound = _check_signatures(conn) if "signatures" in heads else None
    if unbound is not None:
        return VerifyReport(False, ("signatures", unbound.row_id), unbound.message, total)
    return VerifyReport(True, None, f"All {total} rows match their hash chains.", total)


def verify_table(conn: sqlite3.Connection, table: str, head: Head | None) -> VerifyReport:
    """Walk one record table in id order as `verify_chains` does, and hold its end to `head`.

    For a command that shows one table and must say whether it is as written (`infusion-console
    access-log`: the access log alone, not the whole log's seconds of walking).

    Args:
        conn: an open connection to the log.
        table: one of `RECORD_TABLES`, present in the file.
        head: the (last id, last row_hash) the log recorded in meta for it, or None.
    """
    checked, bad = _check_table(conn, table, head)
    if bad is not None:
        return VerifyReport(False, (table, bad.row_id), bad.message, checked)
    return VerifyReport(True, None, f"All {checked} rows of {table} match their hash chain.",
                        checked)


def _check_table(conn: sqlite3.Connection, table: str,
                 head: Head | None) -> tuple[int, _Bad | None]:
    """Rows checked and the first bad row of one table's chain, its recorded head included."""
    columns = ", ".join((*CHAINED_COLUMNS[table], "row_hash"))
    cursor = conn.execute(f"SELECT {columns} FROM {table} ORDER BY id")
    try:
        checked, last, bad = _walk(iter(cursor), table, head)
    finally:
        cursor.close()
    if bad is not None and head is not None and last == head and bad.row_id == head[0] + 1:
        # The chain is whole up to the end the log recorded: what follows was added, not
        # edited (a made-up reading after the last row read "edited", and an auditor looked
        # for a real reading changed: a review).
        return checked, _Bad(head[0] + 1, added_after(table, head[0]))
    return checked, bad or _check_head(table, last, head)


def _check_session_ends(conn: sqlite3.Connection) -> _Bad | None:
    """The first session whose `ended_at` disagrees with its chained `session_ended` event.

    `ended_at` is the one column the log updates (when the session ends), so it is outside the
    row's hash; the end itself is a chained event written in the same transaction. An end
    added, moved or removed outside the console would otherwise pass, and the review would show
    a session closed, or open, or lasting what nobody recorded.
    """
    for session_id, ended_at, recorded in conn.execute(
            "SELECT s.id, s.ended_at, (SELECT min(e.at) FROM events AS e WHERE "
            "e.session_id = s.id AND e.kind = 'session_ended') FROM sessions AS s ORDER BY s.id"):
        said = end_mismatch(int(session_id), ended_at, recorded)
        if said is not None:
            return _Bad(int(session_id), said)
    return None


def end_mismatch(session_id: int, ended_at: str | None, recorded: str | None) -> str | None:
    """What is wrong when a session's `ended_at` disagrees with its chained `session_ended`
    event's time (`recorded`), in verify's words; None when they agree."""
    if ended_at == recorded:
        return None
    if recorded is None:
        said = f"its end ({ended_at}) was set outside the console: no end was recorded"
    elif ended_at is None:
        said = f"its end was removed outside the console: it was recorded ending at {recorded}"
    else:
        said = (f"its end ({ended_at}) was changed outside the console: it was recorded "
                f"ending at {recorded}")
    return f"sessions row {session_id}: {said}"


def _check_signatures(conn: sqlite3.Connection) -> _Bad | None:
    """The first signature whose signed row is gone or no longer has the row_hash it signed.

    The chains already show an edited row; this also catches an edit whose author recomputed
    every later hash of that table (the signature still holds the hash of the row as signed).
    """
    first: _Bad | None = None
    for table in SIGNABLE_TABLES:
        row = conn.execute(
            f"SELECT s.id, s.signed_id, t.row_hash FROM signatures AS s "
            f"LEFT JOIN {table} AS t ON t.id = s.signed_id "
            "WHERE s.signed_table = ? AND (t.row_hash IS NULL OR t.row_hash != s.signed_hash) "
            "ORDER BY s.id LIMIT 1", [table]).fetchone()
        if row is not None and (first is None or int(row[0]) < first.row_id):
            state = ("is missing" if row[2] is None else
                     "no longer has the row_hash that was signed: it was changed after signing")
            first = _Bad(int(row[0]), f"signatures row {row[0]}: the signed {table} row {row[1]} "
                                      f"{state}")
    placeholders = ", ".join("?" * len(SIGNABLE_TABLES))
    other = conn.execute(
        f"SELECT id, signed_table FROM signatures WHERE signed_table NOT IN ({placeholders}) "
        "ORDER BY id LIMIT 1", SIGNABLE_TABLES).fetchone()
    if other is not None and (first is None or int(other[0]) < first.row_id):
        first = _Bad(int(other[0]), f"signatures row {other[0]}: it names {other[1]!r}, a table "
                                    "whose rows are never signed")
    return first
