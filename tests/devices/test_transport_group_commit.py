"""Group commit: what a monitor sends while the owner is still committing the last read is handed
over as one event once the owner settles it, so a flood costs one sync per batch (quality bar P2),
and every answer still waits for the commit of its own message (devices/transport.py).

The owner is the test (`EventLog(settle=None)`); the transport's monotonic clock is the test's, so
nothing is handed over for the time it waited unless the test moves the clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from devices.simulator.player import PlayerStats, PtySink
from devices.transport import HELD_FRAMES_MAX, HOLD_SECONDS, ConnectionState, DeviceConnection, EventKind
from tests.devices.test_transport import EventLog, LineFormat, read_answers, start


class Line:
    """A pty with the console's reader on it, its owner the test, its clock the test's."""

    def __init__(self, stoppers: list[Callable[[], object]], stale_after: float = 1e6) -> None:
        self.sink = PtySink()
        stoppers.append(self.sink.close)
        self.clock = [100.0]
        self.events = EventLog(settle=None)
        self.conn = start(DeviceConnection(self.sink.path, LineFormat(stale_after_seconds=stale_after),
                                           self.events, monotonic=lambda: self.clock[0]), stoppers)
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
    line.send(70)
    first = line.events.wait_for(lambda e: e.kind is EventKind.DATA, what="the first message")
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
    line.send(70)
    line.events.wait_for(lambda e: e.kind is EventKind.DATA, what="the first message")
    line.send(71)
    line.clock[0] += HOLD_SECONDS / 2   # the line then quiet past the watchdog, the owner busy
    line.events.wait_state(ConnectionState.STALE)
    kinds = [(e.kind, [r.value for r in e.readings]) for e in line.events.seen
             if e.kind is EventKind.DATA or e.state is ConnectionState.STALE]
    assert kinds == [(EventKind.DATA, [70.0]), (EventKind.DATA, [71.0]), (EventKind.STATE, [])]


def test_an_owner_that_does_not_settle_still_gets_each_read_after_the_hold(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    line.send(70)
    line.events.wait_for(lambda e: e.kind is EventKind.DATA, what="the first message")
    line.send(71)
    assert line.data_events() == [[70.0]]
    line.clock[0] += HOLD_SECONDS
    assert line.next_data() == [71.0]


def test_a_batch_is_handed_over_at_its_cap_while_the_owner_is_still_committing(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    line.send(1)
    line.events.wait_for(lambda e: e.kind is EventKind.DATA, what="the first message")
    line.send(*range(100, 100 + HELD_FRAMES_MAX))
    assert line.data_events() == [[1.0]]
    line.send(200)
    # The first is not settled, yet the full batch goes; the message after it waits for it.
    assert line.next_data() == [float(n) for n in range(100, 100 + HELD_FRAMES_MAX)]
    assert line.data_events() == [[1.0], [float(n) for n in range(100, 100 + HELD_FRAMES_MAX)]]
