"""A central log moved away or deleted while the station runs is its log alarm, and rows are held.

An archiving or backup script, or an IT person tidying the data folder (`mv central.sqlite3*
/archive/`), moves the log while the station runs: SQLite writes on into the file it has open,
wherever it now is, and no write fails. The station raised nothing, and what it logged from then
on was in no file at its path: at the next start the log was new and empty, and a chair lost in
session with a high alarm open was forgotten (no card, nothing sounding), where the README's rule
is that a restart brings it back (a review). The log's file as opened is now checked on the
station's tick (at most once a second) and before each batch is committed, as the bedside's
session log is (console/store/in_place.py): gone or replaced, the station's log alarm says so and
rows are held in memory, never written into a file nobody will read; the same file put back
takes them, in order."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from console.central.board import RESTORE_S, RETRY_S, Board
from console.central.central_log import CentralLog, CentralLogError
from protocols.model import Priority
from tests.central.helpers import Bus, Central
from tests.session.helpers import START


def _move(path: Path, to: Path) -> None:
    """`mv central.sqlite3* to/` (the log with its -wal and -shm)."""
    to.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            os.rename(src, to / src.name)


def _lost_with_spo2_86_after_a_move(tmp_path):
    """Room 1 in session; at 30 s its log is moved away; at 60 s its SpO2 86 alarm comes and its
    console dies: (path, log, central, chair, its Will, the station's alarms then)."""
    path = tmp_path / "data" / "central.sqlite3"
    log = CentralLog.open(path)
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(30)
    _move(path, tmp_path / "archive")   # the log is no longer at its path
    central.t(60)
    chair.device("spo2", 86)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    will = chair.will()
    central.deliver(will)   # the chair's console dies with SpO2 86 sounding
    return path, log, central, chair, will


def _restarted(path: Path, central: Central, will: tuple[str, bytes]) -> tuple[CentralLog, Board]:
    """The station restarted on its log's path (an update); the broker hands it the Will."""
    again = CentralLog.open(path)
    now = central.now()
    board = Board("desk", again, Bus())
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in
                   again.last_words(now.wall - timedelta(seconds=RESTORE_S)).items()},
                  now)
    board.set_bus(True, "Connected", now)
    board.receive(will[0], will[1], now, retained=True)
    board.tick(central.clock.advance(1))
    return again, board


def test_a_central_log_moved_away_while_running_is_a_station_alarm(tmp_path):
    path, log, central, _, _ = _lost_with_spo2_86_after_a_move(tmp_path)
    central.t(61)
    keys = [(a.key, a.priority) for a in central.board.station_alarms(central.now())]
    assert keys == [("chair:chair-1", Priority.HIGH), ("log", Priority.MEDIUM)], \
        f"station alarms: {keys}; log file at its path: {path.exists()}"
    log_alarm = central.board.station_alarms(central.now())[1]
    assert log_alarm.text == (
        "Central log unavailable: 3 records held in memory, written when the log takes them; "
        f"The central station's log {path} is no longer at its path: no longer the file opened "
        f"at {path}; put it back there with its -wal and -shm files (the records held are "
        "written into it), or choose another file with --db at the next start")
    # Nothing of it went into the moved file, nobody would read it there: only what came
    # before the move (its status, then unheard from 10 s).
    moved = CentralLog.open(tmp_path / "archive" / "central.sqlite3")
    assert [r.kind for r in moved.received("chair-1")] == ["status", "stale"]
    moved.close()
    log.close()


def test_the_log_put_back_takes_the_held_rows_and_a_restart_keeps_the_lost_chairs_alarm(tmp_path):
    path, log, central, _, will = _lost_with_spo2_86_after_a_move(tmp_path)
    live = [(a.key, a.priority) for a in central.board.station_alarms(central.now())]
    assert live[0] == ("chair:chair-1", Priority.HIGH)
    # 65 s: IT puts the log back; at the next retry the held rows go into it, in order.
    central.t(65)
    _move(tmp_path / "archive" / "central.sqlite3", path.parent)
    central.t(65 + RETRY_S)
    assert [(a.key, a.priority) for a in central.board.station_alarms(central.now())] == \
        [("chair:chair-1", Priority.HIGH)]
    assert [r.kind for r in log.received("chair-1")] == [
        "status", "stale", "pcd04", "status", "will"]
    log.close()

    central.t(200)
    again, board = _restarted(path, central, will)
    after = [(a.key, a.priority) for a in board.station_alarms(central.now())]
    assert after == [("chair:chair-1", Priority.HIGH)], \
        f"after the restart: {after}, the station's audio: {board.audio(central.now())}"
    again.close()


def test_a_new_file_at_the_logs_path_is_never_written_to(tmp_path):
    path, log, central, _, _ = _lost_with_spo2_86_after_a_move(tmp_path)
    # A second station (or a restore by hand) makes a new log at the path: not this station's.
    other = CentralLog.open(path)
    central.t(60 + 3 * RETRY_S)
    assert "log" in [a.key for a in central.board.station_alarms(central.now())]
    assert list(other.received()) == []
    other.close()
    log.close()


def test_a_batch_is_not_committed_into_a_log_moved_away(tmp_path):
    path = tmp_path / "data" / "central.sqlite3"
    log = CentralLog.open(path)
    _move(path, tmp_path / "archive")
    # The station's batch of messages (app.build's take_messages): refused before its COMMIT.
    with pytest.raises(CentralLogError) as refused, log.batch():
        log.add_received("OBS-1", "chair-1", "pcd01", START, "MSH|")
    assert refused.value.cause == "moved"
    assert str(refused.value).startswith(
        f"The central station's log {path} is no longer at its path: ")
    log.close()
    moved = CentralLog.open(tmp_path / "archive" / "central.sqlite3")
    assert list(moved.received()) == []
    moved.close()
