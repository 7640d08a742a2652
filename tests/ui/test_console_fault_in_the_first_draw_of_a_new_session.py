"""A session started from the start screen whose window's first draw fails: the session window
opens all the same, its alarm area and the fault bar name the Console fault, and it sounds high.

The fault had been logged as raised but never sounded, and no session window came: the bug left
the window's construction before the sounder was bound to the new session and before the console
took it as its session (README: "a bug becomes a technical alarm, never silence").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6 import QtWidgets

from console.cli import gui_parser
from console.session.engine import CONSOLE_FAULT
from console.ui import live_window
from console.ui.app import build
from console.ui.audio import RecordingAudioOut
from console.ui.fault_handler import FaultHandler
from console.ui.main_window import MainWindow
from console.ui.start_screen import StartRequest
from protocols.model import Priority
from tests.faults.conftest import sql
from tests.ui.conftest import Answers

pytestmark = [pytest.mark.qt_no_exception_capture]   # the fault handler takes the bug


@pytest.fixture
def start_page(qtbot, tmp_path: Path) -> Iterator[tuple[MainWindow, FaultHandler,
                                                         RecordingAudioOut]]:
    cleanups: list[Callable[[], None]] = []
    handler = FaultHandler(tmp_path)
    handler.install(qt_messages=False)
    audio = RecordingAudioOut()
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")])
    try:
        window = build(args, cleanups, audio_out=audio, confirmer=Answers(), asker=Answers(),
                       fault_handler=handler)
        qtbot.addWidget(window)
        window.show()
        yield window, handler, audio
    finally:
        handler.uninstall()
        for cleanup in reversed(cleanups):
            cleanup()


def fails_first_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    real = live_window.LiveWindow.refresh
    calls = {"n": 0}

    def refresh(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyError("planted: first draw")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(live_window.LiveWindow, "refresh", refresh)


def test_a_bug_in_the_first_draw_of_a_new_session_is_shown_and_sounded(
        start_page, tmp_path, monkeypatch) -> None:
    window, handler, audio = start_page
    fails_first_draw(monkeypatch)
    assert window.start_screen is not None
    window.start_screen.start_requested.emit(StartRequest(
        "MRN-10", 70, "iv-ketamine", None, 1, "ana", None, None))
    QtWidgets.QApplication.processEvents()
    assert len(handler.faults) == 1
    assert handler.faults[0][0].startswith("KeyError: 'planted: first draw' in ")
    assert (CONSOLE_FAULT, "raised") in sql(tmp_path / "log.sqlite3",
                                            "SELECT condition, transition FROM alarm_events")
    # The session the log says runs is on screen, with its fault alarm and the fault bar.
    assert window.live is not None and window.controller is not None, "no session window"
    assert window.centralWidget() is not None and window.live.isVisible()
    assert any(row.startswith("*** Console fault: KeyError")
               for row in window.live.alarm_bar.rows()), window.live.alarm_bar.rows()
    assert window.fault_bar.isVisible()
    assert window.fault_label.text().startswith("Console fault: KeyError")
    assert "the session resumes from its log" in window.fault_label.full_text()
    # ... and it sounds.
    assert audio.last is not None and audio.last.priority is Priority.HIGH, \
        "Console fault logged as raised, nothing sounds"
    # The window was built whole: later draws come as ever.
    assert "MRN-10" in window.live.header.full_text()
