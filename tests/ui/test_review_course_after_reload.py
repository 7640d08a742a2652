"""After Reload the Course tab reads the course again (review 45): it still showed the course read before: a session a running chair
added meanwhile is in the list (and its page says 'session 4 of ...') but not in the course."""

from datetime import UTC, datetime

from PySide6 import QtCore

from console.records import SessionOpened
from console.store import EventLog
from tests.ui.test_review_window import (  # noqa: F401 - fixtures
    built_log, log_copy, protocols, review)


def test_course_tab_after_reload_shows_the_session_added_meanwhile(review, qtbot):
    window, _, _, path = review
    page = window.course_page
    window.list_page.table.selectRow(0)
    window.list_page.course_button.click()
    assert page.title.text() == "IV course of MRN-4711: 3 sessions"
    # A chair writing the same log starts this patient's fourth session.
    with EventLog.open(path, "test") as log:
        log.start_session(SessionOpened("MRN-4711", "iv-ketamine", "1.0", 4, "ana", 72.0,
                                        datetime(2026, 3, 10, 11, 0, tzinfo=UTC)))
    window.tabs.setCurrentWidget(window.list_page)
    window.list_page.reload_button.click()            # "Read the log again"
    assert window.list_page.model.column("Patient").count("MRN-4711") == 4
    window.list_page.table.selectRow(0)
    qtbot.keyClick(window.list_page.table, QtCore.Qt.Key.Key_Return)   # opens the new session
    assert "session 4 of" in window.detail_page.title.text()
    window.tabs.setCurrentWidget(page)                 # Ctrl+Tab / a click on "Course"
    assert page.title.text() == "IV course of MRN-4711: 4 sessions"
    assert len(page.model.course) == 4
