"""Validation of values a nurse types: what is wrong, what is allowed, nothing written on error.

Three outcomes: `Accepted`, `NeedsConfirmation` (inside the hard range but outside the plausible
one: the nurse must confirm it), `Rejected` (with the reason and the allowed range). No Qt: the
window shows `message` as it is, and tests check the text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from protocols.vitals import Metric, metric


@dataclass(frozen=True, slots=True)
class Accepted:
    metric: str
    value: float
    note: str = ""   # what the nurse should know of it all the same ("Recorded, but not signed")


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    metric: str
    value: float
    message: str


@dataclass(frozen=True, slots=True)
class Rejected:
    metric: str
    message: str


Verdict = Accepted | NeedsConfirmation | Rejected

# A number as a nurse writes it: digits, at most one decimal point or comma. Python's `float`
# also took "9_8" (98), "1e2" (100), "inf" and "nan" (review 37).
_NUMBER = re.compile(r"[+-]?\d+(?:[.,](?P<decimals>\d+))?")


def typed_number(text: str) -> float | None:
    """`text` read as a number a nurse writes (`_NUMBER`, a decimal comma read as a point), or
    None: the start form's weight is read so too (start_checks.parse_weight)."""
    number = _NUMBER.fullmatch(text.strip())
    return None if number is None else float(number[0].replace(",", "."))


def check_value(name: str, text: str) -> Verdict:
    """Validate one typed value of metric `name`."""
    m = metric(name)
    raw = text.strip()
    if not raw:
        return Rejected(name, f"{m.label} is empty: enter a value, {m.describe_range()}.")
    number = _NUMBER.fullmatch(raw)
    if number is None:
        return Rejected(name, f"{m.label} {raw!r} is not a number: enter {m.describe_range()}.")
    if number["decimals"] is not None and len(number["decimals"]) == 3 and m.decimals < 3:
        # "1,000" or "1.000" is a thousand written with a separator, not 1.000 (review 37: HR
        # "1,000" was asked about as "1,000" and recorded as HR 1, a high bradycardia alarm).
        return Rejected(name, f"{m.label} {raw}: enter it without a thousands separator, "
                              f"{m.describe_range()}.")
    return check_number(m, float(raw.replace(",", ".")), raw)


def check_number(m: Metric, value: float, shown: str | None = None) -> Verdict:
    # A signed zero is 0: "-0" (a slip on the minus key) was asked about as "SpO2 -0 %" and
    # logged as -0.0, written "-0" on every screen and export.
    value = value + 0.0
    shown = shown if shown is not None else m.format(value)
    if not math.isfinite(value):
        return Rejected(m.name, f"{m.label} {shown!r} is not a number: enter {m.describe_range()}.")
    if m.integer and value != int(value):
        return Rejected(m.name, f"{m.label} {shown} must be a whole number: {m.describe_range()}.")
    if value != round(value, m.decimals):
        # Finer than the value is shown: SpO2 "90,5" was recorded as 90.5 and shown as 90, and
        # alarmed as 90.5 (medium, not the high at ≤90 the screen's 90 reads as).
        finest = "a whole number" if m.decimals == 0 else f"at most {m.decimals} decimal(s)"
        return Rejected(m.name, f"{m.label} {shown}: enter {finest}, {m.describe_range()}.")
    if not m.in_hard_range(value):
        return Rejected(
            m.name, f"{m.label} {shown} {m.unit} is outside the allowed range {m.describe_range()}."
        )
    if not m.is_plausible(value):
        return NeedsConfirmation(
            m.name, value,   # the question names the value it records, not the text as typed
            f"{_unusual(m, value, m.label)}. Confirm to record it as measured.",
        )
    return Accepted(m.name, value)


def _unusual(m: Metric, value: float, label: str) -> str:
    low, high = (m.format(v) for v in m.plausible)
    return f"{label} {m.format(value)} {m.unit} is unusual (expected {low}–{high} {m.unit})"


PULSE_PRESSURE_PLAUSIBLE = (20, 100)
"""Systolic minus diastolic, in mmHg, outside which a typed pair is asked about: about 40 at
rest, wider with age and stiff arteries; beyond these a typing slip is the likelier cause."""

# The slashes a keyboard or an input method gives for "/": full-width (U+FF0F, an East-Asian
# IME), division slash (U+2215) and fraction slash (U+2044, a symbol palette, an autocorrect).
# Read as "/" as their digits are read as digits ("１２０／８０" was refused as not in the form).
_SLASHES = "/\uff0f\u2215\u2044"
_BP = re.compile(rf"^\s*(?P<sys>[^{_SLASHES}\s]+)\s*[{_SLASHES}]\s*(?P<dia>[^{_SLASHES}\s]+)\s*$")


def check_bp(text: str) -> list[Verdict]:
    """Validate a blood pressure typed as "128/84": one verdict per value, or one rejection."""
    match = _BP.match(text)
    if match is None:
        return [Rejected("bp_systolic", f"Blood pressure {text.strip()!r} is not in the form "
                         "systolic/diastolic, for example 128/84.")]
    verdicts = [check_value("bp_systolic", match["sys"]), check_value("bp_diastolic", match["dia"])]
    rejected: list[Verdict] = [v for v in verdicts if isinstance(v, Rejected)]
    if rejected:
        return rejected
    systolic, diastolic = (v.value for v in verdicts if not isinstance(v, Rejected))
    if diastolic >= systolic:
        return [Rejected("bp_diastolic", f"Diastolic {diastolic:.0f} must be lower than systolic "
                         f"{systolic:.0f}: check the order, for example 128/84.")]
    question = pulse_pressure_question(systolic, diastolic)
    if question is not None:
        # The pair unusual: 250/40 (for 150/40, or 250/140) was recorded without a question (a
        # nurse walk on X). Asked once, of the pair, on its systolic; a half unusual alone
        # carries the same question, which names it (255/40, a slip for 255/140, was asked only
        # of its 255, and the 40 recorded unasked). A Yes confirms both halves.
        verdicts = [NeedsConfirmation(v.metric, v.value, question)
                    if v.metric == "bp_systolic" or isinstance(v, NeedsConfirmation) else v
                    for v in verdicts if not isinstance(v, Rejected)]   # none: returned above
    return verdicts


def pulse_pressure_question(systolic: float, diastolic: float) -> str | None:
    """The question a BP pair whose pulse pressure is unusual asks (`PULSE_PRESSURE_PLAUSIBLE`),
    or None when it is usual; it names a half unusual alone too, so one question asks it all
    (`check_bp`). A confirmed answer is passed with both values, logged confirmed (`EntryPanel`,
    `SessionEngine.enter_manual`)."""
    low, high = PULSE_PRESSURE_PLAUSIBLE
    if low <= systolic - diastolic <= high:
        return None
    halves = [metric(name) for name in ("bp_systolic", "bp_diastolic")]
    unusual = "".join(f"{_unusual(m, value, m.short_label.lower())}, "
                      for m, value in zip(halves, (systolic, diastolic))
                      if not m.is_plausible(value))
    return (f"BP {systolic:.0f}/{diastolic:.0f} mmHg: {unusual}{'and ' if unusual else ''}a "
            f"pulse pressure of {systolic - diastolic:.0f} mmHg is unusual (expected "
            f"{low}–{high} mmHg); check for a slipped digit. Confirm to record it as measured.")
