"""Commit, change state, notify; the network last: the window hands an alarm's messages to the
transports, and publishes the chair status, after the bedside has painted the alarm (README,
console/network/link.py). Qt paints on an UpdateRequest posted at low priority: a zero-delay
timer ran before it, the alarm's row painted after the network had it (review 48)."""

from __future__ import annotations

import types
from collections.abc import Callable

import pytest
from PySide6 import QtCore, QtWidgets

from console.ui.network_bridge import NetworkBridge
from tests.ui.test_app_start import options, started  # noqa: F401 - the fixture
from tests.ui.test_network_window import SESSION, _line, broker  # noqa: F401 - the fixture


class _OnPaint(QtCore.QObject):
    """Calls `run` when the loop delivers a Paint event to `widget` while `when()` holds (the
    first time only, if `once`)."""

    def __init__(self, widget: QtWidgets.QWidget, run: Callable[[], object],
                 when: Callable[[], bool] = lambda: True, once: bool = False) -> None:
        super().__init__(widget)
        self.run, self.when, self.once = run, when, once
        widget.installEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if event.type() == QtCore.QEvent.Type.Paint and self.when():
            if self.once:
                watched.removeEventFilter(self)
            self.run()
        return False


def test_the_transports_are_told_after_the_widget_the_commit_changed_has_painted(qtbot) -> None:
    order: list[str] = []
    window = QtWidgets.QMainWindow()
    bar = QtWidgets.QLabel("no alarm")
    window.setCentralWidget(bar)
    window.resize(400, 200)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    link = types.SimpleNamespace()
    NetworkBridge(link, clock=None, parent=window)   # sets link.later, as the console's window
    _OnPaint(bar, lambda: order.append("alarm painted"))

    def alarm_committed() -> None:
        # The order of the console's commit: the log hands the new rows to the link
        # (`_queue_rows` -> later(hand_off, 0)), then the window is told and marks its alarm.
        link.later(lambda: order.append("transports told"), 0.0)
        bar.setText("*** SpO2 86 %")

    QtCore.QTimer.singleShot(0, alarm_committed)
    qtbot.waitUntil(lambda: "transports told" in order, timeout=2000)
    assert order[:2] == ["alarm painted", "transports told"], order


def test_a_flood_of_changes_does_not_hold_the_network_back(qtbot) -> None:
    """A monitor's backlog, a change on every turn of the loop, still has its messages handed on
    while it comes in."""
    order: list[str] = []
    window = QtWidgets.QMainWindow()
    bar = QtWidgets.QLabel("0")
    window.setCentralWidget(bar)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    link = types.SimpleNamespace()
    NetworkBridge(link, clock=None, parent=window)

    def commit() -> None:
        bar.setText(str(int(bar.text()) + 1))

    flood = QtCore.QTimer(window)
    flood.setInterval(0)
    flood.timeout.connect(commit)
    flood.start()
    link.later(lambda: order.append("transports told"), 0.0)
    qtbot.waitUntil(lambda: "transports told" in order, timeout=2000)
    assert flood.isActive()
    flood.stop()


def test_a_hand_off_due_after_the_gap_is_run(qtbot) -> None:
    order: list[str] = []
    window = QtWidgets.QMainWindow()
    bar = QtWidgets.QLabel("no alarm")
    window.setCentralWidget(bar)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    link = types.SimpleNamespace()
    NetworkBridge(link, clock=None, parent=window)
    link.later(lambda: order.append("transports told"), 0.005)
    qtbot.waitUntil(lambda: "transports told" in order, timeout=2000)   # and it runs


@pytest.mark.parametrize("before", ["nothing", "news", "a reading"])
def test_the_bedside_paints_its_alarm_before_the_bus_and_the_status_hear_of_it(
        started, tmp_path, broker, qtbot, before):  # noqa: F811 - fixtures
    """With `before` the alarm: "news", a transport reports something (a delivery) as the alarm
    is being committed, and the pump it wakes hands on what waits (link.pump); "a reading", a
    normal reading is committed a turn before, and its hand-off, if still waiting, takes the
    alarm's rows with it. Each had the network told before the alarm was painted (review 48)."""
    window = started(options(tmp_path, *SESSION, "--broker", broker.url, "--chair", "chair-2"))
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: "connected to mqtt://127.0.0.1" in _line(window), timeout=10000)
    bridge = window.findChild(NetworkBridge)
    assert bridge is not None and bridge.link.bus is not None
    bar = window.live.alarm_bar
    order: list[str] = []
    # The row itself, in the patient field's list, drawn by the loop's own paint.
    _OnPaint(bar.patient.list.viewport(), lambda: order.append("alarm painted"),
             lambda: any("ystolic" in row for row in bar.rows()))
    bus, link = bridge.link.bus, bridge.link
    publish_many, publish_status = bus.publish_many, link.publish_status

    def seen_publish(messages: list[tuple[str, bytes, object]]) -> None:
        if any(topic.endswith("/pcd04") for topic, _, _ in messages):
            order.append("bus told")
        publish_many(messages)  # type: ignore[arg-type]

    def seen_status(status: object) -> None:
        if any("ystolic" in row for row in bar.rows()):
            order.append("status told")
        publish_status(status)  # type: ignore[arg-type]

    bus.publish_many = seen_publish  # type: ignore[method-assign,assignment]
    link.publish_status = seen_status  # type: ignore[method-assign]

    def alarm() -> None:   # as a monitor's reading does: the commit on a turn of the loop
        if before == "news":
            bridge.wake()   # as a transport's thread does, the pump queued before the hand-off
        window.controller.enter_manual_row("bp_systolic", 210, confirmed=True)

    def reading() -> None:
        window.controller.enter_manual_row("heart_rate", 72)
        # The monitor's next message, the alarm, comes in while the window paints the reading.
        _OnPaint(window.live, lambda: QtCore.QTimer.singleShot(0, alarm), once=True)

    QtCore.QTimer.singleShot(0, reading if before == "a reading" else alarm)
    qtbot.waitUntil(lambda: {"bus told", "status told"} <= set(order), timeout=5000)
    assert order[0] == "alarm painted", order
    qtbot.waitUntil(lambda: bus.status().unconfirmed == 0, timeout=10000)   # and it was sent
