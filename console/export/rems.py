"""The esketamine (Spravato) REMS Patient Monitoring Form, pre-filled from a session. No Qt.

The form (submitted to the REMS within 7 days of each session) asks for the fields the esketamine
protocol lists in `rems_fields` (protocols/esketamine.toml; clinical-defaults.md "Esketamine (REMS)
additions"). `rems_form(detail)` fills them from the log:

- enrolment and concomitant medications: the pre-dose checklist items `rems-enrolment` and
  `concomitant-medications` (ticked or not, with the nurse's note);
- dose: `sessions.details.dose_mg`; device times and lot numbers: the ticks of `device-1..3`
  (time ticked; the lot number is what the nurse typed in the tick's note); a device the dose
  needs (the protocol's `Dose.device_count`: 84 mg is 3 devices of 28 mg) without a tick is
  missing;
- observation start = the first device as recorded given (its tick; T0, the dosing phase's start,
  when no device was ticked or the tick is not later), end = discharge (or the session's end),
  total minutes between them (device 1 ticked 10 minutes after T0 read "120 min" on a form whose
  device time said 110: an esketamine walk);
- BP before the dose: the last systolic/diastolic pair before T0; BP about 40 minutes after: the
  pair closest to T0+40 min between T0+25 and T0+60; BP before discharge: the last pair measured
  after T0 and not after the discharge (typed or from the monitor), with how long before the
  discharge it was; it may be the T+40 one;
- a discharge against the discharge gate (an `override` of the discharge): said under the total
  monitoring time and on "Discharged", with who overrode, the reason and what the gate named;
- sedation: any MOAA/S below 5 after T0 (the label: any drop below 5 is sedation); dissociation:
  any CADSS total above 4 after T0 (clinical-defaults.md) or hallucinations present; respiratory
  depression: any respiratory-rate-low or SpO2-low alarm after T0 (the protocol's limits: RR ≤11,
  SpO2 ≤93, or no RR); increased blood pressure: any BP-high alarm;
- adverse events: yes/no for each of those and for nausea (score ≥ 1), with the evidence; an
  answer the log cannot give (no MOAA/S, CADSS, hallucinations or nausea score after T0, no RR or
  SpO2 value, no blood pressure after it) is "NOT ASSESSED" and named in `missing`, never "No":
  this form goes to the regulator, and "No" for what nobody looked at is a false statement.

Values missing from the log are None and named in `missing`, so the nurse completes them by hand.
The output is a pre-filled draft: the prescriber or nurse checks it before submitting.

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
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Final

from console.clock import iso
from console.export.files import write_files
from console.export.protocol_file import find_protocol
from console.review.model import (
    ENTERED_IN_ERROR, Override, ScaleObservation, SessionDetail, VitalSeries,
)
from console.review import content as rc   # Qt-free: the PDF's own date and time formats
from protocols.model import DoseMode, Protocol
from protocols.vitals import DISSOCIATION_PRESENT_ABOVE

SEDATION_BELOW: Final = 5          # MOAA/S below 5 is sedation (Spravato label)
T40: Final = timedelta(minutes=40)
T40_WINDOW: Final = (timedelta(minutes=25), timedelta(minutes=60))
PAIR_WITHIN: Final = timedelta(seconds=90)   # systolic and diastolic of one measurement


@dataclass(frozen=True, slots=True)
class BloodPressure:
    """One blood pressure measurement.

    Attributes:
        at: when the systolic value was taken.
        systolic, diastolic: mmHg.
        minutes_after_dose: minutes from T0 (negative before the dose).
    """

    at: datetime
    systolic: float
    diastolic: float
    minutes_after_dose: float | None


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
class AdverseEvent:
    """A yes/no answer of the form, with the evidence from the log.

    Attributes:
        name: `sedation`, `dissociation`, `respiratory_depression`, `increased_blood_pressure`,
            `nausea`, `hallucinations`.
        present: the answer; None when the log holds nothing after T0 that could answer it.
        evidence: what in the log made it yes ('' when no).
    """

    name: str
    present: bool | None
    evidence: str = ""


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
        nurse: who ran the session.
        rems_enrolment_confirmed: the enrolment item was ticked.
        concomitant_medications_reviewed: the concomitant-medications item was ticked.
        concomitant_medications_note: the note typed with that tick.
        dose_mg: the dose given.
        devices_needed: how many devices that dose is, or None when not known.
        devices: the devices ticked, in order.
        observation_start: T0 (first device), or None when no dose was given.
        observation_end: discharge time (or the session's end), or None.
        total_monitoring_minutes: minutes from observation_start to observation_end.
        bp_before_dose, bp_t_plus_40, bp_pre_discharge: the three blood pressures.
        sedation, dissociation, respiratory_depression: the form's monitoring questions.
        lowest_moaas: the lowest MOAA/S after T0; highest_cadss: the highest CADSS after T0.
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
        missing: names of fields the log could not fill.
        zoned: the session spans a change of the local zone's offset: every time in the text
            carries its zone (`content.spans_zone_change`). Not in the JSON: its instants are
            UTC and `time_zone` names both zones.
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
    zoned: bool = False

    def missing_words(self) -> list[str]:
        """`missing` as the form's readers say it ("device 3", "device lot numbers"), not the
        keys of its JSON (QA: "missing: device_lot_numbers, device-3")."""
        return [_MISSING_WORDS.get(name, name.replace("-", " ").replace("_", " "))
                for name in self.missing]

    def to_json(self) -> dict[str, Any]:
        """The values as JSON-ready data (times as ISO UTC text)."""
        return {key: _jsonable(value) for key, value in asdict(self).items() if key != "zoned"}


def is_rems_protocol(protocol_id: str) -> bool:
    """True for esketamine protocols (the REMS form applies to Spravato only)."""
    return "esketamine" in protocol_id.lower()


def rems_form(detail: SessionDetail, tz: tzinfo | None = None,
              protocol: Protocol | None = None) -> RemsForm:
    """Fill the form from a session; `tz` is the local zone (default: this computer's),
    `protocol` the session's (default: the installed file with its id).

    Raises:
        ValueError: the session did not use an esketamine protocol.
    """
    s = detail.summary
    if not is_rems_protocol(s.protocol_id):
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
    devices = tuple(DeviceDose(item=t.item, at=t.at, note=t.note)
                    for t in sorted(detail.ticks, key=lambda t: t.at)
                    if t.item.startswith("device-"))
    needed = devices_needed(detail, protocol)
    ticked = {d.item for d in devices}
    devices_missing = tuple(name for name in _device_items(needed) if name not in ticked)
    pairs = _bp_pairs(detail.vitals.get("bp_systolic"), detail.vitals.get("bp_diastolic"), t0)
    before = [p for p in pairs if t0 is None or p.at < t0]
    bp_before = before[-1] if before and t0 is not None else None
    bp_40 = None
    if t0 is not None:
        window = [p for p in pairs if T40_WINDOW[0] <= p.at - t0 <= T40_WINDOW[1]]
        bp_40 = min(window, key=lambda p: abs(p.at - t0 - T40), default=None)
    # The last BP before the discharge, typed or from the monitor, whichever was measured
    # last: the patient's pressure as they left. Not "after the T+40 one": a BP typed at T+40 a
    # minute before an early discharge was both, and the form said NOT RECORDED (nurse walk,
    # 2 Dec 2026). After T0 only: a pre-dose BP says nothing of the patient after the drug.
    after = [p for p in pairs if t0 is not None and t0 <= p.at and (end is None or p.at <= end)]
    bp_discharge = after[-1] if after else None

    after_t0 = [x for x in detail.scales if t0 is not None and x.at >= t0]
    moaas = [x for x in after_t0 if x.metric == "moaas"]
    cadss = [x for x in after_t0 if x.metric == "dissociation"]
    lowest_moaas = min((x.value for x in moaas), default=None)
    highest_cadss = max((x.value for x in cadss), default=None)
    sedated = [x for x in moaas if x.value < SEDATION_BELOW]
    dissociated = [x for x in cadss if x.value > DISSOCIATION_PRESENT_ABOVE]
    hallucinating = [x for x in after_t0 if x.metric == "hallucinations" and x.value >= 1]
    nauseous = [x for x in after_t0 if x.metric == "nausea" and x.value >= 1]
    # An alarm raised by a value entered in error is no adverse event: that value does not
    # exist. One raised by a value since corrected still counts (the corrected value may breach
    # too), marked in the evidence, so the clinician reads what the review shows.
    physiological = [a for a in detail.alarms if a.category == "physiological"
                     and a.taken_back != ENTERED_IN_ERROR and (t0 is None or a.raised_at >= t0)]
    breathing = [a for a in physiological
                 if a.condition.startswith("resp_rate_low") or a.condition.startswith("spo2_low")]
    pressure = [a for a in physiological if a.condition.startswith("bp_")
                and a.condition.endswith("_high")]

    def scored(*metrics: str) -> bool:
        return any(x.metric in metrics for x in after_t0)

    def measured(*metrics: str) -> bool:
        series = [detail.vitals.get(m) for m in metrics]
        return t0 is not None and any(v is not None and any(at >= t0 for at in v.times)
                                      for v in series)

    def answer(found: list[Any], assessed: bool) -> bool | None:
        return True if found else (False if assessed else None)

    def scale_evidence(items: list[ScaleObservation], label: str) -> str:
        return "; ".join(f"{label} {x.value:g} at {_when(x.at, tz, day, zoned)}"
                         for x in items)

    def highest_bp() -> str:
        # "No" comes from the protocol's alarm limits: the highest pressure after the dose is
        # named beside it, so the nurse judges 168/102 with it (a clinician's audit read "No"
        # beside that value on the same form).
        top = max(after, key=lambda p: (p.systolic, p.diastolic), default=None)
        if top is None:
            return ""
        return (f"no BP alarm; highest after the dose {top.systolic:.0f}/{top.diastolic:.0f} "
                f"mmHg at {_when(top.at, tz, day, zoned)}")

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

    adverse = (
        AdverseEvent("sedation", answer(sedated, scored("moaas")),
                     scale_evidence(sedated, "MOAA/S")),
        # Assessed by a CADSS score (the measure of dissociation); hallucinations present say
        # yes on their own, absent ones do not say no (a code review).
        AdverseEvent("dissociation", answer(dissociated + hallucinating, scored("dissociation")),
                     "; ".join(filter(None, (scale_evidence(dissociated, "CADSS"),
                                             scale_evidence(hallucinating, "hallucinations"))))),
        AdverseEvent("respiratory_depression",
                     answer(breathing, measured("resp_rate", "spo2")), alarm_evidence(breathing)),
        AdverseEvent("increased_blood_pressure",
                     answer(pressure, any(t0 is not None and p.at >= t0 for p in pairs)),
                     alarm_evidence(pressure) or highest_bp()),
        AdverseEvent("nausea", answer(nauseous, scored("nausea")),
                     scale_evidence(nauseous, "nausea")),
        AdverseEvent("hallucinations", answer(hallucinating, scored("hallucinations")),
                     scale_evidence(hallucinating, "hallucinations")),
    )
    answers = {e.name: e.present for e in adverse}
    enrol = ticks.get(("pre", "rems-enrolment")) or by_item.get("rems-enrolment")
    meds = ticks.get(("pre", "concomitant-medications")) or by_item.get("concomitant-medications")
    start = devices[0].at if devices and t0 is not None and devices[0].at > t0 else t0
    total = round((end - start).total_seconds() / 60, 1) if start is not None and end else None
    answers_typed = {name: (by_item[item].note.strip() or None) if item in by_item else None
                     for name, item in _TYPED_ANSWERS.items()}
    values = {
        "dose_mg": s.dose_mg, "device_times": devices or None,
        "observation_start": start, "observation_end": end, "bp_before_dose": bp_before,
        "bp_t_plus_40": bp_40, "bp_pre_discharge": bp_discharge,
        "total_monitoring_minutes": total, "rems_enrolment_confirmed": enrol,
        "concomitant_medications": meds,
        "device_lot_numbers": (None if not devices or any(not d.note.strip() for d in devices)
                               else devices),
        **answers_typed,
    }
    return RemsForm(
        session_id=s.id, patient_id=s.patient_id, session_number=s.session_number,
        session_date=day.isoformat(),
        time_zone=rc.session_zone(detail, tz) if zoned else _zone(s.started_at, tz),
        protocol=f"{s.protocol_id} {s.protocol_version}", nurse=s.nurse,
        rems_enrolment_confirmed=enrol is not None,
        concomitant_medications_reviewed=meds is not None,
        concomitant_medications_note=meds.note if meds is not None else "",
        dose_mg=s.dose_mg, devices_needed=needed, devices=devices, observation_start=start,
        observation_end=end,
        total_monitoring_minutes=total, bp_before_dose=bp_before, bp_t_plus_40=bp_40,
        bp_pre_discharge=bp_discharge, sedation=answers["sedation"],
        dissociation=answers["dissociation"],
        respiratory_depression=answers["respiratory_depression"],
        lowest_moaas=lowest_moaas, highest_cadss=highest_cadss, adverse_events=adverse,
        discharged=s.discharged_at is not None,
        discharge_override=detail.discharge_override(),
        **answers_typed,
        missing=(*(name for name, value in values.items() if value is None),
                 *devices_missing,
                 *(f"{name}_assessment" for name, present in answers.items() if present is None)),
        zoned=zoned,
    )


def devices_needed(detail: SessionDetail, protocol: Protocol | None = None) -> int | None:
    """How many devices the session's dose is, by its protocol's rule (`Dose.device_count`, the
    chair's count too); None without a dose or the protocol file."""
    dose = detail.summary.dose_mg
    if protocol is None:
        protocol = find_protocol(detail.summary.protocol_id, detail.events, detail.summary.id)
    if dose is None or protocol is None or protocol.dose.mode is not DoseMode.DEVICES:
        return None
    return protocol.dose.device_count(dose)


def _device_items(count: int | None) -> list[str]:
    """"device-1" ... the checklist items of `count` devices (protocols/esketamine.toml)."""
    return [f"device-{k}" for k in range(1, (count or 0) + 1)]


def _bp_pairs(sys_series: VitalSeries | None, dia_series: VitalSeries | None,
              t0: datetime | None) -> list[BloodPressure]:
    """Systolic values paired with the diastolic value nearest in time (within 90 s)."""
    if sys_series is None or dia_series is None or not len(dia_series):
        return []
    diastolic = sorted(zip(dia_series.times, dia_series.values, strict=True))
    times = [at for at, _ in diastolic]
    out = []
    for at, systolic in sorted(zip(sys_series.times, sys_series.values, strict=True)):
        i = bisect_left(times, at)
        nearest = min((j for j in (i - 1, i) if 0 <= j < len(times)),
                      key=lambda j: abs(times[j] - at))
        if abs(times[nearest] - at) > PAIR_WITHIN:
            continue
        minutes = round((at - t0).total_seconds() / 60, 1) if t0 is not None else None
        out.append(BloodPressure(at, systolic, diastolic[nearest][1], minutes))
    return out


def _when(at: datetime, tz: tzinfo | None, day: date, zoned: bool = False) -> str:
    """"16:40" on the session's local date; "Fri 06 Mar 2026 00:10" past local midnight; with
    the zone ("02:45 CET") when `zoned` (`content.spans_zone_change`)."""
    if rc.local(at, tz).date() == day:
        return rc.hhmm(at, tz, zoned=zoned)
    return rc.day_time(at, tz, zoned=zoned)


def _zone(at: datetime, tz: tzinfo | None) -> str:
    """"PST (UTC-08:00)": the local zone at `at`."""
    local = rc.local(at, tz)
    offset = local.strftime("%z")
    return f"{local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
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
    "sedation_assessment": "sedation (no MOAA/S after the dose)",
    "dissociation_assessment": "dissociation (no CADSS after the dose)",
    "respiratory_depression_assessment": "respiratory depression (no RR or SpO2 after the dose)",
    "increased_blood_pressure_assessment": "increased blood pressure (no BP after the dose)",
    "nausea_assessment": "nausea (no score after the dose)",
    "hallucinations_assessment": "hallucinations (no score after the dose)",
}

_LABELS: Final = {
    "sedation": "Sedation (MOAA/S below 5)",
    "dissociation": "Dissociation (CADSS above 4 or hallucinations)",
    "respiratory_depression": "Respiratory depression (RR or SpO2 low alarm)",
    "increased_blood_pressure": "Increased blood pressure (BP high alarm)",
    "nausea": "Nausea",
    "hallucinations": "Hallucinations",
}


def _yes(flag: bool | None) -> str:
    """"Yes", "No", or for an answer the log cannot give "NOT ASSESSED" (never a "No")."""
    if flag is None:
        return "NOT ASSESSED"
    return "Yes" if flag else "No"


def _typed(answer: str | None) -> str:
    """A yes-or-no typed with a tick as the form's word ("y", "YES" → "Yes"); anything else
    as typed; "NOT RECORDED" for none."""
    if answer is None:
        return "NOT RECORDED"
    word = {"y": "Yes", "yes": "Yes", "n": "No", "no": "No"}.get(answer.strip().lower())
    return word or answer


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
        return f"{bp.systolic:.0f}/{bp.diastolic:.0f} mmHg at {t(bp.at)}{when}"

    def before_discharge(bp: BloodPressure | None) -> str:
        # How old the reading was when the patient left: 3.6 min, or two hours (a reader took
        # T+2.7 for a reading "long before discharge").
        end = form.observation_end
        if bp is None or end is None or not form.discharged:
            return bp_text(bp)
        minutes = round((end - bp.at).total_seconds() / 60, 1)
        return f"{bp_text(bp)}, {minutes:g} min before discharge"

    override = form.discharge_override
    against = (rc.against_gate(override, t(form.observation_end), form.total_monitoring_minutes)
               if override is not None else "")

    running = ["SESSION STILL RUNNING: not discharged yet; a draft of a session in progress, "
               "not for submission", ""] if form.observation_end is None else []
    lines = [
        *running,
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
        f"Nurse: {form.nurse}",
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
    given = {d.item: d for d in form.devices}
    needed = _device_items(form.devices_needed)
    for item in [*needed, *(name for name in given if name not in needed)]:
        d = given.get(item)
        label = f"Device {item.split('-')[-1]}"
        if d is None:
            lines.append(f"{label}: NOT RECORDED ({form.dose_mg:g} mg is "
                         f"{form.devices_needed} devices)")
        else:
            lines.append(f"{label}: given at {t(d.at)}"
                         + (f"; lot/note: {d.note}" if d.note else "; lot: NOT RECORDED"))
    if not given and not needed:
        lines.append("Devices: NOT RECORDED")
    total = form.total_monitoring_minutes
    lines += [
        f"Start of observation (first device, T0): {t(form.observation_start)}",
        f"End of observation (discharge): {t(form.observation_end)}",
        f"Total monitoring time (minutes): {total:g}" if total is not None
        else "Total monitoring time (minutes): NOT RECORDED",
        *([against] if against else []),
        f"Blood pressure before dose: {bp_text(form.bp_before_dose)}",
        f"Blood pressure about 40 minutes after dose: {bp_text(form.bp_t_plus_40)}",
        f"Blood pressure before discharge: {before_discharge(form.bp_pre_discharge)}",
        "Vital signs in acceptable range before administration: "
        + _typed(form.vitals_acceptable_before),
        "Vital signs in acceptable range before treatment session completion: "
        + _typed(form.vitals_acceptable_after),
        "REMS evaluation question (ready to leave without the 2-hour minimum, minutes from the "
        f"first device): {_typed(form.rems_evaluation_minutes)}",
        f"Sedation: {_yes(form.sedation)}"
        + (f" (lowest MOAA/S {form.lowest_moaas:g})" if form.lowest_moaas is not None else ""),
        f"Dissociation: {_yes(form.dissociation)}"
        + (f" (highest CADSS {form.highest_cadss:g})" if form.highest_cadss is not None else ""),
        f"Respiratory depression: {_yes(form.respiratory_depression)}",
        "Adverse events:",
    ]
    for event in form.adverse_events:
        evidence = f" - {event.evidence}" if event.evidence else ""
        lines.append(f"  {_LABELS.get(event.name, event.name)}: {_yes(event.present)}{evidence}")
    lines.append(f"Discharged: {_yes(form.discharged)}"
                 + (", against the discharge gate (see under the total monitoring time)"
                    if against else ""))
    lines.append("Missing from the log (complete by hand): "
                 + (", ".join(form.missing_words()) if form.missing else "none"))
    return "\n".join(lines) + "\n"


def write_rems(detail: SessionDetail, path: Path, tz: tzinfo | None = None) -> RemsForm:
    """Write the form to `path` (whole or not at all): JSON when the name ends in `.json`,
    labelled text otherwise; times in the local zone `tz` (default: this computer's).

    Raises:
        ValueError: not an esketamine session.
        OSError: the file cannot be written.
    """
    form = rems_form(detail, tz)
    path = Path(path)
    if path.suffix.lower() == ".json":
        text = json.dumps(form.to_json(), ensure_ascii=False, indent=2) + "\n"
    else:
        text = render_text(form, tz)
    write_files({path: text.encode("utf-8")})
    return form
