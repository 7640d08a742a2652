"""The pre-dose gate holds when its item is in an earlier 'pre' phase than the one before T0.

A clinic's IV protocol with arrival checks, then pre-dose checks (two 'pre' phases, which the
loader accepts) puts its BP gate item in the first. The gate was read from the current phase
only: a BP of 170/104 taken after the tick, in the second phase, let the infusion start with no
prescriber asked, and an optional gate item left unticked there passed as no gate at all (a
review of the protocols). The gate items of every phase before the first dosing one count, as
they do for the first nasal device (`_gate_before_first_device`).
"""

from __future__ import annotations

from dataclasses import replace

from protocols.model import ChecklistItem, Phase, PhaseKind, Protocol
from tests.session.helpers import Session, iv_protocol
from tests.session.test_resume import resume

NURSE = "nurse.ana"


def two_pre_phases(gate_required: bool = True) -> Protocol:
    """The test IV protocol with a second 'pre' phase after the one holding the gate item."""
    base = iv_protocol()
    first, *rest = base.phases
    first = replace(first, checklist=tuple(
        replace(i, required=gate_required) if i.gate else i for i in first.checklist))
    second = Phase("pre-dose", "Pre-dose checks", PhaseKind.PRE, checklist=(
        ChecklistItem("iv-patent", "IV cannula patent", True),))
    return replace(base, phases=(first, second, *rest))


def to_second_pre_phase(s: Session, tick_gate: bool = True, gate_decision: str = "") -> None:
    s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp") if tick_gate else ("consent",):
        assert s.engine.tick_item(item, NURSE, s.now(), gate_decision=gate_decision).done
    assert s.engine.advance_phase(NURSE, s.now()).done
    assert s.engine.phase.id == "pre-dose"


def test_a_bp_at_the_gate_after_the_tick_asks_the_prescriber_in_a_later_pre_phase() -> None:
    s = Session(two_pre_phases())
    s.bp(130, 80)
    to_second_pre_phase(s)
    s.t(120)
    s.bp(170, 104)
    assert s.engine.tick_item("iv-patent", NURSE, s.now()).done
    refused = s.engine.advance_phase(NURSE, s.now())
    assert not refused.done
    assert any("Systolic BP is now 170" in r and "prescriber review is required" in r
               for r in refused.reasons), refused.reasons
    assert s.engine.prescriber_gates_open(s.now())   # an override is the prescriber's
    assert s.engine.t0 is None
    # And after a restart alike: the tick is the first phase's.
    s.engine = resume(s, 60, protocol=two_pre_phases())
    assert s.engine.phase.id == "pre-dose"
    assert not s.engine.advance_phase(NURSE, s.now()).done


def test_a_gate_approved_at_its_tick_in_an_earlier_pre_phase_lets_dosing_start() -> None:
    s = Session(two_pre_phases())
    s.bp(150, 88)
    to_second_pre_phase(s, gate_decision="Dr Lee: proceed")
    s.t(120)
    assert s.engine.tick_item("iv-patent", NURSE, s.now()).done
    assert s.engine.prescriber_gates_open(s.now()) == []
    assert s.engine.advance_phase(NURSE, s.now()).done
    assert s.engine.phase.kind is PhaseKind.DOSING


def test_an_unticked_optional_gate_item_of_an_earlier_pre_phase_is_a_prescriber_gate() -> None:
    s = Session(two_pre_phases(gate_required=False))
    s.bp(170, 104)
    to_second_pre_phase(s, tick_gate=False)
    # The second phase's item open: "Next phase" with a reason passes the BP gate too, so it
    # is signed by a prescriber (the controller asks when this list is not empty).
    assert any("Systolic BP 170 mmHg (gate ≥141)" in r
               for r in s.engine.prescriber_gates_open(s.now()))


def arrival_then_pre_dose_gate() -> Protocol:
    """Two 'pre' phases each with a BP gate item: an arrival BP, then the pre-dose BP."""
    base = iv_protocol()
    first, *rest = base.phases
    gate = next(i for i in first.checklist if i.gate).gate
    second = Phase("pre-dose", "Pre-dose checks", PhaseKind.PRE, checklist=(
        ChecklistItem("predose_bp", "Pre-dose BP below 140/90", True, gate=gate),))
    return replace(base, phases=(first, second, *rest))


def test_a_bp_approved_at_the_later_gate_item_lets_dosing_start() -> None:
    s = Session(arrival_then_pre_dose_gate())
    s.bp(130, 80)                                    # arrival: under the gate, ticked
    to_second_pre_phase(s)
    s.t(600)
    s.bp(150, 95)                                    # pre-dose: over, the prescriber approves it
    assert s.engine.tick_item("predose_bp", NURSE, s.now(), gate_decision="Dr Lee: proceed").done
    s.t(660)
    # The arrival tick does not take the BP approved since for one that reached the gate.
    assert s.engine.prescriber_gates_open(s.now()) == []
    moved = s.engine.advance_phase(NURSE, s.now())
    assert moved.done, moved.reasons
    assert s.engine.phase.kind is PhaseKind.DOSING


def test_a_bp_at_the_gate_after_the_later_approval_still_asks_the_prescriber() -> None:
    s = Session(arrival_then_pre_dose_gate())
    s.bp(130, 80)
    to_second_pre_phase(s)
    s.t(600)
    s.bp(150, 95)
    assert s.engine.tick_item("predose_bp", NURSE, s.now(), gate_decision="Dr Lee: proceed").done
    s.t(660)
    s.bp(172, 104)                                   # after the approval: asked again
    refused = s.engine.advance_phase(NURSE, s.now())
    assert not refused.done
    assert any("Systolic BP is now 172" in r and "ticked at 09:10" in r
               for r in refused.reasons), refused.reasons
    # And after a restart alike.
    s.engine = resume(s, 60, protocol=arrival_then_pre_dose_gate())
    assert not s.engine.advance_phase(NURSE, s.now()).done
    s.t(780)
    s.bp(132, 82)                                    # back under: the approval stands
    s.engine = resume(s, 60, protocol=arrival_then_pre_dose_gate())
    assert s.engine.advance_phase(NURSE, s.now()).done
