"""A BusClient taking messages with `on_message_to_keep` (the central station's): the broker is
told a message was received (PUBACK) only when the owner says it is kept (`ack`), so a message
its owner had not kept when it stopped comes again to its persistent session. paho had
acknowledged each as its callback returned, before the central committed it to its log a turn
of its loop later: a station killed in between lost an alarm's PCD-04 for good (a review).

Against a real Mosquitto; every wait is on a condition with a real deadline."""

from __future__ import annotations

import threading

from console.network.mqtt_bus import BusClient, BusState, Receipt
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient, wait_subscribed

TOPICS = "infusion/chair/chair-1/#"
PCD04 = "infusion/chair/chair-1/pcd04"


class Kept:
    """What the owner was handed, in order, as (payload, its receipt)."""

    def __init__(self) -> None:
        self.messages: list[tuple[bytes, Receipt]] = []
        self._lock = threading.Lock()

    def __call__(self, topic: str, payload: bytes, retain: bool, held: int | None,
                 receipt: Receipt) -> None:
        with self._lock:
            self.messages.append((payload, receipt))

    def receipt(self, payload: bytes) -> Receipt | None:
        with self._lock:
            return next((r for p, r in reversed(self.messages) if p == payload), None)


def central(bus_client: MakeClient, url: str, kept: Kept) -> BusClient:
    """The station's client: a persistent session whose owner acknowledges what it kept."""
    return bus_client(url, "central", subscribe=[TOPICS], persistent_session=True,
                      on_message_to_keep=kept)


def delivered(chair: BusClient, payload: bytes) -> None:
    """Publish from the chair and wait for the broker's PUBACK."""
    done = threading.Event()
    chair.publish(PCD04, payload, on_delivered=done.set)
    wait_until(done.is_set, f"the broker's PUBACK of {payload!r}")


def test_a_message_the_owner_had_not_kept_when_it_stopped_is_handed_again_at_its_return(
        broker: Broker, bus_client: MakeClient) -> None:
    first = Kept()
    station = central(bus_client, broker.url, first)
    chair = bus_client(broker.url, "chair-1")
    # Two alarm messages handed to the station; it keeps the first, then stops.
    delivered(chair, b"ALM-1 start")
    delivered(chair, b"ALM-2 start")
    wait_until(lambda: first.receipt(b"ALM-2 start") is not None, "both handed over")
    kept = first.receipt(b"ALM-1 start")
    assert kept is not None
    station.ack([kept])
    station.stop(timeout=1.0)
    # Back: the broker hands the one not kept again, and only that one.
    again = Kept()
    central(bus_client, broker.url, again)
    delivered(chair, b"ALM-3 start")   # behind whatever the session held
    wait_until(lambda: again.receipt(b"ALM-3 start") is not None, "the new message")
    assert [p for p, _ in again.messages] == [b"ALM-2 start", b"ALM-3 start"]


def test_a_receipt_of_a_connection_that_broke_acknowledges_nothing_on_the_next(
        broker: Broker, bus_client: MakeClient) -> None:
    # The broker crashes and loses the station's session: the new one gives its packet ids out
    # from 1 again, and the old message's receipt names the new message's id.
    first = Kept()
    station = central(bus_client, broker.url, first)
    chair = bus_client(broker.url, "chair-1")
    delivered(chair, b"ALM-1 start")
    wait_until(lambda: first.receipt(b"ALM-1 start") is not None, "the first message")
    broker.kill()
    broker.restart()
    wait_until(lambda: station.status().state is BusState.CONNECTED
               and chair.status().state is BusState.CONNECTED, "both back")
    wait_subscribed(station, [TOPICS])
    delivered(chair, b"ALM-2 start")
    wait_until(lambda: first.receipt(b"ALM-2 start") is not None, "the new message")
    old, new = first.receipt(b"ALM-1 start"), first.receipt(b"ALM-2 start")
    assert old is not None and new is not None and old.mid == new.mid, (old, new)
    # The owner keeps the first message only now: the broker is told nothing of the new one.
    station.ack([old])
    station.stop(timeout=1.0)
    again = Kept()
    central(bus_client, broker.url, again)
    wait_until(lambda: again.receipt(b"ALM-2 start") is not None,
               "the new message, not kept, handed again")
