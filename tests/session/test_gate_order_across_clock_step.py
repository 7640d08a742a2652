"""The gate's tick and the pre-dose BP are ordered by the monotonic clock, not the wall clock.

NTP setting the station clock back 10 min between the pre-dose BP and the gate item's tick made
the BP's wall time read as after the tick (review 46):
- a BP of 150 over the gate approved by the prescriber at the tick: dosing was then refused "a
  prescriber review is required", though no BP came after the approved tick
  (`_gate_reached_again`);
- a BP typed 139 for the cuff's 109, corrected after T0: the baseline stayed 139 (limit 179, not
  149), and a real rise to 155 raised nothing (`_set_logged_baseline`).
A restart places both on the clock as the live console did."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.clock import Moment
from console.store import EventLog
from tests.session.helpers import Session
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401

NURSE = "nurse.ana"
STEP_BACK_S = 600.0


def _ntp_sets_the_clock_back(s: Session) -> None:
    now = s.now()
    s.clock._now = Moment(now.mono, now.wall - timedelta(seconds=STEP_BACK_S))   # wall only


def _pre_dose(s: Session, systolic: float, step_back: bool, gate_decision: str = "") -> int | None:
    """The pre-dose BP typed, then (30 s later, the clock maybe set back) the checks ticked:
    the systolic's row id."""
    row = s.engine.enter_manual_row("bp_systolic", systolic, NURSE, s.now())[1]
    s.manual("bp_diastolic", 80)
    s.manual("heart_rate", 70)
    s.t(30)
    if step_back:
        _ntp_sets_the_clock_back(s)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, NURSE, s.now(), gate_decision=gate_decision).done
    return row


@pytest.mark.parametrize("step_back", [False, True], ids=["steady-clock", "clock-set-back"])
def test_a_gate_approved_at_the_tick_lets_dosing_start(log: EventLog, step_back: bool) -> None:
    s = LoggedSession(log)
    _pre_dose(s, 150, step_back, gate_decision="Dr Lee: proceed")
    assert s.engine.prescriber_gates_open(s.now()) == []
    restart(s, 10)   # and after a restart alike
    outcome = s.engine.advance_phase(NURSE, s.now())
    assert outcome.done, outcome.reasons


def test_a_bp_over_the_gate_after_the_tick_is_still_asked_after_the_clock_was_set_back() -> None:
    s = Session()
    _pre_dose(s, 130, step_back=True)
    s.t(60)
    s.manual("bp_systolic", 150)   # after the tick: the prescriber must see it
    outcome = s.engine.advance_phase(NURSE, s.now())
    assert not outcome.done
    assert any("prescriber review is required" in reason for reason in outcome.reasons)


@pytest.mark.parametrize("step_back", [False, True], ids=["steady-clock", "clock-set-back"])
def test_the_corrected_pre_dose_bp_moves_the_baseline(log: EventLog, step_back: bool) -> None:
    s = LoggedSession(log)
    row = _pre_dose(s, 139, step_back)
    assert row is not None
    assert s.engine.advance_phase(NURSE, s.now()).done
    s.t(120)
    assert s.engine.correct(row, "bp_systolic", 109, NURSE, s.now(), reason="typed 139")
    assert s.engine.baseline["bp_systolic"] == 109
    s.t(700)
    s.manual("bp_systolic", 155)   # 46 over the real baseline
    assert [o.value for o in s.engine.alarms() if o.condition == "bp_systolic_high"] == [155]
    restart(s, 10)
    assert s.engine.baseline["bp_systolic"] == 109
