"""A session restarted by an older console (its `session_resumed` says neither how many readings
came before it nor how its clock met the log), then by this one, then NTP sets the clock back an
hour and the console restarts: the readings logged before the step are moved by it as in a log
of this console's alone. The older restart had stopped the move, and the last RR replayed an
hour in the future: "No respiratory rate for 20 s" silent after the restart (a review). The
older restart is now placed among the readings by its time."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from console.clock import Moment
from console.records import SessionOpened
from console.session.engine import SessionEngine
from console.store import EventLog
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import LoggedSession, alarms, log, restart  # noqa: F401

HOUR = 3600.0


def _restart_reading_older(s: LoggedSession, after: float, older: set[int]) -> None:
    """`restart`, but the `session_resumed` events at positions `older` (0-based, among the
    session_resumed ones) read as an older console wrote them: no observations_before, no
    clock_gap_s."""
    lg: EventLog = s.recorder  # type: ignore[assignment]
    now = s.clock.advance(after)
    row = lg.session(s.engine.session_id)
    logged = lg.observations(row.id)
    events, n = [], 0
    for _, e in lg.events(row.id):
        if e.kind == "session_resumed":
            if n in older:
                e = replace(e, detail={k: v for k, v in e.detail.items()
                                       if k not in ("observations_before", "clock_gap_s")})
            n += 1
        events.append(e)
    s.engine = SessionEngine.resume(
        iv_protocol(), lg, row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], events, [r for _, r in lg.alarm_events(row.id)], now,
        observation_ids=[i for i, _ in logged], reads_device=True)


@pytest.mark.parametrize("older", [set(), {0}], ids=["all-new", "first-restart-by-an-older-console"])
def test_readings_before_a_step_move_after_an_older_consoles_restart(
        log: EventLog, older: set[int]) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    start = s.now().mono - s.origin

    def breathe(frm: int, to: int) -> None:
        s.engine.device_state_changed("connected", s.now())
        for second in range(frm, to, 10):
            s.t(start + second); s.device("resp_rate", 14); s.device("spo2", 97)

    breathe(10, 100)
    restart(s, 5, reads_device=True)          # restart 1 (by an older console, in "older")
    breathe(110, 200)
    restart(s, 5, reads_device=True)          # restart 2: the upgraded console
    breathe(210, 300)
    now = s.clock.now()                       # NTP sets the wall clock back an hour
    s.clock._now = Moment(now.mono, now.wall - timedelta(seconds=HOUR))
    s.t(start + 301)
    _restart_reading_older(s, 5, older)       # restart 3
    s.engine.device_state_changed("connected", s.now())
    for second in range(310, 340, 5):         # the monitor back: SpO2, no RR
        s.t(start + second); s.device("spo2", 97)
    assert [o.priority.label for o in alarms(s.engine, "resp_rate_low")] == ["high"]
