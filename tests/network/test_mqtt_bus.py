"""BusClient against a real Mosquitto on loopback: delivery, order, outages, the will, addresses.

Every wait is on a condition with a real deadline (tests/mosquitto.py `wait_until`): a broker
coming back, a message arriving. Status times come from a ManualClock moved by the tests.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from console.clock import ManualClock
from console.network.mqtt_bus import (
    RETAINED_LIFETIME_S,
    BusClient,
    BusConfig,
    BusState,
    BusStatus,
    check_plaintext,
    held_s,
    next_status,
    parse_bus_url,
)
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.mllp_peer import reserve_port
from tests.session.helpers import START
from tests.tcp_relay import TcpRelay, close_socket

ROOT = Path(__file__).resolve().parents[2]


class Inbox:
    """What a subscriber received, in order, as (topic, payload)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    def __call__(self, topic: str, payload: bytes) -> None:
        with self._lock:
            self.messages.append((topic, payload))

    def payloads(self, topic: str | None = None) -> list[bytes]:
        with self._lock:
            return [p for t, p in self.messages if topic is None or t == topic]


def connected(*clients: BusClient) -> None:
    for client in clients:
        wait_until(lambda c=client: c.status().state is BusState.CONNECTED,  # type: ignore[misc]
                   f"{client.client_id} to connect (now: {client.status().detail})")


def state_is(client: BusClient, state: BusState) -> None:
    wait_until(lambda: client.status().state is state,
               f"{client.client_id} to be {state.value} (now: {client.status().detail})")


def subscribed(central: BusClient, chair: BusClient, inbox: Inbox, topic: str) -> None:
    """Wait until `central`'s subscription works: a probe from `chair` on `topic` arrives."""
    chair.publish(topic, b"probe")
    wait_until(lambda: b"probe" in inbox.payloads(topic), "the subscription to work")


# --- delivery ------------------------------------------------------------------------------------


def test_qos1_messages_arrive_in_order_and_on_delivered_runs_once_each_on_the_bus_thread(
        broker: Broker, bus_client: MakeClient) -> None:
    inbox = Inbox()
    central = bus_client(broker.url, "central", on_message=inbox, subscribe=["infusion/#"])
    chair = bus_client(broker.url, "chair-1")
    connected(central, chair)
    subscribed(central, chair, inbox, "infusion/chair/chair-1/probe")
    delivered: list[tuple[int, str]] = []

    def confirmed(n: int) -> Callable[[], None]:
        return lambda: delivered.append((n, threading.current_thread().name))

    for n in range(5):
        chair.publish("infusion/chair/chair-1/pcd01", b"MSG%d" % n, on_delivered=confirmed(n))

    wait_until(lambda: len(inbox.payloads("infusion/chair/chair-1/pcd01")) == 5, "five messages")
    wait_until(lambda: len(delivered) == 5, "five PUBACKs")
    # The central station sees them as sent, and each was confirmed exactly once.
    assert inbox.payloads("infusion/chair/chair-1/pcd01") == [b"MSG%d" % n for n in range(5)]
    assert [n for n, _ in delivered] == [0, 1, 2, 3, 4]
    # The callbacks run on paho's network thread: the owner must post them to its own.
    assert {name for _, name in delivered} == {"paho-mqtt-client-chair-1"}
    status = chair.status()
    assert (status.state, status.unconfirmed, status.oldest_unconfirmed_mono) == (
        BusState.CONNECTED, 0, None)
    assert status.detail == f"connected to {broker.url}"


def test_stop_waits_for_what_was_just_published(broker: Broker, bus_client: MakeClient) -> None:
    inbox = Inbox()
    central = bus_client(broker.url, "central", on_message=inbox, subscribe=["t/#"])
    chair = bus_client(broker.url, "chair-1")
    connected(central, chair)
    subscribed(central, chair, inbox, "t/probe")
    delivered: list[int] = []

    for n in range(200):
        chair.publish("t/x", b"%d" % n, on_delivered=partial(delivered.append, n))
    chair.stop(timeout=5.0)   # at once: 200 messages are still on their way

    # None of them is lost by stopping: all confirmed before the clean disconnect.
    assert delivered == list(range(200))
    assert chair.status().state is BusState.STOPPED
    assert chair.status().unconfirmed == 0
    wait_until(lambda: len(inbox.payloads("t/x")) == 200, "200 messages at the central")
    with pytest.raises(RuntimeError, match="after the bus client chair-1 was stopped"):
        chair.publish("t/x", b"late")


def test_a_message_published_while_the_broker_is_down_waits_and_is_sent_on_its_return(
        broker: Broker, bus_client: MakeClient, tmp_path: Path) -> None:
    clock = ManualClock()
    chair = bus_client(broker.url, "chair-1", clock=clock)
    connected(chair)
    broker.kill()
    state_is(chair, BusState.DISCONNECTED)
    assert chair.status().detail == (
        f"lost the connection to the broker {broker.url} (no answer or the connection broke); "
        "reconnecting")
    delivered: list[str] = []

    # Published during the outage: kept, counted, with the time of the oldest. (A second
    # retained message to one topic would replace the first, still unsent: its own test,
    # test_bus_outage_sends_only_the_newest_snapshots.py.)
    first = clock.now().mono
    chair.publish("infusion/chair/chair-1/pcd04", b"during-1",
                  on_delivered=lambda: delivered.append("1"))
    clock.advance(4.0)
    chair.publish("infusion/chair/chair-1/status", b"during-2", retain=True,
                  on_delivered=lambda: delivered.append("2"))
    status = chair.status()
    assert (status.state, status.unconfirmed, status.oldest_unconfirmed_mono) == (
        BusState.DISCONNECTED, 2, first)
    assert delivered == []

    broker.restart()
    wait_until(lambda: delivered == ["1", "2"], "both PUBACKs after the broker came back")
    assert chair.status().unconfirmed == 0
    # It really reached the broker: a station starting now gets the retained last one.
    inbox = Inbox()
    bus_client(broker.url, "late-central", on_message=inbox,
               subscribe=["infusion/chair/chair-1/status"])
    wait_until(lambda: inbox.payloads() == [b"during-2"], "the retained status")


def test_500_messages_published_during_a_broker_crash_arrive_complete_and_in_order(
        broker: Broker, bus_client: MakeClient) -> None:
    topic = "infusion/chair/chair-1/pcd01"
    inbox = Inbox()
    # The central keeps a persistent session, so the broker queues for it while it is away.
    central = bus_client(broker.url, "central", on_message=inbox,
                         subscribe=["infusion/chair/chair-1/#"], persistent_session=True)
    chair = bus_client(broker.url, "chair-1")
    connected(central, chair)
    subscribed(central, chair, inbox, "infusion/chair/chair-1/probe")
    delivered: list[int] = []

    def send(n: int) -> None:
        chair.publish(topic, b"%04d" % n, on_delivered=lambda: delivered.append(n))

    for n in range(20):
        send(n)
    wait_until(lambda: len(inbox.payloads(topic)) == 20, "the first 20 at the central")
    broker.save()     # the central's session and subscription are on disk, as after autosave
    broker.kill()     # the broker crashes; 500 messages are published during the outage, the
    for n in range(20, 520):    # first ones possibly into the dying connection
        send(n)
    state_is(chair, BusState.DISCONNECTED)
    assert chair.status().unconfirmed >= 500
    broker.restart()
    for n in range(520, 540):   # and some after its return
        send(n)

    wait_until(lambda: len(delivered) == 540, "540 PUBACKs")
    wait_until(lambda: {int(p) for p in inbox.payloads(topic)} == set(range(540)),
               "all 540 at the central")
    received = [int(p) for p in inbox.payloads(topic)]
    # Nothing lost, nothing out of order; a duplicate (at least once) is a message sent before,
    # whole, which the central drops by its MSH-10.
    assert list(dict.fromkeys(received)) == list(range(540))
    assert all(0 <= n < 540 for n in received)
    assert delivered == list(range(540))   # each confirmed once, in order


class HoldingRelay(TcpRelay):
    """A TCP relay between clients and the broker that can cut every connection at once and hold
    the broker's answers (the CONNACK of a reconnect) until `release()`: it opens the window in
    which a client has sent CONNECT and is not yet told it is connected. Used as a context
    manager: its listener, connections and threads end with the `with` block."""

    def __init__(self, broker_port: int) -> None:
        super().__init__("holding")
        self.broker_port = broker_port
        self._open = threading.Event()
        self._open.set()
        self._pairs: list[socket.socket] = []

    def accepted(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.broker_port), timeout=5)
        except OSError:
            close_socket(client)   # the broker is down: the client sees its connection close
            return
        upstream.settimeout(None)
        if not self.track(upstream):
            return
        self._pairs += [client, upstream]
        for src, dst, gated in ((client, upstream, False), (upstream, client, True)):
            self.spawn(self._pump, src, dst, gated)

    def _pump(self, src: socket.socket, dst: socket.socket, gated: bool) -> None:
        try:
            while data := src.recv(65536):
                if gated:
                    self._open.wait()
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            sock.close()

    def cut_and_hold(self) -> None:
        """Drop every connection (as a network fault) and hold the broker's replies from now."""
        self._open.clear()
        for sock in list(self._pairs):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def release(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._open.set()   # a pump held at the gate goes on to find its socket closed
        super().close()


def test_a_message_published_while_a_reconnect_waits_for_its_connack_does_not_overtake_older_ones(
        broker: Broker, bus_client: MakeClient) -> None:
    # paho writes a publish at once when its socket is open, even before the CONNACK, and only
    # then resends what it held: the bus must keep such a message behind the older ones.
    topic = "infusion/chair/chair-1/pcd04"
    with HoldingRelay(broker.port) as relay:
        inbox = Inbox()
        central = bus_client(broker.url, "central", on_message=inbox,
                             subscribe=["infusion/chair/chair-1/#"])
        chair = bus_client(f"mqtt://127.0.0.1:{relay.port}", "chair-1")
        connected(central, chair)
        subscribed(central, chair, inbox, "infusion/chair/chair-1/probe")
        for n in range(10):
            chair.publish(topic, b"%03d" % n)
        wait_until(lambda: len(inbox.payloads(topic)) == 10, "the first 10")

        relay.cut_and_hold()                       # the network drops the chair
        state_is(chair, BusState.DISCONNECTED)
        for n in range(10, 210):                   # published during the outage
            chair.publish(topic, b"%03d" % n)
        wait_until(lambda: relay.accepted_count == 2, "the chair's reconnect (CONNACK held)")
        for n in range(210, 220):                  # published after CONNECT, before CONNACK
            chair.publish(topic, b"%03d" % n)
        relay.release()

        wait_until(lambda: {int(p) for p in inbox.payloads(topic)} == set(range(220)), "all 220")
        first_seen = list(dict.fromkeys(int(p) for p in inbox.payloads(topic)))
        assert first_seen == list(range(220))
        chair.stop()   # before the relay goes: a connected client stops at once


def test_subscriptions_are_made_again_after_the_broker_restarts(
        broker: Broker, bus_client: MakeClient) -> None:
    inbox = Inbox()
    central = bus_client(broker.url, "central", on_message=inbox, subscribe=["t/#"])
    chair = bus_client(broker.url, "chair-1")
    connected(central, chair)
    broker.stop()          # a clean restart without persistence of this (clean) session
    (broker.data / "mosquitto.db").unlink()
    state_is(central, BusState.DISCONNECTED)
    broker.restart()
    connected(central, chair)

    def sent_and_heard() -> bool:
        # Sent again until heard: the central's new SUBSCRIBE and this PUBLISH travel on two
        # connections, so the first may reach the broker before the subscription.
        chair.publish("t/after", b"x")
        return b"x" in inbox.payloads("t/after")

    wait_until(sent_and_heard, "a message after the restart", interval=0.1)


# --- the Last Will ------------------------------------------------------------------------------

_CHILD = """
import sys
from console.clock import SystemClock
from console.network.mqtt_bus import BusClient, BusConfig, Will
url, topic = sys.argv[1:3]
client = BusClient(BusConfig(url), client_id="chair-7", clock=SystemClock(),
                   will=Will(topic, b'{"online": false, "reason": "connection lost"}'))
client.publish(topic, b'{"online": true}', retain=True,
               on_delivered=lambda: print("online", flush=True))
client.start()
sys.stdin.read()   # until killed
"""


def test_the_will_is_published_and_retained_when_the_chair_process_is_killed(
        broker: Broker, bus_client: MakeClient) -> None:
    topic = "infusion/chair/chair-7/status"
    inbox = Inbox()
    central = bus_client(broker.url, "central", on_message=inbox, subscribe=[topic])
    connected(central)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, broker.url, topic], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"online\n"
        wait_until(lambda: inbox.payloads() == [b'{"online": true}'], "the online status")
        child.kill()   # SIGKILL: no DISCONNECT, the socket just closes
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    wait_until(lambda: len(inbox.payloads()) == 2, "the will")
    assert inbox.payloads()[1] == b'{"online": false, "reason": "connection lost"}'
    # Retained: a central station started later sees the chair offline, not online.
    late = Inbox()
    bus_client(broker.url, "late-central", on_message=late, subscribe=[topic])
    wait_until(lambda: late.payloads() == [b'{"online": false, "reason": "connection lost"}'],
               "the retained will")


def test_a_retained_message_queued_for_a_persistent_session_says_how_long_the_broker_held_it(
        broker: Broker, bus_client: MakeClient) -> None:
    # A chair's status queued for the central while it was away comes without the retain flag;
    # the broker's remaining expiry (RETAINED_LIFETIME_S) is how the central tells it from news.
    topic = "infusion/chair/chair-1/status"
    arrived: list[tuple[str, bytes, bool, int | None]] = []
    central = bus_client(broker.url, "central", subscribe=["infusion/chair/chair-1/#"],
                         persistent_session=True, on_message_aged=lambda *m: arrived.append(m))
    connected(central)
    central.stop(timeout=1.0)
    chair = bus_client(broker.url, "chair-1")
    sent: list[str] = []
    chair.publish(topic, b"status", retain=True, on_delivered=lambda: sent.append("status"))
    chair.publish(topic + "-x", b"news", on_delivered=lambda: sent.append("news"))
    wait_until(lambda: len(sent) == 2, "both at the broker")
    again = bus_client(broker.url, "central", persistent_session=True,
                       on_message_aged=lambda *m: arrived.append(m))
    again.subscribe("infusion/chair/chair-1/#")
    wait_until(lambda: any(m[1] == b"news" for m in arrived), "the queued messages")
    queued = [m for m in arrived if m[1] == b"status" and not m[2]]
    assert queued, arrived
    assert all(isinstance(m[3], int) and 0 <= m[3] <= 60 for m in queued), queued
    assert [m[3] for m in arrived if m[1] == b"news"] == [None]   # not published retained


@pytest.mark.parametrize(("left", "held"), [
    (RETAINED_LIFETIME_S, 0),
    (RETAINED_LIFETIME_S - 300, 300),             # queued five minutes
    (3 * 24 * 3600, None),   # a broker keeping 3 days at most (ApsaraMQ): unknowable
    (RETAINED_LIFETIME_S + 1, None),              # another sender's lifetime
    (None, None),                                 # no expiry (published before, or not ours)
])
def test_the_time_a_broker_held_a_message_is_known_only_when_it_can_be(left, held) -> None:
    # A review of the change: a broker that shortens the lifetime made a status sent that second
    # read as held for 4 days, and the central showed every live chair without connection.
    message = mqtt.MQTTMessage()
    if left is not None:
        message.properties = Properties(PacketTypes.PUBLISH)
        message.properties.MessageExpiryInterval = left
    assert held_s(message) == held


def test_a_clean_stop_does_not_fire_the_will(broker: Broker, bus_client: MakeClient) -> None:
    from console.network.mqtt_bus import Will

    topic = "infusion/chair/chair-1/status"
    chair = bus_client(broker.url, "chair-1", will=Will(topic, b"will"))
    connected(chair)
    chair.publish(topic, b"offline: session ended", retain=True)
    chair.stop()

    # A station connecting afterwards sees the chair's own last word, not the will.
    late = Inbox()
    bus_client(broker.url, "late-central", on_message=late, subscribe=[topic])
    wait_until(lambda: late.payloads() != [], "the retained status")
    assert late.payloads() == [b"offline: session ended"]


# --- addresses and connection errors ------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("mqtt://10.0.0.5", ("mqtt", "10.0.0.5", 1883)),
    ("mqtts://broker.clinic.lan", ("mqtts", "broker.clinic.lan", 8883)),
    ("mqtts://broker.clinic.lan:9883/", ("mqtts", "broker.clinic.lan", 9883)),
    ("mqtt://[::1]:1884", ("mqtt", "::1", 1884)),
])
def test_broker_addresses_are_read_with_default_ports(url: str, expected: tuple[str, str, int]
                                                      ) -> None:
    assert parse_bus_url(url) == expected


@pytest.mark.parametrize(("url", "message"), [
    ("http://broker:1883", "broker address 'http://broker:1883' has the scheme 'http': write it "
                           "as mqtts://host[:8883] (TLS) or mqtt://host[:1883]"),
    ("broker.clinic.lan:8883", "has no scheme"),
    ("mqtts://", "broker address 'mqtts://' has no host"),
    ("mqtts://broker:99999", "has a bad port"),
    ("mqtts://broker:port", "has a bad port"),
    ("mqtts://chair:secret@broker", "holds a user name or password: give them as username and "
                                    "password_file in network.toml (central.toml at a central "
                                    "station), never in the address"),
    ("mqtts://broker/infusion", "has a path or query"),
    ("mqtts://[::1:8883", "broker address 'mqtts://[::1:8883' is not a URL (Invalid IPv6 URL): "
                          "write it as mqtts://host[:8883]"),
    ("mqtts://broker:0", "broker address 'mqtts://broker:0' has port 0: the port is a number "
                         "1-65535"),
])
def test_a_bad_broker_address_is_refused_saying_what_is_allowed(
        url: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        BusClient(BusConfig(url), client_id="chair-1", clock=ManualClock())
    assert message in str(caught.value)
    assert "secret" not in str(caught.value) or "secret" in url


def test_a_password_in_the_address_is_refused_without_printing_it() -> None:
    with pytest.raises(ValueError) as caught:
        parse_bus_url("mqtts://chair:s3cret@broker:8883", "--broker")
    assert str(caught.value) == (
        "--broker 'mqtts://chair:***@broker:8883' holds a user name or password: give them as "
        "username and password_file in network.toml (central.toml at a central station), never "
        "in the address")


def test_plain_mqtt_to_another_machine_is_refused_unless_allowed() -> None:
    with pytest.raises(ValueError) as caught:
        BusClient(BusConfig("mqtt://10.0.0.5:1883"), client_id="chair-1", clock=ManualClock())
    assert str(caught.value) == (
        "refusing to send patient data unencrypted to mqtt://10.0.0.5:1883: use mqtts://, or set "
        "allow_plaintext = true in network.toml (central.toml at a central station) or give "
        "--allow-plaintext")
    # Loopback never leaves the machine; allow_plaintext is the clinic's explicit choice.
    for url in ("mqtt://127.0.0.1:1883", "mqtt://127.8.9.10", "mqtt://localhost", "mqtt://[::1]"):
        check_plaintext(BusConfig(url))
    check_plaintext(BusConfig("mqtt://10.0.0.5", allow_plaintext=True))


def test_the_password_is_never_shown() -> None:
    config = BusConfig("mqtts://broker.clinic:8883", username="chair-3", password="s3cret-pw")
    assert config.describe() == "mqtts://broker.clinic:8883 as chair-3"
    assert "s3cret-pw" not in repr(config)
    client = BusClient(config, client_id="chair-3", clock=ManualClock())
    assert "s3cret-pw" not in client.status().detail


def test_no_broker_on_the_port_is_reported_as_connection_refused(bus_client: MakeClient) -> None:
    with reserve_port() as port:   # held, never listening: refused, and no one else's meanwhile
        url = f"mqtt://127.0.0.1:{port}"
        statuses: list[BusStatus] = []
        clock = ManualClock()
        chair = bus_client(url, "chair-1", clock=clock, on_status=statuses.append)

        state_is(chair, BusState.DISCONNECTED)
        status = chair.status()
        assert status.detail == (
            f"cannot connect to the broker {url}: connection refused (is the broker running and "
            "listening on that port?); retrying")
        assert status.since_mono == clock.now().mono
        assert [s.state for s in statuses] == [BusState.CONNECTING, BusState.DISCONNECTED]
        chair.stop(timeout=1.0)   # while the port is still held


def test_a_broker_host_name_dns_cannot_carry_is_named_and_tried_again_not_a_dead_thread(
        bus_client: MakeClient, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # "broker..clinic.lan" (a typo): Python's IDNA codec refuses it inside getaddrinfo with a
    # UnicodeError, which paho does not catch: its network thread ended, a traceback on stderr,
    # and the status said "connecting" for good. The settings refuse it at load (the chair's
    # and the central's); a client given it anyway says it and tries again.
    died: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: died.append(args.exc_value))
    caplog.set_level(logging.DEBUG, logger="console.network.mqtt_bus.paho")
    url = "mqtts://broker..clinic.lan:8883"
    chair = bus_client(BusConfig(url, username="chair-1", password="x"), "chair-1")

    def attempts() -> int:
        return sum("Connection failed, retrying" in r.getMessage() for r in caplog.records)

    wait_until(lambda: attempts() >= 2 or bool(died), "two connection attempts")
    assert not died, f"paho's thread ended: {died!r}; the status said {chair.status().detail}"
    assert chair.status().state is BusState.DISCONNECTED
    assert chair.status().detail == (
        f"cannot find the broker host 'broker..clinic.lan' of {url}: not a valid host name: an "
        "empty part (two dots in a row, or a dot first); check the broker address; retrying")


def test_qos_other_than_1_and_wildcard_topics_are_refused(bus_client: MakeClient) -> None:
    chair = bus_client("mqtt://127.0.0.1:1", "chair-1", start=False)
    with pytest.raises(ValueError, match="the clinic bus sends QoS 1 only"):
        chair.publish("t/x", b"x", qos=0)
    with pytest.raises(ValueError, match="wildcards are for subscriptions"):
        chair.publish("infusion/chair/+/status", b"x")
    # Published before start(): queued, not lost.
    chair.publish("t/x", b"x")
    assert chair.status().unconfirmed == 1
    assert chair.status().state is BusState.NOT_STARTED


def test_the_status_keeps_its_since_while_only_its_sentence_changes():
    """The link's 10 s / 60 s network alarm counts from `since_mono`: a broker that refuses
    with new words at every retry must not restart that count (both bus clients use this rule)."""
    clock = ManualClock()
    down = BusStatus(BusState.DISCONNECTED, "refused: server unavailable", clock.now().mono, 0,
                     None)
    clock.advance(30)
    again = next_status(down, BusState.DISCONNECTED, "refused: connection reset", clock)
    assert again is not None and again.detail == "refused: connection reset"
    assert again.since_mono == down.since_mono
    assert next_status(again, BusState.DISCONNECTED, "refused: connection reset", clock) is None
    up = next_status(again, BusState.CONNECTED, "connected", clock)
    assert up is not None and up.since_mono == clock.now().mono
    stopped = BusStatus(BusState.STOPPED, "stopped", clock.now().mono, 0, None)
    assert next_status(stopped, BusState.CONNECTING, "connecting", clock) is None


class _Reconnected:
    """paho's client as `_handle_connect` uses it, for a reconnect driven by hand."""

    def drop_out_messages(self) -> None:
        pass

    def subscribe(self, *_: object) -> None:
        pass


def test_refusals_are_logged_once_in_full_then_summed_up_once_a_minute_across_reconnects(
        caplog: pytest.LogCaptureFixture) -> None:
    # A chair named unlike its account, reconnecting every second (another console took its
    # connection each time): 43 ERROR lines in 40 s, one per topic per connection, and the
    # status counted "1" after each reconnect (the clinic IT audit).
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.reasoncodes import ReasonCode

    from console.network.mqtt_bus import REFUSAL_LOG_PERIOD_S, Pending

    clock = ManualClock(START)
    client = BusClient(BusConfig("mqtt://127.0.0.1:1"), client_id="chair-2", clock=clock)
    accepted = ReasonCode(PacketTypes.CONNACK, "Success")
    refused = ReasonCode(PacketTypes.PUBACK, "Not authorized")
    mids = iter(range(1, 1000))

    def reconnect_and_refuse(topic: str = "infusion/chair/chair-1/pcd01") -> None:
        client._handle_connect(_Reconnected(), None, None, accepted, None)  # type: ignore[arg-type]
        mid = next(mids)
        entry = Pending(topic, b"x", False, None, clock.now().mono, None, mid)
        client._queue.append(entry)
        client._by_mid[mid] = entry
        client._handle_puback(None, None, mid, refused, None)  # type: ignore[arg-type]

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if " refused " in r.getMessage()]

    # Forty seconds, a reconnect and a refusal each, on two topics: one line, the first.
    for second in range(40):
        reconnect_and_refuse("infusion/chair/chair-1/status" if second % 2 else
                             "infusion/chair/chair-1/pcd01")
        clock.advance(1)
    assert len(lines()) == 1
    assert lines()[0].startswith("mqtt://127.0.0.1:1 refused the message to "
                                 "infusion/chair/chair-1/pcd01: not authorised (check")
    assert lines()[0].endswith("further refusals are summed up here at most every 60 s")
    # The status line counts them since the start, and on this connection.
    assert client.status().detail == (
        "connected to mqtt://127.0.0.1:1; 40 messages refused by the broker since the start "
        "(1 on this connection), the last to infusion/chair/chair-1/status: not authorised "
        "(check that this station's name matches its account, and the broker's ACL)")

    # A minute after the first line, the next refusal sums up all since it.
    clock.advance(REFUSAL_LOG_PERIOD_S - 40)
    reconnect_and_refuse()
    assert lines()[1:] == ["mqtt://127.0.0.1:1 refused 40 more message(s) (41 since the start), "
                           "the last to infusion/chair/chair-1/pcd01: not authorised"]
    # What no line said yet is said at the stop, never lost.
    clock.advance(1)
    reconnect_and_refuse()
    client.stop(timeout=0.1)
    assert lines()[2:] == ["mqtt://127.0.0.1:1 refused 1 more message(s) (42 since the start), "
                           "the last to infusion/chair/chair-1/pcd01: not authorised"]


# --- subscriptions -------------------------------------------------------------------------------


@pytest.fixture
def reading_only_allowed(tmp_path: Path) -> Iterator[Broker]:
    """A broker whose ACL lets anonymous clients subscribe under allowed/# only."""
    made = Broker(tmp_path / "broker", subscribe_only_under=["allowed/#"]).start()
    yield made
    made.stop()


def test_a_subscription_the_broker_refuses_is_said_in_the_status_not_silent(
        reading_only_allowed: Broker, bus_client: MakeClient) -> None:
    # An ACL that does not let this account read the chairs (EMQX, HiveMQ, Mosquitto's dynamic
    # security: SUBACK 0x87): the station was connected and blind, only a log line said why.
    url = reading_only_allowed.url
    client = bus_client(url, "central", start=False)
    client.subscribe("allowed/#")
    client.subscribe("infusion/chair/#")
    client.start()
    wait_until(lambda: client.subscribed("allowed/#"), "the granted subscription")
    wait_until(lambda: bool(client.status().refused_subscriptions), "the refusal")
    status = client.status()
    assert status.state is BusState.CONNECTED
    assert status.refused_subscriptions == (("infusion/chair/#", "not authorised"),)
    assert status.detail == (
        f"connected to {url}; the broker refused the subscription to infusion/chair/# (not "
        "authorised): nothing published there reaches this station (check what the broker's "
        "ACL lets anonymous clients read)")
    assert not client.subscribed("infusion/chair/#")
    # One made while connected (the owner's thread, not on_connect) is answered the same.
    client.subscribe("infusion/central/#")
    wait_until(lambda: len(client.status().refused_subscriptions) == 2, "the second refusal")
    client.subscribe("allowed/more")
    wait_until(lambda: client.subscribed("allowed/more"), "a later granted subscription")
    assert [f for f, _ in client.status().refused_subscriptions] == [
        "infusion/chair/#", "infusion/central/#"]


def test_a_suback_that_comes_before_subscribe_returns_is_not_lost(
        reading_only_allowed: Broker, bus_client: MakeClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # paho's thread may read the SUBACK before subscribe() on the owner's thread learns the
    # packet id: held here until that happened, as a busy machine can order them.
    client = bus_client(reading_only_allowed.url, "central")
    connected(client)
    paho_subscribe = client._mqtt.subscribe

    def answered_first(topic_filter: str, qos: int) -> tuple[object, int | None]:
        rc, mid = paho_subscribe(topic_filter, qos)
        wait_until(lambda: mid in client._early_subacks, "the SUBACK read first")
        return rc, mid

    monkeypatch.setattr(client._mqtt, "subscribe", answered_first)
    client.subscribe("allowed/#")
    client.subscribe("denied/#")
    assert client.subscribed("allowed/#")
    assert client.status().refused_subscriptions == (("denied/#", "not authorised"),)
