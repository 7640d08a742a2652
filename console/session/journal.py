"""What this session has committed, kept in memory for the event list (newest first).

`Journal` is a `Recorder` in front of the real one: it forwards every write and keeps a copy only
once the write has returned, so the list never shows something the log does not hold. It keeps
the newest records of all kinds, and the session's own records (the nurse's acts, the alarms, the
console's events) apart, so that a monitor's values never push them out. No Qt.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import islice
from datetime import datetime
from typing import Any

from console.clock import parse_iso
from console.records import (
    BASELINE_SET,
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
from console.session.engine import OBSERVED_AT
from console.session.protocol_record import PROTOCOL_IN_FORCE
from devices.reading import AGE_UNKNOWN, MANUAL, NIBP_PULSE
from protocols.text_rules import isolated
from protocols.vitals import METRICS, Kind, scale_words


def is_device_reading(record: Record) -> bool:
    """A value a device sent (not one typed by hand)."""
    return isinstance(record, ObservationRecord) and record.source != MANUAL


def from_device(record: Record) -> bool:
    """What a monitor sent: its readings and the summaries of what it sent that could not be
    used (`device_dropped`), up to several records a second."""
    return is_device_reading(record) or (isinstance(record, EventRecord)
                                         and record.kind == "device_dropped")


class Journal:
    """Keeps the newest `keep` records, each with its row id in the log (None when unknown), and
    apart from them the newest `keep` of the session's own (not `from_device`)."""

    def __init__(self, inner: Recorder, keep: int = 5000) -> None:
        self.inner = inner
        self.entries: deque[Record] = deque(maxlen=keep)
        self.row_ids: deque[int | None] = deque(maxlen=keep)   # aligned with `entries`
        self.total = 0     # records ever added (the deque forgets the oldest); views compare it
        # (position in all records added, row id, record) of the nurse's acts, the alarms and
        # the console's events: 5,000 records are ~14 min of a monitor sending six values a
        # second, and the event list lost a 2-hour session's T0, ticks and alarms to them.
        self.own: deque[tuple[int, int | None, Record]] = deque(maxlen=keep)
        # The values typed by hand, by row id, kept for the session: what a correction names
        # ("corrects SpO2 85 % of 09:00:00"), however long ago the deque forgot the row.
        self.typed: dict[int, ObservationRecord] = {}
        self.phase_names: dict[str, str] = {}   # an override names the phase it ended

    def named(self, row_id: int, metric_name: str) -> str:
        """A typed value as the list shows it ("SpO2 85 % of 09:00:00"), for a question or a
        signature about it: a row number names nothing the nurse can see."""
        return _corrected(row_id, metric_name, self.typed)

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
        self.own.extend((self.total + k, row_id, record)
                        for k, (record, row_id) in enumerate(zip(records, ids, strict=False))
                        if not from_device(record))
        self.total += len(records)
        self.typed.update((row_id, record) for record, row_id in zip(records, ids, strict=False)
                          if isinstance(record, ObservationRecord) and record.source == MANUAL
                          and row_id is not None)
        self.phase_names.update((str(r.detail.get("phase")), str(r.detail.get("name")))
                                for r in records if isinstance(r, EventRecord)
                                and r.kind == "phase_started" and r.detail.get("name"))

    def added_since(self, total: int) -> list[Record]:
        """Records added after the journal held `total` (as many as it still keeps)."""
        return [record for _, record in self.added_since_with_ids(total)]

    def added_since_with_ids(self, total: int) -> list[tuple[int | None, Record]]:
        """(row id, record) of the records added after the journal held `total`, oldest first:
        the session's own it keeps from before the newest `keep` records, then those."""
        count = min(self.total - total, len(self.entries))
        if count <= 0:
            return []
        start = len(self.entries) - count
        first_kept = self.total - len(self.entries)   # the position of entries[0]
        older = ([(row_id, record) for position, row_id, record in self.own
                  if total <= position < first_kept] if total < first_kept else [])
        return older + list(zip(islice(self.row_ids, start, None),
                                islice(self.entries, start, None), strict=True))

    def newest_first(self, limit: int = 500) -> list[Record]:
        return list(islice(reversed(self.entries), limit))


def when(record: Record) -> datetime:
    if isinstance(record, ObservationRecord):
        return record.received_at
    if isinstance(record, SessionEnded):
        return record.ended_at
    return record.at


# A reading's flags in a nurse's words ("[REPLACES_DEVICE]" was the log's name); the NIBP
# cuff's pulse keeps "[NIBP]" (README, Bedside monitors), and a device's own flag is shown as sent.
FLAG_WORDS: dict[str, str] = {
    "REPLACES_DEVICE": "typed in place of the monitor's reading",   # engine.REPLACES_DEVICE
    AGE_UNKNOWN: "measured at an unknown time",
    NIBP_PULSE: NIBP_PULSE,
    "DEMO": "demo", "TEST": "test",
    # A monitor's value beyond its range, kept as the limit (devices/hl7/decoder.py, SN `<^5`).
    "<": "below the monitor's range", ">": "above the monitor's range",
}


def value_words(name: str, value: float) -> str:
    """"SpO2 95 %", and a scale as chosen at the chair: "Nausea moderate", not "Nausea 2 score"."""
    m = METRICS[name]
    return scale_words(name, value) if m.kind is Kind.SCALE else f"{m.label} {m.format(value)} {m.unit}"


def describe(record: Record, journal: Journal | None = None) -> str:
    """One line a nurse reads in the event list; `journal` names what a correction corrected."""
    typed = journal.typed if journal is not None else {}
    if isinstance(record, ObservationRecord):
        who = record.entered_by if record.source == "manual" else record.source
        extra = " (confirmed unusual)" if record.confirmed else ""
        if record.corrects is not None:
            extra += f" (corrects {_corrected(record.corrects, record.metric, typed)})"
        words = [FLAG_WORDS.get(flag, flag) for flag in sorted(record.flags)]
        flags = f" [{', '.join(words)}]" if words else ""
        return f"{value_words(record.metric, record.value)} — {who}{extra}{flags}"
    if isinstance(record, AlarmTransition):
        if record.transition == LATCHED:
            return (f"Alarm condition ended ({record.priority}): {record.message}; "
                    "latched until reset")
        return f"Alarm {record.transition} ({record.priority}): {record.message}" + (
            f" — {record.actor}" if record.actor != "engine" else "")
    if isinstance(record, SessionEnded):
        return "Session ended"
    return _describe_event(record, journal)


def _corrected(row_id: object, name: str, typed: Mapping[int, ObservationRecord]) -> str:
    """"SpO2 85 % of 09:00:00": the value a correction replaced, as the list showed it (the
    list shows no row numbers: "corrects #1" named none the nurse could find)."""
    old = typed.get(row_id) if isinstance(row_id, int) else None
    if old is None or old.metric != name:
        return f"an earlier {METRICS[name].label if name in METRICS else name} value"
    return f"{value_words(old.metric, old.value)} of {when(old).astimezone():%H:%M:%S}"


def _describe_event(event: EventRecord, journal: Journal | None = None) -> str:
    text = event_text(event.kind, event.detail, journal)
    # A hand-over is written by the nurse taking over, whom its words name already.
    named = event.kind == "handed_over" and event.actor == event.detail.get("to")
    return f"{text} — {event.actor}" if event.actor != "engine" and not named else text


def event_text(kind: str, detail: Mapping[str, Any], journal: Journal | None = None) -> str:
    """An event's words, without who did it: the event list's, and the review's and the events
    CSV's for a kind the review does not word itself (console/review/model.py
    `describe_event`), so that one kind reads one way (an acknowledgement at a central station
    read as a Python dict there, with an internal command id)."""
    try:   # only its own kind's words are built
        text = _worded(kind, detail, journal)
    except (TypeError, AttributeError, ValueError, KeyError):
        # A detail not as the console writes it (a row changed outside it, a newer console's):
        # its particulars, never a traceback where the record is read (review, events CSV).
        text = None
    return text if text is not None else unworded(kind, detail)


def _worded(kind: str, d: Mapping[str, Any], journal: Journal | None) -> str | None:
    """The console's own words for an event of `kind`, or None for a kind it has none for."""
    typed = journal.typed if journal is not None else {}
    words: dict[str, Callable[[], str]] = {
        "phase_started": lambda: f"Phase started: {d.get('name', d.get('phase'))}",
        "phase_ended": lambda: f"Phase ended: {d.get('name') or d.get('phase')}",
        "checklist_ticked": lambda: (f"Ticked: {d.get('text')}{early_text(d.get('early') or {})}"
                                     f"{beyond_text(d.get('beyond_dose') or {})}"),
        "override": lambda: _override(d, journal.phase_names if journal is not None else {}),
        "gate_decision": lambda: f"Prescriber decision: {d.get('decision')}",
        "note": lambda: f"Note: {d.get('text')}",
        "observation": lambda: f"Observed: {d.get('text')}",
        "correction": lambda: _correction(d, typed),
        "entered_in_error": lambda: _entered_in_error(d, typed),
        "dosing_started": lambda: "Dosing started (T0)",
        BASELINE_SET: lambda: _baseline_set(d),
        "discharge_refused": lambda: "Discharge refused: " + "; ".join(d.get("reasons", [])),
        "discharged": lambda: "Discharged",
        "session_ended": lambda: "Session ended",
        "session_resumed": lambda: "Session resumed after a restart" + (
            f": protocol kept as started ({d['protocol_kept_because']})"
            if d.get("protocol_kept_because") else ""),
        PROTOCOL_IN_FORCE: lambda: f"Protocol in force: {d.get('protocol_id')} version {d.get('version')}",
        "console_closed": lambda: (f"Console stopped by the system ({d['signal']}) during the session"
                                   if d.get("signal") else "Console closed by the nurse during the session")
                                  + ": no monitoring until it was started again",
        "log_restored": lambda: f"Session log writable again: {d.get('records_written')} held records saved",
        "unsaved_records_found": lambda: (
            f"Found at restart, not in the log: {d.get('readings')} readings, "
            f"{d.get('alarm_changes')} alarm changes, {d.get('other_entries')} other entries in "
            f"{d.get('file')} (for Support)"),
        "device_state": lambda: f"Device {d.get('state')}" + (f": {d['detail']}" if d.get("detail") else ""),
        "device_dropped": lambda: dropped_text(d),
        "audio_status": lambda: ("Speaker working again" if d.get("available")
                                 else f"Speaker not working: {d.get('detail')}"),
        "console_fault": lambda: f"Console fault: {d.get('summary')}",
        "network_configured": lambda: ("Clinic network: " + str(d.get("network"))
                                       + (" · quiet-room tones" if d.get("quiet_room") else "")),
        "network_status": lambda: (f"Clinic network: {d.get('problem')}" if d.get("problem")
                                   else "Clinic network confirming again"),
        "acknowledged_at_central": lambda: (f"Acknowledged at central station {d.get('station')} by "
                                            f"{d.get('by')}"),
        # Refused by the chair (engine `acknowledge_from_central`): who pressed, where, and why.
        "central_ack_not_applied": lambda: (
            f"Acknowledgement from central station {d.get('station')} by {d.get('by')} not "
            "applied: " + "; ".join(str(r) for r in d.get("reasons", []))),
        "audio_paused": lambda: str(d.get("message", "Audio paused")),
        "device_resent": lambda: str(d.get("message", "Monitor message sent again: kept once")),
        "audio_resumed": lambda: str(d.get("message", "Audio resumed")),
        "clock_stepped": lambda: str(d.get(
            "message", "Station clock set: the session's timers run on unchanged")),
        # The review window's words for the same row (console/review/model.py
        # `describe_event`); the list read "handed_over: {'from': …}", a Python dict.
        "handed_over": lambda: (f"Handed over: {isolated(str(d.get('from')))} → "
                                f"{isolated(str(d.get('to')))}"),
        # The alarm's words (engine `_monitor_identity`), with the monitors it names.
        "monitor_changed": lambda: f"Another monitor is sending: {d.get('to')} (was {d.get('from')})",
    }
    word = words.get(kind)
    return word() if word is not None else None


def unworded(kind: str, detail: Mapping[str, Any]) -> str:
    """Words for an event of a kind given none of its own: the kind, then each particular
    ("Threshold changed: vital bp_systolic, old 180, new 170"). It printed the program's dict
    ("threshold_changed: {'vital': …}") on the nurse's list and in the signed record."""
    label = kind.replace("_", " ").capitalize()
    if set(detail) == {"text"}:
        return f"{label}: {detail['text']}"
    if not detail:
        return label
    return f"{label}: {_particulars(detail)}"


def _particulars(detail: Mapping[str, Any]) -> str:
    return ", ".join(f"{key.replace('_', ' ')} {_plain(value)}" for key, value in detail.items())


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"({_particulars(value)})"
    if isinstance(value, list | tuple):
        return "; ".join(_plain(v) for v in value)
    return str(value)


def dropped_text(d: Mapping[str, Any]) -> str:
    """"Device /dev/ttyUSB0 values dropped (unknown-code 1); values kept with a warning
    (name-mismatch 1)": a device message's values not used, and those kept with a doubt, by
    reason (the list read "Device data dropped: {'unknown-code': 1}")."""
    parts = []
    if d.get("counts"):
        counts = ", ".join(f"{k} {v}" for k, v in sorted(d["counts"].items()))
        parts.append(f"values dropped ({counts})")
    if d.get("kept_with_warnings"):
        kept = ", ".join(f"{k} {v}" for k, v in sorted(d["kept_with_warnings"].items()))
        parts.append(f"values kept with a warning ({kept})")
    return f"Device {d.get('device')} " + "; ".join(parts or ["values dropped"])


def _baseline_set(d: Mapping[str, Any]) -> str:
    """"Baseline set after T0: Systolic BP 128 mmHg" (its first value after T0), or "Baseline
    after T0 withdrawn: Systolic BP" (that value entered in error, none after it)."""
    baseline = dict(d.get("baseline") or {})
    set_to = [value_words(str(n), float(v)) for n, v in baseline.items() if v is not None]
    gone = [METRICS[str(n)].label for n, v in baseline.items() if v is None]
    words = [f"Baseline set after T0: {', '.join(set_to)}"] if set_to else []
    if gone:
        words.append(f"Baseline after T0 withdrawn: {', '.join(gone)}")
    return "; ".join(words) or "Baseline set after T0"


def _override(d: Mapping[str, Any], phase_names: Mapping[str, str]) -> str:
    """"Override: Pre-session checks ended with 3 checks not met. Reason: …": which phase was
    left, or the discharge, against how many checks ("Override (end_phase): …" was the log's
    name). Counted, not listed: the pre-session's 17 filled the column."""
    count = len(d.get("blockers") or [])
    what = f"{count} check{'' if count == 1 else 's'} not met"
    if d.get("action") == "end_phase":
        done = f"{phase_names.get(str(d.get('phase')), d.get('phase'))} ended"
    else:
        done = "Discharged" if d.get("action") == "discharge" else str(d.get("action"))
    return f"Override: {done} with {what}. Reason: {d.get('reason')}"


def _correction(d: Mapping[str, Any], typed: Mapping[int, ObservationRecord]) -> str:
    """"Correction of SpO2 85 % of 09:00:00 to SpO2 95 %: typo"."""
    name, value = str(d.get("metric", "")), d.get("value")
    new = value_words(name, float(value)) if name in METRICS and isinstance(value, int | float) else value
    return f"Correction of {_corrected(d.get('corrects'), name, typed)} to {new}: {d.get('reason')}"


def _entered_in_error(d: Mapping[str, object], typed: Mapping[int, ObservationRecord]) -> str:
    """"MOAA/S 2 of 09:00:00 entered in error: undone by the nurse within 10 s": the value as
    the list showed it, never its row number (which the list does not show); an observation
    noted with a button by its text and time ("Vomiting of 09:02:00 entered in error: …")."""
    noted = d.get(OBSERVED_AT)
    if isinstance(noted, str):
        return (f"{d.get('text')} of {parse_iso(noted).astimezone():%H:%M:%S} "
                f"entered in error: {d.get('reason')}")
    name = str(d.get("metric", ""))
    value = d.get("value")
    row_id = d.get("observation")
    if isinstance(row_id, int) and row_id in typed and typed[row_id].metric == name:
        what = _corrected(row_id, name, typed)
    else:
        label = METRICS[name].label if name in METRICS else name
        what = f"{label} {METRICS[name].format(float(value)) if name in METRICS and isinstance(value, int | float) else value}"
    return f"{what} entered in error: {d.get('reason')}"
