"""A bare HL7 message whose last segment never gets its CR (the public IPF "maximum request"
sample ends so) is read when the line stays quiet: its whole segments are read and answered AE
(read only in part), its cut last row is dropped and raises "Monitor message not read".

`infusion-console decode` read the sample's BP 140 / mean 100 from the file; the console reading
the same bytes live read nothing, dropped nothing and answered nothing: the bytes were held until
a next message that never came ("No data from the device" instead). A sender that only pauses
inside a segment, for less than that longer quiet, is still joined whole.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from console.session import feed
from devices.framing import QUIET_CUT_SECONDS, MllpFramer
from devices.hl7 import HL7Decoder
from devices.simulator.player import PlayerStats, PtySink
from devices.stream import CUT_MESSAGE, DecodeResult
from devices.transport import QUIET_END_SECONDS, ConnectionState, DeviceConnection, EventKind
from tests.devices.conftest import RX, SAMPLES
from tests.devices.test_transport import EventLog, SteppedClock
from tests.session.helpers import Session

# The public sample QA replayed: beside the project, or where the machine keeps it.
SAMPLE = next((folder / "ihe-pcd01-ipf-maximum-request-edgecases.hl7"
               for folder in (SAMPLES, Path("/work/shared/device-samples")) if folder.is_dir()),
              None)
MSG = (b"MSH|^~\\&|MON||||20260102030405+0000||ORU^R01|Q9|P|2.6\r"
       b"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|85|262688^MDC_DIM_PERCENT^MDC"
       b"|||||R\r"
       b"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|128|266016^MDC_DIM_MMHG^MDC"
       b"|||||R\r")


def _values(result: DecodeResult) -> list[tuple[str, float]]:
    return sorted((r.metric, r.value) for r in result.readings)


def test_the_ipf_sample_read_live_on_a_quiet_line_gives_what_decode_reads_from_the_file(
    stoppers: list[Callable[[], object]]
) -> None:
    if SAMPLE is None or not SAMPLE.is_file():
        pytest.skip("device samples not found")
    data = SAMPLE.read_bytes()
    assert not data.endswith((b"\r", b"\n"))            # its last NTE row has no CR
    from_file = HL7Decoder()
    decoded = from_file.feed(data, RX)
    decoded.extend(from_file.flush(RX))
    assert _values(decoded) == [("bp_mean", 100.0), ("bp_systolic", 140.0)]   # `decode` says so

    sink = PtySink()                                     # the monitor's end of the line
    stoppers.append(sink.close)
    clock = SteppedClock()
    events = EventLog()
    conn = DeviceConnection(sink.path, "hl7", events, wall=lambda: RX, monotonic=clock)
    stoppers.append(conn.stop)
    conn.start()
    events.wait_state(ConnectionState.CONNECTING)
    stats = PlayerStats()
    assert sink.write(data, threading.Event(), stats)
    deadline = time.monotonic() + 10
    while conn.stats.bytes_received < len(data):
        assert time.monotonic() < deadline, f"read {conn.stats.bytes_received} of {len(data)}"
        clock.wait_turns(1)
    # Quiet for 0.5 s: the sender may still finish its row, so the message waits.
    clock.now += QUIET_END_SECONDS
    clock.wait_turns(3)
    events.drain()
    assert events.readings() == [] and conn.stats.replies_written == 0
    # Quiet for 2 s: the row is taken for cut; the rest of the message is read and answered.
    clock.now += QUIET_CUT_SECONDS - QUIET_END_SECONDS
    events.wait_for(lambda e: bool(e.readings), what="the message's readings")
    events.drain()
    live = sorted((r.metric, r.value) for r in events.readings())
    assert live == [("bp_mean", 100.0), ("bp_systolic", 140.0)]
    # The same rows unused as from the file; the cut last row is a message read in part.
    live_drops = [(d.reason, d.detail) for d in events.dropped()]
    [cut] = [d for d in live_drops if d not in [(d.reason, d.detail) for d in decoded.dropped]]
    assert cut[0] == CUT_MESSAGE and "NTE|1||This is another test message|" in cut[1]
    assert len(live_drops) == len(decoded.dropped)      # the file's truncated-frame, live
    assert ConnectionState.STALE not in events.states()
    # Answered AE (read only in part): the monitor sends it again, as GE B40's manual says.
    deadline = time.monotonic() + 5
    while stats.acks + stats.naks < 1 and time.monotonic() < deadline:
        sink.wait(0.05, stats)
    assert (stats.acks, stats.naks) == (0, 1)

    # The nurse is told a monitor message was not read whole.
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    for event in (e for e in events.seen if e.kind is EventKind.DATA):
        feed.apply(s.engine, event, s.now())
    [alarm] = [a for a in s.engine.alarms() if a.condition == "device_unreadable"]
    assert (alarm.priority.label, alarm.category) == ("medium", "technical")


def test_a_sender_pausing_inside_a_row_for_less_than_the_long_quiet_is_joined_whole() -> None:
    head, tail = MSG[:-20], MSG[-20:]
    decoder = HL7Decoder("test")
    assert decoder.feed(head, RX).readings == []
    for quiet_for in (QUIET_END_SECONDS, QUIET_CUT_SECONDS - 0.1):
        waited = decoder.quiet(RX, quiet_for)
        assert (waited.readings, waited.dropped, waited.replies) == ([], [], [])
    assert decoder.feed(tail, RX).readings == []
    whole = decoder.quiet(RX, QUIET_END_SECONDS)
    assert _values(whole) == [("bp_systolic", 128.0), ("spo2", 85.0)] and whole.dropped == []
    assert [r.answer(True).endswith(b"\rMSA|AA|Q9\r") for r in whole.replies] == [True]


def test_a_message_cut_inside_its_last_row_is_read_in_part_after_the_long_quiet() -> None:
    head, tail = MSG[:-20], MSG[-20:]
    decoder = HL7Decoder("test")
    decoder.feed(head, RX)
    taken = decoder.quiet(RX, QUIET_CUT_SECONDS)
    # The SpO2 row is whole and read; the systolic row is cut ("12" of what?) and not read.
    assert _values(taken) == [("spo2", 85.0)]
    [cut] = taken.dropped
    assert cut.reason == CUT_MESSAGE and "MDC_PRESS_BLD_NONINV_SYS" in cut.detail
    assert [r.answer(True).endswith(b"\rMSA|AE|Q9\r") for r in taken.replies] == [True]
    # The row's end, come late, is no message of its own but the cut message's rest, not read
    # (no answer: it has no MSH-10); the next message is read whole.
    late = decoder.feed(tail + MSG.replace(b"|Q9|", b"|Q10|"), RX)
    assert late.readings == [] and late.replies == []
    assert [d.reason for d in late.dropped] == [CUT_MESSAGE]
    again = decoder.quiet(RX, QUIET_END_SECONDS)
    assert _values(again) == [("bp_systolic", 128.0), ("spo2", 85.0)]


@pytest.mark.parametrize("held", [b"", b"\x0b" + MSG[:-20]])
def test_what_is_no_bare_message_start_still_waits_however_long_the_quiet(held: bytes) -> None:
    # An open MLLP frame ends at its 0x1C. (Bytes with no message start are no message: they
    # are said at the quiet, test_hl7_rows_after_a_message_taken_at_a_quiet.py.)
    framer = MllpFramer()
    framer.push(held)
    split = framer.quiet(10 * QUIET_CUT_SECONDS)
    assert (split.frames, split.dropped, framer.pending) == ([], [], held)
