"""Starting the console: from its command line, the demo, the start screen, and the resume offer;
a log that cannot be written stops the start with a message naming the file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from PySide6 import QtCore

from console.cli import gui_parser
from console.ui.app import StartError, build
from console.ui.audio import RecordingAudioOut
from console.ui.start_screen import StartRequest
from tests.ui.conftest import Answers


def options(tmp_path, *extra):
    return gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *extra])


@pytest.fixture
def started(qtbot):
    """Builds the window as the app does, with recorded audio and answers; cleans up after."""
    cleanups = []
    alive = []   # the windows must outlive the test body: their controllers are stopped below

    def start(args):
        window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        alive.append(window)
        return window

    yield start
    for cleanup in reversed(cleanups):
        cleanup()


def test_command_line_session_opens_the_live_window_and_is_logged(started, tmp_path):
    window = started(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-1",
                             "--weight", "80", "--nurse", "ana"))
    header = window.live.header.full_text()
    assert header.startswith("MRN-1 · IV racemic ketamine 0.5 mg/kg over 40 min · session 1 of 6 · ana · ")
    window.controller.tick()
    assert window.live.timers.text().startswith("Pre-session checks   Elapsed 0:00 min")
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
])
def test_bad_session_options_are_refused_with_what_is_wrong(started, tmp_path, extra, message):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, *extra))
    assert str(refused.value) == message


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
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert again.live.header.full_text().startswith("MRN-9 · ")
    assert "Session resumed after a restart" in again.live.events.item(0).text()


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


def test_unknown_demo_scenario_lists_the_built_in_ones(started, tmp_path):
    with pytest.raises(StartError) as refused:
        started(options(tmp_path, "--demo", "--scenario", "nope"))
    assert "built-in scenarios: " in str(refused.value) and "hypertensive-surge" in str(refused.value)
