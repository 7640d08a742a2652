"""A reviewer-only account's session list is de-identified: every date moved 52-155 whole weeks
back. Its date filter ("From ... to ...") is on the dates the list shows.

It was on the real dates (SQL on started_at): a day the list showed for a session found
nothing, and filtering by real days listed sessions dated a year or more outside the days asked
for, which told the de-identified reader each session's real date.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6 import QtCore

from console.review import content as rc
from console.ui.review_window import ReviewWindow
from tests.ui.test_review_identity import (  # noqa: F401 - fixtures
    PRESCRIBER, PRESCRIBER_PIN, REVIEWER, REVIEWER_PIN, built, db, facts, open_window, protocols,
    signed_in,
)


def _filter(window: ReviewWindow, since: date, until: date) -> list[date]:
    """Tick "From", set the days, and return the days the list shows (the window is in UTC)."""
    page = window.list_page
    page.date_check.setChecked(True)
    page.since_edit.setDate(QtCore.QDate(since.year, since.month, since.day))
    page.until_edit.setDate(QtCore.QDate(until.year, until.month, until.day))
    return [rc.local(s.started_at, page.tz).date() for s in page.model.sessions]


def test_a_de_identified_list_filtered_by_real_days_shows_nothing(db, facts, protocols, qtbot,
                                                                  tmp_path):
    window, _ = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                            tmp_path)
    try:
        shown = window.list_page.model.column("Date")
        assert shown and all("2026" not in d for d in shown), shown   # moved to earlier years
        # The sessions ran 02-09 Mar 2026: those days list none of them.
        assert _filter(window, date(2026, 3, 2), date(2026, 3, 9)) == []
    finally:
        window.close_log()


def test_a_de_identified_list_filtered_by_a_day_it_shows_lists_that_day_s_sessions(
        db, facts, protocols, qtbot, tmp_path):
    window, _ = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                            tmp_path)
    try:
        page = window.list_page
        every = [rc.local(s.started_at, page.tz).date() for s in page.model.sessions]
        newest, oldest = max(every), min(every)
        assert _filter(window, newest, newest) == [d for d in every if d == newest]
        # The whole span shown lists every session; a day either side of it, none.
        assert _filter(window, oldest, newest) == every
        assert page.model.column("Patient")[0].startswith("anon-")
        assert _filter(window, newest + timedelta(days=1), newest + timedelta(days=30)) == []
        assert _filter(window, oldest - timedelta(days=30), oldest - timedelta(days=1)) == []
    finally:
        window.close_log()


def test_an_identified_list_is_still_filtered_by_the_real_days(db, facts, protocols, qtbot,
                                                               tmp_path):
    window, _ = open_window(qtbot, db, protocols, signed_in(db, PRESCRIBER, PRESCRIBER_PIN),
                            tmp_path)
    try:
        listed = _filter(window, date(2026, 3, 5), date(2026, 3, 6))
        assert listed == [date(2026, 3, 6), date(2026, 3, 5)]
    finally:
        window.close_log()
