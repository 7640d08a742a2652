"""A de-identified session list with a date filter keeps up to LIST_LIMIT sessions of the days
asked for, and says so when it is capped, by the identified list's rule.

The limit was applied to the query widened by a day on each side, before each shown date was
checked: sessions of the day after the filter's end took places in the limit and were then
dropped, so sessions inside the days asked for were silently missing and the count line did not
say the list was capped ("Showing the newest N ... narrow the filter").
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6 import QtCore

from console.review import content as rc
import console.ui.review_window as rw
from tests.ui.test_review_identity import (  # noqa: F401 - fixtures
    REVIEWER, REVIEWER_PIN, built, db, facts, open_window, protocols, signed_in,
)

CAPPED = "Showing the newest"


@pytest.mark.parametrize("room", [-1, 0, 1], ids=["one-short", "exactly", "one-spare"])
def test_a_de_identified_list_fills_its_limit_with_sessions_of_the_days_asked_for(
        db, facts, protocols, qtbot, tmp_path, monkeypatch, room):
    window, _ = open_window(qtbot, db, protocols, signed_in(db, REVIEWER, REVIEWER_PIN),
                            tmp_path)
    try:
        page = window.list_page
        every = [rc.local(s.started_at, page.tz).date() for s in page.model.sessions]
        newest, oldest = max(every), min(every)
        until = newest - timedelta(days=1)
        inside = [d for d in every if oldest <= d <= until]    # newest first
        assert len(inside) >= 2 and newest in every, every     # the newest day is a margin day
        limit = len(inside) + room
        monkeypatch.setattr(rw, "LIST_LIMIT", limit)
        page.date_check.setChecked(True)
        page.since_edit.setDate(_qdate(oldest))
        page.until_edit.setDate(_qdate(until))
        page.refresh()
        listed = [rc.local(s.started_at, page.tz).date() for s in page.model.sessions]
        count = page.count_label.text()
        assert listed == inside[:limit], count
        # One rule with the identified list: a list filled to its limit says it is capped.
        assert count.startswith(CAPPED) == (len(listed) >= limit), count
        if room < 0:
            assert count.startswith(f"{CAPPED} {limit} sessions"), count
    finally:
        window.close_log()


def _qdate(day: date) -> QtCore.QDate:
    return QtCore.QDate(day.year, day.month, day.day)
