"""The review window on a log written by whole simulated sessions (tests/ui/review_sessions.py):
what a clinician sees in the list, a session and a course, what the filters change, and that the
only write (an annotation) adds one attributed row and changes no recorded row."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.records import AlarmTransition, SessionOpened
from console.review import content as rc
from console.review.integrity import ChainSweep
from console.review.queries import open_readonly
from console.store import EventLog
from console.ui.alarm_bar import COLOURS
from console.ui.review_window import LogAnnotator, ReviewWindow
from console.ui.trend import TrendPlot
from protocols.loader import default_protocol_dirs, load_protocols
from protocols.model import Priority
from tests.review.scenarios import scenario_log  # noqa: F401 - a fixture (QA's session)
from tests.review.scenarios import Driver
from tests.ui.review_sessions import build_review_log, check_every_session

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RECORD_TABLES = ("sessions", "observations", "alarm_events", "events")


class Dialogs:
    """Answers the review's questions like a user would; records what it was asked."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.asked: list[str] = []
        self.errors: list[tuple[str, str]] = []
        self.note: tuple[str, str] | None = None
        self.file_name = "export"
        self.suggested: list[Path] = []   # where each chooser was to start

    def save_path(self, title: str, suggested: Path, file_filter: str) -> Path | None:
        self.asked.append(title)
        self.suggested.append(suggested)
        return self.folder / (self.file_name + suggested.suffix)

    def choose_folder(self, title: str, suggested: Path) -> Path | None:
        """Picks `folder`/csv, an existing folder, as a file chooser can only pick one."""
        self.asked.append(title)
        self.suggested.append(suggested)
        chosen = self.folder / "csv"
        chosen.mkdir(exist_ok=True)
        return chosen

    def annotation(self, session_label: str) -> tuple[str, str] | None:
        self.asked.append(session_label)
        return self.note

    def error(self, title: str, message: str) -> None:
        self.errors.append((title, message))


@pytest.fixture(scope="module")
def built_log(tmp_path_factory):
    """The five-session log, built once per module (tests that write use a copy)."""
    path = tmp_path_factory.mktemp("review") / "log.sqlite3"
    facts = build_review_log(path)
    return path, facts


@pytest.fixture(scope="module")
def protocols():
    return load_protocols(default_protocol_dirs()).protocols


@pytest.fixture
def log_copy(built_log, tmp_path):
    path, facts = built_log
    copy = tmp_path / "log.sqlite3"
    shutil.copy(path, copy)
    return copy, facts


@pytest.fixture
def review(qtbot, log_copy, protocols, tmp_path):
    """A review window over a copy of the log, annotating through a one-write EventLog."""
    path, facts = log_copy
    dialogs = Dialogs(tmp_path)
    clock = ManualClock(NOW)
    window = ReviewWindow(open_readonly(path), protocols=protocols, clock=clock,
                          annotator=LogAnnotator(path, clock, "test"), dialogs=dialogs, tz=UTC,
                          source=str(path), records=ChainSweep(path))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    check_every_session(window)   # the background checks, run here: the list as it settles
    yield window, dialogs, facts, path
    window.close_log()


def figure_row(key: str) -> int:
    """The course table's row of a figure."""
    from console.review.content import COURSE_FIGURES

    return [k for k, _ in COURSE_FIGURES].index(key)


def row_where(model, column, text):
    rows = [r for r in model.rows() if text in r[model.columns().index(column)]]
    assert len(rows) == 1, (text, model.rows())
    return dict(zip(model.columns(), rows[0], strict=True))


def record_hashes(path: Path) -> dict[str, list[str]]:
    """A hash of every row of every record table, in id order."""
    with sqlite3.connect(path) as conn:
        return {table: [hashlib.sha256(repr(row).encode()).hexdigest()
                        for row in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
                for table in RECORD_TABLES}


# ---- the list -----------------------------------------------------------------------------------


def test_list_shows_the_clinical_sessions_newest_first_with_their_alarms(review):
    window, _, facts, _ = review
    model = window.list_page.model
    assert model.column("Date") == ["Mon 09 Mar 2026 09:00", "Fri 06 Mar 2026 10:00",
                                    "Thu 05 Mar 2026 09:00", "Mon 02 Mar 2026 09:00"]
    assert model.column("Patient") == ["MRN-4711", "MRN-5820", "MRN-4711", "MRN-4711"]
    surge = row_where(model, "Date", "Thu 05 Mar")
    assert surge == {"Patient": "MRN-4711", "Protocol": "iv-ketamine",
                     "Date": "Thu 05 Mar 2026 09:00", "Duration": "1:20 h", "Nurse": "nurse.ben",
                     "Highest alarm": "HIGH", "Alarms": "1", "Discharged": "10:20",
                     "Record": "unchanged"}   # its rows match the log's hash chain
    esk = row_where(model, "Protocol", "esketamine")
    assert (esk["Highest alarm"], esk["Duration"], esk["Discharged"]) == ("medium", "2:11 h", "12:11")
    # The highest alarm is in the alarm bar's colours: high red, medium amber.
    column = model.columns().index("Highest alarm")
    assert model.colour_of(2, column) == COLOURS[Priority.HIGH]
    assert model.colour_of(1, column) == COLOURS[Priority.MEDIUM]
    assert "DEMO-0001" not in model.column("Patient")
    assert window.list_page.count_label.text() == (
        "4 sessions, newest first · 1 demo session hidden: tick Include demo")


def test_filters_change_what_the_list_shows(review):
    window, _, _, _ = review
    page = window.list_page
    page.patient_box.setText("5820")
    assert page.model.column("Patient") == ["MRN-5820"]
    page.patient_box.setText("mrn-47")   # any case, any part of the id
    assert page.model.column("Patient") == ["MRN-4711"] * 3
    page.patient_box.clear()

    page.protocol_box.setCurrentIndex(page.protocol_box.findData("esketamine"))
    assert page.model.column("Protocol") == ["esketamine"]
    page.protocol_box.setCurrentIndex(0)

    page.high_only.setChecked(True)
    assert page.model.column("Date") == ["Thu 05 Mar 2026 09:00"]
    page.high_only.setChecked(False)

    page.include_demo.setChecked(True)
    assert [p.split()[0] for p in page.model.column("Patient")] == [
        "MRN-4711", "DEMO-0001", "MRN-5820", "MRN-4711", "MRN-4711"]
    assert "DEMO" in page.model.column("Patient")[1]
    page.include_demo.setChecked(False)

    page.since_edit.setDate(QtCore.QDate(2026, 3, 5))
    page.until_edit.setDate(QtCore.QDate(2026, 3, 6))
    assert len(page.model.rows()) == 4   # the range counts only once it is switched on
    page.date_check.setChecked(True)
    assert page.model.column("Date") == ["Fri 06 Mar 2026 10:00", "Thu 05 Mar 2026 09:00"]
    assert page.count_label.text() == "2 sessions, newest first"


def test_enter_or_double_click_opens_the_session(review, qtbot):
    window, _, _, _ = review
    page = window.list_page
    assert not window.tabs.isTabEnabled(1)   # nothing to show before a session is chosen
    page.table.selectRow(2)
    qtbot.keyClick(page.table, QtCore.Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is window.detail_page
    assert window.detail_page.title.text() == (
        "MRN-4711 · session 2 of 6 · Thu 05 Mar 2026 09:00–10:20 (1:20 h)")
    window.tabs.setCurrentWidget(page)
    index = page.model.index(1, 0)
    page.table.doubleClicked.emit(index)
    assert window.detail_page.title.text().startswith("MRN-5820 · session 1 of 8 ·")


def test_the_header_says_discharged_when_and_an_open_session_is_open(review):
    window, _, facts, path = review
    window.open_session(facts.ids["quiet-1"])
    # The zone once on screen, as the PDF's footer (the tables show clock times).
    assert window.detail_page.subtitle.text().endswith(
        " · T0 09:05 · discharged 10:17 (T0 + 72 min) · times UTC")
    # A session still running (a chair beside the review): "session open", not
    # "discharged session open".
    log = EventLog.open(path, "test")
    try:
        running = Driver(log, "iv-ketamine", "MRN-9001", 70.0, "nurse.ana",
                         datetime(2026, 3, 10, 9, 0, tzinfo=UTC), 1)
    finally:
        log.close()
    window.open_session(running.id)
    assert window.detail_page.subtitle.text().endswith(" · T0 not dosed · session open · times UTC")
    assert window.detail_page.title.text().endswith(" · Tue 10 Mar 2026 09:00, still open")
    vitals = window.detail_page.vitals_model
    column = rc.VITAL_COLUMNS.index("Min")
    tip = vitals.headerData(column, QtCore.Qt.Orientation.Horizontal,
                            QtCore.Qt.ItemDataRole.ToolTipRole)
    assert "since the session started" in tip and "first dose" in tip


def test_a_patient_typed_and_enter_opens_the_newest_match(review, qtbot):
    window, _, _, _ = review
    page = window.list_page
    assert window.focusWidget() is page.patient_box   # typing starts in the search
    qtbot.keyClicks(page.patient_box, "5820")
    qtbot.keyClick(page.patient_box, QtCore.Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is window.detail_page
    assert window.detail_page.title.text().startswith("MRN-5820 · session 1 of 8 ·")
    # No match: Enter opens nothing.
    window.tabs.setCurrentWidget(page)
    page.patient_box.setText("NOBODY")
    qtbot.keyClick(page.patient_box, QtCore.Qt.Key.Key_Return)
    assert window.tabs.currentWidget() is page


def test_a_long_log_lists_through_one_model_without_a_widget_per_row(qtbot, tmp_path, protocols):
    path = tmp_path / "long.sqlite3"
    with EventLog.open(path, "test") as log:
        for i in range(240):
            started = datetime(2025, 1, 1, 9, 0, tzinfo=UTC).replace(day=1 + i % 28,
                                                                     month=1 + i // 28)
            sid = log.start_session(SessionOpened(f"P-{i % 40:03d}", "iv-ketamine", "1.0", 1,
                                                  "ana", 70.0, started))
            if i % 10 == 0:
                log.write([AlarmTransition(sid, 1, "spo2_low", "physiological", "high", "raised",
                                           started, "SpO2 88 %", 88.0, "≤90")])
    window = ReviewWindow(open_readonly(path), protocols=protocols, clock=ManualClock(NOW),
                          dialogs=Dialogs(tmp_path), tz=UTC)
    qtbot.addWidget(window)
    window.show()
    page = window.list_page
    assert page.model.rowCount() == 240
    assert all(page.table.indexWidget(page.model.index(r, 0)) is None for r in range(240))
    page.high_only.setChecked(True)   # its speed is the benchmark's (P6), not a test's
    assert page.model.rowCount() == 24
    assert set(page.model.column("Highest alarm")) == {"HIGH"}
    window.close_log()


# ---- one session --------------------------------------------------------------------------------


def test_detail_shows_the_high_alarm_with_its_time_to_acknowledge(review):
    window, _, facts, _ = review
    window.open_session(facts.ids["surge"])
    page = window.detail_page
    model = page.alarm_model
    assert model.rows() == [(
        "HIGH",
        "Systolic BP 182 mmHg (+54 from baseline 128), limit ≥180 or ≥40 above baseline → "
        "HIGH at 09:40:00 (186 mmHg)",
        # Acknowledged and timed at HIGH (from 09:40:00), the medium phase's answer after it.
        "09:35:00", "09:40:20 nurse.ben · at medium 09:35:45 nurse.ben", "20 s",
        "09:35:45 nurse.ben", "09:45:10")]   # back inside 10 s: its reminded alarm ends
    assert model.colour_of(0) == COLOURS[Priority.HIGH]   # the row is red
    # The column says how its figure is measured.
    tip = model.headerData(model.columns().index("To ack"), QtCore.Qt.Orientation.Horizontal,
                           QtCore.Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Time to acknowledge: from when the alarm reached its highest priority")
    assert page.alarm_summary.text() == (
        "Alarms: high 1 · medium 0 · low 0 · reminders 10")
    page.show_reminders.setChecked(True)
    assert len(model.rows()) == 11
    assert ("Vitals due: BP, HR and SpO2 (Systolic BP, Diastolic BP, Heart rate or pulse rate, "
            "SpO2)") in model.column("Alarm")
    assert model.colour_of(0) is None   # a reminder is not coloured as an alarm


def test_detail_trend_is_the_live_widget_with_limits_and_markers(review):
    window, _, facts, _ = review
    window.open_session(facts.ids["surge"])
    trend = window.detail_page.trend
    assert type(trend) is TrendPlot
    assert trend.view == "whole"
    assert trend.x_range() == (0.0, 80.0)   # the whole session, start to discharge
    x, y = trend.curve_data("bp_systolic", manual=True)
    assert list(y) == [128, 145, 155, 182, 186, 158, 150, 144, 140, 138]
    assert list(x)[4] == pytest.approx(40.0)
    assert {180.0, 200.0, 168.0} <= set(trend.threshold_values("bp_systolic"))   # 168 = 128 + 40
    markers = trend.markers()
    assert (35.0, "Systolic 182", "alarm") in markers
    assert (40.0, "Systolic 186", "alarm") in markers
    assert (5.0, "T0 dose", "dose") in markers


def test_detail_shows_checklist_who_and_when_and_the_override_with_its_reason(review):
    window, _, facts, path = review
    window.open_session(facts.ids["surge"])
    page = window.detail_page
    consent = row_where(page.checklist_model, "Item", "Consent for the ketamine course")
    assert consent == {"Time": "09:00", "Phase": "Pre-session checks",
                       "Item": "Consent for the ketamine course is current",
                       "Ticked by": "nurse.ben", "Note": ""}
    with sqlite3.connect(path) as conn:
        ticked = conn.execute("SELECT json_extract(detail, '$.text') FROM events WHERE "
                              "session_id = ? AND kind = 'checklist_ticked' ORDER BY id",
                              [facts.ids["surge"]]).fetchall()
    assert page.checklist_model.column("Item") == [t for (t,) in ticked]   # every tick, in order
    assert page.override_model.rows() == [
        ("10:05", "Ended phase Observation early", "Observation must last 10:00 min more",
         "Dr Lee reviewed: BP settling, patient alert", "nurse.ben")]
    assert page.override_summary.text() == "Overrides and prescriber decisions: 1"


def test_detail_shows_observations_notes_vitals_and_phases(review):
    window, _, facts, _ = review
    window.open_session(facts.ids["surge"])
    page = window.detail_page
    obs = page.observation_model
    assert obs.columns() == ("Time", "Min", "Sedation MOAA/S", "Nausea", "Dissociation CADSS",
                             "Hallucinations", "Fatigue", "Aldrete", "By")
    assert row_where(obs, "Time", "09:45") == {
        "Time": "09:45", "Min": "+45", "Sedation MOAA/S": "4", "Nausea": "2 moderate",
        "Dissociation CADSS": "3", "Hallucinations": "1 present", "Fatigue": "1 mild",
        "Aldrete": "", "By": "nurse.ben"}
    assert obs.column("Sedation MOAA/S")[:3] == ["5", "4", "4"]
    assert page.scale_summary.text().startswith("Sedation MOAA/S lowest 4 · Nausea max 2")
    assert page.note_model.rows() == [
        ("Thu 05 Mar 2026 09:40", "Note", "nurse.ben",
         "Prescriber Dr Lee informed of BP 186/100; infusion continued")]
    assert row_where(page.vitals_model, "Time", "09:35") == {
        "Time": "09:35", "Min": "+35", "BP mmHg": "182/104", "HR /min": "88", "RR /min": "16",
        "SpO2 %": "97", "Source": "manual"}
    assert page.phase_model.rows() == [
        ("Pre-session checks", "09:00", "09:05", "5:00 min", "nurse.ben"),
        ("Infusion", "09:05", "09:45", "40:00 min", "nurse.ben"),
        ("Observation", "09:45", "10:05", "20:00 min", "nurse.ben"),
        ("Discharge", "10:05", "10:20", "15:00 min", "nurse.ben")]
    assert page.protocol_label.text().startswith(
        "Protocol in force: IV racemic ketamine 0.5 mg/kg over 40 min (iv-ketamine v1.6) · "
        "T0 09:05")
    assert not page.protocol_warning.isVisibleTo(page)


def test_esketamine_session_shows_device_vitals_an_unacknowledged_dip_and_offers_rems(review):
    window, _, facts, _ = review
    window.open_session(facts.ids["esketamine"])
    page = window.detail_page
    assert row_where(page.alarm_model, "Alarm", "SpO2 92") == {
        "Priority": "medium", "Alarm": "SpO2 92 %, limit ≤93", "Raised": "11:00:00",
        "Acknowledged": "—", "To ack": "not acknowledged", "Audio paused": "—",
        "Cleared": "11:01:00"}
    t40 = row_where(page.vitals_model, "Time", "10:51")   # BP at T+40, a minute late
    assert (t40["BP mmHg"], t40["HR /min"], t40["SpO2 %"], t40["Source"]) == (
        "140/86", "74", "97", "manual + device")
    scheduled = row_where(page.vitals_model, "Time", "10:35")   # a check the monitor answered
    assert scheduled["Source"] == "device (scheduled check)"
    assert page.export_buttons["rems"].isEnabled()
    # The scenario logs two of its three devices (REMS lists device-3 missing): planned.
    assert "84 mg planned (3 devices; 2 recorded given)" in page.subtitle.text()
    window.open_session(facts.ids["surge"])
    assert not page.export_buttons["rems"].isEnabled()   # REMS is for esketamine only


# ---- the course ---------------------------------------------------------------------------------


def test_course_shows_each_session_side_by_side_with_the_values_it_produced(review):
    window, _, facts, path = review
    window.list_page.table.selectRow(0)
    window.list_page.course_button.click()
    assert window.tabs.currentWidget() is window.course_page
    course = window.course_page.model
    assert course.columns() == ("Session 1", "Session 2", "Session 3")
    assert course.figure("date") == ["02 Mar 2026 09:00", "05 Mar 2026 09:00",
                                      "09 Mar 2026 09:00"]
    assert course.figure("dose") == ["36 mg (0.5 mg/kg)"] * 3
    assert course.figure("peak_systolic") == [
        "141 at T0 + 30 min", "186 at T0 + 35 min", "141 at T0 + 30 min"]
    assert course.figure("peak_diastolic")[1] == "104 at T0 + 30 min"
    assert course.figure("min_spo2") == ["98 %", "97 %", "98 %"]
    assert course.figure("min_rr") == ["14 /min"] * 3
    assert course.figure("alarms_high") == ["0", "1", "0"]
    assert course.colour_of(figure_row("alarms_high"), 1) == COLOURS[Priority.HIGH]
    assert course.figure("record") == ["unchanged"] * 3   # held to the log's hash chain
    assert course.figure("max_nausea") == ["1", "2", "0"]
    assert course.figure("max_dissociation") == ["1", "3", "1"]
    assert course.figure("max_hallucinations") == ["—", "1", "—"]
    assert course.figure("max_fatigue") == ["0", "1", "2"]
    assert course.figure("discharge") == ["77 (T0 + 72 min)", "80 (T0 + 75 min)", "77 (T0 + 72 min)"]
    assert window.course_page.title.text() == "IV course of MRN-4711: 3 sessions"
    # A column opens its session.
    window.course_page.table.doubleClicked.emit(course.index(0, 1))
    assert window.detail_page.title.text().startswith("MRN-4711 · session 2 of 6")

    window.show_course("MRN-5820")
    course = window.course_page.model
    # Two of its three devices ticked given: what they gave, the plan beside it.
    assert course.figure("dose") == ["56 mg given (2 of 3 devices); 84 mg planned"]
    assert course.figure("min_spo2") == ["92 %"]
    assert course.figure("alarms_medium") == ["1"]
    # A session never ended says so above its column (a records audit read it as any other).
    log = EventLog.open(path, "test")
    try:
        Driver(log, "iv-ketamine", "MRN-9002", 70.0, "nurse.ana",
               datetime(2026, 3, 10, 9, 0, tzinfo=UTC), 1)
    finally:
        log.close()
    window.show_course("MRN-9002")
    assert window.course_page.model.columns() == ("Session 1 (still open)",)


def test_the_course_tab_reached_by_ctrl_tab_shows_the_patient_in_its_box(review, qtbot):
    """QA: Ctrl+Tab to Course showed "MRN-4711" in the box over an empty table (the box was
    filled before its signal was connected), and choosing the same patient did nothing."""
    window, _, facts, _ = review
    page = window.course_page
    # Typing starts in the patient search; Ctrl+Tab: Sessions -> Course (Session is off).
    qtbot.keyClick(window.list_page.patient_box, QtCore.Qt.Key.Key_Tab,
                   QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is page
    assert page.patient_box.currentText() == "MRN-4711"
    assert page.title.text() == "IV course of MRN-4711: 3 sessions"
    assert page.model.figure("dose") == ["36 mg (0.5 mg/kg)"] * 3
    # After opening a session, its patient's course.
    window.open_session(facts.ids["esketamine"])
    qtbot.keyClick(window.detail_page.back_button, QtCore.Qt.Key.Key_Tab,
                   QtCore.Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is page
    assert page.patient_box.currentText() == "MRN-5820"
    assert page.title.text() == "Intranasal course of MRN-5820: 1 session"
    assert page.model.figure("dose") == ["56 mg given (2 of 3 devices); 84 mg planned"]
    # Another patient chosen with the keys, then the same one again: read each time.
    page.patient_box.setFocus()
    qtbot.keyClick(page.patient_box, QtCore.Qt.Key.Key_Up)
    assert page.title.text() == "IV course of MRN-4711: 3 sessions"
    path = review[3]
    with EventLog.open(path, "test") as log:   # a chair adds a session meanwhile
        log.start_session(SessionOpened("MRN-4711", "iv-ketamine", "1.0", 4, "ana", 72.0,
                                        datetime(2026, 3, 10, 11, 0, tzinfo=UTC)))
    page.patient_box.activated.emit(page.patient_box.currentIndex())   # chosen again
    assert page.title.text() == "IV course of MRN-4711: 4 sessions"


def test_with_no_session_selected_open_and_course_are_off_and_hidden_demos_are_counted(review):
    """QA: a search for an unknown patient showed "0 sessions, newest first" with Open session
    and Course of this patient still on; a demo patient's search did not say it was hidden."""
    window, _, _, _ = review
    page = window.list_page
    assert page.open_button.isEnabled() and page.course_button.isEnabled()
    page.patient_box.setText("NOBODY")
    assert page.count_label.text() == "0 sessions"
    assert not page.open_button.isEnabled() and not page.course_button.isEnabled()
    page.patient_box.setText("DEMO")
    assert page.count_label.text() == "0 sessions · 1 demo session hidden: tick Include demo"
    assert not page.open_button.isEnabled() and not page.course_button.isEnabled()
    page.include_demo.setChecked(True)
    # The demo session was not listed, so not yet checked against the hash chain: now it is.
    assert page.count_label.text() == ("1 session, newest first · 1 not yet checked against the "
                                       "log's hash chain")
    check_every_session(window)
    assert page.count_label.text() == "1 session, newest first"
    assert page.open_button.isEnabled() and page.course_button.isEnabled()
    page.table.clearSelection()
    assert not page.open_button.isEnabled() and not page.course_button.isEnabled()


# ---- the one write ------------------------------------------------------------------------------


def test_an_annotation_adds_one_attributed_row_and_changes_no_recorded_row(review):
    window, dialogs, facts, path = review
    window.open_session(facts.ids["surge"])
    before = record_hashes(path)
    dialogs.note = ("Dr Lee", "Reviewed: surge managed per protocol, no change to the plan")
    window.detail_page.annotate_button.click()
    after = record_hashes(path)
    for table in RECORD_TABLES:
        assert after[table][:len(before[table])] == before[table], f"{table} rows changed"
    assert {t: len(after[t]) - len(before[t]) for t in RECORD_TABLES} == {
        "sessions": 0, "observations": 0, "alarm_events": 0, "events": 1}
    with sqlite3.connect(path) as conn:
        row = conn.execute("SELECT session_id, at, kind, actor, detail FROM events "
                           "ORDER BY id DESC LIMIT 1").fetchone()
    assert row[:4] == (facts.ids["surge"], "2026-03-10T12:00:00.000Z", "review_note", "Dr Lee")
    assert json.loads(row[4]) == {"text": "Reviewed: surge managed per protocol, no change to "
                                          "the plan"}
    page = window.detail_page
    assert ("Tue 10 Mar 2026 12:00", "Review annotation", "Dr Lee",
            "Reviewed: surge managed per protocol, no change to the plan") in page.note_model.rows()
    assert window.statusBar().currentMessage().startswith("Annotation by Dr Lee added to session 2")
    with EventLog.open(path, "test") as log:
        assert log.verify().ok


def test_a_review_closed_after_an_annotation_leaves_only_the_log_file_holding_it(review,
                                                                                  tmp_path):
    # Before: the annotation's write log closed while the window's read-only connection was
    # open, and that one, closed last, cannot move the -wal into the log: a -wal and a -shm
    # stayed beside it, the annotation only in the -wal (a backup of the log file lacked it).
    window, dialogs, facts, path = review
    window.open_session(facts.ids["surge"])
    dialogs.note = ("Dr Lee", "Reviewed: surge managed per protocol")
    window.detail_page.annotate_button.click()
    window.close_log()
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name)) == [
        path.name]
    backup = tmp_path / "backup" / path.name
    backup.parent.mkdir()
    shutil.copy(path, backup)
    with sqlite3.connect(backup) as conn:
        notes = conn.execute("SELECT actor FROM events WHERE kind = 'review_note'").fetchall()
    assert notes == [("Dr Lee",)]


def test_an_annotation_without_a_name_is_refused_and_writes_nothing(review):
    window, dialogs, facts, path = review
    window.open_session(facts.ids["surge"])
    before = record_hashes(path)
    dialogs.note = ("  ", "no name given")
    window.detail_page.annotate_button.click()
    assert dialogs.errors == [("Annotation not added",
                               "Say who writes the review note (clinician name).")]
    assert record_hashes(path) == before


def test_an_annotation_the_log_cannot_take_says_why_in_one_clean_sentence(review):
    from console.store import LogError

    window, dialogs, facts, path = review
    window.open_session(facts.ids["surge"])

    def read_only(*_args):   # the log on a write-protected copy: SQLite's refusal, classified
        raise LogError(path, "read-only", "attempt to write a readonly database [SQLITE_READONLY]")

    window.annotator = read_only
    dialogs.note = ("Dr Lee", "reviewed")
    window.detail_page.annotate_button.click()
    [(title, text)] = dialogs.errors
    assert title == "Annotation not added"
    assert text.endswith("[SQLITE_READONLY].) Nothing was written.") and ".)." not in text


def test_the_review_reads_through_a_read_only_connection(review):
    window, _, facts, path = review
    before = record_hashes(path)
    window.open_session(facts.ids["esketamine"])
    window.show_course("MRN-4711")
    with pytest.raises(sqlite3.OperationalError, match="readonly|read-only"):
        window.conn.execute("DELETE FROM meta")
    assert record_hashes(path) == before


# ---- exports ------------------------------------------------------------------------------------


def test_export_buttons_write_pdf_csv_fhir_and_rems(review, tmp_path):
    window, dialogs, facts, _ = review
    window.open_session(facts.ids["esketamine"])
    page = window.detail_page
    page.paper_box.setCurrentText("Letter")
    page.export_buttons["pdf"].click()
    pdf = tmp_path / "export.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    message = window.statusBar().currentMessage()
    assert message.startswith(f"PDF report written: {pdf} (")
    assert message.endswith("pages, Letter) · not logged: this log has no staff accounts")
    page.export_buttons["csv"].click()
    # Into a new folder named for the session, inside the existing one chosen.
    first = tmp_path / "csv" / "MRN-5820-session1-20260306"
    names = [f"session-{facts.ids['esketamine']}-events.csv",
             f"session-{facts.ids['esketamine']}-observations.csv"]
    assert sorted(p.name for p in first.iterdir()) == names
    # Again (after an annotation, say): a folder of its own; the first export is not written over.
    (first / names[0]).write_text("the export of last week\n")
    page.export_buttons["csv"].click()
    assert (first / names[0]).read_text() == "the export of last week\n"
    assert sorted(p.name for p in (tmp_path / "csv" / "MRN-5820-session1-20260306-2").iterdir()) == names
    page.export_buttons["fhir"].click()
    bundle = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    assert "MRN-5820" in json.dumps(bundle)
    dialogs.file_name = "rems"
    page.export_buttons["rems"].click()
    assert "84" in (tmp_path / "rems.txt").read_text(encoding="utf-8")
    assert dialogs.errors == []


def test_csv_export_chooses_an_existing_folder_and_makes_the_session_s_folder_in_it(
        qtbot, log_copy, protocols, tmp_path, monkeypatch):
    """QA: CSV suggested a folder still to be made; Qt's chooser said "Directory not found" and
    greyed its Choose button. Here with the real dialogs, Qt's chooser answered."""
    path, facts = log_copy
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    chosen = tmp_path / "exports"
    chosen.mkdir()
    asked: list[tuple[str, Path]] = []

    def chooser(parent, title, start):
        asked.append((title, Path(start)))
        return str(chosen)

    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory", chooser)
    window = ReviewWindow(open_readonly(path), protocols=protocols, clock=ManualClock(NOW),
                          tz=UTC, source=str(path))
    qtbot.addWidget(window)
    window.open_session(facts.ids["surge"])
    window.detail_page.export_buttons["csv"].click()
    title, start = asked[0]
    assert title == "Export CSV: choose the folder in which to create MRN-4711-session2-20260305"
    assert start == home and start.is_dir()   # an existing folder to start in
    made = chosen / "MRN-4711-session2-20260305"
    assert sorted(p.name for p in made.iterdir()) == [
        f"session-{facts.ids['surge']}-events.csv",
        f"session-{facts.ids['surge']}-observations.csv"]
    assert window.statusBar().currentMessage().startswith(f"CSV written: {made}")
    # The next export starts where this one went.
    window.detail_page.export_buttons["csv"].click()
    assert asked[1][1] == chosen
    window.close_log()


def test_deidentified_export_carries_no_patient_id_or_nurse(review, tmp_path):
    window, dialogs, facts, _ = review
    window.open_session(facts.ids["esketamine"])
    page = window.detail_page
    page.deidentify.setChecked(True)
    dialogs.file_name = "anon"
    page.export_buttons["fhir"].click()
    text = (tmp_path / "anon.json").read_text(encoding="utf-8")
    assert "MRN-5820" not in text and "nurse.cruz" not in text
    assert "anon-" in text
    # The REMS form goes under the patient's identity and real date: none from this view, and
    # the window says why (not "choose another place").
    dialogs.file_name = "rems"
    page.export_buttons["rems"].click()
    assert not (tmp_path / "rems.txt").exists()
    title, message = dialogs.errors[-1]
    assert title == "REMS export failed"
    assert "would be a wrong form" in message and "Choose another place" not in message


def test_a_log_without_staff_accounts_says_reads_and_exports_are_not_logged(review, tmp_path):
    """QA: on a log without accounts the window exported with no sign-in and no access_log row,
    and nothing said so (README "Transitional rule": such a log runs without identity)."""
    window, dialogs, facts, path = review
    assert window.statusBar().currentMessage() == (
        "No staff accounts in this log: reads and exports are not logged (infusion-console "
        f"staff add creates the first administrator) · Session log (read-only): {path}")
    window.open_session(facts.ids["surge"])
    window.detail_page.export_buttons["fhir"].click()
    assert dialogs.errors == []
    report = window.statusBar().currentMessage()
    assert report.startswith("FHIR R4 Bundle of ")
    assert report.endswith(f"written: {tmp_path / 'export.json'} · not logged: this log has no "
                           "staff accounts")


def test_an_export_that_cannot_be_written_says_so(review, tmp_path):
    window, dialogs, facts, _ = review
    window.open_session(facts.ids["surge"])
    dialogs.folder = tmp_path / "missing" / "folder"
    window.detail_page.export_buttons["pdf"].click()
    assert len(dialogs.errors) == 1
    title, message = dialogs.errors[0]
    assert title == "PDF export failed"
    assert message.startswith(f"Could not write {dialogs.folder / 'export.pdf'}")


# ---- screens and entry points -------------------------------------------------------------------


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_session_page_fits_the_screen(review, qtbot, size):
    window, _, facts, _ = review
    window.resize(*size)
    window.open_session(facts.ids["surge"])
    qtbot.waitExposed(window)
    page = window.detail_page
    right = page.mapTo(window, QtCore.QPoint(page.width(), 0)).x()
    for button in [page.annotate_button, *page.export_buttons.values()]:
        corner = button.mapTo(window, QtCore.QPoint(button.width(), button.height()))
        assert corner.x() <= right and corner.y() <= window.height(), button.text()
    # The trend keeps the larger share of the height; the tables scroll.
    assert page.trend.height() >= 0.5 * page.split.height()
    assert page.trend.height() >= 300


def rows_in_sight(page, table, scroll_page: bool = False) -> int:
    """Rows of `table` wholly on screen in the current tab, after scrolling the tab to it; in
    the page's view as it stands (it scrolls when it cannot show everything whole), or, with
    `scroll_page`, after scrolling the page to the tables."""
    tab = page.tabs.currentWidget()
    clip = tab
    if isinstance(tab, QtWidgets.QScrollArea):
        tab.ensureWidgetVisible(table, 0, 0)
        clip = tab.viewport()
    if scroll_page:
        page.page_scroll.ensureWidgetVisible(page.tabs, 0, 0)

    def on_screen(widget, rect):
        return QtCore.QRect(widget.mapToGlobal(rect.topLeft()), rect.size())

    view = page.page_scroll.viewport()
    seen = on_screen(clip, clip.rect()).intersected(on_screen(table.viewport(),
                                                               table.viewport().rect()))
    seen = seen.intersected(on_screen(view, view.rect()))
    return sum(1 for row in range(table.model().rowCount()) if seen.contains(on_screen(
        table.viewport(), QtCore.QRect(0, table.rowViewportPosition(row),
                                       table.viewport().width(), table.rowHeight(row)))))


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_checklist_tab_shows_readable_rows_of_ticks_and_overrides(scenario_log, protocols,
                                                                       qtbot, tmp_path, size):
    """QA: at 1366x768 the ticks showed a sliver of one row and the overrides only a header.
    The session of QA's report: 26 ticks, three overrides, the third listing eight reasons."""
    window = ReviewWindow(open_readonly(scenario_log.path), protocols=protocols,
                          clock=ManualClock(NOW), dialogs=Dialogs(tmp_path), tz=UTC)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.open_session(scenario_log.facts.ids["surge"])
    page = window.detail_page
    page.tabs.setCurrentIndex([page.tabs.tabText(i) for i in range(page.tabs.count())]
                              .index("Checklist"))
    assert len(page.override_model.rows()) == 3 and len(page.checklist_model.rows()) == 26
    assert rows_in_sight(page, page.override_table) >= 2
    assert rows_in_sight(page, page.checklist_table) >= 3
    window.close_log()


def test_review_command_without_a_log_says_where_it_looked(tmp_path, capsys, qapp):
    from console.cli import main

    missing = tmp_path / "nowhere.sqlite3"
    assert main(["review", "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"infusion-console review: no session log at {missing}")
    assert not missing.exists()   # review never creates a log


@pytest.mark.parametrize("command", ["review", "export", "verify"])
def test_a_db_that_names_a_folder_is_called_a_folder(tmp_path, capsys, qapp, command):
    """QA: `--db <a folder>` said "no session log at <folder>", as if a file were missing."""
    from console.cli import main

    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "sessions.sqlite3").write_bytes(b"")
    argv = [command, "--db", str(folder)]
    if command == "export":
        read, write = os.pipe()
        os.write(write, b"27182818\n")
        os.close(write)
        argv = ["export", "1", "--fhir", str(tmp_path / "b.json"), "--account", "Dr Admin",
                "--secret-fd", str(read), "--db", str(folder)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (f"infusion-console {command}: no session log at {folder}: it is a folder; "
                   "give the log file itself with --db (it holds sessions.sqlite3)\n")


def test_a_db_path_through_a_file_names_that_file(tmp_path, capsys, qapp):
    from console.cli import main

    (tmp_path / "log").write_bytes(b"")
    assert main(["review", "--db", str(tmp_path / "log" / "sessions.sqlite3")]) == 2
    assert f"{tmp_path / 'log'} is a file, not a folder" in capsys.readouterr().err


def test_review_command_opens_the_window_on_the_log(built_log, qtbot):
    from console.ui.review_app import build, parser

    path, _ = built_log
    window = build(parser().parse_args(["--db", str(path)]))
    qtbot.addWidget(window)
    assert len(window.list_page.model.rows()) == 4
    assert window.statusBar().currentMessage().endswith(f" · Session log (read-only): {path}")
    window.close_log()


def test_ctrl_w_and_ctrl_q_close_the_review(built_log, qtbot):
    """It opens maximized over the live console; with no title bar (a kiosk station, a walk on
    X) nothing closed it but ending its process."""
    from console.ui.review_app import build, parser

    path, _ = built_log
    for key in (QtCore.Qt.Key.Key_W, QtCore.Qt.Key.Key_Q):
        window = build(parser().parse_args(["--db", str(path)]))
        qtbot.addWidget(window)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        qtbot.keyClick(window, key, QtCore.Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
        window.close_log()


def test_the_console_menu_opens_the_review_of_its_log(log_copy, qtbot):
    from console.cli import gui_parser
    from console.ui.app import build
    from console.ui.audio import RecordingAudioOut
    from tests.ui.conftest import Answers

    path, facts = log_copy
    cleanups = []
    window = build(gui_parser().parse_args(["--db", str(path)]), cleanups,
                   audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
    qtbot.addWidget(window)
    try:
        assert window.review_action.text() == "Review past sessions…"
        # The review is its own process on this log (tests/ui/test_review_launcher.py follows
        # it through); here: the menu item reaches it.
        from console.ui.review_launcher import ReviewLauncher

        window.review_action.trigger()
        launcher = ReviewLauncher.for_window(window, path)
        assert launcher.running() and launcher.command[-6:] == [
            "--db", str(path), "--theme", "light", "--lock-after", "10"]
        launcher.close()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_date_filter_defaults_to_the_last_30_days(review):
    window, _, _, _ = review
    page = window.list_page
    assert page.until_edit.date().toPython() == date(2026, 3, 10)
    assert page.since_edit.date().toPython() == date(2026, 2, 8)


def test_what_the_review_shows_is_computed_without_qt():
    """console.review.content (shared with the PDF report) must stay importable without Qt."""
    import subprocess
    import sys

    code = ("import sys, console.review.content; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_reload_shows_a_session_written_after_the_review_opened(review):
    window, _, _, path = review
    assert len(window.list_page.model.rows()) == 4
    with EventLog.open(path, "test") as log:
        log.start_session(SessionOpened("MRN-7777", "iv-ketamine", "1.0", 1, "ana", 70.0,
                                        datetime(2026, 3, 10, 11, 0, tzinfo=UTC)))
    window.list_page.reload_button.click()
    new = row_where(window.list_page.model, "Patient", "MRN-7777")
    assert (new["Duration"], new["Discharged"], new["Highest alarm"]) == ("open", "open", "none")


def test_a_note_longer_than_the_table_keeps_its_time_and_author_in_sight_and_reads_to_its_end(
        review, qtbot):
    # A records audit: a long note's time, kind and author were centred in a row taller than
    # the table: the reader saw its text beside empty cells.
    window, dialogs, facts, _ = review
    window.open_session(facts.ids["surge"])
    dialogs.note = ("Dr Lee", " ".join(f"finding {k:03d} of a long review." for k in range(400)))
    window.detail_page.annotate_button.click()
    page = window.detail_page
    table, model = page.note_table, page.note_model
    row = next(i for i, r in enumerate(model.rows()) if r[1] == "Review annotation")
    table.resizeRowsToContents()
    assert table.rowHeight(row) > table.viewport().height()   # taller than the table
    table.scrollTo(model.index(row, 0), QtWidgets.QAbstractItemView.ScrollHint.PositionAtTop)
    cell = table.visualRect(model.index(row, 0))
    align = model.data(model.index(row, 0), QtCore.Qt.ItemDataRole.TextAlignmentRole) or (
        QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)   # Qt's own
    when = table.fontMetrics().boundingRect(cell, int(align), model.rows()[row][0])
    assert 0 <= when.top() < table.viewport().height()    # the time is drawn where it is seen
    bar = table.verticalScrollBar()
    bar.setValue(bar.maximum())
    end = table.visualRect(model.index(row, 3))
    assert end.bottom() <= table.viewport().height() + 2   # the note's end can be reached


@pytest.mark.parametrize(("patient_id", "stem"), [
    ("MRN-5820", "MRN-5820-session1-20260306"),
    ("MRN/5820", "MRN_5820-session1-20260306"),          # had named a folder inside another
    ('a\\b:c*d?e"f<g>h|i', "a_b_c_d_e_f_g_h_i-session1-20260306"),   # Windows' reserved ones
    ("Zoë O'Neil 12", "Zoë O'Neil 12-session1-20260306"),
])
def test_an_export_is_named_for_its_patient_with_no_path_in_the_name(patient_id, stem):
    from console.ui.review_window import export_stem

    assert export_stem(patient_id, 1, "20260306") == stem
