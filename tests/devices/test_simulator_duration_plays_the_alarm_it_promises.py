"""`infusion-sim` plays a scenario's promised alarm whole, whatever its duration: one given with
`--duration-minutes` or the scenario's own (a review of the rule that required every ramp of an
expected alarm's vital to be played to its end).

- A cuff's pressure is read on its cycle: a systolic ramp to 190 ending at minute 15, the cuff
  every 5 minutes, was "played whole" by a 15-minute run whose last reading (minute 10.5) was
  about 165, the promised bp_systolic_high never coming. It is played once the cuff's first
  reading after its end is.
- The scenario's own duration was never judged: a file whose alarm ramp ran past its end played
  without its alarm, and a refusal offered "leave --duration-minutes out" for that very run.
- A ramp away from the alarm's limit (the recovery) had to be played whole too: `tachypnea
  --duration-minutes 35`, RR >= 25 from about minute 16 to about 33, was refused for its ramp
  back to 16 (minute 30 to 38), though accepted before that rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.simulator.scenario import (
    ScenarioError,
    check_duration,
    compile_timeline,
    load_builtin,
    load_scenario,
)
from tests.devices.test_simulator_duration_keeps_every_step import refusal
from tests.devices.test_simulator_probe_off import T0

SURGE = """
name = "surge-qa"
description = "Systolic climbs from 134 to 190 between minutes 5 and 15"
duration_minutes = 45
nibp_interval_minutes = 5
[baseline]
bp_systolic = 134
bp_diastolic = 80
[[steps]]
at_minute = 5
action = "ramp"
metric = "bp_systolic"
to = 190
over_minutes = 10
[expect]
text = "Systolic >= 180 (medium) at the first cuff after minute 15"
alarms = ["bp_systolic_high"]
"""

LATE_RAMP = """
name = "late-ramp"
description = "RR climbs to 29 from minute 40 over 10; the file runs 45 minutes"
duration_minutes = 45
[baseline]
resp_rate = 14
[[steps]]
at_minute = 40
action = "ramp"
metric = "resp_rate"
to = 29
over_minutes = 10
[expect]
text = "RR >= 25 (medium)"
alarms = ["resp_rate_high"]
"""


def scenario_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def highest_systolic(path: Path, minutes: float) -> float:
    played = compile_timeline(load_scenario(path), "hl7", 1, T0, minutes)
    return max(truth["bp_systolic"] for _, truth in played.truths if "bp_systolic" in truth)


def test_a_run_that_ends_before_the_cuff_reads_the_end_of_its_ramp_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario_file(tmp_path, "surge-qa", SURGE)
    # The cuff reads at minutes 0.5, 5.5, 10.5 and 15.5: 15 minutes send about 165 at most,
    # below 180 and below baseline + 40 (174); past 15.5 the reading of the ramp's 190 is sent.
    assert highest_systolic(path, 15) < 174
    assert highest_systolic(path, 15.51) >= 180
    # (--no-wait, fast: played as before, it ends on its own with 0, it does not hang)
    line = refusal(["--scenario-file", str(path), "--duration-minutes", "15", "--no-wait",
                    "--speed", "1000000"], capsys)
    assert line == (
        f"infusion-sim: error: {path}: --duration-minutes 15: ends the run before its ramp of "
        "bp_systolic from minute 5 reaches 190 at minute 15, first read by the cuff at minute "
        "15.5, which would not be played (the scenario expects bp_systolic_high); give more "
        "than 15.5 (the cuff first reads its last ramp at minute 15.5), or leave "
        "--duration-minutes out (the scenario's 45)")
    check_duration(load_scenario(path), 15.51)


def test_a_scenario_file_whose_own_duration_ends_its_alarm_ramp_is_refused_without_the_option(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario_file(tmp_path, "late-ramp", LATE_RAMP)
    scenario = load_scenario(path)   # loads: a ramp may run past the file's end
    # Its own 45 minutes play RR no higher than about 23, never the 25 of resp_rate_high.
    played = compile_timeline(scenario, "hl7", 1, T0, None)
    assert max(truth["resp_rate"] for _, truth in played.truths) < 25
    line = refusal(["--scenario-file", str(path), "--no-wait", "--speed", "1000000"], capsys)
    assert line == (
        f"infusion-sim: error: {path}: duration_minutes = 45: ends the run before its ramp of "
        "resp_rate from minute 40 reaches 29 at minute 50, which would not be played whole (the "
        "scenario expects resp_rate_high); give at least 50 (its last ramp ends at minute 50), "
        "in the file or with --duration-minutes")
    # The same run given with the option is not told to leave it out: that run is the same.
    with pytest.raises(ScenarioError) as refused:
        check_duration(scenario, 45)
    assert refused.value.reason.endswith("; give at least 50 (its last ramp ends at minute 50)")
    check_duration(scenario, 50)


@pytest.mark.parametrize(("name", "minutes"), [
    ("tachypnea", 35),              # RR back down from minute 30 to 38
    ("tachycardia", 35),            # HR back down from minute 30 to 40
    ("desaturation", 40),           # SpO2 back up from minute 35 to 43
    ("respiratory-depression", 40), # RR and SpO2 back from minutes 34 and 35 to 42 and 43
    ("hypertensive-surge", 40),     # the pressure back down from minute 36 to 46
])
def test_a_run_that_plays_the_whole_alarm_may_end_in_its_recovery(name: str, minutes: float) -> None:
    check_duration(load_builtin(name), minutes)


def test_a_tachypnea_run_of_35_minutes_plays_its_alarm_and_its_end() -> None:
    # tachypnea.toml: "RR >= 25 (medium) from about minute 16 to about minute 33".
    played = compile_timeline(load_builtin("tachypnea"), "hl7", 1, T0, 35)
    rr = [truth["resp_rate"] for _, truth in played.truths]
    assert max(rr) >= 25 and rr[-1] < 25   # the alarm came and went
    check_duration(load_builtin("tachypnea"), 35)
    # The recovery still needs the run to reach it: a step is played at its minute.
    with pytest.raises(ScenarioError, match=r"before its ramp of resp_rate at minute 30, which "
                                            r"would not be played"):
        check_duration(load_builtin("tachypnea"), 30)
