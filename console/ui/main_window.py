"""The main window. For now a plain session view (header, timers, latest values, alarms) that
proves the install and the data path; the full nurse layout is built on the same controller."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from console.session.alarms import AlarmState
from console.ui.controller import SessionController
from console.vitals import METRICS
from protocols.model import Priority

PRIORITY_STYLE = {
    Priority.HIGH: "background:#c62828;color:white;",
    Priority.MEDIUM: "background:#f9a825;color:black;",
    Priority.LOW: "background:#00838f;color:white;",
    Priority.INFO: "background:#eceff1;color:#263238;",
}


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    return f"{sign}{seconds // 60}:{seconds % 60:02d}"


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, db_path: str, notices: list[str]) -> None:
        super().__init__()
        self.setWindowTitle("Infusion console")
        self.resize(1100, 720)
        self.controller: SessionController | None = None
        central = QtWidgets.QWidget()
        self.setCentralWidget(central)
        layout = QtWidgets.QVBoxLayout(central)
        self.header = QtWidgets.QLabel("No session open")
        self.header.setStyleSheet("font-size:20px;font-weight:bold;")
        self.timers = QtWidgets.QLabel("")
        self.timers.setStyleSheet("font-size:18px;")
        self.values = QtWidgets.QTableWidget(0, 4)
        self.values.setHorizontalHeaderLabels(["Vital", "Value", "Age", "Source"])
        self.values.horizontalHeader().setStretchLastSection(True)
        self.values.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.values.verticalHeader().setVisible(False)
        self.values.setStyleSheet("font-size:16px;")
        self.alarms = QtWidgets.QListWidget()
        self.alarms.setStyleSheet("font-size:16px;")
        buttons = QtWidgets.QHBoxLayout()
        self.ack_button = QtWidgets.QPushButton("Acknowledge (F2)")
        self.ack_button.setShortcut("F2")
        self.pause_button = QtWidgets.QPushButton("Pause audio 2 min (F3)")
        self.pause_button.setShortcut("F3")
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.pause_button)
        self.audio = QtWidgets.QLabel("")
        buttons.addWidget(self.audio, 1)
        self.notices = QtWidgets.QLabel("\n".join([f"Session log: {db_path}", *notices]))
        self.notices.setWordWrap(True)
        for widget in (self.header, self.timers, self.values):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.alarms)
        layout.addWidget(self.notices)
        self.ack_button.clicked.connect(self._on_acknowledge_clicked)
        self.pause_button.clicked.connect(self._on_pause_clicked)

    def show_session(self, controller: SessionController) -> None:
        self.controller = controller
        controller.changed.connect(self._on_session_changed)
        self._on_session_changed()

    def _on_acknowledge_clicked(self) -> None:
        if self.controller:
            self.controller.acknowledge_all(self.controller.engine.nurse)

    def _on_pause_clicked(self) -> None:
        if self.controller:
            self.controller.pause_audio(self.controller.engine.nurse)

    def _on_session_changed(self) -> None:
        if self.controller is None:
            return
        engine, now = self.controller.engine, self.controller.clock.now()
        demo = "  [DEMO]" if engine.demo else ""
        self.header.setText(
            f"{engine.patient.patient_id} · {engine.protocol.name} · session {engine.session_number}"
            f" of {engine.protocol.course_sessions} · {engine.nurse} · {engine.phase.name}"
            f" · device {engine.device_state}{demo}"
        )
        times = engine.times(now)
        due = engine.due(now)
        next_due = f"{due[0].name} in {_mmss(due[0].due_in_s)}" if due else "none"
        self.timers.setText(
            f"Elapsed {_mmss(times.elapsed_s)}   {engine.phase.name} left "
            f"{_mmss(times.phase_remaining_s)}   Next vitals: {next_due}"
        )
        rows = [(m, engine.latest(m.name)) for m in METRICS.values()]
        rows = [(m, latest) for m, latest in rows if latest is not None]
        self.values.setRowCount(len(rows))
        for row, (m, latest) in enumerate(rows):
            age = now.mono - latest.at.mono
            for col, text in enumerate((m.label, f"{m.format(latest.reading.value)} {m.unit}",
                                        f"{age:.0f} s", latest.reading.source)):
                self.values.setItem(row, col, QtWidgets.QTableWidgetItem(text))
        self.alarms.clear()
        for occurrence in engine.alarms():
            item = QtWidgets.QListWidgetItem(occurrence.banner())
            item.setData(QtCore.Qt.ItemDataRole.UserRole, occurrence.id)
            style = PRIORITY_STYLE[occurrence.priority]
            item.setBackground(QtWidgets.QWidget().palette().base())  # reset
            label = QtWidgets.QLabel(occurrence.banner() + ("" if occurrence.state is AlarmState.ACTIVE
                                                            else f"  [{occurrence.state.value}]"))
            label.setStyleSheet(style + "padding:4px;")
            self.alarms.addItem(item)
            self.alarms.setItemWidget(item, label)
        audio = engine.audio(now)
        if audio.paused_seconds_left:
            self.audio.setText(f"Audio paused: {_mmss(audio.paused_seconds_left)}")
        else:
            self.audio.setText(f"Audio: {audio.priority.label if audio.priority else 'quiet'}")
