"""The chair's bus client in a process of its own (`console/network/bus_worker.py`), behind the
same interface as `mqtt_bus.BusClient`: `start`, `subscribe`, `publish`, `status`, `stop`.

Why a process (P12, the network's cost to the bedside): paho's network thread reads the broker's
PUBACKs a few bytes a system call and runs a callback for each, about 45 µs of interpreter time a
message. In the console's process that time is taken under the GIL from the thread that commits
readings and paints alarms; on its own process it runs on another core. What stays here is one
send on a local socket per message (never blocking: see `_Channel`) and a reader thread that
wakes for each batch of news the worker gathered.

The rules (the same as BusClient's, so the link cannot tell them apart):

- **Nothing lost.** Every message given to `publish` is kept here, by a token, until the worker
  reports its PUBACK (`on_delivered`) or the broker's refusal (`on_refused`). If the worker ends
  without being asked (a crash, a kill), it is started again at once and given the subscriptions
  and every kept message again, in order: the broker may get a message twice, which receivers
  drop by MSH-10, never none. Until it is connected again the status says why (DISCONNECTED,
  "the network process ended ..."), which the link turns into its technical alarm after 10 s.
- **The Last Will still speaks for the console.** The worker holds the broker connection; when
  the console dies (SIGKILL, power) its end of the socket closes, and the worker leaves at once
  without a DISCONNECT, so the broker publishes the will (bus_worker.py).
- **Times are the owner's clock.** `status()` is built here: the state and its sentence come
  from the worker, "since" is this clock's time when the news arrived, and the unconfirmed count
  and the oldest of them are this side's own, so an injected clock still drives the link's
  10 s / 60 s rules in tests.

Callbacks run on the reader thread, like paho's thread for BusClient: quick, hand the news on.
"""

from __future__ import annotations

import logging
import pickle
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Final

from console.clock import Clock
from console.network.mqtt_bus import (
    BusConfig,
    BusState,
    BusStatus,
    Pending,
    Will,
    call_owner,
    check_publish,
    check_settings,
    check_subscription,
    next_status,
    tls_context,
)

log = logging.getLogger(__name__)

# A worker that ends by itself is started again at once, then no more often than this.
RESTART_EVERY_S: Final = 1.0
_HEADER: Final = struct.Struct("!I")


def frame(message: tuple[Any, ...]) -> bytes:
    """One message on the socket between the console and its worker: length, then pickle."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def read_frame(sock: socket.socket) -> tuple[Any, ...] | None:
    """The next message from `sock`, or None when the other end has closed."""
    header = _read_exactly(sock, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(sock, _HEADER.unpack(header)[0])
    if body is None:
        return None
    message: tuple[Any, ...] = pickle.loads(body)
    return message


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        try:
            got = sock.recv(size - len(chunks))
        except OSError:
            return None
        if not got:
            return None
        chunks += got
    return bytes(chunks)


class _Channel:
    """The console's end of the socket for sending: a message goes at once without blocking;
    when the socket's buffer is full (a worker that does not read), the rest waits in a backlog
    that a thread of its own writes, in order, so the caller (the GUI thread) never waits."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._lock = threading.Lock()
        self._backlog: deque[bytes] = deque()
        self._flusher: threading.Thread | None = None
        self.closed = False

    def send(self, data: bytes) -> None:
        with self._lock:
            if self.closed:
                return
            if not self._backlog:
                try:
                    sent = self._sock.send(data, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    sent = 0
                except OSError:
                    self.closed = True   # the worker is gone; the reader restarts it
                    return
                if sent == len(data):
                    return
                data = data[sent:]
            self._backlog.append(data)
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush, name="bus-process-send",
                                                 daemon=True)
                self._flusher.start()

    def _flush(self) -> None:
        while True:
            with self._lock:
                if not self._backlog or self.closed:
                    self._flusher = None
                    return
                data = self._backlog.popleft()
            try:
                self._sock.sendall(data)
            except OSError:
                with self._lock:
                    self.closed = True
                    self._flusher = None
                return

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._backlog.clear()


class BusProcessClient:
    """A BusClient run by a worker process (see the module docstring)."""

    def __init__(self, config: BusConfig, *, client_id: str, clock: Clock,
                 will: Will | None = None,
                 on_message: Callable[[str, bytes], None] | None = None,
                 on_status: Callable[[BusStatus], None] | None = None) -> None:
        """Check the settings here, in the console (the same errors as BusClient's); nothing
        starts before start().

        Raises:
            ValueError: what BusClient refuses, with the same words.
        """
        scheme, _host, _port = check_settings(config, client_id, will)
        if scheme == "mqtts":
            tls_context(config.ca_file)
        self.config = config
        self.client_id = client_id
        self._clock = clock
        self._will = will
        self._on_message = on_message
        self._on_status = on_status
        self._lock = threading.Lock()
        self._kept: dict[int, Pending] = {}   # token -> message, in the order given
        self._next_token = 0
        self._subscriptions: dict[str, int] = {}
        self._status = BusStatus(BusState.NOT_STARTED, f"not started ({config.describe()})",
                                 clock.now().mono, 0, None)
        self._started = False
        self._stopping = False
        self._stopped = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._channel: _Channel | None = None
        self._reader: threading.Thread | None = None
        self._last_spawn = 0.0

    # -- the owner's side ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker; it connects in the background and keeps reconnecting."""
        with self._lock:
            if self._started:
                raise RuntimeError(f"the bus client {self.client_id} was already started")
            self._started = True
        self._set_status(BusState.CONNECTING, f"connecting to {self.config.describe()}")
        self._spawn()

    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        """Receive what is published on `topic_filter` (from now on, and on every reconnect)."""
        check_subscription(topic_filter, qos)
        with self._lock:   # sent under the lock: the worker hears things in the order given
            self._subscriptions[topic_filter] = qos
            if self._channel is not None:
                self._channel.send(frame(("subscribe", topic_filter, qos)))

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False,
                on_delivered: Callable[[], None] | None = None,
                on_refused: Callable[[], None] | None = None) -> None:
        """As BusClient.publish: kept until the broker's PUBACK; never blocks, never raises for
        a network state.

        Raises:
            ValueError: qos other than 1, a topic with a wildcard or empty, a payload not bytes.
            RuntimeError: called after stop().
        """
        check_publish(topic, payload, qos)
        with self._lock:
            if self._stopping:
                raise RuntimeError(f"publish to {topic} after the bus client "
                                   f"{self.client_id} was stopped")
            token = self._next_token
            self._next_token += 1
            data = bytes(payload)
            self._kept[token] = Pending(topic, data, retain, on_delivered,
                                        self._clock.now().mono, on_refused)
            if self._channel is not None:   # a send that never blocks (_Channel)
                self._channel.send(frame(("publish", token, topic, data, retain)))

    def status(self) -> BusStatus:
        with self._lock:
            return self._snapshot()

    def stop(self, timeout: float = 5.0) -> None:
        """As BusClient.stop: the worker waits up to `timeout` for unconfirmed messages while
        connected, disconnects cleanly (no will) and ends; then the reader ends."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            channel, process = self._channel, self._process
        if channel is not None and process is not None:
            channel.send(frame(("stop", timeout)))
            self._stopped.wait(timeout + 3.0)
            try:
                process.wait(2.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if channel is not None:
            channel.close()
        if self._sock is not None:
            self._sock.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(2.0)
        with self._lock:
            left = len(self._kept)
        self._set_status(BusState.STOPPED, "stopped" + (
            f" ({left} message(s) not confirmed by {self.config.url})" if left else ""))

    # -- the worker ---------------------------------------------------------------------------

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # Room for a burst (an outage's backlog handed again) without the backlog thread.
        for s in (ours, theirs):
            for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                s.setsockopt(socket.SOL_SOCKET, option, 1 << 20)
        self._last_spawn = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "console.network.bus_worker", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        channel = _Channel(ours)
        with self._lock:   # before any publish that comes now: the worker hears them in order
            self._process, self._sock, self._channel = process, ours, channel
            channel.send(frame(("init", self.config, self.client_id, self._will)))
            for topic_filter, qos in self._subscriptions.items():
                channel.send(frame(("subscribe", topic_filter, qos)))
            for token, entry in self._kept.items():
                channel.send(frame(("publish", token, entry.topic, entry.payload,
                                    entry.retain)))
            channel.send(frame(("start",)))
        self._reader = threading.Thread(target=self._read, args=(ours, process),
                                        name="bus-process-read", daemon=True)
        self._reader.start()

    def _read(self, sock: socket.socket, process: subprocess.Popen[bytes]) -> None:
        """The reader thread: the worker's news to the owner's callbacks, until it ends."""
        while (message := read_frame(sock)) is not None:
            try:
                self._handle(message)
            except Exception:   # a bug here must not end the reader (and every later PUBACK)
                log.exception("the bus process reader could not handle %r", message[:1])
        if self._stopping:
            self._stopped.set()
            return
        try:
            code = process.wait(2.0)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        if self._stopping:
            self._stopped.set()
            return
        self._set_status(BusState.DISCONNECTED, (
            f"the network process for {self.config.describe()} ended unexpectedly "
            f"(exit code {code}); started again, messages kept are sent again"))
        log.error("bus worker for %s ended with %s; starting it again", self.client_id, code)
        wait = RESTART_EVERY_S - (time.monotonic() - self._last_spawn)
        if wait > 0:
            time.sleep(wait)
        if self._channel is not None:
            self._channel.close()
        sock.close()
        if not self._stopping:
            self._spawn()

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "delivered" or kind == "refused":
            with self._lock:
                pop = self._kept.pop
                entries = [pop(token, None) for token in message[1]]
            delivered = kind == "delivered"
            for entry in entries:
                if entry is None:
                    continue
                callback = entry.on_delivered if delivered else entry.on_refused
                if callback is not None:
                    call_owner(callback, f"on_{kind}")
        elif kind == "status":
            self._set_status(BusState(message[1]), str(message[2]))
        elif kind == "message":
            if self._on_message is not None:
                call_owner(self._on_message, "on_message", message[1], message[2])
        elif kind == "stopped":
            self._stopped.set()

    def _snapshot(self) -> BusStatus:
        oldest = next(iter(self._kept.values())).handed_mono if self._kept else None
        return BusStatus(self._status.state, self._status.detail, self._status.since_mono,
                         len(self._kept), oldest)

    def _set_status(self, state: BusState, detail: str) -> None:
        with self._lock:
            new = next_status(self._status, state, detail, self._clock)
            if new is None:
                return
            self._status = new
            snapshot = self._snapshot()
        if self._on_status is not None:
            call_owner(self._on_status, "on_status", snapshot)

