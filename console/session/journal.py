"""What this session has committed, kept in memory for the event list (newest first).

`Journal` is a `Recorder` in front of the real one: it forwards every write and keeps a copy only
once the write has returned, so the list never shows something the log does not hold. No Qt.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from itertools import islice
from datetime import datetime

from console.records import (
    LATCHED,
    AlarmTransition,
    EventRecord,
    ObservationRecord,
    Record,
    Recorder,
    SessionEnded,
    SessionOpened,
)
from console.session.device_rest import beyond_text, early_text
from console.session.protocol_record import PROTOCOL_IN_FORCE
from protocols.vitals import METRICS, Kind, scale_words


class Journal:
    """Keeps the newest `keep` records, each with its row id in the log (None when unknown)."""

    def __init__(self, inner: Recorder, keep: int = 5000) -> None:
        self.inner = inner
        self.entries: deque[Record] = deque(maxlen=keep)
        self.row_ids: deque[int | None] = deque(maxlen=keep)   # aligned with `entries`
        self.total = 0     # records ever added (the deque forgets the oldest); views compare it

    def start_session(self, opened: SessionOpened) -> int:
        return self.inner.start_session(opened)

    def write(self, records: Sequence[Record]) -> list[int]:
        ids = self.inner.write(records)
        self._add(records, ids)
        return ids

    def preload(self, records: Iterable[Record], ids: Iterable[int | None] | None = None) -> None:
        """Add records already in the log (a resumed session's history), with their row ids."""
        records = list(records)
        self._add(records, list(ids) if ids is not None else [None] * len(records))

    def _add(self, records: Sequence[Record], ids: Sequence[int | None]) -> None:
        self.entries.extend(records)
        self.row_ids.extend(ids)
        self.total += len(records)

    def added_since(self, total: int) -> list[Record]:
        """Records added after the journal held `total` (as many as it still keeps)."""
        return [record for _, record in self.added_since_with_ids(total)]

    def added_since_with_ids(self, total: int) -> list[tuple[int | None, Record]]:
        """(row id, record) of the records added after the journal held `total`, oldest first."""
        count = min(self.total - total, len(self.entries))
        if count <= 0:
            return []
        start = len(self.entries) - count
        return list(zip(islice(self.row_ids, start, None), islice(self.entries, start, None),
                        strict=True))

    def newest_first(self, limit: int = 500) -> list[Record]:
        return list(islice(reversed(self.entries), limit))


def when(record: Record) -> datetime:
    if isinstance(record, ObservationRecord):
        return record.received_at
    if isinstance(record, SessionEnded):
        return record.ended_at
    return record.at


def describe(record: Record) -> str:
    """One line a nurse reads in the event list."""
    if isinstance(record, ObservationRecord):
        m = METRICS[record.metric]
        who = record.entered_by if record.source == "manual" else record.source
        extra = " (confirmed unusual)" if record.confirmed else ""
        extra += f" (corrects #{record.corrects})" if record.corrects is not None else ""
        flags = f" [{' '.join(sorted(record.flags))}]" if record.flags else ""
        if m.kind is Kind.SCALE:   # as chosen at the chair: "Nausea moderate", not "Nausea 2 score"
            return f"{scale_words(record.metric, record.value)} — {who}{extra}{flags}"
        return f"{m.label} {m.format(record.value)} {m.unit} — {who}{extra}{flags}"
    if isinstance(record, AlarmTransition):
        if record.transition == LATCHED:
            return (f"Alarm condition ended ({record.priority}): {record.message}; "
                    "latched until reset")
        return f"Alarm {record.transition} ({record.priority}): {record.message}" + (
            f" — {record.actor}" if record.actor != "engine" else "")
    if isinstance(record, SessionEnded):
        return "Session ended"
    return _describe_event(record)


def _describe_event(event: EventRecord) -> str:
    d = event.detail
    text = {
        "phase_started": f"Phase started: {d.get('name', d.get('phase'))}",
        "phase_ended": f"Phase ended: {d.get('name') or d.get('phase')}",
        "checklist_ticked": (f"Ticked: {d.get('text')}{early_text(d.get('early') or {})}"
                             f"{beyond_text(d.get('beyond_dose') or {})}"),
        "override": f"Override ({d.get('action')}): {d.get('reason')}",
        "gate_decision": f"Prescriber decision: {d.get('decision')}",
        "note": f"Note: {d.get('text')}",
        "observation": f"Observed: {d.get('text')}",
        "correction": f"Correction of #{d.get('corrects')}: {d.get('reason')}",
        "entered_in_error": _entered_in_error(d),
        "dosing_started": "Dosing started (T0)",
        "discharge_refused": "Discharge refused: " + "; ".join(d.get("reasons", [])),
        "discharged": "Discharged",
        "session_ended": "Session ended",
        "session_resumed": "Session resumed after a restart" + (
            f": protocol kept as started ({d['protocol_kept_because']})"
            if d.get("protocol_kept_because") else ""),
        PROTOCOL_IN_FORCE: f"Protocol in force: {d.get('protocol_id')} version {d.get('version')}",
        "console_closed": (f"Console stopped by the system ({d['signal']}) during the session"
                           if d.get("signal") else "Console closed by the nurse during the session")
                          + ": no monitoring until it was started again",
        "log_restored": f"Session log writable again: {d.get('records_written')} held records saved",
        "device_state": f"Device {d.get('state')}" + (f": {d['detail']}" if d.get("detail") else ""),
        "device_dropped": f"Device data dropped: {d.get('counts')}",
        "audio_status": ("Speaker working again" if d.get("available")
                         else f"Speaker not working: {d.get('detail')}"),
        "console_fault": f"Console fault: {d.get('summary')}",
        "network_configured": ("Clinic network: " + str(d.get("network"))
                               + (" · quiet-room tones" if d.get("quiet_room") else "")),
        "network_status": (f"Clinic network: {d.get('problem')}" if d.get("problem")
                           else "Clinic network confirming again"),
        "acknowledged_at_central": (f"Acknowledged at central station {d.get('station')} by "
                                    f"{d.get('by')}"),
        "audio_paused": str(d.get("message", "Audio paused")),
        "device_resent": str(d.get("message", "Monitor message sent again: kept once")),
        "audio_resumed": str(d.get("message", "Audio resumed")),
    }.get(event.kind, f"{event.kind}: {d}")
    return f"{text} — {event.actor}" if event.actor != "engine" else text


def _entered_in_error(d: dict[str, object]) -> str:
    """"MOAA/S 2 (observation #12) entered in error: undone by the nurse within 10 s"."""
    name = str(d.get("metric", ""))
    value = d.get("value")
    label = METRICS[name].label if name in METRICS else name
    shown = METRICS[name].format(float(value)) if name in METRICS and isinstance(value, int | float) else value
    return f"{label} {shown} (observation #{d.get('observation')}) entered in error: {d.get('reason')}"
