"""A Comen-style NIBP (stamped with each message's own time, its last cuff resent in every message)
that a message brings damaged, a byte lost on a serial line, is dropped whole and never makes the
cuff a new measurement.

The damaged rows had become "the message before": the cuff they were read from was logged as new,
and the next whole message's old cuff (of unknown age, perhaps the previous patient's) a second
new one, timed now: it met "BP at T+40" and could become the baseline. README "A repeated NIBP is
one measurement".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devices.hl7 import HL7Decoder
from devices.reading import AGE_UNKNOWN
from devices.stream import (
    DAMAGED_MESSAGE,
    IMPOSSIBLE_BP,
    NOT_READ,
    OUT_OF_HARD_RANGE,
    DecodeResult,
)
from tests.devices.conftest import RX
from tests.devices.test_hl7_nibp_stamped_with_the_message_time import (
    comen_first_message,
    comen_sent_later,
)

DAMAGED = [
    ((20, 80, 90), IMPOSSIBLE_BP),       # the systolic's first digit lost: 20/80
    ((120, 8, 90), OUT_OF_HARD_RANGE),   # a diastolic digit lost: 8 mmHg
    ((120, 80, 9), OUT_OF_HARD_RANGE),   # a mean digit lost: 9 mmHg
    ((120, 80, 190), IMPOSSIBLE_BP),     # a mean above the systolic
]


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


OLD_CUFF = [("bp_systolic", 120, True), ("bp_diastolic", 80, True), ("bp_mean", 90, True)]


@pytest.mark.parametrize(("bp", "reason"), DAMAGED)
def test_a_damaged_cuff_between_its_repeats_is_dropped_and_the_old_cuff_stays_one(
    samples_dir: Path, bp: tuple[int, int, int], reason: str
) -> None:
    first = comen_first_message(samples_dir)
    # The cuff on the monitor at connect, then one message whose NIBP lost a byte, then its
    # repeats: no cuff was taken while the console listened.
    result = _decode([comen_sent_later(first, 0), comen_sent_later(first, 1, bp),
                      comen_sent_later(first, 2), comen_sent_later(first, 3)])
    assert _cuffs(result) == OLD_CUFF
    said = [d for d in result.dropped
            if "not a whole cuff measurement" in d.detail and d.reason != DAMAGED_MESSAGE]
    assert len(said) == 1 and f"{bp[0]:g}/{bp[1]:g} ({bp[2]:g})" in said[0].detail
    assert reason in [d.reason for d in result.dropped]
    # Dropped whole: the message is answered AE and the nurse told (a monitor that sends its
    # cuff once would never send it again).
    assert [d.reason for d in result.dropped if d.reason in NOT_READ] == [DAMAGED_MESSAGE]
    assert [d.reason for d in result.dropped].count("nibp-repeat") == 2


def test_a_damaged_first_cuff_leaves_the_old_cuff_of_unknown_age(samples_dir: Path) -> None:
    # The connection's first message had its NIBP damaged: the next one's cuff is still the one
    # on the monitor at connect, not a cuff measured now.
    first = comen_first_message(samples_dir)
    result = _decode([comen_sent_later(first, 0, (20, 80, 90)), comen_sent_later(first, 1),
                      comen_sent_later(first, 2)])
    assert _cuffs(result) == OLD_CUFF


def test_a_new_cuff_whose_first_message_was_damaged_is_reported_from_the_next(
    samples_dir: Path
) -> None:
    first = comen_first_message(samples_dir)
    result = _decode([comen_sent_later(first, 0), comen_sent_later(first, 60, (130, 8, 95)),
                      comen_sent_later(first, 61, (130, 80, 95)),
                      comen_sent_later(first, 62, (130, 80, 95))])
    assert _cuffs(result) == OLD_CUFF + [("bp_systolic", 130, False), ("bp_diastolic", 80, False),
                                         ("bp_mean", 95, False)]


DIA_ROW = b"|80|266016^MDC_DIM_MMHG^MDC|||||F|||20250610015128"
MEAN_ROW = b"150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|90|"


@pytest.mark.parametrize(("damage", "answer"), [
    ((DIA_ROW, DIA_ROW[:-3] + b"18"), b"AE"),         # a digit of the diastolic's time lost
    ((MEAN_ROW, MEAN_ROW.replace(b"|90|", b"|9O|")), b"AE"),   # a bit flipped: not a number
])
def test_a_cuff_row_damaged_otherwise_leaves_the_old_cuff_one_measurement(
    samples_dir: Path, damage: tuple[bytes, bytes], answer: bytes
) -> None:
    first = comen_first_message(samples_dir)
    between = comen_sent_later(first, 1)
    assert damage[0] in between
    result = _decode([comen_sent_later(first, 0), between.replace(*damage),
                      comen_sent_later(first, 2)])
    assert _cuffs(result) == OLD_CUFF
    assert [d.reason for d in result.dropped].count("nibp-repeat") == 1
    # The cuff dropped whole either way: the message is answered AE, so a monitor that sends its
    # cuff once sends it again, and the nurse is told. (A time unread elsewhere is no damage;
    # here it split one cuff in two.)
    assert b"MSA|" + answer + b"|C1\r" in result.replies[1].answer(True)
    assert [d.reason for d in result.dropped if d.reason in NOT_READ] == [DAMAGED_MESSAGE]


def test_a_cuff_row_sent_with_no_time_at_all_is_no_damage(samples_dir: Path) -> None:
    # A monitor whose diastolic row carries no OBX-14 in every message is read as before, its
    # messages answered AA: refused, each would raise "Monitor message not read".
    first = comen_first_message(samples_dir)
    dia_time = re.compile(rb"(150022\^MDC_PRESS_BLD_NONINV_DIA[^\r]*\|\|\|)\d{14}[+-]\d{4}")
    untimed = [dia_time.sub(rb"\1", comen_sent_later(first, n)) for n in range(3)]
    assert all(not dia_time.search(m) for m in untimed)
    result = _decode(untimed)
    assert all(b"MSA|AA|" in reply.answer(True) for reply in result.replies)
    assert not [d for d in result.dropped if d.reason in NOT_READ]
