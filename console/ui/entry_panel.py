"""Manual entry built for speed, and side-effect observations in one or two clicks.

Vitals: BP as "128/84", RR, HR, SpO2 in one keyboard-driven form (Enter records every filled field).
Bad values are refused with the engine's message (what is wrong, what is allowed) and nothing of
that form is recorded; an implausible value asks the `Confirmer` first. Observations (MOAA/S,
nausea, dissociation, hallucinations, fatigue, vomiting, the modified Aldrete score for discharge, a
free note) are one click each, stamped
and attributed by the engine.
"""

from __future__ import annotations

from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from console.session.entry import NeedsConfirmation, Rejected, Verdict, check_bp, check_value
from console.ui.controller import SessionController
from protocols.vitals import MOAAS_CHOICES, SEVERITY_CHOICES

FIELDS = (("bp", "BP (sys/dia)", "128/84"), ("resp_rate", "RR /min", "16"),
          ("heart_rate", "HR /min", "72"), ("spo2", "SpO2 %", "97"))


class Confirmer(Protocol):
    """Asks the nurse a yes/no question (a dialog in the app, a recorder in tests)."""

    def confirm(self, message: str) -> bool: ...


class DialogConfirmer:
    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent

    def confirm(self, message: str) -> bool:
        answer = QtWidgets.QMessageBox.question(self.parent, "Confirm value", message)
        return answer == QtWidgets.QMessageBox.StandardButton.Yes


class EntryPanel(QtWidgets.QGroupBox):
    """Vitals form and observation buttons.

    Signals:
        recorded: text of what was just recorded (for the status line).
    """

    recorded = QtCore.Signal(str)

    def __init__(self, controller: SessionController, confirmer: Confirmer,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("", parent)
        self.controller = controller
        self.confirmer = confirmer
        self.setStyleSheet("QWidget {font-size:13pt;} QLineEdit {font-size:15pt;}")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setSpacing(2)
        layout.setContentsMargins(6, 4, 6, 4)
        form = QtWidgets.QHBoxLayout()
        self.fields: dict[str, QtWidgets.QLineEdit] = {}
        for key, label, placeholder in FIELDS:
            box = QtWidgets.QHBoxLayout()
            box.addWidget(QtWidgets.QLabel(label))
            edit = QtWidgets.QLineEdit()
            edit.setObjectName(f"entry_{key}")
            edit.setPlaceholderText(placeholder)
            edit.returnPressed.connect(self._on_record_clicked)
            edit.setMaximumWidth(150)   # room on the row for the message
            self.fields[key] = edit
            box.addWidget(edit)
            form.addLayout(box)
        self.record_button = QtWidgets.QPushButton("Record")
        self.record_button.clicked.connect(self._on_record_clicked)
        form.addWidget(self.record_button)
        # The message sits beside the form, not under it: one row less for the tiles and trend.
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("entry_message")
        self.message.setWordWrap(True)
        form.addWidget(self.message, 1)
        layout.addLayout(form)
        layout.addLayout(self._observation_rows())
        shortcut = QtGui.QShortcut(QtGui.QKeySequence("Ctrl+E"), self)
        shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self.focus_entry)

    # ---- vitals -------------------------------------------------------------------------------

    def focus_entry(self) -> None:
        self.fields["bp"].setFocus()
        self.fields["bp"].selectAll()

    def _on_record_clicked(self) -> None:
        verdicts: list[Verdict] = []
        for key, edit in self.fields.items():
            text = edit.text().strip()
            if text:
                verdicts.extend(check_bp(text) if key == "bp" else [check_value(key, text)])
        if not verdicts:
            self._say("Type at least one value, for example BP 128/84.", error=True)
            return
        rejected = [v for v in verdicts if isinstance(v, Rejected)]
        if rejected:
            self._say(" ".join(v.message for v in rejected), error=True)
            return
        confirmed = set()
        for verdict in verdicts:
            if isinstance(verdict, NeedsConfirmation):
                if not self.confirmer.confirm(verdict.message):
                    self._say(f"Not recorded: {verdict.message}", error=True)
                    return
                confirmed.add(verdict.metric)
        done = []
        for verdict in verdicts:
            name = verdict.metric
            value = verdict.value  # type: ignore[union-attr]  # Rejected were returned above
            answer = self.controller.enter_manual(name, value, confirmed=name in confirmed)
            if isinstance(answer, Rejected):   # e.g. the session ended meanwhile
                self._say(answer.message, error=True)
                return
            done.append(f"{name} {value:g}")
        for edit in self.fields.values():
            edit.clear()
        self._say("Recorded: " + ", ".join(done))
        self.recorded.emit(", ".join(done))
        self.fields["bp"].setFocus()

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color:#b71c1c;font-weight:bold;" if error else "color:#1b5e20;")

    # ---- observations -------------------------------------------------------------------------

    def _observation_rows(self) -> QtWidgets.QGridLayout:
        grid = QtWidgets.QGridLayout()
        self.observation_buttons: dict[tuple[str, int], QtWidgets.QPushButton] = {}
        rows = (
            ("moaas", "MOAA/S", [(v, str(v), text) for v, text in MOAAS_CHOICES]),
            ("nausea", "Nausea", [(v, text, text) for v, text in SEVERITY_CHOICES]),
            ("fatigue", "Fatigue", [(v, text, text) for v, text in SEVERITY_CHOICES]),
            ("hallucinations", "Hallucinations", [(0, "absent", "absent"), (1, "present", "present")]),
        )
        for index, (name, label, choices) in enumerate(rows):
            row, first = index // 2, (index % 2) * 7   # two scales side by side
            grid.addWidget(QtWidgets.QLabel(label), row, first)
            for col, (value, text, tip) in enumerate(choices, start=first + 1):
                button = QtWidgets.QPushButton(text)
                button.setToolTip(tip)
                button.setObjectName(f"obs_{name}_{value}")
                button.clicked.connect(lambda _=False, n=name, v=value: self._record_scale(n, v))
                self.observation_buttons[(name, value)] = button
                grid.addWidget(button, row, col)
        row = (len(rows) + 1) // 2
        grid.addWidget(QtWidgets.QLabel("Dissociation (CADSS)"), row, 0)
        self.dissociation = QtWidgets.QSpinBox()
        self.dissociation.setRange(0, 92)
        grid.addWidget(self.dissociation, row, 1)
        record = QtWidgets.QPushButton("Record")
        record.setObjectName("obs_dissociation_record")
        record.clicked.connect(lambda: self._record_scale("dissociation", self.dissociation.value()))
        grid.addWidget(record, row, 2)
        vomiting = QtWidgets.QPushButton("Vomiting")
        vomiting.setObjectName("obs_vomiting")
        vomiting.clicked.connect(lambda: self._record_note("Vomiting", kind="observation"))
        grid.addWidget(vomiting, row, 3)
        # The discharge gate reads the modified Aldrete score: it must be enterable here.
        grid.addWidget(QtWidgets.QLabel("Aldrete"), row, 4)
        self.aldrete = QtWidgets.QSpinBox()
        self.aldrete.setObjectName("obs_aldrete")
        self.aldrete.setRange(0, 10)
        self.aldrete.setValue(10)
        grid.addWidget(self.aldrete, row, 5)
        aldrete = QtWidgets.QPushButton("Record")
        aldrete.setObjectName("obs_aldrete_record")
        aldrete.clicked.connect(lambda: self._record_scale("aldrete", self.aldrete.value()))
        grid.addWidget(aldrete, row, 6)
        self.note = QtWidgets.QLineEdit()
        self.note.setObjectName("obs_note")
        self.note.setPlaceholderText("Free note (Enter to add)")
        self.note.returnPressed.connect(lambda: self._record_note(self.note.text()))
        grid.addWidget(self.note, row, 7, 1, 7)
        return grid

    def _record_scale(self, name: str, value: int) -> None:
        answer = self.controller.enter_manual(name, float(value))
        if isinstance(answer, Rejected):
            self._say(answer.message, error=True)
            return
        self._say(f"Recorded: {name} {value}")
        self.recorded.emit(f"{name} {value}")

    def _record_note(self, text: str, kind: str = "note") -> None:
        outcome = self.controller.note(text, kind=kind)
        if not outcome.done:
            self._say(outcome.message, error=True)
            return
        self.note.clear()
        self._say(f"Recorded: {text.strip()}")
        self.recorded.emit(text.strip())
