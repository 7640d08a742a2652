"""The REMS draft's JSON of a dose held on a pre-dose BP of 162/100 says no decision to dose past
the threshold was needed, as its text says "not applicable (no dose given)". `decision_needed`
means the dose went ahead on a pressure at or above the threshold: a registry reading the JSON
would ask the prescriber for a decision on a dose never given."""

from __future__ import annotations

from pathlib import Path

from tests.export.test_rems_session_held_before_the_dose import _held


def test_the_json_of_a_dose_held_on_a_high_bp_asks_no_decision_to_dose(tmp_path: Path) -> None:
    form, text = _held(tmp_path)
    assert form.no_dose_given
    assert ("Prescriber's decision on the blood pressure before dose: not applicable (no dose "
            "given)") in text.splitlines()
    pre_dose = form.to_json()["pre_dose_bp"]
    assert pre_dose["decision_needed"] is None, pre_dose
    assert pre_dose["decided"] is None, pre_dose
