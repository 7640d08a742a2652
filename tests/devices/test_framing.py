"""Framers: MLLP and bare HL7, lines, ANSAR-B; any chunking, bad starts, bounded buffers."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.framing import (
    ANSAR_B_HEADER,
    AnsarBFramer,
    Frame,
    LineFramer,
    MllpFramer,
    split_ansar_b,
    split_lines,
    split_mllp,
)
from devices.stream import CUT_MESSAGE
from tests.devices.conftest import random_chunks, restarted_mid_message

MSG_A = b"MSH|^~\\&|A|||||||ORU^R01|1|P|2.6\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|97\r"
MSG_B = b"MSH|^~\\&|B|||||||ORU^R01|2|P|2.6\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|95\r"


def mllp(payload: bytes) -> bytes:
    return b"\x0b" + payload + b"\x1c\r"


def frames_of(framer: MllpFramer | LineFramer | AnsarBFramer, pieces: list[bytes]) -> list[Frame]:
    out: list[Frame] = []
    for piece in pieces:
        out.extend(framer.push(piece).frames)
    out.extend(framer.flush().frames)
    return out


# --- MLLP / bare HL7 -----------------------------------------------------------------------


def test_mllp_one_frame_in_one_read() -> None:
    split = split_mllp(mllp(MSG_A))
    assert split.frames == [Frame(MSG_A, mllp=True)]
    assert split.rest == b"" and split.dropped == []


def test_mllp_several_frames_in_one_read() -> None:
    split = split_mllp(mllp(MSG_A) + mllp(MSG_B) + mllp(MSG_A))
    assert [f.data for f in split.frames] == [MSG_A, MSG_B, MSG_A]


@pytest.mark.parametrize("seed", range(5))
def test_mllp_any_chunking_gives_same_frames(seed: int) -> None:
    stream = mllp(MSG_A) + mllp(MSG_B) + b"\r\n" + mllp(MSG_A)
    frames = frames_of(MllpFramer(), random_chunks(stream, seed, largest=7))
    assert [f.data for f in frames] == [MSG_A, MSG_B, MSG_A]


def test_mllp_stream_starting_mid_frame_skips_the_fragment() -> None:
    stream = mllp(MSG_A)[25:] + mllp(MSG_B)
    split = split_mllp(stream)
    assert [f.data for f in split.frames] == [MSG_B]
    assert [d.reason for d in split.dropped] == ["garbage"]


def test_mllp_resynchronises_on_new_start_byte() -> None:
    # A frame cut short (no 0x1C) followed by a complete one: the complete one survives.
    stream = b"\x0b" + MSG_A[:30] + mllp(MSG_B)
    split = split_mllp(stream)
    assert [f.data for f in split.frames] == [MSG_B]
    assert [d.reason for d in split.dropped] == ["truncated-frame"]


def test_mllp_garbage_then_valid_frame_is_not_lost() -> None:
    stream = bytes(range(256)) * 3 + mllp(MSG_A)
    frames = frames_of(MllpFramer(), random_chunks(stream, 3))
    assert frames[-1] == Frame(MSG_A, mllp=True)


def test_mllp_frame_without_trailing_cr_is_accepted() -> None:
    split = split_mllp(b"\x0b" + MSG_A + b"\x1c" + mllp(MSG_B))
    assert [f.data for f in split.frames] == [MSG_A, MSG_B]


def test_mllp_frame_is_taken_at_its_end_byte_not_when_the_next_bytes_come() -> None:
    """A sender without the trailing 0x0D that waits for its ACK: each message had waited for
    the next one (its ACK and its alarm a message late). The trailer may still come in the next
    read: it is no garbage."""
    framer = MllpFramer()
    first = framer.push(b"\x0b" + MSG_A + b"\x1c")
    assert [f.data for f in first.frames] == [MSG_A] and first.dropped == []
    second = framer.push(b"\r" + mllp(MSG_B)[:-1])
    assert [f.data for f in second.frames] == [MSG_B] and second.dropped == []
    third = framer.push(b"\r")
    assert third.frames == [] and third.dropped == []
    assert framer.flush().dropped == []


def test_a_bare_message_is_whole_when_the_line_goes_quiet_after_its_last_segment() -> None:
    framer = MllpFramer()
    assert framer.push(MSG_A).frames == []          # bare: no end mark, it waits
    assert [f.data for f in framer.quiet().frames] == [MSG_A]
    assert framer.pending == b""
    # Cut inside a segment, or an MLLP frame not yet ended: silence completes neither.
    assert framer.push(MSG_B[:-5]).frames == [] and framer.quiet().frames == []
    assert framer.pending == MSG_B[:-5]
    framer = MllpFramer()
    assert framer.push(b"\x0b" + MSG_A).frames == [] and framer.quiet().frames == []
    assert framer.pending == b"\x0b" + MSG_A


def test_rows_after_a_message_taken_at_a_pause_are_its_cut_rest_not_a_mid_frame_start() -> None:
    # A sender that pauses 0.5 s inside a bare message: its head is taken whole at the pause
    # (a sender waiting for its answer needs that), and its rows then came with no message start
    # and were dropped as "garbage (stream began mid-frame?)": an SpO2 84 gone with no alarm.
    head, rows = MSG_A.split(b"OBX", 1)
    framer = MllpFramer()
    assert framer.push(head).frames == []
    assert [f.data for f in framer.quiet().frames] == [head]
    assert framer.push(b"OBX" + rows).frames == []            # held: no message start yet
    after = framer.push(MSG_B)
    assert [d.reason for d in after.dropped] == [CUT_MESSAGE]
    assert after.dropped[0].detail.startswith("1 segment(s) after a 0.5 s pause inside a message")
    assert [f.data for f in framer.flush().frames] == [MSG_B]
    # A stream joined mid-message, with no pause-taken message before, is what it was.
    framer = MllpFramer()
    assert [d.reason for d in framer.push(b"OBX" + rows + MSG_B).dropped] == ["garbage"]
    # Nor is a message's rest once the next message has been framed.
    framer = MllpFramer()
    framer.push(MSG_A)
    framer.quiet()
    framer.push(MSG_B)
    framer.quiet()
    assert [d.reason for d in framer.push(MSG_A + MSG_B).dropped] == []


def test_bare_hl7_messages_end_at_the_next_msh_or_flush() -> None:
    framer = MllpFramer()
    first = framer.push(MSG_A + b"\n" + MSG_B)
    # The blank-line separator stays with the message it ends; the decoder ignores it.
    assert [f.data.rstrip(b"\r\n") + b"\r" for f in first.frames] == [MSG_A]
    assert first.frames[0].mllp is False
    assert [f.data for f in framer.flush().frames] == [MSG_B]


def test_bare_hl7_cut_inside_its_last_segment_at_end_of_stream_drops_that_segment() -> None:
    # QA: a plain HL7 file cut after `|80|266016^MDC_DIM_MMHG` passed as whole. The same holds
    # for a live bare stream that ends (port closed) mid-message: its flush must not take the
    # cut row as whole.
    cut = MSG_A + b"OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|80|2660"
    framer = MllpFramer()
    assert framer.push(cut).frames == []
    split = framer.flush()
    assert [f.data for f in split.frames] == [MSG_A]
    assert [(d.reason, d.detail) for d in split.dropped] == [(
        "truncated-frame", "the stream ends inside a segment (no CR or LF after it): dropped, as "
        "its last field may be cut and what followed it is lost; the 2 segment(s) before it kept: "
        "OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.0.1.2|80|2660")]
    # Only the MSH, cut: nothing is left to frame.
    only = split_mllp(b"MSH|^~\\&|A|||", final=True)
    assert only.frames == [] and [d.reason for d in only.dropped] == ["truncated-frame"]
    # Terminated by CR or LF (trailing blanks aside): whole.
    for end in (b"", b"\n", b"\r\n  "):
        whole = split_mllp(MSG_A + end, final=True)
        assert [f.data for f in whole.frames] == [MSG_A + end] and whole.dropped == []
    # One UDP datagram (a Mindray announcement) is a whole message, terminator or not.
    datagram = MllpFramer(whole_at_end=True)
    datagram.push(MSG_A.rstrip(b"\r"))
    assert [f.data for f in datagram.flush().frames] == [MSG_A.rstrip(b"\r")]


def test_bare_hl7_cut_inside_a_segment_by_the_next_message_drops_only_the_cut_segment(
    samples_dir: Path,
) -> None:
    # A monitor that started again mid-message: the next MSH follows the cut bytes without a
    # CR. The cut row and the next MSH had become one row, and the next message's rows the
    # first one's.
    stream, kept, second = restarted_mid_message(samples_dir)
    dropped = [("cut-message", "row cut by the next message's MSH (no CR or LF before it), not "
                "read: OBX||NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|266016^M; "
                "the 12 segment(s) before it kept (the sender started again mid-message?)")]
    whole = split_mllp(stream, final=True)
    assert [f.data for f in whole.frames] == [kept, second]
    assert [f.cut for f in whole.frames] == [True, False]   # read only in part: answered AE
    assert [(d.reason, d.detail) for d in whole.dropped] == dropped
    # Live, the same splitter is fed what each read brings: one byte at a time, or any chunks.
    for pieces in ([stream[i : i + 1] for i in range(len(stream))], random_chunks(stream, 5)):
        framer = MllpFramer()
        splits = [framer.push(piece) for piece in pieces] + [framer.flush()]
        assert [f.data for s in splits for f in s.frames] == [kept, second]
        assert [(d.reason, d.detail) for s in splits for d in s.dropped] == dropped


def v27(message: bytes) -> bytes:
    """`message` with v2.7's five encoding characters (the truncation character "#" added)."""
    return message.replace(b"^~\\&", b"^~\\&#", 1)


@pytest.mark.parametrize(("stream", "frames", "kept"), [
    # Five encoding characters: the header looked for is the message's own.
    (v27(MSG_A) + b"OBX|2|NM|1500" + v27(MSG_B), [v27(MSG_A), v27(MSG_B)],
     "the 2 segment(s) before it kept"),
    # The cut came inside the first MSH itself: the standard header is looked for.
    (b"MSH|^~\\" + MSG_B, [MSG_B], "nothing of the message kept"),
])
def test_bare_hl7_cut_by_the_next_header_whatever_its_encoding_characters(
    stream: bytes, frames: list[bytes], kept: str
) -> None:
    split = split_mllp(stream, final=True)
    assert [f.data for f in split.frames] == frames
    assert [d.reason for d in split.dropped] == ["cut-message"]
    assert kept in split.dropped[0].detail


def test_msh_in_field_text_does_not_cut_a_bare_message() -> None:
    # "MSH" can end a text field and "^~" be the next one (empty components); a whole header
    # cannot stand in a field, where "\" opens an escape: text carries it escaped.
    text = MSG_A + b"OBX|2|ST|0^NOTE|1|MSH|^~|\rNTE|1||a header: MSH\\F\\\\S\\\\R\\\\E\\\\T\\\\F\\\r"
    split = split_mllp(text + MSG_B, final=True)
    assert [f.data for f in split.frames] == [text, MSG_B] and split.dropped == []


def test_bare_hl7_then_mllp_frame() -> None:
    split = split_mllp(MSG_A + mllp(MSG_B), final=True)
    assert [(f.data, f.mllp) for f in split.frames] == [(MSG_A, False), (MSG_B, True)]


def test_garbage_without_any_start_is_bounded() -> None:
    framer = MllpFramer()
    dropped = []
    for _ in range(200):
        dropped += framer.push(b"x" * 1000).dropped
        assert len(framer.pending) <= 64 * 1024 + 1000
    assert dropped and {d.reason for d in dropped} == {"garbage"}


def test_open_mllp_frame_over_the_limit_is_dropped() -> None:
    framer = MllpFramer(max_frame=10_000)
    # The frame opens with its MSH: a 0x0B before anything else is noise, not a frame (a review).
    result = framer.push(b"\x0b" + MSG_A + b"y" * 20_000)
    assert [d.reason for d in result.dropped] == ["frame-too-long"]
    assert framer.pending == b""
    assert framer.push(mllp(MSG_A)).frames == [Frame(MSG_A, mllp=True)]


def test_truncated_mllp_frame_at_end_of_stream_is_dropped() -> None:
    framer = MllpFramer()
    framer.push(b"\x0b" + MSG_A)
    assert [d.reason for d in framer.flush().dropped] == ["truncated-frame"]


# --- Lines ---------------------------------------------------------------------------------


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n"])
def test_lines_split_on_cr_lf_and_crlf(end: bytes) -> None:
    split, _ = split_lines(b"one" + end + b"two" + end + b"thr", at_line_start=True)
    assert [f.data for f in split.frames] == [b"one", b"two"]
    assert split.rest == b"thr"


def test_lines_strip_nul_bytes() -> None:
    split, _ = split_lines(b"\x00\x00one\x00\r\n", at_line_start=True)
    assert [f.data for f in split.frames] == [b"one"]


def test_first_line_after_opening_is_flagged_partial() -> None:
    frames = frames_of(LineFramer(), [b"ial tail\r\nfull line\r\n"])
    assert [(f.data, f.maybe_partial) for f in frames] == [(b"ial tail", True),
                                                           (b"full line", False)]


def test_crlf_split_across_reads_gives_no_empty_line() -> None:
    frames = frames_of(LineFramer(at_line_start=True), [b"one\r", b"\ntwo\r", b"\n"])
    assert [f.data for f in frames] == [b"one", b"two"]


def test_overlong_line_is_dropped_and_memory_bounded() -> None:
    framer = LineFramer(at_line_start=True, max_line=100)
    result = framer.push(b"z" * 500)
    assert [d.reason for d in result.dropped] == ["line-too-long"]
    out = framer.push(b"tail\r\nnext\r\n")
    assert [(f.data, f.maybe_partial) for f in out.frames] == [(b"tail", True), (b"next", False)]


# --- ANSAR-B -------------------------------------------------------------------------------


def ansar_frame(records: bytes, wave: int = 0x80) -> bytes:
    return ANSAR_B_HEADER + bytes([wave]) * 400 + records + b"\xfe"


def test_ansar_b_waveform_bytes_are_skipped_by_count() -> None:
    # Waveform samples equal to 0xFE must not end the frame early.
    split = split_ansar_b(ansar_frame(b"HR=1;80;;\r", wave=0xFE))
    assert [f.data for f in split.frames] == [b"HR=1;80;;\r"]


def test_ansar_b_truncated_frame_resynchronises_on_next_header() -> None:
    stream = ansar_frame(b"HR=1;80;;\r")[:200] + ansar_frame(b"HR=1;81;;\r")
    split = split_ansar_b(stream, final=True)
    assert [f.data for f in split.frames] == [b"HR=1;81;;\r"]
    assert [d.reason for d in split.dropped] == ["truncated-frame"]


def test_ansar_b_stream_ending_mid_frame_drops_it_at_flush() -> None:
    framer = AnsarBFramer()
    assert framer.push(ansar_frame(b"HR=1;80;;\r")[:-5]).frames == []
    assert [d.reason for d in framer.flush().dropped] == ["truncated-frame"]


def test_ansar_b_missing_end_byte_is_bounded() -> None:
    framer = AnsarBFramer(max_records=1000)
    result = framer.push(ANSAR_B_HEADER + b"\x80" * 400 + b"A" * 2000)
    assert [d.reason for d in result.dropped] == ["frame-too-long"]


@pytest.mark.parametrize("seed", range(4))
def test_ansar_b_capture_has_27_frames_whatever_the_chunking(samples_dir: Path, seed: int) -> None:
    data = (samples_dir / "ivy-450c-ansar-b-capture.bin").read_bytes()
    framer = AnsarBFramer()
    frames, dropped = [], []
    for piece in random_chunks(data, seed, largest=300):
        out = framer.push(piece)
        frames += out.frames
        dropped += out.dropped
    end = framer.flush()
    frames += end.frames
    dropped += end.dropped
    assert len(frames) == 27
    assert all(f.data.startswith(b"HR=1;80;ECG-II-DIAG;\r") for f in frames)
    # The capture starts 252 bytes into a frame (first 0xFF at offset 252).
    assert [d.reason for d in dropped] == ["partial-frame"]
    assert "252 bytes" in dropped[0].detail


def test_a_vt_byte_in_a_bare_message_is_field_data_and_later_messages_are_read() -> None:
    # A vertical tab typed in a patient name: taken for an MLLP start, it cut the message (read
    # as whole: answered AA, its SpO2 row never read) and held every later bare message as the
    # body of a frame that never ends, until 1 MiB had gathered.
    named = MSG_A.replace(b"OBX", b"PID|||123||DOE\x0b^JOHN\rOBX", 1)
    framer = MllpFramer()
    frames: list[Frame] = []
    for message in (named, MSG_B, MSG_A):
        assert framer.push(message).dropped == []
        frames.extend(framer.quiet().frames)
    assert frames == [Frame(named), Frame(MSG_B), Frame(MSG_A)]
    split = split_mllp(named + MSG_B + MSG_A, final=True)
    assert [f.data for f in split.frames] == [named, MSG_B, MSG_A] and split.dropped == []


def test_an_mllp_frame_cut_by_the_next_message_resynchronises_there() -> None:
    # An open frame (its 0x1C lost, or its 0x0B a stray byte) meets the next message's header:
    # the fragment is dropped and the message read, not held as the rest of the frame.
    # A 0x0B not followed by MSH| opens no frame at all (a review: it had held the next bare
    # message as its body): it is noise, skipped up to the next message as garbage.
    for stream, reason in ((b"\x0b" + MSG_A + MSG_B, "truncated-frame"),
                           (b"\x0bPID|||1||DOE\r" + MSG_B, "garbage")):
        framer = MllpFramer()
        pushed = framer.push(stream)
        assert [d.reason for d in pushed.dropped] == [reason]
        assert [f.data for f in framer.quiet().frames] == [MSG_B]
    # A stray 0x0B inside a frame is data: the frame ends at its 0x1C.
    inside = MSG_A.replace(b"|97", b"|9\x0b7")
    assert split_mllp(mllp(inside)).frames == [Frame(inside, mllp=True)]
    # Blank lines before a frame's own MSH are no fragment of it.
    blank_first = split_mllp(mllp(b"\r\n" + MSG_A))
    assert blank_first.frames == [Frame(b"\r\n" + MSG_A, mllp=True)] and blank_first.dropped == []


def test_a_bare_message_cut_inside_a_row_by_an_mllp_frame_is_read_only_in_part() -> None:
    # The sender started again mid-row, this time in MLLP: the cut row was read as whole.
    cut = MSG_A + b"OBX|2|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1|8"
    split = split_mllp(cut + mllp(MSG_B))
    assert [(f.data, f.cut, f.mllp) for f in split.frames] == [(MSG_A, True, False),
                                                               (MSG_B, False, True)]
    assert [d.reason for d in split.dropped] == [CUT_MESSAGE]
