""""Restart and resume" with the console's interpreter gone, at 1366x768: the fault bar's one line
was cut after the interpreter's path ("Restart not possible: /opt/…/python3.11 cannot be run (the
console's installation changed while it …"), so "the console keeps running: call support" was
never read, "Restart and resume" stayed beside it doing nothing, and the fault's own words were
gone. The line leads with what to do; the path and the fault are on hover."""
from __future__ import annotations

import sys

import pytest
from PySide6 import QtWidgets

from tests.ui.test_console_faults import Bug, console  # noqa: F401

pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]

GONE = "/opt/infusion-console/.venv/bin/python3.11"   # a usual installation's interpreter


def test_restart_not_possible_says_what_to_do_on_a_1366_screen(console, monkeypatch) -> None:  # noqa: F811
    window, _handler, _audio = console
    window.resize(1366, 768)
    QtWidgets.QApplication.processEvents()

    def broken(*args: object, **kwargs: object) -> object:
        raise Bug("slot planted")

    monkeypatch.setattr(window.controller, "note", broken)
    window.live.entry.note.setText("feels floaty")
    window.live.entry.note.returnPressed.emit()   # a console fault: the bar offers the restart
    fault = window.fault_label.full_text()
    monkeypatch.setattr(sys, "executable", GONE)
    window.restart_button.click()
    QtWidgets.QApplication.processEvents()
    assert window.width() == 1366
    label = window.fault_label
    drawn = QtWidgets.QLabel.text(label)   # what the bar shows, cut or not
    assert drawn == "Restart not possible — the console keeps running: call support.", drawn
    assert not window.restart_button.isVisible()   # nothing to press that does nothing
    assert GONE in label.toolTip() and fault in label.toolTip()   # for support, on hover
    assert window.restart_argv == []


def test_a_later_fault_offers_the_restart_again(console, monkeypatch) -> None:  # noqa: F811
    window, _handler, _audio = console
    monkeypatch.setattr(sys, "executable", GONE)
    window._on_fault("Bug: slot planted", "")
    window.restart_button.click()
    assert not window.restart_button.isVisible()
    monkeypatch.undo()   # support put the installation back
    window._on_fault("Bug: another", "")
    assert window.restart_button.isVisible()
    assert window.fault_label.text().startswith("Console fault: Bug: another")
