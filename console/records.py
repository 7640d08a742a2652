"""What the session engine hands to the event log: one frozen record per decision.

The engine builds records and passes them to a `Recorder`, which commits them (all of one call in
one transaction) before the engine reports the decision as done. No SQL and no Qt here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Protocol


ENGINE: Final = "engine"
"""The actor of what the console logs on its own (an alarm's phases, a resume, a clock step), not
a person: the review, the de-identified copy and the log's "last care" all tell it apart."""

SESSION_RESUMED: Final = "session_resumed"
"""The event kind of a resume: a console opened a session another run had left open."""


@dataclass(frozen=True, slots=True)
class SessionOpened:
    """A new session; the log answers with its id.

    `details` holds what the start screen confirmed: dose_mg, pump_rate_ml_h, chosen_mg, device
    binding, course information.
    """

    patient_id: str
    protocol_id: str
    protocol_version: str
    session_number: int
    nurse: str
    weight_kg: float
    started_at: datetime
    demo: bool = False
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    """One value of one metric (vital or scale), from a device or entered by hand.

    `corrects` points at the observation id this one corrects (a correction is a new row).
    `confirmed` is true when a nurse confirmed an implausible manual value.
    """

    session_id: int
    metric: str
    value: float
    unit: str
    source: str
    measured_at: datetime | None
    received_at: datetime
    entered_by: str
    channel: str = ""
    flags: frozenset[str] = frozenset()
    confirmed: bool = False
    corrects: int | None = None


# Alarm transitions, as written to alarm_events.transition.
RAISED = "raised"
ESCALATED = "escalated"
DEESCALATED = "deescalated"
ACKNOWLEDGED = "acknowledged"
AUDIO_PAUSED = "audio_paused"
AUDIO_RESUMED = "audio_resumed"
RESET = "reset"                # a latched alarm's visual signal reset by the nurse
LATCHED = "latched"            # a high alarm's condition ended unseen: it stays until reset
RETURNED = "returned"          # a latched alarm's condition came back lower: active again
CLEARED = "cleared"            # the condition no longer holds
REMINDED = "reminded"          # an acknowledged alarm still present sounds again
UPDATED = "updated"            # new words at the same priority (an absence; a value taken back)


@dataclass(frozen=True, slots=True)
class AlarmTransition:
    """One step in one alarm occurrence's life.

    Attributes:
        occurrence: the engine's id for this occurrence (unique within the session); every
            transition of the same occurrence carries it, so the `alarms` view can group them.
        condition: `bp_systolic_high`, `device_lost`, `vitals_due:<check>` ...
        category: `physiological`, `technical` or `prompt`.
        priority: `info`, `low`, `medium`, `high` (the priority after this transition).
        value / threshold: what raised it (threshold as a readable limit, e.g. "≥180").
        message: the banner text the nurse saw.
        actor: the nurse for operator actions; `engine` otherwise.
    """

    session_id: int
    occurrence: int
    condition: str
    category: str
    priority: str
    transition: str
    at: datetime
    message: str
    value: float | None = None
    threshold: str = ""
    actor: str = ENGINE


@dataclass(frozen=True, slots=True)
class EventRecord:
    """Anything else: phase changes, checklist ticks, overrides, notes, dose given, discharge.

    `kind` is a stable key (`phase_started`, `checklist_ticked`, `override`, `note`,
    `dose_given`, `threshold_changed`, `discharge_refused`, `discharged`, `session_resumed`, ...);
    `detail` is JSON-serialisable.
    """

    session_id: int
    at: datetime
    kind: str
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)


BASELINE_SET = "baseline_set"
"""The event kind of a baseline fixed after T0: a vital with a limit relative to its baseline had
none at T0, and its first value after T0 became it (or, that value entered in error, the next
one), or a baseline moved after T0 by a correction of the value it was taken from (that one,
or the pre-dose one `dosing_started` logged): the last logged stands. Its detail is
`dosing_started`'s shape, `{"baseline": {"bp_systolic": 128.0}}`; a value null: no baseline any
more. The trend reads both to draw the limits relative to the baseline."""


@dataclass(frozen=True, slots=True)
class SessionEnded:
    session_id: int
    ended_at: datetime


Record = ObservationRecord | AlarmTransition | EventRecord | SessionEnded


class Recorder(Protocol):
    """Commits records durably. Raises `console.store.LogError` when it cannot."""

    def start_session(self, opened: SessionOpened) -> int: ...

    def write(self, records: Sequence[Record]) -> list[int]:
        """Commit all `records` in one transaction; return their row ids in order."""
        ...
