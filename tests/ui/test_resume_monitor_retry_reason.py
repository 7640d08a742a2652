"""Which monitor a resumed session reads (review 44): the look every MONITOR_RETRY_S finds the
profile back but unusable (its code map has a typo), or gone after being broken. The alarm kept
the reason of the first look ("not installed"), sending IT to copy the file once more."""
from __future__ import annotations

import shutil
from pathlib import Path

from PySide6 import QtCore

from console.cli import gui_parser
from console.session.engine import DEVICE_LOST
from console.ui.main_window import MainWindow
from console.ui.start_screen import StartRequest
from devices.hl7.dialects import shipped_dialects_dir
from devices.profiles import builtin_profiles_dir, clinic_profiles_dir
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401


def _clinic_profile_with_own_code_map() -> tuple[Path, Path, str]:
    """chair3-pvm.toml in the clinic folder, reading its codes from chair3-codes.toml."""
    clinic = clinic_profiles_dir()
    clinic.mkdir(parents=True, exist_ok=True)
    dialects = clinic.parent / "dialects"
    dialects.mkdir(parents=True, exist_ok=True)
    shutil.copy(shipped_dialects_dir() / "nihon-kohden.toml", dialects / "chair3-codes.toml")
    text = (builtin_profiles_dir() / "nihon-kohden-pvm.toml").read_text().replace(
        'dialect = "nihon-kohden"', 'dialect = "chair3-codes"')
    (clinic / "chair3-pvm.toml").write_text(text)
    return clinic / "chair3-pvm.toml", dialects / "chair3-codes.toml", text


def _resumed(db: Path, qtbot, cleanups) -> MainWindow:  # noqa: F811
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    qtbot.keyClicks(again.start_screen.nurse_edit, "bo")   # who resumes it (no accounts)
    qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    return again


def _look_again(window: MainWindow) -> str:
    """The alarm's words after the next look (as if MONITOR_RETRY_S had passed)."""
    controller = window.controller
    controller._monitor_retry_at = 0.0   # noqa: SLF001 - as 5 s had passed
    controller.tick()
    assert controller.connection is None   # still cannot be read
    lost = controller.view.board.occurrence_for(DEVICE_LOST)
    assert lost is not None
    return lost.message


def test_alarm_follows_what_the_next_look_found(tmp_path: Path, qtbot,
                                                cleanups) -> None:  # noqa: F811
    profile, codes, text = _clinic_profile_with_own_code_map()
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "chair3-pvm"))
    assert window.controller.connection is not None
    stop(cleanups)
    profile.unlink()   # IT tidies the clinic folder
    again = _resumed(db, qtbot, cleanups)
    first = again.controller.view.board.occurrence_for(DEVICE_LOST)
    assert first is not None and "not installed" in first.message
    # IT copies the profile back; its code map was edited meanwhile and has a typo.
    profile.write_text(text)
    codes.write_text("vendor = 'x'\n[codes\n")
    said = _look_again(again)
    assert "cannot be used" in said, (
        f"the file is back and refused for its code map; the chair still says {said!r}")
    lost = again.controller.view.board.occurrence_for(DEVICE_LOST)
    assert lost is not None and lost.id == first.id   # the same alarm, not raised anew
    assert _look_again(again) == said   # the same reason again: no news
    # Removed again after being broken: "not installed" again.
    profile.unlink()
    assert "not installed" in _look_again(again)
    profile.write_text(text)
    assert "cannot be used" in _look_again(again)
    stop(cleanups)
    # A restart says the newest words too.
    restarted = _resumed(db, qtbot, cleanups)
    lost = restarted.controller.view.board.occurrence_for(DEVICE_LOST)
    stop(cleanups)
    assert lost is not None and lost.id == first.id and "cannot be used" in lost.message
