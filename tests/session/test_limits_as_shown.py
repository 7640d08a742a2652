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


@pytest.mark.parametrize("systolic, shown, asks", [(140.6, "141/85", True), (140.4, "140/85", False)])
def test_the_pre_dose_bp_gate_judges_the_bp_as_its_tile_shows_it(
        systolic: float, shown: str, asks: bool) -> None:
    # The gate (≥141/91: "below 140/90") compared the raw 140.6: the nurse read 141/85 and the
    # baseline item ticked without asking the prescriber (review 40).
    from console.session.engine import GATE_APPROVAL

    s = Session()
    s.device("bp_systolic", systolic)
    s.device("bp_diastolic", 85)
    assert tile_view(s.engine, "bp_systolic", s.now()).value == shown
    outcome = s.engine.tick_item("baseline_bp", "nurse.ana", s.now())
    assert outcome.done is not asks
    if asks:
        assert outcome.asks == GATE_APPROVAL
        assert "Systolic BP 141 mmHg (gate ≥141)" in outcome.message


def test_a_bp_shown_at_the_gate_after_the_tick_asks_the_prescriber_before_dosing() -> None:
    s = Session()
    s.bp(130, 80)
    s.manual("heart_rate", 70)
    assert s.engine.tick_item("consent", "nurse.ana", s.now()).done
    assert s.engine.tick_item("baseline_bp", "nurse.ana", s.now()).done
    s.t(60)
    s.device("bp_systolic", 140.6)
    s.device("bp_diastolic", 85)
    refused = s.engine.advance_phase("nurse.ana", s.now())
    assert not refused.done
    assert any(r.startswith("Systolic BP is now 141 mmHg (gate ≥141) since the baseline was ticked")
               for r in refused.reasons)
