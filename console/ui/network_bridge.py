"""Runs the clinic network beside the session window: the link's turn on the GUI thread, the chair
status and trend published on time, a central station's acknowledgements applied through the
controller, the network alarm and the status line.

Nothing here decides: console/network/link.py judges the network's health and reads the central
station's commands, the engine records and shows them. The bedside works exactly as without a
network whatever happens here; a failure of the network is the link's technical alarm.
"""

from __future__ import annotations

import math

from PySide6 import QtCore, QtWidgets

from console.clock import Clock
from console.network import bus_topics as topics
from console.network.chair_status import TrendPoints, build_status, build_trend
from console.network.link import LinkReport, NetworkLink
from console.session.engine import NETWORK_UNCONFIRMED
from console.ui.controller import SessionController
from console.ui.elided_label import ElidedLabel

PUMP_MS = 500


class NetworkBridge(QtCore.QObject):
    """The link's Qt side for one console window.

    Signals:
        woke: internal; a transport thread has news (queued to the GUI thread).
        state_changed: the network state in words, and whether it is a problem.
        quiet_changed: the bedside may (True) or may no longer (False) play quiet-room tones.
    """

    woke = QtCore.Signal()
    state_changed = QtCore.Signal(str, bool)
    quiet_changed = QtCore.Signal(bool)

    def __init__(self, link: NetworkLink, clock: Clock,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.link = link
        self.clock = clock
        self.controller: SessionController | None = None
        self.quiet_allowed = False
        self.degraded = False   # the network alarm stands, or the link reports a problem
        self._next_status = 0.0
        self._next_trend = 0.0
        self._last_shape: object = None
        self._trend: TrendPoints | None = None   # the session's points read so far
        self._pending_wake = False
        self.woke.connect(self.pump, QtCore.Qt.ConnectionType.QueuedConnection)
        link.wake = self.wake
        # The transports hear of new rows after this turn of the loop: the bedside paints first.
        link.later = lambda run, delay: QtCore.QTimer.singleShot(math.ceil(delay * 1000), self,
                                                                  run)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(PUMP_MS)
        self.timer.timeout.connect(self.pump)

    def start(self) -> None:
        self.link.start()
        self.timer.start()
        self.pump()

    def stop(self) -> None:
        self.timer.stop()
        self.link.stop()

    def wake(self) -> None:
        """From any thread: run `pump` soon on the GUI thread."""
        self.woke.emit()

    def detach(self) -> None:
        """The ended session's window went (the chair is back at its start screen): the status
        says no session from now on. The central kept the discharged patient on the card, with
        its clock running, after the chair had gone on (a charge nurse's walk)."""
        if self.controller is not None:
            self.controller.changed.disconnect(self._on_session_changed)
        self.controller = None
        self._trend = None
        self._next_status = self._next_trend = 0.0
        self.pump()

    def attach(self, controller: SessionController) -> None:
        """A session opened (or resumed) in the window: follow it."""
        self.controller = controller
        view = controller.view
        self.link.session_opened(view.session_id, view.patient.patient_id, view.demo,
                                 self._applied_commands(controller))
        controller.network_configured(self.link.config.describe(), self.link.config.quiet_room)
        controller.changed.connect(self._on_session_changed)
        self._next_status = self._next_trend = 0.0
        self.pump()

    def _applied_commands(self, controller: SessionController) -> list[str]:
        log = self.link.log
        rows = log.events(controller.view.session_id)
        return [str(r.detail.get("command")) for _, r in rows
                if r.kind == "acknowledged_at_central"]

    @QtCore.Slot()
    def _on_session_changed(self) -> None:
        """Publish at once when what a central station shows of the alarms changed."""
        controller = self.controller
        if controller is None:
            return
        shape = [(o.id, o.priority, o.state) for o in controller.view.alarms()]
        if shape != self._last_shape:
            self._last_shape = shape
            self._next_status = 0.0
            # After this turn of the loop: the bedside paints its alarm first (P12: building and
            # sending the status before the paint made the bedside's own alarm later).
            QtCore.QTimer.singleShot(0, self, self._publish_now)

    @QtCore.Slot()
    def _publish_now(self) -> None:
        self._publish(self.clock.now().mono)

    @QtCore.Slot()
    def pump(self) -> None:
        report = self.link.pump()
        controller = self.controller
        if controller is not None:
            for command in report.commands:
                if command.session == controller.view.session_id:
                    controller.acknowledge_from_central(command.occurrence, command.by,
                                                        command.station, command.id,
                                                        command.priority)
            if report.judged:   # else a network alarm restored at a restart stands as it was
                controller.network_status(report.problem, report.state)
        if report.quiet_allowed != self.quiet_allowed:
            self.quiet_allowed = report.quiet_allowed
            self.quiet_changed.emit(report.quiet_allowed)
        self.degraded = report.problem is not None or (controller is not None and any(
            o.condition == NETWORK_UNCONFIRMED for o in controller.view.alarms()))
        # Red while the network alarm stands (also one restored at a restart, in the link's
        # first seconds, before it judges again) or while data goes unencrypted.
        self.state_changed.emit(self.status_text(report), self.degraded or report.plaintext)
        self._publish(self.clock.now().mono)

    def _publish(self, mono: float) -> None:
        config = self.link.config
        controller = self.controller
        if mono >= self._next_status:
            self._next_status = mono + topics.STATUS_PERIOD_S
            audio = "quiet" if (config.quiet_room and self.quiet_allowed) else "full"
            view = controller.view if controller is not None else None
            self.link.publish_status(build_status(
                view, self.clock.now(), chair=config.chair, room=config.room,
                patient_shown=config.patient_shown, audio=audio,
                network="degraded" if self.degraded else "ok", seq=self.link.status_seq))
        if controller is not None and mono >= self._next_trend:
            self._next_trend = mono + topics.TREND_PERIOD_S
            view = controller.view
            if self._trend is None or self._trend.session_id != view.session_id:
                self._trend = TrendPoints(view.session_id, view.started.wall)
            rows = self.link.log.observations(view.session_id, after_id=self._trend.last_id)
            # The events say where the device lines break (an unplug, a restart): the central
            # breaks them there too (chair_status.TrendPoints).
            points = self._trend.add(rows, view.entered_in_error,
                                     self.link.log.events(view.session_id), self.clock.now().wall)
            self.link.publish_trend(build_trend(config.chair, view.session_id,
                                                self.clock.now().wall, points,
                                                monitor_clock_off=self._trend.monitor_clock_off,
                                                breaks=self._trend.breaks))

    def status_text(self, report: LinkReport) -> str:
        # The problem itself is in the alarm area; the line says what the link is doing, the
        # causes last (`LinkReport.line`).
        return f"Clinic network: {report.line or report.state or 'starting'}"


def network_label(bridge: NetworkBridge, bar: QtWidgets.QStatusBar) -> ElidedLabel:
    """A permanent label in the status line that follows the bridge's state: cut at its end
    with "…" when the window is too narrow (the causes come last), the whole line in its tooltip.
    A plain QLabel neither elided nor wrapped: a broker's long sentence pushed UNENCRYPTED and the
    quiet-room state off the edge at 1366x768 (a review's proof, as on the central station)."""
    label = ElidedLabel()
    label.setText("Clinic network: starting")
    label.setObjectName("network_state")

    def show(text: str, problem: bool) -> None:
        label.setText(text)   # and its tooltip
        label.setStyleSheet("background:#c40000;color:white;font-weight:bold;padding:0 6px;"
                            if problem else "padding:0 6px;")

    bridge.state_changed.connect(show)
    bar.addPermanentWidget(label, 1)
    return label
