"""R2: device faults through a real pseudo-terminal, timed on the real clock.

A simulated monitor (the simulator's pty pair behind a symlink, and its real encoders) feeds the
console's real path: `DeviceConnection` reader thread -> queued events -> `feed.apply` ->
`SessionEngine` -> SQLite log. The test thread plays the GUI thread: it takes the events off the
queue as the controller's queued signal would, and notes the monotonic time at which the engine
holds the technical alarm (committed, so the window may show it).

Bars checked:
- a technical alarm within 5 s of the last good frame: a line gone quiet, a line carrying only
  garbage (each format), an unplugged port;
- reconnect within 5 s of the port returning, after a short and after a long absence (the
  back-off has reached its 2 s cap);
- no valid frame written after garbage, NUL bytes, truncated frames or a mid-frame start is
  lost: every one is in the log;
- no exception escapes the reader thread: none reaches threading.excepthook, none is logged by
  the transport, and the reader is still running at the end;
- no exception is raised inside a decoder either: no drop has the reason the decoders' guards
  give when they catch one (`decoder-error`).

The measured figures are printed (run with -s) and recorded in tests/faults/README.md.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock, Moment
from console.session import feed
from console.session.alarms import Occurrence
from console.session.engine import DEVICE_LOST, DEVICE_STALE, Patient, SessionEngine
from console.store import EventLog
from devices.formats import NO_DATA_SECONDS
from devices.simulator.encode import new_encoder
from devices.simulator.physiology import Sample
from devices.simulator.player import PlayerStats, PtySink
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent, EventKind
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Priority
from tests.devices.conftest import DECODER_ERROR
from tests.faults.conftest import sql

pytestmark = pytest.mark.faults

BAR_SECONDS = 5.0
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# The metric whose value tells the frames apart (each good frame carries a different one).
IDENT = {"hl7": "heart_rate", "masimo": "pulse_rate", "ansar-b": "heart_rate"}


@dataclass
class Bench:
    """One monitor on a pty, one console reading it; the test thread is the GUI thread."""

    tmp_path: Path
    fmt: str = "hl7"
    sent: list[int] = field(default_factory=list)   # IDENT values of the good frames written
    states: list[tuple[float, str]] = field(default_factory=list)   # (monotonic, state) seen
    drops: Counter[str] = field(default_factory=Counter)   # dropped items seen, by reason

    def __post_init__(self) -> None:
        (self.tmp_path / "dev").mkdir(exist_ok=True)
        self.sink = PtySink(self.tmp_path / "dev")
        self.log = EventLog.open(self.tmp_path / f"{self.fmt}.sqlite3", "r2")
        self.events: queue.Queue[DeviceEvent] = queue.Queue()
        self.conn = DeviceConnection(self.sink.path, self.fmt, self.events.put)
        self.encoder = new_encoder(self.fmt)
        self.stats = PlayerStats()
        self.stop_writes = threading.Event()
        self.engine: SessionEngine | None = None
        self._next = 61
        self._rng = random.Random(f"r2:{self.fmt}")

    def start(self) -> None:
        self.conn.start()
        first = self._take(timeout=5)
        assert first.state is ConnectionState.CONNECTING, first
        now = Moment(first.mono, first.at)
        protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
        self.engine = SessionEngine.open(protocol, self.log, Patient("MRN-R2", 70), "qa", now)
        feed.apply(self.engine, first, now)

    def close(self) -> None:
        self.stop_writes.set()
        assert self.conn.stop(), "the reader thread did not end"
        self.sink.close()
        self.log.close()

    # ---- the monitor side

    def good_frame(self) -> bytes:
        value = self._next
        self._next = 61 if self._next >= 139 else self._next + 1
        sample = Sample(t=len(self.sent), heart_rate=value, pulse_rate=value, resp_rate=14,
                        spo2=97, nibp=None)
        self.sent.append(value)
        return self.encoder.frame(sample, datetime.now(UTC).replace(microsecond=0), T0)

    def write(self, data: bytes) -> float:
        """Write to the pty; return the monotonic time the write completed."""
        self.sink.write(data, self.stop_writes, self.stats)
        return time.monotonic()

    def send_good(self) -> float:
        return self.write(self.good_frame())

    def garbage(self, size: int) -> bytes:
        data = bytes(self._rng.randrange(256) for _ in range(size))
        # Noise on a line-based format carries line ends, or it would only corrupt the next line.
        return data + b"\r\n" if self.encoder.line_based else data

    # ---- the console side

    def _take(self, timeout: float) -> DeviceEvent:
        event = self.events.get(timeout=timeout)
        if event.kind is EventKind.STATE and event.state is not None:
            self.states.append((time.monotonic(), event.state.value))
        self.drops.update(d.reason for d in event.dropped)
        return event

    def pump(self, until: Callable[[SessionEngine], bool], timeout: float, what: str,
             between: Callable[[], None] | None = None) -> float:
        """Apply events as they come until `until(engine)` holds; return when it first did.

        `between` runs every 0.1 s while waiting (the monitor going on with its garbage).
        """
        engine = self.engine
        assert engine is not None
        deadline = time.monotonic() + timeout
        while not until(engine):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{what}: not within {timeout:g} s; states {self.states[-6:]}")
            try:
                event = self._take(timeout=min(left, 0.1))
            except queue.Empty:
                if between is not None:
                    between()
                continue
            feed.apply(engine, event, Moment(event.mono, event.at))
        return time.monotonic()

    def idle(self, seconds: float) -> None:
        """Apply whatever comes for `seconds` of real time (the port stays away that long)."""
        assert self.engine is not None
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self._take(timeout=min(left, 0.1))
            except queue.Empty:
                continue
            feed.apply(self.engine, event, Moment(event.mono, event.at))

    def alarm(self, condition: str) -> Occurrence | None:
        assert self.engine is not None
        return self.engine.board.occurrence_for(condition)

    def logged(self) -> list[int]:
        rows = sql(self.log.path, "SELECT value FROM observations WHERE metric = ? ORDER BY id",
                   (IDENT[self.fmt],))
        return [int(v) for (v,) in rows]


@pytest.fixture
def escaped(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Exceptions that escaped a thread, and errors the transport logged; must stay empty."""
    seen: list[str] = []
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        seen.append(f"{args.thread.name if args.thread else '?'}: {args.exc_type.__name__}: "
                    f"{args.exc_value}")
        previous(args)

    threading.excepthook = hook
    caplog.set_level(logging.ERROR, logger="devices")
    yield seen
    threading.excepthook = previous
    seen.extend(f"{r.name}: {r.getMessage()}" for r in caplog.records
                if r.name.startswith("devices") and r.levelno >= logging.ERROR)
    assert not seen, seen


@pytest.fixture
def bench(tmp_path: Path, escaped: list[str]) -> Iterator[Callable[[str], Bench]]:
    made: list[Bench] = []

    def make(fmt: str = "hl7") -> Bench:
        made.append(Bench(tmp_path, fmt))
        made[-1].start()
        return made[-1]

    yield make
    for b in made:
        assert b.conn.is_running, "the reader thread died"
        b.close()
    # Checked once every bench is closed, so a failure leaves no reader thread behind.
    bugs = {b.fmt: b.drops[DECODER_ERROR] for b in made if b.drops[DECODER_ERROR]}
    assert not bugs, f"a decoder raised inside its guard ({DECODER_ERROR} drops by format): {bugs}"


def connected(engine: SessionEngine) -> bool:
    return engine.device_state == "connected"


def report(text: str) -> None:
    print(f"\nR2 {text}")


# ------------------------------------------------------------------------------------ tests


def test_a_quiet_line_raises_no_data_within_5_s_of_the_last_good_frame(bench) -> None:
    b = bench("hl7")
    for _ in range(3):
        last = b.send_good()
        b.pump(lambda e: e.latest("heart_rate") is not None and e.latest("heart_rate").reading.value == b.sent[-1],
               2, "the frame decoded")
    # The monitor falls silent after its last good frame.
    raised = b.pump(lambda e: b.alarm(DEVICE_STALE) is not None, BAR_SECONDS + 1, "no-data alarm")
    occurrence = b.alarm(DEVICE_STALE)
    assert occurrence is not None
    assert occurrence.category == "technical" and occurrence.priority is Priority.LOW
    assert occurrence.message == ("No data from the device (no valid frame for 4 s): values are "
                                  "not current")
    assert NO_DATA_SECONDS <= raised - last <= BAR_SECONDS, raised - last
    # It speaks again: the alarm clears and the value is there.
    b.send_good()
    b.pump(lambda e: b.alarm(DEVICE_STALE) is None and connected(e), 2, "alarm cleared")
    assert b.logged() == b.sent
    report(f"quiet line: technical alarm {raised - last:.2f} s after the last good frame")


@pytest.mark.parametrize("fmt", ["hl7", "masimo", "ansar-b"])
def test_garbage_only_raises_unreadable_data_within_5_s_and_the_next_good_frame_is_kept(
    bench, fmt: str
) -> None:
    b = bench(fmt)
    b.send_good()
    b.pump(connected, 3, "first frame")
    last = b.send_good()
    b.pump(lambda e: e.latest(IDENT[fmt]).reading.value == b.sent[-1], 2, "second frame")
    # From now on the line carries only noise: 120 bytes every 0.1 s (about a 9600-baud line).
    raised = b.pump(lambda e: b.alarm(DEVICE_STALE) is not None, BAR_SECONDS + 1,
                    "unreadable-data alarm", between=lambda: b.write(b.garbage(120)))
    message = b.alarm(DEVICE_STALE).message
    assert "bytes received that could not be read" in message, message
    assert raised - last <= BAR_SECONDS, raised - last
    # Garbage, then straight away a good frame in the same write: the frame is not lost.
    b.write(b.garbage(300) + b.good_frame())
    b.pump(lambda e: b.alarm(DEVICE_STALE) is None and b.logged() == b.sent, 3,
           "good frame after garbage decoded and the alarm cleared")
    dropped = sql(b.log.path, "SELECT count(*) FROM events WHERE kind = 'device_dropped'")
    assert dropped[0][0] > 0   # what was thrown away is on record
    report(f"garbage only ({fmt}): technical alarm {raised - last:.2f} s after the last good frame")


@pytest.mark.parametrize("fmt", ["hl7", "masimo", "ansar-b"])
def test_nul_bytes_truncated_frames_and_a_mid_frame_start_lose_no_valid_frame(
    bench, fmt: str
) -> None:
    b = bench(fmt)
    # The console joins a frame already on its way: the tail of one, then good frames.
    partial = b.good_frame()
    b.sent.pop()   # never whole on the line: not expected in the log
    b.write(partial[len(partial) // 2:])
    b.send_good()
    b.pump(connected, 3, "connected after a mid-frame start")
    faults = [
        b"\x00" * 32,
        b"\x00" * 4,
        "truncated",
        b.garbage(64),
        "truncated",
        "truncated",   # two in a row
        b"\x00" * 256,
        b.garbage(2000),
    ]
    for fault in faults:
        if fault == "truncated":
            cut = b.good_frame()
            b.sent.pop()
            data = cut[: len(cut) * 2 // 3]
        else:
            data = fault   # type: ignore[assignment]
        # The fault and the next good frame reach the reader together or apart, at random.
        frame = b.good_frame()
        if random.Random(len(b.sent)).random() < 0.5:
            b.write(data + frame)
        else:
            b.write(data)
            b.write(frame)
    b.send_good()
    b.pump(lambda e: b.logged() == b.sent, 5, "every good frame in the log")
    assert b.alarm(DEVICE_STALE) is None and b.alarm(DEVICE_LOST) is None
    assert b.conn.stats.dropped > 0
    report(f"{fmt}: {len(b.sent)} good frames among NUL bytes, truncated frames, garbage and a "
           f"mid-frame start: all {len(b.logged())} in the log, {b.conn.stats.dropped} drops")


@pytest.mark.parametrize("absent", [1.0, 6.0], ids=["short", "long"])
def test_unplugged_port_alarms_at_once_and_reconnects_within_5_s_of_returning(
    bench, absent: float
) -> None:
    b = bench("hl7")
    b.send_good()
    b.pump(connected, 3, "first frame")
    last = b.send_good()
    b.pump(lambda e: e.latest("heart_rate").reading.value == b.sent[-1], 2, "last frame before")
    b.sink.unplug()   # the pty pair closes and its symlink goes, as a USB adapter's node does
    lost = b.pump(lambda e: b.alarm(DEVICE_LOST) is not None, BAR_SECONDS + 1, "device-lost alarm")
    occurrence = b.alarm(DEVICE_LOST)
    assert occurrence.priority is Priority.MEDIUM and occurrence.category == "technical"
    assert occurrence.message.startswith("Device disconnected: port lost")
    assert lost - last <= BAR_SECONDS
    # Stay away long enough for the back-off (0.25 s doubling to 2 s) to reach its cap.
    b.idle(absent)
    b.sink.replug()
    returned = time.monotonic()
    reopened = b.pump(lambda e: e.device_state == "connecting", BAR_SECONDS + 1, "port reopened")
    # The monitor sends as soon as it is plugged in again, once a second.
    frames_from = time.monotonic()
    b.send_good()
    reconnected = b.pump(connected, BAR_SECONDS, "connected again",
                         between=lambda: time.monotonic() - frames_from > 1 and b.send_good())
    assert b.alarm(DEVICE_LOST) is None
    assert reopened - returned <= BAR_SECONDS, reopened - returned
    assert reconnected - returned <= BAR_SECONDS, reconnected - returned
    assert b.logged()[-1] == b.sent[-1]
    report(f"unplug ({absent:g} s away): device_lost {lost - last:.2f} s after the last good "
           f"frame; port reopened {reopened - returned:.2f} s and a frame decoded "
           f"{reconnected - returned:.2f} s after it returned")


def test_no_data_escalates_to_medium_if_the_silence_goes_on(tmp_path: Path) -> None:
    # The engine's side of the same alarm, on an injected clock: low at once, medium after
    # STALE_ESCALATE_SECONDS more, cleared by the next frame.
    from console.session.engine import STALE_ESCALATE_SECONDS

    clock = ManualClock(T0)
    with EventLog.open(tmp_path / "log.sqlite3", "r2") as log:
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                    log, Patient("MRN-R2", 70), "qa", clock.now())
        engine.device_state_changed("connected", clock.now())
        engine.device_state_changed("stale", clock.advance(NO_DATA_SECONDS),
                                    "no valid frame for 4 s")
        assert engine.board.occurrence_for(DEVICE_STALE).priority is Priority.LOW
        engine.tick(clock.advance(STALE_ESCALATE_SECONDS - 0.5))
        assert engine.board.occurrence_for(DEVICE_STALE).priority is Priority.LOW
        engine.tick(clock.advance(0.5))
        occurrence = engine.board.occurrence_for(DEVICE_STALE)
        assert occurrence.priority is Priority.MEDIUM
        assert occurrence.message == ("Still no data from the device: check the monitor, its "
                                      "cable and its settings")
        engine.device_state_changed("connected", clock.advance(1))
        assert engine.board.occurrence_for(DEVICE_STALE) is None
        rows = sql(log.path, "SELECT transition, priority FROM alarm_events "
                             "WHERE condition = 'device_stale' ORDER BY id")
        assert rows == [("raised", "low"), ("escalated", "medium"), ("cleared", "medium")]


def test_a_monitor_with_nibp_every_few_minutes_and_numerics_every_second_never_alarms(
    tmp_path: Path,
) -> None:
    # The watchdog counts frames, not vitals: NIBP every 5 minutes inside 1 Hz messages is fine.
    # Played through the real transport at 60x: the numerics come every ~17 ms of real time while
    # a new cuff reading comes only every 5 s, longer than the 4 s no-data interval. A watchdog
    # that waited for each vital would alarm here; the frame watchdog must not.
    from devices.simulator import start_in_thread

    handle = start_in_thread("normal", "hl7", 60.0, seed=3, autostart=False, start=T0,
                             duration_minutes=6)
    events: queue.Queue[DeviceEvent] = queue.Queue()
    conn = DeviceConnection(handle.port_path, "hl7", events.put)
    log = EventLog.open(tmp_path / "log.sqlite3", "r2")
    try:
        conn.start()
        first = events.get(timeout=5)
        now = Moment(first.mono, first.at)
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                    log, Patient("MRN-R2", 70), "qa", now)
        feed.apply(engine, first, now)
        handle.go()
        assert handle.finished.wait(30)
        deadline = time.monotonic() + 60   # ~1,800 commits queued while the monitor played
        while time.monotonic() < deadline:
            try:
                event = events.get(timeout=0.5)
            except queue.Empty:
                break
            feed.apply(engine, event, Moment(event.mono, event.at))
            assert engine.board.occurrence_for(DEVICE_STALE) is None
            assert engine.board.occurrence_for(DEVICE_LOST) is None
        nibp = sql(log.path, "SELECT count(*) FROM observations WHERE metric = 'bp_systolic'")
        hr = sql(log.path, "SELECT count(*) FROM observations WHERE metric = 'heart_rate'")
        assert (nibp[0][0], hr[0][0]) == (2, 360)   # cuff readings at 0:30 and 5:30, 360 messages
    finally:
        conn.stop()
        handle.stop()
        log.close()
