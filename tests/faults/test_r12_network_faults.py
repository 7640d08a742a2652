"""R12: the clinic network fails under a running session: the broker is killed and restarted, the
network is cut (a TCP proxy that stops forwarding), a chair's console is SIGKILLed.

The chair is the console's real path without widgets (benchmarks/clinic_chair.py: a monitor on a
real pty -> DeviceConnection -> feed.apply -> SessionEngine on a real EventLog with the outbox ->
NetworkLink -> BusClient), in this process with a ManualClock for (a) and (b), as its own process
for (c). The broker is a real Mosquitto (tests/mosquitto.py). The central station is its real
model: `Board` with its real `CentralLog` file, fed by a real `BusClient` with the central's
persistent session (as console/central/app.py makes it), on this test's thread.

What is checked, from the issue:
- the bedside is unaffected: every monitor message is committed (and acknowledged AA to the
  monitor) during the fault, and its own alarms still raise (SpO2 86 during the fault: high);
- the network technical alarm comes within 10 s of the bus not confirming (the injected clock:
  not at 9 s, at 10 s);
- everything is delivered after, in order: every outbox row of the chair gets its delivery row,
  and the central log holds every control id once, in the chair's outbox order;
- no duplicate shown at the central: each control id is in the central log once (its UNIQUE
  key); duplicates that arrive are counted by the board and change nothing;
- (c) a console SIGKILLed: "no connection" at the central within 10 s (its Last Will, or 10 s
  without status); the messages it had committed but not sent go after its restart, with the
  same control ids.

The broker is made to save its state before it is killed in (a): the clinic's configuration
saves every 60 s (console/network/broker_setup.py `autosave_interval 60`), so the central
station's persistent session (subscription and queue) survives a crash as it does in a clinic;
the test broker saves only when asked.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks.clinic_chair import ChairProcess, ClinicChair, Monitor, chair_args, chair_rows
from console.central.board import Board
from console.central.central_log import CentralLog
from console.clock import ManualClock, SystemClock, parse_iso
from console.network import bus_topics as topics
from console.network.config import NetworkConfig
from console.network.mqtt_bus import BusClient, BusConfig, BusState
from console.session.engine import NETWORK_UNCONFIRMED
from protocols.model import Priority
from tests.mosquitto import Broker
from tests.network.conftest import wait_subscribed
from tests.tcp_relay import TcpRelay, close_socket

pytestmark = pytest.mark.faults

CHAIR = "chair-1"


# ---- the central station's model on a real bus --------------------------------------------


class Central:
    """Board + CentralLog + a persistent BusClient; messages applied on the test's thread."""

    def __init__(self, url: str, db: Path) -> None:
        self.clock = SystemClock()
        self.log = CentralLog.open(db)
        self.inbox: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self.bus = BusClient(BusConfig(url), client_id="central-r12", clock=self.clock,
                             on_message=lambda t, p: self.inbox.put((t, p)),
                             persistent_session=True)
        self.board = Board("r12", self.log,
                           lambda t, p, q, r: self.bus.publish(t, p, qos=q, retain=r))
        self.bus.subscribe(topics.all_chairs_filter())
        self.bus.start()

    def process(self) -> None:
        now = self.clock.now()
        status = self.bus.status()
        self.board.set_bus(status.state is BusState.CONNECTED, status.detail, now)
        while True:
            try:
                topic, payload = self.inbox.get_nowait()
            except queue.Empty:
                break
            self.board.receive(topic, payload, self.clock.now())
        self.board.tick(self.clock.now())

    def connected(self, chair: str) -> bool:
        if chair not in self.board.chairs:
            return False
        return self.board.card(chair, self.clock.now()).connected

    def control_ids(self, chair: str) -> list[str]:
        """PCD-01/PCD-04 control ids the central logged (shown), in the order they came."""
        return [r[0] for r in self.log.conn.execute(
            "SELECT control_id FROM received WHERE chair = ? AND control_id IS NOT NULL "
            "ORDER BY id", (chair,))]

    def close(self) -> None:
        self.bus.stop(1.0)
        self.log.close()


# ---- a network that can be cut ------------------------------------------------------------


class CuttableProxy(TcpRelay):
    """A TCP proxy to the broker that can stop forwarding, like a pulled cable or a dead switch.

    Forwarding: bytes go both ways and a close on one side closes the other. `cut()`: from then
    on nothing crosses, in either direction, and a close does not cross either (the other side
    never hears of it); connections made while cut are accepted and hear nothing. `restore()`:
    the connections of the cut are closed (their streams lost bytes), new ones forward again.
    The `proxy` fixture makes one and closes it (listener, connections, threads) after the test.
    """

    def __init__(self, upstream_port: int) -> None:
        super().__init__("proxy")
        self.upstream = ("127.0.0.1", upstream_port)
        self.cut_now = False
        self._generation_lock = threading.Lock()
        self._generation = 0
        self._sockets_by_generation: list[tuple[int, socket.socket]] = []

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def accepted(self, client: socket.socket) -> None:
        with self._generation_lock:
            generation = self._generation
            self._sockets_by_generation.append((generation, client))
            cut = self.cut_now
        if cut:
            self.spawn(self._pipe, client, None, generation)
            return
        upstream = self.connect(self.upstream, client)
        if upstream is None:
            return
        with self._generation_lock:
            self._sockets_by_generation.append((generation, upstream))
        self.spawn(self._pipe, client, upstream, generation)
        self.spawn(self._pipe, upstream, client, generation)

    def _pipe(self, src: socket.socket, dst: socket.socket | None, generation: int) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            with self._generation_lock:
                dead = self.cut_now or generation != self._generation or dst is None
            if not data:
                if not dead and dst is not None:
                    close_socket(dst)
                close_socket(src)
                return
            if dead:
                continue   # the bytes are lost on the way
            try:
                assert dst is not None
                dst.sendall(data)
            except OSError:
                close_socket(src)
                return

    def cut(self) -> None:
        with self._generation_lock:
            self.cut_now = True
            self._generation += 1

    def restore(self) -> None:
        with self._generation_lock:
            old = [s for g, s in self._sockets_by_generation
                   if g != self._generation or self.cut_now]
            self._sockets_by_generation = [(g, s) for g, s in self._sockets_by_generation
                                           if s not in old]
            self._generation += 1
            self.cut_now = False
        for s in old:
            close_socket(s)

    def drop_clients(self) -> None:
        """Close the chairs' side of every connection of the cut (as the chair's own TCP stack
        does when its retransmissions time out): the client hears of the loss at once."""
        with self._generation_lock:
            cut = [s for g, s in self._sockets_by_generation if g != self._generation]
        for s in cut:
            close_socket(s)



# ---- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    made = Broker(tmp_path / "broker").start()
    yield made
    made.kill()


@pytest.fixture
def central(broker: Broker, tmp_path: Path) -> Iterator[Central]:
    made = Central(broker.url, tmp_path / "central.sqlite3")
    try:
        # Subscribed before a chair publishes: the chairs' messages are not retained, and its
        # persistent session begins with this first connection.
        wait_subscribed(made.bus, [topics.all_chairs_filter()])
        yield made
    finally:
        made.close()


@pytest.fixture
def proxy(broker: Broker) -> Iterator[CuttableProxy]:
    """A cuttable proxy to the broker, listening; closed with its connections and threads
    after the test (before the broker goes)."""
    with CuttableProxy(broker.port) as made:
        yield made


@pytest.fixture
def monitor() -> Iterator[Monitor]:
    made = Monitor()
    yield made
    made.close()


def until(predicate: Callable[[], bool], timeout: float, what: str,
          step: Callable[[], None] = lambda: time.sleep(0.02)) -> float:
    """Run `step` until `predicate` holds; the time.monotonic() it did. Deadline-bounded poll
    for what happens in real time (a broker, a socket, another process)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        step()
    return time.monotonic()


class Bedside:
    """An in-process chair on a ManualClock, its monitor and the central, driven together."""

    def __init__(self, db: Path, url: str, monitor: Monitor, central: Central) -> None:
        self.clock = ManualClock(datetime.now(UTC).replace(microsecond=0), mono=5000.0)
        self.chair = ClinicChair(db, NetworkConfig(broker=url, chair=CHAIR, room="Room 1"),
                                 self.clock, device=monitor.path)
        self.monitor = monitor
        self.central = central
        self.chair.start()
        self.sent = 0
        # The port is open (pyserial empties its input as it opens: frames go after).
        engine = self.chair.engine
        assert engine is not None
        self.until(lambda: engine.device_state in ("connecting", "connected"), 10,
                   "the monitor's port opened")

    def turn(self) -> None:
        self.chair.step(0.01)
        self.central.process()

    def until(self, predicate: Callable[[], bool], timeout: float, what: str) -> float:
        return until(predicate, timeout, what, self.turn)

    def frame(self, spo2: int | None = None) -> None:
        """One monitor message, one second later on the chair's clock; waits for its commit
        (the monitor's ACK) and gives the link its turn, as the window's timers would."""
        self.clock.advance(1.0)
        acks = self.monitor.stats.acks
        self.monitor.send(spo2)
        self.sent += 1
        self.until(lambda: self.chair.frames >= self.sent, 5, "the frame applied")
        self.until(lambda: self.monitor.stats.acks > acks or self._drain(), 5, "its ACK")
        self.chair.pump()

    def _drain(self) -> bool:
        self.monitor.sink.wait(0.0, self.monitor.stats)
        return False

    def network_alarm(self) -> Priority | None:
        engine = self.chair.engine
        assert engine is not None
        for o in engine.alarms():
            if o.condition == NETWORK_UNCONFIRMED:
                return o.priority
        return None

    def high_spo2(self) -> bool:
        engine = self.chair.engine
        assert engine is not None
        return any(o.condition == "spo2_low" and o.priority is Priority.HIGH
                   for o in engine.alarms())

    def outbox(self) -> list[str]:
        return [r[0] for r in self.chair.log.conn.execute(
            "SELECT control_id FROM outbox ORDER BY id")]

    def undelivered(self) -> int:
        return int(self.chair.log.conn.execute(
            "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM deliveries d "
            "WHERE d.outbox_id = o.id AND d.outcome = 'delivered')").fetchone()[0])

    def observations(self) -> int:
        return int(self.chair.log.conn.execute(
            "SELECT count(*) FROM observations WHERE source LIKE 'hl7:%'").fetchone()[0])

    def bus_state(self) -> BusState:
        link = self.chair.link
        assert link is not None and link.bus is not None
        return link.bus.status().state

    def close(self) -> None:
        self.chair.stop()


def fault_window(bedside: Bedside, seconds: int) -> dict[str, float]:
    """`seconds` monitor messages one second apart while the bus cannot confirm (the third
    SpO2 86, the sixth 97 again), checking at each that the bedside raised its own alarm, and
    when the network alarm came on the chair's clock.

    Returns: rows and ACKs of the window; `silent_s`, the seconds from the bus's last
    confirmation (its last `deliveries` row) to the alarm, and `waiting_s`, from the oldest
    message the bus had not confirmed (or the loss of the connection) to the alarm.
    """
    start_rows = bedside.observations()
    start_acks = bedside.monitor.stats.acks
    link = bedside.chair.link
    assert link is not None and link.bus is not None
    last = bedside.chair.log.conn.execute(
        "SELECT max(at) FROM deliveries WHERE destination = 'bus'").fetchone()[0]
    assert last is not None, "the bus confirmed nothing before the fault window"
    now = bedside.clock.now()
    confirmed = now.mono - (now.wall - parse_iso(last)).total_seconds()
    waiting: float | None = None
    alarm: dict[str, float] = {}
    for i in range(1, seconds + 1):
        bedside.frame(spo2=86 if i == 3 else (97 if i == 6 else None))
        if i == 3:
            assert bedside.high_spo2(), "the bedside's own alarm did not raise during the fault"
        status = link.bus.status()
        since = status.oldest_unconfirmed_mono if status.state is BusState.CONNECTED \
            else status.since_mono
        if waiting is None:
            waiting = since
        mono = bedside.clock.now().mono
        if bedside.network_alarm() is not None and not alarm:
            assert waiting is not None
            alarm = {"silent_s": mono - confirmed, "waiting_s": mono - waiting}
    assert alarm, f"no network alarm within {seconds} s"
    return {**alarm, "rows": bedside.observations() - start_rows,
            "acks": bedside.monitor.stats.acks - start_acks}


def check_delivered_in_order(bedside: Bedside, central: Central, timeout: float) -> None:
    bedside.until(lambda: bedside.undelivered() == 0, timeout, "every outbox row delivered")
    sent = bedside.outbox()
    bedside.until(lambda: len(set(central.control_ids(CHAIR))) >= len(sent), timeout,
                  "every message at the central")
    shown = central.control_ids(CHAIR)
    assert len(shown) == len(set(shown)), "a control id logged (shown) twice at the central"
    assert shown == sent, "the central logged the chair's messages out of order or not all"


# ---- (a) the broker killed and restarted --------------------------------------------------


def test_broker_killed_and_restarted_mid_session(
        tmp_path: Path, broker: Broker, central: Central, monitor: Monitor) -> None:
    bedside = Bedside(tmp_path / "chair.sqlite3", broker.url, monitor, central)
    try:
        bedside.until(lambda: bedside.bus_state() is BusState.CONNECTED, 10, "chair connected")
        for _ in range(3):
            bedside.frame()
        bedside.until(lambda: len(central.control_ids(CHAIR)) == len(bedside.outbox()), 10,
                      "the central has everything before the fault")
        # ... and the bus has confirmed it (the window measures from its last confirmation;
        # the PUBACK can reach the chair a turn after the message reached the central).
        bedside.until(lambda: bedside.undelivered() == 0, 10, "the bus confirmed it all")
        broker.save()
        broker.kill()
        bedside.until(lambda: bedside.bus_state() is not BusState.CONNECTED, 5,
                      "the chair noticed the broker gone")
        seen = fault_window(bedside, 12)
        assert seen["rows"] >= 12 * 4   # HR, pulse rate, SpO2, RR of each message
        assert seen["acks"] == 12, "a monitor message was not acknowledged during the outage"
        assert seen["silent_s"] >= 10.0, f"network alarm before 10 s without confirmation: {seen}"
        assert seen["waiting_s"] <= 10.0, f"network alarm later than 10 s: {seen}"
        assert bedside.network_alarm() is Priority.LOW
        broker.restart()
        check_delivered_in_order(bedside, central, 30)
        bedside.until(lambda: bedside.network_alarm() is None, 10, "the network alarm ended")
        assert bedside.chair.log.verify().ok
        print(f"\nR12a broker killed: network alarm {seen['silent_s']:.0f} s after the "
              f"bus's last confirmation; {len(bedside.outbox())} messages at the central once, "
              f"in order; duplicates dropped by the board: {central.board.duplicates}")
    finally:
        bedside.close()


# ---- (b) the network cut ------------------------------------------------------------------


def test_network_cut_by_a_proxy_that_stops_forwarding(
        tmp_path: Path, broker: Broker, central: Central, monitor: Monitor,
        proxy: CuttableProxy) -> None:
    bedside = Bedside(tmp_path / "chair.sqlite3", proxy.url, monitor, central)
    try:
        bedside.until(lambda: bedside.bus_state() is BusState.CONNECTED, 10, "chair connected")
        for _ in range(3):
            bedside.frame()
        bedside.until(lambda: len(central.control_ids(CHAIR)) == len(bedside.outbox()), 10,
                      "the central has everything before the cut")
        # ...and the chair has its confirmations: the window counts from the last of them.
        bedside.until(lambda: bedside.undelivered() == 0, 10, "everything confirmed before the cut")
        cut_at = time.monotonic()
        proxy.cut()
        seen = fault_window(bedside, 12)
        assert seen["acks"] == 12 and seen["rows"] >= 12 * 4
        assert seen["silent_s"] >= 10.0, f"network alarm before 10 s without confirmation: {seen}"
        assert seen["waiting_s"] <= 10.0, f"network alarm later than 10 s: {seen}"
        # Nothing told the client: its keepalive (5 s, then 5 s for the PINGRESP) notices.
        noticed = bedside.until(lambda: bedside.bus_state() is not BusState.CONNECTED, 15,
                                "the client's keepalive noticing the cut")
        # The broker's side: no packet for 1.5 x keepalive, the chair's Last Will.
        bedside.until(lambda: not central.connected(CHAIR), 15, "the central: no connection")
        proxy.restore()
        check_delivered_in_order(bedside, central, 40)
        bedside.until(lambda: central.connected(CHAIR), 10, "the central: connected again")
        bedside.until(lambda: bedside.network_alarm() is None, 10, "the network alarm ended")
        print(f"\nR12b network cut: network alarm {seen['silent_s']:.0f} s after the bus's "
              f"last confirmation ({seen['waiting_s']:.0f} s after the first message it did not "
              f"confirm); keepalive noticed {noticed - cut_at:.1f} s after the cut; "
              f"{len(bedside.outbox())} messages at the central once, in order; duplicates "
              f"dropped by the board: {central.board.duplicates}")
    finally:
        bedside.close()


def test_the_network_alarm_holds_when_the_loss_is_noticed_after_messages_waited(
        tmp_path: Path, broker: Broker, central: Central, monitor: Monitor,
        proxy: CuttableProxy) -> None:
    bedside = Bedside(tmp_path / "chair.sqlite3", proxy.url, monitor, central)
    try:
        bedside.until(lambda: bedside.bus_state() is BusState.CONNECTED, 10, "chair connected")
        bedside.frame()
        # The window measures from the bus's last confirmation: have one before the cut.
        bedside.until(lambda: bedside.undelivered() == 0, 10, "the first message confirmed")
        proxy.cut()
        fault_window(bedside, 11)
        assert bedside.network_alarm() is not None
        proxy.drop_clients()
        bedside.until(lambda: bedside.bus_state() is not BusState.CONNECTED, 5,
                      "the client noticing the loss")
        bedside.clock.advance(1.0)
        bedside.chair.pump()
        assert bedside.network_alarm() is not None, \
            "the network alarm ended when the client noticed the loss (nothing confirmed 12 s)"
    finally:
        bedside.close()


# ---- (c) a chair's console SIGKILLed ------------------------------------------------------


def test_chair_killed_shows_no_connection_and_sends_its_pending_messages_after_restart(
        tmp_path: Path, broker: Broker, central: Central, monitor: Monitor,
        proxy: CuttableProxy) -> None:
    db = tmp_path / "chair.sqlite3"
    chair = ChairProcess(CHAIR, db, chair_args(proxy.url, monitor.path, room="Room 1")).start()
    try:
        def frames(n: int) -> None:
            for _ in range(n):
                acks = monitor.stats.acks
                monitor.send()
                until(lambda: monitor.stats.acks > acks or _drain(monitor), 5, "an ACK",
                      central.process)

        def first_frame() -> None:
            # The chair opens the port after its ready line; what comes before is emptied.
            for _ in range(20):
                acks = monitor.stats.acks
                monitor.send()
                try:
                    until(lambda: monitor.stats.acks > acks or _drain(monitor), 0.5,
                          "an ACK", central.process)
                    return
                except AssertionError:
                    continue
            raise AssertionError("the chair never acknowledged a monitor message")

        def outbox() -> list[tuple[int, str]]:
            return [(int(r[0]), str(r[1])) for r in chair_rows(
                db, "SELECT id, control_id FROM outbox ORDER BY id")]

        first_frame()
        frames(2)
        until(lambda: central.connected(CHAIR) and len(central.control_ids(CHAIR)) >= 3, 10,
              "the central has the chair", central.process)
        # Killed on a working network: its socket closes with it, the broker sends its will.
        killed = time.monotonic()
        chair.kill()
        plain_gone = until(lambda: not central.connected(CHAIR), 10,
                           "the central: no connection within 10 s of the kill", central.process)
        plain_reason = central.board.chairs[CHAIR].will_reason or "no status for 10 s"
        chair = ChairProcess(CHAIR, db, chair_args(proxy.url, monitor.path,
                                                   room="Room 1")).start()
        first_frame()
        until(lambda: central.connected(CHAIR), 10, "the central: connected again",
              central.process)
        before_cut = {oid for oid, _ in outbox()}
        # The network stops forwarding; the chair commits three more messages (AA: committed)
        # that it cannot send, and is killed: nothing reaches the broker, which hears of it
        # only by the chair's silence (1.5 x keepalive), or the central by 10 s without status.
        proxy.cut()
        frames(3)
        killed_cut = time.monotonic()
        chair.kill()
        cut_gone = until(lambda: not central.connected(CHAIR), 10,
                         "the central: no connection within 10 s of the kill", central.process)
        reason = central.board.chairs[CHAIR].will_reason or "no status for 10 s"
        delivered = {int(r[0]) for r in chair_rows(
            db, "SELECT outbox_id FROM deliveries WHERE outcome = 'delivered'")}
        pending = [cid for oid, cid in outbox() if oid not in delivered]
        during_cut = [cid for oid, cid in outbox() if oid not in before_cut]
        assert len(during_cut) >= 3 and set(during_cut) <= set(pending), (during_cut, pending)
        # What was committed during the cut never reached the central. A message sent just
        # before the cut may have reached it with its PUBACK lost on the way back: it is still
        # pending at the chair, goes again after the restart, and the central drops the copy.
        assert not set(during_cut) & set(central.control_ids(CHAIR))
        proxy.restore()
        chair = ChairProcess(CHAIR, db, chair_args(proxy.url, monitor.path,
                                                   room="Room 1")).start()
        until(lambda: set(pending) <= set(central.control_ids(CHAIR)), 20,
              "the pending messages at the central after the restart", central.process)
        until(lambda: central.connected(CHAIR), 10, "the central: connected again",
              central.process)
        shown = central.control_ids(CHAIR)
        assert len(shown) == len(set(shown)), "a control id logged (shown) twice"
        assert [c for c in shown if c in pending] == pending, "pending sent out of order"
        # The chair logs each PUBACK as a delivery at its next turn (link.pump).
        def logged() -> bool:
            after = {int(r[0]) for r in chair_rows(
                db, "SELECT outbox_id FROM deliveries WHERE outcome = 'delivered'")}
            return {oid for oid, cid in outbox() if cid in pending} <= after

        until(logged, 5, "the pending messages' deliveries in the chair's log", central.process)
        print(f"\nR12c chair SIGKILLed: 'no connection' at the central "
              f"{plain_gone - killed:.1f} s after the kill ({plain_reason}); killed behind a cut "
              f"network: {cut_gone - killed_cut:.1f} s ({reason}); {len(pending)} pending "
              f"messages sent after the restart with their control ids")
    finally:
        chair.stop()


def _drain(monitor: Monitor) -> bool:
    monitor.sink.wait(0.02, monitor.stats)
    return False
