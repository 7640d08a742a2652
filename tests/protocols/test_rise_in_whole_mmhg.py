"""A rise above baseline and the exit band are written in whole mmHg, as the limits are.

protocols/README.md: "Limits are written in the vital's own steps ... an alarm limit or a gate
with more decimals is refused, saying what it would do". The review: `rise_above_baseline` had
no such check. 5.3 (the shipped 40 mmHg rise written in kPa) loaded as "≥5.3 above baseline" and
raised the medium alarm on a 6 mmHg rise, at nearly every BP of an infusion; 40.5 acted as ≥41.
`exit_bp_within_baseline_mmhg = 2.7` (20 mmHg in kPa) held Observation until systolic was back
within 2 mmHg of its baseline.
"""

from __future__ import annotations

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, protocol_from_text

TEXT = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
SYSTOLIC_RISE = "at_or_above = 180\nrise_above_baseline = 40\n"   # alarms[0]
DIASTOLIC_RISE = "at_or_above = 110\nrise_above_baseline = 25\n"  # alarms[2]
EXIT_BAND = "exit_bp_within_baseline_mmhg = 20\n"                 # phases[2]


def _changed(old: str, new: str) -> str:
    assert TEXT.count(old) == 1
    return TEXT.replace(old, new)


def _refusal(text: str) -> str:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(text, "clinic.toml")
    return str(refused.value)


def test_a_systolic_rise_written_in_kpa_is_refused_naming_the_unit() -> None:
    message = _refusal(_changed(SYSTOLIC_RISE, SYSTOLIC_RISE.replace("= 40", "= 5.3")))
    assert message == (
        "clinic.toml: alarms[0].rise_above_baseline: 5.3 mmHg is below 10 mmHg, the least rise"
        " above baseline the console takes for a blood pressure: rise_above_baseline is in mmHg,"
        " and 5.3 kPa is 40 mmHg; a rise that small would alarm on the ordinary difference"
        " between two readings; write the rise in mmHg")


def test_a_whole_diastolic_rise_under_10_mmhg_is_refused_too() -> None:
    message = _refusal(_changed(DIASTOLIC_RISE, DIASTOLIC_RISE.replace("= 25", "= 3")))
    assert message.startswith(
        "clinic.toml: alarms[2].rise_above_baseline: 3 mmHg is below 10 mmHg, the least rise"
        " above baseline the console takes for a blood pressure: rise_above_baseline is in mmHg,"
        " and 3 kPa is 23 mmHg;")


def test_a_rise_of_half_a_mmhg_is_refused_naming_the_rise_it_acts_as() -> None:
    message = _refusal(_changed(SYSTOLIC_RISE, SYSTOLIC_RISE.replace("= 40", "= 40.5")))
    assert message == (
        "clinic.toml: alarms[0].rise_above_baseline: 40.5 has more decimals than bp_systolic is"
        " judged with: a value is judged as the nurse reads it, in whole mmHg (20–300 mmHg), so"
        " ≥40.5 above baseline is met only at ≥41 mmHg above baseline (a slip of unit or"
        " decimal point?); write the limit in whole mmHg")


def test_an_exit_band_written_in_kpa_is_refused() -> None:
    message = _refusal(_changed(EXIT_BAND, EXIT_BAND.replace("= 20", "= 2.7")))
    assert message == (
        "clinic.toml: phases[2].exit_bp_within_baseline_mmhg: 2.7 has more decimals than"
        " bp_systolic is judged with: a value is judged as the nurse reads it, in whole mmHg"
        " (20–300 mmHg), so within 2.7 of baseline is met only at within 2 mmHg of baseline (a"
        " slip of unit or decimal point?); write the limit in whole mmHg")


def test_whole_mmhg_written_with_a_point_loads() -> None:
    text = _changed(SYSTOLIC_RISE, SYSTOLIC_RISE.replace("= 40", "= 40.0"))
    protocol = protocol_from_text(text, "clinic.toml")
    assert protocol.alarms[0].rise_above_baseline == 40


def test_a_text_that_ran_with_a_rise_in_kpa_is_still_read() -> None:
    # A session that ran under such a file is resumed and reviewed under its text.
    text = _changed(SYSTOLIC_RISE, SYSTOLIC_RISE.replace("= 40", "= 5.3"))
    protocol = protocol_from_text(text, "logged.toml", authoring=False)
    assert protocol.alarms[0].rise_above_baseline == 5.3
