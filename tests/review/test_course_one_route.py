"""A course is the sessions of one route, as the chair numbers them (console/session/course.py):
a patient with an IV course (sessions 1 and 2) then an esketamine course (its session 1) has two,
shown one at a time, the route in the title, the other chosen on the page.

Review 48: the Course tab put all three side by side, titled "Session 1", "Session 2", "Session
1", on one T0 axis with both protocols' limits, nothing saying two courses were mixed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6 import QtCore

from console.identity import SecretKind, Staff
from console.review import content as rc
from console.review.queries import load_course, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver
from tests.ui.test_review_identity import (
    ADMIN,
    ADMIN_PIN,
    PRESCRIBER,
    PRESCRIBER_PIN,
    access_rows,
    fast,
    open_window,
    signed_in,
)

PATIENT = "MRN-7070"
ACCOUNTS_AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _session(log: EventLog, protocol: str, day: int, number: int, mg: float | None = None
             ) -> int:
    r = Driver(log, protocol, PATIENT, 70.0, "nurse.ana", datetime(2026, 3, day, 9, 0, tzinfo=UTC),
               number, chosen_mg=mg)
    r.manual(bp_systolic=124, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
    r.tick_required()
    r.at(5); r.advance()
    r.at(30); r.manual(bp_systolic=150 if protocol == "esketamine" else 140, bp_diastolic=88)
    r.at(40)
    assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="test").done
    return r.id


def _log(path) -> dict[str, int]:
    """IV sessions 1 and 2, then esketamine session 1; the session ids by label."""
    with EventLog.open(path, "test", now=ACCOUNTS_AT) as log:
        staff = Staff(log, fast())
        admin = staff.add(ADMIN, "administrator", ADMIN_PIN, SecretKind.PIN, None, ACCOUNTS_AT)
        staff.add(PRESCRIBER, "prescriber", PRESCRIBER_PIN, SecretKind.PIN, admin, ACCOUNTS_AT)
        return {"iv-1": _session(log, "iv-ketamine", 2, 1),
                "iv-2": _session(log, "iv-ketamine", 4, 2),
                "nasal-1": _session(log, "esketamine", 20, 1, mg=56)}


def test_a_patients_sessions_are_one_course_per_route(tmp_path, installed):
    path = tmp_path / "log.sqlite3"
    ids = _log(path)
    conn = open_readonly(path)
    try:
        courses = rc.route_courses(load_course(conn, PATIENT), installed)
    finally:
        conn.close()
    assert [(c.name, [r.session_id for r in c.sessions]) for c in courses] == [
        ("IV course", [ids["iv-1"], ids["iv-2"]]),
        ("Intranasal course", [ids["nasal-1"]])]
    for course in courses:   # within a course, no two columns alike
        headers = [rc.course_header(r) for r in course.sessions]
        assert len(set(headers)) == len(headers), headers


def _course_read(path) -> list[int]:
    return sorted(r[2] for r in access_rows(path) if r[6] == "course of the patient")


def test_the_course_page_shows_one_route_and_offers_the_other(qtbot, tmp_path, installed):
    path = tmp_path / "log.sqlite3"
    ids = _log(path)
    window, _ = open_window(qtbot, path, installed, signed_in(path, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    window.show()
    page = window.course_page
    # "Course of this patient" from the IV session 2: its course, IV.
    model = window.list_page.model
    window.list_page.table.selectRow(next(i for i in range(len(model.sessions))
                                          if model.session_at(i).id == ids["iv-2"]))
    window.list_page.course_button.click()
    assert window.tabs.currentWidget() is page
    assert page.title.text() == "IV course of MRN-7070: 2 sessions"
    assert page.model.columns() == ("Session 1", "Session 2")
    assert [r.session_id for r in page.model.course] == [ids["iv-1"], ids["iv-2"]]
    # Only what was shown is logged as read.
    assert _course_read(path) == [ids["iv-1"], ids["iv-2"]]
    # The other course is offered beside the patient.
    box = page.route_box
    assert box.isVisibleTo(page)
    assert [box.itemText(i) for i in range(box.count())] == [
        "IV course (2 sessions)", "Intranasal course (1 session)"]
    assert box.currentText() == "IV course (2 sessions)"
    box.setCurrentIndex(1)
    box.activated.emit(1)                              # the clinician chooses it
    assert page.title.text() == "Intranasal course of MRN-7070: 1 session"
    assert [r.session_id for r in page.model.course] == [ids["nasal-1"]]
    assert _course_read(path) == sorted([ids["iv-1"], ids["iv-2"], ids["nasal-1"]])
    # Its trend draws that course alone.
    page.views.setCurrentWidget(page.trend)
    qtbot.waitUntil(lambda: not page.trend_reading and page.trend.trend is not None)
    assert [s.row.session_id for s in page.trend.trend.sessions] == [ids["nasal-1"]]
    # From the esketamine session's page, Ctrl+Tab: its course.
    window.show_course(PATIENT, ids["iv-1"])
    assert page.title.text() == "IV course of MRN-7070: 2 sessions"
    window.open_session(ids["nasal-1"])
    qtbot.keyClick(window.detail_page.back_button, QtCore.Qt.Key.Key_Tab,
                   QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is page
    assert page.title.text() == "Intranasal course of MRN-7070: 1 session"
    window.close_log()


def test_a_course_asked_for_by_patient_alone_is_the_latest_sessions(qtbot, tmp_path, installed):
    path = tmp_path / "log.sqlite3"
    ids = _log(path)
    window, _ = open_window(qtbot, path, installed, signed_in(path, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    window.show()
    window.show_course(PATIENT)
    assert window.course_page.title.text() == "Intranasal course of MRN-7070: 1 session"
    assert _course_read(path) == [ids["nasal-1"]]
    window.close_log()
