"""`infusion-sim --port socket://HOST:PORT` (`SocketSink`) against a real loopback TCP reader
that stops reading: the pty's stall rule holds on a socket too.

Before, the write went through pyserial's `socket://`: with the reader's buffer full each write
was held for its whole write timeout (2 s, retrying the full socket in a busy loop), every later
write again, and what it had sent before giving up was counted as discarded. The stall limit
runs on a clock the test moves; the real waits inside a write are single polls.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

from devices.simulator.player import PlayerStats, SocketSink
from devices.simulator.sinks import open_sink
from tests.devices.test_simulator_cli import Clock, until

LARGER_THAN_BOTH_BUFFERS = 16 * 1024 * 1024
"""Bytes no loopback connection holds while its reader takes nothing: the sender's buffer grows
to 4 MiB at most (Linux tcp_wmem), the reader's is held small (`Reader`)."""


class Reader:
    """The console's end: a loopback TCP server's one connection, read only when the test says."""

    def __init__(self, stoppers: list[Callable[[], object]]) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        stoppers.append(self._server.close)
        # Small and fixed (no autotuning): the connection fills after a few KiB.
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(1)
        self.url = f"socket://127.0.0.1:{self._server.getsockname()[1]}"
        self._stoppers = stoppers
        self.link: socket.socket | None = None

    def accept(self) -> None:
        self._server.settimeout(10)
        self.link, _ = self._server.accept()
        self._stoppers.append(self.link.close)
        self.link.settimeout(10)

    def read(self, count: int) -> bytes:
        """Exactly `count` bytes (the reader takes bytes again)."""
        assert self.link is not None
        got = bytearray()
        while len(got) < count:
            chunk = self.link.recv(count - len(got))
            assert chunk, f"the connection ended after {len(got)} of {count} bytes"
            got += chunk
        return bytes(got)


def moved(clock: Clock) -> bool:
    """Move the stall limit's clock on by half a second (False: for `until`'s `or`)."""
    clock.now += 0.5
    return False


def in_thread(write: Callable[[], bool], stoppers: list[Callable[[], object]],
              stop: threading.Event) -> tuple[threading.Thread, list[bool]]:
    """Run one `sink.write` in the player's place; its result lands in the list."""
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(write()), name="device-simulator")
    thread.start()

    def end() -> None:
        stop.set()
        thread.join(5)

    stoppers.append(end)
    return thread, result


def test_a_reader_that_stops_taking_bytes_is_given_up_and_later_writes_do_not_wait_for_it(
    stoppers: list[Callable[[], object]],
) -> None:
    reader, clock = Reader(stoppers), Clock()
    sink = SocketSink(reader.url, monotonic=clock)
    stoppers.append(sink.close)
    reader.accept()
    stats, stop = PlayerStats(), threading.Event()
    # The link works: a first message reaches the reader whole.
    assert sink.write(b"MSG 1\r", stop, stats)
    assert reader.read(6) == b"MSG 1\r"
    # The reader stops reading. A write it cannot hold is sent while the socket takes bytes;
    # once it has taken nothing for STALL_LIMIT_SECONDS the rest is discarded and counted.
    big = bytes(range(256)) * (LARGER_THAN_BOTH_BUFFERS // 256)
    writer, result = in_thread(lambda: sink.write(big, stop, stats), stoppers, stop)
    until(lambda: moved(clock) or not writer.is_alive(),
          "the write given up once the reader took nothing for the stall limit")
    assert result == [False]
    sent = stats.bytes_written - 6
    assert 0 < sent < len(big)
    assert sent + stats.bytes_discarded == len(big)   # before: all of it counted discarded
    # A later write does not wait for that reader again (the clock stands still now: waiting
    # for the stall limit once more would never end).
    writer, result = in_thread(lambda: sink.write(b"MSG 2\r", stop, stats), stoppers, stop)
    until(lambda: not writer.is_alive(), "the later write given up at once")
    assert result == [False]
    assert stats.bytes_discarded == len(big) - sent + 6
    # The reader takes bytes again: exactly what was counted written, then the next write whole.
    assert reader.read(sent) == big[:sent]
    assert sink.write(b"MSG 3\r", stop, stats)
    assert reader.read(6) == b"MSG 3\r"


def test_closing_delivers_all_the_socket_holds_though_a_reply_came_unread(
    stoppers: list[Callable[[], object]],
) -> None:
    reader, clock = Reader(stoppers), Clock()
    sink = SocketSink(reader.url, monotonic=clock)
    stoppers.append(sink.close)
    reader.accept()
    stats, stop = PlayerStats(), threading.Event()
    data = bytes(range(256)) * 1024   # more than the reader holds: the rest waits in the socket
    writer, _ = in_thread(lambda: sink.write(data, stop, stats), stoppers, stop)
    until(lambda: moved(clock) or not writer.is_alive(), "the write done or given up")
    assert reader.link is not None
    reader.link.sendall(b"\x0bMSH|^~\\&|CONSOLE||||20260105090000||ACK^R01|A1|P|2.6\rMSA|AA|SIM1"
                        b"\r\x1c\r")   # an ACK that comes after the last drain
    sink.close()
    # Before the replies were read at closing, the close was a reset: the reader lost most
    # of what the socket still held ("Connection reset by peer").
    assert reader.read(stats.bytes_written) == data[:stats.bytes_written]
    assert reader.link.recv(1) == b""   # then the end of the stream


def test_a_socket_url_is_written_by_the_socket_sink_and_one_without_a_port_is_refused(
    stoppers: list[Callable[[], object]],
) -> None:
    reader = Reader(stoppers)
    sink = open_sink(reader.url, "hl7")
    stoppers.append(sink.close)
    assert isinstance(sink, SocketSink)
    with pytest.raises(ValueError, match=r"'socket://127.0.0.1' is not socket://HOST:PORT"):
        SocketSink("socket://127.0.0.1")


def test_a_reader_that_closes_the_connection_ends_the_play_with_an_error(
    stoppers: list[Callable[[], object]],
) -> None:
    reader = Reader(stoppers)
    sink = SocketSink(reader.url)
    stoppers.append(sink.close)
    reader.accept()
    assert reader.link is not None
    reader.link.close()
    # As pyserial's socket:// raised: an OSError, which infusion-sim reports in one line.
    with pytest.raises(ConnectionError, match=r"the other end closed the connection"):
        sink.wait(10, PlayerStats())   # the close makes it readable at once
