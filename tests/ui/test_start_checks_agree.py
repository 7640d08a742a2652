"""The start screen and the command line give the same answer to the same input: the same bad
values refused with the same message (console/session/start_checks.py), the same doubtful values
accepted once confirmed (a tick box on the screen, `--confirm` on the command line)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from PySide6 import QtCore

from console.cli import gui_parser
from console.ui.app import StartError, build
from console.ui.audio import RecordingAudioOut
from console.ui.start_screen import StartScreen
from protocols.loader import default_protocol_dirs, load_protocols
from tests.ui.conftest import Answers

GOOD = {"patient": "MRN-1042", "weight": "72", "nurse": "Ana Lima"}

# (what is typed differently from GOOD, the field whose message it is, the message)
BAD = [
    ({"weight": "abc"}, "weight", "“abc” is not a number. Enter the weight in kg, 1–400 (e.g. 72 or 72.5)."),
    ({"weight": "nan"}, "weight", "“nan” is not a number. Enter the weight in kg, 1–400 (e.g. 72 or 72.5)."),
    ({"weight": "0"}, "weight", "0 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
    ({"weight": "700"}, "weight", "700 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
    ({"weight": ""}, "weight", "Required: the weight measured today, 1–400 kg."),
    ({"patient": ""}, "patient", "Required: the patient identifier (e.g. the MRN), as on the wristband."),
    ({"patient": "M" * 65}, "patient",
     "The identifier is 65 characters long; at most 64 are allowed. Enter the patient's MRN."),
    ({"nurse": "  "}, "nurse", "Required: the name of the nurse running this session."),
]
# Allowed once confirmed on purpose.
DOUBTFUL = [
    ({"weight": "25"}, "weight",
     "25 kg is unusual (below 30 kg): check it is in kg, then confirm it or correct it."),
    ({"patient": "unknown"}, "patient",
     "“unknown” looks like a placeholder: enter the MRN, or confirm it is "
     "this patient\'s identifier."),
]


@pytest.fixture(scope="module")
def protocols():
    return load_protocols(default_protocol_dirs()).protocols


@pytest.fixture
def screen(qtbot, protocols):
    made = StartScreen(protocols, [], lambda pid: [], port_lister=lambda: [])
    qtbot.addWidget(made)
    made.show()
    yield made
    made.stop_test()


@pytest.fixture
def command_line(qtbot, tmp_path):
    """Runs `build` with the options a user would type; returns the window or raises StartError."""
    cleanups: list = []
    # qtbot holds its widgets weakly: a window the test body dropped was collected with its
    # session's timers and device thread still running, and the next test's event processing
    # crashed on it (a segmentation fault on Python 3.13 in CI). Held until the cleanups ran.
    alive: list = []

    def run(*options: str):
        args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *options])
        window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        alive.append(window)
        return window

    yield run
    for cleanup in reversed(cleanups):
        cleanup()


def type_in(qtbot, screen: StartScreen, values: dict[str, str]) -> None:
    qtbot.keyClicks(screen.patient_edit, values["patient"])
    qtbot.keyClicks(screen.weight_edit, values["weight"])
    screen.protocol_combo.setCurrentIndex(screen.protocol_combo.findData("iv-ketamine"))
    qtbot.keyClicks(screen.nurse_edit, values["nurse"])


def options(values: dict[str, str], *extra: str) -> list[str]:
    return ["--protocol", "iv-ketamine", "--patient", values["patient"], "--weight", values["weight"],
            "--nurse", values["nurse"], *extra]


def shown_message(screen: StartScreen, field: str) -> str:
    label = {"patient": screen.patient_message, "weight": screen.weight_message,
             "nurse": screen.nurse_message, "device": screen.port_message}[field]
    assert label.isVisible()
    return label.text()


@pytest.mark.parametrize(("typed", "field", "message"), BAD)
def test_a_bad_value_is_refused_with_the_same_message_on_the_screen_and_the_command_line(
        qtbot, screen, command_line, typed, field, message):
    values = {**GOOD, **typed}
    type_in(qtbot, screen, values)
    assert shown_message(screen, field) == message
    assert not screen.start_button.isEnabled() and screen.request() is None
    with pytest.raises(StartError) as refused:
        command_line(*options(values))
    assert str(refused.value) == f"--{field}: {message}"


@pytest.mark.parametrize(("typed", "field", "message"), DOUBTFUL)
def test_a_doubtful_value_needs_the_same_confirmation_on_both(qtbot, screen, command_line, tmp_path,
                                                               typed, field, message):
    values = {**GOOD, **typed}
    type_in(qtbot, screen, values)
    assert shown_message(screen, field) == message
    assert not screen.start_button.isEnabled()
    with pytest.raises(StartError) as refused:
        command_line(*options(values))
    assert str(refused.value) == f"--{field}: {message} To use it, add --confirm {field}."
    # Confirmed on purpose: the screen's tick box, the command line's --confirm.
    box = screen.patient_confirm if field == "patient" else screen.weight_confirm
    qtbot.keyClick(box, QtCore.Qt.Key.Key_Space)
    assert screen.start_button.isEnabled()
    window = command_line(*options(values, "--confirm", field))
    assert window.live is not None
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT patient_id, weight_kg FROM sessions").fetchall() == [
            (values["patient"], float(values["weight"]))]


def test_an_empty_port_is_refused_alike(qtbot, screen, command_line):
    type_in(qtbot, screen, GOOD)
    screen.port_combo.lineEdit().clear()
    message = ("The port is empty. Give a port (e.g. /dev/ttyUSB0) or URL (e.g. socket://host:4001), "
               "or no device at all (“Manual entry only”).")
    assert shown_message(screen, "device") == message
    assert not screen.start_button.isEnabled()
    with pytest.raises(StartError) as refused:
        command_line(*options(GOOD, "--device", ""))
    assert str(refused.value) == f"--device: {message}"


def test_an_unknown_device_format_is_refused_not_a_traceback(command_line):
    """The start screen offers only known formats; the command line used to crash on one."""
    with pytest.raises(StartError) as refused:
        command_line(*options(GOOD, "--device", "loop://", "--format", "hl8"))
    assert str(refused.value).startswith("--format: Unknown device “hl8”; known: ")
    assert "nihon-kohden-pvm" in str(refused.value) and "hl7, masimo, ansar-b" in str(refused.value)


def test_the_console_program_says_it_in_one_line(tmp_path):
    """Through `python -m console.cli`: argparse no longer answers "invalid float value" first."""
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "--db", str(tmp_path / "log.sqlite3"),
         *options({**GOOD, "weight": "abc"})],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2
    assert result.stderr == ("infusion-console: --weight: “abc” is not a number. Enter the weight "
                             "in kg, 1–400 (e.g. 72 or 72.5).\n")


def test_a_device_profile_names_the_address_it_needs_on_the_screen_and_the_command_line(
        command_line, screen, qtbot):
    # An IntelliVue on the LAN given a serial port: refused the same way, naming what it needs.
    with pytest.raises(StartError) as refused:
        command_line(*options(GOOD, "--device", "/dev/ttyUSB0",
                              "--device-profile", "philips-intellivue-lan"))
    expected = ("philips-intellivue-lan talks over the network (UDP): give udp://HOST:PORT, "
                "e.g. udp://192.0.2.30:24105.")
    assert str(refused.value) == f"--device: {expected}"
    type_in(qtbot, screen, GOOD)
    screen.port_combo.setCurrentText("/dev/ttyUSB0")
    screen.format_combo.setCurrentIndex(screen.format_combo.findData("philips-intellivue-lan"))
    assert shown_message(screen, "device") == expected
    assert not screen.start_button.isEnabled()


def test_an_identifier_with_a_control_character_is_refused_alike(qtbot, screen, command_line):
    # Keys do not type one, but a paste (a scanner, another form) does: QLineEdit.insert.
    type_in(qtbot, screen, GOOD)
    screen.patient_edit.clear()
    screen.patient_edit.insert("MRN\x1b4711")
    message = ("The identifier contains a control or invisible character (U+001B at position "
               "4); only visible characters are allowed. Type the patient's MRN again.")
    assert shown_message(screen, "patient") == message
    assert not screen.start_button.isEnabled() and screen.request() is None
    with pytest.raises(StartError) as refused:
        command_line(*options({**GOOD, "patient": "MRN\x1b4711"}))
    assert str(refused.value) == f"--patient: {message}"


@pytest.mark.parametrize(("profile", "address", "expected"), [
    ("mindray-bedside", "socket://192.0.2.20:99999",
     "“socket://192.0.2.20:99999”: the port “99999” is not a number from 1 to 65535. Give "
     "socket://HOST:PORT, e.g. socket://192.0.2.20:4601."),
    ("philips-intellivue-lan", "udp://192.0.2.30:abc",
     "“udp://192.0.2.30:abc”: the port “abc” is not a number from 1 to 65535. Give "
     "udp://HOST:PORT, e.g. udp://192.0.2.20:24105."),
])
def test_a_device_address_that_cannot_be_opened_is_refused_alike(
        command_line, screen, qtbot, profile, address, expected):
    # Before, both started a session that only ever said "Device disconnected".
    with pytest.raises(StartError) as refused:
        command_line(*options(GOOD, "--device", address, "--device-profile", profile))
    assert str(refused.value) == f"--device: {expected}"
    type_in(qtbot, screen, GOOD)
    screen.format_combo.setCurrentIndex(screen.format_combo.findData(profile))
    screen.port_combo.setCurrentText(address)
    assert shown_message(screen, "device") == expected
    assert not screen.start_button.isEnabled() and screen.request() is None


def test_a_device_profile_from_the_command_line_opens_the_session_reading_that_monitor(
        qtbot, tmp_path):
    cleanups: list = []
    try:
        args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *options(
            GOOD, "--device", "loop://", "--device-profile", "philips-efficia-cm")])
        window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                       asker=Answers())
        qtbot.addWidget(window)
        connection = window.controller.connection
        assert connection is not None
        assert connection.format.name == "philips-efficia-cm"
        # Polled every 5 s: "no data" after two periods, not the 4 s of a monitor that pushes.
        assert connection.stale_after_seconds == 10.0
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
