""""Restart and resume" while the session log takes no writes (another program holds it
locked, the disk is full, it is read-only), records held under NOT SAVED: the restart was done
unasked, and the new process refused that log and exited 2, so the console and every alarm of
the session were gone, the records held going to an unsaved-records file instead of the log.
The console keeps running until the log takes writes again, and the fault bar says so."""
from __future__ import annotations

import sys

import pytest
from PySide6 import QtWidgets

from console.session.engine import CONSOLE_FAULT
from tests.ui.test_console_faults import Bug, console  # noqa: F401 - fixture
from tests.ui.test_discharge_held_by_the_log import Locked
from tests.ui.test_fault_bar_and_status_line_fit import said

pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]


def held_with_a_fault(window) -> Locked:
    """The log locked, a note held in memory (NOT SAVED), then a console fault: the bar."""
    controller = window.controller
    lock = Locked(controller, window.log.path)
    lock.writes.retry_seconds = 0   # each tick tries the log again (the test's clock is real)
    controller.note("patient comfortable")
    assert controller.view.unsaved > 0
    try:
        raise Bug("planted")
    except Bug as exc:
        sys.excepthook(Bug, exc, exc.__traceback__)
    assert window.fault_bar.isVisible()
    return lock


def test_restart_while_records_are_held_keeps_the_console_running(console, qtbot) -> None:  # noqa: F811
    window, _handler, _audio = console
    window.resize(1366, 768)
    qtbot.waitExposed(window)
    held_with_a_fault(window)
    window.restart_button.click()
    QtWidgets.QApplication.processEvents()   # laid out
    # Nothing to run: the console does not quit for a process that would refuse the log.
    assert window.restart_argv == []
    assert window.controller.view.board.occurrence_for(CONSOLE_FAULT) is not None
    # The bar says so first, naming why, and the restart stays on offer for later.
    label = window.fault_label
    assert said(window, "Not restarted: the console runs on until the log is writable.")
    assert "another program is holding it locked" in label.full_text()
    assert "Console fault: Bug: planted" in label.toolTip()
    assert window.fault_bar.isVisible() and not window.restart_button.isHidden()
    assert window.asker.asked == []   # nothing asked: nothing is done


def test_restart_once_the_log_takes_writes_again_resumes(console) -> None:  # noqa: F811
    window, _handler, _audio = console
    lock = held_with_a_fault(window)
    window.restart_button.click()
    assert window.restart_argv == []
    # The other program lets go: the next tick writes what was held; the bar says the fault again.
    lock.locked = False
    window.controller.tick()
    assert window.controller.view.unsaved == 0
    assert window.fault_label.full_text().startswith("Console fault: Bug: planted")
    window.restart_button.click()
    argv = window.restart_argv
    assert "--resume" in argv
    assert argv[argv.index("--resume") + 1] == str(window.controller.view.session_id)
