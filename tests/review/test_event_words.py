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


def test_a_phase_end_is_named_as_the_nurse_saw_the_phase():
    from console.session.journal import describe
    from console.records import EventRecord
    from tests.session.helpers import START, Session

    s = Session()
    s.to_infusion()   # ends the pre-session phase
    [ended] = s.recorder.events("phase_ended")
    assert describe_event("phase_ended", ended.detail) == "Phase ended: Pre-session checks"
    assert describe(ended).startswith("Phase ended: Pre-session checks")
    # A log written before the name was logged still reads, by the phase's id.
    assert describe_event("phase_ended", {"phase": "pre"}) == "Phase ended: pre"
    assert describe(EventRecord(1, START, "phase_ended", "n", {"phase": "pre"})).startswith(
        "Phase ended: pre")


def test_a_correction_and_a_value_taken_back_read_as_the_notes_tab_says_them():
    # The Signatures tab and the PDF printed "entered in error {'metric': 'moaas', 'observation':
    # 2098, ...}" and "Corrected bp_systolic (row 2108) to 160" (clinician walk).
    assert describe_event("entered_in_error", {
        "metric": "moaas", "observation": 2098, "reason": "clicked 1 instead of 4", "value": 1,
    }) == "Sedation (MOAA/S) 1 taken back: clicked 1 instead of 4"
    assert describe_event("correction", {
        "metric": "bp_systolic", "corrects": 2108, "value": 160.0, "reason": "typed 240",
    }) == "Systolic BP corrected to 160: typed 240"


def test_an_override_and_a_discharge_say_what_they_were_in_words():
    """A clinician's audit: signed records read "Override of end_phase: …" (a program's word),
    every override was signed "override of a required checklist item" (a discharge against the
    gate too), and a session never dosed read "Discharged (None min from T0, …)"."""
    from console.review.model import signature_meaning

    phase = {"action": "end_phase", "phase": "observation", "reason": "Dr Lee agreed",
             "blockers": ["Observation must last 5:00 min more"]}
    gate = {"action": "discharge", "reason": "transfer to ED",
            "blockers": ["Observation must reach 120 min after the first dose: 1:53 h left"]}
    assert describe_event("override", phase) == (
        "Phase observation ended against its checklist or rules: Dr Lee agreed (refused "
        "because: Observation must last 5:00 min more)")
    assert describe_event("override", gate) == (
        "Discharge against the discharge gate: transfer to ED (refused because: Observation "
        "must reach 120 min after the first dose: 1:53 h left)")
    assert signature_meaning("override", phase) == "phase ended against its checklist or rules"
    assert signature_meaning("override", gate) == "discharge against the discharge gate"
    assert describe_event("discharged", {"minutes_from_t0": None, "minutes_total": 3.0}) == (
        "Discharged (no dose given, 3.0 min in total)")
    assert describe_event("discharged", {"minutes_from_t0": 122.5, "minutes_total": 131.0}) == (
        "Discharged (122.5 min from T0, 131.0 min in total)")


def test_a_hand_over_and_a_console_closed_read_in_words():
    # The timeline and the events CSV printed "handed over {'from': 'nurse.ana', 'to': …}".
    assert describe_event("handed_over", {"from": "nurse.ana", "to": "nurse.bea"}) == (
        "Handed over: nurse.ana → nurse.bea")
    assert describe_event("console_closed", {"phase": "infusion"}) == (
        "Console closed by the nurse: no monitoring until it was started again")
    assert describe_event("console_closed", {"phase": "infusion", "signal": "SIGTERM"}) == (
        "Console stopped by the system (SIGTERM): no monitoring until it was started again")
