"""The start page names a session by one number, the course's the form shows: the form said
"Start resumes session 1" / "Resume session 1", and the question Start then asked of the same
session (its weight differed) said "session 3 … Resume session 3?", the log's id: the nurse was
asked about a session she had never been told of. The log's number is added where it differs, for
support ("log no. 3": `--resume 3`)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6 import QtCore

from console.clock import ManualClock
from tests.ui.test_start_screen_says_it_resumes import typed
from tests.ui.test_two_chairs import START, chair, cleanups, open_session  # noqa: F401

ENTER = QtCore.Qt.Key.Key_Return


def three_patients(db: Path) -> int:
    """Other chairs' sessions are the log's 1 and 2; MRN-94's first IV session is its 3."""
    open_session(db, patient="MRN-1")
    open_session(db, patient="MRN-2")
    return open_session(db, patient="MRN-94")


def test_the_weight_question_names_the_session_the_form_says_start_resumes(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    assert three_patients(db) == 3
    window, answers = chair(db, qtbot, ManualClock(START + timedelta(minutes=40)), cleanups)
    screen = typed(qtbot, window)
    assert screen.start_button.text() == "Resume session 1  (Enter)"
    screen.weight_edit.setText("75")   # its log says 70 kg
    answers.yes = False
    qtbot.keyClick(screen.nurse_edit, ENTER)
    assert window.controller is None
    assert answers.asked[-1].startswith(
        "MRN-94: session 1 (log no. 3, iv-ketamine) was left open: started ")
    assert answers.asked[-1].endswith("\n\nResume session 1?")


def test_the_question_beside_a_session_left_open_long_ago_names_its_course_number(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    three_patients(db)
    window, answers = chair(db, qtbot, ManualClock(START + timedelta(hours=13)), cleanups)
    screen = typed(qtbot, window)
    assert screen.start_button.text() == "Start session  (Enter)"   # not resumed by a start
    answers.yes = False
    qtbot.keyClick(screen.nurse_edit, ENTER)
    assert answers.asked[-1].startswith(
        "MRN-94: session 1 (log no. 3, iv-ketamine) was left open: started ")
    assert answers.asked[-1].endswith("Start a new session and leave session 1 open?")
