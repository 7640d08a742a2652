"""One reading of the logged records for every trend: the live window, the review, the course view
and the PDF report. No Qt.

The feed turns what the engine committed (`ObservationRecord`, `EventRecord`, `AlarmTransition`)
into what a trend plots: per vital, points (minutes since the session opened, value, typed or from
a device); NIBP measurements as systolic-diastolic bars with their mean; markers for phases, T0,
observations, notes and physiological alarms; the baselines in force at T0 (and those fixed after
it, `BASELINE_SET`). The live window feeds
it incrementally from the journal (`add_rows`), the review and the report all at once from the
log (`load`); the rules below are applied the same way in both, so the same records plot the same way
everywhere (tests/session/test_trend_feed.py feeds one session both ways and in random batches).

Where a value sits on the time axis (`TrendFeed.placed_at`):

- A typed value: when the nurse entered it (its `measured_at` when one is given, else its
  `received_at`).
- A device's NIBP (`bp_*` from a device with a measured time): at its measured time. A cuff
  determination takes 30-60 s and monitors resend their last result in every message, so its
  arrival is later than the measurement, sometimes by minutes. The pulse rate the cuff measured
  with them (flag `NIBP`) is part of that measurement: at the same time, in a series of its own
  (`CUFF_PULSE`, drawn as points), not in the pulse line: joined to an oximeter's pulse of 125
  a cuff's 80 drew a dip to 80 nobody measured.
- Any other device value: when the console received it. Continuous values are measured the
  second they are sent; the console's clock is the one every other record uses.
- Device clock skew: when a value of a device carries a measured time more than `SKEW_LIMIT_S`
  (60 s) away from the console's receive time and that gap is the clock's (`clock_offset`),
  that device's clock is not to be trusted: all its values, earlier ones included, are placed at
  their receive time, and the skew is reported once (`ClockSkew`, for a technical notice).
  Placing at receive time is never wrong by more than the delivery delay; trusting a wrong clock
  is wrong by the whole skew (issue 11 item 16: a monitor 8 minutes ahead spread an 11-minute
  session's BP over 48 minutes). The gap says the clock is off when the value is continuous
  (measured the second it is sent) or its time is ahead of its arrival (nothing arrives before
  it was measured), and for an NIBP measured behind its arrival only when measured before the
  session opened (a clock reset to 2000) and no continuous value of the device, its message's
  included, shows its clock right. An NIBP is a spot measurement the monitor delivers
  after it was taken: one taken during a console restart or a link outage arrives minutes
  later, and the audit found the first cuff after a restart reported as "Monitor clock 4 min
  behind", drawn and shown as just measured; a cuff taken before the nurse opened the session
  arrives with the first message, its HR stamped right (before minute 0: every view of the
  trend then starts there, 20 min before at most, `start_minutes`). A clock that is really behind shows on
  the device's continuous values. A pre-session cuff with no continuous value of its device
  seen before it waits for one up to `CUFF_WAIT_S` (10 s of receive time): a message lists its
  values in any order, and a Mindray bedside monitor sends its NIBP in a message of its own
  (503) and its HR in the next 204, a second later (devices.md). Only when none comes within
  that (the input reaches a later time) is it judged by its own times, drawn meanwhile at its
  measured time; one that comes later changes nothing (a probe put on after the cuff: the
  clock stays off, no point moves back). A device found off stays off. The tiles show the same
  verdict, kept by the same code fed the same values (`DeviceClocks`, the engine's copy read
  through `SessionView.device_clock`): the tile had judged a cuff by the device's latest HR
  whenever it came, "measured 08:55 · 6 min ago" beside the trend's "Monitor clock 5 min
  behind".
- The station's clock stepped (NTP correcting a fast clock, `clock_stepped`): every time is
  put on the clock the session started on, as the console's timers ran and the review counts
  minutes (`console.session.clock_steps.logged_seconds`; a record is placed among the steps by
  the log's order, which no step moves). By wall time, NTP setting a clock 60 min fast back
  30 min into a session drew every later reading an hour in the past, before the session's
  start and off the follow view: an SpO2 falling to 89 was not seen on the trend for an hour;
  a clock set forward drew an hour of nothing. A monitor's measured time is trusted only
  within a minute of the console's receive time (the clock skew rule below), so it is on the
  console's clock of that moment and moves with it.
- A value whose age is unknown (`AGE_UNKNOWN`: an ANSAR-B NIBP found on the monitor when the
  console connected, perhaps hours old, perhaps the previous patient's) has no place on a time
  axis and is not drawn: its receive time would show it as measured then, and after a restart it
  would draw again a measurement already drawn. The tile shows it stale, the log and the event
  list keep it, its alarms stand.
- A correction (an observation whose `corrects` names the id it replaces) takes the place of the
  value it corrects: the old point disappears and the new value is drawn where the old one was
  (it is the corrected value of that measurement, not a new one). When the feed was given the
  corrected value without its row id, it asks `resolve` for the corrected record and finds the
  point by its time and value.

DEMO/TEST-flagged observations are never charted as patient data, unless the session is itself a
demo (it then shows its own simulated values). Scales (MOAA/S, nausea, ...) are markers, not
curves. Only physiological alarms (raised or escalated) are markers: technical conditions are the
alarm area's business, and reminders would bury the alarms. An alarm is marked once per priority
it reaches; an escalation whose value was taken back keeps its marker ("Taken back: SpO2 88")
but reached nothing, so the next real one to that priority is marked (`TrendFeed._mark_step`).
A marker says a monitor's value beyond its range as the tile does, "RR <5", not a measured 5.

The points of each series live in growable float64 arrays (time, value, receive time, device,
row id), so the widget's `setData(t[:n], v[:n])` reads views, not copies, and an 8-hour session
at 1 Hz holds ~10 MB (P8). A device line breaks (a NaN point) after `gap_minutes` without a
value, and where the log says no value could come, however short the gap: a device state other
than connected, the console closed, a session resumed (`breaks_lines`; placed by time: `load`
feeds the events after every value; the central station gives the times a chair's statuses and
trend snapshot say, `add_break`). A straight line across a disconnection would show values
nobody measured.
BP, the cuff's pulse and typed values are not broken: they are spot values.

Also here, because tiles and trends must agree on them: the colour of each vital
(`VITAL_COLOURS`), and the pure label-placement rules the trend uses so that no two labels print
over each other (`spread_labels`, `stack_labels`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from console.clock import format_span
from console.records import (
    BASELINE_SET,
    ESCALATED,
    RAISED,
    SESSION_RESUMED,
    AlarmTransition,
    EventRecord,
    ObservationRecord,
    Record,
    SessionEnded,
)
from console.session.alarms import priority_marks
from console.session.clock_marks import (
    ALARM_ROWS_BEFORE,
    CLOCK_STEPPED,
    OBSERVATIONS_BEFORE,
    logged_count,
)
from console.session.clock_steps import (
    SESSION_START_ID,
    LoggedAt,
    LoggedStep,
    is_unknown,
    logged_seconds,
    placed_steps,
    seconds_to_time,
)
from console.session.conditions import STALE_MANUAL_SECONDS
from console.session.device_rest import device_number
from devices.reading import (
    AGE_UNKNOWN,
    OTHER_CHANNEL,
    beyond_mark,
    is_cuff_pulse_metric,
    is_nibp_metric,
    is_patient_value,
)
from protocols.vitals import BP_METRICS, METRICS, VITALS, scale_value_words
from protocols.model import Priority

Floats = npt.NDArray[np.float64]

SKEW_LIMIT_S = 60.0
# How long (receive time) a cuff from before the session waits for a continuous value of its
# device to judge its clock by (`waits_for_clock`): the monitor's next message, a second later.
CUFF_WAIT_S = 10.0
MANUAL = "manual"
GAP_MINUTES = 2.0
# A device BP series with more points than this is continuous (an arterial line): drawn as lines,
# since thousands of bars would cost more than the rest of the plot and say less.
CONTINUOUS_BP_POINTS = 500
# Systolic and diastolic of one measurement share its time; a typed pair is entered together.
PAIR_TOLERANCE_MINUTES = 5.0 / 60.0
MARKER_KINDS = ("phase", "dose", "observation", "alarm")
# The series of the pulse rate an NIBP cuff measured with its pressures: drawn as points at the
# cuff's time, apart from the continuous pulse line (the module's text).
CUFF_PULSE = "cuff_pulse"

# One colour per vital on the trend's black background, shared with the tiles (BP is one tile and
# one panel: its systolic, diastolic and mean share a colour). Picked away from the IEC alarm
# colours (red, yellow/amber, cyan) so a trace or a tile's stripe is never read as an alarm: RR
# was yellow and pulse cyan, next to the medium and low alarm colours.
BP_COLOUR = "#f5f5f5"
VITAL_COLOURS: Mapping[str, str] = {
    "bp_systolic": BP_COLOUR,
    "bp_diastolic": BP_COLOUR,
    "bp_mean": BP_COLOUR,
    "heart_rate": "#66bb6a",
    "pulse_rate": "#b0bec5",
    "resp_rate": "#ce93d8",
    "spo2": "#82b1ff",
}

SHORT_LABELS: Mapping[str, str] = {name: METRICS[name].short_label for name in VITALS}
# Short names for observation-scale markers ("MOAA/S 3", "nausea moderate").
SCALE_MARKER_NAMES: Mapping[str, str] = {
    "moaas": "MOAA/S", "nausea": "nausea", "dissociation": "CADSS", "hallucinations": "halluc.",
    "fatigue": "fatigue", "aldrete": "Aldrete",
}
MARKER_TEXT_LIMIT = 28


@dataclass(frozen=True, slots=True)
class TrendMarker:
    """A vertical marker: when (minutes since the session opened), what it says, its kind (one of
    `MARKER_KINDS`) and, for alarms, the priority name (`high`, `medium`, ...)."""

    minutes: float
    text: str
    kind: str
    priority: str | None = None


@dataclass(frozen=True, slots=True)
class ClockSkew:
    """A device whose measured times are more than a minute from the console's receive times.

    Attributes:
        source: the device (`hl7:<id>`, `masimo:<SN>`).
        offset_s: measured minus received, in seconds, of the value that showed it (positive: the
            device's clock is ahead).
        minutes: when (minutes since the session opened) it was first seen.
    """

    source: str
    offset_s: float
    minutes: float

    def message(self) -> str:
        """The technical notice a nurse reads."""
        amount = format_span(abs(self.offset_s))
        way = "ahead of" if self.offset_s > 0 else "behind"
        # What it means first, the device's name after it: the trend shows the notice on one
        # line, cut at its end on a narrow screen (the whole text on hover).
        return (f"Monitor clock {amount} {way} this console: its values are drawn at the time "
                f"the console received them ({self.source}; the offset when first noticed, "
                "the tile shows it now).")


@dataclass(frozen=True, slots=True)
class BpBars:
    """NIBP measurements as bars: at each time, systolic (top), diastolic (bottom), mean (NaN when
    the measurement had none). Arrays of equal length, in time order."""

    minutes: Floats
    systolic: Floats
    diastolic: Floats
    mean: Floats


@dataclass
class FeedChanges:
    """What changed since the last `TrendFeed.take_changes()`.

    Attributes:
        series: (metric, manual) keys whose points changed (appended, removed or moved).
        markers: the marker list changed.
        baselines: a baseline became known or changed.
        skews: devices found skewed since the last call (each reported once).
    """

    series: set[tuple[str, bool]] = field(default_factory=set)
    markers: bool = False
    baselines: bool = False
    skews: list[ClockSkew] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.series or self.markers or self.baselines or self.skews)


# Series of values measured one at a time: no line break for a gap between them, and moved with
# their device's other NIBP values when its clock is found off.
SPOT_SERIES: frozenset[str] = frozenset({*BP_METRICS, CUFF_PULSE})


def series_name(rec: ObservationRecord) -> str:
    """The series a vital's value is drawn in (`series_of`)."""
    return series_of(rec.metric, rec.flags, rec.source == MANUAL)


def series_of(metric: str, flags: AbstractSet[str], typed: bool) -> str:
    """The series a vital's value is drawn in: its vital's, or `CUFF_PULSE` for the pulse rate
    an NIBP cuff measured (drawn with its measurement: a line joining it to an oximeter's pulse
    drew a dip or a spike nobody measured)."""
    return CUFF_PULSE if not typed and is_cuff_pulse_metric(metric, flags) else metric


def clock_offset(metric: str, measured_at: datetime | None, received_at: datetime,
                 started_at: datetime, flags: AbstractSet[str] = frozenset(), *,
                 clock_right: bool = False) -> float | None:
    """The offset of the device's clock (measured minus received, seconds; positive: ahead)
    that one value shows, or None when it shows none (the module's rule).

    Args:
        metric: the value's vital ("" when unknown: judged as a continuous value).
        measured_at, received_at: the device's time of the value and the console's.
        started_at: the session's start: an NIBP measured since then and delivered late is a
            delivery, not a clock (after a restart or an outage of the link).
        flags: the value's flags: the cuff's pulse (`NIBP`) is an NIBP value too.
        clock_right: the same device's continuous values show its clock right: an NIBP measured
            behind its arrival is an old measurement however old, one from before the session
            opened too (taken on the monitor before the nurse opened the session).
    """
    if measured_at is None:
        return None
    offset = (measured_at - received_at).total_seconds()
    if abs(offset) <= SKEW_LIMIT_S:
        return None
    if (is_nibp_metric(metric, flags) and offset < 0
            and (clock_right or measured_at >= started_at)):
        return None   # a cuff measurement delivered after it was taken
    return offset


def waits_for_clock(metric: str, measured_at: datetime | None, received_at: datetime,
                    started_at: datetime, flags: AbstractSet[str] = frozenset()) -> bool:
    """A cuff from before the session whose own times alone show its clock off, and which the
    device's continuous values would show as an old measurement: with none seen before it, it
    waits `CUFF_WAIT_S` for one before it is judged by its own times (the module's text)."""
    return (clock_offset(metric, measured_at, received_at, started_at, flags) is not None
            and clock_offset(metric, measured_at, received_at, started_at, flags,
                             clock_right=True) is None)


@dataclass(frozen=True, slots=True)
class ClockFound:
    """A device's clock found off (`DeviceClocks`): by how much (measured minus received,
    seconds; positive: ahead) and when the console received the value that showed it."""

    source: str
    offset_s: float
    received_at: datetime


class DeviceClocks:
    """What each device's values have shown of its clock so far (by source), by the module's
    rule: the trend's verdict, kept by the trend (`TrendFeed`) and by the engine for the tiles
    (`SessionView.device_clock`), each fed the same values in receive order. The tile judged a
    cuff from before the session by the device's latest HR whenever it came, the trend by one
    within `CUFF_WAIT_S`: an HR 30 s later made it "measured 08:55" on the tile, "Monitor clock
    5 min behind" on the trend. A device found off stays off: a value that came later moves no
    point already placed at its arrival, and the tile does not change its mind either."""

    def __init__(self) -> None:
        self._off: dict[str, float] = {}   # found off: the offset first seen
        self._right: set[str] = set()      # a continuous value showed the clock right
        # A cuff from before the session waiting for a continuous value of its device: when it
        # was received, and the offset its own times show (`waits_for_clock`).
        self._waiting: dict[str, tuple[datetime, float]] = {}

    def copy(self) -> DeviceClocks:
        other = DeviceClocks()
        other._off, other._right = dict(self._off), set(self._right)
        other._waiting = dict(self._waiting)
        return other

    def note(self, source: str, metric: str, measured_at: datetime | None,
             received_at: datetime, started_at: datetime,
             flags: AbstractSet[str] = frozenset()) -> list[ClockFound]:
        """One value of `source` (`clock_offset`'s arguments; a typed value's source is not a
        device: leave it out); return the clocks found off by it and by the time it came
        (`reached`)."""
        found = self.reached(received_at)
        if measured_at is None or AGE_UNKNOWN in flags or source in self._off:
            return found
        offset = clock_offset(metric, measured_at, received_at, started_at, flags,
                              clock_right=source in self._right)
        if offset is None:
            if not is_nibp_metric(metric, flags):   # continuous: measured the second it is sent
                self._right.add(source)
                self._waiting.pop(source, None)   # the cuff waiting is just old
            return found
        if waits_for_clock(metric, measured_at, received_at, started_at, flags):
            self._waiting.setdefault(source, (received_at, offset))
            return found
        return [*found, self._found(source, offset, received_at)]

    def reached(self, at: datetime) -> list[ClockFound]:
        """The input reached `at` (a later value, any record, the window's clock): each cuff
        that waited more than `CUFF_WAIT_S` with no continuous value of its device shows its
        clock off by its own times; return those."""
        return [self._found(source, offset, received)
                for source, (received, offset) in list(self._waiting.items())
                if _waited(received, at)]

    def offset(self, source: str, at: datetime | None = None) -> float | None:
        """The offset first found of the clock of `source`, or None while it is right as far as
        its values tell; given `at`, as `reached(at)` would find it (without a later value)."""
        if source in self._off:
            return self._off[source]
        waiting = self._waiting.get(source)
        if at is not None and waiting is not None and _waited(waiting[0], at):
            return waiting[1]
        return None

    def _found(self, source: str, offset: float, received_at: datetime) -> ClockFound:
        self._off[source] = offset
        self._waiting.pop(source, None)
        return ClockFound(source, offset, received_at)


def before_the_session(placed: datetime, received: datetime, started: datetime) -> bool:
    """A value placed (`TrendFeed.placed_at`) further before the session's start than any view
    of its trend starts (`TrendFeed.start_minutes`, `STALE_MANUAL_SECONDS`), and that old
    already when it was `received` (for a correction: the measurement it corrects): a monitor's
    last cuff, stale on its tile when the session opened (3 h old, the previous patient's), is
    none of this session's values. The course gave it as the session's peak ("196 at -180
    min"); the PCD-01 sent it, and the interface engine filed it in this patient's chart. A
    value placed at its arrival (a typed one, a monitor's whose clock is off) is never one: after
    the station's clock was set back (NTP correcting a fast clock, `clock_stepped`), every
    reading stood 50 min before the start the fast clock had logged, and all were left out. One
    rule for the review (console/review/queries.py) and the network
    (console/network/composer.py)."""
    return ((started - placed).total_seconds() > STALE_MANUAL_SECONDS
            and (received - placed).total_seconds() > STALE_MANUAL_SECONDS)


def _waited(received_at: datetime, at: datetime) -> bool:
    """A cuff received at `received_at` has waited its `CUFF_WAIT_S` by `at`."""
    return (at - received_at).total_seconds() > CUFF_WAIT_S


# The kinds of event that may break the device lines (`breaks_lines`): a reader of a session's
# log that feeds a trend only some events (the course view) reads these too.
LINE_BREAK_KINDS: frozenset[str] = frozenset({"device_state", "console_closed", SESSION_RESUMED})


def breaks_lines(event: EventRecord) -> bool:
    """The event says no device value could come from its time until the next, however short
    the gap: a device state other than connected, the console closed, a session resumed (also
    after a console that stopped unannounced). The device lines break there (the module's
    text); the chair's trend snapshot carries these times to the central station."""
    return event.kind in LINE_BREAK_KINDS and (
        event.kind != "device_state" or event.detail.get("state") != "connected")


@dataclass(frozen=True, slots=True)
class _ClockEvent:
    """A clock step or a restart as `clock_steps.logged_steps` reads it: its place among the
    session's clock events for an id (the order is all their rule needs)."""

    id: int
    record: EventRecord

    @property
    def at(self) -> datetime:
        return self.record.at

    @property
    def kind(self) -> str:
        return self.record.kind

    @property
    def detail(self) -> Mapping[str, Any]:
        return self.record.detail


def _is_clock_event(event: EventRecord) -> bool:
    """A clock step or a restart: what places the records after it on another clock."""
    return event.kind in (CLOCK_STEPPED, SESSION_RESUMED)


def _places(clock_events: Sequence[EventRecord], key: str, ids: Sequence[int | None],
            first: int) -> list[int | None]:
    """Where each of a table's rows came among the clock events (how many came before it,
    counted from `first`), given as the log returns them (`ids`: the session's rows of the
    table, every one in id order): by the rows each event counted before it (`key`,
    `clock_steps.RowPlaces`), which no clock step moves. None for every row where that is not
    known (an older log's events do not count them; rows not in id order are not all of
    them): each is then placed by its time (`TrendFeed._minutes`)."""
    counts = [logged_count(event.detail.get(key)) for event in clock_events]
    known = all(count is not None for count in counts) and all(
        a is not None and b is not None and a < b for a, b in zip(ids, ids[1:]))
    if not clock_events:
        return [first] * len(ids)
    if not known or None in ids:
        return [None] * len(ids)
    marks = sorted(count for count in counts if count is not None)   # rising already
    return [first + bisect_right(marks, n) for n in range(len(ids))]


class _Points:
    """Growable columns of one series, kept in time order (clip-to-view searches x)."""

    BREAK = -2   # row id of a NaN line-break point

    def __init__(self, capacity: int) -> None:
        self.t = np.empty(capacity, dtype=np.float64)         # placed minutes
        self.v = np.empty(capacity, dtype=np.float64)         # value (NaN: a line break)
        self.received = np.empty(capacity, dtype=np.float64)  # receive minutes
        self.device = np.empty(capacity, dtype=np.int32)      # device index, -1 typed
        self.row = np.empty(capacity, dtype=np.int64)         # log row id, -1 unknown
        self.n = 0

    def _columns(self) -> tuple[npt.NDArray[np.generic], ...]:
        return (self.t, self.v, self.received, self.device, self.row)

    def append(self, t: float, v: float, received: float, device: int, row: int) -> None:
        if self.n == len(self.t):
            self._grow()
        n = self.n
        if n and t < self.t[n - 1]:
            # A late point (NIBP older than the last continuous value, a correction): shift the
            # tail once. Rare, so cheaper than a sorted structure for every append.
            i = int(np.searchsorted(self.t[:n], t, side="right"))
            for column in self._columns():
                column[i + 1:n + 1] = column[i:n]
        else:
            i = n
        self.t[i], self.v[i], self.received[i], self.device[i], self.row[i] = (
            t, v, received, device, row)
        self.n = n + 1

    def _grow(self) -> None:
        size = max(2 * len(self.t), 16)
        n = self.n
        t, v, received = (np.empty(size, dtype=np.float64) for _ in range(3))
        device, row = np.empty(size, dtype=np.int32), np.empty(size, dtype=np.int64)
        t[:n], v[:n], received[:n] = self.t[:n], self.v[:n], self.received[:n]
        device[:n], row[:n] = self.device[:n], self.row[:n]
        self.t, self.v, self.received, self.device, self.row = t, v, received, device, row

    def remove(self, i: int) -> None:
        n = self.n
        for column in self._columns():
            column[i:n - 1] = column[i + 1:n]
        self.n = n - 1

    def last_time(self) -> float | None:
        return float(self.t[self.n - 1]) if self.n else None

    def ends_in_break(self) -> bool:
        return bool(self.n) and bool(np.isnan(self.v[self.n - 1]))

    def insert_break(self, t: float) -> bool:
        """Break the line at `t` (placed by time: a review loads events after every value);
        False when no value is drawn before `t` or the line is broken there already."""
        i = int(np.searchsorted(self.t[:self.n], t, side="right"))
        if i == 0 or np.isnan(self.v[i - 1]):
            return False
        self.append(t, np.nan, t, -1, self.BREAK)
        return True

    def find_row(self, row: int) -> int | None:
        hits = np.flatnonzero(self.row[:self.n] == row)
        return int(hits[0]) if hits.size else None

    def find_value(self, t: float, v: float) -> int | None:
        """The first point with an unknown row id at time `t` (within a millisecond) and value
        `v`: the live feed's way to a corrected record it only knows by content."""
        n = self.n
        hits = np.flatnonzero((np.abs(self.t[:n] - t) < 1e-5) & (self.v[:n] == v)
                              & (self.row[:n] < 0) & (self.row[:n] != self.BREAK))
        return int(hits[0]) if hits.size else None

    def move_device_to_received(self, device: int) -> bool:
        """Place the device's points at their receive time; True when anything moved."""
        n = self.n
        mask = self.device[:n] == device
        if not mask.any() or np.array_equal(self.t[:n][mask], self.received[:n][mask]):
            return False
        self.t[:n][mask] = self.received[:n][mask]
        order = np.argsort(self.t[:n], kind="stable")
        for column in self._columns():
            column[:n] = column[:n][order]
        return True


@dataclass
class _MarkerEntry:
    marker: TrendMarker
    row: int          # the scale observation's row id (-1 unknown, -2 not an observation)
    metric: str = ""  # the scale, for markers of observations; the vital, for alarms
    value: float | None = None   # the scale's value; the value that raised an alarm
    occurrence: int = -1   # an alarm step's occurrence
    shown: bool = True     # an alarm step is marked (`TrendFeed._mark_steps`)


class TrendFeed:
    """The trend's model: what the logged records say a trend shows.

    Feed it with `add_rows` / `add` (committed records in commit order, with or without their row
    ids: the live journal) or `load` (a logged session: the review, the report, a window opening
    on a session). Read it with
    `series`, `bp_bars`, `markers`, `baselines`, `skews`; `take_changes` says what changed since
    it was last called, so a widget redraws only that.
    """

    def __init__(
        self, started_at: datetime, *, demo: bool = False, gap_minutes: float = GAP_MINUTES,
        resolve: Callable[[int], ObservationRecord | None] | None = None,
        capacity: int = 1024,
    ) -> None:
        """Args:
            started_at: the session's start (aware): minute 0 of the time axis.
            demo: the session is a demo: chart its DEMO/TEST-flagged values.
            gap_minutes: a device line breaks after this long without a value (not BP).
            resolve: gives the logged observation with a row id, for corrections of values the
                feed was given without ids; None: such corrections only add their value.
            capacity: initial points per series (arrays double when full).
        """
        self.started_at = started_at
        self.demo = demo
        self.gap_minutes = gap_minutes
        self.resolve = resolve
        self._series: dict[tuple[str, bool], _Points] = {
            (name, manual): _Points(capacity) for name in VITALS for manual in (False, True)
        }
        self._series[(CUFF_PULSE, False)] = _Points(capacity)
        self._markers: list[_MarkerEntry] = []
        # T0's dose marker, moved to the first nasal device when that came later.
        self._dose_mark: _MarkerEntry | None = None
        self._device_seen = False
        # An occurrence's raised and escalated steps, marked or not, in order; and the highest
        # priority it was marked at by a value not taken back (`_mark_steps`).
        self._steps: dict[int, list[_MarkerEntry]] = {}
        self._marked: dict[int, Priority] = {}
        self._baselines: dict[str, float] = {}
        self._devices: dict[str, int] = {}
        self._clocks = DeviceClocks()   # the devices' clocks (the tiles' verdict too)
        self._skews: list[ClockSkew] = []
        self._changes = FeedChanges()
        self._end = 0.0
        self._ended: float | None = None
        self._spans: dict[str, tuple[float, float]] = {}
        # Corrections whose target the feed has not seen (yet): the target is skipped if it comes.
        self._orphan_corrections: set[int] = set()
        # Values corrected or entered in error, (metric, receive minutes, value): an alarm they
        # raised keeps its marker, saying so.
        self._taken_back: list[tuple[str, float, float]] = []
        # Values a monitor sent beyond its range, vital -> (receive minutes, value, "<" or ">"):
        # the alarm a value raised says it as the tile does (`_beyond_mark_of`).
        self._beyond: dict[str, list[tuple[float, float, str]]] = {}
        # The station's clock steps and the restarts they may reach back to, as logged
        # (`clock_stepped`, `session_resumed`), in log order; each record's place among them
        # (`_at`: how many came before it) puts its time on the clock the session started on.
        self._clock_events: list[_ClockEvent] = []
        self._clock_steps: tuple[LoggedStep, ...] = ()
        self._shifts: dict[int, float] = {}   # seconds, by place (`_shift_s`)
        self._at: int | None = 0
        self._loading = False
        self.needs_reload = False
        """Points already drawn must move: a step put right the clock of a restart after
        them, which a feed given records one by one cannot place again (`_note_clock_event`);
        the session is to be read again (`load`)."""

    # ---- input ---------------------------------------------------------------------------------

    def add(self, records: Iterable[Record]) -> None:
        """Records as committed, in commit order, without row ids."""
        for record in records:
            self._add(record, -1)

    def add_rows(self, rows: Iterable[tuple[int | None, Record]]) -> None:
        """(row id or None, record) as committed, in commit order (the live journal). Only an
        observation's id is kept: it is what a correction names."""
        for row, record in rows:
            self._add(record, row if row is not None else -1)

    def load(
        self,
        observations: Iterable[tuple[int, ObservationRecord]],
        events: Iterable[EventRecord | tuple[int, EventRecord]] = (),
        alarms: Iterable[AlarmTransition | tuple[int, AlarmTransition]] = (),
    ) -> None:
        """A logged session (or its part so far), as the log returns it: observations with their
        row ids in id order; events (in id order) and alarm transitions with or without their
        ids. After a logged clock step, the session's every observation row and every alarm
        row, with their ids, place each among the steps by the log's order (`_places`);
        others are placed by their times."""
        rows = list(observations)
        listed = [item[1] if isinstance(item, tuple) else item for item in events]
        numbered = [item if isinstance(item, tuple) else (None, item) for item in alarms]
        transitions = [t for _, t in numbered]
        first = len(self._clock_events)
        clock_events = [e for e in listed if _is_clock_event(e)]
        self._loading = True   # every record is placed below, none before its steps are known
        for event in clock_events:
            self._note_clock_event(event)
        # Each record placed among the clock events by the rows each logged before it
        # (`_places`): after a step back the same times came twice.
        row_places = _places(clock_events, OBSERVATIONS_BEFORE, [i for i, _ in rows], first)
        alarm_places = _places(clock_events, ALARM_ROWS_BEFORE, [i for i, _ in numbered],
                               first)
        try:
            for (row, record), at in zip(rows, row_places):
                self._at = at
                self._add(record, row)
            place = first
            for event in listed:
                place += _is_clock_event(event)   # an event is on the clock after itself
                self._at = place
                self._add(event, -2)
            for transition, at in zip(transitions, alarm_places):
                self._at = at
                self._add(transition, -2)
        finally:
            self._loading = False
            self._at = len(self._clock_events)

    def add_point(self, metric: str, minutes: float, value: float, manual: bool) -> None:
        """One plain value at a given minute (no record, no placement rule): for synthetic
        sessions in benchmarks and tests of the drawing."""
        if (metric, manual) in self._series:
            self._append(metric, manual, minutes, value, minutes, -1, -1)

    def add_marker(self, marker: TrendMarker) -> None:
        """A marker given directly (not from a record)."""
        if marker.kind not in MARKER_KINDS:
            raise ValueError(f"marker kind {marker.kind!r} is not one of {', '.join(MARKER_KINDS)}")
        self._put_marker(marker, -2)

    def set_baseline(self, metric: str, value: float) -> None:
        """A baseline given directly (the engine logs them with `dosing_started` and
        `BASELINE_SET`)."""
        if self._baselines.get(metric) != value:
            self._baselines[metric] = value
            self._changes.baselines = True

    def _logged_baselines(self, detail: Mapping[str, Any]) -> None:
        """The baselines an event logged (`dosing_started`, `BASELINE_SET`); a null one is no
        baseline any more (its value entered in error)."""
        for name, value in dict(detail.get("baseline") or {}).items():
            if value is not None:
                self.set_baseline(str(name), float(value))
            elif self._baselines.pop(str(name), None) is not None:
                self._changes.baselines = True

    def _add(self, record: Record, row: int) -> None:
        """One record; `row` is the observation's row id (-1 unknown)."""
        if isinstance(record, ObservationRecord):
            self.reached(record.received_at)
            self._add_observation(record, row)
        elif isinstance(record, EventRecord):
            if not self._loading and _is_clock_event(record):
                self._note_clock_event(record)
                self._at = len(self._clock_events)
            self.reached(record.at)
            self._add_event(record)
        elif isinstance(record, AlarmTransition):
            self.reached(record.at)
            self._add_alarm(record)
        elif isinstance(record, SessionEnded):
            self.reached(record.ended_at)
            self._ended = self._minutes(record.ended_at)

    def _add_observation(self, rec: ObservationRecord, row: int) -> None:
        other = OTHER_CHANNEL in rec.flags
        mark = beyond_mark(rec.flags)
        if mark and not other:   # noted whether drawn or not: its alarm stands either way
            self._beyond.setdefault(rec.metric, []).append(
                (self._minutes(rec.received_at), rec.value, mark))
        if not is_patient_value(rec.flags, self.demo):
            return   # a monitor's demo or test value, or one of unknown age (the module's text)
        if row >= 0 and row in self._orphan_corrections:
            return   # corrected before it arrived (out-of-order input): never drawn
        device = self._device_of(rec)
        if device >= 0:
            self._skew(self._clocks.note(rec.source, rec.metric, rec.measured_at,
                                         rec.received_at, self.started_at, rec.flags))
        if other:
            # The vital's other channel beside the one judged (console/session/channels.py):
            # its clock counts, as the engine's (`_note_clock`), but the line is the tile's
            # value; drawn too it zigzagged 85/97 every second.
            return
        minutes = self._minutes(self._placed_at(rec))
        received = self._minutes(rec.received_at)
        if rec.corrects is not None:
            replaced = self._remove_corrected(rec.corrects, rec.metric)
            if replaced is not None:
                minutes = replaced
        if rec.metric in VITALS:
            self._append(series_name(rec), rec.source == MANUAL, minutes, rec.value, received,
                         device, row)
        elif rec.metric in SCALE_MARKER_NAMES:
            text = f"{SCALE_MARKER_NAMES[rec.metric]} {scale_value_words(rec.metric, rec.value)}"
            self._put_marker(TrendMarker(minutes, text, "observation"), row, rec.metric,
                             rec.value)

    def _append(self, metric: str, manual: bool, minutes: float, value: float, received: float,
                device: int, row: int) -> None:
        if not np.isfinite(value):
            return
        points = self._series[(metric, manual)]
        last = points.last_time()
        if (not manual and metric not in SPOT_SERIES and last is not None
                and minutes - last > self.gap_minutes and not points.ends_in_break()):
            points.append(last, np.nan, last, device, _Points.BREAK)   # connect="finite" breaks
        points.append(minutes, value, received, device, row)
        low, high = self._spans.get(metric, (value, value))
        self._spans[metric] = (min(low, value), max(high, value))
        self._changes.series.add((metric, manual))
        self._end = max(self._end, minutes)

    def _add_event(self, event: EventRecord) -> None:
        minutes = self._minutes(event.at)
        kind, detail = event.kind, event.detail
        if kind == "dosing_started":
            # The engine logs the baselines in force at T0 with this event.
            self._logged_baselines(detail)
            self._put_marker(TrendMarker(minutes, "T0 dose", "dose"), -2)
            if self._dose_mark is None:
                self._dose_mark = self._markers[-1]
        elif (kind == "checklist_ticked" and self._dose_mark is not None and not self._device_seen
              and device_number(str(detail.get("item", ""))) is not None):
            # Nasal devices: the dose is the first device recorded given when later than T0,
            # as the timers, the discharge gate and the REMS draft count it (the engine's
            # `_first_dose`, README "Esketamine"); "T0 dose" at the phase's start marked a
            # second T0 (the phase keeps its own marker).
            self._device_seen = True
            if minutes > self._dose_mark.marker.minutes:
                self._dose_mark.marker = replace(self._dose_mark.marker, minutes=minutes)
                self._changes.markers = True
                self._end = max(self._end, minutes)
        elif kind == BASELINE_SET:   # fixed or corrected after T0: the last one stands
            self._logged_baselines(detail)
        elif kind == "dose_given":
            self._put_marker(TrendMarker(minutes, "dose", "dose"), -2)
        elif kind == "phase_started":
            name = str(detail.get("name", detail.get("phase", "")))
            self._put_marker(TrendMarker(minutes, name, "phase"), -2)
        elif kind == "note":
            self._put_marker(TrendMarker(minutes, short(f"note: {detail.get('text', '')}"),
                                         "observation"), -2)
        elif kind == "console_closed":
            # The gap that follows is the nurse's choice, not a fault: the trend says so.
            self._put_marker(TrendMarker(minutes, "console closed", "phase"), -2)
        elif kind == "session_resumed":
            self._put_marker(TrendMarker(minutes, "resumed", "phase"), -2)
        elif kind == "discharged":
            self._put_marker(TrendMarker(minutes, "Discharged", "phase"), -2)
        elif kind == "entered_in_error" and "observation" in detail:
            # A value that counts nowhere any more: it leaves the trend (the log keeps the row).
            # One naming an event (a "Vomiting" taken back, engine `void_observation`) has no
            # point here: looked up as row -1, it took out a value fed without its row id.
            self._remove_corrected(int(detail["observation"]), str(detail.get("metric", "")))
        if breaks_lines(event):
            self.add_break(minutes)

    def add_break(self, minutes: float) -> None:
        """No device value came from `minutes` until the next: its lines break there, however
        short the gap (typed values and NIBP are points, not lines). From a logged event
        (`breaks_lines`), or known otherwise: the central's, from a chair's status or trend
        snapshot."""
        for key, points in self._series.items():
            if not key[1] and key[0] not in SPOT_SERIES and points.insert_break(minutes):
                self._changes.series.add(key)

    def _add_alarm(self, transition: AlarmTransition) -> None:
        if (transition.transition not in (RAISED, ESCALATED)
                or transition.category != "physiological"):
            return
        minutes, metric = self._minutes(transition.at), transition.condition.rsplit("_", 1)[0]
        text = alarm_text(transition, self._beyond_mark_of(metric, minutes, transition.value))
        entry = _MarkerEntry(TrendMarker(minutes, text, "alarm", transition.priority), -2,
                             metric, transition.value, transition.occurrence, shown=False)
        if any(_raised_by(entry, *taken) for taken in self._taken_back):
            _take_back(entry)
        steps = self._steps.setdefault(transition.occurrence, [])
        steps.append(entry)
        self._markers.append(entry)
        marked = self._marked.get(transition.occurrence, Priority.INFO)
        self._marked[transition.occurrence] = self._mark_step(entry, len(steps) == 1, marked)

    def _beyond_mark_of(self, metric: str, minutes: float, value: float | None) -> str:
        """"<" (">") when the value that raised an alarm step at `minutes` is a monitor's value
        beyond its range: the newest of its vital and value committed in the same step
        (`SAME_STEP_SECONDS`, not after the step); '' otherwise. The marker said "RR 5" beside
        the tile's and the alarm row's "<5", a rate the monitor never measured."""
        found = [(at, mark) for at, v, mark in self._beyond.get(metric, ()) if v == value
                 and 0 <= (minutes - at) * 60 + 1e-6 <= SAME_STEP_SECONDS + 1e-6]
        return max(found)[1] if found else ""

    def _mark_step(self, entry: _MarkerEntry, first: bool, marked: Priority) -> Priority:
        """Mark an alarm step or not; return the occurrence's marked priority after it.

        One marker per priority an occurrence reached: a rate wavering across a tier's limit
        (RR 8/9) escalates the same occurrence again and again, and marked it each time. A step
        taken back reached nothing: a real SpO2 87 after a typed 88 taken back was not marked,
        the only high marker read "Taken back: SpO2 88" and the one high alarm read as a typo.
        """
        priority = Priority[(entry.marker.priority or "info").upper()]
        shown = first or priority > marked
        if shown != entry.shown:
            entry.shown = shown
            self._changes.markers = True
            if shown:
                self._end = max(self._end, entry.marker.minutes)
        return max(priority, marked) if shown and not _is_taken_back(entry) else marked

    def _mark_steps(self, occurrence: int) -> None:
        """Mark an occurrence's steps again, one of them taken back since (`_mark_step`)."""
        marked = Priority.INFO
        for k, entry in enumerate(self._steps.get(occurrence, ())):
            marked = self._mark_step(entry, k == 0, marked)
        self._marked[occurrence] = marked

    def _put_marker(self, marker: TrendMarker, row: int, metric: str = "",
                    value: float | None = None) -> None:
        self._markers.append(_MarkerEntry(marker, row, metric, value))
        self._changes.markers = True
        self._end = max(self._end, marker.minutes)

    def _note_taken_back(self, metric: str, minutes: float, value: float) -> None:
        """A value left the trend (corrected, or entered in error): an alarm marker it raised
        stays, in the colour that sounded, and says "Taken back: …" (the review's marker band
        read a mis-clicked MOAA/S 1 as the patient's, as the alarm table had)."""
        taken = (metric, minutes, value)
        self._taken_back.append(taken)
        for entry in self._markers:
            if _raised_by(entry, *taken):
                _take_back(entry)
                self._changes.markers = True
                if entry.occurrence >= 0:
                    self._mark_steps(entry.occurrence)

    # ---- the rules -----------------------------------------------------------------------------

    def placed_minutes(self, rec: ObservationRecord) -> float:
        """Where the record sits on the time axis (minutes since the session opened); see the
        module docstring."""
        return self._minutes(self.placed_at(rec))

    def placed_at(self, rec: ObservationRecord) -> datetime:
        return self._placed_at(rec)

    def _placed_at(self, rec: ObservationRecord) -> datetime:
        if rec.source == MANUAL:
            return rec.measured_at or rec.received_at
        if (is_nibp_metric(rec.metric, rec.flags) and rec.measured_at is not None
                and self._clocks.offset(rec.source) is None):
            return rec.measured_at
        return rec.received_at

    def note_clock(self, source: str, measured_at: datetime | None, received_at: datetime,
                   metric: str, flags: AbstractSet[str] = frozenset()) -> None:
        """Let one value's times count towards its device's clock check without charting it (a
        reader that needs only `placed_at`, such as the course view's peak minutes). Its
        `metric` and `flags` say how its times are judged (`clock_offset`: an NIBP delivered
        late, the cuff's pulse with it, is no clock offset). A typed value's times count as the
        time the input reached (`reached`)."""
        self.reached(received_at)
        if source != MANUAL:
            self._skew(self._clocks.note(source, metric, measured_at, received_at,
                                         self.started_at, flags))

    def reached(self, at: datetime) -> None:
        """The input reached `at`: a cuff from before the session that waited `CUFF_WAIT_S`
        for a continuous value of its device, none come, shows its clock off
        (`DeviceClocks.reached`). Each record given says so of its time; the live window says
        so of its clock, so the trend says the clock off when the tile does, not at the next
        record (nothing may come for half a minute before the probe is on)."""
        self._skew(self._clocks.reached(at))

    def _device_of(self, rec: ObservationRecord) -> int:
        return -1 if rec.source == MANUAL else self._device_of_source(rec.source)

    def _device_of_source(self, source: str) -> int:
        index = self._devices.get(source)
        if index is None:
            index = self._devices[source] = len(self._devices)
        return index

    def _skew(self, found: Iterable[ClockFound]) -> None:
        """Report each clock found off, and place its device's NIBP at their receive times."""
        for clock in found:
            device = self._device_of_source(clock.source)
            skew = ClockSkew(clock.source, clock.offset_s, self._minutes(clock.received_at))
            self._skews.append(skew)
            self._changes.skews.append(skew)
            for key, points in self._series.items():   # earlier NIBP of this device moves too
                if not key[1] and key[0] in SPOT_SERIES and points.move_device_to_received(device):
                    self._changes.series.add(key)

    def _remove_corrected(self, target: int, metric: str) -> float | None:
        """Take the corrected value out; return where it was drawn (None: not found)."""
        keys = [k for k in self._series if k[0] == metric] + [
            k for k in self._series if k[0] != metric]
        for key in keys:
            points = self._series[key]
            i = points.find_row(target)
            if i is not None:
                return self._take(key, i)
        for k, entry in enumerate(self._markers):
            if entry.row == target:
                del self._markers[k]
                self._changes.markers = True
                if entry.value is not None:
                    self._note_taken_back(entry.metric, entry.marker.minutes, entry.value)
                return entry.marker.minutes
        old = self.resolve(target) if self.resolve is not None else None
        if old is None:
            self._orphan_corrections.add(target)
            return None
        # Known only by content: where it was drawn (a corrected correction sits where the
        # first value was) and its value.
        where = self._drawn_minutes(old)
        if old.metric in VITALS:
            key = (series_name(old), old.source == MANUAL)
            i = self._series[key].find_value(where, old.value)
            if i is not None:
                return self._take(key, i)
        else:
            for k, entry in enumerate(self._markers):
                if (entry.row == -1 and entry.metric == old.metric
                        and abs(entry.marker.minutes - where) < 1e-5):
                    del self._markers[k]
                    self._changes.markers = True
                    return entry.marker.minutes
        return None

    def _drawn_minutes(self, rec: ObservationRecord, depth: int = 0) -> float:
        if rec.corrects is not None and self.resolve is not None and depth < 20:
            first = self.resolve(rec.corrects)
            if first is not None:
                return self._drawn_minutes(first, depth + 1)
        return self._minutes(self._placed_at(rec))

    def _take(self, key: tuple[str, bool], i: int) -> float:
        points = self._series[key]
        where = float(points.t[i])
        self._note_taken_back(key[0], float(points.received[i]), float(points.v[i]))
        points.remove(i)
        self._changes.series.add(key)
        return where

    def _minutes(self, when: datetime) -> float:
        """Minutes since the session opened of a time logged where the record now added was
        (`_at`): on the clock the session started on, as the console's timers ran. A record
        the log does not place among the steps (`_at` None) is placed by its time, as the
        review places it (`clock_steps.seconds_to_time`), at its wall time where a step back
        leaves it either side."""
        seconds = (when - self.started_at).total_seconds()
        if self._at is not None:
            return (seconds + self._shift_s(self._at)) / 60.0
        if self._clock_steps:
            placed = seconds_to_time(LoggedAt(self.started_at, SESSION_START_ID), when,
                                     self._clock_steps)
            if not is_unknown(placed):
                return placed / 60.0
        return seconds / 60.0

    def minutes_at(self, when: datetime) -> float:
        """The minute of the axis of a time logged after every record given so far (the
        session's end, the window's clock): the clock steps logged left out, as the points'."""
        return ((when - self.started_at).total_seconds()
                + self._shift_s(len(self._clock_events))) / 60.0

    def _shift_s(self, at: int) -> float:
        """What to add to a wall time logged after the first `at` clock events to put it on
        the clock the session started on: the review's rule (`clock_steps.logged_seconds`:
        each step moves what its run logged before it, across no restart whose clock it put
        right), so that the live trend, the review's minutes and the engine's timers agree. Wall
        time counted from the start had drawn every reading after NTP set a fast clock back an
        hour at an hour before it was taken, off the follow view (a review)."""
        if not self._clock_steps:
            return 0.0
        shift = self._shifts.get(at)
        if shift is None:
            start = self.started_at
            shift = self._shifts[at] = logged_seconds(start, SESSION_START_ID, start, at,
                                                      self._clock_steps)
        return shift

    def _note_clock_event(self, event: EventRecord) -> None:
        """A clock step or a restart, in log order (`_clock_events`, numbered from 1)."""
        self._clock_events.append(_ClockEvent(len(self._clock_events) + 1, event))
        steps = placed_steps(self._clock_events)
        if steps != self._clock_steps:
            self._shifts.clear()
            # A step that put right only a restart's clock moves what that run logged: a feed
            # given records one by one has placed them already (a reading of the log does
            # not). A restart behind the log (`LoggedStep.restart_behind`) moves only what comes
            # after it: nothing placed yet.
            new = len(self._clock_events)
            changed = [step for step in set(steps) ^ set(self._clock_steps)
                       if not (step.restart_behind and step.reach_id == new)]
            if not self._loading and any(step.reach_id != 0 for step in changed):
                self.needs_reload = True
        self._clock_steps = steps

    # ---- output --------------------------------------------------------------------------------

    def series(self, metric: str, manual: bool) -> tuple[Floats, Floats]:
        """(minutes, values) of one series, in time order, NaN values where a line breaks.
        Views of the feed's arrays: valid until the next input."""
        points = self._series[(metric, manual)]
        return points.t[:points.n], points.v[:points.n]

    def count(self, metric: str, manual: bool) -> int:
        """Points in a series (line breaks included)."""
        return self._series[(metric, manual)].n

    def span(self, metric: str) -> tuple[float, float] | None:
        """The lowest and highest value of a vital ever given (a removed value still counts: a
        trend's scale only ever widens), or None before the first."""
        return self._spans.get(metric)

    def bp_continuous(self) -> bool:
        """Device BP comes continuously (an arterial line), not as NIBP measurements."""
        return self._series[("bp_systolic", False)].n > CONTINUOUS_BP_POINTS

    def bp_bars(self, manual: bool) -> BpBars:
        """Systolic-diastolic pairs (with the mean when there is one) of the device's NIBP or of
        typed BP: a systolic and a diastolic within `PAIR_TOLERANCE_MINUTES` are one
        measurement; a value without its partner is not a bar."""
        st, sv = self.series("bp_systolic", manual)
        dt, dv = self.series("bp_diastolic", manual)
        mt, mv = self.series("bp_mean", manual)
        empty = np.empty(0, dtype=np.float64)
        if st.size == 0 or dt.size == 0:
            return BpBars(empty, empty, empty, empty)
        j = _nearest(dt, st)
        keep = np.abs(dt[j] - st) <= PAIR_TOLERANCE_MINUTES
        minutes, top, bottom = st[keep], sv[keep], dv[j[keep]]
        mean = np.full(minutes.size, np.nan)
        if mt.size:
            k = _nearest(mt, minutes)
            near = np.abs(mt[k] - minutes) <= PAIR_TOLERANCE_MINUTES
            mean[near] = mv[k[near]]
        return BpBars(minutes, top, bottom, mean)

    def markers(self) -> list[TrendMarker]:
        """Every marker, in time order (stable for equal times)."""
        return sorted((e.marker for e in self._markers if e.shown), key=lambda m: m.minutes)

    @property
    def baselines(self) -> Mapping[str, float]:
        return self._baselines

    @property
    def skews(self) -> Sequence[ClockSkew]:
        """Every device found skewed, in the order found."""
        return tuple(self._skews)

    @property
    def start_minutes(self) -> float:
        """Minute 0, or the earliest time something is placed at when that is before it (a cuff
        taken before the nurse opened the session sits at its measured time): where every view
        of the trend starts. Never more than `STALE_MANUAL_SECONDS` before minute 0: a cuff
        older than that was stale on its tile when the session opened (a monitor's last cuff,
        3 h old, the previous patient's, had every view start 3 h back); it stays drawn, off
        the default ranges."""
        firsts = [float(points.t[0]) for points in self._series.values() if points.n]
        firsts.extend(entry.marker.minutes for entry in self._markers if entry.shown)
        return max(min([0.0, *firsts]), -STALE_MANUAL_SECONDS / 60.0)

    @property
    def end_minutes(self) -> float:
        """The latest time anything was placed at (or the session's end, when logged)."""
        return max(self._end, self._ended or 0.0)

    def take_changes(self) -> FeedChanges:
        """What changed since the last call (and forget it)."""
        changes, self._changes = self._changes, FeedChanges()
        return changes


def _nearest(sorted_times: Floats, wanted: Floats) -> npt.NDArray[np.intp]:
    """Index into `sorted_times` of the time nearest each of `wanted`."""
    right = np.clip(np.searchsorted(sorted_times, wanted), 0, sorted_times.size - 1)
    left = np.clip(right - 1, 0, sorted_times.size - 1)
    use_left = np.abs(sorted_times[left] - wanted) < np.abs(sorted_times[right] - wanted)
    return np.where(use_left, left, right)


SAME_STEP_SECONDS = 2.0
"""A value and the alarm step it caused are committed together: this far apart at most (a
monitor's value is stamped when the port read it, its alarm when the engine took it). The
review's alarm table matches them by the same rule."""
TAKEN_BACK = "Taken back: "


def _raised_by(entry: _MarkerEntry, metric: str, minutes: float, value: float) -> bool:
    """The alarm marker is the step of the value taken back at `minutes`: same vital and value,
    within a step's seconds, and not before the value (commit first, then the alarm: a value
    that came after the alarm did not raise it; a monitor's HR 135 alarm read "Taken back" when
    the nurse voided her typed copy of it 1.5 s later, as the review's table had)."""
    return (entry.marker.kind == "alarm" and entry.metric == metric and entry.value == value
            and 0 <= (entry.marker.minutes - minutes) * 60 + 1e-6 <= SAME_STEP_SECONDS + 1e-6
            and not _is_taken_back(entry))


def _is_taken_back(entry: _MarkerEntry) -> bool:
    return entry.marker.text.startswith(TAKEN_BACK)


def _take_back(entry: _MarkerEntry) -> None:
    """The marker says its value was taken back (in place: the occurrence's steps hold it)."""
    entry.marker = replace(entry.marker, text=short(TAKEN_BACK + entry.marker.text))


def alarm_text(transition: AlarmTransition, beyond: str = "") -> str:
    """"Systolic 185" for a vital's alarm ("RR <5" when its value is a monitor's beyond its
    range, `beyond` its `beyond_mark`), "MOAA/S 1" for a scale's (short, for a label beside
    its marker); otherwise the banner message, shortened."""
    name = transition.condition.rsplit("_", 1)[0]
    if transition.value is not None and name in SHORT_LABELS:
        return f"{SHORT_LABELS[name]} {beyond}{METRICS[name].format(transition.value)}"
    if transition.value is not None and name in SCALE_MARKER_NAMES:   # "MOAA/S 1", its value kept
        return f"{SCALE_MARKER_NAMES[name]} {scale_value_words(name, transition.value)}"
    return short(transition.message)


def marker_label(marker: TrendMarker) -> str:
    """What a marker's label says: an alarm's priority marks before its words ("*** SpO2 88",
    "** HR 118"), as the alarm rows and the central's cards say it: in the priority's colour
    alone, a high SpO2 88 and a medium HR 118 were two warm labels to a red-green colour-blind
    nurse (IEC 60601-1-8: the priority is told without colour too). Other markers as they are."""
    if marker.kind != "alarm":
        return marker.text
    marks = priority_marks(Priority[(marker.priority or "high").upper()])
    return f"{marks} {marker.text}" if marks else marker.text


def short(text: str, limit: int = MARKER_TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---- label placement (pure geometry: the trend widget measures, these decide) ---------------


def spread_labels(wanted: Sequence[float], height: float, top: float,
                  bottom: float) -> list[float] | None:
    """Vertical centres for labels of one `height` wanted at `wanted` centres (pixels, y down),
    none overlapping and all inside [top, bottom], each as near its wish as that allows.

    Neighbours that would overlap are pushed apart as a block centred on their wishes, the
    block then kept inside the bounds. Returns None when they cannot all fit (the caller merges
    labels). The result is in the input order.
    """
    count = len(wanted)
    if count == 0:
        return []
    if count * height > bottom - top + 1e-9:
        return None
    order = sorted(range(count), key=lambda i: wanted[i])
    low, high = top + height / 2, bottom - height / 2   # where a centre may go
    # Blocks of touching labels, each (first position in `order`, size, centre of its first).
    blocks: list[tuple[int, int, float]] = []
    for position, i in enumerate(order):
        blocks.append((position, 1, min(max(wanted[i], low), high)))
        while len(blocks) > 1:
            (first, size, start), (_, size2, start2) = blocks[-2], blocks[-1]
            if start2 - (start + (size - 1) * height) >= height - 1e-9:
                break
            size += size2
            # The merged block sits at the mean of its labels' wishes, inside the bounds.
            mean = sum(wanted[order[first + k]] - k * height for k in range(size)) / size
            blocks[-2:] = [(first, size, min(max(mean, low), high - (size - 1) * height))]
    out = [0.0] * count
    for first, size, start in blocks:
        for k in range(size):
            out[order[first + k]] = start + k * height
    return out


@dataclass(frozen=True, slots=True)
class LabelSlot:
    """Where one marker label goes: its row (0 = top), its left edge, and how many labels that
    could not be placed it also stands for (shown as "+N"); row -1: not shown."""

    row: int
    left: float
    extra: int = 0


def stack_labels(xs: Sequence[float], widths: Sequence[float], rows: int, left: float,
                 right: float, gap: float, extra_width: Callable[[int], float],
                 ranks: Sequence[int] | None = None) -> list[LabelSlot]:
    """Place marker labels in `rows` rows so that none overlaps another.

    Args:
        xs: each marker's x (pixels).
        widths: each label's width.
        rows: rows available.
        left / right: the lane's extent; a label never crosses it (one near the right edge is
            put to the left of its marker).
        gap: pixels kept between neighbours in a row.
        extra_width: the width of the " +N" suffix for N.
        ranks: importance of each label, 0 first (default: all equal). More important labels
            are placed first, so an alarm or T0 is never the one hidden behind routine scores.

    Each label takes the first row where it fits. One that fits in no row is not shown and is
    counted on the nearest shown label ("T0 dose +2") when that suffix fits beside it (moving
    the label left at the lane's edge if its neighbour allows); otherwise on nothing (its marker
    line still shows).
    """
    count = len(xs)
    order = sorted(range(count), key=lambda i: ((ranks[i] if ranks else 0), xs[i], i))
    taken: list[list[tuple[float, float]]] = [[] for _ in range(rows)]   # intervals per row
    slots: list[LabelSlot] = [LabelSlot(-1, 0.0)] * count

    def free(row: int, start: float, end: float, ignore: tuple[float, float] | None = None
             ) -> bool:
        return start >= left and end <= right and all(
            end + gap <= a or start >= b + gap for a, b in taken[row] if (a, b) != ignore)

    hidden: list[int] = []
    for i in order:
        x, w = xs[i], widths[i]
        start = max(x if x + w <= right else min(x, right) - w, left)
        for r in range(rows):
            if free(r, start, start + w):
                slots[i] = LabelSlot(r, start)
                taken[r].append((start, start + w))
                break
        else:
            slots[i] = LabelSlot(-1, start)
            hidden.append(i)
    for i in hidden:
        shown = [k for k in range(count) if slots[k].row >= 0]
        for k in sorted(shown, key=lambda k: abs(xs[k] - xs[i])):
            slot = slots[k]
            old = (slot.left, slot.left + widths[k] + (extra_width(slot.extra) if slot.extra else 0))
            grown = widths[k] + extra_width(slot.extra + 1)
            for new_left in (slot.left, right - grown):
                if new_left <= slot.left and free(slot.row, new_left, new_left + grown, old):
                    taken[slot.row][taken[slot.row].index(old)] = (new_left, new_left + grown)
                    slots[k] = LabelSlot(slot.row, new_left, slot.extra + 1)
                    break
            else:
                continue
            break
    return slots
