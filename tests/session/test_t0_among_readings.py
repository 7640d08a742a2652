"""A restart places T0 among the readings as they were taken, whatever the wall clock did.

The replay rebuilds "after T0" (judged against the baseline, never moving it) from the log. By
the readings' stamps, NTP setting the station clock back 10 min a minute after T0, before any
reading came after it, replayed the later readings before T0: BP 165 and its repeat 168 were
judged against no baseline, T0 judged 168 as new, and the repeat's prompt came back as an
overdue medium alarm where live it was an information prompt (a review of the change). Each
phase start now logs the newest observation row id committed before it, and the replay places
it by that."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.clock import Moment
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401


def _step_wall_clock(s: LoggedSession, seconds: float) -> None:
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(seconds=seconds))   # the wall clock only


def _surge_after_a_step_back(s: LoggedSession) -> float:
    """Baseline 120/80 typed, T0 20 s later, the clock set back 10 min at T0 + 1 min, then BP
    165 and its repeat 168: T0 in clock seconds."""
    s.bp(120, 80); s.manual("heart_rate", 70)
    s.t(20)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, "nurse.ana", s.now(), gate_decision="Dr Lee: proceed").done
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    start = s.now().mono - s.origin
    s.t(start + 60)
    _step_wall_clock(s, -600)
    s.t(start + 70)
    s.bp(165, 90)   # 45 above the baseline
    assert ("bp_systolic_high", "medium", "active") in s.shown()
    s.t(start + 200)
    s.bp(168, 90)   # the repeat: still 48 above
    return start


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_restart_after_a_step_back_right_after_t0_has_the_alarms_as_they_were(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    start = _surge_after_a_step_back(s)
    if restarted:
        restart(s, 30)
    s.t(start + 600)
    assert sorted(s.shown()) == [("bp_systolic_high", "medium", "active"),
                                 ("vitals_due:BP and HR", "info", "active"),
                                 ("vitals_due:Repeat Systolic BP", "info", "active")]
    assert s.engine.baseline["bp_systolic"] == 120


def test_each_phase_start_logs_where_it_came_among_the_readings(log: EventLog) -> None:
    s = LoggedSession(log)
    _surge_after_a_step_back(s)
    (t0,) = [e for _, e in log.events(s.engine.session_id)
             if e.kind == "phase_started" and e.detail["kind"] == "dosing"]
    # Typed before T0: 120/80 and HR 70; the readings stamped before T0 after the step are not.
    assert t0.detail["observations_before"] == 3
    assert [o.value for _, o in log.observations(s.engine.session_id)][:3] == [120, 80, 70]
