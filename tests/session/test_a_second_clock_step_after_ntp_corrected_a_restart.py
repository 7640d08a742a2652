"""A console restarted on a station clock an hour behind the session's log, NTP then putting it
right, and later the clock falling back an hour and NTP putting it right again: the restart's
own error is put right once; the later steps are the clock's, and the session's timers run on
through them. Live, "Elapsed", the time since T0 and the discharge gate's wait must read what a
restart reads from the same log."""

from __future__ import annotations

import pytest

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


def _restart_behind_then_the_clock_flaps(log: EventLog, flap_s: float) -> LoggedSession:
    """T0, 20 min, a restart an hour behind, NTP, the clock falling back `flap_s` and NTP
    again, up to T0 + 1980 s on the monotonic clock (the restart's 30 s of downtime in it)."""
    s = LoggedSession(log, _waiting_protocol())
    s.to_infusion()
    start = s.now().mono - s.origin
    for second in range(60, 1200, 60):
        s.t(start + second); s.device("spo2", 97)
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


@pytest.mark.xfail(strict=True, reason="the clock rule (`corrects_restart`, `run_reached`, the "
                   "engine's `_restart_corrected`) takes every later step forward by the "
                   "restart's lag for its correction again: the timers gain the step")
def test_the_timers_run_on_through_the_clocks_later_steps(log: EventLog) -> None:  # noqa: F811
    s = _restart_behind_then_the_clock_flaps(log, HOUR)
    elapsed, since_t0, _, _ = _what_the_nurse_reads(s)
    assert since_t0 == 1980   # not 5580: the gate's time from T0 an hour early
    _restart(s, 0)
    assert _what_the_nurse_reads(s)[1] == 1980
