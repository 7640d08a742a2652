"""Which monitor a resumed session reads (review 44): a profile still installed but no longer usable is told as 'not
installed'."""
from __future__ import annotations

import shutil
from pathlib import Path

from PySide6 import QtCore

from console.cli import gui_parser
from console.session.engine import DEVICE_LOST
from console.ui.start_screen import StartRequest
from devices.hl7.dialects import shipped_dialects_dir
from devices.profiles import builtin_profiles_dir, clinic_profiles_dir
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401


def test_profile_whose_code_map_broke_is_not_said_to_be_uninstalled(tmp_path: Path, qtbot,
                                                                   cleanups) -> None:  # noqa: F811
    """The chair's clinic profile uses the clinic's own HL7 code map. IT edits the code map
    and leaves a typo in it; the console is restarted and the session resumed. The profile
    file is there; the alarm tells the nurse (and IT, who checks the profiles folder and
    finds the file) that 'its monitor profile is not installed'."""
    clinic = clinic_profiles_dir()
    clinic.mkdir(parents=True, exist_ok=True)
    dialects = clinic.parent / "dialects"
    dialects.mkdir(parents=True, exist_ok=True)
    shutil.copy(shipped_dialects_dir() / "nihon-kohden.toml", dialects / "chair3-codes.toml")
    profile = (builtin_profiles_dir() / "nihon-kohden-pvm.toml").read_text().replace(
        'dialect = "nihon-kohden"', 'dialect = "chair3-codes"')
    (clinic / "chair3-pvm.toml").write_text(profile)
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "chair3-pvm"))
    assert window.controller.connection is not None   # read with its code map
    stop(cleanups)
    (dialects / "chair3-codes.toml").write_text("vendor = 'x'\n[codes\n")   # a typo
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    qtbot.keyClicks(again.start_screen.nurse_edit, "bo")   # who resumes it (no accounts)
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    lost = again.controller.view.board.occurrence_for(DEVICE_LOST)
    stop(cleanups)
    assert (clinic / "chair3-pvm.toml").exists()
    assert lost is not None
    assert "not installed" not in lost.message, lost.message
