"""`start_in_thread(..., until_stopped=True)`: the device the console's demo plays goes on past
its scenario's end until it is stopped (tests/ui/test_demo_monitor_outlives_its_scenario.py
plays it into a demo session); a duration asked of it is refused, never dropped unsaid."""

from __future__ import annotations

import pytest

from devices.simulator.player import start_in_thread


def test_a_device_played_until_stopped_is_given_no_duration() -> None:
    # Refused before a port is made: no thread to stop.
    with pytest.raises(ValueError, match=r"^until_stopped plays past the scenario's end: no "
                                         r"duration_minutes \(5\) with it$"):
        start_in_thread("normal", "hl7", 1.0, duration_minutes=5, until_stopped=True)
