"""The live trend's first 15 minutes follow the session, not a cuff of hours before it: a
monitor's first message carried its last cuff, 3 h old (the previous patient's), and the live
window ran -180..15 min, the session's first minutes a thirteenth of it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.records import ObservationRecord
from console.ui.trend import FOLLOW_MINUTES, TrendPlot
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def monitor(name: str, value: float, measured: float, received: float = 0.3) -> ObservationRecord:
    return ObservationRecord(1, name, value, "", "hl7:MON", at(measured), at(received), "engine")


def test_an_old_cuff_of_the_previous_patient_does_not_stretch_the_live_window(
        qtbot, protocol: Protocol) -> None:
    live = TrendPlot(protocol, started_at=START)
    qtbot.addWidget(live)
    live.resize(1366, 500)
    live.feed.add([monitor("heart_rate", 72, 0.3), monitor("bp_systolic", 118, -180.0),
                   monitor("bp_diastolic", 76, -180.0)])
    for minute in range(1, 5):
        live.feed.add([monitor("heart_rate", 72 + minute, minute, minute)])
    live.refresh()
    low, high = live.x_range()
    assert low >= -20 and high - low <= FOLLOW_MINUTES + 20, (low, high)   # STALE_MANUAL_SECONDS
