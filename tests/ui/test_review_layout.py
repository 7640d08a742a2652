"""The review window read at 1366x768 (a clinic laptop) and 1920x1080, offscreen with the real
widgets: what a clinician must be able to read without scrolling sideways or hovering.

QA's walk at 1366x768: the status line was cut at the window's edge (the log's path, behind a
tooltip); with the reminders shown, the alarm table's "Cleared" column was off the right edge;
the tables under the trend showed about three rows. Geometry, not pixels: column edges against
the table's viewport, rows wholly inside what the tab shows, the status text's height against
its label's.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6 import QtCore

from console.clock import ManualClock
from console.review.integrity import ChainSweep
from console.review.queries import open_readonly
from console.ui.review_window import TREND_MIN_PX, ReviewWindow
from protocols.loader import default_protocol_dirs, load_protocols
from tests.review.scenarios import Driver
from tests.ui.review_sessions import build_review_log, check_every_session
from tests.ui.test_review_window import rows_in_sight

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
# Where the console keeps its log for a nurse whose account name is not short.
CLINIC_LOG = "/home/clinic.nurse/.local/share/infusion-console/sessions.sqlite3"
SIZES = [(1366, 768), (1920, 1080)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("layout") / "log.sqlite3"
    return path, build_review_log(path)


@pytest.fixture(scope="module")
def protocols():
    return load_protocols(default_protocol_dirs()).protocols


def open_window(qtbot, built, protocols, size, source=CLINIC_LOG) -> ReviewWindow:
    path, _ = built
    window = ReviewWindow(open_readonly(path), protocols=protocols, clock=ManualClock(NOW),
                          tz=UTC, source=source, records=ChainSweep(path))
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    check_every_session(window)
    QtCore.QCoreApplication.processEvents()   # the layout the first paint would see
    return window


def cut_columns(table) -> list[str]:
    """The titles of the columns not wholly inside the table's viewport."""
    model, right = table.model(), table.viewport().width()
    return [model.headerData(c, QtCore.Qt.Orientation.Horizontal)
            for c in range(model.columnCount())
            if table.columnViewportPosition(c) < 0
            or table.columnViewportPosition(c) + table.columnWidth(c) > right]


def select_tab(page, title: str) -> None:
    page.tabs.setCurrentIndex([page.tabs.tabText(i) for i in range(page.tabs.count())]
                              .index(title))
    QtCore.QCoreApplication.processEvents()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_with_reminders_every_alarm_column_is_in_sight_and_four_rows_are_read(
        qtbot, built, protocols, size):
    window = open_window(qtbot, built, protocols, size)
    window.open_session(built[1].ids["surge"])
    page = window.detail_page
    page.show_reminders.setChecked(True)
    QtCore.QCoreApplication.processEvents()
    table = page.alarm_table
    assert table.model().rowCount() == 11
    assert cut_columns(table) == []   # "Cleared" was off the right edge at 1366
    assert not table.horizontalScrollBar().isVisible()
    # Alarm rows are two lines at 1366 px: four of them in sight under the trend, not 2.3.
    assert rows_in_sight(page, table) >= (4 if size[0] == 1366 else 6)
    select_tab(page, "Vitals")
    assert rows_in_sight(page, page.vitals_table) >= (6 if size[0] == 1366 else 10)
    # The trend keeps its share: readable (no text of it overlaps from 350 px), and at
    # 1920x1080 still 60 % of the height it shares with the tables, as before.
    assert page.trend.height() >= TREND_MIN_PX
    if size[0] == 1920:
        assert page.trend.height() >= 0.6 * page.split.height() - 2
    assert window.width() == size[0]   # nothing widened the window past the screen
    window.close_log()


def status_problems(window: ReviewWindow) -> list[str]:
    """What keeps the status line's text from being read whole (empty when it can be)."""
    bar = window.statusBar()
    line = getattr(bar, "line", None)
    if line is None:   # a plain status bar draws its message on one line, cut at its edge
        wide = bar.fontMetrics().horizontalAdvance(bar.currentMessage())
        return [f"its text needs {wide} px of width, it has {bar.width()}"] if (
            wide > bar.width()) else []
    found = []
    if line.text().replace("\u200b", "") != bar.currentMessage():
        found.append(f"shows {line.text()!r}, not {bar.currentMessage()!r}")
    if not line.isVisible():
        found.append("not shown")
    needed = line.heightForWidth(line.width())
    if needed > line.height():
        found.append(f"its text needs {needed} px of height, it has {line.height()}")
    corner = line.mapTo(window, QtCore.QPoint(line.width(), line.height()))
    if corner.x() > window.width() or corner.y() > window.height():
        found.append(f"it ends at {corner.toTuple()}, outside the window {window.size()}")
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_status_line_is_read_whole(qtbot, built, protocols, size):
    window = open_window(qtbot, built, protocols, size)
    message = window.statusBar().currentMessage()
    assert message == ("No staff accounts in this log: reads and exports are not logged "
                       "(infusion-console staff add creates the first administrator) · Session "
                       f"log (read-only): {CLINIC_LOG}")
    assert status_problems(window) == []
    window.open_session(built[1].ids["surge"])   # the Session page, the tightest one
    QtCore.QCoreApplication.processEvents()
    assert status_problems(window) == []
    # A longer message later (an export's report naming its file) is read whole too.
    window.statusBar().showMessage(f"PDF report written: {CLINIC_LOG[:-16]}/exports/MRN-4711-"
                                   "session2-20260305/MRN-4711-session2-20260305.pdf (3 pages, "
                                   "A4) · not logged: this log has no staff accounts")
    QtCore.QCoreApplication.processEvents()
    assert status_problems(window) == []
    assert window.width() == size[0]
    window.close_log()


def test_a_very_long_log_path_wraps_and_keeps_the_window_on_the_screen(qtbot, built, protocols):
    deep = "/srv/clinic-share/infusion/" + "/".join(f"station-{i:02d}-archive" for i in range(8))
    window = open_window(qtbot, built, protocols, (1366, 768),
                         source=f"{deep}/sessions.sqlite3")
    window.open_session(built[1].ids["surge"])
    QtCore.QCoreApplication.processEvents()
    assert status_problems(window) == []
    assert window.width() == 1366
    window.close_log()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_session_list_keeps_its_record_column_in_sight_with_long_names(
        qtbot, protocols, tmp_path, size):
    """A clinician's audit at 1366x768: long nurse names and "⚠ against the gate" pushed the
    list's last column, "Record", off the right edge ("unchar"). The nurse's name gives way
    (elided, whole in its tooltip)."""
    from tests.review.logged_session import logged_session

    for number, patient in enumerate(("MRN-Ñúñez-5820", "MRN-0000-EMPTY-PATIENT")):
        s = logged_session(tmp_path, patient=patient,
                           nurse=f"Zoë Müller-Łukasiewicz-Oppenheimer {number}, RN")
        assert s.engine.discharge(s.engine.nurse, s.clock.advance(180),
                                  override_reason="unwell: sent home").done
        s.log.close()
    window = open_window(qtbot, (tmp_path / "log.sqlite3", None), protocols, size)
    table = window.list_page.table
    assert table.model().rowCount() == 2
    assert cut_columns(table) == []
    assert window.width() == size[0]
    window.close_log()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_course_of_eight_sessions_is_in_sight_whole(qtbot, protocols, tmp_path, size):
    """A clinician's audit at 1366x768: a course of six sessions had its last column ("Session 6
    (still open)") off the right edge, behind a sideways scroll. The longer cells wrap instead,
    for eight sessions too (esketamine's induction course), each dose with its mg/kg."""
    from console.store import EventLog
    from tests.ui.review_sessions import _quiet_iv

    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        for number in range(1, 8):
            _quiet_iv(log, datetime(2026, 3, 2 * number, 9, 0, tzinfo=UTC), number,
                      nurse="Zoë Müller-Łukasiewicz, RN")
        open_one = Driver(log, "iv-ketamine", "MRN-4711", 72.0, "nurse.ana",
                          datetime(2026, 3, 16, 9, 0, tzinfo=UTC), 8)
        open_one.manual(bp_systolic=124, bp_diastolic=80)
    finally:
        log.close()
    window = open_window(qtbot, (path, None), protocols, size)
    window.list_page.table.selectRow(0)
    window.list_page.course_button.click()
    QtCore.QCoreApplication.processEvents()
    table = window.course_page.table
    assert window.course_page.model.columns()[-1] == "Session 8 (still open)"
    assert window.course_page.model.figure("dose")[0] == "36 mg (0.5 mg/kg)"
    assert cut_columns(table) == []
    assert not table.horizontalScrollBar().isVisible()
    assert window.width() == size[0]
    window.close_log()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_patient_with_two_courses_has_the_other_offered_in_sight(
        qtbot, protocols, tmp_path, size):
    """The route box beside the patient (a patient with an IV and an esketamine course: review
    48) takes its place in the bar: the title whole, the window its size."""
    from console.store import EventLog
    from tests.review.test_course_one_route import _session

    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        _session(log, "iv-ketamine", 2, 1)
        _session(log, "esketamine", 20, 1, mg=56)
    finally:
        log.close()
    window = open_window(qtbot, (path, None), protocols, size)
    window.show_course("MRN-7070")
    QtCore.QCoreApplication.processEvents()
    page = window.course_page
    assert page.title.text() == "Intranasal course of MRN-7070: 1 session"
    assert page.route_box.isVisible()
    for widget in (page.patient_box, page.route_box, page.title, page.hint):
        corner = widget.mapTo(window, QtCore.QPoint(widget.width(), widget.height()))
        assert corner.x() <= window.width(), widget
    assert page.title.width() >= page.title.fontMetrics().horizontalAdvance(page.title.text())
    assert page.route_box.width() >= page.route_box.sizeHint().width()
    assert window.width() == size[0]
    window.close_log()
