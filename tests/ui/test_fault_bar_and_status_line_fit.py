"""A chair on the clinic network at 1366x768: the status line (the network's state, and "NOT
SAVED: N records…" while the log refuses writes) is always shown, and the window needed 765 px;
a console fault's red bar (20 px) took it to 785, the status line off the bottom of the screen.
The network's state and NOT SAVED are part of "nothing lost" and "a network failure is an
alarm": with the fault bar they stay in sight, and so does everything else, at 1366x768 and at
1920x1080."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from console.ui.network_bridge import NetworkBridge
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture
from tests.ui.test_discharge_held_by_the_log import Locked
from tests.ui.test_network_window import SESSION

SUMMARY = "ValueError: boom"
NETWORK = ("--broker", "mqtt://127.0.0.1:9", "--chair", "chair-3", "--allow-plaintext")


def inside(window: QtWidgets.QWidget, widget: QtWidgets.QWidget) -> bool:
    """`widget` is drawn, all of its height inside the window."""
    if not widget.isVisible():
        return False
    top = widget.mapTo(window, QtCore.QPoint(0, 0)).y()
    return top >= 0 and top + widget.height() <= window.height()


def said(window: QtWidgets.QMainWindow, words: str) -> bool:
    """`words` begin a line the window draws in sight: the status line's message, or a label's
    text as drawn (an elided label draws the start of its text)."""
    bar = window.statusBar()
    if inside(window, bar) and bar.currentMessage().startswith(words):
        return True
    return any(inside(window, label) and label.text().startswith(words)
               and label.fontMetrics().horizontalAdvance(words) <= label.contentsRect().width()
               for label in window.findChildren(QtWidgets.QLabel))


def faulted(started, tmp_path, qtbot, size):  # noqa: F811
    window = started(options(tmp_path, *SESSION, *NETWORK))
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    assert window.findChild(NetworkBridge) is not None
    qtbot.waitUntil(lambda: said(window, "Clinic network: "), timeout=3000)
    window._on_fault(SUMMARY, str(tmp_path / "crash-1.txt"))   # a console fault
    return window


def all_in_sight(window, qtbot, size) -> None:
    qtbot.waitUntil(lambda: window.fault_bar.isVisible())
    QtWidgets.QApplication.processEvents()   # laid out
    # Never grown past the screen (a window grown to its minimum stays that tall after).
    assert window.height() == size[1]
    assert window.minimumSizeHint().height() <= size[1]
    live = window.live
    for widget in (live.header, live.alarm_bar, live.tiles, live.entry, window.fault_bar,
                   window.restart_button):
        assert inside(window, widget), widget
    assert window.restart_button.width() >= window.restart_button.sizeHint().width()
    assert said(window, f"Console fault: {SUMMARY}")
    assert said(window, "Clinic network: ")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_network_state_stays_in_sight_with_a_console_fault(
        started, tmp_path, qtbot, size):  # noqa: F811
    window = faulted(started, tmp_path, qtbot, size)
    all_in_sight(window, qtbot, size)


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_not_saved_stays_in_sight_with_a_console_fault_and_goes_once_saved(
        started, tmp_path, qtbot, size):  # noqa: F811
    window = faulted(started, tmp_path, qtbot, size)
    controller = window.controller
    lock = Locked(controller, window.log.path)   # another program holds the log
    lock.writes.retry_seconds = 0.0   # the app's own clock runs: the next tick tries again
    controller.enter_manual("heart_rate", 77)
    assert controller.view.unsaved
    all_in_sight(window, qtbot, size)
    assert said(window, f"NOT SAVED: {controller.view.unsaved} records")
    # The log takes writes again: written at the next tick, and NOT SAVED is no longer said.
    lock.locked = False
    controller.tick()
    assert controller.view.unsaved == 0
    all_in_sight(window, qtbot, size)
    assert not said(window, "NOT SAVED")
