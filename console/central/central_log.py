"""The central station's own log: what it received from the chairs and what its nurses did.

One SQLite file, by default `central.sqlite3` in the user's data folder, created readable by its
owner only (0600, like the session log: it holds patient identifiers and values), WAL with
synchronous=FULL (a message marked received is on disk before it is shown, so a restart never
shows it again).

Tables (SQL readers are welcome; both are append-only, by trigger, as the session log's record
tables are in console/store/schema.py):

    received(id, control_id UNIQUE, chair, kind, received_at, payload)
        Every PCD-01 and PCD-04 once, keyed by its MSH-10: QoS 1 is at least once, and the
        UNIQUE constraint is what tells a duplicate (`add_received` returns False), also across
        a restart, when the broker hands a persistent session what it queued meanwhile.
        Chair status messages (every 2 s from every chair) are not stored each time: the station
        stores one (control_id NULL) only when a chair goes online or offline or its highest
        alarm changes (the board decides; kind `status` or `will`). A message the board refused
        (or took with a text cut) is a `refused` row (control_id NULL; payload JSON: its `topic`,
        `reason`, `count` and `since`, and a newer status's `version`): per chair and reason the
        first at once, then the count of those since, at most once every 10 min (board.py
        `REFUSED_LOG_S`).
    meta(key, value)
        `uid`: six random hex digits made with the file (in the station's command ids).
    actions(id, at, nurse, chair, session, occurrence, kind, detail)
        What the central nurse did: `acknowledge` (a command sent to a chair, detail: its
        priority, text and room; its command id is `<station>-<uid>-<this row's id>`, known
        only once the row is written), `silence` (a station's own technical alarm silenced,
        or a latched chair alarm silenced here; detail: the priority it was silenced at, which
        a restart takes back: `Board.restore`), `nurse` (the name typed for the shift),
        `closed` (the station closed while watching chairs), and the board's own (nurse
        empty): `card_removed` (a chair closed cleanly with no session left the board) and
        `silence_ended` (a chair alarm's silence here ended: the alarm active again, ended, or
        acknowledged at the chair; its session and occurrence, detail: the priority it was
        silenced at and that reason; a restart applies silences and their ends in order).

Hash chaining (console/store/chain.py) is not done here: the central log is a secondary record;
the bedside's log is the record of the session.

Failures of the environment (read-only, full disk, locked...) become `CentralLogError`, whose
message names the file and the next step, classified by console/store/errors.py's rules; a bug
(a constraint violated other than the dedupe) propagates unchanged. Its writes run on the
station's window thread: another program holding the file (a second station, a database viewer)
makes one wait at most BUSY_TIMEOUT_MS, and the board then holds its rows in memory and tries
again on its own timer (board.py `Board._hold`). The file is checked to be the one at its path
(console/store/in_place.py, as the bedside's session log is) before each batch commits and on
the board's tick (`check`): moved away or deleted while open, SQLite writes on into it wherever
it is, and the next start found a new, empty log.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import platformdirs

from console.clock import iso, parse_iso
from console.paths import APP
from console.store.errors import LogError, check_openable, classify, is_environmental
from console.store.in_place import InPlace, file_id
from console.store.schema import append_only_triggers
from console.store.wal_check import shm_of, wal_of

__all__ = ["Action", "CentralLog", "CentralLogError", "Received", "default_central_db_path"]

SCHEMA_VERSION: Final = 1
OPEN_BUSY_TIMEOUT_MS: Final = 2000
"""How long opening the log waits for another program's lock (before the window is up)."""
BUSY_TIMEOUT_MS: Final = 100
"""How long a write waits for another program's lock once the station runs, on its window's
thread (SQLite's busy timeout). At 2 s, a log held by a database viewer froze the window for 2 s
a PCD-01 and 4 s a PCD-04: a new high alarm drawn 14 s after it came, every chair "No
connection" (a review). A write that waits longer fails, and its rows are held (board.py
`Board._hold`); the retry waits as long once every RETRY_S. In WAL mode readers never wait and
no reader makes a writer wait: only another writer's transaction does."""
TABLES: Final = ("received", "actions")

_SCHEMA: Final = (
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE received (
        id INTEGER PRIMARY KEY,
        control_id TEXT UNIQUE,
        chair TEXT NOT NULL,
        kind TEXT NOT NULL,
        received_at TEXT NOT NULL,
        payload TEXT NOT NULL
    )""",
    """CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        nurse TEXT NOT NULL,
        chair TEXT NOT NULL,
        session INTEGER,
        occurrence INTEGER,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX received_by_chair ON received(chair, received_at)",
    "CREATE INDEX actions_by_chair ON actions(chair, at)",
)

# A restart's `last_words` reads a chair's statuses, wills and alarms of the last hours and its
# newest PCD-01: by (chair, received_at) alone it read every observation of those hours to keep
# the few (1.85 s for 20 chairs x 8 h, cold). Only an accelerator: made at each open if missing
# (a log of an earlier version gains it once; an earlier program reads the file as before), so
# the schema version stays.
_KIND_INDEX: Final = ("CREATE INDEX IF NOT EXISTS received_by_chair_kind "
                      "ON received(chair, kind, received_at)")

_NEXT_STEP: Final = {
    "read-only": "make the file or its disk writable",
    "locked": "close the other program holding it (a second central station, a database viewer)",
    "disk-full": "free space on that disk",
    "corrupt": "keep a copy for review and start with a new file",
    "not-a-log": "check the file name",
    "newer-schema": "update this program",
    "permission": "check the owner and permissions of the file and its folder",
    "not-a-file": "give the path of a file, not of a folder",
    "io": "check the disk",
    "size-limit": "raise or remove the file size limit set on this program (ulimit -f, LimitFSIZE)",
    "moved": ("put it back there with its -wal and -shm files (the records held are written into "
              "it), or choose another file with --db at the next start"),
}


def default_central_db_path() -> Path:
    """`central.sqlite3` in the user's data folder (beside the session log)."""
    return platformdirs.user_data_path(APP) / "central.sqlite3"


class CentralLogError(Exception):
    """The central log cannot be used because of its environment (the message says why and
    what to do).

    Attributes:
        path: the file.
        cause: console/store/errors.py's cause (`read-only`, `disk-full`, ...).
    """

    def __init__(self, path: Path, cause: str, detail: str = "", *,
                 folder_read_only: bool = False) -> None:
        self.path = path
        self.cause = cause
        step = _NEXT_STEP.get(cause, "check the file")
        if folder_read_only:   # the file may be writable; SQLite cannot create -wal/-shm beside it
            step = (f"make its folder {path.absolute().parent} writable (SQLite must create the "
                    f"log's {path.name}-wal and {path.name}-shm files there)")
        if cause == "moved":   # while the station runs (`CentralLog.check`): what it says
            text = (f"The central station's log {path} is no longer at its path: {detail}; "
                    f"{step}")
            detail = ""
        else:
            text = (f"Cannot write the central station's log {path} ({cause.replace('-', ' ')}): "
                    f"{step}, or choose another file with --db.")
        if detail:
            text += f" (Details: {detail}.)"
        super().__init__(text)


@dataclass(frozen=True, slots=True)
class Received:
    id: int
    control_id: str | None
    chair: str
    kind: str
    received_at: datetime
    payload: str


@dataclass(frozen=True, slots=True)
class Action:
    id: int
    at: datetime
    nurse: str
    chair: str
    session: int | None
    occurrence: int | None
    kind: str
    detail: dict[str, Any]


class CentralLog:
    """The central station's SQLite log (see the module docstring). Open with `CentralLog.open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path,
                 in_place: InPlace | None = None) -> None:
        self.conn = conn
        self.path = path
        self._in_place = in_place   # the files as opened (`check`); None: not looked at
        row = conn.execute("SELECT value FROM meta WHERE key = 'uid'").fetchone()
        self.uid: str = row[0] if row else ""
        """Random, made with the file: the station's command ids carry it, so a new file never
        repeats an id a chair has already applied (it ignores an id it has seen)."""

    @classmethod
    def open(cls, path: Path) -> CentralLog:
        """Open (creating 0600 if needed) the log at `path`.

        Raises:
            CentralLogError: the file cannot be created, opened or written, or is not ours.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    pass
                else:
                    os.fchmod(fd, 0o600)   # whatever the umask
                    os.close(fd)
            # A folder (`--db ~/central/`) named as one, as the session log does: SQLite says
            # only "unable to open database file", which read as a permission problem.
            check_openable(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
        except (OSError, sqlite3.Error, LogError) as exc:
            raise _error(exc, path) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {OPEN_BUSY_TIMEOUT_MS}")
            (mode,) = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if str(mode).lower() != "wal":
                raise CentralLogError(path, "io", f"SQLite kept journal mode {mode}, not WAL")
            conn.execute("PRAGMA synchronous = FULL")
            _migrate(conn, path)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            in_place = InPlace(path, (file_id(path), file_id(wal_of(path)), file_id(shm_of(path))))
        except (OSError, sqlite3.Error) as exc:
            conn.close()
            raise _error(exc, path) from exc
        except CentralLogError:
            conn.close()
            raise
        return cls(conn, path, in_place)

    def close(self) -> None:
        self.conn.close()
        if self._in_place is not None:
            self._in_place.close()

    def check(self) -> None:
        """Return if the file at the log's path is still the one opened (with its -wal and
        -shm): a stat of its folder while nothing changed there (console/store/in_place.py).

        Raises:
            CentralLogError: "moved": it was moved away, deleted or replaced (what is written
                from then on would be in no file at its path); or its folder cannot be looked at.
        """
        if self._in_place is None:
            return
        try:
            self._in_place.check()
        except LogError as exc:
            raise CentralLogError(self.path, "moved", exc.detail) from exc
        except OSError as exc:
            raise _error(exc, self.path) from exc

    # ---- writing -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """The writes inside go to disk in one transaction (one sync): a backlog after a broker
        outage arrives by the thousand, and one synced commit per message held the central at
        about 1,300 messages a second (P11). The caller shows what it wrote only after this
        returns, so nothing is shown that is not on disk. Before its COMMIT, the file is checked
        to be the one at the log's path (`check`): committed into a file moved away, it is kept
        nowhere anyone will look.

        Raises:
            CentralLogError: the transaction cannot begin or commit, or the file is no longer
                at its path (nothing of it is kept).
        """
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _error(exc, self.path) from exc
        try:
            yield
            self.check()
            self.conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _error(exc, self.path) from exc
            raise

    def add_received(self, control_id: str | None, chair: str, kind: str, received_at: datetime,
                     payload: str) -> bool:
        """Keep one message; False when a message with this control id is already kept.

        Raises:
            CentralLogError: the file cannot be written.
        """
        try:
            cursor = self.conn.execute(
                "INSERT INTO received(control_id, chair, kind, received_at, payload) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(control_id) DO NOTHING",
                [control_id, chair, kind, iso(received_at), payload])
        except sqlite3.Error as exc:
            if is_environmental(exc):
                raise _error(exc, self.path) from exc
            raise
        return cursor.rowcount == 1

    def add_action(self, at: datetime, nurse: str, chair: str, session: int | None,
                   occurrence: int | None, kind: str, detail: dict[str, Any]) -> int:
        """Record one action of the central nurse; returns its row id.

        Raises:
            CentralLogError: the file cannot be written.
        """
        try:
            cursor = self.conn.execute(
                "INSERT INTO actions(at, nurse, chair, session, occurrence, kind, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [iso(at), nurse, chair, session, occurrence, kind,
                 json.dumps(detail, ensure_ascii=False, sort_keys=True)])
        except sqlite3.Error as exc:
            if is_environmental(exc):
                raise _error(exc, self.path) from exc
            raise
        return int(cursor.lastrowid or 0)

    # ---- reading -----------------------------------------------------------------------------

    def seen(self, control_id: str) -> bool:
        """A message with this control id is kept."""
        row = self.conn.execute("SELECT 1 FROM received WHERE control_id = ?",
                                [control_id]).fetchone()
        return row is not None

    def received(self, chair: str | None = None) -> Iterator[Received]:
        sql = _SELECT_RECEIVED
        args: list[Any] = []
        if chair is not None:
            sql += " WHERE chair = ?"
            args.append(chair)
        for row in self.conn.execute(sql + " ORDER BY id", args):
            yield _received(row)

    def last_words(self, since: datetime) -> dict[str, list[Received]]:
        """What the station last heard of each chair heard since `since`: its last logged
        status of a chair online (`kind` status, the chair's own payload) and every status,
        will, stale and PCD-04 row after it, in order, preceded by the chair's PCD-04 rows
        before that status (the board marks the session's alarms on its trend with them, as
        received: a restart had lost every marker older than the chair's last logged status),
        then the chair's newest PCD-01 row when it came after that status: statuses are logged
        on change, and a quiet session's chair, heard every second, read "No connection since"
        its session's start after a restart (a review); its observations come about once a
        second, each logged. For the board to start from (`Board.restore`): a restart had
        forgotten a chair lost during a session.

        Raises:
            CentralLogError: the file cannot be read.
        """
        found: dict[str, list[Received]] = {}
        try:
            chairs = [c for (c,) in self.conn.execute("SELECT DISTINCT chair FROM received")]
            for chair in chairs:
                rows = [_received(r) for r in self.conn.execute(
                    f"{_SELECT_RECEIVED} WHERE chair = ? AND received_at >= ? "
                    "AND kind IN ('status', 'will', 'stale', 'pcd04', 'refused') ORDER BY id",
                    [chair, iso(since)])]
                starts = [i for i, r in enumerate(rows) if r.kind == "status" and _online(r)]
                if not starts and any(_newer(r) for r in rows):
                    # Heard, never read: its statuses of a newer version (board.py
                    # `Board._restore_unreadable`), its alarms from its PCD-04s.
                    found[chair] = [r for r in rows if r.kind in ("pcd04", "refused")]
                elif starts:
                    earlier = [r for r in rows[:starts[-1]] if r.kind == "pcd04"]
                    found[chair] = earlier + rows[starts[-1]:]
                    newest = self._newest_pcd01(chair)
                    if newest is not None and newest.id > rows[starts[-1]].id:
                        found[chair].append(newest)
        except sqlite3.Error as exc:
            raise _error(exc, self.path) from exc
        return found

    def _newest_pcd01(self, chair: str) -> Received | None:
        """The chair's newest PCD-01 row: one step down the (chair, kind, received_at) index
        from its end (PCD-01s are most of a chair's rows), never a scan of its hours of
        observations."""
        row = self.conn.execute(
            f"{_SELECT_RECEIVED} WHERE chair = ? AND kind = 'pcd01' "
            "ORDER BY received_at DESC LIMIT 1", [chair]).fetchone()
        return None if row is None else _received(row)

    def actions_since(self, since: datetime) -> list[Action]:
        """The nurses' actions logged at or after `since` (this station's clock), in order: a
        restart takes back her silences and acknowledgements from them (`Board.restore`).

        Raises:
            CentralLogError: the file cannot be read.
        """
        try:
            rows = self.conn.execute(f"{_SELECT_ACTIONS} WHERE at >= ? ORDER BY id",
                                     [iso(since)]).fetchall()
        except sqlite3.Error as exc:
            raise _error(exc, self.path) from exc
        return [_action(row) for row in rows]

    def actions(self) -> Iterator[Action]:
        for row in self.conn.execute(f"{_SELECT_ACTIONS} ORDER BY id"):
            yield _action(row)


_SELECT_RECEIVED = "SELECT id, control_id, chair, kind, received_at, payload FROM received"
_SELECT_ACTIONS = ("SELECT id, at, nurse, chair, session, occurrence, kind, detail "
                   "FROM actions")


def _received(row: tuple[Any, ...]) -> Received:
    return Received(row[0], row[1], row[2], row[3], parse_iso(row[4]), row[5])


def _action(row: tuple[Any, ...]) -> Action:
    return Action(row[0], parse_iso(row[1]), row[2], row[3], row[4], row[5], row[6],
                  json.loads(row[7]))


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    tables = {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    if version > SCHEMA_VERSION:
        raise CentralLogError(path, "newer-schema",
                              f"its schema version is {version}, this program knows up to "
                              f"{SCHEMA_VERSION}")
    if version == SCHEMA_VERSION:
        conn.execute(_KIND_INDEX)
        return
    if tables:
        raise CentralLogError(path, "not-a-log",
                              f"it holds other tables: {', '.join(sorted(tables)[:5])}")
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in (*_SCHEMA, _KIND_INDEX):
            conn.execute(statement)
        for table in TABLES:
            for trigger in append_only_triggers(table):
                conn.execute(trigger)
        conn.execute("INSERT INTO meta(key, value) VALUES ('uid', ?)", [secrets.token_hex(3)])
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _online(row: Received) -> bool:
    """A logged chair status as the chair sent it, online (not the board's own summary)."""
    try:
        obj = json.loads(row.payload)
    except ValueError:
        return False
    return isinstance(obj, dict) and obj.get("online") is True


def _newer(row: Received) -> bool:
    """A `refused` row of a chair's status of a newer schema version (it names the version)."""
    if row.kind != "refused":
        return False
    try:
        obj = json.loads(row.payload)
    except ValueError:
        return False
    return isinstance(obj, dict) and isinstance(obj.get("version"), int)


def _error(exc: BaseException, path: Path) -> CentralLogError:
    found = classify(exc, path)
    # A read-only folder is said as the folder here too, not as "make the file writable".
    return CentralLogError(path, found.cause, found.detail,
                           folder_read_only=found.folder_read_only)
