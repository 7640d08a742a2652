"""A periodic message whose continuous vitals carry their own OBX-14 (or their channel's) equal
to OBR-7, the message's time, beside the last cuff measurement repeated without an OBX-14: the
cuff's time is not OBR-7, so the NIBP is reported once and each repeat dropped as `nibp-repeat`
(each message's repeat had been a new BP "measured now", and the BP tile never went stale)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from devices.hl7 import HL7Decoder
from devices.stream import DecodeResult
from tests.devices.conftest import feed_all

UTC = timezone.utc
T0 = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
MMHG = "266016^MDC_DIM_MMHG^MDC"


def periodic(decoder: HL7Decoder, n: int, timed_by: str) -> DecodeResult:
    """Message `n` (one a second): HR and SpO2 timed by their own OBX-14 (`own`) or by their
    channel row's (`channel`), both equal to OBR-7; the cuff's 120/80/93 without OBX-14."""
    at = (T0 + timedelta(seconds=n)).strftime("%Y%m%d%H%M%S") + "+0000"
    own = at if timed_by == "own" else ""
    rows = [f"MSH|^~\\&|MON^0011223344556677^EUI-64|FAC|||{at}||ORU^R01^ORU_R01|M{n}|P|2.6",
            f"OBR|1|||182777000^monitoring^SNOMED-CT|||{at}"]
    if timed_by == "channel":
        rows += [f"OBX|1||69642^MDC_DEV_ANALY_SAT_O2_VMD^MDC|1.3.1|||||||X|||{at}",
                 f"OBX|2||69798^MDC_DEV_ECG_VMD^MDC|1.2.1|||||||X|||{at}"]
    rows += [
        f"OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC|1.2.1.147842|{70 + n}"
        f"|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||{own}",
        f"OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|97|262688^MDC_DIM_PERCENT^MDC"
        f"|||||R|||{own}",
        f"OBX|5|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|{MMHG}|||||R",
        f"OBX|6|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|{MMHG}|||||R",
        f"OBX|7|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|93|{MMHG}|||||R",
    ]
    return feed_all(decoder, b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r")


@pytest.mark.parametrize("timed_by", ["own", "channel"])
def test_one_cuff_measurement_is_one_bp_when_the_vitals_carry_the_message_time(
        timed_by: str) -> None:
    decoder = HL7Decoder()
    results = [periodic(decoder, n, timed_by) for n in range(3)]
    bp = [[(r.metric, r.value, r.measured_at) for r in m.readings if r.metric.startswith("bp_")]
          for m in results]
    # Reported once, by the first message, of unknown age (OBR-7 is not the cuff's time) ...
    assert bp == [[("bp_systolic", 120, None), ("bp_diastolic", 80, None),
                   ("bp_mean", 93, None)], [], []]
    # ... then each repeat said, and the heart rate of every message still a new value.
    assert [[d.reason for d in m.dropped if d.reason == "nibp-repeat"] for m in results] == [
        [], ["nibp-repeat"], ["nibp-repeat"]]
    assert [[r.value for r in m.readings if r.metric == "heart_rate"] for m in results] == [
        [70], [71], [72]]
