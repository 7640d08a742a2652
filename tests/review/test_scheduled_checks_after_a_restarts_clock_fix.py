"""The PDF's scheduled checks (`content.scheduled_checks` / `_due`, 02625b0) across a clock step
that put right the clock a restart found wrong. The console crashed during the infusion and came
back on a clock an hour slow (a lost RTC); NTP then set it an hour forward. That step reaches
back only to the restart (`run_reached`, `LoggedStep.reach_id`): the times before the restart,
the phase's start among them, were right and are not moved by it (`logged_seconds` agrees: the
infusion reads its 40 minutes). `_due` still adds the step to every check due after it, so from
the step on every scheduled check is placed an hour late, after the infusion and the session
ended: rows "not recorded (scheduled check)" for checks that were met, at times no reading has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.clock import Moment
from console.export.protocol_file import find_protocol
from console.records import SessionOpened
from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.session.engine import SessionEngine
from console.store import EventLog
from tests.review.scenarios import Driver

CHECK_NOT_RECORDED = "not recorded (scheduled check)"


def _vitals(r: Driver) -> None:
    r.manual(bp_systolic=126, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14)


def _session(tmp_path, crash: bool):
    path = tmp_path / "s.sqlite3"
    with EventLog.open(path, "t", now=datetime(2026, 3, 1, tzinfo=UTC)) as log:
        r = Driver(log, "iv-ketamine", "MRN-GAP", 72.0, "nurse.ana",
                   datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                   # T0 09:05
        for minute in range(6, 11):
            r.at(minute); _vitals(r)
        if crash:
            # Killed at real 09:10; started again at real 09:12 on a clock an hour slow.
            r.at(12)
            now = r.clock.now()
            r.clock._now = Moment(now.mono, now.wall - timedelta(hours=1))
            row = log.session(r.id)
            logged = log.observations(row.id)
            r.engine = SessionEngine.resume(
                r.protocol, log, row.id,
                SessionOpened(row.patient_id, row.protocol_id, row.protocol_version,
                              row.session_number, row.nurse, row.weight_kg, row.started_at,
                              row.demo, row.details),
                [o for _, o in logged], [e for _, e in log.events(row.id)],
                [a for _, a in log.alarm_events(row.id)], r.clock.now(),
                observation_ids=[i for i, _ in logged])
            r.at(13); _vitals(r)
            r.at(15)
            now = r.clock.now()                                # NTP: an hour forward
            r.clock._now = Moment(now.mono, now.wall + timedelta(hours=1))
            r.at(15.5)                                         # logged: clock_stepped
        for minute in range(16, 48):
            r.at(minute); _vitals(r)
        r.manual(moaas=5, nausea=0, dissociation=0)
        r.tick_required(); r.advance()                         # observation after 40 min
        r.at(49)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="for the test").done
        session = r.id
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session, with_observations=True)
    finally:
        conn.close()
    return detail


def test_checks_after_a_step_that_fixed_a_restarts_clock_are_not_placed_an_hour_late(tmp_path):
    detail = _session(tmp_path, crash=True)
    steps = detail.logged_steps()
    assert len(steps) == 1 and steps[0].reach_id > 0, steps   # reaches back to the restart only
    infusion = next(p for p in detail.phases if p.kind == "dosing")
    protocol = find_protocol(detail.summary.protocol_id, detail.events, detail.summary.id)
    missed = [row[0] for row in rc.vital_rows(detail, UTC, protocol)
              if CHECK_NOT_RECORDED in row]
    assert missed == [], f"the report's vitals: checks 'not recorded' at {missed}"
    due = rc.scheduled_checks(detail, protocol)
    late = [t.strftime("%H:%M") for t in due if t > detail.summary.ended_at]
    assert late == [], (f"checks due after the session ended ({detail.summary.ended_at:%H:%M}), "
                        f"the infusion {infusion.started_at:%H:%M}-{infusion.ended_at:%H:%M}: "
                        f"{late}")
