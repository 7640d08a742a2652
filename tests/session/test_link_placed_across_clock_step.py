"""A restart replays the monitor's link changes in their place among the readings, also when NTP
set the station clock back during the session (R10).

The absence rules ("No respiratory rate for 20 s") are replayed through the link as the log has
it. The link changes were ordered against the readings by their logged wall times: a monitor
unplugged after a step back read as older than every reading logged before the step, so the
replay took the monitor as unplugged from the start, never saw the apnoea, and the restart put
the last RR's medium alarm ("Respiratory rate 11") in place of the acknowledged high apnoea. A
link change now logs how many readings came before it (`observations_before`), as a phase start
does; an older log's is placed on the stepped clock.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.clock import Moment
from console.records import EventRecord, SessionOpened
from console.session.engine import OBSERVATIONS_BEFORE, SessionEngine
from console.store import EventLog
from tests.session.helpers import HIGH, iv_protocol
from tests.session.test_resume_as_live import NURSE, LoggedSession, log  # noqa: F401

STEP_BACK_S = -600.0


def _second(s: LoggedSession, rr: float | None = None) -> None:
    """One second of the monitor: SpO2, and RR when given."""
    s.t(s.now().mono - s.origin + 1)
    s.device("spo2", 97)
    if rr is not None:
        s.device("resp_rate", rr)


def _apnoea_acknowledged_then_unplugged(s: LoggedSession) -> list[tuple[int, str, str, str]]:
    """RR 14 for 30 s, the clock set back 10 min (logged), RR 11, then no RR while SpO2 keeps
    coming: the apnoea, acknowledged; then the cable pulled. The apnoea as the nurse sees it."""
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    for _ in range(30):
        _second(s, rr=14)
    now = s.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(seconds=STEP_BACK_S))   # NTP
    _second(s, rr=11)                                  # RR 11: a medium alarm
    for _ in range(25):                                # then no RR: the apnoea (high)
        _second(s)
    (apnoea,) = [o for o in s.engine.alarms() if o.condition == "resp_rate_low"]
    assert (apnoea.priority, apnoea.value) == (HIGH, None)
    assert s.engine.acknowledge(apnoea.id, NURSE, s.now()).done
    _second(s)
    s.engine.device_state_changed("disconnected", s.now(), "port lost: EIO")
    return apnoea_shown(s.engine)


def apnoea_shown(engine: SessionEngine) -> list[tuple[int, str, str, str]]:
    return [(o.id, o.priority.label, o.state.value, o.message.split(" for ")[0])
            for o in engine.alarms() if o.condition == "resp_rate_low"]


def _restart(s: LoggedSession, older_log: bool) -> SessionEngine:
    """The console restarted 10 s later, reading the monitor again; `older_log`: the link
    changes as a console before this fix logged them (no `observations_before`)."""
    records: EventLog = s.recorder   # type: ignore[assignment]
    now = s.clock.advance(10)
    row = records.session(s.engine.session_id)
    logged = records.observations(row.id)
    events = [r for _, r in records.events(row.id)]
    if older_log:
        events = [EventRecord(e.session_id, e.at, e.kind, e.actor,
                              {k: v for k, v in e.detail.items() if k != OBSERVATIONS_BEFORE})
                  if e.kind == "device_state" else e for e in events]
    return SessionEngine.resume(
        iv_protocol(), records, row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], events, [r for _, r in records.alarm_events(row.id)], now,
        observation_ids=[i for i, _ in logged], reads_device=True)


def test_a_link_change_logs_where_it_came_among_the_readings(log: EventLog) -> None:
    s = LoggedSession(log)
    _apnoea_acknowledged_then_unplugged(s)
    unplugged = [e for _, e in log.events(s.engine.session_id) if e.kind == "device_state"][-1]
    assert unplugged.detail[OBSERVATIONS_BEFORE] == len(log.observations(s.engine.session_id))


@pytest.mark.parametrize("older_log", [False, True], ids=["placed", "older-log"])
def test_an_acknowledged_apnoea_stays_the_apnoea_after_a_restart_when_the_clock_was_set_back(
        log: EventLog, older_log: bool) -> None:
    s = LoggedSession(log)
    live = _apnoea_acknowledged_then_unplugged(s)
    assert [shown[1:] for shown in live] == [("high", "acknowledged", "No respiratory rate")]
    # Not "Respiratory rate 11 breaths/min" (medium): the same occurrence, as it was.
    assert apnoea_shown(_restart(s, older_log)) == live
