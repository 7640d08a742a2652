"""A QA engineer's mistakes with the simulator are said, never played silently (review 45):
a scenario file whose diastolic ramp reaches the systolic in force (the cuff capped it 10 below,
so the file's expected high alarm never came) is refused naming the step; Ctrl+C while a long
scenario is being prepared ends with 130 and no traceback (a KeyboardInterrupt traceback,
status -2)."""

from __future__ import annotations

import pytest

from devices.simulator import cli
from devices.simulator.scenario import ScenarioError, parse_scenario

RAMP = """
name = "qa-diastolic"
description = "diastolic past 120"
duration_minutes = 20
[[steps]]
at_minute = 1
action = "ramp"
metric = "bp_diastolic"
to = {diastolic}
over_minutes = 2
{systolic}
[expect]
text = "diastolic >= 120: bp_diastolic_high (high)"
alarms = ["bp_diastolic_high"]
"""
SYSTOLIC_TOO = """
[[steps]]
at_minute = 1
action = "ramp"
metric = "bp_systolic"
to = 165
over_minutes = 2
"""


def test_a_diastolic_ramp_reaching_the_systolic_is_refused_naming_the_step() -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(RAMP.format(diastolic=125, systolic=""), "qa.toml")
    said = str(refused.value)
    assert "qa.toml" in said and "steps[0].to" in said and "124/" in said, said
    # The same diastolic with the systolic ramped too is a scenario a cuff can read.
    played = parse_scenario(RAMP.format(diastolic=125, systolic=SYSTOLIC_TOO), "qa.toml")
    assert [s.metric for s in played.steps] == ["bp_diastolic", "bp_systolic"]


def test_ctrl_c_while_the_scenario_is_prepared_exits_130_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*_args: object) -> object:   # _timeline(args, scenario)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_timeline", interrupted)
    assert cli.main(["--duration-minutes", "1440"]) == cli.EXIT_INTERRUPTED
    assert "Traceback" not in capsys.readouterr().err
