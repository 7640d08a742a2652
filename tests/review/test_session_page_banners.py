"""The Session page with its long banners at 1366x768 (a clinic laptop) and 1920x1080, offscreen
with the real widgets: a session left open whose record was changed outside the console shows
both banners whole, and the tables keep rows a clinician can read.

QA at 1366x768: the changed record's banner (four lines) and "SESSION NOT ENDED … incomplete"
(two) left the tables under the trend 150 px, drawn below the window's edge: their tab bar and
header were out of sight and two rows of vitals showed. Now the page scrolls as a whole when it
cannot show everything whole, the tables keeping their header and five rows.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6 import QtCore

from console.ui.review_window import TREND_MIN_PX, ReviewWindow
from protocols.loader import default_protocol_dirs, load_protocols
from tests.review.test_damaged_and_edited_log import edit_outside
from tests.review.review_windows import open_review
from tests.review.test_open_session_vitals import OPEN_ROWS, open_iv_session
from tests.ui.review_sessions import build_review_log
from tests.ui.test_review_window import rows_in_sight

SIZES = [(1366, 768), (1920, 1080)]


@pytest.fixture(scope="module")
def protocols():
    return load_protocols(default_protocol_dirs()).protocols


@pytest.fixture(scope="module")
def changed_open_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """The review's five sessions (tests/ui/review_sessions.py) and an IV session left open at
    T0 + 25 (tests/review/test_open_session_vitals.py), one of whose heart rates was then
    changed with sqlite3: (log, the open session, the BP surge)."""
    path = tmp_path_factory.mktemp("banners") / "log.sqlite3"
    facts = build_review_log(path)
    session = open_iv_session(path)
    conn = sqlite3.connect(path)
    [row] = conn.execute("SELECT id FROM observations WHERE session_id = ? AND metric = "
                         "'heart_rate' AND value = 80", [session]).fetchone()
    conn.close()
    edit_outside(path, "UPDATE observations SET value = 146 WHERE id = ?", row,
                 trigger="observations_no_update")
    return path, session, facts.ids["surge"]


def open_window(qtbot, path: Path, protocols, size) -> ReviewWindow:
    return open_review(qtbot, path, datetime(2026, 3, 2, 9, 31, tzinfo=UTC), size=size,
                       protocols=protocols)


def shown(window: ReviewWindow, session: int, tab: str):
    window.open_session(session)
    page = window.detail_page
    page.tabs.setCurrentIndex([page.tabs.tabText(i) for i in range(page.tabs.count())]
                              .index(tab))
    QtCore.QCoreApplication.processEvents()   # the layout the first paint would see
    return page


def cut(label, view) -> list[str]:
    """What keeps a banner from being read whole in `view` (empty when it can be)."""
    found = []
    if label.height() < label.heightForWidth(label.width()):
        found.append(f"its lines need {label.heightForWidth(label.width())} px, it has "
                     f"{label.height()}")
    corner = label.mapTo(view, QtCore.QPoint(label.width(), label.height()))
    origin = label.mapTo(view, QtCore.QPoint(0, 0))
    if origin.x() < 0 or origin.y() < 0 or corner.x() > view.width() or corner.y() > view.height():
        found.append(f"it spans {origin.toTuple()} to {corner.toTuple()}, outside the view "
                     f"{view.size().toTuple()}")
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_beside_both_banners_the_vitals_keep_every_row_and_the_banners_read_whole(
        qtbot, changed_open_log, protocols, size):
    path, session, _ = changed_open_log
    window = open_window(qtbot, path, protocols, size)
    page = shown(window, session, "Vitals")
    integrity, ending = page.integrity_banner, page.discharge_banner
    assert integrity.text().startswith("⚠ This session's record was changed outside the console")
    assert ending.text().startswith("⚠ SESSION NOT ENDED")
    # Opened at its top: both banners whole, every line of them, in the window.
    view = page.page_scroll.viewport()
    assert cut(integrity, view) == [] and cut(ending, view) == []
    # The tables keep their tab bar, their header and rows: all five checks of the session in
    # sight, at the most a scroll of the page away (the tables squeezed showed two).
    assert rows_in_sight(page, page.vitals_table, scroll_page=True) == len(OPEN_ROWS)
    assert page.trend.height() >= TREND_MIN_PX
    if size == (1920, 1080):   # room for all of it: no scroll needed
        assert page.page_scroll.verticalScrollBar().maximum() == 0
        assert rows_in_sight(page, page.vitals_table) == len(OPEN_ROWS)
    assert window.size().toTuple() == size   # nothing grew the window past the screen
    window.close_log()


def test_another_session_opens_at_its_top(qtbot, changed_open_log, protocols):
    path, session, _ = changed_open_log
    window = open_window(qtbot, path, protocols, (1366, 768))
    page = shown(window, session, "Vitals")
    bar = page.page_scroll.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())   # down at the tables
    page = shown(window, session, "Vitals")   # opened again (from the list, the course)
    assert bar.value() == 0 and cut(page.integrity_banner, page.page_scroll.viewport()) == []
    window.close_log()


def test_after_a_session_with_banners_the_next_one_keeps_four_alarm_rows(
        qtbot, changed_open_log, protocols):
    """The trend and the tables share the page's height again when a banner goes: shared once,
    the room it left went 5:4 to the trend, and three alarm rows showed at 1366x768."""
    path, session, surge = changed_open_log
    window = open_window(qtbot, path, protocols, (1366, 768))
    shown(window, session, "Alarms")
    page = shown(window, surge, "Alarms")
    page.show_reminders.setChecked(True)
    QtCore.QCoreApplication.processEvents()
    assert page.integrity_banner.isHidden() and page.discharge_banner.isHidden()
    assert rows_in_sight(page, page.alarm_table) >= 4
    window.close_log()
