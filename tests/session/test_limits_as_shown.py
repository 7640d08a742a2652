"""A monitor value with decimals is judged as its tile shows it (rounded to the vital's
decimals), so the alarm agrees with the number the nurse reads at a limit (an alarm review,
4 Dec 2026: SpO2 90.4 read "90" beside a medium alarm where the protocol gives ≤90 high; 93.4
read "93" with no alarm at all)."""

from __future__ import annotations

import pytest

from console.session.tile_view import tile_view
from tests.session.helpers import Session


@pytest.mark.parametrize("name, value, shown, alarm", [
    ("spo2", 90.4, "90", [("spo2_low", "high", "active")]),           # ≤90 high
    ("spo2", 93.4, "93", [("spo2_low", "medium", "active")]),         # ≤93 medium
    ("resp_rate", 8.4, "8", [("resp_rate_low", "high", "active")]),   # ≤8 high
    ("heart_rate", 110.4, "110", []),                                 # >110: not at 110
    ("spo2", 93.6, "94", []),
])
def test_a_value_with_decimals_alarms_as_the_number_on_its_tile(
        name: str, value: float, shown: str, alarm: list[tuple[str, str, str]]) -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    start = s.now().mono - s.origin
    s.t(start + 60)
    s.device(name, value)
    assert tile_view(s.engine, name, s.now()).value == shown
    assert s.shown() == alarm


NURSE = "nurse.ana"


# A review of the change: the alarm keeps the value as received, which a take-back matches.
def spo2_alarms(s):
    return [(p, st) for c, p, st in s.shown() if c.startswith("spo2")]


def test_latched_alarm_of_a_fractional_device_value_taken_back_ends():
    s = Session()
    s.to_infusion()
    start = s.now().mono - s.origin
    s.engine.device_state_changed("connected", s.now())
    s.t(start + 60)
    s.device("spo2", 89.6)
    assert spo2_alarms(s) == [("high", "active")]
    s.t(start + 62)
    s.device("spo2", 97)
    assert spo2_alarms(s) == [("high", "latched")]
    row = max(r for r, latest in s.engine._state.rows["spo2"] if latest.reading.value == 89.6)
    assert s.engine.void(row, "spo2", NURSE, s.now(), "another patient's probe").done
    assert spo2_alarms(s) == [], spo2_alarms(s)
