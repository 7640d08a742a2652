"""The journal keeps the session's own records (the nurse's acts, the alarms, the console's events)
however many monitor values came after them: it keeps only the newest 5,000 records of all kinds
(~14 minutes of a monitor sending six values a second), and a 2-hour session's T0 is ~43,000
values back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.records import AlarmTransition, EventRecord, ObservationRecord, Record
from console.session.journal import Journal
from tests.session.helpers import MemoryRecorder

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONITOR = "hl7:MON"
SIX = ("heart_rate", "spo2", "pulse_rate", "resp_rate", "bp_systolic", "bp_diastolic")


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def monitor(first: int, seconds: int) -> list[Record]:
    """A monitor sending six values a second from `first` for `seconds`."""
    return [ObservationRecord(1, name, 80, "", MONITOR, at(s), at(s), "")
            for s in range(first, first + seconds) for name in SIX]


def own(seconds: float, text: str) -> EventRecord:
    return EventRecord(1, at(seconds), "note", "ana", {"text": text})


def test_a_two_hour_sessions_own_records_outlast_the_monitors_values():
    journal = Journal(MemoryRecorder())
    t0 = EventRecord(1, at(60), "dosing_started", "ana", {})
    alarm = AlarmTransition(1, 1, "spo2_low", "physiological", "high", "raised", at(1800), "SpO2 86 %",
                            86.0, "≤88")
    journal.write([own(30, "consent signed"), t0])
    journal.write(monitor(61, 1739))
    journal.write([alarm])
    journal.write(monitor(1800, 5400))   # on to 2 hours
    journal.write([own(7200, "comfortable")])
    kept = [record for _, record in journal.added_since_with_ids(0)]
    assert [r for r in kept if not isinstance(r, ObservationRecord)] == [
        own(30, "consent signed"), t0, alarm, own(7200, "comfortable")]
    # The monitor's values are still only the newest ones (memory stays bounded).
    assert sum(isinstance(r, ObservationRecord) for r in kept) == 4999


def test_a_resumed_history_keeps_its_own_records_with_their_row_ids():
    journal = Journal(MemoryRecorder())
    history = [own(0, "pump started"), *monitor(1, 1000), own(1001, "resumed")]
    journal.preload(history, range(1, len(history) + 1))
    rows = journal.added_since_with_ids(0)
    assert rows[0] == (1, own(0, "pump started"))
    assert rows[-1] == (len(history), own(1001, "resumed"))
    assert len(rows) == 5001   # the note before the newest 5,000, and those


def test_what_was_added_since_a_count_comes_in_order_and_nothing_before_it():
    journal = Journal(MemoryRecorder(), keep=10)
    journal.write([own(0, "a"), *monitor(1, 5)])
    seen = journal.total
    journal.write([own(6, "b"), *monitor(7, 3), own(10, "c")])
    new = journal.added_since(seen)
    assert new[0] == own(6, "b") and new[-1] == own(10, "c")
    assert own(0, "a") not in new
    assert len(new) == 11   # "b", then the newest ten
