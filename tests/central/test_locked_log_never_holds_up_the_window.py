"""A central log held locked by another program never holds up the station's window.

The "locked" cause the log's own message names ("a second central station, a database viewer"):
every write waited SQLite's busy timeout (2 s) on the window's thread, the batch's BEGIN 2 s,
then message by message each PCD-01 2 s and each PCD-04 4 s (its row, then its status summary).
The window's 250-ms timer, its redraw and the sounder run on that thread too: one second of a
clinic's traffic took many seconds, the queue grew faster than it drained, every chair went
"No connection" and a chair's new high alarm was drawn and sounded that much later (a review).
Now the log's busy timeout is short (`central_log.BUSY_TIMEOUT_MS`) and, once a write has failed,
the rows are held in memory, in order, without trying the log per message; the window's tick
tries them all in one transaction every RETRY_S on the station's clock."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator

from console.central.app import build, parser
from console.central.board import RETRY_S
from console.central.central_log import CentralLog
from console.clock import ManualClock
from console.ui.audio import RecordingAudioOut
from tests.central.helpers import Chair
from tests.session.helpers import START
from tests.ui.conftest import Answers

WAIT_MS = 10_000


def test_a_new_high_alarm_is_drawn_at_once_while_another_program_holds_the_log(
        qtbot, broker, tmp_path, monkeypatch):
    db = tmp_path / "central.sqlite3"
    clock = ManualClock(START)   # the station's and the chairs': the retry timer moves when told
    args = parser().parse_args(["--db", str(db), "--broker", broker.url, "--name", "desk"])
    station = build(args, audio_out=RecordingAudioOut(), asker=Answers(), clock=clock)
    viewer = None
    try:
        qtbot.addWidget(station.window)
        chairs = [Chair(f"chair-{n}", f"Room {n}", clock) for n in range(1, 6)]
        for chair in chairs:
            chair.start_infusion()
            chair.monitor({"heart_rate": 80, "spo2": 97, "resp_rate": 14})
            station.bridge.message.emit(*chair.status(), False, None, None)
        qtbot.waitUntil(lambda: len(station.board.chairs) == 5, timeout=WAIT_MS)

        # Every time the window's thread goes to the log for a write (a batch's rows in its one).
        tries: list[str] = []
        inside: list[bool] = []
        log = station.log
        real_batch, real_add = log.batch, log.add_received

        @contextlib.contextmanager
        def batch() -> Iterator[None]:
            tries.append("batch")
            inside.append(True)
            try:
                with real_batch():
                    yield
            finally:
                inside.pop()

        def add_received(*args, **kw):
            if not inside:
                tries.append("add_received")
            return real_add(*args, **kw)

        monkeypatch.setattr(log, "batch", batch)
        monkeypatch.setattr(log, "add_received", add_received)

        # A database viewer opens the log and holds a write transaction.
        viewer = sqlite3.connect(db, isolation_level=None)
        viewer.execute("BEGIN IMMEDIATE")

        # One second of the clinic: each chair's observations; Room 1's SpO2 falls to 85.
        for chair in chairs[1:]:
            chair.monitor({"heart_rate": 81, "spo2": 97, "resp_rate": 14})
            station.bridge.message.emit(*chair.pcd01(chair.observations()[-3:]), False, None, None)
        chairs[0].device("spo2", 85)
        for message in chairs[0].new_pcd04s():
            station.bridge.message.emit(*message, False, None, None)
        station.bridge.message.emit(*chairs[0].status(), False, None, None)
        sent = time.monotonic()

        def drawn() -> bool:
            card = station.window.cards.get("chair-1")
            return card is not None and card.view is not None and card.view.alarm is not None

        qtbot.waitUntil(drawn, timeout=WAIT_MS)
        took = time.monotonic() - sent
        # Drawn within a tick or two, every chair still connected; the log tried once.
        assert took < 1.0, f"Room 1's SpO2 85 drawn {took:.2f} s after it arrived"
        now = clock.now()
        assert [c.chair for c in station.board.cards(now) if not c.connected] == []
        assert tries == ["batch"]
        (log_alarm,) = [a for a in station.board.station_alarms(now) if a.key == "log"]
        assert log_alarm.text.startswith("Central log unavailable: 6 records held in memory, "
                                         "written when the log takes them; Cannot write the "
                                         f"central station's log {db} (locked)"), log_alarm.text

        # More of the clinic: held behind them, the log not tried per message.
        for chair in chairs:
            chair.monitor({"heart_rate": 82, "spo2": 97, "resp_rate": 14})
            station.bridge.message.emit(*chair.pcd01(chair.observations()[-3:]), False, None, None)
        qtbot.waitUntil(lambda: any("11 records held" in a.text
                                    for a in station.board.station_alarms(clock.now())),
                        timeout=WAIT_MS)
        assert tries == ["batch"]

        # The retry timer, on the station's clock: one short attempt, refused; the window ticks.
        clock.advance(RETRY_S)
        qtbot.waitUntil(lambda: len(tries) == 2, timeout=WAIT_MS)
        assert tries == ["batch", "batch"]

        # The viewer lets go: the next attempt writes every held row in one transaction.
        viewer.execute("ROLLBACK")
        viewer.close()
        viewer = None
        clock.advance(RETRY_S)
        qtbot.waitUntil(lambda: not any(a.key == "log" for a in
                                        station.board.station_alarms(clock.now())),
                        timeout=WAIT_MS)
        assert tries == ["batch", "batch", "batch"]
        kinds = [r.kind for r in log.received("chair-1")]
        assert kinds == ["status", "pcd04", "status", "pcd01"], kinds
        assert sum(1 for r in log.received() if r.kind == "pcd01") == 9
    finally:
        if viewer is not None:
            viewer.execute("ROLLBACK")
            viewer.close()
        station.close()


def test_rows_held_when_the_station_closes_are_written_if_the_log_takes_them(
        qtbot, broker, tmp_path):
    db = tmp_path / "central.sqlite3"
    clock = ManualClock(START)
    args = parser().parse_args(["--db", str(db), "--broker", broker.url, "--name", "desk"])
    station = build(args, audio_out=RecordingAudioOut(), asker=Answers(), clock=clock)
    qtbot.addWidget(station.window)
    chair = Chair("chair-1", "Room 1", clock)
    chair.start_infusion()
    # A database viewer holds the log as Room 1's first status and its SpO2 85 come.
    viewer = sqlite3.connect(db, isolation_level=None)
    viewer.execute("BEGIN IMMEDIATE")
    try:
        station.bridge.message.emit(*chair.status(), False, None, None)
        chair.device("spo2", 85)
        for message in chair.new_pcd04s():
            station.bridge.message.emit(*message, False, None, None)
        qtbot.waitUntil(lambda: any(a.key == "log" for a in
                                    station.board.station_alarms(clock.now())), timeout=WAIT_MS)
    finally:
        viewer.execute("ROLLBACK")
        viewer.close()
    # The viewer let go, and the station is closed before its retry: one last try at them.
    station.close()
    log = CentralLog.open(db)
    assert [r.kind for r in log.received("chair-1")] == ["status", "pcd04", "status"]
    log.close()
