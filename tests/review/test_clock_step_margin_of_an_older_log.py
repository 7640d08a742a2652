"""An older log's clock step (its event names no alarm row it followed): an alarm row in the
seconds between the clock's jump and the step's event is on the new clock, and an alarm
acknowledged 12 s after it was raised reads 12 s, not about -1 hour; no test had put a row
in that margin (a review)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from console.session.clock_steps import ClockStep, seconds_between


@dataclass(frozen=True)
class Row:
    at: datetime
    id: int


def test_an_alarm_raised_just_before_an_older_logs_step_event_keeps_its_12_s():
    raised = datetime(2025, 3, 4, 11, 0, 0, tzinfo=UTC)   # on the clock after a +1 h NTP step
    step = ClockStep(step_s=3600.0, logged_s=2.0)          # the step's event came 2 s later
    acked = raised + timedelta(seconds=12)
    assert seconds_between(Row(raised, 10), Row(acked, 11), [step], raised) == 12.0
