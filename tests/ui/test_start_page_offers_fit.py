"""Sessions left open (crashes, chairs sharing the log) are offered above the start form. Stacked
outside any scroll area, six of them made the start page 797 px high and eight put the Start
button below a 1366x768 screen. The offers now scroll in a box about two offers high, a line
saying how many there are; the form and Start stay on a maximised window (~700 px)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6 import QtCore, QtWidgets

from console.records import SessionOpened
from console.store import EventLog
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture

HEIGHT = 700   # a maximised window under a title bar and a panel on a 1366x768 screen


def left_open(tmp_path, count: int) -> list[int]:
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        return [log.start_session(SessionOpened(
            patient_id=f"MRN-{100 + i}", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="Ana Lima", weight_kg=70.0,
            started_at=datetime.now(UTC) - timedelta(minutes=30 + i))) for i in range(count)]


def shown(window, qtbot):
    window.resize(1366, HEIGHT)
    window.show()
    qtbot.waitExposed(window)
    QtWidgets.QApplication.processEvents()
    return window


def bottom_of(widget, window) -> int:
    return widget.mapTo(window, QtCore.QPoint(0, widget.height())).y()


def test_eight_sessions_left_open_leave_the_start_button_on_the_screen(started, tmp_path, qtbot):
    sessions = left_open(tmp_path, 8)
    window = shown(started(options(tmp_path)), qtbot)
    assert len(window.resume_buttons) == 8
    assert window.minimumSizeHint().height() <= HEIGHT and window.height() == HEIGHT
    start = window.start_screen.start_button
    assert start.isVisible() and bottom_of(start, window) <= HEIGHT
    assert bottom_of(window.offers_area, window) < window.start_screen.mapTo(
        window, QtCore.QPoint(0, 0)).y() + 1   # above the form, not over it
    count = window.offers_count
    assert count.isVisible()
    assert count.text() == "8 sessions are offered: scroll the list to see them all."
    # The last one is reached by scrolling, and resumes.
    last = window.resume_buttons[-1]
    assert last.visibleRegion().isEmpty()
    window.offers_area.ensureWidgetVisible(last)
    QtWidgets.QApplication.processEvents()
    assert not last.visibleRegion().isEmpty()
    qtbot.keyClicks(window.start_screen.nurse_edit, "Ana Lima")   # who resumes it (no accounts)
    qtbot.mouseClick(last, QtCore.Qt.MouseButton.LeftButton)
    assert window.controller is not None and window.controller.view.session_id in sessions


def test_two_sessions_left_open_are_both_in_sight_without_a_count(started, tmp_path, qtbot):
    left_open(tmp_path, 2)
    window = shown(started(options(tmp_path)), qtbot)
    assert window.offers_area.verticalScrollBar().maximum() == 0
    assert all(not b.visibleRegion().isEmpty() for b in window.resume_buttons)
    assert not window.offers_count.isVisible()
    start = window.start_screen.start_button
    assert bottom_of(start, window) <= HEIGHT


def test_no_session_left_open_takes_no_room(started, tmp_path, qtbot):
    window = shown(started(options(tmp_path)), qtbot)
    assert not window.offers_area.isVisible() and not window.offers_count.isVisible()


def test_typing_starts_in_the_patient_id_above_offers_and_notices(started, tmp_path, qtbot):
    # The page's first button in tab order (the first administrator's notice, a Resume) took
    # the focus: a patient ID typed at once went nowhere (review 47's walk).
    left_open(tmp_path, 3)
    window = shown(started(options(tmp_path)), qtbot)
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClicks(QtWidgets.QApplication.focusWidget(), "MRN-7")
    assert window.start_screen.patient_edit.text() == "MRN-7"
