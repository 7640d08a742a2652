"""`infusion-sim` as QA drives it: on a real pseudo-terminal (or a real socket), against a reader.

The QA audit found the program's counts never matched the console's log: it played before anyone
opened the port (pyserial empties the input as it opens it), stalled and then burst when nobody
read, counted one ACK byte per drain over socket://, took AE for an acknowledgement and never
resent. Each test here plays the monitor for real and checks what a reader gets and what the
program's last line says. The player's clock is injected where it runs in this process; the
program in its own process runs on real time (there is no clock to inject there).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
import serial

from devices.reading import Reading
from devices.simulator.player import PlayerStats, PtySink, play
from devices.simulator.scenario import compile_timeline, load_builtin, parse_scenario
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent, EventKind
from tests.devices.test_transport import EventLog

S = ConnectionState
ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CONTROL_ID = re.compile(rb"\|(SIM\d{8})\|P\|")


def run_sim(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "devices.simulator.cli", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def stopper(proc: subprocess.Popen[str]) -> Callable[[], object]:
    """Ends the program if a test failed before it did: SIGTERM, so it removes its port."""
    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    return stop


def rest_of_stderr(proc: subprocess.Popen[str]) -> list[str]:
    """The program's stderr lines not read yet, once it has ended by itself with status 0."""
    assert proc.wait(30) == 0
    _, err = proc.communicate()
    assert "Traceback" not in err
    return err.splitlines()


def last_line(proc: subprocess.Popen[str]) -> str:
    return rest_of_stderr(proc)[-1]


def control_id(message: bytes) -> str:
    found = CONTROL_ID.search(message)
    assert found is not None, message[:80]
    return found.group(1).decode()


def carried(readings: Sequence[Reading]) -> set[tuple[object, ...]]:
    """What a message carried, as the console's engine compares it to know a resend."""
    return {(r.source, r.message, r.metric, r.channel, r.value, r.measured_at) for r in readings}


class Clock:
    """The player's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def until(predicate: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    """Wait (bounded) for the player thread to have done something."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}"
        threading.Event().wait(0.005)   # another thread's progress: nothing to inject


def read_messages(port: serial.Serial, count: int, timeout: float = 5.0) -> list[bytes]:
    """The MLLP frames a console reads from `port` until at least `count` have come (all of
    them: more than `count` is a burst the caller sees)."""
    got, buf = [], b""
    deadline = time.monotonic() + timeout
    while len(got) < count:
        assert time.monotonic() < deadline, f"{len(got)} of {count} messages read: {buf[:60]!r}"
        buf += port.read(65536)
        while b"\x1c\r" in buf:
            message, buf = buf.split(b"\x1c\r", 1)
            got.append(message + b"\x1c\r")
    assert buf == b"", f"a frame cut short: {buf[:60]!r}"
    return got


def pty_with_console(stoppers: list[Callable[[], object]]) -> tuple[PtySink, Clock, serial.Serial]:
    """A simulator's pty, its held clock, and the console's end opened on it (closed after)."""
    sink = PtySink()
    stoppers.append(sink.close)
    console = serial.Serial(sink.path, timeout=0.05)
    stoppers.append(console.close)
    return sink, Clock(), console


def start_play(timeline_minutes: float, sink: PtySink, clock: Clock, *, resend: bool = False
               ) -> tuple[threading.Thread, PlayerStats, threading.Event]:
    timeline = compile_timeline(load_builtin("normal"), "hl7", 1, T0, timeline_minutes)
    stats, stop = PlayerStats(), threading.Event()
    thread = threading.Thread(target=play, args=(timeline, sink), name="device-simulator",
                              kwargs={"stop": stop, "stats": stats, "monotonic": clock,
                                      "resend": resend})
    thread.start()
    return thread, stats, stop


# ---------------------------------------------------------------- 1. wait for the reader


def test_the_program_waits_for_a_reader_and_every_frame_it_counts_reaches_it(
    stoppers: list[Callable[[], object]],
) -> None:
    proc = run_sim("--scenario", "normal", "--speed", "20", "--duration-minutes", "0.5")
    stoppers.append(stopper(proc))
    assert proc.stdout is not None and proc.stderr is not None
    port = proc.stdout.readline().strip()
    assert proc.stderr.readline().startswith("# normal: hl7, 0.5 min at x20")
    assert proc.stderr.readline() == f"# waiting for a reader on {port}\n"
    # The console opens the port late, as a real one does (it takes a second or two to start);
    # the program runs on real time in its own process. Before the fix 180 frames were reported
    # at x20 and 166 logged: the first ones went into a port nobody had opened yet.
    time.sleep(0.3)
    events = EventLog()
    conn = DeviceConnection(port, "hl7", events)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_state(S.DISCONNECTED, timeout=30)   # the program closes its port at the end
    got = list(dict.fromkeys(r.message for r in events.readings()))
    assert got == [f"SIM{n:08d}" for n in range(1, 31)]
    lines = rest_of_stderr(proc)
    assert not [line for line in lines if line.startswith("# waiting")]   # said once
    summary = lines[-1]
    assert summary.startswith("# finished: 30 frames written, 0 not delivered ")
    assert "ACKs: 30 AA/CA, 0 AE/AR/CE/CR; 0 resends" in summary


def test_with_no_wait_it_plays_at_once_and_counts_what_nobody_could_read(
    stoppers: list[Callable[[], object]],
) -> None:
    proc = run_sim("--scenario", "normal", "--speed", "20", "--duration-minutes", "0.5",
                   "--no-wait")
    stoppers.append(stopper(proc))
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    time.sleep(0.3)   # the console comes late (see the test above)
    events = EventLog()
    conn = DeviceConnection(port, "hl7", events)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_state(S.DISCONNECTED, timeout=30)
    got = list(dict.fromkeys(r.message for r in events.readings()))
    written, lost = map(int, re.findall(r"(\d+) frames written, (\d+) not delivered",
                                        last_line(proc))[0])
    # Lost from the start and counted, never sent later: the reader has the last ones, in order.
    assert lost > 0 and written + lost == 30
    assert got == [f"SIM{n:08d}" for n in range(lost + 1, 31)]


# ------------------------------------------------------- 2. nobody reading: keep the pace


def test_frames_due_while_nobody_reads_are_lost_and_counted_never_sent_later(
    stoppers: list[Callable[[], object]],
) -> None:
    sink, clock, console = pty_with_console(stoppers)
    thread, stats, stop = start_play(123 / 60, sink, clock)   # frames at 0 .. 122 s
    stoppers.append(lambda: (stop.set(), thread.join(5)))
    assert [control_id(m) for m in read_messages(console, 1)] == ["SIM00000001"]
    # The console is killed; 120 messages fall due, more than a pty holds. Before the fix each
    # write stalled 2 s once the pty was full, and the backlog came out as a burst later.
    console.close()
    clock.now = 120.5
    until(lambda: stats.frames_undelivered == 120, "120 frames counted as not delivered")
    # The console is back: it gets what is due from now on, not the backlog.
    console = serial.Serial(sink.path, timeout=0.05)
    stoppers.append(console.close)
    clock.now = 122.5
    assert [control_id(m) for m in read_messages(console, 2)] == ["SIM00000122", "SIM00000123"]
    clock.now = 123.0
    thread.join(5)
    assert not thread.is_alive()
    assert (stats.frames_written, stats.frames_undelivered) == (3, 120)


def test_a_reader_that_takes_nothing_costs_one_stall_then_frames_are_counted_lost(
    stoppers: list[Callable[[], object]],
) -> None:
    sink, clock, console = pty_with_console(stoppers)   # open, but frozen: it reads nothing
    thread, stats, stop = start_play(201 / 60, sink, clock)
    stoppers.append(lambda: (stop.set(), thread.join(5)))
    clock.now = 199.5   # 200 messages due, far more than the pty holds
    began = time.monotonic()
    until(lambda: stats.frames_written + stats.frames_undelivered == 200, "200 frames played")
    # One wait of STALL_LIMIT_SECONDS (2 s) for the reader, not one per frame (before: 2 s
    # each, 400 s); the bound is loose so that a loaded machine cannot fail it.
    assert time.monotonic() - began < 60 and stats.frames_undelivered > 100
    # The reader wakes: it gets what the pty held (the frames written, and perhaps the start of
    # the one cut off when the player gave up), then the next frame when it is due.
    held = b""
    while chunk := console.read(65536):
        held += chunk
    assert stats.frames_written <= held.count(b"\x0b") <= stats.frames_written + 1
    clock.now = 200.5
    assert [control_id(m) for m in read_messages(console, 1)] == ["SIM00000201"]


def test_a_stop_ends_an_answer_on_the_pty_the_reader_is_not_taking(
    stoppers: list[Callable[[], object]],
) -> None:
    # An asked device's answer on its pty (`_PtyPort.send`) did not look at the stop: a reader
    # that takes a byte now and then kept the answer, and the device's stop, going.
    clock = Clock()   # standing still: only the stop can end the answer
    sink = PtySink(monotonic=clock)
    stoppers.append(sink.close)
    console = serial.Serial(sink.path, timeout=0.05)   # open, reads nothing
    stoppers.append(console.close)
    stop = threading.Event()
    answer = threading.Thread(target=sink.send, args=(b"x" * 1_000_000, stop),
                              name="device-answer")
    answer.start()
    stoppers.append(lambda: (stop.set(), answer.join(5)))
    until(lambda: console.in_waiting > 0, "the answer to fill the pty")
    stop.set()
    answer.join(5)
    assert not answer.is_alive()


GONE_FOR_2_S = """
name = "gap"
description = "the port goes at 3 s for 2 s"
duration_minutes = 0.2
[[steps]]
at_minute = 0.05
action = "disconnect"
seconds = 2
[expect]
text = "t"
alarms = ["device_lost"]
"""


def test_a_port_back_after_a_disconnect_is_waited_for_then_played_on_without_a_burst(
    stoppers: list[Callable[[], object]],
) -> None:
    sink, clock, console = pty_with_console(stoppers)
    timeline = compile_timeline(parse_scenario(GONE_FOR_2_S, "gap.toml"), "hl7", 1, T0)
    stats, stop = PlayerStats(), threading.Event()
    thread = threading.Thread(target=play, args=(timeline, sink), name="device-simulator",
                              kwargs={"stop": stop, "stats": stats, "monotonic": clock,
                                      "hold_for_reader": True})
    thread.start()
    stoppers.append(lambda: (stop.set(), thread.join(5)))
    clock.now = 2.5
    assert len(read_messages(console, 3)) == 3   # 0, 1 and 2 s
    clock.now = 5.0   # the port went at 3 s and is back at 5 s, at the same path
    until(lambda: stats.disconnects == 1 and os.path.islink(sink.path), "the port back")
    console.close()
    clock.now = 9.0   # the console takes 4 s to open it again: the scenario waits
    console = serial.Serial(sink.path, timeout=0.05)
    stoppers.append(console.close)
    # It goes on with the 5 s frame, not with everything due by 9 s at once.
    assert [control_id(m) for m in read_messages(console, 1)] == ["SIM00000004"]
    assert console.read(65536) == b""
    clock.now = 10.0
    assert [control_id(m) for m in read_messages(console, 1)] == ["SIM00000005"]
    stop.set()


# --------------------------------------------------------- 3. ACKs over socket://, whole


def test_acks_over_a_socket_are_counted_whole_and_refusals_apart(
    stoppers: list[Callable[[], object]],
) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    stoppers.append(server.close)
    proc = run_sim("--port", f"socket://127.0.0.1:{server.getsockname()[1]}", "--scenario",
                   "normal", "--speed", "60", "--duration-minutes", "0.5")
    stoppers.append(stopper(proc))
    server.settimeout(10)
    link, _ = server.accept()
    stoppers.append(link.close)
    link.settimeout(0.1)
    buf, answered = b"", 0
    while True:
        try:
            data = link.recv(65536)
        except TimeoutError:
            if proc.poll() is not None:
                break
            continue
        if not data:
            break
        buf += data
        while b"\x1c\r" in buf:
            message, buf = buf.split(b"\x1c\r", 1)
            answered += 1
            # Every fifth refused (AR), some accepted in enhanced mode (CA), the rest AA; each
            # written in 7-byte pieces, as a slow line delivers it.
            code = b"AR" if answered % 5 == 0 else b"CA" if answered % 5 == 1 else b"AA"
            ack = (b"\x0bMSH|^~\\&|CONSOLE||||20260105090000+0000||ACK^R01^ACK|A1|P|2.6\r"
                   b"MSA|" + code + b"|" + control_id(message).encode() + b"\r\x1c\r")
            for at in range(0, len(ack), 7):
                link.sendall(ack[at : at + 7])
    assert answered == 30
    # Before the fix: "5 ACKs received" (one byte read per drain), and AE counted as an ACK.
    assert last_line(proc).endswith(
        "ACKs: 24 AA/CA, 6 AE/AR/CE/CR; 0 resends, 6 messages given up")


# ------------------------------------------------------------------------- 4. resends


def test_a_message_answered_ae_is_sent_again_and_the_console_reads_the_same_message(
    stoppers: list[Callable[[], object]],
) -> None:
    proc = run_sim("--scenario", "normal", "--speed", "5", "--duration-minutes", "0.1")
    stoppers.append(stopper(proc))
    assert proc.stdout is not None
    port = proc.stdout.readline().strip()
    events = EventLog(settle=None)   # the test is the console's engine: it gives the verdicts
    conn = DeviceConnection(port, "hl7", events)
    stoppers.append(conn.stop)
    conn.start()
    seen: dict[str, list[set[tuple[object, ...]]]] = {}
    while True:
        event: DeviceEvent = events.queue.get(timeout=30)
        if event.kind is EventKind.STATE and event.state is S.DISCONNECTED:
            break
        if event.kind is not EventKind.DATA:
            continue
        (message,) = {r.message for r in event.readings}
        seen.setdefault(message, []).append(carried(event.readings))
        # Not stored the first time (the log refused it): AE, and the monitor sends it again.
        event.settle(len(seen[message]) > 1)
    assert list(seen) == [f"SIM{n:08d}" for n in range(1, 7)]
    # Sent twice each, the same id and the same content: what the console keeps once as a resend.
    assert all(len(sends) == 2 and sends[0] == sends[1] for sends in seen.values())
    assert last_line(proc).endswith(
        "ACKs: 6 AA/CA, 6 AE/AR/CE/CR; 6 resends, 0 messages given up")


def test_ae_sends_the_message_again_at_once_and_the_console_reads_it_as_the_same_message(
    stoppers: list[Callable[[], object]],
) -> None:
    sink = PtySink()
    stoppers.append(sink.close)
    clock = Clock()   # stands still: only the AE can bring the resend
    events = EventLog(settle=None)
    conn = DeviceConnection(sink.path, "hl7", events)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_state(S.CONNECTING)
    thread, stats, stop = start_play(1 / 60, sink, clock, resend=True)   # one message at 0 s
    stoppers.append(lambda: (stop.set(), thread.join(5)))
    first = events.wait_for(lambda e: bool(e.readings), what="the message")
    first.settle(False)   # the log could not take it: AE
    again = events.wait_for(lambda e: bool(e.readings), what="the message sent again")
    again.settle(True)
    # What the console's engine compares to know a resend (`SessionEngine._split_resent` and
    # `_carried`): by source and MSH-10, the same metrics, channels, values and measured times.
    assert carried(again.readings) == carried(first.readings)
    assert {(r.source, r.message) for r in first.readings} == {
        ("hl7:INFUSION-SIM^0200000000ABCDEF^EUI-64", "SIM00000001")}
    clock.now = 1.0
    thread.join(5)
    assert not thread.is_alive()
    assert (stats.frames_written, stats.resends, stats.acks, stats.naks) == (1, 1, 1, 1)


def test_a_message_without_an_ack_is_sent_again_every_5_s_three_sends_in_all(
    stoppers: list[Callable[[], object]],
) -> None:
    sink, clock, console = pty_with_console(stoppers)   # reads, never answers
    thread, stats, stop = start_play(1 / 60, sink, clock, resend=True)   # one message at 0 s
    stoppers.append(lambda: (stop.set(), thread.join(5)))
    (first,) = read_messages(console, 1)
    clock.now = 4.9
    assert console.read(65536) == b""   # not yet (one read time-out)
    clock.now = 5.0
    assert read_messages(console, 1) == [first]   # the same bytes: same MSH-10, same content
    clock.now = 10.0
    assert read_messages(console, 1) == [first]
    clock.now = 15.0
    thread.join(5)
    assert not thread.is_alive() and console.read(65536) == b""
    assert (stats.frames_written, stats.resends, stats.given_up, stats.acks) == (1, 2, 1, 0)


# -------------------------------------------------------------- 5. options not ignored


def test_an_asked_device_plays_for_the_duration_given(stoppers: list[Callable[[], object]]) -> None:
    proc = run_sim("--format", "philips-efficia", "--duration-minutes", "2")
    stoppers.append(stopper(proc))
    assert proc.stdout is not None and proc.stderr is not None
    assert os.path.islink(proc.stdout.readline().strip())
    # Before the fix the scenario's own 45 minutes, whatever was given.
    # (then who the monitor says it is: another each run)
    assert proc.stderr.readline().startswith(
        "# normal: philips-efficia answering, 2 min at x1, as device ")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_ctrl_c_ends_the_simulator_with_130_and_sigterm_with_0(
        stoppers: list[Callable[[], object]], sig: signal.Signals, status: int) -> None:
    # The README: Ctrl+C ends a command in one line, exit 130; the simulator said 0, as for a
    # scenario played to its end, so a QA script could not tell the two apart (README review).
    # SIGTERM stays a clean stop: a script or a test ending the device it started.
    proc = run_sim("--format", "philips-efficia", "--duration-minutes", "2")
    stoppers.append(stopper(proc))
    assert proc.stdout is not None and proc.stderr is not None
    assert os.path.islink(proc.stdout.readline().strip())
    assert proc.stderr.readline().startswith("# normal: philips-efficia answering")
    proc.send_signal(sig)
    assert proc.wait(10) == status
    assert "Traceback" not in proc.stderr.read()

