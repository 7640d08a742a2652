"""The pre-dose BP gate holds until the first nasal device is given (review 45). The dose is the
first device, not T0: a BP over the label's 140/90 typed on the devices' screen before device 1
is the BP before the dose (the REMS form reads it so). Device 1 was ticked on 152/96 with no
question, and the REMS draft then listed the prescriber's decision as missing. Device 1 now
asks for the prescriber's decision as the gate item does, and logs it with the tick."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from console.export.rems import rems_form
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.session.engine import GATE_APPROVAL, PRESCRIBER_REVIEW
from console.store import EventLog
from tests.review.scenarios import Driver
from tests.session.test_esketamine_dose import MIN, in_devices

ASKED = (f"Systolic BP 152 mmHg (gate ≥141); Diastolic BP 96 mmHg (gate ≥91): {PRESCRIBER_REVIEW}. "
         "To tick this item, name the prescriber who approves dosing, with their words (Cancel "
         "if they do not approve).")


def test_device_1_after_a_bp_over_the_gate_asks_the_prescriber_and_logs_the_decision() -> None:
    s, t0 = in_devices(56)
    s.t(t0 + 3 * MIN)
    s.bp(152, 96)   # above 140/90, before any device
    s.t(t0 + 5 * MIN)
    refused = s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1")
    assert not refused.done and refused.asks == GATE_APPROVAL
    assert refused.message == ASKED
    assert "device-1" not in s.engine.ticks()
    assert s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1",
                              gate_decision="Dr Lee: proceed").done
    decision = s.recorder.events("gate_decision")[-1]
    assert decision.detail == {"item": "device-1", "gate": "bp-before-dose",
                               "values": ["Systolic BP 152 mmHg (gate ≥141)",
                                          "Diastolic BP 96 mmHg (gate ≥91)"],
                               "decision": "Dr Lee: proceed"}
    # The decision is logged with the tick, in one write.
    assert [getattr(r, "kind", None) for r in s.recorder.writes[-1]] == [
        "gate_decision", "checklist_ticked"]
    # Once the first device is given the dose has started: device 2 asks no prescriber.
    s.t(t0 + 10 * MIN)
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-1").done


def test_a_bp_under_the_gate_again_before_device_1_asks_nothing() -> None:
    # The gate judges the latest value, as the gate item does: re-measured under it, no question.
    s, t0 = in_devices(56)
    s.t(t0 + 3 * MIN)
    s.bp(152, 96)
    s.t(t0 + 5 * MIN)
    s.bp(134, 84)
    assert s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1").done
    assert not s.recorder.events("gate_decision")


@contextmanager
def _at_t0(tmp_path: Path, systolic: float, diastolic: float,
           gate_decision: str = "") -> Iterator[Driver]:
    """An esketamine session of 56 mg on a real log: baseline `systolic`/`diastolic`, the
    pre-checks ticked (with `gate_decision`), moved to the devices at minute 5 (T0)."""
    with EventLog.open(tmp_path / "log.sqlite3", "t") as log:
        r = Driver(log, "esketamine", "MRN-1", 64.0, "nurse.ben",
                   datetime(2026, 3, 6, 10, 0, tzinfo=UTC), 1, chosen_mg=56)
        r.manual(bp_systolic=systolic, bp_diastolic=diastolic, heart_rate=70, spo2=98,
                 resp_rate=14, moaas=5, dissociation=0)
        r.tick_required(gate_decision=gate_decision)
        r.at(5)
        r.advance()
        yield r


def _logged(tmp_path: Path, session: int) -> SessionDetail:
    conn = open_readonly(tmp_path / "log.sqlite3")
    try:
        return load_session(conn, session)
    finally:
        conn.close()


def test_a_bp_over_the_gate_decided_before_t0_is_not_asked_again_at_device_1(
        tmp_path: Path) -> None:
    # The value the prescriber decided on with the gate item's tick stands at T0: device 1
    # asks only of a value taken after T0.
    with _at_t0(tmp_path, 150, 95, gate_decision="Dr Lee: proceed") as r:
        r.at(8)
        assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A").done
    assert [g.item for g in _logged(tmp_path, r.id).gate_decisions] == ["bp-before-dose"]


def test_a_bp_over_the_gate_after_t0_asks_again_after_a_decision_before_it(
        tmp_path: Path) -> None:
    # A decision on the baseline's 150/95 is no decision on a 165/100 taken on the devices'
    # screen (the gate item's own rule: a reading at the gate after a decision needs another).
    with _at_t0(tmp_path, 150, 95, gate_decision="Dr Lee: proceed") as r:
        r.at(8)
        r.manual(bp_systolic=165, bp_diastolic=100)
        refused = r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")
    assert not refused.done and refused.asks == GATE_APPROVAL


def test_the_rems_draft_has_no_device_given_on_a_bp_over_the_gate_undecided(
        tmp_path: Path) -> None:
    # The reviewer's proof, on a real log: baseline 128/80, 152/96 at T0 + 3, device 1 at
    # T0 + 5 is refused, and the form shows no dose given on it.
    with _at_t0(tmp_path, 128, 80) as r:
        r.at(8)
        r.manual(bp_systolic=152, bp_diastolic=96)
        r.at(10)
        outcome = r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A")
    assert not outcome.done and outcome.asks == GATE_APPROVAL
    assert rems_form(_logged(tmp_path, r.id), tz=UTC).devices == ()


def test_a_restart_before_device_1_still_asks_the_prescriber() -> None:
    from tests.session.test_esketamine_dose import ESKETAMINE
    from tests.session.test_resume import resume

    s, t0 = in_devices(56)
    s.t(t0 + 3 * MIN)
    s.bp(152, 96)
    engine = resume(s, 60, protocol=ESKETAMINE)
    refused = engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1")
    assert not refused.done and refused.asks == GATE_APPROVAL


def test_the_rems_draft_takes_the_decision_given_at_device_1(tmp_path: Path) -> None:
    # The prescriber decided with device 1's tick: the form names that decision and no longer
    # lists the prescriber's decision on the BP before the dose as missing.
    with _at_t0(tmp_path, 128, 80) as r:
        r.at(8)
        r.manual(bp_systolic=152, bp_diastolic=96)
        r.at(10)
        assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="lot A",
                                  gate_decision="Dr Lee: proceed").done
    form = rems_form(_logged(tmp_path, r.id), tz=UTC)
    assert "bp_decision" not in form.missing
    assert [d.words for d in form.pre_dose_bp.decisions] == ["Dr Lee: proceed"]
