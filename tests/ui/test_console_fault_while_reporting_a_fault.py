"""Every different bug is alarmed once, whenever it first comes; the same bug is counted, from
the GUI thread or any other.

- A bug first raised while the handler reported another (in what the report's commit runs: the
  window's refresh) was kept as "reported" and never alarmed: no row named it, no
  `console_fault` row logged it, it never sounded, and each later occurrence was counted silent
  as a repeat. Here it is in what brings the console in front for a new alarm, so the console
  silently stopped coming forward (README: "A different bug is a new alarm while the first
  stands").
- The same bug in a thread (a reader's owner callback) wrote a crash file and a log row every
  time it came."""

from __future__ import annotations

import threading

import pytest
from PySide6 import QtWidgets

from console.session.engine import CONSOLE_FAULT
from protocols.model import Priority
from tests.ui.test_console_faults import Bug, console, logged  # noqa: F401

pytestmark = [pytest.mark.qt_no_exception_capture, pytest.mark.faults]


def test_a_bug_first_raised_while_a_fault_is_reported_is_its_own_alarm(console, tmp_path,  # noqa: F811
                                                                      monkeypatch) -> None:
    window, handler, audio = console
    controller = window.controller
    engine = controller._engine
    live = window.live
    fronting = window.new_alarms.update

    def fronting_broken(occurrences):   # bug B: only while a Console fault stands
        occurrences = list(occurrences)
        if any(o.condition == CONSOLE_FAULT for o in occurrences):
            raise Bug("fronting planted")
        return fronting(occurrences)

    def tick_broken(now: object) -> list[object]:   # bug A
        raise Bug("tick planted")

    monkeypatch.setattr(window.new_alarms, "update", fronting_broken)
    # Step 1: A at a tick; reporting it refreshes the window, where B first raises.
    with monkeypatch.context() as planted:
        planted.setattr(engine, "_time_records", tick_broken)
        controller.timer.timeout.emit()
    # B is a new alarm while A stands: the row names it, sounding high; both are logged.
    rows = live.alarm_bar.rows()
    assert rows[0].startswith("*** Console fault: Bug: fronting planted"), rows
    assert audio.last is not None and audio.last.priority is Priority.HIGH
    assert "fronting planted" in window.fault_label.text()
    summaries = [str(d) for (d,) in logged(
        tmp_path, "SELECT detail FROM events WHERE kind = 'console_fault' ORDER BY id")]
    assert len(summaries) == 2
    assert "tick planted" in summaries[0] and "fronting planted" in summaries[1]
    assert len(list(tmp_path.glob("crash-*.txt"))) == 2
    # Step 2: B at every refresh from now on: counted, not filed again.
    for _ in range(3):
        controller.timer.timeout.emit()
    assert len(logged(tmp_path, "SELECT id FROM events WHERE kind = 'console_fault'")) == 2
    assert len(list(tmp_path.glob("crash-*.txt"))) == 2
    assert sorted(handler.repeats.values())[-1] >= 3


def test_the_same_bug_in_a_thread_is_one_crash_file_and_one_row(console, tmp_path) -> None:  # noqa: F811
    window, handler, audio = console

    def reader() -> None:
        raise Bug("thread planted")   # the same line each time

    for _ in range(3):
        worker = threading.Thread(target=reader, name="device-reader:test")
        worker.start()
        worker.join(5)
        QtWidgets.QApplication.processEvents()   # the report crosses to the GUI thread
    rows = window.live.alarm_bar.rows()
    assert rows[0].startswith("*** Console fault: Bug: thread planted"), rows
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1
    assert len(logged(tmp_path, "SELECT id FROM events WHERE kind = 'console_fault'")) == 1
    assert list(handler.repeats.values()) == [2]
