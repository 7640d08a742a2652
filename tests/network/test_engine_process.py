"""The forwarding to the interface engine in a process of its own (console/network/
engine_process.py, engine_worker.py): what the link relies on must hold across the process
boundary, against a real MLLP peer (python-hl7's server).

- every message is delivered once, in order, and kept until the engine's AA;
- an engine's AR is a failure with the engine's words, reported once;
- a worker that dies is started again and sends every message still kept: nothing lost; one
  the system will not start (at first or again) is tried every second, the cause in the status;
- a console that dies leaves no worker behind;
- flush waits for what is kept; stop keeps what is undelivered for the next start;
- bad input is refused in the caller's thread with the sender's words.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network.engine_process import EngineProcessClient
from console.network.mllp_sender import SenderState
from console.network.worker_process import WORKER_NICE
from tests.mosquitto import wait_until
from tests.network.mllp_peer import HOST, Reply, always
from tests.network.test_bus_process import _alive
from tests.network.test_mllp_sender import Recorder, message, submit_all as submit

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"),
                                reason="the peer's port reservation needs SO_REUSEPORT")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder(ManualClock())


@pytest.fixture
def clients(reserved_port: int,
            recorder: Recorder) -> Iterator[Callable[[], EngineProcessClient]]:
    made: list[EngineProcessClient] = []

    def make() -> EngineProcessClient:
        client = EngineProcessClient(f"mllp://{HOST}:{reserved_port}",
                                     on_delivered=recorder.on_delivered,
                                     on_failed=recorder.on_failed, on_status=recorder.on_status)
        made.append(client)
        client.start()
        return client

    yield make
    for client in made:
        client.stop(1.0)
        pid = client.worker_pid
        assert pid is None or not _alive(pid), "the worker outlived its stop"


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "in-batches"])
def test_every_message_is_delivered_once_in_order_and_kept_until_then(peers, clients, recorder,
                                                                      batched):
    """The same whether they come one by one or in batches (`submit_many`: the link's hand-off
    of a burst)."""
    peer = peers(always("AA"))
    client = clients()
    if batched:
        ids = []
        for first in range(1, 51, 20):
            batch = [message(n) for n in range(first, min(first + 20, 51))]
            client.submit_many(batch)
            ids += [cid for cid, _ in batch]
    else:
        ids = submit(client, range(1, 51))
    assert client.pending() == ids   # the engine is not listening yet: all kept
    peer.listen()
    recorder.wait_for(lambda: recorder.delivered == ids, "fifty deliveries")
    assert peer.received == ids
    assert client.pending() == [] and recorder.failed == []
    recorder.wait_for(lambda: bool(recorder.statuses)
                      and recorder.statuses[-1][0].state is SenderState.IDLE, "idle")


def test_an_engine_refusal_is_a_failure_with_its_words_reported_once(peers, clients, recorder):
    peer = peers(lambda cid, seen: Reply("AR" if cid == "MSG00002" else "AA",
                                         text="unknown patient"))
    peer.listen()
    client = clients()
    submit(client, range(1, 4))
    recorder.wait_for(lambda: len(recorder.delivered) == 2 and len(recorder.failed) == 1,
                      "two delivered, one refused")
    (cid, reason), = recorder.failed
    assert cid == "MSG00002" and "AR (unknown patient)" in reason and "not sent again" in reason
    assert peer.received == ["MSG00001", "MSG00002", "MSG00003"]   # AR: never resent


def test_a_worker_that_dies_is_started_again_and_sends_what_it_kept(peers, clients, recorder):
    peer = peers(always("AA"))
    client = clients()
    ids = submit(client, range(1, 6))   # the engine is down: all kept in the worker
    wait_until(lambda: client.worker_pid is not None, "a worker")
    worker = client.worker_pid
    assert worker is not None
    os.kill(worker, signal.SIGKILL)
    recorder.wait_for(lambda: any("ended unexpectedly" in (s.last_error or "")
                                  for s, _ in recorder.statuses), "the status says so")
    wait_until(lambda: client.worker_pid not in (worker, None), "a new worker")
    assert client.pending() == ids
    peer.listen()
    recorder.wait_for(lambda: recorder.delivered == ids, "the kept messages delivered")
    assert list(dict.fromkeys(peer.received)) == ids


def test_flush_waits_for_delivery_and_stop_keeps_the_rest(peers, clients, recorder):
    # The engine answers the first twenty, then nothing more.
    peer = peers(lambda cid, seen: Reply("AA" if int(cid[3:]) <= 20 else None))
    peer.listen()
    client = clients()
    ids = submit(client, range(1, 21))
    # Flush returns once all is delivered, not at its time-out (the console's clean end waits
    # on it): given a minute, it is back within seconds of the last delivery.
    answer: list[bool] = []
    flushing = threading.Thread(target=lambda: answer.append(client.flush(60.0)), daemon=True)
    flushing.start()
    recorder.wait_for(lambda: len(recorder.delivered) == 20, "twenty deliveries")
    flushing.join(5.0)
    assert answer == [True], "flush did not return when everything was delivered"
    assert recorder.delivered == ids   # reported before flush returned
    # A stop leaves what the engine did not confirm with the caller.
    late = submit(client, range(21, 24))
    assert not client.flush(0.5)
    client.stop(1.0)
    assert client.pending() == late
    assert client.status().state is SenderState.STOPPED
    with pytest.raises(RuntimeError, match="after the MLLP sender .* was stopped"):
        client.submit(*message(30))


def test_bad_input_is_refused_in_the_callers_thread(clients, recorder):
    client = clients()
    cid, text = message(1)
    with pytest.raises(ValueError, match="is not the message's MSH-10"):
        client.submit("MSG00009", text)
    client.submit(cid, text)
    with pytest.raises(ValueError, match="'MSG00001' is already pending"):
        client.submit(cid, text)
    with pytest.raises(ValueError, match="MLLP byte 0x1C"):
        client.submit(*message(2)[:1], message(2)[1] + "\x1c")
    # A batch is checked whole first: one bad message queues none of it.
    with pytest.raises(ValueError, match="MLLP byte 0x1C"):
        client.submit_many([message(3), (message(4)[0], message(4)[1] + "\x1c"), message(5)])
    with pytest.raises(ValueError, match="'MSG00006' is already pending"):
        client.submit_many([message(6), message(6)])
    assert client.pending() == [cid]
    with pytest.raises(ValueError, match="mllp://host:port"):
        EngineProcessClient("http://engine:80",
                            on_delivered=recorder.on_delivered, on_failed=recorder.on_failed)
    with pytest.raises(ValueError, match="ca_file /nonexistent/ca.pem cannot be used "
                                         r"\(no such file\)"):
        EngineProcessClient("mllps://engine:6661",
                            on_delivered=recorder.on_delivered, on_failed=recorder.on_failed,
                            ca_file=Path("/nonexistent/ca.pem"))
    assert client.pending() == ["MSG00001"]


_OWNER = """
import sys, time
from console.network.engine_process import EngineProcessClient
client = EngineProcessClient(sys.argv[1], on_delivered=print, on_failed=print)
client.start()
while client.worker_pid is None:
    time.sleep(0.02)
print(client.worker_pid, flush=True)
time.sleep(60)
"""


def test_a_console_that_dies_leaves_no_worker_behind(reserved_port):
    owner = subprocess.Popen([sys.executable, "-c", _OWNER, f"mllp://{HOST}:{reserved_port}"],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        worker_pid = int(owner.stdout.readline())
        assert _alive(worker_pid)
        owner.kill()   # SIGKILL: no goodbye from the console
        owner.wait()
        wait_until(lambda: not _alive(worker_pid), "the worker gone", timeout=5)
    finally:
        owner.kill()


def test_the_worker_yields_to_the_bedside(clients):
    """The bedside's thread comes first (worker_process.WORKER_NICE): the worker runs at a lower
    priority than the console that started it."""
    client = clients()
    wait_until(lambda: client.worker_pid is not None, "a worker")
    pid = client.worker_pid
    assert pid is not None
    wait_until(lambda: os.getpriority(os.PRIO_PROCESS, pid)
               == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICE), "the worker niced")


def test_a_worker_the_system_will_not_start_is_tried_again_and_nothing_kept_is_lost(
        peers, clients, recorder, monkeypatch):
    """The interpreter gone (an upgrade replaced it while the console runs): the worker cannot
    be started at first, nor again after it dies. The status names the cause, the messages stay
    kept, and once the system lets it start they are delivered."""
    peer = peers(always("AA"))
    peer.listen()
    real = sys.executable
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    client = clients()   # does not raise: the console carries on
    ids = submit(client, range(1, 4))

    def refused_times() -> int:
        return sum("could not be started (FileNotFoundError" in (s.last_error or "")
                   for s, _ in recorder.statuses)

    recorder.wait_for(lambda: refused_times() >= 2, "the cause named, and a second try")
    assert client.worker_pid is None and client.pending() == ids
    monkeypatch.setattr(sys, "executable", real)
    recorder.wait_for(lambda: recorder.delivered == ids, "the kept messages delivered")

    # The same when a running worker dies and cannot be started again.
    worker = client.worker_pid
    assert worker is not None
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    later = submit(client, range(4, 6))   # may reach the worker before it dies, or not
    os.kill(worker, signal.SIGKILL)
    before = refused_times()
    recorder.wait_for(lambda: refused_times() >= before + 2, "the cause named again, tried again")
    monkeypatch.setattr(sys, "executable", real)
    recorder.wait_for(lambda: recorder.delivered == ids + later, "all delivered, in order")
    assert set(peer.received) == set(ids + later)
