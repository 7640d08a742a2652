"""A cuff measured before the typed BP that stood when it arrived (delivered late by the monitor)
is history: logged and drawn in its place, never judged, no alarm (`SessionEngine._superseded`).
Correcting the typed value (a slip of one key) keeps it so: the corrected value stands for the
same measurement the typed one did, which is still newer than the cuff.

The correction had fallen back to the row just before the typed one, the late cuff, judged it,
and the corrected value then ended that alarm: a latched high "Systolic BP 205 mmHg" to reset,
sounding for a cuff the console had never judged, and the same after a restart (a review).
"""

from __future__ import annotations

from datetime import timedelta

from console.session.engine import SessionEngine
from console.session.entry import Accepted
from devices.reading import Reading
from tests.session.test_a_value_entered_in_error_after_its_phase_ended_is_asked_again import (
    IV, NURSE, DosedSession,
)


def bp_alarms(engine: SessionEngine) -> list[tuple[str, str, str, str]]:
    """(condition, priority, state, message) of every BP alarm on the board, as the bar shows."""
    return sorted((o.condition, o.priority.label, o.state.value, o.message)
                  for o in engine.alarms() if o.condition.startswith("bp_"))


def sounding(engine: SessionEngine, s: DosedSession) -> str | None:
    p = engine.audio(s.now()).priority
    return p.label if p is not None else None


def typed_then_a_late_cuff(systolic: float, diastolic: float) -> DosedSession:
    """BP 120/80 typed at 1:00; at 1:01 the monitor delivers a cuff `systolic`/`diastolic`
    measured at 0:41, before the typed one: history."""
    s = DosedSession(IV)
    s.engine.device_state_changed("connected", s.now())
    s.t(60)
    s.bp(120, 80)
    s.t(61)
    now = s.now()
    measured = now.wall - timedelta(seconds=20)
    assert s.engine.ingest_message([
        Reading("bp_systolic", systolic, "mmHg", measured, now.wall, "hl7:MON", "NIBP"),
        Reading("bp_diastolic", diastolic, "mmHg", measured, now.wall, "hl7:MON", "NIBP")], now)
    s.t(70)
    assert bp_alarms(s.engine) == []   # history: never judged
    return s


def correct_typed(s: DosedSession, metric_name: str, value: float) -> None:
    typed = next(row for row, kept in s.engine._state.rows[metric_name]
                 if kept.reading.source == "manual")
    assert isinstance(s.engine.correct(typed, metric_name, value, NURSE, s.now(),
                                       reason="typed one key off the cuff's reading",
                                       confirmed=True), Accepted)
    s.t(71)


def test_correcting_the_typed_systolic_raises_nothing_for_the_late_cuff_205() -> None:
    s = typed_then_a_late_cuff(205, 100)
    correct_typed(s, "bp_systolic", 118)
    assert bp_alarms(s.engine) == []
    assert sounding(s.engine, s) is None
    assert s.engine.latest("bp_systolic").reading.value == 118
    back = s.restarted()
    assert bp_alarms(back) == []
    assert sounding(back, s) is None
    assert back.latest("bp_systolic").reading.value == 118


def test_correcting_the_typed_diastolic_raises_nothing_for_the_late_cuff_125() -> None:
    s = typed_then_a_late_cuff(150, 125)
    correct_typed(s, "bp_diastolic", 78)
    assert bp_alarms(s.engine) == []
    assert sounding(s.engine, s) is None
    assert s.engine.latest("bp_diastolic").reading.value == 78
    back = s.restarted()
    assert bp_alarms(back) == []
    assert sounding(back, s) is None
    assert back.latest("bp_diastolic").reading.value == 78


def test_a_corrected_value_that_is_high_still_alarms_over_the_late_cuff() -> None:
    s = typed_then_a_late_cuff(205, 100)
    correct_typed(s, "bp_systolic", 210)   # the cuff read 210: a real high, judged now
    live = bp_alarms(s.engine)
    assert [(c, p) for c, p, _, _ in live] == [("bp_systolic_high", "high")]
    assert "210" in live[0][3]
    assert bp_alarms(s.restarted()) == live


def test_the_correction_entered_in_error_lets_the_late_cuff_stand_as_it_arrived() -> None:
    # The typed measurement goes with its correction: the cuff stands, judged as it arrived
    # (as when the typed value itself is entered in error), live as after a restart.
    s = typed_then_a_late_cuff(205, 100)
    correct_typed(s, "bp_systolic", 118)
    s.t(80)
    correction = s.engine._state.rows["bp_systolic"][-1][0]
    assert s.engine.void(correction, "bp_systolic", NURSE, s.now(), reason="wrong chair").done
    s.t(81)
    live = (bp_alarms(s.engine), sounding(s.engine, s), s.due())
    assert live == ([("bp_systolic_high", "high", "active", "Systolic BP 205 mmHg, limit ≥200")],
                    "high", [("Repeat Systolic BP", 6.02, ("bp_systolic",), False)])
    back = s.restarted()
    assert (bp_alarms(back), sounding(back, s), s.due(back)) == live
