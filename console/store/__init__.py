"""The session log: a durable, append-only, tamper-evident SQLite record (no Qt here).

Schema for clinicians: SCHEMA.md in this folder.
"""

from console.store.chain import VerifyReport
from console.store.errors import Cause, LogError, classify, is_environmental
from console.store.log import (
    EventLog,
    SessionAlreadyEndedError,
    SessionRow,
    UnknownSessionError,
)
from console.store.schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "Cause",
    "EventLog",
    "LogError",
    "SessionAlreadyEndedError",
    "SessionRow",
    "UnknownSessionError",
    "VerifyReport",
    "classify",
    "is_environmental",
]
