"""The start screen says when Start resumes a session left open, for every protocol. A crash left
MRN-94's IV session 1 open 40 minutes before; typing MRN-94 and iv-ketamine, the form showed
"session 2", "Suggested 2: 1 earlier IV session of MRN-94 in the log", a new dose line and "Start
session": Start resumed session 1 and dropped the 2 without a word (only esketamine's dose line
said "Start resumes")."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.records import SessionOpened
from console.store import EventLog
from tests.ui.test_start_screen import choose_protocol
from tests.ui.test_two_chairs import START, chair, cleanups, open_session  # noqa: F401

ENTER = QtCore.Qt.Key.Key_Return
HEIGHT = 700   # a maximised window under a title bar and a panel on a 1366x768 screen


def left_open_text(started: datetime) -> str:
    """What the screen says of a session left open at START, looked at 40 minutes later."""
    return (f"Start resumes session 1 (started {started.astimezone():%a %d %b %H:%M}, "
            "last entry 40 min ago).")


def typed(qtbot, window, patient: str = "MRN-94", protocol: str = "iv-ketamine"):
    screen = window.start_screen
    qtbot.keyClicks(screen.patient_edit, patient)
    qtbot.keyClicks(screen.weight_edit, "70")
    choose_protocol(screen, protocol)
    qtbot.keyClicks(screen.nurse_edit, "Bea")
    return screen


def test_an_iv_start_that_resumes_says_so_and_shows_the_sessions_number(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    left = open_session(db, patient="MRN-94")   # session 1, left open by a crash
    window, answers = chair(db, qtbot, ManualClock(START + timedelta(minutes=40)), cleanups)
    screen = typed(qtbot, window)
    assert screen.session_spin.text() == "session 1"   # not the next number, "session 2"
    assert not screen.session_spin.isEnabled()   # no number to choose: it is dropped
    assert screen.session_message.text() == left_open_text(START)
    assert screen.start_button.text() == "Resume session 1  (Enter)"
    qtbot.keyClick(screen.nurse_edit, ENTER)
    assert window.controller is not None and window.controller.view.session_id == left
    assert answers.asked == []


def test_an_esketamine_start_that_resumes_says_it_beside_its_logged_dose(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test") as log:
        log.start_session(SessionOpened(
            patient_id="MRN-94", protocol_id="esketamine", protocol_version="1.7",
            session_number=1, nurse="ana", weight_kg=70.0, started_at=START,
            details={"dose_mg": 84.0, "chosen_mg": 84.0}))
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=40)), cleanups)
    screen = typed(qtbot, window, protocol="esketamine")
    assert screen.session_message.text() == left_open_text(START)
    assert screen.summary.text() == ("84 mg = 3 devices of 28 mg, 5 min apart (logged: Start "
                                     "resumes the session left open)")
    assert screen.start_button.text() == "Resume session 1  (Enter)"


def test_another_patient_typed_gets_a_new_sessions_number_and_start_again(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    open_session(db, patient="MRN-94")
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=40)), cleanups)
    screen = typed(qtbot, window)
    qtbot.keyClicks(screen.patient_edit, "5")   # MRN-945: no session of theirs is open
    assert screen.session_spin.isEnabled() and screen.session_spin.text() == "session 1"
    assert screen.session_message.text() == (
        "Suggested 1: no earlier IV session of MRN-945 in the log.")
    assert screen.start_button.text() == "Start session  (Enter)"


def test_what_start_resumes_is_said_whole_on_a_1366_screen(tmp_path: Path, qtbot,
                                                           cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    open_session(db, patient="MRN-94")   # offered above the form as well
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=40)), cleanups)
    window.resize(1366, HEIGHT)
    window.show()
    qtbot.waitExposed(window)
    screen = typed(qtbot, window)
    QtWidgets.QApplication.processEvents()
    said = screen.session_message
    assert said.text() == left_open_text(START)
    # Within two lines, as most field messages: the fields below do not move.
    lines = said.heightForWidth(said.width()) / said.fontMetrics().lineSpacing()
    assert lines <= 2, (said.width(), lines, said.text())
    start = screen.start_button
    assert start.isVisible() and start.mapTo(window, QtCore.QPoint(0, start.height())).y() <= HEIGHT
