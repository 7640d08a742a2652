"""A console restarted AFTER the dosing ended, on a station clock an hour wrong against the
session's log, and NTP then put the clock right: the discharge gate's "30 min after the infusion
ended" must read live what a restart from the same log reads. A clock an hour ahead at the
restart counts the hour as downtime, so the wait had run out; NTP setting the clock back must
bring the wait back (the protocol under test waits after the dosing: the plain IV test protocol
has no such wait, so the dosing's end was never read)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from console.store import EventLog
from protocols.model import DischargeGate, Protocol
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import LoggedSession, log, restart, set_wall  # noqa: F401

HOUR = 3600.0


def _waiting_protocol() -> Protocol:
    """The IV protocol with the gate's wait of 30 min after the infusion ended."""
    return replace(iv_protocol(), discharge=DischargeGate(min_minutes_after_dosing=30,
                                                          min_aldrete=9))


def _restart(s: LoggedSession, after_seconds: float) -> None:
    """The console killed and started again, reading the session back from its log."""
    restart(s, after_seconds, protocol=_waiting_protocol())


_set_wall = set_wall


def _the_gates_wait(s: LoggedSession) -> tuple[list[str], float | None, float | None]:
    """The gate's line about the dosing, its wait in seconds, and how long the dosing ran."""
    now = s.now()
    wait = s.engine.discharge_wait_s(now)
    return ([b for b in s.engine.discharge_blockers(now) if "ended" in b],
            None if wait is None else round(wait), s.engine.dosing_minutes)


@pytest.mark.parametrize("wrong_s", [HOUR, -HOUR], ids=["clock-ahead", "clock-behind"])
def test_the_wait_after_the_infusion_after_ntp_corrects_a_restart_once_dosing_ended(
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
    for second in range(2760, 2880, 60):
        s.t(start + second); s.device("spo2", 97)
    _set_wall(s, -wrong_s)                   # NTP puts it right
    s.t(start + 2881); s.device("spo2", 96)
    s.t(start + 3000); s.device("spo2", 97)
    # 600 s after the infusion ended (as the monotonic clock ran, the restart's 30 s included):
    # 20 min of the 30 still to wait.
    live = _the_gates_wait(s)
    assert live == (["Observation must reach 30 min after Infusion ended: 20:00 min left"],
                    1200, 40.0)
    _restart(s, 0)                           # the same log read back at the same moment
    assert _the_gates_wait(s) == live
