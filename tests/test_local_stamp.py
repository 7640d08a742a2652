"""What a command prints of a time is this computer's local time with its offset, not the log's
UTC text (a records audit: the access log and the staff list said "…T09:11:00.000Z" while every
other view said 10:11)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from console.clock import local_stamp


@pytest.fixture
def in_berlin(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_printed_time_is_local_with_its_offset_in_winter_and_summer(in_berlin):
    assert local_stamp(datetime(2026, 3, 4, 9, 11, tzinfo=UTC)) == "2026-03-04T10:11:00+01:00"
    assert local_stamp(datetime(2026, 7, 4, 9, 11, tzinfo=UTC)) == "2026-07-04T11:11:00+02:00"
