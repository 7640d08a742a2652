"""Two chairs on one computer share a log (README, "One console per running session"). At its
start a console sends the backlog of its own chair only: chair 4's console published chair 3's
waiting messages under chair 4's topics, and the central station showed chair 3's patient on
chair 4's card. A later console of chair 3 still sends them."""

from __future__ import annotations

import threading
from pathlib import Path

import paho.mqtt.client as mqtt

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.config import NetworkConfig
from console.network.link import NetworkLink, chair_in_message
from console.network.mllp_sender import control_id_of
from console.network.pcd import Station
from console.store import EventLog
from tests.mosquitto import Broker, wait_until
from tests.network.test_link import STATION, Chair
from tests.session.helpers import START


class Central:
    """What a central station hears: (topic, control id or "status") in arrival order."""

    def __init__(self, url: str) -> None:
        self.lock = threading.Lock()
        self.heard: list[tuple[str, str]] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="central-test")
        self.client.on_message = self._on_message
        host, port = url.removeprefix("mqtt://").split(":")
        self.client.connect(host, int(port))
        self.client.subscribe(topics.all_chairs_filter(), qos=1)
        self.client.loop_start()

    def _on_message(self, _client, _userdata, message) -> None:
        text = message.payload.decode()
        what = control_id_of(text) if text.startswith("MSH") else "status"
        with self.lock:
            self.heard.append((message.topic, what))

    def of(self, chair: str) -> list[str]:
        with self.lock:
            return [what for topic, what in self.heard if f"/{chair}/" in topic]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def console(db: Path, broker: Broker, chair: str) -> tuple[EventLog, NetworkLink]:
    """A console of `chair` started on the log `db`, as the app makes it (PV1-3.3 = the chair)."""
    log = EventLog.open(db, "test")
    station = Station(equipment_id="console-shared-log", equipment_id_type="UUID",
                      room=f"Room {chair[-1]}", bed=chair)
    link = NetworkLink(NetworkConfig(broker=broker.url, chair=chair, room=f"Room {chair[-1]}"),
                       log, ManualClock(START), station=station)
    link.start()
    return log, link


def test_a_console_sharing_the_log_does_not_publish_another_chairs_backlog_as_its_own(
        tmp_path: Path) -> None:
    broker = Broker(tmp_path / "broker").start()
    central = None
    opened: list[tuple[EventLog, NetworkLink]] = []
    try:
        db = tmp_path / "shared.sqlite3"
        chair3 = Chair(db, NetworkConfig(broker=broker.url, chair="chair-3", room="Room 3"),
                       ManualClock(START))
        broker.kill()   # chair 3's bus is down: its readings wait in the outbox
        chair3.reading("heart_rate", 72)
        chair3.reading("bp_systolic", 205)   # a high alarm: a PCD-04 too
        chair3_ids = chair3.outbox_ids()
        assert len(chair3_ids) >= 2
        chair3.close()
        broker.restart()
        central = Central(broker.url)

        # Chair 4's console starts on the same log: its backlog (none) goes, then its status.
        opened.append(console(db, broker, "chair-4"))
        _, link4 = opened[-1]
        link4.publish_status({"chair": "chair-4"})
        wait_until(lambda: (link4.pump(), "status" in central.of("chair-4"))[1],
                   "chair 4's status at the central")
        assert [cid for cid in central.of("chair-4") if cid in chair3_ids] == [], (
            f"chair 3's messages published as chair 4's: {central.heard}")

        # Chair 3's next console on that log sends them, in order, as chair 3's.
        opened.append(console(db, broker, "chair-3"))
        _, link3 = opened[-1]
        wait_until(lambda: (link3.pump(), [w for w in central.of("chair-3") if w != "status"]
                                        == chair3_ids)[1],
                   "chair 3's backlog sent by chair 3's next console")
    finally:
        if central is not None:
            central.close()
        for log, link in opened:
            link.stop(timeout=1.0)
            log.close()
        broker.stop()


def test_the_chair_of_a_message_is_its_pv1_3_3() -> None:
    message = ("MSH|^~\\&|IC^console-1^UUID|CLINIC|||20260105090000+0000||ORU^R01^ORU_R01|"
               "C-1|P|2.6\rPID|||P0001\rPV1||O|^Room 3^chair-3^CLINIC\rOBX|1|NM|X||97\r")
    assert chair_in_message(message) == "chair-3"
    assert chair_in_message(message.replace("chair-3", "")) == ""
    assert chair_in_message("MSH|^~\\&|IC\rPID|||P0001\r") == ""
    assert chair_in_message("") == ""
