"""The outbox: messages committed with their records, deliveries as new rows, in order."""

from __future__ import annotations

import errno
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.records import ObservationRecord, Record, SessionOpened
from console.store import EventLog, schema
from console.store.outbox import BUS, DELIVERED, ENGINE, FAILED, Delivery, OutboxHooks, OutboxRow, Outgoing

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _message(control_id: str, text: str) -> str:
    return f"MSH|^~\\&|APP||||20260105090000||ORU^R01^ORU_R01|{control_id}|P|2.6\rOBX|1|NM|{text}\r"


class OneMessagePerObservation:
    def __init__(self, destinations: frozenset[str] = frozenset({BUS})) -> None:
        self.destinations = destinations
        self.fail = False

    def compose(self, records: Sequence[Record], next_control_id: Callable[[], str]) -> list[Outgoing]:
        if self.fail:
            raise RuntimeError("planted composer bug")
        out = []
        for r in records:
            if isinstance(r, ObservationRecord):
                control_id = next_control_id()
                out.append(Outgoing(r.session_id, control_id, "pcd01",
                                    _message(control_id, f"{r.metric}={r.value}"),
                                    self.destinations, T0))
        return out


def _obs(session_id: int, value: float) -> ObservationRecord:
    return ObservationRecord(session_id=session_id, metric="heart_rate", value=value, unit="bpm",
                             source="sim", measured_at=T0, received_at=T0, entered_by="engine")


@pytest.fixture
def log(tmp_path: Path) -> EventLog:
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    yield log
    log.close()


def _session(log: EventLog) -> int:
    return log.start_session(SessionOpened(
        patient_id="P-1", protocol_id="ketamine-iv", protocol_version="1", session_number=1,
        started_at=T0, nurse="Nurse A", weight_kg=70.0))


def _attach(log: EventLog, composer: OneMessagePerObservation) -> tuple[list[OutboxRow], list[BaseException]]:
    queued: list[OutboxRow] = []
    errors: list[BaseException] = []
    log.attach_outbox(OutboxHooks(composer, queued.extend, errors.append))
    return queued, errors


def test_messages_are_committed_with_their_records_and_queued_after(log: EventLog) -> None:
    session = _session(log)
    queued, errors = _attach(log, OneMessagePerObservation())
    log.write([_obs(session, 80), _obs(session, 81)])
    assert errors == []
    assert [row.kind for row in queued] == ["pcd01", "pcd01"]
    stored = log.conn.execute("SELECT control_id, message FROM outbox ORDER BY id").fetchall()
    assert [c for c, _ in stored] == [row.control_id for row in queued]
    assert "heart_rate=80" in stored[0][1] and "heart_rate=81" in stored[1][1]
    # Control ids are unique per log file and per opening of it: its random uid, eight hex
    # digits drawn at the opening (four repeated a lost opening's once in 65,536 after a
    # restore: a review), and the row id.
    uid = log.conn.execute("SELECT value FROM meta WHERE key = 'log_uid'").fetchone()[0]
    first, second = (row.control_id for row in queued)
    assert re.fullmatch(rf"{uid}-[0-9a-f]{{8}}-1", first) and second == first[:-1] + "2"


def test_a_log_restored_from_a_backup_never_gives_a_sent_control_id_to_another_message(
        tmp_path) -> None:
    """A restored file hands out row ids it had already sent; receivers drop a control id they
    have seen, so the new messages, a high alarm among them, were dropped (data-path audit)."""
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, "test") as log:
        session = _session(log)
        backup = tmp_path / "backup.sqlite3"
        log.conn.execute(f"VACUUM INTO '{backup}'")
        queued, _ = _attach(log, OneMessagePerObservation())
        log.write([_obs(session, 80)])
        sent = queued[0].control_id
    shutil.copy(backup, path)   # the log restored from the last backup
    with EventLog.open(path, "test") as log:
        queued, _ = _attach(log, OneMessagePerObservation())
        log.write([_obs(session, 120)])
        assert log.conn.execute("SELECT max(id) FROM outbox").fetchone() == (1,)
        assert queued[0].control_id != sent


def test_a_failed_write_leaves_no_message(log: EventLog) -> None:
    session = _session(log)
    queued, _ = _attach(log, OneMessagePerObservation())
    with pytest.raises(Exception):
        log.write([_obs(session, 80), _obs(999, 81)])   # unknown session: the whole write fails
    assert queued == []
    assert log.conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    log.write([_obs(session, 82)])
    # The next control id continues after the last committed one (no gap, no reuse).
    assert queued[0].control_id.endswith("-1")


def test_a_message_the_outbox_refuses_never_stops_the_records(log: EventLog) -> None:
    session = _session(log)
    composer = OneMessagePerObservation()
    queued, errors = _attach(log, composer)
    log.write([_obs(session, 80)])
    # A composer that reuses a control id: the outbox refuses the row, the records stay.
    composer.compose = lambda records, next_id: [  # type: ignore[method-assign]
        Outgoing(session, queued[0].control_id, "pcd01", _message(queued[0].control_id, "again"),
                 frozenset({BUS}), T0)]
    log.write([_obs(session, 81)])
    assert log.conn.execute("SELECT count(*) FROM observations").fetchone() == (2,)
    assert log.conn.execute("SELECT count(*) FROM outbox").fetchone() == (1,)
    assert "carries control id" in str(errors[0])
    assert log.verify().ok


def test_a_composer_bug_never_stops_the_records(log: EventLog) -> None:
    session = _session(log)
    composer = OneMessagePerObservation()
    queued, errors = _attach(log, composer)
    composer.fail = True
    log.write([_obs(session, 80)])
    assert log.conn.execute("SELECT count(*) FROM observations").fetchone() == (1,)
    assert [str(e) for e in errors] == ["planted composer bug"]
    assert queued == []



@pytest.mark.parametrize("bug", [RuntimeError("planted hand-off bug"),
                                 OSError(errno.EIO, "planted I/O error in the hand-off")])
def test_a_hand_off_bug_after_the_commit_never_fails_the_write(log: EventLog,
                                                               bug: Exception) -> None:
    """The records and their message are on disk once the transaction commits: a hand-off that
    raises then must not fail the write (the engine would keep the records and write them again,
    or skip its state change), nor pass for a log error; it is reported, and the row waits in
    the outbox to be sent at the next start."""
    session = _session(log)
    errors: list[BaseException] = []

    def hand_off(rows: list[OutboxRow]) -> None:
        raise bug

    log.attach_outbox(OutboxHooks(OneMessagePerObservation(), hand_off, errors.append))
    ids = log.write([_obs(session, 80)])
    assert len(ids) == 1 and errors == [bug]
    assert log.conn.execute("SELECT count(*) FROM observations").fetchone() == (1,)
    waiting = log.undelivered(BUS)
    assert len(waiting) == 1 and "heart_rate=80" in waiting[0].message


def test_undelivered_rows_come_back_in_order_until_each_destination_confirms(log: EventLog) -> None:
    session = _session(log)
    queued, _ = _attach(log, OneMessagePerObservation(frozenset({BUS, ENGINE})))
    log.write([_obs(session, v) for v in (80, 81, 82)])
    first, second, third = queued
    log.record_deliveries([Delivery(second.id, BUS, DELIVERED, T0),
                           Delivery(first.id, ENGINE, FAILED, T0, "AR: unknown patient")])
    assert [r.id for r in log.undelivered(BUS)] == [first.id, third.id]
    assert [r.id for r in log.undelivered(ENGINE)] == [second.id, third.id]
    # Delivery is a new row: outbox rows are never updated or deleted.
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        log.conn.execute("DELETE FROM outbox WHERE id = ?", [first.id])
    assert log.verify().ok


def test_deliveries_are_found_among_a_long_list_of_refused_messages(log: EventLog) -> None:
    # A chair whose every message the broker refused for hours: 1,200 refused rows, two of them
    # delivered since by `network resend` (past SQLite's bound on one query's parameters).
    session = _session(log)
    queued, _ = _attach(log, OneMessagePerObservation())
    log.write([_obs(session, 60 + v % 100) for v in range(1200)])
    ids = [row.id for row in queued]
    log.record_deliveries([Delivery(i, BUS, FAILED, T0, "refused") for i in ids])
    log.record_deliveries([Delivery(ids[3], BUS, DELIVERED, T0),
                           Delivery(ids[1100], BUS, DELIVERED, T0),
                           Delivery(ids[7], ENGINE, DELIVERED, T0)])
    assert log.delivered_among(BUS, ids) == {ids[3], ids[1100]}
    assert log.delivered_among(BUS, []) == set()



_SYNCS = """
import os, sys
from datetime import UTC, datetime
from console.records import ObservationRecord, SessionOpened
from console.store import EventLog
from console.store.outbox import BUS, DELIVERED, Delivery, OutboxHooks
from tests.store.test_outbox import OneMessagePerObservation, _obs, _session
log = EventLog.open(sys.argv[1], "test")
session = _session(log)
queued = []
log.attach_outbox(OutboxHooks(OneMessagePerObservation(), queued.extend, print))
def mark(name):
    os.write(2, f"MARK {name}\\n".encode())
mark("reading")
log.write([_obs(session, 80)])
mark("deliveries")
log.record_deliveries([Delivery(queued[0].id, BUS, DELIVERED, datetime.now(UTC))])
mark("next reading")
log.write([_obs(session, 81)])
mark("end")
os._exit(0)   # as the power cut finds it: no close, no checkpoint
"""


def _syncs_between_marks(trace: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    current = None
    for line in trace.splitlines():
        if "MARK " in line:
            current = line.split("MARK ", 1)[1].split("\\n", 1)[0]
            counts[current] = 0
        elif current is not None and ("fsync(" in line or "fdatasync(" in line):
            counts[current] += 1
    return counts


def _wal_offsets_before_the_last_sync(trace: str) -> list[int]:
    """The offsets written to the `-wal` after its last sync but one: what may not have reached
    the disk when the power fails while the last sync runs, its pages in any order."""
    wal_fd = None
    since_sync: list[int] = []
    in_flight: list[int] = []
    for line in trace.splitlines():
        if (opened := re.search(r'openat\(.*-wal", O_RDWR.*\)\s+= (\d+)$', line)) is not None:
            wal_fd = opened.group(1)
        elif (written := re.search(r"pwrite64\((\d+), .*, (\d+)\)\s+= \d+$", line)) is not None:
            if written.group(1) == wal_fd:
                since_sync.append(int(written.group(2)))
        elif re.search(rf"f(?:data)?sync\({wal_fd}\)\s+= 0$", line) is not None:
            in_flight, since_sync = since_sync or in_flight, []
    return in_flight


def _traced(tmp_path: Path) -> tuple[Path, str]:
    """The log `_SYNCS` leaves, and the strace of its writes and syncs."""
    path = tmp_path / "log.sqlite3"
    trace = tmp_path / "trace.txt"
    done = subprocess.run(
        ["strace", "-f", "-e", "trace=openat,fsync,fdatasync,write,pwrite64", "-o", str(trace),
         sys.executable, "-c", _SYNCS, str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    if done.returncode != 0 and "ptrace" in done.stderr:
        pytest.skip(f"strace may not trace here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr
    return path, trace.read_text()


_NO_STRACE = pytest.mark.skipif(shutil.which("strace") is None,
                                reason="strace is installed by scripts/bootstrap.sh on Debian")


@_NO_STRACE
def test_every_commit_waits_for_the_disk_a_delivery_too(tmp_path: Path) -> None:
    """An ACK to a monitor means on disk, and a delivery row is synced too: wal_check.py reads a
    damaged frame with commits after it as damage only because each commit reached the disk
    before the next was written. Counted by strace."""
    _, trace = _traced(tmp_path)
    counts = _syncs_between_marks(trace)
    assert counts["reading"] >= 1 and counts["next reading"] >= 1, counts
    assert counts["deliveries"] >= 1, counts


@_NO_STRACE
def test_a_power_cut_after_a_delivery_leaves_a_log_the_console_resumes(tmp_path: Path) -> None:
    """The power fails while the next reading's commit is synced: any of the pages written since
    the last sync may be missing, later ones present. An unsynced delivery was among them, torn
    under the reading's commit, and the console refused the log as damaged ("restore it from the
    last backup"): the nurse could not resume the session and its alarms."""
    path, trace = _traced(tmp_path)
    in_flight = _wal_offsets_before_the_last_sync(trace)
    assert in_flight, "no write to the -wal before its last sync"
    wal = Path(f"{path}-wal")
    torn = bytearray(wal.read_bytes())
    frame = 24 + int.from_bytes(torn[8:12], "big")
    first = 32 + (min(in_flight) - 32) // frame * frame   # the first page in flight never landed
    torn[first:first + frame] = bytes(frame)
    wal.write_bytes(bytes(torn))
    Path(f"{path}-shm").unlink(missing_ok=True)   # the power cut took the shared memory too

    log = EventLog.open(path, "test")
    try:
        # The reading of 81 was never acknowledged (its sync did not return); the delivery was.
        assert [r.value for _, r in log.observations(1)] == [80.0]
        assert log.delivered_among(BUS, [1]) == {1}
        assert log.verify().ok
    finally:
        log.close()


def test_verify_names_an_edited_outbox_row(log: EventLog, tmp_path: Path) -> None:
    session = _session(log)
    _attach(log, OneMessagePerObservation())
    log.write([_obs(session, 80)])
    log.record_deliveries([Delivery(1, BUS, DELIVERED, T0 + timedelta(seconds=1))])
    conn = sqlite3.connect(tmp_path / "log.sqlite3")
    conn.execute("DROP TRIGGER deliveries_no_update")
    conn.execute("UPDATE deliveries SET outcome = 'failed'")
    conn.commit()
    report = log.verify()
    assert not report.ok and report.first_bad == ("deliveries", 1)


def test_migration_0004_keeps_every_outbox_row_its_chain_and_its_triggers(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    # A log written at schema 3, when control_id had its UNIQUE index, with deliveries.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, stop_before="0004_outbox_control_id_not_indexed")
    old = EventLog(path, conn)
    session = _session(old)
    queued, _ = _attach(old, OneMessagePerObservation(frozenset({BUS, ENGINE})))
    old.write([_obs(session, v) for v in (80, 81, 82)])
    old.record_deliveries([Delivery(1, BUS, DELIVERED, T0), Delivery(2, ENGINE, FAILED, T0, "AR")])
    assert conn.execute("PRAGMA index_list(outbox)").fetchall() != []
    before = conn.execute("SELECT * FROM outbox ORDER BY id").fetchall()
    old.close()

    log = EventLog.open(path, "test")   # applies 0004, foreign keys on
    try:
        assert log.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                ).fetchone() == (str(schema.SCHEMA_VERSION),)
        assert log.conn.execute("SELECT * FROM outbox ORDER BY id").fetchall() == before
        assert log.conn.execute("PRAGMA index_list(outbox)").fetchall() == []
        assert log.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert {(row[2], row[3], row[4]) for row in log.conn.execute(
            "PRAGMA foreign_key_list(deliveries)")} == {("outbox", "outbox_id", "id")}
        assert log.verify().ok
        assert [r.id for r in log.undelivered(BUS)] == [2, 3]
        for sql in ("UPDATE outbox SET message = 'x' WHERE id = 1", "DELETE FROM outbox"):
            with pytest.raises(sqlite3.IntegrityError, match="outbox is append-only"):
                log.conn.execute(sql)
        # Writing goes on after the last migrated row, chained onto it.
        _attach(log, OneMessagePerObservation())
        log.write([_obs(session, 83)])
        assert log.conn.execute("SELECT max(id) FROM outbox").fetchone() == (4,)
        assert log.verify().ok
    finally:
        log.close()
