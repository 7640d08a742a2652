"""A reading placed by its logged time alone (the review's series, the REMS form's answers:
`clock_steps.seconds_to_time`) when NTP stepped the clock after a restart that came at once: the
clock was as wrong before the restart as after it, so the step reaches back to the session's
start and every reading before it, before the restart too, keeps the minute the console's timers
gave it. Placed as if the step reached back to the restart only, a reading 10 min into the
session before the restart read "-50 min"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from console.records import SESSION_RESUMED
from console.session.clock_marks import CLOCK_STEPPED
from console.session.clock_steps import (
    SESSION_START_ID, LoggedAt, logged_steps, seconds_to_time, seconds_to_time_range)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = 3600.0


@dataclass(frozen=True)
class _Event:
    id: int
    at: datetime
    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)


def _minute(seconds: float) -> float:
    return round(seconds / 60, 2)


def _events(gaps_s: tuple[float, ...]) -> list[_Event]:
    """Restarts at 20 (and 25) min with the clock `gaps_s` from the log's newest time, and NTP
    an hour forward at 30 min (the clock an hour slow from the start)."""
    events = [_Event(1, START, "phase_started")]
    for n, (minute, gap) in enumerate(zip((20, 25), gaps_s, strict=False), start=2):
        events.append(_Event(n, START + timedelta(minutes=minute), SESSION_RESUMED,
                             {"clock_gap_s": gap}))
    events.append(_Event(9, START + timedelta(minutes=30, hours=1), CLOCK_STEPPED,
                         {"step_s": HOUR}))
    return events


def test_a_reading_before_a_restart_at_once_keeps_its_minute_after_ntp_steps_forward() -> None:
    steps = logged_steps(_events((30.0,)))   # a restart 30 s after the last thing logged
    start = LoggedAt(START, SESSION_START_ID)
    before_restart, after_restart = START + timedelta(minutes=10), START + timedelta(minutes=22)
    after_step = START + timedelta(minutes=40, hours=1)
    assert [_minute(seconds_to_time(start, at, steps))
            for at in (before_restart, after_restart, after_step)] == [10.0, 22.0, 40.0]
    assert seconds_to_time_range(start, before_restart, steps) == (600.0, 600.0)

