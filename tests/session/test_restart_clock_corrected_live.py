"""A console restarted on a station whose clock was wrong against the session's log, then put
right live (NTP): the timers the nurse reads ("Elapsed", the phase's time, the time since T0) and
the discharge gate's wait are those a later restart reads from the same log. A clock an hour
ahead at the restart counts the hour as downtime; NTP setting it back must take that hour back
live, as the replay of the log does (the step corrects the restart's clock), or the discharge
gate opens an hour early until the next restart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.clock import Moment
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401

HOUR = 3600.0


def _set_wall(s: LoggedSession, seconds: float) -> None:
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(seconds=seconds))


def _what_the_nurse_reads(s: LoggedSession) -> tuple[float, float, float | None, float | None,
                                                     list[str]]:
    now = s.now()
    times = s.engine.times(now)
    return (round(times.elapsed_s), round(times.phase_elapsed_s),
            None if times.since_t0_s is None else round(times.since_t0_s),
            None if (wait := s.engine.discharge_wait_s(now)) is None else round(wait),
            # (the checks' due times are the schedule's, which this does not cover)
            [b for b in s.engine.discharge_blockers(now) if not b.startswith("Alarm not")])


@pytest.mark.parametrize("wrong_s", [HOUR, -HOUR], ids=["clock-ahead", "clock-behind"])
def test_timers_and_discharge_wait_after_ntp_corrects_a_restarts_clock_are_a_restarts(
        log: EventLog, wrong_s: float) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()                          # T0 before the restart
    start = s.now().mono - s.origin
    for second in range(60, 1200, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, wrong_s)                    # the station restarts with its clock wrong
    restart(s, 30)
    for second in range(1260, 1440, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, -wrong_s)                   # NTP puts it right
    s.t(start + 1441); s.device("spo2", 96)
    for second in range(1500, 1800, 60):
        s.t(start + second); s.device("spo2", 97)
    live = _what_the_nurse_reads(s)
    restart(s, 0)                            # the same log read back at the same moment
    assert live == _what_the_nurse_reads(s)
