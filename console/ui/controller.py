"""Connects a session engine to Qt: the one timer that ticks it, and device events as signals.

The engine decides; this object only forwards. Device events arrive on the transport's worker
thread and cross to the GUI thread through a queued signal, so the engine stays single-threaded.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6 import QtCore

from console.clock import Clock
from console.session import feed
from console.session.engine import SessionEngine
from devices.transport import DeviceConnection, DeviceEvent

TICK_MS = 500   # 2 Hz: timers and prompts; readings and alarms are applied as they arrive


class SessionController(QtCore.QObject):
    """Owns the running session's engine, its device connection and its tick timer.

    Signals:
        changed: the engine's state changed (a reading, a tick, an operator action).
        device_state: the device connection changed state (its ConnectionState value).
        device_event: internal, carries a DeviceEvent from the worker thread to the GUI thread.
    """

    changed = QtCore.Signal()
    device_state = QtCore.Signal(str)
    device_event = QtCore.Signal(object)

    def __init__(self, engine: SessionEngine, clock: Clock, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.clock = clock
        self.connection: DeviceConnection | None = None
        self.device_event.connect(self._on_device_event, QtCore.Qt.ConnectionType.QueuedConnection)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.timer.start()
        if self.connection is not None:
            self.connection.start()

    def attach_device(self, url: str, fmt: str) -> None:
        # The callback runs on the worker thread: emitting a signal is all it may do.
        self.connection = DeviceConnection(url, fmt, self.device_event.emit)

    def stop(self) -> None:
        """Stop the timer and the device; records the log could not take yet get a last attempt,
        else go to a file beside the log (named on stderr) rather than vanish with the process."""
        self.timer.stop()
        if self.connection is not None:
            self.connection.stop()
        held = self.engine.unsaved
        saved = self.engine.close(self.clock.now(), [Path(tempfile.gettempdir())])
        if saved is not None:
            print(f"infusion-console: {held} records could not be written to the session log; "
                  f"they are in {saved}", file=sys.stderr)
        elif self.engine.unsaved:
            print(f"infusion-console: {self.engine.unsaved} records could not be written to the "
                  "session log nor to any file; they are lost", file=sys.stderr)

    @QtCore.Slot()
    def tick(self) -> None:
        self.engine.tick(self.clock.now())
        self.changed.emit()

    @QtCore.Slot(object)
    def _on_device_event(self, event: DeviceEvent) -> None:
        feed.apply(self.engine, event, self.clock.now())
        if event.state is not None:
            self.device_state.emit(event.state.value)
        self.changed.emit()

    def acknowledge_all(self, actor: str) -> None:
        self.engine.acknowledge_all(actor, self.clock.now())
        self.changed.emit()

    def pause_audio(self, actor: str) -> None:
        self.engine.pause_audio(actor, self.clock.now())
        self.changed.emit()
