"""Two chairs on one computer. Chair 2's form for MRN-1 suggested "session 1" (no earlier
session); chair 1 started MRN-1's session 1 meanwhile. The page's 5-s look, and Start, read again
only what Start resumes (nothing, before and after), so the form still said "Suggested 1", and
Start, asked "Start a new session of MRN-1 beside it?", opened the patient's second "session 1".
The number the form suggests is read again too; one the nurse set by hand stays."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6 import QtCore

from console.clock import ManualClock
from tests.store.test_session_claim import HOLDER
from tests.ui.test_start_screen_says_it_resumes import typed
from tests.ui.test_two_chairs import START, chair, cleanups, open_session, sql  # noqa: F401
from tests.ui.test_two_chairs_offers_later import next_look

ENTER = QtCore.Qt.Key.Key_Return


@pytest.fixture
def chair1_starts(tmp_path: Path) -> Iterator[object]:
    """Call it to have chair 1's console (another process) start and run MRN-1's session 1."""
    running: list[subprocess.Popen[str]] = []

    def start() -> None:
        session = open_session(tmp_path / "log.sqlite3")
        process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(tmp_path / "log.sqlite3"), str(session)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        running.append(process)
        assert process.stdout is not None and process.stdout.readline() == "claimed\n"

    yield start
    for process in running:
        process.kill()
        process.wait()


def numbers(db: Path) -> list[object]:
    return [n for (n,) in sql(db, "SELECT session_number FROM sessions "
                                  "WHERE patient_id = 'MRN-1' ORDER BY id")]


def test_the_look_suggests_the_next_number_once_another_chair_starts_the_patient(
        tmp_path: Path, qtbot, cleanups, chair1_starts) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window, answers = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    screen = typed(qtbot, window, patient="MRN-1")
    assert screen.session_message.text() == "Suggested 1: no earlier IV session of MRN-1 in the log."
    chair1_starts()
    next_look(window)
    assert screen.session_spin.text() == "session 2"
    assert screen.session_message.text() == "Suggested 2: 1 earlier IV session of MRN-1 in the log."
    answers.yes = True   # "Start a new session of MRN-1 beside it?"
    qtbot.keyClick(screen.nurse_edit, ENTER)
    assert window.controller is not None
    assert numbers(db) == [1, 2]


def test_start_before_the_look_is_refused_saying_the_number_now_suggested(
        tmp_path: Path, qtbot, cleanups, chair1_starts) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window, answers = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    screen = typed(qtbot, window, patient="MRN-1")
    chair1_starts()   # within the page's 5 s
    qtbot.keyClick(screen.nurse_edit, ENTER)   # "session 1"
    assert window.controller is None and numbers(db) == [1]
    assert window.start_error.text() == (
        "The session was not started: MRN-1 has had a session logged since the form was filled "
        "in: the form now suggests session 2, not session 1. The form now says what Start does: "
        "check it and press Start again.")
    assert screen.session_spin.text() == "session 2"
    answers.yes = True
    qtbot.keyClick(screen.nurse_edit, ENTER)
    assert window.controller is not None
    assert numbers(db) == [1, 2]


def test_a_number_set_by_hand_stays_at_the_look(
        tmp_path: Path, qtbot, cleanups, chair1_starts) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    screen = typed(qtbot, window, patient="MRN-1")
    screen.session_spin.setValue(4)   # the nurse's number (an earlier course on paper)
    chair1_starts()
    next_look(window)
    assert screen.session_spin.text() == "session 4"
