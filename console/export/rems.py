"""The esketamine (Spravato) REMS Patient Monitoring Form, pre-filled from a session. No Qt.

The form (submitted to the REMS within 7 days of each session) asks for the fields the esketamine
protocol lists in `rems_fields` (protocols/esketamine.toml; clinical-defaults.md "Esketamine (REMS)
additions"). `rems_form(detail)` fills them from the log:

- enrolment and concomitant medications: the pre-dose checklist items `rems-enrolment` and
  `concomitant-medications` (ticked or not, with the nurse's note);
- dose: `sessions.details.dose_mg`; device times and lot numbers: the ticks of `device-1..3`
  (time ticked; the lot number is what the nurse typed in the tick's note), in the order the
  log holds them (a wall-clock step between two ticks does not reorder them); with none ticked,
  the devices the dose needs (the protocol's `Dose.device_count`: 84 mg is 3 devices of 28 mg)
  are missing. Fewer ticked than the dose needs, the dose reads as the devices recorded given
  beside the plan, to CHECK, with the reason logged when the devices' phase was left with one
  open ("84 planned; 2 devices (56 mg) recorded given"): "Dose (mg): 84" with device 3 to
  complete by hand invited the entry of a device never given (an esketamine review). None
  ticked and the phase left with a reason reads "56 planned; no device recorded given", no
  device, time or lot to complete by hand (it had asked for both devices, the reason left out);
- a session never dosed: ended (discharged or stopped) with no device ticked, whether or not T0
  was reached (the dose held on its pre-dose pressure, or declined). Its draft says first that
  no dose was given (`NO_DOSE_DRAFT`; the JSON's `"no_dose_given": true`), its dose line "56
  planned; never given" (the review's words for a dose never given), its pressures all "before
  dose" (the hold was decided on them), and nothing of an administration or of the monitoring
  after one (devices, times, lots, total minutes, the BPs after the dose, the adverse events)
  is asked by hand: it had read "Blood pressure before dose: NOT RECORDED" beside the 162/100
  the hold was decided on, "Dose (mg): 56", and asked for both devices, their times and lots
  (a review);
- the nurse: every nurse who had the chair, in order, with the time each took it over (the
  review's hand-overs, `SessionDetail.nurses`): "nurse.ana, then nurse.bea from 09:20"; the
  form's "Healthcare Provider Conducting Patient Monitoring" had read only the nurse who
  started the session;
- observation start = the first device as recorded given: the first device tick in the log's
  order, as the engine takes it by its monotonic clock (`SessionEngine._first_dose`; review 45:
  by wall time, NTP setting the clock back 10 min between device 1 at 10:20 and device 2
  made device 2, "10:15", the dose and 115 of the engine's 120 minutes). T0, the dosing phase's
  start, when no device was ticked or the tick is not later as the console's timers ran. End =
  discharge (or the session's end), total minutes between them (device 1 ticked 10 minutes
  after T0 read "120 min" on a form whose device time said 110: an esketamine walk). That is
  "the dose" below: what came before it, even after T0 (a BP typed while the first device was
  readied), is before the administration;
- BP before the dose: the last systolic/diastolic pair before the dose. BP about 40 minutes
  after: the one that met the console's "BP at T+40" check, by the engine's rule
  (`console.session.schedule`): the protocol's check timed after the dose that measures blood
  pressure nearest T+40, met by the first pair at or after its time less its `early_minutes`
  (T+38), however late. One rule with the checklist: "REMS form fields complete" is refused
  until that check is met, and a BP first taken at T+65 had ticked it beside a form that read
  NOT RECORDED (its window was T+25..T+60; review 45). A pair later than T+60 is printed with
  its minutes and "(later than about 40 min)"; the JSON keeps its `minutes_after_dose`. NOT
  RECORDED only when no pair came from the check's time on. BP before discharge: the
  last pair measured after the dose and not after the discharge (typed or monitor), with how long before the
  discharge it was; it may be the T+40 one. Each value stands where the review's vitals table
  places it (`content.placed_series`): a corrected value at its measurement's time. A value
  beyond the monitor's range (SN `>^250`, kept as 250 flagged `>`) prints as the limit,
  ">250/120 mmHg" (`content.limit_text`, as the review, the PDF and FHIR say it; it read as a
  measured 250), and its JSON carries `systolic_beyond` / `diastolic_beyond` (">" or "<")
  beside the number, only where set. "The highest" pressure compares the numbers, a limit at
  an equal number under the measured value for "<" and over it for ">";
- the blood pressure before the dose against the prescriber's review (`PreDoseBp`): every pair
  before the dose with its time, whether it reached the protocol's pre-dose threshold (the `gate` of
  the checklist item that carries one, protocols/esketamine.toml `bp-before-dose`: the label's
  ">140/90" as whole mmHg; the values as their tiles show them, as the chair's gate judges
  them: a monitor's 140.6 is "141", at it), and the prescribers' decisions logged before the
  dose (a `gate_decision` with the gate item's tick, or an `override` that started dosing
  against the engine's "a prescriber review is required before dosing") with who entered it,
  when, the words, and who signed it in what role. The dose went ahead on the last pair before
  it: when it reached the threshold, a decision logged at or after it is needed (the engine's
  own rule: a reading at the gate after a decision needs another), "after" as the console's
  timers ran like the rest below (by wall time, NTP setting the clock back 10 min between the
  BP and the decision read "NOT RECORDED" above the decision's own line); without one the
  decision is named in `missing`, never "none"; one a step back leaves either side of the
  reading (its time came twice) makes it "UNCERTAIN (…; CHECK)", `bp_decision_uncertain`;
- a discharge against the discharge gate (an `override` of the discharge): said under the total
  monitoring time and on "Discharged", with who overrode, the reason and what the gate named;
- sedation: any MOAA/S below 5 after the dose (the label: any drop below 5 is sedation);
  dissociation: any CADSS total above 4 after it (clinical-defaults.md) or hallucinations present;
  respiratory depression: any respiratory-rate-low or SpO2-low alarm after it, or open when it
  was given (the protocol's limits: RR ≤11,
  SpO2 ≤93, or no RR). Not the SpO2 absence rule's ("No SpO2 for 30 s": a probe off, no pulse
  signal; raised without a value): it says SpO2 was not measured, not that it was low, and
  answered "Yes" on every RR and SpO2 measured normal. Where such alarms are all that bears on
  it the answer is "UNCERTAIN (No SpO2 for 30 s at …: SpO2 not measured …; CHECK)",
  `respiratory_depression_unmeasured` in `missing`; beside a Yes they are named, not counted.
  Increased blood pressure: any BP-high alarm. An alarm raised by a
  value taken back (entered in error, or corrected: a corrected value that breaches raises its
  own alarm) answers neither, and is named in the evidence, marked, as the review lists it;
- adverse events: yes/no for each of those and for nausea (score ≥ 1, or Vomiting noted with
  its button and not taken back), with the evidence; an answer the log cannot give (no MOAA/S,
  CADSS, hallucinations or nausea score after the dose, no RR or SpO2 value, no blood pressure
  after it) is "NOT ASSESSED" and named in `missing`, never "No":
  this form goes to the regulator, and "No" for what nobody looked at is a false statement;
- "after the dose" for scores, alarms, readings and the prescribers' decisions as for the blood
  pressures: as the console's timers ran, the clock steps logged between left out, a record
  placed among the steps by the log's order (a reading or an alarm row by the count of rows the
  step logged before it, `OBSERVATIONS_BEFORE` / `ALARM_ROWS_BEFORE`; a session read with its
  rows, as `export` reads it), else by its time. By wall time, NTP setting a fast clock back 30
  min at T+5 logged a MOAA/S 3 and an SpO2-low alarm of T+20 "before" the dose: "Sedation: No",
  "Respiratory depression: No". A record placed by its time where a step back may lie either
  side of it (the same times came twice) is after the dose where both readings of its time are
  (an 8-s step an hour after it), its minutes still not printed (`_DoseClock`). A record that
  would answer and whose side of the dose the log cannot tell (its readings either side) makes
  the answer "UNCERTAIN (…: before or after the dose not known …; CHECK)", named in `missing`
  as `…_uncertain`, never "No".

Values missing from the log are None and named in `missing`, so the nurse completes them by hand.
The output is a pre-filled draft: the prescriber or nurse checks it before submitting. A demo
session's draft says first that it is simulated, not for submission (`DEMO_DRAFT`; the JSON's
`"demo": true`), as the PDF, CSV and FHIR exports mark it.

Dates and times are the clinic's local ones, as the PDF report prints them (the same
`console.review.content` functions, the computer's zone unless `tz` is given): the nurse copies them onto
the paper form by hand, and a UTC date is the next day for an evening session in America. The
text states the zone once; the JSON keeps instants as ISO UTC and names the zone too. A session
across a change of the zone's offset (summer time ends: 02:45 comes twice) names both zones
instead, and every time in the text carries its zone ("02:45 CET"), by the rule of
`console.review.content.spans_zone_change`, as the PDF prints them.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from console.clock import iso
from console.export.files import write_files
from console.export.protocol_file import find_protocol
from console.review.model import (
    AlarmEpisode, AlarmStep, ChecklistTick, LoggedEvent, Note, Override, ScaleObservation,
    SessionDetail, SessionSignatures, SignatureEntry,
)
from console.review import content as rc   # Qt-free: the PDF's own date and time formats
from console.session.clock_steps import (
    AFTER_EVERY_EVENT, event_seconds_between, logged_seconds, seconds_to_time_range,
)
from console.session.device_rest import device_number
from console.session.engine import OBSERVED, PRESCRIBER_REVIEW, VOMITING
from console.session.schedule import timed_checks
from console.session.signing import GATE_DECISION
from protocols.loader import is_esketamine
from protocols.model import DoseMode, PhaseKind, Protocol, VitalsCheck, yes_no
from protocols.vitals import DISSOCIATION_PRESENT_ABOVE, metric

SEDATION_BELOW: Final = 5          # MOAA/S below 5 is sedation (Spravato label)
T40: Final = timedelta(minutes=40)
# Later than this after the dose, the BP that met the console's T+40 check is still the form's
# "about 40 minutes after" one, said late beside it (the window this form took until review 45).
T40_LATE: Final = timedelta(minutes=60)
# The console's check when the protocol file is not found: its time, the check's default early
# minutes (`VitalsCheck`), as the esketamine protocol's "BP at T+40" is.
_T40_CHECK: Final = VitalsCheck("BP at T+40", (("bp_systolic",), ("bp_diastolic",),
                                               ("heart_rate", "pulse_rate")),
                                at_minutes_after_t0=(T40.total_seconds() / 60,))
PAIR_WITHIN: Final = timedelta(seconds=90)   # systolic and diastolic of one measurement


@dataclass(frozen=True, slots=True)
class BloodPressure:
    """One blood pressure measurement.

    Attributes:
        at: when the systolic value was taken.
        systolic, diastolic: mmHg.
        minutes_after_dose: minutes from the dose (the first device; negative before it).
        systolic_beyond, diastolic_beyond: `>` (`<`) where the monitor's value was beyond the
            top (bottom) of its range, the number then its limit (`content.PlacedValue.beyond`:
            250 with `>` reads ">250"); '' for a measured value.
    """

    at: datetime
    systolic: float
    diastolic: float
    minutes_after_dose: float | None
    systolic_beyond: str = ""
    diastolic_beyond: str = ""

    def text(self) -> str:
        """"132/84 mmHg"; ">250/120 mmHg" with a value beyond the monitor's range, as the
        review and the PDF print it (`content.limit_text`): never a measured 250."""
        return _bp_text(self.systolic, self.systolic_beyond, self.diastolic,
                        self.diastolic_beyond)

    def height(self) -> tuple[float, int, float, int]:
        """What "the highest pressure" compares: the numbers, a limit at an equal number below
        the measured value for `<` and above it for `>` (a ">250" is more than a measured 250)."""
        return (self.systolic, _BEYOND_RANK[self.systolic_beyond],
                self.diastolic, _BEYOND_RANK[self.diastolic_beyond])


_BEYOND_RANK: Final = {"<": -1, "": 0, ">": 1}


def _bp_text(systolic: float, systolic_beyond: str, diastolic: float,
             diastolic_beyond: str) -> str:
    return (f"{rc.limit_text(systolic, systolic_beyond)}/"
            f"{rc.limit_text(diastolic, diastolic_beyond)} mmHg")


@dataclass(frozen=True, slots=True)
class DeviceDose:
    """One nasal device given (checklist item `device-N`).

    Attributes:
        item: `device-1`, `device-2`, `device-3`.
        at: when the nurse ticked it.
        note: what the nurse typed with it (the lot number by the protocol's wording).
    """

    item: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class NurseOnDuty:
    """A nurse who had the chair (`SessionDetail.nurses`).

    Attributes:
        name: the nurse's account.
        since: when they took the session over; None for the nurse who started it.
    """

    name: str
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class AdverseEvent:
    """A yes/no answer of the form, with the evidence from the log.

    Attributes:
        name: `sedation`, `dissociation`, `respiratory_depression`, `increased_blood_pressure`,
            `nausea`, `hallucinations`.
        present: the answer; None when the log holds nothing after the dose that could answer it,
            or when what could answer it may be before the dose (`uncertain`).
        evidence: what in the log made it yes ('' when no).
        uncertain: when `present` is None for that reason, the records that would answer it
            whose side of the dose the log cannot tell (a step back of the station's clock
            around them: the same times came twice); '' otherwise.
        unmeasured: when `present` is None because the only alarms after the dose that bear on
            it said a vital was not measured (the SpO2 absence rule, "No SpO2 for 30 s": a probe
            off, no pulse signal, not a low SpO2), those alarms; '' otherwise.
    """

    name: str
    present: bool | None
    evidence: str = ""
    uncertain: str = ""
    unmeasured: str = ""


# The blood pressure before the dose and the prescriber's decision on it. What this relies on:
# - the form: the SPRAVATO REMS Patient Monitoring Form (Outpatient Use) asks, under "Monitoring
#   of Blood Pressure", the pressure "Prior to administration" (mmHg; then 40 minutes after and
#   before the session's completion) and, under "Monitoring of Vital Signs", whether vital signs
#   were "in acceptable range prior to: administration? Yes OR No" (the form as reproduced at
#   https://manualspro.net/445029-spravato-patient-monitoring-form-instructions). It has no
#   field for the prescriber's decision: the draft states it beside the pressure, for whoever
#   answers "acceptable prior to administration".
# - the label, 5.6 Increase in Blood Pressure: assess BP prior to administration; where it is
#   elevated ("as a general guide: >140/90 mmHg") a decision to delay weighs benefit and risk
#   for the patient (SPRAVATO prescribing information, 2019 text as reproduced at
#   http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=7; spravatohcp.com "Dosing":
#   "Blood pressure should be monitored prior to and 40 minutes after administration").
# - the threshold itself is the protocol file's, never a number here: the gate of its pre-dose
#   checklist item (protocols/esketamine.toml `bp-before-dose`: systolic >= 141 or diastolic
#   >= 91, the label's >140/90 in whole mmHg), as the session logged it at its start.

# The words the session engine refuses the start of dosing with when a gated vital is at or
# over its gate (`engine.PRESCRIBER_REVIEW`). An override of that refusal is the prescriber's
# decision (the chair has it signed as one), and the override's record keeps its refusals only
# as sentences ending so; a log written before today's words would not match: a test drives the
# real engine (tests/export/test_rems_pre_dose_bp.py).
GATE_REFUSAL: Final = PRESCRIBER_REVIEW


class SignatureState(StrEnum):
    """Whether a prescriber's decision is signed (electronic signatures, issue 13)."""

    SIGNED = "signed"                       # a signature of the record that still matches it
    CHANGED = "changed after signing"       # signed, but the record or signature changed since
    UNSIGNED = "unsigned"                   # the log had staff accounts and nobody signed it
    NO_ACCOUNTS = "no staff accounts"       # logged while the log had no accounts: none signed
    NOT_CHECKED = "not checked"             # the draft was made without the signatures


@dataclass(frozen=True, slots=True)
class BpThreshold:
    """The protocol's pre-dose blood pressure threshold (a checklist item's `gate`): at or above
    it, a prescriber reviews the pressure before dosing.

    Attributes:
        item: the checklist item that carries it (`bp-before-dose`).
        systolic, diastolic: the limits, at or above (mmHg); None when the gate has none.
    """

    item: str
    systolic: float | None
    diastolic: float | None

    def reached(self, systolic: float, diastolic: float) -> bool:
        """Either value at or above its limit as its tile shows it (the engine's gate,
        `SessionEngine._gate_exceeded`: any gated vital, `as_shown`). By the raw number, a
        monitor's 140.6 ("141") the chair had asked the prescriber about read "below" and the
        decision "not needed". A value beyond the monitor's range is its limit's number
        (">250" is 250), judged as that number, as the engine judges it."""
        return ((self.systolic is not None
                 and metric("bp_systolic").as_shown(systolic) >= self.systolic)
                or (self.diastolic is not None
                    and metric("bp_diastolic").as_shown(diastolic) >= self.diastolic))


@dataclass(frozen=True, slots=True)
class PreDoseReading:
    """One blood pressure before the dose, against the threshold.

    Attributes:
        at, systolic, diastolic, minutes_after_dose: as `BloodPressure`.
        reaches_threshold: at or above the threshold by the values as their tiles show them
            (`BpThreshold.reached`, as the chair's gate judges them; a limit beyond the
            monitor's range by its number); None when the protocol sets none.
        systolic_beyond, diastolic_beyond: as `BloodPressure`.
    """

    at: datetime
    systolic: float
    diastolic: float
    minutes_after_dose: float | None
    reaches_threshold: bool | None
    systolic_beyond: str = ""
    diastolic_beyond: str = ""

    def text(self) -> str:
        """As `BloodPressure.text`."""
        return _bp_text(self.systolic, self.systolic_beyond, self.diastolic,
                        self.diastolic_beyond)


@dataclass(frozen=True, slots=True)
class PrescriberDecision:
    """A prescriber's decision, logged before the dose, to dose past the pre-dose threshold.

    Attributes:
        at: when it was logged.
        how: `gate_decision` (given with the tick of the threshold's checklist item) or
            `override` (dosing started against the pre-dose checks, the threshold among them).
        item: the checklist item ticked with a `gate_decision`; '' for an override.
        entered_by: the account at the chair that logged it (the nurse).
        words: the words logged: the prescriber named, with their words (what the chair asks
            for), or the override's reason.
        shown: what the console showed at the threshold (its values, or its refusals).
        signature: whether it is signed.
        signed_by: the signer's printed name; None when unsigned.
        signer_role: "prescriber" when signed as a prescriber's decision at a gate (only that
            role may sign it: console/identity/signatures.py `REQUIRED_ACTION`); None when
            unsigned or signed with another meaning.
        signed_as: the signature's meaning; '' when unsigned.
        signed_at: when the signer entered their secret; None when unsigned.
    """

    at: datetime
    how: str
    item: str
    entered_by: str
    words: str
    shown: tuple[str, ...]
    signature: SignatureState
    signed_by: str | None = None
    signer_role: str | None = None
    signed_as: str = ""
    signed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PreDoseBp:
    """The blood pressures before the dose, the threshold, and the prescribers' decisions.

    Attributes:
        threshold: the protocol's pre-dose threshold; None when the protocol in force sets none
            (or its file is not found).
        readings: every pair before the dose, in time order (none before a dose still to
            come; every pair of a session ended never dosed).
        decisions: the prescribers' decisions logged before the dose, in time order.
        decision_needed: the dose went ahead on a pressure at or above the threshold (the last
            reading reaches it); None when that cannot be said (no threshold, no reading) or no
            dose was given.
        decided: a decision was logged at or after that last reading (the engine asks for a
            new decision when the gate is reached after one), as the console's timers ran (the
            log's order, the clock steps logged between left out); None when a decision may
            be either side of it (a step back the reading lies either side of: its time came
            twice) and none is after it by both readings, or when no dose was given.
    """

    threshold: BpThreshold | None
    readings: tuple[PreDoseReading, ...]
    decisions: tuple[PrescriberDecision, ...]
    decision_needed: bool | None
    decided: bool | None

    def missing(self) -> list[str]:
        """The `RemsForm.missing` names this part cannot fill."""
        if self.readings and self.threshold is None:
            return ["bp_threshold"]
        if not self.decision_needed or self.decided:
            return []
        return ["bp_decision" if self.decided is False else "bp_decision_uncertain"]


@dataclass(frozen=True, slots=True)
class RemsForm:
    """The REMS Patient Monitoring Form values for one session (see the module docstring).

    Attributes:
        session_id, patient_id, session_number: which session.
        session_date: the local date the session started (ISO, e.g. "2026-03-05").
        time_zone: the local zone the form's text uses, e.g. "PST (UTC-08:00)"; both zones of
            a session across a change of offset, "CEST (UTC+02:00), then CET (UTC+01:00) from
            03:00 CEST" (`content.session_zone`).
        protocol: protocol id and version.
        nurse: who started the session.
        nurses: every nurse who had the chair, in order, with when each took it over
            (`NurseOnDuty`; the first is `nurse`).
        rems_enrolment_confirmed: the enrolment item was ticked.
        concomitant_medications_reviewed: the concomitant-medications item was ticked.
        concomitant_medications_note: the note typed with that tick.
        dose_mg: the dose given (planned, when `no_dose_given`).
        devices_needed: how many devices that dose is, or None when not known.
        devices: the devices ticked, in the order the console logged them.
        observation_start: the first device (T0 when none came after it), or None when no dose
            was given.
        observation_end: discharge time (or the session's end), or None.
        total_monitoring_minutes: minutes from observation_start to observation_end.
        bp_before_dose, bp_t_plus_40, bp_pre_discharge: the three blood pressures
            (`bp_t_plus_40`: the one that met the console's T+40 check, its
            `minutes_after_dose` saying how late; see the module docstring).
        sedation, dissociation, respiratory_depression: the form's monitoring questions.
        lowest_moaas: the lowest MOAA/S after the dose; highest_cadss: the highest CADSS after it.
        adverse_events: every yes/no answer with its evidence.
        discharged: the session ended with a discharge (not only stopped).
        discharge_override: the override that discharged the session against the discharge
            gate (who, the reason, what the gate named), or None when the gate allowed it.
        vitals_acceptable_before, vitals_acceptable_after: the nurse's answer (yes or no, as
            typed with the items `vitals-acceptable-before` / `-after`) to "vital signs in
            acceptable range prior to administration / treatment session completion", or None.
        rems_evaluation_minutes: the answer to the form's REMS evaluation question (when the
            patient would have been ready to leave without the 2-hour rule, minutes from the
            first device; item `rems-evaluation`), or None.
        pre_dose_bp: the blood pressures before the dose against the protocol's pre-dose
            threshold, with the prescribers' decisions to dose past it (`PreDoseBp`).
        devices_left_reason: the reason logged when the devices' phase was left with a device
            of the dose not ticked (its `end_phase` override), or None.
        missing: names of fields the log could not fill.
        zoned: the session spans a change of the local zone's offset: every time in the text
            carries its zone (`content.spans_zone_change`). Not in the JSON: its instants are
            UTC and `time_zone` names both zones.
        demo: a demo session's (simulated values, `SessionSummary.demo`): the text says so
            first (`DEMO_DRAFT`), the JSON starts with `"demo": true` (absent otherwise).
        no_dose_given: the session ended with no device ticked: the text says so first
            (`NO_DOSE_DRAFT`), the JSON has `"no_dose_given": true` (absent otherwise); its
            pressures are all before the dose, and nothing after a dose is asked by hand.
    """

    session_id: int
    patient_id: str
    session_number: int
    session_date: str
    time_zone: str
    protocol: str
    nurse: str
    rems_enrolment_confirmed: bool
    concomitant_medications_reviewed: bool
    concomitant_medications_note: str
    dose_mg: float | None
    devices_needed: int | None
    devices: tuple[DeviceDose, ...]
    observation_start: datetime | None
    observation_end: datetime | None
    total_monitoring_minutes: float | None
    bp_before_dose: BloodPressure | None
    bp_t_plus_40: BloodPressure | None
    bp_pre_discharge: BloodPressure | None
    sedation: bool | None
    dissociation: bool | None
    respiratory_depression: bool | None
    lowest_moaas: float | None
    highest_cadss: float | None
    adverse_events: tuple[AdverseEvent, ...]
    discharged: bool
    missing: tuple[str, ...] = field(default=())
    discharge_override: Override | None = None
    vitals_acceptable_before: str | None = None
    vitals_acceptable_after: str | None = None
    rems_evaluation_minutes: str | None = None
    pre_dose_bp: PreDoseBp | None = None
    devices_left_reason: str | None = None
    zoned: bool = False
    demo: bool = False
    no_dose_given: bool = False
    nurses: tuple[NurseOnDuty, ...] = ()

    def missing_words(self) -> list[str]:
        """`missing` as the form's readers say it ("device 3", "device lot numbers"), not the
        keys of its JSON (QA: "missing: device_lot_numbers, device-3")."""
        return [_MISSING_WORDS.get(name, name.replace("-", " ").replace("_", " "))
                for name in self.missing]

    def to_json(self) -> dict[str, Any]:
        """The values as JSON-ready data (times as ISO UTC text). A demo session's says so
        first (`"demo": true`), then a running session's draft says so, as its text does (its
        JSON had only `"discharged": false` to tell it from a finished one's)."""
        values = {key: _jsonable(value) for key, value in asdict(self).items()
                  if key not in ("zoned", "demo", "no_dose_given")}
        heading: dict[str, Any] = {"demo": True} if self.demo else {}
        if self.observation_end is None:
            heading["draft"] = RUNNING_DRAFT
        if self.no_dose_given:
            heading["no_dose_given"] = True
        return {**heading, **values}


RUNNING_DRAFT = ("SESSION STILL RUNNING: not discharged yet; a draft of a session in progress, "
                 "not for submission")
# A demo session's values are simulated: the PDF prints "DEMO SESSION: simulated data, not
# patient data", the CSV `demo` = 1, FHIR the label HTEST; the form goes to the regulator, and
# its draft read as a real patient's (a REMS draft review).
DEMO_DRAFT = "DEMO SESSION: simulated data, not patient data — not for submission"
# A session ended with no device given: said first, as the dose line says it ("never given",
# the review's words), so the draft is not read as the record of an administration.
NO_DOSE_DRAFT = ("NO DOSE GIVEN: the session ended with no device recorded given; the fields of "
                 "an administration and of the monitoring after it have nothing to report and "
                 "are not asked for below")
# Where a field of the administration or after it stands in the draft of a session never dosed.
NO_DOSE = "not applicable (no dose given)"


def is_rems_protocol(protocol_id: str, protocol: Protocol | None = None) -> bool:
    """True for a session of esketamine nasal spray (the REMS form applies to Spravato only).

    Decided by the session's protocol (`find_protocol`), as the loader decides what keeps the
    label's rules (`protocols.loader.is_esketamine`: route intranasal, dosed by device); by the
    id only when no protocol text is at hand. By the id alone, a clinic's copy under its own
    id (`spravato-clinic-a`, as protocols/README.md tells) was refused the form its review
    offered, though the loader held it to the label (a review of the protocols)."""
    if protocol is not None:
        return is_esketamine(protocol.route, protocol.dose.mode)
    return "esketamine" in protocol_id.lower()


def rems_form(detail: SessionDetail, tz: tzinfo | None = None,
              protocol: Protocol | None = None,
              signatures: SessionSignatures | None = None) -> RemsForm:
    """Fill the form from a session; `tz` is the local zone (default: this computer's),
    `protocol` the session's (default: the one it logged at its start, else the installed file
    with its id), `signatures` the session's (`queries.load_signatures`; None: the draft says
    the prescribers' decisions were not checked for a signature).

    Raises:
        ValueError: the session did not use an esketamine nasal spray protocol
            (`is_rems_protocol`).
    """
    s = detail.summary
    if protocol is None:
        protocol = find_protocol(s.protocol_id, detail.events, s.id)
    if not is_rems_protocol(s.protocol_id, protocol):
        raise ValueError(f"session {s.id} used protocol {s.protocol_id}: the REMS Patient "
                         "Monitoring Form is for esketamine sessions only")
    if detail.deidentified:
        raise ValueError(f"session {s.id}: the REMS Patient Monitoring Form is submitted under "
                         "the patient's identity and the session's real date; a de-identified "
                         "form (a pseudonym, a moved date) would be a wrong form, so none is "
                         "written (export it identified, signed in with a clinical role)")
    t0 = detail.t0
    end = s.discharged_at or s.ended_at
    day = rc.local(s.started_at, tz).date()
    zoned = rc.spans_zone_change(detail, tz)
    ticks = {(t.phase, t.item): t for t in detail.ticks}
    by_item = {t.item: t for t in detail.ticks}
    # A device is an item `device-<n>`, as the engine counts them (`device_number`): by the
    # prefix, a pre-dose "device-instructions" was listed as a device and the first dose.
    device_ticks = _in_log_order([t for t in detail.ticks if device_number(t.item) is not None])
    devices = tuple(DeviceDose(item=t.item, at=t.at, note=t.note) for t in device_ticks)
    needed = devices_needed(detail, protocol)
    ticked = {d.item for d in devices}
    # The reason logged when the devices' phase was left with a device of the dose open, none
    # ticked too ("Patient declined the spray: no device given"): without a tick, the phase is
    # the protocol's (a REMS draft review: it asked for both devices to complete by hand).
    devices_phase = device_ticks[0].phase if device_ticks else _devices_phase(protocol)
    left_reason = (_devices_left_reason(detail, devices_phase)
                   if devices_phase is not None and needed is not None and len(devices) < needed
                   else None)
    # Ended with no device ticked (the devices are the dose), T0 reached or not: never dosed.
    # Held on its pre-dose BP before T0, the draft had read that BP "NOT RECORDED", "Dose (mg):
    # 56" and asked for both devices by hand (a review). A running session's may still come.
    never_dosed = (not devices and end is not None and devices_phase is not None)
    # Some of the dose's devices ticked, or the phase left with none: the others were not given
    # as far as the log says (the dose line says so, to check), not values the log lacks.
    devices_missing = (() if devices or left_reason is not None or never_dosed else
                       tuple(name for name in _device_items(needed) if name not in ticked))
    # The pressures where the review's vitals table shows them (`content.placed_series`): a
    # corrected value at its measurement's time. By the time each row was received, a 250/90
    # at T+40 corrected to 150 ten minutes later paired with no diastolic, and the form said
    # the T+40 pressure was NOT RECORDED beside a review showing 150/90 (an exports review,
    # 3 Dec 2026).
    # The label's times count from the first device given (its T+40 BP, its 2 hours), which
    # may be later than T0, the dosing phase's start: from T0, device 1 given 10 minutes into
    # the phase made a BP 30 minutes after the dose the form's "about 40 minutes after" one.
    # Times from the dose as the console's timers ran: net of the wall-clock steps it logged
    # (review 45: NTP setting a fast clock back 30 min made 125 monitored minutes "95").
    # Never dosed: no dose to count from (T0 without a device is no administration).
    clock = _DoseClock(detail, None if never_dosed else t0,
                       device_ticks[0] if device_ticks else None)
    dosed = clock.dose_at
    placed = rc.placed_series(detail)
    pairs = _bp_pairs(placed.get("bp_systolic"), placed.get("bp_diastolic"),
                      (lambda at: clock.reading_seconds("bp_systolic", at))
                      if dosed is not None else None)
    # "Before the dose" is before the first device given, not before T0: a BP typed at T0+5,
    # the device given at T0+10, is the pressure prior to administration, and was named "the
    # highest after the dose" beside the increased-pressure answer (an exports review, 4 Dec).
    # Which side of the dose by its minutes after it, as the console's timers ran (review 45: a
    # BP 5 min before the dose, NTP setting the clock back 30 min between, read as after it);
    # one a step back leaves unplaced by its logged time, its minutes printed UNCERTAIN.
    total = clock.total_minutes(end) if dosed is not None and end else None

    def bp_after(p: BloodPressure) -> bool | None:
        # Without its minutes, by both readings of its time a step back left (an 8-s step an
        # hour after the dose: after it either way, its minutes still printed UNCERTAIN).
        if p.minutes_after_dose is not None:
            return p.minutes_after_dose >= 0
        return clock.after(clock.reading_seconds("bp_systolic", p.at), p.at)

    # A blood pressure after the dose assesses the pressure; one a step back leaves either side
    # of it may be after it (the answer UNCERTAIN).
    bp_sides = [(p, bp_after(p)) for p in pairs]
    side_of = dict(bp_sides)

    def before_dose(p: BloodPressure) -> bool:
        side = side_of[p]
        if side is not None:
            return not side
        return dosed is not None and p.at < dosed   # either side: listed by its logged time

    def by_discharge(p: BloodPressure) -> bool:
        if p.minutes_after_dose is not None:
            return total is None or p.minutes_after_dose <= total
        # Unplaced by a step back: its logged time cannot be set against the discharge's; it
        # was logged in the session, whose record ends there.
        return True

    before = [p for p in pairs if dosed is None or before_dose(p)]
    # Never dosed, every pressure is before the dose: the decision to hold was made on them.
    judged = dosed is not None or never_dosed
    bp_before = before[-1] if before and judged else None
    pre_dose = pre_dose_bp(detail, before if judged else [], protocol, signatures,
                           dosed, clock.dose_event,
                           lambda at: clock.reading_seconds("bp_systolic", at))
    if never_dosed:
        # No dose went ahead on them: no decision to dose past the threshold is asked for.
        pre_dose = replace(pre_dose, decision_needed=None, decided=None)
        # The pressure the hold was decided on: the last that reached the gate, not a recheck
        # before the patient went home (162/100 held, 128/80 20 min later read "before dose:
        # 128/80", a normal pressure on the form of a dose held for it: a review).
        gate = pre_dose.threshold
        reached = [p for p in before if gate is not None and gate.reached(p.systolic,
                                                                           p.diastolic)]
        bp_before = reached[-1] if reached else bp_before
    # The BP that met the console's T+40 check, however late: the checklist's "REMS form fields
    # complete" waits for that check, so the form it attests has this BP (review 45).
    opens = t40_check_opens(protocol)
    from_check = [p for p in pairs if dosed is not None and p.minutes_after_dose is not None
                  and timedelta(minutes=p.minutes_after_dose) >= opens and by_discharge(p)]
    bp_40 = min(from_check, key=lambda p: p.minutes_after_dose or 0.0, default=None)
    # The last BP before the discharge, typed or from the monitor, whichever was measured
    # last: the patient's pressure as they left. Not "after the T+40 one": a BP typed at T+40 a
    # minute before an early discharge was both, and the form said NOT RECORDED (nurse walk,
    # 2 Dec 2026). After the dose only: a pre-dose BP says nothing of the patient after the drug.
    after = sorted((p for p in pairs
                    if dosed is not None and not before_dose(p) and by_discharge(p)),
                   key=lambda p: _minutes_from(p, dosed))
    bp_discharge = after[-1] if after else None

    # Scores, alarms and readings against the dose by the blood pressures' clock: as the
    # console's timers ran, each placed among the logged clock steps by the log's order where
    # it counts its rows, else by its time. By wall time, NTP setting a fast clock back 30 min
    # at T+5 logged a MOAA/S 3 and an SpO2-low alarm of T+20 "before" the dose, and the form
    # answered "Sedation: No", "Respiratory depression: No" (an exports review). One whose side
    # of the dose the log cannot tell (`None`) makes an answer UNCERTAIN, never "No".
    sides = [(x, clock.after(clock.scale_seconds(x), x.at)) for x in detail.scales]
    after_dose = [x for x, side in sides if side]
    unplaced = [x for x, side in sides if side is None]
    moaas = [x for x in after_dose if x.metric == "moaas"]
    cadss = [x for x in after_dose if x.metric == "dissociation"]
    lowest_moaas = min((x.value for x in moaas), default=None)
    highest_cadss = max((x.value for x in cadss), default=None)

    def sedation(items: Iterable[ScaleObservation]) -> list[ScaleObservation]:
        return [x for x in items if x.metric == "moaas" and x.value < SEDATION_BELOW]

    def dissociation(items: Iterable[ScaleObservation]) -> list[ScaleObservation]:
        return [x for x in items
                if x.metric == "dissociation" and x.value > DISSOCIATION_PRESENT_ABOVE]

    def reported(metric: str, items: Iterable[ScaleObservation]) -> list[ScaleObservation]:
        return [x for x in items if x.metric == metric and x.value >= 1]

    sedated = sedation(after_dose)
    dissociated = dissociation(after_dose)
    hallucinating = reported("hallucinations", after_dose)
    nauseous = reported("nausea", after_dose)
    # Vomiting noted with its button after the dose answers nausea too (the record's adverse
    # event, README), placed against the dose as the scores are, by its event's place among the
    # logged clock steps; one taken back (entered in error, the button's Undo) counts nowhere.
    # Read from the nausea score alone, a patient who vomited at T+35 after a nausea 0 at T+20
    # was "Nausea: No" on the draft (a reviewer's proof).
    vomit_sides = [(n, clock.after(clock.note_seconds(n), n.at)) for n in detail.notes
                   if n.kind == OBSERVED and n.text == VOMITING and not n.entered_in_error]
    vomited = [n for n, side in vomit_sides if side]
    vomited_unplaced = [n for n, side in vomit_sides if side is None]
    # An alarm raised by a value taken back (entered in error, or corrected) answers no
    # question: that value was never the patient's. A corrected value that breaches raised its
    # own alarm (README, "a correction to 210 alarms"), which counts; the typed 250 of a cuff's
    # 150 answered "Increased blood pressure: Yes" (an exports review, 3 Dec 2026). The
    # taken-back alarms are still named in the evidence, marked, as the review lists them. An
    # alarm a typo only escalated ("escalated by a value corrected to …") was raised by a value
    # that stands, and counts.
    # Raised after the dose, or raised before it and still open then (a BP alarm raised at T0,
    # device 1 given ten minutes later: the form had answered "No" beside it).
    alarm_sides = [(a, clock.alarm_after(a)) for a in detail.alarms
                   if a.category == "physiological"]
    physiological = [a for a, side in alarm_sides if side]
    unplaced_alarms = [a for a, side in alarm_sides if side is None]

    def breathing_alarms(items: Iterable[AlarmEpisode]) -> list[AlarmEpisode]:
        # A probe off is no desaturation: counted, it answered "Yes" on every SpO2 and RR
        # measured normal (an esketamine review). No RR is apnoea, and counts.
        return [a for a in items if a.condition.startswith(("resp_rate_low", "spo2_low"))
                and not _spo2_unmeasured(a)]

    def pressure_alarms(items: Iterable[AlarmEpisode]) -> list[AlarmEpisode]:
        return [a for a in items if a.condition.startswith("bp_")
                and a.condition.endswith("_high")]

    def standing(items: Iterable[AlarmEpisode]) -> list[AlarmEpisode]:
        return [a for a in items if not _raised_by_value_taken_back(a)]

    breathing_all = breathing_alarms(physiological)
    probe_off = [a for a in physiological if _spo2_unmeasured(a)]
    pressure_all = pressure_alarms(physiological)
    breathing = standing(breathing_all)
    pressure = standing(pressure_all)

    def scored(*metrics: str) -> bool:
        return any(x.metric in metrics for x in after_dose)

    def measured(*metrics: str) -> tuple[bool, list[datetime]]:
        # Whether a value was measured after the dose; else those whose side is not known.
        unsure: list[datetime] = []
        for name in metrics:
            series = detail.vitals.get(name)
            for at in reversed(series.times if series is not None else ()):
                side = clock.after(clock.reading_seconds(name, at), at)
                if side:
                    return True, []
                if side is None:
                    unsure.append(at)
        return False, sorted(unsure)

    def when(at: datetime) -> str:
        return _when(at, tz, day, zoned)

    def scale_evidence(items: list[ScaleObservation], label: str) -> str:
        return "; ".join(f"{label} {x.value:g} at {when(x.at)}" for x in items)

    def vomiting_evidence(items: list[Note]) -> str:
        return "; ".join(f"vomiting at {when(n.at)}" for n in items)

    def answered(name: str, found: list[Any], assessed: bool, evidence: str,
                 unsure_found: str, unsure_any: str, unmeasured: str = "") -> AdverseEvent:
        # Yes on what came after the dose; UNCERTAIN on what may have (`unsure_found`: would
        # say yes; `unsure_any`: would have assessed it) rather than "No" or "NOT ASSESSED";
        # UNCERTAIN too where alarms said the vital was not measured (`unmeasured`).
        if found:
            return AdverseEvent(name, True, evidence)
        unsure = unsure_found or ("" if assessed else unsure_any)
        if unsure:
            return AdverseEvent(name, None, evidence, uncertain=unsure)
        if unmeasured:
            return AdverseEvent(name, None, evidence, unmeasured=unmeasured)
        return AdverseEvent(name, False if assessed else None, evidence)

    def measured_words(label: str, times: list[datetime]) -> str:
        if not times:
            return ""
        if len(times) == 1:
            return f"{label} at {when(times[0])}"
        return f"{label} values logged {when(times[0])} to {when(times[-1])}"

    breathing_measured, breathing_unsure = measured("resp_rate", "spo2")

    def highest_bp(none_standing: str) -> str:
        # "No" comes from the protocol's alarm limits: the highest pressure after the dose is
        # named beside it, so the nurse judges 168/102 with it (a clinician's audit read "No"
        # beside that value on the same form).
        top = max(after, key=BloodPressure.height, default=None)
        if top is None:
            return ""
        return (f"{none_standing}; highest after the dose {top.text()} "
                f"at {_when(top.at, tz, day, zoned)}")

    def priorities(a: Any) -> str:   # an AlarmEpisode
        # The priority it was raised at, and when it rose: an alarm raised medium at 10:05 and
        # escalated at 10:10 read "at 10:05 (high)", a high alarm at 10:05 that never was (an
        # audit). `a.priority` is the highest it reached.
        raised = next((s.priority for s in a.steps if s.transition == "raised"),
                      a.steps[0].priority if a.steps else a.priority)
        if raised == a.priority:
            return str(a.priority)
        return (f"{raised} at {_when(a.raised_at, tz, day, zoned)}, {a.priority} from "
                f"{_when(a.highest_at, tz, day, zoned)}")

    def alarm_evidence(items: list[Any]) -> str:
        return "; ".join(f"{a.message} at {_when(a.raised_at, tz, day, zoned)} ({priorities(a)})"
                         + (f" [{a.taken_back}]" if a.taken_back else "") for a in items)

    def taken_back_evidence(standing: list[Any], every: list[Any], otherwise: str) -> str:
        # Every alarm as the review lists it when one stands; else what the answer rests on
        # (`otherwise`), then the alarms whose values were taken back, so the nurse sees why
        # the answer is not yes.
        if standing:
            return alarm_evidence(every)
        voided = (f"not counted, raised by a value taken back: {alarm_evidence(every)}"
                  if every else "")
        return "; ".join(filter(None, (otherwise, voided)))

    adverse: tuple[AdverseEvent, ...] = (
        answered("sedation", sedated, scored("moaas"), scale_evidence(sedated, "MOAA/S"),
                 scale_evidence(sedation(unplaced), "MOAA/S"),
                 scale_evidence([x for x in unplaced if x.metric == "moaas"], "MOAA/S")),
        # Assessed by a CADSS score (the measure of dissociation); hallucinations present say
        # yes on their own, absent ones do not say no (a code review).
        answered("dissociation", dissociated + hallucinating, scored("dissociation"),
                 "; ".join(filter(None, (scale_evidence(dissociated, "CADSS"),
                                         scale_evidence(hallucinating, "hallucinations")))),
                 "; ".join(filter(None, (
                     scale_evidence(dissociation(unplaced), "CADSS"),
                     scale_evidence(reported("hallucinations", unplaced), "hallucinations")))),
                 scale_evidence([x for x in unplaced if x.metric == "dissociation"], "CADSS")),
        answered("respiratory_depression", breathing, breathing_measured,
                 "; ".join(filter(None, (
                     taken_back_evidence(breathing, breathing_all,
                                         "no RR or SpO2 alarm on a value that stands"
                                         if breathing_all else ""),
                     f"not counted, SpO2 not measured: {alarm_evidence(probe_off)}"
                     if probe_off else ""))),
                 alarm_evidence(standing(breathing_alarms(unplaced_alarms))),
                 measured_words("RR or SpO2", breathing_unsure),
                 alarm_evidence(probe_off)),
        answered("increased_blood_pressure", pressure, any(side for _, side in bp_sides),
                 taken_back_evidence(pressure, pressure_all, highest_bp(
                     "no BP alarm on a value that stands" if pressure_all
                     else "no BP alarm")),
                 alarm_evidence(standing(pressure_alarms(unplaced_alarms))),
                 "; ".join(f"BP {p.text()} at {when(p.at)}"
                           for p, side in bp_sides if side is None)),
        answered("nausea", [*nauseous, *vomited], scored("nausea"),
                 "; ".join(filter(None, (scale_evidence(nauseous, "nausea"),
                                         vomiting_evidence(vomited)))),
                 "; ".join(filter(None, (
                     scale_evidence(reported("nausea", unplaced), "nausea"),
                     vomiting_evidence(vomited_unplaced)))),
                 scale_evidence([x for x in unplaced if x.metric == "nausea"], "nausea")),
        answered("hallucinations", hallucinating, scored("hallucinations"),
                 scale_evidence(hallucinating, "hallucinations"),
                 scale_evidence(reported("hallucinations", unplaced), "hallucinations"),
                 scale_evidence([x for x in unplaced if x.metric == "hallucinations"],
                                "hallucinations")),
    )
    if never_dosed:
        # Nothing is after a dose never given (an alarm before it is no adverse event of it).
        adverse = tuple(AdverseEvent(e.name, None) for e in adverse)
    answers = {e.name: e.present for e in adverse}
    enrol = ticks.get(("pre", "rems-enrolment")) or by_item.get("rems-enrolment")
    meds = ticks.get(("pre", "concomitant-medications")) or by_item.get("concomitant-medications")
    answers_typed = {name: (by_item[item].note.strip() or None) if item in by_item else None
                     for name, item in _TYPED_ANSWERS.items()}
    values = {
        "dose_mg": s.dose_mg, "device_times": devices or None,
        "observation_start": dosed, "observation_end": end, "bp_before_dose": bp_before,
        "bp_t_plus_40": bp_40, "bp_pre_discharge": bp_discharge,
        "total_monitoring_minutes": total, "rems_enrolment_confirmed": enrol,
        "concomitant_medications": meds,
        "device_lot_numbers": (None if not devices or any(not d.note.strip() for d in devices)
                               else devices),
        **answers_typed,
    }
    if not devices and (left_reason is not None or never_dosed):
        # No device given, said on the dose line: no time or lot to complete by hand.
        del values["device_times"], values["device_lot_numbers"]
    if never_dosed:
        # Of an administration and the monitoring after it: nothing to complete by hand.
        for name in ("observation_start", "total_monitoring_minutes", "bp_t_plus_40",
                     "bp_pre_discharge", "rems_evaluation_minutes"):
            del values[name]
    return RemsForm(
        session_id=s.id, patient_id=s.patient_id, session_number=s.session_number,
        session_date=day.isoformat(),
        time_zone=(rc.session_zone(detail, tz) if zoned
                   else rc.zone_named(rc.local(s.started_at, tz))),
        protocol=f"{s.protocol_id} {s.protocol_version}", nurse=s.nurse,
        nurses=tuple(NurseOnDuty(name, since) for name, since in detail.nurses()),
        rems_enrolment_confirmed=enrol is not None,
        concomitant_medications_reviewed=meds is not None,
        concomitant_medications_note=meds.note if meds is not None else "",
        dose_mg=s.dose_mg, devices_needed=needed, devices=devices, observation_start=dosed,
        observation_end=end,
        total_monitoring_minutes=total, bp_before_dose=bp_before, bp_t_plus_40=bp_40,
        bp_pre_discharge=bp_discharge, sedation=answers["sedation"],
        dissociation=answers["dissociation"],
        respiratory_depression=answers["respiratory_depression"],
        lowest_moaas=lowest_moaas, highest_cadss=highest_cadss, adverse_events=adverse,
        discharged=s.discharged_at is not None,
        discharge_override=detail.discharge_override(),
        **answers_typed,
        pre_dose_bp=pre_dose,
        devices_left_reason=left_reason,
        missing=(*(name for name, value in values.items() if value is None),
                 *(pre_dose.missing() if not never_dosed else ()),
                 *devices_missing,
                 *(f"{e.name}_{_why_not_answered(e)}" for e in adverse
                   if e.present is None and not never_dosed)),
        zoned=zoned,
        demo=s.demo,
        no_dose_given=never_dosed,
    )


def pre_dose_bp(detail: SessionDetail, readings: Sequence[BloodPressure],
                protocol: Protocol | None,
                signatures: SessionSignatures | None = None,
                dosed: datetime | None = None,
                dose_event: LoggedEvent | None = None,
                since_dose: Callable[[datetime], _Span | None] | None = None) -> PreDoseBp:
    """The blood pressures before the dose (`readings`, the pairs before `dosed`, the first
    device given, else T0, in time order) against the protocol's pre-dose threshold, with the
    prescribers' decisions logged before the dose (the module docstring gives the rule).

    `dose_event` is the dose's event (the first device's tick, else T0's): the decisions are
    set against it as the console's timers ran, the clock steps logged between left out (by
    wall time, NTP setting the clock back between a decision and the dose logged the decision
    "after" it, and the draft said none was logged). Without it, T0's event when `dosed` is
    not given, else by `dosed`'s time. `since_dose`: the seconds from `dose_event` to a
    systolic value logged at a time (`_DoseClock.reading_seconds`), to set the decisions
    against the last reading alike; without it, by their times."""
    threshold = bp_threshold(protocol)
    gated = tuple(PreDoseReading(
        bp.at, bp.systolic, bp.diastolic, bp.minutes_after_dose,
        threshold.reached(bp.systolic, bp.diastolic) if threshold is not None else None,
        bp.systolic_beyond, bp.diastolic_beyond)
        for bp in readings)
    if dose_event is None and dosed is None:
        dose_event = detail.t0_event()
    steps = detail.logged_steps()
    dose_at = dosed or detail.t0

    def after_dose(e: LoggedEvent) -> bool:
        if dose_event is not None:
            return event_seconds_between(dose_event, e, steps) > 0
        return dose_at is not None and e.at > dose_at

    logged = _prescriber_decisions(detail.events, dose_at, threshold, signatures, after_dose)
    last = gated[-1] if gated else None
    needed = last.reaches_threshold if last is not None else None
    span = since_dose(last.at) if last is not None and since_dose is not None else None

    def after_last(e: LoggedEvent) -> bool | None:
        # At or after the last reading as the console's timers ran (review 45: by wall time,
        # NTP setting the clock back 10 min between the BP and the decision asked for it read
        # "NOT RECORDED" above the decision's own line).
        if last is None:
            return False
        if span is None or dose_event is None:
            return e.at >= last.at   # a record without its events (made by hand): its times
        seconds = event_seconds_between(dose_event, e, steps)
        earliest, latest = span
        return True if seconds >= latest else False if seconds < earliest else None

    sides = {after_last(e) for e, _ in logged}
    decided = True if True in sides else None if None in sides else False
    return PreDoseBp(threshold, gated, tuple(d for _, d in logged), needed, decided)


def bp_threshold(protocol: Protocol | None) -> BpThreshold | None:
    """The pre-dose blood pressure threshold: the gate of the first checklist item before the
    first dosing phase that gates a blood pressure; None without one (or without the file)."""
    if protocol is None:
        return None
    for phase in protocol.phases:
        if phase.kind is PhaseKind.DOSING:
            break
        for item in phase.checklist:
            limits = dict(item.gate)
            if "bp_systolic" in limits or "bp_diastolic" in limits:
                return BpThreshold(item.id, limits.get("bp_systolic"), limits.get("bp_diastolic"))
    return None


def _prescriber_decisions(events: Iterable[LoggedEvent], dosed: datetime | None,
                          threshold: BpThreshold | None,
                          signatures: SessionSignatures | None,
                          after_dose: Callable[[LoggedEvent], bool]
                          ) -> tuple[tuple[LoggedEvent, PrescriberDecision], ...]:
    """The decisions to dose past the pre-dose gate logged up to the dose (the first device
    given, else T0; the override that started dosing is logged at T0), `after_dose` saying
    which came later: the gate item's `gate_decision`s, and the overrides of the move to dosing
    refused at the gate (its words, or signed as a prescriber's decision at a gate); each with
    its event."""
    if dosed is None:
        return ()
    out = []
    for e in events:
        if after_dose(e):
            continue
        d = e.detail
        signed = _signatures_of(e.id, signatures)
        if e.kind == "gate_decision" and (threshold is None or threshold.item in (
                d.get("item"), d.get("gate"))):   # "gate": decided at device 1's tick
            words, shown = str(d.get("decision", "")), tuple(map(str, d.get("values", ())))
        elif e.kind == "override" and d.get("action") == "end_phase":
            refusals = tuple(str(b) for b in d.get("blockers", ()) if GATE_REFUSAL in str(b))
            if not refusals and not any(x.meaning == GATE_DECISION for x in signed):
                continue
            words, shown = str(d.get("reason", "")), refusals
        else:
            continue
        out.append((e, _decision(e, words, shown, signed, signatures)))
    return tuple(out)


def _signatures_of(event_id: int, signatures: SessionSignatures | None) -> list[SignatureEntry]:
    if signatures is None:
        return []
    return [x for x in signatures.signatures if x.table == "events" and x.row_id == event_id]


def _decision(e: LoggedEvent, words: str, shown: tuple[str, ...], signed: list[SignatureEntry],
              signatures: SessionSignatures | None) -> PrescriberDecision:
    """One decision with its signature: the prescriber's (meaning "prescriber decision at
    gate") when there is one, else whichever signed it."""
    first = next((x for x in signed if x.meaning == GATE_DECISION), signed[0] if signed else None)
    if first is not None:
        return PrescriberDecision(
            e.at, e.kind, str(e.detail.get("item", "")), e.actor, words, shown,
            SignatureState.SIGNED if first.intact else SignatureState.CHANGED,
            signed_by=first.printed_name,
            signer_role="prescriber" if first.meaning == GATE_DECISION else None,
            signed_as=first.meaning, signed_at=first.at)
    if signatures is None:
        state = SignatureState.NOT_CHECKED
    elif any(u.table == "events" and u.row_id == e.id for u in signatures.unsigned):
        # Listed unsigned by the log's order (`load_signatures`): after a clock set back
        # since the first account, its time alone had said "no accounts yet".
        state = SignatureState.UNSIGNED
    elif signatures.enforced_since is None or e.at < signatures.enforced_since:
        state = SignatureState.NO_ACCOUNTS
    else:
        state = SignatureState.UNSIGNED
    return PrescriberDecision(e.at, e.kind, str(e.detail.get("item", "")), e.actor, words,
                              shown, state)


def devices_needed(detail: SessionDetail, protocol: Protocol | None = None) -> int | None:
    """How many devices the session's dose is, by its protocol's rule (`Dose.device_count`, the
    chair's count too); None without a dose or the protocol file."""
    dose = detail.summary.dose_mg
    if protocol is None:
        protocol = find_protocol(detail.summary.protocol_id, detail.events, detail.summary.id)
    if dose is None or protocol is None or protocol.dose.mode is not DoseMode.DEVICES:
        return None
    return protocol.dose.device_count(dose)


def _devices_left_reason(detail: SessionDetail, phase: str) -> str | None:
    """The reason of the override that ended the devices' phase `phase` (a device of the dose
    left open), or None (still on it, or moved on with nothing open)."""
    return next((o.reason for o in reversed(detail.overrides)
                 if o.what == "end_phase" and o.phase == phase and o.reason.strip()), None)


def _devices_phase(protocol: Protocol | None) -> str | None:
    """The id of the protocol's phase whose checklist holds the devices (`device-1`...:
    esketamine's "dosing"), or None (no such phase, or no protocol file)."""
    phases = protocol.phases if protocol is not None else ()
    return next((p.id for p in phases
                 if any(device_number(item.id) is not None for item in p.checklist)), None)


def _device_items(count: int | None) -> list[str]:
    """"device-1" ... the checklist items of `count` devices (protocols/esketamine.toml)."""
    return [f"device-{k}" for k in range(1, (count or 0) + 1)]


def t40_check_opens(protocol: Protocol | None) -> timedelta:
    """From when after the dose a BP meets the console's T+40 check (the engine's rule,
    `console.session.schedule`: a reading at or after the check's time less its early
    minutes): of the protocol's checks timed after T0 that measure blood pressure, the time
    nearest T+40 (esketamine's "BP at T+40": T+38). Without the protocol file, `_T40_CHECK`."""
    checks = [c for c in timed_checks(protocol.phases if protocol is not None else ())
              if {"bp_systolic", "bp_diastolic"} <= set(c.named)] or [_T40_CHECK]
    minutes, early = min(((m, c.early_minutes) for c in checks for m in c.at_minutes_after_t0),
                         key=lambda slot: abs(timedelta(minutes=slot[0]) - T40))
    return timedelta(minutes=minutes - early)


def _in_log_order(ticks: Sequence[ChecklistTick]) -> list[ChecklistTick]:
    """`ticks` in the order the console logged them (their events' ids, which no clock step
    moves: the engine's order by its monotonic clock); by their times where an id is not known
    (a record made by hand)."""
    if all(t.event_id for t in ticks):
        return sorted(ticks, key=lambda t: t.event_id)
    return sorted(ticks, key=lambda t: t.at)


_Span = tuple[float, float]
"""Seconds from the dose to a record as the earliest and the latest it may be
(`clock_steps.seconds_to_time_range`): one number twice where the log places the record."""


def _exact(span: _Span | None) -> float | None:
    """The seconds of `span` where the log places its record; None where they are one of two
    readings a step back's size apart: no number to print (its side may still be known)."""
    return span[0] if span is not None and span[0] == span[1] else None


class _DoseClock:
    """Seconds from the dose as the console's timers counted them: the logged wall times net of
    the clock steps logged between (`clock_steps`, the rule of the review's times). Events are
    placed among the steps by their ids; a reading or an alarm row by the log's order where the
    steps counted the rows before them (`content.RowSteps`), else by its time alone: where a step
    back may lie either side of it, as the two readings of its time (`_Span`). Its side of the
    dose is known where both readings agree (an 8-s step an hour after the dose: after it either
    way), never its seconds.

    The dose is the first device's tick (`first_device`, the first in the log's order) when it
    came after T0 as the console's timers ran (the engine's `_first_dose`, on its monotonic
    clock), else T0: `dose_at`, None before T0."""

    def __init__(self, detail: SessionDetail, t0: datetime | None,
                 first_device: ChecklistTick | None) -> None:
        self._detail = detail
        self._steps = detail.logged_steps()
        self._t0 = detail.t0_event() if t0 is not None else None
        device = (detail.events_by_id().get(first_device.event_id)
                  if first_device is not None and first_device.event_id else None)
        self.dose_at: datetime | None = t0
        self._dose: LoggedEvent | None = self._t0
        # Without a logged step, times place every record (and a 2-hour session's 43,000 rows
        # are not indexed for nothing).
        self._rows = rc.RowSteps(detail, bool(self._steps))
        # A value of a series by its metric and logged time (as `_bp_pairs` asks for it); a
        # corrected value stands at the row it corrects (`content.placed_series`).
        self._reading_rows: dict[tuple[str, datetime], list[int]] = {}
        for o in detail.observations if self._steps else ():
            self._reading_rows.setdefault((o.metric, o.received_at), []).append(o.id)
        # The review's rule, one for both (`content.first_dose`): the header and the PDF name
        # the same first dose as the form.
        dose = rc.first_dose(detail)
        if t0 is not None and first_device is not None and dose is not None and dose[1] > 0:
            self.dose_at, self._dose = first_device.at, device

    @property
    def dose_event(self) -> LoggedEvent | None:
        """The dose's event (the first device's tick, else T0's), None before T0."""
        return self._dose

    def seconds_to(self, at: datetime, after_event: int | None = None) -> _Span | None:
        """Seconds from the dose to a record logged at `at` (`_Span`); None without the dose's
        event. `after_event`: the last clock step or restart logged before it
        (`RowPlaces.event_before`), else it is placed by its time alone."""
        if self._dose is None:
            return None
        if after_event is not None:
            seconds = logged_seconds(self._dose.at, self._dose.id, at, after_event, self._steps)
            return seconds, seconds
        return seconds_to_time_range(self._dose, at, self._steps)

    def reading_seconds(self, metric: str, at: datetime) -> _Span | None:
        """`seconds_to` a value of `metric` logged at `at`, placed by its row: by its time
        alone when rows of that metric and time lie apart (a step back: it came twice)."""
        places = {self._rows.reading(row) for row in self._reading_rows.get((metric, at), ())}
        return self.seconds_to(at, places.pop() if len(places) == 1 else None)

    def scale_seconds(self, score: ScaleObservation) -> _Span | None:
        """`seconds_to` a score, placed by its row (a corrected score: the first it corrects,
        whose time it stands at)."""
        return self.seconds_to(score.at, self._rows.reading(score.observation_id,
                                                            score.replaced is not None))

    def note_seconds(self, note: Note) -> _Span | None:
        """`seconds_to` a note (an observation noted with a button), placed by its event's id
        (0, not known: by its time)."""
        return self.seconds_to(note.at, note.event_id or None)

    def alarm_after(self, alarm: AlarmEpisode) -> bool | None:
        """Whether `alarm` was raised after the dose or was still open then (not cleared before
        it); None when the log cannot tell."""
        if self.dose_at is None:
            return True   # no dose: every alarm of the session
        raised = next((s for s in alarm.steps if s.transition == "raised"),
                      alarm.steps[0] if alarm.steps else None)
        if raised is None:
            return self.after(self.seconds_to(alarm.raised_at), alarm.raised_at)
        if self.after(self._row_seconds(raised), raised.at):
            return True
        cleared = [s for s in alarm.steps if s.transition == "cleared"]
        if not cleared:
            return True   # open at the end of the log: open at the dose too
        return self.after(self._row_seconds(cleared[-1]), cleared[-1].at, strictly=True)

    def _row_seconds(self, step: AlarmStep) -> _Span | None:
        return self.seconds_to(step.at, self._rows.alarm_row(step.id))

    def after(self, seconds: _Span | None, at: datetime, strictly: bool = False) -> bool | None:
        """Whether a record logged at `at`, `seconds` after the dose (None: not known), came
        after it (or at it, unless `strictly`): by both readings of its time where a step back
        left two; None where they lie either side of the dose (or not known). False without a
        dose. A record without its events (made by hand) has no steps: its time says it."""
        if self.dose_at is None:
            return False
        if seconds is None:
            if self._dose is not None:
                return None
            wall = (at - self.dose_at).total_seconds()
            seconds = wall, wall
        earliest, latest = seconds
        if earliest > 0 or (earliest == 0 and not strictly):
            return True
        if latest < 0 or (latest == 0 and strictly):
            return False
        return None

    def total_minutes(self, end: datetime) -> float | None:
        """Minutes from the dose to the discharge (or the session's end) logged at `end`: the
        engine's own count from T0 (`discharged`'s minutes_from_t0) where it logged one."""
        if self._dose is None:
            return None
        from_t0 = (self._detail.discharge or {}).get("minutes_from_t0")
        if isinstance(from_t0, int | float) and self._t0 is not None:
            return round(from_t0 - event_seconds_between(self._t0, self._dose, self._steps) / 60,
                         1)
        ended = next((e for e in self._detail.events
                      if e.kind in ("discharged", "session_ended") and e.at == end), None)
        seconds = logged_seconds(self._dose.at, self._dose.id, end,
                                 ended.id if ended is not None else AFTER_EVERY_EVENT, self._steps)
        return round(seconds / 60, 1)


def _minutes_from(bp: BloodPressure, dosed: datetime | None) -> float:
    """`bp`'s minutes after the dose, as the console's timers ran where known, else by its
    logged time (a step back left it unplaced), to order the readings after the dose."""
    if bp.minutes_after_dose is not None or dosed is None:
        return bp.minutes_after_dose or 0.0
    return (bp.at - dosed).total_seconds() / 60


def _bp_pairs(sys_series: Sequence[rc.PlacedValue] | None,
              dia_series: Sequence[rc.PlacedValue] | None,
              since_dose: Callable[[datetime], _Span | None] | None) -> list[BloodPressure]:
    """Systolic values paired with the diastolic value nearest in time (within 90 s), each at
    the time the review places it (`content.placed_series`), with its minutes after the dose
    (`since_dose`: seconds, `_Span`; None: no dose): None where they are not one number. A
    value beyond the monitor's range keeps its mark (`PlacedValue.beyond`)."""
    if not sys_series or not dia_series:
        return []
    diastolic = sorted((p.at, p.value, p.beyond) for p in dia_series)
    times = [at for at, _, _ in diastolic]
    out = []
    for at, systolic, beyond in sorted((p.at, p.value, p.beyond) for p in sys_series):
        i = bisect_left(times, at)
        nearest = min((j for j in (i - 1, i) if 0 <= j < len(times)),
                      key=lambda j: abs(times[j] - at))
        if abs(times[nearest] - at) > PAIR_WITHIN:
            continue
        seconds = _exact(since_dose(at)) if since_dose is not None else None
        minutes = round(seconds / 60, 1) if seconds is not None else None
        _, value, value_beyond = diastolic[nearest]
        out.append(BloodPressure(at, systolic, value, minutes, beyond, value_beyond))
    return out


def _spo2_unmeasured(alarm: AlarmEpisode) -> bool:
    """An SpO2 alarm of its absence rule alone ("No SpO2 for 30 s": a probe off, no pulse
    signal): raised without a value (console/session/conditions.py), and no value of it held
    the alarm at any step (an SpO2 86, then the probe off, is a low SpO2)."""
    return (alarm.condition.startswith("spo2_low") and alarm.value is None
            and all(s.value is None for s in alarm.steps))


def _raised_by_value_taken_back(alarm: AlarmEpisode) -> bool:
    """The alarm was raised by a typed value later entered in error or corrected (not one such
    a value only escalated: its raising value stands)."""
    return bool(alarm.taken_back) and not alarm.taken_back.startswith("escalated by")


def _when(at: datetime, tz: tzinfo | None, day: date, zoned: bool = False) -> str:
    """"16:40" on the session's local date; "Fri 06 Mar 2026 00:10" past local midnight; with
    the zone ("02:45 CET") when `zoned` (`content.spans_zone_change`)."""
    if rc.local(at, tz).date() == day:
        return rc.hhmm(at, tz, zoned=zoned)
    return rc.day_time(at, tz, zoned=zoned)


# A blood pressure's marks of a value beyond the monitor's range, in the JSON only when set (as
# FHIR's `comparator`): `"systolic": 250, "systolic_beyond": ">"` reads ">250".
_BEYOND_KEYS: Final = frozenset({"systolic_beyond", "diastolic_beyond"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v or k not in _BEYOND_KEYS}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# The form's answers typed with a checklist tick (protocols/esketamine.toml from version 1.5):
# field → item. A session of an older protocol has none of them: named missing.
_TYPED_ANSWERS: Final = {
    "vitals_acceptable_before": "vitals-acceptable-before",
    "vitals_acceptable_after": "vitals-acceptable-after",
    "rems_evaluation_minutes": "rems-evaluation",
}

_MISSING_WORDS: Final = {
    "dose_mg": "dose",
    "device_times": "the devices' times",
    "observation_start": "start of observation (T0)",
    "observation_end": "end of observation (discharge)",
    "bp_before_dose": "blood pressure before dose",
    "bp_t_plus_40": "blood pressure about 40 minutes after dose",
    "bp_pre_discharge": "blood pressure before discharge",
    "total_monitoring_minutes": "total monitoring time",
    "rems_enrolment_confirmed": "REMS enrolment confirmation",
    "concomitant_medications": "concomitant medications review",
    "device_lot_numbers": "device lot numbers",
    "vitals_acceptable_before": "vital signs acceptable before administration (yes or no)",
    "vitals_acceptable_after": "vital signs acceptable before session completion (yes or no)",
    "rems_evaluation_minutes": "REMS evaluation question (minutes)",
    "bp_threshold": ("whether the blood pressure before dose needed a prescriber's review (the "
                     "protocol in force sets no pre-dose threshold)"),
    "bp_decision": ("prescriber's decision on the blood pressure before dose (it reached the "
                    "pre-dose threshold and no decision is logged after it)"),
    "bp_decision_uncertain": ("prescriber's decision on the blood pressure before dose (it "
                              "reached the pre-dose threshold; whether a decision was logged "
                              "after it is not known: the station clock was set back around "
                              "it)"),
    "sedation_assessment": "sedation (no MOAA/S after the dose)",
    "dissociation_assessment": "dissociation (no CADSS after the dose)",
    "respiratory_depression_assessment": "respiratory depression (no RR or SpO2 after the dose)",
    "increased_blood_pressure_assessment": "increased blood pressure (no BP after the dose)",
    "nausea_assessment": "nausea (no score after the dose)",
    "hallucinations_assessment": "hallucinations (no score after the dose)",
    **{f"{name}_uncertain": (f"{name.replace('_', ' ')} (whether what would answer it came "
                             "after the dose: the station clock was set back around it)")
       for name in ("sedation", "dissociation", "respiratory_depression",
                    "increased_blood_pressure", "nausea", "hallucinations")},
    "respiratory_depression_unmeasured": ("respiratory depression (SpO2 not measured for a while "
                                          "after the dose, a probe off or no pulse signal; "
                                          "nothing else logged says it was low)"),
}

_LABELS: Final = {
    "sedation": "Sedation (MOAA/S below 5)",
    "dissociation": "Dissociation (CADSS above 4 or hallucinations)",
    "respiratory_depression": "Respiratory depression (RR or SpO2 low alarm)",
    "increased_blood_pressure": "Increased blood pressure (BP high alarm)",
    "nausea": "Nausea",
    "hallucinations": "Hallucinations",
}


def _why_not_answered(event: AdverseEvent) -> str:
    """The `missing` suffix of an answer the log cannot give (`_MISSING_WORDS`)."""
    return "uncertain" if event.uncertain else "unmeasured" if event.unmeasured else "assessment"


def _yes(flag: bool | None) -> str:
    """"Yes", "No", or for an answer the log cannot give "NOT ASSESSED" (never a "No")."""
    if flag is None:
        return "NOT ASSESSED"
    return "Yes" if flag else "No"


def _answer(event: AdverseEvent) -> str:
    """`_yes`, or UNCERTAIN naming what may have come after the dose (never a "No")."""
    if event.present is None and event.uncertain:
        return (f"UNCERTAIN ({event.uncertain}: before or after the dose not known, the station "
                "clock was set back around it; CHECK)")
    if event.present is None and event.unmeasured:
        return (f"UNCERTAIN ({event.unmeasured}: SpO2 not measured while it lasted, a probe off "
                "or no pulse signal, so whether it was low is not known; CHECK)")
    return _yes(event.present)


def _threshold_text(th: BpThreshold) -> str:
    """"systolic at or above 141 or diastolic at or above 91 mmHg", from the protocol's gate."""
    parts = [f"{name} at or above {limit:g}" for name, limit in
             (("systolic", th.systolic), ("diastolic", th.diastolic)) if limit is not None]
    return " or ".join(parts) + " mmHg"


def _as_typed(answer: str | None) -> str:
    """An answer that is no yes-or-no (the REMS evaluation's minutes) as typed; "NOT RECORDED"
    for none. Read as yes or no, a "no" typed there had printed "No"."""
    return "NOT RECORDED" if answer is None else answer


def _typed(answer: str | None) -> str:
    """A yes-or-no typed with a tick as the form's word ("y", "YES" → "Yes"), read by the rule
    the engine's gate reads it by (`protocols.model.yes_no`); anything else (a protocol before
    esketamine 1.9 took any words) as typed; "NOT RECORDED" for none."""
    if answer is None:
        return "NOT RECORDED"
    word = yes_no(answer)
    return answer if word is None else "Yes" if word else "No"


def render_text(form: RemsForm, tz: tzinfo | None = None) -> str:
    """The form as labelled lines of text (UTF-8), one field per line, times in the local zone
    `tz` (default: this computer's; give `rems_form` the same)."""
    day = date.fromisoformat(form.session_date)

    def t(at: datetime | None) -> str:
        return _when(at, tz, day, form.zoned) if at is not None else "NOT RECORDED"

    def bp_text(bp: BloodPressure | None) -> str:
        if bp is None:
            return "NOT RECORDED"
        when = f", T{bp.minutes_after_dose:+g} min" if bp.minutes_after_dose is not None else ""
        if bp.minutes_after_dose is None and form.observation_start is not None:
            # A step back of the station's clock around it: its time cannot say (review 45).
            when = ", time after the dose UNCERTAIN (the station clock was set back around it)"
        return f"{bp.text()} at {t(bp.at)}{when}"

    def about_40(bp: BloodPressure | None) -> str:
        # The BP that met the console's T+40 check, however late: said late where it is, not
        # left out beside a checklist that counted it (review 45).
        late = (bp is not None and bp.minutes_after_dose is not None
                and timedelta(minutes=bp.minutes_after_dose) > T40_LATE)
        return bp_text(bp) + (" (later than about 40 min: the first BP taken for the console's "
                              "T+40 check)" if late else "")

    def before_discharge(bp: BloodPressure | None) -> str:
        # How old the reading was when the patient left: 3.6 min, or two hours (a reader took
        # T+2.7 for a reading "long before discharge").
        end = form.observation_end
        if bp is None or end is None or not form.discharged:
            return bp_text(bp)
        total = form.total_monitoring_minutes
        if bp.minutes_after_dose is not None and total is not None:
            # As the console's timers ran, a logged clock step left out (review 45).
            minutes = round(total - bp.minutes_after_dose, 1)
        elif form.observation_start is not None and bp.minutes_after_dose is None:
            return bp_text(bp)   # says its time after the dose is UNCERTAIN
        else:
            minutes = round((end - bp.at).total_seconds() / 60, 1)
        return f"{bp_text(bp)}, {minutes:g} min before discharge"

    def pre_dose_lines(p: PreDoseBp) -> list[str]:
        # The pressures the dose went ahead on, against the threshold, then the decision (the
        # answer to "acceptable prior to administration" leans on it).
        th = p.threshold
        threshold = ("Pre-dose threshold for a prescriber's review before dosing: "
                     + (f"{_threshold_text(th)} (protocol item {th.item})" if th is not None
                        else "NONE in the protocol in force"))
        flags = {True: "REACHES THE THRESHOLD", False: "below", None: "not judged"}
        readings = "; ".join(f"{r.text()} at {t(r.at)} ({flags[r.reaches_threshold]})"
                             for r in p.readings)
        decision = "Prescriber's decision on the blood pressure before dose: "
        last = p.readings[-1] if p.readings else None
        if form.no_dose_given:
            decision += NO_DOSE
        elif form.observation_start is None:
            decision += "NOT KNOWN (no dose given)"
        elif last is None:
            decision += "NOT KNOWN (no blood pressure recorded before the dose)"
        elif th is None:
            decision += ("NOT KNOWN (the protocol in force sets no pre-dose threshold: judge the "
                         "pressure against the label by hand)")
        else:
            shown = f"{last.text()} at {t(last.at)}"
            if not p.decision_needed:
                decision += (f"not needed (the last before the dose, {shown}, was below the "
                             "threshold)")
            elif p.decided:
                decision += f"logged (the last before the dose, {shown}, reached the threshold)"
            elif p.decided is None:
                decision += (f"UNCERTAIN ({shown} reached the threshold; whether a decision "
                             "below was logged after it is not known, the station clock was "
                             "set back around it; CHECK)")
            else:
                decision += (f"NOT RECORDED ({shown} reached the threshold and no prescriber's "
                             "decision is logged after it)")
        return [threshold, f"Blood pressures before dose, each against the threshold: "
                f"{readings or 'NOT RECORDED'}",
                decision, *(decision_line(d) for d in p.decisions)]

    def decision_line(d: PrescriberDecision) -> str:
        how = (f"with the tick of {d.item}" if d.how == "gate_decision"
               else "dosing started against the pre-dose checks")
        signer = f"{d.signed_by} ({d.signer_role})" if d.signer_role else f"{d.signed_by}"
        when = t(d.signed_at) if d.signed_at is not None else "NOT RECORDED"
        signature = {
            SignatureState.SIGNED: f"signed by {signer} at {when}",
            SignatureState.CHANGED: (f"signed by {signer} at {when}, but the record or its "
                                     "signature was changed after signing: CHECK"),
            SignatureState.UNSIGNED: ("NOT SIGNED by a prescriber: only the words name who "
                                      "decided; no role recorded"),
            SignatureState.NO_ACCOUNTS: ("not signed (the log had no staff accounts): only the "
                                         "words name who decided; no role recorded"),
            SignatureState.NOT_CHECKED: ("signature not checked for this draft (the review's "
                                         "Signatures tab shows whether it is signed)"),
        }[d.signature]
        if d.signature is SignatureState.SIGNED and d.signer_role is None:
            signature += f" as {d.signed_as!r}, not as a prescriber's decision: CHECK"
        return (f"  Decision at {t(d.at)} ({how}), entered by {d.entered_by}: {d.words}; "
                f"{signature}")

    def answer(name: str, flag: bool | None) -> str:
        if form.no_dose_given:
            return NO_DOSE
        event = next((e for e in form.adverse_events if e.name == name), None)
        return _answer(event) if event is not None else _yes(flag)

    def after_dose(text: str) -> str:
        # A field of the administration or after it, in the draft of a session never dosed.
        return NO_DOSE if form.no_dose_given else text

    def nurses() -> str:
        # Every nurse who had the chair, as the review's header names them (`nurses_text`).
        return ", then ".join(n.name if n.since is None else f"{n.name} from {t(n.since)}"
                              for n in form.nurses) or form.nurse

    override = form.discharge_override
    against = (rc.against_gate(override, t(form.observation_end), form.total_monitoring_minutes)
               if override is not None else "")

    demo = [DEMO_DRAFT] if form.demo else []
    running = [RUNNING_DRAFT] if form.observation_end is None else []
    undosed = [NO_DOSE_DRAFT] if form.no_dose_given else []
    headings = [*demo, *running, *undosed, ""] if demo or running or undosed else []
    lines = [
        *headings,
        "SPRAVATO (esketamine) REMS - Patient Monitoring Form: values from the session log",
        "Draft pre-filled by the infusion console: check every field before submitting "
        "(within 7 days of the session).",
        "",
        f"Session: {form.session_id} (patient's session {form.session_number})",
        f"Patient identifier: {form.patient_id}",
        f"Session date: {day.strftime('%a %d %b %Y')}",
        f"Time zone: {form.time_zone}; every time below is local time"
        + (" and carries its zone" if form.zoned else ""),
        f"Protocol: {form.protocol}",
        f"Nurse: {nurses()}",
        f"REMS enrolment confirmed: {_yes(form.rems_enrolment_confirmed)}",
        f"Concomitant medications reviewed: {_yes(form.concomitant_medications_reviewed)}"
        + (f" ({form.concomitant_medications_note})" if form.concomitant_medications_note else ""),
        f"Dose (mg): {form.dose_mg:g}" if form.dose_mg is not None else "Dose (mg): NOT RECORDED",
    ]
    if form.devices_needed is not None and len(form.devices) > form.devices_needed:
        # A device beyond the dose was recorded given (its reason is in the log): the planned
        # dose is not what the patient had, and the form goes to the regulator.
        lines[-1] += (f" planned; {len(form.devices)} devices recorded given: CHECK the dose "
                      "given before submitting")
    if form.no_dose_given:
        # The review's words for a dose never given; why, where the nurse logged it.
        lines[-1] = ("Dose (mg): " + (f"{form.dose_mg:g} planned; never given"
                                      if form.dose_mg is not None else "none given")
                     + (f" (devices' phase left with the reason: {form.devices_left_reason})"
                        if form.devices_left_reason else ""))
    # Fewer devices recorded given than the dose; none given only when the devices' phase was
    # left with a reason (else the devices may still come, and are asked for below).
    short = (form.devices_needed is not None and len(form.devices) < form.devices_needed
             and (bool(form.devices) or form.devices_left_reason is not None
                  or form.no_dose_given))
    if short and form.dose_mg is not None and form.devices_needed and not form.no_dose_given:
        # What the log says was given, the plan beside it, and why the devices stopped where
        # the nurse said it.
        count = len(form.devices)
        mg = form.dose_mg / form.devices_needed * count
        given_text = (f"{count} device{'s' if count != 1 else ''} ({mg:g} mg)" if count
                      else "no device")
        lines[-1] += (f" planned; {given_text} recorded given: CHECK"
                      + (f" (devices' phase left with the reason: {form.devices_left_reason})"
                         if form.devices_left_reason else ""))
    given = {d.item: d for d in form.devices}
    needed = _device_items(form.devices_needed)
    for item in [*needed, *(name for name in given if name not in needed)]:
        d = given.get(item)
        label = f"Device {item.split('-')[-1]}"
        if d is None and short:
            lines.append(f"{label}: not recorded given (see the dose)")
        elif d is None:
            lines.append(f"{label}: NOT RECORDED ({form.dose_mg:g} mg is "
                         f"{form.devices_needed} devices)")
        else:
            lines.append(f"{label}: given at {t(d.at)}"
                         + (f"; lot/note: {d.note}" if d.note else "; lot: NOT RECORDED"))
    if not given and not needed:
        lines.append("Devices: " + ("none given" if form.no_dose_given else "NOT RECORDED"))
    total = form.total_monitoring_minutes
    evaluation = form.rems_evaluation_minutes
    lines += [
        "Start of observation (first device, T0): " + after_dose(t(form.observation_start)),
        f"End of observation (discharge): {t(form.observation_end)}",
        "Total monitoring time (minutes): "
        + after_dose(f"{total:g}" if total is not None else "NOT RECORDED"),
        *([against] if against else []),
        f"Blood pressure before dose: {bp_text(form.bp_before_dose)}",
        *(pre_dose_lines(form.pre_dose_bp) if form.pre_dose_bp is not None else []),
        "Blood pressure about 40 minutes after dose: " + after_dose(about_40(form.bp_t_plus_40)),
        "Blood pressure before discharge: "
        + after_dose(before_discharge(form.bp_pre_discharge)),
        "Vital signs in acceptable range before administration: "
        + _typed(form.vitals_acceptable_before),
        "Vital signs in acceptable range before treatment session completion: "
        + _typed(form.vitals_acceptable_after),
        "REMS evaluation question (ready to leave without the 2-hour minimum, minutes from the "
        "first device): " + (_as_typed(evaluation) if evaluation is not None
                             else after_dose(_as_typed(evaluation))),
        f"Sedation: {answer('sedation', form.sedation)}"
        + (f" (lowest MOAA/S {form.lowest_moaas:g})" if form.lowest_moaas is not None else ""),
        f"Dissociation: {answer('dissociation', form.dissociation)}"
        + (f" (highest CADSS {form.highest_cadss:g})" if form.highest_cadss is not None else ""),
        f"Respiratory depression: {answer('respiratory_depression', form.respiratory_depression)}",
        "Adverse events:",
    ]
    for event in form.adverse_events:
        evidence = f" - {event.evidence}" if event.evidence else ""
        lines.append(f"  {_LABELS.get(event.name, event.name)}: "
                     f"{after_dose(_answer(event))}{evidence}")
    lines.append(f"Discharged: {_yes(form.discharged)}"
                 + (", against the discharge gate (see under the total monitoring time)"
                    if against else ""))
    lines.append("Missing from the log (complete by hand): "
                 + (", ".join(form.missing_words()) if form.missing else "none"))
    return "\n".join(lines) + "\n"


def write_rems(detail: SessionDetail, path: Path, tz: tzinfo | None = None,
               signatures: SessionSignatures | None = None) -> RemsForm:
    """Write the form to `path` (whole or not at all): JSON when the name ends in `.json`,
    labelled text otherwise; times in the local zone `tz` (default: this computer's);
    `signatures` the session's, for who signed the prescribers' decisions (`rems_form`).

    Raises:
        ValueError: not an esketamine session.
        OSError: the file cannot be written.
    """
    form = rems_form(detail, tz, signatures=signatures)
    path = Path(path)
    if path.suffix.lower() == ".json":
        text = json.dumps(form.to_json(), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_text(form, tz)
    write_files({path: text.encode("utf-8")})
    return form
