"""A baseline fixed after T0 is logged, so the trend draws the limit relative to it that the
engine alarms at and the tile names.

Pre-session checks passed with an override (the cuff broken), the first BP comes in the
infusion: the engine takes it as the baseline ("the first one after T0 stands, as one at T0") and
alarms at baseline + 40. The trend, the review's and the PDF's too, learns baselines from the log
only (`TrendFeed`), and only `dosing_started` carried them: it drew the 180 and 200 lines and
none at 168, the alarm's marker under every line drawn. The engine now logs `baseline_set`
(`dosing_started`'s shape) when a baseline is fixed after T0, once: a restart's replay computes
it again and logs nothing.
"""

from __future__ import annotations

from console.records import BASELINE_SET
from console.session.journal import describe
from console.session.trend_feed import TrendFeed
from console.store import EventLog
from tests.session.helpers import START, Session
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401


def _typed(s: Session, name: str, value: float) -> int:
    """A typed value's row id (for taking it back)."""
    row = s.engine.enter_manual_row(name, value, NURSE, s.now())[1]
    assert row is not None
    return row


def _infusion_without_a_bp(s: Session) -> float:
    """HR, RR and SpO2 typed, the pre-session checks passed by an override (no BP): T0. The
    infusion's start in clock seconds."""
    for name, value in (("heart_rate", 76), ("resp_rate", 15), ("spo2", 98)):
        s.manual(name, value)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="cuff broken, BP after start").done
    assert s.engine.t0 is not None
    return s.now().mono - s.origin


def _trend(s: Session) -> TrendFeed:
    """The trend as the review and the report read it: the whole log at once."""
    feed = TrendFeed(START)
    feed.add(s.recorder.records)
    return feed


def test_the_trend_has_the_baseline_the_first_bp_after_t0_set_and_the_alarm_fires_at_it() -> None:
    s = Session()
    start = _infusion_without_a_bp(s)
    s.t(start + 60); s.bp(128, 80)
    s.t(start + 660); s.bp(170, 92)                  # +42 over the baseline
    (alarm,) = [o for o in s.engine.alarms() if o.condition == "bp_systolic_high"]
    assert alarm.value == 170
    feed = _trend(s)
    # The lines at baseline + 40 / + 25 (168 / 105): where the alarm's marker sits under them.
    assert feed.baselines["bp_systolic"] + 40 == 168 == s.engine.baseline["bp_systolic"] + 40
    assert feed.baselines["bp_diastolic"] + 25 == 105
    assert [describe(e) for e in s.recorder.events(BASELINE_SET)] == [
        "Baseline set after T0: Systolic BP 128 mmHg",
        "Baseline set after T0: Diastolic BP 80 mmHg"]


def test_the_live_trend_gets_it_as_it_comes() -> None:
    s = Session()
    start = _infusion_without_a_bp(s)
    feed = _trend(s)
    assert "bp_systolic" not in feed.baselines
    feed.take_changes()
    logged = len(s.recorder.records)
    s.t(start + 60); s.manual("bp_systolic", 128)
    feed.add(s.recorder.records[logged:])
    assert feed.take_changes().baselines and feed.baselines["bp_systolic"] == 128


def test_a_restart_does_not_log_it_again(log: EventLog) -> None:
    s = LoggedSession(log)
    start = _infusion_without_a_bp(s)
    s.t(start + 60); s.bp(128, 80)
    restart(s, 5)
    s.t(start + 600); s.bp(135, 82)
    logged = [e.detail for _, e in log.events(s.engine.session_id) if e.kind == BASELINE_SET]
    assert logged == [{"baseline": {"bp_systolic": 128}}, {"baseline": {"bp_diastolic": 80}}]
    assert s.engine.baseline["bp_systolic"] == 128


def test_the_first_bp_after_t0_entered_in_error_moves_the_trends_baseline_with_the_engines() -> None:
    s = Session()
    start = _infusion_without_a_bp(s)
    s.t(start + 60); typo = _typed(s, "bp_systolic", 210)
    s.t(start + 120); s.manual("bp_systolic", 128)
    assert _trend(s).baselines["bp_systolic"] == 210
    assert s.engine.void(typo, "bp_systolic", NURSE, s.now(), "another patient's").done
    assert s.engine.baseline["bp_systolic"] == 128 == _trend(s).baselines["bp_systolic"]


def test_the_only_bp_after_t0_entered_in_error_leaves_no_baseline_on_the_trend() -> None:
    s = Session()
    start = _infusion_without_a_bp(s)
    s.t(start + 60); typo = _typed(s, "bp_systolic", 210)
    assert s.engine.void(typo, "bp_systolic", NURSE, s.now(), "another patient's").done
    assert "bp_systolic" not in s.engine.baseline
    assert "bp_systolic" not in _trend(s).baselines
    assert describe(s.recorder.events(BASELINE_SET)[-1]) == (
        "Baseline after T0 withdrawn: Systolic BP")
