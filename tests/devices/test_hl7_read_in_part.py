"""A bare HL7 message that reaches the console only in part is never answered AA, and a whole one
padded with NULs is taken when the line goes quiet.

AA tells the monitor the whole message is committed (GE B40 manual), so it never sends again a
row the console could not read. README "Acknowledgements": AE when the message was read only in
part.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.hl7.decoder import HL7Decoder
from devices.stream import NOT_READ
from tests.devices.conftest import RX, feed_all, restarted_mid_message

SPO2_85 = (b"MSH|^~\\&|MON||||20260102030405+0000||ORU^R01|Q7|P|2.6\r"
           b"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|85|262688^MDC_DIM_PERCENT^MDC"
           b"|||||R\r")


def _control_id(message: bytes) -> bytes:
    return message.split(b"\r", 1)[0].split(b"|")[9]


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_a_message_cut_by_the_next_ones_header_is_answered_ae_and_its_lost_row_said(
    samples_dir: Path, seed: int | None
) -> None:
    # The Comen monitor started again inside the first message's diastolic row: the rows before
    # it are read, the diastolic is not. Answered AA, the monitor never sent it again, and the
    # lost row was a count only, with no alarm.
    stream, kept, second = restarted_mid_message(samples_dir)
    result = feed_all(HL7Decoder(), stream, seed)
    first_answer, second_answer = [reply.answer(True) for reply in result.replies]
    assert b"MSA|AE|" + _control_id(kept) + b"\r" in first_answer   # even once committed
    assert b"MSA|AA|" + _control_id(second) + b"\r" in second_answer
    cut = [d for d in result.dropped if d.reason in NOT_READ]
    assert len(cut) == 1 and "MDC_PRESS_BLD_NONINV_DIA" in cut[0].detail


def test_a_message_padded_with_nuls_is_read_and_answered_when_the_line_goes_quiet() -> None:
    # Serial adapters add NUL bytes (devices.md): the message waited for the next one, its SpO2 85
    # (and its alarm, and its ACK) with it.
    for padding in (b"", b"\x00\x00", b"\x00 \t\x00"):
        decoder = HL7Decoder("test")
        assert decoder.feed(SPO2_85 + padding, RX).readings == []
        taken = decoder.quiet(RX)
        assert [(r.metric, r.value) for r in taken.readings] == [("spo2", 85.0)], padding
        assert [reply.answer(True).endswith(b"\rMSA|AA|Q7\r") for reply in taken.replies] == [True]
        assert taken.dropped == []
