"""A console fault on a log whose folder name is not UTF-8 is in the log and names its crash file.

The crash file is written beside the log; its path (a Latin-1 folder such as /srv/consoles/caf\\xe9
on Linux: surrogate escapes) went as it was into the `console_fault` event, whose detail SQLite
could not take: the row read "(not in the log: UnicodeEncodeError)" and the record lacked the
fault and its alarm. The fault bar named a folder that does not exist ("…/caf/crash-…": Qt drops
the byte)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.cli import gui_parser
from console.session.engine import CONSOLE_FAULT
from console.ui.app import build
from console.ui.audio import RecordingAudioOut
from console.ui.fault_handler import FaultHandler
from console.ui.main_window import MainWindow
from tests.ui.conftest import Answers

pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]


class Bug(Exception):
    """The planted fault."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The log's folder, named in Latin-1 (`café`)."""
    latin1 = Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))
    latin1.mkdir()
    return latin1


@pytest.fixture
def console(qtbot: object, folder: Path) -> Iterator[tuple[MainWindow, FaultHandler]]:
    cleanups: list[Callable[[], None]] = []
    handler = FaultHandler(folder)
    handler.install(qt_messages=False)
    args = gui_parser().parse_args(["--db", str(folder / "log.sqlite3"), "--protocol",
                                    "iv-ketamine", "--patient", "MRN-9", "--weight", "70",
                                    "--nurse", "ana"])
    window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                   asker=Answers(), fault_handler=handler)
    qtbot.addWidget(window)   # type: ignore[attr-defined]
    window.show()
    try:
        yield window, handler
    finally:
        handler.uninstall()
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_fault_in_a_latin1_folder_is_logged_and_names_its_crash_file(console, folder,
                                                                       monkeypatch) -> None:
    window, handler = console
    live = window.live
    assert live is not None

    def broken(*args: object, **kwargs: object) -> object:
        raise Bug("slot planted")

    monkeypatch.setattr(window.controller, "note", broken)
    live.entry.note.setText("feels floaty")
    live.entry.note.returnPressed.emit()
    [crash] = folder.glob("crash-*.txt")
    escaped = f"caf\\udce9/{crash.name}"   # the byte UTF-8 cannot hold, written escaped
    # The alarm is the engine's, in the session's record.
    rows = live.alarm_bar.rows()
    assert rows[0].startswith("*** Console fault: Bug: slot planted"), rows
    assert "not in the log" not in rows[0], rows[0]
    with sqlite3.connect(os.fsencode(folder / "log.sqlite3")) as db:
        details = [d for (d,) in db.execute(
            "SELECT detail FROM events WHERE kind = 'console_fault'")]
        alarms = db.execute("SELECT transition FROM alarm_events WHERE condition = ?",
                            (CONSOLE_FAULT,)).fetchall()
    assert [json.loads(d)["crash_file"].endswith(escaped) for d in details] == [True]
    assert alarms == [("raised",)]
    # Support is told where the crash file is, in words that find it.
    assert escaped in window.fault_label.toolTip()
    assert [where.endswith(escaped) for _, where in handler.faults] == [True]
