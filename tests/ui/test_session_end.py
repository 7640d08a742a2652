"""The dose line stays on screen until the dose is given, and an ended session is read-only with
a way to the next one (issue: after "Discharged" the timer ran on and a BP typed 15 s later was
stored and printed in the review and the PDF)."""

from __future__ import annotations

from pathlib import Path

from console.cli import gui_parser
from console.ui.app import build
from console.ui.audio import RecordingAudioOut
from console.ui.start_screen import StartRequest
from devices.transport import ConnectionState
from tests.ui.conftest import Answers
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401 - the fixture


def start(tmp_path, qtbot, cleanups):
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), "--protocol",
                                    "iv-ketamine", "--patient", "MRN-5", "--weight", "72",
                                    "--nurse", "ana"])
    window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                   asker=Answers())
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_pump_rate_is_shown_until_the_dose_is_given(tmp_path, qtbot):
    cleanups = []
    try:
        window = start(tmp_path, qtbot, cleanups)
        live, controller = window.live, window.controller
        assert live.dosing.text() == "Dose 36 mg in 100 mL (0.36 mg/mL) · pump 150 mL/h over 40 min"
        controller.advance_phase(override_reason="test: straight to the infusion")
        assert live.dosing.isVisible() and "pump 150 mL/h" in live.dosing.text()
        controller.advance_phase(override_reason="test: infusion ended")
        # Ended at once: not "given" (tests/session/test_dosing.py has the whole infusion),
        # the seconds it ran said (the station's own clock: a second or so).
        assert live.dosing.text().startswith("Dose planned: 36 mg")
        assert "· infusion ended after 0:0" in live.dosing.text(), live.dosing.text()
        assert live.dosing.text().endswith(" of 40 min"), live.dosing.text()
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_an_ended_session_is_read_only_and_new_session_returns_to_the_start_screen(tmp_path, qtbot):
    cleanups = []
    try:
        window = start(tmp_path, qtbot, cleanups)
        live, controller = window.live, window.controller
        for _ in range(3):
            controller.advance_phase(override_reason="test")
        assert controller.discharge(override_reason="test: transfer").done
        assert live.ended.isVisible() and not live.timers.isVisible()
        assert live.ended_text.text().startswith("Session ended at ")
        assert not live.entry.isEnabled() and not live.checklist.isEnabled()
        assert not live.alarm_bar.isEnabled()
        assert not controller.timer.isActive()
        # Even through the controller, nothing more is recorded.
        rows = window.log.conn.execute("SELECT count(*) FROM observations").fetchone()
        assert controller.enter_manual("bp_systolic", 150).message.startswith("The session has ended")
        assert window.log.conn.execute("SELECT count(*) FROM observations").fetchone() == rows
        # New session: the start screen, with no offer to resume the ended one.
        live.new_session_button.click()
        assert window.live is None and window.start_screen.isVisible()
        assert window.resume_buttons == []
    finally:
        for cleanup in reversed(cleanups):
            cleanup()


def test_a_discharge_lets_go_of_the_monitor(tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    """An ended session reads nothing more: at the discharge its monitor's port is closed and its
    reader stopped. Left open, the port (opened exclusive) stays held by a closed record, and
    the chair's next patient's session cannot open its monitor."""
    window = built(gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3")]), qtbot,
                   cleanups)
    window.start_screen.start_requested.emit(
        StartRequest("MRN-9", 60.0, "iv-ketamine", None, 1, "bo", "loop://", "nihon-kohden-pvm"))
    controller = window.controller
    connection = controller.connection
    assert connection is not None and connection.is_running   # the monitor is read
    assert controller.discharge(override_reason="transfer to ward").done
    # The discharge waits for the reader to end (`DeviceConnection.stop` joins it).
    assert not connection.is_running
    assert connection.state is ConnectionState.STOPPED
    stop(cleanups)


def test_the_window_fills_its_screen_and_a_kiosk_takes_it_all(tmp_path, qtbot):
    from PySide6 import QtCore

    cleanups = []
    try:
        window = start(tmp_path, qtbot, cleanups)
        window.present()
        assert window.windowState() & QtCore.Qt.WindowState.WindowMaximized
        window.present(kiosk=True)
        assert window.windowState() & QtCore.Qt.WindowState.WindowFullScreen
        assert gui_parser().parse_args(["--kiosk"]).kiosk
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
