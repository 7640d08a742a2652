"""A session left open by a crash resumes with its phase, timers, ticks, baseline and alarms."""

from __future__ import annotations

from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.engine import SessionEngine
from tests.session.helpers import Session, iv_protocol

MIN = 60


def resume(s: Session, after_seconds: float) -> SessionEngine:
    """Drop the engine (the crash) and rebuild it from what was committed."""
    now = s.clock.advance(after_seconds)
    records = s.recorder.records
    return SessionEngine.resume(
        iv_protocol(), s.recorder, 1, s.recorder.opened[0],
        [r for r in records if isinstance(r, ObservationRecord)],
        [r for r in records if isinstance(r, EventRecord)],
        [r for r in records if isinstance(r, AlarmTransition)], now,
    )


def test_resume_restores_phase_timers_ticks_and_baseline():
    s = Session()
    s.to_infusion(systolic=130)
    start = s.now().mono - s.origin
    s.t(start + 12 * MIN); s.bp(140, 85); s.manual("heart_rate", 80)
    engine = resume(s, 3 * MIN)
    assert engine.phase.id == "infusion"
    times = engine.times(s.now())
    assert times.since_t0_s == 15 * MIN
    assert times.phase_remaining_s == 25 * MIN
    assert set(engine.ticks("pre")) == {"consent", "baseline_bp"}
    assert engine.baseline["bp_systolic"] == 130
    assert engine.latest("bp_systolic").reading.value == 140
    # The T+10 check was done before the crash: next due at T+20.
    assert round(engine.due(s.now())[0].due_in_s) == 5 * MIN
    assert s.recorder.events("session_resumed")[0].detail["phase"] == "infusion"


def test_alarm_still_holding_at_resume_alarms_again_and_the_old_occurrence_is_closed():
    s = Session()
    s.to_infusion()
    s.t(s.now().mono - s.origin + 60); s.device("spo2", 89)
    old = s.engine.alarms()[0].id
    engine = resume(s, 30)
    shown = [(o.condition, o.priority.label, o.state.value) for o in engine.alarms()]
    assert shown == [("spo2_low", "high", "active")]
    assert engine.alarms()[0].id > old
    closing = [r for r in s.recorder.records if isinstance(r, AlarmTransition) and r.occurrence == old]
    assert closing[-1].transition == "cleared"
    assert "closed on resume" in closing[-1].message
