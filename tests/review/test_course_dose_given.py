"""The course's "Dose" row (and the session header's dose) says what the record shows was given,
not the planned dose as if given: nasal devices by the devices ticked given, an infusion that
ended early or whose session never ended by how far it ran.

Audit: an esketamine session with 2 of its 3 devices ticked given read "84 mg" in the course,
and an IV session left open at T0 + 25 of a 40-minute infusion read the whole "36 mg".
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver
from tests.review.review_windows import open_review

PATIENT = "MRN-DOSE"
# The course's Dose row, one session a column, as the clinician reads it.
DOSES = [
    "56 mg given (2 of 3 devices); 84 mg planned",                    # 2 of 3 devices
    "36 mg (0.5 mg/kg) planned; ended at 25:00 of 40 min",               # sent home at T0 + 25
    "28 mg given (1 of 2 devices); 56 mg planned; session not ended",  # left open
    "36 mg (0.5 mg/kg) planned; session not ended (infusion at 25:00 of 40 min)",  # open at T0 + 25
    "36 mg (0.5 mg/kg)",                                              # the whole infusion
]
# The same sessions' header "Dose" (the Session page's and the PDF's).
HEADERS = [
    "84 mg planned (3 devices; 2 recorded given)",
    "36 mg at 150 mL/h (planned; infusion ended after 25:00 of 40 min)",
    "56 mg planned (2 devices; 1 recorded given)",
    "36 mg at 150 mL/h (planned; session not ended, infusion at 25:00 of 40 min)",
    "36 mg at 150 mL/h",
]


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 9, 0, tzinfo=UTC)


def build(path: Path) -> list[int]:
    """Five sessions of one patient, each on its own day (T0 at 09:05 each time)."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        ids = [
            _esketamine(log, at(2), 1, 84, devices=2, discharge_at=130),
            _iv(log, at(4), 2, stop_at=30),
            _esketamine(log, at(6), 3, 56, devices=1, discharge_at=None),
            _iv(log, at(9), 4, stop_at=None, last_at=30),
            _iv(log, at(11), 5, stop_at=None, last_at=50, advance_at=45),
        ]
    finally:
        log.close()
    return ids


def _esketamine(log: EventLog, start: datetime, number: int, mg: float, devices: int,
                discharge_at: float | None) -> int:
    r = Driver(log, "esketamine", PATIENT, 70.0, "nurse.ben", start, number, chosen_mg=mg)
    r.manual(bp_systolic=128, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
    r.tick_required()
    r.at(5); r.advance()                                       # T0: the first device
    for n in range(1, devices + 1):
        r.at(5 + 5 * (n - 1))
        assert r.engine.tick_item(f"device-{n}", r.nurse, r.clock.now(), note="lot L1").done
    if discharge_at is not None:                               # the rest never given
        r.at(20); r.advance(override_reason="patient declined the next device")
        r.at(discharge_at)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="test").done
    else:
        r.at(12); r.device(heart_rate=72, spo2=97, resp_rate=14)   # left open here
    return r.id


def _iv(log: EventLog, start: datetime, number: int, stop_at: float | None,
        last_at: float | None = None, advance_at: float | None = None) -> int:
    r = Driver(log, "iv-ketamine", PATIENT, 72.0, "nurse.ana", start, number)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
    r.tick_required()
    r.at(5); r.advance()                                       # T0 09:05
    for minute in range(6, int(stop_at or last_at or 0) + 1):
        r.at(minute); r.device(heart_rate=74, spo2=97, resp_rate=14)
        if minute == advance_at:                               # the infusion ran its 40 min
            r.tick_required(); r.advance()
    if stop_at is not None:                                    # sent home in the infusion
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="unwell").done
    return r.id


@pytest.fixture(scope="module")
def dose_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    path = tmp_path_factory.mktemp("dose") / "log.sqlite3"
    return path, build(path)


def test_the_course_dose_says_what_the_record_shows_was_given(dose_log):
    path, ids = dose_log
    conn = open_readonly(path)
    try:
        course = load_course(conn, PATIENT)
        details = [load_session(conn, session) for session in ids]
    finally:
        conn.close()
    assert [row.session_id for row in course] == ids
    assert [rc.course_cells(row, UTC)["dose"] for row in course] == DOSES
    assert [dict(rc.header_fields(d, UTC))["Dose"] for d in details] == HEADERS


def test_the_course_page_shows_the_dose_given(qtbot, dose_log):
    path, ids = dose_log
    window = open_review(qtbot, path, datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    try:
        # One course a route: the IV course (the latest session's), then the esketamine one.
        window.show_course(PATIENT)
        assert window.course_page.model.figure("dose") == [DOSES[i] for i in (1, 3, 4)]
        window.show_course(PATIENT, ids[0])
        assert window.course_page.model.figure("dose") == [DOSES[i] for i in (0, 2)]
        window.open_session(ids[3])
        assert "36 mg at 150 mL/h (planned; session not ended, infusion at 25:00 of 40 min)" in (
            window.detail_page.subtitle.text())
    finally:
        window.close_log()
