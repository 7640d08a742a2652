"""A transport's worker process: what `bus_process.BusProcessClient` (paho, the clinic bus) and
`engine_process.EngineProcessClient` (the MLLP sender, the interface engine) share.

Why processes (P12, the network's cost to the bedside): a transport's threads wake for every
acknowledgement and run Python for it. In the console's process that time is taken under the GIL
from the thread that commits readings and paints alarms; measured, the MLLP sender's thread in
the console put P3's alarm latency p99 at 1.58× the same console without a network, where the
bus, already in its own process, cost nothing measurable. In a worker it runs on another core.

- **The console's side** (`WorkerProcess`): `python -m MODULE FD` on one end of a socket pair.
  Orders go as length-prefixed pickles, never blocking the caller (`_Channel`); a reader thread
  hands the worker's news to the owner. A worker that ends without being asked (a crash, a kill)
  is started again at once, then at most once a second, and greeted again: the owner sends its
  settings and everything it still keeps, in order, so nothing is lost (a receiver may get a
  message twice and drops it by MSH-10). A worker that cannot be started (no process or file
  left to the console, the interpreter replaced by an upgrade) is tried again every second until
  it starts or the owner stops, and the owner hears the cause each time (`cannot_start`): its
  status names it, and the link's 10 s rule raises the network alarm on what waits.
- **The worker's side** (`Reporter`, `run_worker`): confirmations are gathered for `GATHER_S`
  so that the console's reader wakes once for a burst of acknowledgements rather than once each.
  When the console's end closes (the console was killed), the worker leaves at once.
"""

from __future__ import annotations

import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Final

log = logging.getLogger(__name__)

# A worker that ends by itself is started again at once, then no more often than this.
RESTART_EVERY_S: Final = 1.0
# Confirmations that come within this of the first are reported together: the console's reader
# then wakes at most 50 times a second however fast messages go (P12). Nothing waits on it but
# the deliveries rows (the link writes them every 500 ms) and the link's 10 s rule.
GATHER_S: Final = 0.02
_HEADER: Final = struct.Struct("!I")
# The bedside's thread that commits readings and paints alarms comes before its transports: the
# bedside is the alarm authority, the network reports what it decided (IEC 60601-1-8 6.11.2,
# distributed alarm systems). At nice 10 a worker woken by a hand-off gets about a tenth of the
# processor's share of that thread instead of preempting it. Measured with P12 on this
# two-processor machine (bus and MLLP forwarding on): P4 +267-273 -> +138-141 µs a write, P2
# +98-115 -> +80-98 µs a message (README, Measured). On an idle machine a worker still runs at
# once: nice shares, it does not wait.
WORKER_NICE: Final = 10

Message = tuple[Any, ...]


def frame(message: Message) -> bytes:
    """One message on the socket between the console and its worker: length, then pickle."""
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def read_frame(sock: socket.socket) -> Message | None:
    """The next message from `sock`, or None when the other end has closed."""
    header = _read_exactly(sock, _HEADER.size)
    if header is None:
        return None
    body = _read_exactly(sock, _HEADER.unpack(header)[0])
    if body is None:
        return None
    message: Message = pickle.loads(body)
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
            # Straight to the socket only while no flusher writes: it holds the order before
            # this one (taken from the backlog, being written), which must reach the worker
            # first and whole.
            if not self._backlog and self._flusher is None:
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
                self._flusher = threading.Thread(target=self._flush, name="worker-send",
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


class WorkerProcess:
    """The console's end of one worker (see the module docstring).

    `lock` is the owner's: `greet` runs under it with the new worker, and the owner calls `send`
    under it, so the worker hears everything in the order the owner gave it. `handle` gets each
    message from the worker on the reader thread; `ended` is told the exit code of a worker that
    ended unasked, before it is started again; `cannot_start` is told why a worker could not be
    started, each time it is tried.
    """

    def __init__(self, module: str, lock: threading.Lock, *,
                 greet: Callable[[Callable[[Message], None]], None],
                 handle: Callable[[Message], None], ended: Callable[[int], None],
                 cannot_start: Callable[[str], None]) -> None:
        self.module = module
        self._lock = lock
        self._greet = greet
        self._handle = handle
        self._ended = ended
        self._cannot_start = cannot_start
        self._stopping = False
        self._stopped = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._channel: _Channel | None = None
        self._reader: threading.Thread | None = None
        self._last_spawn = 0.0

    def start(self) -> None:
        """Start the worker; one that cannot be started now is tried again in the background
        (the owner keeps what it is given meanwhile)."""
        if not self._try_spawn():
            threading.Thread(target=self._spawn_until_started, name=self._thread_name("start"),
                             daemon=True).start()

    @property
    def pid(self) -> int | None:
        """The worker's process id now (a new one after a restart); None before start."""
        process = self._process
        return None if process is None else process.pid

    def send(self, message: Message) -> None:
        """Send now without blocking (call with the owner's lock held); nothing before start."""
        if self._channel is not None:
            self._channel.send(frame(message))

    def send_many(self, messages: Iterable[Message]) -> None:
        """`send` for several, in order, in one write: the worker wakes once for them (P12)."""
        data = b"".join(map(frame, messages))
        if self._channel is not None and data:
            self._channel.send(data)

    def stop(self, timeout: float) -> None:
        """Order ("stop", timeout), wait for the worker's ("stopped",) and its end (killed if it
        does not end), then close and end the reader."""
        with self._lock:
            self._stopping = True
            channel, process = self._channel, self._process
        if channel is not None and process is not None:
            channel.send(frame(("stop", timeout)))
            self._stopped.wait(timeout + 3.0)
            _reap(process)
        if channel is not None:
            channel.close()
        if self._sock is not None:
            self._sock.close()
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(2.0)

    def _thread_name(self, role: str) -> str:
        return f"{self.module.rsplit('.', 1)[-1]}-{role}"

    def _try_spawn(self) -> bool:
        """Start a worker; False (the owner told why) when the system refuses it."""
        try:
            self._spawn()
        except OSError as exc:
            log.error("%s could not be started: %s", self.module, exc)
            self._cannot_start(f"{type(exc).__name__}: {exc}")
            return False
        return True

    def _spawn_until_started(self) -> None:
        """Try to start a worker every RESTART_EVERY_S until one starts or the owner stops."""
        while not self._stopping:
            wait = RESTART_EVERY_S - (time.monotonic() - self._last_spawn)
            if wait > 0:
                time.sleep(wait)
            if self._stopping or self._try_spawn():
                break
        if self._stopping:
            self._stopped.set()   # no worker to say "stopped": stop() must not wait for one

    def _spawn(self) -> None:
        self._last_spawn = time.monotonic()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # Room for a burst (an outage's backlog handed again) without the backlog thread.
            for s in (ours, theirs):
                for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
                    s.setsockopt(socket.SOL_SOCKET, option, 1 << 20)
            process = subprocess.Popen([sys.executable, "-m", self.module,
                                        str(theirs.fileno())],
                                       pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        with self._lock:   # before any order given now: the worker hears them in order
            stopping = self._stopping
            if not stopping:
                self._process, self._sock, self._channel = process, ours, _Channel(ours)
                self._greet(self.send)
        if stopping:   # stopped while this one started: it ends with its socket
            ours.close()
            _reap(process)
            return
        self._reader = threading.Thread(target=self._read, args=(ours, process),
                                        name=self._thread_name("read"), daemon=True)
        self._reader.start()

    def _read(self, sock: socket.socket, process: subprocess.Popen[bytes]) -> None:
        """The reader thread: the worker's news to the owner, until it ends; then, unless
        stopping, start it again."""
        while (message := read_frame(sock)) is not None:
            if message[0] == "stopped":
                self._stopped.set()
                continue
            try:
                self._handle(message)
            except Exception:   # a bug here must not end the reader (and every later message)
                log.exception("%s: the reader could not handle %r", self.module, message[:1])
        if self._stopping:
            self._stopped.set()
            return
        code = _reap(process)
        if self._stopping:
            self._stopped.set()
            return
        self._ended(code)
        log.error("%s ended with %s; starting it again", self.module, code)
        if self._channel is not None:
            self._channel.close()
        sock.close()
        self._spawn_until_started()


def _reap(process: subprocess.Popen[bytes]) -> int:
    """Wait for a worker whose socket is closed or told to stop; kill it if it lingers."""
    try:
        return process.wait(2.0)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


class Reporter:
    """The worker's news to the console. `confirmed(kind, item)` gathers items by kind (for
    GATHER_S after the first) and sends each kind's as one message, `(kind, [items])`; `send`
    sends one message at once."""

    def __init__(self, sock: socket.socket, kinds: Iterable[str]) -> None:
        self._sock = sock
        self._kinds = tuple(kinds)
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._gathered: dict[str, list[Any]] = {kind: [] for kind in self._kinds}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="worker-report", daemon=True)
        self._thread.start()

    def send(self, message: Message) -> None:
        data = frame(message)
        with self._send_lock:
            try:
                self._sock.sendall(data)
            except OSError:
                os._exit(0)   # the console is gone: leave now (a bus worker: the will speaks)

    def confirmed(self, kind: str, item: Any) -> None:
        with self._cond:
            first = not any(self._gathered.values())
            self._gathered[kind].append(item)
            if first:   # only the first of a burst wakes the thread; the rest wait with it
                self._cond.notify()

    def latest(self, kind: str, item: Any) -> None:
        """As `confirmed`, but only the latest item of `kind` is kept (a state, not events)."""
        with self._cond:
            first = not any(self._gathered.values())
            self._gathered[kind][:] = [item]
            if first:
                self._cond.notify()

    def flush(self) -> None:
        """Send what is gathered now (before news that must come after it)."""
        with self._cond:
            batches = [(kind, items) for kind, items in self._gathered.items() if items]
            self._gathered = {kind: [] for kind in self._kinds}
        for kind, items in batches:
            self.send((kind, items))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(1.0)
        self.flush()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or any(self._gathered.values()))
                if self._closed:
                    return
                # Let this burst's confirmations gather (a close cuts it short).
                self._cond.wait_for(lambda: self._closed, GATHER_S)
            self.flush()


def run_worker(argv: list[str], name: str, serve: Callable[[socket.socket], int]) -> int:
    """A worker's main: `serve` the socket passed as argv[0], at a lower priority (WORKER_NICE).

    Ctrl+C in the console's terminal (SIGINT) and a terminate sent to the console's whole process
    group (SIGTERM: a service manager, a logout, `timeout`) are the console's to handle: its clean
    end goes through the worker (the bus's goodbye, the engine's last deliveries), so the worker
    ignores both and ends on the console's stop order, or with its socket when the console is
    gone. A worker that must go regardless is killed (SIGKILL)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.nice(WORKER_NICE)
    logging.basicConfig(level=logging.WARNING, format=f"{name}: %(levelname)s %(message)s")
    return serve(socket.socket(fileno=int(argv[0])))
