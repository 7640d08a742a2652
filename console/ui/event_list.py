"""Everything logged this session, newest first, from the session's `Journal`."""

from __future__ import annotations

from PySide6 import QtWidgets

from console.session.journal import Journal, describe, when


class EventList(QtWidgets.QListWidget):
    def __init__(self, journal: Journal, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("event_list")
        self.journal = journal
        self.setStyleSheet("font-size:12pt;")
        self._version = -1

    def refresh(self) -> None:
        if self.journal.version == self._version:
            return
        self._version = self.journal.version
        self.clear()
        for record in self.journal.newest_first():
            if getattr(record, "category", "") == "prompt" and getattr(record, "transition", "") == "cleared":
                continue   # a prompt answered is visible from the reading itself
            stamp = when(record).astimezone().strftime("%H:%M:%S")
            self.addItem(f"{stamp}  {describe(record)}")
