"""A session the real engine writes to a real log, read back as the review reads it: for review
tests that need what only the engine records (a latched alarm, a value taken back)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.clock import ManualClock
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def iv_ketamine() -> Protocol:
    return load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")


@dataclass
class LoggedSession:
    engine: SessionEngine
    clock: ManualClock
    log: EventLog

    def detail(self, with_observations: bool = False) -> SessionDetail:
        """Close the log (the session as the chair left it) and load it for the review."""
        session = self.engine.session_id
        self.log.close()
        conn = open_readonly(self.log.path)
        try:
            return load_session(conn, session, with_observations=with_observations)
        finally:
            conn.close()


def logged_session(tmp_path: Path, start: datetime = START, patient: str = "MRN-7",
                   nurse: str = "ana", **details: Any) -> LoggedSession:
    clock = ManualClock(start)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    engine = SessionEngine.open(iv_ketamine(), log, Patient(patient, 72.0), nurse, clock.now(),
                                details=details or None)
    return LoggedSession(engine, clock, log)
