"""Starting the console from its command line: a session opens in the window, and a log that
cannot be written stops the start with a message naming the file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from console.cli import gui_parser
from console.ui.app import StartError, build


def options(tmp_path, *extra):
    return gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *extra])


def test_command_line_session_opens_in_the_window_and_is_logged(qtbot, tmp_path):
    cleanups = []
    window = build(options(tmp_path, "--protocol", "iv-ketamine", "--patient", "MRN-1",
                           "--weight", "80", "--nurse", "ana"), cleanups)
    qtbot.addWidget(window)
    try:
        assert "MRN-1 · IV racemic ketamine" in window.header.text()
        assert "session 1 of 6" in window.header.text()
        window.controller.tick()
        assert "Pre" in window.timers.text() or "left" in window.timers.text()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT patient_id, weight_kg, nurse FROM sessions").fetchall() == [("MRN-1", 80.0, "ana")]


def test_half_given_session_options_are_refused_with_what_is_missing(qtbot, tmp_path):
    cleanups = []
    try:
        build(options(tmp_path, "--patient", "MRN-1"), cleanups)
    except StartError as exc:
        assert str(exc) == ("to open a session from the command line give --protocol, --patient, "
                            "--weight and --nurse (and --device with --format for a monitor)")
    else:
        raise AssertionError("no error")
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_unknown_protocol_names_the_available_ones(qtbot, tmp_path):
    cleanups = []
    try:
        build(options(tmp_path, "--protocol", "nope", "--patient", "A", "--weight", "70", "--nurse", "n"), cleanups)
    except StartError as exc:
        assert str(exc) == "unknown protocol 'nope'; available: esketamine, iv-ketamine, iv-ketamine-titration"
    else:
        raise AssertionError("no error")
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


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


def test_resume_offers_the_session_left_open(qtbot, tmp_path):
    cleanups = []
    first = build(options(tmp_path, "--protocol", "esketamine", "--patient", "MRN-9", "--weight", "60", "--nurse", "bo"), cleanups)
    qtbot.addWidget(first)
    for cleanup in reversed(cleanups):
        cleanup()
    # No session options: the open session is resumed.
    cleanups = []
    again = build(options(tmp_path), cleanups)
    qtbot.addWidget(again)
    try:
        assert "MRN-9 · " in again.header.text()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_demo_session_is_marked_and_fed_by_the_simulated_device(qtbot, tmp_path):
    cleanups = []
    window = build(options(tmp_path, "--demo"), cleanups)
    qtbot.addWidget(window)
    try:
        assert "[DEMO]" in window.header.text()
        engine = window.controller.engine
        # Real time: the simulated monitor sends once a second; wait for its first heart rate.
        qtbot.waitUntil(lambda: engine.latest("heart_rate") is not None, timeout=15000)
        assert engine.device_state == "connected"
        assert window.values.rowCount() >= 1
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT demo, patient_id FROM sessions").fetchall() == [(1, "DEMO-0001")]
        assert conn.execute("SELECT count(*) FROM observations WHERE metric = 'heart_rate'").fetchone()[0] >= 1


def test_unknown_demo_scenario_lists_the_built_in_ones(qtbot, tmp_path):
    cleanups = []
    try:
        build(options(tmp_path, "--demo", "--scenario", "nope"), cleanups)
    except StartError as exc:
        assert "built-in scenarios: " in str(exc) and "hypertensive-surge" in str(exc)
    else:
        raise AssertionError("no error")
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
