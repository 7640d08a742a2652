"""Which monitor a resumed session reads (review 44): a clinic profile file that is there but
refused by the catalogue (a TOML typo, a value out of range) had been told at the chair as "its
monitor profile is not installed"."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6 import QtCore

from console.cli import gui_parser
from console.session.engine import DEVICE_LOST
from console.ui.start_screen import StartRequest
from devices.profiles import builtin_profiles_dir, clinic_profiles_dir
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401


@pytest.mark.parametrize("breakage", ["toml-typo", "connection-typo"])
def test_profile_file_broken_in_itself_is_not_said_uninstalled(
        tmp_path: Path, qtbot, cleanups, breakage) -> None:  # noqa: F811
    clinic = clinic_profiles_dir()
    clinic.mkdir(parents=True, exist_ok=True)
    profile = clinic / "chair3-pvm.toml"
    shutil.copy(builtin_profiles_dir() / "nihon-kohden-pvm.toml", profile)
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "chair3-pvm"))
    assert window.controller.connection is not None
    stop(cleanups)
    text = profile.read_text()
    if breakage == "toml-typo":   # IT edits the file and leaves a quote open
        profile.write_text(text.replace('model = "', 'model = ', 1))
    else:
        profile.write_text(text.replace('connection = "serial"', 'connection = "serail"'))
    assert profile.read_text() != text
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    qtbot.keyClicks(again.start_screen.nurse_edit, "bo")   # who resumes it (no accounts)
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    lost = again.controller.view.board.occurrence_for(DEVICE_LOST)
    stop(cleanups)
    assert profile.exists()
    assert lost is not None
    assert "not installed" not in lost.message, (
        f"the file {profile.name} is in the clinic folder, the alarm says: {lost.message!r}")
