"""The simulator's `[second_channel]`: what QA wrote is what the monitor sends on the second
channel, within what a monitor can show: a fixed probe below 50 % is refused (as `baseline`
says), `value = 0` is a fixed 0 (a chest not moving), an RR `offset` follows the scenario's RR,
and a probe `offset` never sends an SpO2 above 100 (the decoder would drop it) (a review)."""
from __future__ import annotations

import pytest

from devices.simulator.scenario import ScenarioError, parse_scenario
from tests.devices.test_simulator_second_channel import by_second, decoded, scenario


def test_a_fixed_second_probe_below_50_is_refused_as_the_baseline_is() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario("[second_channel.spo2]\nvalue = 45"), "x.toml")
    assert caught.value.key == "second_channel.spo2.value"
    assert "at least 50" in caught.value.reason
    parse_scenario(scenario("[second_channel.spo2]\nvalue = 50"), "x.toml")


def test_a_chest_fixed_at_zero_sends_zero() -> None:
    seconds = by_second(decoded(scenario("[second_channel.resp_rate]\nvalue = 0")), "resp_rate")
    assert {values["1.1.2.1"] for values in seconds.values()} == {0.0}


def test_a_chest_rr_offset_follows_the_scenarios_rr() -> None:
    seconds = by_second(decoded(scenario("[second_channel.resp_rate]\noffset = -3")), "resp_rate")
    assert len(seconds) == 120
    for values in seconds.values():
        assert values["1.1.2.1"] == values["1.4.1.1"] - 3, values


def test_a_second_probe_above_the_first_stops_at_100() -> None:
    text = scenario("[second_channel.spo2]\noffset = 8").replace("spo2 = 96", "spo2 = 97")
    seconds = by_second(decoded(text), "spo2")
    assert seconds
    assert max(values["1.2.2.1"] for values in seconds.values()) == 100
