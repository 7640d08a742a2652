"""Two chairs on one computer share a log: what one console's start screen, resume and restart
do about the other chair's sessions (review 43, "two chairs")."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from console.cli import gui_parser
from console.clock import ManualClock
from console.records import EventRecord, SessionEnded, SessionOpened
from console.store import EventLog
from console.ui.app import build, relaunch_options
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from console.ui.start_screen import StartRequest
from protocols.loader import default_protocol_dirs, load_protocols
from tests.store.test_session_claim import HOLDER
from tests.store.test_session_claim_release import TRY_CLAIM
from tests.ui.conftest import Answers

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)



def open_session(db: Path, patient: str = "MRN-1", protocol: str = "iv-ketamine") -> int:
    with EventLog.open(db, "test") as log:
        return log.start_session(SessionOpened(
            patient_id=patient, protocol_id=protocol, protocol_version="1.0",
            session_number=1, nurse="ana", weight_kg=70.0, started_at=START))


def end_session(db: Path, session_id: int, at: datetime) -> None:
    with EventLog.open(db, "test") as log:
        log.write([EventRecord(session_id, at, "discharged", "ana", {}),
                   EventRecord(session_id, at, "session_ended", "ana", {}),
                   SessionEnded(session_id, at)])


def sql(db: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def cleanups() -> Iterator[list]:
    done: list = []
    yield done
    stop(done)


def chair(db: Path, qtbot, clock: ManualClock, cleanups: list) -> tuple[MainWindow, Answers]:
    """A console's window on `db` (a second chair's, beside whatever else runs the log)."""
    log = EventLog.open(db, "test")
    cleanups.append(log.close)
    answers = Answers()
    window = MainWindow(log, load_protocols(default_protocol_dirs()), clock, RecordingAudioOut(),
                        cleanups, confirmer=answers, asker=answers)
    qtbot.addWidget(window)
    return window, answers


def built(args, qtbot, cleanups: list) -> MainWindow:
    """`build`'s window (the test stops it with `stop` before pytest-qt deletes it)."""
    window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                   asker=Answers())
    qtbot.addWidget(window)
    return window


def stop(cleanups: list) -> None:
    while cleanups:
        cleanups.pop()()


@pytest.fixture
def chair1_runs_session_1(tmp_path: Path) -> Iterator[int]:
    """Chair 1's console (another process) runs MRN-1's iv-ketamine session: it holds its claim."""
    db = tmp_path / "log.sqlite3"
    running = open_session(db)
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(running)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "claimed\n"
    yield running
    process.kill()
    process.wait()


def test_an_offer_of_a_session_ended_meanwhile_resumes_nothing_and_goes(tmp_path, qtbot,
                                                                        cleanups) -> None:
    db = tmp_path / "log.sqlite3"
    session = open_session(db)
    clock = ManualClock(START + timedelta(minutes=30))
    window, _ = chair(db, qtbot, clock, cleanups)
    assert len(window.resume_buttons) == 1   # chair 2 offers the session a crash left at chair 1
    ended = START + timedelta(minutes=40)
    end_session(db, session, ended)   # meanwhile chair 1 resumed it and discharged the patient
    clock.advance(15 * 60)
    qtbot.keyClicks(window.start_screen.nurse_edit, "bea")   # who resumes it (no accounts)
    qtbot.mouseClick(window.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert window.live is None
    assert sql(db, "SELECT count(*) FROM events WHERE kind='session_resumed'") == [(0,)]
    assert window.start_error.text() == (
        f"Session {session} has ended (discharged at {ended.astimezone():%H:%M}): nothing was "
        "resumed.")
    assert window.resume_buttons == []   # the offers as the log has them now
    assert not window.claims.holds(session)


def test_a_refused_resume_leaves_the_session_free_for_its_own_chair(tmp_path, qtbot,
                                                                    cleanups) -> None:
    db = tmp_path / "log.sqlite3"
    session = open_session(db, protocol="clinic-ketamine-v2")   # its file removed since
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    qtbot.keyClicks(window.start_screen.nurse_edit, "bea")   # who resumes it (no accounts)
    qtbot.mouseClick(window.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert window.live is None
    assert window.start_error.text().startswith("The session was not resumed")
    assert sql(db, "SELECT count(*) FROM events WHERE kind='session_resumed'") == [(0,)]
    # Chair 1 restarts and resumes its own session: this console does not keep it.
    other = subprocess.run([sys.executable, "-c", TRY_CLAIM, str(db), str(session)],
                           capture_output=True, text=True, check=True)
    assert other.stdout.strip() == "claimed", other.stdout


def test_restart_and_resume_keeps_this_chairs_launch_options(qtbot, tmp_path, cleanups) -> None:
    shown = tmp_path / "chair2-shown.txt"
    args = gui_parser().parse_args([
        "--db", str(tmp_path / "log.sqlite3"), "--protocol", "iv-ketamine", "--patient", "MRN-9",
        "--weight", "70", "--nurse", "ana", "--lock-after", "3", "--shown-log", str(shown),
        "--kiosk"])
    window = built(args, qtbot, cleanups)
    window.restart_and_resume()
    restarted = gui_parser().parse_args(window.restart_argv[3:])
    assert restarted.resume == window.controller.view.session_id
    stop(cleanups)
    assert (restarted.lock_after, restarted.shown_log, restarted.kiosk) == (3.0, shown, True)
    # Not the session's own options: --resume refuses them (its log holds them).
    assert (restarted.patient, restarted.protocol, restarted.weight, restarted.nurse) == (
        None, None, None, None)


def test_relaunch_options_keep_the_chairs_network_and_drop_the_sessions(tmp_path) -> None:
    kit = tmp_path / "chair2.toml"
    args = gui_parser().parse_args([
        "--db", str(tmp_path / "log.sqlite3"), "--patient", "MRN-9", "--protocol", "iv-ketamine",
        "--weight", "70", "--nurse", "ana", "--device", "/dev/ttyUSB1", "--format", "masimo",
        "--confirm", "weight", "--secret-fd", "5", "--theme", "dim", "--new-session",
        "--chair", "chair-2", "--broker", "mqtts://hub:8883", "--network-config", str(kit),
        "--quiet-room", "--lock-after", "10"])
    assert relaunch_options(args) == [
        "--broker=mqtts://hub:8883", "--chair=chair-2", "--quiet-room",
        f"--network-config={kit}"]


def test_the_nurse_who_resumes_is_the_one_her_acts_are_recorded_under(tmp_path, qtbot,
                                                                      cleanups) -> None:
    """A log without staff accounts: bea resumes ana's session (left open by a crash)."""
    db = tmp_path / "log.sqlite3"
    open_session(db)
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-1", 70, "iv-ketamine", None, 1, "bea", None, None))
    assert window.controller is not None
    assert sql(db, "SELECT actor FROM events WHERE kind='session_resumed'") == [("bea",)]
    assert sql(db, "SELECT actor, detail FROM events WHERE kind='handed_over'") == [
        ("bea", '{"from":"ana","to":"bea"}')]
    window.controller.enter_manual("spo2", 84, confirmed=True)
    window.controller.acknowledge_all()
    assert sql(db, "SELECT entered_by FROM observations WHERE metric='spo2'") == [("bea",)]
    acked = sql(db, "SELECT actor FROM alarm_events WHERE transition='acknowledged'")
    assert acked and all(a == ("bea",) for a in acked), acked


def test_the_same_nurse_resuming_hands_nothing_over(tmp_path, qtbot, cleanups) -> None:
    db = tmp_path / "log.sqlite3"
    open_session(db)
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-1", 70, "iv-ketamine", None, 1, "ana", None, None))
    assert window.controller is not None
    assert sql(db, "SELECT count(*) FROM events WHERE kind='handed_over'") == [(0,)]


def test_command_line_nurse_who_resumes_takes_the_session_over(tmp_path, qtbot, cleanups) -> None:
    db = tmp_path / "log.sqlite3"
    session = open_session(db)
    args = gui_parser().parse_args(["--db", str(db), "--resume", str(session), "--nurse", "bea"])
    window = built(args, qtbot, cleanups)
    assert window.controller is not None
    stop(cleanups)
    assert sql(db, "SELECT actor, detail FROM events WHERE kind='handed_over'") == [
        ("bea", '{"from":"ana","to":"bea"}')]


def test_a_second_session_of_a_patient_running_at_another_chair_is_asked_first(
        tmp_path, qtbot, cleanups, chair1_runs_session_1) -> None:
    db = tmp_path / "log.sqlite3"
    window, answers = chair(db, qtbot, ManualClock(START + timedelta(minutes=2)), cleanups)
    answers.yes = False   # "Not yet"
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-1", 70, "iv-ketamine-titration", None, 2, "bea", None, None))
    opened = sql(db, "SELECT id FROM sessions WHERE ended_at IS NULL")
    assert window.live is None and opened == [(chair1_runs_session_1,)]
    assert answers.asked == [
        f"MRN-1 has session {chair1_runs_session_1} (iv-ketamine) open, running at another "
        "console: start another session of MRN-1?"]
    answers.yes = True   # on purpose: it opens
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-1", 70, "iv-ketamine-titration", None, 2, "bea", None, None))
    assert window.live is not None
    assert len(sql(db, "SELECT id FROM sessions WHERE ended_at IS NULL")) == 2


def test_a_left_open_session_under_another_protocol_is_asked_about_too(tmp_path, qtbot,
                                                                       cleanups) -> None:
    db = tmp_path / "log.sqlite3"
    session = open_session(db)   # left open, no console runs it
    window, answers = chair(db, qtbot, ManualClock(START + timedelta(minutes=2)), cleanups)
    answers.yes = False
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-1", 70, "iv-ketamine-titration", None, 2, "bea", None, None))
    assert window.live is None
    assert answers.asked == [
        f"MRN-1 has session {session} (iv-ketamine) open: start another session of MRN-1?"]


def test_the_other_chairs_running_session_is_not_offered_as_left_open(
        tmp_path, qtbot, cleanups, chair1_runs_session_1) -> None:
    db = tmp_path / "log.sqlite3"
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=1)), cleanups)
    offers = [label.text() for box in window.findChildren(QtWidgets.QFrame, "resume_offer")
              for label in box.findChildren(QtWidgets.QLabel)]
    assert len(offers) == 1
    assert offers[0].startswith(f"Session {chair1_runs_session_1} is running in another console "
                                "on this computer: MRN-1 · iv-ketamine · nurse ana")
    assert window.resume_buttons == []
    # Looking did not take it: chair 1's restart could claim it at that very moment.
    assert not window.claims.holds(chair1_runs_session_1)
