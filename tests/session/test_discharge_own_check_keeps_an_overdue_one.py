"""A discharge phase with its own check named as the observation's ("BP and HR"; the loader
refuses a name twice only within one phase): moved to Discharge early while the observation's
check was overdue (a medium "Vitals overdue" prompt), the discharge's check replaced it, the
prompt ended with nothing measured and the next came 30 min later (review 46). Discharge keeps
the checks running, and a check already due stays until its vitals come (clinical-defaults.md
alarm behaviour 8: an overdue check is a medium alarm): it keeps its time, the discharge's own
cadence after it."""

from __future__ import annotations

from dataclasses import replace

from protocols.model import Protocol, VitalsCheck
from tests.session.helpers import Session, iv_protocol
from tests.session.test_resume import resume

MIN = 60
PROMPT = "vitals_due:BP and HR"


def _protocol() -> Protocol:
    p = iv_protocol()
    own = VitalsCheck("BP and HR", (("bp_systolic",), ("bp_diastolic",), ("heart_rate",)),
                      every_minutes=30)
    return replace(p, phases=(*p.phases[:3], replace(p.phases[3], checks=(own,))))


def _overdue_at_the_move() -> tuple[Session, float]:
    """Infusion to plan, Observation at T+40, its T+55 check missed; moved to Discharge at T+62
    with a reason. (session, T0 in seconds)."""
    s = Session(_protocol())
    s.to_infusion()
    t0 = s.now().mono - s.origin
    for minute in (10, 20, 30, 40):
        s.t(t0 + minute * MIN)
        s.bp(120, 80); s.manual("heart_rate", 70)
    assert s.engine.advance_phase("nurse.ana", s.now()).done          # Observation at T+40
    s.t(t0 + 62 * MIN)
    assert (PROMPT, "medium", "active") in s.shown()
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="paperwork").done
    return s, t0


def _due(s: Session, t0: float) -> float:
    [check] = [d for d in s.engine.due(s.now()) if d.name == "BP and HR"]
    return (check.due_at.mono - s.origin - t0) / MIN


def test_the_overdue_check_stays_on_the_board_after_the_move_to_discharge() -> None:
    s, t0 = _overdue_at_the_move()
    s.t(t0 + 63 * MIN)
    assert [(c, p) for c, p, _ in s.shown() if c == PROMPT] == [(PROMPT, "medium")]
    assert _due(s, t0) == 55                                          # still owed, at its time
    [prompt] = [o for o in s.engine.alarms() if o.condition == PROMPT]
    assert prompt.message.startswith("Vitals overdue by 8 min: BP and HR")


def test_its_vitals_end_it_and_the_discharge_cadence_follows() -> None:
    s, t0 = _overdue_at_the_move()
    s.t(t0 + 64 * MIN)
    s.bp(124, 78); s.manual("heart_rate", 72)
    assert PROMPT not in [c for c, _, _ in s.shown()]
    assert _due(s, t0) == 62 + 30                                     # the discharge's first slot


def test_a_restart_keeps_it_owed() -> None:
    s, t0 = _overdue_at_the_move()
    engine = resume(s, MIN, protocol=_protocol())
    assert [d.due_at.mono - s.origin - t0 for d in engine.due(s.now())
            if d.name == "BP and HR"] == [55 * MIN]
