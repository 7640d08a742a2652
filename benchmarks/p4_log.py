"""P4, durable logging: one observation appended and committed through `EventLog.write`, against a
bare `sqlite3` insert + commit with the same pragmas.

Both write to a real file in the same temporary folder (WAL, synchronous=FULL), one row per
transaction, alternating in blocks (each going first in every other block) so that disk and
machine noise fall on both alike. Both are timed as a log written for a while is: each is
warmed until its -wal has wrapped (`warm_until_wal_wraps`), so neither pays for lengthening its
file while timed. The event log's cost on top of SQLite's: value checks, the hash chain (SHA-256
of the row chained onto the previous one), the chain head kept in `meta`, the append-only
triggers and foreign keys. The peer's table has the same columns and the same index on
session_id, without triggers or hashing.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import Row, percentile
from console.records import ObservationRecord, SessionOpened
from console.store import EventLog
from console.store.in_place import SETTLED_NS

DEFAULTS = {"rows": 3000, "blocks": 6}
QUICK = {"rows": 300, "blocks": 3}
WARM_ROWS = 50
"""Rows a warm-up writes at a time."""
WARM_MOST = 20_000
"""Rows after which a warm-up stops even if the -wal never wrapped (a file system that truncates
it, say): one unfair run, not one that never ends."""

_PEER_TABLE = """CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL,
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
    corrects INTEGER,
    row_hash TEXT NOT NULL
)"""
_PEER_INSERT = ("INSERT INTO observations (session_id, metric, value, unit, source, channel, flags, "
                "measured_at, received_at, entered_by, confirmed, corrects, row_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _records(session_id: int, n: int, offset: int) -> list[ObservationRecord]:
    out = []
    for i in range(offset, offset + n):
        at = START + timedelta(seconds=i)
        out.append(ObservationRecord(session_id, "heart_rate", 60.0 + i % 40, "beats/min",
                                     "hl7:MONITOR^0200000000ABCDEF^EUI-64", at, at, "engine",
                                     channel="1.1.1.1"))
    return out


def _time_log(log: EventLog, records: list[ObservationRecord]) -> list[float]:
    times = []
    for record in records:
        start = time.perf_counter()
        log.write([record])
        times.append(time.perf_counter() - start)
    return times


def peer_connection(path: Path) -> sqlite3.Connection:
    """The bare peer's file: the observations table and its index, the log's pragmas."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(_PEER_TABLE)
    conn.execute("CREATE INDEX observations_by_session ON observations(session_id)")
    return conn


def peer_values(r: ObservationRecord) -> tuple[object, ...]:
    """`r` as the peer's INSERT takes it (a fixed row_hash: the peer does not hash)."""
    return (r.session_id, r.metric, r.value, r.unit, r.source, r.channel, "",
            r.measured_at.isoformat() if r.measured_at else None, r.received_at.isoformat(),
            r.entered_by, 0, None, "0" * 64)


def _time_peer(conn: sqlite3.Connection, records: list[ObservationRecord]) -> list[float]:
    times = []
    for r in records:
        values = peer_values(r)
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute(_PEER_INSERT, values)
        conn.execute("COMMIT")
        times.append(time.perf_counter() - start)
    return times


def wal_length(db: Path) -> int:
    """The length of `db`'s -wal in bytes (0 before there is one)."""
    try:
        return db.with_name(db.name + "-wal").stat().st_size
    except FileNotFoundError:
        return 0


def warm_until_wal_wraps(write: Callable[[int], object], db: Path, written: int = 0) -> int:
    """Call `write(first)` (which writes WARM_ROWS rows numbered from `first` to `db`, one commit
    each) until a call leaves the -wal as long as it was: SQLite has checkpointed and writes the
    file again from its start, as in a log written for a while. Until then every commit
    lengthens the file, and a synced commit that does costs ~30 % more on ext4: of two writers
    timed side by side, one still growing its -wal is not timed like one past it (P4's peer was,
    for ~450 of its 3,000 commits). Returns `written` plus the rows written here."""
    most = written + WARM_MOST
    while written < most:
        before = wal_length(db)
        write(written)
        written += WARM_ROWS
        if wal_length(db) == before:
            break
    return written


def folder_changed_ns(folder: Path) -> int:
    """When `folder` last changed (an entry made, removed or renamed), on the wall clock."""
    status = folder.stat()
    return max(status.st_ctime_ns, status.st_mtime_ns)


def folder_settled(folder: Path) -> bool:
    """Whether a log in `folder` is past the seconds after the folder's last change, when each
    commit looks at the log's three files themselves (console/store/in_place.py), with half a
    second to spare: as a console's data folder, long made when a session writes to it."""
    return time.time_ns() >= folder_changed_ns(folder) + SETTLED_NS + 500_000_000


def run(params: dict[str, Any]) -> list[Row]:
    rows, blocks = int(params["rows"]), int(params["blocks"])
    per_block = max(1, rows // blocks)
    with tempfile.TemporaryDirectory(prefix="bench-p4-", dir=params.get("tmpdir")) as tmp:
        log_path, peer_path = Path(tmp) / "log.sqlite3", Path(tmp) / "peer.sqlite3"
        log = EventLog.open(log_path, "bench")
        session_id = log.start_session(SessionOpened("P-BENCH", "iv-ketamine", "1", 1, "bench",
                                                     70.0, START))
        peer = peer_connection(peer_path)
        # Warm-up: statement caches, the -wal of each written until it wraps, and the folder's
        # first seconds after its last change, when every commit looks at the log's three files
        # themselves (console/store/in_place.py): a console's data folder is long made when a
        # session writes to it. Their rate is reported beside the figure.
        early: list[float] = []

        def warm_log(first: int) -> None:
            early.extend(_time_log(log, _records(session_id, WARM_ROWS, first)))

        written = warm_until_wal_wraps(warm_log, log_path)
        while not folder_settled(Path(tmp)):
            warm_log(written)
            written += WARM_ROWS

        def warm_peer(first: int) -> None:
            _time_peer(peer, _records(session_id, WARM_ROWS, first))

        peer_warm_rows = warm_until_wal_wraps(warm_peer, peer_path)
        wal_before = {"log": wal_length(log_path), "peer": wal_length(peer_path)}
        folder_at_timing = folder_changed_ns(Path(tmp))
        ours: list[float] = []
        theirs: list[float] = []
        for b in range(blocks):
            records = _records(session_id, per_block, written + b * per_block)
            if b % 2:   # each goes first in every other block: what comes first is no one's
                theirs += _time_peer(peer, records)
                ours += _time_log(log, records)
            else:
                ours += _time_log(log, records)
                theirs += _time_peer(peer, records)
        # Each -wal's growth while timed: a few frames at most (a cycle ending on a longer
        # commit than the ones before), never the file being made.
        wal_grown = {"log": wal_length(log_path) - wal_before["log"],
                     "peer": wal_length(peer_path) - wal_before["peer"]}
        settled = folder_changed_ns(Path(tmp)) == folder_at_timing
        log.close()
        peer.close()
    mine_rate, peer_rate = len(ours) / sum(ours), len(theirs) / sum(theirs)
    p99, peer_p99 = percentile(ours, 99) * 1000, percentile(theirs, 99) * 1000
    ratio = mine_rate / peer_rate
    common = {"rows_each": len(ours), "blocks": blocks, "pragmas": "journal_mode=WAL, synchronous=FULL"}
    first_seconds = len(early) / sum(early)
    return [
        Row(id="P4", what="append + commit through EventLog", figure=mine_rate,
            unit="rows/s", peer=peer_rate, ratio=ratio, bar="≥ 0.7× bare sqlite3",
            passed=ratio >= 0.7,
            details={**common, "p50_ms": percentile(ours, 50) * 1000, "p99_ms": p99,
                     "peer_p50_ms": percentile(theirs, 50) * 1000, "peer_p99_ms": peer_p99,
                     "first_seconds_rows_per_s": first_seconds,
                     "first_seconds_ratio": first_seconds / peer_rate,
                     "warm_rows": written, "peer_warm_rows": peer_warm_rows,
                     "wal_bytes_at_timing": wal_before, "wal_bytes_grown_while_timed": wal_grown,
                     "folder_settled_while_timed": settled,
                     "peer": "sqlite3 INSERT + COMMIT, same columns and index, same pragmas"}),
        Row(id="P4", case="p99 latency", what="append + commit, p99 latency", figure=p99,
            unit="ms", peer=peer_p99, ratio=p99 / peer_p99 if peer_p99 else None,
            bar="p99 ≤ 10 ms", passed=p99 <= 10.0, details=common),
    ]
