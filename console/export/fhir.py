"""HL7 FHIR R4 (4.0.1) export of one session as a `collection` Bundle of plain JSON. No Qt.

The Bundle holds, each with a `urn:uuid:` fullUrl (name-based UUIDs, so the same session exports to
the same ids):

- one `Patient` with the session's patient identifier (system `PATIENT_SYSTEM`; a pseudonymised
  export marks it with the security label PSEUDED, a demo session's with HTEST, "test health
  data": its values are simulated, which a pseudonym no longer shows);
- one `Device` per monitor that sent values (identifier = the `source` the console logged);
- one `Encounter` for the session: ambulatory, `finished` when it ended else `in-progress`,
  period = start/end, type = the protocol. A session whose station clock was stepped (a logged
  `clock_stepped`) also has its `length` as the console's timers ran and a narrative saying why
  the period is not it; set back, its period ends at the logged end and starts that length
  before it (`_clock_stepped`): from the logged start, a step back had made the end earlier
  than the start (10:00 to 09:20: R4's per-1 broken, the Bundle refused) or dated the readings
  after it before the Encounter;
- one `Observation` per reading (category `vital-signs`): a systolic and a diastolic BP taken
  together (same source and time) form one blood pressure panel, LOINC 85354-9, with components
  8480-6 / 8462-4 (and 8478-0 when the mean came with them); a systolic, diastolic or mean taken
  without the other half of the pair is its own Observation, 8480-6, 8462-4 or 8478-0 with a
  valueQuantity. R4's blood pressure profile (http://hl7.org/fhir/StructureDefinition/bp, which
  a validator applies to every 85354-9) wants exactly one systolic and one diastolic component:
  a one-component "panel" is rejected. Heart rate 8867-4, pulse rate (oximeter) 8889-8,
  respiratory rate 9279-1, SpO2 59408-5 plus 2708-6 (as the R4 vital-signs profile asks); the
  pulse an NIBP cuff measured with its pressures (the NIBP flag) 8867-4 "Heart rate" with MDC
  149546 MDC_PULS_RATE_NON_INV, as the PCD-01 names it (pcd.py CUFF_PULSE_TERM): exported as
  8889-8 and 149530, an EHR read the cuff's pulse as pulse oximetry. Values
  carry UCUM units; a monitor's value beyond its range, kept as the limit flagged `<` or `>`
  (an SN `<^5`), carries it as its `comparator` too, a panel's component as its own ("RR <5":
  {value 5} alone read as a rate of exactly 5).
  A value from a device also carries its ISO/IEEE 11073-10101 (MDC) code (system
  `urn:iso:std:iso:11073:10101`, codes as in devices/hl7/codes.py) and a reference to its Device;
  a manual value names the nurse as performer. `effectiveDateTime` is where the trend places the
  value (`TrendFeed.placed_at`, the review and the PDF alike): a typed value when the nurse
  entered it, a monitor's NIBP at its measured time, its other values when the console received
  them. A monitor whose clock is more than 60 s off (`trend_feed.clock_offset`, judged over all
  of the session's values) has every value dated when the console received it, and each value
  whose own time is more than 60 s off says so: an Observation.note "Monitor clock 2 h behind
  the console's: dated when the console received it (the monitor's time
  2026-03-02T07:10:00.000+00:00)" (its values after its clock was set right: no note). Dated
  by that clock, an EHR filed the patient's heart rate two hours before the Encounter began,
  or in 2000 for a monitor whose clock was reset. A note, not an extension: every EHR shows a
  note, none knows a local extension, and R4 has no element for a device's own time. `issued`
  is the time received. A value placed further before the session than its trend starts
  (`queries.rows_before_the_session`: a monitor's last cuff, the previous patient's), with
  whatever corrects it, is none of this session's and no Observation, as the review leaves it
  out: it had been filed as this patient's BP, hours before the Encounter.
- scales the nurse scored (MOAA/S, nausea, CADSS ...) as Observations of category `survey` with a
  local code (`METRIC_SYSTEM`): there is no LOINC code for most of them.

A value later corrected is exported with status `entered-in-error`, its correction with status
`corrected`; other values are `final`. A blood pressure stays one measurement through its
corrections: 250/88 whose systolic is corrected to 150 is the panel 250/88 `entered-in-error`
and the panel 150/88 `corrected` (the 88 in both), never a lone 88 and a lone 150; a half taken
back leaves the other half on its own. The correction stands for the measurement it corrects:
its `effectiveDateTime` is that measurement's (through a correction of a correction, the
first's), `issued` the time it was corrected, and a note says what it replaced, "Systolic BP
corrected from 250 to 150: typed 250, cuff read 150" (the corrected value's note: "Systolic BP
corrected to 150: …", the review's words; a de-identified export leaves the reason out). The
correction had been dated when it was typed, so a reader charted 150 at the correction's time,
as a new reading (an audit).
"""

from __future__ import annotations

import json
import uuid
from html import escape
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from console.clock import format_span, iso
from console.export.files import write_files
from console.records import ObservationRecord
from console.review.model import Observation, SessionDetail, SessionSummary
from console.review.queries import rows_before_the_session
from console.session.trend_feed import SKEW_LIMIT_S, TrendFeed, clock_offset
from devices.reading import OTHER_CHANNEL, beyond_mark, is_cuff_pulse_metric, is_patient_value
from protocols.vitals import METRICS

PATIENT_SYSTEM: Final = "urn:infusion-console:patient-id"
DEVICE_SYSTEM: Final = "urn:infusion-console:device-source"
METRIC_SYSTEM: Final = "urn:infusion-console:metric"
LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
MDC: Final = "urn:iso:std:iso:11073:10101"
CATEGORY_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_VALUE: Final = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
ACT_REASON: Final = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
_NAMESPACE: Final = uuid.UUID("5b0b8a7e-9f6e-4a55-9a52-6b1e3c1f0d11")

# metric -> (LOINC code, LOINC display); a BP metric codes a panel component or a lone value.
LOINC_CODES: Final = {
    "heart_rate": ("8867-4", "Heart rate"),
    "pulse_rate": ("8889-8", "Heart rate by Pulse oximetry"),
    "resp_rate": ("9279-1", "Respiratory rate"),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
    "bp_systolic": ("8480-6", "Systolic blood pressure"),
    "bp_diastolic": ("8462-4", "Diastolic blood pressure"),
    "bp_mean": ("8478-0", "Mean blood pressure"),
}
BP_PANEL: Final = ("85354-9", "Blood pressure panel with all children optional")
SPO2_GENERIC: Final = ("2708-6", "Oxygen saturation in Arterial blood")
# metric -> (MDC code, reference id); verified against devices/hl7/codes.py.
MDC_CODES: Final = {
    "heart_rate": ("147842", "MDC_ECG_HEART_RATE"),
    "pulse_rate": ("149530", "MDC_PULS_OXIM_PULS_RATE"),
    "resp_rate": ("151562", "MDC_RESP_RATE"),
    "spo2": ("150456", "MDC_PULS_OXIM_SAT_O2"),
    "bp_systolic": ("150021", "MDC_PRESS_BLD_NONINV_SYS"),
    "bp_diastolic": ("150022", "MDC_PRESS_BLD_NONINV_DIA"),
    "bp_mean": ("150023", "MDC_PRESS_BLD_NONINV_MEAN"),
}
MDC_BP_PANEL: Final = ("150020", "MDC_PRESS_BLD_NONINV")
# The pulse an NIBP cuff measured (`is_cuff_pulse_metric`): not pulse oximetry. LOINC has no
# non-invasive pulse term; 8867-4 "Heart rate" is the vital-signs profile's for any method.
CUFF_PULSE_LOINC: Final = ("8867-4", "Heart rate")
CUFF_PULSE_MDC: Final = ("149546", "MDC_PULS_RATE_NON_INV")
# console unit -> (UCUM code, human unit)
UCUM_UNITS: Final = {
    "mmHg": ("mm[Hg]", "mmHg"),
    "beats/min": ("/min", "beats/minute"),
    "breaths/min": ("/min", "breaths/minute"),
    "%": ("%", "%"),
    "score": ("{score}", "score"),
}
BP_ORDER: Final = ("bp_systolic", "bp_diastolic", "bp_mean")


def _uuid(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, '/'.join(str(p) for p in parts))}"


def _instant(at: datetime) -> str:
    return iso(at).replace("Z", "+00:00")


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def _quantity(o: Observation) -> dict[str, Any]:
    """`o`'s value as a Quantity: one beyond the monitor's range with its `comparator` ("RR <5":
    {comparator "<", value 5}); sent as {value 5}, an EHR filed a respiratory rate of 5 /min."""
    code, human = UCUM_UNITS.get(o.unit, (o.unit, o.unit))
    beyond = beyond_mark(o.flags)
    return {"value": o.value, **({"comparator": beyond} if beyond else {}), "unit": human,
            "system": UCUM, "code": code}


def _status(o: Observation) -> str:
    if o.corrected:
        return "entered-in-error"
    return "corrected" if o.corrects is not None else "final"


def build_bundle(detail: SessionDetail, pseudonymised: bool = False) -> dict[str, Any]:
    """The FHIR R4 Bundle (type `collection`) for `detail`, as a JSON-ready dict.

    Args:
        detail: the session, loaded with its observations (`with_observations=True`).
        pseudonymised: the detail was de-identified: label the Patient and Bundle PSEUDED
            (a demo session's are labelled HTEST whether or not).

    Raises:
        ValueError: `detail` was loaded without its observations.
    """
    if not detail.observations and (detail.vitals or detail.scales):
        raise ValueError("load the session with with_observations=True to export observations")
    s = detail.summary
    patient_url = _uuid("patient", s.patient_id)
    encounter_url = _uuid("encounter", s.id, s.started_at.isoformat())
    security = ([_coding(OBSERVATION_VALUE, "PSEUDED", "pseudonymized")]
                if pseudonymised else [])
    if s.demo:   # simulated values: the PDF's "DEMO SESSION", which a pseudonym hides
        security.append(_coding(ACT_REASON, "HTEST", "test health data"))
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": PATIENT_SYSTEM, "value": s.patient_id}],
    }
    if security:
        patient["meta"] = {"security": security}
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "identifier": [{"system": "urn:infusion-console:session", "value": str(s.id)}],
        "status": "finished" if s.ended_at is not None else "in-progress",
        "class": _coding(ACT_CODE, "AMB", "ambulatory"),
        "type": [{"text": f"{detail.details.get('protocol_name') or s.protocol_id} "
                          f"(protocol {s.protocol_id} {s.protocol_version}), "
                          f"session {s.session_number}"}],
        "subject": {"reference": patient_url},
        "period": {"start": _instant(s.started_at),
                   **({"end": _instant(s.ended_at)} if s.ended_at is not None else {})},
        **_clock_stepped(s),
    }
    if s.nurse:
        encounter["participant"] = [{"individual": {"display": s.nurse}}]
    entries = [(patient_url, patient), (encounter_url, encounter)]
    # A monitor's TEST or DEMO value and an NIBP of unknown age are not the patient's readings
    # (the live trend and the report leave them out): an EHR would file them as such.
    # Nor a vital's other channel beside the one judged (console/session/channels.py): a second
    # SpO2 of the same instant, 97 beside the 85 that alarmed, would be filed as the patient's.
    patient_values = [o for o in detail.observations if is_patient_value(o.flags, s.demo)
                      and OTHER_CHANNEL not in o.flags]
    # Nor is a value placed further before the session than its trend starts, by the review's
    # rule (`queries.before_the_session`): a monitor's last cuff, the previous patient's 196/104
    # of 3 h before, had been filed as this patient's BP, dated before the Encounter.
    early = rows_before_the_session(detail)
    readings = [o for o in patient_values if o.id not in early]
    devices: dict[str, str] = {}
    for o in readings:
        if o.source != "manual" and o.source not in devices:
            devices[o.source] = _uuid("device", o.source)
            entries.append((devices[o.source], {
                "resourceType": "Device",
                "identifier": [{"system": DEVICE_SYSTEM, "value": o.source}],
                "deviceName": [{"name": o.source, "type": "other"}],
            }))
    clocks = _Clocks(s.started_at, patient_values)   # every value judges its monitor's clock
    context = {"patient": patient_url, "encounter": encounter_url, "devices": devices,
               "corrections": _corrections(detail, clocks), "clocks": clocks}
    taken_back = {c.corrects: c.at for c in detail.corrections if c.entered_in_error}
    for group, status in _grouped(readings, taken_back):
        entries.append((_uuid("observation", s.id, *(o.id for o in group)),
                        _observation(group, status, context)))
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(s.ended_at or s.started_at),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
    if security:
        bundle["meta"] = {"security": security}
    return bundle


def _clock_stepped(s: SessionSummary) -> dict[str, Any]:
    """What the Encounter says of a session whose station clock was stepped (NTP, a corrected
    clock; logged by the console, `clock_steps`): its length as the console's timers ran
    (`SessionSummary.duration`, as the review's list says it), and in its narrative why the
    period is not it. Set back, the period ends at the logged end, on the clock as set right,
    and starts that length before it: the logged start is on the clock before the step, and a
    step back larger than the time before it made the period end before it started (10:00 to
    09:20), which R4 forbids (per-1) and a validating EHR refuses the Bundle for; a smaller one
    dated the readings after it before the Encounter. Nothing for a session without a step, or
    still running."""
    if s.ended_at is None or s.duration is None:
        return {}
    logged = s.ended_at - s.started_at
    if abs((logged - s.duration).total_seconds()) < 1:
        return {}
    minutes = round(s.duration.total_seconds() / 60, 1)
    length = int(minutes) if minutes.is_integer() else minutes
    said = (f"The station's clock was set {'back' if logged < s.duration else 'forward'} during "
            "this session (a time correction the console logged): the session lasted "
            f"{length:g} min as the console's timers counted them (the length given), not the "
            "time between its logged start and end. Values logged before the correction are "
            "dated on the clock as it read then.")
    out: dict[str, Any] = {"length": {"value": length, "unit": "min", "system": UCUM,
                                      "code": "min"}}
    if logged < s.duration:
        out["period"] = {"start": _instant(s.ended_at - s.duration),
                         "end": _instant(s.ended_at)}
        said += (f" Its start was logged at {_instant(s.started_at)} on the clock before the "
                 f"correction, its end at {_instant(s.ended_at)}: the period given ends at the "
                 f"logged end and starts {length:g} min before it.")
    out["text"] = {"status": "additional",
                   "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(said)}</p></div>'}
    return out


class _Clocks:
    """Where each reading is dated: as the trend places it (the module's text), each monitor's
    clock judged over all of the session's readings first (a clock found off late in the session
    moves its earlier values too)."""

    def __init__(self, started_at: datetime, readings: Iterable[Observation]) -> None:
        self._feed = TrendFeed(started_at, capacity=1)   # placing only, nothing charted
        for o in readings:
            self._feed.note_clock(o.source, o.measured_at, o.received_at, o.metric,
                                  frozenset(o.flags))
        self._started_at = started_at
        self._off = {skew.source: skew.offset_s for skew in self._feed.skews}

    def placed_at(self, o: Observation) -> datetime:
        return self._feed.placed_at(ObservationRecord(
            0, o.metric, o.value, o.unit, o.source, o.measured_at, o.received_at, o.entered_by,
            flags=frozenset(o.flags)))

    def note(self, group: Iterable[Observation]) -> str:
        """What a reading of a monitor whose clock is off says of its date, '' for any other.

        The offset said is the reading's own, and only when its own time is more than
        `SKEW_LIMIT_S` off: a monitor set right during the session has its later readings dated
        at arrival too, each a few seconds from its own time, and a note "Monitor clock 0 s
        behind" on each stated an offset nobody measured (review 46). A cuff reading of such a
        monitor delivered late (not a clock offset, `clock_offset`) says why it is not at its
        own time, with the offset the monitor showed when first found off."""
        for o in group:
            first = self._off.get(o.source)
            if first is None or o.measured_at is None:
                continue
            if abs((o.measured_at - o.received_at).total_seconds()) <= SKEW_LIMIT_S:
                continue
            offset = clock_offset(o.metric, o.measured_at, o.received_at, self._started_at,
                                  frozenset(o.flags))
            if offset is not None:
                return (f"Monitor clock {_offset_words(offset)} the console's: dated when the "
                        f"console received it (the monitor's time {_instant(o.measured_at)})")
            return (f"Dated when the console received it: this monitor's clock was found "
                    f"{_offset_words(first)} the console's during the session (the monitor's "
                    f"time {_instant(o.measured_at)})")
        return ""


def _offset_words(offset_s: float) -> str:
    """"2 h behind", "8 min ahead of": a clock offset (positive: ahead) before "the console's"."""
    return f"{format_span(abs(offset_s))} {'ahead of' if offset_s > 0 else 'behind'}"


@dataclass(frozen=True, slots=True)
class _Corrected:
    """What a correction says of one row: the row it replaced and when the measurement it
    stands for was taken (for the correcting row), or the value that replaced it (for the row
    corrected); `reason` '' when de-identified."""

    metric: str
    old: float
    new: float
    reason: str
    measured: datetime | None = None   # the correcting row's only


def _corrections(detail: SessionDetail, clocks: _Clocks) -> dict[int, _Corrected]:
    """Row id -> `_Corrected`, for each row that corrects another and each row corrected; the
    measurement a correction stands for is dated as `clocks` dates it."""
    rows = {o.id: o for o in detail.observations}
    reasons = {c.corrects: c.reason for c in detail.corrections if not c.entered_in_error}
    out: dict[int, _Corrected] = {}
    for o in detail.observations:
        old = rows.get(o.corrects) if o.corrects is not None else None
        if old is None:
            continue
        first, seen = old, {o.id}
        while first.corrects is not None and first.corrects in rows and first.id not in seen:
            seen.add(first.id)
            first = rows[first.corrects]
        reason = "" if detail.deidentified else reasons.get(old.id, "")
        out[o.id] = _Corrected(o.metric, old.value, o.value, reason, clocks.placed_at(first))
        out[old.id] = _Corrected(o.metric, old.value, o.value, reason)
    return out


def _correction_note(c: _Corrected, correcting: bool) -> str:
    """"Systolic BP corrected from 250 to 150: typed 250, cuff read 150" (the correcting row);
    "Systolic BP corrected to 150: …" (the row corrected), as the review's `correction_text`."""
    known = METRICS.get(c.metric)
    label = known.label if known else c.metric
    shown = known.format if known else (lambda v: f"{v:g}")
    text = (f"{label} corrected from {shown(c.old)} to {shown(c.new)}" if correcting
            else f"{label} corrected to {shown(c.new)}")
    return text + (f": {c.reason}" if c.reason else "")


@dataclass(slots=True)
class _Measurement:
    """One blood pressure measurement while it is grouped: its parts as taken (log order, each
    metric once) and what was done to them later (a correction, or a part taken back)."""

    parts: list[Observation]
    # (when, row changed, the row replacing it or None when taken back), unsorted
    changes: list[tuple[datetime, int, Observation | None]]

    def steps(self) -> list[list[Observation]]:
        """The parts as taken, then as they stood after each change, in the order made."""
        out = [list(self.parts)]
        for _, changed, by in sorted(self.changes, key=lambda c: (c[0], c[1])):
            now = list(out[-1])
            at = next((i for i, o in enumerate(now) if o.id == changed), None)
            if at is None:   # already replaced or taken back
                continue
            if by is None:
                del now[at]
            else:
                now[at] = by
            out.append(now)
        return out


def _is_pair(parts: list[Observation]) -> bool:
    metrics = {o.metric for o in parts}
    return "bp_systolic" in metrics and "bp_diastolic" in metrics


def _grouped(observations: Iterable[Observation], taken_back: dict[int, datetime]
             ) -> list[tuple[list[Observation], str]]:
    """The Observations to export, each as (rows, status), in the order of the readings.

    BP parts belong to one measurement when they share source, measurement time and time
    received, and each part appears once; a row correcting a part belongs to that part's
    measurement. Each state of a measurement holding a systolic and a diastolic is one panel:
    the last `corrected` when it holds a correction (else `final`), earlier ones (the 250/88
    that became 150/88) `entered-in-error`. A part no panel holds, and each part of a last state
    that is no longer a pair, is its own reading with its own status; so is anything else.

    Args:
        observations: the rows, in log order (a correction after the row it corrects).
        taken_back: row id -> when it was entered in error with nothing in its place.
    """
    slots: list[Observation | _Measurement] = []
    owner: dict[int, _Measurement] = {}     # BP row id -> its measurement
    open_bp: dict[tuple[Any, ...], _Measurement] = {}
    for o in observations:
        if o.metric not in BP_ORDER:
            slots.append(o)
            continue
        if o.corrects is not None and o.corrects in owner:
            owner[o.id] = owner[o.corrects]
            owner[o.id].changes.append((o.received_at, o.corrects, o))
            continue
        key = (o.source, o.measured_at, o.received_at)
        m = open_bp.get(key)
        if m is None or any(p.metric == o.metric for p in m.parts):
            m = open_bp[key] = _Measurement([o], [])
            slots.append(m)
        else:
            m.parts.append(o)
        owner[o.id] = m
    for row, at in taken_back.items():
        if row in owner:
            owner[row].changes.append((at, row, None))
    out: list[tuple[list[Observation], str]] = []
    for slot in slots:
        if isinstance(slot, Observation):
            out.append(([slot], _status(slot)))
            continue
        steps = slot.steps()
        in_panel: set[int] = set()
        for n, parts in enumerate(steps):
            if not _is_pair(parts):
                continue
            if n < len(steps) - 1:
                status = "entered-in-error"
            else:
                status = "corrected" if any(o.corrects is not None for o in parts) else "final"
            out.append((parts, status))
            in_panel.update(o.id for o in parts)
        last = set() if _is_pair(steps[-1]) else {o.id for o in steps[-1]}
        seen: set[int] = set()
        for o in (o for parts in steps for o in parts):
            if o.id not in seen and (o.id in last or o.id not in in_panel):
                out.append(([o], _status(o)))
            seen.add(o.id)
    return out


def _observation(group: list[Observation], status: str, ctx: dict[str, Any]) -> dict[str, Any]:
    first = group[0]
    device_sources = [o.source for o in group if o.source != "manual"]
    effective = ctx["clocks"].placed_at(first)
    corrections = [(o, ctx["corrections"][o.id]) for o in group if o.id in ctx["corrections"]]
    measured = next((c.measured for _, c in corrections if c.measured is not None), None)
    if measured is not None:   # a correction: at the measurement it corrects
        effective = measured
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": status,
        "subject": {"reference": ctx["patient"]},
        "encounter": {"reference": ctx["encounter"]},
        "effectiveDateTime": _instant(effective),
        # a panel holding a correction was issued when the correction was made
        "issued": _instant(max(o.received_at for o in group)),
    }
    if device_sources:
        resource["device"] = {"reference": ctx["devices"][device_sources[0]]}
    # a nurse's correction of a monitor's systolic: the monitor and the nurse both performed it
    nurses = list(dict.fromkeys(o.entered_by for o in group
                                if o.source == "manual" and o.entered_by))
    if nurses:
        resource["performer"] = [{"display": n} for n in nurses]
    clock = ctx["clocks"].note(group)
    notes = [clock] if clock else []
    flags = list(dict.fromkeys(f for o in group for f in o.flags))
    if flags:
        notes.append(f"flags: {' '.join(flags)}")
    if any(o.confirmed for o in group):
        notes.append("implausible value confirmed by the nurse")
    notes.extend(_correction_note(c, o.corrects is not None) for o, c in corrections)
    if notes:
        resource["note"] = [{"text": "; ".join(notes)}]
    if len(group) > 1:   # a blood pressure panel (`_grouped` puts only a pair together)
        codings = [_coding(LOINC, *BP_PANEL)]
        if device_sources:
            codings.append(_coding(MDC, *MDC_BP_PANEL))
        resource["category"] = [_vital_signs()]
        resource["code"] = {"coding": codings, "text": "Blood pressure"}
        resource["component"] = [
            {"code": {"coding": _codes(o.metric, o.source != "manual", o.flags),
                      "text": METRICS[o.metric].label},
             "valueQuantity": _quantity(o)}
            for o in sorted(group, key=lambda o: BP_ORDER.index(o.metric))
        ]
        return resource
    known = METRICS.get(first.metric)
    label = known.label if known else first.metric
    if first.metric in LOINC_CODES:   # a lone systolic, diastolic or mean too: 8480-6 ...
        resource["category"] = [_vital_signs()]
        resource["code"] = {"coding": _codes(first.metric, bool(device_sources), first.flags),
                            "text": label}
    else:
        resource["category"] = [{"coding": [_coding(CATEGORY_SYSTEM, "survey", "Survey")]}]
        resource["code"] = {"coding": [_coding(METRIC_SYSTEM, first.metric, label)],
                            "text": label}
    resource["valueQuantity"] = _quantity(first)
    return resource


def _vital_signs() -> dict[str, Any]:
    return {"coding": [_coding(CATEGORY_SYSTEM, "vital-signs", "Vital Signs")],
            "text": "Vital Signs"}


def _codes(metric: str, device: bool, flags: Iterable[str] = ()) -> list[dict[str, str]]:
    cuff = is_cuff_pulse_metric(metric, frozenset(flags))
    codings = [_coding(LOINC, *(CUFF_PULSE_LOINC if cuff else LOINC_CODES[metric]))]
    if metric == "spo2":
        codings.append(_coding(LOINC, *SPO2_GENERIC))
    if device and metric in MDC_CODES:
        codings.append(_coding(MDC, *(CUFF_PULSE_MDC if cuff else MDC_CODES[metric])))
    return codings


def write_session_fhir(detail: SessionDetail, path: Path, pseudonymised: bool = False) -> int:
    """Write the Bundle as JSON to `path`, whole or not at all; return the number of entries.

    Raises:
        OSError: the file cannot be written.
    """
    bundle = build_bundle(detail, pseudonymised)
    write_files({Path(path): json.dumps(bundle, ensure_ascii=False, indent=1).encode("utf-8")})
    return len(bundle["entry"])
