"""A patient's course on one time scale: each session's vitals in minutes from its T0. No Qt.

The course table compares figures (peaks, lows); this compares the curves: every session of the
course drawn over the others, per vital, on one axis of minutes from the start of dosing, so the
surge 30-40 min after T0 lines up from one session to the next whatever the time spent on the
pre-dose checks. A session never dosed has no T0: it is drawn from its start, and its legend says
so (`legend_text`).

Each session goes through the one rule every trend applies (`console.session.trend_feed`), from
the rows `queries.trend_records` reads: a corrected value stands at its corrected value where the
measurement it corrects was drawn, a value entered in error is not drawn, an NIBP sits at its
measured time (its arrival when its monitor's clock is off), a reading of unknown age is not
drawn, nor one the review leaves out of the session (`queries.records_before_the_session`: a
monitor's last cuff, the previous patient's). DEMO and TEST readings are never drawn here, in a
demo session either: a course compares a patient's values, and a monitor's demonstration values
are none (a demo session's other values still draw, its legend says "demo").

Alarm limits are the single-session trend's: the fixed limits of the protocol each session logged
at its start (the installed file for a session that logged none), each text as it ran, a file
edited without a new version too. A limit that is not every session's (a version 1.7 lowered
SpO2's ≤90 to ≤86 mid-course) is named with the sessions it was theirs (`session_limits_text`).
A limit relative to the baseline differs from one session to the next: it is not drawn, and
`relative_limits_text` says so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import Final

import numpy as np
import numpy.typing as npt

from console.records import EventRecord, ObservationRecord
from console.review import content as rc
from console.review import queries
from console.review.model import CourseRow
from console.session.protocol_record import digest, logged_protocol
from console.session.trend_feed import CUFF_PULSE, TrendFeed
from devices.reading import is_patient_value
from protocols.model import Priority, Protocol
from protocols.vitals import BP_METRICS, METRICS

Floats = npt.NDArray[np.float64]

# In the single-session trend's order (BP, HR and pulse, SpO2, RR), one panel each.
DRAWN_VITALS: Final = ("bp_systolic", "bp_diastolic", "bp_mean", "heart_rate", "pulse_rate",
                       "spo2", "resp_rate")
# Drawn even when no session has them (an empty panel says none was recorded); the others, a
# monitor's mean BP and pulse rate, only when a session of the course has them.
ALWAYS_DRAWN: Final = frozenset({"bp_systolic", "bp_diastolic", "heart_rate", "spo2",
                                 "resp_rate"})
NO_T0 = "no T0 (never dosed): from its start"


@dataclass(frozen=True, slots=True)
class VitalTrace:
    """One vital of one session on the course's time scale.

    Attributes:
        minutes, values: every value drawn, in time order, in minutes from the session's T0
            (from its start when it was never dosed); a NaN value where a device's line breaks
            (no value for longer than the trend's gap: no line across a disconnection).
        measured_minutes, measured_values: the values measured one at a time, typed by the nurse
            or taken by an NIBP cuff: drawn as symbols too, since a line alone between two
            readings 15 minutes apart does not say where the readings are.
    """

    minutes: Floats
    values: Floats
    measured_minutes: Floats
    measured_values: Floats


@dataclass(frozen=True, slots=True)
class SessionTrace:
    """One session of the course, its vitals on the course's time scale.

    Attributes:
        row: the session's figures in the course (number, start, protocol, demo, still open).
        from_t0: True when the minutes count from its T0; False for a session never dosed,
            counted from its start.
        vitals: metric -> its trace, for the vitals it has values of (`DRAWN_VITALS` only).
    """

    row: CourseRow
    from_t0: bool
    vitals: Mapping[str, VitalTrace]


@dataclass(frozen=True, slots=True)
class CourseLimit:
    """A fixed alarm limit of a protocol the course ran under: "≥180" in the priority's colour;
    `sessions`, the numbers of the sessions whose protocol has it (empty: not known)."""

    metric: str
    sign: str
    value: float
    priority: Priority
    sessions: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.sign}{self.value:g}"


@dataclass(frozen=True, slots=True)
class CourseTrend:
    """Every session of a course on one time scale, and the limits drawn over them.

    Attributes:
        sessions: oldest first, as the course table's columns.
        limits: fixed limits, one per metric, sign and value (the higher priority kept).
        relative_limits: (metric, rise) of the limits relative to the baseline, not drawn.
        mixed: the sessions ran under more than one protocol text (`_protocol_key`).
    """

    sessions: tuple[SessionTrace, ...]
    limits: tuple[CourseLimit, ...] = ()
    relative_limits: tuple[tuple[str, float], ...] = ()
    mixed: bool = False

    def metrics(self) -> tuple[str, ...]:
        """The vitals drawn, in `DRAWN_VITALS`' order."""
        return tuple(m for m in DRAWN_VITALS
                     if m in ALWAYS_DRAWN or any(m in s.vitals for s in self.sessions))

    def value_span(self, metrics: Sequence[str]) -> tuple[float, float] | None:
        """The lowest and highest value drawn of `metrics` over every session, or None: the
        lines and the symbols (a cuff's pulse beside an oximeter's line is a symbol only: its
        172 fell outside the pulse panel's 30-150)."""
        found = [a for s in self.sessions for m in metrics if (t := s.vitals.get(m)) is not None
                 for a in (t.values, t.measured_values)]
        values = np.concatenate(found) if found else np.empty(0)
        values = values[np.isfinite(values)]
        return (float(values.min()), float(values.max())) if values.size else None

    def minute_span(self) -> tuple[float, float] | None:
        """The first and last minute drawn over every session and vital, or None: the lines'
        and the symbols' (`value_span`)."""
        found = [a for s in self.sessions for t in s.vitals.values()
                 for a in (t.minutes, t.measured_minutes)]
        minutes = np.concatenate(found) if found else np.empty(0)
        return (float(minutes.min()), float(minutes.max())) if minutes.size else None

    def limits_of(self, metric: str) -> list[CourseLimit]:
        """The metric's limits drawn, highest value first."""
        return sorted((x for x in self.limits if x.metric == metric), key=lambda x: -x.value)


# A session's trace and the protocol it ran under, as read (`load_course_trend`'s `known`).
KnownTraces = MutableMapping[int, tuple[SessionTrace, Protocol | None]]


def load_course_trend(conn: sqlite3.Connection, course: Sequence[CourseRow],
                      installed: Mapping[str, Protocol], known: KnownTraces | None = None
                      ) -> CourseTrend:
    """The sessions of `course` (`queries.load_course`'s rows) on one time scale.

    Args:
        conn: a connection from `queries.open_readonly`.
        course: the sessions, oldest first.
        installed: protocol files by id, for a session that logged no protocol at its start.
        known: the sessions already read, by id: an ended session found there is not read
            again (its rows do not change: a monitor at 1 Hz gives 32,400 of them in 90 min,
            ~0.7 s to place); each ended session read is added. A session still open is read
            every time.

    Raises:
        UnreadableLogError: a session's rows could not be read.
    """
    traces = []
    protocols: dict[str, Protocol] = {}
    numbers: dict[str, list[int]] = {}   # the sessions that ran each of them
    for row in course:
        kept = known if known is not None and not row.still_open else None
        found = kept.get(row.session_id) if kept is not None else None
        if found is None:
            observations, events = queries.trend_records(conn, row.session_id)
            protocol = logged_protocol(events, row.session_id) or installed.get(row.protocol_id)
            found = (_trace(row, observations, events), protocol)
            if kept is not None:
                kept[row.session_id] = found
        trace, protocol = found
        if protocol is not None:
            key = _protocol_key(protocol)
            protocols.setdefault(key, protocol)
            numbers.setdefault(key, []).append(row.session_number)
        traces.append(replace(trace, row=row))   # the course's figures as read now
    limits, relative = course_limits(protocols.values(),
                                     [tuple(numbers[key]) for key in protocols])
    return CourseTrend(tuple(traces), limits, relative, mixed=len(protocols) > 1)


def _protocol_key(protocol: Protocol) -> str:
    """One protocol as a session ran it: its text's SHA-256 (as `PROTOCOL_IN_FORCE` logs it).
    Its id and version alone named a file edited without a new version as the first session's,
    and every session was drawn with that session's limits (review 43). A protocol with no text
    (built in code) is known by its id and version."""
    return digest(protocol.text) if protocol.text else f"{protocol.id} {protocol.version}"


def _trace(row: CourseRow, observations: Sequence[tuple[int, ObservationRecord]],
           events: Sequence[EventRecord]) -> SessionTrace:
    # demo=False: DEMO and TEST readings are never drawn on a course (the module's text).
    feed = TrendFeed(row.started_at, demo=False)
    # Nor a value that is none of the session's, by the review's rule (its peaks, its vitals
    # table and the FHIR Bundle leave it out: `queries.records_before_the_session`): a
    # monitor's last cuff, the previous patient's 196/104 of 3 h before, was drawn as the
    # session's BP and started the course's time axis there, every session squeezed into the
    # panel's last fifth (a review of the course). Its times still judge its monitor's clock.
    early = queries.records_before_the_session(observations, row.started_at, False)
    if not early:
        feed.load(observations, events)
    else:
        for obs_id, record in observations:
            if obs_id not in early:
                feed.add_rows(((obs_id, record),))
            elif is_patient_value(record.flags, False):
                feed.note_clock(record.source, record.measured_at, record.received_at,
                                record.metric, record.flags)
        feed.load((), events)
    # Minute 0 is the first dose (`CourseRow.first_dose_at`), where the session's own trend
    # marks "T0 dose": an esketamine session's T+40 BP was drawn at 50 min from the T0
    # confirmation, 10 min before device 1 (a clinician's review).
    t0 = row.first_dose_at
    origin = rc.minutes_since(t0, row.started_at) if t0 is not None else 0.0
    measured_bp = not feed.bp_continuous()   # NIBP, not an arterial line
    vitals = {}
    for metric in DRAWN_VITALS:
        device_t, device_v = feed.series(metric, False)
        typed_t, typed_v = feed.series(metric, True)
        cuff_t, cuff_v = feed.series(CUFF_PULSE, False) if (
            metric == "pulse_rate") else (typed_t[:0], typed_v[:0])
        if not (np.isfinite(device_v).any() or typed_v.size or cuff_v.size):
            continue
        if cuff_v.size and not np.isfinite(device_v).any():
            # The cuff's pulse joins the line only when no continuous source drew one
            # (trend_feed.py: joined to an oximeter's it drew dips); it is a measured point.
            device_t, device_v = cuff_t, cuff_v
        # One line through the session's values in time order, device and typed alike; a
        # stable sort keeps a device line's break (NaN, stamped as the value before it) after
        # that value.
        minutes = np.concatenate([device_t, typed_t])
        order = np.argsort(minutes, kind="stable")
        values = np.concatenate([device_v, typed_v])[order]
        if metric in BP_METRICS and measured_bp:
            keep = np.isfinite(device_v)
            spot_t = np.concatenate([device_t[keep], typed_t])
            spot_v = np.concatenate([device_v[keep], typed_v])
        else:
            spot_t, spot_v = np.concatenate([typed_t, cuff_t]), np.concatenate([typed_v, cuff_v])
        vitals[metric] = VitalTrace(minutes[order] - origin, values, spot_t - origin, spot_v)
    return SessionTrace(row, t0 is not None, vitals)


def course_limits(protocols: Iterable[Protocol], sessions: Sequence[tuple[int, ...]] = ()
                  ) -> tuple[tuple[CourseLimit, ...], tuple[tuple[str, float], ...]]:
    """The fixed limits of the course's protocols on the vitals drawn, and (metric, rise) of
    the limits relative to the baseline. A limit at one metric, sign and value is one line in
    the higher priority's colour (a protocol version that raised a limit's priority mid-course:
    as the single trend labels lines at one value). `sessions`: the session numbers that ran
    each protocol, in their order, kept with each limit (`CourseLimit.sessions`)."""
    fixed: dict[tuple[str, str, float], CourseLimit] = {}
    relative: set[tuple[str, float]] = set()
    for index, protocol in enumerate(protocols):
        ran = sessions[index] if index < len(sessions) else ()
        for rule in protocol.alarms:
            if rule.metric not in DRAWN_VITALS:
                continue
            for sign, value in rule.fixed_limits():
                key = (rule.metric, sign, float(value))
                known = fixed.get(key)
                had = tuple(sorted({*(known.sessions if known else ()), *ran}))
                priority = rule.priority if known is None else max(rule.priority, known.priority)
                fixed[key] = CourseLimit(rule.metric, sign, float(value), priority, had)
            if rule.rise_above_baseline is not None:
                relative.add((rule.metric, float(rule.rise_above_baseline)))
    order = {name: i for i, name in enumerate(DRAWN_VITALS)}
    return (tuple(sorted(fixed.values(), key=lambda x: (order[x.metric], -x.value))),
            tuple(sorted(relative, key=lambda r: (order[r[0]], r[1]))))


def legend_text(trace: SessionTrace, header: str, tz: tzinfo | None) -> str:
    """"Session 2 · 05 Mar 2026"; `header` is the course table's title of its column
    (`content.course_header`: "(still open)", "⚠ CHANGED"), and a session never dosed says
    it is drawn from its start. No weekday, as the course table's date: six sessions in a
    panel-sized legend at 1366x768."""
    text = f"{header} · {rc.local(trace.row.started_at, tz):%d %b %Y}"
    return text if trace.from_t0 else f"{text} · {NO_T0}"


def session_limits_text(trend: CourseTrend) -> str:
    """The limits drawn that were not every session's, each with the sessions it was theirs:
    "Limits of some sessions only: SpO2 ≤90 (sessions 1–2), ≤86 (session 3)." ('' when the
    sessions ran under one protocol text). The course drew ≤90 and ≤86 as its limits without
    saying that session 3 ran under the lower one (a review). Short: it is written in the
    legend's cell, under the sessions' names."""
    if not trend.mixed:
        return ""
    every = {s.row.session_number for s in trend.sessions}
    named: dict[str, list[str]] = {}
    for limit in trend.limits:
        if limit.sessions and set(limit.sessions) != every:
            named.setdefault(limit.metric, []).append(
                f"{limit.text} ({_sessions_text(limit.sessions)})")
    if not named:
        return ""
    parts = "; ".join(f"{METRICS[m].short_label}{' BP' if m in BP_METRICS else ''} "
                      f"{', '.join(texts)}" for m, texts in named.items())
    return f"Limits of some sessions only: {parts}."


def _sessions_text(numbers: Sequence[int]) -> str:
    """"session 3", "sessions 1–2", "sessions 1, 3–5": runs of numbers joined."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    text = ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)
    return f"session{'s' if len(numbers) > 1 else ''} {text}"


def limits_note(trend: CourseTrend) -> str:
    """What the legend's cell says of the limits: whose each is when they differ
    (`session_limits_text`), and those not drawn (`relative_limits_text`)."""
    return " ".join(t for t in (session_limits_text(trend), relative_limits_text(trend)) if t)


def reading_text(sessions: int) -> str:
    """What the trend's place says while the course is read in the background
    (console/review/course_trend_reader.py): seconds for a course of monitored sessions."""
    return (f"Reading the course's vitals: {sessions} session{'s' if sessions != 1 else ''}… "
            "The figures and the other tabs can be used meanwhile.")


def not_read_text(error: BaseException) -> str:
    """What the trend's place says when a bug stopped the read (the error goes on to the
    console's fault handling); choosing the patient again reads it again."""
    said = f": {error}" if str(error) else ""
    return (f"The course's vitals were not drawn: the console met an error "
            f"({type(error).__name__}{said}). Choose the patient again to retry.")


def relative_limits_text(trend: CourseTrend) -> str:
    """Why a limit the session's own trend draws is not drawn here ('' when none is left out)."""
    if not trend.relative_limits:
        return ""
    named = ", ".join(f"{METRICS[m].label} ≥ baseline + {rise:g}"
                      for m, rise in trend.relative_limits)
    return (f"Not drawn: limits relative to each session's baseline ({named}); each session's "
            "own trend draws them.")
