"""An infusion stopped early reads, in the review's header and the course, how long it ran to
the second, as the chair's dose line does (`dosing.infusion_stopped_at`): stopped 45 s after T0
(the patient reacted at once) it read "ended after 0 of 40 min", as if nothing ran, and at 38:59
"38"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

PATIENT = "MRN-STOP"


def _stopped(log: EventLog, day: int, number: int, ran_min: float) -> int:
    """T0 at 5 min, the infusion stopped `ran_min` later (a reason given), sent home at 60."""
    r = Driver(log, "iv-ketamine", PATIENT, 72.0, "nurse.ana",
               datetime(2026, 3, day, 9, 0, tzinfo=UTC), number)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
    r.tick_required()
    r.at(5); r.advance()                                       # T0
    r.at(5 + ran_min); r.advance(override_reason="agitation, pump stopped")
    r.at(60)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="recovered").done
    return r.id


@pytest.fixture(scope="module")
def stopped_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    path = tmp_path_factory.mktemp("stopped") / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        ids = [_stopped(log, 2, 1, 45 / 60), _stopped(log, 4, 2, 38 + 59 / 60)]
    finally:
        log.close()
    return path, ids


def test_the_header_and_the_course_say_the_time_the_infusion_ran(stopped_log):
    path, ids = stopped_log
    conn = open_readonly(path)
    try:
        course = load_course(conn, PATIENT)
        details = [load_session(conn, session) for session in ids]
    finally:
        conn.close()
    assert [dict(rc.header_fields(d, UTC))["Dose"] for d in details] == [
        "36 mg at 150 mL/h (planned; infusion ended after 0:45 of 40 min)",
        "36 mg at 150 mL/h (planned; infusion ended after 38:59 of 40 min)",
    ]
    assert [rc.course_cells(row, UTC)["dose"] for row in course] == [
        "36 mg (0.5 mg/kg) planned; ended at 0:45 of 40 min",
        "36 mg (0.5 mg/kg) planned; ended at 38:59 of 40 min",
    ]
