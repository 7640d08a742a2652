"""Which monitor a resumed session reads (review 44): the 'monitor profile is not installed' alarm after a resume."""
from __future__ import annotations

import shutil
from pathlib import Path

from PySide6 import QtCore

import console.ui.controller as controller_module
from console.cli import gui_parser
from console.session.engine import DEVICE_LOST
from console.ui.start_screen import StartRequest
from devices.profiles import builtin_profiles_dir, clinic_profiles_dir
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401


def _session_on_removed_profile(tmp_path: Path, qtbot, cleanups):  # noqa: F811
    clinic = clinic_profiles_dir()
    clinic.mkdir(parents=True, exist_ok=True)
    shutil.copy(builtin_profiles_dir() / "nihon-kohden-pvm.toml", clinic / "chair3-pvm.toml")
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "chair3-pvm"))
    session = window.controller.view.session_id
    stop(cleanups)   # the console is gone (killed): the session is left open
    (clinic / "chair3-pvm.toml").unlink()   # IT tidies the clinic folder
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    qtbot.keyClicks(again.start_screen.nurse_edit, "bo")   # who resumes it (no accounts)
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    assert again.controller.view.session_id == session
    lost = again.controller.view.board.occurrence_for(DEVICE_LOST)
    assert lost is not None and "profile not installed" in lost.message
    return again, clinic


def test_monitor_is_read_again_once_its_profile_is_reinstalled(
        tmp_path, qtbot, cleanups, monkeypatch) -> None:  # noqa: F811
    """The nurse sees 'Device disconnected: its monitor profile is not installed'; IT puts the
    profile file back. As with a port plugged back (R2: reconnect within 5 s of the port
    returning) the console must read the monitor again; it never tries again: the alarm
    stands and no vitals come until the console is closed and started again."""
    window, clinic = _session_on_removed_profile(tmp_path, qtbot, cleanups)
    window.controller.tick()
    assert window.controller.connection is None   # still not installed: tried, not read
    shutil.copy(builtin_profiles_dir() / "nihon-kohden-pvm.toml", clinic / "chair3-pvm.toml")
    monkeypatch.setattr(controller_module, "MONITOR_RETRY_S", 0.0)   # the next look is due
    window.controller._monitor_retry_at = 0.0   # noqa: SLF001 - as MONITOR_RETRY_S had passed
    window.controller.tick()
    connection = window.controller.connection
    stop(cleanups)
    assert connection is not None and connection.url == "loop://", "the monitor is not read"
