"""The player: writes a timeline onto a pseudo-terminal (or an existing port) in real time × speed.

Pseudo-terminal rules, each learned the hard way:

- The console opens a stable SYMLINK (`<tempdir>/port`) that points at the slave's
  `os.ttyname(slave)`. A `disconnect` step closes the whole pty pair and removes the link (a USB
  adapter's device node disappears the same way); when the port "comes back" a NEW pair is made
  and the link is re-pointed atomically, so the console reopens the same path.
- The pair is put in raw mode first (`tty.setraw`; on Linux master and slave share the slave's
  termios): with echo on, bytes written before the console opens the port are echoed back to the
  master and lost.
- The simulator keeps its own slave fd open while the pair lives. Without it, writes made before
  the console opens go nowhere useful and the master reads EIO as soon as nobody holds the slave.
  With it, closing the MASTER is what ends the stream for the reader: the slave is hung up and the
  reader's next read fails (pyserial raises SerialException for EIO and for the hang-up's empty
  read) even though the simulator's slave fd is still open at that instant. The slave fd also
  lets the player ask how many bytes the reader has not taken yet (FIONREAD), so it can wait for
  the reader to catch up before it closes the port at the end.
- Replies from the console (HL7 ACKs) arrive on the master: they are drained on every wait and
  every write, or the reply direction fills and the console's reader blocks on its ACK write.
  The master is non-blocking and every wait is a `select` on it, so neither side can deadlock.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import pty
import select
import struct
import tempfile
import termios
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import serial

from devices.simulator.scenario import (
    Disconnect,
    Scenario,
    Timeline,
    Write,
    compile_timeline,
    load_builtin,
    replay_timeline,
)

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05
"""Longest single wait: bounds how late a stop request or an ACK drain is noticed."""
STALL_LIMIT_SECONDS = 2.0
"""A write that cannot complete in this long (nobody reading, buffer full) drops its remainder,
as a real UART transmits whether anyone listens or not."""
DRAIN_TIMEOUT_SECONDS = 5.0
"""At the end, how long to wait for the reader to take the last bytes before closing."""
NO_READER_SECONDS = 1.0
"""At the end, unread bytes that do not shrink for this long mean nobody is reading."""

# Baud rate for an existing serial port when `devices.formats` cannot say (9600 8N1 for all three
# per devices.md). A 1 Hz HL7 message of ~1.2 KB does not fit a 9600-baud line in real time: pass
# a port configured faster, or a socket:// URL, for HL7 at speed 1.
DEFAULT_SERIAL_BAUD = 9600


@dataclass(slots=True)
class PlayerStats:
    """Counters of one play; written by the player thread, read by anyone."""

    bytes_written: int = 0
    frames_written: int = 0
    bytes_discarded: int = 0  # remainders of writes nobody took (STALL_LIMIT_SECONDS)
    bytes_read: int = 0  # replies from the console
    acks: int = 0  # HL7 ACK messages among the replies (MSA segments)
    disconnects: int = 0


class Sink(Protocol):
    """Where the player writes: a pty pair behind a symlink, or an existing port."""

    path: str

    def write(self, data: bytes, stop: threading.Event, stats: PlayerStats) -> None: ...

    def wait(self, seconds: float, stats: PlayerStats) -> None: ...

    def unplug(self) -> None: ...

    def replug(self) -> None: ...

    def unread(self) -> int: ...

    def close(self) -> None: ...


class _AckCounter:
    """Counts `MSA|` segments across read boundaries."""

    def __init__(self) -> None:
        self._tail = b""

    def count(self, data: bytes) -> int:
        joined = self._tail + data
        self._tail = joined[-3:]
        return joined.count(b"MSA|")


class PtySink:
    """A pty pair behind `<directory>/port`; see the module docstring for why each step."""

    def __init__(self, directory: Path | None = None) -> None:
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="infusion-sim-"))
        self.path = str(self.directory / "port")
        self._master = -1  # only while plugged
        self._slave = -1  # only while plugged: our own slave fd (see module docstring)
        self._acks = _AckCounter()
        self.replug()

    @property
    def slave_name(self) -> str:
        return os.ttyname(self._slave) if self._slave >= 0 else ""

    def replug(self) -> None:
        master, slave = pty.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        tmp = self.directory / f".port.{os.getpid()}.{threading.get_ident()}"
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(os.ttyname(slave), tmp)
        os.replace(tmp, self.path)  # atomic: a reader never sees a half-made link

    def unplug(self) -> None:
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        # Master first: that hangs up the slave for the reader; then our slave fd.
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def close(self) -> None:
        self.unplug()
        if self._own_dir:
            try:
                self.directory.rmdir()
            except OSError as exc:
                log.warning("could not remove %s: %s", self.directory, exc)

    def unread(self) -> int:
        """Bytes written that the reader has not taken yet (0 when unplugged)."""
        if self._slave < 0:
            return 0
        raw = fcntl.ioctl(self._slave, termios.FIONREAD, struct.pack("i", 0))
        return int(struct.unpack("i", raw)[0])

    def _drain(self, stats: PlayerStats) -> None:
        while self._master >= 0:
            try:
                data = os.read(self._master, 65536)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno == errno.EIO:  # no slave open right now: nothing to read
                    return
                raise
            if not data:
                return
            stats.bytes_read += len(data)
            stats.acks += self._acks.count(data)

    def wait(self, seconds: float, stats: PlayerStats) -> None:
        if self._master < 0:
            time.sleep(max(0.0, seconds))  # unplugged: nothing to drain
            return
        readable, _, _ = select.select([self._master], [], [], max(0.0, seconds))
        if readable:
            self._drain(stats)

    def write(self, data: bytes, stop: threading.Event, stats: PlayerStats) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + STALL_LIMIT_SECONDS
        while view and not stop.is_set() and self._master >= 0:
            readable, writable, _ = select.select([self._master], [self._master], [], POLL_SECONDS)
            if readable:
                self._drain(stats)
            if writable:
                try:
                    n = os.write(self._master, view[:4096])
                except BlockingIOError:
                    n = 0
                if n:
                    view = view[n:]
                    stats.bytes_written += n
                    deadline = time.monotonic() + STALL_LIMIT_SECONDS
                    continue
            if time.monotonic() > deadline:
                log.warning("nobody is reading %s: %d bytes discarded", self.path, len(view))
                stats.bytes_discarded += len(view)
                return


class SerialSink:
    """An existing port (`/dev/ttyUSB1`, `socket://...`) opened with pyserial."""

    def __init__(self, url: str, baudrate: int) -> None:
        self.path = url
        self._url = url
        self._baudrate = baudrate
        self._port: serial.Serial | None = None   # the type serial_for_url returns
        self._acks = _AckCounter()
        self.replug()

    def replug(self) -> None:
        port = serial.serial_for_url(self._url, do_not_open=True)
        port.baudrate = self._baudrate
        port.timeout = 0
        port.write_timeout = STALL_LIMIT_SECONDS
        port.open()
        self._port = port

    def unplug(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            port.close()

    def close(self) -> None:
        self.unplug()

    def unread(self) -> int:
        return 0  # a real line: what left the UART is gone

    def _drain(self, stats: PlayerStats) -> None:
        if self._port is None:
            return
        waiting = self._port.in_waiting
        if waiting:
            data = self._port.read(waiting)
            stats.bytes_read += len(data)
            stats.acks += self._acks.count(data)

    def wait(self, seconds: float, stats: PlayerStats) -> None:
        self._drain(stats)
        time.sleep(max(0.0, seconds))

    def write(self, data: bytes, stop: threading.Event, stats: PlayerStats) -> None:
        if self._port is None:
            return
        try:
            stats.bytes_written += self._port.write(data) or 0
        except serial.SerialTimeoutException:
            log.warning("write to %s timed out: %d bytes discarded", self.path, len(data))
            stats.bytes_discarded += len(data)
        self._drain(stats)


def _serial_baud(fmt: str) -> int:
    try:
        from devices.formats import FORMATS

        return int(FORMATS[fmt].serial.baudrate)
    except (ImportError, KeyError, AttributeError):
        return DEFAULT_SERIAL_BAUD


def play(
    timeline: Timeline,
    sink: Sink,
    *,
    speed: float = 1.0,
    stop: threading.Event | None = None,
    stats: PlayerStats | None = None,
    on_note: Callable[[str], None] | None = None,
) -> PlayerStats:
    """Play `timeline` onto `sink`, `speed` times faster than real time; returns the counters.

    Returns early (without error) when `stop` is set. At the end it waits up to
    DRAIN_TIMEOUT_SECONDS for the reader to take the last bytes; it does not close the sink.
    """
    if speed <= 0:
        raise ValueError(f"speed must be > 0, got {speed:g}")
    stop = stop or threading.Event()
    stats = stats or PlayerStats()
    note = on_note or (lambda text: None)
    t0 = time.monotonic()

    def wait_until(t_scenario: float) -> None:
        due = t0 + t_scenario / speed
        while not stop.is_set():
            left = due - time.monotonic()
            if left <= 0:
                return
            sink.wait(min(left, POLL_SECONDS), stats)

    for entry in timeline.entries:
        wait_until(entry.t)
        if stop.is_set():
            break
        action = entry.action
        if isinstance(action, Write):
            sink.write(action.data, stop, stats)
            stats.frames_written += action.frames
        elif isinstance(action, Disconnect):
            sink.unplug()
            stats.disconnects += 1
            note("port-unplugged")
            wait_until(entry.t + action.seconds)
            if stop.is_set():
                break
            sink.replug()
            note("port-replugged")
    wait_until(timeline.duration_s)
    # Let the reader take the last bytes before the caller closes the port (closing a pty
    # discards what the reader has not read). Give up when nobody is reading.
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    unread, progress_at = sink.unread(), time.monotonic()
    while not stop.is_set() and unread and time.monotonic() < deadline:
        sink.wait(POLL_SECONDS / 5, stats)
        now_unread = sink.unread()
        if now_unread < unread:
            progress_at = time.monotonic()
        elif time.monotonic() - progress_at > NO_READER_SECONDS:
            break
        unread = now_unread
    note("finished")
    return stats


@dataclass
class SimulatorHandle:
    """A simulated device playing in a background thread.

    Attributes:
        port_path: what the console opens (the pty symlink, or the port given).
        finished: set when the timeline has been played (or the player stopped or failed).
        stats: the player's counters (live).
        notes: (monotonic time, what) for port-unplugged, port-replugged, finished.
        error: the exception that ended the player thread, if one did.
        timeline: what is being played (tests compare it with what was decoded).
    """

    port_path: str
    finished: threading.Event
    stats: PlayerStats
    timeline: Timeline | None = None
    notes: list[tuple[float, str]] = field(default_factory=list)
    error: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _go: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _sink: Sink | None = None

    def go(self) -> None:
        """Start playing (for handles made with autostart=False)."""
        self._go.set()

    def stop(self, timeout: float = 3.0) -> bool:
        """Stop playing, close the port; returns True when the thread has ended."""
        self._stop.set()
        self._go.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    @property
    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def _start(timeline: Timeline, sink: Sink, speed: float, autostart: bool) -> SimulatorHandle:
    handle = SimulatorHandle(sink.path, threading.Event(), PlayerStats(), timeline, _sink=sink)

    def note(text: str) -> None:
        handle.notes.append((time.monotonic(), text))

    def run() -> None:
        try:
            handle._go.wait()
            if not handle._stop.is_set():
                play(timeline, sink, speed=speed, stop=handle._stop, stats=handle.stats, on_note=note)
        except Exception as exc:  # noqa: BLE001 - reported through the handle, never lost
            log.exception("simulator player failed")
            handle.error = exc
        finally:
            handle.finished.set()
            # Keep the port open (a quiet device) until the owner stops us: the console then
            # sees STALE, not an unplug, when a scenario ends. Replies are still drained, and
            # once more before closing, so every ACK the console wrote is counted.
            try:
                while not handle._stop.is_set():
                    sink.wait(POLL_SECONDS, handle.stats)
                sink.wait(0, handle.stats)
            except OSError as exc:
                log.warning("draining %s: %s", sink.path, exc)
            finally:
                sink.close()

    if autostart:
        handle._go.set()
    handle._thread = threading.Thread(target=run, name="device-simulator", daemon=True)
    handle._thread.start()
    return handle


def open_sink(port: str | None, fmt: str) -> Sink:
    """A new pty pair behind a symlink, or the existing `port`."""
    return PtySink() if port is None else SerialSink(port, _serial_baud(fmt))


def start_in_thread(
    scenario: Scenario | str = "normal",
    fmt: str = "hl7",
    speed: float = 1.0,
    seed: int = 1,
    *,
    port: str | None = None,
    autostart: bool = True,
    start: datetime | None = None,
    duration_minutes: float | None = None,
) -> SimulatorHandle:
    """Play a scenario as a simulated bedside device in a background thread (the console's --demo).

    Args:
        scenario: a loaded scenario or the name of a built-in one.
        fmt: `hl7`, `masimo` or `ansar-b`.
        speed: scenario seconds per real second.
        seed: physiology and fault seed.
        port: write to this existing port instead of creating a pty.
        autostart: False waits for `handle.go()` (so a test can open the port first).
        start: the device clock at t = 0; default: now (UTC, whole seconds).
        duration_minutes: overrides the scenario's duration.
    """
    if speed <= 0:
        raise ValueError(f"speed must be > 0, got {speed:g}")
    chosen = load_builtin(scenario) if isinstance(scenario, str) else scenario
    t0 = start or datetime.now(UTC).replace(microsecond=0)
    timeline = compile_timeline(chosen, fmt, seed, t0, duration_minutes)
    return _start(timeline, open_sink(port, fmt), speed, autostart)


def replay(
    file: str | Path,
    *,
    port: str | None = None,
    speed: float = 1.0,
    bytes_per_second: float = 960.0,
    max_chunk: int = 64,
    seed: int = 1,
    autostart: bool = True,
) -> SimulatorHandle:
    """Play a raw capture (e.g. a transport `capture_path` file) in random-sized chunks.

    `bytes_per_second` is the line rate (960 B/s is 9600 8N1); `speed` multiplies it.

    Raises:
        OSError: the capture cannot be read.
    """
    data = Path(file).read_bytes()
    timeline = replay_timeline(data, bytes_per_second=bytes_per_second, max_chunk=max_chunk,
                               seed=seed, name=str(file))
    return _start(timeline, open_sink(port, "raw"), speed, autostart)
