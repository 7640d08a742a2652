"""The session's page when its window could not be built (a bug in one of its panels).

The session runs all the same (its controller ticks, its monitor's readings are logged): this
page shows whose session it is, says the window could not be built and what to do ("Restart and
resume" in the fault bar above it), and shows the session's alarms in the alarm area, F2 and F3
acting on them. When the alarm area itself cannot be built, the alarms are listed plainly
(`PlainAlarms`), with the same keys. It only draws and forwards, as the session window does:
what is shown and what the keys do is the controller's.

Without it a bug raised while the window was built left the session's alarms nowhere: `--resume
N` ended in a traceback, and a start from the start page left the start page in place, the
session's timers and monitor stopped (README: a bug becomes a technical alarm, never silence).
"""

from __future__ import annotations

import sys

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import format_duration
from console.session.alarm_area import order_key, row_text
from console.ui.alarm_bar import BUTTON_POINT_SIZE, COLOURS, ROW_POINT_SIZE, AlarmBar
from console.ui.controller import SessionController

WINDOW_NOT_BUILT = (
    "The session window could not be built (Console fault). The session runs on: its alarms "
    "are shown and sound here (F2 acknowledges, F3 pauses the audio), and the monitor's "
    "readings are recorded. Vitals and the checklist cannot be used on this page: press "
    "“Restart and resume” in the red bar above to bring the session window back; if it does "
    "not come back, call support.")


def report(exc: BaseException) -> None:
    """Hand `exc` to the console's fault handler (`sys.excepthook`: the crash file, the Console
    fault alarm of the session, the fault bar), as Qt hands it a slot's exception."""
    sys.excepthook(type(exc), exc, exc.__traceback__)


def discard_half_built(exc: BaseException, kind: type[QtWidgets.QWidget],
                       keep: QtWidgets.QWidget) -> None:
    """Delete what a `kind` whose construction raised `exc` had built: widgets left without a
    parent, some already bound to the session (a half-built window's redraw ran at every tick
    for nobody). Found through the traceback, from `kind`'s constructor inwards: each frame's
    `self` and, for the `kind` itself, the widgets it holds. Never `keep` (the console's window)
    nor a widget shown."""
    found: list[QtWidgets.QWidget] = []
    inside = False
    tb = exc.__traceback__
    while tb is not None:
        obj = tb.tb_frame.f_locals.get("self")
        outermost = not inside and isinstance(obj, kind)
        inside = inside or outermost
        if inside and isinstance(obj, QtWidgets.QWidget) and shiboken6.isValid(obj):
            found.append(obj)
            if outermost:
                found.extend(value for value in vars(obj).values()
                             if isinstance(value, QtWidgets.QWidget))
        tb = tb.tb_next
    for widget in found:
        if (widget is not keep and shiboken6.isValid(widget) and widget.parentWidget() is None
                and not widget.isVisible()):
            widget.deleteLater()   # its connections to the session go with it


class PlainAlarms(QtWidgets.QWidget):
    """The session's alarms as a plain list, every one of them, highest first (alarm_area.py's
    order), in their priority's colours, with "Acknowledge all (F2)" and "Pause audio (F3)":
    what is left when the alarm area itself cannot be built.

    Signals: none (the buttons and keys call the controller).
    """

    def __init__(self, controller: SessionController,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._shown: list[int] = []
        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("plain_alarms")
        font = self.list.font()
        font.setPointSize(ROW_POINT_SIZE)
        font.setBold(True)
        self.list.setFont(font)
        self.list.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)   # F2/F3 work from anywhere
        # A row is read whole, wrapped at the list's width: a Console fault's words ran past
        # the right edge, its cause and "restart the console" cut off.
        self.list.setWordWrap(True)
        self.list.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)
        self.list.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.list.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)   # two rows of one colour stay two rows
        self.ack_button = QtWidgets.QPushButton("Acknowledge all (F2)")
        self.ack_button.setObjectName("plain_acknowledge")
        self.pause_button = QtWidgets.QPushButton()
        self.pause_button.setObjectName("plain_pause")
        buttons = QtWidgets.QVBoxLayout()
        for button in (self.ack_button, self.pause_button):
            button_font = button.font()
            button_font.setPointSize(BUTTON_POINT_SIZE)
            button_font.setBold(True)
            button.setFont(button_font)
            button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)   # as the alarm area's
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.ack_button.clicked.connect(self._on_acknowledge)
        self.pause_button.clicked.connect(self._on_pause)
        for key, act in (("F2", self._on_acknowledge), ("F3", self._on_pause)):
            shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), self)
            shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(act)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        controller.changed.connect(self._on_session_changed)
        self._on_session_changed()

    @QtCore.Slot()
    def _on_session_changed(self) -> None:
        now = self.controller.clock.now()
        occurrences = sorted(self.controller.alarms(now), key=order_key)
        self._shown = [o.id for o in occurrences]
        self.list.clear()
        for occurrence in occurrences:
            item = QtWidgets.QListWidgetItem(row_text(occurrence))
            background, text = COLOURS[occurrence.priority]
            item.setBackground(QtGui.QColor(background))
            item.setForeground(QtGui.QColor(text))
            self.list.addItem(item)
        self.ack_button.setEnabled(bool(occurrences))
        left = self.controller.audio(now).paused_seconds_left
        self.pause_button.setText(f"Audio paused {format_duration(left, round_up=True)}" if left
                                  else "Pause audio (F3)")

    @QtCore.Slot()
    def _on_acknowledge(self) -> None:
        if self._shown:   # every alarm of the session is listed: all of them are in sight
            self.controller.acknowledge_shown(list(self._shown))

    @QtCore.Slot()
    def _on_pause(self) -> None:
        self.controller.pause_audio()


class SessionFallback(QtWidgets.QWidget):
    """The page shown in the session window's place: whose session, what happened and what to
    do, and the session's alarms (the alarm area, else `PlainAlarms`).

    Signals: none.
    """

    def __init__(self, controller: SessionController, keep: QtWidgets.QWidget,
                 parent: QtWidgets.QWidget | None = None) -> None:
        """`keep`: the console's window, never deleted with a half-built alarm area."""
        super().__init__(parent)
        self.setObjectName("session_fallback")
        self.header = QtWidgets.QLabel(_whose(controller))
        self.header.setObjectName("fallback_header")
        self.header.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # the identifier as typed
        self.header.setWordWrap(True)
        self.header.setStyleSheet("font-size:17pt;font-weight:bold;padding:2px 4px;")
        self.message = QtWidgets.QLabel(WINDOW_NOT_BUILT)
        self.message.setObjectName("fallback_text")
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("font-size:15pt;font-weight:bold;padding:4px;")
        self.alarms = _alarm_area(controller, keep)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.header)
        layout.addWidget(self.alarms)
        layout.addWidget(self.message)
        layout.addStretch(1)

    def say(self, text: str) -> None:
        """`text` first, then what this page always says (a close refused, with why)."""
        self.message.setText(f"{text}\n\n{WINDOW_NOT_BUILT}")


def _whose(controller: SessionController) -> str:
    """"MRN-9 · IV ketamine · session 1 of 6 · nurse ana", or what could be read of it."""
    try:
        view = controller.view
        demo = "DEMO — not patient data · " if view.demo else ""
        return (f"{demo}{view.patient.patient_id} · {view.protocol.name} · session "
                f"{view.session_number} of {view.protocol.course_sessions} · nurse {view.nurse}")
    except Exception as exc:  # noqa: BLE001 - the alarms below must be shown whatever fails
        report(exc)
        return "The session's patient could not be read: see the alarms below."


def _alarm_area(controller: SessionController, keep: QtWidgets.QWidget) -> QtWidgets.QWidget:
    """The alarm area bound to `controller`; if it cannot be built, its fault reported and
    `PlainAlarms` instead."""
    bar: AlarmBar | None = None
    try:
        bar = AlarmBar()
        bar.bind(controller)
        return bar
    except Exception as exc:  # noqa: BLE001 - the alarms must be shown whatever fails
        report(exc)
        discard_half_built(exc, AlarmBar, keep)
        if bar is not None:
            bar.deleteLater()   # bound, maybe: its connections to the session go with it
        return PlainAlarms(controller)
