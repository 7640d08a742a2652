"""The log's schema as registered migrations applied by sqlite-utils, and the checks around them.

The schema is a public contract: clinicians query it with plain SQL (see SCHEMA.md next to this
file). Each migration is a function registered with `@migration(name)`; `migrate` hands pending
ones to sqlite-utils' `Migrations`, which records every applied one in `_sqlite_migrations` inside
the same transaction as the change, so a migration runs at most once per file. sqlite-utils is
imported only when something is pending: importing it (with click and pluggy) cost 100-180 ms
here, which a normal start of the console on an existing log does not need to pay (P7).

`meta.schema_version` is the number of migrations applied; a file whose version is higher than
this program's `SCHEMA_VERSION` (or that lists migrations this program does not know) was written
by a newer console and is refused rather than misread.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from console.store.chain import GENESIS

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET: Final = "infusion-console-log"
MIGRATIONS_TABLE: Final = "_sqlite_migrations"  # sqlite-utils' Migrations.migrations_table

MigrationFunction = Callable[["Database"], None]

# (name, function) in the order they must run; append, never edit or reorder.
MIGRATIONS: list[tuple[str, MigrationFunction]] = []


def migration(name: str) -> Callable[[MigrationFunction], MigrationFunction]:
    """Register a schema migration under a name that is never reused."""

    def register(fn: MigrationFunction) -> MigrationFunction:
        if any(existing == name for existing, _ in MIGRATIONS):
            raise ValueError(f"migration {name!r} is registered twice")
        MIGRATIONS.append((name, fn))
        return fn

    return register

# Keys in meta. Chain heads ("<last id> <last row_hash>" per record table) let verify() notice rows
# removed from the END of a table, which the chain alone cannot show.
SQLITE_INTEGER: Final = range(-(2**63), 2**63)
"""What an INTEGER column (a row id) can hold: a number beyond it names no row, and handed to a
query it raises OverflowError instead of finding nothing (session ids typed on a command line)."""
META_SCHEMA_VERSION: Final = "schema_version"
META_PROGRAM_VERSION: Final = "program_version"
META_LAST_OPENED_BY: Final = "last_opened_by_version"
META_CREATED_AT: Final = "created_at"
CHAIN_HEAD_PREFIX: Final = "chain_head."

APPEND_ONLY_MESSAGE: Final = "{table} is append-only: record a correction as a new row"
SESSIONS_UPDATE_MESSAGE: Final = (
    "sessions: only ended_at may be set, once, from empty: record a correction as an event"
)

_TABLES: Final = (
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT
    )""",
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        patient_id TEXT NOT NULL,
        protocol_id TEXT NOT NULL,
        protocol_version TEXT NOT NULL,
        session_number INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        nurse TEXT NOT NULL,
        weight_kg REAL NOT NULL,
        demo INTEGER NOT NULL DEFAULT 0,
        details TEXT NOT NULL DEFAULT '{}',
        row_hash TEXT NOT NULL
    )""",
    """CREATE TABLE observations (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        metric TEXT NOT NULL,
        value REAL NOT NULL,
        unit TEXT NOT NULL,
        source TEXT NOT NULL,
        channel TEXT NOT NULL DEFAULT '',
        flags TEXT NOT NULL DEFAULT '',
        measured_at TEXT,
        received_at TEXT NOT NULL,
        entered_by TEXT NOT NULL,
        confirmed INTEGER NOT NULL DEFAULT 0,
        corrects INTEGER REFERENCES observations(id),
        row_hash TEXT NOT NULL
    )""",
    """CREATE TABLE alarm_events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        occurrence INTEGER NOT NULL,
        condition TEXT NOT NULL,
        category TEXT NOT NULL,
        priority TEXT NOT NULL,
        transition TEXT NOT NULL,
        at TEXT NOT NULL,
        value REAL,
        threshold TEXT NOT NULL DEFAULT '',
        message TEXT NOT NULL,
        actor TEXT NOT NULL,
        row_hash TEXT NOT NULL
    )""",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        row_hash TEXT NOT NULL
    )""",
)

# P6: 6.5 M observation rows; every review query starts from a session (or a patient) so each
# index leads with it. observations is indexed on session_id alone: SQLite appends the rowid (= id)
# to every index entry, so a session's rows come back in id order without a sort and are read from
# the table in storage order. Measured on 20 sessions x 32,400 rows: loading one session in id order
# took 73 ms this way against 107 ms with an index on (session_id, metric, received_at), and a
# one-metric trend query took 17 ms against 14 ms: one index serves both and costs writes less.
_INDEXES: Final = (
    "CREATE INDEX observations_by_session ON observations(session_id)",
    "CREATE INDEX observations_corrects ON observations(corrects) WHERE corrects IS NOT NULL",
    "CREATE INDEX alarm_events_by_occurrence ON alarm_events(session_id, occurrence)",
    "CREATE INDEX events_by_session ON events(session_id, at)",
    "CREATE INDEX sessions_by_patient ON sessions(patient_id, started_at)",
    "CREATE INDEX sessions_by_start ON sessions(started_at)",
)

_PRIORITY_RANK: Final = (
    "CASE priority WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"
)

# One row per alarm occurrence. The "raising row" is the occurrence's first `raised` transition
# (or its first row, should a log ever hold an occurrence without one).
# Its seconds_to_acknowledge (raised to the first acknowledgement at any priority; a reset is not
# one) is not the review's "To ack": SCHEMA.md's high-alarm response query computes that from
# alarm_events. Leave this text as it is: migration 0001 made the view in every log, and
# guard_problems() reports a view that differs from what the migrations make as redefined.
_ALARMS_VIEW: Final = f"""CREATE VIEW alarms AS
WITH grouped AS (
    SELECT session_id,
           occurrence,
           COALESCE(MIN(CASE WHEN transition = 'raised' THEN id END), MIN(id)) AS raise_id,
           MAX({_PRIORITY_RANK}) AS rank,
           MIN(CASE WHEN transition = 'acknowledged' THEN at END) AS acknowledged_at,
           MAX(CASE WHEN transition = 'cleared' THEN at END) AS cleared_at
    FROM alarm_events
    GROUP BY session_id, occurrence
)
SELECT g.session_id AS session_id,
       g.occurrence AS occurrence,
       r.condition AS condition,
       r.category AS category,
       CASE g.rank WHEN 3 THEN 'high' WHEN 2 THEN 'medium' WHEN 1 THEN 'low' ELSE 'info' END
           AS priority,
       r.at AS raised_at,
       g.acknowledged_at AS acknowledged_at,
       g.cleared_at AS cleared_at,
       r.value AS value,
       r.threshold AS threshold,
       r.message AS message,
       ROUND((julianday(g.acknowledged_at) - julianday(r.at)) * 86400.0, 3)
           AS seconds_to_acknowledge
FROM grouped AS g
JOIN alarm_events AS r ON r.id = g.raise_id"""


def append_only_triggers(table: str) -> list[str]:
    """The triggers that refuse UPDATE and DELETE on `table`, with the rule in their message
    (also used by the central station's log)."""
    message = APPEND_ONLY_MESSAGE.format(table=table)
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def _sessions_triggers() -> list[str]:
    """sessions: no DELETE; UPDATE only to set ended_at once, every other column unchanged."""
    others = [
        "id", "patient_id", "protocol_id", "protocol_version", "session_number", "started_at",
        "nurse", "weight_kg", "demo", "details", "row_hash",
    ]
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in others)
    allowed = f"OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL AND {unchanged}"
    delete_message = APPEND_ONLY_MESSAGE.format(table="sessions")
    return [
        "CREATE TRIGGER sessions_update_only_end BEFORE UPDATE ON sessions "
        f"WHEN NOT ({allowed}) "
        f"BEGIN SELECT RAISE(ABORT, '{SESSIONS_UPDATE_MESSAGE}'); END",
        "CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions "
        f"BEGIN SELECT RAISE(ABORT, '{delete_message}'); END",
    ]


def _set_schema_version(db: Database, version: int) -> None:
    db.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [META_SCHEMA_VERSION, str(version)],
    )


@migration("0001_initial_schema")
def _initial_schema(db: Database) -> None:
    """Tables, indexes, the alarms view, append-only triggers, empty chain heads."""
    statements = [*_TABLES, *_INDEXES, _ALARMS_VIEW, *_sessions_triggers()]
    for table in ("observations", "alarm_events", "events"):
        statements += append_only_triggers(table)
    # One statement at a time: executescript() would commit the migration's transaction.
    for sql in statements:
        db.execute(sql)
    # The tables of this migration only (later ones add their own heads): never edit a migration.
    for table in ("sessions", "observations", "alarm_events", "events"):
        db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?)",
            [CHAIN_HEAD_PREFIX + table, f"0 {GENESIS}"],
        )
    _set_schema_version(db, 1)


META_LOG_UID: Final = "log_uid"


@migration("0002_outbox")
def _outbox(db: Database) -> None:
    """The clinic network's store and forward: every outgoing message is first an `outbox` row,
    written in the transaction of the records it reports; each delivery (or failure) to a
    destination is a `deliveries` row. Both append-only and hash-chained like the records.

    `meta.log_uid` (random, made once per file) prefixes every control id (MSH-10), so two log
    files of the clinic never send the same id: receivers drop duplicates by it.
    """
    import secrets  # noqa: PLC0415 - only when the migration runs

    statements = [
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            control_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            destinations TEXT NOT NULL,
            created_at TEXT NOT NULL,
            message TEXT NOT NULL,
            row_hash TEXT NOT NULL
        )""",
        """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL REFERENCES outbox(id),
            destination TEXT NOT NULL,
            outcome TEXT NOT NULL,
            at TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            row_hash TEXT NOT NULL
        )""",
        "CREATE INDEX deliveries_by_outbox ON deliveries(outbox_id, destination)",
        *append_only_triggers("outbox"),
        *append_only_triggers("deliveries"),
    ]
    for sql in statements:
        db.execute(sql)
    for table in ("outbox", "deliveries"):
        db.execute("INSERT INTO meta(key, value) VALUES (?, ?)",
                   [CHAIN_HEAD_PREFIX + table, f"0 {GENESIS}"])
    db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
               [META_LOG_UID, secrets.token_hex(4)])
    _set_schema_version(db, 2)


# Secrets are stored only as Argon2id hashes in PHC form (console/identity/secrets.py); the CHECK
# keeps a clear PIN out of the table whoever inserts it.
STAFF_SECRET_CHECK: Final = "secret_hash LIKE '$argon2id$%'"
SIGN_IN_OUTCOMES: Final = ("ok", "wrong", "locked", "disabled", "unknown")


# The migration that made the identity tables, the access log among them (a log without it is
# from before the access log: `infusion-console access-log` says so rather than "nothing read").
STAFF_MIGRATION: Final = "0003_staff"


@migration(STAFF_MIGRATION)
def _staff(db: Database) -> None:
    """Who did it (issue 13): staff accounts, every sign-in attempt, electronic signatures bound
    to the hash of the record they sign, and every read or export of a session's record.

    All four are append-only and hash-chained like the records. `staff` keeps every version of an
    account (a change is a new row with the same `account`); `staff_current` is the newest
    version of each, without the secret hash. The partial index on `sign_ins` holds only the
    attempts that count toward a lock-out, so the lock-out check reads at most five rows however
    many refused attempts were logged while an account was locked (R14).
    """
    outcomes = ", ".join(f"'{o}'" for o in SIGN_IN_OUTCOMES)
    statements = [
        f"""CREATE TABLE staff (
            id INTEGER PRIMARY KEY,
            account INTEGER NOT NULL REFERENCES staff(id),
            name TEXT NOT NULL,
            badge TEXT,
            roles TEXT NOT NULL,
            secret_hash TEXT NOT NULL CHECK ({STAFF_SECRET_CHECK}),
            secret_kind TEXT NOT NULL CHECK (secret_kind IN ('pin', 'password')),
            active INTEGER NOT NULL CHECK (active IN (0, 1)),
            changed_at TEXT NOT NULL,
            changed_by INTEGER REFERENCES staff(id),
            reason TEXT NOT NULL DEFAULT '',
            row_hash TEXT NOT NULL
        )""",
        f"""CREATE TABLE sign_ins (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            account INTEGER REFERENCES staff(id),
            staff_version INTEGER REFERENCES staff(id),
            typed TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL CHECK (outcome IN ({outcomes})),
            locked_until TEXT,
            purpose TEXT NOT NULL,
            station TEXT NOT NULL DEFAULT '',
            row_hash TEXT NOT NULL
        )""",
        """CREATE TABLE signatures (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            account INTEGER NOT NULL REFERENCES staff(id),
            printed_name TEXT NOT NULL,
            meaning TEXT NOT NULL,
            session_id INTEGER REFERENCES sessions(id),
            signed_table TEXT NOT NULL,
            signed_id INTEGER NOT NULL,
            signed_hash TEXT NOT NULL,
            row_hash TEXT NOT NULL
        )""",
        """CREATE TABLE access_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            account INTEGER NOT NULL REFERENCES staff(id),
            name TEXT NOT NULL,
            what TEXT NOT NULL CHECK (what IN ('read', 'export')),
            session_id INTEGER REFERENCES sessions(id),
            format TEXT NOT NULL DEFAULT '',
            deidentified INTEGER NOT NULL CHECK (deidentified IN (0, 1)),
            station TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            row_hash TEXT NOT NULL
        )""",
        "CREATE INDEX staff_by_account ON staff(account, id)",
        "CREATE INDEX sign_ins_counted ON sign_ins(account, id) "
        "WHERE outcome IN ('ok', 'wrong')",
        "CREATE INDEX signatures_by_session ON signatures(session_id)",
        "CREATE INDEX signatures_by_row ON signatures(signed_table, signed_id)",
        "CREATE INDEX access_log_by_session ON access_log(session_id, at)",
        """CREATE VIEW staff_current AS
        SELECT s.account AS account, s.name AS name, s.badge AS badge, s.roles AS roles,
               s.secret_kind AS secret_kind, s.active AS active, s.changed_at AS changed_at,
               s.changed_by AS changed_by, s.reason AS reason, s.id AS version
        FROM staff AS s
        WHERE s.id = (SELECT max(v.id) FROM staff AS v WHERE v.account = s.account)""",
    ]
    for table in ("staff", "sign_ins", "signatures", "access_log"):
        statements += append_only_triggers(table)
    for sql in statements:
        db.execute(sql)
    for table in ("staff", "sign_ins", "signatures", "access_log"):
        db.execute("INSERT INTO meta(key, value) VALUES (?, ?)",
                   [CHAIN_HEAD_PREFIX + table, f"0 {GENESIS}"])
    _set_schema_version(db, 3)


@migration("0004_outbox_control_id_not_indexed")
def _outbox_control_id_not_indexed(db: Database) -> None:
    """Rebuild `outbox` without the UNIQUE constraint on `control_id`, rows kept as they are.

    Its index was a B-tree page more written in every commit that sends a message: 11 µs of a
    ~180 µs observation write (P12). The constraint guarded nothing the log does not already
    guarantee: a control id is `<meta.log_uid>-<id>` with `id` the primary key, and the log
    refuses a message that does not carry exactly that (log.py, `_compose`). Rows, ids and
    row_hash values are copied unchanged, so the chain and its head in meta still verify.

    `deliveries` refers to `outbox(id)`: with foreign keys on, dropping the table counts a
    violation per delivery row, which the same rows inserted again under the same ids take back
    before the commit (defer_foreign_keys lasts until the transaction it runs in ends).
    """
    old = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
                     ).fetchone()[0]
    unique = "control_id TEXT NOT NULL UNIQUE,"
    if old.count(unique) != 1:
        raise sqlite3.DatabaseError(f"the outbox table is not as migration 0002 made it: {old}")
    statements = [
        "PRAGMA defer_foreign_keys = ON",
        "CREATE TEMP TABLE outbox_rows AS SELECT * FROM main.outbox",
        "DROP TABLE main.outbox",
        old.replace(unique, "control_id TEXT NOT NULL,"),
        "INSERT INTO main.outbox SELECT * FROM temp.outbox_rows ORDER BY id",
        "DROP TABLE temp.outbox_rows",
        *append_only_triggers("outbox"),
    ]
    for sql in statements:
        db.execute(sql)
    _set_schema_version(db, 4)


# The hash-chained record tables each migration makes (console/store/chain.py RECORD_TABLES):
# a log that recorded the migration and lacks one lost it outside the console (`verify`).
# tests/store/test_schema.py holds it to what the migrations really create.
RECORD_TABLES_MADE_BY: Final[dict[str, tuple[str, ...]]] = {
    "0001_initial_schema": ("sessions", "observations", "alarm_events", "events"),
    "0002_outbox": ("outbox", "deliveries"),
    STAFF_MIGRATION: ("staff", "sign_ins", "signatures", "access_log"),
}


def made_by(table: str) -> str | None:
    """The migration that made record table `table`, or None for a table no migration made."""
    return next((name for name, tables in RECORD_TABLES_MADE_BY.items() if table in tables),
                None)


KNOWN_MIGRATIONS: Final = frozenset(name for name, _ in MIGRATIONS)
# The newest schema this program writes: one version per registered migration.
SCHEMA_VERSION: Final = len(MIGRATIONS)


def user_tables(conn: sqlite3.Connection) -> set[str]:
    """Names of the tables in the file, SQLite's own excluded."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return {str(name) for (name,) in rows}


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names of our migrations already applied to the file (read-only)."""
    if MIGRATIONS_TABLE not in user_tables(conn):
        return []
    rows = conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
        [MIGRATION_SET],
    ).fetchall()
    return [str(name) for (name,) in rows]


def stored_schema_version(conn: sqlite3.Connection) -> int | None:
    """meta.schema_version as an int, or None when absent or unreadable."""
    if "meta" not in user_tables(conn):
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [META_SCHEMA_VERSION]).fetchone()
    try:
        return int(row[0]) if row else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class VersionProblem:
    """What is wrong with `meta.schema_version`, found by `version_problem`.

    Attributes:
        damaged: True when the row holds something no console writes (another number, or not a
            number): `verify` reports the file damaged. False when the row, or the record of the
            schema changes itself, is not there: removed outside the console (a damaged page
            would fail SQLite's integrity check instead), reported as an edit.
        message: one sentence naming the row, what was found and what it should be.
    """

    damaged: bool
    message: str


def version_problem(conn: sqlite3.Connection) -> VersionProblem | None:
    """`meta.schema_version` held to the migrations the log recorded; None when they agree.

    Every migration sets the version to its own number in the transaction that records it in
    `_sqlite_migrations`, so a log of this console always reads exactly the number of migrations
    it lists. A log listing a migration this console does not know is a newer console's, whose
    numbers are not ours to judge: None (opening it refuses it as newer).
    """
    applied = applied_migrations(conn)
    if any(name not in KNOWN_MIGRATIONS for name in applied):
        return None
    if not applied:
        return VersionProblem(False, f"{MIGRATIONS_TABLE} lists none of the log's schema changes "
                                     "(a log of this console lists each): it was emptied or "
                                     "removed outside the console")
    expected = str(len(applied))
    recorded = (f"it should read {expected}, the number of schema changes the log recorded, "
                + (f"{applied[0]} to {applied[-1]}" if len(applied) > 1 else applied[0]))
    # As bytes: a value that is not UTF-8 must be shown, not end the check (sqlite3 cannot
    # decode it as text). The meta table dropped outside the console took the row with it
    # (`verify` names the table first: log.py `table_removed`).
    row = conn.execute("SELECT CAST(value AS BLOB) FROM meta WHERE key = ?",
                       [META_SCHEMA_VERSION]).fetchone() if "meta" in user_tables(conn) else None
    if row is None:
        return VersionProblem(False, f"meta row {META_SCHEMA_VERSION} is missing: it was deleted "
                                     f"outside the console; {recorded}")
    if row[0] is not None and bytes(row[0]).decode("utf-8", "replace") == expected:
        return None
    # repr: quoted, with spaces and control characters visible (' 4', '4\n').
    shown = "NULL" if row[0] is None else repr(bytes(row[0]).decode("utf-8", "replace")[:40])
    return VersionProblem(True, f"meta row {META_SCHEMA_VERSION} holds {shown}: {recorded}")


def migrate(conn: sqlite3.Connection, stop_before: str | None = None) -> list[str]:
    """Apply pending migrations in one write transaction; return the names applied.

    Which migrations are pending is read under the write lock (BEGIN IMMEDIATE, waiting the
    connection's busy timeout), never before it: two consoles starting at once on a log of an
    older schema both found the same migrations pending, and the second ran one again over the
    tables the first had just made ('table outbox already exists', a traceback at the start).
    Now the second waits for the first's commit and finds nothing left to do. A caller already
    in a transaction it began with BEGIN IMMEDIATE (log.py, with its checks of the file) has
    them run inside it, left for it to commit.

    Args:
        conn: the log's connection.
        stop_before: apply none from this migration on (tests make a file of an older schema).

    Raises:
        sqlite3.Error: from taking the lock or from a migration; nothing is applied then.
    """
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        pending = _apply_pending(conn, stop_before)
        if own:
            conn.execute("COMMIT")
    except BaseException:
        if own and conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):   # the failure above is the one to see
                conn.execute("ROLLBACK")
        raise
    return pending


def _apply_pending(conn: sqlite3.Connection, stop_before: str | None) -> list[str]:
    """`migrate`'s work, inside its transaction."""
    applied = set(applied_migrations(conn))
    names = [name for name, _ in MIGRATIONS]
    upto = names.index(stop_before) if stop_before is not None else len(names)
    pending = [name for name in names[:upto] if name not in applied]
    if not pending:
        return []
    from sqlite_utils import Database  # noqa: PLC0415 - only when there is work (see top)
    from sqlite_utils.migrations import Migrations  # noqa: PLC0415

    steps = Migrations(MIGRATION_SET)
    for name, fn in MIGRATIONS:
        steps(name=name)(fn)
    # recursive_triggers=False: leave our connection's pragmas as log.py set them. Inside our
    # transaction each migration runs in a savepoint of it (sqlite-utils' `atomic`).
    steps.apply(Database(conn, recursive_triggers=False, execute_plugins=False),
                stop_before=stop_before)
    return pending


# ---- the guards: views and triggers as the migrations made them --------------------------------

_GUARD_TYPES: Final = ("view", "trigger")


def _guards(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(type, name) -> SQL, whitespace collapsed, of every view and trigger in the file."""
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN (?, ?)", _GUARD_TYPES)
    return {(str(kind), str(name)): " ".join(str(sql).split()) for kind, name, sql in rows}


@functools.cache
def _expected_guards(applied: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """The views and triggers a log holds after exactly these migrations (made in memory)."""
    names = [name for name, _ in MIGRATIONS]
    following = names[len(applied)] if len(applied) < len(names) else None
    scratch = sqlite3.connect(":memory:")
    try:
        migrate(scratch, stop_before=following)
        return _guards(scratch)
    finally:
        scratch.close()


def guard_problems(conn: sqlite3.Connection) -> list[str]:
    """What differs from the views and triggers the log's migrations made: a dropped
    append-only trigger lets rows be changed in place, a redefined `alarms` view lets a plain
    SQL query tell another story than the rows (the review and exports read it). Empty when
    all is as made, or when the file's record of its migrations is itself not as made (other
    checks name that)."""
    applied = tuple(applied_migrations(conn))
    if (not applied or list(applied) != [name for name, _ in MIGRATIONS][:len(applied)]
            or version_problem(conn) is not None):
        return []
    expected, found = _expected_guards(applied), _guards(conn)
    problems = [f"the {kind} {name} was removed" for (kind, name) in sorted(expected)
                if (kind, name) not in found]
    problems += [f"the {kind} {name} was redefined" for (kind, name), sql in sorted(found.items())
                 if (kind, name) in expected and expected[kind, name] != sql]
    problems += [f"a {kind} {name} was added" for (kind, name) in sorted(found)
                 if (kind, name) not in expected]
    return problems
