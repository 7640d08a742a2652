"""The session list's search: an identifier typed whole and Enter open that patient's newest
session, never a longer identifier's later one (README: "Enter opens the newest match").

MRN-10 (09:00) and MRN-100 (11:00) in one log: "MRN-10" is part of both identifiers, the list
is newest first and its first row was selected, so MRN-10 + Enter opened MRN-100's session,
and "Course of this patient" showed MRN-100's course (a review of the review window).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6 import QtCore

from console.store import EventLog
from console.ui.review_window import ReviewWindow
from tests.review.review_windows import open_review
from tests.ui.review_sessions import _quiet_iv

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _two_patients(tmp_path: Path, qtbot) -> ReviewWindow:
    """MRN-10's session at 09:00, MRN-100's at 11:00 the same day; the review open on them."""
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        _quiet_iv(log, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1, patient="MRN-10")
        _quiet_iv(log, datetime(2026, 3, 2, 11, 0, tzinfo=UTC), 1, patient="MRN-100")
    finally:
        log.close()
    return open_review(qtbot, path, NOW)


def test_an_identifier_typed_whole_and_enter_open_that_patients_session_not_a_longer_ones(
        qtbot, tmp_path: Path) -> None:
    window = _two_patients(tmp_path, qtbot)
    page = window.list_page
    # The clinician types MRN-10 whole: both patients are listed (the search finds a part).
    qtbot.keyClicks(page.patient_box, "MRN-10")
    assert page.model.column("Patient") == ["MRN-100", "MRN-10"]
    # Enter opens MRN-10's session, though MRN-100's is newer.
    qtbot.keyClick(page.patient_box, QtCore.Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is window.detail_page
    assert window.detail_page.detail is not None
    assert window.detail_page.detail.summary.patient_id == "MRN-10"
    # "Course of this patient" from the list is MRN-10's course too.
    window.tabs.setCurrentWidget(page)
    page.course_button.click()
    assert window.course_page.shown == "MRN-10"
    assert window.course_page.title.text() == "IV course of MRN-10: 1 session"
    # Spelled as the chair finds a patient (case, spaces: `patient_fold`), the same patient.
    window.tabs.setCurrentWidget(page)
    page.patient_box.setText(" mrn-10 ")
    qtbot.keyClick(page.patient_box, QtCore.Qt.Key.Key_Return)
    assert window.detail_page.detail.summary.patient_id == "MRN-10"
    window.close_log()


def test_part_of_two_patients_identifiers_and_enter_open_nothing_and_the_line_says_choose(
        qtbot, tmp_path: Path) -> None:
    window = _two_patients(tmp_path, qtbot)
    page = window.list_page
    # "MRN-1" is neither identifier whole, and part of two patients': nothing is chosen.
    qtbot.keyClicks(page.patient_box, "MRN-1")
    assert page.model.column("Patient") == ["MRN-100", "MRN-10"]
    assert page.count_label.text().startswith("2 patients match: choose a session · 2 sessions")
    assert not page.open_button.isEnabled()
    assert not page.course_button.isEnabled()
    qtbot.keyClick(page.patient_box, QtCore.Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is page   # Enter opened nobody's session
    # A session chosen, the line says no more to choose one, and Enter opens it.
    page.table.selectRow(1)
    assert page.open_button.isEnabled()
    assert page.count_label.text().startswith("2 sessions, newest first")
    qtbot.keyClick(page.table, QtCore.Qt.Key.Key_Return)
    assert window.detail_page.detail.summary.patient_id == "MRN-10"
    # Part of one patient's identifier only: its newest session, as before.
    window.tabs.setCurrentWidget(page)
    page.patient_box.setText("100")
    assert page.count_label.text().startswith("1 session, newest first")
    qtbot.keyClick(page.patient_box, QtCore.Qt.Key.Key_Return)
    assert window.detail_page.detail.summary.patient_id == "MRN-100"
    window.close_log()
