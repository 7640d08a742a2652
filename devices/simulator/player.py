"""The player: writes a timeline onto a pseudo-terminal (or an existing port) in real time × speed.

The scenario keeps its pace as a monitor does: what is due is sent when it is due, and what the
port cannot take then (nobody has it open) is lost and counted, never sent later in a burst. A
reader that has the port open but is slower than the scenario sets the pace instead (the pty's
buffer holds the writer back), so a test at x20000 loses nothing. The ports and their rules are
in `devices.simulator.sinks`; what an HL7 monitor does with the console's ACKs is in
`devices.simulator.acks`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from devices.simulator.acks import ResendTracker
from devices.simulator.encode import DEFAULT_IDENTITY, DeviceIdentity
from devices.simulator.scenario import (
    Disconnect,
    Scenario,
    StreamedTimeline,
    Timeline,
    Write,
    compile_timeline,
    load_builtin,
    replay_timeline,
    stream_timeline,
)
from devices.simulator.sinks import (
    POLL_SECONDS,
    PlayerStats,
    PtySink,
    SerialSink,
    Sink,
    SocketSink,
    open_sink,
)

__all__ = [
    "DRAIN_TIMEOUT_SECONDS", "NO_READER_SECONDS", "POLL_SECONDS", "PlayerStats", "PtySink",
    "SerialSink", "SimulatorHandle", "Sink", "SocketSink", "open_sink", "play", "replay",
    "start_in_thread",
]

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_SECONDS = 5.0
"""At the end, how long to wait for the reader to take the last bytes before closing."""
NO_READER_SECONDS = 1.0
"""At the end, unread bytes that do not shrink for this long mean nobody is reading."""


def play(
    timeline: Timeline | StreamedTimeline,
    sink: Sink,
    *,
    speed: float = 1.0,
    stop: threading.Event | None = None,
    stats: PlayerStats | None = None,
    on_note: Callable[[str], None] | None = None,
    hold_for_reader: bool = False,
    resend: bool = False,
    monotonic: Callable[[], float] = time.monotonic,
) -> PlayerStats:
    """Play `timeline` onto `sink`, `speed` times faster than real time; returns the counters.

    Returns early (without error) when `stop` is set. At the end it waits up to
    DRAIN_TIMEOUT_SECONDS for the reader to take the last bytes (and, with `resend`, for the last
    messages to be answered or given up); it does not close the sink.

    Args:
        hold_for_reader: after each replug, hold the scenario until a reader has opened the new
            port (`Sink.wait_for_reader`); the scenario then goes on from where it stopped.
            Without it, at x20000 the rest of a scenario went to a port nobody had reopened yet.
            The start is the caller's to hold (`SimulatorHandle.go`, the CLI's wait).
        resend: an HL7 timeline's messages are sent again on AE/CE, or without an ACK in
            ACK_TIMEOUT_SECONDS of `monotonic`, up to MAX_SENDS sends (`acks.ResendTracker`).
        monotonic: the clock the scenario and the ACK time-outs run on.
    """
    if speed <= 0:
        raise ValueError(f"speed must be > 0, got {speed:g}")
    stop = stop or threading.Event()
    stats = stats or PlayerStats()
    note = on_note or (lambda text: None)
    resends = ResendTracker() if resend and timeline.fmt == "hl7" else None
    t0 = monotonic()

    def answer_acks() -> None:
        if resends is None:
            return
        for message in resends.to_resend(sink.take_acks(), monotonic()):
            if sink.write(message, stop, stats):
                stats.resends += 1
            else:
                resends.give_up(message)   # nobody can answer a resend nobody receives
        stats.given_up = resends.given_up

    def wait_until(t_scenario: float) -> None:
        while not stop.is_set():
            answer_acks()
            left = t0 + t_scenario / speed - monotonic()
            if left <= 0:
                return
            sink.wait(min(left, POLL_SECONDS), stats)

    for entry in timeline.entries:
        wait_until(entry.t)
        if stop.is_set():
            break
        action = entry.action
        if isinstance(action, Write):
            if sink.write(action.data, stop, stats):
                stats.frames_written += action.frames
                if resends is not None and action.frames:
                    resends.sent(action.data, monotonic())
            elif not stop.is_set():
                stats.frames_undelivered += action.frames
        elif isinstance(action, Disconnect):
            sink.unplug()
            stats.disconnects += 1
            note("port-unplugged")
            wait_until(entry.t + action.seconds)
            if stop.is_set():
                break
            sink.replug()
            note("port-replugged")
            if hold_for_reader:
                held_at = monotonic()
                if not sink.wait_for_reader(stop, stats):
                    break
                t0 += monotonic() - held_at   # not a burst of what fell due meanwhile
    wait_until(timeline.duration_s)
    _finish(sink, stats, stop, resends, answer_acks)
    note("finished")
    return stats


def _finish(sink: Sink, stats: PlayerStats, stop: threading.Event,
            resends: ResendTracker | None, answer_acks: Callable[[], None]) -> None:
    """Let the reader take the last bytes before the caller closes the port (closing a pty
    discards what the reader has not read), and the last messages be answered; give up when
    nobody is reading. Real time: these are the port's limits, not the scenario's."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_SECONDS
    unread, progress_at = sink.unread(), time.monotonic()
    while not stop.is_set():
        answer_acks()
        now = time.monotonic()
        reading = bool(unread) and now < deadline and now - progress_at <= NO_READER_SECONDS
        if not reading and not (resends is not None and resends.waiting()):
            return
        sink.wait(POLL_SECONDS / 5, stats)
        now_unread = sink.unread()
        if now_unread < unread:
            progress_at = time.monotonic()
        unread = now_unread


@dataclass
class SimulatorHandle:
    """A simulated device playing in a background thread.

    Attributes:
        port_path: what the console opens (the pty symlink, or the port given).
        finished: set when the timeline has been played (or the player stopped or failed).
        stats: the player's counters (live).
        notes: (monotonic time, what) for port-unplugged, port-replugged, finished.
        error: the exception that ended the player thread, if one did.
        timeline: what is being played (tests compare it with what was decoded); None for a
            device played until stopped (it has no end to compile it to).
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


def _start(timeline: Timeline | StreamedTimeline, sink: Sink, speed: float,
           autostart: bool) -> SimulatorHandle:
    whole = timeline if isinstance(timeline, Timeline) else None
    handle = SimulatorHandle(sink.path, threading.Event(), PlayerStats(), whole, _sink=sink)

    def note(text: str) -> None:
        handle.notes.append((time.monotonic(), text))

    def run() -> None:
        try:
            handle._go.wait()
            if not handle._stop.is_set():
                play(timeline, sink, speed=speed, stop=handle._stop, stats=handle.stats,
                     on_note=note, hold_for_reader=True)
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
    identity: DeviceIdentity = DEFAULT_IDENTITY,
    until_stopped: bool = False,
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
        identity: who the device says it is. The fixed default is the console's demo's: its
            session, resumed after a restart, reads the new process's simulator as the same
            monitor (`infusion-sim` is another monitor each run: its `--device-id`).
        until_stopped: past the scenario's end, go on sending its last values (the trends
            held, the cuff measuring on its cycle) until `handle.stop()`, as an asked device
            keeps answering (`answering.answer_in_thread`): the console's demo, whose session
            outlasts any scenario. Without it the device falls quiet at the end, its port
            open (the console sees STALE), as tests of a scenario's end expect. Not with
            `duration_minutes`; `handle.timeline` is then None.

    After a `disconnect` step the scenario holds until the console has reopened the port
    (`play`'s hold_for_reader).
    """
    if speed <= 0:
        raise ValueError(f"speed must be > 0, got {speed:g}")
    chosen = load_builtin(scenario) if isinstance(scenario, str) else scenario
    t0 = start or datetime.now(UTC).replace(microsecond=0)
    if until_stopped:
        if duration_minutes is not None:
            raise ValueError(f"until_stopped plays past the scenario's end: no duration_minutes "
                             f"({duration_minutes:g}) with it")
        # Without an end, made as it is played (it cannot be compiled whole): the demo's
        # `normal` ended at minute 45 and its session, 70 min and more, sounded "No data from
        # the device" to the end (a QA review).
        endless = stream_timeline(chosen, fmt, seed, t0, math.inf, identity=identity)
        return _start(endless, open_sink(port, fmt), speed, autostart)
    timeline = compile_timeline(chosen, fmt, seed, t0, duration_minutes, identity=identity)
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
