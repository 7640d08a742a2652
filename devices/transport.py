"""The serial transport: one reader thread per device, with an explicit connection state machine.

A `DeviceConnection` owns one port (a path such as `/dev/ttyUSB0`, `/dev/pts/N` or a symlink to
it, or any pyserial URL: `socket://host:port`, `loop://`, `spy://...`). Its worker thread reads
the port with a short timeout, feeds the bytes to the format's `StreamDecoder`, writes the
decoder's replies (HL7 ACKs) back, and hands everything to its owner through one callback.

State machine (one enum, `ConnectionState`; every transition is reported as a `DeviceEvent`):

    STOPPED ──start()──► (open attempt) ──ok──► CONNECTING ──first good frame──► CONNECTED
                                     └─fails─► DISCONNECTED
    CONNECTING / CONNECTED ──no good frame for `stale_after_seconds` (4 s)──► STALE
    STALE ──a good frame──► CONNECTED
    STALE, a `socket://` port ──no good frame for as long again──► DISCONNECTED (closed)
    DISCONNECTED after that close ──reopened, unreported; closed again as long without a good
                                    frame, and so on──► CONNECTED on its first good frame
    CONNECTING / CONNECTED / STALE ──SerialException, OSError (pty EIO = end of stream),
                                      or any unexpected error──► DISCONNECTED
    DISCONNECTED ──retry after back-off, open ok──► CONNECTING
    any state ──stop()──► STOPPED

Rules:
- CONNECTING means "the port is open, no good frame yet". CONNECTED is entered on the first
  *good frame*, not on the first byte: a complete frame that the decoder did not reject as a
  whole (`FRAME_REJECTIONS`: a Masimo line that is not a Masimo line or is cut short, an HL7
  frame without MSH).
  A line at the wrong baud rate, or pure noise that happens to hold line ends, is not a device the
  nurse can rely on. A good frame whose values are all "no value" (probe off) still counts: the
  device is talking, and the per-vital absence alarms speak for the missing values. The STALE
  watchdog runs from the moment the port opened, so a port that opens but never yields a good
  frame goes CONNECTING -> STALE.
- STALE is the "no data" state (quality bar R2: a technical alarm within 5 s of the last good
  frame; the 4 s default and its reasons are in devices/formats.py). Its detail says whether the
  line was silent or carried only bytes that never made a frame (garbage, wrong format or baud
  rate): "no valid frame for 4 s" or "no valid frame for 4 s; 812 bytes received that
  could not be read". Garbage never resets the watchdog; only a good frame does.
- A TCP port (`socket://`: a serial-over-LAN converter, a gateway) can die without a word: a
  converter that loses power or a switch that reboots sends no FIN or RST, and a read on the dead
  connection waits for ever (the console had said "Still no data" until restarted, the converter
  long back). So such a port STALE for `stale_after_seconds` more (8 s without a good frame by
  default) is closed, DISCONNECTED "port lost: ...", and opened again through the back-off below;
  and its socket has TCP keep-alive (`KEEPALIVE_*`), which finds a dead peer of a connection
  that is quiet both ways. The price: a monitor quiet behind a live converter reads "Device
  disconnected" after those 8 s, and its connection is made again every 8-10 s until it talks.
  Those reconnects are one episode: reported DISCONNECTED once, with no CONNECTING or STALE
  until a good frame comes (CONNECTED). Each cycle reported had been three state changes, so
  three rows in the session's log every ~10 s, about 1,000 an hour, pushing T0, the ticks and
  the typed values out of the event list (a review of 96fef33).
  A serial port stays open however long it is quiet: its line cannot die silently, and a
  re-open would only call a quiet monitor on a cable that is in "disconnected".
- A failed re-open while DISCONNECTED stays DISCONNECTED (no repeated events). Back-off between
  attempts: 0.25 s, doubling to a 2 s cap, reset when a frame arrives (CONNECTED). A port that
  returns is therefore picked up within about 2 s (R2 asks for 5 s; measured 0.75 s after 1 s
  away, 1.75 s after 6 s away: tests/faults/README.md).
- On end of stream the decoder is flushed (its results are still reported) and discarded; every
  (re)open gets a fresh decoder, so half a frame from before an unplug never joins the next one.
  What the connection reported of an NIBP without a time (`devices.stream.UnplacedNibp`) is
  the connection's, handed to each new decoder: the monitor still repeating it after a replug is
  not a new measurement (it had been logged again, "age unknown"). A resumed session's owner
  hands the connection one started from the session's log (`nibp`, `UnplacedNibp.resume`): the
  cuff still repeated after "Restart and resume" is the one logged before it.
  A decoder that cannot be built at an open (a profile's code map refused: a clinic copy saved
  with a typo, its folder unreadable a moment) is an open that failed: the port closed again,
  DISCONNECTED "cannot read <file>: <why>", retried with the same back-off, so the monitor is
  read once the file is put right (it had ended the reader: "reader failed" until a restart).
- A serial port is opened for this reader alone (pyserial's `exclusive`: an advisory lock on
  POSIX, the only mode on Windows). Two readers of one port share its bytes: each takes frames
  the other never sees, and halves of frames that neither can read, so the nurse's console loses
  readings without a gap it could name. A second console (or any program that locks) on a port
  already read gets DISCONNECTED, "in use by another program", and keeps retrying.
- Nothing escapes the worker thread: unexpected errors become DISCONNECTED with the error text
  (and a logged traceback), then a retry. An exception raised by the owner's callback is logged
  and ignored.

Acknowledgements follow the commit (the console's first rule; GE B40: AA/CA = "committed to safe
storage"). A message that carries data is owed an answer that depends on whether its content
reached the log (`devices.stream.Reply.after_commit`). Its DATA event carries a `ReplyTicket`; the
owner, after committing the event's readings on its own thread, calls `event.settle(stored)`. The
worker writes owed answers strictly in message order, each once its ticket is settled, checking
at every turn of its read loop (at most one read timeout, 0.1 s, after the settle); it never waits
on the owner. An answer nobody settles within `REPLY_WAIT_SECONDS` is dropped unsent (the monitor
resends on its own time-out: an unanswered message was not confirmed), and so is every answer
still owed when the port closes.

Group commit: while the owner has not settled the last DATA event it was handed (it is still
committing it), what the next reads decode is held here and handed over as one DATA event when
that verdict comes (`_take`), so a flood costs the log one sync per batch, not one per read
(quality bar P2: a read of a pty carries ~3 messages, and the sync was most of their cost). The
owner would have taken those reads only after that commit anyway (it works one event at a time),
and the settle wakes this thread at once (`ReplyTicket`'s wake), so no reading waits longer than
it did; each held message's ACK still follows the commit of its batch, in message order. A batch
is handed over before a read would take it past `HELD_FRAMES_MAX` frames (one transaction stays
short; a single read larger than that goes whole, as it did), and not held for an event unsettled
`HOLD_SECONDS` after it was handed over: from then on each read goes as it comes until the owner
settles that one (an owner that stalls, or a test's queue that settles late). Never held on a
port whose wake can be missed (`_wake_is_kept`: a `socket://` port has none, and Windows cancels
only a read in progress, so a settle while the reader decodes would leave the batch to the read
timeout); handed over before any state change, so events keep their order.

Delivery: a callback, `on_event(DeviceEvent)`, called *from the worker thread*. It must not block
(append to a queue, emit a Qt signal: a queued connection crosses to the GUI thread). A callback
was chosen over an internal queue because the Qt layer turns it into a signal in one line and
tests turn it into a `queue.Queue` in one line; an internal queue would need a second drain loop.

Devices that must be asked (polled HL7, Philips IntelliVue): when the format's decoder is a
`devices.stream.Conversation`, the worker writes what its `outgoing(now)` returns at every turn
of the read loop, after the owed answers (an answer to a message is never held behind a query),
and its `closing_bytes()` before the port closes on `stop()`. Such a device sends nothing unasked,
so the watchdog above is also the "it stopped answering" alarm: its interval follows the poll
period (devices/profiles.py), not the 4 s of a device that pushes.

Time: received stamps come from `wall()` (UTC aware) and the watchdog from `monotonic()`, both
injectable. This module is an edge that genuinely runs in real time, so the defaults are the real
clocks.
"""

from __future__ import annotations

import enum
import errno
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from devices.framing import QUIET_CUT_SECONDS
from devices.reading import Reading
from devices.stream import (
    DECODER_ERROR,
    Conversation,
    DecodeResult,
    Dropped,
    Reply,
    StreamDecoder,
    UnplacedNibp,
)

if TYPE_CHECKING:
    import socket

    import serial

log = logging.getLogger(__name__)

FRAME_REJECTIONS = frozenset({
    "bad-frame", "partial-line", "truncated-line", DECODER_ERROR, "not-oru",
    "no-segment-terminators",
})
"""`Dropped` reasons by which a decoder rejects a complete frame as a whole (not one value in it):
such a frame does not prove the device is there, so it neither connects nor feeds the watchdog."""

READ_TIMEOUT_SECONDS = 0.1
"""How long one read waits: bounds how late the watchdog and stop() react."""
QUIET_END_SECONDS = 0.5
"""A line quiet this long after bytes came ends a frame that only silence ends (bare HL7,
`MllpFramer.quiet`): long beside a pause between a message's segments on a serial line, short
beside a monitor's one message a second. A bare message held inside a segment waits longer
(`devices.framing.QUIET_CUT_SECONDS`)."""
WRITE_TIMEOUT_SECONDS = 1.0
"""A reply write that cannot complete in this time means the peer is gone (or not draining)."""
REPLY_WAIT_SECONDS = 10.0
"""An owed answer whose ticket is not settled in this time is dropped unsent (a stalled owner
must not hold the line: the monitor's own time-out makes it resend)."""
KEEPALIVE_IDLE_SECONDS = 5
KEEPALIVE_INTERVAL_SECONDS = 2
KEEPALIVE_COUNT = 3
"""TCP keep-alive of a `socket://` port: a peer that answers none of 3 probes sent 2 s apart
after 5 s without traffic is gone (11 s; the kernel's default is over two hours), and the read
fails as "port lost". A live converter answers probes whether or not its monitor talks."""
BACKOFF_FIRST_SECONDS = 0.25
BACKOFF_CAP_SECONDS = 2.0
STOP_JOIN_SECONDS = 2.0
HELD_FRAMES_MAX = 32
"""Frames held at most while the owner commits (module docstring, group commit): a flood's batch
reaches the cap at P2's pace (~0.7 ms a message: the GUI thread busy ~25 ms at a time), then
each batch is one sync for 32 messages, where a read's ~3 had one each."""
HOLD_SECONDS = 0.5
"""How long after a DATA event was handed over the next reads are still held for its verdict."""


class ConnectionState(enum.Enum):
    """Where one device connection is; see the module docstring for the transitions."""

    STOPPED = "stopped"  # not started, or stopped by the owner
    CONNECTING = "connecting"  # port open, no good frame yet
    CONNECTED = "connected"  # good frames arriving
    STALE = "stale"  # port open, no good frame for stale_after_seconds
    DISCONNECTED = "disconnected"  # port gone or cannot be opened; retrying with back-off


class EventKind(enum.Enum):
    STATE = "state"
    DATA = "data"


class ReplyTicket:
    """The owner's word on one DATA event: were its readings committed? Thread-safe.

    Settled once, by the owner's thread (`settle`); read by the worker (`verdict`).
    """

    __slots__ = ("_done", "_stored", "_wake")

    def __init__(self, wake: Callable[[], None] | None = None) -> None:
        self._done = threading.Event()
        self._stored = False
        self._wake = wake   # makes the worker's read return now, so the answer goes out at once

    def settle(self, stored: bool) -> None:
        self._stored = stored
        self._done.set()
        if self._wake is not None:
            self._wake()

    @property
    def wakes(self) -> bool:
        """Its settle ends the worker's read at once (the worker may hold reads for it)."""
        return self._wake is not None

    @property
    def verdict(self) -> bool | None:
        """True (stored), False (not stored), or None while the owner has not said."""
        return self._stored if self._done.is_set() else None


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """What the transport tells its owner.

    Attributes:
        kind: STATE (a transition) or DATA (what one read decoded, or the reads held while the
            owner committed the event before: module docstring, group commit).
        url: the port as given by the owner.
        at: host wall time (UTC, aware).
        mono: host monotonic time, for durations.
        state: STATE only: the new state.
        previous: STATE only: the state left.
        detail: STATE only: why (error text, watchdog interval, path opened).
        readings: DATA only: valid readings, in order.
        dropped: DATA only: what the decoder discarded and why.
        frames: DATA only: complete frames seen in this read.
        ticket: DATA only, when answers to the device wait for the owner's verdict, or the
            decoder must learn it (`undo`): settle it with `settle(stored)` once the readings
            are committed (or could not be).
        undo: DATA only: what the decoder forgets when the owner could not take the readings
            (`rolled_back`).
    """

    kind: EventKind
    url: str
    at: datetime
    mono: float
    state: ConnectionState | None = None
    previous: ConnectionState | None = None
    detail: str = ""
    readings: tuple[Reading, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    frames: int = 0
    ticket: ReplyTicket | None = None
    undo: tuple[Callable[[], None], ...] = ()

    @classmethod
    def data(cls, url: str, at: datetime, mono: float, result: DecodeResult,
             ticket: ReplyTicket | None = None) -> DeviceEvent:
        """The DATA event of what one read decoded."""
        return cls(EventKind.DATA, url, at, mono, readings=tuple(result.readings),
                   dropped=tuple(result.dropped), frames=result.frames, ticket=ticket,
                   undo=tuple(result.undo))

    def settle(self, stored: bool) -> None:
        """Say whether this event's readings are committed; their acknowledgements follow."""
        if self.ticket is not None:
            self.ticket.settle(stored)

    def rolled_back(self) -> None:
        """Say the owner did not take this event's readings (its commit failed and was put
        back): the decoder forgets the NIBP it counted as reported, so the resend (or an Ivy's
        next frame) brings it again. Not for readings held while the log cannot take writes:
        those are kept, and a resend would log them twice."""
        for undo in self.undo:
            undo()


class SerialSettingsLike(Protocol):
    """Line settings a format opens with (`devices.formats.SerialSettings`)."""

    @property
    def baudrate(self) -> int: ...

    @property
    def bytesize(self) -> int: ...

    @property
    def parity(self) -> str: ...

    @property
    def stopbits(self) -> float: ...


class FormatLike(Protocol):
    """What the transport needs from a format (`devices.formats.FormatSpec` satisfies it)."""

    @property
    def serial(self) -> SerialSettingsLike: ...

    @property
    def stale_after_seconds(self) -> float: ...

    def new_decoder(self, source_hint: str = "", nibp: UnplacedNibp | None = None) -> StreamDecoder: ...


@dataclass(slots=True)
class ConnectionStats:
    """Counters since start(); written by the worker only, read by anyone (ints are atomic)."""

    bytes_received: int = 0
    frames: int = 0
    readings: int = 0
    dropped: int = 0
    replies_written: int = 0
    replies_dropped: int = 0   # owed answers never sent (not settled in time, or port closed)
    requests_written: int = 0   # queries, polls and keep-alives a conversing decoder sent
    opens: int = 0


SerialFactory = Callable[[str], "serial.Serial"]


def _import_serial() -> None:
    """Import pyserial as this module's `serial`: with the first connection, not with the module,
    so a console that starts without a device never loads it (P7, start-up). Every use of
    `serial` below runs on behalf of a `DeviceConnection`, which calls this first."""
    global serial   # noqa: PLW0603 - the module's own name for pyserial, bound once
    import serial


def _default_serial_factory(url: str) -> serial.Serial:
    if url.startswith("udp://"):
        # A monitor on the LAN (Philips IntelliVue): a pyserial-like port whose every read is
        # one whole datagram, so the decoder sees one message per feed (devices/udp_port.py).
        from devices.udp_port import UdpPort

        return UdpPort(url)  # type: ignore[return-value]
    if url.startswith("socket://"):
        return _socket_port(url)
    port = serial.serial_for_url(url, do_not_open=True)
    port.exclusive = True   # one reader per port (module docstring)
    return port


def _why(exc: Exception) -> str:
    """An open's failure as the nurse reads it: a port another reader holds is named so."""
    if isinstance(exc, OSError) and exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
        return "in use by another program (another console on this port?); close it"
    return str(exc)


def _unreadable(exc: Exception) -> str:
    """A decoder that could not be built, in one line: the file it needed and why (a refused
    code map's error starts with its path)."""
    if isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.filename}: {exc.strerror or exc}"
    elif isinstance(exc, ValueError | OSError):
        text = str(exc) or type(exc).__name__
    else:
        return " ".join(f"unexpected error: {type(exc).__name__}: {exc}".splitlines())
    return " ".join(f"cannot read {text}".splitlines())


def _socket_port(url: str) -> serial.Serial:
    """pyserial's `socket://` port, told how many bytes really wait.

    pyserial answers `in_waiting` on a socket with 0 or 1 (a select), so the read loop took a
    monitor on TCP (a gateway, a Mindray bedside, serial-over-LAN) a couple of bytes per turn:
    a 1.2 KB HL7 message in some 600 turns, each through the decoder. FIONREAD gives the
    socket's real count, and the loop takes everything that arrived in one read.
    """
    import fcntl
    import struct
    import termios

    from serial.urlhandler.protocol_socket import Serial as SocketSerial

    class SocketPort(SocketSerial):
        @property
        def in_waiting(self) -> int:
            if not self.is_open:
                raise serial.PortNotOpenError()
            sock = getattr(self, "_socket")  # noqa: B009 - pyserial's own socket, untyped
            raw = fcntl.ioctl(sock, termios.FIONREAD, struct.pack("i", 0))
            return max(1, int(struct.unpack("i", raw)[0])) if super().in_waiting else 0

        def open(self) -> None:
            super().open()
            _keep_alive(getattr(self, "_socket"))  # noqa: B009 - pyserial's own socket

    port = SocketPort(None)
    port.port = url
    return port  # type: ignore[return-value]  # a pyserial port of another class


def _keep_alive(sock: socket.socket) -> None:
    """TCP keep-alive on `sock`, with the short timings where the platform lets them be set
    (Linux: TCP_KEEPIDLE; macOS: TCP_KEEPALIVE is the idle time)."""
    import socket

    idle = getattr(socket, "TCP_KEEPIDLE", getattr(socket, "TCP_KEEPALIVE", None))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for option, value in ((idle, KEEPALIVE_IDLE_SECONDS),
                              (getattr(socket, "TCP_KEEPINTVL", None), KEEPALIVE_INTERVAL_SECONDS),
                              (getattr(socket, "TCP_KEEPCNT", None), KEEPALIVE_COUNT)):
            if option is not None:
                sock.setsockopt(socket.IPPROTO_TCP, option, value)
    except OSError as exc:
        # A help, not a need: the stale watchdog closes a dead link anyway; the monitor is read.
        log.warning("TCP keep-alive not set on %s: %s", sock, exc)


def _wake_is_kept(port: object) -> bool:
    """The port's `cancel_read` ends the next read too when none is waiting (a posix port's
    pipe, loop://'s queue, `devices.udp_port.UdpPort`'s socket pair), so a settle between two
    reads is never missed. Windows' cancels only a read in progress (pyserial serialwin32), and a
    `socket://` port has none."""
    return sys.platform != "win32" and callable(getattr(port, "cancel_read", None))


def resolve_format(fmt: str | FormatLike) -> FormatLike:
    """Return the format object for a format name (`devices.formats.FORMATS`) or a device
    profile name (`devices.profiles`), or `fmt` itself when it is already one.

    Raises:
        ValueError: the name is neither (the message lists the known ones), or its profile
            cannot be used as it stands.
    """
    if not isinstance(fmt, str):
        return fmt
    from devices.formats import FORMATS  # late: the transport must not need every decoder

    spec = FORMATS.get(fmt)
    if spec is not None:
        return spec
    from devices.profiles import resolve

    return resolve(fmt)


class DeviceConnection:
    """One device port read by a worker thread; see the module docstring for the state rules.

    Args:
        url: a port path or pyserial URL.
        fmt: a format name from `devices.formats.FORMATS`, or a format object.
        on_event: called from the worker thread with every `DeviceEvent`; must not block.
        baudrate, bytesize, parity, stopbits: line settings; None takes the format's default.
        stale_after_seconds: quiet-line watchdog; None takes the format's default.
        capture_path: if set, every received byte is appended to this file (for `--replay`).
        wall: wall clock (UTC aware) for received stamps.
        monotonic: monotonic clock for the watchdog.
        serial_factory: builds the unopened port object from `url` (tests wrap `loop://`).
        read_timeout: seconds one read waits.
        backoff_first, backoff_cap: reconnect delays (doubling from first to cap).
        nibp: the connection's NIBP memory, started from the session's log when it resumes
            (`UnplacedNibp.resume`); None: a new one.
    """

    def __init__(
        self,
        url: str,
        fmt: str | FormatLike,
        on_event: Callable[[DeviceEvent], None],
        *,
        baudrate: int | None = None,
        bytesize: int | None = None,
        parity: str | None = None,
        stopbits: float | None = None,
        stale_after_seconds: float | None = None,
        capture_path: str | Path | None = None,
        wall: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        serial_factory: SerialFactory = _default_serial_factory,
        read_timeout: float = READ_TIMEOUT_SECONDS,
        backoff_first: float = BACKOFF_FIRST_SECONDS,
        backoff_cap: float = BACKOFF_CAP_SECONDS,
        nibp: UnplacedNibp | None = None,
    ) -> None:
        _import_serial()
        self.url = url
        self.format = resolve_format(fmt)
        self._on_event = on_event
        line = self.format.serial
        self.baudrate = baudrate if baudrate is not None else line.baudrate
        self.bytesize = bytesize if bytesize is not None else line.bytesize
        self.parity = parity if parity is not None else line.parity
        self.stopbits = stopbits if stopbits is not None else line.stopbits
        self.stale_after_seconds = (
            stale_after_seconds if stale_after_seconds is not None else self.format.stale_after_seconds
        )
        if self.stale_after_seconds <= 0:
            raise ValueError(f"stale_after_seconds must be > 0, got {self.stale_after_seconds}")
        self.capture_path = Path(capture_path) if capture_path is not None else None
        # A link that can die without a word (module docstring): closed when stale that long.
        self._silent_death = url.startswith("socket://")
        # Closed for that silence: reopened without a word until a good frame (module docstring).
        self._quiet_link = False
        self._wall = wall or (lambda: datetime.now(UTC))
        self._mono = monotonic
        self._serial_factory = serial_factory
        self._read_timeout = read_timeout
        self._backoff_first = backoff_first
        self._backoff_cap = backoff_cap
        self.stats = ConnectionStats()

        self._state = ConnectionState.STOPPED
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Only while a port is open (worker thread only):
        self._port: serial.Serial | None = None
        self._decoder: StreamDecoder | None = None
        self._conversation: Conversation | None = None   # the decoder, when it must be spoken to
        # Across decoders: what was reported stays reported.
        self._nibp = nibp if nibp is not None else UnplacedNibp()
        self._last_frame_mono = 0.0  # when the last good frame (or the open) happened
        self._bytes_since_frame = 0  # bytes read since then (garbage when it grows alone)
        self._bytes_at: float | None = None   # when bytes last came, until the quiet end is tried
        self._quiet_next = QUIET_END_SECONDS   # how long a quiet the next quiet end waits for
        self._capture: BinaryIO | None = None
        # Answers owed to the device, in message order: (reply, its event's ticket or None for an
        # answer that does not wait, monotonic time it was owed). Worker thread only.
        self._owed: deque[tuple[Reply, ReplyTicket | None, float]] = deque()
        # Group commit (module docstring; worker thread only): the ticket of the last DATA event
        # handed over whose settle wakes this thread, and when; what is held meanwhile.
        self._in_flight: ReplyTicket | None = None
        self._in_flight_mono = 0.0
        self._lapsed: ReplyTicket | None = None   # held for past HOLD_SECONDS, unsettled then
        self._held: DecodeResult | None = None
        self._held_ticket: ReplyTicket | None = None
        self._held_mono = 0.0
        self._wakes = False   # the open port's read can be ended early (`_wake`)
        self._port_lock = threading.Lock()   # the port's closing vs another thread's wake-up

    # ---------------------------------------------------------------- owner API

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the worker thread (once)."""
        if self._thread is not None:
            raise RuntimeError(f"connection to {self.url} already started")
        self._thread = threading.Thread(
            target=self._run, name=f"device-reader:{self.url}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = STOP_JOIN_SECONDS) -> bool:
        """Stop reading, close the port, report STOPPED; returns True when the thread has ended.

        The worker notices within one read timeout (0.1 s by default) or back-off wait.
        """
        self._stop.set()
        thread = self._thread
        if thread is None:
            return True
        if thread is not threading.current_thread():
            thread.join(timeout)
        return not thread.is_alive()

    # ---------------------------------------------------------------- worker

    def _run(self) -> None:
        delay = self._backoff_first
        try:
            self._open_capture()
            while not self._stop.is_set():
                if self._port is None:
                    if self._try_open():
                        continue
                    self._stop.wait(delay)
                    delay = min(delay * 2, self._backoff_cap)
                    continue
                try:
                    self._read_once()
                except (serial.SerialException, OSError) as exc:
                    self._end_of_stream(f"port lost: {exc}")
                except Exception as exc:  # noqa: BLE001 - nothing may escape the reader
                    log.exception("unexpected error reading %s", self.url)
                    self._end_of_stream(f"unexpected error: {type(exc).__name__}: {exc}")
                if self._state is ConnectionState.CONNECTED:
                    delay = self._backoff_first
                elif self._port is None and not self._stop.is_set():
                    self._stop.wait(delay)
                    delay = min(delay * 2, self._backoff_cap)
        except Exception as exc:  # noqa: BLE001 - last resort: report, never raise
            log.exception("device reader for %s ended by an unexpected error", self.url)
            self._set_state(ConnectionState.DISCONNECTED, f"reader failed: {exc}")
        finally:
            self._say_goodbye()
            self._close_port()
            self._close_capture()
            self._set_state(ConnectionState.STOPPED, "stopped by the owner")

    def _try_open(self) -> bool:
        try:
            port = self._serial_factory(self.url)
            port.baudrate = self.baudrate
            port.bytesize = self.bytesize
            port.parity = self.parity
            port.stopbits = self.stopbits
            port.timeout = self._read_timeout
            port.write_timeout = WRITE_TIMEOUT_SECONDS
            port.open()
        except (serial.SerialException, OSError, ValueError) as exc:
            self._set_state(ConnectionState.DISCONNECTED, f"cannot open {self.url}: {_why(exc)}")
            return False
        self._port = port
        self._wakes = _wake_is_kept(port)
        self._nibp.new_connection()
        try:
            # Built at every (re)open, reading a profile's code map again: one refused now (a
            # clinic copy saved with a typo, its folder unreadable a moment) is retried as a port
            # that will not open. Outside this guard it ended the reader for good.
            self._decoder = self.format.new_decoder(self.url, self._nibp)
        except Exception as exc:  # noqa: BLE001 - nothing may escape the reader
            if not isinstance(exc, ValueError | OSError):
                log.exception("unexpected error building the decoder for %s", self.url)
            self._close_port()
            self._set_state(ConnectionState.DISCONNECTED, _unreadable(exc))
            return False
        self._conversation = self._decoder if isinstance(self._decoder, Conversation) else None
        self._last_frame_mono = self._mono()
        self._bytes_since_frame = 0
        self.stats.opens += 1
        if self._quiet_link:
            log.debug("%s opened again, still no valid frame", self.url)
        else:
            self._set_state(ConnectionState.CONNECTING, f"opened {self.url}")
        return True

    def _read_once(self) -> None:
        port = self._port
        if port is None:
            return
        data = port.read(1)  # waits up to read_timeout for the first byte
        if data:
            waiting = port.in_waiting  # then take what is buffered without waiting again
            if waiting:
                data += port.read(waiting)
        now = self._mono()
        if data:
            self.stats.bytes_received += len(data)
            self._bytes_since_frame += len(data)
            self._write_capture(data)
            decoder = self._decoder
            if decoder is None:  # set whenever _port is; kept explicit for the type checker
                return
            self._take(decoder.feed(data, self._wall()), now)
            self._bytes_at = now
            self._quiet_next = QUIET_END_SECONDS
        elif self._bytes_at is not None and now - self._bytes_at >= self._quiet_next:
            quiet_for = now - self._bytes_at
            # Tried twice: a message held whole ends at 0.5 s; one held inside a segment is read
            # without that row at QUIET_CUT_SECONDS (it had waited for a next message for ever).
            if quiet_for >= QUIET_CUT_SECONDS:
                self._bytes_at = None
            else:
                self._quiet_next = QUIET_CUT_SECONDS
            quiet = getattr(self._decoder, "quiet", None)
            if quiet is not None:
                self._take(quiet(self._wall(), quiet_for), now)
        if not self._owner_busy(now):
            self._hand_held_over()
        self._send_owed(port, now)
        self._send_outgoing(port, now)
        if (
            self._state in (ConnectionState.CONNECTING, ConnectionState.CONNECTED)
            and now - self._last_frame_mono >= self.stale_after_seconds
        ):
            detail = f"no valid frame for {self.stale_after_seconds:g} s"
            if self._bytes_since_frame:
                detail += f"; {self._bytes_since_frame} bytes received that could not be read"
            self._set_state(ConnectionState.STALE, detail)
        elif (
            (self._state is ConnectionState.STALE or self._quiet_link) and self._silent_death
            and now - self._last_frame_mono >= 2 * self.stale_after_seconds
        ):
            self._quiet_link = True
            self._end_of_stream(
                f"port lost: no valid frame for {2 * self.stale_after_seconds:g} s on a network "
                "link, which may have dropped without a word (a converter power-cycled); "
                "connecting again")

    def _take(self, result: DecodeResult, now: float) -> None:
        """What one read (or a quiet end) decoded: handed to the owner, or held while the owner
        is still committing the event before (module docstring, group commit)."""
        if not (result.frames or result.readings or result.dropped or result.replies):
            pass   # half a message, or a quiet turn: nothing to hand over, the batch stays held
        elif self._held is not None or self._owner_busy(now):
            if self._held is not None and self._held.frames + result.frames > HELD_FRAMES_MAX:
                self._hand_held_over()   # the owner is handed that one: this read waits for it
            self._hold(result, now)
        else:
            self._report(result, now, self._owe(result.replies, now))
        if not self._owner_busy(now):
            self._hand_held_over()

    def _owner_busy(self, now: float) -> bool:
        """The owner has not yet settled the last event it was handed, and will wake this
        thread when it does."""
        ticket = self._in_flight
        if ticket is None or ticket.verdict is not None or not self._wakes:
            return False
        if now - self._in_flight_mono < HOLD_SECONDS:
            return True
        # Lapsed: nothing is held for a later event either until the owner settles this one
        # (`_emit_data`), or a stalled owner would get a batch every HOLD_SECONDS.
        self._in_flight, self._lapsed = None, ticket
        return False

    def _hold(self, result: DecodeResult, now: float) -> None:
        """Keep `result` for the next event: its answers owed under that event's ticket, its
        frames counted and fed to the watchdog now, as a read handed over at once is."""
        if self._held is None or self._held_ticket is None:
            self._held, self._held_ticket, self._held_mono = DecodeResult(), ReplyTicket(self._wake), now
        self._held.extend(result)
        self._owe(result.replies, now, self._held_ticket)
        self._count(result)
        self._frames_seen(result, now)

    def _hand_held_over(self) -> None:
        """Hand what is held to the owner as one DATA event (before any other event)."""
        held, ticket = self._held, self._held_ticket
        if held is None:
            return
        self._held = self._held_ticket = None
        self._emit_data(held, self._held_mono, ticket)

    def _owe(self, replies: list[Reply], now: float,
             ticket: ReplyTicket | None = None) -> ReplyTicket | None:
        """Queue the answers of one read under `ticket` (a held batch's), or else a ticket of
        their own when any waits; return the ticket their owner settles, if any."""
        if ticket is None and any(r.waits for r in replies):
            ticket = ReplyTicket(self._wake)
        for reply in replies:
            self._owed.append((reply, ticket if reply.waits else None, now))
        return ticket

    def _send_owed(self, port: serial.Serial, now: float) -> None:
        """Write the owed answers whose verdict is known, in order; drop a stalled one."""
        while self._owed:
            reply, ticket, since = self._owed[0]
            verdict = ticket.verdict if ticket is not None else True
            if verdict is None:
                if now - since < REPLY_WAIT_SECONDS:
                    return   # the owner has not committed it yet: later answers wait behind it
                log.warning("no verdict on a message from %s within %g s: not acknowledged",
                            self.url, REPLY_WAIT_SECONDS)
                self.stats.replies_dropped += 1
            else:
                port.write(reply.answer(verdict))
                self.stats.replies_written += 1
            self._owed.popleft()

    def _send_outgoing(self, port: serial.Serial, now: float) -> None:
        """Write what a conversing decoder wants sent now (a query, a poll, a keep-alive)."""
        conversation = self._conversation
        if conversation is None:
            return
        data = conversation.outgoing(now, self._wall())
        if data:
            port.write(data)
            self.stats.requests_written += 1

    def _say_goodbye(self) -> None:
        """On stop: end a conversation politely (a release, a "Close") while the port is open.
        Best effort: a port that is already gone has nobody to say it to."""
        port, conversation = self._port, self._conversation
        if port is None or conversation is None:
            return
        try:
            data = conversation.closing_bytes()
            if data:
                port.write(data)
                port.flush()
        except (serial.SerialException, OSError) as exc:
            log.debug("closing conversation with %s: %s", self.url, exc)

    def _report(self, result: DecodeResult, now: float, ticket: ReplyTicket | None = None) -> None:
        self._count(result)
        if result.readings or result.dropped or result.frames:
            if ticket is None and result.undo:
                # No answer waits (an Ivy, an IntelliVue), but the decoder's memory must learn a
                # hand-over that failed (`_emit`): the ticket tells a failure before the owner
                # settled from one after (undone then, a committed NIBP would be logged twice).
                ticket = ReplyTicket()
            self._emit_data(result, now, ticket)
        self._frames_seen(result, now)

    def _count(self, result: DecodeResult) -> None:
        self.stats.frames += result.frames
        self.stats.readings += len(result.readings)
        self.stats.dropped += len(result.dropped)

    def _emit_data(self, result: DecodeResult, mono: float, ticket: ReplyTicket | None) -> None:
        if ticket is not None and ticket.wakes and (
                self._lapsed is None or self._lapsed.verdict is not None):
            self._lapsed = None   # what the next reads are held for
            self._in_flight, self._in_flight_mono = ticket, self._mono()
        self._emit(DeviceEvent.data(self.url, self._wall(), mono, result, ticket))

    def _frames_seen(self, result: DecodeResult, now: float) -> None:
        """The watchdog and CONNECTED: a good frame proves the device is there."""
        rejected = sum(d.reason in FRAME_REJECTIONS for d in result.dropped)
        if result.readings or result.frames > rejected:
            self._last_frame_mono = now
            self._bytes_since_frame = 0
            self._quiet_link = False
            if self._state is not ConnectionState.CONNECTED:
                self._set_state(ConnectionState.CONNECTED, "frames arriving")

    def _end_of_stream(self, detail: str) -> None:
        decoder = self._decoder
        self._close_port()
        if decoder is not None:
            try:
                self._report(decoder.flush(self._wall()), self._mono())
            except Exception:  # noqa: BLE001 - a decoder bug must not kill the reader
                log.exception("decoder flush failed for %s", self.url)
        self._set_state(ConnectionState.DISCONNECTED, detail)

    def _wake(self) -> None:
        """Any thread: end the worker's current read early (posix ports), so an answer whose
        verdict just came is written now, not after the read timeout (0.1 s)."""
        with self._port_lock:
            port = self._port
            cancel = getattr(port, "cancel_read", None)
            if port is not None and port.is_open and cancel is not None:
                try:
                    cancel()
                except (OSError, serial.SerialException):
                    pass   # the port is going away: the read ends by itself

    def _close_port(self) -> None:
        self._hand_held_over()   # decoded already: the owner commits it (its answers are dropped)
        with self._port_lock:
            port, self._port, self._decoder = self._port, None, None
            self._conversation = None
        self.stats.replies_dropped += len(self._owed)   # the device resends what was not answered
        self._owed.clear()
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError) as exc:
                log.debug("closing %s: %s", self.url, exc)

    # ---------------------------------------------------------------- capture

    def _open_capture(self) -> None:
        if self.capture_path is None:
            return
        try:
            self._capture = self.capture_path.open("ab")
        except OSError as exc:
            # A capture is a support aid: losing it must not stop the device being read.
            log.error("cannot open capture file %s: %s; reading without capture", self.capture_path, exc)

    def _write_capture(self, data: bytes) -> None:
        if self._capture is None:
            return
        try:
            self._capture.write(data)
            self._capture.flush()
        except OSError as exc:
            log.error("capture to %s stopped: %s", self.capture_path, exc)
            self._close_capture()

    def _close_capture(self) -> None:
        capture, self._capture = self._capture, None
        if capture is not None:
            try:
                capture.close()
            except OSError as exc:
                log.error("closing capture file %s: %s", self.capture_path, exc)

    # ---------------------------------------------------------------- events

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        previous = self._state
        if state is previous:
            return  # e.g. failed re-opens while already DISCONNECTED are not news
        self._hand_held_over()   # what was read before the change is told before it
        self._state = state
        self._emit(
            DeviceEvent(
                EventKind.STATE,
                self.url,
                self._wall(),
                self._mono(),
                state=state,
                previous=previous,
                detail=detail,
            )
        )

    def _emit(self, event: DeviceEvent) -> None:
        try:
            self._on_event(event)
        except Exception as exc:  # noqa: BLE001 - the owner's bug must not stop the reading
            log.exception("on_event callback failed for %s", self.url)
            # Its readings did not reach the owner: the monitor hears AE and resends, and the
            # bug goes to threading.excepthook, where the console's fault handler makes it the
            # "Console fault" alarm (a bug becomes a technical alarm, never only a log line).
            if event.ticket is not None and event.ticket.verdict is None:
                event.settle(False)
                event.rolled_back()
            threading.excepthook(threading.ExceptHookArgs(
                (type(exc), exc, exc.__traceback__, threading.current_thread())))


def describe(event: DeviceEvent) -> str:
    """One line for logs and the simulator's console output."""
    if event.kind is EventKind.STATE and event.state is not None:
        return f"{event.url}: {event.state.value} ({event.detail})"
    return f"{event.url}: {event.frames} frame(s), {len(event.readings)} reading(s), {len(event.dropped)} dropped"


__all__ = [
    "ConnectionState",
    "ConnectionStats",
    "DeviceConnection",
    "DeviceEvent",
    "EventKind",
    "FRAME_REJECTIONS",
    "REPLY_WAIT_SECONDS",
    "ReplyTicket",
    "FormatLike",
    "SerialSettingsLike",
    "describe",
    "resolve_format",
]
