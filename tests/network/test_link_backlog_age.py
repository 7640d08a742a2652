"""NetworkLink's 10 s rule counts the age of the oldest message handed over and not confirmed, as
well as the time since the last confirmation (link.py docstring). An engine (or a bus) that
confirms one message every 2 s while the chair writes one a second let the backlog grow without
bound with no network alarm: each confirmation started the count again, whatever waited behind
it, and a high alarm's PCD-04 sat a minute at the console (a review). After an outage the alarm
stands until the backlog has caught up to 10 s, and then ends.

A real log, a raw MLLP peer that answers at the pace the test sets (one AA per release of its
gate) or a real Mosquitto behind a bus whose hand-over the test paces; the link's clock is a
ManualClock moved a second at a time.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import pytest

from console.network.config import NetworkConfig
from tests.mosquitto import Broker, wait_until
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame
from tests.network.test_link import Chair, chairs   # noqa: F401 - the fixture

NOT_CONFIRMING = "Interface engine not confirming delivery"


class PacedEngine:
    """An engine that reads each message and answers AA only when the test releases it."""

    def __init__(self) -> None:
        self.gate = threading.Semaphore(0)
        self.peer = RawPeer(self)

    def __call__(self, n: int, conn: socket.socket, peer: RawPeer) -> None:
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            if not self.gate.acquire(timeout=30):
                return
            conn.sendall(ack("AA", cid))

    def close(self) -> None:
        for _ in range(1000):
            self.gate.release()
        self.peer.close()


@pytest.fixture
def engine() -> Iterator[PacedEngine]:
    made = PacedEngine()
    yield made
    made.close()


def delivered(chair: Chair, destination: str) -> int:
    return sum(1 for _, d, o in chair.deliveries() if d == destination and o == "delivered")


def confirm_one(chair: Chair, release: Callable[[], None], destination: str) -> None:
    """The destination confirms one more message; the link hears it."""
    want = delivered(chair, destination) + 1
    release()
    wait_until(lambda: (chair.pump(), delivered(chair, destination) >= want)[1],
               f"one more delivery to the {destination}")


def oldest_waiting(chair: Chair, destination: str) -> float:
    """Seconds since the oldest row not delivered to `destination` was committed (and handed
    over: the hand-off runs at the commit here)."""
    created = min(datetime.fromisoformat(r[0]) for r in chair.log.conn.execute(
        "SELECT created_at FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM deliveries d "
        "WHERE d.outbox_id = o.id AND d.destination = ?)", (destination,)))
    return (chair.clock.now().wall - created).total_seconds()


def test_a_high_alarm_waiting_behind_a_slow_engines_backlog_is_a_network_alarm(
        chairs: Callable[..., Chair], engine: PacedEngine) -> None:
    chair = chairs(NetworkConfig(forward=engine.peer.url, chair="chair-3", room="Room 3"))
    for second in range(1, 111):
        # A reading a second; at 60 s a high alarm, its PCD-04 joins the queue.
        chair.clock.advance(1)
        if second == 60:
            before = set(chair.outbox_ids())
            chair.reading("bp_systolic", 205)
            alarm_rows = [c for c in chair.outbox_ids() if c not in before]
        else:
            chair.reading("heart_rate", 70 + second % 5)
        # The engine confirms one message every 2 s.
        if second % 2 == 0:
            confirm_one(chair, engine.gate.release, "engine")
        chair.pump()
        if oldest_waiting(chair, "engine") >= 10:
            # The oldest message has waited 10 s: the nurse is told, confirmations or not.
            assert chair.network_alarm() is not None, f"no network alarm at {second} s"
    # At 110 s the oldest waits about 55 s, the high alarm's messages among those waiting ...
    undelivered = {r.control_id for r in chair.log.undelivered("engine")}
    assert set(alarm_rows) <= undelivered and len(undelivered) > 40
    assert oldest_waiting(chair, "engine") > 40
    # ... a low alarm that says the engine confirms, but too slowly for what waits.
    assert chair.network_alarm() == ("low", NOT_CONFIRMING)
    detail = chair.link.pump().problem.detail   # type: ignore[union-attr]
    assert (f"the interface engine last confirmed 0 s ago, but the oldest of the "
            f"{len(undelivered)} messages waiting was handed over "
            f"{oldest_waiting(chair, 'engine'):.0f} s ago") in detail


def test_after_an_engine_outage_the_network_alarm_stands_until_the_backlog_has_caught_up(
        chairs: Callable[..., Chair], engine: PacedEngine) -> None:
    chair = chairs(NetworkConfig(forward=engine.peer.url, chair="chair-3", room="Room 3"))
    # 70 s of readings, one a second, with the engine taking none: medium.
    for second in range(1, 71):
        chair.clock.advance(1)
        chair.reading("heart_rate", 70 + second % 5)
        chair.pump()
    assert chair.network_alarm() == ("medium", NOT_CONFIRMING)
    # The engine is back and takes the backlog, one message at a time, the clock standing
    # still: the alarm stands while the oldest waiting was handed over 10 s ago or more
    # (medium from 60 s), whatever was confirmed since ...
    while (age := oldest_waiting(chair, "engine")) >= 10:
        assert chair.network_alarm() == ("medium" if age >= 60 else "low", NOT_CONFIRMING), age
        confirm_one(chair, engine.gate.release, "engine")
    # ... and ends once the backlog has caught up to 10 s, though messages still wait.
    assert chair.log.undelivered("engine")
    assert chair.network_alarm() is None


class PacedBus:
    """The bus's hand-over held back: what the link hands over reaches the broker (the real
    `publish_many`) one message at a time, when the test releases it."""

    def __init__(self, publish_many: Callable[[Sequence[Any]], None]) -> None:
        self.real = publish_many
        self.held: list[Any] = []

    def __call__(self, messages: Sequence[Any]) -> None:
        self.held.extend(messages)

    def release(self) -> None:
        self.real([self.held.pop(0)])


def test_a_clinic_bus_that_confirms_more_slowly_than_the_chair_writes_is_a_network_alarm(
        chairs: Callable[..., Chair], broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    chair = chairs(NetworkConfig(broker=broker.url, chair="chair-3", room="Room 3"))
    assert chair.link.bus is not None
    bus = PacedBus(chair.link.bus.publish_many)
    monkeypatch.setattr(chair.link.bus, "publish_many", bus)
    for second in range(1, 81):
        # A reading a second; the bus confirms one message every 2 s.
        chair.clock.advance(1)
        chair.reading("heart_rate", 70 + second % 5)
        if second % 2 == 0:
            confirm_one(chair, bus.release, "bus")
        chair.pump()
        if oldest_waiting(chair, "bus") >= 10:
            assert chair.network_alarm() is not None, f"no network alarm at {second} s"
    assert oldest_waiting(chair, "bus") >= 39
    assert chair.network_alarm() == ("low", "Clinic bus not confirming delivery")
    detail = chair.link.pump().problem.detail   # type: ignore[union-attr]
    assert "the clinic bus last confirmed 0 s ago, but the oldest of the" in detail
