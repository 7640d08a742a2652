"""The course says where the protocol's rules changed between the sessions it compares.

A clinic issues clinic-iv 1.7 (SpO2 high alarm lowered from ≤90 to ≤86) between session 2 and
session 3 of a patient's course. Each session logs the text it ran under (`PROTOCOL_IN_FORCE`),
yet the Course table's "Protocol" row read "clinic-iv" in every column, and the course trend drew
≤90 and ≤86 as the course's limits without saying whose (a review): the page where sessions are
compared did not say session 3 ran under other limits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6 import QtCore

from console.clock import ManualClock
from console.review import content as rc
from console.review.queries import load_course, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, protocol_from_text
from protocols.model import Protocol
from tests.review.review_windows import open_review

PATIENT = "MRN-7001"
OLD_SPO2_HIGH = 'priority = "high"\ndirection = "low"\nat_or_below = 90\n'
NEW_SPO2_HIGH = 'priority = "high"\ndirection = "low"\nat_or_below = 86\n'
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def _clinic(version: str, spo2_high: str = OLD_SPO2_HIGH) -> Protocol:
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    assert OLD_SPO2_HIGH in text
    text = (text.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1)
            .replace('version = "1.6"', f'version = "{version}"', 1)
            .replace(OLD_SPO2_HIGH, spo2_high, 1))
    return protocol_from_text(text, "clinic-iv.toml")


def _course_log(path: Path, *protocols: Protocol) -> None:
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        for number, protocol in enumerate(protocols, start=1):
            clock = ManualClock(datetime(2026, 3, 2 + 3 * number, 9, 0, tzinfo=UTC))
            engine = SessionEngine.open(protocol, log, Patient(PATIENT, 72.0), "nurse.ana",
                                        clock.now(), session_number=number)
            clock.advance(600)
            assert engine.discharge("nurse.ana", clock.now(), override_reason="sent home").done
    finally:
        log.close()


def _protocol_row(path: Path) -> list[str]:
    conn = open_readonly(path)
    try:
        rows = load_course(conn, PATIENT)
    finally:
        conn.close()
    return [rc.course_cells(row, UTC, previous=rows[k - 1] if k else None)["protocol"]
            for k, row in enumerate(rows)]


def test_the_course_names_each_sessions_version_and_marks_the_change(qtbot,
                                                                     tmp_path: Path) -> None:
    v16, v17 = _clinic("1.6"), _clinic("1.7", NEW_SPO2_HIGH)
    path = tmp_path / "log.sqlite3"
    _course_log(path, v16, v16, v17)

    window = open_review(qtbot, path, NOW, size=(1366, 768), protocols={v17.id: v17})
    window.show_course(PATIENT)
    page = window.course_page
    # The table, where the clinician reads "High alarms" 2 against 0 across the columns.
    assert page.model.figure("protocol") == [
        "clinic-iv 1.6", "clinic-iv 1.6", "clinic-iv 1.7 ⚠ rules changed"]

    # The trend draws both SpO2 limits; its legend says whose each is.
    page.views.setCurrentWidget(page.trend)
    qtbot.waitUntil(lambda: not page.trend_reading, timeout=30_000)
    QtCore.QCoreApplication.processEvents()
    trend = page.trend
    assert {90.0, 86.0} <= set(trend.limit_values("spo2"))
    note = trend.note.text()
    assert trend.note.isVisible(), note
    print(note)
    assert "SpO2 ≤90 (sessions 1–2)" in note and "≤86 (session 3)" in note, note
    # Short enough for the legend's cell at 1366x768: no scrolling for a course of three.
    assert trend.legend_box.verticalScrollBar().maximum() == 0
    window.close_log()


def test_a_file_edited_without_a_new_version_is_a_change_too(tmp_path: Path) -> None:
    v16 = _clinic("1.6")
    edited = _clinic("1.6", NEW_SPO2_HIGH)
    assert edited.version == v16.version and edited.text != v16.text
    path = tmp_path / "log.sqlite3"
    _course_log(path, v16, edited, edited)

    assert _protocol_row(path) == [
        "clinic-iv 1.6", "clinic-iv 1.6 ⚠ rules changed", "clinic-iv 1.6"]


def test_one_text_throughout_is_not_marked(tmp_path: Path) -> None:
    v16 = _clinic("1.6")
    path = tmp_path / "log.sqlite3"
    _course_log(path, v16, v16)

    assert _protocol_row(path) == ["clinic-iv 1.6", "clinic-iv 1.6"]


def test_a_session_that_logged_no_text_shows_its_logged_version(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    _course_log(path, _clinic("1.6"), _clinic("1.7", NEW_SPO2_HIGH))
    conn = open_readonly(path)
    try:
        first, second = load_course(conn, PATIENT)
    finally:
        conn.close()
    # A session of an older console logged no protocol text: its sessions row's version.
    older = replace(first, protocol=None)
    assert rc.course_cells(older, UTC)["protocol"] == "clinic-iv 1.6"
    assert rc.course_cells(second, UTC, previous=older)["protocol"] == (
        "clinic-iv 1.7 ⚠ rules changed")
