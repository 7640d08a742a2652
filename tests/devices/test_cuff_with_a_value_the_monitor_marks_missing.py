"""A cuff measurement of which the monitor itself marks a value missing (HL7 OBX-11 X, an empty
OBX-5 or `---`; an Ivy NIBP field empty or `---`) still brings its other values to the chair.

Judging a cuff whole against damage on the line (a byte lost) had taken such a cuff for a damaged
one: a systolic 210 without a diastolic was dropped with it, counted only, the message answered
AA (the monitor never sends it again); the nurse saw no high BP alarm. A value the monitor marks
missing is no damage: the values present are read, and diastolic < mean < systolic is checked
among them only. README "A repeated NIBP is one measurement".
"""

from __future__ import annotations

import pytest

from devices.ansar_b import AnsarBDecoder, decode_records
from devices.formats import FORMATS
from devices.stream import IMPOSSIBLE_BP, NOT_READ, DecodeResult
from tests.devices.conftest import RX

T = b"20260102030405+0000"
HDR = (b"MSH|^~\\&|MON||||" + T + b"||ORU^R01|Q7|P|2.6\rPID|||1\rOBR|1||||||" + T + b"\r")
HR = (b"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC"
      b"|||||R\r")


def _cuff(sys_: bytes, dia: bytes, mean: bytes, dia_status: bytes = b"R",
          mean_status: bytes = b"R") -> bytes:
    return (b"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.3.1.150021|" + sys_ +
            b"|266016^MDC_DIM_MMHG^MDC|||||R\r"
            b"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.3.1.150022|" + dia +
            b"|266016^MDC_DIM_MMHG^MDC|||||" + dia_status + b"\r"
            b"OBX|4|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.3.1.150023|" + mean +
            b"|266016^MDC_DIM_MMHG^MDC|||||" + mean_status + b"\r")


def _hl7(message: bytes) -> DecodeResult:
    decoder = FORMATS["hl7"].new_decoder("test")
    result = DecodeResult()
    result.extend(decoder.feed(b"\x0b" + message + b"\x1c\r", RX))
    result.extend(decoder.flush(RX))
    return result


def _answer(result: DecodeResult) -> bytes:
    answers = [reply.answer(True) for reply in result.replies]
    assert len(answers) == 1
    return answers[0]


def _bp(result: DecodeResult) -> list[tuple[str, float]]:
    return [(r.metric, r.value) for r in result.readings if r.metric.startswith("bp_")]


@pytest.mark.parametrize(("dia", "status"), [(b"", b"X"), (b"---", b"R"), (b"", b"R")])
def test_a_systolic_210_without_a_diastolic_reaches_the_chair(dia: bytes, status: bytes) -> None:
    # The monitor could not obtain the diastolic (OBX-11 X) or sent it empty / `---`.
    result = _hl7(HDR + HR + _cuff(b"210", dia, b"150", dia_status=status))
    assert _bp(result) == [("bp_systolic", 210), ("bp_mean", 150)]
    # The message is whole: committed and answered AA, no "Monitor message not read".
    assert b"\rMSA|AA|Q7\r" in _answer(result)
    assert not [d for d in result.dropped if d.reason in NOT_READ]
    assert [d.reason for d in result.dropped] == ["no-value"]


def test_a_cuff_without_its_mean_reaches_the_chair() -> None:
    result = _hl7(HDR + HR + _cuff(b"210", b"120", b"", mean_status=b"X"))
    assert _bp(result) == [("bp_systolic", 210), ("bp_diastolic", 120)]
    assert b"\rMSA|AA|Q7\r" in _answer(result)


def test_the_values_present_must_still_be_in_order() -> None:
    # Diastolic missing, the mean above the systolic: no cuff measurement (a byte changed).
    result = _hl7(HDR + HR + _cuff(b"210", b"", b"220", dia_status=b"X"))
    assert _bp(result) == []
    assert IMPOSSIBLE_BP in [d.reason for d in result.dropped]
    # Dropped whole: the monitor is asked to send it again, and the nurse is told.
    assert b"\rMSA|AE|Q7\r" in _answer(result)
    assert [d.reason for d in result.dropped if d.reason in NOT_READ] == ["damaged-message"]


def _ivy(record: bytes) -> list[tuple[str, float]]:
    return [(r.metric, r.value) for r in decode_records(record, RX).readings]


@pytest.mark.parametrize("record", [b"NIBP=1;210;---;150;80;;", b"NIBP=1;210;;150;80;;"])
def test_an_ivy_systolic_210_without_a_diastolic_reaches_the_chair(record: bytes) -> None:
    assert _ivy(record) == [("bp_systolic", 210), ("bp_mean", 150), ("pulse_rate", 80)]


def test_an_ivy_cuff_without_a_systolic_or_a_mean_is_read_as_sent() -> None:
    assert _ivy(b"NIBP=4;;75;92;80;;") == [("bp_diastolic", 75), ("bp_mean", 92),
                                           ("pulse_rate", 80)]
    assert _ivy(b"NIBP=4;121;75;---;80;;") == [("bp_systolic", 121), ("bp_diastolic", 75),
                                               ("pulse_rate", 80)]


def test_an_ivy_record_whose_values_present_are_out_of_order_is_dropped() -> None:
    result = decode_records(b"NIBP=4;210;;220;80;;", RX)
    assert result.readings == []
    assert [d.reason for d in result.dropped] == [IMPOSSIBLE_BP]


def test_an_ivy_cuff_without_a_diastolic_is_one_measurement_across_frames() -> None:
    # Repeated in every frame: reported once, each repeat dropped as `nibp-repeat`.
    decoder = AnsarBDecoder("ivy")
    frame = b"\xffANSAR-B " + bytes(400) + b"NIBP=4;210;;150;80;;\r\xfe"
    result = DecodeResult()
    for _ in range(3):
        result.extend(decoder.feed(frame, RX))
    result.extend(decoder.flush(RX))
    assert [(r.metric, r.value) for r in result.readings] == [
        ("bp_systolic", 210), ("bp_mean", 150), ("pulse_rate", 80)]
    assert [d.reason for d in result.dropped].count("nibp-repeat") == 2
