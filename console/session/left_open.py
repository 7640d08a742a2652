"""Sessions left open (the console stopped before their discharge): which one a start resumes,
and how one is described, in one place for the start screen and the command line.

The rule: a start for a patient and protocol that have a session still open meets the newest
such session (the one the console was running when it stopped). When the bedside cared for that
session less than RESUME_WITHIN_HOURS ago (a reading, or an act of the nurse's:
`EventLog.last_entry_at`; a crash's restart comes minutes later), the start resumes it: its
phase, T0, timers and alarms come back, and no second session of the patient is opened beside
it. An older one is a session nobody ended: today's readings must not go into it, so a start does
not resume it; it is resumed only on purpose, to discharge it, and a new session is started
beside it only when asked for (`--new-session`, the start screen's question). Once resumed that
late it stays "not today's", whatever was done in it since: a session of 3 days before, resumed
to discharge it (refused, a prescriber needed) and closed, was resumed by the next Start 15
minutes later, and today's vitals went into it (the phases review).

Before this module the command line held the rule (console/ui/app.py) and the start screen had
none: typing the patient of a session a crash had left open 30 minutes before opened session 2
beside it, its alarms not restored (review 39).

No Qt here (style rule 1); the time is passed in (style rule 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from console.clock import format_span
from console.records import EventRecord
from console.session.engine import DEVICE_SIMULATED
from console.session.start_checks import RESUME_WITHIN_HOURS
from console.store import EventLog, SessionRow
from console.store.log import patient_fold

__all__ = ["LeftOpen", "left_open", "left_open_for", "open_under_other_protocols"]


@dataclass(frozen=True, slots=True)
class LeftOpen:
    """A session left open, with how long the bedside has not cared for it.

    Attributes:
        row: the session.
        last_entry: when the bedside last cared for it (`EventLog.last_entry_at`), before it
            was resumed that late when it was (`left_open`).
        idle_s: seconds from `last_entry` to the time asked about.
    """

    row: SessionRow
    last_entry: datetime
    idle_s: float

    @property
    def recent(self) -> bool:
        """Whether a start for its patient and protocol resumes it (idle < RESUME_WITHIN_HOURS)."""
        return self.idle_s < RESUME_WITHIN_HOURS * 3600

    def when_text(self) -> str:
        """When it started and last logged, with the year and how long ago: "started Fri 24 Jan
        2025 10:00, last entry 24 Jan 2025 10:40, 400 days ago" (local time). Without the year
        and the age a session left open last year read like today's (review 39)."""
        started, last = self.row.started_at.astimezone(), self.last_entry.astimezone()
        return (f"started {started:%a %d %b %Y %H:%M}, last entry {last:%d %b %Y %H:%M}, "
                f"{format_span(self.idle_s)} ago")


def left_open(log: EventLog, row: SessionRow, now: datetime) -> LeftOpen:
    """`row` (a session not ended) with its last bedside entry and its idle time at `now`.

    A session first resumed RESUME_WITHIN_HOURS or more after its last care was resumed only to
    discharge it: its last entry stays the one before that resume. What was done in it since
    (the prompts acknowledged, a note, a reading of the chair's monitor, maybe today's patient)
    is no sign that it is today's session."""
    last = log.last_entry_at(row.id)
    for resumed in log.resumed_at(row.id):   # oldest first
        before = log.last_entry_at(row.id, before=resumed)
        if (resumed - before).total_seconds() >= RESUME_WITHIN_HOURS * 3600:
            last = before
            break
    return LeftOpen(row, last, (now - last).total_seconds())


def left_open_for(log: EventLog, patient_id: str, protocol_id: str,
                  now: datetime) -> LeftOpen | None:
    """The session a start for this patient and protocol meets: the newest of theirs still open,
    or None (a new session starts). Whether the start resumes it is `LeftOpen.recent`.

    Args:
        patient_id: as typed (`start_checks.patient_key`); matched folded (`patient_fold`):
            "mrn-94 a" meets the session a crash left open under "MRN-94 A".
        now: wall time (UTC-aware), to measure how long it has not been cared for.
    """
    key = patient_fold(patient_id)
    for row in log.open_sessions():   # newest first
        if patient_fold(row.patient_id) == key and row.protocol_id == protocol_id:
            return left_open(log, row, now)
    return None


def open_under_other_protocols(log: EventLog, patient_id: str, protocol_id: str) -> list[SessionRow]:
    """The patient's sessions still open under another protocol than `protocol_id`, newest
    first: a start beside one of them is asked first (a second chair's nurse typing MRN-1 for
    MRN-11 opened a session of MRN-1 under another protocol beside its running one unasked).
    The identifier is matched folded (`patient_fold`), as `left_open_for`."""
    key = patient_fold(patient_id)
    return [row for row in log.open_sessions()
            if patient_fold(row.patient_id) == key and row.protocol_id != protocol_id]


def device_read_last(row: SessionRow, events: Sequence[EventRecord]) -> tuple[str, str] | None:
    """The monitor (address, format) a session left open read last, for its resume: the one
    its newest `session_resumed` logged (a resume on another monitor: `--resume N --device`,
    the start screen's Device box), else the one it started on. Restarted on the monitor it
    started on, a session resumed on the chair's monitor came back on "Manual entry only", its
    vitals stopped and no alarm said so (review 44)."""
    for event in reversed(events):
        if event.kind == "session_resumed" and "device" in event.detail:
            address = event.detail["device"]
            return (str(address), str(event.detail.get("format") or "hl7")) if address else None
    address = row.details.get("device")
    return (str(address), str(row.details.get("format") or "hl7")) if address else None


def plays_new_simulator(row: SessionRow, events: Sequence[EventRecord]) -> bool:
    """Whether a demo session left open is resumed on a new simulated monitor: unless its newest
    resume logged a monitor it was given (`--resume N --device`, the start screen's Device box),
    which it reads again (`device_read_last`). A demo's own simulator stopped with its console;
    a demo resumed on QA's own simulator came back on a new one after "Restart and resume"."""
    if not row.demo:
        return False
    for event in reversed(events):
        if event.kind == "session_resumed" and "device" in event.detail:
            return not event.detail["device"] or event.detail.get(DEVICE_SIMULATED) is not False
    return True   # started on its own simulator; an older log's resumes did not say
