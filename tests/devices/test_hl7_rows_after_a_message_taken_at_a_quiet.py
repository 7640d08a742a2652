"""Rows that come after a bare HL7 message was taken at a quiet on the line are rows of that
message the console did not read: "Monitor message not read", with what they held, as soon as
the line is quiet again, never a silent count.

A sender stalled more than 2 s inside its SpO2 row: the console read the message without that
row and answered AE, as it should. Then the sender sent the rest: the end of the SpO2 row and a
whole RR 7 row (a HIGH value). Those bytes were counted as `garbage` (no alarm), and not even
counted until the sender's next message came: a sender that sent nothing more left them held
without a word. A message taken whole at the 0.5 s quiet, whose late rows no next message
followed, was the same.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from console.session import feed
from devices.framing import QUIET_CUT_SECONDS, MllpFramer
from devices.simulator.player import PlayerStats, PtySink
from devices.stream import CUT_MESSAGE, NOT_READ
from devices.transport import QUIET_END_SECONDS, ConnectionState, DeviceConnection, EventKind
from tests.devices.conftest import RX
from tests.devices.test_transport import EventLog, SteppedClock
from tests.session.helpers import Session

HEAD = (b"MSH|^~\\&|MON|ICU|||20260302090000||ORU^R01|M1|P|2.6\rPID|||MRN-7\rOBR|1\r"
        b"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|88|264864^MDC_DIM_BEAT_PER_MIN^MDC"
        b"|||||R\r"
        b"OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|9")
REST = (b"7|262688^MDC_DIM_PERCENT^MDC|||||R\r"
        b"OBX|3|NM|151562^MDC_RESP_RATE^MDC|1.1.1.151562|7|264928^MDC_DIM_RESP_PER_MIN^MDC"
        b"|||||R\r")
NEXT = (b"MSH|^~\\&|MON|ICU|||20260302090005||ORU^R01|M2|P|2.6\rPID|||MRN-7\rOBR|1\r"
        b"OBX|1|NM|151562^MDC_RESP_RATE^MDC|1.1.1.151562|16|264928^MDC_DIM_RESP_PER_MIN^MDC"
        b"|||||R\r")


class Line:
    """A monitor on a real pty and the console's connection reading it, on a stepped clock."""

    def __init__(self, stoppers: list[Callable[[], object]]) -> None:
        self.sink = PtySink()
        stoppers.append(self.sink.close)
        self.clock = SteppedClock()
        self.events = EventLog()
        self.conn = DeviceConnection(self.sink.path, "hl7", self.events, wall=lambda: RX,
                                     monotonic=self.clock)
        stoppers.append(self.conn.stop)
        self.conn.start()
        self.events.wait_state(ConnectionState.CONNECTING)
        self.stats = PlayerStats()
        self.sent = 0

    def send(self, data: bytes) -> None:
        assert self.sink.write(data, threading.Event(), self.stats)
        self.sent += len(data)
        deadline = time.monotonic() + 10
        while self.conn.stats.bytes_received < self.sent:
            assert time.monotonic() < deadline, f"read {self.conn.stats.bytes_received}"
            self.clock.wait_turns(1)

    def quiet_for(self, seconds: float) -> None:
        """The line stays quiet `seconds` more; the reader turns on it."""
        self.clock.now += seconds
        self.clock.wait_turns(3)

    def answers(self, expected: int) -> tuple[int, int]:
        """(AA, AE) the monitor has read, once `expected` of them came (or 5 s passed)."""
        deadline = time.monotonic() + 5
        while self.stats.acks + self.stats.naks < expected and time.monotonic() < deadline:
            self.sink.wait(0.05, self.stats)
        return self.stats.acks, self.stats.naks


def _dropped(events: EventLog) -> list[tuple[str, str]]:
    events.drain()
    return [(d.reason, d.detail) for d in events.dropped()]


def _nurse_sees(events: EventLog) -> list[tuple[str, str, str]]:
    """The technical alarms a session fed with the line's events shows."""
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    for event in (e for e in events.seen if e.kind is EventKind.DATA):
        feed.apply(s.engine, event, s.now())
    return [(a.condition, a.priority.label, a.detail) for a in s.engine.alarms()
            if a.category == "technical"]


def test_the_rest_of_a_message_cut_at_the_long_quiet_raises_not_read_naming_its_rows(
    stoppers: list[Callable[[], object]]
) -> None:
    line = Line(stoppers)
    line.send(HEAD)                                       # stalls inside its SpO2 row
    line.quiet_for(QUIET_END_SECONDS)
    line.quiet_for(QUIET_CUT_SECONDS - QUIET_END_SECONDS)
    line.events.wait_for(lambda e: bool(e.readings), what="the message read without its row")
    assert [(r.metric, r.value) for r in line.events.readings()] == [("heart_rate", 88.0)]
    assert [reason for reason, _ in _dropped(line.events)] == [CUT_MESSAGE]
    assert line.answers(1) == (0, 1)                      # AE: read only in part

    # The sender goes on: the end of its SpO2 row and its RR 7 row, then nothing more.
    line.send(REST)
    line.quiet_for(QUIET_END_SECONDS)
    line.events.wait_for(lambda e: bool(e.dropped), what="the rest of the message reported")
    [(reason, detail)] = _dropped(line.events)[1:]
    assert reason == CUT_MESSAGE
    assert detail.startswith("the end of a cut row and 1 segment(s) after a 2 s quiet")
    assert "MDC_RESP_RATE" in detail[:160]                # the alarm's detail shows this much
    # Nothing is answered for it: it has no MSH-10 to answer; the message's AE already went.
    line.quiet_for(QUIET_CUT_SECONDS)
    assert line.conn.stats.replies_written == 1

    [(condition, priority, alarm_detail)] = _nurse_sees(line.events)
    assert (condition, priority) == ("device_unreadable", "medium")
    assert "MDC_RESP_RATE" in alarm_detail

    # The next message is read whole, and nothing more is said about the rows before it.
    line.send(NEXT)
    line.quiet_for(QUIET_END_SECONDS)
    line.events.wait_for(lambda e: bool(e.readings), what="the next message")
    assert [r.value for r in line.events.readings("resp_rate")] == [16.0]
    assert len(_dropped(line.events)) == 2
    assert line.answers(2) == (1, 1) and line.conn.stats.replies_written == 2


def test_late_rows_of_a_message_taken_whole_at_a_pause_are_said_at_the_next_quiet(
    stoppers: list[Callable[[], object]]
) -> None:
    head, rows = HEAD.split(b"OBX|2", 1)
    line = Line(stoppers)
    line.send(head)                                       # pauses after its heart rate row
    line.quiet_for(QUIET_END_SECONDS)
    line.events.wait_for(lambda e: bool(e.readings), what="the head taken whole")
    assert line.answers(1) == (1, 0)
    line.send(b"OBX|2" + rows + REST)                     # late rows, and no next message ever
    line.quiet_for(QUIET_END_SECONDS)
    line.events.wait_for(lambda e: bool(e.dropped), what="the late rows reported")
    [(reason, detail)] = _dropped(line.events)
    assert reason == CUT_MESSAGE and detail.startswith("2 segment(s) after a 0.5 s pause")
    assert "MDC_PULS_OXIM_SAT_O2" in detail[:160]
    line.quiet_for(QUIET_CUT_SECONDS)
    assert line.conn.stats.replies_written == 1          # nothing answered for the late rows
    [(condition, priority, _)] = _nurse_sees(line.events)
    assert (condition, priority) == ("device_unreadable", "medium")


def test_framer_rows_after_a_quiet_cut_whatever_their_start_are_the_message_read_in_part() -> None:
    f = MllpFramer()
    f.push(HEAD)
    assert not f.quiet(QUIET_END_SECONDS).frames          # inside a row: it waits
    cut = f.quiet(QUIET_CUT_SECONDS)
    assert [fr.cut for fr in cut.frames] == [True] and [d.reason for d in cut.dropped] == [
        CUT_MESSAGE]
    # The rest, then the next message at once: the rest is said when the next message frames it.
    at_next = f.push(REST + NEXT)
    assert [d.reason for d in at_next.dropped] == [CUT_MESSAGE]
    assert "MDC_RESP_RATE" in at_next.dropped[0].detail
    assert [fr.data for fr in f.quiet(QUIET_END_SECONDS).frames] == [NEXT]


def test_framer_rest_ending_inside_a_row_waits_the_long_quiet_and_a_message_start_is_kept() -> None:
    f = MllpFramer()
    f.push(HEAD)
    f.quiet(QUIET_CUT_SECONDS)
    # The rest stalls inside its own row: the sender may finish it, so it waits as a message does.
    f.push(REST[:-10])
    assert f.quiet(QUIET_END_SECONDS).dropped == []
    [late] = f.quiet(QUIET_CUT_SECONDS).dropped
    assert late.reason in NOT_READ and "MDC_RESP_RATE" in late.detail
    # Rows of the same message may come later still; they are its rows too.
    [later] = f.push(REST[-10:]).dropped + f.quiet(QUIET_CUT_SECONDS).dropped
    assert later.reason == CUT_MESSAGE
    # What may be the next message's start is kept: the message is read whole when it comes.
    f.push(b"OBX|9|NM|x||1\rMS")
    [last] = f.quiet(QUIET_END_SECONDS).dropped
    assert last.reason == CUT_MESSAGE and f.pending == b"MS"
    f.push(NEXT[2:])
    assert [fr.data for fr in f.quiet(QUIET_END_SECONDS).frames] == [NEXT]
    # Rows after a message whose end was marked (MLLP), not taken at a quiet, are noise.
    f = MllpFramer()
    f.push(b"\x0b" + NEXT + b"\x1c\r" + b"OBX|1|NM|x||1\r")
    noise = f.quiet(QUIET_END_SECONDS)
    assert [d.reason for d in noise.dropped] == ["garbage"]


def test_noise_with_no_message_before_it_is_said_at_a_quiet_as_garbage() -> None:
    f = MllpFramer()
    assert f.push(b"OBX|1|NM|150456^MDC||9").dropped == []
    assert f.quiet(QUIET_END_SECONDS).dropped == []        # inside a row: it waits
    [said] = f.quiet(QUIET_CUT_SECONDS).dropped
    assert said.reason == "garbage" and f.pending == b""
    # An open MLLP frame still waits for its 0x1C.
    f.push(b"\x0b" + NEXT)
    split = f.quiet(10 * QUIET_CUT_SECONDS)
    assert (split.frames, split.dropped, f.pending) == ([], [], b"\x0b" + NEXT)


def test_rows_after_a_message_cut_inside_its_header_row_are_not_read_either() -> None:
    f = MllpFramer()
    f.push(HEAD[:20])                                      # stalls inside its MSH row
    cut = f.quiet(QUIET_CUT_SECONDS)
    assert cut.frames == [] and [d.reason for d in cut.dropped] == [CUT_MESSAGE]
    f.push(HEAD[20:] + REST)
    [rest] = f.quiet(QUIET_END_SECONDS).dropped            # its HR 88, SpO2 97 and RR 7 rows
    assert rest.reason == CUT_MESSAGE and "MDC_ECG_HEART_RATE" in rest.detail
