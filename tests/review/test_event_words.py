"""What the review and the CSV say of logged events, in words a clinician reads (console/review/
model.py): no metric keys, every value with its unit."""

from __future__ import annotations

from console.review.model import baseline_text, describe_event


def test_the_baseline_at_t0_is_in_words_and_units_in_the_registrys_order():
    baseline = {"heart_rate": 70.0, "bp_diastolic": 84.0, "bp_systolic": 128.0}
    assert baseline_text(baseline) == ("Systolic BP 128 mmHg, Diastolic BP 84 mmHg, Heart rate "
                                       "70 beats/min")
    assert describe_event("dosing_started", {"baseline": baseline}) == (
        "Dosing started (T0); baseline Systolic BP 128 mmHg, Diastolic BP 84 mmHg, Heart rate "
        "70 beats/min")
    assert describe_event("dosing_started", {}) == "Dosing started (T0)"
    # A key the registry does not know (a newer console's) is still shown, as it was logged.
    assert baseline_text({"etco2": 38.0}) == "etco2 38"
