"""The Course tab's patient box names the patient whose course is shown, whatever the spelling it
was asked for, and leaves the "Include demo" setting as it is.

Review 48: "Course of this patient" from a session filed under an older spelling ("mrn-94 a", the
box listing the patient as "MRN-94 A") showed another patient's course: the box, looked up by
the exact text, stayed on its first patient, and the tab, shown, followed it; both patients'
sessions were logged as read. A demo patient's course listed every demo patient in the box with
"Include demo" unticked, and from then on too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from console.identity import SecretKind, Staff
from console.records import EventRecord, SessionEnded, SessionOpened
from console.store import EventLog
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
from tests.review.review_windows import open_review

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
ACCOUNTS_AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
# Patient as filed, day in March, demo: MRN-94 A's first session under its older spelling.
SESSIONS = (("mrn-94 a", 1, False), ("MRN-94 A", 3, False), ("MRN-5000", 5, False),
            ("DEMO-0001", 6, True), ("DEMO-0002", 7, True))


def _log(path, accounts: bool = False) -> dict[str, list[int]]:
    """The sessions of `SESSIONS` (ended), their ids by patient as filed."""
    ids: dict[str, list[int]] = {}
    with EventLog.open(path, "test") as log:
        if accounts:
            staff = Staff(log, fast())
            admin = staff.add(ADMIN, "administrator", ADMIN_PIN, SecretKind.PIN, None,
                              ACCOUNTS_AT)
            staff.add(PRESCRIBER, "prescriber", PRESCRIBER_PIN, SecretKind.PIN, admin,
                      ACCOUNTS_AT)
        for number, (patient, day, demo) in enumerate(SESSIONS, start=1):
            sid = log.start_session(SessionOpened(
                patient_id=patient, protocol_id="iv-ketamine", protocol_version="1.5",
                session_number=number, nurse="N", weight_kg=70.0, demo=demo,
                started_at=datetime(2026, 3, day, 9, 0, tzinfo=UTC),
                details={"dose_mg": 35.0, "pump_rate_ml_h": 150.0}))
            end = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
            log.write([EventRecord(sid, end, "session_ended", "N"), SessionEnded(sid, end)])
            ids.setdefault(patient, []).append(sid)
    return ids


def _select(window, patient: str) -> None:
    """Select the list's row of `patient` (as filed)."""
    model = window.list_page.model
    row = next(i for i in range(len(model.sessions)) if model.session_at(i).patient_id == patient)
    window.list_page.table.selectRow(row)


def test_course_of_this_patient_from_an_older_spelling_shows_that_patient(
        qtbot, tmp_path, installed):
    path = tmp_path / "log.sqlite3"
    ids = _log(path, accounts=True)
    window, _ = open_window(qtbot, path, installed, signed_in(path, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    window.show()
    page = window.course_page
    _select(window, "mrn-94 a")
    window.list_page.course_button.click()             # "Course of this patient"
    assert window.tabs.currentWidget() is page
    assert page.patient_box.currentText() == "MRN-94 A"   # the patient, as the box lists it
    assert page.title.text() == "IV course of mrn-94 a: 2 sessions"
    assert [r.session_id for r in page.model.course] == ids["mrn-94 a"] + ids["MRN-94 A"]
    # Only that patient's sessions were read, and logged as read.
    course = [r[2] for r in access_rows(path) if r[6] == "course of the patient"]
    assert sorted(course) == ids["mrn-94 a"] + ids["MRN-94 A"]
    window.close_log()


def test_a_demo_patients_course_leaves_the_other_demo_patients_out_of_the_box(qtbot, tmp_path):
    path = tmp_path / "log.sqlite3"
    _log(path)
    window = open_review(qtbot, path, NOW)
    page = window.course_page
    assert not window.list_page.include_demo.isChecked()
    window.show_course("DEMO-0001")                    # a demo session's "Course of this patient"
    listed = [page.patient_box.itemText(i) for i in range(page.patient_box.count())]
    assert sorted(listed) == ["DEMO-0001", "MRN-5000", "MRN-94 A"]
    assert page.patient_box.currentText() == "DEMO-0001"
    assert page.title.text() == "IV course of DEMO-0001: 1 session"
    # Read again (Reload): still no other demo patient, and the course shown stays.
    window.list_page.reload_button.click()
    listed = [page.patient_box.itemText(i) for i in range(page.patient_box.count())]
    assert "DEMO-0002" not in listed
    assert page.title.text() == "IV course of DEMO-0001: 1 session"
    window.close_log()
