"""Two chairs on one computer: the start form says what Start does as the log has it now. Chair 2's
form said "Resume session 1 (Enter)" for MRN-94 (the number box greyed); chair 1 discharged that
session; the page's 5-s look took its offer away but the form still said "Resume session 1", and
Enter opened a new session numbered 1: the patient's second "session 1", nothing asked. For a
session running at chair 1 the form said "Start resumes session 1 …" under an offer saying it runs
in another console (and Start was then refused "not resumed")."""
from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from PySide6 import QtCore

from console.clock import ManualClock
from tests.store.test_session_claim import HOLDER
from tests.ui.test_start_screen_says_it_resumes import typed
from tests.ui.test_two_chairs import (  # noqa: F401 - fixtures
    START,
    chair,
    chair1_runs_session_1,
    cleanups,
    end_session,
    open_session,
    sql,
)
from tests.ui.test_two_chairs_offers_later import next_look

ENTER = QtCore.Qt.Key.Key_Return
NEW = "Start session  (Enter)"


def numbers(db: Path, patient: str) -> list[tuple[object, ...]]:
    return sql(db, f"SELECT id, session_number, ended_at IS NULL FROM sessions "
                   f"WHERE patient_id = '{patient}' ORDER BY id")


def test_the_form_is_read_again_when_the_session_it_resumes_is_discharged_elsewhere(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    left = open_session(db, patient="MRN-94")   # chair 1's crash left session 1 open
    clock = ManualClock(START + timedelta(minutes=40))
    window, answers = chair(db, qtbot, clock, cleanups)
    screen = typed(qtbot, window)
    assert screen.start_button.text() == "Resume session 1  (Enter)"
    end_session(db, left, START + timedelta(minutes=45))   # chair 1 resumed and discharged it
    clock.advance(60)
    next_look(window)
    assert window.resume_buttons == []   # the offer went, and the form says it too:
    assert screen.start_button.text() == NEW
    assert screen.session_spin.isEnabled() and screen.session_spin.text() == "session 2"
    assert screen.session_message.text() == (
        "Suggested 2: 1 earlier IV session of MRN-94 in the log.")
    qtbot.keyClick(screen.nurse_edit, ENTER)
    assert window.controller is not None
    new = window.controller.view.session_id
    assert numbers(db, "MRN-94") == [(left, 1, 0), (new, 2, 1)]   # not a second "session 1"
    assert answers.asked == []


def test_start_before_the_look_resumes_nothing_and_says_what_changed(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    left = open_session(db, patient="MRN-94")
    clock = ManualClock(START + timedelta(minutes=40))
    window, _ = chair(db, qtbot, clock, cleanups)
    screen = typed(qtbot, window)
    ended = START + timedelta(minutes=45)
    end_session(db, left, ended)   # discharged at chair 1 within the page's 5 s
    clock.advance(60)
    qtbot.keyClick(screen.nurse_edit, ENTER)   # "Resume session 1  (Enter)"
    assert window.controller is None
    assert numbers(db, "MRN-94") == [(left, 1, 0)]   # nothing opened
    assert window.start_error.text() == (
        "The session was not started: session 1 of MRN-94, which Start was to resume, has "
        f"ended (discharged at {ended.astimezone():%H:%M}). The form now says what Start does: "
        "check it and press Start again.")
    assert screen.start_button.text() == NEW and screen.session_spin.text() == "session 2"
    qtbot.keyClick(screen.nurse_edit, ENTER)   # the form as the log has it
    assert window.controller is not None
    assert [number for _, number, _ in numbers(db, "MRN-94")] == [1, 2]


def test_the_form_does_not_say_start_resumes_a_session_another_console_runs(
        tmp_path: Path, qtbot, cleanups, chair1_runs_session_1) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window, answers = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    screen = typed(qtbot, window, patient="MRN-1")
    assert screen.start_button.text() == NEW
    assert screen.session_message.text() == "Suggested 2: 1 earlier IV session of MRN-1 in the log."
    # Start does what the form says, asked first (a wrong patient typed, as beside a session
    # under another protocol): it had tried to resume it and was refused "not resumed".
    answers.yes = False
    qtbot.keyClick(screen.nurse_edit, ENTER)
    assert window.controller is None and window.start_error.text() == ""
    assert answers.asked[-1].startswith(
        "MRN-1: session 1 (iv-ketamine) is running in another console on this computer: "
        "started ")
    assert answers.asked[-1].endswith(
        "Start does not resume it here: check the patient.\n\n"
        "Start a new session of MRN-1 beside it?")
    assert numbers(db, "MRN-1") == [(chair1_runs_session_1, 1, 1)]
    answers.yes = True
    qtbot.keyClick(screen.nurse_edit, ENTER)
    assert window.controller is not None
    assert [number for _, number, _ in numbers(db, "MRN-1")] == [1, 2]


def test_the_form_resumes_the_session_once_its_console_has_stopped(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    session = open_session(db)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(session)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "claimed\n"
        window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
        screen = typed(qtbot, window, patient="MRN-1")
        assert screen.start_button.text() == NEW   # chair 1 runs it
    finally:
        holder.kill()   # chair 1's console crashes: its session is left open
        holder.wait()
    next_look(window)
    assert screen.start_button.text() == "Resume session 1  (Enter)"
    assert screen.session_message.text().startswith("Start resumes session 1 (started ")
    assert not screen.session_spin.isEnabled()
