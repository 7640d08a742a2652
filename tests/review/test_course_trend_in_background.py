"""The Course tab's "Trend from T0" read in the background, in the review window offscreen: the
tab says the course is being read while the window goes on, only the course shown is ever drawn,
closing the window ends the read, and a bug in the read reaches the window's thread.

The reads are held back by the test at the sessions it names (`HeldReads`), so which course is
read when does not depend on when a thread runs; every wait is bounded. The reader without Qt is
tested in test_course_trend_reader.py, the trend drawn in test_course_trend_view.py."""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from console.review import course_trend, queries
from console.review.course_trend import not_read_text, reading_text
from console.ui.review_window import CoursePage
from tests.review.course_sessions import PATIENT
from tests.review.test_course_trend_reader import ENDLESS
from tests.review.test_course_trend_view import (  # noqa: F401 - fixtures
    LEGEND,
    long_course,
    open_window,
    protocols,
    wait_for_trend,
)

WAIT_S = 10   # real seconds a read is held back at most (a read on the window's thread: then on)
READER = "review-course-trend"
ONE_LEGEND = "Session 1 (still open) · 20 Mar 2026 · no T0 (never dosed): from its start"


class HeldReads:
    """`queries.trend_records` as the course trend calls it, held back at the sessions named:
    each call says which session it reads (`started`) and in which thread, then waits there for
    that session's go."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, held: Iterable[int] = ()) -> None:
        self.started: queue.Queue[int] = queue.Queue()
        self.threads: list[str] = []
        self.go = {session_id: threading.Event() for session_id in held}
        real = queries.trend_records

        def records(conn: sqlite3.Connection, session_id: int):
            self.threads.append(threading.current_thread().name)
            self.started.put(session_id)
            gate = self.go.get(session_id)
            if gate is not None:
                gate.wait(WAIT_S)
            return real(conn, session_id)

        monkeypatch.setattr(course_trend.queries, "trend_records", records)

    def until_started(self, session_id: int) -> None:
        """Until the read of `session_id` starts (the reads started before it are over)."""
        while self.started.get(timeout=2 * WAIT_S) != session_id:
            pass


def course_ids(path: Path, patient: str) -> list[int]:
    conn = queries.open_readonly(path)
    try:
        return [r.session_id for r in queries.load_course(conn, patient)]
    finally:
        conn.close()


def choose(page: CoursePage, patient: str) -> None:
    """The clinician chooses `patient` in the Course tab's box."""
    page.patient_box.activated.emit(page.patient_box.findText(patient))


def reader_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == READER]


def test_the_trend_is_read_off_the_window_s_thread_while_the_tab_says_so(
        qtbot, course_log, protocols, monkeypatch):
    path, ids = course_log
    reads = HeldReads(monkeypatch, [ids["first"]])
    window = open_window(qtbot, path, protocols)
    page = window.course_page
    window.show_course(PATIENT)
    # The tab shown: it says what is read, with no wait cursor over the window.
    page.views.setCurrentWidget(page.trend)
    assert page.trend_reading and page.trend.trend is None
    assert page.trend.reading_text() == reading_text(4) == (
        "Reading the course's vitals: 4 sessions… The figures and the other tabs can be used "
        "meanwhile.")
    assert QtWidgets.QApplication.overrideCursor() is None
    reads.until_started(ids["first"])   # and held there by the test
    # The window goes on meanwhile: the figures, the list, and back (not read a second time).
    page.views.setCurrentWidget(page.table)
    assert page.hint.isVisible()
    window.tabs.setCurrentWidget(window.list_page)
    window.tabs.setCurrentWidget(page)
    page.views.setCurrentWidget(page.trend)
    reads.go[ids["first"]].set()
    wait_for_trend(qtbot, window)
    assert page.trend.legend_texts() == LEGEND and page.trend.reading_text() == ""
    # Every session read once, each in the reader's thread.
    assert reads.threads == [READER] * 4
    window.close_log()


def test_a_course_left_while_its_trend_was_read_is_never_drawn(qtbot, long_course, protocols,
                                                              monkeypatch):
    first_long = course_ids(long_course, "MRN-LONG")[0]
    [one] = course_ids(long_course, "MRN-ONE")
    reads = HeldReads(monkeypatch, [first_long, one])
    window = open_window(qtbot, long_course, protocols)
    page, trend = window.course_page, window.course_page.trend
    window.show_course("MRN-LONG")
    page.views.setCurrentWidget(trend)
    reads.until_started(first_long)
    # Another patient chosen on the trend's tab while MRN-LONG's course is read.
    choose(page, "MRN-ONE")
    assert trend.reading_text() == reading_text(1)
    reads.go[first_long].set()
    reads.until_started(one)   # one course read at a time: MRN-LONG's read is over
    QtCore.QCoreApplication.processEvents()   # whatever it woke is handled now
    assert trend.trend is None and trend.reading_text() == reading_text(1)
    reads.go[one].set()
    wait_for_trend(qtbot, window)
    assert trend.legend_texts() == [ONE_LEGEND]
    window.close_log()


def test_a_read_of_a_course_left_on_the_figures_tab_wakes_nobody(qtbot, long_course, protocols,
                                                                 monkeypatch):
    """Left to run, its trend would be drawn on the hidden tab and taken for the next
    patient's: the tab would not read that one when shown."""
    first_long = course_ids(long_course, "MRN-LONG")[0]
    reads = HeldReads(monkeypatch, [first_long])
    window = open_window(qtbot, long_course, protocols)
    page = window.course_page
    woke: list[bool] = []
    page.trend_woke.connect(lambda: woke.append(True), QtCore.Qt.ConnectionType.DirectConnection)
    window.show_course("MRN-LONG")
    page.views.setCurrentWidget(page.trend)
    reads.until_started(first_long)
    page.views.setCurrentWidget(page.table)
    choose(page, "MRN-ONE")   # on the Figures tab: its trend is not read yet
    reads.go[first_long].set()
    # The checks of the records wait while a trend is read, until its outcome is handed over
    # or dropped: checking again, MRN-LONG's read is over.
    assert window.records.pending()
    qtbot.waitUntil(lambda: window.records.step() is not None, timeout=2 * WAIT_S * 1000)
    assert woke == []
    assert page.trend.trend is None
    # Its tab shown again: the patient shown is read and drawn.
    page.views.setCurrentWidget(page.trend)
    assert page.trend.reading_text() == reading_text(1)
    wait_for_trend(qtbot, window)
    assert page.trend.legend_texts() == [ONE_LEGEND]
    window.close_log()


def test_closing_the_window_while_the_trend_is_read_ends_the_read(qtbot, course_log, protocols,
                                                                  monkeypatch):
    path, _ = course_log
    started = threading.Event()

    def endless(conn: sqlite3.Connection, session_id: int):
        started.set()
        conn.execute(ENDLESS).fetchall()   # runs until SQLite is told to stop it
        raise AssertionError("the endless statement ended by itself")

    monkeypatch.setattr(course_trend.queries, "trend_records", endless)
    window = open_window(qtbot, path, protocols)
    page = window.course_page
    window.show_course(PATIENT)
    page.views.setCurrentWidget(page.trend)
    assert started.wait(WAIT_S)
    with qtbot.captureExceptions() as exceptions:
        window.close()
    assert exceptions == []
    assert reader_threads() == []


def test_a_bug_in_the_read_is_raised_on_the_window_s_thread_and_the_tab_says_so(
        qtbot, course_log, protocols, monkeypatch):
    path, _ = course_log

    def broken(conn: sqlite3.Connection, session_id: int):
        raise TypeError("planted by the test")

    monkeypatch.setattr(course_trend.queries, "trend_records", broken)
    window = open_window(qtbot, path, protocols)
    page = window.course_page
    with qtbot.captureExceptions() as exceptions:
        window.show_course(PATIENT)
        page.views.setCurrentWidget(page.trend)
        wait_for_trend(qtbot, window)
    [(kind, error, _)] = exceptions   # from the slot: on the window's thread
    assert kind is TypeError and str(error) == "planted by the test"
    assert page.trend.reading_text() == not_read_text(error) == (
        "The course's vitals were not drawn: the console met an error (TypeError: planted by "
        "the test). Choose the patient again to retry.")
    window.close_log()
