"""Review queries: the session log read into `console.review.model` records. No Qt here.

Review never changes a recorded row. `open_readonly` opens the log with SQLite's `mode=ro` (or,
for a log closed cleanly, with writes refused by `PRAGMA query_only`), so a query cannot write
even by mistake; the one writing function, `annotate`, takes a writable `EventLog` and appends a
new attributed `events` row (kind `review_note`), which the log accepts for ended sessions too
(only `sessions.ended_at` is ever set on an existing row, and annotate does not touch it).

Quality bar P6 (≥ 200 sessions of 90 min at 1 Hz x 6 vitals, ~6.5 M observation rows): the list is
built from `sessions` plus index lookups of each listed session's alarm steps, discharge event and
clock steps (its length as its page says it), and a session loads through
`observations(session_id)`, so neither depends on the number of sessions in the file. Figures in
benchmarks/review_log.py.

A log damaged on disk fails only where it is damaged: every reader here turns SQLite's
environment failures into `UnreadableLogError` (a `LogError`) naming what could not be read and
what to do, so the review refuses that session, course or list and goes on with the rest.
`check_session_chain` holds one session's rows to the log's hash chain when it is opened (a row
changed outside the console); `changed_sessions` is its cheap part for the list.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import groupby
from operator import itemgetter
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar
from typing import Protocol as TypingProtocol
from urllib.parse import quote

from console.clock import IsoParser, iso, parse_iso
from console.records import (
    AUDIO_RESUMED, BASELINE_SET, SESSION_RESUMED, EventRecord, ObservationRecord,
)
from console.session.clock_steps import (
    AFTER_EVERY_EVENT, SESSION_LENGTH_KINDS, SESSION_START_ID, AlarmRow,
    ClockStep, LoggedAt, LoggedStep, is_unknown, logged_seconds, logged_steps, seconds_between,
    seconds_to_time, session_seconds,
)
from console.review.model import (
    ENTERED_IN_ERROR,
    NEEDS_SIGNATURE,
    PRIORITY_RANK,
    REVIEW_NOTE,
    AlarmEpisode,
    AlarmStep,
    AudioPause,
    BaselineChange,
    ChainCheck,
    ChecklistTick,
    Correction,
    CourseRow,
    DeviceStateChange,
    DischargeRefusal,
    GateDecision,
    LoggedEvent,
    Note,
    Observation,
    Override,
    SessionSignatures,
    SignatureEntry,
    UnsignedRecord,
    Restart,
    PhaseSpan,
    ScaleObservation,
    SessionDetail,
    SessionFilter,
    SessionSummary,
    VitalSeries,
    baseline_text,
    describe_event,
    first_dose_row,
    reopened_items,
    signature_meaning,
    ticked_texts,
)
from console.store import EventLog, LogError, UnknownSessionError, classify, is_environmental
from console.store.log import patient_fold, patient_spellings
from console.store import chain, schema
from console.store.log import (
    REVIEW_NOTE_KIND,
    head_unreadable,
    log_path_is,
    read_head,
    table_removed,
)
from console.session.device_rest import device_number
from console.session.trend_feed import (
    LINE_BREAK_KINDS, SAME_STEP_SECONDS, TrendFeed, before_the_session)
from console.session.engine import OBSERVED_AT
from console.session.clock_marks import ALARM_ROWS_BEFORE, CLOCK_STEPPED, OBSERVATIONS_BEFORE
from console.session.clock_marks import RunClocks, logged_count
from console.session.protocol_record import PROTOCOL_IN_FORCE, logged_protocol
from console.store.errors import RESTORE_STEP, check_openable, not_an_sqlite_file, sqlite_words
from console.store.wal_check import shm_of, wal_damage, wal_of
from devices.reading import (
    MANUAL, OTHER_CHANNEL, is_nibp_metric, is_patient_value, not_patient_flags,
)
from protocols.model import Protocol
from protocols.vitals import BP_METRICS, METRICS, SCALES, VITALS

__all__ = [
    "DEFAULT_LIMIT", "MissingLogError", "UnreadableLogError", "annotate", "changed_sessions",
    "check_session_chain", "clock_stepped", "count_hidden_demo", "dosing_seconds", "list_sessions",
    "load_course", "load_session",
    "load_signatures", "log_path", "open_readonly", "patients", "trend_records",
]

_PRIORITY_BY_RANK: Final = {rank: name for name, rank in PRIORITY_RANK.items()}
_RANK_SQL: Final = (
    "CASE priority WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"
)
_SESSION_COLUMNS: Final = (
    "id, patient_id, protocol_id, protocol_version, session_number, started_at, ended_at, "
    "nurse, weight_kg, demo, details"
)
_DEMO_COLUMN: Final = 9
# Event kinds that carry free text a nurse wrote during the session (`engine.note(kind=...)`).
_TEXT_KINDS_EXCLUDED: Final = frozenset({
    "phase_started", "phase_ended", "checklist_ticked", "override", "dosing_started",
    "gate_decision", "discharge_refused", "discharged", "session_ended", "correction",
    "device_state", "device_dropped", "device_resent", "session_resumed", "audio_paused",
    "audio_resumed", "threshold_changed", REVIEW_NOTE, PROTOCOL_IN_FORCE,
})
DEFAULT_LIMIT: Final = 500


class MissingLogError(FileNotFoundError):
    """There is no session log at the path given (review never creates one).

    The message says why when the path shows it: a folder, or a path that runs through a file
    (the words of the store's `not-a-file`), so nobody looks for a file that was never missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        super().__init__(f"no session log at {self.path}: {_why_no_log(self.path)}")

    def __str__(self) -> str:
        return str(self.args[0])


class UnreadableLogError(LogError):
    """A part of the log could not be read: a damaged page, a disk error, a lock.

    SQLite reads a file page by page, so a log damaged in one place (4 KB overwritten inside the
    observations) still lists its sessions and opens those stored elsewhere; the reader says which
    part failed, why, and what to do, and goes on with the rest. A damaged file's message names
    `infusion-console verify` and the backup. `cause`, `path` and `detail` are the store's
    (`console.store.classify`); `what` is the part ("Log session 3").
    """

    def __init__(self, error: LogError, what: str, others_readable: bool) -> None:
        super().__init__(error.path, error.cause, error.detail)
        self.what = what
        if error.cause == "corrupt":
            said = f" ({error.detail})" if error.detail else ""
            others = (" Other sessions stored in undamaged parts of the file still open."
                      if others_readable else "")
            text = (f"{what} could not be read: the session log {error.path} is damaged"
                    f"{said}.{others} Check the whole file with: infusion-console verify --db "
                    f"{error.path}; keep a copy of the file as it is, and {RESTORE_STEP}.")
        else:
            text = f"{what} could not be read. {error}"
        self.args = (text,)

    def __str__(self) -> str:
        return str(self.args[0])


def log_path(conn: sqlite3.Connection) -> Path:
    """The file `conn` reads (for messages that name it), or '?' when SQLite does not say."""
    try:
        for _, name, file in conn.execute("PRAGMA database_list"):
            if name == "main" and file:
                return Path(file)
    except sqlite3.Error:
        pass
    return Path("?")


@contextmanager
def _reading(conn: sqlite3.Connection, what: str, others_readable: bool = True) -> Iterator[None]:
    """Turn an environment failure while reading `what` into `UnreadableLogError` (a bug's
    exception, bad SQL, passes unchanged)."""
    try:
        yield
    except sqlite3.Error as exc:
        if not is_environmental(exc):
            raise
        raise UnreadableLogError(classify(exc, log_path(conn)), what, others_readable) from exc


@contextmanager
def _one_snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """Read as of one moment: one read transaction around the reads (ended by a ROLLBACK, it
    wrote nothing), unless the caller has one open already. On the review's autocommit
    connection each SELECT is its own snapshot, and a console writing this log commits at any
    moment between two of them."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        if own and conn.in_transaction:   # an error may have ended it already
            conn.execute("ROLLBACK")


def _why_no_log(path: Path) -> str:
    """The next step for a --db that is no log file: it names a folder, or runs through a file."""
    try:
        if path.is_dir():
            logs = sorted(p.name for p in path.glob("*.sqlite3"))[:3]
            held = f" (it holds {', '.join(logs)})" if logs else ""
            return f"it is a folder; give the log file itself with --db{held}"
        through = next((p for p in path.parents if p.is_file()), None)
    except OSError:   # an unreadable folder on the way: say what is always true
        through = None
    if through is not None:
        return (f"{through} is a file, not a folder; check the path, or choose the log file "
                "with --db")
    return "check the path, or choose the log file with --db"


# --- opening -------------------------------------------------------------------------------------


def open_readonly(path: Path, tables_removed_ok: bool = False) -> sqlite3.Connection:
    """Open the session log at `path` for reading only (`_connect_readonly`: how).

    Args:
        tables_removed_ok: open a log that recorded its schema changes but lacks a table every
            session is read from (meta, sessions, observations, alarm_events, events), removed
            outside the console: `verify`, which names it. Otherwise it is refused as damaged,
            naming the table (SQLite's "no such table" was a bug's error in the review).

    Raises:
        MissingLogError: no file at `path`.
        LogError: the file is not a session log, is damaged, locked, unreadable (its folder
            too: `log_path_is`) or was written by a newer console (the message names the file
            and the next step).
    """
    path = Path(path)
    if not log_path_is(path, Path.is_file):   # a folder closed to this user: a LogError
        raise MissingLogError(path)
    check_openable(path)
    try:   # before SQLite reads it: a damaged -wal frame would drop the commits after it unsaid
        damage = wal_damage(path)
    except OSError as exc:
        raise classify(exc, path) from exc
    if damage is not None:
        raise LogError(path, "corrupt", damage.message)
    try:
        conn = _connect_readonly(path)
    except sqlite3.Error as exc:
        if not_an_sqlite_file(exc, path):   # the header read only now: see its docstring
            raise LogError(path, "not-a-log", "it is not an SQLite database") from exc
        raise classify(exc, path) from exc
    try:
        tables = schema.user_tables(conn)
        whole = {"meta", "sessions", "observations", "alarm_events", "events"} <= tables
        applied = set(schema.applied_migrations(conn))
        # A file whose record of schema changes says it is a session log is one, a table of it
        # dropped outside the console included (`verify` names that table: its exit 1).
        if not whole and schema.made_by("sessions") not in applied:
            raise LogError(path, "not-a-log", "it has no session tables")
        version = schema.stored_schema_version(conn)
        if version is not None and version > schema.SCHEMA_VERSION:
            # A newer console records its schema change; a higher number over this console's own
            # changes is a damaged row ('4' read as '5'), not a reason to update the console.
            problem = schema.version_problem(conn)
            if problem is not None and problem.damaged:
                raise LogError(path, "corrupt", problem.message)
            raise LogError(path, "newer-schema", f"its schema version is {version}, this console "
                                                 f"knows up to {schema.SCHEMA_VERSION}")
        if not whole and not tables_removed_ok:
            removed = table_removed(conn, tables, applied)
            raise LogError(path, "corrupt", removed.message if removed is not None
                           else "it has no session tables")
    except BaseException as exc:
        conn.close()
        if isinstance(exc, sqlite3.Error) and is_environmental(exc):
            raise classify(exc, path) from exc
        if isinstance(exc, sqlite3.DatabaseError):
            raise LogError(path, "not-a-log", str(exc)) from exc
        raise
    return conn


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection, on read-only media too.

    A WAL log read with `mode=ro` needs its shared-memory file (-shm), which SQLite creates
    beside it: on a read-only disk (an archive, a write-protected copy under audit) it cannot,
    and the open fails. With no write-ahead log beside the file (a log closed cleanly leaves
    none) every committed row is in the file itself, so it is opened as `immutable` instead.
    With one, that would hide its rows: the open is refused, naming the folder as the cause
    (SQLite's own words, "unable to open database file", sent people to the file's permissions).

    A log closed cleanly (the file alone) in a folder this user may write is opened read-write
    instead, writes refused per connection (`PRAGMA query_only`, `_configured`): `mode=ro`
    created an empty -wal and a -shm beside it that only a read-write connection may remove,
    and left them (review 40), though `verify` promises the folder as it found it and a -wal
    says a console has the log open. The last read-write connection to close removes them;
    with nothing written the WAL is empty, so its checkpoint writes nothing to the file. With
    a -wal there already (a console writing, or one that crashed) `mode=ro` stays: the files
    were there, and a read-write close could checkpoint its rows into the file.

    A file this user may not write (a write-protected copy, restored with `cp -p` from a
    read-only archive) with no -wal beside it is opened `immutable` at once: `mode=ro` left an
    empty -wal and a -shm beside it, write-protected as the file, that no connection of this
    user could remove (and the console, started on the log once made writable, was refused as
    read-only for that -shm). No console of this user can be writing a file it cannot write,
    and every committed row is in the file.
    """
    # Bytes: a path that is not UTF-8 (a Latin-1 folder, "S\xe9ance") holds a surrogate
    # escape that quote() cannot encode as text; its bytes are what SQLite opens.
    uri = f"file:{quote(os.fsencode(path.resolve()))}"
    if _write_protected_alone(path):
        return _configured(sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True,
                                           isolation_level=None, check_same_thread=False))
    if _closed_cleanly_in_writable_folder(path):
        try:
            return _configured(sqlite3.connect(uri + "?mode=rw", uri=True, isolation_level=None,
                                               check_same_thread=False))
        except sqlite3.OperationalError:
            pass   # read as before: mode=ro, and its refusals in its words
    base = uri + "?mode=ro"
    try:
        return _configured(sqlite3.connect(base, uri=True, isolation_level=None,
                                           check_same_thread=False))
    except sqlite3.OperationalError as exc:
        wal = wal_of(path)   # beside the real file, links followed
        if wal.exists() and wal.stat().st_size > 0:
            if _folder_takes_no_shm(path):
                raise LogError(path, "read-only-wal", f"SQLite: {sqlite_words(exc)}") from exc
            raise
        return _configured(sqlite3.connect(base + "&immutable=1", uri=True, isolation_level=None,
                                           check_same_thread=False))


def _closed_cleanly_in_writable_folder(path: Path) -> bool:
    """No -wal beside the log (no console has it open: one would have made it), and this user
    may write the file and its folder (the -wal and -shm a read creates can be removed)."""
    return (not wal_of(path).exists()
            and os.access(path, os.W_OK) and os.access(wal_of(path).parent, os.W_OK))


def _write_protected_alone(path: Path) -> bool:
    """No -wal beside the log, and this user may not write the file."""
    return not os.path.lexists(wal_of(path)) and not os.access(path, os.W_OK)


def _folder_takes_no_shm(path: Path) -> bool:
    """True when the log's -shm file is missing and its folder cannot take a new file (a
    read-only mount, or a folder this user may not write)."""
    return (not shm_of(path).exists()
            and not os.access(shm_of(path).parent, os.W_OK))


def _configured(conn: sqlite3.Connection) -> sqlite3.Connection:
    # check_same_thread=False (above): the review window may load in a worker thread; the
    # connection only reads, and one thread uses it at a time.
    try:
        conn.execute("PRAGMA busy_timeout = 2000")
        conn.execute("PRAGMA query_only = ON")   # belt and braces: refuse writes per connection
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()   # opens it for real
    except BaseException:
        conn.close()
        raise
    return conn


def _contains_ci(text: object, part: object) -> int:
    """`part` within `text`, as patients are found (`patient_fold`: case, doubled and no-break
    spaces): the list's search found one of MRN-94 A's spellings where the course had three
    (review 45)."""
    return int(patient_fold(str(part)) in patient_fold(str(text)))


# --- small helpers -------------------------------------------------------------------------------



def _opt_time(text: str | None) -> datetime | None:
    return parse_iso(text) if text is not None else None


def _dose(details: dict[str, Any]) -> float | None:
    value = details.get("dose_mg")
    return float(value) if isinstance(value, int | float) else None


def _summary(
    row: Sequence[Any], details: dict[str, Any], ranks: Iterable[int], discharged_at: str | None,
    events: Sequence[LoggedEvent], against_gate: bool = False,
) -> SessionSummary:
    """The session's line; `events`: its events, or at least those of `SESSION_LENGTH_KINDS`
    (its length is net of the clock steps logged in it, as its page says it)."""
    started = parse_iso(row[5])
    ended = _opt_time(row[6])
    counts = {name: 0 for name in PRIORITY_RANK}
    highest = -1
    for rank in ranks:
        counts[_PRIORITY_BY_RANK[rank]] += 1
        highest = max(highest, rank)
    return SessionSummary(
        id=row[0], patient_id=row[1], protocol_id=row[2], protocol_version=row[3],
        session_number=row[4], started_at=started, ended_at=ended, nurse=row[7],
        weight_kg=row[8], demo=bool(row[9]), dose_mg=_dose(details),
        duration=(timedelta(seconds=session_seconds(started, ended, events))
                  if ended is not None else None),
        highest_priority=_PRIORITY_BY_RANK.get(highest), alarm_count=sum(counts.values()),
        discharged_at=_opt_time(discharged_at), alarms_by_priority=counts,
        against_gate=against_gate and discharged_at is not None,
    )


def _day_start(day: date, tz: tzinfo | None) -> str:
    """The instant `day` begins in `tz`, or in this computer's zone when None: by the zone's
    rules for that date (today's fixed offset bounded a July day by GMT midnights when the
    review was opened in January, so a session at 00:30 BST was listed under the day before).

    The first instant whose local date is `day`: where clocks go forward at midnight (Chile,
    Cuba, Lebanon, Paraguay) 00:00 never happens and the day begins at 01:00, and the C
    library read the missing midnight as 23:00 the day before; a midnight that happens twice
    begins the day at its first occurrence."""
    midnight = datetime.combine(day, time(0))
    candidates = [midnight.replace(tzinfo=tz, fold=fold) if tz is not None
                  else midnight.replace(fold=fold).astimezone() for fold in (0, 1)]
    on_day = [c for c in candidates if c.astimezone(tz).date() == day]
    return iso(min(on_day or candidates))


# --- the session list ----------------------------------------------------------------------------


def real_days_of(flt: SessionFilter, shift: timedelta, margin_days: int = 0) -> SessionFilter:
    """The filter on the log's real dates under a de-identified list's filter `flt`, whose
    days are the dates the list shows (each session moved by `shift`, whole weeks back).

    Args:
        flt: the filter as the reader set it, on the dates shown.
        shift: the list's shift of every date (deidentify.shift_for).
        margin_days: days added on each side, for a caller that keeps only the sessions whose
            shown date is inside `flt` (a shown time of day may move by a change of offset).
    """
    days = timedelta(days=shift.days)
    margin = timedelta(days=margin_days)
    return replace(flt, since=flt.since - days - margin if flt.since is not None else None,
                   until=flt.until - days + margin if flt.until is not None else None)


def list_sessions(
    conn: sqlite3.Connection, flt: SessionFilter | None = None, limit: int = DEFAULT_LIMIT,
    tz: tzinfo | None = None,
) -> list[SessionSummary]:
    """Sessions matching `flt`, newest first, at most `limit`.

    Args:
        conn: a connection from `open_readonly` (or `EventLog.conn`).
        flt: the filter (default: every non-demo session).
        limit: the most rows returned.
        tz: the zone in which `flt.since` / `flt.until` are calendar days (default: this
            computer's zone, by its rules for each date; a clinic means its own days).

    Raises:
        UnreadableLogError: the log could not be read (damaged, a disk error, locked).
    """
    flt = flt or SessionFilter()
    with _reading(conn, "The session list", others_readable=False):
        return _list_sessions(conn, flt, limit, tz)


def count_hidden_demo(conn: sqlite3.Connection, flt: SessionFilter,
                      tz: tzinfo | None = None) -> int:
    """How many demo sessions `flt` would list with `include_demo` ticked, when it is not (0
    when it is): the list says so, so a search for a demo patient does not read as none.

    Raises:
        UnreadableLogError: the log could not be read.
    """
    if flt.include_demo:
        return 0
    with _reading(conn, "The session list", others_readable=False):
        where, params = _where(flt, tz, conn)
        row = conn.execute(f"SELECT count(*) FROM sessions AS s WHERE {where} AND s.demo = 1",
                           params).fetchone()
    return int(row[0])


def _where(flt: SessionFilter, zone: tzinfo | None,
           conn: sqlite3.Connection) -> tuple[str, list[object]]:
    """The WHERE clause (demo rule left out) and its parameters for `flt`."""
    where: list[str] = ["1"]
    params: list[object] = []
    if flt.patient.strip():
        where.append("_contains_ci(s.patient_id, ?)")
        params.append(flt.patient.strip())
    if flt.protocol_id:
        where.append("s.protocol_id = ?")
        params.append(flt.protocol_id)
    if flt.since is not None:
        where.append("s.started_at >= ?")
        params.append(_day_start(flt.since, zone))
    if flt.until is not None:
        where.append("s.started_at < ?")
        params.append(_day_start(flt.until + timedelta(days=1), zone))
    if flt.high_alarm_only:
        where.append("EXISTS (SELECT 1 FROM alarm_events AS a "
                     "WHERE a.session_id = s.id AND a.priority = 'high')")
    # Registered per call: the connection may be EventLog.conn rather than open_readonly's.
    conn.create_function("_contains_ci", 2, _contains_ci, deterministic=True)
    return " AND ".join(where), params


def _list_sessions(conn: sqlite3.Connection, flt: SessionFilter, limit: int,
                   zone: tzinfo | None) -> list[SessionSummary]:
    where, params = _where(flt, zone, conn)
    if not flt.include_demo:
        where += " AND s.demo = 0"
    rows = conn.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions AS s WHERE {where} "
        "ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
        [*params, int(limit)],
    ).fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    ranks = _occurrence_ranks(conn, ids)
    discharged = _discharge_times(conn, ids)
    against = _discharged_against_gate(conn, ids)
    timed = _events_of(conn, ids, SESSION_LENGTH_KINDS)   # lengths net of clock steps
    return [
        _summary(row, json.loads(row[10]), ranks.get(row[0], ()), discharged.get(row[0]),
                 timed.get(row[0], []), row[0] in against)
        for row in rows
    ]


def _in_list(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


def _occurrence_ranks(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[int]]:
    """session id -> the highest rank each of its alarm occurrences reached."""
    out: dict[int, list[int]] = defaultdict(list)
    for session_id, rank in conn.execute(
        f"SELECT session_id, MAX({_RANK_SQL}) FROM alarm_events "
        f"WHERE session_id IN ({_in_list(ids)}) GROUP BY session_id, occurrence"
    ):
        out[session_id].append(rank)
    return out


def _discharged_against_gate(conn: sqlite3.Connection, ids: Sequence[int]) -> set[int]:
    """The sessions whose discharge overrode the discharge gate (the list says so: a discharge
    at T0 + 6 min read as any other, a nurse walk)."""
    return {row[0] for row in conn.execute(
        f"SELECT DISTINCT session_id FROM events WHERE session_id IN ({_in_list(ids)}) "
        "AND kind = 'override' AND json_extract(detail, '$.action') = 'discharge'")}


def _discharge_times(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    return dict(conn.execute(
        f"SELECT session_id, MIN(at) FROM events WHERE session_id IN ({_in_list(ids)}) "
        "AND kind = 'discharged' GROUP BY session_id"
    ).fetchall())


# --- one session ---------------------------------------------------------------------------------


def load_session(
    conn: sqlite3.Connection, session_id: int, with_observations: bool = False
) -> SessionDetail:
    """Everything about one session.

    Args:
        conn: a connection from `open_readonly` (or `EventLog.conn`).
        session_id: `sessions.id`.
        with_observations: also return every observation row as stored (corrected rows
            included), for exports; the review window does not need it.

    The rows are read in one read transaction (unless `conn` is in one already): a session
    still running is read as of one moment, never half before and half after a commit.

    Raises:
        UnknownSessionError: no session with that id (a KeyError with a readable message).
        UnreadableLogError: its rows could not be read (a damaged part of the file, a disk
            error): the message says which session and what to do.
    """
    # One read transaction: the chair may commit a discharge between the read of the session's
    # row and that of its events, which gave "Discharged 09:03" beside "still open".
    with _reading(conn, f"Log session {session_id}"), _one_snapshot(conn):
        return _load_session(conn, session_id, with_observations)


def clock_stepped(conn: sqlite3.Connection, session_id: int) -> bool:
    """Whether the session logged a step of the station's clock (`clock_stepped`): a REMS
    draft then needs the session's rows to place its records against the dose
    (`console.export.rems`), which cost a 2-hour session's read about half a second.

    Raises:
        UnreadableLogError: its events could not be read.
    """
    with _reading(conn, f"Log session {session_id}"):
        return conn.execute("SELECT 1 FROM events WHERE session_id = ? AND kind = ? LIMIT 1",
                            [session_id, CLOCK_STEPPED]).fetchone() is not None


def _load_session(
    conn: sqlite3.Connection, session_id: int, with_observations: bool
) -> SessionDetail:
    row = conn.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", [session_id]
    ).fetchone()
    if row is None:
        raise UnknownSessionError(f"session {session_id} is not in the session log")
    details = json.loads(row[10])
    started = parse_iso(row[5])
    ended = _opt_time(row[6])
    times = IsoParser()

    events = tuple(
        LoggedEvent(id=r[0], at=times(r[1]), kind=r[2], actor=r[3], detail=json.loads(r[4]))
        for r in conn.execute(
            "SELECT id, at, kind, actor, detail FROM events WHERE session_id = ? ORDER BY id",
            [session_id],
        )
    )
    alarms = _episodes(conn, session_id, times, _alarms_taken_back(conn, session_id))
    discharged = next((e for e in events if e.kind == "discharged"), None)
    summary = _summary(
        row, details, (PRIORITY_RANK[a.priority] for a in alarms),
        iso(discharged.at) if discharged else None, events,
        any(e.kind == "override" and e.detail.get("action") == "discharge" for e in events),
    )
    vitals, scales, observations = _observations(conn, session_id, started, with_observations,
                                                 summary.demo)
    parts = _from_events(events, ended)
    parts["corrections"] = _replaced(conn, session_id, started, parts["corrections"])
    return SessionDetail(
        summary=summary, details=details, protocol_version=row[3], vitals=vitals, scales=scales,
        alarms=alarms, events=events, observations=observations,
        discharge=dict(discharged.detail) if discharged else None,
        restarts=_restarts(conn, session_id, started), **parts,
    )


def _restarts(conn: sqlite3.Connection, session_id: int, started: datetime) -> tuple[Restart, ...]:
    """The console's restarts in a session, each with the last record before it and the alarm
    row its `ALARM_ROWS_BEFORE` counts to (`Restart`)."""
    out = []
    row_ids: list[int] | None = None
    since: tuple[int, int | None, int | None] = (0, 0, 0)   # where the clock last read anew
    for event_id, at, kind, actor, detail in conn.execute(
            "SELECT id, at, kind, actor, detail FROM events WHERE session_id = ? "
            "AND kind IN ('session_resumed', ?) ORDER BY id", [session_id, CLOCK_STEPPED],
    ).fetchall():
        said = _detail_of(detail)
        before = logged_count(said.get(ALARM_ROWS_BEFORE))
        here = (event_id, logged_count(said.get(OBSERVATIONS_BEFORE)), before)
        if kind == CLOCK_STEPPED:
            since = here
            continue
        last = (_last_record_since(conn, session_id, since, here)
                or _last_record_by_time(conn, session_id, at))
        restored = [o for o in said.get("restored_occurrences") or []
                    if isinstance(o, dict) and o.get("priority") != "info"]   # not the prompts
        if before is not None and row_ids is None:
            row_ids = [r[0] for r in conn.execute(
                "SELECT id FROM alarm_events WHERE session_id = ? ORDER BY id", [session_id])]
        out.append(Restart(parse_iso(last) if last else started, parse_iso(at), str(actor),
                           len(restored),
                           _last_row(row_ids or [], before) if before is not None else None,
                           event_id))
        since = here
    return tuple(out)


def _last_record_since(conn: sqlite3.Connection, session_id: int,
                       since: tuple[int, int | None, int | None],
                       restart: tuple[int, int | None, int | None]) -> str | None:
    """The time of the last record (event, alarm step or reading received) logged before the
    restart and after the console's clock last read anew (its start, a restart or a logged clock
    step, whose own event is on the new clock): one clock with the restart's, so the two measure
    the stop (review 44: NTP set back a minute before a crash read the latest time before the
    restart from before the step, 0:10 min for a 1:04 min stop). None when the log does not
    count its rows (an older console) or nothing was logged.

    The restart's own records are not the stopped console's: `SessionEngine.resume` logs
    "Audio pause ended: the console restarted" just before `session_resumed`, at its time (review
    45: a restart under an audio pause read its stop as 0:00 min and charged the nurse with it).
    Its alarm rows are past `ALARM_ROWS_BEFORE`, so only that event needs leaving out."""
    (first_event, first_obs, first_row), (event, obs, rows) = since, restart
    if first_obs is None or first_row is None or obs is None or rows is None:
        return None
    found: str | None = conn.execute(
        "SELECT MAX(t) FROM ("
        "SELECT MAX(at) AS t FROM events WHERE session_id = ?1 AND id >= ?2 AND id < ?3 "
        "AND kind <> ?4 AND NOT (id = ?3 - 1 AND kind = ?9 "
        "AND at = (SELECT at FROM events WHERE id = ?3)) "
        "UNION ALL SELECT MAX(at) FROM (SELECT at FROM alarm_events WHERE session_id = ?1 "
        "ORDER BY id LIMIT ?5 OFFSET ?6) "
        "UNION ALL SELECT MAX(received_at) FROM (SELECT received_at FROM observations "
        "WHERE session_id = ?1 ORDER BY id LIMIT ?7 OFFSET ?8))",
        [session_id, first_event, event, REVIEW_NOTE, max(0, rows - first_row), first_row,
         max(0, obs - first_obs), first_obs, AUDIO_RESUMED],
    ).fetchone()[0]
    return found


def _last_record_by_time(conn: sqlite3.Connection, session_id: int, at: str) -> str | None:
    """The latest record time before the restart's `at`, for an older log that does not count
    its rows (`_last_record_since`). Strictly before: the restart's own records (its
    `audio_resumed`, the alarms it ended) carry its time and are not the stopped console's."""
    # Times are stored in one ISO form (console.clock.iso), so text order is time order.
    found: str | None = conn.execute(
        "SELECT MAX(t) FROM ("
        # A review note is written after the session, not at the bedside (the review
        # audit: a note read as the last record made a 262-day gap "0:01 min").
        "SELECT MAX(at) AS t FROM events WHERE session_id = ?1 AND at < ?2 AND kind <> ?3 "
        "UNION ALL SELECT MAX(at) FROM alarm_events WHERE session_id = ?1 AND at < ?2 "
        "UNION ALL SELECT MAX(received_at) FROM observations "
        "WHERE session_id = ?1 AND received_at < ?2)", [session_id, at, REVIEW_NOTE]
    ).fetchone()[0]
    return found


def _last_row(row_ids: Sequence[int], before: int) -> int:
    """The id of the last of the session's first `before` alarm rows (`ALARM_ROWS_BEFORE`; 0:
    none)."""
    return row_ids[min(before, len(row_ids)) - 1] if before > 0 and row_ids else 0


def _replaced(conn: sqlite3.Connection, session_id: int, started: datetime,
              corrections: tuple[Correction, ...]) -> tuple[Correction, ...]:
    """`corrections` with what each correction replaced (`Correction.replaced_value`,
    `replaced_seconds`): the corrected row's value, and the time of the measurement it stands
    for (`_corrected_rows`). A value entered in error replaces nothing."""
    if all(c.entered_in_error for c in corrections):
        return corrections
    rows = _corrected_rows(conn, session_id,
                           {c.corrects for c in corrections if not c.entered_in_error})
    out = []
    for c in corrections:
        if c.entered_in_error or c.corrects not in rows:
            out.append(c)
            continue
        value, at = rows[c.corrects]
        out.append(replace(c, replaced_value=value,
                           replaced_seconds=(at - started).total_seconds()))
    return tuple(out)


def _corrected_rows(conn: sqlite3.Connection, session_id: int,
                    ids: set[int]) -> dict[int, tuple[float, datetime]]:
    """Corrected row id -> (the value it held, when the measurement it stands for was
    received), following a correction of a correction back to the first row; a row not in the
    log is left out. Corrections are few: their rows are read by id."""
    rows: dict[int, tuple[int, float, str, int | None]] = {}
    wanted = set(ids)
    while wanted:
        found = conn.execute(
            "SELECT id, value, received_at, corrects FROM observations "
            f"WHERE session_id = ? AND id IN ({_in_list(sorted(wanted))})", [session_id]
        ).fetchall()
        rows.update((r[0], (r[0], r[1], r[2], r[3])) for r in found)
        wanted = {r[3] for r in found if r[3] is not None} - rows.keys()
    first = {i: _first_measurement(rows[i], rows, lambda r: (r[0], r[3])) for i in ids if i in rows}
    return {i: (rows[i][1], parse_iso(row[2])) for i, row in first.items()}


_Row = TypeVar("_Row")


def _first_measurement(row: _Row, by_id: Mapping[int, _Row],
                       links: Callable[[_Row], tuple[int, int | None]]) -> _Row:
    """The row of the measurement `row` stands for: through a correction of a correction, the
    first row of `by_id` it corrects; `row` itself when it corrects none there. `links`: a
    row's id and the id it corrects. A chain that comes round again (a log changed outside the
    console) ends before it repeats. One walk for the vitals table, the trend and the course."""
    seen = {links(row)[0]}
    earlier = links(row)[1]
    while earlier is not None and earlier in by_id and earlier not in seen:
        seen.add(earlier)
        row = by_id[earlier]
        earlier = links(row)[1]
    return row


def _alarms_taken_back(conn: sqlite3.Connection, session_id: int) -> dict[int, str]:
    """Alarm occurrences raised by a value that was later entered in error or corrected:
    occurrence -> what became of it (a clinician read a mis-clicked MOAA/S 1 as deep sedation
    in the review, its PDF and the course's count).

    An alarm step is linked to the one observation that raised it: the console commits a value
    before it notifies of it, so that is the latest row of the metric with the step's value
    received at or before the step (kept or taken back). Only when that row was taken back is
    the alarm marked: a nurse's typed copy of the monitor's HR 135, voided as a duplicate 1.5 s
    after the monitor's 135 raised its alarm, had marked the monitor's real alarm "value entered
    in error" when any same value within 2 s counted (a review audit)."""
    corrected_by: dict[int, tuple[int, str]] = {}   # row -> (the row correcting it, its value)
    for row_id, corrects, name, value in conn.execute(
        "SELECT id, corrects, metric, value FROM observations INDEXED BY observations_corrects "
        "WHERE corrects IS NOT NULL AND session_id = ?", [session_id]
    ):
        m = METRICS.get(name)
        shown = f"{m.format(value)} {m.unit}" if m is not None else f"{value:g}"
        corrected_by[int(corrects)] = (int(row_id), shown)
    voided = {int(observation) for (observation,) in conn.execute(
        "SELECT json_extract(detail, '$.observation') FROM events "
        "WHERE session_id = ? AND kind = 'entered_in_error'", [session_id]
    ) if observation is not None}
    fates: dict[int, str] = {}
    for row_id in corrected_by:
        # The value the measurement ended as: a correction corrected again, or taken back (a
        # MOAA/S 2 corrected to 4, the 4 then entered in error, read "corrected to 4": a
        # clinician took 4 as the patient's score, which counts nowhere).
        last, seen = row_id, {row_id}
        while last in corrected_by and corrected_by[last][0] not in seen:
            shown = corrected_by[last][1]
            last = corrected_by[last][0]
            seen.add(last)
        fates[row_id] = (f"value corrected to {shown}, which was entered in error"
                         if last in voided else f"value corrected to {shown}")
    for observation in voided:
        fates[observation] = ENTERED_IN_ERROR
    if not fates:
        return {}
    # A monitor's value is stamped when the port read it, its alarm when the engine took it: a
    # few milliseconds apart (a typed value and its alarm share one time). Times are stored in
    # one ISO form (console.clock.iso), so text order is time order. A row taken back is the
    # raising one only when no later row of its metric and value came by the step. An
    # escalation the value caused is named as such.
    marks: dict[int, str] = {}
    for occurrence, transition, obs_id in conn.execute(
        "SELECT a.occurrence, a.transition, o.id FROM alarm_events AS a JOIN observations AS o "
        "ON o.session_id = a.session_id AND o.value = a.value "
        "AND o.received_at <= a.at "
        "AND (julianday(a.at) - julianday(o.received_at)) * 86400 <= ? "
        "AND substr(a.condition, 1, length(o.metric) + 1) = o.metric || '_' "
        "WHERE a.session_id = ? AND a.transition IN ('raised', 'escalated') "
        f"AND o.id IN ({_in_list(list(fates))}) "
        "AND NOT EXISTS (SELECT 1 FROM observations AS later "
        "WHERE later.session_id = o.session_id AND later.metric = o.metric "
        "AND later.value = o.value AND later.received_at <= a.at "
        "AND (later.received_at > o.received_at "
        "OR (later.received_at = o.received_at AND later.id > o.id))) "
        "ORDER BY a.id",
        [SAME_STEP_SECONDS, session_id],
    ):
        if occurrence not in marks:
            marks[occurrence] = (fates[obs_id] if transition == "raised"
                                 else f"escalated by a {fates[obs_id]}")
    return marks


def _episodes(
    conn: sqlite3.Connection, session_id: int, times: IsoParser,
    taken_back: Mapping[int, str] | None = None,
) -> tuple[AlarmEpisode, ...]:
    steps_by: dict[int, list[tuple[Any, ...]]] = {}
    row_times: list[tuple[int, datetime]] = []
    for r in conn.execute(
        "SELECT occurrence, condition, category, priority, transition, at, value, threshold, "
        "message, actor, id FROM alarm_events WHERE session_id = ? ORDER BY id",
        [session_id],
    ):
        steps_by.setdefault(r[0], []).append(r)
        row_times.append((r[10], times(r[5])))
    clock = _clock_steps(conn, session_id, times, row_times)
    episodes = []
    for occurrence, rows in steps_by.items():
        steps = tuple(AlarmStep(at=times(r[5]), transition=r[4], priority=r[3], actor=r[9],
                                value=r[6], message=r[8], id=r[10]) for r in rows)
        raising = next((s for s in steps if s.transition == "raised"), steps[0])
        acknowledged = next((s for s in steps if s.transition == "acknowledged"), None)
        cleared = max((s.at for s in steps if s.transition == "cleared"), default=None)
        rank = max(PRIORITY_RANK.get(r[3], 0) for r in rows)
        clock_steps = _clock_steps_within(clock, steps, raising.at)
        first = rows[steps.index(raising)]
        episodes.append(AlarmEpisode(
            occurrence=occurrence, condition=first[1], category=first[2],
            priority=_PRIORITY_BY_RANK[rank], raised_at=raising.at,
            acknowledged_at=acknowledged.at if acknowledged is not None else None,
            cleared_at=cleared,
            seconds_to_acknowledge=(
                seconds_between(raising, acknowledged, clock_steps, raising.at)
                if acknowledged is not None else None),
            value=first[6], threshold=first[7], message=first[8],
            steps=steps, taken_back=(taken_back or {}).get(occurrence, ""),
            clock_steps=clock_steps,
        ))
    episodes.sort(key=lambda e: (e.raised_at, e.occurrence))
    return tuple(episodes)


@dataclass(frozen=True, slots=True)
class _SessionClockStep:
    """A logged `clock_stepped` of the session, placed among its alarm rows (`ClockStep`)."""

    at: datetime
    step_s: float
    after_row: int | None
    since_row: int


def _clock_steps(
    conn: sqlite3.Connection, session_id: int, times: IsoParser,
    rows: Sequence[tuple[int, datetime]],
) -> list[_SessionClockStep]:
    """The session's wall-clock steps, each placed after the alarm row its `ALARM_ROWS_BEFORE`
    counts to and reaching back as the engine's replay moves rows (`SessionEngine.resume`):
    through the restarts it does not correct (`run_reached`), not across one whose clock it
    put right (the first step to do so: `RunClocks`) or an older log's restart, which did not
    say how its clock met the log."""

    ids = [r for r, _ in rows]

    def row_id(before: int) -> int:
        return _last_row(ids, before)

    out: list[_SessionClockStep] = []
    runs: list[int] = [0]   # the alarm rows before each run
    clocks = RunClocks()    # each run's gap, and the restarts a step put right (once each)
    for at_text, kind, text in conn.execute(
        "SELECT at, kind, detail FROM events WHERE session_id = ? "
        "AND kind IN ('session_resumed', ?) ORDER BY id", [session_id, CLOCK_STEPPED],
    ):
        at, detail = times(at_text), _detail_of(text)
        before = logged_count(detail.get(ALARM_ROWS_BEFORE))
        if kind == SESSION_RESUMED:
            gap = detail.get("clock_gap_s")
            runs.append(before if before is not None else sum(t < at for _, t in rows))
            clocks.restarted(float(gap) if isinstance(gap, int | float) else None)
            continue
        step_s = detail.get("step_s", 0.0)
        step_s = float(step_s) if isinstance(step_s, int | float) else 0.0
        reach = clocks.stepped(step_s)
        out.append(_SessionClockStep(at, step_s, row_id(before) if before is not None else None,
                                     row_id(runs[reach])))
    return out


def _detail_of(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text or "{}")
    except ValueError:   # a damaged detail: the step cannot be placed, as an older log's
        return {}
    return found if isinstance(found, dict) else {}


def _clock_steps_within(
    steps: Sequence[_SessionClockStep], rows: Sequence[AlarmStep], raised_at: datetime
) -> tuple[ClockStep, ...]:
    """The session's clock steps that may come within an occurrence's rows (`ClockStep`; the
    rule that uses them: `seconds_between`): placed between its first and last row, or, when
    the log does not place it, every one (few; their times decide)."""
    first, last = rows[0].id, rows[-1].id
    return tuple(
        ClockStep(step_s=s.step_s, logged_s=(s.at - raised_at).total_seconds(),
                  after_row=s.after_row, since_row=s.since_row)
        for s in steps if s.after_row is None or first <= s.after_row < last)


def _corrected_ids(conn: sqlite3.Connection, session_id: int) -> set[int]:
    """Rows that no longer count: corrected by a later row, or entered in error (an event).

    The partial index observations_corrects holds only correcting rows (few), so this does not
    walk the session's 32,400 rows; the events of one session are few.
    """
    corrected = {r[0] for r in conn.execute(
        "SELECT corrects FROM observations INDEXED BY observations_corrects "
        "WHERE corrects IS NOT NULL AND session_id = ?", [session_id]
    )}
    corrected.update(int(r[0]) for r in conn.execute(
        "SELECT json_extract(detail, '$.observation') FROM events "
        "WHERE session_id = ? AND kind = 'entered_in_error'", [session_id]) if r[0] is not None)
    return corrected


_SCALE_LIST: Final = ", ".join(f"'{name}'" for name in SCALES)


def patient_values_sql(demo: bool) -> str:
    """A WHERE clause on `observations` keeping what counts as the patient's values, by the live
    trend's rule (`TrendFeed`): never a reading of unknown age (an NIBP the monitor could not
    date: perhaps the previous patient's), and a monitor's TEST or DEMO value only in a demo
    session. The vitals table, the PDF, the course's peaks and lows read only these; the rows
    list keeps every row with its flags. (The audit of the data path found a TEST 230/130 in a
    report's vitals table and the course's peak.)"""
    return " AND ".join(f"(' ' || flags || ' ') NOT LIKE '% {word} %'"
                        for word in sorted(not_patient_flags(demo)))


# `VitalSeries.beyond` of a row: a monitor's value beyond its range is kept as the limit,
# flagged `<` or `>` (devices/hl7/decoder.py, SN `<^5`); most rows have no flag at all.
_BEYOND_SQL: Final = ("CASE WHEN flags = '' THEN '' "
                      "WHEN (' ' || flags || ' ') LIKE '% < %' THEN '<' "
                      "WHEN (' ' || flags || ' ') LIKE '% > %' THEN '>' ELSE '' END")


def _observations(
    conn: sqlite3.Connection, session_id: int, started: datetime, with_rows: bool, demo: bool
) -> tuple[dict[str, VitalSeries], tuple[ScaleObservation, ...], tuple[Observation, ...]]:
    """Series and scales from the session's valid observations (plus every row on request).

    P6: 32,400 rows per 90-minute session. The query returns only what the series need, with
    `entered_by` and `corrects` for scale rows alone (NULL elsewhere: no string built per vital
    row; a corrected score is placed at the score it corrects, `ScaleObservation.at`); rows are
    grouped per metric with a stable sort and transposed with zip, so the per-row Python work is
    in C. Each distinct time string is parsed once (a device stamps six vitals alike).
    """
    corrected = _corrected_ids(conn, session_id)
    rows = conn.execute(
        "SELECT metric, id, value, received_at, source = 'manual', "
        f"CASE WHEN metric IN ({_SCALE_LIST}) THEN entered_by END, "
        f"corrects, {_BEYOND_SQL}, "
        "measured_at, source, flags "
        f"FROM observations WHERE session_id = ? AND {patient_values_sql(demo)} ORDER BY id",
        [session_id],
    ).fetchall()
    placing = _placing(rows, started, corrected)
    # A vital's other channel beside the one judged (console/session/channels.py) places the
    # clock as the trend's does, but is no value of the table: the tile's and the trend's.
    rows = [r for r in rows if r[1] not in corrected
            and (not r[10] or OTHER_CHANNEL not in r[10].split())]
    rows.sort(key=itemgetter(0))   # stable: id order within each metric
    times: dict[str, datetime] = {}
    offsets: dict[str, float] = {}
    vitals: dict[str, VitalSeries] = {}
    scales: list[ScaleObservation] = []
    scale_names = frozenset(SCALES)
    scale_rows: list[tuple[str, int, float, str, str, int | None]] = []   # id order
    for name, group in groupby(rows, itemgetter(0)):
        _, ids, values, received, manual, who, corrects, beyond, *_ = zip(*group, strict=True)
        for text in set(received).difference(times):
            at = times[text] = parse_iso(text)
            offsets[text] = (at - started).total_seconds()
        if name in scale_names:
            scale_rows.extend((name, i, v, t, w, c) for i, v, t, w, c
                              in zip(ids, values, received, who, corrects, strict=True))
            continue
        arrived = tuple(map(times.__getitem__, received))
        moved = not placing.keys().isdisjoint(ids)   # most vitals: every value at its arrival
        vitals[name] = VitalSeries(
            metric=name, unit=_unit(conn, session_id, name), times=arrived,
            seconds=tuple(map(offsets.__getitem__, received)), values=values,
            manual=tuple(map(bool, manual)), ids=ids, beyond=beyond,
            placed=tuple(placing[i][0] if i in placing else at
                         for i, at in zip(ids, arrived, strict=True)) if moved else arrived,
            history=tuple(i in placing and placing[i][1] for i in ids) if moved
            else (False,) * len(ids),
        )
    # A corrected score stands at the assessment it corrects, as a corrected vital does
    # (`Correction.replaced_seconds`): at the correction's time, a MOAA/S 2 corrected to 4 forty
    # minutes on stood over that minute's fresh 5 (a review audit).
    replaced = _corrected_rows(conn, session_id, {r[5] for r in scale_rows if r[5] is not None})
    for metric, obs_id, value, entered, by, fixes in scale_rows:
        shown: tuple[float | None, datetime] = (replaced[fixes] if fixes in replaced
                                                else (None, times[entered]))
        scales.append(ScaleObservation(at=shown[1], metric=metric, value=value, who=by,
                                       observation_id=obs_id, replaced=shown[0]))
    scales.sort(key=lambda s: (s.at, s.observation_id))
    vitals = {name: vitals[name] for name in sorted(vitals, key=_metric_order)}
    return vitals, tuple(scales), _all_rows(conn, session_id, corrected) if with_rows else ()


def _placing(rows: Sequence[Sequence[Any]], started: datetime,
             corrected: AbstractSet[int] = frozenset()) -> dict[int, tuple[datetime, bool]]:
    """Row id -> (where the trend places it, the bedside took it as history) for the rows (of
    `_observations`, id order) not `corrected` whose place is not their arrival, or that are
    history.

    Placed by the trend's rule (`TrendFeed.placed_at`: a cuff at its measured time unless its
    monitor's clock is off; every row's times judge its monitor's clock, a corrected one's too,
    as the live trend judged them when they came), a correction where the measurement it
    corrects is (through a correction of a correction, the first), as the trend draws it: so it
    stands or falls with it before the session (`content.placed_series`: the correction of a
    monitor's last cuff, the previous patient's, stood in the vitals table as this patient's
    BP). History by the bedside's (`SessionEngine._superseded`): a BP
    measured before the one of its vital that stood when it came (never later than its
    arrival: a clock ahead is no newer measurement). Placed at its arrival, a cuff of 09:11
    delivered at 09:15 after a typed 205/95 of 09:12 read as the newest BP, the "scheduled
    check" under 205/95, which stood at the chair with its alarm on (a review)."""
    feed = TrendFeed(started)
    times = IsoParser()
    cuff_named = {*BP_METRICS, "pulse_rate"}   # a pulse is a cuff's by its flag alone

    def cuff(name: str, flags: str) -> bool:
        return name in BP_METRICS or (
            bool(flags) and is_nibp_metric(name, frozenset(flags.split())))

    # Typed values and the cuff's vitals: the rest are a monitor's continuous values, placed at
    # their arrival and never history (P6: 32,400 rows a session, two thirds of them).
    candidates = [r for r in rows if (r[4] or r[0] in cuff_named) and r[1] not in corrected]
    # The rows corrections replaced, by id (few): a correction is placed at its measurement.
    replaced = {r[1]: r for r in rows if r[1] in corrected} if corrected else {}

    def place(row: Sequence[Any]) -> datetime:
        """Where the trend places `row`; a correction, where its measurement is."""
        first = _first_measurement(row, replaced, lambda r: (r[1], r[6]))
        name, _, _, received, _, _, _, _, measured, source, flags = first
        if measured is None or measured == received:
            return times(received)
        return feed.placed_at(ObservationRecord(0, name, 0.0, "", source, times(measured),
                                                times(received), "",
                                                flags=frozenset(flags.split())))

    # Only a cuff stamped apart from its arrival needs its monitor's clock judged (P6: the
    # clock check of 32,400 rows was the most of a session's load).
    if any(not manual and measured is not None and measured != received and cuff(name, flags)
           for name, _, _, received, manual, _, _, _, measured, _, flags
           in (*candidates, *replaced.values())):
        last: tuple[str, str, str, bool, str] | None = None
        for name, _, _, received, manual, _, _, _, measured, source, flags in rows:
            if measured is None or manual or name in SCALES:
                continue
            # The values of one message, alike but for their vital, say the same of its clock.
            key = (source, measured, received, name in BP_METRICS, flags)
            if key != last:
                last = key
                feed.note_clock(source, times(measured), times(received), name,
                                frozenset(flags.split()))
    out: dict[int, tuple[datetime, bool]] = {}
    # Vital -> (arrival, how long before it measured) of its standing BP. The bedside compares
    # on the monotonic clock; here the arrivals come in row order, so a gap between them is
    # never below 0 (a clock set back had put every cuff of the next half hour "before" the
    # one standing), and only how late each was measured tells them apart.
    standing: dict[str, tuple[datetime, float]] = {}
    for row in candidates:
        name, obs_id, _, received, manual, _, corrects, _, measured, _, flags = row
        if name in SCALES or not (manual or cuff(name, flags)):
            continue   # a monitor's continuous value is placed at its arrival, never history
        if measured is None and name not in BP_METRICS:
            continue
        arrived = times(received)
        placed = place(row)
        history = False
        if name in BP_METRICS and corrects is None:
            # A correction stands at the measurement it corrects (the bedside's `correct`):
            # it moves nothing here. Only a cuff comes late: a typed value is measured as it
            # is entered (`_superseded`).
            late = max(0.0, (arrived - placed).total_seconds())
            if not manual and name in standing:
                before, before_late = standing[name]
                gap = max(0.0, (arrived - before).total_seconds())
                history = gap < late - before_late
            if not history:
                standing[name] = (arrived, late)
        if history or placed != arrived:
            out[obs_id] = (placed, history)
    return out


def observation_by_id(conn: sqlite3.Connection, observation_id: int) -> ObservationRecord | None:
    """One logged observation by its row id, or None when there is none.

    The live trend asks for the row a correction names when it was given that row without its
    id, and finds the corrected point by the record's content (`TrendFeed.resolve`).
    """
    row = conn.execute(
        "SELECT session_id, metric, value, unit, source, measured_at, received_at, entered_by, "
        "channel, flags, confirmed, corrects FROM observations WHERE id = ?", [observation_id],
    ).fetchone()
    if row is None:
        return None
    return ObservationRecord(
        session_id=row[0], metric=row[1], value=row[2], unit=row[3], source=row[4],
        measured_at=parse_iso(row[5]) if row[5] is not None else None,
        received_at=parse_iso(row[6]), entered_by=row[7], channel=row[8],
        flags=frozenset(row[9].split()) if row[9] else frozenset(), confirmed=bool(row[10]),
        corrects=row[11],
    )


# The events a trend of vitals needs besides the rows: T0, the values voided at the chair, the
# protocol the session logged at its start (its alarm limits), and those that break the device
# lines as the session's own trend does (a disconnection, the console closed, a restart:
# without them the course drew a line from HR 88 to 140 across an unplugged monitor).
_TREND_EVENT_KINDS: Final = ("dosing_started", "entered_in_error", PROTOCOL_IN_FORCE,
                             *sorted(LINE_BREAK_KINDS))
_VITAL_LIST: Final = ", ".join(f"'{name}'" for name in VITALS)


def trend_records(conn: sqlite3.Connection, session_id: int) -> tuple[
        list[tuple[int, ObservationRecord]], list[EventRecord]]:
    """A session's vital rows, every one with its id, flags and the row it corrects, in id
    order, and the events that place or void them (`_TREND_EVENT_KINDS`): what `TrendFeed.load`
    takes to plot the session as its own trend does (the course trend reads each session so,
    without the scales and the rest of `load_session`).

    Raises:
        UnreadableLogError: its rows could not be read.
    """
    with _reading(conn, f"The vitals of log session {session_id}"):
        times = IsoParser()
        rows = [
            (obs_id, ObservationRecord(
                session_id, name, value, unit, source, times(measured) if measured else None,
                times(received), who or "", channel or "",
                frozenset(flags.split()) if flags else frozenset(), bool(confirmed), corrects))
            for (obs_id, name, value, unit, source, measured, received, who, channel, flags,
                 confirmed, corrects) in conn.execute(
                "SELECT id, metric, value, unit, source, measured_at, received_at, entered_by, "
                "channel, flags, confirmed, corrects FROM observations "
                f"WHERE session_id = ? AND metric IN ({_VITAL_LIST}) ORDER BY id", [session_id])
        ]
        kinds = ", ".join("?" * len(_TREND_EVENT_KINDS))
        events = [EventRecord(session_id, times(at), kind, actor, json.loads(detail))
                  for at, kind, actor, detail in conn.execute(
                      f"SELECT at, kind, actor, detail FROM events WHERE session_id = ? "
                      f"AND kind IN ({kinds}) ORDER BY id", [session_id, *_TREND_EVENT_KINDS])]
    return rows, events


def _unit(conn: sqlite3.Connection, session_id: int, name: str) -> str:
    """The unit of a metric: the registry's (the log stores canonical units), else the log's."""
    known = METRICS.get(name)
    if known is not None:
        return known.unit
    row = conn.execute("SELECT unit FROM observations WHERE session_id = ? AND metric = ? LIMIT 1",
                       [session_id, name]).fetchone()
    return str(row[0]) if row else ""


def _metric_order(name: str) -> tuple[int, str]:
    known = METRICS.get(name)
    return (known.order if known else 999, name)


def _all_rows(
    conn: sqlite3.Connection, session_id: int, corrected: set[int]
) -> tuple[Observation, ...]:
    rows = conn.execute(
        "SELECT id, metric, value, unit, source, channel, flags, measured_at, received_at, "
        "entered_by, confirmed, corrects FROM observations WHERE session_id = ? ORDER BY id",
        [session_id],
    ).fetchall()
    # Each distinct time string parsed once; positional construction (the frozen dataclass's
    # __init__ is most of the cost: ~32,400 objects for a 90-minute session).
    seen: dict[str, datetime] = {}
    for row in rows:
        for text in (row[7], row[8]):
            if text is not None and text not in seen:
                seen[text] = parse_iso(text)
    none: tuple[str, ...] = ()
    return tuple(
        Observation(obs_id, name, value, unit, source, channel,
                    tuple(flags.split()) if flags else none,
                    seen[measured] if measured is not None else None, seen[received], who,
                    bool(confirmed), corrects, obs_id in corrected)
        for (obs_id, name, value, unit, source, channel, flags, measured, received, who,
             confirmed, corrects) in rows
    )


def _from_events(events: Sequence[LoggedEvent], ended: datetime | None) -> dict[str, Any]:
    """The SessionDetail parts derived from the `events` rows."""
    phases: list[dict[str, Any]] = []
    ticks: list[ChecklistTick] = []
    overrides: list[Override] = []
    notes: list[Note] = []
    annotations: list[Note] = []
    corrections: list[Correction] = []
    gates: list[GateDecision] = []
    refusals: list[DischargeRefusal] = []
    devices: list[DeviceStateChange] = []
    pauses: list[dict[str, Any]] = []
    t0: datetime | None = None
    baseline: dict[str, float] = {}
    baseline_changes: list[BaselineChange] = []
    # The correction or value entered in error a `baseline_set` of the same step follows.
    changed_by: tuple[datetime, str, str] | None = None
    finish: datetime | None = None
    finish_event: int | None = None
    for e in events:
        d = e.detail
        kind = e.kind
        if kind == "phase_started":
            if phases and phases[-1]["ended_at"] is None:
                phases[-1]["ended_at"], phases[-1]["ended_event"] = e.at, e.id
            phases.append({"id": str(d.get("phase", "")), "name": str(d.get("name", "")),
                           "kind": str(d.get("kind", "")), "started_at": e.at, "ended_at": None,
                           "started_by": e.actor, "started_event": e.id})
        elif kind == "phase_ended":
            for phase in reversed(phases):
                if phase["id"] == d.get("phase") and phase["ended_at"] is None:
                    phase["ended_at"], phase["ended_event"] = e.at, e.id
                    break
        elif kind == "checklist_ticked":
            ticks.append(ChecklistTick(phase=str(d.get("phase", "")), item=str(d.get("item", "")),
                                       text=str(d.get("text", "")), note=str(d.get("note", "")),
                                       who=e.actor, at=e.at, event_id=e.id))
        elif kind == "override":
            overrides.append(Override(at=e.at, who=e.actor, what=str(d.get("action", "")),
                                      phase=str(d.get("phase", "")),
                                      blockers=tuple(d.get("blockers", ())),
                                      reason=str(d.get("reason", "")), event_id=e.id))
        elif kind == "dosing_started":
            if t0 is None:
                t0 = e.at
                baseline = {k: float(v) for k, v in d.get("baseline", {}).items()}
        elif kind == BASELINE_SET and t0 is not None:
            # After T0 the last one logged stands, as the chair's limits and the trend's line
            # (`TrendFeed._logged_baselines`): Protocol read the value T0 fixed after it was
            # entered in error (another patient's 130 for this one's 100).
            for name, value in dict(d.get("baseline") or {}).items():
                name = str(name)
                why = (changed_by[2] if changed_by is not None and changed_by[0] == e.at
                       and changed_by[1] == name else "")
                if value is None:
                    baseline.pop(name, None)
                else:
                    baseline[name] = float(value)
                baseline_changes.append(BaselineChange(
                    at=e.at, metric=name, value=None if value is None else float(value),
                    why=why, event_id=e.id))
        elif kind == "gate_decision":
            gates.append(GateDecision(at=e.at, who=e.actor, item=str(d.get("item", "")),
                                      values=tuple(d.get("values", ())),
                                      decision=str(d.get("decision", "")), event_id=e.id))
        elif kind == "discharge_refused":
            refusals.append(DischargeRefusal(at=e.at, who=e.actor,
                                             reasons=tuple(d.get("reasons", ())), event_id=e.id))
        elif kind == "correction":
            changed_by = (e.at, str(d.get("metric", "")), "corrected")
            corrections.append(Correction(at=e.at, who=e.actor, metric=str(d.get("metric", "")),
                                          corrects=int(d.get("corrects", 0)),
                                          value=float(d.get("value", 0.0)),
                                          reason=str(d.get("reason", "")), event_id=e.id))
        elif kind == "entered_in_error" and OBSERVED_AT in d:
            # An observation noted with a button ("Vomiting") taken back at the chair (a
            # review): it counts nowhere; its note is marked, and who took it back and why listed.
            taken = d.get("event")
            notes = [replace(n, entered_in_error=True) if n.event_id == taken else n
                     for n in notes]
            notes.append(Note(at=e.at, who=e.actor, text=str(d.get("reason", "")), kind=kind,
                              event_id=e.id, withdraws=str(d.get("text", ""))))
        elif kind == "entered_in_error":   # the value counts nowhere; the review says so
            changed_by = (e.at, str(d.get("metric", "")), "entered in error")
            texts = ticked_texts(ticks)
            corrections.append(Correction(at=e.at, who=e.actor, metric=str(d.get("metric", "")),
                                          corrects=int(d.get("observation", 0)),
                                          value=float(d.get("value", 0.0)),
                                          reason=str(d.get("reason", "")),
                                          entered_in_error=True, event_id=e.id,
                                          reopened=reopened_items(d, texts)))
            ticks = _withdrawn(ticks, e)
        elif kind == "device_state":
            devices.append(DeviceStateChange(at=e.at, state=str(d.get("state", "")),
                                             detail=str(d.get("detail", ""))))
        elif kind == "audio_paused":
            pauses.append({"paused_at": e.at, "paused_by": e.actor,
                           "message": str(d.get("message", "")), "resumed_at": None,
                           "resume_message": "", "event_id": e.id})
        elif kind == "audio_resumed":
            for pause in pauses:
                if pause["resumed_at"] is None:
                    pause["resumed_at"] = e.at
                    pause["resume_message"] = str(d.get("message", ""))
                    pause["resumed_event_id"] = e.id
        elif kind in ("discharged", "session_ended"):
            finish = finish or e.at
            finish_event = finish_event or e.id
        elif kind == REVIEW_NOTE:
            annotations.append(Note(at=e.at, who=e.actor, text=str(d.get("text", "")), kind=kind,
                                    event_id=e.id))
        elif kind not in _TEXT_KINDS_EXCLUDED and isinstance(d.get("text"), str):
            notes.append(Note(at=e.at, who=e.actor, text=d["text"], kind=kind, event_id=e.id))
    end = finish or ended
    if phases and phases[-1]["ended_at"] is None and end is not None:
        phases[-1]["ended_at"] = end
        phases[-1]["ended_event"] = finish_event
    return {
        "phases": tuple(PhaseSpan(**p) for p in phases),
        "t0": t0, "baseline": baseline, "ticks": tuple(ticks), "overrides": tuple(overrides),
        "notes": tuple(notes), "annotations": tuple(annotations),
        "corrections": tuple(corrections), "gate_decisions": tuple(gates),
        "discharge_refusals": tuple(refusals), "device_states": tuple(devices),
        "audio_pauses": tuple(AudioPause(**p) for p in pauses),
        "baseline_changes": tuple(baseline_changes),
    }


def _withdrawn(ticks: list[ChecklistTick], event: LoggedEvent) -> list[ChecklistTick]:
    """`ticks` with the pre-dose ticks the `entered_in_error` `event` took back (its `unticked`,
    `SessionEngine._untick_attested`: a gate's, or one whose `needs` were left with no value)
    marked so: the item was open again at the chair, which refused dosing until it was ticked
    again; listed as plain ticks they read as met. The value in the chair's words
    (`baseline_text`: a score with no unit)."""
    d = event.detail
    because = f"{baseline_text({str(d.get('metric', '')): d.get('value', 0)})} entered in error"
    out = list(ticks)
    for taken in d.get("unticked") or ():
        key = (str(taken.get("phase", "")), str(taken.get("item", "")))
        i = next((i for i in reversed(range(len(out)))
                  if (out[i].phase, out[i].item) == key and out[i].withdrawn_at is None), None)
        if i is not None:
            out[i] = replace(out[i], withdrawn_at=event.at, withdrawn_because=because)
    return out


# --- a patient's course --------------------------------------------------------------------------

_COURSE_MAX: Final = ("bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate", "nausea",
                      "dissociation", "hallucinations", "fatigue")
_COURSE_MIN: Final = ("spo2", "resp_rate", "moaas")


class _CourseValue(NamedTuple):
    """A logged value of a session as the course reads it (`_Placeable`); `beyond` is the
    monitor's beyond-range mark (`_BEYOND_SQL`)."""

    id: int
    metric: str
    value: float
    source: str
    flags: tuple[str, ...]
    measured_at: datetime | None
    received_at: datetime
    corrects: int | None
    beyond: str


def _passes(value: float, beyond: str, current: tuple[float, datetime, str] | None,
            higher: bool) -> bool:
    """A value (with its beyond-range mark) is past `current` (value, placed, mark): above it
    for a peak (`higher`), below it for a low. A monitor's limit lies past its number: "<5" is
    lower than a measured 5."""
    if current is None:
        return True
    if value != current[0]:
        return value > current[0] if higher else value < current[0]
    return beyond == (">" if higher else "<") and current[2] != beyond


def load_course(
    conn: sqlite3.Connection, patient_id: str, include_demo: bool = False
) -> list[CourseRow]:
    """One row per session of `patient_id` (exact identifier), oldest first.

    Peaks and lows leave corrected values out, and values placed further before the session
    than its trend starts, that old already when they came (`before_the_session`); their
    minute is the first time the value was reached, counted from the session's start, placed
    on the time axis as every trend places it (`_trend_placing`, the session review's rule:
    NIBP at its measured time unless its monitor's clock is more than a minute off). The peak
    heart rate is the ECG's, or where no ECG sent one the higher of a typed heart rate and the
    pulse. Every minute is counted as the console's timers ran, a wall-clock step it logged
    left out (`CourseRow`).

    Raises:
        UnreadableLogError: a session of the course could not be read.
    """
    with _reading(conn, f"The course of {patient_id}"):
        return _load_course(conn, patient_id, include_demo)


def _load_course(
    conn: sqlite3.Connection, patient_id: str, include_demo: bool
) -> list[CourseRow]:
    # Whatever the spelling typed ("mrn-94 a" is MRN-94 A: `patient_fold`), as the chair finds it.
    spellings = patient_spellings(conn, patient_id) or [patient_id]
    rows = conn.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions "
        f"WHERE patient_id IN ({', '.join('?' * len(spellings))}) "
        + ("" if include_demo else "AND demo = 0 ")
        + "ORDER BY started_at, id",
        spellings,
    ).fetchall()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    ranks = _occurrence_ranks(conn, ids)
    timed = _events_of(conn, ids, _COURSE_EVENT_KINDS)
    against = _discharged_against_gate(conn, ids)
    ticked: dict[int, list[str]] = defaultdict(list)
    devices: dict[int, list[LoggedAt]] = defaultdict(list)   # the nasal devices' ticks
    for event_id, session_id, at, item in conn.execute(
            f"SELECT id, session_id, at, json_extract(detail, '$.item') FROM events "
            f"WHERE session_id IN ({_in_list(ids)}) AND kind = 'checklist_ticked' "
            "ORDER BY id").fetchall():
        ticked[session_id].append(str(item))
        # A device is an item `device-<n>` (`device_number`), as the session's header counts
        # them: by the prefix, a pre-dose "device-instructions" stood for the first device.
        if device_number(str(item)) is not None:
            devices[session_id].append(LoggedAt(parse_iso(at), event_id))
    wanted = frozenset(_COURSE_MAX + _COURSE_MIN)
    as_run = _ProtocolsAsRun()
    out = []
    for row in rows:
        session_id = row[0]
        started = parse_iso(row[5])
        events = timed.get(session_id, [])
        # Minutes as the console's timers ran, by the session review's rule (`clock_steps`).
        steps = logged_steps(events)
        start = LoggedAt(started, SESSION_START_ID)
        corrected = _corrected_ids(conn, session_id)
        times = IsoParser()
        demo = bool(row[_DEMO_COLUMN])
        none: tuple[str, ...] = ()
        # Every vital, with its flags: the clocks are judged over them all, as the session's
        # review judges them (`_trend_placing`).
        values = [
            _CourseValue(obs_id, name, value, source, tuple(flags.split()) if flags else none,
                         times(measured) if measured is not None else None, times(received),
                         corrects, beyond)
            for obs_id, name, value, source, flags, measured, received, corrects, beyond
            in conn.execute(
                f"SELECT id, metric, value, source, flags, measured_at, received_at, corrects, "
                f"{_BEYOND_SQL} FROM observations "
                f"WHERE session_id = ? AND {patient_values_sql(demo)} ORDER BY id",
                [session_id])]
        placed = _trend_placing(values, started, demo)
        best: dict[str, tuple[float, datetime, str]] = {}   # vital -> (value, placed, mark)
        for v in values:
            if v.metric not in wanted or v.id in corrected or OTHER_CHANNEL in v.flags:
                continue   # another channel's beside the one judged: not the vital's value
            if _passes(v.value, v.beyond, best.get(v.metric), v.metric in _COURSE_MAX):
                # Placed only when it would be the peak: most rows never are.
                at, received = placed(v)
                if not before_the_session(at, received, started):
                    best[v.metric] = (v.value, at, v.beyond)

        # Where no ECG sent a heart rate the peak HR is the higher of a typed HR and the
        # oximeter's pulse (equal: the first reached), as the chair counts either as the HR (a
        # check's and the baseline's HR are ("heart_rate", "pulse_rate"): protocols/model.py
        # `VitalsCheck`); an ECG's is the HR, as the strip draws it. Taken only where no heart
        # rate was logged at all, the pulse was lost to a typed baseline HR 70: the course read
        # "70 at T0 − 5 min" beside a pulse of 128 that alarmed (a review of the course).
        pulse, heart = best.pop("pulse_rate", None), best.get("heart_rate")
        ecg = any(v.metric == "heart_rate" and v.source != MANUAL for v in values)
        if pulse is not None and not ecg and (_passes(pulse[0], pulse[2], heart, True) or (
                heart is not None and (pulse[0], pulse[2]) == (heart[0], heart[2])
                and pulse[1] < heart[1])):
            best["heart_rate"] = pulse

        def value(name: str) -> float | None:
            return best[name][0] if name in best else None

        def minute(name: str) -> float | None:
            if name not in best:
                return None
            # Where the trend places it (`placed_at`), counted as the session's "Min" column
            # counts a reading known by its time (`content.record_minutes`): NaN if unknown.
            return _minutes(seconds_to_time(start, best[name][1], steps))

        def minutes_to(event: AlarmRow | None) -> float | None:
            return (_minutes(logged_seconds(started, SESSION_START_ID, event.at, event.id, steps))
                    if event is not None else None)

        t0 = _first(events, "dosing_started")
        # The first dose, as the session's header counts from it (`first_dose_row`): the
        # course counted an esketamine session's discharge and peaks from the T0 confirmation,
        # 10 min more than its header and its REMS draft (a clinician's review).
        dose = first_dose_row(t0, devices.get(session_id, ()), steps) if t0 is not None else None
        t0_minute = minutes_to(dose[0] if dose is not None else None)
        dosing = dosing_seconds(events, t0, parse_iso(row[6]) if row[6] else None, steps)
        last = _last_record(conn, session_id) if row[6] is None else None
        counts = {name: 0 for name in PRIORITY_RANK}
        for rank in ranks.get(session_id, ()):
            counts[_PRIORITY_BY_RANK[rank]] += 1
        taken_back = _alarms_taken_back(conn, session_id)
        high_taken_back = sum(1 for e in _episodes(conn, session_id, times, taken_back)
                              if e.taken_back and e.priority == "high") if taken_back else 0
        out.append(CourseRow(
            session_id=session_id, session_number=row[4], started_at=started,
            protocol_id=row[2], protocol_version=row[3], dose_mg=_dose(json.loads(row[10])),
            t0_minute=t0_minute, first_dose_at=dose[0].at if dose is not None else None,
            peak_systolic=value("bp_systolic"), peak_systolic_minute=minute("bp_systolic"),
            peak_diastolic=value("bp_diastolic"), peak_diastolic_minute=minute("bp_diastolic"),
            min_spo2=value("spo2"), min_resp_rate=value("resp_rate"),
            alarms_high=counts["high"], alarms_high_taken_back=high_taken_back,
            peak_heart_rate=value("heart_rate"), peak_heart_rate_minute=minute("heart_rate"),
            alarms_medium=counts["medium"],
            alarms_low=counts["low"], alarms_info=counts["info"],
            max_nausea=value("nausea"), max_dissociation=value("dissociation"),
            max_hallucinations=value("hallucinations"), min_moaas=value("moaas"),
            max_fatigue=value("fatigue"),
            beyond=tuple((name, best[name][2]) for name in best if best[name][2]),
            minutes_to_discharge=minutes_to(_first(events, "discharged")), demo=bool(row[9]),
            still_open=row[6] is None, against_gate=session_id in against,
            # To the second, as the session's header counts it: the course says the time run
            # ("ended at 0:45 of 40 min"); from minutes to one decimal it read "0:48", and a stop
            # at 38:59 (39.0) a whole infusion.
            dosing_minutes=dosing / 60 if dosing is not None else None,
            restarts=_restarts(conn, session_id, started),
            last_record_minute=(_minutes(seconds_to_time(start, parse_iso(last), steps))
                                if last is not None else None),
            ticked=tuple(ticked.get(session_id, ())),
            protocol=as_run(events, session_id), weight_kg=row[8],
        ))
    return out


# The events that place a course's minutes (T0, the end of dosing, the discharge, and the clock
# steps with the restarts they reach back to: `clock_steps.logged_steps`) and the protocol each
# session logged at its start, which its dose is judged against.
_COURSE_EVENT_KINDS: Final = ("dosing_started", "phase_started", "discharged", "session_ended",
                              CLOCK_STEPPED, SESSION_RESUMED, PROTOCOL_IN_FORCE)


def _events_of(conn: sqlite3.Connection, ids: Sequence[int],
               kinds: Sequence[str]) -> dict[int, list[LoggedEvent]]:
    """session id -> its events of `kinds`, in id order (the order no clock step changes)."""
    out: dict[int, list[LoggedEvent]] = defaultdict(list)
    times = IsoParser()
    marks = ", ".join("?" * len(kinds))
    for event_id, session_id, at, kind, actor, detail in conn.execute(
            f"SELECT id, session_id, at, kind, actor, detail FROM events "
            f"WHERE session_id IN ({_in_list(ids)}) AND kind IN ({marks}) ORDER BY id",
            list(kinds)):
        out[session_id].append(LoggedEvent(event_id, times(at), kind, actor, _detail_of(detail)))
    return out


class _ProtocolsAsRun:
    """The protocol each session logged at its start (`logged_protocol`), each text read once:
    a course's sessions mostly ran one text, and reading one takes ~8 ms."""

    def __init__(self) -> None:
        self._read: dict[str, Protocol | None] = {}

    def __call__(self, events: Sequence[LoggedEvent], session_id: int) -> Protocol | None:
        logged = _first(events, PROTOCOL_IN_FORCE)
        text = logged.detail.get("text") if logged is not None else None
        if not isinstance(text, str):
            return None
        if text not in self._read:
            self._read[text] = logged_protocol(events, session_id)
        return self._read[text]


def _minutes(seconds: float) -> float:
    """Minutes to one decimal, as the course holds them (NaN stays NaN: unknown)."""
    return seconds if is_unknown(seconds) else round(seconds / 60, 1)


def rows_before_the_session(detail: SessionDetail) -> frozenset[int]:
    """The ids of `detail.observations` (loaded `with_observations`) that are none of this
    session's values by `before_the_session`, as the review's tables and the course leave them
    out: each placed where the trend places it (`_trend_placing`), so both halves of a cuff's BP,
    its pulse and the rows correcting them go together. The FHIR Bundle leaves them out (it had
    filed a monitor's last cuff, the previous patient's 196/104 of 3 h before, as this
    patient's); the observations CSV, the log's complete record, marks them (`before_session`)."""
    started = detail.summary.started_at
    if not any(_may_be_before(o.measured_at, o.received_at, started) for o in detail.observations):
        return frozenset()
    return _before_the_session(detail.observations, started, detail.summary.demo)


def records_before_the_session(rows: Sequence[tuple[int, ObservationRecord]],
                               started: datetime, demo: bool) -> frozenset[int]:
    """`rows_before_the_session` of a session's rows as `trend_records` reads them (row id,
    record), started at `started`: the course's trend draws none of them."""
    if not any(_may_be_before(r.measured_at, r.received_at, started) for _, r in rows):
        return frozenset()   # the rows are not copied (P6: 32,400 a session)
    return _before_the_session(
        [_CourseValue(i, r.metric, r.value, r.source, tuple(r.flags), r.measured_at,
                      r.received_at, r.corrects, "")
         for i, r in rows], started, demo)


def _before_the_session(rows: Sequence[_Value], started: datetime,
                        demo: bool) -> frozenset[int]:
    """The ids of `rows` (a session's, started at `started`) placed before it by
    `before_the_session`, each where `_trend_placing` places it."""
    placed = _trend_placing(rows, started, demo)
    return frozenset(o.id for o in rows if before_the_session(*placed(o), started))


def _may_be_before(measured: datetime | None, received: datetime, started: datetime) -> bool:
    """A value measured and received so may be before the session (`before_the_session`).
    It is placed at its measured or its received time, and only placed at the measured time can
    it be that old when it came: most sessions have none, and need no clock judged (P6: 43,257
    rows in a 2-hour session)."""
    return measured is not None and before_the_session(measured, received, started)


class _Placeable(TypingProtocol):
    """A logged value as `_trend_placing` reads it (an `Observation`, a course's value)."""

    @property
    def id(self) -> int: ...
    @property
    def metric(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def flags(self) -> tuple[str, ...]: ...
    @property
    def measured_at(self) -> datetime | None: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def corrects(self) -> int | None: ...


_Value = TypeVar("_Value", bound=_Placeable)


def _trend_placing(rows: Sequence[_Value], started: datetime,
                  demo: bool) -> Callable[[_Value], tuple[datetime, datetime]]:
    """Where the trend places each of a session's `rows` (`TrendFeed.placed_at`: NIBP at its
    measured time unless its monitor's clock is off), and when it was received: each monitor's
    clock judged over the session's patient values with their flags (a cuff and its pulse
    delivered late are no clock offset), a correction where the measurement it corrects is and
    when that was received (through a correction of a correction, the first: a correction
    stands or falls with it, `before_the_session`). One rule for `rows_before_the_session` and
    the course's peaks: the course read no flags, placed a monitor's last cuff's pulse (the
    previous patient's, 3 h old) at its arrival and gave it as this session's peak HR (a review
    of the course)."""
    feed = TrendFeed(started, capacity=1)   # placing only, nothing charted
    last: tuple[str, datetime | None, datetime, bool, frozenset[str]] | None = None
    for o in rows:
        flags = frozenset(o.flags)
        # The values of one message, alike but for their vital, say the same of its clock
        # (`_placing`; P6: six vitals a message at 1 Hz).
        key = (o.source, o.measured_at, o.received_at, is_nibp_metric(o.metric, flags), flags)
        if key != last and is_patient_value(flags, demo):
            last = key
            feed.note_clock(o.source, o.measured_at, o.received_at, o.metric, flags)
    # Only the rows a correction names: a course's session holds some 32,400 (P6).
    corrected = {o.corrects for o in rows if o.corrects is not None}
    by_id = {o.id: o for o in rows if o.id in corrected}

    def placed(row: _Value) -> tuple[datetime, datetime]:
        first = _first_measurement(row, by_id, lambda r: (r.id, r.corrects))
        return feed.placed_at(ObservationRecord(
            0, first.metric, 0.0, "", first.source, first.measured_at, first.received_at, "",
            flags=frozenset(first.flags))), first.received_at
    return placed


def _first(events: Sequence[LoggedEvent], kind: str) -> LoggedEvent | None:
    return next((e for e in events if e.kind == kind), None)


def _last_record(conn: sqlite3.Connection, session_id: int) -> str | None:
    """The time of a session's last record (event, alarm step or reading received), as
    stored; review notes are written afterwards, not at the chair, and are left out."""
    last = conn.execute(
        "SELECT MAX(t) FROM ("
        "SELECT MAX(at) AS t FROM events WHERE session_id = ?1 AND kind <> ?2 "
        "UNION ALL SELECT MAX(at) FROM alarm_events WHERE session_id = ?1 "
        "UNION ALL SELECT MAX(received_at) FROM observations WHERE session_id = ?1)",
        [session_id, REVIEW_NOTE]).fetchone()[0]
    return str(last) if last is not None else None


def dosing_seconds(events: Sequence[LoggedEvent], t0: LoggedEvent | None,
                   ended: datetime | None, steps: Sequence[LoggedStep]) -> float | None:
    """How long a session's dosing ran, as the console's timers ran (`logged_seconds`, the
    `steps` of its `events` left out): from T0 (`t0`, its `dosing_started`) to the first phase
    after it that is not a dosing one, else, when it ended in dosing, its discharge or end
    (`ended`: `sessions.ended_at`; discharged against the gate at 25 of 40 min: the course read
    the whole dose). None while it runs, or when never dosed. The chair's rule (engine
    `dosing_minutes`): a protocol's infusion in two dosing phases (10 + 30 min) ends with the
    second, and the session's header and the course both count it here (the header had taken
    the first's end: "ended after 10:00 of 40 min" for the whole dose). "After" by the events'
    order: a clock set back during the infusion had its end logged "before" T0."""
    if t0 is None:
        return None
    after = [e for e in events if e.id > t0.id]
    phase = next((e for e in after if e.kind == "phase_started"
                  and e.detail.get("kind") not in (None, "dosing")), None)
    end = phase or next((e for e in after if e.kind in ("discharged", "session_ended")), None)
    if end is not None:
        return logged_seconds(t0.at, t0.id, end.at, end.id, steps)
    # An end without its event (an older log): after every event.
    return (logged_seconds(t0.at, t0.id, ended, AFTER_EVERY_EVENT, steps)
            if ended is not None else None)


def patients(conn: sqlite3.Connection, include_demo: bool = False) -> list[str]:
    """Every patient identifier in the log, sorted (for a course picker).

    Raises:
        UnreadableLogError: the sessions could not be read.
    """
    with _reading(conn, "The list of patients", others_readable=False):
        # One entry per patient (`patient_fold`), under the spelling of its newest session, as
        # a new session is filed (`EventLog.patient_as_logged`): the picker listed MRN-94 A
        # once per spelling, each opening the same course (review 45).
        newest: dict[str, tuple[str, str]] = {}
        for spelling, last in conn.execute(
                "SELECT patient_id, MAX(started_at) FROM sessions "
                + ("" if include_demo else "WHERE demo = 0 ") + "GROUP BY patient_id"):
            key = patient_fold(spelling)
            if key not in newest or last > newest[key][1]:
                newest[key] = (spelling, last)
        return sorted(spelling for spelling, _ in newest.values())


# --- annotating ----------------------------------------------------------------------------------


def annotate(log: EventLog, session_id: int, clinician: str, text: str, at: datetime) -> int:
    """Append a review note to a session (also an ended one) and return its `events.id`.

    The note is a new `events` row of kind `review_note`, attributed to `clinician`, with `text`
    in its detail; no recorded row is changed. `at` is when the note was written (passed in: the
    caller reads the clock).

    Raises:
        ValueError: empty clinician or text.
        UnknownSessionError: no such session.
        LogError: the log cannot be written.
    """
    if not clinician.strip():
        raise ValueError("Say who writes the review note (clinician name).")
    if not text.strip():
        raise ValueError("The review note is empty: write what you found.")
    log.session(session_id)   # UnknownSessionError before anything is written
    [event_id] = log.write([EventRecord(session_id, at, REVIEW_NOTE, clinician.strip(),
                                        {"text": text.strip()})])
    return event_id


# --- signatures (issue 13) -----------------------------------------------------------------------


def load_signatures(conn: sqlite3.Connection, session_id: int) -> SessionSignatures:
    """A session's signatures, each with the record it signs, and its records left unsigned.

    A log written before the staff tables (migration 0003) has none: an empty answer.

    Raises:
        UnreadableLogError: the signatures or the records they sign could not be read.
    """
    with _reading(conn, f"The signatures of log session {session_id}"):
        return _load_signatures(conn, session_id)


def _load_signatures(conn: sqlite3.Connection, session_id: int) -> SessionSignatures:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"signatures", "staff"} <= tables:
        return SessionSignatures()
    first = conn.execute("SELECT min(changed_at) FROM staff").fetchone()[0]
    since = parse_iso(first) if first else None
    # Written after the first account by the log's order (the events row it came after): a
    # clock fast while IT created the accounts, set back since, had put every unsigned record
    # of the next hours "before" them by wall time. The wall time still counts beside it: for a
    # log whose first account is older than that mark, and so that an edited mark can add
    # records to the list but never take one off.
    after = _first_account_after_event(conn)
    by_order = "" if after is None else " OR id > ?"
    demo = conn.execute("SELECT demo FROM sessions WHERE id = ?", [session_id]).fetchone()
    entries = []
    signed: set[tuple[str, int]] = set()
    for sig_id, at, account, name, meaning, table, row_id, signed_hash in conn.execute(
            "SELECT id, at, account, printed_name, meaning, signed_table, signed_id, signed_hash "
            "FROM signatures WHERE session_id = ? ORDER BY id", [session_id]).fetchall():
        record_at, record, row_hash = _signed_record(conn, str(table), int(row_id))
        signed.add((str(table), int(row_id)))
        # The signature's own row too: its signer's name or account edited outside the console
        # read "valid" while only the record it signs was checked (the data-path audit).
        intact = (row_hash == signed_hash and _hash_holds(conn, str(table), int(row_id))
                  and _hash_holds(conn, "signatures", int(sig_id)))
        entries.append(SignatureEntry(parse_iso(at), int(account), str(name), str(meaning),
                                      str(table), int(row_id), record_at, record, intact))
    unsigned = []
    if since is not None and demo is not None and not demo[0]:
        kinds = list(NEEDS_SIGNATURE)
        for row_id, at, kind, detail in conn.execute(
                f"SELECT id, at, kind, detail FROM events WHERE session_id = ? "
                f"AND (at >= ?{by_order}) AND kind IN ({', '.join('?' * len(kinds))}) ORDER BY id",
                [session_id, iso(since), *([] if after is None else [after]), *kinds]).fetchall():
            if ("events", int(row_id)) not in signed:
                fields = json.loads(detail)
                unsigned.append(UnsignedRecord("events", int(row_id), parse_iso(at),
                                               signature_meaning(kind, fields),
                                               describe_event(kind, fields)))
    return SessionSignatures(tuple(entries), tuple(unsigned), since)


def _first_account_after_event(conn: sqlite3.Connection) -> int | None:
    """The id of the last `events` row when the log's first staff account was written (meta
    `first_account_after_event`, which `identity_store.append_staff` writes with that account);
    None when the log does not say: its first account is older than that record, or the value
    is not a whole number (edited)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'first_account_after_event'"
                       ).fetchone()
    text = "" if row is None else str(row[0])
    return int(text) if text.isascii() and text.isdigit() else None


def _hash_holds(conn: sqlite3.Connection, table: str, row_id: int) -> bool:
    """The row's content still gives its stored row_hash (chained onto the row before it).

    The stored hash alone says nothing: an edit outside the console that leaves the row_hash
    column as it was would still match the signature. A row before it deleted outside the console
    also fails here; `verify` names which it was.
    """
    columns = ", ".join((*chain.CHAINED_COLUMNS[table], "row_hash"))
    row = conn.execute(f"SELECT {columns} FROM {table} WHERE id = ?", [row_id]).fetchone()
    if row is None:
        return False
    before = conn.execute(f"SELECT row_hash FROM {table} WHERE id < ? ORDER BY id DESC LIMIT 1",
                          [row_id]).fetchone()
    previous = str(before[0]) if before is not None else chain.GENESIS
    stored = str(row[-1])
    return chain.recomputed_hash(previous, table, list(row[:-1]), stored) == stored


def _signed_record(conn: sqlite3.Connection, table: str,
                   row_id: int) -> tuple[datetime | None, str, str | None]:
    """(when, one line, row_hash) of a signed record; (None, 'gone', None) when it is not there."""
    if table == "events":
        row = conn.execute("SELECT at, kind, detail, row_hash FROM events WHERE id = ?",
                           [row_id]).fetchone()
        if row is not None:
            return parse_iso(row[0]), describe_event(row[1], json.loads(row[2])), row[3]
    elif table == "observations":
        row = conn.execute("SELECT received_at, metric, value, unit, row_hash FROM observations "
                           "WHERE id = ?", [row_id]).fetchone()
        if row is not None:
            return parse_iso(row[0]), f"{row[1]} {row[2]:g} {row[3]}", row[4]
    elif table in ("sessions", "alarm_events"):
        column = "started_at" if table == "sessions" else "at"
        row = conn.execute(f"SELECT {column}, row_hash FROM {table} WHERE id = ?",
                           [row_id]).fetchone()
        if row is not None:
            return parse_iso(row[0]), f"{table} row {row_id}", row[1]
    return None, f"{table} row {row_id}: not in the log any more", None


# --- the hash chain of one session (R7: a row changed outside the console) ----------------------

# The session record: the tables a session's rows are in (console/store/chain.py).
_SESSION_TABLES: Final = chain.SIGNABLE_TABLES
_SHA256: Final = hashlib.sha256


def check_session_chain(conn: sqlite3.Connection, session_id: int) -> ChainCheck:
    """Check one session's rows against the log's hash chain (`ChainCheck` says what is checked).

    The rule is `console.store.chain.row_hash`: each row's hash over the stored hash of the row
    before it in its table. For speed, SQLite writes each row's canonical text (`json_array`,
    in C) and Python only hashes it; a row whose hash differs is recomputed by `chain.row_hash`
    itself before it is reported, so a value SQLite formats unlike Python (a float with more
    than 15 digits) costs time, never a false report. Measured on P6's log (200 sessions of
    90 min, 32,400 rows in the session): see README "Reviewing and exporting past sessions".

    Raises:
        UnknownSessionError: no session with that id.
        UnreadableLogError: the rows could not be read (a damaged part of the file).
    """
    # One read transaction: a console writing this log meanwhile (a session still open) cannot
    # add a row between reading a row and reading the chain head after it.
    with (_reading(conn, f"The check of log session {session_id} against the hash chain"),
          _one_snapshot(conn)):
        return _check_session_chain(conn, session_id)


def _tables_of_a_session(conn: sqlite3.Connection) -> tuple[str, ...]:
    """The record tables that hold a session's rows: its signatures too, in a log that has them
    (a signer's name edited outside the console is an edit of the session's record)."""
    present = schema.user_tables(conn)
    return (*_SESSION_TABLES, *(("signatures",) if "signatures" in present else ()))


def _check_session_chain(conn: sqlite3.Connection, session_id: int) -> ChainCheck:
    if conn.execute("SELECT 1 FROM sessions WHERE id = ?", [session_id]).fetchone() is None:
        raise UnknownSessionError(f"session {session_id} is not in the session log")
    checked = 0
    bad: dict[tuple[str, int], str] = {}   # (table, row id) -> what differs; first found kept
    for table in _tables_of_a_session(conn):
        key = "id" if table == "sessions" else "session_id"
        ids, stored, wrong = _hash_rows(conn, table, key, session_id)
        checked += len(ids)
        found = (*wrong, *_rows_after(conn, table, ids, stored))
        if not found and table in _BEDSIDE_WORDS:
            found = _deleted_in_place(conn, table, session_id, ids)
        for row_id, message in found:
            bad.setdefault((table, row_id), message)
    end = _end_mismatch(conn, session_id)
    if end is not None:
        bad.setdefault(("sessions", session_id), end)
    applied = set(schema.applied_migrations(conn))
    for table in _SESSION_TABLES:   # this session's last rows could be gone without a trace
        problem = head_unreadable(conn, table)
        if problem is not None and schema.made_by(table) in applied:
            bad.setdefault(("sessions", session_id), problem)
    if not bad:
        return ChainCheck(checked)
    order = {t: i for i, t in enumerate((*_SESSION_TABLES, "signatures"))}
    table, row_id = min(bad, key=lambda b: (order[b[0]], b[1]))
    record, record_at = _described(conn, table, row_id, session_id)
    return ChainCheck(checked, (table, row_id), bad[(table, row_id)], record, record_at,
                      len(bad))


def _hash_rows(
    conn: sqlite3.Connection, table: str, key: str, session_id: int
) -> tuple[list[int], list[str], list[tuple[int, str]]]:
    """(ids, stored hashes, the rows that do not match with why) of the session's rows of
    `table`, in id order."""
    columns = ", ".join(chain.CHAINED_COLUMNS[table])
    try:
        rows = conn.execute(
            f"SELECT id, json_array('{table}', {columns}), row_hash FROM {table} "
            f"WHERE {key} = ? ORDER BY id", [session_id]).fetchall()
    except sqlite3.OperationalError as exc:
        if is_environmental(exc) or _interrupted(exc):
            raise
        # A value json_array refuses (a BLOB written outside the console): every row the slow
        # way, by the chain's own rule.
        rows = [(r[0], None, r[1]) for r in conn.execute(
            f"SELECT id, row_hash FROM {table} WHERE {key} = ? ORDER BY id", [session_id])]
    if not rows:
        return [], [], []
    ids = [int(r[0]) for r in rows]
    stored = [str(r[2]) for r in rows]
    # Each row's predecessor: the row before it in this list when the ids run on (a session's
    # rows mostly do), else read (the other session's row, or none: deleted).
    previous: list[str | None] = [None, *stored[:-1]]
    for i, row_id in enumerate(ids):
        if i == 0 or ids[i - 1] != row_id - 1:
            previous[i] = _stored_hash(conn, table, row_id - 1)
    wrong: list[tuple[int, str]] = []
    # One comprehension of C calls per row (measured: 40 ms for 32,400 rows, half of map()'s).
    digests = [_SHA256(f"{prev}\n{canon}".encode()).hexdigest()
               if canon is not None and prev is not None else None
               for (_, canon, _), prev in zip(rows, previous, strict=True)]
    for i, row_id in enumerate(ids):
        if digests[i] == stored[i]:
            continue
        prev = previous[i]
        if prev is None:
            wrong.append((row_id, _deleted_before(conn, table, row_id)))
            continue
        values = _chained_values(conn, table, row_id)
        expected = _expected_hash(prev, table, values, stored[i])
        if expected == stored[i]:
            continue   # SQLite wrote the text unlike Python; the chain's own rule agrees
        wrong.append((row_id, _diagnosis(conn, table, row_id, expected)))
    return ids, stored, wrong


# The tables a session writes while it runs, and what their rows are to a clinician.
_BEDSIDE_WORDS: Final = {"observations": "vital signs and scores", "alarm_events": "alarms",
                         "events": "events (phases, checklist, doses, notes)"}


def _deleted_in_place(conn: sqlite3.Connection, table: str, session_id: int,
                      ids: Sequence[int]) -> tuple[tuple[int, str], ...]:
    """Rows of `table` deleted where this session's rows were written (one finding, or none).

    Every session's rows are chained in one sequence per table, so a session whose rows of a
    table were all deleted (its alarms, say), or a run of them lying between other sessions'
    rows, has no row of its own left to fail the chain: the break showed only at its neighbours
    and the session read as a whole record (review 36). The rule: ids are commit order and
    consecutive, and sessions start in id order, so this session's rows were written after the
    last row of the nearest earlier session with rows in the table and before the first row of
    the nearest later one (for the newest, the table's end its chain head records), and
    anywhere between its own first and last rows: chairs sharing a log write in turn, so the
    next session's first row may come before this one's last (review 40: a row deleted between
    two of its own passed). An id missing there was deleted and may have been this session's,
    so the session is changed; its neighbours are marked as well, by the break itself. A
    review note, written after the session, does not move that place; when an earlier session
    wrote there after the later one began (a session resumed), only the ids just before the
    later one's first row are held.

    Cost: four index lookups (five for the events of sessions written in turn), and counts of
    rows only where the session's own rows do not fill its place; an unchanged log of sessions
    one after another counts nothing, one of sessions written in turn counts the rows of their
    span once, by id.
    """
    lo, hi = _place_in_table(conn, table, session_id, ids)
    present = _present_between(conn, table, lo, hi, ids)
    if present >= hi - lo - 1:
        return ()
    first = lo + 1
    if _stored_hash(conn, table, first) is not None:
        first = int(conn.execute(
            f"SELECT min(t.id) + 1 FROM {table} AS t WHERE t.id > ? AND t.id < ? AND NOT EXISTS "
            f"(SELECT 1 FROM {table} AS u WHERE u.id = t.id + 1)", [lo, hi - 1]).fetchone()[0])
    after = conn.execute(f"SELECT min(id) FROM {table} WHERE id > ?", [first]).fetchone()[0]
    last = min(int(after), hi) - 1 if after is not None else hi - 1
    missing = f"{first}" + (f" to {last}" if last > first else "")
    more = hi - lo - 1 - present - (last - first + 1)
    also = f" (and {more} more row{'s' if more != 1 else ''} near them)" if more > 0 else ""
    owners: list[str | None] = []   # whose rows the run lies between
    for row_id in (first - 1, last + 1):
        row = conn.execute(f"SELECT session_id FROM {table} WHERE id = ?", [row_id]).fetchone()
        owners.append(None if row is None else "this session's" if row[0] == session_id
                      else f"session {row[0]}'s")
    if owners[0] is not None and owners[0] == owners[1]:
        where = f"between {owners[0]} rows"
    else:
        where = " and ".join([*([f"after {owners[0]} rows"] if owners[0] else []),
                              *([f"before {owners[1]}"] if owners[1] else [])])
    where = where or "where this session's would be"
    return ((first, f"{table} row(s) {missing}{also}, written {where}, were deleted outside the "
                    f"console: this session's {_BEDSIDE_WORDS[table]} may be among them and are "
                    "not shown"),)


def _place_in_table(conn: sqlite3.Connection, table: str, session_id: int,
                    ids: Sequence[int]) -> tuple[int, int]:
    """(lo, hi): the ids between which this session's rows of `table` were written, both
    excluded (`_deleted_in_place`); lo 0 before the first row, hi one past the table's end.
    It reaches past the next session's first row to the session's own last one when the two
    wrote in turn (two chairs on one log): a row deleted between its own rows is in it."""
    # The nearest session with rows on each side is one index lookup; its last row (but for a
    # review note) or first row, one more.
    note = f" AND kind <> '{REVIEW_NOTE_KIND}'" if table == "events" else ""
    row = conn.execute(
        f"SELECT max(id) FROM {table} WHERE session_id = "
        f"(SELECT max(session_id) FROM {table} WHERE session_id < ?){note}",
        [session_id]).fetchone()
    lo = int(row[0]) if row[0] is not None else 0
    row = conn.execute(
        f"SELECT min(id) FROM {table} WHERE session_id = "
        f"(SELECT min(session_id) FROM {table} WHERE session_id > ?)", [session_id]).fetchone()
    if row[0] is not None:
        hi = int(row[0])
    else:   # the newest session with rows here: up to the end the log recorded
        top = conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
        head = read_head(conn, table)
        hi = max(int(top or 0), head[0] if head is not None else 0) + 1
    if ids:   # its place holds its own rows, first to last, whoever wrote between them
        last = ids[-1] if ids[-1] < hi else _last_at_the_chair(conn, table, session_id, ids)
        return min(lo, ids[0] - 1), max(hi, last + 1)
    if lo >= hi:
        before = conn.execute(f"SELECT max(id) FROM {table} WHERE id < ?", [hi]).fetchone()[0]
        lo = int(before) if before is not None else 0
    return lo, hi


def _last_at_the_chair(conn: sqlite3.Connection, table: str, session_id: int,
                       ids: Sequence[int]) -> int:
    """The id of the session's last row of `table` (`ids`, in order) but for a review note, which
    is written after the session, elsewhere in the log (its place does not reach it)."""
    if table != "events" or len(ids) == 1:
        return ids[-1]
    row = conn.execute("SELECT max(id) FROM events WHERE session_id = ? AND kind <> ?",
                       [session_id, REVIEW_NOTE_KIND]).fetchone()
    return int(row[0]) if row[0] is not None else ids[0]


def _present_between(conn: sqlite3.Connection, table: str, lo: int, hi: int,
                     ids: Sequence[int]) -> int:
    """How many rows of `table` have an id between lo and hi (both excluded): the session's own
    run of rows there (`ids`, in order) is counted without reading it again."""
    start = bisect_right(ids, lo)
    end = bisect_left(ids, hi)
    if start < end and ids[end - 1] - ids[start] == end - 1 - start:   # one run, no gap
        return (_count_between(conn, table, lo, ids[start]) + (end - start)
                + _count_between(conn, table, ids[end - 1], hi))
    return _count_between(conn, table, lo, hi)


def _count_between(conn: sqlite3.Connection, table: str, lo: int, hi: int) -> int:
    if hi - lo <= 1:
        return 0
    return int(conn.execute(f"SELECT count(*) FROM {table} WHERE id > ? AND id < ?",
                            [lo, hi]).fetchone()[0])


def _interrupted(exc: sqlite3.Error) -> bool:
    """The statement was interrupted (`Connection.interrupt`: the review's background check
    giving way, console/review/integrity.py), not refused."""
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_INTERRUPT"


def _stored_hash(conn: sqlite3.Connection, table: str, row_id: int) -> str | None:
    """The stored row_hash of a row (GENESIS before the first), or None when it is not there."""
    if row_id == 0:
        return chain.GENESIS
    row = conn.execute(f"SELECT row_hash FROM {table} WHERE id = ?", [row_id]).fetchone()
    return str(row[0]) if row is not None else None


def _chained_values(conn: sqlite3.Connection, table: str, row_id: int) -> list[object] | None:
    columns = ", ".join(chain.CHAINED_COLUMNS[table])
    row = conn.execute(f"SELECT {columns} FROM {table} WHERE id = ?", [row_id]).fetchone()
    return list(row) if row is not None else None


def _expected_hash(previous: str, table: str, values: list[object] | None,
                   stored: str | None) -> str | None:
    """`chain.recomputed_hash` of a row whose stored row_hash is `stored`, or None for a row it
    cannot hash (a value the console never writes)."""
    if values is None:
        return None
    try:
        return chain.recomputed_hash(previous, table, values, str(stored))
    except (TypeError, ValueError):
        return None


def _deleted_before(conn: sqlite3.Connection, table: str, row_id: int) -> str:
    before = conn.execute(f"SELECT max(id) FROM {table} WHERE id < ?", [row_id]).fetchone()[0]
    first = int(before) + 1 if before is not None else 1
    missing = f"{first}" + (f" to {row_id - 1}" if row_id - 1 > first else "")
    return (f"{table} row {row_id} no longer follows the row before it: row(s) {missing} were "
            "deleted outside the console")


def _diagnosis(conn: sqlite3.Connection, table: str, row_id: int, expected: str | None) -> str:
    """What differs about a row whose content does not give its stored hash (`verify`'s words):
    when the next row chains onto the hash its content gives, only its row_hash was altered; for
    the last row the chain head in meta answers (chain.py's `_diagnose`); a row past the end
    the head records was added, not edited (`chain.added_after`)."""
    head = read_head(conn, table)
    if head is not None and row_id > head[0] and _stored_hash(conn, table, head[0]) == head[1]:
        return chain.added_after(table, head[0])
    if expected is not None:
        after = _chained_values(conn, table, row_id + 1)
        next_stored = _stored_hash(conn, table, row_id + 1) if after is not None else None
        last_row_altered = after is None and read_head(conn, table) == (row_id, expected)
        chained_on = (next_stored is not None
                      and _expected_hash(expected, table, after, next_stored) == next_stored)
        if last_row_altered or chained_on:
            return chain.hash_altered(table, row_id)
    return (f"{table} row {row_id}: its content does not match its row_hash: it was edited "
            "outside the console, or the row before it was replaced")


def _rows_after(conn: sqlite3.Connection, table: str, ids: Sequence[int],
                stored: Sequence[str]) -> list[tuple[int, str]]:
    """The row after each run of the session's rows must chain onto the run's last row: a row
    of this session edited with its own hash recomputed shows only there (the next row may be
    another session's), or, at the end of the table, in the chain head the log keeps in meta."""
    out: list[tuple[int, str]] = []
    head = None
    for i, row_id in enumerate(ids):
        if i + 1 < len(ids) and ids[i + 1] == row_id + 1:
            continue
        values = _chained_values(conn, table, row_id + 1)
        if values is not None:
            next_stored = _stored_hash(conn, table, row_id + 1)
            if _expected_hash(stored[i], table, values, next_stored) != next_stored:
                out.append((row_id, f"{table} row {row_id + 1}, the row after this session's row "
                                    f"{row_id}, does not chain onto it: one of the two was "
                                    "changed outside the console"))
            continue
        head = head or read_head(conn, table)
        if head is None:
            continue
        head_id, head_hash = head
        later = conn.execute(f"SELECT min(id) FROM {table} WHERE id > ?", [row_id]).fetchone()[0]
        if later is not None:   # named as `verify` names it: the row that no longer follows
            out.append((int(later), _deleted_before(conn, table, int(later))))
        elif head_id > row_id:
            out.append((row_id + 1, f"{table}: rows {row_id + 1} to {head_id} were deleted from "
                                    "the end outside the console (the log recorded its last "
                                    f"row as {head_id})"))
        elif head_id == row_id and head_hash != stored[i]:
            out.append((row_id, f"{table} row {row_id}: differs from the chain head the log "
                                "recorded"))
        elif head_id < row_id:
            out.append((head_id + 1, f"{table}: rows after {head_id} were added outside the "
                                     "console"))
    return out


def _end_mismatch(conn: sqlite3.Connection, session_id: int) -> str | None:
    """`sessions.ended_at` (outside the hash) against its chained `session_ended` event."""
    ended_at, recorded = conn.execute(
        "SELECT s.ended_at, (SELECT min(e.at) FROM events AS e WHERE e.session_id = s.id AND "
        "e.kind = 'session_ended') FROM sessions AS s WHERE s.id = ?", [session_id]).fetchone()
    return chain.end_mismatch(session_id, ended_at, recorded)


def _described(conn: sqlite3.Connection, table: str, row_id: int,
               session_id: int) -> tuple[str, datetime | None]:
    """(the row in words, when it was written) for the banner; ('', None) for a row that is
    gone or is another session's (its content is not this session's to show)."""
    if table == "observations":
        row = conn.execute("SELECT session_id, metric, value, unit, received_at FROM "
                           "observations WHERE id = ?", [row_id]).fetchone()
        if row is not None and row[0] == session_id:
            known = METRICS.get(str(row[1]))
            label = known.label if known is not None else str(row[1])
            value = f"{row[2]:g}" if isinstance(row[2], int | float) else str(row[2])
            return f"{label} {value} {row[3]}".strip(), _opt_time(row[4])
    elif table == "alarm_events":
        row = conn.execute("SELECT session_id, message, transition, at FROM alarm_events "
                           "WHERE id = ?", [row_id]).fetchone()
        if row is not None and row[0] == session_id:
            return f"alarm {row[2]}: {row[1]}", _opt_time(row[3])
    elif table == "events":
        row = conn.execute("SELECT session_id, kind, detail, at FROM events WHERE id = ?",
                           [row_id]).fetchone()
        if row is not None and row[0] == session_id:
            try:
                detail = json.loads(row[2])
            except (TypeError, ValueError):
                detail = {}
            return (describe_event(str(row[1]), detail if isinstance(detail, dict) else {}),
                    _opt_time(row[3]))
    elif table == "signatures":
        row = conn.execute("SELECT session_id, printed_name, meaning, at FROM signatures "
                           "WHERE id = ?", [row_id]).fetchone()
        if row is not None and row[0] == session_id:
            return f"the signature of {row[1]} ({row[2]})", _opt_time(row[3])
    elif table == "sessions" and row_id == session_id:
        return "the session's start record (patient, protocol, weight, dose)", None
    return "", None


def changed_sessions(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    """Of the listed sessions, those whose own `sessions` row or recorded end was changed outside
    the console, with what `check_session_chain` would say (cheap: one row each, for the list).

    The session's observations, alarms and events are checked when it is opened
    (`check_session_chain`, ~32,400 rows for 90 minutes): too many to check every listed session
    each time the list is filtered.

    Raises:
        UnreadableLogError: the sessions could not be read.
    """
    if not ids:
        return {}
    out: dict[int, str] = {}
    columns = ", ".join(f"s.{c}" for c in chain.CHAINED_COLUMNS["sessions"])
    with _reading(conn, "The session list", others_readable=False):
        for row in conn.execute(
                f"SELECT s.id, {columns}, s.row_hash, p.row_hash, s.ended_at, "
                "(SELECT min(e.at) FROM events AS e WHERE e.session_id = s.id "
                "AND e.kind = 'session_ended') FROM sessions AS s "
                "LEFT JOIN sessions AS p ON p.id = s.id - 1 "
                f"WHERE s.id IN ({_in_list(ids)})"):
            session_id = int(row[0])
            count = len(chain.CHAINED_COLUMNS["sessions"])
            values = list(row[1:1 + count])
            stored, previous = row[1 + count], row[2 + count]
            if previous is None and session_id == 1:
                previous = chain.GENESIS
            if previous is None:
                out[session_id] = _deleted_before(conn, "sessions", session_id)
            elif _expected_hash(str(previous), "sessions", values, stored) != stored:
                out[session_id] = (f"sessions row {session_id}: its content does not match its "
                                   "row_hash: it was edited outside the console, or the row "
                                   "before it was replaced")
            else:
                ended_at, recorded = row[3 + count], row[4 + count]
                if ended_at != recorded:
                    out[session_id] = _end_mismatch(conn, session_id) or ""
    return out
