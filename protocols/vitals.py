"""The one registry of vitals and observation scales.

Every part of the console that names a metric takes its facts from here: units, the hard range that
rejects a value outright, the plausible range outside which a nurse must confirm, decimals shown,
display order, and (for vitals) the normal resting range no alarm limit may cover whole. Decoders
drop values outside the hard range; manual entry refuses them; alarm rules, tiles, plots and the
simulator use the same names. No Qt here.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass


class Kind(enum.Enum):
    VITAL = "vital"
    SCALE = "scale"


@dataclass(frozen=True, slots=True)
class Metric:
    """One measurable thing.

    Attributes:
        name: the name stored in the log (`bp_systolic`, `moaas`, ...).
        label: what a nurse reads on screen.
        unit: canonical unit as stored in the log.
        hard: (low, high) inclusive; anything outside is rejected, never stored as a value.
        plausible: (low, high) inclusive; manual values outside it need an explicit confirmation.
        decimals: digits shown after the point (0 for integers).
        order: display order in tiles and tables.
        kind: a vital sign or an observation scale.
        integer: only whole numbers are valid (scales, scores).
        choices: for scales, the meaning of each allowed value.
        short: the name where room is short (an alarm row on a small screen, a trend's legend);
            the label when it has none.
    """

    name: str
    label: str
    unit: str
    hard: tuple[float, float]
    plausible: tuple[float, float]
    decimals: int
    order: int
    kind: Kind = Kind.VITAL
    integer: bool = False
    choices: tuple[tuple[int, str], ...] = ()
    short: str = ""

    @property
    def short_label(self) -> str:
        return self.short or self.label

    @property
    def short_unit(self) -> str:
        """"/min" for beats and breaths a minute (the value says which), nothing for mmHg (a
        blood pressure is read in nothing else at the chair) nor for a score (its scale's name
        says it); the unit otherwise."""
        if self.unit.endswith("/min"):
            return "/min"
        return "" if self.unit in (MMHG, SCORE) else f" {self.unit}"

    @property
    def spoken_unit(self) -> str:
        """The unit after a value in words, its space included: nothing for a score (its
        scale's name says it: "Dissociation (CADSS) 0", not "... 0 score"), " mmHg" and the
        like otherwise. The chair's words for a tick taken back and the review's alike."""
        return "" if self.unit == SCORE else f" {self.unit}"

    def in_hard_range(self, value: float) -> bool:
        return math.isfinite(value) and self.hard[0] <= value <= self.hard[1]

    def is_plausible(self, value: float) -> bool:
        return self.plausible[0] <= value <= self.plausible[1]

    def format(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"

    def as_shown(self, value: float) -> float:
        """`value` as `format` shows it (rounded to `decimals`, the same correctly rounded
        half-to-even): what the alarm limits judge, so the alarm agrees with the number the
        nurse reads (an SpO2 of 90.4 shown "90" had raised the medium alarm, not ≤90's high)."""
        return round(value, self.decimals)

    def describe_range(self) -> str:
        low, high = (self.format(v) for v in self.hard)
        whole = " (whole numbers)" if self.integer else ""
        return f"{low}–{high} {self.unit}{whole}".replace("  ", " ").strip()


MMHG = "mmHg"
KPA_TO_MMHG = 760.0 / 101.325   # 1 kPa = 7.50062 mmHg (101.325 kPa = 760 mmHg)
PER_MIN_BREATHS = "breaths/min"
PER_MIN_BEATS = "beats/min"
PERCENT = "%"
SCORE = "score"

MOAAS_CHOICES = (
    (5, "responds readily to name in normal tone"),
    (4, "lethargic response to name in normal tone"),
    (3, "responds only after name is called loudly or repeatedly"),
    (2, "responds only after mild prodding or shaking"),
    (1, "responds only after painful trapezius squeeze"),
    (0, "no response after painful trapezius squeeze"),
)
SEVERITY_CHOICES = ((0, "none"), (1, "mild"), (2, "moderate"), (3, "severe"))
# A CADSS total above this is taken as dissociation present (clinical-defaults.md, scales).
DISSOCIATION_PRESENT_ABOVE = 4

_METRICS = (
    # Hard ranges: what any monitor can physically report (0 is a real device value for HR, RR
    # and SpO2: asystole, apnoea, no saturation); plausible ranges: what a nurse typing a value
    # is asked to confirm outside of.
    Metric("bp_systolic", "Systolic BP", MMHG, (20, 300), (60, 250), 0, 10, short="Systolic"),
    Metric("bp_diastolic", "Diastolic BP", MMHG, (10, 250), (30, 150), 0, 11, short="Diastolic"),
    Metric("bp_mean", "Mean BP", MMHG, (15, 270), (40, 180), 0, 12, short="Mean"),
    Metric("heart_rate", "Heart rate", PER_MIN_BEATS, (0, 300), (30, 220), 0, 20, short="HR"),
    Metric("pulse_rate", "Pulse rate", PER_MIN_BEATS, (0, 300), (30, 220), 0, 21, short="Pulse"),
    Metric("resp_rate", "Respiratory rate", PER_MIN_BREATHS, (0, 150), (4, 60), 0, 30, short="RR"),
    Metric("spo2", "SpO2", PERCENT, (0, 100), (50, 100), 0, 40),
    Metric("moaas", "Sedation (MOAA/S)", SCORE, (0, 5), (0, 5), 0, 50, Kind.SCALE, True, MOAAS_CHOICES,
           short="MOAA/S"),
    Metric("nausea", "Nausea", SCORE, (0, 3), (0, 3), 0, 51, Kind.SCALE, True, SEVERITY_CHOICES),
    # CADSS total: 23 items scored 0-4 (0-92); the 6-item short form fits inside the same range.
    Metric("dissociation", "Dissociation (CADSS)", SCORE, (0, 92), (0, 92), 0, 52, Kind.SCALE, True),
    Metric(
        "hallucinations", "Hallucinations", SCORE, (0, 1), (0, 1), 0, 53, Kind.SCALE, True,
        ((0, "absent"), (1, "present")),
    ),
    Metric("fatigue", "Fatigue", SCORE, (0, 3), (0, 3), 0, 54, Kind.SCALE, True, SEVERITY_CHOICES),
    # Modified Aldrete: five items scored 0-2; >= 9 to discharge.
    Metric("aldrete", "Modified Aldrete", SCORE, (0, 10), (0, 10), 0, 55, Kind.SCALE, True),
)

METRICS: dict[str, Metric] = {m.name: m for m in sorted(_METRICS, key=lambda m: m.order)}
VITALS: tuple[str, ...] = tuple(n for n, m in METRICS.items() if m.kind is Kind.VITAL)
SCALES: tuple[str, ...] = tuple(n for n, m in METRICS.items() if m.kind is Kind.SCALE)
BP_METRICS: tuple[str, ...] = ("bp_systolic", "bp_diastolic", "bp_mean")
# The vitals a monitor can send continuously, the only ones an absence rule (`absent_seconds`)
# can watch: the engine counts a vital as continuous once a device (not the nurse) sends it and it
# is no NIBP cuff's (console/session/engine.py `_remember`: a cuff's pressures are spot values),
# and no device sends a scale. An absence rule on any other metric could never fire.
CONTINUOUS: tuple[str, ...] = tuple(n for n in VITALS if n not in BP_METRICS)
# How long a typed value or a cuff's stays current (its tile's stale time; the sustained count of
# console/session/conditions.py `_current_for`), said in the loader's refusals.
SPOT_CURRENT_SECONDS = 20 * 60.0
# The metrics the bedside form records (console/ui/entry_panel.py: FIELDS, the BP typed as
# systolic/diastolic, RR, HR and SpO2; a button row or a box for every scale). A mean BP and a
# pulse rate come only from a monitor: an item's `needs`, a gate or a check's `metrics` naming
# only those could never be met at a chair without one, so the loader refuses it.
FORM_METRICS: tuple[str, ...] = ("bp_systolic", "bp_diastolic", "heart_rate", "resp_rate", "spo2",
                                 *SCALES)


@dataclass(frozen=True, slots=True)
class RestingRange:
    """What a calm, healthy adult reads at rest (inclusive), and where the figures come from.

    An alarm limit that every value in it violates would sound for a patient with nothing wrong:
    the loader refuses one (protocols/loader.py, `check_quiet_at_rest`).
    """

    low: float
    high: float
    source: str


# The NEWS2 "score 0" bands (Royal College of Physicians 2017; shared/design/clinical-defaults.md,
# NEWS2 table [V]) where NEWS2 has one. NEWS2 scores no diastolic or mean pressure, and names one
# pulse where the console has two sources of it, so those three figures are chosen, not sourced.
RESTING: dict[str, RestingRange] = {
    "bp_systolic": RestingRange(111, 219, "NEWS2 score 0 [V]"),
    # Chosen: the top is the label's pre-dose gate (above 90 needs a prescriber's review, [V]);
    # 60 is the commonly cited floor of diastolic hypotension [M].
    "bp_diastolic": RestingRange(60, 90, "chosen: label pre-dose gate 90 [V], floor 60 [M]"),
    # Chosen: the textbook normal mean arterial pressure, 70–100 [M], not checked in a source.
    "bp_mean": RestingRange(70, 100, "chosen: textbook normal mean pressure [M]"),
    "heart_rate": RestingRange(51, 90, "NEWS2 pulse score 0 [V]"),
    # Chosen: NEWS2's pulse band applied to the oximeter's pulse rate, the same pulse counted
    # at the finger (NEWS2 has one pulse row, the console two metrics).
    "pulse_rate": RestingRange(51, 90, "chosen: NEWS2 pulse score 0 [V] applied to pulse rate"),
    "resp_rate": RestingRange(12, 20, "NEWS2 score 0 [V]"),
    "spo2": RestingRange(96, 100, "NEWS2 score 0, SpO2 scale 1 [V]"),
    # A patient awake and calm: MOAA/S 5, "responds readily to name in normal tone" (the scale's
    # own definition, the discharge gate's "5 = alert" [V]).
    "moaas": RestingRange(5, 5, "MOAA/S 5 = alert [V]"),
    # Temperature: NEWS2 scores 36.1–38.0 °C as 0, but the console has no temperature metric.
}


class UnknownMetric(KeyError):
    def __str__(self) -> str:
        return f"unknown metric {self.args[0]!r}; known: {', '.join(METRICS)}"


def metric(name: str) -> Metric:
    """Return the registry entry for `name`.

    Raises:
        UnknownMetric: the name is not in the registry.
    """
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownMetric(name) from None


# What the nurse reads for a scale: its short name and the value as she chose it.
SCALE_WORDS: dict[str, str] = {
    "moaas": "MOAA/S", "nausea": "Nausea", "fatigue": "Fatigue", "hallucinations": "Hallucinations",
    "dissociation": "Dissociation (CADSS)", "aldrete": "Aldrete",
}


def scale_value_words(name: str, value: float) -> str:
    """The value as the nurse chose it: 'moderate', 'present', '3', '9/10'."""
    m = metric(name)
    meaning = dict(m.choices).get(int(value))
    if meaning is not None and len(meaning.split()) == 1:
        return meaning
    if name == "aldrete":
        return f"{m.format(value)}/10"
    return m.format(value)


def scale_words(name: str, value: float) -> str:
    """'MOAA/S 3', 'Nausea moderate', 'Aldrete 9/10'."""
    return f"{SCALE_WORDS.get(name, metric(name).label)} {scale_value_words(name, value)}"
