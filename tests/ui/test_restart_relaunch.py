"""What "Restart and resume" gives the restarted console (review 44): the monitor a resumed
session reads, a session brought back though the next patient's preset monitor is gone, and the
files a chair was launched with, whatever their names."""
from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.cli import gui_parser
from console.records import SessionOpened
from console.session.engine import DEVICE_LOST
from console.store import EventLog
from console.ui.start_screen import StartRequest
from devices.profiles import builtin_profiles_dir, clinic_profiles_dir
from tests.ui.test_two_chairs import built, cleanups, open_session, stop  # noqa: F401


def _assert_monitor_not_installed(window) -> None:
    # the session's alarms come back with it, and the monitor's loss is an alarm naming why
    occurrence = window.controller.view.board.occurrence_for(DEVICE_LOST)
    assert occurrence is not None and occurrence.message == (
        "Device disconnected: profile not installed")


def _url(window) -> str | None:
    controller = window.controller
    assert controller is not None
    return None if controller.connection is None else controller.connection.url


def _restarted(window, qtbot, cleanups):  # noqa: F811
    window.restart_and_resume()
    stop(cleanups)
    try:
        args = gui_parser().parse_args(window.restart_argv[3:])
    except SystemExit as exc:   # the restarted console would exit 2: nothing comes back
        pytest.fail(f"restart argv {window.restart_argv[3:]} refused (exit {exc.code})")
    return built(args, qtbot, cleanups)


def test_restart_keeps_the_monitor_a_resumed_session_was_reading(tmp_path: Path, qtbot,
                                                                  cleanups) -> None:  # noqa: F811
    """A session started on manual entry, resumed with the chair's monitor now plugged in
    (`--resume N --device PORT`, "--device overrides its monitor"): it reads that monitor.
    After a console fault, "Restart and resume" must come back reading it, not on the log's
    start-time monitor (here none: the vitals silently stop arriving, no alarm says so)."""
    db = tmp_path / "log.sqlite3"
    session = open_session(db)   # logged with no device (manual entry at its start)
    window = built(gui_parser().parse_args(["--db", str(db), "--resume", str(session),
                                            "--device", "loop://", "--format", "hl7"]),
                   qtbot, cleanups)
    assert _url(window) == "loop://"   # the monitor the session reads now
    again = _restarted(window, qtbot, cleanups)
    assert again.controller is not None and again.controller.view.session_id == session
    assert _url(again) == "loop://", f"restart argv {window.restart_argv[3:]}"
    stop(cleanups)


def test_restart_keeps_the_monitor_chosen_when_resuming_at_the_start_screen(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    """The same through the start screen: the nurse resumes MRN-1's session left open, with the
    Device box on the monitor now at the chair."""
    db = tmp_path / "log.sqlite3"
    with EventLog.open(db, "test") as log:   # left open by a crash minutes ago, manual entry
        session = log.start_session(SessionOpened(
            patient_id="MRN-1", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="ana", weight_kg=70.0, started_at=datetime.now(UTC)))
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    assert window.start_screen is not None
    window.start_screen.start_requested.emit(
        StartRequest("MRN-1", 70.0, "iv-ketamine", None, 1, "ana", "loop://", "hl7"))
    assert window.controller is not None and window.controller.view.session_id == session
    assert _url(window) == "loop://"
    again = _restarted(window, qtbot, cleanups)
    assert again.controller is not None and again.controller.view.session_id == session
    assert _url(again) == "loop://", f"restart argv {window.restart_argv[3:]}"
    stop(cleanups)


def test_restart_resumes_the_session_though_the_next_patients_preset_profile_went(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    """A chair launched with its clinic profile preset for the start screen; a session runs; the
    clinic's IT renames/removes that profile file; a console fault: "Restart and resume" must
    bring the running session (and its alarms) back; the preset for the *next* patient is no
    reason to refuse it ("a resume is never refused for its monitor", README)."""
    clinic = clinic_profiles_dir()
    clinic.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin_profiles_dir() / "nihon-kohden-pvm.toml", clinic / "chair3-pvm.toml")
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db), "--device-profile", "chair3-pvm"]),
                   qtbot, cleanups)
    assert window.start_screen is not None
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", None, None))
    assert window.controller is not None
    session = window.controller.view.session_id
    (clinic / "chair3-pvm.toml").unlink()   # IT tidies the clinic folder meanwhile
    again = _restarted(window, qtbot, cleanups)
    assert again.controller is not None and again.controller.view.session_id == session
    assert again.start_monitor == (None, None)   # said on stderr, the session resumed
    stop(cleanups)


@pytest.mark.parametrize("db_given", ["./-chair2.sqlite3", "--db=-chair2.sqlite3"])
def test_restart_of_a_log_named_with_a_leading_dash_comes_back_on_it(
        db_given: str, tmp_path: Path, monkeypatch, qtbot, cleanups) -> None:  # noqa: F811
    monkeypatch.chdir(tmp_path)
    argv = [db_given] if db_given.startswith("--db=") else ["--db", db_given]
    window = built(gui_parser().parse_args(argv), qtbot, cleanups)
    again = _restarted(window, qtbot, cleanups)
    assert again.log.path.resolve() == (tmp_path / "-chair2.sqlite3").resolve()


def test_restart_of_a_shown_log_whose_name_begins_with_a_tilde_is_the_same_file(
        tmp_path: Path, monkeypatch, qtbot, cleanups) -> None:  # noqa: F811
    # `--shown-log ./~qa.jsonl` was written `--shown-log=~qa.jsonl`: the home of a user qa.jsonl
    monkeypatch.chdir(tmp_path)
    window = built(gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"),
                                            "--shown-log", "./~qa.jsonl"]), qtbot, cleanups)
    window.restart_and_resume()
    stop(cleanups)
    restarted = gui_parser().parse_args(window.restart_argv[3:])
    assert restarted.shown_log.resolve() == (tmp_path / "~qa.jsonl").resolve()


def test_session_on_a_clinic_profile_removed_since_comes_back_on_restart(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    """A session started at the start screen on the chair's clinic profile; IT removes the
    profile file; console fault -> Restart and resume. README: "a resume is never refused for
    its monitor ... a monitor that cannot be opened is its 'Device disconnected' alarm"."""
    clinic = clinic_profiles_dir()
    clinic.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin_profiles_dir() / "nihon-kohden-pvm.toml", clinic / "chair3-pvm.toml")
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    assert window.start_screen is not None
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "chair3-pvm"))
    assert window.controller is not None
    session = window.controller.view.session_id
    (clinic / "chair3-pvm.toml").unlink()   # IT tidies the clinic folder meanwhile
    again = _restarted(window, qtbot, cleanups)   # a traceback before, nothing came back
    assert again.controller is not None and again.controller.view.session_id == session
    _assert_monitor_not_installed(again)
    stop(cleanups)


def test_start_screen_resume_of_a_session_on_a_removed_profile_is_not_a_traceback(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    """The same after a SIGKILL: the start screen's "Resume this session" button."""
    from PySide6 import QtCore

    clinic = clinic_profiles_dir()
    clinic.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin_profiles_dir() / "nihon-kohden-pvm.toml", clinic / "chair3-pvm.toml")
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "chair3-pvm"))
    session = window.controller.view.session_id
    stop(cleanups)   # the console is gone (killed): the session is left open
    (clinic / "chair3-pvm.toml").unlink()
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    assert len(again.resume_buttons) == 1
    qtbot.keyClicks(again.start_screen.nurse_edit, "bo")   # who resumes it (no accounts)
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert again.controller is not None and again.controller.view.session_id == session
    _assert_monitor_not_installed(again)
    stop(cleanups)


def test_demo_left_open_resumed_at_the_start_screen_plays_a_new_simulator(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    """A demo console killed; started again, its start screen offers the demo session; the
    nurse (trainer) presses Resume. `--resume N` plays a new simulated monitor (app.py:658);
    the button reads the old process's simulator port, dead: "Device disconnected"."""
    from PySide6 import QtCore

    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db), "--demo"]), qtbot, cleanups)
    session = window.controller.view.session_id
    old_port = window.controller.connection.url
    stop(cleanups)   # killed: its simulator went with it
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    assert len(again.resume_buttons) == 1
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert again.controller is not None and again.controller.view.session_id == session
    connection = again.controller.connection
    assert connection is not None and connection.url != old_port, (
        f"the resumed demo reads {connection and connection.url}, the dead simulator's port")
    stop(cleanups)


def test_resume_with_a_new_port_only_keeps_the_sessions_monitor_format(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    """A Masimo session; the USB adapter comes back under another name; IT runs
    `--resume N --device NEWPORT` (the resume docstring: "a monitor can come back under
    another name"). The resume reads that port as HL7 (the --format default), its Masimo
    stream undecoded; and since 436cb45 the hl7 is logged in session_resumed, so every later
    "Restart and resume" keeps reading the Masimo as HL7."""
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "masimo"))
    session = window.controller.view.session_id
    stop(cleanups)
    again = built(gui_parser().parse_args(["--db", str(db), "--resume", str(session),
                                           "--device", "loop://?logging=debug"]),
                  qtbot, cleanups)
    assert again.controller.connection.url == "loop://?logging=debug"
    assert again.controller.connection.format.name == "masimo", (
        f"resumed reading {again.controller.connection.format.name}, the session's monitor "
        "is a masimo")
    stop(cleanups)


def test_a_demo_resumed_on_a_given_monitor_keeps_it_at_the_restart(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    """QA resumes a demo session on its own simulator (`--resume N --device PORT`); after a
    console fault, "Restart and resume" came back on a new simulated monitor of the console's
    own, not on QA's port (the demo rule: its simulator stopped with the console). A demo
    resumed on its own simulator still gets a new one at the next restart."""
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db), "--demo"]), qtbot, cleanups)
    session = window.controller.view.session_id
    stop(cleanups)   # killed
    window = built(gui_parser().parse_args(["--db", str(db), "--resume", str(session),
                                            "--device", "loop://", "--format", "hl7"]),
                   qtbot, cleanups)
    assert _url(window) == "loop://"
    again = _restarted(window, qtbot, cleanups)
    assert again.controller is not None and again.controller.view.session_id == session
    assert _url(again) == "loop://", f"restart argv {window.restart_argv[3:]}"
    stop(cleanups)

    # another demo, killed, resumed with no --device: it plays a new simulator
    db = tmp_path / "other.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db), "--demo"]), qtbot, cleanups)
    session, first = window.controller.view.session_id, _url(window)
    stop(cleanups)
    window = built(gui_parser().parse_args(["--db", str(db), "--resume", str(session)]),
                   qtbot, cleanups)
    played = _url(window)
    assert played not in (None, first)
    again = _restarted(window, qtbot, cleanups)
    assert _url(again) not in (None, "loop://", played), (
        f"the restarted demo reads {_url(again)}: its simulator stopped with the console")
    stop(cleanups)
