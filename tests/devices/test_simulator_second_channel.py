"""A scenario's `[second_channel]`: the simulated monitor sends one vital on two channels (a
second SpO2 probe; the chest-impedance RR beside capnography's airway RR), so QA can play what
the console judges ("One vital on two channels: the worse is judged") without hardware. Here:
the table's validation, and what the console's own decoders read of each format's frames."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devices.formats import FORMATS
from devices.reading import Reading
from devices.simulator.scenario import (
    ScenarioError,
    compile_timeline,
    parse_scenario,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PLAIN = """
name = "x"
description = "d"
duration_minutes = 40
{second}
[baseline]
spo2 = 96
resp_rate = 15
[[steps]]
at_minute = 1
action = "probe_off"
seconds = 30
[expect]
text = "t"
alarms = []
"""


def scenario(second: str = "") -> str:
    return PLAIN.format(second=second)


def decoded(text: str, minutes: float = 2) -> list[Reading]:
    timeline = compile_timeline(parse_scenario(text, "x.toml"), "hl7", 3, T0, minutes)
    decoder = FORMATS["hl7"].new_decoder("sim")
    result = decoder.feed(timeline.data(), T0)
    result.extend(decoder.flush(T0))
    return result.readings


def by_second(readings: list[Reading], metric: str) -> dict[datetime | None, dict[str, float]]:
    out: dict[datetime | None, dict[str, float]] = {}
    for r in readings:
        if r.metric == metric:
            out.setdefault(r.measured_at, {})[r.channel] = r.value
    return out


def test_a_second_probe_follows_the_first_by_its_offset_and_is_off_with_it() -> None:
    readings = decoded(scenario("[second_channel.spo2]\noffset = -4"))
    seconds = by_second(readings, "spo2")
    # 120 frames, 30 of them with the probe off: neither probe's value then.
    assert len(seconds) == 90
    for values in seconds.values():
        assert set(values) == {"1.2.1.1", "1.2.2.1"}
        assert values["1.2.2.1"] == values["1.2.1.1"] - 4


def test_capnography_sends_the_scenarios_rr_on_the_airway_and_the_fixed_one_on_the_chest(
) -> None:
    readings = decoded(scenario("[second_channel.resp_rate]\nvalue = 14"))
    seconds = by_second(readings, "resp_rate")
    assert len(seconds) == 120
    assert {tuple(sorted(values)) for values in seconds.values()} == {("1.1.2.1", "1.4.1.1")}
    assert {values["1.1.2.1"] for values in seconds.values()} == {14.0}   # the chest, fixed
    airway = {values["1.4.1.1"] for values in seconds.values()}
    assert len(airway) > 1 and 12 <= min(airway) <= max(airway) <= 18   # 15 with its jitter


def test_the_patients_values_are_the_same_with_a_second_channel_as_without() -> None:
    # No jitter of its own: adding a probe leaves a seed's values (and the truths) as they were.
    plain = compile_timeline(parse_scenario(scenario(), "x.toml"), "hl7", 3, T0, 2)
    second = compile_timeline(parse_scenario(scenario("[second_channel.spo2]\nvalue = 97\n"
                                                      "[second_channel.resp_rate]\noffset = 2"),
                                             "x.toml"), "hl7", 3, T0, 2)
    assert plain.truths == second.truths


@pytest.mark.parametrize(("second", "key", "reason"), [
    ("[second_channel.spo2]\nvalue = 97\noffset = 1", "second_channel.spo2",
     "give one of offset (from the scenario's value) or value (fixed)"),
    ("[second_channel.spo2]\n", "second_channel.spo2",
     "give one of offset (from the scenario's value) or value (fixed)"),
    ("[second_channel.heart_rate]\nvalue = 97", "second_channel.heart_rate",
     "unknown key; allowed: spo2, resp_rate"),
    ("[second_channel.spo2]\nvalues = 97", "second_channel.spo2.values",
     "unknown key; allowed: offset, value"),
    ("[second_channel.spo2]\nvalue = 0.97", "second_channel.spo2.value",
     "a percentage of at least 50 (97, not 0.97), got 0.97"),
    ("[second_channel.resp_rate]\nvalue = \"14\"", "second_channel.resp_rate.value",
     "must be a number"),
    ("[second_channel]\nspo2 = 97", "second_channel.spo2",
     "must be a table with offset or value (e.g. value = 97)"),
    ("second_channel = 97", "second_channel", "must be a table"),
])
def test_a_second_channel_a_qa_mistyped_is_refused_naming_the_key(
        second: str, key: str, reason: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario(second), "x.toml")
    assert caught.value.key == key
    assert caught.value.reason.startswith(reason), caught.value.reason
