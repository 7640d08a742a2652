"""What a vital's tile says, read from the session's read-only view. No Qt.

The tile widget (console/ui/tiles.py) draws a `TileView` and decides nothing; the rules are here
(issue 11 items 2, 3 and 13):

Value
    The latest accepted value of the metric, in the registry's format. The blood-pressure tile
    shows "systolic/diastolic (mean)" of ONE measurement: values are shown together only when
    they come from the same source and were measured at the same time (a device's NIBP: equal
    measured time, or received in the same message when the device sends no time; typed values:
    entered within `PAIR_TOLERANCE_S` of each other, the entry form's one submission). The newest
    measurement is shown; a part it lacks is "—" (systolic/diastolic) or left out (mean), and the
    tile says a value from another reading was left out. So a typed 150/95 is never shown with the
    monitor's mean of an earlier cuff (issue 11 item 2: "150/95 (134)" paired two readings).

Marks
    Only the number that crosses a limit is marked, with the priority its alarm condition holds
    NOW (`Occurrence.current`), never the whole tile: a latched occurrence (its condition
    cleared, kept on screen until reset) and an unacknowledged high alarm whose value has fallen
    to a medium limit are the alarm area's to show, and they must not paint a value that is
    within limits red (issue 11 item 3). A number is marked only when the occurrence was raised
    by that very value (`Occurrence.value`); an alarm held by the absence of values (no RR for
    20 s) marks no number. The mark flashes while the occurrence is unacknowledged and its
    current priority is medium or high (IEC 60601-1-8: low is steady), steady once acknowledged.
    A stale value is greyed and never marked.

Limits
    In words, one line per metric (the BP tile: systolic, then diastolic): the limits of the
    priority that holds now on that metric, named ("high alarm 131 or more · 40 or less · above
    120 for 5 min"), or, with no alarm, on each side the limits that would alarm first ("alarm
    above 110 · below 50"). Edges keep the protocol's meaning: `above` → "above 110",
    `at_or_above` → "131 or more", `below` → "below 50", `at_or_below` → "40 or less" (values
    may have decimals, so "≥131" is not written "above 130"). A baseline-relative limit reads
    "40 above baseline (168)" with the threshold computed from the baseline; before T0, when
    baseline limits do not apply yet, "(168 from T0)" (or "(from T0)" with no baseline yet), and
    only on a line with no alarm: a line that names an alarm holding now lists the limits it
    holds at, and a limit that does not apply yet is none of them (at 1366x768 the BP tile cut
    "dia medium alarm 110 or more · 25 above baseline (137 from T0)" to its first phrase); a
    sustained one "above 120 for 5 min"; a rule that a repeat reading escalates is
    listed under the priority it escalates to with its repeat time ("medium limits for 5 min").
    Limits on absence read "if no value for 20 s".

Detail
    Where the value comes from and how old it is: "device · 3 s ago", "manual 09:26 · 4 min ago",
    NIBP "device · measured 09:26 · 4 min ago" (its age counts from its measured time; the pulse
    the cuff measured with it, `is_nibp_value`, is that measurement too); an NIBP
    found on the monitor at connect, with no time (reading.AGE_UNKNOWN), "STALE · device ·
    received 09:26 · time unknown". A device whose clock is off by more than `SKEW_LIMIT_S`
    (the trend's verdict, `SessionView.device_clock`, by its rule and code,
    `trend_feed.DeviceClocks`: the device's continuous values, an NIBP's own time ahead of its
    arrival, or before the session opened when no continuous value of the device showed its
    clock right by `CUFF_WAIT_S` after its arrival) has its receive time shown instead, and the
    tile says "clock 8 min ahead"; found off, it stays off, as on the trend. An NIBP measured in
    the session and delivered minutes later (taken during a restart or a link outage) is no
    clock offset: it reads "measured 09:22 · 4 min ago", never "received 09:26 · 0 s ago · clock
    4 min behind" (the audit: a cuff taken during the outage read as just measured). Nor is a
    cuff taken before the nurse opened the session, the monitor's HR showing its clock right:
    "measured 08:55 · 5 min ago", not "received 09:00 · 0 s ago · clock 5 min behind"; with the
    HR only from 30 s later (the probe put on after the cuff) it is "clock 5 min behind" from
    the end of the wait on, on the tile as on the trend (the tile had turned to "measured" when
    the HR came, the trend had not).
    Stale (older than `STALE_SECONDS` for a continuous value, `STALE_MANUAL_SECONDS` for a typed
    value or an NIBP and its cuff's pulse, or from a device that is not connected): "STALE · ..."
    and greyed.
    Said short (`TileView.detail_short`) where a tile has no room for it all (the small tiles'
    two lines of 113 px at 1366x768): the age, stale or not, and a clock's warning are kept, the
    source word and "measured"/"received" give way: "cuff 09:00 · 45 s ago", "STALE 21 min ·
    manual 09:00", "clock +14 min · 1 s ago" ("+" ahead, "−" behind), "STALE · time unknown".
    Cut at the edge, the cuff's pulse had kept "device · measured …" (its time and age gone), a
    stale typed value "STALE · manual 09:0…" and a monitor's clock 14 min ahead "device ·
    received 09:0…".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from console.clock import Moment, format_span
from console.session.alarms import PHYSIOLOGICAL, AlarmState, Occurrence
from console.session.conditions import STALE_MANUAL_SECONDS, STALE_SECONDS
from console.session.trend_feed import PAIR_TOLERANCE_MINUTES, VITAL_COLOURS, clock_offset
from console.session.view import SessionView
from devices.reading import AGE_UNKNOWN, MANUAL, Reading, beyond_mark, is_nibp_value
from protocols.model import AlarmRule, Priority
from protocols.vitals import BP_METRICS, VITALS, metric

if TYPE_CHECKING:
    from console.session.engine import Latest

# Systolic and diastolic typed in one form are entered one after the other: the trend feed's rule.
PAIR_TOLERANCE_S = PAIR_TOLERANCE_MINUTES * 60.0

BP_TILE = "bp_systolic"
BP_PARTS = ("bp_systolic", "bp_diastolic", "bp_mean")
# Titles share their line with the unit: short enough for both in a tile at 1366x768.
TITLES = {BP_TILE: "Blood pressure", "resp_rate": "Resp. rate"}
_PART_WORDS = {"bp_systolic": "systolic", "bp_diastolic": "diastolic", "bp_mean": "mean"}
_LINE_PREFIX = {"bp_systolic": "sys ", "bp_diastolic": "dia "}
NO_LIMITS = "no alarm limits"
PULSE_RULES_WHEN = "when no ECG heart rate"


@dataclass(frozen=True, slots=True)
class ValuePart:
    """One piece of the value: a number (with its metric) or the text between numbers.

    Attributes:
        priority: the priority its alarm condition holds now; None when it is within limits.
        flashing: the alarm is unacknowledged and medium or high.
        small: drawn smaller (the NIBP mean and its brackets).
    """

    text: str
    metric: str | None = None
    priority: Priority | None = None
    flashing: bool = False
    small: bool = False


@dataclass(frozen=True, slots=True)
class LimitLine:
    """One metric's limits: a header ("alarm", "high alarm", "dia medium alarm") and phrases."""

    header: str
    phrases: tuple[str, ...]

    @property
    def text(self) -> str:
        body = " · ".join(self.phrases)
        return f"{self.header} {body}" if self.header else body


@dataclass(frozen=True, slots=True)
class TileView:
    """What one tile shows.

    Attributes:
        parts: the value, piece by piece (`value` is their text).
        detail_phrases: source, time, age and notes ("device", "measured 09:26", "4 min ago").
        detail_short: the same said short, for a tile with no room for it all (the module's
            Detail rule): the age and a clock's warning kept.
        limit_lines: one per metric with rules, highest meaning first.
        explain: the full story of the value (for its tooltip): what was left out and why.
        colour: the vital's colour, shared with its trend (`trend_feed.VITAL_COLOURS`).
    """

    metric: str
    title: str
    parts: tuple[ValuePart, ...]
    detail_phrases: tuple[str, ...]
    limit_lines: tuple[LimitLine, ...]
    explain: str
    colour: str
    stale: bool
    detail_short: tuple[str, ...] = ()

    @property
    def value(self) -> str:
        return "".join(p.text for p in self.parts)

    @property
    def detail(self) -> str:
        return " · ".join(self.detail_phrases)

    @property
    def limits(self) -> str:
        return "\n".join(line.text for line in self.limit_lines)

    @property
    def alarm(self) -> Priority | None:
        """The highest priority marked on any number of the tile."""
        marked = [p.priority for p in self.parts if p.priority is not None]
        return max(marked) if marked else None

    def marked(self) -> dict[str, Priority]:
        """Each marked part's metric and priority."""
        return {p.metric: p.priority for p in self.parts if p.metric and p.priority is not None}


def tile_stale(view: SessionView, name: str, now: Moment) -> bool:
    """Whether the tile of `name` is greyed at `now` (`tile_view(...).stale`, without building
    the tile: the chair status asks it of every tile each time it is sent)."""
    if name == BP_TILE:
        latest = _bp_anchor({n: v for n in BP_PARTS if (v := view.latest(n)) is not None})
    else:
        latest = view.latest(name)
    if latest is None:
        return True
    when = _when(view, latest, now)
    return _stale(view, latest, when.age, long_limit=name == BP_TILE or when.manual)


def tile_view(view: SessionView, name: str, now: Moment) -> TileView:
    """The tile of `name` (`bp_systolic` is the blood-pressure tile) at `now`."""
    if name == BP_TILE:
        return _bp_tile(view, now)
    m = metric(name)
    limits = limit_lines(view, (name,))
    colour = VITAL_COLOURS.get(name, "#ffffff")
    title = TITLES.get(name, m.label)
    latest = view.latest(name)
    if latest is None:
        return TileView(name, title, (ValuePart("—", name),), ("no value yet",), limits, "", colour, True)
    when = _when(view, latest, now)
    stale = _stale(view, latest, when.age, long_limit=when.manual)
    part = _part(view.alarms(), name, latest.reading, stale)
    phrases = _state_word(view, stale) + _ages(view, when.phrases) + when.notes
    return TileView(name, title, (part,), phrases, limits, "; ".join(when.notes), colour, stale,
                    _short(view, stale, when))


ENDED_WORD = "ENDED"
ENDED_AGE = "last value"


def _state_word(view: SessionView, stale: bool) -> tuple[str, ...]:
    if view.discharged:
        return (ENDED_WORD,)
    return ("STALE",) if stale else ()


def _short(view: SessionView, stale: bool, when: _When) -> tuple[str, ...]:
    """The detail said short (the module's Detail rule): where it comes from, when, and how old,
    "STALE" with the age when stale."""
    if view.discharged:
        return (ENDED_WORD, ENDED_AGE)
    if when.span is None:   # of unknown age: always stale
        return ("STALE", "time unknown")
    if stale:
        return (f"STALE {when.span}", when.where)
    return (when.where, f"{when.span} ago")


def _ages(view: SessionView, phrases: tuple[str, ...]) -> tuple[str, ...]:
    """After discharge the values are the record's last, not "now": no source nor age ("0 s
    ago" stood frozen under an ended session in a nurse walk on X, an SpO2 86 in plain white;
    the review has where each came from). Two short lines fit the small tiles at 1366x768."""
    return (ENDED_AGE,) if view.discharged else phrases


# ---- blood pressure ----------------------------------------------------------------------------

def _bp_tile(view: SessionView, now: Moment) -> TileView:
    limits = limit_lines(view, BP_PARTS)
    colour = VITAL_COLOURS.get(BP_TILE, "#ffffff")
    title = TITLES[BP_TILE]
    latest = {n: v for n in BP_PARTS if (v := view.latest(n)) is not None}
    if not latest:
        empty = (ValuePart("—", "bp_systolic"), ValuePart("/"), ValuePart("—", "bp_diastolic"))
        return TileView(BP_TILE, title, empty, ("no value yet",), limits, "", colour, True)
    group = bp_measurement(latest)
    anchor = _bp_anchor(latest)
    assert anchor is not None
    when = _when(view, anchor, now)
    stale = _stale(view, anchor, when.age, long_limit=True)
    occurrences = view.alarms()

    def number(name: str) -> ValuePart:
        got = group.get(name)
        if got is None:
            return ValuePart("—", name)
        return _part(occurrences, name, got.reading, stale, small=name == "bp_mean")

    parts = [number("bp_systolic"), ValuePart("/"), number("bp_diastolic")]
    if "bp_mean" in group:
        parts += [ValuePart(" (", small=True), number("bp_mean"), ValuePart(")", small=True)]
    left_out = [n for n in BP_PARTS if n in latest and n not in group]
    notes = list(when.notes)
    explain = list(when.notes)
    if left_out:
        notes.append(f"no {' or '.join(_PART_WORDS[n] for n in left_out)} with this reading")
        for n in left_out:
            other, m = latest[n], metric(n)
            explain.append(f"{m.label} {m.format(other.reading.value)} ({_source_word(other)} "
                           f"{_clock(_shown_time(view, other, now))}) is from another reading: "
                           "not shown with this one")
    phrases = _state_word(view, stale) + _ages(view, when.phrases) + tuple(notes)
    short = _short(view, stale, when) + tuple(notes[len(when.notes):])   # the part left out
    return TileView(BP_TILE, title, tuple(parts), phrases, limits, "; ".join(explain), colour,
                    stale, short)


def same_measurement(a: Latest, b: Latest) -> bool:
    """True when two values are parts of one measurement (one source, one measured time)."""
    ra, rb = a.reading, b.reading
    if ra.source != rb.source:
        return False
    if ra.source == MANUAL:
        return abs((ra.received_at - rb.received_at).total_seconds()) <= PAIR_TOLERANCE_S
    if ra.measured_at is None or rb.measured_at is None:
        return ra.measured_at is None and rb.measured_at is None and ra.received_at == rb.received_at
    return ra.measured_at == rb.measured_at


# ---- marks -------------------------------------------------------------------------------------

def value_alarm(occurrences: Sequence[Occurrence], name: str, value: float) -> Occurrence | None:
    """The alarm that marks `value` of `name` (see the module's marks): the highest holding now
    (not latched) that this very value raised; None when the number is not to be marked. The
    chair's status marks the central's chips by it too (they were red for a value within
    limits while a latched alarm stood: a walk on X)."""
    raised_by_it = [o for o in _holding(occurrences, name) if o.value is not None and o.value == value]
    return max(raised_by_it, key=lambda o: o.current) if raised_by_it else None


def _holding(occurrences: Sequence[Occurrence], name: str) -> list[Occurrence]:
    """The physiological occurrences of `name` whose condition holds now (not latched)."""
    conditions = (f"{name}_high", f"{name}_low")
    return [o for o in occurrences
            if o.category == PHYSIOLOGICAL and o.condition in conditions
            and o.state is not AlarmState.LATCHED and o.current > Priority.INFO]


def bp_measurement(latest: dict[str, Latest]) -> dict[str, Latest]:
    """Of the latest BP parts, those of the measurement the tile shows (the newest): what the
    bedside and the chair's status to the central show together, never a part of another
    reading (a typed 186/100 read "186/100 (113)" at the central, 113 the mean of an earlier
    cuff: a charge nurse's walk)."""
    anchor = _bp_anchor(latest)
    return {n: v for n, v in latest.items() if anchor is not None and same_measurement(anchor, v)}


def _bp_anchor(latest: dict[str, Latest]) -> Latest | None:
    """The BP measurement the tile shows: the newest measured (`Latest.placed`; a tie goes to
    systolic, then diastolic), then the newest received; a corrected part is as new as the
    measurement it corrects (`Latest.taken`). By its arrival, a cuff's mean measured during a
    link outage and delivered after a typed 205/95 took the tile: "—/— (93)"."""
    def newest(v: Latest) -> tuple[float, float]:
        return (v.placed if v.placed is not None else v.taken.mono, v.taken.mono)

    return max(latest.values(), key=newest) if latest else None


def _part(occurrences: Sequence[Occurrence], name: str, reading: Reading, stale: bool,
          small: bool = False) -> ValuePart:
    value = reading.value
    text = beyond_mark(reading.flags) + metric(name).format(value)
    if stale:
        return ValuePart(text, name, small=small)
    top = value_alarm(occurrences, name, value)
    if top is None:
        return ValuePart(text, name, small=small)
    flashing = top.state is AlarmState.ACTIVE and top.current >= Priority.MEDIUM
    return ValuePart(text, name, top.current, flashing, small)


# ---- limits ------------------------------------------------------------------------------------

def limit_lines(view: SessionView, names: Sequence[str]) -> tuple[LimitLine, ...]:
    """The limits line of each metric in `names` that has alarm rules (see the module's rules)."""
    occurrences = view.alarms()
    lines = []
    for name in names:
        rules = view.protocol.rules_for(name)
        if not rules:
            continue
        holding = _holding(occurrences, name)
        active = max((o.current for o in holding), default=None)
        chosen = chosen_rules(rules, active)
        baseline = view.baseline.get(name)
        phrases = tuple(dict.fromkeys(   # in order, once each
            p for rule in chosen
            for p in rule_phrases(rule, baseline, view.t0 is not None,
                                  escalating=active is not None and rule.priority != active,
                                  alarm_holding=active is not None)))
        if name == "pulse_rate":   # the engine rests them while an ECG heart rate comes in
            phrases += (PULSE_RULES_WHEN,)
        prefix = _LINE_PREFIX.get(name, "") if len(names) > 1 else ""
        header = f"{prefix}{active.label} alarm" if active is not None else f"{prefix}alarm"
        lines.append(LimitLine(header, phrases))
    return tuple(lines) or (LimitLine("", (NO_LIMITS,)),)


def chosen_rules(rules: Sequence[AlarmRule], active: Priority | None) -> list[AlarmRule]:
    """The rules whose limits a tile shows: those of the active priority (and those a repeat
    escalates to it), or with no alarm, on each side the lowest priority's."""
    chosen: list[AlarmRule] = []
    if active is not None:
        chosen = [r for r in rules if r.priority == active]
        chosen += [r for r in rules if r.escalate_to == active and r.priority != active]
    if not chosen:
        for direction in ("high", "low"):
            side = [r for r in rules if r.direction == direction]
            if side:
                first = min(r.priority for r in side)
                chosen += [r for r in side if r.priority == first]
    # Instant limits first, upper side before lower, then those that take time.
    return sorted(chosen, key=lambda r: (
        r.priority != active if active is not None else False,
        bool(r.sustained_seconds) or r.absent_seconds is not None,
        r.direction != "high"))


def rule_phrases(rule: AlarmRule, baseline: float | None, after_t0: bool,
                 escalating: bool = False, alarm_holding: bool = False) -> list[str]:
    """A rule's limits in words; a rule with a duration is one phrase ("above 120 for 5 min").
    Before T0 a baseline limit is named only when no alarm holds (`alarm_holding`): it does not
    apply yet, so it is not a limit the alarm holds at."""
    if rule.absent_seconds is not None:
        # "if": on a line of its own (the tile wraps at a phrase) "no value for 20 s" had read
        # as the tile's state, beside a value 0 s old.
        return [f"if no value for {_duration(rule.absent_seconds)}"]
    m = metric(rule.metric)
    limits = []
    for template, limit in (("above {}", rule.above), ("{} or more", rule.at_or_above),
                            ("below {}", rule.below), ("{} or less", rule.at_or_below)):
        if limit is not None:
            limits.append(template.format(f"{limit:g}"))
    if rule.rise_above_baseline is not None and (after_t0 or not alarm_holding):
        rise = rule.rise_above_baseline
        if baseline is None:
            at = "no baseline yet" if after_t0 else "from T0"
        else:
            at = m.format(baseline + rise) + ("" if after_t0 else " from T0")
        limits.append(f"{rise:g} above baseline ({at})")
    if escalating and rule.confirm_repeat_minutes is not None:
        # Its own limits are on the line of its own priority: here, how long until it escalates.
        minutes = rule.sustained_seconds + rule.confirm_repeat_minutes * 60
        return [f"{rule.priority.label} limits for {_duration(minutes)}"]
    if rule.sustained_seconds:
        return [f"{' or '.join(limits)} for {_duration(rule.sustained_seconds)}"]
    return limits


# ---- detail ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _When:
    phrases: tuple[str, ...]
    notes: tuple[str, ...]
    age: float
    manual: bool
    where: str = "device"     # said short: source and time, or the clock's warning (`_short`)

    @property
    def span(self) -> str | None:
        """The age in words ("45 s"); None when unknown."""
        return format_span(self.age) if math.isfinite(self.age) else None


def _when(view: SessionView, latest: Latest, now: Moment) -> _When:
    """Where a value comes from and how old it is (the Detail rule)."""
    reading = latest.reading
    # Since it was received, by the monotonic clock; a correction since its measurement was.
    age = now.mono - latest.taken.mono
    if reading.source == MANUAL:
        typed = f"manual {_clock(reading.received_at)}"
        return _When((typed, f"{format_span(age)} ago"), (), age, True, typed)
    received = f"received {_clock(reading.received_at)}"
    if AGE_UNKNOWN in reading.flags:
        # Already on the monitor when it connected, with no time (ANSAR-B): never "now", and no
        # age can be given (devices.md). Shown stale, so the nurse takes a new one.
        return _When(("device", received, "time unknown"), (), math.inf, False)
    if not is_nibp_value(reading):   # the cuff's pulse is the cuff's measurement too
        return _When(("device", f"{format_span(age)} ago"), (), age, False)
    if reading.measured_at is None:
        return _When(("device", received, f"{format_span(age)} ago"), (), age, False, received)
    offset = (reading.measured_at - reading.received_at).total_seconds()
    skew = _device_clock(view, reading, now)
    if skew is not None:
        way = "ahead" if skew > 0 else "behind"
        # "clock", after "device · received …": "monitor clock 14 min …" lost its way (ahead
        # or behind) at the tile's edge at 1366x768 (a walk on X); the trend's notice says whose.
        note = f"clock {format_span(abs(skew))} {way}"
        # Short, signed: "clock 14 min ahead" is wider than a small tile's line at 1366x768.
        sign = "+" if skew > 0 else "−"
        short = f"clock {sign}{format_span(abs(skew))}"
        return _When(("device", received, f"{format_span(age)} ago"), (note,), age, False, short)
    age -= offset   # an NIBP is as old as its cuff measurement, not its arrival
    return _When(("device", f"measured {_clock(reading.measured_at)}", f"{format_span(age)} ago"),
                 (), age, False, f"cuff {_clock(reading.measured_at)}")


def _stale(view: SessionView, latest: Latest, age: float, long_limit: bool) -> bool:
    if view.discharged:   # the record is closed: nothing on the tiles is current
        return True
    manual = latest.reading.source == MANUAL
    spot = long_limit or manual or is_nibp_value(latest.reading)
    limit = STALE_MANUAL_SECONDS if spot else STALE_SECONDS
    return age > limit or (not manual and view.device_state != "connected")


def _source_word(latest: Latest) -> str:
    return "manual" if latest.reading.source == MANUAL else "device"


def _shown_time(view: SessionView, latest: Latest, now: Moment) -> datetime:
    reading = latest.reading
    if reading.measured_at is not None and _device_clock(view, reading, now) is None:
        return reading.measured_at
    return reading.received_at


def _device_clock(view: SessionView, reading: Reading, now: Moment) -> float | None:
    """The offset of the clock of the device that sent `reading` (seconds, positive: ahead), or
    None when its clock is right as far as the tile can tell. Whether it is off is the trend's
    verdict on that device by `now` (`view.device_clock`: `trend_feed.DeviceClocks`, the same
    values by the same rule), never the tile's own. How far off is what the device shows now:
    its latest continuous value showing an offset (measured the second it is sent), else the
    value's own times (`trend_feed.clock_offset`), else the offset first found."""
    first = view.device_clock(reading.source, now.wall)
    if first is None:
        return None
    started = view.started.wall
    for name in VITALS:
        latest = view.latest(name) if name not in BP_METRICS else None
        other = latest.reading if latest is not None else None
        if other is not None and other.source == reading.source and not is_nibp_value(other):
            found = clock_offset(name, other.measured_at, other.received_at, started)
            if found is not None:
                return found
    own = clock_offset(reading.metric, reading.measured_at, reading.received_at, started,
                       reading.flags)
    return own if own is not None else first


def _clock(when: datetime) -> str:
    return when.astimezone().strftime("%H:%M")


def _duration(seconds: float) -> str:
    return f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:g} min"
