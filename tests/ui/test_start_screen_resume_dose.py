"""The start screen's dose and a session left open. The dose of a nasal-device protocol is chosen
on purpose; but Start resumes a session of the same patient and protocol left open minutes ago,
at the dose logged at its start, so that dose is not asked again; one chosen all the same and
unlike the logged one is asked about, naming both (as the command line says a --dose-mg it does
not use). A new session never starts at a dose nobody chose."""

from __future__ import annotations

from PySide6 import QtCore

from console.ui.start_screen import CHOOSE_DOSE, StartRequest
from tests.ui.test_app_start import options, sessions, started  # noqa: F401 - the fixture
from tests.ui.test_app_start_resume_dose import left_open_esketamine


def typed(qtbot, window, patient="MRN-94"):
    screen = window.start_screen
    qtbot.keyClicks(screen.patient_edit, patient)
    qtbot.keyClicks(screen.weight_edit, "70")
    screen.protocol_combo.setCurrentIndex(screen.protocol_combo.findData("esketamine"))
    qtbot.keyClicks(screen.nurse_edit, "Ana")
    return screen


def test_start_resumes_a_session_left_open_at_its_logged_dose_unasked(started, tmp_path, qtbot):
    old = left_open_esketamine(tmp_path, 84.0)
    window = started(options(tmp_path))
    screen = typed(qtbot, window)
    assert screen.dose_combo.currentText() == CHOOSE_DOSE
    assert screen.start_button.isEnabled()   # its dose is the logged one: none to choose
    assert screen.summary.text() == ("84 mg = 3 devices of 28 mg, 5 min apart (logged: Start "
                                     "resumes the session left open)")
    qtbot.keyClick(screen.nurse_edit, QtCore.Qt.Key.Key_Return)
    assert window.controller is not None and window.controller.view.session_id == old
    assert window.asker.asked == [] and sessions(tmp_path) == [(old, None)]


def test_a_dose_chosen_unlike_the_logged_one_is_asked_about_first(started, tmp_path, qtbot):
    old = left_open_esketamine(tmp_path, 84.0)
    window = started(options(tmp_path))
    screen = typed(qtbot, window)
    screen.dose_combo.setCurrentIndex(screen.dose_combo.findData(56.0))
    window.asker.yes = False
    qtbot.keyClick(screen.nurse_edit, QtCore.Qt.Key.Key_Return)
    assert window.live is None
    assert "Start resumes it with its logged dose 84 mg (56 mg chosen)" in window.asker.asked[-1]
    window.asker.yes = True
    qtbot.keyClick(screen.nurse_edit, QtCore.Qt.Key.Key_Return)
    assert window.controller.view.session_id == old


def test_another_patient_beside_a_session_left_open_still_chooses_the_dose(started, tmp_path,
                                                                           qtbot):
    left_open_esketamine(tmp_path, 84.0)
    window = started(options(tmp_path))
    screen = typed(qtbot, window, patient="MRN-95")
    assert not screen.start_button.isEnabled()
    assert screen.missing_label.text() == "Start needs: dose."


def test_a_new_session_without_a_chosen_dose_is_not_started(started, tmp_path):
    # Asked no dose for a session Start would resume, which another console discharged (or
    # which went 12 hours idle) before Start: no new session at a dose nobody chose.
    window = started(options(tmp_path))
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "esketamine", None, 1, "bo", None, None))
    assert window.live is None and sessions(tmp_path) == []
    assert window.start_error.text() == (
        "The session was not started: choose its dose. No session of MRN-9 left open is "
        "resumed by Start now.")
