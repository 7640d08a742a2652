"""What a correction refuses, as the vitals form would (review 37).

A value already corrected, or entered in error, counts nowhere: a second correction of it was
logged, "Corrected: SpO2 96 %" was said, and 95 stayed the value (tile, alarms, restart). It is
refused with words now, live and after a restart; the correction itself is what is corrected
again. A blood pressure half is checked with the other half of its measurement by the form's
pair rules (`entry.check_bp`): a systolic 128 of 128/84 corrected to 70 was recorded as 70/84.
"""

from __future__ import annotations

from console.records import ObservationRecord
from console.session.entry import Accepted, NeedsConfirmation, Rejected
from tests.session.helpers import Session
from tests.session.test_correction_alarms import restart

NURSE = "nurse.ana"


def typed(s: Session, name: str, value: float) -> int:
    _, row = s.engine.enter_manual_row(name, value, NURSE, s.now())
    assert row is not None
    return row


def correct(s: Session, row: int, name: str, value: float, confirmed: bool = False) -> object:
    return s.engine.correct(row, name, value, NURSE, s.now(), "typo", confirmed)


def corrections(s: Session) -> list[tuple[int | None, float]]:
    return [(o.corrects, o.value) for o in s.recorder.observations() if o.corrects is not None]


def row_of(s: Session, record: ObservationRecord) -> int:
    return s.recorder.records.index(record) + 1   # MemoryRecorder's ids


def test_a_value_corrected_already_is_refused_and_its_correction_is_corrected_instead():
    s = Session()
    row = typed(s, "spo2", 85)
    assert correct(s, row, "spo2", 95) == Accepted("spo2", 95)
    s.t(60)
    again = correct(s, row, "spo2", 96)
    assert again == Rejected("spo2", "This SpO2 value was corrected to 95 % at 09:00:00: select "
                                     "that correction to correct it again.")
    assert s.engine.check_correction(row, "spo2", 96) == again   # what Correct… asks first
    assert corrections(s) == [(row, 95)]   # nothing written: one correction of the row
    (first,) = [o for o in s.recorder.observations() if o.corrects == row]
    assert correct(s, row_of(s, first), "spo2", 96) == Accepted("spo2", 96)
    assert s.engine.latest("spo2").reading.value == 96
    # A restart refuses it the same way and keeps the value the chain of corrections gave.
    restart(s, 30)
    assert isinstance(correct(s, row, "spo2", 97), Rejected)
    assert s.engine.latest("spo2").reading.value == 96
    assert corrections(s) == [(row, 95), (row_of(s, first), 96)]


def test_a_value_entered_in_error_cannot_be_corrected_into_nothing():
    s = Session()
    row = typed(s, "moaas", 2)
    assert s.engine.void(row, "moaas", NURSE, s.now(), "undone by the nurse within 10 s").done
    refused = Rejected("moaas", "This Sedation (MOAA/S) value was entered in error: it counts "
                                "nowhere. Record the right value as a new one.")
    assert correct(s, row, "moaas", 4) == refused
    assert s.engine.uncorrectable(row, "moaas") == refused.message
    assert corrections(s) == [] and s.engine.latest("moaas") is None
    restart(s, 30)
    assert correct(s, row, "moaas", 4) == refused


def test_a_bp_half_is_corrected_by_the_forms_pair_rules():
    s = Session()
    systolic, diastolic = typed(s, "bp_systolic", 128), typed(s, "bp_diastolic", 84)
    s.t(120)
    assert correct(s, systolic, "bp_systolic", 70) == Rejected(
        "bp_systolic", "Diastolic 84 must be lower than systolic 70: check the order, for "
                       "example 128/84.")
    assert correct(s, diastolic, "bp_diastolic", 130) == Rejected(
        "bp_diastolic", "Diastolic 130 must be lower than systolic 128: check the order, for "
                        "example 128/84.")
    # Each value plausible alone, the pair not: asked, as the form asks of 200/84.
    asked = correct(s, systolic, "bp_systolic", 200)
    assert isinstance(asked, NeedsConfirmation) and "pulse pressure of 116 mmHg" in asked.message
    assert corrections(s) == []
    assert correct(s, systolic, "bp_systolic", 200, confirmed=True) == Accepted("bp_systolic", 200)


def test_a_bp_half_corrected_to_a_value_unusual_alone_is_asked_of_the_pair_too():
    # The form asks 140/20 in one question naming the 20 and the pulse pressure; a correction
    # of 140/90's diastolic to 20 had been asked of the 20 only, the slipped digit unsaid.
    s = Session()
    typed(s, "bp_systolic", 140)
    diastolic = typed(s, "bp_diastolic", 90)
    s.t(120)
    asked = correct(s, diastolic, "bp_diastolic", 20)
    assert asked == NeedsConfirmation(
        "bp_diastolic", 20,
        "BP 140/20 mmHg: diastolic 20 mmHg is unusual (expected 30–150 mmHg), and a pulse "
        "pressure of 120 mmHg is unusual (expected 20–100 mmHg); check for a slipped digit. "
        "Confirm to record it as measured.")
    assert corrections(s) == []


def test_a_half_typed_alone_is_corrected_as_the_value_alone():
    s = Session()
    systolic = typed(s, "bp_systolic", 128)
    s.t(600)
    typed(s, "bp_diastolic", 84)   # ten minutes later: not the same measurement
    assert correct(s, systolic, "bp_systolic", 70) == Accepted("bp_systolic", 70)
