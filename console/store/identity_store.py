"""The identity tables of the log: staff versions, sign-in attempts, signatures, access log.

Plain rows in and out (SQL only); the rules (hashing, lock-out, roles, what may be signed) are in
console/identity. Writes go through `EventLog.appending()`: one BEGIN IMMEDIATE transaction whose
rows are hash-chained like the records (chain.py) and whose chain heads are stored with them.
Reads take a connection, so the command line can read the access log through a read-only one.

Schema and meaning of every column: SCHEMA.md next to this file (migration 0003_staff).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from console.clock import iso, parse_iso
from console.store.chain import SIGNABLE_TABLES, VerifyReport, verify_table
from console.store import schema
from console.store.log import ChainedWriter, head_unreadable, read_head

FIRST_ACCOUNT_AFTER_EVENT: Final = "first_account_after_event"
"""The `meta` key holding the id of the last `events` row when the log's first staff account was
written ("0": none then; console/review/queries.py reads it). An event after it was written while
the log had accounts, whatever the clocks said: a clock fast when IT created the accounts, set
back since, had put every unsigned record of the next hours "before" them in the review."""

_STAFF_COLUMNS: Final = (
    "id, account, name, badge, roles, secret_hash, secret_kind, active, changed_at, changed_by, "
    "reason"
)


def stamp(t: datetime, what: str) -> str:
    """A time as stored; a naive one is refused (it would be read as local time)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {t!r})")
    return iso(t)


@dataclass(frozen=True, slots=True)
class StaffRow:
    """One version of an account (a `staff` row)."""

    id: int
    account: int
    name: str
    badge: str | None
    roles: str
    secret_hash: str
    secret_kind: str
    active: bool
    changed_at: datetime
    changed_by: int | None
    reason: str


def _staff_row(r: Sequence[object]) -> StaffRow:
    return StaffRow(
        id=int(str(r[0])), account=int(str(r[1])), name=str(r[2]),
        badge=None if r[3] is None else str(r[3]), roles=str(r[4]), secret_hash=str(r[5]),
        secret_kind=str(r[6]), active=bool(r[7]), changed_at=parse_iso(str(r[8])),
        changed_by=None if r[9] is None else int(str(r[9])), reason=str(r[10]))


def current_staff(conn: sqlite3.Connection) -> list[StaffRow]:
    """The newest version of every account, by account id."""
    rows = conn.execute(
        f"SELECT {_STAFF_COLUMNS} FROM staff AS s "
        "WHERE s.id = (SELECT max(v.id) FROM staff AS v WHERE v.account = s.account) "
        "ORDER BY account").fetchall()
    return [_staff_row(r) for r in rows]


def current_version(conn: sqlite3.Connection, account: int) -> StaffRow | None:
    """The newest version of one account, or None when there is no such account."""
    row = conn.execute(
        f"SELECT {_STAFF_COLUMNS} FROM staff WHERE account = ? ORDER BY id DESC LIMIT 1",
        [account]).fetchone()
    return None if row is None else _staff_row(row)


def staff_history(conn: sqlite3.Connection, account: int) -> list[StaffRow]:
    """Every version of one account, oldest first."""
    rows = conn.execute(f"SELECT {_STAFF_COLUMNS} FROM staff WHERE account = ? ORDER BY id",
                        [account]).fetchall()
    return [_staff_row(r) for r in rows]


def append_staff(w: ChainedWriter, account: int | None, name: str, badge: str | None,
                 roles: str, secret_hash: str, secret_kind: str, active: bool,
                 changed_at: datetime, changed_by: int | None, reason: str) -> int:
    """Append a version of an account (a new account when `account` is None: its id is the id
    of this first row). Returns the row id. The log's first account also records where it came
    among the events (`FIRST_ACCOUNT_AFTER_EVENT`), in the same transaction."""
    if account is None:
        account = w.next_id("staff")
        if w.conn.execute("SELECT NOT EXISTS (SELECT 1 FROM staff)").fetchone()[0]:
            w.conn.execute("INSERT OR IGNORE INTO meta(key, value) "
                           "SELECT ?, coalesce(max(id), 0) FROM events",
                           [FIRST_ACCOUNT_AFTER_EVENT])
    return w.append("staff", [account, name, badge, roles, secret_hash, secret_kind,
                              int(active), stamp(changed_at, "changed_at"), changed_by, reason])


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt that counts toward a lock-out (outcome ok or wrong)."""

    outcome: str
    at: datetime
    locked_until: datetime | None   # set on the wrong attempt that started a lock-out


def counted_attempts(conn: sqlite3.Connection, account: int, staff_version: int,
                     limit: int) -> list[Attempt]:
    """The newest `limit` ok/wrong attempts against this version of the account, newest first.

    Uses the partial index `sign_ins_counted`, so refused attempts while locked (any number)
    are never read.
    """
    rows = conn.execute(
        "SELECT outcome, at, locked_until FROM sign_ins INDEXED BY sign_ins_counted "
        "WHERE account = ? AND outcome IN ('ok', 'wrong') AND staff_version = ? "
        "ORDER BY id DESC LIMIT ?", [account, staff_version, limit]).fetchall()
    return [Attempt(str(r[0]), parse_iso(str(r[1])),
                    None if r[2] is None else parse_iso(str(r[2]))) for r in rows]


def append_sign_in(w: ChainedWriter, at: datetime, account: int | None,
                   staff_version: int | None, typed: str, outcome: str,
                   locked_until: datetime | None, purpose: str, station: str) -> int:
    """Append one sign-in attempt; returns its row id."""
    until = None if locked_until is None else stamp(locked_until, "locked_until")
    return w.append("sign_ins", [stamp(at, "at"), account, staff_version, typed, outcome, until,
                                 purpose, station])


@dataclass(frozen=True, slots=True)
class SignInRow:
    id: int
    at: datetime
    account: int | None
    staff_version: int | None
    typed: str
    outcome: str
    locked_until: datetime | None
    purpose: str
    station: str


def sign_in_rows(conn: sqlite3.Connection, account: int | None = None) -> list[SignInRow]:
    """Sign-in attempts in id order (of one account, or all)."""
    where, params = ("WHERE account = ?", [account]) if account is not None else ("", [])
    rows = conn.execute(
        "SELECT id, at, account, staff_version, typed, outcome, locked_until, purpose, station "
        f"FROM sign_ins {where} ORDER BY id", params).fetchall()
    return [SignInRow(int(r[0]), parse_iso(r[1]), r[2], r[3], str(r[4]), str(r[5]),
                      None if r[6] is None else parse_iso(r[6]), str(r[7]), str(r[8]))
            for r in rows]


def signed_row(conn: sqlite3.Connection, table: str, row_id: int) -> tuple[str, int] | None:
    """(row_hash, session id) of a record a signature may sign, or None when it is not there."""
    if table not in SIGNABLE_TABLES:
        raise ValueError(f"only rows of {', '.join(SIGNABLE_TABLES)} can be signed, not {table}")
    session = "id" if table == "sessions" else "session_id"
    row = conn.execute(f"SELECT row_hash, {session} FROM {table} WHERE id = ?",
                       [row_id]).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


@dataclass(frozen=True, slots=True)
class SignatureRow:
    """One `signatures` row."""

    id: int
    at: datetime
    account: int
    printed_name: str
    meaning: str
    session_id: int | None
    signed_table: str
    signed_id: int
    signed_hash: str


_SIGNATURE_COLUMNS: Final = (
    "id, at, account, printed_name, meaning, session_id, signed_table, signed_id, signed_hash"
)


def _signature_row(r: Sequence[object]) -> SignatureRow:
    return SignatureRow(int(str(r[0])), parse_iso(str(r[1])), int(str(r[2])), str(r[3]),
                        str(r[4]), None if r[5] is None else int(str(r[5])), str(r[6]),
                        int(str(r[7])), str(r[8]))


def append_signature(w: ChainedWriter, at: datetime, account: int, printed_name: str,
                     meaning: str, session_id: int | None, signed_table: str, signed_id: int,
                     signed_hash: str) -> SignatureRow:
    """Append one signature; returns it as stored."""
    row_id = w.append("signatures", [stamp(at, "at"), account, printed_name, meaning, session_id,
                                     signed_table, signed_id, signed_hash])
    return SignatureRow(row_id, parse_iso(stamp(at, "at")), account, printed_name, meaning,
                        session_id, signed_table, signed_id, signed_hash)


def signatures_for_session(conn: sqlite3.Connection, session_id: int) -> list[SignatureRow]:
    """A session's signatures in id order."""
    rows = conn.execute(f"SELECT {_SIGNATURE_COLUMNS} FROM signatures WHERE session_id = ? "
                        "ORDER BY id", [session_id]).fetchall()
    return [_signature_row(r) for r in rows]


def signatures_for_row(conn: sqlite3.Connection, table: str,
                       row_id: int) -> list[SignatureRow]:
    """The signatures of one record, in id order."""
    rows = conn.execute(f"SELECT {_SIGNATURE_COLUMNS} FROM signatures "
                        "WHERE signed_table = ? AND signed_id = ? ORDER BY id",
                        [table, row_id]).fetchall()
    return [_signature_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class AccessRow:
    """One `access_log` row."""

    id: int
    at: datetime
    account: int
    name: str
    what: str
    session_id: int | None
    format: str
    deidentified: bool
    station: str
    detail: str


def append_access(w: ChainedWriter, at: datetime, account: int, name: str, what: str,
                  session_id: int | None, fmt: str, deidentified: bool, station: str,
                  detail: str) -> int:
    """Append one read or export of a session's record; returns its row id."""
    return w.append("access_log", [stamp(at, "at"), account, name, what, session_id, fmt,
                                   int(deidentified), station, detail])


def has_access_log(conn: sqlite3.Connection) -> bool:
    """True when the file has the access_log table (a log written before 0003_staff has not)."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                        "name = 'access_log'").fetchone() is not None


def access_rows(conn: sqlite3.Connection, session_id: int | None = None) -> list[AccessRow]:
    """The access log in id order, of one session or all."""
    where, params = ("WHERE session_id = ?", [session_id]) if session_id is not None else ("", [])
    rows = conn.execute(
        "SELECT id, at, account, name, what, session_id, format, deidentified, station, detail "
        f"FROM access_log {where} ORDER BY id", params).fetchall()
    return [AccessRow(int(r[0]), parse_iso(r[1]), int(r[2]), str(r[3]), str(r[4]), r[5],
                      str(r[6]), bool(r[7]), str(r[8]), str(r[9])) for r in rows]


def check_access_log(conn: sqlite3.Connection) -> VerifyReport:
    """The access log held to its hash chain and to the head the log recorded in meta: whether
    its rows are the ones the console wrote (none edited, deleted or added outside it).

    The table alone, in the words of `verify` (a whole log's walk takes seconds); read it in
    the same read transaction as the rows shown (`console.store.log.read_snapshot`).

    A chain head in meta that is gone or garbled is reported as `verify` reports it: without
    it, rows deleted from the end (with the head) passed as sound.
    """
    unreadable = head_unreadable(conn, "access_log")
    if unreadable is not None and schema.made_by("access_log") in schema.applied_migrations(conn):
        return VerifyReport(False, ("access_log", 0), unreadable, 0)
    return verify_table(conn, "access_log", read_head(conn, "access_log"))
