"""What the review window and the PDF report show, as plain rows of text: no Qt here.

Both renderers (the Qt tables of `review_window.py` and the painter of `console/export/pdf.py`)
draw these rows, so a session reads the same on screen and on paper, and tests can check the text
without a widget. Every function takes the read model (`console.review.model`) and a time zone
(the clinic's local zone by default; tests pass UTC).

Decisions written down once here:
- "Alarms" in lists and counts means occurrences that reached low priority or above; info-level
  prompts ("vitals due", "phase complete") are reminders and are counted apart, so a quiet
  session does not read as nine alarms. An overdue prompt that escalated to medium is an alarm.
- The vitals table has one row per manual entry (values entered within a minute of each other
  are one row) and one per scheduled check of the protocol that no manual entry of what it asks
  for answered, the checks as the chair asks them (a check timed after T0 counted from the first
  dose, whatever the phase; the checks running kept in the Discharge phase: `_scheduled`); device
  values are taken from the nearest reading around that time (BP within 5 min, others 2 min),
  each reading in one row only, the nearest (a cuff reading between two checks 5 min apart
  had stood under both, read as two measurements).
  A corrected value stands at the time of the measurement it corrects, marked with the value it
  replaced ("150 (corrected from 250)"); a session never ended (running, or left open) counts
  its checks up to its last record and ends with its last monitor reading.
- Times are clock times in the display zone, named once (the PDF's footer, the review's
  subtitle). A session whose record spans a change of that zone's UTC offset (summer time ends
  at 03:00 CEST: 02:45 comes twice) marks every time with its zone, "02:45 CEST" and
  "02:45 CET", and names both zones once ("CEST (UTC+02:00), then CET (UTC+01:00) from
  03:00 CEST"): `spans_zone_change`, `session_zone`. Every time, not only those after the
  change: an unmarked 02:25 in the hour that came twice is as ambiguous as an unmarked 02:45,
  and a time copied alone (a REMS form, a note) keeps its meaning. Any other session reads as
  before.
"""

from __future__ import annotations

import bisect
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

from console.session.dosing import devices_ticked
from console.session.alarms import SESSION_ENDED
from console.clock import format_duration
from console.export.protocol_file import find_protocol
from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.clock_steps import (
    AFTER_EVERY_EVENT, SESSION_START_ID, LoggedAt, LoggedStep, RowPlaces, is_unknown,
    logged_between, logged_seconds, seconds_to_time,
)
from console.session.course import earlier_in_course, route_words
from console.session.protocol_record import digest
from console.session.clock_marks import ALARM_ROWS_BEFORE, CLOCK_STEPPED, OBSERVATIONS_BEFORE
from console.session.schedule import timed_checks
from console.session.trend_feed import SAME_STEP_SECONDS, before_the_session
from console.review.integrity import RecordCheck, RecordState
from console.review.queries import dosing_seconds
from console.review.model import (
    PRIORITY_ORDER,
    REVIEW_NOTE,
    AlarmEpisode,
    AlarmStep,
    AudioPause,
    BaselineChange,
    ChainCheck,
    ChecklistTick,
    CourseRow,
    LoggedEvent,
    Override,
    PhaseSpan,
    Restart,
    ScaleObservation,
    SessionDetail,
    SessionSignatures,
    SessionSummary,
    baseline_text,
    correction_text,
    describe_event,
    withdrawn_text,
)
from console.session.dosing import infusion_stopped_at, pump_rate_text
from protocols.model import DoseMode, PhaseKind, Protocol, VitalsCheck
from protocols.vitals import METRICS, SCALES

NONE = "—"
# Scales as the observation tables show them (column titles).
SCALE_TITLES: dict[str, str] = {
    "moaas": "Sedation MOAA/S", "nausea": "Nausea", "dissociation": "Dissociation CADSS",
    "hallucinations": "Hallucinations", "fatigue": "Fatigue", "aldrete": "Aldrete",
}
ALARM_PRIORITIES = ("high", "medium", "low")   # what counts as an alarm (not a reminder)
MANUAL_GROUP_SECONDS = 60.0
DEVICE_WINDOW_SECONDS = {"bp": 300.0, "other": 120.0}


SIGNATURE_COLUMNS = ("Record time", "Record", "Meaning", "Signed by", "Account", "Signed at",
                     "Status")
UNSIGNED = "UNSIGNED"


# ---- formatting ---------------------------------------------------------------------------------


def local(when: datetime, tz: tzinfo | None) -> datetime:
    """`when` in the display zone (the computer's local zone when `tz` is None)."""
    return when.astimezone(tz) if tz is not None else when.astimezone()


def hhmm(when: datetime | None, tz: tzinfo | None, seconds: bool = False, *,
         zoned: bool = False) -> str:
    """"09:35" ("09:35:10" with `seconds`); "02:45 CET" when `zoned` (the session spans a
    change of the zone's UTC offset: `spans_zone_change`)."""
    if when is None:
        return NONE
    moment = local(when, tz)
    return _zoned(moment, moment.strftime("%H:%M:%S" if seconds else "%H:%M"), zoned)


def day(when: datetime, tz: tzinfo | None) -> str:
    """"Thu 05 Mar 2026"."""
    return local(when, tz).strftime("%a %d %b %Y")


def zone(when: datetime, tz: tzinfo | None) -> str:
    """The zone the times are shown in, at `when`: "CET, UTC+01:00" (a printed report travels
    to readers in other zones; the CSV writes UTC with its Z)."""
    moment = local(when, tz)
    name, utc = _abbreviation(moment), _utc_offset(moment)
    return name if name in ("UTC", utc) else f"{name}, {utc}"


def day_time(when: datetime, tz: tzinfo | None, *, zoned: bool = False) -> str:
    """"Thu 05 Mar 2026 09:35"; with its zone when `zoned` (see `hhmm`)."""
    moment = local(when, tz)
    return _zoned(moment, moment.strftime("%a %d %b %Y %H:%M"), zoned)


def hhmm_or_day(when: datetime, start: datetime, tz: tzinfo | None, *,
                zoned: bool = False) -> str:
    """`hhmm` of a time on `start`'s local day, `day_time` of one on a later day: a session's
    end and its discharge. "Mon 02 Mar 2026 09:00–09:50 (24:50 h)" and "Discharged 09:50" said
    nothing of the Tuesday the session was discharged on."""
    if day(when, tz) == day(start, tz):
        return hhmm(when, tz, zoned=zoned)
    return day_time(when, tz, zoned=zoned)


def _utc_offset(moment: datetime) -> str:
    """"UTC+01:00"."""
    offset = moment.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def _abbreviation(moment: datetime) -> str:
    """The zone of `moment` in a word: "CET", "UTC"; "UTC-03:00" for a zone whose only name is
    its offset (tzdata calls America/Sao_Paulo "-03")."""
    offset = moment.strftime("%z")
    name = moment.tzname() or ""
    if offset in ("", "+0000") and name in ("", "UTC"):
        return "UTC"
    return name if name and not name.startswith(("+", "-", "UTC")) else _utc_offset(moment)


def _zoned(moment: datetime, text: str, zoned: bool) -> str:
    return f"{text} {_abbreviation(moment)}" if zoned else text


# ---- a session across a change of the clock (summer time) ---------------------------------------

# Offsets are sampled this far apart between a session's first and last time: a zone changes
# its offset at most a few times a year, never twice within an hour.
_OFFSET_STEP = timedelta(hours=1)
_SECOND = timedelta(seconds=1)


def offset_changes(start: datetime, end: datetime, tz: tzinfo | None) -> tuple[datetime, ...]:
    """The instants after `start`, up to `end`, at which the display zone's UTC offset changes
    (summer time begins or ends), in time order; () for nearly every session.

    Each is the first second of the new offset, e.g. 2026-10-25 01:00 UTC in Europe/Berlin
    (03:00 CEST became 02:00 CET).
    """
    changes: list[datetime] = []
    lo, lo_offset = start, local(start, tz).utcoffset()
    while lo < end:
        hi = min(lo + _OFFSET_STEP, end)
        hi_offset = local(hi, tz).utcoffset()
        if hi_offset != lo_offset:
            old, new = lo, hi   # the change is in (old, new]: halve it down to a second
            while new - old > _SECOND:
                middle = old + (new - old) / 2
                if local(middle, tz).utcoffset() == lo_offset:
                    old = middle
                else:
                    new = middle
            # Zones change on a whole second: the one in (old, new].
            changes.append((old + _SECOND).replace(microsecond=0))
        lo, lo_offset = hi, hi_offset
    return tuple(changes)


def session_span(session: SessionDetail | SessionSummary) -> tuple[datetime, datetime]:
    """The first and last instant of a session: its start, and its end or latest row (a session
    still open). A summary knows only its start, end and discharge. Review annotations are not
    the session's: one written in December on a March session made every time of that session
    carry a zone, and the header name two clock changes within its 80 minutes (a records audit);
    each carries its own zone where it differs (`note_rows`)."""
    s = session if isinstance(session, SessionSummary) else session.summary
    times = [s.started_at, *(t for t in (s.ended_at, s.discharged_at) if t is not None)]
    if isinstance(session, SessionDetail):
        d = session
        times.extend(max(series.times) for series in d.vitals.values() if series.times)
        times.extend(step.at for episode in d.alarms for step in episode.steps)
        times.extend(e.at for e in d.events if e.kind != REVIEW_NOTE)
        for rows in (d.scales, d.ticks, d.overrides, d.notes, d.corrections,
                     d.gate_decisions, d.discharge_refusals):
            times.extend(row.at for row in rows)
        times.extend(t for p in d.phases for t in (p.started_at, p.ended_at) if t is not None)
        times.extend(t for p in d.audio_pauses for t in (p.paused_at, p.resumed_at)
                     if t is not None)
    return min(times), max(times)


def spans_zone_change(session: SessionDetail | SessionSummary, tz: tzinfo | None) -> bool:
    """The rule of the module docstring: True when the display zone's UTC offset changed
    between the session's first and last time (`session_span`), so every time it shows
    carries its zone (`hhmm(..., zoned=True)`)."""
    return bool(offset_changes(*session_span(session), tz))


def session_zone(detail: SessionDetail, tz: tzinfo | None) -> str:
    """The zone a session's times are shown in, for the PDF's footer and the review's
    subtitle: `zone` at its start ("CET, UTC+01:00"); across a change of offset both zones and
    when the clocks changed, "CEST (UTC+02:00), then CET (UTC+01:00) from 03:00 CEST" (the
    clock time the change happened at, in the zone it ended: 03:00 CEST came once, 02:00 CET
    twice)."""
    start, end = session_span(detail)
    changes = offset_changes(start, end, tz)
    if not changes:
        return zone(detail.summary.started_at, tz)
    parts = [zone_named(local(start, tz))]
    for at in changes:
        before = local(at - _SECOND, tz)
        clock = (before + _SECOND).strftime("%H:%M")
        parts.append(f"then {zone_named(local(at, tz))} from {clock} {_abbreviation(before)}")
    return ", ".join(parts)


def zone_named(moment: datetime) -> str:
    """"CEST (UTC+02:00)"; "UTC+05:30" for a zone named by its offset only."""
    name, utc = _abbreviation(moment), _utc_offset(moment)
    return name if name in ("UTC", utc) else f"{name} ({utc})"


def duration(span: timedelta | None) -> str:
    """"1:20 h", "40:00 min" for a session or phase length; "open" while it has not ended.

    With its unit (`format_duration`, the README's rule): a bare "1:20" or "0:40" beside the
    clock columns (09:25) read as a time of day, in the list, the header and the PDF alike.
    """
    if span is None:
        return "open"
    return format_duration(span.total_seconds())


def seconds_to_ack(seconds: float | None) -> str:
    """"45 s", "10:30 min" from a minute on; "not acknowledged" when nobody did.

    A negative time (the station's clock stepped back between the alarm and its acknowledgement,
    a time-sync correction) is no response time at all: it says so instead of "-30 s". So is an
    unknown one (`clock_steps.UNKNOWN_SECONDS`: a step an older console logged without placing
    it among the alarm rows may lie between them); the steps it placed are already taken off
    (`clock_steps.seconds_between`).

    With its unit (`format_duration`, the README's rule): a bare "10:30" beside the clock
    columns was read as a time of day.
    """
    if seconds is None:
        return "not acknowledged"
    if is_unknown(seconds):
        return "unknown: the station's clock was stepped"
    whole = int(round(seconds))
    if whole < 0:   # the acknowledgement is stamped before the alarm: the clock was set back
        return "unknown: the station's clock was set back"
    return f"{whole} s" if whole < 60 else format_duration(whole)


def number(value: float | None, decimals: int = 0) -> str:
    return NONE if value is None else f"{value:.{decimals}f}"


def minutes_since(when: datetime, start: datetime) -> float:
    """Wall-clock minutes from `start` to `when`, a logged clock step and all (the course's
    trend draws by wall time). A record's minutes as the console's timers ran are
    `record_minutes`; the session trend's axis is `TrendFeed.minutes_at`."""
    return (when - start).total_seconds() / 60.0


def session_start(detail: SessionDetail) -> LoggedAt:
    """The session's start as `clock_steps` places it (id 0: before every event)."""
    return LoggedAt(detail.summary.started_at, SESSION_START_ID)


def record_minutes(detail: SessionDetail, at: datetime,
                   since: LoggedAt | LoggedEvent | None = None,
                   steps: Sequence[LoggedStep] | None = None) -> float:
    """Minutes from `since` (an event; default the session's start) to a record known by its
    logged time `at` (a reading, a score), as the console's timers ran: net of the wall-clock
    steps it logged (`clock_steps.seconds_to_time`, the REMS form's rule). NaN
    (`clock_steps.UNKNOWN_SECONDS`) when a step back leaves it on either side (review 45: NTP
    an hour forward 15 minutes into an infusion made a reading 35 minutes in "+95")."""
    if steps is None:
        steps = detail.logged_steps()
    return seconds_to_time(since or session_start(detail), at, steps) / 60.0


class RowSteps:
    """The last clock step or restart logged before each reading, score and alarm row of a
    session, by the log's order (`RowPlaces`), which no clock step moves: the review's tables
    (`_LogOrder`) and the REMS form's dose clock place records by it alike. Built from the rows
    only when `stepped` (the session logged a step): without one, times place every record and
    a 2-hour session's 43,000 rows are not indexed for nothing."""

    def __init__(self, detail: SessionDetail, stepped: bool) -> None:
        rows = detail.observations if stepped else ()
        self._readings = RowPlaces(detail.events, OBSERVATIONS_BEFORE, [o.id for o in rows])
        self._corrects = {o.id: o.corrects for o in rows if o.corrects is not None}
        self._alarm_rows = RowPlaces(detail.events, ALARM_ROWS_BEFORE, sorted(
            s.id for a in detail.alarms for s in a.steps) if stepped else [])

    def reading(self, row: int | None, corrected: bool = False) -> int | None:
        """The event before the `observations` row `row` (None: not known); `corrected`: a
        corrected value, placed at the first row it corrects, whose time it stands at."""
        seen: set[int] = set()
        while corrected and row is not None and row in self._corrects and row not in seen:
            seen.add(row)
            row = self._corrects[row]
        return self._readings.event_before(row)

    def alarm_row(self, row: int) -> int | None:
        """The event before the alarm row (`AlarmStep`) `row`."""
        return self._alarm_rows.event_before(row)


class _LogOrder:
    """Where a session's records came as the console's timers ran, to list them in the order
    they were written: each one's logged time put on the clock the session started on, the
    wall-clock steps logged after it left out (`logged_seconds`, as `record_minutes` counts).
    A clock set back makes the same wall times come twice: sorted by them, a BP typed after the
    step stood above the baseline typed before it. An event is placed among the steps by its
    id, a reading or an alarm row by the rows each step counted before it (`RowPlaces`, the
    REMS form's rule); one the log does not place (an older log, a session read without its
    rows) by its time (`seconds_to_time`), else at its wall time. Without a logged step every
    record stays at its logged time."""

    def __init__(self, detail: SessionDetail) -> None:
        self._start = session_start(detail)
        self._steps = detail.logged_steps()
        self._rows = RowSteps(detail, bool(self._steps))
        self._moved: dict[int, timedelta] = {}   # by the event a record follows: its move

    @property
    def moves(self) -> bool:
        """Whether any record may be moved (the session logged a clock step)."""
        return bool(self._steps)

    def event(self, at: datetime, event_id: int) -> datetime:
        """An event logged at `at` with the id `event_id`."""
        return self._placed(at, event_id)

    def reading(self, at: datetime, row: int | None, corrected: bool = False) -> datetime:
        """A reading (a score) of the `observations` row `row` (None: not known) shown at `at`;
        `corrected`: a corrected value, at the first row it corrects, whose time it stands at."""
        if not self._steps:
            return at
        return self._placed(at, self._rows.reading(row, corrected))

    def alarm_row(self, at: datetime, row: int) -> datetime:
        """An alarm row (`AlarmStep`) logged at `at` with the id `row`."""
        return self._placed(at, self._rows.alarm_row(row))

    def _placed(self, at: datetime, after_event: int | None) -> datetime:
        if not self._steps:
            return at
        if after_event is not None:   # the steps logged after that event move it alike
            moved = self._moved.get(after_event)
            if moved is None:
                start = self._start.at
                moved = self._moved[after_event] = timedelta(seconds=logged_seconds(
                    start, SESSION_START_ID, start, after_event, self._steps))
            return at + moved
        seconds = seconds_to_time(self._start, at, self._steps)
        if is_unknown(seconds):
            return at   # a step back may lie either side of it: its wall time
        return self._start.at + timedelta(seconds=seconds)


def _in_log_order(
        rows: Iterable[tuple[int, datetime, tuple[str, ...]]]) -> list[tuple[str, ...]]:
    """The cells of `rows` (event id, logged time, cells) in the order the console logged them:
    by their events' ids, which no clock step moves (a clock set back listed a note written
    after it before one written before it); by time where an id is not known (0: a record made
    by hand)."""
    listed = list(rows)
    if all(event_id for event_id, _, _ in listed):
        listed.sort(key=lambda r: r[0])
    else:
        listed.sort(key=lambda r: r[1])
    return [cells for _, _, cells in listed]


# What a minutes cell reads when a step back of the station's clock leaves the record's place
# unknown: no number that may be the step's size off (`MIN_COLUMN_TIP` says it).
UNKNOWN_MINUTE = "?"


def elapsed(when: datetime, start: datetime) -> str:
    """"+35": clock minutes since the session started, as the HH:MM column beside it reads them
    (09:00 → 09:35), so one entry has one number in every tab (rounding gave +2 and +3)."""
    whole = int(when.timestamp() // 60) - int(start.timestamp() // 60)
    return f"+{whole}"


def elapsed_cell(detail: SessionDetail, at: datetime, steps: Sequence[LoggedStep]) -> str:
    """The "Min" cell of a record logged at `at`: `elapsed`, with its time put on the clock the
    session started on (the wall-clock steps logged between left out, `record_minutes`), so a
    reading 35 minutes in reads "+35" after NTP set the clock an hour forward (it read "+95");
    `UNKNOWN_MINUTE` where a step back leaves its place unknown."""
    start = detail.summary.started_at
    if not steps:
        return elapsed(at, start)
    minutes = record_minutes(detail, at, steps=steps)
    if is_unknown(minutes):
        return UNKNOWN_MINUTE
    return elapsed(start + timedelta(minutes=minutes), start)


def after_t0(minutes: float) -> str:
    """"T0 + 9 min": whole minutes after the first dose, the one way every view says it;
    "T0 − 5 min" before it (a course's peak measured before the dose read "T0 + -5 min")."""
    whole = round(minutes)
    return f"T0 + {whole:d} min" if whole >= 0 else f"T0 − {-whole:d} min"


def alarm_count(summary: SessionSummary) -> int:
    """Occurrences that reached low or above (reminders left out; see the module docstring)."""
    counts = summary.alarms_by_priority
    return sum(int(counts.get(p, 0)) for p in ALARM_PRIORITIES)


def alarm_breakdown(counts: Mapping[str, int]) -> str:
    """"high 1 · medium 0 · low 0 · reminders 9"."""
    parts = [f"{p} {int(counts.get(p, 0))}" for p in ALARM_PRIORITIES]
    parts.append(f"reminders {int(counts.get('info', 0))}")
    return " · ".join(parts)


def highest_alarm(summary: SessionSummary) -> str | None:
    """The highest priority an alarm reached ('high', 'medium', 'low'), or None (reminders only)."""
    return next((p for p in ALARM_PRIORITIES if summary.alarms_by_priority.get(p, 0)), None)


def scale_text(name: str, value: float, short: bool = True) -> str:
    """"2 moderate" for a scale with one-word choices, else the number.

    MOAA/S meanings are sentences ("lethargic response to name in normal tone"): tables show the
    number and the full meaning only when `short` is False (tooltips, legends).
    """
    m = METRICS.get(name)
    shown = f"{value:g}"
    if m is not None:
        meaning = dict(m.choices).get(int(value))
        if meaning and (not short or len(meaning.split()) == 1):
            return f"{shown} {meaning}"
    return shown


def _infusion_ended_early(detail: SessionDetail, protocol: Protocol | None) -> str:
    """" (planned; infusion ended after 12:00 of 40 min)" when the dosing ended that early (the
    chair's dose line says the same, `infusion_stopped_at`); " (planned; session not ended,
    infusion at 25:00 of 40 min)" when the record of a session never ended (running, or left
    open) stops inside its infusion before the planned end: nothing says the rest was given (it
    read as the whole dose, an audit); else ''. The dosing runs from T0 to the end of the last
    of its dosing phases, as the course counts it (`queries.dosing_seconds`): an infusion given
    as 10 + 30 min had read "ended after 10:00 of 40 min", given whole or still running."""
    t0 = detail.t0_event()
    if t0 is None:
        return ""
    # As the console's timers ran, a logged clock step left out (review 45).
    steps = detail.logged_steps()
    ran = dosing_seconds(detail.events, t0, detail.summary.ended_at, steps)
    if ran is not None:
        early = infusion_stopped_at(protocol, ran / 60)
        return f" (planned; infusion ended after {early})" if early else ""
    minutes = record_minutes(detail, _record_end(detail), since=t0, steps=steps)
    running = _infusion_at(protocol, minutes)
    return f" (planned; {NOT_ENDED}, infusion at {running})" if running else ""


def _infusion_at(protocol: Protocol | None, minutes: float) -> str | None:
    """Where the record of a session never ended stops in its infusion, `minutes` after T0 as
    the console's timers ran: "25:00 of 40 min" before its planned end (`infusion_stopped_at`);
    "? of 40 min" (`UNKNOWN_MINUTE`) where a step back of the station's clock leaves the minute
    unknown: its dosing never ended, so the dose is not read as given (an open session 23 of
    40 min into its infusion, its clock set back 30 min, read "36 mg" given whole); None once
    the planned minutes ran, or for a dose not by weight."""
    if not is_unknown(minutes):
        return infusion_stopped_at(protocol, minutes)
    if protocol is None or protocol.dose.mode is not DoseMode.WEIGHT:
        return None
    return f"{UNKNOWN_MINUTE} of {protocol.dose.infusion_minutes:g} min"


# The words for a session whose record stops without its end (running now, or left open).
NOT_ENDED = "session not ended"


def dose_text(detail: SessionDetail, protocol: Protocol | None = None) -> str:
    """"36 mg at 150 mL/h", "84 mg (3 devices)".

    Args:
        detail: the session.
        protocol: the session's protocol; found by its id (the installed file) when not given.
            The device count is its rule, `Dose.device_count`, as the chair and the REMS form
            count them; without the protocol file no count is printed rather than a guessed one.
    """
    d = detail.details
    dose = detail.summary.dose_mg
    if dose is None:
        return NONE
    text = f"{dose:g} mg"
    if detail.t0 is None:
        # No dose started: "40 mg at 150 mL/h" beside "T0 not dosed" read as given (a
        # clinician's audit).
        s = detail.summary
        return f"{text} planned; " + ("never given" if s.ended_at or s.discharged_at
                                      else "not given yet")
    if protocol is None:
        protocol = find_protocol(detail.summary.protocol_id, detail.events, detail.summary.id)
    rate = d.get("pump_rate_ml_h")
    if isinstance(rate, int | float):
        return text + f" at {pump_rate_text(rate)}" + _infusion_ended_early(detail, protocol)
    if protocol is not None and protocol.dose.mode is DoseMode.DEVICES:
        count = protocol.dose.device_count(dose)
        ticked = devices_ticked(protocol, [t.item for t in detail.ticks])
        if ticked is not None and ticked < count and detail.t0 is not None:
            return f"{text} planned ({count} devices; {ticked} recorded given)"
        if ticked is not None and ticked > count:
            # A device beyond the dose recorded given with its reason (the chair's dose line
            # says the same): "56 mg (2 devices)" had read as the dose given over 3 (an X walk).
            given = ticked * protocol.dose.mg_per_device
            return (f"{given:g} mg given ({ticked} devices); {text} planned ({count} "
                    f"device{'s' if count != 1 else ''})")
        text += f" ({count} devices)"
    return text


def protocol_text(detail: SessionDetail) -> str:
    name = detail.details.get("protocol_name")
    ident = f"{detail.summary.protocol_id} v{detail.protocol_version}"
    return f"{name} ({ident})" if name else ident


def baseline_words(detail: SessionDetail, tz: tzinfo | None) -> str:
    """The baselines that stand, in words and units (`baseline_text`), each changed after T0
    saying from what and when: "Systolic BP 100 mmHg (130 at T0, entered in error 09:06)". The
    Protocol tab read T0's 130 after it was entered in error, when the chair's limit and the
    trend's line were drawn from 100."""
    t0 = detail.t0_event()
    at_t0 = dict(t0.detail.get("baseline") or {}) if t0 is not None else {}
    zoned = spans_zone_change(detail, tz)
    order = {name: i for i, name in enumerate(METRICS)}
    changes: dict[str, list[BaselineChange]] = {}
    for change in detail.baseline_changes:
        changes.setdefault(change.metric, []).append(change)

    def shown(name: str, value: object) -> str:
        m = METRICS.get(name)
        if not isinstance(value, int | float):
            return "none"
        return m.format(float(value)) if m is not None else f"{value:g}"

    def why(change: BaselineChange) -> str:
        return f"{change.why or 'first value after T0'} {hhmm(change.at, tz, zoned=zoned)}"

    parts = []
    for name in sorted(set(detail.baseline) | set(changes),
                       key=lambda n: (order.get(n, len(order)), n)):
        value = detail.baseline.get(name)
        words = (baseline_text({name: value}) if value is not None
                 else f"{METRICS[name].label if name in METRICS else name} none")
        history = changes.get(name, [])
        if history:
            # Each value with what ended it: "130 at T0, entered in error 09:06; 100,
            # corrected 09:07" (the reason beside the value after it read as the 100 in error).
            ended = [f"{shown(name, at_t0.get(name))} at T0",
                     *(shown(name, c.value) for c in history[:-1])]
            words += f" ({'; '.join(f'{v}, {why(c)}' for v, c in zip(ended, history, strict=True))})"
        parts.append(words)
    return ", ".join(parts)


def first_dose(detail: SessionDetail) -> tuple[datetime, float] | None:
    """When the first dose was given and its seconds after T0: the first nasal device recorded
    given (in the log's order) when it came after T0 as the console's timers ran (net of the
    clock steps logged between), else T0; None before T0 (`model.first_dose_row`, one rule
    with the course's). The rule of the engine's `_first_dose`, and the REMS draft's
    (`_DoseClock` takes it from here; README, "Esketamine": the label's times count from the
    first device): the header read "T0 (first dose)" at the devices' phase start, 10 minutes
    before device 1, beside a REMS draft naming device 1's time (an esketamine walk)."""
    dose = detail.first_dose()
    return (dose[0].at, dose[1]) if dose is not None else None


def discharge_minutes(detail: SessionDetail) -> float | None:
    """Minutes from the first dose (`first_dose`) to the discharge, None when not logged: the
    engine's count from T0 (`discharged`'s minutes_from_t0) less the time to the first device,
    as the REMS draft counts them (`_DoseClock.total_minutes`)."""
    minutes = (detail.discharge or {}).get("minutes_from_t0")
    dose = first_dose(detail)
    if not isinstance(minutes, int | float):
        return None
    return round(minutes - (dose[1] / 60 if dose is not None else 0.0), 1)


def discharge_text(detail: SessionDetail, tz: tzinfo | None) -> str:
    """"10:20 (T0 + 80 min)"; "13:52 (T0 + 6 min), against the discharge gate" when a nurse
    discharged over the gate's refusal (`discharge_override_text` says by whom and why)."""
    s = detail.summary
    if s.discharged_at is None:
        return "not discharged" if s.ended_at is not None else "session open"
    text = hhmm_or_day(s.discharged_at, s.started_at, tz, zoned=spans_zone_change(detail, tz))
    minutes = discharge_minutes(detail)
    if minutes is not None:
        text += f" ({after_t0(minutes)})"
    if detail.discharge_override() is not None:
        text += ", against the discharge gate"
    return text


AGAINST_THE_GATE = "DISCHARGED AGAINST THE DISCHARGE GATE"


def discharge_override_text(detail: SessionDetail, tz: tzinfo | None) -> str:
    """The statement of a discharge against the discharge gate, '' for any other session:
    "⚠ DISCHARGED AGAINST THE DISCHARGE GATE at 13:52, T0 + 6 min (override by J. Alvarez:
    Dr M. Chen: …; open: Observation must reach 120 min after the first dose: 1:53 h left)".

    The override was logged only among the overrides (pages 2-3 of the PDF, a tab of the
    review), so a report read from its first page looked like a normal discharge at T0 + 6 min
    (nurse walk, 2 Dec 2026).
    """
    override = detail.discharge_override()
    discharged = detail.summary.discharged_at
    if override is None or discharged is None:
        return ""
    at = hhmm_or_day(discharged, detail.summary.started_at, tz,
                     zoned=spans_zone_change(detail, tz))
    return against_gate(override, at, discharge_minutes(detail))


def against_gate(override: Override, at: str, minutes_from_t0: float | None) -> str:
    """`discharge_override_text`'s words for a discharge at `at` (a time as its reader's text
    writes it: the REMS form has its own), `minutes_from_t0` after the first dose (None: not
    dosed). The gate's reasons are as the console gave them when it was overridden."""
    if minutes_from_t0 is not None:
        at += f", {after_t0(minutes_from_t0)}"
    # A reason's own closing ";" (the engine keeps "walk: test;" of "walk: test; ") is not
    # doubled before the gate's reasons (it read "walk: test;; open: …").
    reason = override.reason.rstrip("; ")
    why = f"override by {override.who}" + (f": {reason}" if reason else "")
    if override.blockers:
        why += f"; open: {'; '.join(override.blockers)}"
    return f"⚠ {AGAINST_THE_GATE} at {at} ({why})"


def not_ended_text(detail: SessionDetail, tz: tzinfo | None) -> str:
    """The statement of a session never ended (running at a chair, or left open: no discharge,
    no session end), '' for a session that ended: "⚠ SESSION NOT ENDED: still open in the log
    (not discharged, no session end recorded). Its last record is at 09:30 (T0 + 25 min): this
    report is incomplete, not the record of a finished session." (A day before the time when
    the last record is not on the session's first day.)

    The header's "still open" and "session open" were all that said so; the PDF of a session
    left open read as a finished record (an audit). The words are the review's: "session not
    ended" (`NOT_ENDED`, the vitals' last row, the course's dose) and "still open" (the
    header's date, the course's column).
    """
    s = detail.summary
    if s.ended_at is not None or s.discharged_at is not None:
        return ""
    last = _record_end(detail)
    zoned = spans_zone_change(detail, tz)
    at = (hhmm(last, tz, zoned=zoned) if day(last, tz) == day(s.started_at, tz)
          else day_time(last, tz, zoned=zoned))
    t0 = detail.t0_event()
    if t0 is not None:
        # As the console's timers ran (review 45: NTP an hour forward read "T0 + 85 min" for 25).
        minutes = record_minutes(detail, last, since=t0)
        at += (f" ({after_t0(minutes)})" if not is_unknown(minutes)
               else " (minutes after T0 unknown: the station's clock was set back)")
    elif detail.t0 is not None:
        at += f" ({after_t0(minutes_since(last, detail.t0))})"
    return (f"⚠ {NOT_ENDED.upper()}: still open in the log (not discharged, no session end "
            f"recorded). Its last record is at {at}: this report is incomplete, not the record "
            "of a finished session.")


# ---- the session header -------------------------------------------------------------------------


def header_fields(detail: SessionDetail, tz: tzinfo | None,
                  course_sessions: int | None = None,
                  protocol: Protocol | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs of the session header, in reading order (`protocol` for the dose's
    device count: found by the session's protocol id when not given)."""
    s = detail.summary
    zoned = spans_zone_change(detail, tz)
    number_text = f"{s.session_number}" + (f" of {course_sessions}" if course_sessions else "")
    when = f"{day(s.started_at, tz)} {hhmm(s.started_at, tz, zoned=zoned)}"
    dose = first_dose(detail)
    fields = [
        ("Patient", s.patient_id + ("  (DEMO: not patient data)" if s.demo else "")),
        ("Protocol", protocol_text(detail)),
        ("Session", f"{number_text} · log session {s.id}"),
        # "11:00–open (open)" read oddly for a session still open.
        ("Date", f"{when}–{hhmm_or_day(s.ended_at, s.started_at, tz, zoned=zoned)} "
                 f"({session_length(detail)})"
         if s.ended_at
         else f"{when}, still open"),
        ("Nurse", nurses_text(detail, tz)),
        ("Weight", f"{s.weight_kg:g} kg"),
        ("Dose", dose_text(detail, protocol)),
        ("T0 (first dose)", hhmm(dose[0], tz, zoned=zoned) if dose else "not dosed"),
        ("Discharged", discharge_text(detail, tz)),
    ]
    return fields


def session_length(detail: SessionDetail) -> str:
    """The session's length as it ran: net of the clock steps logged in it (review 45: the
    header's length took in an NTP step the phases' lengths now leave out)."""
    seconds = detail.session_seconds()
    return duration(timedelta(seconds=seconds) if seconds is not None else None)


def nurses_text(detail: SessionDetail, tz: tzinfo | None) -> str:
    """Every nurse who ran the session, in order: "nurse.ana", or after a hand-over
    "nurse.ana, then nurse.bea from 09:20" (the header named only the nurse who started it, and
    nothing said who was responsible for the patient when: a review audit)."""
    zoned = spans_zone_change(detail, tz)
    return ", then ".join(name if since is None else f"{name} from {hhmm(since, tz, zoned=zoned)}"
                          for name, since in detail.nurses())


# ---- the record as logged (hash chain) and a damaged log ----------------------------------------

# The word after the patient in the session list.
CHANGED_MARK = "⚠ CHANGED"
UNREADABLE_MARK = "⚠ UNREADABLE"


def chain_banner(check: ChainCheck, tz: tzinfo | None, log: str,
                 with_record: bool = True) -> str:
    """The Session page's warning for a session whose rows do not match the log's hash chain
    ('' when they all do): the first row that differs, as `verify` words it, the row in words,
    and what to do. Without `with_record` (a de-identified view) only the row's table and number
    are named: `verify`'s sentence and the row may hold a date or free text."""
    if check.ok or check.first_bad is None:
        return ""
    if with_record:
        said = check.message
    else:
        table, row_id = check.first_bad
        said = f"{table} row {row_id} does not match the log's hash chain"
    text = f"⚠ This session's record was changed outside the console: {said}."
    if with_record and check.record:
        when = f", recorded {hhmm(check.record_at, tz, seconds=True)}" if check.record_at else ""
        text += f" The row: {check.record}{when}."
    if check.bad_rows > 1:
        more = check.bad_rows - 1
        text += f" {more} more row{'s' if more != 1 else ''} of this session differ as well."
    # De-identified, the log's path is left out too: a folder may be named for the patient.
    # Quoted: a path with a space, pasted into a terminal, stays one argument.
    advice = (f"Check the whole log with: infusion-console verify --db {shlex.quote(log)}"
              if with_record
              else "Check the log this session came from with: infusion-console verify")
    return (text + f" What this page shows may not be what was recorded. {advice}; the last "
            "backup holds the record as written.")


def chain_unchecked(reason: str) -> str:
    """The warning for a session shown but not checked against the chain (`reason`: why)."""
    return f"⚠ This session could not be checked against the log's hash chain. {reason}"


def list_count(shown: int, hidden_demo: int, limit: int, marked: int = 0,
               unchecked: int = 0) -> str:
    """The line under the session list: how many are shown, how many demo sessions the filter
    hides (QA: a search for a demo patient said only "0 sessions, newest first"), how many are
    marked, and how many are not yet checked against the hash chain (`record_cell`)."""
    if shown >= limit:
        text = f"Showing the newest {limit} sessions: narrow the filter to see older ones"
    elif shown == 0:
        text = "0 sessions"
    else:
        text = f"{shown} session{'s' if shown != 1 else ''}, newest first"
    if hidden_demo:
        text += (f" · {hidden_demo} demo session{'s' if hidden_demo != 1 else ''} hidden: "
                 "tick Include demo")
    if marked:
        text += f" · {marked} marked ⚠ (its tooltip says why)"
    if unchecked:
        text += f" · {unchecked} {NOT_YET_CHECKED} against the log's hash chain"
    return text


def list_changed_tip(message: str | None) -> str:
    """The session list's tooltip for a session marked `CHANGED_MARK` (None: a de-identified
    list, which does not repeat `verify`'s sentence: it may hold a date)."""
    return ("changed outside the console" + (f": {message}" if message else "")
            + "; open the session for the row")


# The "Record" cell of a session whose rows the sweep has not reached yet
# (console/review/integrity.py: each listed session is checked in the background, newest first).
NOT_YET_CHECKED = "not yet checked"
_SWEEP_WORDS = ("the review checks the listed sessions one after another, newest first; opening "
                "a session checks it at once")
RECORD_COLUMN_TIP = ("The session's rows held to the log's hash chain (rows edited, deleted or "
                     f"added outside the console): {_SWEEP_WORDS}")


def record_cell(check: RecordCheck, detailed: bool = True,
                not_checking: str | None = None) -> tuple[str, str]:
    """(the "Record" cell, its tooltip) of one session in the list or the course: what the
    log's hash chain says of its rows.

    Args:
        check: the session's check (state UNCHECKED: not yet made).
        detailed: False in a de-identified view: `verify`'s sentence is left out (it may hold
            a date); the row's table and number stay (the log's ids stay on purpose).
        not_checking: why the review cannot check in the background (its log could not be
            opened a second time), or None.
    """
    state = check.state
    if state is RecordState.UNCHANGED:
        rows = f"{check.rows_checked} row{'s' if check.rows_checked != 1 else ''}"
        return "unchanged", f"All {rows} of this session match the log's hash chain"
    if state is RecordState.CHANGED and check.first_bad is not None:
        table, row_id = check.first_bad
        return (f"⚠ {table} row {row_id}",
                list_changed_tip(check.message if detailed else None))
    if state is RecordState.UNREADABLE:
        return "⚠ unreadable", check.message
    if not_checking:
        return "not checked", ("Not checked against the log's hash chain (opening the session "
                               f"checks it): {not_checking}")
    return NOT_YET_CHECKED, f"Not yet checked against the log's hash chain: {_SWEEP_WORDS}"


def record_mark(check: RecordCheck, detailed: bool = True) -> tuple[str, str] | None:
    """(the word after the patient, why) for a session whose check found it changed or
    unreadable; None otherwise."""
    if check.state is RecordState.CHANGED:
        return CHANGED_MARK, list_changed_tip(check.message if detailed else None)
    if check.state is RecordState.UNREADABLE:
        return UNREADABLE_MARK, check.message
    return None


# ---- alarms -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlarmRow:
    """One alarm occurrence as a table row; `priority` colours it."""

    priority: str
    cells: tuple[str, ...]
    episode: AlarmEpisode


ALARM_COLUMNS = ("Priority", "Alarm", "Raised", "Acknowledged", "To ack", "Audio paused",
                 "Cleared")
# What a column's figure means, for its header's tooltip (and a report's legend).
ALARM_COLUMN_TIPS: dict[str, str] = {
    "Cleared": "When the alarm's condition ended (\"still active at discharge\": it had not when "
               "the session ended). A latched alarm (high, ended before anyone "
               "acknowledged it) stayed on screen until its reset, named under Acknowledged",
    "Acknowledged": "The first acknowledgement after the alarm reached its highest priority, by "
                    "whom (a latched alarm: its reset); an acknowledgement at a lower priority "
                    "before that is named after it, then a central station's press the chair "
                    "did not apply (\"not applied\", with why)",
    "Audio paused": "Alarm audio pauses pressed while the alarm was on, by whom; \"silent under "
                    "pause of …\": raised while a pause ran that held it silent, and until when",
    "To ack": "Time to acknowledge: from when the alarm reached its highest priority (an "
              "escalation to HIGH, not when it was first raised at a lower one) to the first "
              "acknowledgement after that",
}


def is_reminder(episode: AlarmEpisode) -> bool:
    """A prompt that never rose above info ('vitals due'): listed only on request."""
    return episode.category == "prompt" and episode.priority == "info"


def alarm_rows(detail: SessionDetail, tz: tzinfo | None,
               include_reminders: bool = False) -> list[AlarmRow]:
    """The alarm timeline: one row per occurrence, in the order raised."""
    zoned = spans_zone_change(detail, tz)
    not_applied = _not_applied_at_central(detail.events)
    clocks = detail.logged_clocks() if detail.audio_pauses else ({}, {})
    rows = []
    for episode in detail.alarms:
        if is_reminder(episode) and not include_reminders:
            continue
        ack, to_ack = _response(episode, tz, zoned, not_applied.get(episode.occurrence, ()))
        to_ack += _while_stopped(episode, detail.restarts)
        paused = _paused(episode, detail.audio_pauses, tz, zoned, clocks)
        priority = episode.priority
        label = priority.upper() if priority == "high" else priority
        message = episode.message
        escalated = [s for s in episode.steps if s.transition == "escalated"]
        if escalated:
            # When it first reached its highest priority, the moment "To ack" counts from (a
            # later return to HIGH after a step down had hidden it: the review audit).
            step = next((s for s in escalated if s.priority == episode.priority), escalated[-1])
            message += f" → {step.priority.upper()} at {hhmm(step.at, tz, True, zoned=zoned)}"
            # "(<5 breaths/min)": a value beyond the monitor's range as its limit (README).
            mark = _beyond_mark(detail, episode.condition, step.value, step.at)
            if step.value is not None and (step.value, mark) != (
                    episode.value,
                    _beyond_mark(detail, episode.condition, episode.value, episode.raised_at)):
                message += f" ({_value_text(episode.condition, step.value, mark)})"
        if episode.taken_back:
            message = f"{message} [{episode.taken_back}]"
        rows.append(AlarmRow(priority, (
            label, message, hhmm(episode.raised_at, tz, seconds=True, zoned=zoned), ack, to_ack,
            paused, _ended(episode, tz, zoned),
        ), episode))
    return rows


def _paused(episode: AlarmEpisode, pauses: Sequence[AudioPause], tz: tzinfo | None,
            zoned: bool, clocks: tuple[Mapping[int, int], Mapping[int, int]]) -> str:
    """The "Audio paused" cell: first a pause already running when the alarm was raised, which
    held it silent ("silent under pause of 09:35:10 nurse.ana until 09:37:10"; the cell was
    empty, read as an alarm that sounded from its raise: a review audit), then the pauses
    pressed while it was on ("09:36:30 nurse.ana"). An alarm that breaks through a pause ends
    it at its raise (`audio_resumed`), so one that sounded is not said to be silent.

    Placed against the alarm's raise and end in the order the console logged them (`clocks`:
    `SessionDetail.logged_clocks`), not by their times alone: NTP setting the clock back while
    the alarm was on read a pause pressed then as one that had kept it silent, or dropped it
    from its row (a review). The times shown stay as logged."""
    event_clocks, row_clocks = clocks
    raising = next((s for s in episode.steps if s.transition == "raised"),
                   episode.steps[0] if episode.steps else None)
    ending = next((s for s in reversed(episode.steps) if s.transition == "cleared"), None)
    raised = _logged_at(row_clocks, raising, episode.raised_at)
    end = (_logged_at(row_clocks, ending, episode.cleared_at)
           if episode.cleared_at is not None else None)

    def at(event_id: int, when: datetime) -> tuple[int | None, datetime]:
        return event_clocks.get(event_id) if event_id else None, when

    parts = []
    if not is_reminder(episode):   # a reminder makes no sound to hold
        for p in pauses:
            resumed = (at(p.resumed_event_id, p.resumed_at) if p.resumed_at is not None
                       else None)
            if (_logged_before(at(p.event_id, p.paused_at), raised)
                    and (resumed is None or _logged_before(raised, resumed))):
                until = (f" until {hhmm(p.resumed_at, tz, seconds=True, zoned=zoned)}"
                         if p.resumed_at is not None else "")
                parts.append(f"silent under pause of "
                             f"{hhmm(p.paused_at, tz, seconds=True, zoned=zoned)} "
                             f"{p.paused_by}{until}")
    # Pressed at the raise's or the end's instant (on one clock): pressed while it was on.
    parts.extend(f"{hhmm(p.paused_at, tz, seconds=True, zoned=zoned)} {p.paused_by}"
                 for p in pauses
                 if not _logged_before(at(p.event_id, p.paused_at), raised)
                 and (end is None or not _logged_before(end, at(p.event_id, p.paused_at))))
    return ", ".join(parts) or NONE


def _logged_at(row_clocks: Mapping[int, int], step: AlarmStep | None,
               when: datetime) -> tuple[int | None, datetime]:
    """An alarm row's place for `_logged_before`: the clock it was logged on (None: not
    known) and its time."""
    return (row_clocks.get(step.id) if step is not None else None), when


def _logged_before(first: tuple[int | None, datetime], then: tuple[int | None, datetime]) -> bool:
    """Whether the record `first` (its clock, its time) was logged before `then`: on two clocks
    by theirs (`SessionDetail.logged_clocks`), on one, or where either is not known, by their
    times. At one instant on one clock, neither came before the other."""
    (first_clock, first_at), (then_clock, then_at) = first, then
    if first_clock is not None and then_clock is not None and first_clock != then_clock:
        return first_clock < then_clock
    return first_at < then_at


def _while_stopped(episode: AlarmEpisode, restarts: Sequence[Restart]) -> str:
    """" (up to 7:30 min of it with the console stopped)" when a restart falls between the alarm
    reaching its highest priority and its answer: the console was down, not the nurse slow (a
    clinician's audit read 8:30 min as the nurse's response)."""
    answer = episode.response or episode.response_reset
    if answer is None:
        return ""
    seconds = sum(_stopped_within(episode, answer, r) for r in restarts)
    # At most: the console stopped at some moment after its last record (`restart_text`).
    if not seconds:
        return ""
    return f" (up to {format_duration(seconds)} of it with the console stopped)"


def _stopped_within(episode: AlarmEpisode, answer: AlarmStep, restart: Restart) -> float:
    """Seconds `restart` had the console stopped between the alarm reaching its highest priority
    and `answer`. Placed among the alarm's rows by the count its event logged (`logged_between`,
    the rule "To ack" takes clock steps off by) and measured on its own last record and restart,
    one clock: wall times compared across a clock step lost a stop inside the answer, or put one
    from before the alarm in it (review 44). An older log's restart, which did not say, is
    placed and cut to the answer by its times."""
    highest = episode.highest_step
    if restart.after_row is not None and highest is not None:
        inside = logged_between(restart.after_row, highest, answer)
        return restart.unrecorded_seconds if inside else 0.0
    start, end = episode.highest_at, answer.at
    if not start < restart.resumed <= end:
        return 0.0
    return max(0.0, (min(restart.resumed, end) - max(restart.last_record, start)).total_seconds())


# The words the engine adds to an alarm it ends with the session, its condition still holding
# (console/session/engine.py `discharge`: `AlarmBoard.end_all(now, SESSION_ENDED)`): "SpO2 86 %,
# limit ≤90 (session ended)", as the events CSV prints its `cleared` row.
ENDED_WITH_THE_SESSION = f" ({SESSION_ENDED})"


def ended_by_the_discharge(episode: AlarmEpisode) -> bool:
    """Whether `episode` was still active when the session ended: its last step is the
    `cleared` row the discharge wrote for it (`ENDED_WITH_THE_SESSION`), not one of its
    condition's end. A latched alarm the discharge ended had its condition end at its latch."""
    last = episode.steps[-1] if episode.steps else None
    return (last is not None and last.transition == "cleared"
            and last.message.endswith(ENDED_WITH_THE_SESSION)
            and episode.condition_ended_at == episode.cleared_at)


def _ended(episode: AlarmEpisode, tz: tzinfo | None, zoned: bool = False) -> str:
    ended = episode.condition_ended_at
    if ended is None:
        return "still active at end of log"
    text = hhmm(ended, tz, seconds=True, zoned=zoned)
    if ended_by_the_discharge(episode):
        # Its condition never ended: "09:47:00" read as an SpO2 86 % recovered at the
        # discharge (a reviewer's proof; README: Cleared is when the condition ended).
        return f"still active at discharge {text}"
    return text if episode.cleared_at is not None else f"{text}, latched at end of log"


def _not_applied_at_central(events: Iterable[LoggedEvent]) -> dict[int, list[LoggedEvent]]:
    """Occurrence -> the central stations' acknowledgements the chair did not apply to it
    (`central_ack_not_applied`, console/session/engine.py `acknowledge_from_central`), in log
    order."""
    out: dict[int, list[LoggedEvent]] = {}
    for e in events:
        occurrence = e.detail.get("occurrence")
        if e.kind == "central_ack_not_applied" and isinstance(occurrence, int):
            out.setdefault(occurrence, []).append(e)
    return out


def _response(episode: AlarmEpisode, tz: tzinfo | None, zoned: bool = False,
              not_applied: Sequence[LoggedEvent] = ()) -> tuple[str, str]:
    """The nurse's response to an occurrence: (the "Acknowledged" cell, the "To ack" cell), its
    times with their zone when `zoned` (`spans_zone_change`).

    Measured at the alarm's highest priority (`AlarmEpisode.response`): from when it reached it
    to the first acknowledgement after that, so a high alarm's figure is the high alarm's (QA: an
    escalated alarm showed its medium phase's acknowledgement and 45 s, when HIGH was answered
    20 s after it escalated). An acknowledgement at the lower priority before is named after it.
    A latched alarm (high, cleared before anyone acknowledged it) is answered by a reset, not an
    acknowledgement (console/session/alarms.py): shown as "reset 09:50:00 nurse.ana", its time
    counted to the reset, so it does not read as an alarm nobody answered. A central station's
    press the chair refused (`not_applied`) is named last, with why, as the actor of one it
    applied reads ("not applied 09:06:30 B. Central (at central desk): the alarm rose to high
    …"): it silenced nothing and counts for no time, but the record of who answered an alarm
    had no word of it (a review of the exports).
    """
    if is_reminder(episode) and not episode.acknowledgements_at_highest:
        # An information prompt asks for no acknowledgement (IEC 60601-1-8: not an alarm):
        # "not acknowledged" read as a response missed.
        return NONE, "none needed (prompt)"
    acked = episode.acknowledgements_at_highest
    reset = episode.response_reset
    earlier = episode.earlier_acknowledgements
    parts = []
    if acked:
        text = f"{hhmm(acked[0].at, tz, seconds=True, zoned=zoned)} {acked[0].actor}"
        if len(acked) > 1:
            text += f" (+{len(acked) - 1} more)"
        parts.append(text)
    if reset is not None:
        parts.append(f"reset {hhmm(reset.at, tz, seconds=True, zoned=zoned)} {reset.actor}")
    if earlier:
        first = earlier[0]
        parts.append(f"at {first.priority} {hhmm(first.at, tz, seconds=True, zoned=zoned)} "
                     f"{first.actor}"
                     + (f" (+{len(earlier) - 1} more)" if len(earlier) > 1 else ""))
    parts.extend(f"not applied {hhmm(e.at, tz, seconds=True, zoned=zoned)} "
                 f"{e.detail.get('by')} (at central {e.detail.get('station')}): "
                 + "; ".join(str(r) for r in e.detail.get("reasons") or ())
                 for e in not_applied)
    seconds = episode.response_seconds
    to_ack = seconds_to_ack(seconds)
    if seconds is None and reset is not None:
        to_ack = seconds_to_ack(episode.seconds_from_highest(reset)) + " (reset)"
    elif seconds is None and episode.taken_back:
        # Its value was taken back (entered in error, corrected) and the alarm ended with it:
        # the nurse's correction answered it; "not acknowledged" read as an alarm missed.
        to_ack = TAKEN_BACK_TO_ACK
    elif seconds is None and earlier:
        word = episode.priority.upper() if episode.priority == "high" else episode.priority
        to_ack = f"not acknowledged at {word}"
    return " · ".join(parts) or NONE, to_ack


TAKEN_BACK_TO_ACK = "none: its value was taken back"


def _value_text(condition: str, value: float, beyond: str = "") -> str:
    """"5 breaths/min"; "<5 breaths/min" for a monitor's value beyond its range (`beyond`), as
    the engine's banner says it (conditions.py `_describe`)."""
    name = condition.rsplit("_", 1)[0]
    m = METRICS.get(name)
    return f"{beyond}{m.format(value)} {m.unit}" if m is not None else f"{beyond}{value:g}"


def _beyond_mark(detail: SessionDetail, condition: str, value: float | None,
                 at: datetime) -> str:
    """"<" (">") when an alarm step's `value` at `at` is a monitor's value beyond its range, by
    the trend marker's rule (`TrendFeed._beyond_mark_of`): the newest value of its vital equal to it
    received in the same step (`SAME_STEP_SECONDS`, not after the step); '' otherwise. The
    escalation's value read "(5 breaths/min)" beside the engine's "Respiratory rate <5"
    (README: a value beyond the range "reads as a limit wherever the value is shown")."""
    series = detail.vitals.get(condition.rsplit("_", 1)[0])
    if value is None or series is None or not series.beyond:
        return ""
    found = [(when, mark) for when, v, mark in zip(series.times, series.values, series.beyond,
                                                    strict=True)
             if v == value
             and 0 <= (at - when).total_seconds() <= SAME_STEP_SECONDS + 1e-6]
    return max(found)[1] if found else ""


def reminder_count(detail: SessionDetail) -> int:
    return sum(1 for e in detail.alarms if is_reminder(e))


# ---- checklist, overrides, notes, phases --------------------------------------------------------

CHECKLIST_COLUMNS = ("Time", "Phase", "Item", "Ticked by", "Note")
OVERRIDE_COLUMNS = ("Time", "What", "Refused because", "Reason given", "By")
NOTE_COLUMNS = ("Time", "Kind", "By", "Text")
PHASE_COLUMNS = ("Phase", "Started", "Ended", "Length", "Started by")


def _phase_names(detail: SessionDetail) -> dict[str, str]:
    return {p.id: p.name for p in detail.phases}


def checklist_rows(detail: SessionDetail, tz: tzinfo | None) -> list[tuple[str, ...]]:
    names = _phase_names(detail)
    zoned = spans_zone_change(detail, tz)
    return [(hhmm(t.at, tz, zoned=zoned), names.get(t.phase, t.phase), t.text or t.item, t.who,
             _tick_note(t, tz, zoned)) for t in detail.ticks]


def _tick_note(tick: ChecklistTick, tz: tzinfo | None, zoned: bool) -> str:
    """The nurse's note, after "withdrawn 09:01: Systolic BP 138 mmHg entered in error" when a
    value the tick attested was entered in error: the item was open again at the chair, and a
    plain tick read as met."""
    if tick.withdrawn_at is None:
        return tick.note
    withdrawn = f"withdrawn {hhmm(tick.withdrawn_at, tz, zoned=zoned)}: {tick.withdrawn_because}"
    return f"{withdrawn}; {tick.note}" if tick.note else withdrawn


def override_rows(detail: SessionDetail, tz: tzinfo | None) -> list[tuple[str, ...]]:
    """Overrides, prescriber gate decisions and refused discharges, in the order logged
    (`_in_log_order`)."""
    names = _phase_names(detail)
    zoned = spans_zone_change(detail, tz)
    rows: list[tuple[int, datetime, tuple[str, ...]]] = []
    for o in detail.overrides:
        what = (f"Ended phase {names.get(o.phase, o.phase)} early" if o.what == "end_phase"
                else "Discharged despite refusal" if o.what == "discharge" else o.what)
        rows.append((o.event_id, o.at, (hhmm(o.at, tz, zoned=zoned), what,
                                        "; ".join(o.blockers), o.reason, o.who)))
    for g in detail.gate_decisions:
        rows.append((g.event_id, g.at, (hhmm(g.at, tz, zoned=zoned),
                                        f"Prescriber gate: {g.item}", "; ".join(g.values),
                                        g.decision, g.who)))
    for r in detail.discharge_refusals:
        rows.append((r.event_id, r.at, (hhmm(r.at, tz, zoned=zoned), DISCHARGE_REFUSED,
                                        "; ".join(r.reasons), NONE, r.who)))
    return _in_log_order(rows)


# The "What" of a refused discharge in `override_rows`: listed there, never counted or marked
# as an override (`override_count`).
DISCHARGE_REFUSED = "Discharge refused"


def override_count(detail: SessionDetail) -> int:
    """The overrides and prescriber gate decisions among `override_rows`: what "Overrides and
    prescriber decisions" counts (the review's summary, the PDF's "None"). Not a refused
    discharge: the console refused, the nurse respected it; counted, a session with no override
    read "Overrides and prescriber decisions: 1" (an IV walk). `refused_discharge_words` says
    those apart."""
    return len(detail.overrides) + len(detail.gate_decisions)


def refused_discharge_words(detail: SessionDetail) -> str:
    """"Discharge refused 2×, respected"; "Discharge refused 1×, then overridden" where a
    discharge despite the refusal followed (its own row, an override); "" when none was
    refused. A discharge over the gate ends the session: every refusal came before it."""
    refused = len(detail.discharge_refusals)
    if not refused:
        return ""
    overridden = any(o.what == "discharge" for o in detail.overrides)
    return f"Discharge refused {refused}×, {'then overridden' if overridden else 'respected'}"


def note_rows(detail: SessionDetail, tz: tzinfo | None) -> list[tuple[str, ...]]:
    """Notes, corrections and review annotations (marked), in the order logged
    (`_in_log_order`: review annotations, written afterwards, last)."""
    zoned = spans_zone_change(detail, tz)
    rows: list[tuple[int, datetime, tuple[str, ...]]] = []
    for n in detail.notes:
        kind = "Note" if n.kind == "note" else n.kind.replace("_", " ").capitalize()
        # An observation noted with a button and taken back (a review), as a value is.
        text = (withdrawn_text(n.withdraws, n.text) if n.withdraws
                else f"{n.text} [entered in error]" if n.entered_in_error else n.text)
        rows.append((n.event_id, n.at, (day_time(n.at, tz, zoned=zoned), kind, n.who, text)))
    for c in detail.corrections:
        rows.append((c.event_id, c.at, (
            day_time(c.at, tz, zoned=zoned),
            "Entered in error" if c.entered_in_error else "Correction", c.who,
            correction_text(c.metric, c.value, c.reason, c.entered_in_error, c.reopened))))
    for h in detail.hand_overs():
        rows.append((h.id, h.at, (day_time(h.at, tz, zoned=zoned), "Hand-over", h.actor,
                                  describe_event(h.kind, h.detail))))
    for e in detail.events:
        if e.kind == CLOCK_STEPPED:
            rows.append((e.id, e.at, (day_time(e.at, tz, zoned=zoned), "Station clock stepped",
                                      e.actor, clock_step_text(e, tz, zoned))))
    for r in detail.restarts:
        rows.append((r.event_id, r.resumed, (
            day_time(r.resumed, tz, zoned=zoned), "Console restarted", r.by,
            restart_text(r, tz, zoned, detail.closed_before(r)))))
    # Written later, perhaps under another offset than the session's named zone: then its own.
    offset = _utc_offset(local(detail.summary.started_at, tz))
    for a in detail.annotations:
        own = zoned or _utc_offset(local(a.at, tz)) != offset
        rows.append((a.event_id, a.at, (day_time(a.at, tz, zoned=own), "Review annotation",
                                        a.who, a.text)))
    return _in_log_order(rows)


def clock_step_text(step: LoggedEvent, tz: tzinfo | None, zoned: bool = False) -> str:
    """"Station clock set 1:00 h forward: it read 09:20:00, then 10:20:00; times from then on
    are on the new clock; lengths and times to acknowledge leave the step out" (a logged
    `clock_stepped`: NTP, a corrected clock). The report's lengths are net of it
    (`SessionDetail.phase_seconds`); a reader comparing its clock times needs to know why they
    jump (review 45: the PDF never named the step)."""
    raw = step.detail.get("step_s")
    step_s = float(raw) if isinstance(raw, int | float) else 0.0
    way = "forward" if step_s > 0 else "back"
    before = step.at - timedelta(seconds=step_s)
    return (f"Station clock set {format_duration(abs(step_s))} {way}: it read "
            f"{hhmm(before, tz, seconds=True, zoned=zoned)}, then "
            f"{hhmm(step.at, tz, seconds=True, zoned=zoned)}; times from then on are on the new "
            "clock; lengths and times to acknowledge leave the step out")


def restart_text(restart: Restart, tz: tzinfo | None, zoned: bool = False,
                 closed: LoggedEvent | None = None) -> str:
    """"No record from 09:26:10 (the last) to the restart at 09:33:40: the console stopped at
    some moment in between; up to 7:30 min with nothing monitored or recorded; 2 alarms
    restored as they were" (a restart, `Restart`). Nothing logs that the console runs between
    records, so the gap is an upper bound: "Not running from 09:06:00 (its last record)" was
    said of a console that ran on to its restart at 09:10, four quiet minutes (an IV walk).

    After who closed the console when it was closed (`closed`, `SessionDetail.closed_before`),
    its close the last record, the stop is known: "Console closed by nurse.ana at 09:26:10.
    Not running from 09:26:10 (its last record) to …" (or "Console stopped by the system
    (SIGTERM) at …"), so a gap a nurse chose does not read as a crash or a power cut."""
    alarms = restart.alarms_restored
    restored = (f"{alarms} alarms restored as they were" if alarms > 1
                else "1 alarm restored as it was" if alarms else "no alarm was open")
    why = ""
    if closed is not None:
        signal = closed.detail.get("signal")
        who = f"stopped by the system ({signal})" if signal else f"closed by {closed.actor}"
        why = f"Console {who} at {hhmm(closed.at, tz, seconds=True, zoned=zoned)}. "
    last = hhmm(restart.last_record, tz, seconds=True, zoned=zoned)
    resumed = hhmm(restart.resumed, tz, seconds=True, zoned=zoned)
    gap = format_duration(restart.unrecorded_seconds)
    if closed is not None and closed.at >= restart.last_record:
        return (f"{why}Not running from {last} (its last record) to {resumed}: {gap} with "
                f"nothing monitored or recorded; {restored}")
    return (f"{why}No record from {last} (the last) to the restart at {resumed}: the console "
            f"stopped at some moment in between; up to {gap} with nothing monitored or "
            f"recorded; {restored}")


def phase_rows(detail: SessionDetail, tz: tzinfo | None) -> list[tuple[str, ...]]:
    zoned = spans_zone_change(detail, tz)
    rows: list[tuple[str, ...]] = []
    for p in detail.phases:
        seconds = detail.phase_seconds(p)   # net of a clock step within it (review 45)
        length = duration(timedelta(seconds=seconds)) if seconds is not None else "open"
        rows.append((p.name or p.id, hhmm(p.started_at, tz, zoned=zoned),
                     hhmm(p.ended_at, tz, zoned=zoned), length, p.started_by))
    return rows


# ---- observations (scales) ----------------------------------------------------------------------


def observation_columns(detail: SessionDetail) -> tuple[str, ...]:
    present = [name for name in SCALES if detail.scale_values(name)]
    return ("Time", "Min", *(SCALE_TITLES.get(n, n) for n in present), "By")


def observation_rows(detail: SessionDetail, tz: tzinfo | None) -> list[tuple[str, ...]]:
    """One row per entry time: the scales entered then, each in its column; a corrected score
    at the assessment it corrects, "4 (corrected from 2)" (`ScaleObservation.at`).

    Scores entered within a minute of the row's first are one row, but never two of one scale:
    a second score starts a row of its own (a later score had overwritten an earlier one of the
    same minute, and a correction a fresh assessment: a review audit).

    In the order entered, as the console's timers ran (`_LogOrder`): by their times, scores
    entered after a clock set back stood above those entered before it."""
    present = [name for name in SCALES if detail.scale_values(name)]
    order = _LogOrder(detail)
    placed = sorted(((order.reading(s.at, s.observation_id, s.replaced is not None), s)
                     for s in detail.scales), key=lambda x: x[0])   # stable: (time, id) order
    # (as the timers ran, logged time, scores, who)
    groups: list[tuple[datetime, datetime, dict[str, ScaleObservation], set[str]]] = []
    for ran, s in placed:
        if (groups and s.metric not in groups[-1][2]
                and (ran - groups[-1][0]).total_seconds() <= MANUAL_GROUP_SECONDS):
            groups[-1][2][s.metric] = s
            groups[-1][3].add(s.who)
        else:
            groups.append((ran, s.at, {s.metric: s}, {s.who}))
    steps = detail.logged_steps()
    zoned = spans_zone_change(detail, tz)
    rows = []
    for _, at, scores, who in groups:
        cells = [hhmm(at, tz, zoned=zoned), elapsed_cell(detail, at, steps)]
        cells.extend(_scale_cell(scores[n]) if n in scores else "" for n in present)
        cells.append(", ".join(sorted(who)))
        rows.append(tuple(cells))
    return rows


def _scale_cell(score: ScaleObservation) -> str:
    """"2 moderate"; "4 (corrected from 2)" for a corrected score (the Notes tab says by whom
    and why), as a corrected vital reads (`_vital_cell`)."""
    text = scale_text(score.metric, score.value)
    if score.replaced is None:
        return text
    return f"{text} (corrected from {scale_text(score.metric, score.replaced)})"


def scale_maxima(detail: SessionDetail) -> list[tuple[str, str]]:
    """(scale, "max 3 at 09:45" or the lowest MOAA/S) for the observation summary line."""
    out = []
    for name in SCALES:
        values = detail.scale_values(name)
        if not values:
            continue
        lowest = name in ("moaas", "aldrete")
        pick = min(values, key=lambda s: s.value) if lowest else max(values, key=lambda s: s.value)
        word = "lowest" if lowest else "max"
        out.append((SCALE_TITLES.get(name, name), f"{word} {pick.value:g}"))
    return out


# ---- vitals at each check -----------------------------------------------------------------------

VITAL_COLUMNS = ("Time", "Min", "BP mmHg", "HR /min", "RR /min", "SpO2 %", "Source")
NO_VITALS = "No vital sign was recorded."   # in place of the table: no row (screen and paper)
# "Min" and the trend's axis count from the session's start; the header's "T0 + 80 min" from the
# first dose (a clinician read the two as one).
MIN_COLUMN_TIP = ("Minutes since the session started, a clock step left out (\"?\": unknown); "
                  "\"T0 + n min\" counts from the first dose")
_VITAL_KEYS = ("bp_systolic", "bp_diastolic", "heart_rate", "resp_rate", "spo2")
# The pulse rate stands in the HR column where no heart rate came (`vital_rows`).
_PULSE = "pulse_rate"
PULSE_MARK = " (pulse)"


@dataclass(frozen=True, slots=True)
class PlacedValue:
    """One valid value of a vital where the review shows it (`placed_series`).

    Attributes:
        at: when it was measured (a corrected value: when the measurement it corrects was).
        value: the value (a corrected value: the new one).
        manual: typed at the chair, not from a device.
        replaced: for a corrected value, the value it replaced; else None.
        row: its `observations` row (`VitalSeries.ids`), None when not known.
        beyond: `<` or `>` for a monitor's value beyond its range, kept as the limit
            (`VitalSeries.beyond`); else ''.
        history: a BP the bedside took as history (`VitalSeries.history`): drawn at its
            time, never the reading of a check nor the last one.
    """

    at: datetime
    value: float
    manual: bool
    replaced: float | None = None
    row: int | None = None
    beyond: str = ""
    history: bool = False


def placed_series(detail: SessionDetail) -> dict[str, list[PlacedValue]]:
    """The valid values of each vital, in time order, a corrected value at the time of the
    measurement it corrects with the value it replaced (`Correction.replaced_seconds`): shown at
    the correction's time and unmarked, a typed 250 corrected to 150 later read as a new reading
    of 150 then, and nothing said 150 stood for the 250 (an audit; the trend already drew it at
    its measurement). The vitals table and the REMS form read these, so both place a value
    alike (the REMS form read the series by the time each row was received, and lost a BP the
    review showed). A device value is where the trend places it (`VitalSeries.placed`: a cuff
    at its measured time); one placed further before the session than the trend's views start,
    that old already when it came (`trend_feed.before_the_session`: a monitor's last cuff, the
    previous patient's), is left out, and so is a correction of it."""
    start = detail.summary.started_at
    corrected = {(c.metric, c.at, c.value): c for c in detail.corrections
                 if not c.entered_in_error and c.replaced_seconds is not None}
    out: dict[str, list[PlacedValue]] = {}
    for name in (*_VITAL_KEYS, _PULSE):
        series = detail.vitals.get(name)
        if series is None:
            continue
        points = []
        rows = series.ids or (None,) * len(series)
        beyond = series.beyond or ("",) * len(series)
        placed = series.placed or series.times
        history = series.history or (False,) * len(series)
        for t, at, v, m, row, side, old in zip(series.times, placed, series.values,
                                               series.manual, rows, beyond, history,
                                               strict=True):
            # The correcting row is typed, stamped with the correction's event.
            c = corrected.pop((name, t, v), None) if m else None
            if c is None or c.replaced_seconds is None:
                if not before_the_session(at, t, start):
                    points.append(PlacedValue(at, v, m, row=row, beyond=side, history=old))
                continue
            # A correction stands or falls with the measurement it corrects: placed where that
            # is (`VitalSeries.placed`), received when that was. The correction of a monitor's
            # last cuff, the previous patient's, stood here as this patient's BP (a review).
            received = start + timedelta(seconds=c.replaced_seconds)
            if not before_the_session(at, received, start):
                points.append(PlacedValue(received, v, m, c.replaced_value, row))
        points.sort(key=lambda p: p.at)   # stable: a re-entry after its correction stays last
        out[name] = points
    return out


def _record_end(detail: SessionDetail, order: _LogOrder | None = None) -> datetime:
    """Where a session's record ends: its end, or for a session never ended (still running, or
    left open) its last record: the one written last, at its logged time. Its events, alarm
    rows, each vital's last reading and its scores are compared as the console's timers ran
    (`_LogOrder`): after a clock set back the latest time is one from before the step (a banner
    named 09:20 for a record that ended at 08:55 on the new clock, and the checks ran on to a
    time the session never reached). Review annotations are written afterwards, not at the
    chair; a corrected score is as late as its correction's event."""
    if detail.summary.ended_at is not None:
        return detail.summary.ended_at
    order = order or _LogOrder(detail)
    last = [(order.event(e.at, e.id), e.at) for e in detail.events if e.kind != REVIEW_NOTE]
    last.extend((order.alarm_row(s.at, s.id), s.at) for a in detail.alarms for s in a.steps)
    for series in detail.vitals.values():
        if series.times:   # in commit order: its last row is the latest of its metric
            row = series.ids[-1] if series.ids else None
            last.append((order.reading(series.times[-1], row), series.times[-1]))
    last.extend((order.reading(s.at, s.observation_id), s.at) for s in detail.scales
                if s.replaced is None)
    return max(last, default=(detail.summary.started_at,) * 2)[1]


def scheduled_checks(detail: SessionDetail, protocol: Protocol | None) -> list[datetime]:
    """When the protocol's vitals checks fell due in this session (from its phases as run).

    A phase still running when the record ends (a session open, or never ended) counts up to
    the record's last row: its checks were cut at the phase's start, so an open session's table
    stopped there and the readings after it were missing (an audit)."""
    return sorted({logged for _, logged, _ in _scheduled(detail, protocol)})


def _scheduled(detail: SessionDetail, protocol: Protocol | None, order: _LogOrder | None = None
               ) -> list[tuple[datetime, datetime, tuple[str, ...]]]:
    """`scheduled_checks` as (when due as the console's timers ran, `order`'s clock, built
    once per table: it indexes every row of a session with a clock step; its wall time; the
    vitals and scores the check asks for, alternatives too), in the order due.

    The checks as the chair asks them (`Schedule.start_phase`): a phase's recurring checks on
    its own grid from its start; a discharge phase keeps those running on their grid to the
    end, beside its own, one of its own taking over a running one of its name from that one's
    next time where that comes before its own first (`Schedule._add_recurring`). Counted from
    each phase's own checks alone, a Discharge phase of none read as if nothing was asked
    there, and a check the chair raised overdue had no row (an IV walk).

    A check at fixed times after T0 ("BP at T+40") counts from the first dose (`first_dose`),
    as the chair asks it (`Schedule.first_dose_given`: esketamine's device 1 given after the
    T0 confirmation): from the confirmation, the table read "not recorded (scheduled check)"
    at times nothing was asked (a clinician's review). Every such check of the protocol is
    asked whatever the phase, up to the record's end: counted only within its own phase, the
    pre-discharge BP of a session moved to Discharge early had no row."""
    if protocol is None:
        return []
    times: list[tuple[datetime, datetime, tuple[str, ...]]] = []
    record_end: datetime | None = None
    steps = detail.logged_steps()
    order = order or _LogOrder(detail)
    # The recurring checks running, each with the phase whose grid it is on (`_Grid`).
    running: list[_Grid] = []
    end, end_id = detail.summary.started_at, SESSION_START_ID
    for span in detail.phases:
        try:
            phase = protocol.phase(span.id)
        except (KeyError, ValueError):
            continue
        if span.ended_at is not None:
            end, end_id = span.ended_at, span.ended_event or AFTER_EVERY_EVENT
        else:
            record_end = record_end or _record_end(detail, order)
            end, end_id = record_end, AFTER_EVERY_EVENT
        own = [_Grid(check, span) for check in phase.checks if check.every_minutes]
        if phase.kind is not PhaseKind.DISCHARGE:
            running = own
        else:
            named = {grid.check.name for grid in own}
            kept = [grid for grid in running if grid.check.name not in named]
            for grid in own:
                taken = next((g for g in running if g.check.name == grid.check.name), None)
                if taken is not None:   # its next time, where sooner than the new first
                    grid.sooner = taken.next_after(span, steps)
            running = kept + own
        for grid in running:
            times += [(*due, grid.check.named) for due in grid.due(span, end, end_id, steps, order)]
    dose = detail.first_dose()
    if dose is not None:
        until = logged_seconds(dose[0].at, dose[0].id, end, end_id, steps)
        for check in timed_checks(protocol.phases):
            times += [(*due, check.named) for due in _due(
                dose[0].at, dose[0].id, steps, order,
                (m * 60 for m in check.at_minutes_after_t0 if m * 60 <= until))]
    return sorted(set(times))


@dataclass(slots=True)
class _Grid:
    """A recurring check on the grid of the phase `since` (its slots every `every_minutes` from
    that phase's start), as `_scheduled` counts it; `sooner`: seconds after `since`'s start of
    a running check's time it takes over before its own first (`Schedule._add_recurring`)."""

    check: VitalsCheck
    since: PhaseSpan
    sooner: float | None = None

    def _seconds(self, at: datetime, event_id: int, steps: Sequence[LoggedStep]) -> float:
        return logged_seconds(self.since.started_at, self.since.started_event, at, event_id,
                              steps)

    def next_after(self, span: PhaseSpan, steps: Sequence[LoggedStep]) -> float | None:
        """Its first slot after `span` starts, in seconds after `span`'s start."""
        every = (self.check.every_minutes or 0.0) * 60
        if not every:
            return None
        start = self._seconds(span.started_at, span.started_event, steps)
        return (start // every + 1) * every - start

    def due(self, span: PhaseSpan, end: datetime, end_id: int, steps: Sequence[LoggedStep],
            order: _LogOrder) -> list[tuple[datetime, datetime]]:
        """Its slots within `span` (after its start, up to `end`): `_due`'s."""
        every = (self.check.every_minutes or 0.0) * 60
        start = self._seconds(span.started_at, span.started_event, steps) if (
            span is not self.since) else 0.0
        stop = self._seconds(end, end_id, steps)
        slots = [every * n for n in range(int(start // every) + 1, int(stop // every) + 1)]
        if self.sooner is not None and self.sooner < every and self.sooner <= stop:
            slots.insert(0, self.sooner)
        return _due(self.since.started_at, self.since.started_event, steps, order, slots)


def _due(since: datetime, since_id: int, steps: Sequence[LoggedStep], order: _LogOrder,
         offsets_s: Iterable[float]) -> list[tuple[datetime, datetime]]:
    """The moments `offsets_s` seconds (as the console's timers ran) after the event `since_id`
    logged at `since`: each on `order`'s clock, and its wall time, moved by each clock step
    logged after the event and by then (review 45: NTP an hour forward read as nine scheduled
    checks never due, each "not recorded")."""
    ran = order.event(since, since_id)
    # A step moves what it reaches (`LoggedStep.reach_id`, as `logged_seconds`): one that put
    # right the clock a later restart found wrong leaves times counted from before that restart
    # (review 45: the checks of a phase begun before it were placed an hour late).
    after = [(logged_seconds(since, since_id, s.at, s.event_id, steps), s.step_s)
             for s in steps if s.event_id > since_id and s.reach_id <= since_id]
    return [(ran + timedelta(seconds=o),
             since + timedelta(seconds=o + sum(step for at, step in after if at <= o)))
            for o in offsets_s]


# Why a row of the vitals table is there (`vital_rows`).
_ENTRY, _CHECK, _LAST = "entry", "check", "last"


def vital_rows(detail: SessionDetail, tz: tzinfo | None,
               protocol: Protocol | None = None) -> list[tuple[str, ...]]:
    """Vitals at each manual entry and at each scheduled check (see the module docstring); for
    a session never ended, also its last reading from the monitor when no row reaches it (the
    clinician reads where the record stops). A corrected value is at its measurement's time,
    "150 (corrected from 250)" (the BP cell: "150/88 (systolic corrected from 250)"; a half
    without the other "—/88"). A row without a heart rate shows the pulse rate under HR,
    "76 (pulse)".

    Rows are placed, grouped and matched as the console's timers ran (`_LogOrder`), each at its
    logged time: after a clock set back the same wall times came twice, and by them a BP typed
    after the step stood above the baseline (a high BP before the session began)."""
    series = placed_series(detail)
    order = _LogOrder(detail)
    logged: dict[datetime, datetime] = {}   # as the timers ran -> its logged time
    if order.moves:
        for name, points in series.items():
            ran = []
            for p in points:
                at = order.reading(p.at, p.row, p.replaced is not None)
                logged.setdefault(at, p.at)
                ran.append(replace(p, at=at))
            series[name] = sorted(ran, key=lambda p: p.at)   # stable, as `placed_series`
    manual_times = sorted({p.at for points in series.values() for p in points if p.manual})
    groups: list[datetime] = []
    for at in manual_times:
        if not groups or (at - groups[-1]).total_seconds() > MANUAL_GROUP_SECONDS:
            groups.append(at)
    # (as the timers ran, why, its logged time)
    rows_at: list[tuple[datetime, str, datetime]] = [
        (at, _ENTRY, logged.get(at, at)) for at in groups]
    # What the nurse typed in each entry's minute (as `_manual_at` takes it), scores too.
    typed_names = [(p.at, name) for name, points in series.items() for p in points if p.manual]
    typed_names += [(order.reading(s.at, s.observation_id, s.replaced is not None), s.metric)
                    for s in detail.scales]
    entered = [{name for at, name in typed_names
                if 0 <= (at - g).total_seconds() <= MANUAL_GROUP_SECONDS} for g in groups]
    checks: set[datetime] = set()
    for due, wall, asks in _scheduled(detail, protocol, order):
        # Answered only by an entry of something the check asks for: an RR and a MOAA/S typed
        # 10 min after the cuff that met "BP, HR and SpO2" had answered it, and no row showed
        # that cuff (a 196/104 that raised an alarm; a clinician's review).
        answered = any(-120 <= (g - due).total_seconds() <= 600 and entered[k].intersection(asks)
                       for k, g in enumerate(groups))
        if not answered and due not in checks:
            checks.add(due)
            rows_at.append((due, _CHECK, wall))
    rows_at.sort(key=lambda x: x[0])
    if detail.summary.ended_at is None:
        last = max((p.at for points in series.values() for p in points
                    if not p.manual and not p.history), default=None)
        if last is not None and (not rows_at or last > rows_at[-1][0]):
            rows_at.append((last, _LAST, logged.get(last, last)))
    steps = detail.logged_steps()
    zoned = spans_zone_change(detail, tz)
    typed = {(name, k): point for name, points in series.items()
             for k, (at, why, _) in enumerate(rows_at) if why == _ENTRY
             for point in (_manual_at(points, at),) if point is not None}
    device = _device_rows(series, [at for at, _, _ in rows_at], typed)
    rows = []
    for k, (_, why, at) in enumerate(rows_at):
        values: dict[str, PlacedValue] = {}
        for name in series:
            point = typed.get((name, k)) or device.get((name, k))
            if point is not None:
                values[name] = point
        # The oximeter's pulse where no heart rate came (an SpO2 + NIBP monitor sends no ECG):
        # the chair counts it as the HR (a check's and the baseline's ("heart_rate",
        # "pulse_rate"), protocols/model.py `VitalsCheck`), and "—" read as no HR taken.
        pulse = values.get(_PULSE) if "heart_rate" not in values else None
        shown = [values[n] for n in _VITAL_KEYS if n in values] + ([pulse] if pulse else [])
        if not shown:
            source = "not recorded"
        elif all(p.manual for p in shown):
            source = "manual"
        elif any(p.manual for p in shown):
            source = "manual + device"
        else:
            source = "device"
        if why == _CHECK:
            source += " (scheduled check)"
        elif why == _LAST:
            source += " (last reading: session not ended)"
        sys_, dia = values.get("bp_systolic"), values.get("bp_diastolic")
        # Either half alone too: a diastolic whose systolic was entered in error, or typed
        # alone, read "—" (review 47), though it counts in the trend and the course.
        halves = (("systolic", sys_), ("diastolic", dia))
        bp = ("/".join(_point_text(p) if p is not None else NONE for _, p in halves)
              if sys_ is not None or dia is not None else NONE)
        marks = [f"{part} corrected from {number(p.replaced)}" for part, p in halves
                 if p is not None and p.replaced is not None]
        if marks:
            bp += f" ({', '.join(marks)})"
        hr = (_vital_cell(pulse) + PULSE_MARK if pulse is not None
              else _vital_cell(values.get("heart_rate")))
        rows.append((hhmm(at, tz, zoned=zoned), elapsed_cell(detail, at, steps), bp, hr,
                     *(_vital_cell(values.get(n)) for n in ("resp_rate", "spo2")), source))
    return rows


def _vital_cell(point: PlacedValue | None) -> str:
    """"74"; "69 (corrected from 96)" for a corrected value (the Notes tab says by whom and
    why, as "Heart rate corrected to 69: typed 96"); "<5" for a monitor's value beyond its
    range (`_point_text`)."""
    if point is None:
        return NONE
    text = _point_text(point)
    return text if point.replaced is None else f"{text} (corrected from {number(point.replaced)})"


def _point_text(point: PlacedValue) -> str:
    """"74"; "<5" (">250") for a monitor's value beyond its range (`limit_text`)."""
    return limit_text(point.value, point.beyond)


def limit_text(value: float, beyond: str) -> str:
    """"74"; "<5" (">250") for a monitor's value beyond its range, kept as the limit (`beyond`
    "<" or ">"): a Dräger's "RR below 5" read "5", a rate the monitor never measured (the event
    list said "below the monitor's range"). The vitals table and the course read it alike."""
    return beyond + number(value)


def _manual_at(points: Sequence[PlacedValue], at: datetime) -> PlacedValue | None:
    found = None
    for p in points:
        if p.manual and 0 <= (p.at - at).total_seconds() <= MANUAL_GROUP_SECONDS:
            found = p   # the last one of the group (a re-entry wins)
    return found


def _device_rows(
    series: Mapping[str, Sequence[PlacedValue]], rows_at: Sequence[datetime],
    typed: Mapping[tuple[str, int], PlacedValue],
) -> dict[tuple[str, int], PlacedValue]:
    """The device reading each row of the vitals table shows, by (metric, row index): the
    nearest one within the metric's window (`DEVICE_WINDOW_SECONDS`) of a row without a typed
    value of that metric (`typed`), each reading in one row only, the row nearest to it (at a
    tie the earlier row); a row whose nearest readings went to nearer rows shows the nearest one
    left within its window, or none.

    Each row took its nearest reading on its own: a cuff reading at 09:22 stood under the
    checks due at 09:20 and 09:25 (both within 5 min), one measurement read as two (an audit).
    """
    out: dict[tuple[str, int], PlacedValue] = {}
    for name, points in series.items():
        window = timedelta(seconds=DEVICE_WINDOW_SECONDS["bp" if name.startswith("bp_")
                                                          else "other"])
        # A BP the bedside took as history stood under a newer one: it answers no check.
        device = [p for p in points if not p.manual and not p.history]
        times = [p.at for p in device]
        pairs: list[tuple[float, int, int]] = []   # (seconds apart, row, reading)
        for k, at in enumerate(rows_at):
            if (name, k) in typed:
                continue
            for j in range(bisect.bisect_left(times, at - window),
                           bisect.bisect_right(times, at + window)):
                pairs.append((abs((times[j] - at).total_seconds()), k, j))
        shown: set[int] = set()
        for _apart, k, j in sorted(pairs):   # nearest first; rows and readings in time order
            if (name, k) not in out and j not in shown:
                out[(name, k)] = device[j]
                shown.add(j)
    return out


# ---- the course ---------------------------------------------------------------------------------

COURSE_FIGURES: tuple[tuple[str, str], ...] = (
    ("record", "Record (hash chain)"),   # `record_cell`: changed outside the console?
    ("date", "Date"),
    ("protocol", "Protocol"),
    ("dose", "Dose"),
    ("weight", "Weight"),   # what a dose by weight was worked out from
    ("peak_systolic", "Peak systolic BP mmHg"),
    ("peak_diastolic", "Peak diastolic BP mmHg"),
    ("min_spo2", "Lowest SpO2"),
    ("min_rr", "Lowest RR"),
    # An ECG's heart rate, or where none sent one the higher of a typed HR and the pulse
    # (`queries.load_course`).
    ("peak_heart_rate", "Peak HR (or pulse) /min"),
    ("alarms_high", "High alarms"),
    ("alarms_medium", "Medium alarms"),
    ("alarms_low", "Low alarms"),
    ("reminders", "Reminders (vitals due)"),
    ("min_moaas", "Deepest sedation (MOAA/S)"),
    ("max_nausea", "Nausea (max)"),
    ("max_dissociation", "Dissociation CADSS (max)"),
    ("max_hallucinations", "Hallucinations (max)"),
    ("max_fatigue", "Fatigue (max)"),
    ("discharge", "Minutes to discharge"),
    ("restarts", "Console restarts"),
)


@dataclass(frozen=True, slots=True)
class RouteCourse:
    """One course of a patient: the sessions of one route, oldest first (`route_courses`).

    Attributes:
        key: what tells it from the patient's other courses: its route ("iv"), or "protocol
            <id>" for sessions whose protocol is known neither installed nor from their log.
        name: "IV course", "Intranasal course", "iv-old course" (a protocol not known).
        sessions: its sessions (`queries.load_course`'s rows), oldest first.
    """

    key: str
    name: str
    sessions: tuple[CourseRow, ...]

    def title(self, patient_id: str) -> str:
        """"IV course of MRN-4711: 2 sessions"."""
        n = len(self.sessions)
        return f"{self.name} of {patient_id}: {n} session{'s' if n != 1 else ''}"

    def choice(self) -> str:
        """How the course page offers it: "IV course (2 sessions)"."""
        n = len(self.sessions)
        return f"{self.name} ({n} session{'s' if n != 1 else ''})"


def route_courses(rows: Sequence[CourseRow],
                  installed: Mapping[str, Protocol]) -> list[RouteCourse]:
    """A patient's sessions (`queries.load_course`'s rows, oldest first) as courses, one per
    route, by the rule the chair numbers a new session by (`earlier_in_course`: the IV protocols
    are one course, esketamine its own), in the order of their first sessions.

    A session's route is its installed protocol's, else that of the protocol it logged at its
    start: the review knows it from the log where the chair, starting from installed files,
    needs none. A session known by neither is a course of its protocol id alone, as the chair
    counts one. Review 48: the course put an IV course and an esketamine course side by side,
    "Session 1 · Session 2 · Session 1", on one T0 axis.
    """
    known = {r.protocol_id: r.protocol for r in rows if r.protocol is not None}
    known.update(installed)
    courses: list[RouteCourse] = []
    left = list(rows)
    while left:
        first = left[0]
        protocol = known.get(first.protocol_id)
        if protocol is None:
            same = [r for r in left if r.protocol_id == first.protocol_id]
            key, name = f"protocol {first.protocol_id}", f"{first.protocol_id} course"
        else:
            same = [r for r in left if r is first
                    or earlier_in_course([r.protocol_id], protocol, known).same]
            words = route_words(protocol)
            key, name = protocol.route, f"{words[:1].upper()}{words[1:]} course"
        courses.append(RouteCourse(key, name, tuple(same)))
        taken = {r.session_id for r in same}
        left = [r for r in left if r.session_id not in taken]
    return courses


def course_header(row: CourseRow, check: RecordCheck | None = None) -> str:
    """"Session 2", "Session 3 (demo)", "Session 6 (still open)" (never ended: a column of no
    discharge, not a short session: a records audit read it as any other); "Session 2  ⚠
    CHANGED" when its record was changed outside the console (or "⚠ UNREADABLE"), as the
    session list marks it."""
    mark = record_mark(check) if check is not None else None
    return (f"Session {row.session_number}" + (" (demo)" if row.demo else "")
            + (" (still open)" if row.still_open else "")
            + (f"  {mark[0]}" if mark else ""))


def _peak(value: float | None, minute: float | None, t0: float | None, beyond: str = "") -> str:
    """"142 at T0 + 30 min" (the unit is in the row's name): short enough that a course of six
    sessions fits side by side at 1920x1080 (it needed scrolling with "142 mmHg at 35 min
    (T0 + 30 min)"); minutes from the start only for a session never dosed. ">250 at ..." for
    a monitor's limit (`limit_text`)."""
    if value is None:
        return NONE
    text = limit_text(value, beyond)
    if minute is not None and is_unknown(minute):
        # A step back of the station's clock leaves its place unknown: the "Min" column's "?".
        text += f" at T0 + {UNKNOWN_MINUTE} min" if t0 is not None else f" at {UNKNOWN_MINUTE} min"
    elif minute is not None:
        text += f" at {after_t0(minute - t0)}" if t0 is not None else f" at {minute:g} min"
    return text


def course_cells(row: CourseRow, tz: tzinfo | None, check: RecordCheck | None = None,
                 previous: CourseRow | None = None) -> dict[str, str]:
    """figure key -> the text of one session's column (`check`: its record against the hash
    chain, `record_cell`; None: not yet checked; `previous`: the column before it, whose
    protocol its own is held to, `course_protocol`)."""
    to_discharge = NONE
    if row.minutes_to_discharge is not None:
        to_discharge = f"{row.minutes_to_discharge:g}"
        if row.t0_minute is not None:
            to_discharge += f" ({after_t0(row.minutes_to_discharge - row.t0_minute)})"
    record = record_cell(check if check is not None else RecordCheck(RecordState.UNCHECKED))
    beyond = dict(row.beyond)
    return {
        "record": record[0],
        # No weekday, and "(2 values taken back)": six sessions side by side at 1366x768 too.
        "date": f"{local(row.started_at, tz):%d %b %Y} {hhmm(row.started_at, tz)}",
        "protocol": course_protocol(row, previous),
        "dose": _course_dose(row),
        "weight": NONE if row.weight_kg is None else f"{row.weight_kg:g} kg",
        "peak_systolic": _peak(row.peak_systolic, row.peak_systolic_minute, row.t0_minute,
                               beyond.get("bp_systolic", "")),
        "peak_diastolic": _peak(row.peak_diastolic, row.peak_diastolic_minute, row.t0_minute,
                                beyond.get("bp_diastolic", "")),
        # "<5 /min": the monitor's limit, as the vitals table reads it (`limit_text`).
        "min_spo2": (NONE if row.min_spo2 is None
                     else f"{limit_text(row.min_spo2, beyond.get('spo2', ''))} %"),
        "min_rr": (NONE if row.min_resp_rate is None
                   else f"{limit_text(row.min_resp_rate, beyond.get('resp_rate', ''))} /min"),
        "peak_heart_rate": _peak(row.peak_heart_rate, row.peak_heart_rate_minute, row.t0_minute,
                                 beyond.get("heart_rate", "")),
        "alarms_high": str(row.alarms_high) + (
            f" ({row.alarms_high_taken_back} values taken back)"
            if row.alarms_high_taken_back else ""),
        "alarms_medium": str(row.alarms_medium),
        "alarms_low": str(row.alarms_low),
        "reminders": str(row.alarms_info),
        "min_moaas": number(row.min_moaas),
        "max_nausea": number(row.max_nausea),
        "max_dissociation": number(row.max_dissociation),
        "max_hallucinations": number(row.max_hallucinations),
        "max_fatigue": number(row.max_fatigue),
        # The course compares sessions: one discharged against the gate, or with the console
        # down, is not a quick recovery or a quiet session (a clinician's audit).
        "discharge": to_discharge + (" ⚠ against the gate" if row.against_gate else ""),
        "restarts": _course_restarts(row.restarts),
    }


RULES_CHANGED = "⚠ rules changed"


def course_protocol(row: CourseRow, previous: CourseRow | None = None) -> str:
    """"clinic-iv 1.7", the protocol and version the session logged at its start, and "⚠ rules
    changed" after it when its text is not the previous column's (`previous`). The id alone
    read "clinic-iv" in every column of a course whose session 3 ran under version 1.7's lower
    SpO2 limit (a review): what makes sessions not comparable is said where they are compared.
    A file edited without a new version is a change too: the texts are compared, not the
    versions."""
    text = f"{row.protocol_id} {_version(row)}" if _version(row) else row.protocol_id
    if previous is not None and _rules_changed(previous, row):
        text += f" {RULES_CHANGED}"
    return text


def _version(row: CourseRow) -> str:
    return row.protocol.version if row.protocol is not None else row.protocol_version


def _rules_changed(before: CourseRow, row: CourseRow) -> bool:
    """The two sessions ran under other rules: their logged texts differ, or, when either
    logged none (an older console's session), their ids or versions do. A text's digest against
    an id and version always differed: "rules changed" stood beside a session between two of
    one text, and after it (a review)."""
    texts = [r.protocol.text if r.protocol is not None else "" for r in (before, row)]
    if all(texts):
        return digest(texts[0]) != digest(texts[1])
    return (before.protocol_id, _version(before)) != (row.protocol_id, _version(row))


def _course_dose(row: CourseRow) -> str:
    """The dose the record shows given: "36 mg" (all of it), "36 mg planned; ended at 11:00 of
    40 min", "36 mg planned; session not ended (infusion at 25:00 of 40 min)" (the record of a
    session never ended stops inside its infusion, "at ? of 40 min" where a step back of the
    station's clock leaves its minute unknown: `_infusion_at`; an infusion stopped
    45 s after T0 had read "ended at 0 of 40 min"), "56 mg given (2 of 3 devices); 84 mg
    planned" (nasal devices: those ticked given, `devices_ticked`), "40 mg planned; never
    given". The planned dose had read as given for an infusion still running and for devices
    not all given (an audit: "84 mg" for two of three devices). A dose by weight says its mg/kg
    after its mg, "36 mg (0.5 mg/kg) planned; …" (`_per_kg`)."""
    if row.dose_mg is None:
        return NONE
    # The protocol the session ran under, as its header judges it; today's file only when it
    # logged none (a clinic's 60-min version read every earlier 40-min dose as stopped).
    protocol = row.protocol if row.protocol is not None else find_protocol(row.protocol_id)
    text = f"{row.dose_mg:g} mg" + _per_kg(row.dose_mg, row.weight_kg, protocol)
    if row.t0_minute is None:
        return f"{text} planned; " + ("not given yet" if row.still_open else "never given")
    if protocol is not None and protocol.dose.mode is DoseMode.DEVICES:
        return _course_devices(row.dose_mg, protocol, row.ticked, row.still_open)
    early = infusion_stopped_at(protocol, row.dosing_minutes)
    if early:
        return f"{text} planned; ended at {early}"
    if row.dosing_minutes is None and row.last_record_minute is not None:
        # Unknown (a step back): "? of 40 min", as the header says it (`_infusion_at`).
        running = _infusion_at(protocol, row.last_record_minute - row.t0_minute)
        if running:
            return f"{text} planned; {NOT_ENDED} (infusion at {running})"
    return text


def _per_kg(mg: float, weight_kg: float | None, protocol: Protocol | None) -> str:
    """" (0.5 mg/kg)" after a dose by weight, " (capped; 0.46 mg/kg)" for one the protocol's
    cap cut; "" for a dose by devices, or when the weight or the protocol is not known. The
    mg/kg is the dose over the weight, as given (the same 0.5 mg/kg at 72 kg then 80 kg had read
    "36 mg" then "40 mg", a dose raised)."""
    if protocol is None or protocol.dose.mode is not DoseMode.WEIGHT or not weight_kg:
        return ""
    dose = protocol.dose
    capped = dose.dose_mg(weight_kg) < weight_kg * dose.mg_per_kg   # the protocol's cap cut it
    return f" ({'capped; ' if capped else ''}{round(mg / weight_kg, 2):g} mg/kg)"


def _course_devices(planned: float, protocol: Protocol, ticked_items: Sequence[str],
                    still_open: bool) -> str:
    """"84 mg" when the devices ticked given are the plan's; else what they give, "56 mg given
    (2 of 3 devices); 84 mg planned" ("…; session not ended" while it may go on), "112 mg given
    (4 devices); 84 mg planned"."""
    count = protocol.dose.device_count(planned)
    ticked = devices_ticked(protocol, ticked_items) or 0
    if ticked == count:
        return f"{planned:g} mg"
    given = ticked * protocol.dose.mg_per_device
    devices = f"{ticked} of {count} devices" if ticked < count else f"{ticked} devices"
    text = f"{given:g} mg given ({devices}); {planned:g} mg planned"
    return text + (f"; {NOT_ENDED}" if still_open and ticked < count else "")


def _course_restarts(restarts: Sequence[Restart]) -> str:
    """"none", "⚠ 1 (up to 7:30 min unrecorded)": at most, as `restart_text` says it."""
    if not restarts:
        return "none"
    unrecorded = sum(r.unrecorded_seconds for r in restarts)
    return f"⚠ {len(restarts)} (up to {format_duration(unrecorded)} unrecorded)"


# ---- the trend plot's input ---------------------------------------------------------------------


def trend_inputs(detail: SessionDetail) -> tuple[
    list[tuple[int, ObservationRecord]], list[tuple[int, EventRecord]],
    list[tuple[int, AlarmTransition]],
]:
    """The session as `TrendPlot.load_session` takes it (the records the engine logged), for the
    review's and the report's trend, which place them by the one rule of
    `console.session.trend_feed` (the live window's too).

    Uses the stored observation rows when the detail was loaded with them: NIBP then sits at its
    measured time (at its arrival when its monitor's clock is more than a minute off), a
    correction replaces the value it corrects where that was drawn. A detail loaded without rows
    has only the valid series (corrections already applied, no measured times, no devices): its
    values are charted at their receive times. Load with `with_observations=True` for the one
    rule (the review window does; `console/export/cli.py` does not yet for `--pdf`).
    """
    sid = detail.summary.id
    observations: list[tuple[int, ObservationRecord]] = []
    if detail.observations:
        for o in detail.observations:
            observations.append((o.id, ObservationRecord(
                session_id=sid, metric=o.metric, value=o.value, unit=o.unit, source=o.source,
                measured_at=o.measured_at, received_at=o.received_at, entered_by=o.entered_by,
                channel=o.channel, flags=frozenset(o.flags), confirmed=o.confirmed,
                corrects=o.corrects)))
    else:
        fake_id = 0
        for series in detail.vitals.values():
            for at, value, manual in zip(series.times, series.values, series.manual, strict=True):
                fake_id += 1
                observations.append((fake_id, ObservationRecord(
                    sid, series.metric, value, series.unit, "manual" if manual else "device",
                    None, at, "")))
        for s in detail.scales:
            fake_id += 1
            observations.append((fake_id, ObservationRecord(
                sid, s.metric, s.value, METRICS[s.metric].unit if s.metric in METRICS else "",
                "manual", None, s.at, s.who)))
        observations.sort(key=lambda x: x[1].received_at)
    events = [(e.id, EventRecord(sid, e.at, e.kind, e.actor, dict(e.detail)))
              for e in detail.events]
    # The alarm rows with their ids, in id (log) order: after a clock step the trend places
    # each among the steps by the rows logged before it, which no step moves (`TrendFeed.load`);
    # numbered per episode, an alarm marker was placed by its time, either side of a step back.
    alarms = sorted(
        ((step.id, AlarmTransition(
            session_id=sid, occurrence=episode.occurrence, condition=episode.condition,
            category=episode.category, priority=step.priority, transition=step.transition,
            at=step.at, message=step.message, value=step.value,
            threshold=episode.threshold, actor=step.actor))
         for episode in detail.alarms for step in episode.steps),
        key=lambda item: item[0])
    return observations, events, alarms


def priorities_high_first(values: Iterable[str]) -> list[str]:
    return sorted(values, key=PRIORITY_ORDER.index)


# ---- signatures (issue 13) ---------------------------------------------------------------------


def signature_rows(signed: SessionSignatures, tz: tzinfo | None, zoned: bool = False, *,
                   session_start: datetime | None = None) -> list[tuple[str, ...]]:
    """Each signature with the record it signs, and each record left unsigned, by record time.

    Status: "valid" (the record still has the hash it was signed with), "RECORD CHANGED" (it
    has not: edited or deleted outside the console), or UNSIGNED. `zoned`: the session's
    times carry their zone (`spans_zone_change` of its detail), so these do too.
    `session_start`: the session's start, whose zone the report names once (its footer): a
    time under another offset (a review annotation signed after the clocks changed) carries
    its own zone, as `note_rows` prints it; None: only `zoned` decides.
    """
    offset = _utc_offset(local(session_start, tz)) if session_start is not None else None

    def stamp(when: datetime) -> str:
        own = zoned or (offset is not None and _utc_offset(local(when, tz)) != offset)
        return _stamp(when, tz, own)

    rows: list[tuple[datetime, int, tuple[str, ...]]] = []
    for s in signed.signatures:
        when = s.record_at or s.at
        rows.append((when, 0, (stamp(when) if s.record_at else NONE, s.record,
                               s.meaning, s.printed_name, f"#{s.account}", stamp(s.at),
                               "valid" if s.intact else "RECORD CHANGED")))
    for u in signed.unsigned:
        rows.append((u.at, 1, (stamp(u.at), u.record, u.meaning, NONE, NONE, NONE,
                               UNSIGNED)))
    return [cells for _, _, cells in sorted(rows, key=lambda x: (x[0], x[1]))]


def signature_summary(signed: SessionSignatures) -> str:
    """"3 signatures · 1 record unsigned" (or why there are none)."""
    if signed.enforced_since is None:
        return "No staff accounts in this log: nothing is signed electronically"
    n, u = len(signed.signatures), len(signed.unsigned)
    text = f"{n} signature{'s' if n != 1 else ''}"
    changed = sum(1 for s in signed.signatures if not s.intact)
    if changed:
        text += f" · {changed} signed record{'s' if changed != 1 else ''} changed since signing"
    return text + (f" · {u} record{'s' if u != 1 else ''} unsigned" if u else "")


def _stamp(when: datetime, tz: tzinfo | None, zoned: bool = False) -> str:
    """A signature's date and time to the second (with its zone when `zoned`)."""
    moment = local(when, tz)
    return _zoned(moment, moment.strftime("%d %b %Y %H:%M:%S"), zoned)
