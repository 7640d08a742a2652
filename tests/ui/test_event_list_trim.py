"""The event list keeps its newest rows and frees the ones it drops (P8: an 8-hour soak grew by
37 MiB while every dropped row stayed in memory: PySide6's `takeItem` hands the item to nobody)."""

from __future__ import annotations

import ctypes
from datetime import UTC, datetime, timedelta

import pytest

from console.records import EventRecord
from console.session.journal import Journal
from console.ui.event_list import EventList
from tests.session.helpers import MemoryRecorder

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _malloc_in_use() -> int:
    """Bytes malloc has handed out and not got back (glibc >= 2.33)."""
    try:
        mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        pytest.skip("needs glibc's mallinfo2 to see memory that Qt keeps")
    mallinfo2.restype = _MallInfo2
    return int(mallinfo2().uordblks)


def _notes(journal: Journal, first: int, count: int) -> None:
    journal.preload(EventRecord(1, START + timedelta(seconds=i), "note", "ana", {"text": f"note {i}"})
                    for i in range(first, first + count))


def test_event_list_keeps_the_newest_rows(qtbot, monkeypatch):
    monkeypatch.setattr(EventList, "MAX_ROWS", 5)
    journal = Journal(MemoryRecorder())
    events = EventList(journal)
    qtbot.addWidget(events)
    _notes(journal, 0, 4)
    events.refresh()
    _notes(journal, 4, 4)
    events.refresh()
    assert events.count() == 5
    assert [events.item(i).text().split("  ", 1)[1] for i in range(5)] == [
        f"Note: note {i} — ana" for i in (7, 6, 5, 4, 3)]


def test_rows_dropped_from_the_event_list_are_freed(qtbot, monkeypatch):
    monkeypatch.setattr(EventList, "MAX_ROWS", 5)
    journal = Journal(MemoryRecorder(), keep=20_000)
    events = EventList(journal)
    qtbot.addWidget(events)
    _notes(journal, 0, 20_000)
    events.refresh()   # first round: Qt's own caches settle
    journal.entries.clear()
    _notes(journal, 20_000, 20_000)
    before = _malloc_in_use()
    events.refresh()
    journal.entries.clear()
    grown = _malloc_in_use() - before
    # 20,000 rows inserted and 20,000 dropped: kept items would hold ~7 MB (measured ~350 B each).
    assert grown < 2_000_000, f"{grown:,} bytes still held after dropping 20,000 rows"
    assert events.count() == 5
