"""A whole number too big for a float in a scenario file (a key held down in an editor) is
refused in one line naming the key, as any other wrong value is (exit 2).

Before: `duration_minutes = 999...9` (400 digits), which TOML reads as an integer, ended in an
OverflowError traceback from `_Validator.number` (`float(value)`), exit 1; past 4300 digits
tomllib's own ValueError escaped the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.simulator import cli
from devices.simulator.scenario import ScenarioError, parse_scenario

SCENARIO = """
name = "held-down"
description = "a key held down"
duration_minutes = {duration}
[[steps]]
at_minute = {at}
action = "ramp"
metric = "heart_rate"
to = 120
over_minutes = 1
[expect]
text = "t"
alarms = []
"""
NINES = "9" * 400
HEX = "0x" + "f" * 4000   # 4817 decimal digits


@pytest.mark.parametrize(("duration", "at", "key", "reason"), [
    (NINES, "1", "duration_minutes", "must be <= 1440, got a whole number of 400 digits"),
    ("-" + NINES, "1", "duration_minutes", "must be > 0, got a whole number of 400 digits"),
    ("40", NINES, "steps[0].at_minute", "must be a finite number, got a whole number of 400 "
                                        "digits"),
    # Past Python's 4300 digits tomllib cannot read it at all.
    ("9" * 5000, "1", "(file)", "not valid TOML: a whole number of more than 4300 digits"),
    # A hexadecimal one it reads, but Python writes none past 4300 decimal digits: a bare
    # ValueError ("Exceeds the limit") escaped from writing its digit count.
    (HEX, "1", "duration_minutes", "must be <= 1440, got a whole number of more than 4300 "
                                   "digits"),
    ("40", HEX, "steps[0].at_minute", "must be a finite number, got a whole number of more "
                                      "than 4300 digits"),
])
def test_a_number_too_big_for_a_float_is_refused_naming_the_key(
        duration: str, at: str, key: str, reason: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(SCENARIO.format(duration=duration, at=at), "held.toml")
    assert (refused.value.key, refused.value.reason) == (key, reason)


@pytest.mark.parametrize(("text", "key", "reason"), [
    (f"name = {HEX}\n", "name", "must be text, got a whole number of more than 4300 digits"),
    (SCENARIO.format(duration="40", at="1").replace('"ramp"', HEX), "steps[0].action",
     "must be text, got a whole number of more than 4300 digits; allowed: "),
    (SCENARIO.format(duration="40", at="1").replace('"heart_rate"', HEX), "steps[0].metric",
     "must be text, got a whole number of more than 4300 digits; allowed: "),
    (SCENARIO.format(duration="40", at="1").replace("alarms = []", f"alarms = [{HEX}]"),
     "expect.alarms[0]", "unknown condition a whole number of more than 4300 digits; allowed: "),
    (SCENARIO.format(duration=f"[{HEX}]", at="1"), "duration_minutes",
     "must be a number, got a list or table with a number of more than 4300 digits"),
])
def test_a_hexadecimal_number_past_4300_digits_where_text_belongs_is_refused_naming_the_key(
        text: str, key: str, reason: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(text, "held.toml")
    assert refused.value.key == key
    assert refused.value.reason.startswith(reason)


def test_infusion_sim_says_it_in_one_line_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "held.toml"
    path.write_text(SCENARIO.format(duration=NINES, at="1"), encoding="utf-8")
    assert cli.main(["--scenario-file", str(path), "--no-wait"]) == cli.EXIT_USAGE
    assert capsys.readouterr() == ("", f"infusion-sim: error: {path}: duration_minutes: must be "
                                       "<= 1440, got a whole number of 400 digits\n")
