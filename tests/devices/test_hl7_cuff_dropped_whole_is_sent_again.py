"""An HL7 cuff dropped whole because a value of it cannot be read or its pressures are out of
order is never a silent loss: the message is answered AE (the monitor sends it again) and raises
"Monitor message not read"; the copy sent again is read as the one cuff measurement it is.

An AA had told the monitor the message was stored: a monitor that sends its cuff once (stamped
with the cuff's own second) never sent it again, and the nurse saw nothing. A Comen repeats its
cuff in every message, so the copy sent again must not become a second measurement. OBX-11 B
and V (HL7 v2.7+) are statuses a sender writes: no damage. README "A message damaged on the line
is sent again".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from devices.hl7 import HL7Decoder
from devices.reading import AGE_UNKNOWN
from devices.stream import DAMAGED_MESSAGE, NOT_READ, DecodeResult
from tests.devices.conftest import RX
from tests.devices.test_hl7_nibp_stamped_with_the_message_time import (
    comen_first_message,
    comen_sent_later,
)

OLD_CUFF = [("bp_systolic", 120, True), ("bp_diastolic", 80, True), ("bp_mean", 90, True)]


def _decode(messages: list[bytes]) -> DecodeResult:
    decoder = HL7Decoder("comen")
    result = DecodeResult()
    for message in messages:
        result.extend(decoder.feed(message, RX))
    result.extend(decoder.flush(RX))
    return result


def _cuffs(result: DecodeResult) -> list[tuple[str, float, bool]]:
    return [(r.metric, r.value, AGE_UNKNOWN in r.flags) for r in result.readings
            if r.metric.startswith("bp_")]


def _answers(result: DecodeResult) -> list[bytes]:
    return [reply.answer(True).split(b"\rMSA|")[1][:2] for reply in result.replies]


@pytest.mark.parametrize("bp", [(120, 8, 90), (20, 80, 90), (120, 80, 190)])
def test_a_cuff_dropped_whole_is_answered_ae_and_the_nurse_told(
    samples_dir: Path, bp: tuple[int, int, int]
) -> None:
    first = comen_first_message(samples_dir)
    result = _decode([comen_sent_later(first, 0), comen_sent_later(first, 1, bp)])
    assert _answers(result) == [b"AA", b"AE"]
    said = [d for d in result.dropped if d.reason in NOT_READ]
    assert [d.reason for d in said] == [DAMAGED_MESSAGE]
    assert "not a whole cuff measurement" in said[0].detail


def test_a_cuff_row_not_a_number_is_answered_ae(samples_dir: Path) -> None:
    first = comen_first_message(samples_dir)
    damaged = comen_sent_later(first, 1).replace(
        b"150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|90|",
        b"150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|9O|")
    result = _decode([comen_sent_later(first, 0), damaged])
    assert _answers(result) == [b"AA", b"AE"]
    assert DAMAGED_MESSAGE in [d.reason for d in result.dropped]


def test_the_old_cuff_sent_again_is_not_a_second_measurement(samples_dir: Path) -> None:
    # The cuff on the monitor at connect; one message's diastolic damaged, answered AE; the
    # monitor sends that message again whole, then goes on.
    first = comen_first_message(samples_dir)
    result = _decode([comen_sent_later(first, 0), comen_sent_later(first, 1, (120, 8, 90)),
                      comen_sent_later(first, 1), comen_sent_later(first, 2)])
    assert _cuffs(result) == OLD_CUFF
    assert _answers(result) == [b"AA", b"AE", b"AA", b"AA"]
    assert [d.reason for d in result.dropped].count("nibp-repeat") == 2


def test_a_new_cuff_sent_again_is_read_once(samples_dir: Path) -> None:
    first = comen_first_message(samples_dir)
    result = _decode([comen_sent_later(first, 0), comen_sent_later(first, 60, (130, 8, 95)),
                      comen_sent_later(first, 60, (130, 80, 95)),
                      comen_sent_later(first, 61, (130, 80, 95))])
    assert _cuffs(result) == OLD_CUFF + [("bp_systolic", 130, False), ("bp_diastolic", 80, False),
                                         ("bp_mean", 95, False)]
    assert _answers(result) == [b"AA", b"AE", b"AA", b"AA"]


def _spo2_status_changed(message: bytes) -> bytes:
    at = message.index(b"|F|", message.index(b"150456^MDC_PULS_OXIM_SAT_O2"))
    return message[:at] + b"|Q|" + message[at + 3:]


def _diastolic_row_id_damaged(message: bytes) -> bytes:
    # The 'O' of the diastolic row's OBX lost: the row is not read at all, nothing marks it.
    at = message.index(b"150022^MDC_PRESS_BLD_NONINV_DIA")
    row = message.rindex(b"\rOBX|", 0, at)
    return message[:row + 1] + message[row + 2:]


@pytest.mark.parametrize("damage", [_spo2_status_changed, _diastolic_row_id_damaged])
def test_a_cuff_in_a_message_damaged_on_the_line_is_read_once_from_the_copy_sent_again(
    samples_dir: Path, damage: Callable[[bytes], bytes]
) -> None:
    # Answered AE, the message's cuff (a new one) is read from the copy sent again, once: a
    # cuff read in part from the damaged copy (no diastolic) had made the whole copy a second.
    first = comen_first_message(samples_dir)
    new = comen_sent_later(first, 60, (130, 80, 95))
    result = _decode([comen_sent_later(first, 0), damage(new), new,
                      comen_sent_later(first, 61, (130, 80, 95))])
    assert _cuffs(result) == OLD_CUFF + [("bp_systolic", 130, False), ("bp_diastolic", 80, False),
                                         ("bp_mean", 95, False)]
    assert _answers(result) == [b"AA", b"AE", b"AA", b"AA"]
    assert [d.reason for d in result.dropped if d.reason in NOT_READ] == [DAMAGED_MESSAGE]


@pytest.mark.parametrize("status", ["B", "V"])
def test_obx11_b_and_v_are_statuses_a_sender_writes(samples_dir: Path, status: str) -> None:
    # HL7 v2.7+ table 0085: B (appended report), V (verified). No damage: answered AA, nothing
    # raised; the row is dropped as `bad-status` as before.
    first = comen_first_message(samples_dir)
    message = comen_sent_later(first, 0)
    spo2 = message.index(b"150456^MDC_PULS_OXIM_SAT_O2")
    at = message.index(b"|F|", spo2)
    result = _decode([message[:at] + f"|{status}|".encode() + message[at + 3:]])
    assert _answers(result) == [b"AA"]
    assert not [d for d in result.dropped if d.reason in NOT_READ]
    assert [d.reason for d in result.dropped].count("bad-status") == 1
    assert _cuffs(result) == OLD_CUFF
