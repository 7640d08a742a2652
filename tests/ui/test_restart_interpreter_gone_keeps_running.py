""""Restart and resume" when the console's interpreter is gone (its installation upgraded or
moved while it ran): the new process could not start, and quitting had left no console and no
alarm. The console keeps running, its alarms with it, and the fault bar says why."""
from __future__ import annotations

import sys

import pytest

from console.session.engine import CONSOLE_FAULT
from tests.ui.test_console_faults import Bug, console  # noqa: F401

pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]

GONE = "/opt/infusion/venv-gone/bin/python"


def test_a_restart_with_the_interpreter_gone_keeps_the_console_running(console,  # noqa: F811
                                                                      monkeypatch) -> None:
    window, handler, audio = console
    live = window.live

    def broken(*args: object, **kwargs: object) -> object:
        raise Bug("slot planted")

    monkeypatch.setattr(window.controller, "note", broken)
    live.entry.note.setText("feels floaty")
    live.entry.note.returnPressed.emit()   # a console fault: the bar offers the restart
    monkeypatch.setattr(sys, "executable", GONE)
    window.restart_button.click()
    assert window.restart_argv == []   # nothing to run: the console does not quit for it
    assert window.fault_bar.isVisible()
    assert window.fault_label.toolTip().startswith(f"Restart not possible: {GONE} cannot be run")
    assert live.alarm_bar.rows()[0].startswith("*** Console fault: Bug: slot planted")
    assert window.controller.view.board.occurrence_for(CONSOLE_FAULT) is not None
