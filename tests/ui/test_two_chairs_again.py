"""Two chairs on one computer, a second look (review 43, self3-ui): a command-line start beside a
session open under another protocol, what "Restart and resume" gives again, a lock file that
cannot be opened, and an offer "running in another console" looked at again."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

import console.store.session_claim as session_claim
from console.cli import gui_parser
from console.clock import ManualClock
from console.ui.app import StartError, relaunch_options
from console.ui.main_window import OFFERS_CHECK_MS
from console.ui.start_screen import StartRequest
from tests.store.test_session_claim import HOLDER
from tests.ui.test_two_chairs import (  # noqa: F401 - fixtures
    START,
    built,
    chair,
    chair1_runs_session_1,
    cleanups,
    open_session,
    sql,
    stop,
)


def start_mrn1(db: Path, *more: str) -> list[str]:
    return ["--db", str(db), "--patient", "MRN-1", "--protocol", "iv-ketamine-titration",
            "--weight", "70", "--nurse", "bea", *more]


def test_a_command_line_start_beside_a_session_open_under_another_protocol_is_refused(
        tmp_path: Path, qtbot, cleanups, chair1_runs_session_1) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    with pytest.raises(StartError) as refused:
        built(gui_parser().parse_args(start_mrn1(db)), qtbot, cleanups)
    assert str(refused.value) == (
        f"MRN-1: session {chair1_runs_session_1} (iv-ketamine) is open, running at another "
        "console. No second session of MRN-1 is started beside it unasked: check the patient; "
        "to start another session of MRN-1 on purpose, add --new-session.")
    assert sql(db, "SELECT id FROM sessions") == [(chair1_runs_session_1,)]   # nothing opened


def test_new_session_starts_beside_a_session_open_under_another_protocol_on_purpose(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    left = open_session(db)   # left open by a crash: nothing runs it
    with pytest.raises(StartError, match=f"session {left} \\(iv-ketamine\\) is open\\. No"):
        built(gui_parser().parse_args(start_mrn1(db)), qtbot, cleanups)
    window = built(gui_parser().parse_args(start_mrn1(db, "--new-session")), qtbot, cleanups)
    assert window.controller is not None
    stop(cleanups)
    assert sql(db, "SELECT protocol_id FROM sessions WHERE ended_at IS NULL ORDER BY id") == [
        ("iv-ketamine",), ("iv-ketamine-titration",)]


def test_restart_from_the_start_screen_keeps_the_chairs_preset_monitor(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"),
                                    "--device", "loop://", "--format", "masimo"])
    window = built(args, qtbot, cleanups)
    window.restart_and_resume()   # a console fault on the start screen; the nurse restarts
    restarted = gui_parser().parse_args(window.restart_argv[3:])
    stop(cleanups)
    screen = built(restarted, qtbot, cleanups).start_screen
    assert screen is not None
    assert (screen.port_combo.currentText(), screen.format_combo.currentData()) == (
        "loop://", "masimo"), f"restart argv {window.restart_argv[3:]}"


def _preset_shown(window) -> tuple[str, object]:
    screen = window.start_screen
    assert screen is not None
    return screen.port_combo.currentText(), screen.format_combo.currentData()


def _discharge(window) -> None:
    live, controller = window.live, window.controller
    assert live is not None and controller is not None
    for _ in range(3):
        controller.advance_phase(override_reason="test")
    assert controller.discharge(override_reason="test: transfer").done
    live.new_session_button.click()


def test_restart_that_resumes_keeps_the_preset_for_the_start_screens_after_it(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db), "--device", "loop://",
                                            "--format", "masimo"]), qtbot, cleanups)
    # A session started at the start screen (typed vitals), then a console fault: restarted.
    assert window.start_screen is not None
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", None, None))
    assert window.controller is not None
    session = window.controller.view.session_id
    window.restart_and_resume()
    stop(cleanups)
    restarted = gui_parser().parse_args(window.restart_argv[3:])
    # the session comes back on the monitor its log holds, not the launcher's
    assert (restarted.resume, restarted.device, restarted.format) == (session, None, None)
    again = built(restarted, qtbot, cleanups)
    assert again.controller is not None and again.controller.view.session_id == session
    _discharge(again)
    # the next patient at this chair: its monitor, not "Manual entry only"
    assert _preset_shown(again) == ("loop://", "masimo"), window.restart_argv[3:]
    again.restart_and_resume()   # and a fault on that start screen: restarted again
    stop(cleanups)
    third = built(gui_parser().parse_args(again.restart_argv[3:]), qtbot, cleanups)
    assert _preset_shown(third) == ("loop://", "masimo"), again.restart_argv[3:]


def test_the_start_screen_preset_is_only_for_a_resume(tmp_path: Path, qtbot,
                                                      cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    with pytest.raises(StartError) as refused:
        built(gui_parser().parse_args(["--db", str(db), "--start-screen-device", "loop://"]),
              qtbot, cleanups)
    assert str(refused.value) == (
        "--start-screen-device loop://: only with --resume (what 'Restart and resume' writes); "
        "a start screen takes --device and --format or --device-profile: give those instead")
    # with --resume, a monitor the start screen does not offer is said and left out: the
    # session comes back (test_restart_relaunch.py: a clinic profile removed meanwhile)
    window = built(gui_parser().parse_args(["--db", str(db), "--resume", str(open_session(db)),
                                            "--start-screen-monitor", "no-such-monitor"]),
                   qtbot, cleanups)
    assert window.controller is not None and window.start_monitor == (None, None)
    stop(cleanups)


def test_restart_of_a_demo_keeps_its_scenario(tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), "--demo",
                                    "--scenario", "desaturation"])
    window = built(args, qtbot, cleanups)
    window.restart_and_resume()
    restarted = gui_parser().parse_args(window.restart_argv[3:])
    stop(cleanups)
    assert restarted.resume is not None
    assert restarted.scenario == "desaturation", window.restart_argv[3:]


def test_a_launch_option_value_beginning_with_a_dash_survives_the_restart(tmp_path) -> None:
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), "--room=-B2",
                                    "--lock-after", "3"])
    argv = ["--db", str(tmp_path / "log.sqlite3"), *relaunch_options(args), "--theme", "light",
            "--resume", "1"]
    again = gui_parser().parse_args(argv)   # SystemExit 2 before: "-B2" read as an option
    assert (again.room, again.resume, again.lock_after) == ("-B2", 1, 3.0)


def test_a_lock_file_that_cannot_be_opened_still_shows_the_start_screen_and_its_offer(
        tmp_path: Path, qtbot, cleanups, monkeypatch) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    session = open_session(db)   # left open by a crash
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):   # root's lock file, 0600 (a sudo run)
        if str(path).endswith(".sessions-lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(session_claim.os, "open", refusing_open)
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    assert window.start_screen is not None
    assert offer_texts(window)[0].startswith("A session was left open: MRN-1")   # not known
    assert len(window.resume_buttons) == 1, session


def offer_texts(window) -> list[str]:
    return [label.text() for box in window.findChildren(QtWidgets.QFrame, "resume_offer")
            for label in box.findChildren(QtWidgets.QLabel)]


def test_a_session_whose_console_died_is_offered_again_at_the_next_look(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    session = open_session(db)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(session)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "claimed\n"
        window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=1)), cleanups)
        assert offer_texts(window)[0].startswith(f"Session {session} is running in another")
        assert window.resume_buttons == []
        window.start_screen.patient_edit.setText("MRN-2")   # the nurse types the next patient
        window.recheck_offers()   # nothing changed: nothing rebuilt
        assert offer_texts(window)[0].startswith(f"Session {session} is running in another")
    finally:
        holder.kill()   # chair 1's console crashes: session left open, nothing runs it
        holder.wait()
    assert window.offers_check.isActive() and window.offers_check.interval() == OFFERS_CHECK_MS
    window.offers_check.timeout.emit()   # the page's next look
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    assert offer_texts(window)[0].startswith("A session was left open: MRN-1")
    assert len(window.resume_buttons) == 1
    assert window.start_screen.patient_edit.text() == "MRN-2"   # what she typed stays


def test_the_offers_look_after_the_log_closed_does_nothing(
        tmp_path: Path, qtbot, cleanups, chair1_runs_session_1) -> None:  # noqa: F811
    # Closing, the console closes its log before its window goes: the 5 s look at the offers
    # that fired then raised "the session log … is closed" into the event loop.
    window = built(gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")]),
                   qtbot, cleanups)
    assert window._offered_elsewhere == {chair1_runs_session_1: True}  # noqa: SLF001
    window.log.close()
    # chair 1 stops meanwhile (as its fixture's end did in CI): the offers are read again
    window._offered_elsewhere = {chair1_runs_session_1: False}  # noqa: SLF001
    window.recheck_offers()   # raised RuntimeError
    stop(cleanups)
