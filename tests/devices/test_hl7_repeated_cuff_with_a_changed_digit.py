"""HL7 pushed over RS-232 (no checksum): a monitor that repeats its last cuff in every message
(a Comen stamps it with each message's time; others send no OBX-14 or an all-zero one) has one
message's diastolic digit changed on the line (80 read as 70: in range, in order).

That message is answered only once its rows are on disk, so its 120/70 cannot be held back: it
is logged as the value the monitor sent. But the next message's 120/80 is the old cuff come back
within seconds, faster than any cuff can measure: it had been logged as a third cuff "measured
now" (the old cuff, of unknown age, meeting "BP at T+40" and becoming the baseline). It is now the
measurement reported before, sent again. README "A repeated NIBP is one measurement".
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from devices.hl7 import HL7Decoder
from devices.stream import CUFF_BACK_WITHIN, DecodeResult

T0 = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
MMHG = "266016^MDC_DIM_MMHG^MDC"


def _message(decoder: HL7Decoder, second: float, dia: int, cuff_stamp: str = "",
             clock_set: timedelta = timedelta(0)) -> DecodeResult:
    """One message at `second` after T0: heart rate and the cuff 120/`dia`/93. Its cuff rows
    carry `cuff_stamp` as OBX-14 ("" none: the group's OBR-7, the message's time; "message":
    the message's time, as a Comen writes it). `clock_set`: how far the console's clock was set
    since T0 (NTP), its receive time moved by as much."""
    at = (T0 + timedelta(seconds=second)).strftime("%Y%m%d%H%M%S") + "+0000"
    stamp = at if cuff_stamp == "message" else cuff_stamp
    cuff = f"{MMHG}|||||R|||{stamp}"
    rows = [f"MSH|^~\\&|MON^0011223344556677^EUI-64|FAC|||{at}||ORU^R01^ORU_R01|M{second}|P|2.6",
            f"OBR|1|||182777000^monitoring^SNOMED-CT|||{at}",
            f"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|72"
            f"|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||{at}",
            f"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|{cuff}",
            f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|{dia}|{cuff}",
            f"OBX|4|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|93|{cuff}"]
    return decoder.feed(b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r",
                        T0 + timedelta(seconds=second, milliseconds=300) + clock_set)


def _cuff(result: DecodeResult) -> list[tuple[str, float]]:
    return [(r.metric, r.value) for r in result.readings if r.metric.startswith("bp_")]


A = [("bp_systolic", 120), ("bp_diastolic", 80), ("bp_mean", 93)]
B = [("bp_systolic", 120), ("bp_diastolic", 70), ("bp_mean", 93)]


@pytest.mark.parametrize("cuff_stamp", ["", "message", "00000000000000"])
def test_the_old_cuff_after_one_changed_message_is_not_a_new_cuff(cuff_stamp: str) -> None:
    decoder = HL7Decoder()
    cuffs = [_cuff(_message(decoder, second, dia, cuff_stamp))
             for second, dia in [(0, 80), (1, 70), (2, 80), (3, 80)]]
    # 120/70 is logged as sent (its message answered AA once stored); the 120/80 that comes
    # back is the cuff reported first, not a new one "measured now".
    assert cuffs == [A, B, [], []]


def test_the_old_cuff_back_later_than_any_cuff_takes_is_a_new_measurement() -> None:
    # 120/70 was a real cuff; a cuff measured after it reads 120/80 again: reported.
    decoder = HL7Decoder()
    late = 1 + CUFF_BACK_WITHIN.total_seconds()
    cuffs = [_cuff(_message(decoder, second, dia, "message"))
             for second, dia in [(0, 80), (1, 70), (late, 80), (late + 1, 80)]]
    assert cuffs == [A, B, A, []]


def test_the_old_cuff_back_after_a_changed_message_whose_commit_failed_is_a_repeat() -> None:
    # 120/70's commit failed (answered AE, forgotten): the next 120/80 is still the cuff before.
    decoder = HL7Decoder()
    first = _message(decoder, 0, 80, "message")
    changed = _message(decoder, 1, 70, "message")
    for undo in changed.undo:
        undo()
    assert [_cuff(first), _cuff(_message(decoder, 2, 80, "message"))] == [A, []]


def test_a_real_new_cuff_after_the_clock_was_set_back_is_a_new_measurement() -> None:
    """NTP sets the console's clock back an hour between two real cuffs: the receive times then
    run backwards, and "sent again within 10 s" must not read a negative gap as a short one. A
    real 120/80 measured five minutes after a real 120/70 was dropped as a repeat for the hour
    the step lasted, never logged (a review)."""
    decoder = HL7Decoder()
    back = -timedelta(hours=1)
    cuffs = [_cuff(_message(decoder, 0, 80, "message")),
             _cuff(_message(decoder, 60, 70, "message")),
             _cuff(_message(decoder, 360, 80, "message", clock_set=back)),
             _cuff(_message(decoder, 361, 80, "message", clock_set=back))]
    assert cuffs == [A, B, A, []]
