"""The session list and the course say which zone their clock times are in, once on each page,
as the session page does ("times CET, UTC+01:00"). They showed clock times with no zone anywhere
on their pages: a review read on a server in UTC, or by someone in another zone, could not tell
09:00 CET from 09:00 UTC (a review of the review window).

Times in two offsets of the zone on one page (sessions either side of a change to summer time)
name both zones, each date's own on its tooltip; a session's own times across a change carry
their zones as before (tests/review/test_zone_change.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6 import QtCore

from console.review import content as rc
from console.store import EventLog
from console.ui.review_window import ReviewWindow
from tests.review.review_windows import open_review
from tests.ui.review_sessions import _quiet_iv

NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
ToolTip = QtCore.Qt.ItemDataRole.ToolTipRole


def _review(qtbot, tmp_path: Path, *starts: datetime) -> ReviewWindow:
    """MRN-10's sessions at `starts` (UTC), the review open in Berlin's zone."""
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 7, 0, tzinfo=UTC))
    try:
        for number, start in enumerate(starts, 1):
            _quiet_iv(log, start, number, patient="MRN-10")
    finally:
        log.close()
    return open_review(qtbot, path, NOW, tz=BERLIN)


def test_the_list_and_the_course_name_the_zone_of_their_times(qtbot, tmp_path: Path) -> None:
    window = _review(qtbot, tmp_path, datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
                     datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    page = window.list_page
    # The zone once, in the session page's words; the times as they were.
    assert page.zone_label.isVisible()
    assert page.zone_label.text() == "times CET, UTC+01:00"
    assert page.model.column("Date") == ["Thu 05 Mar 2026 09:00", "Mon 02 Mar 2026 09:00"]
    assert page.model.column("Discharged") == ["10:17", "10:17"]
    window.show_course("MRN-10")
    course = window.course_page
    assert course.zone_label.isVisible()
    assert course.zone_label.text() == "times CET, UTC+01:00"
    # A list with no session shows no time, and names no zone.
    page.patient_box.setText("NOBODY")
    assert not page.zone_label.isVisible()
    window.close_log()


def test_a_list_and_a_course_across_a_change_to_summer_time_name_both_zones(
        qtbot, tmp_path: Path) -> None:
    # 09:00 CET on 02 Mar, 09:00 CEST on 02 Apr (summer time began on 29 Mar).
    window = _review(qtbot, tmp_path, datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
                     datetime(2026, 4, 2, 7, 0, tzinfo=UTC))
    page = window.list_page
    both = "times CET (UTC+01:00) or CEST (UTC+02:00) by date"
    assert page.zone_label.text() == both
    # Neither session runs across the change: its times read as before, its zone on hover.
    model = page.model
    date = model.columns().index("Date")
    assert model.column("Date") == ["Thu 02 Apr 2026 09:00", "Mon 02 Mar 2026 09:00"]
    assert [model.data(model.index(row, date), ToolTip) for row in (0, 1)] == [
        "Thu 02 Apr 2026 09:00 CEST (UTC+02:00)", "Mon 02 Mar 2026 09:00 CET (UTC+01:00)"]
    window.show_course("MRN-10")
    course = window.course_page.model
    assert window.course_page.zone_label.text() == both
    row = [k for k, _ in rc.COURSE_FIGURES].index("date")
    assert course.figure("date") == ["02 Mar 2026 09:00", "02 Apr 2026 09:00"]
    assert [course.data(course.index(row, col), ToolTip) for col in (0, 1)] == [
        "Mon 02 Mar 2026 09:00 CET (UTC+01:00)", "Thu 02 Apr 2026 09:00 CEST (UTC+02:00)"]
    window.close_log()
