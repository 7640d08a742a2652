"""A clean exit must not leave the chair "online" retained on the broker (README: the clean stop's
retained farewell, "console closed", which says whether a session was open). With a backlog the
link could not confirm within the stop's 3 s (an afternoon's readings after an outage, a slow
link), the farewell waited behind it, never left, and the clean DISCONNECT kept the Last Will from
speaking: a central started later showed the closed chair online for good (a review).

Now the farewell goes ahead of the backlog (another topic than the ordered PCD messages), and a
status still waiting to its topic is replaced by it, never sent after it; a farewell the broker
has not confirmed at the end of the wait has the DISCONNECT ask for the will (MQTT 5 reason code
0x04), so the broker says "offline" itself.

Real Mosquitto behind a slow relay (tests/network/slow_link.py); the chair's clock is a
ManualClock."""

from __future__ import annotations

import threading
from pathlib import Path

from console.clock import ManualClock
from console.network import bus_topics as topics
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.slow_link import SlowLink
from tests.network.test_link import Chair, bus_config, status_now
from tests.session.helpers import START


def retained_status(bus_client: MakeClient, url: str) -> dict[str, object]:
    """What a central started now reads first on chair-3's status topic (the retained one)."""
    got: list[bytes] = []
    cond = threading.Condition()

    def heard(topic: str, payload: bytes) -> None:
        with cond:
            got.append(payload)
            cond.notify_all()

    bus_client(url, "late-central", subscribe=[topics.chair_topic("chair-3", "status")],
               on_message=heard)
    with cond:
        assert cond.wait_for(lambda: got, 5.0), "no retained status for chair-3 at all"
    obj = topics.decode(got[0])
    assert obj is not None
    return obj


def chair_with_a_backlog(tmp_path: Path, url: str) -> Chair:
    """A chair whose status is at the broker, then 2000 readings waiting to go (and a status
    every 100 of them, as the window's bridge publishes one every 2 s)."""
    clock = ManualClock(START)
    chair = Chair(tmp_path / "log.sqlite3", bus_config(url), clock)
    assert chair.link.bus is not None
    bus = chair.link.bus
    wait_until(lambda: bus.status().state.name == "CONNECTED", "connected")
    chair.link.publish_status(status_now(chair, "P-001"))
    wait_until(lambda: (chair.link.pump(), chair.link.twins.caught_up())[1],
               "its status back", timeout=10)
    for i in range(2000):
        clock.advance(1)
        chair.reading("heart_rate", 60 + i % 30)
        if i % 100 == 0:
            chair.link.publish_status(status_now(chair, "P-001"))
    chair.link.pump()
    return chair


def test_a_clean_exit_with_a_backlog_on_a_slow_link_leaves_console_closed_on_the_broker(
        tmp_path: Path, broker: Broker, bus_client: MakeClient) -> None:
    live: list[dict[str, object]] = []   # chair-3's statuses as a running central hears them

    def heard(topic: str, payload: bytes, retain: bool, held_s: int | None) -> None:
        obj = topics.decode(payload)
        if not retain and obj is not None:
            live.append(obj)

    bus_client(broker.url, "central-test", subscribe=[topics.chair_topic("chair-3", "status")],
               on_message_aged=heard)
    with SlowLink(broker.port, 0.05) as link:   # 50 ms answers: a slow hop, nothing lost
        chair = chair_with_a_backlog(tmp_path, link.url)
        try:
            assert chair.link.bus is not None and chair.link.bus.status().unconfirmed > 1000
        finally:
            chair.link.stop()   # the console's clean stop, its own 3 s (network_bridge.stop)
            chair.log.close()
        # The farewell went ahead of the backlog, and no status said before it came after it.
        wait_until(lambda: any(s.get("online") is False for s in live), "the farewell, live")
        assert live[-1].get("reason") == topics.CLOSED_REASON, live[-1]
        # And it is what the broker keeps: a central started now reads the chair closed.
        status = retained_status(bus_client, broker.url)
        assert status.get("online") is False, (
            f"after a clean exit the broker still holds chair-3 as online: {status}")
        assert (status.get("reason"), status.get("session_open")) == (
            topics.CLOSED_REASON, True), status


def test_a_clean_exit_whose_farewell_is_not_confirmed_leaves_the_will_on_the_broker(
        tmp_path: Path, broker: Broker, bus_client: MakeClient) -> None:
    with SlowLink(broker.port, 0.05) as link:
        chair = chair_with_a_backlog(tmp_path, link.url)
        try:
            link.mute()   # the broker's answers are lost from now: nothing more is confirmed
        finally:
            chair.link.stop()
            chair.log.close()
        status = retained_status(bus_client, broker.url)
        assert status.get("online") is False, (
            f"after a clean exit the broker still holds chair-3 as online: {status}")
        assert status.get("reason") == "connection lost", status   # the Last Will
