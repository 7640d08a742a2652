"""The session list's date range set backwards ("From" after "to", as two calendar pop-ups
leave it) says so: the list read "0 sessions", as if nothing had run on those days (a review of
the review window)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6 import QtCore

from console.store import EventLog
from tests.review.review_windows import open_review
from tests.ui.review_sessions import _quiet_iv

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_a_date_range_set_backwards_says_so_and_how_to_set_it_not_0_sessions(
        qtbot, tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        _quiet_iv(log, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1, patient="MRN-10")
        _quiet_iv(log, datetime(2026, 3, 5, 9, 0, tzinfo=UTC), 2, patient="MRN-10")
    finally:
        log.close()
    window = open_review(qtbot, path, NOW)
    page = window.list_page
    # From 09 Mar to 01 Mar: the two dates swapped.
    page.date_check.setChecked(True)
    page.since_edit.setDate(QtCore.QDate(2026, 3, 9))
    page.until_edit.setDate(QtCore.QDate(2026, 3, 1))
    assert page.model.sessions == []
    # The dates are kept as set; the line names both and what to do.
    assert page.count_label.text() == (
        "No sessions: the 'to' date, Sun 01 Mar 2026, is before the 'From' date, "
        "Mon 09 Mar 2026: set them the other way round")
    assert not page.open_button.isEnabled()
    # Set the right way round, the sessions of those days are listed.
    page.since_edit.setDate(QtCore.QDate(2026, 3, 1))
    page.until_edit.setDate(QtCore.QDate(2026, 3, 9))
    assert len(page.model.sessions) == 2
    assert page.count_label.text().startswith("2 sessions, newest first")
    # One day, From and to alike, is a range in order.
    page.since_edit.setDate(QtCore.QDate(2026, 3, 5))
    page.until_edit.setDate(QtCore.QDate(2026, 3, 5))
    assert page.count_label.text().startswith("1 session, newest first")
    window.close_log()
