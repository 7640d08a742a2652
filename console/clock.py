"""Time, passed in. Nothing below the UI reads the real clock; it receives a `Moment`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time seen two ways.

    Attributes:
        mono: monotonic seconds, for durations (never jumps with the wall clock).
        wall: aware UTC wall time, for stamps in the log.
    """

    mono: float
    wall: datetime

    def plus(self, seconds: float) -> Moment:
        return Moment(self.mono + seconds, self.wall + timedelta(seconds=seconds))


class Clock(Protocol):
    def now(self) -> Moment: ...


class SystemClock:
    """The real clock, used only by the application's entry points."""

    def now(self) -> Moment:
        return Moment(time.monotonic(), datetime.now(UTC))


class ManualClock:
    """A clock that moves only when told: for tests, the simulator's fast mode and benchmarks."""

    def __init__(self, start: datetime | None = None, mono: float = 1000.0) -> None:
        self._now = Moment(mono, start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    def now(self) -> Moment:
        return self._now

    def advance(self, seconds: float) -> Moment:
        self._now = self._now.plus(seconds)
        return self._now


def iso(t: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as stored in the log."""
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
