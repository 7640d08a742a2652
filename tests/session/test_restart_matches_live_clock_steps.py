"""Alarm rows after an NTP clock step and a restart: on the clock as it reads now, as the
readings and events are (`SessionEngine.resume`, `ALARM_ROWS_BEFORE`; review 44). Left on
their logged times, an acknowledged alarm's reminder came an hour late (clock set back) or at
once (set forward), a typo's latched alarm was not ended by taking the typo back, and a value
after a step back was read as older than the alarm's row and its words were left out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from console.clock import Moment
from console.records import SessionOpened
from console.session.engine import ALARM_ROWS_BEFORE, CLOCK_STEPPED, SessionEngine
from console.store import EventLog
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401
from tests.session.test_void_as_restart import void

HOUR = 3600.0


def _step_wall_clock(s: LoggedSession, seconds: float) -> None:
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(seconds=seconds))   # the wall clock only


def _dbp(s: LoggedSession) -> tuple[str, str]:
    (o,) = [o for o in s.engine.alarms() if o.condition == "bp_diastolic_high"]
    return o.priority.label, o.state.value


def _acknowledged_dbp_then_step(s: LoggedSession, step_s: float) -> float:
    """A medium diastolic alarm acknowledged at T+60, NTP stepping the clock at T+71; returns
    T's offset from the session's origin."""
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60); s.manual("bp_diastolic", 114, confirmed=True)   # medium alarm
    s.engine.acknowledge_all("nurse.ana", s.now())                    # silenced at T+60
    s.t(start + 70)
    _step_wall_clock(s, step_s); s.t(start + 71)                      # NTP step, logged
    s.t(start + 80)
    return start


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
@pytest.mark.parametrize("step_s", [-HOUR, HOUR], ids=["ntp-back", "ntp-forward"])
def test_an_acknowledged_alarm_reminds_150_s_after_its_acknowledgement_across_a_clock_step(
        log: EventLog, step_s: float, restarted: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    start = _acknowledged_dbp_then_step(s, step_s)
    if restarted:
        restart(s, 0)
        s.engine.tick(s.now())
    assert _dbp(s) == ("medium", "acknowledged")      # 20 s after the acknowledgement
    s.t(start + 60 + 155)                              # 155 s after it: the reminder is due
    assert _dbp(s) == ("medium", "active")


@pytest.mark.parametrize("step_s", [-HOUR, HOUR], ids=["ntp-back", "ntp-forward"])
def test_a_step_an_older_console_logged_still_loads_and_never_delays_a_reminder(
        log: EventLog, step_s: float) -> None:  # noqa: F811
    """A `clock_stepped` without `ALARM_ROWS_BEFORE` (an older console's) moves no alarm row,
    as then, but no row is later than the restart: set back, the acknowledgement counts from
    the restart (reminded 150 s after it, not an hour late); set forward, it reads an hour old
    (reminded at once: early, never late)."""
    s = LoggedSession(log)
    start = _acknowledged_dbp_then_step(s, step_s)
    row = log.session(s.engine.session_id)
    logged = log.observations(row.id)
    events = [replace(e, detail={k: v for k, v in e.detail.items() if k != ALARM_ROWS_BEFORE})
              if e.kind == CLOCK_STEPPED else e for _, e in log.events(row.id)]
    assert any(e.kind == CLOCK_STEPPED for e in events)
    s.engine = SessionEngine.resume(
        iv_protocol(), log, row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], events, [r for _, r in log.alarm_events(row.id)], s.now(),
        observation_ids=[i for i, _ in logged])
    s.engine.tick(s.now())
    assert _dbp(s) == ("medium", "acknowledged" if step_s < 0 else "active")
    s.t(start + 80 + 151)   # 151 s after the restart
    assert _dbp(s) == ("medium", "active")


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
@pytest.mark.parametrize("step_s", [0.0, -HOUR, HOUR], ids=["no-step", "ntp-back", "ntp-forward"])
def test_a_latched_alarm_of_a_typo_ends_when_the_typo_is_taken_back_across_a_clock_step(
        log: EventLog, step_s: float, restarted: bool) -> None:  # noqa: F811
    # A typed SpO2 85 (meant 95) raised a high alarm that a later 96 latched; taken back as
    # entered in error, the latched alarm for a value never measured ends.
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60); s.manual("spo2", 85, confirmed=True)        # the typo: high, unseen
    typo = s.engine._state.rows["spo2"][-1][0]
    s.t(start + 70); s.manual("spo2", 96, confirmed=True)        # back inside: latched
    assert [(o.condition, o.state.value) for o in s.engine.alarms()] == [("spo2_low", "latched")]
    s.t(start + 80)
    if step_s:
        _step_wall_clock(s, step_s); s.t(start + 81)             # NTP step, logged
    s.t(start + 90)
    if restarted:
        restart(s, 0)
        s.engine.tick(s.now())
    assert [(o.condition, o.state.value) for o in s.engine.alarms()] == [("spo2_low", "latched")]
    void(s, typo, "spo2")
    assert [o.condition for o in s.engine.alarms()] == []


def test_alarm_words_after_a_clock_step_back_are_the_last_values_as_live(
        log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin
    s.t(start + 60); s.manual("spo2", 88, confirmed=True)      # high "SpO2 88 %": raised row
    s.t(start + 120)
    _step_wall_clock(s, -HOUR); s.t(start + 121)               # NTP sets the clock back an hour
    s.t(start + 180); s.manual("spo2", 85, confirmed=True)     # still high: words "85", no row
    s.t(start + 240); s.manual("spo2", 92, confirmed=True)     # medium now; shown high, unseen
    s.t(start + 241)
    live = [(o.id, o.priority.label, o.state.value, o.banner(), o.value) for o in s.engine.alarms()]
    assert "85" in live[0][3]
    restart(s, 0)
    s.engine.tick(s.now())
    assert [(o.id, o.priority.label, o.state.value, o.banner(), o.value)
            for o in s.engine.alarms()] == live
