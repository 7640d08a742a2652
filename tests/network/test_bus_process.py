"""The chair's bus client in a process of its own (console/network/bus_process.py, bus_worker.py):
what the link relies on must hold across the process boundary, against a real Mosquitto.

- every message given is confirmed once, in order, and counted as unconfirmed until then;
- a worker that dies is started again and sends every message still kept: nothing lost; one
  the system will not start again is tried every second, the cause in the status;
- a console that dies leaves the broker to publish its Last Will (the worker leaves at once);
- bad settings are refused in the console, with BusClient's words, before any process starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network.bus_process import BusProcessClient
from console.network.mqtt_bus import BusConfig, BusState, BusStatus, Will
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Confirmations:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.delivered: list[int] = []
        self.statuses: list[BusStatus] = []

    def callback(self, n: int) -> object:
        def delivered() -> None:
            with self.lock:
                self.delivered.append(n)
        return delivered

    def status(self, status: BusStatus) -> None:
        with self.lock:
            self.statuses.append(status)


@pytest.fixture
def made() -> Iterator[list[BusProcessClient]]:
    clients: list[BusProcessClient] = []
    yield clients
    for client in clients:
        client.stop(1.0)


def _client(made: list[BusProcessClient], url: str, seen: Confirmations,
            clock: ManualClock | None = None) -> BusProcessClient:
    client = BusProcessClient(BusConfig(url), client_id="chair-9", clock=clock or ManualClock(START),
                              on_status=seen.status)
    made.append(client)
    return client


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "in-batches"])
def test_every_message_is_confirmed_once_in_order_and_counted_until_then(
        broker: Broker, bus_client: MakeClient, made: list[BusProcessClient],
        batched: bool) -> None:
    """The same whether they come one by one or in batches (`publish_many`: the link's hand-off
    of a burst)."""
    heard: list[bytes] = []
    bus_client(broker.url, "central-test", subscribe=["infusion/chair/chair-9/#"],
               on_message=lambda _t, p: heard.append(p))
    seen = Confirmations()
    clock = ManualClock(START)
    client = _client(made, broker.url, seen, clock)
    client.start()
    wait_until(lambda: client.status().state is BusState.CONNECTED, "connected")
    topic = "infusion/chair/chair-9/pcd01"
    if batched:
        for first in range(0, 200, 25):
            client.publish_many([(topic, f"m{n}".encode(), seen.callback(n))  # type: ignore[misc]
                                 for n in range(first, first + 25)])
    else:
        for n in range(200):
            client.publish(topic, f"m{n}".encode(),
                           on_delivered=seen.callback(n))  # type: ignore[arg-type]
    status = client.status()
    assert status.unconfirmed >= 1 and status.oldest_unconfirmed_mono == clock.now().mono
    wait_until(lambda: len(seen.delivered) == 200, "200 PUBACKs")
    assert seen.delivered == list(range(200))
    wait_until(lambda: len(heard) == 200, "the subscriber heard them")
    assert heard == [f"m{n}".encode() for n in range(200)]
    assert client.status().unconfirmed == 0


def test_a_worker_that_dies_is_started_again_and_sends_what_it_kept(
        broker: Broker, bus_client: MakeClient, made: list[BusProcessClient]) -> None:
    heard: list[bytes] = []
    # A persistent session, saved by the broker before it dies: it keeps what comes for the
    # subscriber while it is away.
    central = bus_client(broker.url, "central-test", subscribe=["infusion/chair/chair-9/#"],
                         on_message=lambda _t, p: heard.append(p), persistent_session=True)
    seen = Confirmations()
    client = _client(made, broker.url, seen)
    client.start()
    wait_until(lambda: client.status().state is BusState.CONNECTED
               and central.status().state is BusState.CONNECTED, "connected")
    broker.save()
    broker.kill()   # nothing can be confirmed: every message stays kept
    wait_until(lambda: client.status().state is not BusState.CONNECTED, "the loss noticed")
    for n in range(5):
        client.publish("infusion/chair/chair-9/pcd01", f"m{n}".encode(),
                       on_delivered=seen.callback(n))  # type: ignore[arg-type]
    worker = client.worker_pid
    assert worker is not None
    os.kill(worker, signal.SIGKILL)
    wait_until(lambda: any("ended unexpectedly" in s.detail for s in seen.statuses),
               "the status says the network process ended")
    assert client.status().unconfirmed == 5
    wait_until(lambda: client.worker_pid not in (worker, None), "a new worker")
    broker.restart()
    wait_until(lambda: seen.delivered == list(range(5)), "the kept messages confirmed",
               timeout=15)
    wait_until(lambda: len(set(heard)) == 5, "heard")
    assert list(dict.fromkeys(heard)) == [f"m{n}".encode() for n in range(5)]


def test_a_worker_the_system_will_not_start_again_is_tried_until_it_starts(
        broker: Broker, made: list[BusProcessClient], monkeypatch: pytest.MonkeyPatch) -> None:
    """The interpreter gone (an upgrade replaced it) when the worker dies: the status names the
    cause, the messages stay kept, and they are confirmed once the system lets a worker start."""
    seen = Confirmations()
    client = _client(made, broker.url, seen)
    client.start()
    wait_until(lambda: client.status().state is BusState.CONNECTED, "connected")
    worker = client.worker_pid
    assert worker is not None
    real = sys.executable
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    os.kill(worker, signal.SIGKILL)
    wait_until(lambda: "could not be started (FileNotFoundError" in client.status().detail,
               "the status names the cause")
    for n in range(3):
        client.publish("infusion/chair/chair-9/pcd01", f"m{n}".encode(),
                       on_delivered=seen.callback(n))  # type: ignore[arg-type]
    assert client.status().state is BusState.DISCONNECTED and client.status().unconfirmed == 3
    monkeypatch.setattr(sys, "executable", real)
    wait_until(lambda: seen.delivered == list(range(3)), "the kept messages confirmed")
    assert client.worker_pid not in (worker, None)


_OWNER = """
import sys, time
from console.clock import SystemClock
from console.network.bus_process import BusProcessClient
from console.network.mqtt_bus import BusConfig, BusState, Will
client = BusProcessClient(BusConfig(sys.argv[1]), client_id="chair-9", clock=SystemClock(),
                          will=Will("infusion/chair/chair-9/status", b"offline"))
client.start()
while client.status().state is not BusState.CONNECTED:
    time.sleep(0.02)
print(client.worker_pid, flush=True)
time.sleep(60)
"""


def test_a_console_that_dies_leaves_its_will_to_the_broker_and_no_worker_behind(
        broker: Broker, bus_client: MakeClient) -> None:
    wills: list[bytes] = []
    bus_client(broker.url, "central-test", subscribe=["infusion/chair/chair-9/status"],
               on_message=lambda _t, p: wills.append(p))
    owner = subprocess.Popen([sys.executable, "-c", _OWNER, broker.url], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        worker_pid = int(owner.stdout.readline())
        owner.kill()   # SIGKILL: no goodbye from the console
        owner.wait()
        wait_until(lambda: wills == [b"offline"], "the will published", timeout=5)
        wait_until(lambda: not _alive(worker_pid), "the worker gone", timeout=5)
    finally:
        owner.kill()


_CLEAN_OWNER = """
import signal, sys, time
from console.clock import SystemClock
from console.network.bus_process import BusProcessClient
from console.network.mqtt_bus import BusConfig, BusState, Will
client = BusProcessClient(BusConfig(sys.argv[1]), client_id="chair-9", clock=SystemClock(),
                          will=Will("infusion/chair/chair-9/status", b"offline"))
stopping = []
signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))   # as the console: a clean end
client.start()
while client.status().state is not BusState.CONNECTED:
    time.sleep(0.02)
print(client.worker_pid, flush=True)
while not stopping:
    time.sleep(0.02)
client.publish("infusion/chair/chair-9/status", b"console closed", retain=True)
client.stop(3.0)
print(client.status().detail, flush=True)
"""


def test_a_terminate_sent_to_the_whole_group_ends_the_console_cleanly_through_its_worker(
        broker: Broker, bus_client: MakeClient) -> None:
    """A service manager or a logout sends SIGTERM to every process of the console's group. The
    worker leaves that to the console, whose clean end still goes through it: its goodbye is
    published, and the broker does not publish the Last Will (an unclean loss)."""
    heard: list[bytes] = []
    bus_client(broker.url, "central-test", subscribe=["infusion/chair/chair-9/status"],
               on_message=lambda _t, p: heard.append(p))
    owner = subprocess.Popen([sys.executable, "-c", _CLEAN_OWNER, broker.url], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert owner.stdout is not None
        worker_pid = int(owner.stdout.readline())
        os.killpg(owner.pid, signal.SIGTERM)
        assert owner.wait(10) == 0
        assert owner.stdout.readline().strip() == "stopped"
        wait_until(lambda: heard == [b"console closed"], "the goodbye published", timeout=5)
        wait_until(lambda: not _alive(worker_pid), "the worker gone", timeout=5)
        assert heard == [b"console closed"]   # no will: the worker ended cleanly
    finally:
        owner.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_bad_settings_are_refused_in_the_console_before_any_process_starts() -> None:
    with pytest.raises(ValueError, match="client id"):
        BusProcessClient(BusConfig("mqtt://127.0.0.1:1883"), client_id="chair/9",
                         clock=ManualClock(START))
    with pytest.raises(ValueError, match="ca_file"):
        BusProcessClient(BusConfig("mqtts://localhost:8883", ca_file=Path("/nonexistent.pem")),
                         client_id="chair-9", clock=ManualClock(START))
    with pytest.raises(ValueError, match="will"):
        BusProcessClient(BusConfig("mqtt://127.0.0.1:1883"), client_id="chair-9",
                         clock=ManualClock(START), will=Will("a/+", b"x"))
