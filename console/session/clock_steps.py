"""How long between two logged records when the station's clock was stepped in between: one rule
for the live trend (`trend_feed`), the review, its PDF and `AlarmEpisode.seconds_to_acknowledge`
(no SQL, no Qt).

The engine logs each wall-clock step it sees (NTP, a corrected RTC) as a `clock_stepped` event
with `step_s` and how many of the session's alarm rows were logged before it
(`ALARM_ROWS_BEFORE`). Alarm rows carry the wall time they were logged at: a medium alarm
acknowledged 10 s after it was raised, NTP setting the clock an hour forward in between, read
"1:00 h" to acknowledge (an alarm an audit flags as missed); one set back a minute shortened 80 s
to "20 s" (review 44). The engine's replay knew the answer came 10 s after the alarm.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from console.records import SESSION_RESUMED
from console.session.clock_marks import CLOCK_STEPPED, RunClocks, logged_count

SESSION_ENDED: Final = "session_ended"
UNKNOWN_SECONDS: Final = math.nan
"""The time between two alarm rows when it cannot be known (`seconds_between`): a float that no
consumer can take for a response time, and no `None` (which says "not acknowledged")."""


@dataclass(frozen=True, slots=True)
class ClockStep:
    """A wall-clock step the engine logged (`clock_stepped`), as the alarm times need it.

    Attributes:
        step_s: the wall clock's move against the monotonic clock, seconds (negative: back).
        logged_s: when it was logged (on the clock after the step), in seconds after the alarm
            was raised (`AlarmEpisode.raised_at`): relative, so that a de-identified copy's moved
            times (`console.export.deidentify`) keep it right and it holds no date.
        after_row: the `alarm_events` id of the session's last alarm row logged before it (0:
            none was), or None when the log does not say (an older console): then only its time
            places it.
        since_row: the id of the last alarm row before the run of the console whose clock it
            put right (0: the session's start), as the engine's replay reaches back
            (`SessionEngine.resume`): a step that corrected the clock a restart found wrong
            moves nothing logged before that restart, whose times were right on their clock.
    """

    step_s: float
    logged_s: float
    after_row: int | None = None
    since_row: int = 0


class AlarmRow(Protocol):
    """An alarm row with its logged time and its `alarm_events` id (`AlarmStep`)."""

    @property
    def at(self) -> datetime: ...

    @property
    def id(self) -> int: ...


def seconds_between(first: AlarmRow, then: AlarmRow, steps: Iterable[ClockStep],
                    origin: datetime) -> float:
    """Seconds from the alarm row `first` to the later row `then` of one occurrence: their logged
    times less each step logged between them, placed among the alarm rows by `after_row`.

    `UNKNOWN_SECONDS` when a step without `after_row` (an older log) may lie between them: the
    earlier row's time is on the clock before it, the later row's on the clock after it
    (`_may_lie_between`). `origin` is the time the steps' `logged_s` count from (the alarm's
    `raised_at`). A result below zero is left for the caller to say (no step logged explains it:
    a step while the console was down, or one under `CLOCK_STEP_SECONDS`).
    """
    seconds = (then.at - first.at).total_seconds()
    for step in steps:
        if step.after_row is None:
            place = _placed_by_time(step, first.at, then.at, origin)
            if place is None:
                return UNKNOWN_SECONDS
            if place:
                seconds -= step.step_s
        elif step.since_row < first.id and logged_between(step.after_row, first, then):
            seconds -= step.step_s
    return round(seconds, 3)


def logged_between(after_row: int, first: AlarmRow, then: AlarmRow) -> bool:
    """Whether what the engine logged after the alarm row `after_row` (a `clock_stepped` or
    `session_resumed` event's `ALARM_ROWS_BEFORE`, as the id of the last row it counts) came
    between the alarm rows `first` and `then`: by their order, which no clock step moves (their
    wall times do: review 44)."""
    return first.id <= after_row < then.id


# How far a row's time may stray from the step's two readings and still be placed by it: the
# engine logs a step at its next action, a step is only one above this (`CLOCK_STEP_SECONDS`).
_MARGIN_S: Final = 5.0


def _placed_by_time(step: ClockStep, first: datetime, then: datetime,
                    origin: datetime) -> bool | None:
    """Whether a step an older log did not place among its alarm rows came between `first` and
    `then`, by their times alone: a row logged after it reads at least `logged_s`, one logged
    before it at most `logged_s - step_s` (the clock just before). A row in neither reach (a
    step back: the same times came twice) cannot be placed: None, never a guess. A step forward
    is always placed (review 44: "unknown" had been said of every one between the two)."""
    def before(at: datetime) -> bool:
        return (at - origin).total_seconds() < step.logged_s - _MARGIN_S

    def after(at: datetime) -> bool:
        return (at - origin).total_seconds() > step.logged_s - step.step_s + _MARGIN_S

    if before(first) and after(then):
        return True
    if before(then) or after(first):
        return False   # both rows on one side of it
    return None


def is_unknown(seconds: float) -> bool:
    """True for `UNKNOWN_SECONDS`."""
    return math.isnan(seconds)


# --- lengths between the session's records (phases, monitoring time) -----------------------------


class SessionEvent(Protocol):
    """A logged event as the session's clock steps need it (`model.LoggedEvent`)."""

    @property
    def id(self) -> int: ...

    @property
    def at(self) -> datetime: ...

    @property
    def kind(self) -> str: ...

    @property
    def detail(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class LoggedStep:
    """A `clock_stepped` event placed among the session's events by their ids, which no clock
    step moves (review 45: a phase's length and the REMS form's monitoring time were their
    wall times, a step and all).

    Attributes:
        event_id: its event's id.
        at: when it was logged (on the clock after it).
        step_s: the wall clock's move, seconds (negative: back).
        reach_id: the id of the first event it moves: the events from it up to `event_id`
            were logged on the clock it put right (0: from the session's start). Not across a
            restart whose clock it corrected (`console.session.clock_marks.run_reached`, the
            engine's own rule for its replay).
        reach_at: that first event's time (None: the session's start), to place a record known
            only by its time.
    """

    event_id: int
    at: datetime
    step_s: float
    reach_id: int = 0
    reach_at: datetime | None = None
    restart_behind: bool = False
    """Not a step: a restart (`reach_id`) whose clock was behind the log, which no step has
    put right (yet). The console counted its timers as if the restart came at once, and so
    are the records its run logged (up to `event_id`, the next restart's) placed: by
    `step_s`, the clock's lag. By their wall times alone, an SpO2 falling to 88 after a
    restart an hour behind was drawn before the session's start, never on the follow view
    (a review). Placed by the log's order only (`logged_seconds`): by time, records on the
    clock behind the log cannot be told from those logged before the restart."""


@dataclass(frozen=True, slots=True)
class LoggedAt:
    """A moment of the record with its event id (`AlarmRow`), for the rules above: id 0 is the
    session's start, before every event (`SESSION_START_ID`)."""

    at: datetime
    id: int


SESSION_START_ID: Final = 0
"""The event id of a session's start (`LoggedAt`): before every event."""


def logged_steps(events: Iterable[SessionEvent]) -> tuple[LoggedStep, ...]:
    """The session's wall-clock steps among its `events` (in id order), each with the run of
    the console it reaches back to (`run_reached`, as the review's alarm times)."""
    return _read_steps(events)[0]


def _read_steps(events: Iterable[SessionEvent]) -> tuple[
        tuple[LoggedStep, ...], list[tuple[int, datetime, float | None, bool]]]:
    """`logged_steps`, and each restart among `events` (its event id, time, clock gap and
    whether a step put its clock right: `RunClocks`, at most once per restart)."""
    out: list[LoggedStep] = []
    clocks = RunClocks()
    runs: list[tuple[int, datetime | None, float | None]] = [(0, None, None)]
    for e in events:
        if e.kind == SESSION_RESUMED:
            gap = e.detail.get("clock_gap_s")
            runs.append((e.id, e.at, float(gap) if isinstance(gap, int | float) else None))
            clocks.restarted(runs[-1][2])
        elif e.kind == CLOCK_STEPPED:
            step = e.detail.get("step_s", 0.0)
            step_s = float(step) if isinstance(step, int | float) else 0.0
            reach = clocks.stepped(step_s)
            out.append(LoggedStep(e.id, e.at, step_s, runs[reach][0], runs[reach][1]))
    restarts = [(run_id, at, gap, clocks.corrected(n))
                for n, (run_id, at, gap) in enumerate(runs) if at is not None]
    return tuple(out), restarts


def placed_steps(events: Iterable[SessionEvent]) -> tuple[LoggedStep, ...]:
    """`logged_steps`, and each restart behind the log that no step put right (yet) as the
    engine's timers count its run (`LoggedStep.restart_behind`): the trend's placing."""
    steps, restarts = _read_steps(events)
    out = list(steps)
    # Any lag: the engine counts from the log's newest time whenever the clock reads earlier
    # (`SessionEngine.resume`), until a step puts its clock right (the one `logged_steps`
    # reaches it by: later steps are the clock's own).
    for n, (run_id, run_at, gap, corrected) in enumerate(restarts):
        if gap is not None and gap < 0 and not corrected:
            end = restarts[n + 1][0] if n + 1 < len(restarts) else AFTER_EVERY_EVENT
            out.append(LoggedStep(end, run_at, -gap, run_id, run_at, restart_behind=True))
    return tuple(out)


class RowPlaces:
    """Where each of the session's rows of one table (its readings, its alarm rows) came among
    its clock steps and restarts: by the count of the table's rows each of those events logged
    before it (`key`: `OBSERVATIONS_BEFORE`, `ALARM_ROWS_BEFORE`), which no clock step moves.
    After a step back the rows' times cannot say it: the same times came twice. Not known for
    a log whose events do not count them (an older console), nor without the rows (`rows`: the
    table's row ids of the session, in id order; a session read without its readings)."""

    def __init__(self, events: Iterable[SessionEvent], key: str, rows: Sequence[int]) -> None:
        self._index = {row: n for n, row in enumerate(rows)}
        marks = [(logged_count(e.detail.get(key)), e.id) for e in events
                 if e.kind in (CLOCK_STEPPED, SESSION_RESUMED)]
        self._marks = [(count, event_id) for count, event_id in marks if count is not None]
        self._known = bool(rows) and len(self._marks) == len(marks)

    def event_before(self, row: int | None) -> int | None:
        """The id of the last clock step or restart logged before the row `row`
        (`SESSION_START_ID`: none was), or None when not known."""
        n = self._index.get(row) if row is not None and self._known else None
        if n is None:
            return None
        before = SESSION_START_ID
        for count, event_id in self._marks:   # in id order, their counts rising
            if count > n:
                break
            before = event_id
        return before


def event_seconds_between(first: AlarmRow, then: AlarmRow, steps: Iterable[LoggedStep]) -> float:
    """Seconds from the event `first` to the later event `then` (each with its id and logged
    time): their times, each put on the clock the latest step reaching it left (as the engine's
    replay puts them), so that a step logged between them counts for nothing."""
    return logged_seconds(first.at, first.id, then.at, then.id, steps)


AFTER_EVERY_EVENT: Final = 2 ** 62
"""An event id for what was logged after every event (a session's end without an event)."""


def logged_seconds(first_at: datetime, first_id: int, then_at: datetime, then_id: int,
                   steps: Iterable[LoggedStep]) -> float:
    """`event_seconds_between` by the two events' times and ids (0: the session's start, before
    every event; `AFTER_EVERY_EVENT`: its end where no event logged it)."""
    placed = tuple(steps)
    return round((then_at - first_at).total_seconds()
                 + _shift_s(placed, then_id) - _shift_s(placed, first_id), 3)


SESSION_LENGTH_KINDS: Final = (CLOCK_STEPPED, SESSION_RESUMED, SESSION_ENDED)
"""The kinds of event `session_seconds` needs (a reader of many sessions reads only these)."""


def session_seconds(started_at: datetime, ended_at: datetime,
                    events: Iterable[SessionEvent]) -> float:
    """How long a session ran from its start to its end `ended_at` (`sessions.ended_at`): net of
    the clock steps among its `events` (in id order; at least those of `SESSION_LENGTH_KINDS`),
    as its page and its list line say it (review 47: NTP an hour forward in a 50-minute
    session listed it as "1:50 h", its page "50:00 min")."""
    listed = tuple(events)
    ended = next((e.id for e in listed if e.kind == SESSION_ENDED), AFTER_EVERY_EVENT)
    return logged_seconds(started_at, SESSION_START_ID, ended_at, ended, logged_steps(listed))


def seconds_to_time(first: AlarmRow, at: datetime, steps: Iterable[LoggedStep]) -> float:
    """Seconds from the event `first` to a record known by its logged time `at` alone (a reading
    as the review's series hold it): placed before or after each step by its time, as an older
    log's alarm rows are (`_placed_by_time`). `UNKNOWN_SECONDS` when a step back may lie either
    side of it (the same times came twice), never a guess."""
    earliest, latest = seconds_to_time_range(first, at, steps)
    return earliest if earliest == latest else UNKNOWN_SECONDS


def seconds_to_time_range(first: AlarmRow, at: datetime,
                          steps: Iterable[LoggedStep]) -> tuple[float, float]:
    """`seconds_to_time` as the earliest and the latest it may be: one number twice where the
    steps place the record, else each step it may lie either side of counted or not (the two
    readings of the times a step back made come twice). A record an 8-s step back leaves
    unplaced an hour after the dose is after it by either reading (the REMS draft's answers)."""
    placed = tuple(steps)
    low = high = 0.0
    for step in placed:
        if step.restart_behind:
            continue   # placed by the log's order only
        if step.reach_at is not None and at < step.reach_at:
            continue   # logged before the restart whose clock the step corrected
        before = _before_step(step, at)
        if before is None:
            low += min(step.step_s, 0.0)
            high += max(step.step_s, 0.0)
        elif before:
            low += step.step_s
            high += step.step_s
    seconds = (at - first.at).total_seconds()
    first_shift = _shift_s(placed, first.id)
    return round(seconds + low - first_shift, 3), round(seconds + high - first_shift, 3)


def _shift_s(steps: tuple[LoggedStep, ...], event_id: int) -> float:
    """What the steps logged after the event `event_id` and reaching it moved its clock by."""
    return sum(s.step_s for s in steps if s.reach_id <= event_id < s.event_id)


def _before_step(step: LoggedStep, at: datetime) -> bool | None:
    """Whether a record logged at `at` came before the step, by its time: after it a record
    reads at least the step's time, before it at most that less `step_s`; None in neither reach
    (a step back)."""
    seconds = (at - step.at).total_seconds()
    if seconds < -_MARGIN_S:
        return True
    if seconds > -step.step_s + _MARGIN_S:
        return False
    return None
