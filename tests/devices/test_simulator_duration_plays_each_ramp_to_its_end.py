"""`infusion-sim --duration-minutes` that ends the run inside a ramp of a scenario expecting
alarms is refused, never played without the alarm the ramp was to bring (a QA review).

The rule counted a ramp as played once it had started: `tachypnea` whose RR climbs from 14 to
29 between minutes 10 and 18 (resp_rate_high at 25, about minute 16) was accepted with
`--duration-minutes 11`, played RR up to about 16 and exited 0, no alarm. A ramp toward the
alarm's limit is played when it has reached its target (a cuff's, when the cuff has read it; a
ramp back is a step to reach: tests/devices/test_simulator_duration_plays_the_alarm_it_promises.py);
a scenario that expects no alarm (`normal`) may still be cut short in its drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.simulator import cli
from devices.simulator.scenario import (
    ScenarioError,
    builtin_names,
    check_duration,
    compile_timeline,
    load_builtin,
    load_scenario,
)
from tests.devices.test_simulator_duration_keeps_every_step import refusal
from tests.devices.test_simulator_probe_off import T0

TACHYPNEA = """
name = "tachypnea-qa"
description = "RR climbs to 29/min between minutes 10 and 18"
duration_minutes = 45
[baseline]
resp_rate = 14
[[steps]]
at_minute = 10
action = "ramp"
metric = "resp_rate"
to = 29
over_minutes = 8
[expect]
text = "RR >= 25 (medium) from about minute 16"
alarms = ["resp_rate_high"]
"""


def test_a_duration_that_ends_a_ramp_before_its_alarm_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tachypnea-qa.toml"
    path.write_text(TACHYPNEA, encoding="utf-8")
    # What 11 minutes would play: RR never reaches the 25 of the promised resp_rate_high.
    played = compile_timeline(load_scenario(path), "hl7", 1, T0, 11)
    assert max(truth["resp_rate"] for _, truth in played.truths) < 25
    # (--no-wait, fast: played as before, it ends on its own with 0, it does not hang)
    line = refusal(["--scenario-file", str(path), "--duration-minutes", "11", "--no-wait",
                    "--speed", "1000000"], capsys)
    assert line == (
        f"infusion-sim: error: {path}: --duration-minutes 11: ends the run before its ramp of "
        "resp_rate from minute 10 reaches 29 at minute 18, which would not be played whole (the "
        "scenario expects resp_rate_high); give at least 18 (its last ramp ends at minute 18), "
        "or leave --duration-minutes out (the scenario's 45)")


def test_a_duration_at_the_end_of_the_ramp_plays_it(tmp_path: Path) -> None:
    path = tmp_path / "tachypnea-qa.toml"
    path.write_text(TACHYPNEA, encoding="utf-8")
    scenario = load_scenario(path)   # its one ramp: minute 10 to 18
    check_duration(scenario, 18)
    with pytest.raises(ScenarioError, match=r"give at least 18 \(its last ramp ends at minute 18\)"):
        check_duration(scenario, 17.99)


@pytest.mark.parametrize("name", builtin_names())
def test_every_built_in_scenario_plays_whole_in_its_own_duration(name: str) -> None:
    scenario = load_builtin(name)
    check_duration(scenario, scenario.duration_minutes)


def test_a_fault_step_still_needs_a_run_past_its_minute() -> None:
    # garbage.toml: no alarm expected, its fault steps all count; the last at minute 35.
    with pytest.raises(ScenarioError) as refused:
        check_duration(load_builtin("garbage"), 30)
    assert refused.value.reason == (
        "ends the run before its nul_bytes at minute 30, which would not be played; give more "
        "than 35 (its last step is at minute 35), or leave --duration-minutes out (the "
        "scenario's 40)")
