"""Which monitor a resumed session reads (review 44): `--resume N --device PORT --device-profile TYPO`."""
from __future__ import annotations

from pathlib import Path

from console.cli import gui_parser
from console.session.engine import DEVICE_LOST
from console.ui.app import StartError
from console.ui.start_screen import StartRequest
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401


def test_resume_with_a_mistyped_profile_says_so(tmp_path: Path, qtbot, cleanups,
                                                capsys) -> None:  # noqa: F811
    """IT moves the chair's Masimo to a new adapter and types `--resume N --device PORT
    --device-profile masimmo`. A start refuses the same typo naming the known profiles; the
    resume says nothing on the command line: the session comes back with 'Device
    disconnected: its monitor profile is not installed' (a profile that never existed), and
    the typo is logged in session_resumed, read again by every later restart."""
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "masimo"))
    session = window.controller.view.session_id
    stop(cleanups)
    capsys.readouterr()
    args = gui_parser().parse_args(["--db", str(db), "--resume", str(session),
                                    "--device", "loop://", "--device-profile", "masimmo"])
    try:
        again = built(args, qtbot, cleanups)
    except StartError as exc:
        assert "masimmo" in str(exc)
        return
    lost = again.controller.view.board.occurrence_for(DEVICE_LOST)
    stop(cleanups)
    err = capsys.readouterr().err
    assert "masimmo" in err and "masimo" in err.replace("masimmo", ""), (
        f"nothing names the typo on the command line (stderr {err!r}); the nurse's screen "
        f"says {lost and lost.message!r}")
