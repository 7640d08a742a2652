"""The event log's write/read contract: round trips, the alarms view, append-only, durability."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from console.records import SessionEnded
from console.store import (
    SCHEMA_VERSION,
    EventLog,
    LogError,
    SessionAlreadyEndedError,
    UnknownSessionError,
)

from . import VERSION, alarm, ended, event, filled_log, new_log, obs, opened, t


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    with new_log(tmp_path) as log:
        yield log


def test_session_round_trip(log: EventLog) -> None:
    record = replace(opened(), demo=True)
    sid = log.start_session(record)
    row = log.session(sid)
    assert (row.id, row.patient_id, row.protocol_id, row.protocol_version) == (
        sid, "P-001", "ketamine-iv", "2026.1")
    assert (row.session_number, row.nurse, row.weight_kg, row.demo) == (1, "RN Ada", 72.5, True)
    assert row.started_at == record.started_at and row.started_at.tzinfo is not None
    assert row.ended_at is None
    assert row.details == record.details
    assert len(row.row_hash) == 64


def test_observation_round_trip_is_exact(log: EventLog) -> None:
    sid = log.start_session(opened())
    device = obs(sid, 1.5, value=71.0, flags=frozenset({"questionable", "artifact"}))
    manual = obs(sid, 2.0, value=180, metric="bp_systolic", unit="mmHg", source="manual",
                 measured_at=None, entered_by="RN Ada", channel="", confirmed=True)
    ids = log.write([device, manual])
    correction = obs(sid, 3.0, value=118.0, metric="bp_systolic", unit="mmHg", source="manual",
                     measured_at=None, entered_by="RN Ada", corrects=ids[1])
    ids += log.write([correction])
    assert log.observations(sid) == [(ids[0], device), (ids[1], manual), (ids[2], correction)]
    stored = log.conn.execute("SELECT flags FROM observations WHERE id = ?", [ids[0]]).fetchone()
    assert stored == ("artifact questionable",)  # space-separated, sorted


def test_alarm_and_event_round_trip(log: EventLog) -> None:
    sid = log.start_session(opened())
    rows = [alarm(sid, "raised", 1, value=182.0, threshold="≥180"),
            alarm(sid, "acknowledged", 4.125, actor="RN Ada"),
            alarm(sid, "reminded", 20),
            alarm(sid, "cleared", 30)]
    events = [event(sid, 2), event(sid, 3, kind="dose_given")]
    ids = log.write([*rows, *events])
    assert log.alarm_events(sid) == list(zip(ids[:4], rows, strict=True))
    assert log.events(sid) == list(zip(ids[4:], events, strict=True))


def test_alarms_view_groups_one_occurrence(log: EventLog) -> None:
    sid = log.start_session(opened())
    # raised at medium, escalated to high, acknowledged 12.5 s after raising, then cleared
    log.write([alarm(sid, "raised", 10, value=182.0, threshold="≥180")])
    log.write([alarm(sid, "escalated", 20, priority="high")])
    log.write([alarm(sid, "acknowledged", 22.5, priority="high", actor="RN Ada")])
    log.write([alarm(sid, "acknowledged", 40, priority="high", actor="RN Bo")])  # a second ack
    log.write([alarm(sid, "cleared", 60, priority="low")])
    # another occurrence, never acknowledged
    log.write([alarm(sid, "raised", 70, occurrence=2, priority="info", condition="vitals_due:q15")])
    rows = log.conn.execute(
        "SELECT occurrence, condition, priority, raised_at, acknowledged_at, cleared_at, value, "
        "threshold, message, seconds_to_acknowledge FROM alarms WHERE session_id = ? "
        "ORDER BY occurrence", [sid]).fetchall()
    assert rows == [
        (1, "bp_systolic_high", "high", "2026-01-05T09:00:10.000Z", "2026-01-05T09:00:22.500Z",
         "2026-01-05T09:01:00.000Z", 182.0, "≥180", "Systolic BP high: 182 mmHg", 12.5),
        (2, "vitals_due:q15", "info", "2026-01-05T09:01:10.000Z", None, None, None, "",
         "Systolic BP high: 182 mmHg", None),
    ]


def test_session_end_is_set_once(log: EventLog) -> None:
    sid = log.start_session(opened())
    assert log.write(ended(sid, 3600))[-1] == sid
    assert log.session(sid).ended_at == t(3600)
    with pytest.raises(SessionAlreadyEndedError, match=f"session {sid} already ended"):
        log.write(ended(sid, 7200))
    assert log.session(sid).ended_at == t(3600)
    # and the schema refuses it too, for anyone bypassing the API
    with pytest.raises(sqlite3.IntegrityError, match="only ended_at may be set, once"):
        log.conn.execute("UPDATE sessions SET ended_at = 'x' WHERE id = ?", [sid])


def test_a_session_end_without_its_event_is_refused_and_nothing_written(log: EventLog) -> None:
    sid = log.start_session(opened())
    with pytest.raises(ValueError, match=f"session {sid}: its end needs a 'session_ended' event"):
        log.write([obs(sid), SessionEnded(sid, t(3600))])
    assert log.session(sid).ended_at is None and log.observations(sid) == []


def test_sessions_refuse_other_updates_and_delete(log: EventLog) -> None:
    sid = log.start_session(opened())
    with pytest.raises(sqlite3.IntegrityError, match="only ended_at may be set"):
        log.conn.execute(
            "UPDATE sessions SET ended_at = 'x', weight_kg = 99 WHERE id = ?", [sid])
    with pytest.raises(sqlite3.IntegrityError, match="sessions is append-only"):
        log.conn.execute("DELETE FROM sessions WHERE id = ?", [sid])


@pytest.mark.parametrize("table", ["observations", "alarm_events", "events"])
def test_record_tables_are_append_only(log: EventLog, table: str) -> None:
    sid = log.start_session(opened())
    log.write([obs(sid), alarm(sid, "raised", 1), event(sid)])
    message = f"{table} is append-only: record a correction as a new row"
    with pytest.raises(sqlite3.IntegrityError, match=message):
        log.conn.execute(f"UPDATE {table} SET session_id = session_id")
    with pytest.raises(sqlite3.IntegrityError, match=message):
        log.conn.execute(f"DELETE FROM {table}")


def test_unknown_session_is_refused_and_nothing_written(log: EventLog) -> None:
    sid = log.start_session(opened())
    with pytest.raises(UnknownSessionError, match="session 999 is not in the session log"):
        log.write([obs(sid), obs(999)])
    assert log.observations(sid) == []  # the whole batch rolled back
    with pytest.raises(KeyError):
        log.session(999)
    with pytest.raises(UnknownSessionError):
        log.write(ended(999, 1))
    # the foreign key itself, for anyone bypassing the API
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        log.conn.execute("INSERT INTO events(session_id, at, kind, actor, row_hash) "
                         "VALUES (999, 'x', 'note', 'x', 'x')")


def test_bad_values_fail_before_anything_is_written(log: EventLog) -> None:
    sid = log.start_session(opened())
    naive = obs(sid, received_at=t(1).replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone-aware"):
        log.write([obs(sid), naive])
    with pytest.raises(ValueError, match="finite"):
        log.write([obs(sid, value=float("nan"))])
    with pytest.raises(ValueError, match="priority 'urgent'"):
        log.write([alarm(sid, "raised", 1, priority="urgent")])
    assert log.observations(sid) == [] and log.alarm_events(sid) == []
    assert log.verify().ok


def test_sessions_listing(log: EventLog) -> None:
    first = log.start_session(opened("P-1", t(0)))
    second = log.start_session(opened("P-2", t(60)))
    third = log.start_session(opened("P-1", t(120), number=2))
    log.write(ended(first, 100))
    assert [s.id for s in log.open_sessions()] == [third, second]
    assert [s.id for s in log.sessions_for_patient("P-1")] == [first, third]
    assert log.sessions_for_patient("nobody") == []


def test_file_is_private_and_pragmas_in_effect(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "log.sqlite3"
    with EventLog.open(path, VERSION) as log:
        log.write([obs(log.start_session(opened()))])
        for name in ("log.sqlite3", "log.sqlite3-wal", "log.sqlite3-shm"):
            mode = stat.S_IMODE((path.parent / name).stat().st_mode)
            assert mode == 0o600, f"{name} has mode {oct(mode)}"
        assert log.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert log.conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert log.conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert log.conn.execute("PRAGMA busy_timeout").fetchone() == (2000,)


def modes(folder: Path, name: str) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.glob(name + "*")}


def test_a_log_restored_readable_by_others_is_made_private_with_its_wal(tmp_path: Path) -> None:
    # R8. A backup restored with cp under umask 022 is 0644, and SQLite gives the -wal and -shm
    # it makes the log's mode: patient data readable by every user of the computer, and the
    # console opened and wrote it so without a word (review 35).
    original = tmp_path / "backup" / "log.sqlite3"
    live = EventLog.open(original, VERSION)
    sid = live.start_session(opened())
    live.write([obs(sid, 1.0)])
    restored = tmp_path / "restored"
    restored.mkdir()
    old = os.umask(0o022)
    try:   # a copy taken while the console ran: the log, its -wal (rows) and -shm
        for p in original.parent.iterdir():
            shutil.copyfile(p, restored / p.name)
    finally:
        os.umask(old)
        live.close()
    assert set(modes(restored, "log.sqlite3").values()) == {0o644}
    with EventLog.open(restored / "log.sqlite3", VERSION) as log:
        assert set(modes(restored, "log.sqlite3")) == {"log.sqlite3", "log.sqlite3-wal",
                                                       "log.sqlite3-shm"}
        assert set(modes(restored, "log.sqlite3").values()) == {0o600}
        log.write([obs(sid, 2.0)])
        assert len(log.observations(sid)) == 2      # the -wal's row was read, not lost
        assert set(modes(restored, "log.sqlite3").values()) == {0o600}


def test_a_log_readable_by_others_that_cannot_be_changed_is_refused_naming_its_mode(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another user's log: chmod is refused (EPERM). Faked at the OS edge: the tests run as root,
    # whom no chmod refuses. The console must not write patient data into it as it is.
    path, _ = filled_log(tmp_path)
    path.chmod(0o644)

    def refused(file: object, mode: int) -> None:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "chmod", refused)
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(path).st_uid + 1)   # not its owner
    with pytest.raises(LogError) as caught:
        EventLog.open(path, VERSION)
    assert caught.value.cause == "permission"
    assert caught.value.detail == (
        "log.sqlite3 is mode 0644: other users of this computer may read it, and this user "
        "cannot make it 0600 (Operation not permitted); its owner can, with chmod 600")
    assert str(path) in caught.value.message
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_log_its_owner_made_read_only_is_not_made_writable(tmp_path: Path) -> None:
    # Only other users' bits go: 0444 becomes 0400, never 0600 (an archived copy stays
    # read-only, and is refused as read-only where file modes bind, i.e. not as root).
    path, _ = filled_log(tmp_path)
    path.chmod(0o444)
    with contextlib.suppress(LogError):
        EventLog.open(path, VERSION).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o400


def test_program_versions_in_meta(tmp_path: Path) -> None:
    EventLog.open(tmp_path / "log.sqlite3", "1.0.0").close()
    with EventLog.open(tmp_path / "log.sqlite3", "1.1.0") as log:
        meta = dict(log.conn.execute("SELECT key, value FROM meta").fetchall())
    assert meta["program_version"] == "1.0.0"  # the creator
    assert meta["last_opened_by_version"] == "1.1.0"
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert meta["created_at"].endswith("Z")


def test_each_write_is_committed_when_it_returns(log: EventLog) -> None:
    sid = log.start_session(opened())
    other = sqlite3.connect(log.path)
    try:
        for i in range(3):
            (row_id,) = log.write([obs(sid, i)])
            seen = other.execute("SELECT count(*), max(id) FROM observations").fetchone()
            assert seen == (i + 1, row_id)
    finally:
        other.close()
    assert not log.conn.in_transaction


def test_reopened_log_continues_the_chain(tmp_path: Path) -> None:
    log = new_log(tmp_path)
    sid = log.start_session(opened())
    log.write([obs(sid, 0)])
    log.close()
    log = new_log(tmp_path)
    log.write([obs(sid, 1), *ended(sid, 2)])
    assert [i for i, _ in log.observations(sid)] == [1, 2]
    assert log.verify().ok
    log.close()
    log.close()  # closing twice is harmless
