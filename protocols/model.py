"""The typed model a protocol TOML file loads into. Pure data, no Qt, no I/O.

Key conventions (documented for clinic authors in protocols/README.md):
- Threshold comparisons name their edge: `above` (>), `at_or_above` (>=), `below` (<),
  `at_or_below` (<=). The defaults table mixes strict and inclusive limits, so the file says which.
- Baseline-relative limits (`rise_above_baseline`) compare against the patient's baseline: the last
  value of that metric recorded before the first dosing phase starts (or the first one after, when
  none was taken before).
- Every default carries `source`, shown to the nurse beside the limit.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

WEIGHT_RANGE_KG = (1.0, 400.0)
"""The weights a dose is computed for (the start screen and `--weight`: a weight outside it is
refused, confirmed or not). Here, not in the console, so that the loader judges a dose cap by the
same range (a cap no weight reaches caps nothing; one below the lightest caps every dose)."""


class Priority(enum.IntEnum):
    """Alarm priorities after IEC 60601-1-8; INFO is a prompt (never red, never flashing)."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class PhaseKind(enum.Enum):
    PRE = "pre"                   # checks before any drug is given
    DOSING = "dosing"             # infusion running, or nasal devices being given
    OBSERVATION = "observation"   # after the drug, until the exit conditions hold
    DISCHARGE = "discharge"       # discharge checklist and gate


class DoseMode(enum.Enum):
    WEIGHT = "weight"     # mg/kg over an infusion; pump rate from the bag volume
    DEVICES = "devices"   # fixed-dose nasal devices (28 mg each) with rests between


@dataclass(frozen=True, slots=True)
class Dose:
    """How the dose is computed and given.

    For WEIGHT: mg_per_kg, infusion_minutes, bag_volume_ml (the dose is diluted in this volume,
    so pump rate mL/h = bag_volume_ml / infusion_minutes * 60), max_mg (a hard cap, optional).
    For DEVICES: mg_per_device, allowed_mg (e.g. 56, 84), rest_minutes between devices.
    """

    mode: DoseMode
    source: str
    mg_per_kg: float = 0.0
    infusion_minutes: float = 0.0
    bag_volume_ml: float = 0.0
    max_mg: float | None = None
    mg_per_device: float = 0.0
    allowed_mg: tuple[float, ...] = ()
    rest_minutes: float = 0.0

    def dose_mg(self, weight_kg: float, chosen_mg: float | None = None) -> float:
        """The dose for this patient: weight-based (capped), or the chosen device dose."""
        if self.mode is DoseMode.WEIGHT:
            mg = weight_kg * self.mg_per_kg
            return min(mg, self.max_mg) if self.max_mg is not None else mg
        return chosen_mg if chosen_mg is not None else self.allowed_mg[0]

    def pump_rate_ml_per_h(self) -> float | None:
        if self.mode is not DoseMode.WEIGHT or self.infusion_minutes <= 0:
            return None
        return self.bag_volume_ml / self.infusion_minutes * 60.0

    def device_count(self, chosen_mg: float) -> int:
        return round(chosen_mg / self.mg_per_device) if self.mg_per_device else 0


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    id: str
    text: str
    required: bool
    # Set on a gate item (e.g. baseline BP): the value limits that, when exceeded, require a
    # logged prescriber decision before dosing. Keys: metric -> at_or_above limit.
    gate: tuple[tuple[str, float], ...] = ()
    # What the tick asks the nurse to type with it ("Lot number"), kept as the tick's note;
    # '' asks nothing. A device's lot number is a field of the REMS monitoring form.
    asks: str = ""
    # Values the item attests were recorded ("Baseline MOAA/S and CADSS scored": moaas,
    # dissociation): the tick is refused until each has a value in the session. All of them:
    # each entry is one value needed, given as its alternatives, any one of which counts (most
    # are one metric, ("moaas",); a baseline HR is ("heart_rate", "pulse_rate"): a pulse
    # oximeter's pulse rate is an acceptable baseline HR where no ECG sends a heart rate).
    needs: tuple[tuple[str, ...], ...] = ()
    # The item says the discharge's time has come ("Discharge time logged (not before T0 + 120
    # min)"): the tick is refused while the discharge gate's time from T0 runs.
    after_discharge_time: bool = False
    # Scheduled checks at fixed times after T0 the item attests were done ("REMS form fields
    # complete … BP at T+40": "BP at T+40"), by their [[phases.checks]] name: the tick is refused
    # until each of their times has had its reading.
    needs_checks: tuple[str, ...] = ()
    # Set on an item that asks yes or no ("Vital signs in an acceptable range (REMS form: yes
    # or no)"): what a "no" means, in the words the gate says ("Vital signs recorded not
    # acceptable ..."). Its note is read as the answer (`yes_no`): another one is refused, and
    # a "no", logged as given, does not satisfy the item (it had been a tick like any typed
    # note, and the patient went home on it: an esketamine review). '' for any other item.
    if_no: str = ""
    # Set on an item whose answer is a whole number of minutes (the REMS evaluation question:
    # "Minutes from the first device"): another answer is refused at the tick ("soon" had been
    # taken, and the REMS draft printed it as the minutes).
    asks_minutes: bool = False

    def answered_no(self, note: str) -> bool:
        """Whether `note`, the tick's answer, is a "no" that leaves this yes-or-no item unmet."""
        return bool(self.if_no) and yes_no(note) is False


YES_NO_ANSWERS = {"yes": True, "y": True, "no": False, "n": False}
"""The answers a yes-or-no item takes, as typed (any case, spaces around them aside)."""


def yes_no(answer: str) -> bool | None:
    """A yes-or-no answer as typed: True for yes ("yes", "Y"), False for no ("No", " n "), None
    for anything else ("acceptable", "yes and no"): a word that is not one of the two is not
    read as either."""
    return YES_NO_ANSWERS.get(answer.strip().lower())


@dataclass(frozen=True, slots=True)
class VitalsCheck:
    """A scheduled check: the listed metrics are due every `every_minutes` from the phase start,
    and/or at fixed minutes after T0 (the first dosing phase's start). A check is satisfied by a
    reading of every listed metric received at or after `due - early_minutes`. Overdue by more
    than `escalate_after_minutes` it becomes a medium-priority prompt.

    `metrics`: each entry one value the check asks for, given as its alternatives, any one of
    which counts, as `ChecklistItem.needs` (most are one metric, ("bp_systolic",); a heart rate
    is ("heart_rate", "pulse_rate"): an SpO2 + NIBP monitor sends no ECG heart rate, and "BP at
    T+40" asking for one stood overdue beside the oximeter's pulse: an esketamine review).
    """

    name: str
    metrics: tuple[tuple[str, ...], ...]
    every_minutes: float | None = None
    at_minutes_after_t0: tuple[float, ...] = ()
    early_minutes: float = 2.0
    escalate_after_minutes: float = 5.0
    source: str = ""

    @property
    def named(self) -> tuple[str, ...]:
        """Every metric the check names, alternatives too, in order."""
        return tuple(name for names in self.metrics for name in names)


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of a session.

    Attributes:
        duration_minutes: the phase's planned length (infusion 40 min); None = ends by the nurse.
        min_minutes: the phase cannot end before this (observation >= 30 min; esketamine counts
            from T0, see `min_minutes_from_t0`).
        min_minutes_from_t0: minimum measured from T0 rather than from the phase start.
        exit_bp_within_baseline_mmhg: observation ends only once systolic is back within this many
            mmHg of baseline and not rising.
        exit_min_moaas: MOAA/S at least this to leave (5 = fully alert).
    """

    id: str
    name: str
    kind: PhaseKind
    checklist: tuple[ChecklistItem, ...] = ()
    checks: tuple[VitalsCheck, ...] = ()
    duration_minutes: float | None = None
    min_minutes: float | None = None
    min_minutes_from_t0: float | None = None
    exit_bp_within_baseline_mmhg: float | None = None
    exit_min_moaas: int | None = None
    source: str = ""


def dosing_run(phases: Sequence[Phase]) -> tuple[Phase, ...]:
    """The dose's phases: the dosing phases in a row from the first (the loader keeps the kinds
    in order, so they are all of them). An infusion given as a 10-min start at close watch then
    30 min is one infusion of 40, which ends when the last of them ends."""
    first = next((i for i, p in enumerate(phases) if p.kind is PhaseKind.DOSING), len(phases))
    return tuple(itertools.takewhile(lambda p: p.kind is PhaseKind.DOSING, phases[first:]))


def pre_dose_phases(phases: Sequence[Phase]) -> tuple[Phase, ...]:
    """The phases before the first dosing one: the gate items of every one of them guard the
    first dose (arrival checks, then pre-dose checks: the gate item is often in the first)."""
    return tuple(itertools.takewhile(lambda p: p.kind is not PhaseKind.DOSING, phases))


@dataclass(frozen=True, slots=True)
class AlarmRule:
    """One alarm condition for one metric at one priority.

    At least one limit is set, or `absent_seconds` alone. A value meeting any set limit violates
    the rule. `direction` says whether the rule guards the high or the low side, which names the
    alarm condition (`<metric>_high` / `<metric>_low`); a rule of each priority can share a
    condition, which then escalates and de-escalates between them.

    Attributes:
        sustained_seconds: the violation must last this long before the alarm is raised (0 = at
            once). Disclosed in the UI ("after 5 min"). The loader takes it only on a vital a
            monitor sends continuously (protocols/vitals.py `CONTINUOUS`): a cuff's or a typed
            value is one measurement, no condition that lasted.
        confirm_repeat_minutes: for intermittent NIBP: when raised, a repeat measurement is
            prompted after this many minutes; if it still violates, the condition escalates to
            `escalate_to`.
        absent_seconds: the rule fires when no value of the metric has arrived for this long while
            a continuous source is connected (e.g. no RR for 20 s). An absence rule has no limit,
            no `sustained_seconds` and no confirmation: it is never checked against a value
            (console/session/conditions.py), so the loader refuses them beside it.
    """

    metric: str
    priority: Priority
    direction: str                       # "high" | "low"
    above: float | None = None
    at_or_above: float | None = None
    below: float | None = None
    at_or_below: float | None = None
    rise_above_baseline: float | None = None    # value - baseline >= this
    sustained_seconds: float = 0.0
    confirm_repeat_minutes: float | None = None
    escalate_to: Priority | None = None
    absent_seconds: float | None = None
    source: str = ""

    @property
    def condition(self) -> str:
        return f"{self.metric}_{self.direction}"

    def violated_by(self, value: float, baseline: float | None) -> bool:
        if self.above is not None and value > self.above:
            return True
        if self.at_or_above is not None and value >= self.at_or_above:
            return True
        if self.below is not None and value < self.below:
            return True
        if self.at_or_below is not None and value <= self.at_or_below:
            return True
        if self.rise_above_baseline is not None and baseline is not None:
            return value - baseline >= self.rise_above_baseline
        return False

    def fixed_limits(self) -> list[tuple[str, float]]:
        """The rule's fixed edges as (sign, value) ("≥", ">", "≤", "<"), the baseline's rise
        apart: what a trend draws as lines."""
        edges = (("≥", self.at_or_above), (">", self.above), ("≤", self.at_or_below),
                 ("<", self.below))
        return [(sign, value) for sign, value in edges if value is not None]

    def describe_limit(self) -> str:
        parts = []
        for word, limit in (
            (">", self.above), ("≥", self.at_or_above), ("<", self.below), ("≤", self.at_or_below)
        ):
            if limit is not None:
                parts.append(f"{word}{limit:g}")
        if self.rise_above_baseline is not None:
            parts.append(f"≥{self.rise_above_baseline:g} above baseline")
        text = " or ".join(parts)
        if self.sustained_seconds:
            text += f" for {self.sustained_seconds / 60:g} min"
        return text


@dataclass(frozen=True, slots=True)
class DischargeGate:
    """What must hold before discharge is allowed (a prescriber override is logged with a reason).

    Attributes:
        min_minutes_from_t0: no discharge before T0 + this (esketamine: 120).
        min_minutes_after_dosing: no discharge before this long after the dosing phase ended (IV:
            30 min after the infusion, however long the pump ran: clinical-defaults.md, IV
            vitals cadence "until ≥30 min post-infusion").
        refuse_while_alarm: any active or unacknowledged alarm refuses discharge.
        refuse_while_bp_rising: refuse while the last two systolic values rise.
        min_moaas: the last MOAA/S must be at least this (5 = alert).
        min_aldrete: the modified Aldrete score recorded must be at least this.
        refuse_while_dissociated: refuse while the last dissociation score (CADSS) is not back
            near its baseline, or the last hallucinations entry says present.
    """

    min_minutes_from_t0: float | None = None
    min_minutes_after_dosing: float | None = None
    refuse_while_alarm: bool = True
    refuse_while_bp_rising: bool = True
    min_moaas: int | None = 5
    min_aldrete: int | None = None
    refuse_while_dissociated: bool = True
    source: str = ""


@dataclass(frozen=True, slots=True)
class Protocol:
    """A clinical protocol, loaded from one TOML file.

    Attributes:
        id / version: recorded with every session (protocol_id, protocol_version).
        route: "iv" or "intranasal": shown, and what makes a course (a patient's sessions of
            protocols of one route are numbered together: console/session/course.py).
        course_sessions: sessions in a usual course (for "session N of M").
        rems_fields: extra fields a nurse records for the REMS Patient Monitoring Form.
        path: the file it came from (for messages).
        text: the file's text as loaded (logged at a session's start: the session keeps the
            protocol it started with, whatever the file says later).
    """

    id: str
    version: str
    name: str
    route: str
    dose: Dose
    phases: tuple[Phase, ...]
    alarms: tuple[AlarmRule, ...]
    discharge: DischargeGate
    course_sessions: int = 1
    description: str = ""
    rems_fields: tuple[str, ...] = ()
    path: str = ""
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    text: str = field(default="", compare=False, hash=False, repr=False)

    def phase(self, phase_id: str) -> Phase:
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise KeyError(f"protocol {self.id!r} has no phase {phase_id!r}")

    def phase_index(self, phase_id: str) -> int:
        return [p.id for p in self.phases].index(phase_id)

    @property
    def dosing_phases(self) -> tuple[Phase, ...]:
        return dosing_run(self.phases)

    def rules_for(self, metric: str) -> tuple[AlarmRule, ...]:
        return tuple(r for r in self.alarms if r.metric == metric)
