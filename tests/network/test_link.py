"""The console's end of the clinic network against real peers: python-hl7's MLLP server and a real
Mosquitto. The engine writes to a real session log; the link sends what the log committed.

Time for the link's health (10 s / 60 s) is the engine's ManualClock, moved by the tests; every
wait for a real peer is on a condition with a deadline.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.config import NetworkConfig
from console.network.link import NetworkLink
from console.network.mllp_sender import control_id_of
from console.network.pcd import Station
from console.network.pcd_read import read_pcd04
from console.session.engine import NETWORK_UNCONFIRMED, Patient, SessionEngine
from console.store import EventLog
from devices.reading import Reading
from protocols.model import Priority
from protocols.vitals import metric
from tests.mosquitto import Broker, wait_until
from tests.network.mllp_peer import HOST, MllpPeer, Reply, always
from tests.session.helpers import START, iv_protocol

STATION = Station(equipment_id="console-test", equipment_id_type="UUID", room="Room 3",
                  bed="chair-3")


class Chair:
    """An engine on a real log with a link, driven on a manual clock."""

    def __init__(self, db: Path, config: NetworkConfig, clock: ManualClock | None = None) -> None:
        self.clock = clock or ManualClock(START)
        self.log = EventLog.open(db, "test")
        self.link = NetworkLink(config, self.log, self.clock, station=STATION)
        self.link.start()
        self.engine = SessionEngine.open(iv_protocol(), self.log, Patient("P-001", 70.0),
                                         "nurse.ana", self.clock.now())
        self.link.session_opened(self.engine.session_id, "P-001", False)

    def reading(self, name: str, value: float) -> None:
        now = self.clock.now()
        self.engine.ingest(Reading(name, value, metric(name).unit, now.wall, now.wall,
                                   "hl7:SIM"), now)

    def pump(self) -> None:
        report = self.link.pump()
        for command in report.commands:
            self.engine.acknowledge_from_central(command.occurrence, command.by, command.station,
                                                 command.id, self.clock.now())
        self.engine.network_status(report.problem, self.clock.now(), report.state)

    def network_alarm(self) -> tuple[str, str] | None:
        for o in self.engine.alarms():
            if o.condition == NETWORK_UNCONFIRMED:
                return o.priority.label, o.message
        return None

    def deliveries(self) -> list[tuple[str, str, str]]:
        return self.log.conn.execute(
            "SELECT o.control_id, d.destination, d.outcome FROM deliveries d "
            "JOIN outbox o ON o.id = d.outbox_id ORDER BY d.id").fetchall()

    def outbox_ids(self) -> list[str]:
        return [r[0] for r in self.log.conn.execute("SELECT control_id FROM outbox ORDER BY id")]

    def close(self) -> None:
        self.link.stop(timeout=1.0)
        self.log.close()


@pytest.fixture
def reserved_port() -> Iterator[int]:
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind((HOST, 0))
    yield holder.getsockname()[1]
    holder.close()


@pytest.fixture
def peer(reserved_port: int) -> Iterator[MllpPeer]:
    made = MllpPeer(reserved_port, always("AA"))
    yield made
    made.close()


@pytest.fixture
def chairs(tmp_path: Path) -> Iterator[Callable[..., Chair]]:
    made: list[Chair] = []

    def make(config: NetworkConfig, clock: ManualClock | None = None, name: str = "log") -> Chair:
        chair = Chair(tmp_path / f"{name}.sqlite3", config, clock)
        made.append(chair)
        return chair

    yield make
    for chair in made:
        if chair.log._conn is not None:
            chair.close()


def engine_config(port: int) -> NetworkConfig:
    return NetworkConfig(forward=f"mllp://{HOST}:{port}", chair="chair-3", room="Room 3")


# --- the interface engine over MLLP -------------------------------------------------------------


def test_every_committed_message_reaches_the_engine_once_and_its_delivery_is_logged(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int) -> None:
    peer.listen()
    chair = chairs(engine_config(reserved_port))
    chair.reading("heart_rate", 72)
    chair.reading("bp_systolic", 205)   # a high alarm: PCD-01 and a PCD-04 start
    sent = chair.outbox_ids()
    assert len(sent) == 3
    peer.wait_for(lambda: len(peer.received) >= 3, "three messages")
    assert peer.received == sent
    wait_until(lambda: (chair.link.pump(), len(chair.deliveries()) == 3)[1], "deliveries logged")
    assert chair.deliveries() == [(cid, "engine", "delivered") for cid in sent]
    assert chair.log.verify().ok


def test_a_console_stopped_with_messages_pending_sends_them_after_its_restart_in_order(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int, tmp_path: Path) -> None:
    chair = chairs(engine_config(reserved_port))   # the engine is down: nothing is delivered
    for value in (70, 71, 72, 73):
        chair.reading("heart_rate", value)
    pending = chair.outbox_ids()
    chair.close()
    assert peer.received == []
    peer.listen()
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(engine_config(reserved_port), log, ManualClock(START), station=STATION)
    link.start()
    try:
        peer.wait_for(lambda: len(peer.received) >= 4, "the backlog after the restart")
        assert peer.received == pending   # same control ids, same order
    finally:
        link.stop(timeout=1.0)
        log.close()


def test_an_engine_refusal_is_logged_as_failed_and_raises_the_network_alarm(
        chairs: Callable[..., Chair], reserved_port: int) -> None:
    peer = MllpPeer(reserved_port, always("AR", "unknown patient"))
    try:
        peer.listen()
        chair = chairs(engine_config(reserved_port))
        chair.reading("heart_rate", 72)
        wait_until(lambda: (chair.pump(), bool(chair.deliveries()))[1], "the refusal")
        assert chair.deliveries()[0][1:] == ("engine", "failed")
        alarm = chair.network_alarm()
        assert alarm is not None and alarm[0] == "low"
        assert alarm[1] == "Clinic network: interface engine refused a message"
        detail = next(o.detail for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED)
        assert "unknown patient" in detail
        # Each sent once (AR is never resent); the network alarm's own PCD-04 follows.
        peer.wait_for(lambda: len(peer.received) == len(chair.outbox_ids()), "all sent")
        assert peer.received == chair.outbox_ids()
    finally:
        peer.close()


def test_ten_seconds_unconfirmed_is_a_low_alarm_a_minute_medium_and_delivery_ends_it(
        chairs: Callable[..., Chair], peer: MllpPeer, reserved_port: int) -> None:
    clock = ManualClock(START)
    chair = chairs(engine_config(reserved_port), clock)
    chair.reading("heart_rate", 72)
    chair.pump()
    assert chair.network_alarm() is None
    clock.advance(9)
    chair.pump()
    assert chair.network_alarm() is None
    clock.advance(2)
    chair.pump()
    alarm = chair.network_alarm()
    assert alarm == ("low", "Clinic network: interface engine not confirming delivery")
    clock.advance(50)
    chair.pump()
    assert chair.network_alarm()[0] == "medium"   # type: ignore[index]
    peer.listen()
    clock.advance(11)   # past the sender's back-off: it connects again
    wait_until(lambda: (chair.pump(), chair.network_alarm() is None)[1], "the alarm to end")
    kinds = [r.kind for _, r in chair.log.events(chair.engine.session_id)]
    assert kinds.count("network_status") == 3   # low, medium, ended: one row per change
