"""The central station tells the broker it received a chair's message (PUBACK) once its log has
committed it, a batch at a time; while the log fails, once its rows are held, so that the broker
goes on sending (its in-flight window: Mosquitto sends 20 messages unacknowledged, then waits).
The kill between the two is tests/central/test_a_killed_station_loses_no_alarm_message.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from console.central.app import build, parser
from console.central.board import RETRY_S
from console.clock import ManualClock
from console.network.mqtt_bus import Receipt
from console.ui.audio import RecordingAudioOut
from protocols.model import Priority
from tests.central.helpers import Chair
from tests.central.test_app import ChairConsole
from tests.session.helpers import START
from tests.ui.conftest import Answers

WAIT_MS = 10_000
CHAIR_MESSAGES = -1   # the receipts' connection: told apart from the bus's own


def test_the_broker_hears_a_message_was_received_only_once_the_log_committed_it(
        qtbot, broker, tmp_path, monkeypatch):
    db = tmp_path / "central.sqlite3"
    station = build(parser().parse_args(["--db", str(db), "--broker", broker.url,
                                         "--name", "desk"]),
                    audio_out=RecordingAudioOut(), asker=Answers())
    try:
        qtbot.addWidget(station.window)
        # What the log had on disk (another connection reads it) each time the broker is told
        # of the chair's messages (not of the station's own presence, relayed back).
        told: list[tuple[list[Receipt], bool, list[str]]] = []

        def ack(receipts: Iterable[Receipt]) -> None:
            chairs = [r for r in receipts if r.connection == CHAIR_MESSAGES]
            if not chairs:
                return
            with sqlite3.connect(db) as reader:
                on_disk = [row[0] for row in reader.execute("SELECT control_id FROM received "
                                                            "WHERE control_id IS NOT NULL")]
            told.append((chairs, station.log.conn.in_transaction, on_disk))

        monkeypatch.setattr(station.bus, "ack", ack)
        # A chair's status, its SpO2 85 alarm and its next status, arriving in one turn.
        chair = Chair("chair-1", "Room 1", ManualClock(START))
        chair.start_infusion()
        messages = [chair.status()]
        chair.device("spo2", 85)
        messages += [*chair.new_pcd04s(), chair.status()]
        receipts = [Receipt(mid, 1, CHAIR_MESSAGES) for mid in range(1, len(messages) + 1)]
        for (topic, payload), receipt in zip(messages, receipts, strict=True):
            station.bridge.message.emit(topic, payload, False, None, receipt)
        qtbot.waitUntil(lambda: bool(told), timeout=WAIT_MS)
        # Told once for the batch, in the order they came, after its COMMIT: the PCD-04 on disk.
        ((acked, in_transaction, on_disk),) = told
        assert acked == receipts
        assert not in_transaction
        control_id = messages[1][1].split(b"|")[9].decode()
        assert control_id in on_disk, on_disk
        assert station.board.card("chair-1", station.clock.now()).alarm.priority is Priority.HIGH
    finally:
        station.close()


def test_while_another_program_holds_the_log_the_station_hears_the_chairs_beyond_the_brokers_window(
        qtbot, broker, tmp_path):
    db = tmp_path / "central.sqlite3"
    clock = ManualClock(START)   # the station's and the chair's: the retry timer moves when told
    station = build(parser().parse_args(["--db", str(db), "--broker", broker.url,
                                         "--name", "desk"]),
                    audio_out=RecordingAudioOut(), asker=Answers(), clock=clock)
    chair = Chair("chair-1", "Room 1", clock)
    console = ChairConsole(broker.url, chair)
    viewer = None
    try:
        qtbot.addWidget(station.window)
        assert station.board.twins is not None
        qtbot.waitUntil(station.board.twins.caught_up, timeout=WAIT_MS)
        qtbot.waitUntil(console.connected, timeout=WAIT_MS)
        chair.start_infusion()
        chair.monitor({"heart_rate": 80, "spo2": 97, "resp_rate": 14})
        console.send(chair.status(), retain=True)
        qtbot.waitUntil(lambda: "chair-1" in station.board.chairs, timeout=WAIT_MS)
        # A database viewer opens the log and holds a write transaction: rows are held.
        viewer = sqlite3.connect(db, isolation_level=None)
        viewer.execute("BEGIN IMMEDIATE")
        # 40 s of the chair's observations, more than the broker sends unacknowledged (20)...
        sent = []
        for _ in range(40):
            chair.monitor({"heart_rate": 81, "spo2": 97, "resp_rate": 14})
            sent.append(chair.pcd01(chair.observations()[-3:]))
            console.send(sent[-1])
        # ... then SpO2 85: the high alarm reaches the station all the same.
        chair.device("spo2", 85)
        for message in chair.new_pcd04s():
            console.send(message)
        console.send(chair.status(), retain=True)
        qtbot.waitUntil(lambda: (alarm := station.board.card("chair-1", clock.now()).alarm)
                        is not None and alarm.priority is Priority.HIGH, timeout=WAIT_MS)
        assert station.board.log_failing
        # The viewer lets go: the held rows are written at the next retry, every one.
        viewer.execute("ROLLBACK")
        viewer.close()
        viewer = None
        clock.advance(RETRY_S)
        qtbot.waitUntil(lambda: not station.board.log_failing, timeout=WAIT_MS)
        logged = {r.control_id for r in station.log.received("chair-1") if r.kind == "pcd01"}
        assert logged == {payload.split(b"|")[9].decode() for _topic, payload in sent}
    finally:
        if viewer is not None:
            viewer.execute("ROLLBACK")
            viewer.close()
        station.close()
        console.stop()
