"""The baseline is what the nurse saw when ticking it, and a BP that reaches the gate again
before dosing asks for the prescriber again (issue: 140/92 ticked, 166/103 became the baseline)."""

from __future__ import annotations

from tests.session.helpers import Session
from tests.session.test_resume import resume


def tick_pre_checks(s: Session) -> None:
    assert s.engine.tick_item("consent", "nurse.ana", s.now()).done
    assert s.engine.tick_item("baseline_bp", "nurse.ana", s.now(),
                              gate_decision="Dr Lee: proceed at 140/92").done


def test_the_ticked_bp_is_the_baseline_and_a_later_rise_asks_the_prescriber_again():
    s = Session()
    s.bp(140, 92)
    s.manual("heart_rate", 70)
    tick_pre_checks(s)
    ticked = s.recorder.events("checklist_ticked")[-1]
    assert ticked.detail["baseline"] == {"bp_systolic": 140, "bp_diastolic": 92}
    s.t(120)
    s.bp(166, 103)   # rises after the tick
    assert s.engine.baseline["bp_systolic"] == 140 and s.engine.baseline["bp_diastolic"] == 92
    refused = s.engine.advance_phase("nurse.ana", s.now())
    assert not refused.done
    assert any(r.startswith("Systolic BP is now 166 mmHg (gate ≥141) since the baseline was ticked")
               for r in refused.reasons)
    assert any(r.startswith("Diastolic BP is now 103 mmHg (gate ≥91)") for r in refused.reasons)
    # The prescriber decides; the override is logged and dosing starts on the ticked baseline.
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="Dr Lee: proceed").done
    assert s.recorder.events("override")[-1].detail["reason"] == "Dr Lee: proceed"
    assert s.recorder.events("dosing_started")[-1].detail["baseline"]["bp_systolic"] == 140


def test_a_bp_that_stays_below_the_gate_after_the_tick_starts_dosing_without_asking():
    s = Session()
    s.bp(130, 80)
    s.manual("heart_rate", 70)
    tick_pre_checks(s)
    s.t(60)
    s.bp(136, 84)
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    assert s.engine.baseline["bp_systolic"] == 130   # the ticked one, not the last


def test_the_fixed_baseline_survives_a_restart():
    s = Session()
    s.bp(140, 92)
    s.manual("heart_rate", 70)
    tick_pre_checks(s)
    s.t(60)
    s.bp(138, 88)
    engine = resume(s, 30)
    assert engine.baseline["bp_systolic"] == 140 and engine.baseline["bp_diastolic"] == 92


def test_a_gate_level_reading_decoded_before_the_tick_but_taken_after_it_asks_the_prescriber():
    # A monitor's 166/103, decoded a few milliseconds before the nurse's tick of 130/80 but taken
    # by the engine after it (it waited in the window's queue): judged by its receive time, it
    # was "before the tick" and dosing started without the prescriber. The tick saw 130/80, so
    # a value at the gate now is one the nurse had not seen.
    from datetime import timedelta

    from devices.reading import Reading
    from protocols.vitals import metric

    s = Session()
    s.bp(130, 80)
    s.manual("heart_rate", 70)
    s.t(60)
    decoded = s.now().wall - timedelta(milliseconds=5)
    assert s.engine.tick_item("consent", "nurse.ana", s.now()).done
    assert s.engine.tick_item("baseline_bp", "nurse.ana", s.now()).done
    for name, value in (("bp_systolic", 166), ("bp_diastolic", 103)):
        s.engine.ingest(Reading(name, value, metric(name).unit, decoded, decoded, "hl7:SIM"),
                        s.now())
    refused = s.engine.advance_phase("nurse.ana", s.now())
    assert not refused.done
    assert any(r.startswith("Systolic BP is now 166 mmHg (gate ≥141) since the baseline was ticked")
               for r in refused.reasons)
