"""A scenario's starting blood pressure must be one a cuff can read: the diastolic at least
PULSE_PRESSURE_MIN (10 mmHg) below the systolic, a missing one taking its default (124/78).

Before: only a diastolic at or above a systolic also given was refused. `bp_diastolic = 125`
alone (over the default systolic 124), or 128/124, loaded and played diastolics of about
113-121, capped by the cuff at systolic - 10 (`physiology._measure_nibp`), never the value the
file asked, and its expected bp_diastolic_high never came, without a word. A ramp to the same
values was refused at load (`pressures_apart`, review 45); a baseline was not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.simulator import cli
from devices.simulator.scenario import ScenarioError, compile_timeline, parse_scenario

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DIASTOLIC_HIGH = """
name = "diastolic-high"
description = "diastolic hypertension from the start"
duration_minutes = 12
[baseline]
{baseline}
[expect]
text = "diastolic >= 120: bp_diastolic_high (high) from the first cuff reading"
alarms = ["bp_diastolic_high"]
"""


def played_diastolics(text: str) -> set[float]:
    """The diastolic of every cuff reading the hl7 monitor sends for the scenario `text`."""
    timeline = compile_timeline(parse_scenario(text, "d.toml"), "hl7", 1, T0)
    return {truth["bp_diastolic"] for _, truth in timeline.truths if "bp_diastolic" in truth}


@pytest.mark.parametrize(("baseline", "key", "reason"), [
    # Both given, 4 mmHg apart: played about 128/118.
    ("bp_systolic = 128\nbp_diastolic = 124", "baseline.bp_diastolic",
     "must be at least 10 mmHg below bp_systolic (128), got 124 (a cuff reads no closer "
     "pressures: it was played capped at the systolic - 10); give at most 118, or a higher "
     "bp_systolic"),
    # The diastolic alone, over the default systolic: played about 124/114.
    ("bp_diastolic = 125", "baseline.bp_diastolic",
     "must be at least 10 mmHg below bp_systolic (124, the default: none given), got 125 (a "
     "cuff reads no closer pressures: it was played capped at the systolic - 10); give at most "
     "114, or a higher bp_systolic"),
    # The systolic alone, down to the default diastolic.
    ("bp_systolic = 85", "baseline.bp_systolic",
     "must be at least 10 mmHg above bp_diastolic (78, the default: none given), got 85 (a cuff "
     "reads no closer pressures: the diastolic was played capped at the systolic - 10); give at "
     "least 88, or a lower bp_diastolic"),
])
def test_a_baseline_blood_pressure_a_cuff_cannot_read_is_refused_naming_the_key(
        baseline: str, key: str, reason: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(DIASTOLIC_HIGH.format(baseline=baseline), "d.toml")
    assert (refused.value.key, refused.value.reason) == (key, reason)


def test_the_refusal_is_one_line_exit_2_from_infusion_sim(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.toml"
    path.write_text(DIASTOLIC_HIGH.format(baseline="bp_diastolic = 125"), encoding="utf-8")
    # (short and fast: were it played again, this would end in a second with 0)
    assert cli.main(["--scenario-file", str(path), "--no-wait", "--duration-minutes", "0.01",
                     "--speed", "60"]) == cli.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"infusion-sim: error: {path}: baseline.bp_diastolic: must be "
                                   "at least 10 mmHg below bp_systolic (124, the default")
    assert captured.err.count("\n") == 1


def test_a_diastolic_baseline_with_a_systolic_to_match_plays_the_diastolic_asked() -> None:
    # The same diastolic hypertension, the systolic given with it: the cuff reads 125 (its
    # scatter of 2 mmHg sigma, bounded at 2.5 sigma), so the expected alarm comes (>= 120).
    played = played_diastolics(DIASTOLIC_HIGH.format(baseline="bp_systolic = 165\n"
                                                              "bp_diastolic = 125"))
    assert played and min(played) >= 120 and max(played) <= 130, sorted(played)
