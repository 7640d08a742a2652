"""A discharge phase with its own check named as the observation's ("BP and HR", every 30 min,
`test_discharge_own_check_keeps_an_overdue_one._protocol`): moved to Discharge two minutes
before the observation's next BP, the discharge's check restarted its cadence from the move, and
the next BP was asked 43 min after the last where the observation asked every 15 (a review).
Taking over a check not yet due, it keeps that check's time where it is sooner than its own
first slot, then goes on at its own cadence."""

from __future__ import annotations

from tests.session.helpers import Session
from tests.session.test_discharge_own_check_keeps_an_overdue_one import _due, _protocol
from tests.session.test_resume import resume

MIN = 60


def _moved_two_minutes_before_the_next_bp() -> tuple[Session, float]:
    """Observation at T+40, its T+55 check met, moved to Discharge at T+68 (its next check at
    T+70). (session, T0 in seconds)."""
    s = Session(_protocol())
    s.to_infusion()
    t0 = s.now().mono - s.origin
    for minute in (10, 20, 30, 40):
        s.t(t0 + minute * MIN)
        s.bp(120, 80); s.manual("heart_rate", 70)
    assert s.engine.advance_phase("nurse.ana", s.now()).done          # Observation at T+40
    s.t(t0 + 55 * MIN)
    s.bp(122, 80); s.manual("heart_rate", 70)
    s.t(t0 + 68 * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="paperwork").done
    return s, t0


def test_the_next_bp_is_asked_when_the_observation_would_have_asked_it() -> None:
    s, t0 = _moved_two_minutes_before_the_next_bp()
    assert _due(s, t0) == 70
    s.t(t0 + 70 * MIN)
    assert ("vitals_due:BP and HR", "info", "active") in s.shown()


def test_met_there_the_discharge_cadence_follows() -> None:
    s, t0 = _moved_two_minutes_before_the_next_bp()
    s.t(t0 + 70 * MIN)
    s.bp(124, 78); s.manual("heart_rate", 72)
    assert "vitals_due:BP and HR" not in [c for c, _, _ in s.shown()]
    assert _due(s, t0) == 68 + 30                                     # the discharge's own slot


def test_a_restart_keeps_the_same_time() -> None:
    s, t0 = _moved_two_minutes_before_the_next_bp()
    engine = resume(s, MIN, protocol=_protocol())
    assert [(d.due_at.mono - s.origin - t0) / MIN for d in engine.due(s.now())
            if d.name == "BP and HR"] == [70]
