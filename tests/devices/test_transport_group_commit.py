"""Group commit: what a monitor sends while the owner is still committing the last read is handed
over as one event once the owner settles it, so a flood costs one sync per batch (quality bar P2),
and every answer still waits for the commit of its own message (devices/transport.py).

The owner is the test (`EventLog(settle=None)`); the transport's monotonic clock is the test's, so
nothing is handed over for the time it waited unless the test moves the clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from devices.simulator.player import PlayerStats, PtySink
from devices.transport import (
    HELD_FRAMES_MAX,
    HOLD_SECONDS,
    ConnectionState,
    DeviceConnection,
    DeviceEvent,
    EventKind,
)
from tests.devices.test_transport import EventLog, LineFormat, TcpMonitor, read_answers, start


class Line:
    """A pty with the console's reader on it, its owner the test, its clock the test's."""

    def __init__(self, stoppers: list[Callable[[], object]], stale_after: float = 1e6,
                 read_timeout: float = 0.1, events: EventLog | None = None) -> None:
        self.sink = PtySink()
        stoppers.append(self.sink.close)
        self.clock = [100.0]
        self.events = events or EventLog(settle=None)
        self.conn = start(DeviceConnection(self.sink.path, LineFormat(stale_after_seconds=stale_after),
                                           self.events, monotonic=lambda: self.clock[0],
                                           read_timeout=read_timeout), stoppers)
        # The monitor unplugged first at the end: a reader waiting in a long read ends with it.
        stoppers.append(self.sink.unplug)
        self.events.wait_state(ConnectionState.CONNECTING)

    def send(self, *numbers: int) -> None:
        """The monitor writes these messages, and the reader has decoded them (no sleep: its
        frame count is watched)."""
        frames = self.conn.stats.frames + len(numbers)
        self.sink.write(b"".join(b"MSG %d\n" % n for n in numbers), threading.Event(), PlayerStats())
        deadline = time.monotonic() + 5.0
        while self.conn.stats.frames < frames:
            assert time.monotonic() < deadline, "the reader did not decode what was sent"
            time.sleep(0.005)

    def first_message(self, number: int) -> DeviceEvent:
        """The monitor sends `number`; the owner is handed it and is still committing it."""
        self.send(number)
        return self.events.wait_for(lambda e: e.kind is EventKind.DATA, what="the first message")

    def send_part(self, data: bytes) -> None:
        """Bytes that complete no message, once the reader has read them."""
        received = self.conn.stats.bytes_received + len(data)
        self.sink.write(data, threading.Event(), PlayerStats())
        deadline = time.monotonic() + 5.0
        while self.conn.stats.bytes_received < received:
            assert time.monotonic() < deadline, "the reader did not read what was sent"
            time.sleep(0.005)

    def data_events(self) -> list[list[float]]:
        """The DATA events handed over so far, each as its heart rates, once none has come for
        0.3 s (what is held must not reach the owner in that time: the reader turns every 0.1 s)."""
        try:
            self.events.wait_for(lambda e: False, timeout=0.3)
        except AssertionError:
            pass
        return [[r.value for r in e.readings] for e in self.events.seen if e.kind is EventKind.DATA]

    def next_data(self) -> list[float]:
        event = self.events.wait_for(lambda e: e.kind is EventKind.DATA, what="a DATA event")
        return [r.value for r in event.readings]


def test_messages_read_while_the_owner_commits_come_as_one_event_once_it_settles(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    first = line.first_message(70)
    line.send(71)
    line.send(72)
    # Still committing the first: the next two wait in the reader, not in the owner's queue.
    assert line.data_events() == [[70.0]]
    first.settle(True)
    assert read_answers(line.sink, 1) == b"ACK 70\n"
    batch = line.events.wait_for(lambda e: e.kind is EventKind.DATA, what="the held messages")
    assert [r.value for r in batch.readings] == [71.0, 72.0]
    # Their answers follow their own commit, in order, and not before it.
    assert read_answers(line.sink, 1, timeout=0.3) == b""
    batch.settle(False)
    assert read_answers(line.sink, 2) == b"NAK 71\nNAK 72\n"


def test_what_is_held_is_handed_over_before_a_change_of_state(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers, stale_after=HOLD_SECONDS / 2)
    line.first_message(70)
    line.send(71)
    line.clock[0] += HOLD_SECONDS / 2   # the line then quiet past the watchdog, the owner busy
    line.events.wait_state(ConnectionState.STALE)
    kinds = [(e.kind, [r.value for r in e.readings]) for e in line.events.seen
             if e.kind is EventKind.DATA or e.state is ConnectionState.STALE]
    assert kinds == [(EventKind.DATA, [70.0]), (EventKind.DATA, [71.0]), (EventKind.STATE, [])]


def test_the_settle_itself_wakes_the_reader_to_hand_the_batch_over(
    stoppers: list[Callable[[], object]]
) -> None:
    # Reads that wait a minute: only the settle's wake can end the one under way.
    line = Line(stoppers, read_timeout=60.0)
    first = line.first_message(70)
    line.send(71)
    first.settle(True)
    assert line.next_data() == [71.0]


def test_an_owner_that_does_not_settle_gets_each_read_as_it_comes_once_the_hold_lapsed(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    first = line.first_message(70)
    line.send(71)
    assert line.data_events() == [[70.0]]
    line.clock[0] += HOLD_SECONDS
    assert line.next_data() == [71.0]
    # Still unsettled: the next reads are not held for the events after it either.
    line.send(72)
    assert line.next_data() == [72.0]
    line.send(73)
    assert line.next_data() == [73.0]
    # Once the owner settles it, what comes while it commits the next is held again.
    first.settle(True)
    line.send(74)
    assert line.next_data() == [74.0]
    line.send(75)
    assert line.data_events() == [[70.0], [71.0], [72.0], [73.0], [74.0]]


def test_a_read_of_part_of_a_message_does_not_end_the_hold(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    line.first_message(70)
    line.send(71)
    line.send_part(b"MSG 7")   # the next message begun
    assert line.data_events() == [[70.0]]


def test_a_socket_port_hands_each_read_over_as_it_comes(
    stoppers: list[Callable[[], object]]
) -> None:
    """A TCP converter's port has no wake: a batch held there would wait for the read timeout."""
    monitor = TcpMonitor()
    stoppers.append(monitor.close)
    events = EventLog(settle=None)
    conn = start(DeviceConnection(monitor.url, LineFormat(stale_after_seconds=1e6), events,
                                  monotonic=lambda: 100.0), stoppers)
    monitor.accept()
    events.wait_state(ConnectionState.CONNECTING)   # opened: pyserial's open empties what came before
    monitor.send(b"MSG 70\n")
    events.wait_for(lambda e: e.kind is EventKind.DATA, what="the first message")
    monitor.send(b"MSG 71\n")
    second = events.wait_for(lambda e: e.kind is EventKind.DATA, what="the second message")
    assert [r.value for r in second.readings] == [71.0]
    assert conn.stats.frames == 2


def test_a_batch_is_handed_over_at_its_cap_while_the_owner_is_still_committing(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    line.first_message(1)
    line.send(*range(100, 100 + HELD_FRAMES_MAX))
    assert line.data_events() == [[1.0]]
    line.send(200)
    # The first is not settled, yet the full batch goes; the message after it waits for it.
    assert line.next_data() == [float(n) for n in range(100, 100 + HELD_FRAMES_MAX)]
    assert line.data_events() == [[1.0], [float(n) for n in range(100, 100 + HELD_FRAMES_MAX)]]


def test_a_read_that_would_take_a_batch_past_its_cap_waits_for_the_next(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    first = line.first_message(1)
    line.send(*range(100, 100 + HELD_FRAMES_MAX - 1))
    line.send(*range(200, 240))   # most likely one read of 40, itself past the cap
    first.settle(True)
    batches: list[list[float]] = []
    while sum(len(b) for b in batches) < HELD_FRAMES_MAX - 1 + 40:
        batch = line.events.wait_for(lambda e: e.kind is EventKind.DATA, what="a batch")
        batches.append([r.value for r in batch.readings])
        batch.settle(True)
    # No batch past the cap, but a single read larger than it (which goes whole, as it came).
    assert all(len(b) <= HELD_FRAMES_MAX or all(v >= 200 for v in b) for b in batches), \
        [len(b) for b in batches]


class RaisingOn(EventLog):
    """An owner with a bug: it takes the event holding `value`, then raises."""

    def __init__(self, value: float) -> None:
        super().__init__(settle=None)
        self.value = value

    def __call__(self, event: DeviceEvent) -> None:
        super().__call__(event)
        if any(r.value == self.value for r in event.readings):
            raise ValueError("owner bug")


def test_an_owners_bug_on_a_held_batch_has_each_of_its_messages_sent_again(
    stoppers: list[Callable[[], object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    faults: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: faults.append(args.exc_value))
    line = Line(stoppers, events=RaisingOn(72.0))
    first = line.first_message(70)
    line.send(71)
    line.send(72)
    first.settle(True)
    # The batch's commit never happened: every message in it is told so (the monitor resends),
    # and the bug reaches the fault handler (a Console fault).
    assert read_answers(line.sink, 3) == b"ACK 70\nNAK 71\nNAK 72\n"
    assert [str(f) for f in faults] == ["owner bug"]


def test_what_is_held_reaches_the_owner_before_the_reader_stops(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    line.first_message(70)
    line.send(71)
    assert line.conn.stop()
    line.events.wait_state(ConnectionState.STOPPED)
    told = [[r.value for r in e.readings] if e.kind is EventKind.DATA else e.state
            for e in line.events.seen if e.kind is EventKind.DATA or e.state is ConnectionState.STOPPED]
    assert told == [[70.0], [71.0], ConnectionState.STOPPED]


def test_what_is_held_comes_before_the_rest_of_a_line_that_ends(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    line.first_message(70)
    line.send(71)
    line.send_part(b"MSG 7")   # cut off by the unplug
    line.sink.unplug()
    line.events.wait_state(ConnectionState.DISCONNECTED)
    told = [([r.value for r in e.readings], [d.reason for d in e.dropped])
            if e.kind is EventKind.DATA else e.state
            for e in line.events.seen if e.kind is EventKind.DATA or e.state is not None
            and e.state is ConnectionState.DISCONNECTED]
    assert told == [([70.0], []), ([71.0], []), ([], ["truncated-frame"]),
                    ConnectionState.DISCONNECTED]
