"""A fault's crash file is written when stderr cannot be.

The crash file comes "before anything else can fail" (console/ui/fault_handler.py, step 1), but
the handler printed the traceback to stderr first, in the same `try`: a console started from a
terminal since closed (stderr raises EIO), or with stderr on a full disk (ENOSPC), wrote no crash
file, and the Console fault alarm and the fault bar named none: support had nothing to read."""

from __future__ import annotations

import errno
import sys

import pytest
from PySide6 import QtCore

from console.session.engine import CONSOLE_FAULT
from console.ui.controller import SessionController
from console.ui.fault_handler import FaultHandler
from tests.session.helpers import Session


class Bug(Exception):
    """The planted fault."""


class BrokenStderr:
    """A stderr that takes nothing: its terminal closed (EIO) or its disk full (ENOSPC)."""

    def __init__(self, code: int) -> None:
        self.code = code

    def write(self, text: str) -> int:
        raise OSError(self.code, "cannot write")

    def flush(self) -> None:
        raise OSError(self.code, "cannot write")


@pytest.mark.parametrize("code", [errno.EIO, errno.ENOSPC], ids=["terminal closed", "disk full"])
def test_a_fault_writes_its_crash_file_when_stderr_cannot_be_written(qtbot, tmp_path,
                                                                     monkeypatch, code):
    s = Session()
    s.to_infusion()
    handler = FaultHandler(tmp_path)
    handler.attach(SessionController(s.engine, s.clock))
    try:
        raise Bug("tile for bed 3")
    except Bug as exc:
        fault = exc
    # Step 1: the fault comes while stderr takes nothing.
    monkeypatch.setattr(sys, "stderr", BrokenStderr(code))
    with qtbot.waitSignal(handler.fault) as bar:
        handler.handle(Bug, fault, fault.__traceback__)
    monkeypatch.undo()
    # Step 2: the crash file holds the traceback, and the alarm, its event and the bar name it.
    [crash] = tmp_path.glob("crash-*.txt")
    assert "Bug: tile for bed 3" in crash.read_text()
    assert bar.args == [handler.faults[0][0], str(crash)]
    assert [o.condition for o in s.engine.alarms()] == [CONSOLE_FAULT]
    [event] = s.recorder.events("console_fault")
    assert event.detail["crash_file"] == str(crash)


def test_a_qt_fatal_message_leaves_its_crash_file_when_stderr_cannot_be_written(
        qtbot, tmp_path, monkeypatch):
    # Qt aborts after a fatal message: the crash file is the only record it leaves.
    handler = FaultHandler(tmp_path)
    monkeypatch.setattr(sys, "stderr", BrokenStderr(errno.EIO))
    handler._qt_message(QtCore.QtMsgType.QtFatalMsg, QtCore.QMessageLogContext(),
                        "QWidget: Must construct a QApplication before a QWidget")
    monkeypatch.undo()
    [crash] = tmp_path.glob("crash-*.txt")
    assert "Qt fatal: QWidget: Must construct a QApplication" in crash.read_text()
