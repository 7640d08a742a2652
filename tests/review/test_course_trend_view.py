"""The Course tab's "Trend from T0" in the review window, offscreen with the real widgets: every
session of the course over the others per vital, each from its own T0, on one scale, named in the
legend; the limits the single-session trend draws; legible at 1366x768 and 1920x1080. Tests read
what was given to the plot items (`getOriginalDataset`), not pixels."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore

from console.review import course_trend, queries
from console.store import EventLog, LogError
from console.ui.review_window import ReviewWindow
from tests.review.course_sessions import PATIENT
from tests.review.scenarios import Driver
from tests.review.test_damaged_and_edited_log import edit_outside
from tests.review.review_windows import open_review
from tests.ui.review_sessions import _quiet_iv, _surge_iv, check_every_session

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
LEGEND = ["Session 1 · 02 Mar 2026", "Session 2 · 05 Mar 2026",
          "Session 4 · 09 Mar 2026 · no T0 (never dosed): from its start",
          "Session 5 (still open) · 12 Mar 2026"]


@pytest.fixture(scope="module")
def protocols(installed):
    return installed


def open_window(qtbot, path: Path, protocols, size=(1366, 768)) -> ReviewWindow:
    return open_review(qtbot, path, NOW, size=size, protocols=protocols)


def wait_for_trend(qtbot, window: ReviewWindow) -> None:
    """Until the course's trend, read in the background, is drawn (or said unreadable)."""
    page = window.course_page
    qtbot.waitUntil(lambda: not page.trend_reading, timeout=30_000)
    QtCore.QCoreApplication.processEvents()   # the layout the first paint would see


def show_trend(qtbot, window: ReviewWindow, patient: str = PATIENT):
    window.show_course(patient)
    page = window.course_page
    page.views.setCurrentWidget(page.trend)
    wait_for_trend(qtbot, window)
    return page.trend


def test_every_session_is_drawn_from_its_t0_on_one_scale_and_named(qtbot, course_log,
                                                                   protocols):
    path, _ = course_log
    window = open_window(qtbot, path, protocols)
    trend = show_trend(qtbot, window)
    # The course's sessions (the demo one left out, as in the table), oldest first.
    assert trend.legend_texts() == LEGEND
    assert trend.shown_metrics() == ["bp_systolic", "bp_diastolic", "heart_rate",
                                     "pulse_rate", "spo2", "resp_rate"]
    # T0 + 30 at +30 in both dosed sessions, whatever their pre-dose checks took.
    x, y = trend.curve("bp_systolic", 0)
    assert list(zip(x, y)) == [(-5.0, 124.0), (10.0, 150.0), (30.0, 170.0)]   # 150: corrected
    x, y = trend.curve("bp_systolic", 1)
    assert list(zip(x, y)) == [(-12.0, 124.0), (30.0, 226.0)]
    x, _ = trend.curve("bp_systolic", 2)
    assert list(x) == [0.0, 10.0]   # never dosed: from its start
    # One time axis and, per vital, one y range for every session, holding every value and
    # limit drawn; systolic and diastolic on one BP scale, as in the single trend.
    low, high = trend.x_range()
    assert low < -12.0 and high > 30.0
    assert trend.y_range("bp_systolic") == trend.y_range("bp_diastolic")
    bottom, top = trend.y_range("bp_systolic")
    assert bottom <= 80.0 and top > 226.0   # the 226 beyond the single trend's default 215
    # Typed and cuff readings carry the session's symbol; the voided SpO2 80 is nowhere.
    assert list(trend.measured("bp_systolic", 1)[1]) == [124.0, 226.0]
    assert 80.0 not in trend.curve("spo2", 0)[1]
    window.close_log()


def test_the_limits_are_those_the_single_session_trend_draws(qtbot, course_log, protocols):
    path, ids = course_log
    window = open_window(qtbot, path, protocols)
    window.open_session(ids["first"])
    single = window.detail_page.trend
    trend = show_trend(qtbot, window)
    for metric in ("bp_systolic", "spo2", "resp_rate"):
        # Every limit of the single trend, but one over that session's baseline (124 + 40).
        assert set(trend.limit_values(metric)) == set(single.threshold_values(metric)) - {164.0}
    assert trend.limit_values("bp_systolic") == [200.0, 180.0]
    assert trend.title("bp_systolic") == "Systolic BP mmHg ≥200 ≥180"
    assert trend.title("heart_rate") == "HR /min ≥131 >120 >110 <50 ≤40"
    assert trend.note.isVisible() and trend.note.text().startswith(
        "Not drawn: limits relative to each session's baseline (Systolic BP ≥ baseline + 40")
    window.close_log()


def test_the_trend_is_read_when_its_tab_is_shown(qtbot, course_log, protocols):
    path, _ = course_log
    window = open_window(qtbot, path, protocols)
    window.show_course(PATIENT)
    page = window.course_page
    assert page.views.currentWidget() is page.table
    assert page.trend.trend is None and page.hint.isVisible()
    page.views.setCurrentWidget(page.trend)
    wait_for_trend(qtbot, window)
    assert page.trend.legend_texts() == LEGEND
    assert not page.hint.isVisible()   # "double-click a column" is the table's
    window.close_log()


def test_the_legend_marks_a_session_changed_outside_the_console(qtbot, course_log, protocols,
                                                                tmp_path):
    path, ids = course_log
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(path, copy)
    conn = sqlite3.connect(copy)
    [row] = conn.execute("SELECT id FROM observations WHERE session_id = ? AND value = 226",
                         [ids["late_t0"]]).fetchone()
    conn.close()
    edit_outside(copy, "UPDATE observations SET value = 130 WHERE id = ?", row,
                 trigger="observations_no_update")
    window = open_window(qtbot, copy, protocols)
    trend = show_trend(qtbot, window)
    assert trend.legend_texts()[1] == "Session 2 · 05 Mar 2026"   # not checked yet
    check_every_session(window)
    assert trend.legend_texts()[1] == "Session 2  ⚠ CHANGED · 05 Mar 2026"
    window.close_log()


def test_a_trend_that_cannot_be_read_says_why(qtbot, course_log, protocols, monkeypatch):
    path, ids = course_log

    def damaged(conn, session_id):
        raise queries.UnreadableLogError(LogError(path, "corrupt", "SQLite: disk image is "
                                                  "malformed"), f"The vitals of log session "
                                         f"{session_id}", True)

    monkeypatch.setattr(course_trend.queries, "trend_records", damaged)
    window = open_window(qtbot, path, protocols)
    trend = show_trend(qtbot, window)
    page = window.course_page
    assert page.error_label.isVisible() and page.error_label.text().startswith(
        f"The vitals of log session {ids['first']} could not be read: the session log {path} "
        "is damaged")
    assert trend.legend_texts() == [] and trend.empty.isVisible()
    assert page.model.course   # the figures, read before, still stand
    window.close_log()


# ---- legible at 1366x768 and 1920x1080 -----------------------------------------------------


@pytest.fixture(scope="module")
def six_sessions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A usual course: six infusions over three weeks, one with a BP surge, one never dosed,
    the last still open with a monitor at 1 Hz."""
    path = tmp_path_factory.mktemp("six") / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        _quiet_iv(log, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        _surge_iv(log, datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
        _quiet_iv(log, datetime(2026, 3, 9, 9, 0, tzinfo=UTC), 3, fatigue=2)
        r = Driver(log, "iv-ketamine", "MRN-4711", 72.0, "nurse.ana",
                   datetime(2026, 3, 12, 9, 0, tzinfo=UTC), 4)
        r.manual(bp_systolic=150, bp_diastolic=95, heart_rate=88, spo2=97, resp_rate=16)
        r.at(10); r.manual(bp_systolic=148, bp_diastolic=92)
        assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="BP: not dosed").done
        _quiet_iv(log, datetime(2026, 3, 16, 9, 0, tzinfo=UTC), 5)
        r = Driver(log, "iv-ketamine", "MRN-4711", 72.0, "nurse.ana",
                   datetime(2026, 3, 19, 9, 0, tzinfo=UTC), 6)
        r.manual(bp_systolic=126, bp_diastolic=80, heart_rate=70, spo2=98, resp_rate=14)
        r.tick_required()
        r.at(5); r.advance()
        for second in range(6 * 60, 46 * 60):
            r.at(second / 60)
            r.device(heart_rate=70 + second % 13, spo2=97, resp_rate=14)
    finally:
        log.close()
    return path


def title_overflow(trend, metric: str) -> float:
    """How far (px) the panel's title runs out of its panel's view (0 when it is all in it)."""
    panel = trend.panels[metric]
    item = panel.plot.titleLabel.item
    text = item.mapRectToScene(item.boundingRect())
    view = panel.widget.mapToScene(panel.widget.viewport().rect()).boundingRect()
    return max(0.0, text.right() - view.right(), view.left() - text.left())


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_course_of_six_is_legible_whole(qtbot, six_sessions, protocols, size):
    window = open_window(qtbot, six_sessions, protocols, size)
    trend = show_trend(qtbot, window, "MRN-4711")
    assert len(trend.legend_texts()) == 6
    # Its typed baseline and every second of the monitor.
    assert trend.curve("heart_rate", 5)[0].size == 1 + 40 * 60
    for metric in trend.shown_metrics():
        widget = trend.panels[metric].widget
        # About a third of the width and half the height each, whatever the screen.
        assert widget.width() >= 0.3 * size[0] and widget.height() >= 0.3 * size[1], metric
        assert title_overflow(trend, metric) == 0, metric   # every limit's value in sight
    # The legend names all six and its key without scrolling.
    box = trend.legend_box
    assert box.verticalScrollBar().maximum() == 0
    assert all(not row.isHidden() for row in trend.legend_rows[:6])
    assert window.width() == size[0]
    assert np.isfinite(trend.y_range("heart_rate")).all()
    window.close_log()


@pytest.fixture(scope="module")
def long_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """MRN-LONG: ten short sessions (a course repeated); MRN-ONE: one session."""
    path = tmp_path_factory.mktemp("long") / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        for number in range(1, 11):
            r = Driver(log, "iv-ketamine", "MRN-LONG", 72.0, "nurse.ana",
                       datetime(2026, 3, number, 9, 0, tzinfo=UTC), number)
            r.manual(bp_systolic=120 + number, bp_diastolic=80, heart_rate=70)
            assert r.engine.discharge(r.nurse, r.clock.now(), override_reason="test").done
        r = Driver(log, "iv-ketamine", "MRN-ONE", 72.0, "nurse.ana",
                   datetime(2026, 3, 20, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=130, bp_diastolic=85)
    finally:
        log.close()
    return path


def test_a_long_course_scrolls_its_legend_and_keeps_its_panels(qtbot, long_course, protocols):
    window = open_window(qtbot, long_course, protocols)
    trend = show_trend(qtbot, window, "MRN-LONG")
    assert len(trend.legend_texts()) == 10
    for metric in trend.shown_metrics():
        assert trend.panels[metric].widget.height() >= 0.3 * 768, metric
    assert trend.legend_box.verticalScrollBar().maximum() > 0   # the legend scrolls instead
    # The next course, of one session, draws one line a panel: none of the ten is left.
    trend = show_trend(qtbot, window, "MRN-ONE")
    assert trend.legend_texts() == ["Session 1 (still open) · 20 Mar 2026 · no T0 (never "
                                    "dosed): from its start"]
    assert trend.curve("bp_systolic", 0)[1].tolist() == [130.0]
    assert all(trend.curve(m, k)[0].size == 0 for m in trend.shown_metrics()
               for k in range(1, 10))
    window.close_log()


def test_a_sessions_newest_values_and_those_beside_a_break_are_drawn(qtbot, course_log,
                                                                     protocols):
    # pyqtgraph's peak downsampling drew whole bins only: a session's last values (an SpO2
    # fall to 82 in its last 15 s) and a bin holding a line break (an 82 just before the
    # monitor went silent) were not drawn in the course's trend (review 47).
    path, _ = course_log
    window = open_window(qtbot, path, protocols)
    view = show_trend(qtbot, window)
    seconds = 6 * 3600 + 19
    minutes = np.arange(seconds, dtype=float) / 60
    values = np.full(seconds, 97.0)
    values[-15:] = 82.0
    values[3592:3600] = 82.0
    values[3600] = np.nan   # the line breaks: the monitor silent from minute 60
    dense = course_trend.VitalTrace(minutes, values, np.empty(0), np.empty(0))
    first = view.trend.sessions[0]
    course = replace(view.trend, sessions=(replace(first, vitals={**first.vitals, "spo2": dense}),
                                           *view.trend.sessions[1:]))
    view.show_trend(course, LEGEND)
    QtCore.QCoreApplication.processEvents()
    line = view.panels["spo2"].lines[0]
    view.panels["spo2"].plot.setXRange(0.0, minutes[-1], padding=0)
    x, y = (np.asarray(a) for a in line.getData())
    assert y.size < seconds / 4   # reduced to what the panel's columns can show
    assert x[-1] == minutes[-1] and y[-1] == 82.0   # the line runs to the newest value
    before_break = (x >= minutes[3592]) & (x < minutes[3600])
    assert 82.0 in y[before_break]


def test_the_course_lines_are_reduced_to_what_is_in_view(qtbot, course_log, protocols):
    # PlotItem.addItem gives an item the plot's own clip-to-view (off): the course's lines
    # were reduced over every value, not only what is in view (review 47).
    path, _ = course_log
    window = open_window(qtbot, path, protocols)
    view = show_trend(qtbot, window)
    lines = [line for panel in view.panels.values() for line in panel.lines]
    assert lines and all(line.reduced and line.opts["clipToView"] for line in lines)


def test_a_cuffs_pulse_beside_an_oximeters_line_is_inside_the_panel(qtbot):
    """The cuff's pulse is a symbol beside the oximeter's line (`VitalTrace.measured_values`),
    not in the line: a cuff's 172 fell outside the pulse panel's 30-150, and one measured
    before the oximeter's first value outside the time range, while the session's own trend
    widens its scale to it."""
    from datetime import timedelta
    from types import SimpleNamespace

    from console.records import ObservationRecord
    from console.ui.review_course_trend import CourseTrendView
    from devices.reading import NIBP_PULSE

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def pulse(row, value, minute, flags=frozenset()):
        at = start + timedelta(minutes=minute)
        return row, ObservationRecord(1, "pulse_rate", value, "/min", "hl7:MON", at, at,
                                      "engine", flags=flags)

    cuff = frozenset({NIBP_PULSE})
    never_dosed = SimpleNamespace(started_at=start, first_dose_at=None)   # from 0
    trace = course_trend._trace(never_dosed,
                                [pulse(1, 172, 10, cuff), pulse(2, 88, 20), pulse(3, 90, 22)],
                                [])
    assert list(trace.vitals["pulse_rate"].values) == [88, 90]   # the oximeter's line
    view = CourseTrendView()
    qtbot.addWidget(view)
    view.resize(1300, 600)
    view.show_trend(course_trend.CourseTrend((trace,)), ["Session 1"])
    low, high = view.y_range("pulse_rate")
    assert low <= 172 <= high
    low, high = view.x_range()
    assert low <= 10 <= high
