"""A demo session's window title says DEMO. `./run.sh` (the README's first command) opens a demo
fed by the simulator: its header said "◆ DEMO — not patient data ◆", but its title, what the
taskbar, Alt+Tab and a screen-sharing list show, read "Infusion console" as a real chair's did:
with two consoles on one computer (two chairs), the demo and the chair running a patient were told
apart only once each was brought to the front."""
from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore

from console.cli import gui_parser
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401 - the fixture

REAL = "Infusion console"
DEMO = "Infusion console — DEMO, not patient data"


def test_a_demo_is_titled_demo_and_the_start_screen_after_it_is_not(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    window = built(gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), "--demo"]),
                   qtbot, cleanups)
    assert window.windowTitle() == DEMO
    controller = window.controller
    for _ in range(3):
        controller.advance_phase(override_reason="test")
    assert controller.discharge(override_reason="test: end of the demo").done
    window.live.new_session_button.click()   # the next patient, a real one
    assert window.start_screen is not None and window.windowTitle() == REAL
    stop(cleanups)


def test_a_demo_resumed_from_the_start_screen_is_titled_demo(tmp_path: Path, qtbot,
                                                             cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    demo = built(gui_parser().parse_args(["--db", str(db), "--demo"]), qtbot, cleanups)
    assert demo.controller is not None
    stop(cleanups)   # killed: the demo is left open
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    assert again.windowTitle() == REAL   # the start screen: no session yet
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert again.controller is not None and again.windowTitle() == DEMO
    stop(cleanups)


def test_a_real_session_is_titled_as_the_console(tmp_path: Path, qtbot,
                                                 cleanups) -> None:  # noqa: F811
    window = built(gui_parser().parse_args([
        "--db", str(tmp_path / "log.sqlite3"), "--protocol", "iv-ketamine", "--patient",
        "MRN-5", "--weight", "72", "--nurse", "ana"]), qtbot, cleanups)
    assert window.controller is not None and window.windowTitle() == REAL
    stop(cleanups)
