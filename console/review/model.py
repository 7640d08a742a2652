"""The review read model: plain frozen records built from the session log, no SQL and no Qt.

`console.review.queries` fills these from a log opened read-only; the review window, the PDF
report and the exporters (`console.export`) render them. Field names are a contract between those
consumers: add fields, never rename or remove one.

Conventions for every record here:
- Times are aware UTC `datetime`s (the log stores UTC; convert to local time only for display).
- Sequences are tuples (the records are immutable); mappings are plain dicts, never mutated.
- `who` / `actor` is a nurse (or clinician) name, or `engine` for what the console did itself.
- Corrected observations (rows another row `corrects`) are left out of series, scales, peaks and
  course figures; they stay visible in `SessionDetail.observations` (when loaded) with
  `corrected=True`, and in `SessionDetail.corrections`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from heapq import merge
from typing import Any, Final

from console.records import SESSION_RESUMED
from console.session.clock_steps import (
    AFTER_EVERY_EVENT, SESSION_START_ID, AlarmRow, ClockStep, LoggedAt, LoggedStep, RowPlaces,
    logged_seconds, logged_steps, seconds_between, session_seconds,
)
from console.session.device_rest import beyond_text, device_number, early_text
from console.session.engine import OBSERVED_AT
from console.session.clock_marks import ALARM_ROWS_BEFORE, CLOCK_STEPPED
from console.session.journal import event_text
from console.session.protocol_record import PROTOCOL_IN_FORCE
from console.session.signing import (
    CORRECTION,
    DISCHARGE,
    DISCHARGE_OVERRIDE,
    GATE_DECISION,
    PHASE_OVERRIDE,
    REVIEW_ANNOTATION,
)
from console.store.log import REVIEW_NOTE_KIND
from protocols.model import Protocol
from protocols.text_rules import isolated
from protocols.vitals import METRICS

# Alarm priorities from highest to lowest, as stored in alarm_events.priority.
PRIORITY_ORDER: Final = ("high", "medium", "low", "info")
PRIORITY_RANK: Final = {"high": 3, "medium": 2, "low": 1, "info": 0}

# Event kinds written by review, not by a running session (see queries.annotate).
REVIEW_NOTE: Final = REVIEW_NOTE_KIND
# Events the session engine logs (console/session/engine.py): another nurse took the session
# over ({from, to}, by the nurse taking over); the console was closed by a nurse, or stopped by
# the system ({signal}), while the session ran.
HANDED_OVER: Final = "handed_over"
CONSOLE_CLOSED: Final = "console_closed"


# What became of a typed value voided at the chair (AlarmEpisode.taken_back).
ENTERED_IN_ERROR: Final = "value entered in error"

# The events that close a session. The engine writes them after the alarm steps of the same
# instant (whatever is still on the board ends with the session, `SessionEngine.discharge`);
# listed before them, an alarm read as ending after "Session ended".
SESSION_CLOSING_KINDS: Final = frozenset({"discharged", "session_ended"})


def record_order(at: datetime, source: str, kind: str = "") -> tuple[datetime, int]:
    """Where an `events` row (source "event", its kind) or an alarm step (source "alarm") goes
    among a session's records: by time; at one instant, events, then alarm steps, then the
    events that close the session, as the engine writes them (the tables share no row order)."""
    if source == "alarm":
        return at, 1
    return at, 2 if kind in SESSION_CLOSING_KINDS else 0

@dataclass(frozen=True, slots=True)
class SessionFilter:
    """What the session list shows.

    Attributes:
        patient: case-insensitive substring of `patient_id`; "" for every patient.
        since: first day included; None: no limit. Days are calendar days in the zone given
            to `queries.list_sessions` (default: this computer's local zone).
        until: last day included (same zone); None: no limit.
        protocol_id: only sessions of this protocol file (e.g. `esketamine`); None: all.
        high_alarm_only: only sessions with at least one alarm occurrence that reached `high`.
        include_demo: also list demonstration/simulator sessions (default: left out, they are not
            patient data).
    """

    patient: str = ""
    since: date | None = None
    until: date | None = None
    protocol_id: str | None = None
    high_alarm_only: bool = False
    include_demo: bool = False


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One line of the session list (and the header of a session's detail).

    Attributes:
        id: `sessions.id`, the session's number in this log.
        patient_id: the identifier entered at the start screen.
        protocol_id: protocol file used (`ketamine-iv`, `esketamine`, ...).
        protocol_version: version of that protocol as logged at the start (e.g. `2026.1`).
        session_number: the patient's session number within the course (1, 2, ...).
        started_at: when the session started.
        ended_at: when it ended; None while open (or if the console stopped before the end).
        nurse: the nurse who started the session.
        weight_kg: patient weight used for dosing, kg.
        demo: True for demonstration/simulator sessions.
        dose_mg: `sessions.details.dose_mg` (the dose confirmed at the start), or None.
        duration: from `started_at` to `ended_at` net of the clock steps logged in the session
            (`clock_steps.session_seconds`, as `SessionDetail.session_seconds`), or None while
            open.
        highest_priority: the highest priority any alarm occurrence reached ('high', 'medium',
            'low', 'info'), or None when the session had no alarm at all.
        alarm_count: number of alarm occurrences of every category and priority (prompts such as
            `vitals_due:*` included; `alarms_by_priority` splits them).
        discharged_at: time of the `discharged` event, or None when not discharged.
        alarms_by_priority: occurrences counted by highest priority reached, e.g.
            {'high': 1, 'medium': 0, 'low': 2, 'info': 5}; every priority is a key.
        against_gate: discharged over the discharge gate's refusal (an `override` of the
            discharge: `SessionDetail.discharge_override` says by whom and why).
    """

    id: int
    patient_id: str
    protocol_id: str
    protocol_version: str
    session_number: int
    started_at: datetime
    ended_at: datetime | None
    nurse: str
    weight_kg: float
    demo: bool
    dose_mg: float | None
    duration: timedelta | None
    highest_priority: str | None
    alarm_count: int
    discharged_at: datetime | None
    alarms_by_priority: Mapping[str, int] = field(default_factory=dict)
    against_gate: bool = False


@dataclass(frozen=True, slots=True)
class AlarmStep:
    """One row of `alarm_events`: one step in the life of an alarm occurrence.

    Attributes:
        at: when the step happened.
        transition: `raised`, `escalated`, `deescalated`, `acknowledged`, `reminded`, `reset`,
            `cleared` (`audio_paused`/`audio_resumed` are board-wide: see `AudioPause`).
        priority: the occurrence's priority after this step.
        actor: the nurse for acknowledge/reset; `engine` otherwise.
        value: the value that raised or changed it (in the vital's unit), or None.
        message: the banner text shown at this step.
        id: its `alarm_events` row id (how `verify` and the review name a changed row).
    """

    at: datetime
    transition: str
    priority: str
    actor: str
    value: float | None = None
    message: str = ""
    id: int = 0


@dataclass(frozen=True, slots=True)
class AlarmEpisode:
    """One alarm occurrence from raised to cleared (one row of the `alarms` view, plus its steps).

    Attributes:
        occurrence: the occurrence number, unique within the session.
        condition: e.g. `bp_systolic_high`, `spo2_low`, `device_lost`, `vitals_due:q15`.
        category: `physiological`, `technical` or `prompt`.
        priority: the highest priority it reached.
        raised_at: time of its first `raised` step (its first step if it has none).
        acknowledged_at: time of the first `acknowledged` step, or None.
        cleared_at: time of the `cleared` step, or None when still active at the end of the log.
        seconds_to_acknowledge: seconds from raised_at to acknowledged_at, or None (the `alarms`
            view's measure; the review's "To ack" is `response_seconds`, from the highest
            priority). The wall-clock steps logged between them are taken off
            (`clock_steps.seconds_between`); NaN (`clock_steps.UNKNOWN_SECONDS`) when a step an
            older console logged may lie between them.
        value: the value that raised it, or None.
        threshold: the limit as shown (e.g. `≥180`); '' when none.
        message: the banner text when it was raised.
        steps: every step in commit order.
        taken_back: '' or what became of the typed value that raised it ("value entered in
            error", "value corrected to 160 mmHg"): such an alarm stands in the record as it
            sounded, marked, not as the patient's event.
        clock_steps: the session's wall-clock steps (`clock_stepped`) that may come within it,
            to measure its times by (`seconds_from_highest`); () when none was logged.
    """

    occurrence: int
    condition: str
    category: str
    priority: str
    raised_at: datetime
    acknowledged_at: datetime | None
    cleared_at: datetime | None
    seconds_to_acknowledge: float | None
    value: float | None
    threshold: str
    message: str
    steps: tuple[AlarmStep, ...]
    taken_back: str = ""
    clock_steps: tuple[ClockStep, ...] = ()

    # The response at the highest priority (QA: a high alarm read "To ack 45 s", the time its
    # earlier medium phase was acknowledged, when the high one was acknowledged 20 s after it
    # escalated). An audit of high-alarm response measures from when the alarm reached its
    # highest priority to the first acknowledgement after that. Steps are in commit order, so
    # an escalation and an acknowledgement stamped alike keep the order they happened in.

    def _highest_index(self) -> int:
        return next((i for i, s in enumerate(self.steps) if s.priority == self.priority), 0)

    @property
    def highest_step(self) -> AlarmStep | None:
        """The row where the occurrence first reached its highest priority; None without rows."""
        return self.steps[self._highest_index()] if self.steps else None

    @property
    def highest_at(self) -> datetime:
        """When the occurrence first reached its highest priority (`raised_at` if raised at it)."""
        highest = self.highest_step
        return highest.at if highest is not None else self.raised_at

    def _at_highest(self, transition: str) -> tuple[AlarmStep, ...]:
        return tuple(s for s in self.steps[self._highest_index():] if s.transition == transition)

    @property
    def acknowledgements_at_highest(self) -> tuple[AlarmStep, ...]:
        """The `acknowledged` steps from when it reached its highest priority on."""
        return self._at_highest("acknowledged")

    @property
    def response(self) -> AlarmStep | None:
        """The first acknowledgement after it reached its highest priority, or None."""
        found = self.acknowledgements_at_highest
        return found[0] if found else None

    @property
    def response_reset(self) -> AlarmStep | None:
        """The first `reset` after it reached its highest priority (a latched alarm is answered
        by a reset), or None."""
        found = self._at_highest("reset")
        return found[0] if found else None

    @property
    def condition_ended_at(self) -> datetime | None:
        """When its condition ended: `cleared_at`, or for a latched alarm its `latched` step (the
        excursion was over; the alarm stayed on screen until the nurse reset it). A clinician
        read a 4-minute desaturation as 21 minutes when the reset's time stood for its end."""
        last = next((s for s in reversed(self.steps) if s.transition not in ("reset", "cleared")),
                    None)
        if last is not None and last.transition == "latched":
            return last.at
        return self.cleared_at

    @property
    def response_seconds(self) -> float | None:
        """Seconds from `highest_at` to `response` (`seconds_from_highest`), or None when it was
        not acknowledged then."""
        step = self.response
        return self.seconds_from_highest(step) if step is not None else None

    def seconds_from_highest(self, step: AlarmStep) -> float:
        """Seconds from `highest_at` to `step` (a later step of this occurrence), less the
        wall-clock steps logged between them (`clock_steps.seconds_between`: NTP setting the
        clock an hour forward read as an hour to acknowledge); NaN when it cannot be known."""
        highest = self.highest_step
        if highest is None:
            return round((step.at - self.raised_at).total_seconds(), 3)
        return seconds_between(highest, step, self.clock_steps, self.raised_at)

    @property
    def earlier_acknowledgements(self) -> tuple[AlarmStep, ...]:
        """Acknowledgements made before it reached its highest priority (at a lower one)."""
        return tuple(s for s in self.steps[:self._highest_index()]
                     if s.transition == "acknowledged")


@dataclass(frozen=True, slots=True)
class AudioPause:
    """A board-wide audio pause (events `audio_paused` and the `audio_resumed` that ended it).

    Attributes:
        paused_at: when the nurse paused alarm audio.
        paused_by: who paused it.
        message: the text logged with the pause (e.g. `Audio paused for 120 s`).
        resumed_at: time of the first `audio_resumed` after the pause, or None when the log holds
            none (the session ended while paused). A second pause before a resume is its own
            `AudioPause` and shares that resume time.
        resume_message: why audio resumed (`Audio pause ended`, or a new alarm broke through); ''
            when not resumed.
        event_id: the id of its `audio_paused` event (0: not known), which places it among the
            alarm rows (`SessionDetail.logged_clocks`) where a clock step made its time come
            twice.
        resumed_event_id: the id of that `audio_resumed` event (0: none, or not known).
    """

    paused_at: datetime
    paused_by: str
    message: str
    resumed_at: datetime | None
    resume_message: str
    event_id: int = 0
    resumed_event_id: int = 0


@dataclass(frozen=True, slots=True)
class ChecklistTick:
    """A checklist item ticked (event `checklist_ticked`).

    Attributes:
        phase: phase id the item belongs to.
        item: item id within the phase.
        text: the item's text as shown when ticked.
        note: the nurse's note with the tick ('' for none).
        who: the nurse who ticked it.
        at: when.
        event_id: its event's id (0: not known), to place it among clock steps.
        withdrawn_at: when the tick was taken back (a value it attested entered in error: the
            `entered_in_error` event's `unticked`), the item open again; None while it stands.
        withdrawn_because: that value in words ("Systolic BP 138 mmHg entered in error").
    """

    phase: str
    item: str
    text: str
    note: str
    who: str
    at: datetime
    event_id: int = 0
    withdrawn_at: datetime | None = None
    withdrawn_because: str = ""


@dataclass(frozen=True, slots=True)
class Override:
    """A refusal overridden with a reason (event `override`).

    Attributes:
        at: when.
        who: who overrode (nurse, or the prescriber named by the nurse).
        what: the action forced: `end_phase` or `discharge`.
        phase: the phase id for `end_phase`; '' otherwise.
        blockers: the reasons the console gave for refusing.
        reason: the reason given for overriding.
        event_id: its event's id (0: not known), the order it was logged in.
    """

    at: datetime
    who: str
    what: str
    phase: str
    blockers: tuple[str, ...]
    reason: str
    event_id: int = 0


@dataclass(frozen=True, slots=True)
class Note:
    """Free text attached to the session.

    Attributes:
        at: when it was written.
        who: its author.
        text: the text.
        kind: the event kind: `note` (written during the session), `review_note` (an annotation
            added afterwards in review; see `queries.annotate`), or another kind a session used
            for text (e.g. `adverse_event`).
        event_id: its event's id (0: not known), the order it was logged in.
        entered_in_error: an observation noted with a button ("Vomiting") taken back since (an
            `entered_in_error` event names it): it counts nowhere, and is shown marked.
        withdraws: kind `entered_in_error`: the taking back of an observation noted with a
            button, whose text this is ("Vomiting"); `text` is the reason given.
    """

    at: datetime
    who: str
    text: str
    kind: str = "note"
    event_id: int = 0
    entered_in_error: bool = False
    withdraws: str = ""


@dataclass(frozen=True, slots=True)
class PhaseSpan:
    """One phase as it was run (events `phase_started` / `phase_ended`).

    Attributes:
        id: phase id from the protocol (`pre`, `infusion`, `observation`, ...).
        name: phase name shown to the nurse.
        kind: phase kind from the protocol (`pre`, `dosing`, `observation`, `discharge`, ...).
        started_at: when it started.
        ended_at: when it ended (the next phase's start, or discharge/session end); None when the
            log ends inside it.
        started_by: who started it.
        started_event: the id of the event that started it (0: not known).
        ended_event: the id of the event that ended it; None when none did (the log ends inside
            it, or the session's end without an event ended it): every later step is within it.
    """

    id: str
    name: str
    kind: str
    started_at: datetime
    ended_at: datetime | None
    started_by: str
    started_event: int = 0
    ended_event: int | None = None


@dataclass(frozen=True, slots=True)
class ScaleObservation:
    """A scale or score entered by the nurse (MOAA/S, nausea, CADSS, hallucinations, Aldrete ...).

    Attributes:
        at: when it was entered; a corrected score: when the score it corrects was (for a
            correction of a correction, the first one's), as `Correction.replaced_seconds`.
        metric: the metric name (`moaas`, `nausea`, `dissociation`, `hallucinations`, `fatigue`,
            `aldrete`).
        value: the score.
        who: who entered it (`entered_by`; a corrected score: who corrected it).
        observation_id: `observations.id` of the row.
        replaced: for a corrected score, the score it replaced (the 2 of "4 (corrected from
            2)"); else None.
    """

    at: datetime
    metric: str
    value: float
    who: str
    observation_id: int
    replaced: float | None = None


@dataclass(frozen=True, slots=True)
class VitalSeries:
    """Every valid (not corrected) value of one vital sign, in commit order.

    Attributes:
        metric: `bp_systolic`, `bp_diastolic`, `bp_mean`, `heart_rate`, `pulse_rate`,
            `resp_rate`, `spo2` (or any non-scale metric found in the log).
        unit: unit of the values as stored (`mmHg`, `beats/min`, `breaths/min`, `%`).
        times: `received_at` of each value (when the console had it).
        seconds: the same times as seconds since the session started (for plotting).
        values: the values.
        manual: True where the value was typed by a nurse (source `manual`).
        ids: the `observations.id` of each value, to place it among the logged clock steps
            (`clock_steps.RowPlaces`); () when not known.
        beyond: `<` or `>` for each value a monitor sent as the limit of its range (SN `<^5`:
            below 5, kept as 5 flagged `<`, devices/hl7/decoder.py), '' for the others; ()
            when not known.
        placed: where the trend places each value (`TrendFeed.placed_at`: a cuff at its
            measured time unless its monitor's clock is off, a correction where the measurement
            it corrects is, any other at `times`); () when not known (then `times`).
        history: True for a BP the bedside took as history (`SessionEngine._superseded`:
            measured before the one that stood when it came); () when not known.
    """

    metric: str
    unit: str
    times: tuple[datetime, ...]
    seconds: tuple[float, ...]
    values: tuple[float, ...]
    manual: tuple[bool, ...]
    ids: tuple[int, ...] = ()
    beyond: tuple[str, ...] = ()
    placed: tuple[datetime, ...] = ()
    history: tuple[bool, ...] = ()

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True, slots=True)
class Observation:
    """One row of `observations`, as stored (loaded only on request: exports need it).

    Attributes:
        id: `observations.id`.
        metric, value, unit, source, channel: as stored (`source` is `manual` or the device).
        flags: the device's or entry's flags (e.g. `artifact`).
        measured_at: device measurement time, or None when unknown.
        received_at: when the console received (or the nurse entered) the value.
        entered_by: the nurse for manual values, `engine` for device values.
        confirmed: a nurse confirmed an implausible manual value.
        corrects: the id this row corrects, or None.
        corrected: True when another row corrects this one (the value is superseded).
    """

    id: int
    metric: str
    value: float
    unit: str
    source: str
    channel: str
    flags: tuple[str, ...]
    measured_at: datetime | None
    received_at: datetime
    entered_by: str
    confirmed: bool
    corrects: int | None
    corrected: bool

    @property
    def manual(self) -> bool:
        return self.source == "manual"


@dataclass(frozen=True, slots=True)
class Correction:
    """A value corrected after it was logged (event `correction`).

    Attributes:
        at: when the correction was made.
        who: who corrected it.
        metric: the metric corrected.
        corrects: id of the observation replaced.
        value: the new value; for a value entered in error, the value taken back.
        reason: the reason given.
        entered_in_error: the value was taken back with no new value (event `entered_in_error`):
            it counts nowhere, and the review says who took it back and why.
        replaced_value: the value the corrected row held (the typed 250 of "150 (corrected
            from 250)"); None for a value entered in error, or when the row is not in the log.
        replaced_seconds: when the measurement it corrects was recorded (that row's
            `received_at`; for a correction of a correction, the first row's), as seconds since
            the session started; None as for `replaced_value`. The vitals table shows the new
            value at this time, not the correction's (an audit found it at the correction's
            time, unmarked). Seconds, not a time: a de-identified copy shifts every time and
            this stays true.
        event_id: its event's id (0: not known), the order it was logged in.
        reopened: the pre-dose items whose tick it took back (their texts as ticked): open
            again at the chair until ticked on a value that stands.
    """

    at: datetime
    who: str
    metric: str
    corrects: int
    value: float
    reason: str
    entered_in_error: bool = False
    replaced_value: float | None = None
    replaced_seconds: float | None = None
    event_id: int = 0
    reopened: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BaselineChange:
    """The baseline of a vital changed after T0 (event `baseline_set`): its first value after T0
    when T0 had none, or the value T0 fixed it on corrected or entered in error.

    Attributes:
        at: when.
        metric: the vital.
        value: its baseline from then on; None: none any more.
        why: the record that changed it, in words ("entered in error", "corrected"); '' for
            its first value after T0.
        event_id: its event's id, the order it was logged in.
    """

    at: datetime
    metric: str
    value: float | None
    why: str
    event_id: int = 0


@dataclass(frozen=True, slots=True)
class GateDecision:
    """A prescriber decision recorded to pass a dosing gate (event `gate_decision`).

    Attributes:
        at, who: when and by whom it was entered.
        item: the checklist item it unlocked.
        values: the values that reached the gate, as shown.
        decision: the decision text.
        event_id: its event's id (0: not known), the order it was logged in.
    """

    at: datetime
    who: str
    item: str
    values: tuple[str, ...]
    decision: str
    event_id: int = 0


@dataclass(frozen=True, slots=True)
class DischargeRefusal:
    """The console refused to discharge (event `discharge_refused`).

    Attributes:
        at, who: when and who asked.
        reasons: the reasons given.
        event_id: its event's id (0: not known), the order it was logged in.
    """

    at: datetime
    who: str
    reasons: tuple[str, ...]
    event_id: int = 0


@dataclass(frozen=True, slots=True)
class DeviceStateChange:
    """The monitor connection changed (event `device_state`).

    Attributes:
        at: when.
        state: `connecting`, `connected`, `stale`, `disconnected` ...
        detail: the transport's explanation ('' for none).
    """

    at: datetime
    state: str
    detail: str


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One row of `events`, as stored (for the "everything" view).

    Attributes:
        id: `events.id` (commit order).
        at: when.
        kind: the stable key (`phase_started`, `note`, `override`, ...).
        actor: who did it, or `engine`.
        detail: the JSON detail as a dict.
    """

    id: int
    at: datetime
    kind: str
    actor: str
    detail: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of the merged "everything" view: an event or an alarm step.

    Attributes:
        at: when.
        source: `event` (a row of `events`) or `alarm` (a row of `alarm_events`).
        kind: the event kind, or `alarm_<transition>` for alarm steps.
        actor: who, or `engine`.
        text: a one-line readable description.
    """

    at: datetime
    source: str
    kind: str
    actor: str
    text: str


@dataclass(frozen=True, slots=True)
class Restart:
    """The console restarted in the middle of the session (a `session_resumed` event): it
    stopped at some moment between the last record before it and the restart, and from then
    nothing was monitored or recorded. Nothing logs that it runs between records, so that gap
    is an upper bound (`content.restart_text`). Shown in the notes, beside an alarm's time to
    acknowledge that spans it, and in the course (a clinician's audit: a 7-minute outage read
    as an 8:30 min response by the nurse).

    Attributes:
        last_record: the time of the session's last record (event, alarm step or reading
            received) before the restart: the console ran at least until then.
        resumed: when the restarted console took the session up again.
        by: who resumed it.
        alarms_restored: the alarms it restored as they were.
        after_row: the `alarm_events` id of the session's last alarm row logged before it (0:
            none was; its `ALARM_ROWS_BEFORE`), or None when the log does not say (an older
            console): then only its times place it among an alarm's rows.
        event_id: the id of its `session_resumed` event (0: not known).
    """

    last_record: datetime
    resumed: datetime
    by: str
    alarms_restored: int
    after_row: int | None = None
    event_id: int = 0

    @property
    def unrecorded_seconds(self) -> float:
        """Seconds from the last record to the restart: the longest the console may have been
        stopped (it ran at least until its last record)."""
        return max(0.0, (self.resumed - self.last_record).total_seconds())


@dataclass(frozen=True, slots=True)
class SessionDetail:
    """Everything the log holds about one session, ready to show, print or export.

    Attributes:
        summary: the list line (ids, patient, protocol, times, dose, alarm figures).
        details: `sessions.details` as confirmed at the start (dose_mg, pump_rate_ml_h, chosen_mg,
            protocol_name, device binding, course information ...).
        protocol_version: the protocol version logged at the start (same as the summary's).
        phases: phases in the order run.
        t0: start of the first dosing phase (event `dosing_started`), or None if never dosed.
        baseline: the baselines that stand (metric -> value): those logged at T0, each
            `baseline_set` after it applied in log order (a value entered in error goes back to
            the one before it, as the chair and the trend did); {} if never dosed.
        vitals: metric -> series of valid values, for each vital present in the log.
        scales: valid scale/score entries in time order.
        alarms: alarm occurrences in order raised.
        audio_pauses: board-wide audio pauses in time order.
        ticks: checklist ticks in time order.
        overrides: overrides in time order.
        notes: notes written during the session (kind `note` and other text kinds), time order.
        annotations: review notes added after the fact (kind `review_note`), time order.
        corrections: corrections of logged values, time order.
        gate_decisions: prescriber gate decisions, time order.
        discharge_refusals: refused discharge attempts, time order.
        device_states: monitor connection changes, time order.
        events: every `events` row of the session in commit order (the "everything" view).
        observations: every `observations` row (corrected ones included) in commit order when
            loaded with `with_observations=True` (exports); () otherwise.
        discharge: the `discharged` event's detail (minutes_from_t0, minutes_total), or None.
        deidentified: a copy made by `console.export.deidentify` (pseudonym, shifted times):
            every file written from it says so.
        restarts: each restart of the console in the session (`Restart`), time order.
        baseline_changes: the `baseline_set` events after T0, in log order.
    """

    summary: SessionSummary
    details: Mapping[str, Any]
    protocol_version: str
    phases: tuple[PhaseSpan, ...]
    t0: datetime | None
    baseline: Mapping[str, float]
    vitals: Mapping[str, VitalSeries]
    scales: tuple[ScaleObservation, ...]
    alarms: tuple[AlarmEpisode, ...]
    audio_pauses: tuple[AudioPause, ...]
    ticks: tuple[ChecklistTick, ...]
    overrides: tuple[Override, ...]
    notes: tuple[Note, ...]
    annotations: tuple[Note, ...]
    corrections: tuple[Correction, ...]
    gate_decisions: tuple[GateDecision, ...]
    discharge_refusals: tuple[DischargeRefusal, ...]
    device_states: tuple[DeviceStateChange, ...]
    events: tuple[LoggedEvent, ...]
    observations: tuple[Observation, ...] = ()
    discharge: Mapping[str, Any] | None = None
    deidentified: bool = False
    restarts: tuple[Restart, ...] = ()
    baseline_changes: tuple[BaselineChange, ...] = ()

    def discharge_override(self) -> Override | None:
        """The override that discharged this session against the discharge gate, or None when
        the gate allowed the discharge (or there was none).

        The engine logs it as an `override` with action `discharge` in the same step as, and
        just before, the `discharged` event; an override that only ended a phase early is not
        one (the gate may have passed by the discharge).
        """
        discharged = self.summary.discharged_at
        if discharged is None:
            return None
        return next((o for o in reversed(self.overrides)
                     if o.what == "discharge" and o.at <= discharged), None)

    def logged_steps(self) -> tuple[LoggedStep, ...]:
        """The session's wall-clock steps (`clock_stepped`), placed among its events."""
        return logged_steps(self.events)

    def phase_seconds(self, phase: PhaseSpan) -> float | None:
        """How long `phase` ran: its logged times net of the clock steps logged within it (review
        45: NTP an hour forward during a 40-minute infusion read "1:40 h"); None while it runs."""
        if phase.ended_at is None:
            return None
        end = AFTER_EVERY_EVENT if phase.ended_event is None else phase.ended_event
        return logged_seconds(phase.started_at, phase.started_event, phase.ended_at, end,
                              self.logged_steps())

    def session_seconds(self) -> float | None:
        """How long the session ran, from its start to its end: net of the clock steps logged in
        it (`phase_seconds`); None while it is open."""
        s = self.summary
        if s.ended_at is None:
            return None
        return session_seconds(s.started_at, s.ended_at, self.events)   # the list's rule too

    def events_by_id(self) -> dict[int, LoggedEvent]:
        """The session's events by id."""
        return {e.id: e for e in self.events}

    def first_dose(self) -> tuple[AlarmRow, float] | None:
        """The first dose's record (the first device's tick, else T0's `dosing_started`; of
        id 0 where the record lacks its event) and its seconds after T0 (`first_dose_row`);
        None before T0."""
        if self.t0 is None:
            return None
        t0 = self.t0_event() or LoggedAt(self.t0, SESSION_START_ID)
        devices = [LoggedAt(t.at, t.event_id) for t in self.ticks
                   if device_number(t.item) is not None]
        return first_dose_row(t0, devices, self.logged_steps())

    def t0_event(self) -> LoggedEvent | None:
        """The `dosing_started` event that set T0 (the first dose), or None before it."""
        return self.event_named("dosing_started", self.t0) if self.t0 is not None else None

    def event_named(self, kind: str, at: datetime | None = None) -> LoggedEvent | None:
        """The session's first event of `kind` (logged at `at` when given), or None."""
        return next((e for e in self.events if e.kind == kind and (at is None or e.at == at)),
                    None)

    def timeline(self) -> list[TimelineEntry]:
        """Events and alarm steps merged in the order the console wrote them (`logged_rows`)."""
        entries = []
        texts = ticked_texts(self.ticks)
        dose = self.first_dose()
        for row in self.logged_rows():
            if isinstance(row, LoggedEvent):
                entries.append(TimelineEntry(row.at, "event", row.kind, row.actor, describe_event(
                    row.kind, row.detail, texts, dose[1] if dose is not None else 0.0)))
            else:
                episode, step = row
                entries.append(TimelineEntry(
                    step.at, "alarm", f"alarm_{step.transition}", step.actor,
                    f"{step.priority} {episode.condition} {step.transition}: {step.message}",
                ))
        return entries

    def logged_rows(self) -> list[LoggedEvent | tuple[AlarmEpisode, AlarmStep]]:
        """The session's events and alarm rows (each with its occurrence) in the order the
        console logged them: events by their ids, which no clock step moves; an alarm row after
        the last clock step or restart logged before it, by the count of alarm rows each of
        those counted (`RowPlaces`, as the review's tables place it), and among the events
        logged on that clock by its time (`record_order` at one instant). Sorted by wall time,
        which a clock set back makes come twice, the events CSV began with "Station clock set
        back" and the note typed after it, above the session's start. Placed so with no step
        logged too: a restart on a clock behind its log (no step, "clock behind" raised) had the
        alarm raised before it listed after it and after its own acknowledgement. Where the log
        does not place its alarm rows (an older console's steps or restarts count none) they
        are merged by their times alone."""
        events, alarm_rows, event_clocks, row_clocks = self._clocks()
        Keyed = tuple[tuple[int, datetime, int], LoggedEvent | tuple[AlarmEpisode, AlarmStep]]
        by_event: list[Keyed] = [((c, *record_order(e.at, "event", e.kind)), e)
                                 for c, e in zip(event_clocks, events)]
        by_row: list[Keyed] = [((c, *record_order(s.at, "alarm")), (ep, s))
                               for c, (ep, s) in zip(row_clocks, alarm_rows)]
        # A merge, not a sort: each table stays in its own commit order whatever its times.
        return [row for _, row in merge(by_event, by_row, key=lambda k: k[0])]

    def logged_clocks(self) -> tuple[dict[int, int], dict[int, int]]:
        """The clock each event and each alarm row was logged on, by event id and by alarm row
        id: the id of the last clock step or restart logged before it (`SESSION_START_ID`:
        none was), as `logged_rows` merges them. Two records on one clock are in the order of
        their times; on two, in the order of those clocks, whatever their times (a step back
        makes the same times come twice). Every one `SESSION_START_ID` where the log does not
        place its alarm rows: their times alone order them."""
        events, alarm_rows, event_clocks, row_clocks = self._clocks()
        return ({e.id: c for c, e in zip(event_clocks, events)},
                {s.id: c for c, (_, s) in zip(row_clocks, alarm_rows)})

    def _clocks(self) -> tuple[list[LoggedEvent], list[tuple[AlarmEpisode, AlarmStep]],
                               list[int], list[int]]:
        """The events (by id), the alarm rows (by id) and the clock each was logged on
        (`logged_clocks`), in those orders."""
        events = sorted(self.events, key=lambda e: e.id)
        alarm_rows = sorted(((a, s) for a in self.alarms for s in a.steps),
                            key=lambda row: row[1].id)
        places = RowPlaces(events, ALARM_ROWS_BEFORE, [s.id for _, s in alarm_rows])
        after = [places.event_before(s.id) for _, s in alarm_rows]
        placed = all(a is not None for a in after)
        # Between two steps or restarts the rows share one clock: their times order them. Not
        # placed, every row is ordered by its time alone, as if on one clock.
        marks = ([e.id for e in events if e.kind in (CLOCK_STEPPED, SESSION_RESUMED)]
                 if placed else [])

        def clock_of(event_id: int) -> int:
            n = bisect_right(marks, event_id)
            return marks[n - 1] if n else SESSION_START_ID

        return (events, alarm_rows, [clock_of(e.id) for e in events],
                [a if placed and a is not None else SESSION_START_ID for a in after])

    def hand_overs(self) -> list[LoggedEvent]:
        """The session's hand-overs (events `handed_over` {from, to}, by the nurse taking
        over), in order: who ran the session when."""
        return [e for e in self.events if e.kind == HANDED_OVER]

    def nurses(self) -> list[tuple[str, datetime | None]]:
        """Every nurse who ran the session, in order, with when each took it over (None: the
        nurse who started it)."""
        out: list[tuple[str, datetime | None]] = [(self.summary.nurse, None)]
        out.extend((str(e.detail.get("to") or e.actor), e.at) for e in self.hand_overs())
        return out

    def closed_before(self, restart: Restart) -> LoggedEvent | None:
        """The `console_closed` event (a nurse closed the console, or the system stopped it)
        that the console's `restart` followed, or None: it crashed, or lost its power. Logged
        since the previous restart, at or before this one."""
        since = max((r.resumed for r in self.restarts if r.resumed < restart.resumed),
                    default=None)
        return next((e for e in reversed(self.events)
                     if e.kind == CONSOLE_CLOSED and e.at <= restart.resumed
                     and (since is None or e.at > since)), None)

    def scale_values(self, metric: str) -> list[ScaleObservation]:
        """The valid entries of one scale, in time order."""
        return [s for s in self.scales if s.metric == metric]


@dataclass(frozen=True, slots=True)
class CourseRow:
    """One session of a patient's course, reduced to the figures compared across sessions.

    Minutes are counted from the session's start (`started_at`) as the console's timers ran: a
    wall-clock step it logged (NTP) left out, as the session's own "Min" column and phase lengths
    count them (`clock_steps`; review 45: NTP an hour forward read a BP typed at T0 + 30 "T0 +
    90", and a clock set back 30 min an infusion run whole "ended at 10 of 40 min"). A minute
    known only by a reading's time is NaN (`clock_steps.UNKNOWN_SECONDS`) where a step back
    leaves it on either side (the clock read its time twice). `t0_minute` tells where the first
    dose was given on the same scale. Figures are None when the session logged no such value.

    Attributes:
        session_id: `sessions.id`.
        session_number: the patient's session number.
        started_at: when the session started (its date is the course date).
        protocol_id: protocol used.
        protocol_version: its version as the session row logged it at the start (what the
            course names when the session logged no protocol text, `protocol`).
        dose_mg: dose confirmed at the start.
        t0_minute: minutes from start to the first dose, or None: T0, or for nasal devices the
            first device recorded given when that came later (`first_dose_row`, as the
            session's header counts; the course had counted from the T0 confirmation).
        first_dose_at: when that first dose was logged (its wall time: the course trend's
            minute 0, where the session's own trend marks "T0 dose"), or None.
        peak_systolic: highest valid systolic BP (mmHg) and `peak_systolic_minute` when (first
            time reached).
        peak_diastolic / peak_diastolic_minute: the same for diastolic BP.
        min_spo2: lowest valid SpO2 (%).
        min_resp_rate: lowest valid respiratory rate (breaths/min).
        alarms_high / alarms_medium / alarms_low / alarms_info: alarm occurrences by the highest
            priority they reached.
        alarms_high_taken_back: of the high ones, those a typed value raised that was then
            entered in error or corrected.
        peak_heart_rate / peak_heart_rate_minute: highest valid heart rate (beats/min) and when;
            where no ECG sent one, the higher of a typed heart rate and the pulse rate.
        max_nausea, max_dissociation, max_hallucinations, max_fatigue: highest score entered.
        min_moaas: lowest MOAA/S entered (deepest sedation).
        minutes_to_discharge: minutes from start to the `discharged` event, or None.
        demo: demonstration session.
        still_open: the session never ended (left open by a crash, or running now).
        against_gate: discharged over the discharge gate's refusal.
        dosing_minutes: how long the dosing phase ran (T0 to the next phase, or to the
            session's end when it ended in it), or None while it runs or when never dosed: an
            infusion stopped at 11 of 40 min gave less than its dose.
        restarts: the console's restarts in the session (`Restart`).
        last_record_minute: for a session never ended (`still_open`), minutes from the start
            to its last record (event, alarm step or reading; review notes left out): where its
            record stops (an infusion still running then was not seen to its end); None for a
            session that ended.
        ticked: the checklist items ticked, by id, in the order ticked: the nasal devices
            recorded given (`console.session.dosing.devices_ticked`), for a dose by devices.
        protocol: the protocol the session logged at its start (`PROTOCOL_IN_FORCE`), which its
            dose is judged against, as its header is; None when it logged none it can read (the
            installed file with `protocol_id` stands in). The file installed today had judged
            the dose (a clinic lengthening its infusion read every earlier full dose as stopped).
        weight_kg: the weight the session's dose was worked out from (`sessions.weight_kg`):
            the same mg/kg had read "36 mg" then "40 mg" in the course, a dose raised to the
            eye (a patient weighed 72 kg, then 80 kg).
        beyond: (figure's metric, "<" or ">") for each figure above that is a monitor's value
            beyond its range, kept as the limit (`VitalSeries.beyond`): its lowest RR "<5", not
            a rate of 5 the monitor never measured.
    """

    session_id: int
    session_number: int
    started_at: datetime
    protocol_id: str
    dose_mg: float | None
    t0_minute: float | None
    peak_systolic: float | None
    peak_systolic_minute: float | None
    peak_diastolic: float | None
    peak_diastolic_minute: float | None
    min_spo2: float | None
    min_resp_rate: float | None
    alarms_high: int
    alarms_medium: int
    alarms_low: int
    alarms_info: int
    max_nausea: float | None
    max_dissociation: float | None
    max_hallucinations: float | None
    min_moaas: float | None
    max_fatigue: float | None
    minutes_to_discharge: float | None
    demo: bool = False
    alarms_high_taken_back: int = 0
    peak_heart_rate: float | None = None
    peak_heart_rate_minute: float | None = None
    still_open: bool = False
    against_gate: bool = False
    dosing_minutes: float | None = None
    restarts: tuple[Restart, ...] = ()
    last_record_minute: float | None = None
    ticked: tuple[str, ...] = ()
    protocol: Protocol | None = None
    weight_kg: float | None = None
    beyond: tuple[tuple[str, str], ...] = ()
    first_dose_at: datetime | None = None
    protocol_version: str = ""


def first_dose_row(t0: AlarmRow, devices: Iterable[AlarmRow],
                   steps: Sequence[LoggedStep]) -> tuple[AlarmRow, float]:
    """The first dose of a session dosed at `t0` (its `dosing_started`) and its seconds after
    T0: the first nasal device recorded given (`devices`: their ticks, first in the log's
    order: by id, by time where an id is not known, 0) when it came after T0 as the console's
    timers ran (net of the clock `steps` logged between), else T0. The engine's rule
    (`SessionEngine._first_dose`: the timers, the discharge gate and the checks timed after T0
    count from it; README, "Esketamine": the label's times count from the first device): the
    one the review's header (`content.first_dose`), its checks, its events' words, the course
    and the REMS draft take (a session's: `SessionDetail.first_dose`)."""
    listed = list(devices)
    if not listed:
        return t0, 0.0
    by_id = all(d.id for d in listed)
    first = min(listed, key=lambda d: d.id if by_id else d.at.timestamp())
    if t0.id and first.id:
        seconds = logged_seconds(t0.at, t0.id, first.at, first.id, steps)
    else:
        seconds = (first.at - t0.at).total_seconds()   # a record without its events: by times
    return (first, seconds) if seconds > 0 else (t0, 0.0)


def correction_text(metric: str, value: float | None, reason: str, entered_in_error: bool,
                    reopened: Sequence[str] = ()) -> str:
    """"Sedation (MOAA/S) 1 taken back: clicked 1", "Systolic BP corrected to 160: typed 240";
    a value entered in error that took back pre-dose ticks names the items open again ("…;
    checklist item open again: Baseline BP below 140/90"): the chair refused dosing until
    re-ticked. "Checklist", not "gate": a baseline CADSS's item has no gate (its `needs`)."""
    m = METRICS.get(metric)
    label = m.label if m is not None else metric
    shown = m.format(value) if m is not None and value is not None else f"{value}"
    if entered_in_error:
        again = (f"; checklist item{'s' if len(reopened) > 1 else ''} open again: "
                 f"{'; '.join(reopened)}" if reopened else "")
        return f"{label} {shown} taken back: {reason}{again}"
    return f"{label} corrected to {shown}: {reason}"


def withdrawn_text(text: str, reason: str) -> str:
    """"Vomiting taken back: undone by the nurse within 10 s": an observation noted with a
    button, entered in error, in `correction_text`'s words for a value."""
    return f"{text} taken back: {reason}"


def ticked_texts(ticks: Iterable[ChecklistTick]) -> dict[tuple[str, str], str]:
    """(phase, item) -> the text each checklist item was ticked with: the `item_texts` of
    `describe_event` and `reopened_items`, so the timeline, the Notes and the events CSV name an
    item a value entered in error took back alike (the CSV had said "baseline_bp" where the
    review said "Baseline BP below 140/90")."""
    return {(t.phase, t.item): t.text for t in ticks if t.text}


def reopened_items(detail: Mapping[str, Any],
                   item_texts: Mapping[tuple[str, str], str] | None = None) -> tuple[str, ...]:
    """The pre-dose items an `entered_in_error` event's `unticked` took back, by the text they
    were ticked with (`item_texts`, (phase, item) -> text) else their ids."""
    texts = item_texts or {}
    out = []
    for taken in detail.get("unticked") or ():
        key = (str(taken.get("phase", "")), str(taken.get("item", "")))
        out.append(texts.get(key) or key[1])
    return tuple(out)


def describe_event(kind: str, detail: Mapping[str, Any],
                   item_texts: Mapping[tuple[str, str], str] | None = None,
                   dose_after_t0_s: float = 0.0) -> str:
    """A one-line readable text for an `events` row (used by the timeline and the events CSV).
    `item_texts`: (phase, item) -> the text a checklist item was ticked with, to name an item a
    value entered in error took back (else its id). `dose_after_t0_s`: the session's first dose
    in seconds after T0 (`SessionDetail.first_dose`), for a discharge's minutes from it."""
    d = detail
    if kind == "phase_started":
        return f"Phase started: {d.get('name') or d.get('phase')}"
    if kind == "phase_ended":   # the phase's name since it is logged with it; its id before
        return f"Phase ended: {d.get('name') or d.get('phase')}"
    if kind == "checklist_ticked":
        note = f" ({d['note']})" if d.get("note") else ""
        return (f"Ticked: {d.get('text') or d.get('item')}{note}{early_text(d.get('early') or {})}"
                f"{beyond_text(d.get('beyond_dose') or {})}")
    if kind == "override":
        blockers = "; ".join(d.get("blockers", []))
        # The overridden act in words: "Override of end_phase" printed a program's name on
        # signed records (a clinician's audit).
        act = {"end_phase": f"Phase {d.get('phase')} ended against its checklist or rules",
               "discharge": "Discharge against the discharge gate"}.get(
                   str(d.get("action")), f"Override of {d.get('action')}")
        return f"{act}: {d.get('reason')} (refused because: {blockers})"
    if kind == PROTOCOL_IN_FORCE:   # its text in the row's detail: the limits the session ran under
        return (f"Protocol in force: {d.get('protocol_id')} version {d.get('version')}, as its "
                f"file read at the start (SHA-256 {str(d.get('sha256'))[:12]}…)")
    if kind == "dosing_started":
        base = baseline_text(d.get("baseline", {}))
        return f"Dosing started (T0); baseline {base}" if base else "Dosing started (T0)"
    if kind == "gate_decision":
        # No values: a BP under the gate came while the prescriber was asked; the decision
        # given is kept all the same (console/session/engine.py `tick_item`).
        values = "; ".join(d.get("values", [])) or "no value over the gate when recorded"
        return f"Gate decision for {d.get('item')}: {d.get('decision')} ({values})"
    if kind == "discharge_refused":
        return f"Discharge refused: {'; '.join(d.get('reasons', []))}"
    if kind == "discharged":
        # A session never dosed has no T0: it read "Discharged (None min from T0, …)".
        from_t0 = d.get("minutes_from_t0")
        dosed = f"{from_t0} min from T0" if from_t0 is not None else "no dose given"
        if isinstance(from_t0, int | float) and dose_after_t0_s > 0:
            # The logged minutes count from the T0 confirmation; the header, the gate and the
            # REMS draft from the first device given after it (README, "Esketamine"): "135.0
            # min from T0" alone read as the 2 hours met for a discharge 125 min after the dose
            # (a clinician's review). The header's rounding (`content.discharge_minutes`).
            dosed = (f"{round(from_t0 - dose_after_t0_s / 60, 1)} min from the first dose, "
                     f"{from_t0} min from the T0 confirmation")
        return f"Discharged ({dosed}, {d.get('minutes_total')} min in total)"
    if kind == "session_ended":
        return "Session ended"
    if kind == SESSION_RESUMED:
        return f"Session resumed in phase {d.get('phase')}"
    if kind == HANDED_OVER:
        return f"Handed over: {isolated(str(d.get('from')))} → {isolated(str(d.get('to')))}"
    if kind == CONSOLE_CLOSED:   # the gap that follows was chosen, not a fault
        return ((f"Console stopped by the system ({d['signal']})" if d.get("signal")
                 else "Console closed by the nurse")
                + ": no monitoring until it was started again")
    if kind == "entered_in_error" and OBSERVED_AT in d:   # an observation noted with a button
        return withdrawn_text(str(d.get("text", "")), str(d.get("reason", "")))
    if kind in ("correction", "entered_in_error"):   # the Notes tab's words, not row ids
        value = d.get("value")
        return correction_text(str(d.get("metric", "")),
                               float(value) if isinstance(value, int | float) else None,
                               str(d.get("reason", "")), kind == "entered_in_error",
                               reopened_items(d, item_texts))
    if kind == "device_state":
        extra = f": {d['detail']}" if d.get("detail") else ""
        return f"Device {d.get('state')}{extra}"
    if kind in ("audio_paused", "audio_resumed", "device_resent", "clock_stepped"):
        return str(d.get("message", kind.replace("_", " ")))
    if kind == "threshold_changed":
        return f"Threshold {d.get('vital')} changed {d.get('old')} → {d.get('new')}"
    if "text" in d:
        label = "Review note" if kind == REVIEW_NOTE else kind.replace("_", " ").capitalize()
        return f"{label}: {d['text']}"
    # Any other kind in the event list's words (a central station's acknowledgement, a monitor
    # change, the clinic network, a device's drops): one wording for a kind, not two copies.
    # It printed the program's dict: "acknowledged at central {'occurrence': 3, …}".
    return event_text(kind, d)


# ---- signatures (issue 13) -----------------------------------------------------------------------

# Event kinds whose record needs a signature once the log has staff accounts, with the meaning
# it is signed with (console.identity.signatures.Meaning values; console/session/signing.py and
# the review sign them). `threshold_changed` has no writer yet: listed so that one added later
# shows as unsigned until it is signed.
NEEDS_SIGNATURE: Final[Mapping[str, str]] = {
    "override": PHASE_OVERRIDE,   # or a discharge's: `signature_meaning`
    "gate_decision": GATE_DECISION,
    "threshold_changed": "alarm limit change",
    "discharged": DISCHARGE,
    "correction": CORRECTION,
    "entered_in_error": CORRECTION,
    REVIEW_NOTE: REVIEW_ANNOTATION,
}


def signature_meaning(kind: str, detail: Mapping[str, Any]) -> str:
    """The meaning a record of `kind` is signed with (`NEEDS_SIGNATURE`): an override's depends
    on what it overrode (a phase's rules, or the discharge gate)."""
    if kind == "override" and detail.get("action") == "discharge":
        return DISCHARGE_OVERRIDE
    return NEEDS_SIGNATURE[kind]


@dataclass(frozen=True, slots=True)
class SignatureEntry:
    """One electronic signature of a session's record (a `signatures` row, 21 CFR Part 11).

    Attributes:
        at: when the signer entered the secret.
        account: the signer's account id.
        printed_name: the signer's name at signing.
        meaning: what the signature means.
        table, row_id: the record signed.
        record_at: when that record was written (None when it is gone).
        record: the record in one line (`describe_event` for an event).
        intact: the record still has the row_hash it had when signed (False: it was edited or
            deleted outside the console after signing; `verify` names it).
    """

    at: datetime
    account: int
    printed_name: str
    meaning: str
    table: str
    row_id: int
    record_at: datetime | None
    record: str
    intact: bool


@dataclass(frozen=True, slots=True)
class UnsignedRecord:
    """A record of a kind that needs a signature (`NEEDS_SIGNATURE`) but has none.

    Attributes:
        table, row_id: the record.
        at: when it was written.
        meaning: the signature it lacks.
        record: the record in one line.
    """

    table: str
    row_id: int
    at: datetime
    meaning: str
    record: str


@dataclass(frozen=True, slots=True)
class SessionSignatures:
    """A session's signatures and its records left unsigned. Kept apart from `SessionDetail`: it
    names staff, and a de-identified export simply does not receive it.

    Attributes:
        signatures: in the order given.
        unsigned: records written while the log had staff accounts (`enforced_since` on) that
            need a signature and have none (a crash between the record and its signature, a
            record held while the log could not be written, a session started before the first
            account); demo sessions sign nothing and list none.
        enforced_since: when the log's first staff account was created (None: no account, so
            nothing needs a signature).
    """

    signatures: tuple[SignatureEntry, ...] = ()
    unsigned: tuple[UnsignedRecord, ...] = ()
    enforced_since: datetime | None = None


# ---- the hash chain, for one session -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What the log's hash chain (console/store/chain.py) says about one session's records.

    `queries.check_session_chain` recomputes the hash of each of the session's rows (its
    `sessions` row, observations, alarm steps and events) on the stored hash of the row before it,
    checks that the row after each of them still chains onto it, and that its recorded end is the
    end it logged. It names the first row that does not match: a row edited, deleted or added with
    sqlite3 or another tool outside the console (`infusion-console verify` walks the whole log).

    Attributes:
        rows_checked: rows recomputed.
        first_bad: (table, row id) of the first row that does not match, or None.
        message: one sentence: what differs about that row, as `verify` words it; '' when intact.
        record: that row in words ("Systolic BP 146 mmHg"), or '' when it is not a row to
            describe (deleted, or not an observation, alarm step or event).
        record_at: when that row was written, or None.
        bad_rows: how many of the session's rows do not match (the first included).
    """

    rows_checked: int
    first_bad: tuple[str, int] | None = None
    message: str = ""
    record: str = ""
    record_at: datetime | None = None
    bad_rows: int = 0

    @property
    def ok(self) -> bool:
        """Every checked row matches the chain."""
        return self.first_bad is None


def baseline_text(baseline: Mapping[str, Any]) -> str:
    """The baseline in words and units, in the registry's order: "Systolic BP 128 mmHg,
    Diastolic BP 84 mmHg, Heart rate 70 beats/min" (it read "bp_diastolic 84, heart_rate 70");
    a score with no unit, as the chair says it (`Metric.spoken_unit`: "Dissociation (CADSS) 0",
    where the Checklist tab had read "... 0 score entered in error")."""
    order = {name: i for i, name in enumerate(METRICS)}
    parts = []
    for name in sorted(baseline, key=lambda n: (order.get(n, len(order)), n)):
        value = float(baseline[name])
        known = METRICS.get(name)
        parts.append(f"{known.label} {known.format(value)}{known.spoken_unit}" if known
                     else f"{name} {value:g}")
    return ", ".join(parts)
