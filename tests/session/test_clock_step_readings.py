"""A restart places each reading on the clock as it reads now, as it places the events.

A clock step (NTP) is logged by the running console; a restart moves the events its run logged
before it by the step. The readings kept their logged times: one taken before NTP set the clock
back an hour replayed an hour ahead of T0 and the checks. The last RR then counted as received
in the future, and "No respiratory rate for 20 s" stayed silent for the hour after the restart;
a step forward put a BP taken for its check an hour before it, and the check came back overdue
(a review). Each step now logs how many readings were logged before it (held in memory ones
too), each restart how many came before it, and the replay moves a run's readings before its
steps by them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from console.clock import Moment
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, alarms, log, restart  # noqa: F401
from tests.session.test_t0_after_held_readings import Locked

HOUR = 3600.0


def _step_wall_clock(s: LoggedSession, seconds: float) -> None:
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(seconds=seconds))   # the wall clock only


def _on_the_monitor(s: LoggedSession) -> float:
    """The infusion started, the monitor connected: the infusion's start in clock seconds."""
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    return s.now().mono - s.origin


def _breathing_then_step(s: LoggedSession, step_s: float) -> float:
    """An infusion with the monitor sending RR and SpO2 for 5 min, then the clock stepped by
    `step_s` (logged at the next tick): the infusion's start in clock seconds."""
    start = _on_the_monitor(s)
    for second in range(10, 300, 10):
        s.t(start + second); s.device("resp_rate", 14); s.device("spo2", 97)
    _step_wall_clock(s, step_s)
    s.t(start + 301)
    return start


@pytest.mark.parametrize("step_s", [-HOUR, HOUR], ids=["back", "forward"])
def test_an_apnoea_after_a_restart_that_followed_a_clock_step_sounds_within_20_s(
        log: EventLog, step_s: float) -> None:
    s = LoggedSession(log)
    start = _breathing_then_step(s, step_s)
    restart(s, 5, reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    for second in range(310, 340, 5):   # the monitor back: SpO2, no RR
        s.t(start + second); s.device("spo2", 97)
    (apnoea,) = alarms(s.engine, "resp_rate_low")
    assert apnoea.priority.label == "high"


@pytest.mark.parametrize("restarts", [(), (12,), (10, 12)],
                         ids=["live", "restarted", "restarted-before-and-after"])
def test_a_check_met_before_a_clock_step_forward_stays_met_after_a_restart(
        log: EventLog, restarts: tuple[int, ...]) -> None:
    # Restarted before the step too, the BP is an earlier run's: this run's step moves it not.
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 9 * 60); s.bp(118, 78); s.manual("heart_rate", 72)   # the T+10 check, met
    if 10 in restarts:
        s.t(start + 10 * 60)
        restart(s, 0)
    s.t(start + 11 * 60)
    _step_wall_clock(s, HOUR)
    s.t(start + 12 * 60)
    if 12 in restarts:
        restart(s, 0)
    s.t(start + 16 * 60)
    assert [(d.name, round(d.due_in_s)) for d in s.engine.due(s.now())] == [("BP and HR", 240)]
    assert not [c for c, _, _ in s.shown() if c.startswith("vitals_due:")]


def test_a_clock_step_and_a_restart_log_where_they_came_among_the_readings(
        log: EventLog) -> None:
    s = LoggedSession(log)
    _breathing_then_step(s, -HOUR)
    restart(s, 5)
    logged = len(log.observations(s.engine.session_id))
    events = {e.kind: e.detail for _, e in log.events(s.engine.session_id)}
    # Before the step: the baseline's three, then 29 seconds of RR and SpO2.
    assert events["clock_stepped"]["observations_before"] == 3 + 2 * 29 == logged
    assert events["session_resumed"]["observations_before"] == logged


@pytest.mark.parametrize("unlock_at", [301, 299], ids=["step-while-held", "step-just-after-flush"])
def test_a_clock_step_while_the_log_was_locked_moves_the_readings_before_it(
        log: EventLog, tmp_path: Path, unlock_at: int) -> None:
    # Readings held in memory have no row id yet: a step logged while they were held, or
    # before the next reading after they were written, had said where it came by none, and the
    # restart moved no reading (a review of the change). It counts readings, held ones too.
    s = LoggedSession(log)
    start = _on_the_monitor(s)
    lock = Locked(s, tmp_path / "sessions.sqlite3")
    for second in range(10, 300, 10):
        if second == 250:
            lock.locked = True   # the log locked (a backup, an antivirus scan) for a minute
        s.t(start + second); s.device("resp_rate", 14); s.device("spo2", 97)
    if unlock_at == 299:
        lock.locked = False
        s.t(start + 299)         # the held readings written; none committed since
        assert s.engine.unsaved == 0
    _step_wall_clock(s, -HOUR)
    s.t(start + 301)
    lock.locked = False
    s.t(start + 303)             # the held readings and the step written
    assert s.engine.unsaved == 0
    restart(s, 5, reads_device=True)
    s.engine.device_state_changed("connected", s.now())
    for second in range(310, 340, 5):   # the monitor back: SpO2, no RR
        s.t(start + second); s.device("spo2", 97)
    assert [o.priority.label for o in alarms(s.engine, "resp_rate_low")] == ["high"]
