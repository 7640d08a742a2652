"""A broker that will not take a message: one larger than its Maximum Packet Size (which MQTT 5
brokers announce in their CONNACK: AWS IoT Core 128 kB, Mosquitto's and EMQX's
`max_packet_size`), or a retained one where it announces Retain Available 0. It closes the
connection on such a message; the bus sent it again first at every reconnection, so it was closed
on every second, for good: every message behind it, alarm messages too, never reached the central
station, and the chair was "connection lost" there, for a trend snapshot (README: "a broker that
refuses a publish -> a clear alarm, not an endless ... retry"; a review).

Now the bus reads those limits from the CONNACK and never sends such a message: an outbox row
goes the way of a refused one (failed with the reason in words, the bus's alarm, `network
resend`), a trend snapshot is left out with a word on the status line. Real Mosquitto with
`max_packet_size` / `retain_available false`; the chair's clock is a ManualClock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.bus_topics import VITALS
from console.network.chair_status import build_trend
from console.network.link import UNCONFIRMED_LOW_S
from console.network.mllp_sender import control_id_of
from console.network.mqtt_bus import _reason_words
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import Chair, bus_config, chairs  # noqa: F401


class LimitedBroker(Broker):
    """A broker with a Maximum Packet Size (`max_packet_size`, announced in its CONNACK)."""

    limit = 131072   # 128 kB: AWS IoT Core's message limit

    def config_text(self) -> str:
        return super().config_text() + f"max_packet_size {self.limit}\n"


class NoRetainBroker(Broker):
    """A broker that takes no retained message (MQTT 5 Retain Available 0)."""

    def config_text(self) -> str:
        return super().config_text() + "retain_available false\n"


class Pcd04Heard:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.control_ids: list[str] = []

    def __call__(self, topic: str, payload: bytes) -> None:
        if topic.endswith("/pcd04"):
            with self.lock:
                self.control_ids.append(control_id_of(payload.decode()))

    def __contains__(self, control_id: str) -> bool:
        with self.lock:
            return control_id in self.control_ids


def test_a_trend_over_the_brokers_packet_size_is_left_out_and_the_alarm_behind_it_goes(
        tmp_path: Path, chairs: Callable[..., Chair], bus_client: MakeClient) -> None:
    broker = LimitedBroker(tmp_path / "broker").start()
    try:
        heard = Pcd04Heard()
        bus_client(broker.url, "central-test", subscribe=[topics.all_chairs_filter()],
                   on_message=heard)
        clock = ManualClock()
        chair = chairs(bus_config(broker.url), clock)
        assert chair.link.bus is not None
        bus = chair.link.bus
        wait_until(lambda: bus.status().state.name == "CONNECTED", "connected")
        # The trend of a 30-minute session with an arterial line: 7 series at 1 Hz, ~210 kB.
        clock.advance(30 * 60)
        started = clock.now().wall - timedelta(minutes=30)
        points = [(name, started + timedelta(seconds=s), 97.0 if name == "spo2" else 72.0)
                  for s in range(30 * 60) for name in VITALS]
        trend = build_trend("chair-3", chair.engine.session_id, clock.now().wall, points)
        assert len(topics.encode(trend)) > LimitedBroker.limit
        chair.link.publish_trend(trend)   # the window's bridge, every 30 s
        chair.reading("bp_systolic", 205)   # then a high alarm: its PCD-04 start
        (alarm,) = chair.log.conn.execute(
            "SELECT control_id FROM outbox WHERE kind = 'pcd04' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        wait_until(lambda: (chair.link.pump(), alarm in heard)[1],
                   "the high alarm's PCD-04 at the central", timeout=15)
        # The trend left out is said on the status line, with the broker's limit.
        report = chair.link.pump()
        assert report.state.startswith(f"connected to {broker.url}; 1 message refused by the "
                                       "broker since the start"), report.state
        assert "to infusion/chair/chair-3/trend: too large for the broker (" in report.state
        assert "over its maximum packet size of 131,072 bytes" in report.state
        wait_until(lambda: bus.status().unconfirmed == 0, "nothing left waiting")
        assert bus.status().state.name == "CONNECTED"
    finally:
        broker.stop()


def test_an_alarm_message_over_the_brokers_packet_size_is_failed_with_the_reason_and_alarmed(
        tmp_path: Path, chairs: Callable[..., Chair]) -> None:
    broker = LimitedBroker(tmp_path / "broker")
    broker.limit = 200   # below any PCD message: each is refused (a broker set far too low)
    broker.start()
    try:
        clock = ManualClock()
        chair = chairs(bus_config(broker.url), clock)
        assert chair.link.bus is not None
        bus = chair.link.bus
        wait_until(lambda: bus.status().state.name == "CONNECTED", "connected")
        chair.reading("bp_systolic", 205)   # a PCD-01 and a high alarm's PCD-04
        sent = chair.outbox_ids()
        wait_until(lambda: (chair.link.pump(), len(chair.deliveries()) == len(sent))[1],
                   "each message's answer logged")
        assert [(cid, outcome) for cid, _, outcome in chair.deliveries()] == [
            (cid, "failed") for cid in sent]
        (detail,) = chair.log.conn.execute(
            "SELECT detail FROM deliveries ORDER BY id LIMIT 1").fetchone()
        assert detail.startswith("refused by the broker: too large for the broker (")
        assert detail.endswith("bytes, over its maximum packet size of 200 bytes: raise its "
                               "max_packet_size)"), detail
        # Never sent again and again: the connection stands, and the bus's alarm says it.
        assert bus.status().state.name == "CONNECTED"
        clock.advance(UNCONFIRMED_LOW_S)
        chair.pump()
        assert chair.network_alarm() == ("low", "Clinic bus not confirming delivery")
        assert chair.log.undelivered("bus", failed_too=True)   # for `network resend`
    finally:
        broker.stop()


def test_a_broker_refusing_the_chair_for_its_retained_will_says_why(
        tmp_path: Path, chairs: Callable[..., Chair]) -> None:
    """A broker that takes no retained message (some hosted brokers) refuses the chair's CONNECT
    for its retained Last Will (CONNACK 0x9A): the status line, the network alarm's detail and
    the log said only "refused the connection: reason code 0x9A"."""
    broker = NoRetainBroker(tmp_path / "broker").start()
    try:
        chair = chairs(bus_config(broker.url), ManualClock())
        assert chair.link.bus is not None
        bus = chair.link.bus
        wait_until(lambda: bus.status().state.name == "REFUSED", "the broker's refusal",
                   timeout=15)
        assert bus.status().detail == (
            f"broker {broker.url} refused the connection: retain not supported: the clinic bus "
            "needs retained messages (the stations' statuses and Last Wills; Mosquitto: "
            "retain_available true)")
    finally:
        broker.stop()


def test_every_mqtt_5_refusal_a_broker_may_give_is_said_in_words() -> None:
    for code in (0x8B, 0x8D, 0x8E, 0x8F, 0x91, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A,
                 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2):
        assert not _reason_words(code).startswith("reason code"), hex(code)
    assert _reason_words(0x8E) == ("session taken over: another station connected with this "
                                   "one's client id (a copy of its settings kit?)")
