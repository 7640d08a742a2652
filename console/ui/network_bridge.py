"""Runs the clinic network beside the session window: the link's turn on the GUI thread, the chair
status and trend published on time, a central station's acknowledgements applied through the
controller, the network alarm and the status line.

Nothing here decides: console/network/link.py judges the network's health and reads the central
station's commands, the engine records and shows them. The bedside works exactly as without a
network whatever happens here; a failure of the network is the link's technical alarm.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable

from PySide6 import QtCore, QtWidgets

from console.clock import Clock
from console.network import bus_topics as topics
from console.network.chair_status import TrendPoints, build_status, build_trend
from console.network.link import LinkReport, NetworkLink
from console.session.engine import NETWORK_UNCONFIRMED
from console.ui.controller import SessionController
from console.ui.elided_label import ElidedLabel

PUMP_MS = 500
_TURN_ENDED = QtCore.QEvent.Type(QtCore.QEvent.registerEventType())   # `AfterPaint`'s


class AfterPaint(QtCore.QObject):
    """Runs what the network is to be told at the end of this turn of the loop, after the
    window's paint of what changed: the bedside shows an alarm before the network hears of it.

    Qt paints on an UpdateRequest it posts at low priority, after every normal event: a
    zero-delay timer, the hand-off's until review 48, ran before the paint. A hand-off is asked
    for inside the commit, before the widgets hear of the change; at the end of that turn (a
    normal event) they have marked it, and the paint Qt posted for it is delivered then
    (`sendPostedEvents`: that paint, not one more), before what waits runs. A reading committed
    in between, whose rows the hand-off takes too, is in the same paint. What a widget marks
    only on a later turn of its own (a list view's layout) is not: the alarm area lays its rows
    out at once (alarm_bar.py).
    """

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._waiting: deque[Callable[[], None]] = deque()

    def run_after(self, run: Callable[[], None]) -> None:
        if not self._waiting:
            QtCore.QCoreApplication.postEvent(self, QtCore.QEvent(_TURN_ENDED))
        self._waiting.append(run)

    @property
    def pending(self) -> bool:
        return bool(self._waiting)

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() != _TURN_ENDED:
            return super().event(event)
        # The window's own paint, posted for what changed: now, before the network is told.
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.UpdateRequest)
        try:
            while self._waiting:
                self._waiting.popleft()()
        finally:
            if self._waiting:   # one raised (the fault handler has it): the rest next turn
                QtCore.QCoreApplication.postEvent(self, QtCore.QEvent(_TURN_ENDED))
        return True


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
        self.after_paint = AfterPaint(self)
        self._pump_waits = False   # a pump waits behind what `after_paint` holds (`_pump_soon`)
        self.woke.connect(self._pump_soon, QtCore.Qt.ConnectionType.QueuedConnection)
        link.wake = self.wake
        # The transports hear of new rows after the bedside has painted what the commit changed.
        link.later = self.later
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(PUMP_MS)
        self.timer.timeout.connect(self._pump_soon)

    def later(self, run: Callable[[], None], delay: float) -> None:
        """`run` after `delay` s, once the window has painted what changed until then (the
        link's hand-off: the bedside shows its alarm before the network hears of it)."""
        if delay > 0:
            QtCore.QTimer.singleShot(math.ceil(delay * 1000), self,
                                     lambda: self.after_paint.run_after(run))
        else:
            self.after_paint.run_after(run)

    @QtCore.Slot()
    def _pump_soon(self) -> None:
        """The timer's pump, and the one a transport's news wakes. `link.pump` hands on what was
        committed, so while a hand-off waits for the window's paint the pump waits behind it: a
        delivery reported during an alarm's commit had its pump tell the network first."""
        if not self.after_paint.pending:
            self.pump()
        elif not self._pump_waits:
            self._pump_waits = True
            self.after_paint.run_after(self._waited_pump)

    def _waited_pump(self) -> None:
        self._pump_waits = False
        self.pump()

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
        rows = log.events(controller.view.session_id, ("acknowledged_at_central",))
        return [str(r.detail.get("command")) for _, r in rows]

    @QtCore.Slot()
    def _on_session_changed(self) -> None:
        """Publish, after the window's paint, when what a central station shows of the alarms
        changed."""
        controller = self.controller
        if controller is None:
            return
        shape = [(o.id, o.priority, o.state) for o in controller.view.alarms()]
        if shape != self._last_shape:
            self._last_shape = shape
            self._next_status = 0.0
            # After the bedside has painted its alarm (P12: building and sending the status
            # before the paint made the bedside's own alarm later).
            self.after_paint.run_after(self._publish_now)

    @QtCore.Slot()
    def _publish_now(self) -> None:
        self._publish(self.clock.now().mono)

    @QtCore.Slot()
    def pump(self) -> None:
        controller = self.controller
        report = self.link.pump(held=controller is not None and controller.view.unsaved > 0)
        for command in report.commands:
            # Each one not applied is said in the console's log, as the link says one too old
            # (link.py `_read_message`); the engine also records its refusals in the session's
            # record. One for another session (or while none is open) is not this patient's to
            # record. Dropped unsaid, a central nurse's press left no trace (a review).
            if controller is None:
                refused = "no session is open"
            elif command.session != controller.view.session_id:
                refused = f"the session open is {controller.view.session_id}"
            else:
                outcome = controller.acknowledge_from_central(command.occurrence, command.by,
                                                              command.station, command.id,
                                                              command.priority)
                refused = "" if outcome.done else outcome.message
            if refused:
                logging.getLogger(__name__).warning(
                    "a central's acknowledgement %s of session %d alarm %d (by %s at %s) is not "
                    "applied: %s", command.id, command.session, command.occurrence, command.by,
                    command.station, refused)
        if controller is not None and report.judged:
            # Judged only: a network alarm restored at a restart stands as it was until then.
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
            # breaks them there too (chair_status.TrendPoints). Only those logged since the last
            # period: a two-hour session's events are not read again every 30 s on this thread.
            events = self.link.log.events(view.session_id, after_id=self._trend.last_event_id)
            points = self._trend.add(rows, view.entered_in_error, events, self.clock.now().wall)
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
