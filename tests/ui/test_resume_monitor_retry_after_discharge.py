"""Which monitor a resumed session reads (review 44): the 5 s look for a monitor profile put back
had gone on after the session was discharged: the port was opened (and held, exclusive) for a
session that had ended."""
from __future__ import annotations

import shutil
from pathlib import Path

from PySide6 import QtCore

from console.cli import gui_parser
from console.session.engine import DEVICE_LOST
from console.ui.start_screen import StartRequest
from devices.profiles import builtin_profiles_dir, clinic_profiles_dir
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401


def test_no_monitor_is_opened_for_a_discharged_session(tmp_path: Path, qtbot,
                                                       cleanups) -> None:  # noqa: F811
    clinic = clinic_profiles_dir()
    clinic.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin_profiles_dir() / "nihon-kohden-pvm.toml", clinic / "chair3-pvm.toml")
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "chair3-pvm"))
    stop(cleanups)   # killed: the session is left open
    (clinic / "chair3-pvm.toml").unlink()
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    qtbot.keyClicks(again.start_screen.nurse_edit, "bo")   # who resumes it (no accounts)
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    controller = again.controller
    assert controller.view.board.occurrence_for(DEVICE_LOST) is not None
    assert controller.discharge(override_reason="transfer to ward").done   # the session ends
    # A bug after the discharge: the fallback fault alarm runs the 2 Hz tick again.
    controller.console_fault("something broke after the discharge")
    assert controller.timer.isActive()
    # IT puts the profile back (for the chair's next patient); the next look is due.
    shutil.copy(builtin_profiles_dir() / "nihon-kohden-pvm.toml", clinic / "chair3-pvm.toml")
    controller._monitor_retry_at = 0.0   # noqa: SLF001 - as 5 s had passed
    controller.tick()
    connection = controller.connection
    qtbot.wait(500)   # its worker opens the port
    running = connection is not None and connection.state.value != "stopped"
    stop(cleanups)
    assert connection is None, (
        f"a monitor was opened for the discharged session ({connection.url}, "
        f"{'running' if running else 'stopped'})")
