"""A vital the IntelliVue decoder reads is read over HL7 too, as an MDC code and in MDIL notation.

An IntelliVue behind a PCD-01 gateway sends the same physiological ids in OBX-3: as MDC codes
(2 × 65536 + id, devices/intellivue/ids.py) or in Philips MDIL notation (`0002-5012`, devices.md).
The two decoders' tables had drifted: the capnograph's respiratory rate (0x5012, MDC 151570
MDC_AWAY_RESP_RATE) and the pleth pulse rate (0x4822, MDC 149538), which the IntelliVue decoder
reads as resp_rate and pulse_rate, were dropped by the HL7 decoder as `unknown-code`, so such a
monitor's RR was never read.
"""

from __future__ import annotations

import pytest

from devices.hl7 import decode_message
from devices.intellivue import ids
from devices.intellivue.codec import encode_float
from devices.stream import DecodeResult
from tests.devices.conftest import RX
from tests.devices.test_hl7 import message
from tests.devices.test_intellivue_codec import decode as decode_intellivue
from tests.devices.test_intellivue_codec import value_observation

PRIVATE_TERMS = 0xF000
"""Term codes from here up are Philips private (0xF0E5, the cuff's pulse): no MDC code names them
(the HL7 cuff pulse is 149546, devices/hl7/codes.py)."""
VALUE = 50
"""Inside every vital's hard range."""


def _mdil(partition: int, term: int) -> str:
    return f"{partition:04x}-{term:04x}"


def _readings(result: DecodeResult) -> list[tuple[str, float]]:
    return [(r.metric, r.value) for r in result.readings]


@pytest.mark.parametrize("physio_id", sorted(i for i in ids.VITAL_IDS if i < PRIVATE_TERMS),
                         ids=ids.describe_id)
def test_every_vital_the_intellivue_decoder_reads_is_the_same_vital_over_hl7(
        physio_id: int) -> None:
    metric, name = ids.VITAL_IDS[physio_id]
    unit = next(iter(ids.METRIC_UNITS[metric][1]))
    # The IntelliVue decoder reads this id as the vital ...
    direct = decode_intellivue(value_observation(physio_id, encode_float(VALUE), unit=unit))
    assert _readings(direct) == [(metric, VALUE)]
    # ... so the same id, unit and value from a gateway is that vital too, whichever notation
    # it writes, and its name raises no doubt.
    code = ids.PARTITION_SCADA * 65536 + physio_id
    unit_code = ids.PARTITION_DIMENSION * 65536 + unit
    for row in (f"NM|{code}^MDC_{name}^MDC|1.1.1.{code}|{VALUE}|{unit_code}|||||R",
                f"NM|{_mdil(2, physio_id)}^NOM_{name}^MDIL|1.1.1|{VALUE}|{_mdil(4, unit)}|||||R"):
        result = decode_message(message(row), RX)
        assert _readings(result) == [(metric, VALUE)], [f"{d.reason}: {d.detail}"
                                                         for d in result.dropped]
        assert result.dropped == []


@pytest.mark.parametrize(("row", "vital"), [
    # A capnograph's respiratory rate of 6 (bradypnoea), as MDC and as a Philips gateway's MDIL.
    pytest.param("NM|151570^MDC_AWAY_RESP_RATE^MDC|1.5.1.151570|6|"
                 "264928^MDC_DIM_RESP_PER_MIN^MDC|||||R", ("resp_rate", 6.0), id="awRR MDC"),
    pytest.param("NM|0002-5012^awRR^MDIL|1.5.1|6|0004-0ae0^rpm^MDIL|||||R", ("resp_rate", 6.0),
                 id="awRR MDIL"),
    # The IntelliVue's SpO2 "Pulse" (pleth pulse rate) of 125.
    pytest.param("NM|149538^MDC_PLETH_PULS_RATE^MDC|1.3.1.149538|125|"
                 "264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R", ("pulse_rate", 125.0),
                 id="pleth pulse MDC"),
    pytest.param("NM|0002-4822^Pulse^MDIL|1.3.1|125|0004-0aa0^bpm^MDIL|||||R",
                 ("pulse_rate", 125.0), id="pleth pulse MDIL"),
])
def test_a_gateways_capnograph_rr_and_pleth_pulse_are_read_not_unknown_codes(
        row: str, vital: tuple[str, float]) -> None:
    result = decode_message(message(row), RX)
    assert _readings(result) == [vital], [f"{d.reason}: {d.detail}" for d in result.dropped]
    assert result.dropped == []
