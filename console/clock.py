"""Time, passed in. Nothing below the UI reads the real clock; it receives a `Moment`."""

from __future__ import annotations

import math
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


def local_stamp(t: datetime) -> str:
    """An instant as this computer's local date and time, to the second, with its offset
    ("2026-03-04T10:11:00+01:00": one word, so a printed table keeps its columns), for what a
    command prints to a person (an account's changes, the access log, a refusal naming a row):
    the log's UTC text ("…T09:11:00.000Z") was read as local time beside every other view's
    local one (a records audit)."""
    return t.astimezone().isoformat(timespec="seconds")


def clock_time(t: datetime) -> str:
    """An instant as this computer's local clock time with its zone ("09:10:01 EDT"), for a
    time written into a logged text: the record's own times are UTC, and "since 09:10:01"
    beside an alarm at 13:10:11Z read as four hours before it was raised (review 43)."""
    return f"{t.astimezone():%H:%M:%S %Z}"


def parse_iso(text: str) -> datetime:
    """An ISO 8601 time as a UTC datetime. Raises ValueError for text that is not one, also
    for one UTC cannot hold ("0001-01-01T00:00:00+01:00" raised OverflowError, which a caller
    catching ValueError let through: a central's command crashed the chair's pump, review 45)."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{text!r}: {exc}") from None


class IsoParser:
    """parse_iso with memory, for reading a whole session back (P6: 32,400 rows within 300 ms).

    A device message stamps all its vitals with the same times, so six rows share each string;
    parsing each distinct string once cut the load of one session by about a third.
    """

    def __init__(self) -> None:
        self._seen: dict[str, datetime] = {}

    def __call__(self, text: str) -> datetime:
        stamp = self._seen.get(text)
        if stamp is None:
            stamp = self._seen[text] = parse_iso(text)
        return stamp


def format_span(seconds: float) -> str:
    """A duration in its largest fitting unit, for ages and clock offsets: "45 s", "12 min",
    "2 h" (from 90 min, rounded), "9497 days" (from two days): a monitor clock reset to 2000
    read "13666667 min behind", and "119 min ahead" lost "ahead" to a tile's edge (a nurse walk
    on X)."""
    whole = max(0, int(seconds))
    if whole < 120:
        return f"{whole} s"
    if whole < 90 * 60:
        return f"{whole // 60} min"
    if whole < 48 * 3600:
        return f"{round(whole / 3600)} h"
    return f"{round(whole / 86400)} days"


def format_duration(seconds: float, round_up: bool = False) -> str:
    """A non-negative duration with its unit, so it cannot be misread: "m:ss min" under an hour
    ("4:05 min", "0:11 min"), "h:mm h" from one hour on ("2:11 h"; seconds dropped).

    ("0:11" alone was read both as 11 seconds and as 11 minutes.) `round_up` for countdowns, so
    one still running never reads zero.
    """
    whole = max(0, math.ceil(seconds - 1e-9) if round_up else int(round(seconds)))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if not hours:
        return f"{minutes}:{secs:02d} min"
    if round_up and secs:
        minutes += 1
        if minutes == 60:
            hours, minutes = hours + 1, 0
    return f"{hours}:{minutes:02d} h"