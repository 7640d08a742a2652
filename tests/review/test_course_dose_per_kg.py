"""A course's dose by weight says its mg/kg, and a Weight row gives what it was worked out from.

Review 48: 0.5 mg/kg at 72 kg then at 80 kg read "36 mg" then "40 mg" in the course, a dose
raised to the eye, with nothing to tell a titration step from a heavier patient; a dose cut to
the protocol's cap read as any other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from console.review import content as rc
from console.review.queries import load_course, open_readonly
from console.store import EventLog
from tests.review.review_windows import open_review
from tests.review.scenarios import Driver

PATIENT = "MRN-8080"
# Protocol, weight (kg): the titration session at 0.25 mg/kg (cap 30 mg), then 0.5 mg/kg (cap 60
# mg) at 72 kg, at 80 kg, and at 130 kg (65 mg by weight, capped).
SESSIONS = (("iv-ketamine-titration", 72.0), ("iv-ketamine", 72.0), ("iv-ketamine", 80.0),
            ("iv-ketamine", 130.0))
DOSES = ["18 mg (0.25 mg/kg)", "36 mg (0.5 mg/kg)", "40 mg (0.5 mg/kg)",
         "60 mg (capped; 0.46 mg/kg)"]
WEIGHTS = ["72 kg", "72 kg", "80 kg", "130 kg"]


def _iv(log: EventLog, protocol: str, day: int, number: int, weight: float) -> None:
    r = Driver(log, protocol, PATIENT, weight, "nurse.ana",
               datetime(2026, 3, day, 9, 0, tzinfo=UTC), number)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
    r.tick_required()
    r.at(5); r.advance()
    r.at(50); r.tick_required(); r.advance()
    r.at(90)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="test").done


def _log(path) -> None:
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        for number, (protocol, weight) in enumerate(SESSIONS, start=1):
            _iv(log, protocol, 2 * number, number, weight)
    finally:
        log.close()


def test_the_course_dose_by_weight_says_its_mg_per_kg_and_the_weight(tmp_path):
    path = tmp_path / "log.sqlite3"
    _log(path)
    conn = open_readonly(path)
    try:
        course = load_course(conn, PATIENT)
    finally:
        conn.close()
    cells = [rc.course_cells(row, UTC) for row in course]
    assert [c["dose"] for c in cells] == DOSES
    assert [c["weight"] for c in cells] == WEIGHTS


def test_the_course_page_has_a_weight_row_under_the_dose(qtbot, tmp_path):
    path = tmp_path / "log.sqlite3"
    _log(path)
    window = open_review(qtbot, path, datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    window.show_course(PATIENT)
    page = window.course_page
    assert page.model.figure("dose") == DOSES
    assert page.model.figure("weight") == WEIGHTS
    keys = [k for k, _ in rc.COURSE_FIGURES]
    assert keys.index("weight") == keys.index("dose") + 1
    window.close_log()
