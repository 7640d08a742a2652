"""A discharge phase's own check that takes over an owed one (README: "a check already due stays
owed at its time until its vitals come, the discharge's cadence after it") and finds it met
ends it (a review).

The observation's "BP and HR" asks BP and HR; the Discharge phase's own "BP and HR" here asks the
BP only. The observation's T+55 check is due, the nurse takes the BP at T+56 (the prompt then
asks "Heart rate") and moves to Discharge at T+57. Taken over with the BP it had, the check was
met, and stood: "Vitals due: BP and HR ()", asking for nothing, a sounding medium "Vitals overdue"
from T+60, which the heart rate it had asked for no longer ended (not one of its vitals); only a
second BP would. It now keeps only what the new check asks for and, met, goes on to the
discharge's cadence, live as after a restart."""

from __future__ import annotations

from dataclasses import replace

from console.session.engine import SessionEngine
from protocols.model import Protocol, VitalsCheck
from tests.session.helpers import Session, iv_protocol
from tests.session.test_resume import resume

MIN = 60
N = "nurse.ana"
PROMPT = "vitals_due:BP and HR"


def _protocol() -> Protocol:
    """The helpers' IV protocol whose Discharge phase has its own "BP and HR", every 30 min,
    naming the BP only."""
    p = iv_protocol()
    own = VitalsCheck("BP and HR", (("bp_systolic",), ("bp_diastolic",)), every_minutes=30)
    return replace(p, phases=(*p.phases[:3], replace(p.phases[3], checks=(own,))))


def _moved_with_the_bp_taken() -> tuple[Session, float]:
    """Infusion to plan, Observation at T+40; its T+55 check answered with the BP alone at T+56,
    moved to Discharge at T+57 with a reason. (session, T0 in seconds)."""
    s = Session(_protocol())
    s.to_infusion()
    t0 = s.now().mono - s.origin
    for minute in (10, 20, 30, 40):
        s.t(t0 + minute * MIN)
        s.bp(125, 80); s.manual("heart_rate", 72)
    assert s.engine.advance_phase(N, s.now()).done                        # Observation, T+40
    s.t(t0 + 56 * MIN); s.bp(125, 80)
    [prompt] = [o for o in s.engine.alarms() if o.condition == PROMPT]
    assert prompt.message == "Vitals due: BP and HR (Heart rate)"
    s.t(t0 + 57 * MIN)
    assert s.engine.advance_phase(N, s.now(), override_reason="paperwork").done   # Discharge
    return s, t0


def _due(engine: SessionEngine, s: Session, t0: float) -> list[float]:
    """When the "BP and HR" check is due, in minutes after T0."""
    return [(d.due_at.mono - s.origin - t0) / MIN for d in engine.due(s.now())
            if d.name == "BP and HR"]


def test_an_owed_check_taken_over_by_a_check_already_met_ends_at_the_move() -> None:
    s, t0 = _moved_with_the_bp_taken()
    # The discharge's check has the BP of T+56, all it asks for: no prompt, none later.
    assert [c for c, _, _ in s.shown() if c == PROMPT] == []
    for minute in (60, 66, 80):
        s.t(t0 + minute * MIN)
        assert [c for c, _, _ in s.shown() if c == PROMPT] == [], minute
        assert s.sounding() is None
    # The discharge's own cadence from the move.
    assert _due(s.engine, s, t0) == [57 + 30]
    assert [t[1] for t in s.recorder.transitions(PROMPT)][-1] == "cleared"


def test_the_next_slot_asks_for_a_new_bp() -> None:
    s, t0 = _moved_with_the_bp_taken()
    s.t(t0 + 87 * MIN)
    [prompt] = [o for o in s.engine.alarms() if o.condition == PROMPT]
    assert prompt.message == "Vitals due: BP and HR (Systolic BP, Diastolic BP)"
    s.bp(122, 78)
    assert [c for c, _, _ in s.shown() if c == PROMPT] == []
    assert _due(s.engine, s, t0) == [57 + 60]


def test_a_restart_finds_it_ended_too() -> None:
    s, t0 = _moved_with_the_bp_taken()
    engine = resume(s, MIN, protocol=_protocol())
    assert _due(engine, s, t0) == [57 + 30]
    assert [o.condition for o in engine.alarms() if o.condition == PROMPT] == []
