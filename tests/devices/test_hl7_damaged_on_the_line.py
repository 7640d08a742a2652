"""An HL7 message that a serial line damaged (one byte lost or changed) is answered AE, so the
monitor sends it again, and raises "Monitor message not read"; never AA with a row silently lost.

AA tells the monitor the message is committed (GE B40 manual): it never sends it again. README
"Acknowledgements": AE when "the message was read only in part"; a message the console cannot
read is never a silent drop. A lost 'O' of "OBX" had lost an SpO2 85, answered AA, nothing said.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.formats import FORMATS
from devices.stream import DAMAGED_MESSAGE, NOT_READ, DecodeResult
from tests.devices.conftest import RX

HDR = (b"MSH|^~\\&|MON||||20260102030405+0000||ORU^R01|Q7|P|2.6\r"
       b"PID|||1\rOBR|1||||||20260102030405+0000\r")
SPO2 = (b"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|85|262688^MDC_DIM_PERCENT^MDC"
        b"|||||R|||20260102030405+0000\r")
HR = (b"OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.147842|72|264864^MDC_DIM_BEAT_PER_MIN^MDC"
      b"|||||R\r")

DAMAGED = {
    "the 'O' of the SpO2 row's OBX lost": HDR + SPO2.replace(b"OBX", b"BX", 1) + HR,
    "the 'X' of the SpO2 row's OBX lost": HDR + SPO2.replace(b"OBX", b"OB", 1) + HR,
    "the CR before the SpO2 row lost": HDR[:-1] + SPO2 + HR,
    "the CR after the SpO2 row lost": HDR + SPO2[:-1] + HR,
    "the CR after the PID lost": HDR.replace(b"|1\rOBR", b"|1OBR", 1) + SPO2 + HR,
    "the CR after the header lost": HDR.replace(b"2.6\rPID", b"2.6PID", 1) + SPO2 + HR,
    "the '^' of MSH-2 lost": HDR.replace(b"^~", b"~", 1) + SPO2 + HR,
    "the '|' after MSH-8 lost": HDR.replace(b"||ORU", b"|ORU", 1) + SPO2 + HR,
    "the SpO2 row's status changed": HDR + SPO2.replace(b"|||||R|", b"|||||Q|", 1) + HR,
}


def _decode(message: bytes) -> DecodeResult:
    decoder = FORMATS["hl7"].new_decoder("test")
    result = DecodeResult()
    result.extend(decoder.feed(b"\x0b" + message + b"\x1c\r", RX))
    result.extend(decoder.flush(RX))
    return result


@pytest.mark.parametrize("name", list(DAMAGED))
def test_a_message_damaged_on_the_line_is_answered_ae_and_the_nurse_told(name: str) -> None:
    result = _decode(DAMAGED[name])
    # Even once its readings are committed: the monitor must send it again, whole. (With a
    # separator lost before MSH-10 the answer names what stands there: all the header says.)
    answers = [reply.answer(True) for reply in result.replies]
    assert len(answers) == 1 and b"\rMSA|AE|" in answers[0], (name, answers)
    # "Monitor message not read" (a NOT_READ drop), naming what was wrong with it.
    said = [d for d in result.dropped if d.reason in NOT_READ]
    assert [d.reason for d in said] == [DAMAGED_MESSAGE], (name, result.dropped)
    assert "damaged on the line" in said[0].detail and "answered AE" in said[0].detail


def test_a_whole_message_is_answered_aa() -> None:
    result = _decode(HDR + SPO2 + HR)
    assert [(r.metric, r.value) for r in result.readings] == [("spo2", 85), ("heart_rate", 72)]
    assert [reply.answer(True) for reply in result.replies][0].endswith(b"\rMSA|AA|Q7\r\x1c\r")
    assert result.dropped == []


@pytest.mark.parametrize("status", ["D", "W", "I", "N"])
def test_a_row_the_monitor_marks_no_result_is_no_damage(status: str) -> None:
    # OBX-11 D (deleted), W (wrong), I (pending), N (not asked): the monitor said so; dropped as
    # bad-status, the message whole (the IHE edge-case sample sends a D).
    result = _decode(HDR + SPO2.replace(b"|||||R|", f"|||||{status}|".encode(), 1) + HR)
    assert [reply.answer(True) for reply in result.replies][0].endswith(b"\rMSA|AA|Q7\r\x1c\r")
    assert [d.reason for d in result.dropped] == ["bad-status"]


def test_upper_case_names_are_not_taken_for_run_together_segments() -> None:
    # A patient named VICENTE (PID-5), followed by an empty PID-6: "NTE||" is no NTE segment.
    named = HDR.replace(b"PID|||1\r", b"PID|||1||DOE^VICENTE||19770404|M\r")
    result = _decode(named + SPO2 + HR)
    assert [reply.answer(True) for reply in result.replies][0].endswith(b"\rMSA|AA|Q7\r\x1c\r")
    assert result.dropped == []


def test_every_real_sample_is_answered_aa_and_raises_nothing(samples_dir: Path) -> None:
    for sample in sorted(samples_dir.glob("*.hl7")):
        decoder = FORMATS["hl7"].new_decoder("test")
        result = DecodeResult()
        result.extend(decoder.feed(sample.read_bytes(), RX))
        result.extend(decoder.quiet(RX))
        result.extend(decoder.flush(RX))
        answers = [reply.answer(True) for reply in result.replies]
        assert all(b"\rMSA|AA|" in a for a in answers), sample.name
        assert not [d for d in result.dropped if d.reason in NOT_READ], sample.name


def test_a_time_it_cannot_read_keeps_the_value_and_is_answered_aa() -> None:
    # A time the console cannot read (a digit lost, or a monitor that writes its times its own
    # way) is no damage: the value is kept, placed when received; refusing every message of such
    # a monitor would alarm the nurse at each one.
    result = _decode(HDR + SPO2.replace(b"|20260102030405", b"|2026-01-02T03:04:05", 1) + HR)
    assert [(r.metric, r.value) for r in result.readings] == [("spo2", 85), ("heart_rate", 72)]
    assert [reply.answer(True) for reply in result.replies][0].endswith(b"\rMSA|AA|Q7\r\x1c\r")
    assert [d.reason for d in result.dropped] == ["bad-timestamp"]


def test_an_adt_carrying_obx_rows_is_no_damage() -> None:
    # HL7 ADT messages may carry OBX rows (a weight): accepted unread, as before.
    adt = (b"MSH|^~\\&|GW||||20260102030405+0000||ADT^A08|A1|P|2.6\rPID|||1\r"
           b"OBX|1|NM|3141-9^Body weight^LN||70|kg|||||F\r")
    result = _decode(adt)
    assert [reply.answer(True) for reply in result.replies][0].endswith(b"\rMSA|AA|A1\r\x1c\r")
    assert not [d for d in result.dropped if d.reason in NOT_READ]
