"""The base of the tests' TCP relays (a network that can be cut, a reply held back): a loopback
listener on a port the kernel picks, an accept thread, and every thread and socket they made,
all ended by `close()`.

    class Cutter(TcpRelay):
        def accepted(self, client: socket.socket) -> None:     # on the accept thread
            upstream = self.connect(address, client)           # tracked; None: not made
            if upstream is not None:                           # (or the relay is closing)
                self.spawn(self._pump, client, upstream)       # a thread close() joins

    with Cutter("cutter") as relay:                            # listening on relay.port
        ...                                                    # closed and joined at the end

`close()` shuts the listener down (on Linux only a shutdown wakes a thread blocked in
`accept()`; closing the socket leaves it blocked for ever), shuts down and closes every socket
the relay tracked (which wakes its threads out of `recv()`), then joins every thread it started,
each within `JOIN_S`, and fails naming those still running. Every relay not yet closed is listed
in an open-relay register; the autouse fixture in tests/conftest.py closes any a test left open
and fails that test, and fails it too if a relay's thread outlived the test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

HOST = "127.0.0.1"
THREAD_PREFIX = "tcp-relay"   # every thread a relay starts is named "tcp-relay-<name>-<n>"
JOIN_S = 5.0                  # real seconds close() waits for the relay's threads to end

_open: set[TcpRelay] = set()
_open_lock = threading.Lock()


class TcpRelay:
    """A loopback listener and its accept thread; see the module docstring.

    Subclasses implement `accepted(client)` (run on the accept thread, the client socket already
    tracked) and start their own threads with `spawn`, register their own sockets with `track`.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.accepted_count = 0   # connections accepted so far
        self._listener = socket.create_server((HOST, 0))   # the kernel's free port, kept
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._closed = False
        self._started = False
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        with _open_lock:
            _open.add(self)

    def start(self) -> Self:
        """Start accepting (once)."""
        if not self._started:
            self._started = True
            self.spawn(self._accept_loop)
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            self.close()
        except AssertionError:
            if kind is None:
                raise
            # The block's own failure stays the one reported; the autouse fixture in
            # tests/conftest.py still names the threads left running.

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, port {self.port})"

    # ---- for subclasses ----------------------------------------------------------------------

    def accepted(self, client: socket.socket) -> None:
        raise NotImplementedError

    def track(self, sock: socket.socket) -> bool:
        """Have `close()` shut `sock` down and close it; False (and `sock` closed now) when the
        relay is already closing."""
        with self._lock:
            if not self._closed:
                self._sockets.append(sock)
                return True
        close_socket(sock)
        return False

    def connect(self, address: tuple[str, int], client: socket.socket) -> socket.socket | None:
        """A tracked connection to `address` for `client` (blocking); None, with `client`
        closed, when it cannot be made, or with it kept for `close()` when the relay is closing."""
        try:
            upstream = socket.create_connection(address, timeout=5)
        except OSError:
            close_socket(client)
            return None
        upstream.settimeout(None)
        return upstream if self.track(upstream) else None

    def spawn(self, target: Callable[..., None], *args: object) -> bool:
        """Run `target(*args)` on a thread `close()` joins; False when the relay is closing."""
        with self._lock:
            if self._closed:
                return False
            thread = threading.Thread(
                target=target, args=args, daemon=True,
                name=f"{THREAD_PREFIX}-{self.name}-{len(self._threads)}")
            self._threads.append(thread)
            thread.start()
            return True

    # ---- the accept loop and the end ---------------------------------------------------------

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return   # close() shut the listener down
            if not self.track(client):
                return
            self.accepted_count += 1
            self.accepted(client)

    def close(self) -> None:
        """Stop listening, close every socket the relay opened or accepted and join its threads
        (each within JOIN_S); AssertionError naming any thread still running after that."""
        with self._lock:
            already = self._closed
            self._closed = True
            sockets, self._sockets = self._sockets, []
        with _open_lock:
            _open.discard(self)
        if not already:
            close_socket(self._listener)
            for sock in sockets:
                close_socket(sock)
        # No thread is spawned once _closed is set: the list is complete.
        deadline = time.monotonic() + JOIN_S
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in self._threads if t.is_alive()]
        assert not alive, f"{self!r}: threads still running {JOIN_S} s after close(): {alive}"


def close_socket(sock: socket.socket) -> None:
    """Shut `sock` down both ways (waking a thread blocked on it) and close it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass   # never connected, or already closed
    sock.close()


def close_left_open() -> list[str]:
    """Close every relay not yet closed; what each was (and, if its threads outlived even
    that, what is still running), for the failure message."""
    with _open_lock:
        left = list(_open)
    said = []
    for relay in left:
        try:
            relay.close()
            said.append(repr(relay))
        except AssertionError as exc:
            said.append(str(exc))
    return said


def relay_threads() -> list[threading.Thread]:
    """The relay threads still running in this process."""
    return [t for t in threading.enumerate()
            if t.name.startswith(THREAD_PREFIX + "-") and t.is_alive()]
