"""DeviceConnection: state machine, watchdog, reconnect, ACK write-back, capture, robustness.

These tests use a tiny private line format (`MSG <n>` lines become heart-rate readings and are
answered with `ACK <n>`), so the transport is tested apart from the real decoders; the real formats
run end to end in test_serial_path.py. The helpers at the top are shared with that module.
"""

from __future__ import annotations

import os
import queue
import select
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import serial

from devices.formats import SerialSettings
from devices.reading import Reading
from devices.simulator.player import PlayerStats, PtySink
from devices.stream import DecodeResult, Dropped, Reply, StreamDecoder, UnplacedNibp
from devices.transport import REPLY_WAIT_SECONDS, ConnectionState, DeviceConnection, DeviceEvent, EventKind

S = ConnectionState
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------- shared helpers


class EventLog:
    """The owner side of a DeviceConnection: a queue the test drains with timeouts, never sleeps."""

    def __init__(self, settle: bool | None = True) -> None:
        """`settle`: the verdict this owner gives every event as it arrives (an owner that stores
        at once), or None to leave the verdicts to the test."""
        self.settle = settle
        self.queue: queue.Queue[DeviceEvent] = queue.Queue()
        self.seen: list[DeviceEvent] = []
        self.counts: Counter[str] = Counter()  # readings seen per metric, kept as events arrive

    def _take(self, event: DeviceEvent) -> None:
        self.seen.append(event)
        self.counts.update(r.metric for r in event.readings)

    def __call__(self, event: DeviceEvent) -> None:
        if self.settle is not None:
            event.settle(self.settle)
        self.queue.put(event)

    def wait_for(self, predicate: Callable[[DeviceEvent], bool], timeout: float = 5.0,
                 what: str = "event") -> DeviceEvent:
        """Consume events until one matches; fail with the states seen if none does in time."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {what} within {timeout:g} s; states seen: {self.states()}")
            try:
                event = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            self._take(event)
            if predicate(event):
                return event

    def wait_state(self, state: ConnectionState, timeout: float = 5.0) -> DeviceEvent:
        return self.wait_for(lambda e: e.kind is EventKind.STATE and e.state is state, timeout,
                             f"{state.value} state")

    def drain(self) -> None:
        while True:
            try:
                self._take(self.queue.get_nowait())
            except queue.Empty:
                return

    def states(self) -> list[ConnectionState]:
        return [e.state for e in self.seen if e.kind is EventKind.STATE and e.state is not None]

    def readings(self, metric: str | None = None) -> list[Reading]:
        return [r for e in self.seen for r in e.readings if metric is None or r.metric == metric]

    def dropped(self) -> list[Dropped]:
        return [d for e in self.seen for d in e.dropped]




# ---------------------------------------------------------------------- a private line format


class LineDecoder:
    """`MSG <n>` -> heart_rate n and a reply `ACK <n>`; `ACK <n>` -> a frame; else dropped."""

    def __init__(self, fail_on: bytes = b"") -> None:
        self._buf = b""
        self._fail_on = fail_on

    def feed(self, data: bytes, received_at: datetime) -> DecodeResult:
        if self._fail_on and self._fail_on in data:
            raise RuntimeError("decoder bug on purpose")
        self._buf += data
        out = DecodeResult()
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            out.frames += 1
            words = line.split()
            if len(words) == 2 and words[0] == b"MSG" and words[1].isdigit():
                out.readings.append(Reading("heart_rate", float(words[1]), "beats/min", None,
                                            received_at, "line"))
                number = words[1]
                out.replies.append(Reply(after_commit=lambda stored, n=number: (
                    b"ACK " if stored else b"NAK ") + n + b"\n"))
            elif not (len(words) == 2 and words[0] == b"ACK"):
                out.dropped.append(Dropped("bad-frame", repr(line)))
        return out

    def flush(self, received_at: datetime) -> DecodeResult:
        rest, self._buf = self._buf, b""
        return DecodeResult(dropped=[Dropped("truncated-frame", repr(rest))] if rest else [])


@dataclass
class LineFormat:
    stale_after_seconds: float = 10.0
    serial: SerialSettings = field(default_factory=SerialSettings)
    decoders: list[LineDecoder] = field(default_factory=list)
    fail_first_on: bytes = b""
    nibp: list[UnplacedNibp | None] = field(default_factory=list)   # each decoder's, as given

    def new_decoder(self, source_hint: str = "", nibp: UnplacedNibp | None = None) -> StreamDecoder:
        # Only the first decoder fails (if asked): the retry must recover with a fresh one.
        decoder = LineDecoder(self.fail_first_on if not self.decoders else b"")
        self.decoders.append(decoder)
        self.nibp.append(nibp)
        return decoder


def seeded_loop(first: bytes) -> Callable[[str], serial.SerialBase]:
    """A loop:// port that already holds `first` when opened (loop:// cannot be written closed)."""

    def factory(url: str) -> serial.SerialBase:
        port = serial.serial_for_url("loop://", do_not_open=True)
        plain_open = port.open

        def open_and_seed() -> None:
            plain_open()
            port.write(first)

        port.open = open_and_seed  # type: ignore[method-assign]
        return port

    return factory


def start(conn: DeviceConnection, stoppers: list[Callable[[], object]]) -> DeviceConnection:
    stoppers.append(conn.stop)
    conn.start()
    return conn


# ------------------------------------------------------------------------------------ tests


def test_loop_url_acks_are_written_back_and_capture_holds_exactly_the_bytes_received(
    tmp_path: Path, stoppers: list[Callable[[], object]]
) -> None:
    capture = tmp_path / "capture.bin"
    events = EventLog()
    conn = start(DeviceConnection("loop://", LineFormat(), events, capture_path=capture,
                                  serial_factory=seeded_loop(b"MSG 72\nMSG 73\n"),
                                  wall=lambda: T0), stoppers)
    # Both messages decode, are answered, and loop:// hands the answers back to the reader.
    events.wait_for(lambda e: len(events.readings("heart_rate")) == 2 and conn.stats.frames == 4,
                    what="two readings and both ACKs read back")
    assert conn.stop()
    assert [r.value for r in events.readings("heart_rate")] == [72.0, 73.0]
    assert all(r.received_at == T0 for r in events.readings())  # the injected wall clock
    assert conn.stats.replies_written == 2
    assert capture.read_bytes() == b"MSG 72\nMSG 73\nACK 72\nACK 73\n"
    assert conn.stats.bytes_received == len(capture.read_bytes())


def test_states_run_connecting_connected_then_stopped(stoppers: list[Callable[[], object]]) -> None:
    events = EventLog()
    conn = start(DeviceConnection("loop://", LineFormat(), events,
                                  serial_factory=seeded_loop(b"MSG 80\n")), stoppers)
    opened = events.wait_state(S.CONNECTING)
    assert opened.previous is S.STOPPED and "opened loop://" in opened.detail
    events.wait_state(S.CONNECTED)
    t = time.monotonic()
    assert conn.stop()
    assert time.monotonic() - t < 1.0  # joined promptly: one read timeout
    events.wait_state(S.STOPPED)
    assert events.states() == [S.CONNECTING, S.CONNECTED, S.STOPPED]
    assert conn.state is S.STOPPED and not conn.is_running


def test_quiet_line_goes_stale_after_the_interval_and_back_to_connected_when_frames_resume(
    stoppers: list[Callable[[], object]]
) -> None:
    sink = PtySink()
    stoppers.append(sink.close)
    stats = PlayerStats()
    events = EventLog()
    start(DeviceConnection(sink.path, LineFormat(stale_after_seconds=0.4), events), stoppers)
    events.wait_state(S.CONNECTING)
    sink.write(b"MSG 70\n", threading.Event(), stats)
    connected = events.wait_state(S.CONNECTED)
    stale = events.wait_state(S.STALE, timeout=3)
    # The watchdog fires after the interval, late by at most one read timeout (+ slack for CI).
    assert 0.4 <= stale.mono - connected.mono < 0.4 + 1.0
    assert "no valid frame for 0.4 s" in stale.detail
    sink.write(b"MSG 71\n", threading.Event(), stats)
    back = events.wait_state(S.CONNECTED)
    assert back.previous is S.STALE
    assert [r.value for r in events.readings("heart_rate")] == [70.0, 71.0]
    # The replies came back through the pty and the simulator side drained them.
    deadline = time.monotonic() + 5
    while stats.bytes_read < len(b"ACK 70\nACK 71\n") and time.monotonic() < deadline:
        sink.wait(0.05, stats)  # select() on the master: returns as soon as bytes arrive
    assert stats.bytes_read == len(b"ACK 70\nACK 71\n")


def test_port_that_opens_but_never_yields_a_frame_goes_from_connecting_to_stale(
    stoppers: list[Callable[[], object]]
) -> None:
    sink = PtySink()
    stoppers.append(sink.close)
    events = EventLog()
    start(DeviceConnection(sink.path, LineFormat(stale_after_seconds=0.3), events), stoppers)
    events.wait_state(S.CONNECTING)
    sink.write(b"no newline, so never a frame", threading.Event(), PlayerStats())
    stale = events.wait_state(S.STALE, timeout=3)
    assert stale.previous is S.CONNECTING


def test_unplugged_pty_is_disconnected_and_reopened_at_the_same_path_within_5_s(
    stoppers: list[Callable[[], object]]
) -> None:
    sink = PtySink()
    stoppers.append(sink.close)
    events = EventLog()
    start(DeviceConnection(sink.path, LineFormat(), events), stoppers)
    events.wait_state(S.CONNECTING)
    sink.write(b"MSG 60\n", threading.Event(), PlayerStats())
    events.wait_state(S.CONNECTED)

    sink.unplug()  # master closed while our own slave fd was still open: the reader must notice
    lost = events.wait_state(S.DISCONNECTED)
    assert "port lost" in lost.detail
    sink.replug()
    replugged = time.monotonic()
    reopened = events.wait_state(S.CONNECTING, timeout=5)
    sink.write(b"MSG 61\n", threading.Event(), PlayerStats())
    connected = events.wait_state(S.CONNECTED)
    assert reopened.mono - replugged < 5.0 and connected.mono - replugged < 5.0
    assert [r.value for r in events.readings("heart_rate")] == [60.0, 61.0]


def test_missing_port_retries_with_backoff_until_it_appears(
    tmp_path: Path, stoppers: list[Callable[[], object]]
) -> None:
    sink = PtySink(tmp_path)
    stoppers.append(sink.close)
    sink.unplug()  # the path does not exist yet
    events = EventLog()
    conn = start(DeviceConnection(sink.path, LineFormat(), events, backoff_first=0.05,
                                  backoff_cap=0.2), stoppers)
    failed = events.wait_state(S.DISCONNECTED)
    assert f"cannot open {sink.path}" in failed.detail
    sink.replug()
    events.wait_state(S.CONNECTING, timeout=2)
    # Failed re-opens while already DISCONNECTED are reported once, not on every attempt.
    assert events.states() == [S.DISCONNECTED, S.CONNECTING]
    assert conn.stats.opens == 1


def test_a_second_reader_of_a_port_is_refused_by_name_and_takes_it_once_the_first_lets_go(
    tmp_path: Path, stoppers: list[Callable[[], object]]
) -> None:
    # Two consoles on one port (seen walking a clinic: a console left running reopened a port
    # the next clinic's monitor used) share its bytes: each took frames the other never saw and
    # both logged halves of frames. The second is refused, with the reason, and retries.
    sink = PtySink(tmp_path)
    stoppers.append(sink.close)
    first_events, second_events = EventLog(), EventLog()
    first = start(DeviceConnection(sink.path, LineFormat(), first_events), stoppers)
    first_events.wait_state(S.CONNECTING)
    second = start(DeviceConnection(sink.path, LineFormat(), second_events, backoff_first=0.05,
                                    backoff_cap=0.1), stoppers)
    refused = second_events.wait_state(S.DISCONNECTED)
    assert f"cannot open {sink.path}: in use by another program" in refused.detail
    for n in range(60, 70):
        sink.write(f"MSG {n}\n".encode(), threading.Event(), PlayerStats())
    first_events.wait_for(lambda e: any(r.value == 69.0 for r in e.readings), what="MSG 69")
    assert [r.value for r in first_events.readings("heart_rate")] == [float(n) for n in range(60, 70)]
    second_events.drain()
    assert second_events.readings("heart_rate") == []

    assert first.stop()
    second_events.wait_state(S.CONNECTING, timeout=5)   # the port is free: the second reads it
    sink.write(b"MSG 70\n", threading.Event(), PlayerStats())
    second_events.wait_state(S.CONNECTED)
    assert [r.value for r in second_events.readings("heart_rate")] == [70.0]


def test_unexpected_decoder_error_becomes_disconnected_with_the_text_then_a_retry(
    stoppers: list[Callable[[], object]]
) -> None:
    events = EventLog()
    fmt = LineFormat(fail_first_on=b"BOOM")
    conn = start(DeviceConnection("loop://", fmt, events, backoff_first=0.05,
                                  serial_factory=seeded_loop(b"BOOM\n")), stoppers)
    lost = events.wait_state(S.DISCONNECTED)
    assert "unexpected error: RuntimeError: decoder bug on purpose" in lost.detail
    events.wait_state(S.CONNECTING)  # retried with a fresh decoder
    assert conn.is_running and len(fmt.decoders) == 2
    # ... given the connection's NIBP memory: what was reported stays reported (review 37)
    assert fmt.nibp[0] is not None and fmt.nibp[1] is fmt.nibp[0]


def test_an_exception_in_the_owners_callback_does_not_stop_the_reader(
    stoppers: list[Callable[[], object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    got: queue.Queue[DeviceEvent] = queue.Queue()
    faults: queue.Queue[BaseException | None] = queue.Queue()
    # The console's fault handler takes threading.excepthook: the owner's bug must reach it (a
    # Console fault alarm), not only the log, since the event's readings were lost.
    monkeypatch.setattr(threading, "excepthook", lambda args: faults.put(args.exc_value))

    def clumsy_owner(event: DeviceEvent) -> None:
        got.put(event)
        raise ValueError("owner bug")

    conn = start(DeviceConnection("loop://", LineFormat(), clumsy_owner,
                                  serial_factory=seeded_loop(b"MSG 1\nMSG 2\n")), stoppers)
    readings: list[Reading] = []
    deadline = time.monotonic() + 5
    while len(readings) < 2 and time.monotonic() < deadline:
        readings.extend(got.get(timeout=5).readings)
    assert [r.value for r in readings] == [1.0, 2.0]
    assert conn.is_running
    fault = faults.get(timeout=5)
    assert isinstance(fault, ValueError) and str(fault) == "owner bug"


def test_an_untimed_nibp_whose_hand_over_failed_comes_again_with_the_next_frame(
    stoppers: list[Callable[[], object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An Ivy's frame carries no answer to wait for: its NIBP must still be forgotten when the
    owner's callback failed, or the repeat in the next frame is dropped and the cuff measurement
    never reaches the log."""
    monkeypatch.setattr(threading, "excepthook", lambda args: None)   # the console's fault alarm
    ports: list[serial.SerialBase] = []
    frame = (b"\xffANSAR-B " + bytes(400)
             + b"HR=1;80;ECG-II-DIAG;\rSPO2=1;97;PR=80 ;\rNIBP=4;150;95;113;80;;\r\xfe")
    events = EventLog()
    failed: list[DeviceEvent] = []

    def owner(event: DeviceEvent) -> None:
        if event.readings and not failed:
            failed.append(event)
            ports[0].write(frame)   # the monitor's next frame, read after this one failed
            raise RuntimeError("owner bug")
        events(event)

    def factory(url: str) -> serial.SerialBase:
        port = seeded_loop(frame)(url)
        ports.append(port)
        return port

    start(DeviceConnection("loop://", "ansar-b", owner, serial_factory=factory), stoppers)
    events.wait_for(lambda e: bool(e.readings), what="the next frame's readings")
    assert [r.value for r in events.readings("bp_systolic")] == [150.0]


def test_stop_during_backoff_is_prompt(stoppers: list[Callable[[], object]]) -> None:
    events = EventLog()
    conn = start(DeviceConnection("/nonexistent/port", LineFormat(), events, backoff_first=1.5),
                 stoppers)
    events.wait_state(S.DISCONNECTED)
    t = time.monotonic()
    assert conn.stop()
    assert time.monotonic() - t < 0.5
    events.wait_state(S.STOPPED)


def test_unknown_format_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown device profile or format 'hl8'; known: .*nihon-kohden-pvm.*hl7, masimo, ansar-b"):
        DeviceConnection("loop://", "hl8", lambda e: None)


def test_line_settings_default_from_the_format_and_can_be_overridden() -> None:
    conn = DeviceConnection("loop://", "masimo", lambda e: None, parity="E")
    assert (conn.baudrate, conn.bytesize, conn.parity, conn.stopbits) == (9600, 8, "E", 1)
    assert conn.stale_after_seconds == 4.0   # R2: every format alarms within 5 s (formats.py)
    assert DeviceConnection("loop://", "hl7", lambda e: None, stale_after_seconds=0.5).stale_after_seconds == 0.5
    with pytest.raises(ValueError, match="stale_after_seconds must be > 0"):
        DeviceConnection("loop://", "hl7", lambda e: None, stale_after_seconds=0)


def test_devices_package_never_imports_qt() -> None:
    code = (
        "import sys, devices.transport, devices.simulator, devices.simulator.cli, devices.formats\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=Path(__file__).resolve().parents[2], env={**os.environ})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def read_answers(sink: PtySink, count: int, timeout: float = 5.0) -> bytes:
    """What the console wrote back on the pty, once `count` lines have come (select, no sleep)."""
    got = b""
    deadline = time.monotonic() + timeout
    while got.count(b"\n") < count and time.monotonic() < deadline:
        ready, _, _ = select.select([sink._master], [], [], 0.05)
        if ready:
            got += os.read(sink._master, 4096)
    return got


def test_answers_wait_for_the_owners_verdict_and_go_out_in_message_order(
    stoppers: list[Callable[[], object]]
) -> None:
    sink = PtySink()
    stoppers.append(sink.close)
    stats = PlayerStats()
    events = EventLog(settle=None)   # the test plays the owner that commits
    conn = start(DeviceConnection(sink.path, LineFormat(), events), stoppers)
    events.wait_state(S.CONNECTING)
    sink.write(b"MSG 70\n", threading.Event(), stats)
    first = events.wait_for(lambda e: bool(e.readings), what="the first message")
    sink.write(b"MSG 71\n", threading.Event(), stats)
    second = events.wait_for(lambda e: bool(e.readings), what="the second message")
    # The second is committed first: its answer still waits behind the first's.
    second.settle(True)
    assert read_answers(sink, 1, timeout=0.5) == b""
    assert conn.stats.replies_written == 0
    # The first could not be stored: the device is told so (it resends), then the second's AA.
    first.settle(False)
    assert read_answers(sink, 2) == b"NAK 70\nACK 71\n"


def test_an_answer_nobody_settles_is_dropped_unsent_and_does_not_hold_the_line(
    stoppers: list[Callable[[], object]]
) -> None:
    sink = PtySink()
    stoppers.append(sink.close)
    stats = PlayerStats()
    clock = [100.0]
    events = EventLog(settle=None)
    conn = start(DeviceConnection(sink.path, LineFormat(stale_after_seconds=1e6), events,
                                  monotonic=lambda: clock[0]), stoppers)
    events.wait_state(S.CONNECTING)
    sink.write(b"MSG 70\n", threading.Event(), stats)
    events.wait_for(lambda e: bool(e.readings), what="the unsettled message")
    clock[0] += REPLY_WAIT_SECONDS   # the owner stalled this long
    sink.write(b"MSG 71\n", threading.Event(), stats)
    events.wait_for(lambda e: bool(e.readings), what="the next message").settle(True)
    assert read_answers(sink, 1) == b"ACK 71\n"
    assert conn.stats.replies_dropped == 1


# ------------------------------------------------------------- devices that must be asked


class AskingDecoder(LineDecoder):
    """A device that answers only when asked: every `period` s of the injected clock the
    decoder asks `MSG <n>` (loop:// hands the question back as the device's answer), and it
    says `BYE` when the owner stops."""

    def __init__(self, period: float) -> None:
        super().__init__()
        self.period = period
        self.next_at: float | None = None
        self.asked = 0

    def outgoing(self, now_mono: float, now_wall: datetime) -> bytes:
        if self.next_at is not None and now_mono < self.next_at:
            return b""
        self.next_at = now_mono + self.period
        self.asked += 1
        return b"MSG %d\n" % (60 + self.asked)

    def closing_bytes(self) -> bytes:
        return b"BYE\n"


@dataclass
class AskingFormat(LineFormat):
    def new_decoder(self, source_hint: str = "", nibp: UnplacedNibp | None = None) -> StreamDecoder:
        decoder = AskingDecoder(period=5.0)
        self.decoders.append(decoder)
        return decoder


def test_a_device_that_must_be_asked_is_asked_every_period_and_told_goodbye_on_stop(
        stoppers: list[Callable[[], object]]) -> None:
    clock = [100.0]
    written: list[bytes] = []

    def recording_loop(url: str) -> serial.SerialBase:
        port = serial.serial_for_url("loop://", do_not_open=True)
        plain_write = port.write

        def write(data: bytes) -> int | None:
            written.append(bytes(data))
            return plain_write(data)

        port.write = write  # type: ignore[method-assign]
        return port

    events = EventLog()
    fmt = AskingFormat()
    conn = start(DeviceConnection("loop://", fmt, events, serial_factory=recording_loop,
                                  monotonic=lambda: clock[0]), stoppers)
    # Asked at once on open; the answer (the question read back) is a reading.
    events.wait_for(lambda e: len(events.readings("heart_rate")) == 1, what="the first answer")
    # The clock has not moved: many read-loop turns, still only one question.
    events.wait_for(lambda e: conn.stats.replies_written >= 1, what="its ACK written")
    assert [w for w in written if w.startswith(b"MSG")] == [b"MSG 61\n"]
    clock[0] += 5.0   # one poll period later: asked again
    events.wait_for(lambda e: len(events.readings("heart_rate")) == 2, what="the second answer")
    assert [r.value for r in events.readings("heart_rate")] == [61.0, 62.0]
    assert conn.stats.requests_written == 2
    assert conn.stop()
    assert written[-1] == b"BYE\n", f"no goodbye on stop; wrote {written}"


def test_a_socket_port_says_how_many_bytes_wait_so_a_tcp_monitor_is_read_in_one_go() -> None:
    # pyserial's socket:// says 0 or 1: the reader took a TCP monitor two bytes per turn.
    import socket

    from devices.transport import _default_serial_factory

    server = socket.create_server(("127.0.0.1", 0))
    try:
        port = _default_serial_factory(f"socket://127.0.0.1:{server.getsockname()[1]}")
        port.timeout = 1.0
        port.open()
        peer, _ = server.accept()
        try:
            peer.sendall(b"x" * 2000)
            assert port.read(1) == b"x"
            deadline = time.monotonic() + 5
            while port.in_waiting < 1999 and time.monotonic() < deadline:
                time.sleep(0.01)   # the loopback delivers the rest; waiting on the kernel here
            assert port.in_waiting == 1999
            assert len(port.read(port.in_waiting)) == 1999
            peer.close()
            assert port.in_waiting == 1   # the peer is gone: the next read says so
            with pytest.raises(serial.SerialException):
                port.read(1)
        finally:
            port.close()
    finally:
        server.close()


def test_a_masimo_sending_only_cut_off_lines_is_not_connected_and_goes_stale(
    stoppers: list[Callable[[], object]]
) -> None:
    from dataclasses import replace

    from devices.formats import FORMATS

    # Every line cut before its ALARM/EXC end (a failing cable): none proves a usable oximeter,
    # so the nurse gets "no data", not a green connection with no values.
    cut = b"03/17/16 19:19:37 SN=0000012345 SPO2=098% BPM=07\r\n"
    events = EventLog()
    start(DeviceConnection("loop://", replace(FORMATS["masimo"], stale_after_seconds=0.3), events,
                           serial_factory=seeded_loop(b"\r\n" + cut * 3)), stoppers)
    stale = events.wait_state(S.STALE, timeout=3)
    assert stale.previous is S.CONNECTING
    assert S.CONNECTED not in events.states()
    assert events.readings() == []


class SteppedClock:
    """A monotonic clock the test moves; counts its reads, so a test knows the reader has
    turned its loop since a step (each turn reads it) without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.reads = 0
        self._turned = threading.Condition()

    def __call__(self) -> float:
        with self._turned:
            self.reads += 1
            self._turned.notify_all()
        return self.now

    def wait_turns(self, turns: int, timeout: float = 5.0) -> None:
        with self._turned:
            until = self.reads + turns
            assert self._turned.wait_for(lambda: self.reads >= until, timeout)


class TcpMonitor:
    """A serial-over-LAN converter on loopback: accepts connections and sends what it is told
    on the newest. One whose link went dead without a FIN or RST (power lost) is simply one
    that sends nothing more on that connection."""

    def __init__(self) -> None:
        import socket

        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        self.peers: list[socket.socket] = []

    def accept(self) -> None:
        self.server.settimeout(5)
        self.peers.append(self.server.accept()[0])

    def send(self, data: bytes) -> None:
        self.peers[-1].sendall(data)

    def close(self) -> None:
        for peer in self.peers:
            peer.close()
        self.server.close()


def test_a_tcp_link_silent_past_the_watchdog_is_closed_and_connected_again(
    stoppers: list[Callable[[], object]]
) -> None:
    # A converter power-cycled (or a switch rebooted) sends no FIN: the console kept the dead
    # connection for ever, "Still no data from the device", and never found the converter back.
    monitor = TcpMonitor()
    stoppers.append(monitor.close)
    clock = SteppedClock()
    events = EventLog()
    conn = start(DeviceConnection(monitor.url, LineFormat(stale_after_seconds=4), events,
                                  monotonic=clock), stoppers)
    monitor.accept()
    events.wait_state(S.CONNECTING)          # opened: pyserial's open empties what came before
    monitor.send(b"MSG 70\n")
    events.wait_state(S.CONNECTED)
    clock.now += 4
    events.wait_state(S.STALE)               # "No data from the device", as on any port
    clock.now += 4                           # as long again: the link is taken for dead
    closed = events.wait_state(S.DISCONNECTED)
    assert closed.detail.startswith("port lost: no valid frame for 8 s")
    monitor.accept()                         # the converter, back, takes the new connection
    clock.wait_turns(1)                      # through the back-off, as after an unplug; opened
    monitor.send(b"MSG 71\n")                # (still "disconnected" until it talks)
    assert events.wait_state(S.CONNECTED).previous is S.DISCONNECTED
    assert [r.value for r in events.readings("heart_rate")] == [70.0, 71.0]
    assert conn.stats.opens == 2


def test_a_tcp_monitor_quiet_for_a_minute_is_one_disconnection_while_its_link_is_remade(
    tmp_path: Path, stoppers: list[Callable[[], object]]
) -> None:
    # Each close-and-reopen of a quiet TCP link had been reported connecting, stale,
    # disconnected: three device_state rows in the session's log every ~10 s (~1,000 an hour),
    # pushing T0, the ticks and the typed values out of the event list.
    from console.session.engine import DEVICE_LOST
    from console.store import EventLog as SessionLog
    from tests.session.test_resume_as_live import LoggedSession

    monitor = TcpMonitor()                   # the converter is up; its monitor says nothing
    stoppers.append(monitor.close)
    clock = SteppedClock()
    events = EventLog()
    conn = start(DeviceConnection(monitor.url, LineFormat(stale_after_seconds=4), events,
                                  monotonic=clock, backoff_first=0.01, backoff_cap=0.02), stoppers)
    monitor.accept()
    events.wait_state(S.CONNECTING)
    clock.now += 4
    events.wait_state(S.STALE)
    clock.now += 4
    events.wait_state(S.DISCONNECTED)        # "port lost": the link taken for dead
    for _ in range(6):                       # about a minute more of a quiet monitor
        monitor.accept()                     # connected again (R2): the reconnect goes on
        clock.wait_turns(1)                  # opened and read from
        clock.now += 8
    monitor.accept()
    clock.wait_turns(1)
    monitor.send(b"MSG 70\n")                # the monitor talks at last
    events.wait_state(S.CONNECTED)
    events.drain()
    assert conn.stats.opens == 8
    assert events.states() == [S.CONNECTING, S.STALE, S.DISCONNECTED, S.CONNECTED]

    log = SessionLog.open(tmp_path / "sessions.sqlite3", "test")
    try:
        s = LoggedSession(log)
        s.to_infusion()
        for event in (e for e in events.seen if e.kind is EventKind.STATE and e.state):
            if event.state is S.CONNECTED:
                assert [o.condition for o in s.engine.alarms()].count(DEVICE_LOST) == 1
            s.engine.device_state_changed(event.state.value, s.now(), event.detail)
        rows = [e for _, e in log.events(s.engine.session_id) if e.kind == "device_state"]
        assert [r.detail["state"] for r in rows] == ["connecting", "stale", "disconnected",
                                                     "connected"]
        assert DEVICE_LOST not in [o.condition for o in s.engine.alarms()]
    finally:
        log.close()


def test_a_quiet_serial_port_stays_open_however_long_it_is_stale(
    stoppers: list[Callable[[], object]]
) -> None:
    # A serial line has no link to die silently: a quiet monitor on it is quiet, and reopening
    # the port would only say "Device disconnected" about a cable that is in.
    sink = PtySink()
    stoppers.append(sink.close)
    clock = SteppedClock()
    events = EventLog()
    conn = start(DeviceConnection(sink.path, LineFormat(stale_after_seconds=4), events,
                                  monotonic=clock), stoppers)
    events.wait_state(S.CONNECTING)
    sink.write(b"MSG 70\n", threading.Event(), PlayerStats())
    events.wait_state(S.CONNECTED)
    clock.now += 4
    events.wait_state(S.STALE)
    clock.now += 60
    clock.wait_turns(5)
    events.drain()
    assert events.states()[-1] is S.STALE and conn.stats.opens == 1


def test_a_socket_port_has_tcp_keepalive_so_a_dead_peer_is_found() -> None:
    import socket

    from devices.transport import KEEPALIVE_COUNT, KEEPALIVE_IDLE_SECONDS, _default_serial_factory

    server = socket.create_server(("127.0.0.1", 0))
    try:
        port = _default_serial_factory(f"socket://127.0.0.1:{server.getsockname()[1]}")
        port.open()
        try:
            sock = port._socket  # type: ignore[attr-defined]
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
            if hasattr(socket, "TCP_KEEPIDLE"):
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == \
                    KEEPALIVE_IDLE_SECONDS
                assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == KEEPALIVE_COUNT
        finally:
            port.close()
    finally:
        server.close()
