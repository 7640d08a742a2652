"""A monitor (or gateway) that leaves OBX-4 empty and sends one vital twice in one message:
capnography's airway RR 6 beside the impedance RR 14, or SpO2 under MDC and under LOINC. The
decoder keeps both rows with channel "" (one message id): taken for "a channel seen again", the
second started a group of its own, both were judged one after the other, and the normal one
ended the low one's high alarm every second (a review)."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.session.test_two_channels_of_one_vital import chair  # noqa: F401  (fixture)

CO2_RR = "OBX||NM|151570^MDC_AWAY_RESP_RATE^MDC||{v}|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F|||{t}"
IMP_RR = "OBX||NM|151562^MDC_RESP_RATE^MDC||{v}|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F|||{t}"
SPO2_MDC = "OBX||NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||{v}|262688^MDC_DIM_PERCENT^MDC|||||F|||{t}"
SPO2_LN = "OBX||NM|59408-5^SpO2^LN||{v}|%^%^UCUM|||||F|||{t}"


@pytest.mark.parametrize(("rows", "name", "low", "text"), [
    ([(CO2_RR, 6), (IMP_RR, 14)], "resp_rate", 6, "Respiratory rate 6 breaths/min, limit ≤8"),
    ([(SPO2_MDC, 85), (SPO2_LN, 97)], "spo2", 85, "SpO2 85 %, limit ≤90"),
], ids=["rr-no-obx4", "spo2-no-obx4"])
def test_low_value_holds_its_alarm_without_obx4(chair, rows, name, low, text):  # noqa: F811
    for _ in range(60):
        chair.message(rows)
    assert chair.alarms() == [(f"{name}_low", "high", "active", text)]
    assert chair.steps() == Counter({(f"{name}_low", "raised"): 1})
    assert chair.tile(name) == low
