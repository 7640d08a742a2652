"""The station restarts with its clock an hour wrong against the session's log, and restarts
AGAIN on the same wrong clock (a second crash, a power blip) before NTP puts the clock right.
The step corrects the first restart's clock, not the second's (its gap is only its downtime):
read from the log, the step reaches back through the second restart to the first. Live, the
console must read what a restart from the same log reads: the discharge gate's wait after the
infusion, "Elapsed", the time since T0, the due checks and the alarms put back. Live had kept
the hour a clock ahead counted as downtime: the gate's wait read as met, 20 min early."""

from __future__ import annotations

import pytest

from console.store import EventLog
from tests.session.test_restart_clock_corrected_live import _checks_and_alarms_the_nurse_reads
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401
from tests.session.test_wait_after_dosing_when_ntp_corrects_a_restart import (
    HOUR, _restart, _set_wall, _the_gates_wait, _waiting_protocol)


def _what_the_nurse_reads(s: LoggedSession) -> tuple[object, ...]:
    """The gate's line about the infusion and its wait, the time since T0 and "Elapsed"."""
    times = s.engine.times(s.now())
    return (_the_gates_wait(s), None if times.since_t0_s is None else round(times.since_t0_s),
            round(times.elapsed_s))


@pytest.mark.parametrize("wrong_s", [HOUR, -HOUR], ids=["clock-ahead", "clock-behind"])
def test_the_gates_wait_after_ntp_corrects_a_clock_two_restarts_found_wrong_is_a_restarts(
        log: EventLog, wrong_s: float) -> None:  # noqa: F811
    s = LoggedSession(log, _waiting_protocol())
    s.to_infusion()
    start = s.now().mono - s.origin
    for second in range(60, 2460, 60):
        s.t(start + second); s.device("spo2", 97)
    assert s.engine.advance_phase("nurse.ana", s.now()).done   # the infusion ends at T0 + 40
    for second in range(2520, 2700, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, wrong_s)                    # the station restarts with its clock an hour off
    _restart(s, 30)
    s.t(start + 2760); s.device("spo2", 97)
    _restart(s, 30)                          # and again, on the same wrong clock
    s.t(start + 2880); s.device("spo2", 97)
    _set_wall(s, -wrong_s)                   # NTP puts it right
    s.t(start + 2941); s.device("spo2", 96)
    s.t(start + 3000); s.device("spo2", 97)
    # 600 s after the infusion ended (the restarts' 60 s included): 20 min of the 30 to wait.
    live = _what_the_nurse_reads(s)
    assert live[0] == (["Observation must reach 30 min after Infusion ended: 20:00 min left"],
                       1200, 40.0)
    _restart(s, 0)                           # the same log read back at the same moment
    assert _what_the_nurse_reads(s) == live


@pytest.mark.parametrize("wrong_s", [HOUR, -HOUR], ids=["clock-ahead", "clock-behind"])
@pytest.mark.parametrize("bp_between", [False, True], ids=["bp-unmet", "bp-between-restarts"])
def test_checks_and_alarms_after_ntp_corrects_a_clock_two_restarts_found_wrong_are_a_restarts(
        log: EventLog, wrong_s: float, bp_between: bool) -> None:  # noqa: F811
    # The BP check left unmet and the acknowledged SpO2 alarm came back from the log at both
    # restarts: NTP moves them as the replay of the log places them (not an hour more overdue,
    # the alarm not an hour older, its reminder not at once). A BP taken between the restarts,
    # on the clock as it ran then, times the next check where it is: not an hour later.
    s = LoggedSession(log)
    s.to_infusion()                          # T0 before the restarts; BP every 10 min, unmet
    start = s.now().mono - s.origin
    for second in range(60, 1200, 60):
        s.t(start + second); s.device("spo2", 97 if second < 1080 else 88)
    low = next(o for o in s.engine.alarms() if o.condition.startswith("spo2"))
    assert s.engine.acknowledge(low.id, "nurse.ana", s.now()).done
    _set_wall(s, wrong_s)                    # the station restarts with its clock wrong
    restart(s, 30)
    for second in range(1260, 1380, 60):
        s.t(start + second); s.device("spo2", 88)
    if bp_between:
        s.bp(122, 80); s.manual("heart_rate", 72)
    restart(s, 30)                           # and again, on the same wrong clock
    for second in range(1440, 1560, 60):
        s.t(start + second); s.device("spo2", 88)
    _set_wall(s, -wrong_s)                   # NTP puts it right
    for second in range(1620, 1740, 60):
        s.t(start + second); s.device("spo2", 88)
    live = _checks_and_alarms_the_nurse_reads(s)
    assert live[0] and live[1]               # a check due and an alarm to compare
    restart(s, 0)                            # the same log read back at the same moment
    assert _checks_and_alarms_the_nurse_reads(s) == live
