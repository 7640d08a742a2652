"""A connection test's answer is said of the port and monitor model it tested. It stood under the
Device field after the nurse chose another port or model ("connected, reading hl7: HR 72" read as
said of a port never tested), and a test still running when she moved on went on showing the old
port's readings under the new choice."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6 import QtCore

from console.ui.start_screen import StartScreen
from devices.reading import Reading
from devices.transport import ConnectionState, DeviceEvent, EventKind
from tests.ui.test_start_screen import FakeConnection, make_screen, protocols  # noqa: F401

LEFT = QtCore.Qt.MouseButton.LeftButton


class SendingConnection(FakeConnection):
    """A fake connection that also plays a monitor's readings."""

    def reading(self, name: str, value: float, unit: str) -> None:
        now = datetime.now(UTC)
        self.on_event(DeviceEvent(EventKind.DATA, self.url, now, 0.0,
                                  readings=(Reading(name, value, unit, now, now, "hl7:SIM"),)))


def screen_with_fakes(make_screen) -> tuple[StartScreen, list[SendingConnection]]:
    made: list[SendingConnection] = []

    def factory(url, fmt, on_event):
        made.append(SendingConnection(url, fmt, on_event))
        return made[-1]

    return make_screen(connection_factory=factory), made


def choose(screen: StartScreen, port: str, fmt: str = "hl7") -> None:
    screen.port_combo.setCurrentText(port)
    screen.format_combo.setCurrentIndex(screen.format_combo.findData(fmt))


def run_a_test(qtbot, screen: StartScreen, made: list[SendingConnection]) -> None:
    """Port and model tested to the end: connected, HR 72 read."""
    qtbot.mouseClick(screen.test_button, LEFT)
    connection = made[-1]
    connection.state(ConnectionState.CONNECTED, "frames arriving")
    connection.reading("heart_rate", 72.0, "beats/min")
    qtbot.waitUntil(lambda: "HR 72" in screen.test_result.text(), timeout=1000)
    with qtbot.waitSignal(screen.test_finished, timeout=1000):
        screen._test_timer.timeout.emit()   # the test interval ends (not waited for)
    assert screen.test_result.text() == "connected, reading hl7: HR 72"


def test_the_answer_goes_when_another_port_is_typed(qtbot, make_screen):
    screen, made = screen_with_fakes(make_screen)
    choose(screen, "socket://192.0.2.20:4001")
    run_a_test(qtbot, screen, made)
    # The next chair's monitor: she edits the address (one key at a time, as typed).
    screen.port_combo.lineEdit().selectAll()
    qtbot.keyClicks(screen.port_combo.lineEdit(), "socket://192.0.2.99:4001")
    assert screen.port_combo.currentText() == "socket://192.0.2.99:4001"
    # Never tested: nothing says it is connected; it can be tested.
    assert screen.test_result.text() == ""
    assert screen.test_state is None
    assert screen.test_button.isEnabled()


def test_the_answer_goes_when_another_monitor_model_is_chosen(qtbot, make_screen):
    screen, made = screen_with_fakes(make_screen)
    choose(screen, "socket://192.0.2.20:4001")
    run_a_test(qtbot, screen, made)
    screen.format_combo.setCurrentIndex(screen.format_combo.findData("ansar-b"))
    # Tested as hl7; the session would read it as ANSAR-B, which was never tested.
    assert screen.test_result.text() == ""
    # Tested again, the answer is of the model now chosen.
    qtbot.mouseClick(screen.test_button, LEFT)
    assert made[-1].fmt == "ansar-b"
    made[-1].state(ConnectionState.CONNECTED, "frames arriving")
    qtbot.waitUntil(lambda: "connected" in screen.test_result.text(), timeout=1000)
    assert screen.test_result.text() == "connected, reading ansar-b: frames arriving, no vitals yet"


def test_a_running_test_ends_when_the_port_is_changed(qtbot, make_screen):
    screen, made = screen_with_fakes(make_screen)
    choose(screen, "socket://192.0.2.20:4001")
    qtbot.mouseClick(screen.test_button, LEFT)
    (port_a,) = made
    # Port A still under test when she picks port B.
    screen.port_combo.setCurrentText("socket://192.0.2.99:4001")
    assert port_a.stopped   # A's port is let go
    assert screen.test_button.isEnabled()   # B can be tested
    # A's events already on their way arrive: none is shown under B.
    port_a.state(ConnectionState.CONNECTED, "frames arriving")
    port_a.reading("heart_rate", 72.0, "beats/min")
    QtCore.QCoreApplication.processEvents()   # the queued events are delivered
    assert screen.test_result.text() == ""
    assert screen.test_state is None
    assert not screen._test_timer.isActive()   # no "No complete frame in 5 s" for A later
