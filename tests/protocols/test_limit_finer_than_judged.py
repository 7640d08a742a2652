"""A limit with more decimals than its vital is judged with is refused (review 46).

Values are judged as the nurse reads them, rounded to the vital's decimals (protocols/vitals.py
`as_shown`): SpO2 in whole percent. `at_or_below = 0.90` (SpO2 written as a fraction, as some
clinics' other systems keep it) loaded, and fired only at 0 %: with the medium ≤93 beside it an
SpO2 of 82 % was a medium alarm, never the high one (clinical-defaults.md: SpO2 high ≤90). The
loader refuses it, saying what it would do and what to write.
"""

from __future__ import annotations

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, protocol_from_text

TEXT = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
HIGH_SPO2 = 'at_or_below = 90\nsource = "NEWS2 SpO2 scale 1 [V]; monitor defaults [S]"'
GATE = "gate = { bp_systolic = 141, bp_diastolic = 91 }"


def _changed(old: str, new: str) -> str:
    assert TEXT.count(old) == 1
    return TEXT.replace(old, new)


def _refusal(text: str) -> ProtocolError:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(text, "clinic.toml")
    return refused.value


def test_spo2_high_limit_written_as_a_fraction_is_refused() -> None:
    refused = _refusal(_changed(HIGH_SPO2, HIGH_SPO2.replace("= 90", "= 0.90")))
    assert refused.key.endswith(".at_or_below")
    assert refused.reason == (
        "0.9 has more decimals than spo2 is judged with: a value is judged as the nurse reads"
        " it, in whole % (0–100 %), so ≤0.9 is met only at ≤0 % (a slip of unit or decimal"
        " point?); write 90 for 90 %")


def test_a_half_percent_is_refused_naming_the_value_it_acts_as() -> None:
    refused = _refusal(_changed(HIGH_SPO2, HIGH_SPO2.replace("= 90", "= 90.5")))
    assert "so ≤90.5 is met only at ≤90 %" in refused.reason
    assert refused.reason.endswith("write the limit in whole %")


def test_a_gate_finer_than_whole_mmhg_is_refused() -> None:
    refused = _refusal(_changed(GATE, GATE.replace("141", "140.5")))
    assert refused.key.endswith("gate.bp_systolic")
    assert "so ≥140.5 is met only at ≥141 mmHg" in refused.reason


def test_a_whole_limit_written_with_a_point_loads() -> None:
    protocol = protocol_from_text(_changed(HIGH_SPO2, HIGH_SPO2.replace("= 90", "= 90.0")),
                                  "clinic.toml")
    assert 90 in [r.at_or_below for r in protocol.alarms if r.metric == "spo2"]


def test_a_text_that_ran_with_one_is_still_read() -> None:
    # A session that ran under such a file is resumed and reviewed under its text.
    protocol = protocol_from_text(_changed(HIGH_SPO2, HIGH_SPO2.replace("= 90", "= 0.90")),
                                  "logged.toml", authoring=False)
    assert 0.9 in [r.at_or_below for r in protocol.alarms if r.metric == "spo2"]
