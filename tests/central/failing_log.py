"""A real central log whose writes fail while told to (for tests of the station's held rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.central.central_log import Action, CentralLog, CentralLogError


class FlakyLog:
    """A real central log (`real`) whose writes raise the log's own error while `failing`: the
    file locked by another program for longer than the busy timeout, a disk full for a moment.
    Without `batch` and `check`, as any stand-in: the board writes it row by row."""

    def __init__(self, log: CentralLog) -> None:
        self.real = log
        self.uid = log.uid
        self.failing = False
        self.writes = 0   # the writes tried, failed or not

    def _check(self) -> None:
        self.writes += 1
        if self.failing:
            raise CentralLogError(self.real.path, "locked", "database is locked")

    def add_received(self, control_id: str | None, chair: str, kind: str,
                     received_at: datetime, payload: str) -> bool:
        self._check()
        return self.real.add_received(control_id, chair, kind, received_at, payload)

    def add_action(self, at: datetime, nurse: str, chair: str, session: int | None,
                   occurrence: int | None, kind: str, detail: dict[str, Any]) -> int:
        self._check()
        return self.real.add_action(at, nurse, chair, session, occurrence, kind, detail)

    def actions_since(self, since: datetime) -> list[Action]:
        return self.real.actions_since(since)
