"""The current phase's checklist, the move to the next phase, and discharge.

Items show who ticked them and when; required items are marked. Moving on with something open, or
discharging against the gate, asks for a reason (through the injected `Asker`), which the engine
logs; a refusal shows the engine's reasons as they are.
"""

from __future__ import annotations

from typing import Protocol

from PySide6 import QtCore, QtWidgets

from console.ui.controller import SessionController
from protocols.model import PhaseKind


class Asker(Protocol):
    """Asks the nurse for a line of text (a reason, a prescriber decision); '' means cancelled."""

    def ask(self, title: str, message: str) -> str: ...


class DialogAsker:
    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent

    def ask(self, title: str, message: str) -> str:
        text, ok = QtWidgets.QInputDialog.getText(self.parent, title, message)
        return text.strip() if ok else ""


class ChecklistPanel(QtWidgets.QGroupBox):
    """Checklist of the current phase with the next-phase and discharge actions."""

    def __init__(self, controller: SessionController, asker: Asker,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Checklist", parent)
        self.controller = controller
        self.asker = asker
        self.setStyleSheet("QWidget {font-size:13pt;}")
        layout = QtWidgets.QVBoxLayout(self)
        self.items = QtWidgets.QListWidget()
        self.items.setObjectName("checklist_items")
        self.items.setWordWrap(True)   # item texts are sentences: wrap, never scroll sideways
        self.items.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.items.itemChanged.connect(self._on_item_changed)
        layout.addWidget(self.items)
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("checklist_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QtWidgets.QHBoxLayout()
        self.next_button = QtWidgets.QPushButton("Next phase")
        self.next_button.setObjectName("next_phase")
        self.next_button.clicked.connect(self._on_next_clicked)
        self.discharge_button = QtWidgets.QPushButton("Discharge")
        self.discharge_button.setObjectName("discharge")
        self.discharge_button.clicked.connect(self._on_discharge_clicked)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.discharge_button)
        layout.addLayout(buttons)
        self._shown: tuple[object, ...] = ()
        self._filling = False

    def refresh(self) -> None:
        engine = self.controller.view
        ticks = engine.ticks()
        key = (engine.phase.id, tuple(sorted((k, t.actor, t.at) for k, t in ticks.items())), engine.discharged)
        if key == self._shown:
            return
        self._shown = key
        self.setTitle(f"Checklist — {engine.phase.name}")
        self._filling = True
        self.items.clear()
        for item in engine.phase.checklist:
            tick = ticks.get(item.id)
            mark = " (required)" if item.required else ""
            text = f"{item.text}{mark}"
            if tick:
                text += f" — {tick.actor} {tick.at.astimezone().strftime('%H:%M')}"
            row = QtWidgets.QListWidgetItem(text)
            row.setData(QtCore.Qt.ItemDataRole.UserRole, item.id)
            row.setFlags(row.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(QtCore.Qt.CheckState.Checked if tick else QtCore.Qt.CheckState.Unchecked)
            if tick:   # a tick is a logged event: it cannot be undone from here
                row.setFlags(row.flags() & ~QtCore.Qt.ItemFlag.ItemIsUserCheckable)
            self.items.addItem(row)
        self._filling = False
        last = engine.phase.kind is PhaseKind.DISCHARGE
        self.next_button.setEnabled(not last and not engine.discharged)
        self.discharge_button.setEnabled(last and not engine.discharged)

    def _on_item_changed(self, row: QtWidgets.QListWidgetItem) -> None:
        if self._filling or row.checkState() != QtCore.Qt.CheckState.Checked:
            return
        item_id = row.data(QtCore.Qt.ItemDataRole.UserRole)
        outcome = self.controller.tick_item(item_id)
        if not outcome.done and "prescriber" in outcome.message:
            decision = self.asker.ask("Prescriber review", outcome.message)
            if decision:
                outcome = self.controller.tick_item(item_id, gate_decision=decision)
        self._report(outcome.done, outcome.message)
        self._shown = ()
        self.refresh()

    def _on_next_clicked(self) -> None:
        outcome = self.controller.advance_phase()
        if not outcome.done:
            reason = self.asker.ask("Override needed",
                                    "Cannot move on yet:\n• " + "\n• ".join(outcome.reasons)
                                    + "\n\nTo move on anyway, give the reason (it is logged):")
            if reason:
                outcome = self.controller.advance_phase(override_reason=reason)
        self._report(outcome.done, "" if outcome.done else "Not moved: " + outcome.message)

    def _on_discharge_clicked(self) -> None:
        outcome = self.controller.discharge()
        if not outcome.done:
            self._report(False, "Discharge refused: " + outcome.message)
            reason = self.asker.ask("Discharge refused",
                                    "Discharge refused:\n• " + "\n• ".join(outcome.reasons)
                                    + "\n\nA prescriber may override: give the reason (it is logged):")
            if reason:
                outcome = self.controller.discharge(override_reason=reason)
        if outcome.done:
            self._report(True, "Discharged: the session has ended.")

    def _report(self, ok: bool, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("" if ok else "color:#b71c1c;font-weight:bold;")
