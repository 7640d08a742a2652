"""Where the simulated monitor writes: a pseudo-terminal it makes, or an existing port.

Pseudo-terminal rules, each learned the hard way (Linux; checked with a real pty and pyserial):

- The console opens a stable SYMLINK (`<tempdir>/port`) that points at the slave. A `disconnect`
  step closes the pair and removes the link (a USB adapter's device node disappears the same way);
  when the port "comes back" a NEW pair is made and the link is re-pointed atomically, so the
  console reopens the same path.
- The pair is put in raw mode first (`tty.setraw`; master and slave share the slave's termios,
  which stay when the slave is closed): with echo on, bytes the console has not read yet are
  echoed back to the master.
- The simulator keeps NO slave fd of its own, so the master tells whether anyone has the port
  open: it reports POLLHUP while no slave fd is open anywhere, and stops as soon as one is
  (pty_open clears TTY_OTHER_CLOSED). With nobody reading, a monitor's bytes are lost on the
  wire; here they are not written at all, and counted (`PlayerStats.frames_undelivered`). Written
  into the pty they would sit there until the console's pyserial opened the port and emptied
  its input (tcflush): lost all the same, and counted as sent (the QA audit: 180 frames sent,
  166 logged).
- pyserial empties the input just after opening, so a reader is ready only after that flush. In
  packet mode (TIOCPKT) the master is told of it (a TIOCPKT_FLUSHREAD status byte). The master is
  in packet mode from when the port is seen without a reader until the next reader's flush (or
  READER_SETTLE_SECONDS after it opened, for a reader that empties nothing: `cat PORT`); every
  write and `wait_for_reader` ask `_ready`, so a console (re)started mid-play loses nothing to
  its own flush.
- Closing the MASTER ends the stream for the reader: the slave is hung up and the reader's next
  read fails (pyserial raises SerialException for EIO and for the hang-up's empty read).
- Replies from the console (HL7 ACKs) arrive on the master: they are drained on every wait and
  every write, or the reply direction fills and the console's reader blocks on its ACK write.
  The master is non-blocking and every wait is a poll on it, so neither side can deadlock. While
  nobody has the slave open, poll returns at once (POLLHUP) and a read fails with EIO: the
  waits sleep instead.

An existing `socket://HOST:PORT` (a serial-over-LAN server, a test's listener) is written to
through the socket itself, not pyserial (`SocketSink`), so that a reader that stops reading is
under the same STALL_LIMIT_SECONDS rule as a pty's.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import pty
import select
import socket
import struct
import tempfile
import termios
import threading
import time
import tty
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import serial

from devices.simulator.acks import ACCEPTED, Ack, AckReader

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
"""Longest single wait: bounds how late a stop request, an ACK drain or a reader is noticed."""
STALL_LIMIT_SECONDS = 2.0
"""A reader that has the port open but has taken nothing for this long (its buffer full) is
treated as gone: the rest of the write is discarded, and later writes do not wait for it until
it takes bytes again. A reader that keeps taking bytes sets the pace instead (tests at x20000)."""
READER_SETTLE_SECONDS = 0.5
"""After a reader opens the port, how long to wait for it to empty its input (pyserial does at
once) before writing anyway."""
CONNECT_SECONDS = 5.0
"""How long connecting to an existing `socket://` port may take (pyserial's own limit)."""
HELD_ACKS = 10_000
"""ACKs kept for `take_acks`: a caller that never takes them (a test driving PtySink by hand)
must not grow the list without end."""

# Baud rate for an existing serial port when `devices.formats` cannot say (9600 8N1 for all three
# per devices.md). A 1 Hz HL7 message of ~1.2 KB does not fit a 9600-baud line in real time: pass
# a port configured faster, or a socket:// URL, for HL7 at speed 1.
DEFAULT_SERIAL_BAUD = 9600


@dataclass(slots=True)
class PlayerStats:
    """Counters of one play; written by the player thread, read by anyone."""

    bytes_written: int = 0
    frames_written: int = 0  # valid frames the port took whole
    # Valid frames the port could not take: nobody had it open, or its reader took nothing for
    # STALL_LIMIT_SECONDS. Lost, as on a wire nobody listens to; never sent later.
    frames_undelivered: int = 0
    bytes_discarded: int = 0  # bytes of writes the port did not take
    bytes_read: int = 0  # replies from the console
    acks: int = 0  # ACK messages accepting a message: MSA-1 AA or CA
    naks: int = 0  # ACK messages refusing one: AE, AR, CE or CR
    resends: int = 0  # HL7 messages sent again (AE/CE, or no ACK in time) that the port took
    given_up: int = 0  # HL7 messages never accepted: refused (AR/CR), or after their last send
    disconnects: int = 0


class Sink(Protocol):
    """Where the player writes: a pty pair behind a symlink, or an existing port.

    `write` puts bytes on the line now (True when the port took them all), `wait` drains the
    console's replies for up to `seconds`, `wait_for_reader` holds until someone reads (False
    on `stop`; an existing port cannot tell and returns at once), `take_acks` hands over the
    ACKs read since the last call.
    """

    path: str

    def write(self, data: bytes, stop: threading.Event, stats: PlayerStats) -> bool: ...

    def wait(self, seconds: float, stats: PlayerStats) -> None: ...

    def wait_for_reader(self, stop: threading.Event, stats: PlayerStats) -> bool: ...

    def take_acks(self) -> list[Ack]: ...

    def unplug(self) -> None: ...

    def replug(self) -> None: ...

    def unread(self) -> int: ...

    def close(self) -> None: ...


class _Replies:
    """The console's replies: counted into the stats, ACKs kept for the player."""

    def __init__(self) -> None:
        self.reader = AckReader()
        self.acks: deque[Ack] = deque(maxlen=HELD_ACKS)

    def take(self, data: bytes, stats: PlayerStats) -> None:
        stats.bytes_read += len(data)
        for ack in self.reader.feed(data):
            if ack.code in ACCEPTED:
                stats.acks += 1
            else:
                stats.naks += 1
            self.acks.append(ack)

    def taken(self) -> list[Ack]:
        acks = list(self.acks)
        self.acks.clear()
        return acks


class StallRule:
    """The write turn of a port whose reader may stop reading, shared by the pty and the socket:
    a full port holds the writer back while the reader takes bytes; a reader that takes nothing
    for STALL_LIMIT_SECONDS is treated as gone (the rest of the write is discarded), and later
    writes do not wait for it until it takes bytes again. Replies are drained while waiting.
    A subclass gives `_poll`, `_drain`, `_put`, and which poll events mean a reply waits."""

    path: str
    _REPLY_EVENTS = select.POLLIN

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._took_at = 0.0  # when the port last took bytes (or, on a socket, this write began)
        self._stalled = False  # the last write gave up on a reader that took nothing

    def _poll(self, seconds: float, writing: bool = False) -> int:
        raise NotImplementedError

    def _drain(self, stats: PlayerStats) -> None:
        raise NotImplementedError

    def _put(self, view: memoryview) -> int:
        raise NotImplementedError

    def _write_turn(self, view: memoryview, stats: PlayerStats) -> tuple[memoryview, bool]:
        """Wait for room (up to the reader's patience left), put what fits: (what is left,
        whether to go on); False when the reader took nothing for STALL_LIMIT_SECONDS."""
        patience = 0.0 if self._stalled else STALL_LIMIT_SECONDS - (self._now() - self._took_at)
        events = self._poll(min(POLL_SECONDS, max(0.0, patience)), writing=True)
        if events & self._REPLY_EVENTS:
            self._drain(stats)
        if events & select.POLLOUT:
            n = self._put(view)
            if n:
                stats.bytes_written += n
                self._took_at, self._stalled = self._now(), False
                return view[n:], True
        if patience > 0:
            return view, True
        if not self._stalled:
            log.warning("the reader of %s takes nothing: writes are discarded until it does",
                        self.path)
        self._stalled = True
        return view, False

    def _write_from_now(self, view: memoryview, stop: threading.Event,
                        stats: PlayerStats) -> memoryview:
        """Write turns until `view` is taken, the reader is given up or `stop` is set, the
        reader's patience counted from now (a socket: each write waits its own 2 s); returns
        what was not taken."""
        if not self._stalled:
            self._took_at = self._now()
        while view and not stop.is_set():
            view, going = self._write_turn(view, stats)
            if not going:
                break
        return view


class PtySink(StallRule):
    """A pty pair behind `<directory>/port`; see the module docstring for why each step.

    Read the master only through this class: while it watches for a reader's flush it is in
    packet mode, where every read carries a status byte.
    """

    def __init__(self, directory: Path | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(monotonic)
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="infusion-sim-"))
        self.path = str(self.directory / "port")
        self._master = -1  # only while plugged
        self._slave_name = ""  # only while plugged: the device the link points at
        self._packet = False  # packet mode: since the port was last seen without a reader,
        # until that reader's flush (or READER_SETTLE_SECONDS after it opened)
        self._opened_at: float | None = None  # in packet mode: when a reader was first seen
        self._replies = _Replies()
        try:
            self.replug()
        except BaseException:
            self.close()   # no pty to be had (no /dev/pts): the folder made for it goes too
            raise

    @property
    def slave_name(self) -> str:
        return self._slave_name

    def replug(self) -> None:
        master, slave = pty.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        os.set_blocking(master, False)
        name = os.ttyname(slave)
        os.close(slave)   # nobody has the slave open now: the master reports POLLHUP
        self._master, self._slave_name, self._packet = master, name, False
        self._replies.reader = AckReader()   # a new line: nothing half-read carries over
        self._watch_for_reader()
        tmp = self.directory / f".port.{os.getpid()}.{threading.get_ident()}"
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(name, tmp)
        os.replace(tmp, self.path)  # atomic: a reader never sees a half-made link

    def unplug(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        if self._master >= 0:
            os.close(self._master)   # hangs up the slave for the reader
        self._master, self._slave_name, self._packet = -1, "", False

    def close(self) -> None:
        self.unplug()
        if self._own_dir:
            try:
                self.directory.rmdir()
            except OSError as exc:
                log.warning("could not remove %s: %s", self.directory, exc)

    # ---- is anyone reading?

    def _poll(self, seconds: float, writing: bool = False) -> int:
        """The master's poll events after waiting up to `seconds` (0 on a time-out)."""
        poller = select.poll()
        poller.register(self._master, select.POLLIN | (select.POLLOUT if writing else 0))
        ready = poller.poll(max(0.0, seconds) * 1000)
        events = ready[0][1] if ready else 0
        if events & select.POLLHUP and not events & select.POLLIN:
            self._watch_for_reader()
        return events

    def _watch_for_reader(self) -> None:
        """Nobody has the port open: be told when the next reader empties its input."""
        if not self._packet:
            fcntl.ioctl(self._master, termios.TIOCPKT, struct.pack("i", 1))
            self._packet = True
        self._opened_at = None

    def _reader_ready(self) -> None:
        fcntl.ioctl(self._master, termios.TIOCPKT, struct.pack("i", 0))
        self._packet, self._opened_at = False, None

    def has_reader(self) -> bool:
        """Someone has the port open (the master reports POLLHUP while nobody has)."""
        return self._master >= 0 and not self._poll(0) & select.POLLHUP

    def _ready(self, stats: PlayerStats) -> bool:
        """A reader has the port open and has emptied its input, or had READER_SETTLE_SECONDS
        to (a reader that does not: `cat PORT`)."""
        if self._master < 0:
            return False
        events = self._poll(0)
        if events & select.POLLHUP and not events & select.POLLIN:
            return False
        if events & select.POLLIN:
            self._drain(stats)   # a flush notice ends packet mode
        if self._packet:
            now = time.monotonic()
            self._opened_at = self._opened_at if self._opened_at is not None else now
            if now - self._opened_at >= READER_SETTLE_SECONDS:
                self._reader_ready()
        return not self._packet

    def _opening(self) -> bool:
        """A reader has opened the port but not yet emptied its input."""
        return self._packet and self._opened_at is not None

    def wait_for_reader(self, stop: threading.Event, stats: PlayerStats) -> bool:
        """Hold until a reader has opened the port and emptied its input; False if `stop` came
        first."""
        while not stop.is_set():
            if self._ready(stats):
                return True
            self.wait(POLL_SECONDS, stats)
        return False

    def unread(self) -> int:
        """Bytes written that the reader has not taken yet (0 with nobody to take them)."""
        if not self.has_reader():
            return 0
        try:
            # A second opener of the slave, just to ask; the reader's own fd keeps it open.
            fd = os.open(self._slave_name, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return 0   # gone meanwhile, or opened exclusively (TIOCEXCL): cannot tell
        try:
            raw = fcntl.ioctl(fd, termios.FIONREAD, struct.pack("i", 0))
        finally:
            os.close(fd)
        return int(struct.unpack("i", raw)[0])

    # ---- the console's replies

    def _read(self) -> bytes | None:
        """What the console wrote (b"" for a packet-mode status); None when nothing is there
        or nobody has the slave open (EIO)."""
        try:
            raw = os.read(self._master, 65536)
        except BlockingIOError:
            return None
        except OSError as exc:
            if exc.errno == errno.EIO:
                return None
            raise
        if not raw:
            return None
        if not self._packet:
            return raw
        if raw[0] == termios.TIOCPKT_DATA:
            return raw[1:]
        if raw[0] & termios.TIOCPKT_FLUSHREAD:
            self._reader_ready()   # the reader emptied its input: from now on it gets it all
        return b""

    def _drain(self, stats: PlayerStats) -> None:
        while self._master >= 0:
            data = self._read()
            if data is None:
                return
            self._replies.take(data, stats)

    def take_acks(self) -> list[Ack]:
        """The ACKs read since the last call, in order."""
        return self._replies.taken()

    def wait(self, seconds: float, stats: PlayerStats) -> None:
        if self._master < 0:
            time.sleep(max(0.0, seconds))  # unplugged: nothing to drain
            return
        events = self._poll(seconds)
        if events & select.POLLIN:
            self._drain(stats)
        elif events & select.POLLHUP:
            time.sleep(max(0.0, seconds))  # nobody has the port open: poll would return at once

    # ---- writing

    def write(self, data: bytes, stop: threading.Event, stats: PlayerStats) -> bool:
        """Put `data` on the line now; True when the port took all of it.

        With nobody reading, nothing is written (see the module docstring); a reader opening
        the port right now is waited for until it has emptied its input. A full buffer holds
        the writer back while the reader takes bytes; a reader that took nothing for
        STALL_LIMIT_SECONDS is treated as gone: the rest is discarded, and later writes do not
        wait for it until it takes bytes again. Replies are drained meanwhile, counted in
        `stats`. A stop leaves the rest unwritten and uncounted.
        """
        view = memoryview(data)
        while view and not stop.is_set() and self._master >= 0:
            if not self._ready(stats):
                if not self._opening():
                    break   # nobody reading: a wire nobody listens to
                self.wait(POLL_SECONDS / 5, stats)
                continue
            view, going = self._write_turn(view, stats)
            if not going:
                break
        if view and not stop.is_set():
            stats.bytes_discarded += len(view)
        return not view

    def _put(self, view: memoryview) -> int:
        """Write what the pty takes now of `view` (at most 4 KiB); 0 when it takes nothing."""
        try:
            return os.write(self._master, view[:4096])
        except BlockingIOError:
            return 0

    # ---- for a device that answers (devices.simulator.answering)

    def receive(self, timeout: float) -> bytes:
        """What the console wrote, waiting up to `timeout` (b"" when nothing came)."""
        if self._master < 0:
            time.sleep(timeout)
            return b""
        events = self._poll(timeout)
        if events & select.POLLIN:
            return self._read() or b""
        if events & select.POLLHUP:
            time.sleep(timeout)   # nobody has the port open yet
        return b""

    def send(self, data: bytes, stop: threading.Event | None = None) -> None:
        """Write an answer without reading the console's next question; dropped when nobody
        has the port open or its reader takes nothing for STALL_LIMIT_SECONDS. A stop leaves
        the rest unwritten: a reader that takes a byte now and then kept an answer, and the
        device's stop, going for as long as it liked."""
        view = memoryview(data)
        took_at = self._now()
        while view and self._master >= 0 and not (stop is not None and stop.is_set()):
            events = self._poll(POLL_SECONDS, writing=True)
            if events & select.POLLHUP:
                return
            if events & select.POLLOUT:
                n = self._put(view)
                if n:
                    view, took_at = view[n:], self._now()
                    continue
            if self._now() - took_at > STALL_LIMIT_SECONDS:
                return


class SerialSink:
    """An existing port (`/dev/ttyUSB1`, `rfc2217://...`) opened with pyserial; `socket://` is
    `SocketSink`'s."""

    def __init__(self, url: str, baudrate: int) -> None:
        self.path = url
        self._url = url
        self._baudrate = baudrate
        self._port: serial.Serial | None = None   # the type serial_for_url returns
        self._replies = _Replies()
        self.replug()

    def replug(self) -> None:
        port = serial.serial_for_url(self._url, do_not_open=True)
        port.baudrate = self._baudrate
        port.timeout = 0
        port.write_timeout = STALL_LIMIT_SECONDS
        port.open()
        self._port = port
        self._replies.reader = AckReader()

    def unplug(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            port.close()

    def close(self) -> None:
        self.unplug()

    def unread(self) -> int:
        return 0  # a real line: what left the UART is gone

    def wait_for_reader(self, stop: threading.Event, stats: PlayerStats) -> bool:
        return not stop.is_set()   # an existing port cannot tell who listens

    def take_acks(self) -> list[Ack]:
        return self._replies.taken()

    def _drain(self, stats: PlayerStats) -> None:
        if self._port is None:
            return
        # Everything there, not `in_waiting` bytes: over socket:// that is 1 while anything is
        # waiting, and one byte a drain counted 13 of 955 ACKs (the QA audit).
        while self._port.in_waiting:
            data = self._port.read(65536)
            if not data:
                return
            self._replies.take(data, stats)

    def wait(self, seconds: float, stats: PlayerStats) -> None:
        self._drain(stats)
        time.sleep(max(0.0, seconds))

    def write(self, data: bytes, stop: threading.Event, stats: PlayerStats) -> bool:
        if self._port is None:
            stats.bytes_discarded += len(data)
            return False
        try:
            stats.bytes_written += self._port.write(data) or 0
            taken = True
        except serial.SerialTimeoutException:
            log.warning("write to %s timed out: %d bytes discarded", self.path, len(data))
            stats.bytes_discarded += len(data)
            taken = False
        self._drain(stats)
        return taken


class SocketSink(StallRule):
    """An existing TCP port (`socket://HOST:PORT`), written through a non-blocking socket.

    Not pyserial's `socket://`: its write gives up only when its whole write_timeout has passed,
    however recently the reader took bytes, retries a full socket without waiting meanwhile (a
    busy loop), and on giving up its count of the bytes already sent is lost (all of the write
    was counted discarded). Here a full socket holds the writer back while the reader takes
    bytes; a reader that takes nothing for STALL_LIMIT_SECONDS is treated as gone, as on a pty:
    the rest of the write is discarded and counted, and later writes do not wait for it until it
    takes bytes again. Replies are drained meanwhile, so a reader blocked writing its ACKs is
    never the one waited for.

    Args:
        url: `socket://HOST:PORT`.
        monotonic: the clock the stall limit runs on.

    Raises:
        ValueError: the URL names no host or port.
        OSError: nothing accepts the connection within CONNECT_SECONDS.
    """

    _REPLY_EVENTS = select.POLLIN | select.POLLERR | select.POLLHUP   # a closed peer too

    def __init__(self, url: str, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(monotonic)
        self.path = url
        self._address = _tcp_address(url)
        self._sock: socket.socket | None = None   # only while plugged
        self._replies = _Replies()
        self.replug()

    def replug(self) -> None:
        sock = socket.create_connection(self._address, timeout=CONNECT_SECONDS)
        sock.setblocking(False)
        self._sock, self._stalled = sock, False
        self._replies.reader = AckReader()   # a new connection: nothing half-read carries over

    def unplug(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        try:
            while sock.recv(65536):
                pass   # replies left unread would make the close a reset, losing what is in flight
        except OSError:
            pass
        try:
            sock.shutdown(socket.SHUT_WR)   # the reader still gets what the socket holds
        except OSError:
            pass
        sock.close()

    def close(self) -> None:
        self.unplug()

    def unread(self) -> int:
        return 0   # the kernel delivers what the socket holds after it is closed

    def wait_for_reader(self, stop: threading.Event, stats: PlayerStats) -> bool:
        return not stop.is_set()   # an existing port cannot tell who listens

    def take_acks(self) -> list[Ack]:
        return self._replies.taken()

    def _poll(self, seconds: float, writing: bool = False) -> int:
        """The socket's poll events after waiting up to `seconds` (0 on a time-out)."""
        assert self._sock is not None
        poller = select.poll()
        poller.register(self._sock, select.POLLIN | (select.POLLOUT if writing else 0))
        ready = poller.poll(max(0.0, seconds) * 1000)
        return ready[0][1] if ready else 0

    def _drain(self, stats: PlayerStats) -> None:
        """Take every reply waiting.

        Raises:
            ConnectionError: the other end closed the connection (as pyserial's port raised).
        """
        while self._sock is not None:
            try:
                data = self._sock.recv(65536)
            except BlockingIOError:
                return
            if not data:
                # No path: the caller names the port (it had been said twice).
                raise ConnectionError("the other end closed the connection")
            self._replies.take(data, stats)

    def wait(self, seconds: float, stats: PlayerStats) -> None:
        if self._sock is None:
            time.sleep(max(0.0, seconds))  # unplugged: nothing to drain
            return
        if self._poll(seconds, writing=False):
            self._drain(stats)

    def write(self, data: bytes, stop: threading.Event, stats: PlayerStats) -> bool:
        """Put `data` on the connection now; True when the socket took all of it (the stall
        rule: see the class docstring). A stop leaves the rest unwritten and uncounted."""
        if self._sock is None:
            stats.bytes_discarded += len(data)
            return False
        view = self._write_from_now(memoryview(data), stop, stats)   # raises for a closed peer
        if view and not stop.is_set():
            stats.bytes_discarded += len(view)
        return not view

    def _put(self, view: memoryview) -> int:
        """Send what the socket takes now of `view`; 0 when it takes nothing."""
        assert self._sock is not None
        try:
            return self._sock.send(view[:65536])
        except BlockingIOError:
            return 0


def _tcp_address(url: str) -> tuple[str, int]:
    """(host, port) of `socket://HOST:PORT`.

    Raises:
        ValueError: no host or no port 1-65535, saying what to give.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "socket" or not parts.hostname or not port:
        raise ValueError(f"{url!r} is not socket://HOST:PORT (e.g. socket://127.0.0.1:4001)")
    return parts.hostname, port


def _serial_baud(fmt: str) -> int:
    try:
        from devices.formats import FORMATS

        return int(FORMATS[fmt].serial.baudrate)
    except (ImportError, KeyError, AttributeError):
        return DEFAULT_SERIAL_BAUD


def open_sink(port: str | None, fmt: str) -> Sink:
    """A new pty pair behind a symlink, or the existing `port` (a `socket://` URL, or a serial
    port or another pyserial URL)."""
    if port is None:
        return PtySink()
    if port.startswith("socket://"):
        return SocketSink(port)
    return SerialSink(port, _serial_baud(fmt))
