"""A correction of the value that set a baseline after T0 moves the baseline to the corrected
value, live and after a restart alike, and logs it (`baseline_set`) for the trend.

Pre-session checks passed by an override (no BP), the first BP after T0 is the baseline of the
limits relative to it (systolic +40). A typed 210 for the cuff's 128, corrected to 128, had left
the baseline at 210, live and after a restart: the limit sat at 250, the tile said "40 above
baseline (250)", the trend drew its line at 250, and a real rise to 170 raised nothing.
"""

from __future__ import annotations

from console.records import BASELINE_SET
from console.session.journal import describe
from console.session.tile_view import BP_TILE, tile_view
from console.session.trend_feed import TrendFeed
from console.store import EventLog
from tests.session.helpers import START, Session
from tests.session.test_baseline_after_t0_on_the_trend import (
    _infusion_without_a_bp,
    _trend,
    _typed,
)
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401

REASON = "typed 210 for the cuff's 128"
SYSTOLIC_RISE = "40 above baseline (168)"


def _systolic_alarms(s: Session) -> list[float | None]:
    return [o.value for o in s.engine.alarms() if o.condition == "bp_systolic_high"]


def _limits(s: Session) -> str:
    return tile_view(s.engine, BP_TILE, s.now()).limits


def _baseline_logged(s: Session) -> list[str]:
    """The `baseline_set` events of the systolic BP, in the review's words."""
    return [describe(e) for e in s.recorder.events(BASELINE_SET)
            if "bp_systolic" in e.detail.get("baseline", {})]


def _logged_trend(log: EventLog, s: Session) -> TrendFeed:
    """The trend as the review and the report read a logged session."""
    feed = TrendFeed(START)
    feed.load(log.observations(s.engine.session_id), log.events(s.engine.session_id),
              log.alarm_events(s.engine.session_id))
    return feed


def _logged_on_disk(log: EventLog, s: Session) -> list[object]:
    return [e.detail["baseline"]["bp_systolic"] for _, e in log.events(s.engine.session_id)
            if e.kind == BASELINE_SET and "bp_systolic" in e.detail["baseline"]]


def test_the_first_bp_after_t0_corrected_moves_the_baseline_and_a_rise_over_it_alarms() -> None:
    s = Session()
    start = _infusion_without_a_bp(s)
    s.t(start + 60); typo = _typed(s, "bp_systolic", 210)
    s.t(start + 120)
    assert s.engine.correct(typo, "bp_systolic", 128, NURSE, s.now(), reason=REASON)
    assert s.engine.baseline["bp_systolic"] == 128
    assert SYSTOLIC_RISE in _limits(s)
    assert _trend(s).baselines["bp_systolic"] == 128   # the trend's line at 168
    assert _baseline_logged(s) == ["Baseline set after T0: Systolic BP 210 mmHg",
                                   "Baseline set after T0: Systolic BP 128 mmHg"]
    s.t(start + 600); s.manual("bp_systolic", 170)
    assert _systolic_alarms(s) == [170]


def test_the_first_bp_after_t0_corrected_after_a_later_bp_moves_the_baseline() -> None:
    s = Session()
    start = _infusion_without_a_bp(s)
    s.t(start + 60); typo = _typed(s, "bp_systolic", 210)
    s.t(start + 300); s.manual("bp_systolic", 130)
    s.t(start + 360)
    assert s.engine.correct(typo, "bp_systolic", 128, NURSE, s.now(), reason=REASON)
    assert s.engine.baseline["bp_systolic"] == 128
    assert SYSTOLIC_RISE in _limits(s)
    assert _trend(s).baselines["bp_systolic"] == 128
    s.t(start + 900); s.manual("bp_systolic", 170)
    assert _systolic_alarms(s) == [170]


def test_a_later_bp_corrected_leaves_the_baseline_as_the_first_set_it() -> None:
    s = Session()
    start = _infusion_without_a_bp(s)
    s.t(start + 60); s.manual("bp_systolic", 128)
    s.t(start + 300); later = _typed(s, "bp_systolic", 128)
    s.t(start + 360)
    assert s.engine.correct(later, "bp_systolic", 135, NURSE, s.now(), reason="typo")
    assert s.engine.baseline["bp_systolic"] == 128
    assert _baseline_logged(s) == ["Baseline set after T0: Systolic BP 128 mmHg"]


def test_a_restart_keeps_the_corrected_baseline(log: EventLog) -> None:
    s = LoggedSession(log)
    start = _infusion_without_a_bp(s)
    s.t(start + 60); typo = _typed(s, "bp_systolic", 210)
    s.t(start + 120)
    assert s.engine.correct(typo, "bp_systolic", 128, NURSE, s.now(), reason=REASON)
    restart(s, 5)
    assert s.engine.baseline["bp_systolic"] == 128
    assert SYSTOLIC_RISE in _limits(s)
    assert _logged_trend(log, s).baselines["bp_systolic"] == 128
    assert _logged_on_disk(log, s) == [210, 128]   # the restart logs it again nowhere
    s.t(start + 600); s.manual("bp_systolic", 170)
    assert _systolic_alarms(s) == [170]


def test_a_restart_keeps_the_baseline_corrected_after_a_later_bp(log: EventLog) -> None:
    s = LoggedSession(log)
    start = _infusion_without_a_bp(s)
    s.t(start + 60); typo = _typed(s, "bp_systolic", 210)
    s.t(start + 300); s.manual("bp_systolic", 130)
    s.t(start + 360)
    assert s.engine.correct(typo, "bp_systolic", 128, NURSE, s.now(), reason=REASON)
    restart(s, 5)
    assert s.engine.baseline["bp_systolic"] == 128
    assert SYSTOLIC_RISE in _limits(s)
    s.t(start + 900); s.manual("bp_systolic", 170)
    assert _systolic_alarms(s) == [170]


def test_the_correction_taken_back_moves_the_baseline_on_live_and_after_a_restart(
        log: EventLog) -> None:
    s = LoggedSession(log)
    start = _infusion_without_a_bp(s)
    s.t(start + 60); typo = _typed(s, "bp_systolic", 210)
    s.t(start + 300); s.manual("bp_systolic", 130)
    s.t(start + 360)
    assert s.engine.correct(typo, "bp_systolic", 128, NURSE, s.now(), reason=REASON)
    correction = max(i for i, o in log.observations(s.engine.session_id) if o.corrects == typo)
    assert s.engine.void(correction, "bp_systolic", NURSE, s.now(), "another patient's").done
    assert s.engine.baseline["bp_systolic"] == 130
    restart(s, 5)
    assert s.engine.baseline["bp_systolic"] == 130
    assert _logged_on_disk(log, s) == [210, 128, 130]


def _infusion_from_a_typed_bp(s: Session, systolic: float) -> int:
    """A typed pre-dose BP (the systolic's row id), the gate item ticked on it, T0."""
    row = _typed(s, "bp_systolic", systolic)
    s.manual("bp_diastolic", 80); s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, NURSE, s.now(), gate_decision="Dr Lee: proceed").done
    assert s.engine.advance_phase(NURSE, s.now()).done
    return row


def test_the_pre_dose_bp_corrected_after_t0_moves_the_baseline_logged_at_t0(
        log: EventLog) -> None:
    # 139 typed for the cuff's 109 was ticked and logged at T0: the limit at 179, not 149.
    s = LoggedSession(log)
    typo = _infusion_from_a_typed_bp(s, 139)
    s.t(120)
    assert s.engine.correct(typo, "bp_systolic", 109, NURSE, s.now(), reason="typed 139")
    assert s.engine.baseline["bp_systolic"] == 109
    assert "40 above baseline (149)" in _limits(s)
    assert _logged_trend(log, s).baselines["bp_systolic"] == 109
    assert _logged_on_disk(log, s) == [109]
    restart(s, 5)
    assert s.engine.baseline["bp_systolic"] == 109
    assert "40 above baseline (149)" in _limits(s)
    s.t(700); s.manual("bp_systolic", 155)
    assert _systolic_alarms(s) == [155]


def test_a_bp_after_the_tick_corrected_leaves_the_ticked_baseline(log: EventLog) -> None:
    s = LoggedSession(log)
    s.manual("bp_systolic", 120); s.manual("bp_diastolic", 80); s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, NURSE, s.now()).done
    s.t(60); later = _typed(s, "bp_systolic", 120)   # after the tick: not the baseline's value
    assert s.engine.correct(later, "bp_systolic", 125, NURSE, s.now(), reason="typo")
    assert s.engine.advance_phase(NURSE, s.now()).done
    assert s.engine.baseline["bp_systolic"] == 120
    restart(s, 5)
    assert s.engine.baseline["bp_systolic"] == 120
