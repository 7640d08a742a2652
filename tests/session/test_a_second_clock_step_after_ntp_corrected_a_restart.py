"""A console restarted on a station clock an hour behind the session's log, NTP then putting it
right, and later the clock falling back an hour and NTP putting it right again: the restart's
own error is put right once; the later steps are the clock's, and the session's timers run on
through them. Live, "Elapsed", the time since T0 and the discharge gate's wait must read what a
restart reads from the same log."""

from __future__ import annotations

import numpy as np
import pytest

from console.session.trend_feed import TrendFeed
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401
from tests.session.test_wait_after_dosing_when_ntp_corrects_a_restart import (
    HOUR, _restart, _set_wall, _waiting_protocol)


def _what_the_nurse_reads(s: LoggedSession) -> tuple[float, float | None, float | None,
                                                     list[str]]:
    now = s.now()
    times = s.engine.times(now)
    wait = s.engine.discharge_wait_s(now)
    return (round(times.elapsed_s),
            None if times.since_t0_s is None else round(times.since_t0_s),
            None if wait is None else round(wait),
            [b for b in s.engine.discharge_blockers(now) if "ended" in b])


def _restart_behind_then_the_clock_flaps(log: EventLog, flap_s: float,
                                         rr_at_s: int | None = None) -> LoggedSession:
    """T0, 20 min, a restart an hour behind, NTP, the clock falling back `flap_s` and NTP
    again, up to T0 + 1980 s on the monotonic clock (the restart's 30 s of downtime in it).
    With `rr_at_s`, an RR of 7 is entered that many seconds after T0 (an alarm)."""
    s = LoggedSession(log, _waiting_protocol())
    s.to_infusion()
    start = s.now().mono - s.origin
    for second in range(60, 1200, 60):
        s.t(start + second); s.device("spo2", 97)
        if second == rr_at_s:
            s.manual("resp_rate", 7)
    _set_wall(s, -HOUR)                      # the station restarts an hour behind
    _restart(s, 30)
    for second in range(1260, 1440, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, HOUR)                       # NTP puts it right: the restart's error undone
    s.t(start + 1441); s.device("spo2", 96)
    for second in range(1500, 1800, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, -flap_s)                    # the clock falls back
    s.t(start + 1801); s.device("spo2", 96)
    _set_wall(s, flap_s)                     # and NTP puts it right again
    s.t(start + 1861); s.device("spo2", 96)
    for second in range(1920, 2000, 60):
        s.t(start + second); s.device("spo2", 97)
    return s


@pytest.mark.parametrize("flap_s", [HOUR, HOUR - 5], ids=["an-hour", "an-hour-less-5s"])
def test_a_second_correction_after_ntp_put_a_restarts_clock_right_reads_as_a_restart(
        log: EventLog, flap_s: float) -> None:  # noqa: F811
    s = _restart_behind_then_the_clock_flaps(log, flap_s)
    live = _what_the_nurse_reads(s)
    _restart(s, 0)                           # the same log read back at the same moment
    assert _what_the_nurse_reads(s) == live


def test_the_timers_run_on_through_the_clocks_later_steps(log: EventLog) -> None:  # noqa: F811
    s = _restart_behind_then_the_clock_flaps(log, HOUR)
    elapsed, since_t0, _, _ = _what_the_nurse_reads(s)
    assert since_t0 == 1980   # not 5580: the gate's time from T0 an hour early
    _restart(s, 0)
    assert _what_the_nurse_reads(s)[1] == 1980


def test_the_trend_draws_the_readings_where_the_timers_count_them(
        log: EventLog) -> None:  # noqa: F811
    s = _restart_behind_then_the_clock_flaps(log, HOUR)
    session = s.engine.session_id
    feed = TrendFeed(log.session(session).started_at)   # the review's, a restart's reading
    feed.load(log.observations(session), log.events(session), log.alarm_events(session))
    t, v = feed.series("spo2", False)
    drawn = [round(float(x) * 60) for x in t[~np.isnan(v)]]
    # SpO2 each minute from T0 + 1 min to T0 + 33 min where the monotonic clock had it (the
    # restart's 30 s in it): none an hour off, none on another's minute.
    now = s.now().mono - s.origin
    t0 = now - 1980
    taken = [*range(60, 1200, 60), 1260, 1320, 1380, 1441, *range(1500, 1800, 60), 1801, 1861,
             1920, 1980]
    assert drawn == [round(t0 + second) for second in taken]
    assert round(feed.minutes_at(s.now().wall) * 60) == round(now)
