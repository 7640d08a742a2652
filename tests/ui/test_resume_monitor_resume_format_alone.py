"""Which monitor a resumed session reads (review 44): `--resume N --format F` (no --device) drops the format without a word."""
from __future__ import annotations

from pathlib import Path

import pytest

from console.cli import gui_parser
from console.ui.app import StartError
from console.ui.start_screen import StartRequest
from tests.ui.test_two_chairs import built, cleanups, open_session, stop  # noqa: F401


def test_resume_with_a_format_alone_is_not_dropped_without_a_word(tmp_path: Path, qtbot,
                                                                  cleanups) -> None:  # noqa: F811
    """The session's Masimo was started as HL7 by mistake (no vitals decoded). IT restarts it
    with `--resume N --format masimo` (the port is unchanged). The resume reads the port as
    HL7 again, logs hl7 for every later restart, and nothing says --format was not used
    (README: options a resume cannot use are refused in one line naming the option)."""
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "hl7"))
    session = window.controller.view.session_id
    stop(cleanups)
    args = gui_parser().parse_args(["--db", str(db), "--resume", str(session),
                                    "--format", "masimo"])
    again = built(args, qtbot, cleanups)   # on the port it read last, in the format given
    url, fmt = again.controller.connection.url, again.controller.connection.format.name
    stop(cleanups)
    assert (url, fmt) == ("loop://", "masimo"), f"--format masimo dropped: it reads {fmt}"


def test_a_monitor_named_alone_for_a_session_that_read_none_is_refused(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    session = open_session(db)   # manual entry: no monitor read
    with pytest.raises(StartError) as refused:
        built(gui_parser().parse_args(["--db", str(db), "--resume", str(session),
                                       "--format", "masimo"]), qtbot, cleanups)
    assert str(refused.value) == (
        f"--format masimo: session {session} read no monitor; give --device with it")


def test_a_resume_reads_the_monitor_the_last_resume_named(tmp_path: Path, qtbot,
                                                          cleanups) -> None:  # noqa: F811
    """Resumed once on another monitor (`--resume N --device D --format masimo`), the session is
    resumed next on that one, and a new port alone (`--device`) keeps the format it read last,
    not the one it started on (review 44: a Masimo's adapter back under another name was read
    as HL7)."""
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "hl7"))
    session = window.controller.view.session_id
    stop(cleanups)
    other = str(tmp_path / "ttyUSB-chair-2")   # not there: the session keeps trying it
    moved = built(gui_parser().parse_args(["--db", str(db), "--resume", str(session),
                                           "--device", other, "--format", "masimo"]),
                  qtbot, cleanups)
    assert moved.controller.connection.url == other
    stop(cleanups)
    renamed = str(tmp_path / "ttyUSB-chair-2-again")
    again = built(gui_parser().parse_args(["--db", str(db), "--resume", str(session),
                                           "--device", renamed]), qtbot, cleanups)
    url, fmt = again.controller.connection.url, again.controller.connection.format.name
    stop(cleanups)
    assert (url, fmt) == (renamed, "masimo"), f"resumed reading {fmt}, not the format read last"
