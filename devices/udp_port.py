"""A pyserial-like port over UDP, for monitors that speak datagrams (IntelliVue over LAN).

`UdpPort("udp://192.0.2.10:24105")` behaves enough like an unopened `serial.Serial` for
`devices.transport.DeviceConnection` to use it unchanged:

- `baudrate`, `bytesize`, `parity`, `stopbits`, `timeout`, `write_timeout` are plain attributes;
  only `timeout` is used (how long one `read` waits);
- `open()` makes a UDP socket (bound to an ephemeral local port, or `?local_port=N`);
  `close()` closes it; `is_open` says which;
- `read(n)` returns ONE WHOLE datagram from the monitor, whatever `n` is, or b"" when none came
  within `timeout`. `in_waiting` is always 0, so the transport's "read 1, then read what is
  waiting" feeds each datagram to the decoder alone: one `feed` call = one message, which is what
  the IntelliVue LAN decoder requires;
- `write(data)` sends `data` as one datagram to the monitor (an empty write sends nothing);
- `cancel_read()` ends a waiting `read` early (from any thread), as pyserial's posix ports do.

Only datagrams from the monitor's IP address are returned (from any of its ports); anything else
arriving on the socket is discarded. Errors are OSError (socket errors) or ValueError (a bad URL),
which the transport already treats as "cannot open" / "port lost".

Discovery: an IntelliVue announces itself with a Connect Indication on UDP 24005 (broadcast or
multicast 224.0.23.63). `ConnectListener` waits for one and returns the monitor's address and
Data Export port, so a set-up screen can offer it; the transport does not need it.

This is an I/O edge: it reads the monotonic clock to bound its waits.
"""

from __future__ import annotations

import select
import socket
import struct
import time
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from devices.intellivue import ids
from devices.intellivue.codec import Malformed
from devices.intellivue.messages import ConnectIndication, read_connect_indication

MAX_DATAGRAM = 65535

_Found = TypeVar("_Found")


def listening_socket(host: str, port: int) -> socket.socket:
    """A UDP socket bound to (host, port) with SO_REUSEADDR; closed again if the bind fails."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def wait_for_datagram(sock: socket.socket, timeout: float,
                      read: Callable[[bytes, str], _Found | None],
                      monotonic: Callable[[], float] = time.monotonic) -> _Found | None:
    """The first datagram that `read(data, sender ip)` makes something of within `timeout`
    seconds (the others are skipped), or None. Blocks: for discovery helpers, off the GUI."""
    deadline = monotonic() + timeout
    while True:
        left = deadline - monotonic()
        ready, _, _ = select.select([sock], [], [], max(left, 0.0))
        if not ready:
            return None
        data, sender = sock.recvfrom(MAX_DATAGRAM)
        found = read(data, str(sender[0]))
        if found is not None:
            return found
SCHEME = "udp"
DISCOVERY_GROUP = "224.0.23.63"
"""The multicast group a monitor on the LAN sends its Connect Indication to (sample message 2)."""


def parse_udp_url(url: str) -> tuple[str, int, int]:
    """Split `udp://host[:port][?local_port=N]`.

    Returns:
        (host, port, local port); the port defaults to 24105, the local port to 0 (any).

    Raises:
        ValueError: not a udp:// URL, or a port that is not a number in 0-65535.
    """
    parts = urlsplit(url)
    if parts.scheme != SCHEME or not parts.hostname:
        raise ValueError(f"{url!r} is not a UDP address; expected udp://host:port, e.g. "
                         f"udp://192.0.2.10:{ids.LAN_DATA_PORT}")
    try:
        port = parts.port or ids.LAN_DATA_PORT
        query = parse_qs(parts.query)
        unknown = sorted(set(query) - {"local_port"})
        if unknown:
            raise ValueError(f"unknown option {unknown[0]!r}; allowed: local_port")
        local = int(query.get("local_port", ["0"])[-1])
        if not 0 <= local <= 65535:
            raise ValueError(f"local_port {local} is outside 0-65535")
    except ValueError as exc:
        raise ValueError(f"{url!r}: {exc}") from None
    return parts.hostname, port, local


class UdpPort:
    """A pyserial-like port for one UDP peer (see the module docstring).

    Args:
        url: `udp://host[:port][?local_port=N]`.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.host, self.port, self.local_port = parse_udp_url(url)
        self.baudrate = 0
        self.bytesize = 8
        self.parity = "N"
        self.stopbits: float = 1
        self.timeout: float | None = None
        self.write_timeout: float | None = None
        self._sock: socket.socket | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._peer: tuple[str, int] | None = None

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    @property
    def in_waiting(self) -> int:
        """Always 0: a datagram is taken whole by `read`, never in pieces."""
        return 0

    @property
    def peer(self) -> tuple[str, int] | None:
        """The monitor's resolved (address, port), once open."""
        return self._peer

    def open(self) -> None:
        """Resolve the monitor's address and open the socket.

        Raises:
            OSError: the address does not resolve or the socket cannot be bound.
        """
        if self._sock is not None:
            return
        family, _type, _proto, _name, address = socket.getaddrinfo(
            self.host, self.port, 0, socket.SOCK_DGRAM)[0]
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind(("::" if family == socket.AF_INET6 else "", self.local_port))
            sock.setblocking(False)
            self._wake_r, self._wake_w = socket.socketpair()
            self._wake_r.setblocking(False)
        except OSError:
            sock.close()
            raise
        self._peer = (str(address[0]), int(address[1]))
        self._sock = sock

    def close(self) -> None:
        """Close the socket (idempotent)."""
        for sock in (self._sock, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        self._sock = self._wake_r = self._wake_w = None

    def _open_socket(self) -> socket.socket:
        if self._sock is None:
            raise OSError(f"{self.url}: port not open")
        return self._sock

    def read(self, size: int = 1) -> bytes:
        """Return one whole datagram from the monitor, or b"" after `timeout` (or a cancel).

        Args:
            size: ignored: a datagram is never split.
        """
        sock = self._open_socket()
        wake = self._wake_r
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([sock] + ([wake] if wake else []), [], [], left)
            if wake is not None and wake in ready:
                try:
                    wake.recv(4096)
                except BlockingIOError:
                    pass
                return b""
            if not ready:
                return b""
            try:
                data, sender = sock.recvfrom(MAX_DATAGRAM)
            except BlockingIOError:
                continue
            except ConnectionRefusedError:
                continue  # ICMP port unreachable from an earlier send: the monitor not yet up
            if self._peer is not None and sender[0] == self._peer[0]:
                return data

    def write(self, data: bytes) -> int:
        """Send `data` as one datagram to the monitor; an empty write sends nothing."""
        sock = self._open_socket()
        if not data or self._peer is None:
            return 0
        return sock.sendto(data, self._peer)

    def cancel_read(self) -> None:
        """End a waiting `read` at once (any thread)."""
        if self._wake_w is not None:
            try:
                self._wake_w.send(b"\x00")
            except OSError:
                pass

    def flush(self) -> None:
        """Nothing to flush: each write is sent at once."""


class ConnectListener:
    """Waits for IntelliVue Connect Indications (LAN discovery).

    Args:
        port: the UDP port to listen on (24005; 0 for any, in tests).
        host: the local address to bind ("" for all).
        join_multicast: also join the discovery multicast group (best effort).
    """

    def __init__(self, port: int = ids.LAN_DISCOVERY_PORT, host: str = "",
                 join_multicast: bool = True) -> None:
        self._sock = listening_socket(host, port)
        if join_multicast:
            membership = struct.pack("4s4s", socket.inet_aton(DISCOVERY_GROUP),
                                     socket.inet_aton("0.0.0.0"))
            try:
                self._sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            except OSError:
                pass  # no multicast route (a test box): broadcasts still arrive

    @property
    def port(self) -> int:
        """The UDP port actually bound."""
        return int(self._sock.getsockname()[1])

    def wait(self, timeout: float) -> ConnectIndication | None:
        """Return the first Connect Indication within `timeout` seconds, else None.

        A message that gives no IP address takes the sender's. Other datagrams are ignored.
        """
        return wait_for_datagram(self._sock, timeout, _connect_indication)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> ConnectListener:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _connect_indication(data: bytes, sender: str) -> ConnectIndication | None:
    """A Connect Indication read from a datagram (the sender's address when it gives none)."""
    try:
        found = read_connect_indication(data)
    except Malformed:
        return None
    return found if found.ip else ConnectIndication(sender, found.data_port, found.model)
