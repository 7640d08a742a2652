""""Restart and resume" after a console fault while another program holds the session log locked,
but nothing happened to be held yet (a quiet moment: no monitor message, nothing typed since).
The console quit for a new process that was refused the log and exited 2: no console, no alarm.
The guard (`MainWindow._restart_held`) looked only at records already held; it now tries the log
as the new process will open it first, and on a refusal keeps running and says so, as with
records held."""
from __future__ import annotations

import sys

import pytest
from PySide6 import QtWidgets

from console.session.engine import CONSOLE_FAULT
from console.ui.main_window import RESTART_HELD
from tests.faults.test_r5_log_faults import locked
from tests.ui.test_console_faults import Bug, console  # noqa: F401 - fixture
from tests.ui.test_fault_bar_and_status_line_fit import said

pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]


def test_restart_and_resume_while_the_log_is_locked_keeps_the_console(console, qtbot) -> None:  # noqa: F811
    window, _handler, _audio = console
    window.resize(1366, 768)
    qtbot.waitExposed(window)
    controller = window.controller
    try:
        raise Bug("planted")
    except Bug as exc:
        sys.excepthook(Bug, exc, exc.__traceback__)
    assert window.fault_bar.isVisible()
    assert controller.view.unsaved == 0   # nothing held
    with locked(window.log.path):   # a database viewer opens the log for writing
        window.restart_button.click()
        QtWidgets.QApplication.processEvents()   # laid out
        # Nothing to run: the console does not quit for a process that would refuse the log
        # (it exited 2: "Cannot write the session log …: another program is holding it locked").
        assert window.restart_argv == []
        assert controller.view.board.occurrence_for(CONSOLE_FAULT) is not None
        # The bar says so first, naming why; the fault on hover; the restart still on offer.
        assert said(window, RESTART_HELD)
        assert "another program is holding it locked" in window.fault_label.full_text()
        assert "Console fault: Bug: planted" in window.fault_label.toolTip()
        assert window.fault_bar.isVisible() and not window.restart_button.isHidden()
        assert window.asker.asked == []   # nothing asked: nothing is done
        # Time passing does not take the words back: nothing held says when the log is back.
        controller.tick()
        assert window.fault_label.full_text().startswith(RESTART_HELD)
    # The other program let go: the next press restarts and resumes.
    window.restart_button.click()
    argv = window.restart_argv
    assert argv[argv.index("--resume") + 1] == str(controller.view.session_id)
