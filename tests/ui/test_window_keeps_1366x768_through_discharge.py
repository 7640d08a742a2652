"""At 1366x768 the discharge grew the session window to 788 px: the ended banner was shown
while the timers line was still there, and Qt laid the window out with both. The bottom row of
the form (Dissociation, Aldrete, the note) went 20 px below the screen, and it stayed so. Then
"New session" grew the console to 774 px (the menu bar shown above the ended session's window),
and the next patient's whole session ran in it, its bottom row under the screen's edge. A page
or a banner never grows the window."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6 import QtCore, QtWidgets

from console.clock import ManualClock
from console.store import EventLog
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from protocols.loader import default_protocol_dirs, load_protocols
from tests.ui.conftest import (  # noqa: F401 - live_esketamine is a fixture
    Answers,
    decline_first_administrator,
    live_esketamine,
    shown_live_window,
)

LEFT = QtCore.Qt.MouseButton.LeftButton
SIZE = (1366, 768)


def _discharged(controller) -> None:
    while controller.view.phase.kind.value != "discharge":
        assert controller.advance_phase(override_reason="walk").done
    assert controller.discharge(override_reason="prescriber: may leave").done


def test_the_ended_session_window_keeps_1366x768(qtbot, live_esketamine):  # noqa: F811
    controller = live_esketamine[0]
    window = shown_live_window(qtbot, live_esketamine, SIZE)
    _discharged(controller)
    window.refresh()
    QtWidgets.QApplication.processEvents()
    assert window.ended.isVisible() and not window.timers.isVisible()
    assert (window.width(), window.height()) == SIZE
    form = window.entry
    assert form.mapTo(window, form.rect().bottomLeft()).y() < SIZE[1]   # its bottom row in sight


def test_the_console_keeps_1366x768_through_a_discharge_and_the_next_session(tmp_path, qtbot):
    log = EventLog.open(tmp_path / "s.sqlite3", "test")
    answers = Answers()
    cleanups: list = []
    window = MainWindow(log, load_protocols(default_protocol_dirs()),
                        ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)), RecordingAudioOut(),
                        cleanups, confirmer=answers, asker=answers)
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    try:
        decline_first_administrator(window, qtbot)

        def start(patient: str) -> None:
            screen = window.start_screen
            qtbot.keyClicks(screen.patient_edit, patient)
            qtbot.keyClicks(screen.weight_edit, "72")
            screen.protocol_combo.setCurrentIndex(screen.protocol_combo.findData("esketamine"))
            screen.dose_combo.setCurrentIndex(screen.dose_combo.findData(56.0))
            if not screen.nurse_edit.text():
                qtbot.keyClicks(screen.nurse_edit, "Ana Lima")
            qtbot.mouseClick(screen.start_button, LEFT)
            assert window.live is not None
            QtWidgets.QApplication.processEvents()

        heights = {}
        start("MRN-2040")
        heights["session"] = window.height()
        _discharged(window.controller)
        window.live.refresh()
        QtWidgets.QApplication.processEvents()
        heights["ended"] = window.height()
        qtbot.mouseClick(window.live.new_session_button, LEFT)
        QtWidgets.QApplication.processEvents()
        assert window.menuBar().isVisible()   # Review, Staff and View are back on the start page
        heights["start page"] = window.height()
        start("MRN-2041")
        heights["next session"] = window.height()
        assert heights == dict.fromkeys(heights, SIZE[1])
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
        log.close()
