"""The asked device's loopback TCP port (`infusion-sim --format mindray-gateway`, draeger-gateway,
mindray-bedside) against a real console end that stops reading.

Before, each answer went out with a blocking `sendall`: a console that kept the connection open
but stopped reading filled the socket, the device's thread stayed in `sendall` for good and
`AnsweringHandle.stop` never ended it. Now the sinks' stall rule holds here too. The stall
limit runs on a clock the test moves; the real waits inside an answer are single polls.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from devices.framing import MLLP_END, MLLP_START, MLLP_TRAILER
from devices.hl7.query import build_query, query_spec
from devices.simulator.answering import AnsweringHandle, answer_in_thread
from tests.devices.test_simulator_cli import Clock, until

BED = "192.0.2.21"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FRAME_END = MLLP_END + MLLP_TRAILER
GIVEN_UP = "the reader of {path} takes nothing: writes are discarded until it does"


class Console:
    """The console's end of the device's port: writes queries, reads only when the test says.

    Non-blocking, so that the test never waits on a device that has stopped reading; queries
    the socket does not take yet are kept and sent first next time (the stream stays whole).
    """

    def __init__(self, handle: AnsweringHandle, stoppers: list[Callable[[], object]]) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        stoppers.append(self.sock.close)
        # Small and fixed (no autotuning), set before connecting: the connection fills after a
        # few answers once nobody reads, and after a few KiB of questions once the device does
        # not read them.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        host, port = handle.port_path.removeprefix("socket://").rsplit(":", 1)
        self.sock.connect((host, int(port)))
        self.sock.setblocking(False)
        self._spec = query_spec("mindray-gateway", BED)
        self._asked = 0
        self.unsent = b""
        self.received = b""

    def ask(self, count: int = 1) -> None:
        """Write `count` more queries (Q1, Q2, ...); send what the socket takes now."""
        for _ in range(count):
            self._asked += 1
            self.unsent += build_query(self._spec, f"Q{self._asked}", T0)
        self.send_what_fits()

    def send_what_fits(self) -> None:
        try:
            while self.unsent:
                self.unsent = self.unsent[self.sock.send(self.unsent):]
        except BlockingIOError:
            pass

    def read_what_is_there(self) -> None:
        try:
            while chunk := self.sock.recv(65536):
                self.received += chunk
        except BlockingIOError:
            pass


def frames_of(data: bytes) -> tuple[list[bytes], bytes]:
    """The whole MLLP frames in `data`, and what follows the last one."""
    *frames, rest = data.split(FRAME_END)
    return [f + FRAME_END for f in frames], rest


def heard_again(console: Console, handle: AnsweringHandle, clock: Clock) -> None:
    """Ask once more and wait until the device has read a question it had not: it reads the
    next one only when it has sent or given up every answer before it."""
    heard = handle.questions
    console.ask()
    until(lambda: handle.questions > heard, f"the device reading on at {clock.now:g} s")


def serve(clock: Clock, stoppers: list[Callable[[], object]]) -> AnsweringHandle:
    handle = answer_in_thread("normal", "mindray-gateway", 1.0, bed=BED, start=T0,
                              monotonic=clock, connection="tcp")
    stoppers.append(handle.stop)
    assert handle.port_path.startswith("socket://127.0.0.1:")
    return handle


def test_a_console_that_reads_gets_every_answer_whole_however_many_it_asks_at_once(
    stoppers: list[Callable[[], object]],
) -> None:
    clock = Clock()   # standing still: a reader that takes bytes is never given up
    handle = serve(clock, stoppers)
    console = Console(handle, stoppers)
    # 1000 queries in one go: the device answers each read of them in one write of hundreds
    # of KiB, far more than the console's 4 KiB buffer takes at a time.
    console.ask(1000)

    def answered() -> bool:
        console.send_what_fits()
        console.read_what_is_there()
        return console.received.count(FRAME_END) >= 2000

    until(answered, "every query answered", timeout=10)
    frames, rest = frames_of(console.received)
    # Each query: the gateway's ACK, then its ORF^R04, whole and in order; nothing cut or left.
    assert rest == b"" and len(frames) == 2000
    assert all(f.startswith(MLLP_START) and f.count(MLLP_START) == 1 for f in frames)
    assert [f.split(b"\r")[1] for f in frames[1::2]] == [
        f"MSA|AA|Q{i}".encode() for i in range(1, 1001)]
    assert handle.stop() and handle.error is None


def test_a_console_that_stops_reading_is_given_up_and_later_answers_do_not_wait_for_it(
    stoppers: list[Callable[[], object]], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="devices.simulator.sinks")
    clock = Clock()
    handle = serve(clock, stoppers)
    console = Console(handle, stoppers)
    given_up = GIVEN_UP.format(path=handle.port_path)

    # The console reads a first answer whole: the link works.
    console.ask()

    def read_both() -> bool:
        console.read_what_is_there()
        return console.received.count(FRAME_END) == 2

    until(read_both, "the first query answered")
    assert frames_of(console.received)[1] == b""

    # The console asks on but reads nothing. The device sends while the socket takes bytes;
    # once it has taken nothing for STALL_LIMIT_SECONDS (0.5 s of the clock per turn here),
    # the rest of that answer is dropped, with a warning naming the port.
    def asked_on() -> bool:
        clock.now += 0.5
        console.ask(20)
        return given_up in caplog.messages

    until(asked_on, "the answer given up once the console took nothing for the stall limit",
          timeout=10)

    # The clock stands still from here: waiting for the stall limit again would never end. The
    # device reads question after question, so it gave up each answer before at once.
    for _ in range(3):
        heard_again(console, handle, clock)
    assert caplog.messages.count(given_up) == 1   # once, not once per answer
    # A stop ends it at once.
    assert handle.stop() and handle.error is None


def test_a_stop_ends_an_answer_the_console_is_not_reading_before_the_stall_limit(
    stoppers: list[Callable[[], object]],
) -> None:
    clock = Clock()   # standing still: only the stop can end the answer
    handle = serve(clock, stoppers)
    console = Console(handle, stoppers)

    # The console asks until the device takes no more questions: it is held in an answer the
    # console does not read (it reads the next question only when that answer is done).
    def held() -> bool:
        console.ask(20)
        return bool(console.unsent)

    until(held, "the console's questions no longer taken", timeout=10)
    assert handle.stop() and handle.error is None
