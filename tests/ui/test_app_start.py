"""Starting the console: from its command line, the demo, the start screen, and the resume offer;
a log that cannot be written stops the start with a message naming the file."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6 import QtCore, QtWidgets

from console.cli import gui_parser
from console.records import SessionOpened
from console.store import EventLog
from devices.profiles import builtin_profiles_dir
from protocols.loader import builtin_protocols_dir
from console.ui.app import StartError, build, dispose
from console.ui.audio import RecordingAudioOut
from console.ui.start_screen import StartRequest
from tests.ui.conftest import Answers


def options(tmp_path, *extra):
    return gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *extra])


@pytest.fixture
def started(qtbot):
    """Builds the window as the app does, with recorded audio and answers, and stops it as
    `run()` does: the cleanups (the session, the bridge, the log), then the window disposed of,
    with no turn of the loop in between. A cleanup that fails fails the test.

    (Left to pytest-qt, the loop turned once more after the cleanups, which the app never does:
    a bus client's last status, posted to the bridge while it stopped, then ran a pump into the
    closed log, a teardown error under the suite's load.)
    """
    cleanups = []
    alive = []   # the windows must outlive the test body: their controllers are stopped below

    def start(args):
        window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        alive.append(window)
        return window

    yield start
    try:
        for cleanup in reversed(cleanups):
            cleanup()
    finally:
        for window in alive:
            dispose(window)


def test_command_line_session_opens_the_live_window_and_is_logged(started, tmp_path):
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-1",
                             "--weight", "80", "--nurse", "ana"))
    header = window.live.header.full_text()
    assert header.startswith("MRN-1 · IV racemic ketamine 0.5 mg/kg over 40 min · session 1 of 6 · ana · ")
    window.controller.tick()
    # The app's own clock is the wall clock: under load a second may pass before the tick, so
    # the elapsed time is read as "under a minute", not as exactly 0:00. The whole line: the
    # window is not shown, and a line too narrow gives its phase's name way first.
    assert re.match(r"Pre-session checks   Elapsed 0:[0-5]\d min", window.live.timers.full_text())
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT patient_id, weight_kg, nurse FROM sessions").fetchall() == [("MRN-1", 80.0, "ana")]


@pytest.mark.parametrize(("extra", "message"), [
    (("--patient", "MRN-1"),
     "--weight: Required: the weight measured today, 1–400 kg. "
     "--protocol: Required: the protocol ordered for this session. "
     "--nurse: Required: the name of the nurse running this session."),
    (("--protocol", "nope", "--patient", "A", "--weight", "70", "--nurse", "n"),
     "--protocol: Unknown protocol “nope”; available: esketamine, iv-ketamine, iv-ketamine-titration."),
    (("--protocol", "iv-ketamine", "--patient", "A", "--weight", "700", "--nurse", "n"),
     "--weight: 700 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
    (("--demo", "--protocol", "nope"),
     "--protocol: Unknown protocol “nope”; available: esketamine, iv-ketamine, iv-ketamine-titration."),
    # Device addresses are checked before the session starts; before, each of these started a
    # session that only ever showed "Device disconnected: cannot open its port".
    (("--protocol", "iv-ketamine", "--patient", "MRN-94", "--weight", "70", "--nurse", "N",
      "--device", "socket://:abc", "--device-profile", "mindray-bedside"),
     "--device: “socket://:abc” has no valid host name or IP address: give socket://HOST:PORT, "
     "e.g. socket://192.0.2.20:4601."),
    (("--protocol", "iv-ketamine", "--patient", "MRN-94", "--weight", "70", "--nurse", "N",
      "--device", "socket://host:99999", "--device-profile", "mindray-bedside"),
     "--device: “socket://host:99999”: the port “99999” is not a number from 1 to 65535. Give "
     "socket://HOST:PORT, e.g. socket://192.0.2.20:4601."),
    (("--protocol", "iv-ketamine", "--patient", "MRN-94", "--weight", "70", "--nurse", "N",
      "--device", "udp://host:abc", "--device-profile", "philips-intellivue-lan"),
     "--device: “udp://host:abc”: the port “abc” is not a number from 1 to 65535. Give "
     "udp://HOST:PORT, e.g. udp://192.0.2.20:24105."),
    (("--protocol", "iv-ketamine", "--patient", "MRN-94", "--weight", "70", "--nurse", "N",
      "--device", "bogus://x"),
     "--device: “bogus://” is not a kind of device address the console opens. Give a port path "
     "(e.g. /dev/ttyUSB0), socket://HOST:PORT, udp://HOST:PORT, rfc2217://HOST:PORT, loop:// or "
     "spy://PORT (or pyserial's alt://, hwgrep://, cp2110://)."),
    # No device, but a monitor named that does not exist: before, a session started silently.
    (("--protocol", "iv-ketamine", "--patient", "MRN-94", "--weight", "70", "--nurse", "N",
      "--format", "nope"),
     "--format: Unknown device “nope”; known: draeger-infinity-gateway, draeger-infinity, "
     "mindray-bedside, mindray-gateway, nihon-kohden-pvm, philips-efficia-cm, "
     "philips-intellivue-lan, philips-intellivue-mib, hl7, masimo, ansar-b, intellivue."),
    (("--protocol", "iv-ketamine", "--patient", "MRN\x01\x02", "--weight", "70", "--nurse", "N"),
     "--patient: The identifier contains a control or invisible character (U+0001 at position 4); only "
     "visible characters are allowed. Type the patient's MRN again."),
    (("--resume", str(2**63)),
     "--resume 9223372036854775808: there is no session 9223372036854775808 in {db}; the start "
     "screen offers the sessions left open"),
    (("--resume", "99999999999999999999999"),
     "--resume 99999999999999999999999: there is no session 99999999999999999999999 in {db}; "
     "the start screen offers the sessions left open"),
    (("--protocol", "iv-ketamine", "--patient", "MRN-94", "--weight", "70", "--nurse", "N",
      "--secret-fd", "99999999999"),
     "--secret-fd 99999999999: cannot read it (no file descriptor 99999999999 is open): pass a "
     "file descriptor open for reading, e.g. a pipe, or --secret-fd 3 with 3<FILE in the shell"),
])
def test_bad_session_options_are_refused_with_what_is_wrong(started, tmp_path, extra, message):
    if "--resume" in extra:   # a session is looked for in a log (none: "no session log at")
        EventLog.open(tmp_path / "log.sqlite3", "test").close()
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, *extra))
    assert str(refused.value) == message.format(db=tmp_path / "log.sqlite3")
    if (tmp_path / "log.sqlite3").exists():   # nothing was started
        with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
            assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (0,)


def clinic_folder(*parts: str) -> Path:
    """The clinic's own folder for protocols or device profiles (tests/conftest.py gives every
    test its own XDG_CONFIG_HOME)."""
    folder = Path(os.environ["XDG_CONFIG_HOME"], "infusion-console", *parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


SESSION = ("--patient", "MRN-94", "--weight", "70", "--nurse", "N")


def test_a_refused_clinic_protocol_is_named_with_the_loaders_reason(started, tmp_path):
    clinic = clinic_folder("protocols") / "clinic-x.toml"
    shipped = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    clinic.write_text(shipped.replace('id = "iv-ketamine"', 'id = "clinic-x"')
                      .replace("at_or_above = 180\n", "at_or_above = 1800\n", 1), encoding="utf-8")
    reason = ("The protocol “clinic-x” was refused: {file}: alarms[0].at_or_above: 1800 is outside "
              "bp_systolic's range 20–300 mmHg. Fix the file and start again, or choose one of: "
              "esketamine, iv-ketamine, iv-ketamine-titration.").format(file=clinic)
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--protocol", "clinic-x", *SESSION))
    assert str(refused.value) == f"--protocol: {reason}"
    with pytest.raises(StartError) as refused:   # the demo takes the same rule
        started(options(tmp_path, "--demo", "--protocol", "clinic-x"))
    assert str(refused.value) == f"--protocol: {reason}"


def test_a_refused_clinic_file_is_said_when_another_protocol_starts(started, tmp_path, capsys):
    # QA: a typo in one clinic file went unsaid while a command-line session ran on another.
    clinic = clinic_folder("protocols") / "typo.toml"
    clinic.write_text('id = "typo"\nevry_minutes = 10\n', encoding="utf-8")
    started(options(tmp_path, "--protocol", "iv-ketamine", *SESSION))
    err = capsys.readouterr().err
    assert "infusion-console: a protocol file was refused (the others are offered): " in err
    assert str(clinic) in err or "typo.toml" in err


def test_a_refused_device_profile_is_named_with_its_problem_and_the_option_typed(started,
                                                                                  tmp_path):
    profile = clinic_folder("devices", "profiles") / "p-period.toml"
    shipped = (builtin_profiles_dir() / "philips-efficia-cm.toml").read_text(encoding="utf-8")
    profile.write_text(re.sub(r"(?m)^period_seconds = .*$", "period_seconds = -5", shipped),
                       encoding="utf-8")
    reason = (f"The device profile “p-period” was refused: {profile}: poll.period_seconds: -5 is "
              "outside 0.5-300. Fix the file (infusion-console devices names every refused "
              "file) or choose another monitor; known: ")
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--protocol", "iv-ketamine", *SESSION, "--device",
                        "/dev/ttyS0", "--format", "p-period"))
    assert str(refused.value).startswith(f"--format: {reason}")
    # A parser that keeps --device-profile apart has it named as typed (app._monitor).
    args = options(tmp_path, "--protocol", "iv-ketamine", *SESSION)
    args.device_profile = "p-period"
    with pytest.raises(StartError) as refused:
        started(args)
    assert str(refused.value).startswith(f"--device-profile: {reason}")


def test_resuming_with_a_device_address_that_cannot_be_opened_resumes_under_its_alarm(
        started, tmp_path, qtbot):
    # "Restart and resume" must bring a running session back whatever its monitor does: refusing
    # the resume would leave the chair with no console at all. The monitor that cannot be opened
    # is the device's technical alarm, and the nurse can type vitals meanwhile.
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        session = log.start_session(SessionOpened(
            patient_id="MRN-94", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="N", weight_kg=70.0, started_at=datetime.now(UTC)))
    window = started(options(tmp_path, "--resume", str(session), "--device", "socket://host:0"))
    assert window.live is not None and window.controller.view.session_id == session
    qtbot.waitUntil(lambda: any(o.condition == "device_lost"
                                for o in window.controller.view.alarms()), timeout=10_000)


def test_a_session_another_console_runs_is_not_resumed_here(started, tmp_path):
    # A second console asked to resume the session a first one runs had two engines, two alarm
    # states and two sounders writing one record: it is refused, and nothing is logged.
    from tests.store.test_session_claim import HOLDER

    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        session = log.start_session(SessionOpened(
            patient_id="MRN-94", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="N", weight_kg=70.0, started_at=datetime.now(UTC)))
    first = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "log.sqlite3"),
                              str(session)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert first.stdout is not None and first.stdout.readline() == "claimed\n"
        with pytest.raises(StartError) as refused:
            started(options(tmp_path, "--resume", str(session)))
        assert str(refused.value).startswith(
            f"--resume {session}: session {session} is running in another console on ")
        with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
            assert conn.execute("SELECT count(*) FROM events WHERE kind = 'session_resumed'"
                                ).fetchone() == (0,)
    finally:
        first.kill()
        first.wait()
    window = started(options(tmp_path, "--resume", str(session)))   # the first one is gone
    assert window.controller is not None and window.controller.view.session_id == session


def left_open(tmp_path, hours_ago: float, weight: float = 70.0) -> int:
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        return log.start_session(SessionOpened(
            patient_id="MRN-94", protocol_id="iv-ketamine", protocol_version="1.0",
            session_number=1, nurse="N", weight_kg=weight,
            started_at=datetime.now(UTC) - timedelta(hours=hours_ago)))


def sessions(tmp_path) -> list[tuple[int, str | None]]:
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        return conn.execute("SELECT id, ended_at FROM sessions ORDER BY id").fetchall()


def test_a_session_left_open_long_ago_is_not_resumed_by_a_start_from_the_command_line(
        started, tmp_path, capsys):
    # An audit: a session of 1 April, left open by a crash, was resumed in December by the
    # patient's next visit; today's readings went into it ("Elapsed 5881:37 h").
    old = left_open(tmp_path, hours_ago=13)
    # A clinician's review note on it today is no bedside activity: it does not make the
    # session look fresh (the review audit: the next start resumed it).
    from console.review.queries import annotate
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        annotate(log, old, "dr.kim", "Reviewed: left open by a crash", datetime.now(UTC))
    start = ("--protocol", "iv-ketamine", "--patient", "MRN-94", "--weight", "72",
             "--nurse", "N")
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, *start))
    said = str(refused.value)
    assert said.startswith(f"MRN-94: session {old} (iv-ketamine) was left open: started ")
    assert "13 h ago. It is not resumed from the command line after 12 hours." in said
    assert said.endswith(f"To end it, resume it with --resume {old} and discharge it; to start "
                         "a new session and leave it open, add --new-session.")
    assert sessions(tmp_path) == [(old, None)]
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM events WHERE kind = 'session_resumed'"
                            ).fetchone() == (0,)
    window = started(options(tmp_path, *start, "--new-session"))
    assert window.controller.view.session_id != old
    assert [ended for _, ended in sessions(tmp_path)] == [None, None]


def test_a_session_left_open_minutes_ago_resumes_with_its_logged_weight_said(
        started, tmp_path, capsys):
    recent = left_open(tmp_path, hours_ago=0.5)
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-94",
                             "--weight", "80", "--nurse", "N"))
    assert window.controller.view.session_id == recent
    assert (f"session {recent} of MRN-94 resumes with its logged weight 70 kg and dose "
            "(--weight 80 not used") in capsys.readouterr().err


def test_an_unwritable_log_stops_the_console_with_the_file_and_the_cause(tmp_path):
    not_a_log = tmp_path / "notes.txt"
    not_a_log.write_text("shopping list\n")
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "--db", str(not_a_log), "--protocol", "iv-ketamine",
         "--patient", "A", "--weight", "70", "--nurse", "n"],
        capture_output=True, text=True, timeout=60, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert str(not_a_log) in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("infusion-console: ")


def test_start_screen_opens_a_session_and_a_session_left_open_is_offered_for_resumption(started, tmp_path, qtbot):
    first = started(options(tmp_path))
    assert first.live is None and first.resume_buttons == []
    # The form itself is tested in test_start_screen.py; here, what Start does with its request.
    first.start_screen.start_requested.emit(StartRequest("MRN-9", 60.0, "esketamine", 56.0, 1, "bo", None, None))
    assert first.live.header.full_text().startswith("MRN-9 · ")
    first.controller.stop()
    # The console stops without discharge (a crash): the next start offers the session.
    again = started(options(tmp_path))
    assert len(again.resume_buttons) == 1
    qtbot.keyClicks(again.start_screen.nurse_edit, "bo")   # who resumes it (no accounts)
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert again.live.header.full_text().startswith("MRN-9 · ")
    assert "Session resumed after a restart" in again.live.events.item(0).text()


def test_start_on_the_screen_resumes_the_session_a_crash_left_open(started, tmp_path, qtbot):
    # Review 39: killed 30 min into MRN-94's session, the console restarted; the nurse typed
    # MRN-94 / 70 / iv-ketamine / her name and Enter, and session 2 opened beside the crashed
    # one, its T0 and alarms not restored. The command line resumes it; so does Start now.
    old = left_open(tmp_path, hours_ago=0.5)
    window = started(options(tmp_path))
    window.show()
    screen = window.start_screen
    qtbot.keyClicks(screen.patient_edit, "MRN-94")
    qtbot.keyClicks(screen.weight_edit, "70")
    screen.protocol_combo.setCurrentIndex(screen.protocol_combo.findData("iv-ketamine"))
    qtbot.keyClicks(screen.nurse_edit, "Ana")
    qtbot.keyClick(screen.nurse_edit, QtCore.Qt.Key.Key_Return)
    assert window.live is not None and window.controller.view.session_id == old
    assert sessions(tmp_path) == [(old, None)]   # no second session
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT actor FROM events WHERE kind = 'session_resumed'"
                            ).fetchall() == [("Ana",)]   # as `--nurse Ana` records it


def test_start_resuming_a_session_of_another_weight_asks_first(started, tmp_path):
    # The typed 75 kg was dropped without a word: the session resumed at its logged 70 kg and
    # dose (the command line says so on stderr).
    old = left_open(tmp_path, hours_ago=0.5, weight=70.0)
    window = started(options(tmp_path))
    window.asker.yes = False
    request = StartRequest("MRN-94", 75.0, "iv-ketamine", None, 2, "Ana", None, None)
    window.start_screen.start_requested.emit(request)
    assert window.live is None and sessions(tmp_path) == [(old, None)]
    assert window.asker.asked[-1].startswith(
        f"MRN-94: session {old} (iv-ketamine) was left open: started ")
    assert ("Start resumes it with its logged weight 70 kg (75 kg typed): a session's weight "
            f"and dose are fixed at its start.\n\nResume session {old}?"
            ) in window.asker.asked[-1]
    window.asker.yes = True
    window.start_screen.start_requested.emit(request)
    assert window.controller.view.session_id == old
    assert sessions(tmp_path) == [(old, None)]


def test_start_on_the_screen_beside_a_session_left_open_long_ago_asks_first(started, tmp_path):
    # Not resumed by a start after RESUME_WITHIN_HOURS (as from the command line); a new
    # session opens beside it only once the nurse says so (the command line's --new-session).
    old = left_open(tmp_path, hours_ago=13)
    window = started(options(tmp_path))
    window.asker.yes = False
    request = StartRequest("MRN-94", 70.0, "iv-ketamine", None, 2, "Ana", None, None)
    window.start_screen.start_requested.emit(request)
    assert window.live is None and sessions(tmp_path) == [(old, None)]
    assert window.asker.asked[-1].startswith(
        f"MRN-94: session {old} (iv-ketamine) was left open: started ")
    assert ("13 h ago. It is not resumed by a start after 12 hours. To end it, press “Resume "
            "to discharge it” beside it and discharge it.\n\nStart a new session and leave "
            f"session {old} open?") in window.asker.asked[-1]
    window.asker.yes = True
    window.start_screen.start_requested.emit(request)
    assert window.controller.view.session_id != old
    assert [ended for _, ended in sessions(tmp_path)] == [None, None]


def test_enter_on_the_focused_resume_button_resumes(started, tmp_path, qtbot):
    # Review 39: keyboard only, Tab to "Resume this session" and Enter did nothing (a push
    # button outside a dialog ignores Return); only Space worked, which nothing said.
    old = left_open(tmp_path, hours_ago=0.2)
    window = started(options(tmp_path))
    window.show()
    window.activateWindow()   # offscreen, the window must be active for focus to be given
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    for button in (window.first_admin_button, window.restart_button):   # the page's others
        assert button.autoDefault(), button.objectName()
    window.start_screen.nurse_edit.setText("N")   # who resumes it (no accounts)
    button = window.resume_buttons[0]
    button.setFocus()
    assert QtWidgets.QApplication.focusWidget() is button
    qtbot.keyClick(button, QtCore.Qt.Key.Key_Return)
    assert window.live is not None and window.controller.view.session_id == old


def offer_text(window) -> str:
    [offer] = window.findChildren(QtWidgets.QFrame, "resume_offer")
    return " ".join(label.text() for label in offer.findChildren(QtWidgets.QLabel))


def test_a_session_left_open_long_ago_is_offered_with_its_year_age_and_a_warning(
        started, tmp_path):
    # Review 39: a session left open 400 days before was offered as "started 24 Jan 10:00 by
    # N", like one a crash left minutes ago, and one click put today's readings into it.
    old = left_open(tmp_path, hours_ago=400 * 24)
    window = started(options(tmp_path))
    started_at = (datetime.now(UTC) - timedelta(days=400)).astimezone()
    text = offer_text(window)
    assert text.startswith("A session was left open: MRN-94 · iv-ketamine · nurse N · started "
                           f"{started_at:%a %d %b %Y}")
    assert "400 days ago" in text
    assert text.endswith("Nothing logged for more than 12 hours: not today's session. Resume "
                         "it only to discharge it; a start does not resume it.")
    assert [b.text() for b in window.resume_buttons] == ["Resume to discharge it"]
    warning = window.findChild(QtWidgets.QLabel, "resume_stale")
    assert warning is not None and warning.isVisibleTo(window)
    assert old == window.log.open_sessions()[0].id


def test_a_session_a_crash_left_open_minutes_ago_is_offered_without_a_warning(started,
                                                                              tmp_path):
    left_open(tmp_path, hours_ago=0.5)
    window = started(options(tmp_path))
    assert "last entry" in offer_text(window) and "30 min ago" in offer_text(window)
    assert window.findChild(QtWidgets.QLabel, "resume_stale") is None
    assert [b.text() for b in window.resume_buttons] == ["Resume this session"]


def clinic_protocol(protocol_id: str) -> Path:
    """A clinic's own copy of the shipped IV protocol, under another id, in its config folder."""
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "infusion-console" / "protocols"
    folder.mkdir(parents=True, exist_ok=True)
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text("utf-8")
    path = folder / f"{protocol_id}.toml"
    path.write_text(text.replace('id = "iv-ketamine"', f'id = "{protocol_id}"'), "utf-8")
    return path


def test_a_session_whose_protocol_file_was_removed_resumes_under_its_logged_copy(
        started, tmp_path, qtbot):
    # The clinic retired its protocol file while a session ran on it and the console stopped:
    # the session must come back, alarms and all (it had ended in a KeyError at Resume).
    path = clinic_protocol("clinic-iv")
    first = started(options(tmp_path))
    first.start_screen.start_requested.emit(
        StartRequest("MRN-7", 70.0, "clinic-iv", None, 1, "bo", None, None))
    first.controller.stop()
    path.unlink()
    again = started(options(tmp_path))
    assert "clinic-iv" not in again.protocols
    qtbot.keyClicks(again.start_screen.nurse_edit, "bo")   # who resumes it (no accounts)
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert again.live is not None and again.controller.view.protocol.id == "clinic-iv"
    assert again.live.events.item(0).text().endswith(
        "Session resumed after a restart: protocol kept as started (its file is not installed "
        "here) — bo")   # who resumed it


def test_a_session_with_no_protocol_to_run_under_is_refused_by_name(started, tmp_path, qtbot):
    # Logged before the console kept a copy, its file gone: said on the start page and at the
    # command line, never a traceback.
    with EventLog.open(tmp_path / "log.sqlite3", "test") as log:
        session = log.start_session(SessionOpened(
            patient_id="MRN-94", protocol_id="retired-iv", protocol_version="1.0",
            session_number=1, nurse="N", weight_kg=70.0, started_at=datetime.now(UTC)))
    window = started(options(tmp_path))
    qtbot.keyClicks(window.start_screen.nurse_edit, "N")   # who resumes it (no accounts)
    qtbot.mouseClick(window.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert window.live is None
    assert window.start_error.text() == (
        f"The session was not resumed: session {session} cannot be resumed on this console: its "
        "protocol 'retired-iv' is not installed here, and its log holds no copy of it (it "
        "started before the console kept one); install that protocol file and start the "
        "console again.")
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--resume", str(session)))
    assert str(refused.value).startswith(f"--resume {session}: session {session} cannot be "
                                         "resumed on this console: its protocol 'retired-iv'")


def test_demo_session_is_marked_and_fed_by_the_simulated_device(started, tmp_path, qtbot):
    window = started(options(tmp_path, "--demo"))
    assert "DEMO — not patient data" in window.live.header.full_text()
    engine = window.controller.view
    # Real time: the simulated monitor sends once a second; wait for its first heart rate.
    qtbot.waitUntil(lambda: engine.latest("heart_rate") is not None, timeout=15000)
    assert engine.device_state == "connected"
    window.live.refresh()
    assert window.live.tiles.tiles["heart_rate"].view.detail.startswith("device · ")
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT demo, patient_id FROM sessions").fetchall() == [(1, "DEMO-0001")]


def test_a_scenario_without_the_demo_is_refused_not_ignored(started, tmp_path):
    # The QA audit: `--scenario tachypnea` alone started a session with no monitor, unsaid.
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--scenario", "tachypnea", "--protocol", "iv-ketamine",
                        "--patient", "MRN-1", "--weight", "70", "--nurse", "N"))
    assert str(refused.value) == ("--scenario tachypnea: a scenario plays the demo's simulated "
                                  "monitor; add --demo (a session with a real monitor gives "
                                  "--device)")
    assert not (tmp_path / "log.sqlite3").exists()   # refused before anything was written


def test_unknown_demo_scenario_lists_the_built_in_ones(started, tmp_path):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--demo", "--scenario", "nope"))
    # Named once, each scenario once (the list was said twice, the simulator's and the app's).
    assert str(refused.value) == (
        "--scenario nope: not a built-in scenario; built-in scenarios: desaturation, disconnect, "
        "garbage, hypertensive-surge, normal, obstructed-airway, probe-disagreement, probe-off, "
        "respiratory-depression, tachycardia, tachypnea")


@pytest.mark.parametrize("extra, message", [
    ((), "--dose-mg is needed for esketamine: one of 56, 84 mg (the label's first session is "
         "56 mg)"),
    (("--dose-mg", "70"), "--dose-mg 70: esketamine's doses are 56, 84 mg"),
    (("--dose-mg", "lots"), "--dose-mg lots: esketamine's doses are 56, 84 mg"),
])
def test_a_nasal_spray_session_from_the_command_line_needs_its_dose(started, tmp_path, extra,
                                                                     message):
    # It was logged as 56 mg without a word, and 84 mg could not be started (an esketamine walk).
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--protocol", "esketamine", *SESSION, *extra))
    assert str(refused.value) == message
    if (tmp_path / "log.sqlite3").exists():   # nothing was started
        with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
            assert conn.execute("SELECT count(*) FROM sessions").fetchone() == (0,)


def test_an_84_mg_session_starts_from_the_command_line(started, tmp_path):
    window = started(options(tmp_path, "--protocol", "esketamine", *SESSION, "--dose-mg", "84"))
    window.controller.tick()
    assert "84 mg: 3 devices" in window.live.dosing.text()
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT json_extract(details, '$.dose_mg') FROM sessions"
                            ).fetchone() == (84,)


def test_a_dose_by_weight_refuses_a_dose_mg(started, tmp_path):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--protocol", "iv-ketamine", *SESSION, "--dose-mg", "56"))
    assert str(refused.value) == ("--dose-mg 56: iv-ketamine doses by weight (--weight decides "
                                  "its dose); leave --dose-mg out")


def test_a_patient_typed_with_a_combining_accent_is_the_same_patient(started, tmp_path):
    # "Zoë" typed decomposed (NFD: e + U+0308, as some keyboards and pasted forms give it) read
    # as another patient: a second course, session 1 again (the review audit).
    composed, decomposed = "Zo\u00eb-7", "Zoe\u0308-7"
    started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", composed,
                    "--weight", "70", "--nurse", "N", "--new-session"))
    started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", decomposed,
                    "--weight", "70", "--nurse", "N", "--new-session"))
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT patient_id, session_number FROM sessions ORDER BY id"
                            ).fetchall() == [(composed, 1), (composed, 2)]


def test_the_command_line_numbers_a_session_in_the_course_of_its_route(started, tmp_path):
    # A first esketamine session after two IV sessions was numbered 3: every earlier session
    # counted, whatever its route (console/session/course.py).
    for protocol in ("iv-ketamine-titration", "iv-ketamine", "esketamine", "iv-ketamine"):
        dose = ("--dose-mg", "56") if protocol == "esketamine" else ()
        started(options(tmp_path, "--protocol", protocol, "--patient", "MRN-5",
                        "--weight", "70", "--nurse", "N", "--new-session", *dose))
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT protocol_id, session_number FROM sessions ORDER BY id"
                            ).fetchall() == [("iv-ketamine-titration", 1), ("iv-ketamine", 2),
                                             ("esketamine", 1), ("iv-ketamine", 3)]


@pytest.mark.parametrize("kind", ["folder", "missing folder"])
def test_a_shown_log_that_cannot_be_written_stops_the_start_before_the_log_is_opened(
        tmp_path, kind):
    # Review 36: it was opened after the session had started (main_window.py), so a folder
    # ended in a traceback with the session left open in the log.
    shown = tmp_path / "a-folder" if kind == "folder" else tmp_path / "gone" / "shown.jsonl"
    if kind == "folder":
        shown.mkdir()
    reason = "Is a directory" if kind == "folder" else "No such file or directory"
    cleanups: list = []
    with pytest.raises(StartError) as refused:
        build(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-1", "--weight",
                      "80", "--nurse", "ana", "--shown-log", str(shown)), cleanups,
              audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
    assert str(refused.value) == f"--shown-log {shown}: cannot write it: {reason}; give a file path"
    assert not (tmp_path / "log.sqlite3").exists() and cleanups == []
