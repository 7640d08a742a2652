"""Line noise holding a 0x0B byte before a bare HL7 message: the message is still read.

devices.md: "Buffer, resynchronise on 0x0B, and accept bare HL7 too". Noise on the line (a cable
plugged in mid-stream) is skipped and counted as garbage; it never takes a good message with it.
A 0x0B in that noise had opened an "MLLP frame" whose body was the next bare message: never taken
when the line went quiet, then dropped as `truncated-frame` when the next message came, with no
technical alarm (a review: an SpO2 85 lost without a word).
"""

from __future__ import annotations

from devices.framing import Frame, MllpFramer, split_mllp
from devices.hl7.decoder import HL7Decoder
from devices.stream import DecodeResult
from tests.devices.conftest import RX


def bare(control_id: str, spo2: int) -> bytes:
    """A bare (no MLLP) PCD-01 ORU^R01 with one SpO2 row, CR-terminated segments."""
    return (
        f"MSH|^~\\&|MON||||20260102030405||ORU^R01^ORU_R01|{control_id}|P|2.6\r"
        "OBR|1||||||20260102030405\r"
        f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|{spo2}|"
        "262688^MDC_DIM_PERCENT^MDC|||||R\r"
    ).encode()


NOISE = b"\x0b\x00\x7f"   # a start byte, a NUL (padding) and a byte that opens no message


def test_a_bare_message_after_noise_with_a_0x0b_is_read_when_the_line_goes_quiet() -> None:
    decoder = HL7Decoder()
    # The noise and the message arrive; the line then goes quiet for 0.5 s.
    got = decoder.feed(NOISE + bare("M1", 85), RX)
    got.extend(decoder.quiet(RX))
    # The SpO2 85 is read at the pause (its alarm on time), the noise counted as garbage.
    assert [r.value for r in got.readings] == [85.0]
    assert [d.reason for d in got.dropped] == ["garbage"]
    # The next message, a second later, is read too and takes nothing with it.
    got = decoder.feed(bare("M2", 97), RX)
    got.extend(decoder.flush(RX))
    assert [r.value for r in got.readings] == [97.0] and got.dropped == []


def test_noise_with_a_0x0b_gives_the_same_messages_whatever_the_reads() -> None:
    # Noise, a bare message, an MLLP frame, noise after it (a 0x0B, a blank, no MSH), a bare one.
    stream = (NOISE + bare("M1", 85) + b"\x0b" + bare("M2", 97) + b"\x1c\r"
              + b"\x0b PID|x\r" + bare("M3", 96))
    whole = split_mllp(stream, final=True)
    assert whole.frames == [Frame(bare("M1", 85)), Frame(bare("M2", 97), mllp=True),
                            Frame(bare("M3", 96))]
    assert [d.reason for d in whole.dropped] == ["garbage", "garbage"]
    # One byte a read: a 0x0B whose next bytes have not come yet is kept, not judged.
    framer = MllpFramer()
    splits = [framer.push(stream[i : i + 1]) for i in range(len(stream))] + [framer.flush()]
    assert [f for s in splits for f in s.frames] == whole.frames
    assert [d for s in splits for d in s.dropped] == whole.dropped


def test_a_0x0b_at_the_end_of_a_read_still_opens_the_mllp_frame_in_the_next() -> None:
    framer = MllpFramer()
    message = bare("M1", 85)
    # 0x0B, then blank padding: what follows cannot be judged yet, so it waits.
    first = framer.push(b"\x0b\r\n")
    assert first.frames == [] and first.dropped == [] and framer.pending == b"\x0b\r\n"
    second = framer.push(message + b"\x1c\r")
    assert second.frames == [Frame(b"\r\n" + message, mllp=True)] and second.dropped == []


def test_a_0x0b_inside_a_message_after_noise_is_still_field_data() -> None:
    named = bare("M1", 85).replace(b"OBR", b"PID|||123||DOE\x0b^JOHN\rOBR", 1)
    result = DecodeResult()
    decoder = HL7Decoder()
    result.extend(decoder.feed(NOISE + named, RX))
    result.extend(decoder.quiet(RX))
    assert [r.value for r in result.readings] == [85.0]
    assert [d.reason for d in result.dropped] == ["garbage"]


def test_noise_after_a_0x0b_is_bounded_as_any_garbage() -> None:
    # A 0x0B before noise opens no frame: the noise is bounded as garbage is, not as a frame.
    framer = MllpFramer()
    dropped = []
    for _ in range(100):
        dropped += framer.push(b"\x0b" + b"y" * 999).dropped
        assert len(framer.pending) <= 64 * 1024 + 1000
    assert dropped and {d.reason for d in dropped} == {"garbage"}
    # A 0x0B before endless padding can still open a frame: bounded by the frame's limit.
    framer = MllpFramer(max_frame=10_000)
    assert [d.reason for d in framer.push(b"\x0b" + b"\x00" * 20_000).dropped] == ["frame-too-long"]
    # The messages after it are read.
    assert framer.push(bare("M1", 85) + b"\x0b" + bare("M2", 97) + b"\x1c\r").frames == [
        Frame(bare("M1", 85)), Frame(bare("M2", 97), mllp=True)]
