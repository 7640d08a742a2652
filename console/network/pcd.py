"""HL7 v2.6 messages for the clinic network: IHE PCD-01 observations and IHE PCD-04 alarm phases.

Pure functions: records in, message text out. No transport, no clock (the send time is passed in),
no Qt. The outbox (issue 12) stores what these return under the control id it chose, and the MQTT
and MLLP senders carry it as it is.

PCD-01, `pcd01()`: ORU^R01^ORU_R01, one message per committed batch of observations
----------------------------------------------------------------------------------------------

    MSH|^~\\&|<app>^<equipment id>^<id type>|<facility>|<receiving app>|<receiving facility>|
        <sent at>||ORU^R01^ORU_R01|<control id>|P|2.6|||NE|AL||UNICODE UTF-8|||
        IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO
    PID|||<patient id>^^^<authority>^<id type>||<name>
    PV1||O|<point of care>^<room>^<chair>^<facility>
    OBR|1||<control id>^<app>^<equipment id>^<id type>|182777000^monitoring of patient^SNOMED-CT|||
        <first measured>|<last measured>
    OBX|n|NM|<MDC code>^<MDC name>^MDC|<channel>|<value>|<MDC unit>^<name>^MDC^<UCUM>^<UCUM>^UCUM|
        <range>|<flags>|||F or C|||<measured at>||<nurse, manual only>|AMEAS or MMEAS
        [~OTHER_CHANNEL^...^99ICN]|<equipment>

- MSH-15 NE, MSH-16 AL, MSH-18 UNICODE UTF-8 and MSH-21 as in the IHE PCD-01 samples and in the
  simulator's encoder (devices/simulator/encode.py), which the console's own decoder reads.
- Only the patient's values: the composer leaves out a value whose flags keep it off the patient's
  values (devices.reading `not_patient_flags`: an NIBP of unknown age, perhaps the previous
  patient's, and a monitor's DEMO or TEST value outside a demo session), as the trend, the review,
  the report and the FHIR export do. Sent, an unknown-age cuff went as this patient's final
  result, dated by OBR-7: measured now.
- MSH-11 is P, or T (training) when a record carries the DEMO or TEST flag; the decoder maps T back
  to TEST, so a demo session never reaches an EHR as patient data unmarked.
- PID-3 is the patient as the clinic chooses to show it (clinic number, MRN, pseudonym); PID-5
  only when a name is given. PV1-2 is O: a ketamine clinic's patients are outpatients. PV1-3 is
  the chair.
- OBX-3 and OBX-6: the MDC term of each vital is checked against devices/hl7/codes.py when this
  module is imported (`resolve_code` must give the metric back, `resolve_unit` the metric's
  dimension at factor 1), so the decoder's table stays the one authority; codes.py exposes code ->
  metric only, so the choice among a metric's several codes (NIBP vs cuff family, three RR codes)
  is made here: the IHE PCD-01 sample codes, which the simulator sends too; a cuff's pulse (the
  NIBP flag, devices.reading.NIBP_PULSE) goes as MDC_PULS_RATE_NON_INV, not as the oximeter's
  pulse. OBX-6 adds UCUM as the
  alternate unit (the Rosetta pairing). Scales (MOAA/S, CADSS, Aldrete...) have no MDC term: they
  go with a local code (`moaas^Sedation (MOAA/S)^99ICN`, unit `{score}`); the console's decoder
  drops them as unknown codes, an EHR maps them by its own table.
- OBX-4 is the record's channel when it is an 11073 containment path (`1.2.1.2`, kept from the
  monitor) not yet used in the message, else a path of its own (`1.0.0.<n>`): OBX-3 + OBX-4 stay
  unique within the OBR, as HL7 asks.
- OBX-7 (reference range) only for metrics the caller gives limits for (`low-high`, `>low`,
  `<high`: HL7 v2.6 OBX-7 forms).
- OBX-8 passes on the device's HL7 abnormal flags (table 0078) only.
- OBX-11 is F. C (table 0085, "a correction and thus replaces a final result") for a corrected
  value (a record with `corrects`) whose result went out: a message of its own puts it where
  that result was sent (`sent_observation`: its order in OBR-3, its OBX-4 and OBX-14, the
  measurement's time), as a receiver finds the result to replace by order, OBX-3 and OBX-4.
  Sent in an order of its own, dated when typed, an engine kept the typo as final and filed the
  correction as a second, later value. A correction of a value that never went out is F.
- OBX-11 W (table 0085, "post original as wrong") withdraws a value entered in error, which has
  no value to replace it: a message of its own repeats the row as first sent (`sent_observation`:
  its order in OBR-3, OBX-3, OBX-4, value, OBX-14, observer and method), so a receiver finds the
  result to take back by order, OBX-3 and OBX-4 as HL7 asks. The decoder reads W as no value;
  pcd_read.py reads it as the value taken back.
- OBX-14 is the measured time as the caller gives it; empty when the device gave none (the
  decoder then takes OBR-7). The composer gives a monitor's values the trend's time when that
  monitor's clock is found off (trend_feed.py `DeviceClocks`: the time received), so OBR-7/8 and
  OBX-14 say what the trend, the review, the report and FHIR say; a correction's, the time of
  the measurement it stands for.
- OBX-16 (responsible observer) is the nurse for manual values; OBX-17 AMEAS (device) or MMEAS
  (typed by a nurse), the IHE PCD observation-method codes.
- A vital the monitor sent on two channels of one message (two SpO2 probes; capnography's RR
  beside the impedance RR) goes as sent, each value on its own OBX-4 (an engine may want both),
  and the one not judged (the `OTHER_CHANNEL` flag, console/session/channels.py) says so in a
  second repetition of OBX-17: `AMEAS^auto-measurement^MDC~OTHER_CHANNEL^other channel, not the
  vital's judged value^99ICN`. OBX-17 (CWE, repeating in v2.6) is how the value was obtained, a
  field IHE PCD consumers already read for AMEAS/MMEAS, and a local code (table 0396 `99zzz`)
  is what HL7 offers where MDC has none; AMEAS stays first, so a reader of the first repetition
  reads what it always did. Not OBX-8: table 0078 has no such flag, and an engine checking it
  refuses a code of its own. Unmarked, a central's trend drew the other probe's 97 all along
  beside a chair alarming at 85 (pcd_read.py maps the mark back to the flag).
- OBX-18 is the monitor's EUI-64 when the reading came in HL7 with one in MSH-3, otherwise this
  console (it measured nothing itself, but it is the equipment that vouches for the value).

PCD-04, `pcd04()`: ORU^R40^ORU_R40 Report Alert, one message per alarm phase
------------------------------------------------------------------------------

    MSH|...|ORU^R40^ORU_R40|<control id>|P|2.6|||AL|NE||UNICODE UTF-8|||
        IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4^ISO
    PID / PV1 as in PCD-01
    OBR|1||<session>-<occurrence>^<app>^<equipment id>^<id type>|196616^MDC_EVT_ALARM^MDC|||<at>|
    OBX|1|ST|<event>^<name>^MDC^<condition>^^99ICN|1.0.0.0.1|<alert text>|||
        <H|L>~<PH|PM|PL|PN>~<SP|ST|SA>|||F|||<at>||||<equipment>
    OBX|2|NM|<vital's MDC code>|1.0.0.0.2|<value>|<MDC unit>|||||F|||<at>     (a vital with value)
    OBX|2|CWE|68480^MDC_ATTR_ALERT_SOURCE^MDC|1.0.0.0.2|<source code>||||||F|||<at>  (otherwise)
    OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|start / update / end||||||F
    OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.0.0.0.4|active / inactive / latched||||||F
    OBX|5|ST|68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC|1.0.0.0.5|
        enabled / audio-paused / alert-acknowledged||||||F
    OBX|6|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|1.0.0.0.6|PH / PM / PL / PN||||||F
    OBX|7|ST|68485^MDC_ATTR_ALERT_TYPE^MDC|1.0.0.0.7|SP / ST / SA||||||F

Where each rule comes from (the IHE PCD TF-2 text itself could not be read where this was written:
the rules come from network.md, the IHE ACM supplement's published text and published messages;
check them against TF-2 before a Connectathon):

- MSH-15 AL, MSH-16 NE, MSH-21 `IHE_PCD_ACM_001`: shared/design/network.md. The OID
  1.3.6.1.4.1.19376.1.6.4.4 is the one in Draeger's published PCD-04 reference messages (2019);
  other published samples differ in it (Philips IntelliBridge 2012: ...6.4.4.1, GE Mural:
  ...6.1.4.1). Engines route on MSH-9 and the profile name, not the OID.
- One OBR per alert, OBR-4 `196616^MDC_EVT_ALARM^MDC`, every OBX below it about that one alert,
  the facets told apart by the last element of OBX-4 (`.1` ... `.7`): the IHE PCD ACM supplement
  (2011/2012, "all OBX segments under the OBR must pertain to a single alarm", facets distinguished
  by OBX-4) and every published sample (Philips/Mindray/B. Braun Connectathon messages, Draeger).
- The alert's unique id is OBR-3 (filler order number): entity id `<session id>-<occurrence id>`,
  namespace and universal id this console, so it is unique across the clinic although session ids
  restart in every console's own log. The same id travels in every phase of the occurrence, which
  is how an alarm manager follows one alarm (Draeger's reference messages put their alert UUID in
  OBR-3 the same way).
- Facet 1 (alert identity): OBX-3 the event, OBX-5 the alert text, OBX-8 abnormality ~ priority ~
  type: the ACM supplement ("Alarm Priority and Alarm Source are given in the OBX-8 Abnormal Flags
  field of the facet 1 OBX segment"; its example `196648^MDC_EVT_HI^MDC ... PLETH PULSE HIGH |||
  H~PM~SP`) and the IntelliBridge sample (`196670^MDC_EVT_LO^MDC ... Low SpO2 ||| L~PM~SP`).
  Events: `<metric>_high` -> MDC_EVT_HI (196648), `<metric>_low` -> MDC_EVT_LO (196670), every
  other condition -> MDC_EVT_ALARM (196616). The console's own condition id rides along as the
  alternate identifier (OBX-3.4, local system `99ICN`) so a receiver can tell `device_lost` from
  `log_unavailable`.
- Facet 2 (source): for a vital, the vital itself as an NM row with its MDC code, value and unit
  (the supplement's and IntelliBridge's layout); otherwise `68480^MDC_ATTR_ALERT_SOURCE^MDC` with
  the source as a coded value (B. Braun sample): the vital's MDC code when there is no value, the
  console's local condition code (`device_lost^^99ICN`) for technical conditions and prompts.
  OBX-7 is left empty: the console's limits read `≥180`, `≥40 above baseline`, which HL7's range
  forms cannot say without changing them; the limit is in the alert text.
- Facets 3-5, `68481` event phase, `68482` alarm state, `68483` inactivation state, with the
  value words of the ACM supplement (`start`/`update`/`end`; `inactive`/`active`/`latched`;
  `enabled`/`audio-paused`/`alert-acknowledged`).
- Facets 6-7, `68484^MDC_ATTR_ALARM_PRIORITY^MDC` and `68485^MDC_ATTR_ALERT_TYPE^MDC`: the
  priority and type again, each in a row of its own, as later senders do (GE Mural and Mindray
  messages, Draeger's reference messages) for managers that read facets by name rather than
  OBX-8. Both come from one value here, so they cannot disagree with OBX-8.
  Note: the numbers differ between published messages. The 2012 Connectathon messages (Mindray
  and B. Braun to Philips IntelliBridge) use 68480-68483 for source, phase, state, inactivation,
  and GE's and Mindray's 68484/68485 for priority/type: the set used here. Draeger's reference
  messages and GE's number source..priority 68164-68168 instead. All send the reference id
  (OBX-3.2), which is what the open ACM parsers we read match on.
- Phases (network.md and the brief of issue 12): raised -> start; escalated, de-escalated,
  acknowledged, reminded, audio paused/resumed, latched -> update; cleared, reset -> end. The ACM
  value set also has `escalate`/`de-escalate`; we send `update` as network.md says, with the new
  priority in facets 1 and 6.
- Priority: high PH, medium PM, low PL; info (the console's prompts) PN, "no priority / not
  indicated". PN rather than leaving the row out: a prompt is not an alarm signal (IEC 60601-1-8
  information signal), and PN says exactly that, while a missing facet 6 would make a manager
  that reads facets guess (Draeger's watchdog messages send PN the same way).
- Type: physiological SP, technical ST, prompt SA (advisory).
- State and inactivation from the transition alone: raised/escalated/de-escalated/reminded/audio
  resumed -> active, enabled; acknowledged -> active, alert-acknowledged; audio paused -> active,
  audio-paused; latched -> latched, enabled; returned (a latched alarm's condition back, lower)
  -> active, enabled; reset -> inactive, alert-acknowledged (the nurse
  ended a latched alarm); cleared -> inactive, enabled. A transition does not carry the whole
  board state (a de-escalation of an acknowledged alarm is still acknowledged), so the caller may
  pass the board's state and inactivation explicitly; they win.
- Latching is a record of its own (`latched`, console/session/alarms.py `_clear`), sent as any
  other transition.

Escaping: every free text (patient id and name, locations, alert text, nurse, channel, condition)
goes through `escape()`: `\\E\\ \\F\\ \\S\\ \\T\\ \\R\\` for the five delimiters and `\\Xhh\\` for
control characters (CR and LF included), so no text can end a field, component or segment, and
none can carry an MLLP byte (0x0B, 0x1C). python-hl7's `unescape` (what the console's decoder
uses) turns every one back.

Left out: ORA^R41 (the alarm manager's status back to the reporter) and the central station's
acknowledgement path; OBR-29 parent links between phases and an update counter (Draeger sends one
in OBR-3's entity id; the occurrence id stays the entity id here); an OBX-21 instance id on each
row (a C or W row is matched by order, OBX-3 and OBX-4, as HL7 v2 asks); device containment rows
(MDS/VMD/CHAN) in PCD-01; waveforms.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from console.records import (
    ACKNOWLEDGED,
    AUDIO_PAUSED,
    AUDIO_RESUMED,
    CLEARED,
    DEESCALATED,
    LATCHED,
    ESCALATED,
    RAISED,
    REMINDED,
    RESET,
    RETURNED,
    AlarmTransition,
    ObservationRecord,
)
from devices.framing import MLLP_END, MLLP_START, MLLP_TRAILER
from devices.hl7 import codes
from devices.reading import MANUAL, OTHER_CHANNEL, is_cuff_pulse_metric
from protocols.vitals import METRICS, MMHG, PER_MIN_BEATS, PER_MIN_BREATHS, PERCENT, Kind, metric

ENCODING = "^~\\&"
VERSION = "2.6"
CHARSET = "UNICODE UTF-8"
PCD01_PROFILE = "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"
PCD04_PROFILE = "IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4^ISO"
# HL7 table 0396: "99zzz" is a local coding system. Ours: Infusion CoNsole.
LOCAL_SYSTEM = "99ICN"
# OBR-4 of PCD-01 as in the IHE samples and the simulator.
MONITORING_SERVICE = "182777000^monitoring of patient^SNOMED-CT"
ALARM_SERVICE = "196616^MDC_EVT_ALARM^MDC"
# HL7 v2.6 MSH-10 is ST of at most 199 characters.
MAX_CONTROL_ID = 199


class EventPhase(StrEnum):
    """ACM facet 3 (`68481^MDC_ATTR_EVENT_PHASE^MDC`) values this console sends."""

    START = "start"
    UPDATE = "update"
    END = "end"


class AlertState(StrEnum):
    """ACM facet 4 (`68482^MDC_ATTR_ALARM_STATE^MDC`)."""

    INACTIVE = "inactive"
    ACTIVE = "active"
    LATCHED = "latched"


class Inactivation(StrEnum):
    """ACM facet 5 (`68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC`), the whole ACM value set.

    The console has no alarm-off and no audio-off (alarms.py: every silencing is a timed pause or
    an acknowledgement), so it sends only ENABLED, AUDIO_PAUSED and ALERT_ACKNOWLEDGED.
    """

    ENABLED = "enabled"
    AUDIO_PAUSED = "audio-paused"
    AUDIO_OFF = "audio-off"
    ALARM_PAUSED = "alarm-paused"
    ALARM_OFF = "alarm-off"
    ALERT_ACKNOWLEDGED = "alert-acknowledged"


PRIORITY_CODES: dict[str, str] = {"high": "PH", "medium": "PM", "low": "PL", "info": "PN"}
TYPE_CODES: dict[str, str] = {"physiological": "SP", "technical": "ST", "prompt": "SA"}

# transition -> (phase, state, inactivation) when the caller does not say better.
_PHASES: dict[str, tuple[EventPhase, AlertState, Inactivation]] = {
    RAISED: (EventPhase.START, AlertState.ACTIVE, Inactivation.ENABLED),
    ESCALATED: (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.ENABLED),
    DEESCALATED: (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.ENABLED),
    ACKNOWLEDGED: (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.ALERT_ACKNOWLEDGED),
    REMINDED: (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.ENABLED),
    AUDIO_PAUSED: (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.AUDIO_PAUSED),
    AUDIO_RESUMED: (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.ENABLED),
    LATCHED: (EventPhase.UPDATE, AlertState.LATCHED, Inactivation.ENABLED),
    RETURNED: (EventPhase.UPDATE, AlertState.ACTIVE, Inactivation.ENABLED),
    RESET: (EventPhase.END, AlertState.INACTIVE, Inactivation.ALERT_ACKNOWLEDGED),
    CLEARED: (EventPhase.END, AlertState.INACTIVE, Inactivation.ENABLED),
}

# ---------------------------------------------------------------------------------------------
# Terms

# The MDC term sent for each vital: reference ids only; the numbers come from codes.py's tables
# (observation) or are checked against them (unit). These are the codes of the IHE PCD-01 samples
# and of the simulator.
_VITAL_TERMS: dict[str, str] = {
    "bp_systolic": "MDC_PRESS_BLD_NONINV_SYS",
    "bp_diastolic": "MDC_PRESS_BLD_NONINV_DIA",
    "bp_mean": "MDC_PRESS_BLD_NONINV_MEAN",
    "heart_rate": "MDC_ECG_HEART_RATE",
    "pulse_rate": "MDC_PULS_OXIM_PULS_RATE",
    "resp_rate": "MDC_RESP_RATE",
    "spo2": "MDC_PULS_OXIM_SAT_O2",
}
# Console unit -> (MDC unit code, MDC reference id, UCUM). codes.py keeps these numbers private
# (`_MDC_UNITS`); each is checked against its public `resolve_unit` below.
_UNIT_TERMS: dict[str, tuple[int, str, str]] = {
    MMHG: (266016, "MDC_DIM_MMHG", "mm[Hg]"),
    PER_MIN_BEATS: (264864, "MDC_DIM_BEAT_PER_MIN", "/min"),
    PER_MIN_BREATHS: (264928, "MDC_DIM_RESP_PER_MIN", "/min"),
    PERCENT: (262688, "MDC_DIM_PERCENT", "%"),
}
_SCORE_UNIT = "{score}^{score}^UCUM"
_EVT_HI = "196648^MDC_EVT_HI^MDC"
_EVT_LO = "196670^MDC_EVT_LO^MDC"
_EVT_ALARM = "196616^MDC_EVT_ALARM^MDC"
_ALERT_SOURCE = "68480^MDC_ATTR_ALERT_SOURCE^MDC"
_EVENT_PHASE = "68481^MDC_ATTR_EVENT_PHASE^MDC"
_ALARM_STATE = "68482^MDC_ATTR_ALARM_STATE^MDC"
_INACTIVATION = "68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC"
_PRIORITY = "68484^MDC_ATTR_ALARM_PRIORITY^MDC"
_ALERT_TYPE = "68485^MDC_ATTR_ALERT_TYPE^MDC"
_AUTO_MEASUREMENT = "AMEAS^auto-measurement^MDC"
_MANUAL_MEASUREMENT = "MMEAS^manual-measurement^MDC"
OTHER_CHANNEL_METHOD = "OTHER_CHANNEL"
"""OBX-17's local code (system `LOCAL_SYSTEM`) of a vital's value sent beside the one judged, on
another channel of the monitor's message (module docstring; pcd_read.py reads it back)."""
_OTHER_CHANNEL = (f"~{OTHER_CHANNEL_METHOD}^other channel, not the vital's judged value"
                  f"^{LOCAL_SYSTEM}")
# Record flags that make a PCD-01 a training message (MSH-11 T).
_TRAINING_FLAGS = frozenset({"DEMO", "TEST"})
# HL7 table 0078 abnormal flags a device may send in OBX-8 and we pass on.
_ABNORMAL_FLAGS = frozenset({"L", "H", "LL", "HH", "<", ">", "N", "A", "AA", "LU", "HU"})
_ALERT_PATH = "1.0.0.0"


@dataclass(frozen=True, slots=True)
class Term:
    """What OBX-3 and OBX-6 say for one metric."""

    identifier: str  # OBX-3 as written (already escaped): code^name^system
    unit: str        # OBX-6 as written


def _vital_term(metric_name: str, reference_id: str) -> Term:
    found = codes.code_for_name(reference_id)
    if not found.startswith("MDC "):
        raise RuntimeError(f"codes.py does not know {reference_id} (for {metric_name})")
    number = found.removeprefix("MDC ")
    match = codes.resolve_code(number, reference_id, "MDC")
    if match is None or match.metric != metric_name or match.conflict:
        raise RuntimeError(f"codes.py reads {number}^{reference_id} as {match}, not {metric_name}")
    console_unit = METRICS[metric_name].unit
    if codes.CANONICAL_UNIT.get(metric_name) != console_unit:
        raise RuntimeError(f"{metric_name}: codes.py's unit differs from protocols.vitals'")
    unit_number, unit_name, ucum = _UNIT_TERMS[console_unit]
    dimension = codes.METRIC_DIMENSION[metric_name]
    for text in (str(unit_number), unit_name, ucum):
        unit = codes.resolve_unit(text, "")
        if unit is None or unit.dimension != dimension or unit.factor != 1.0:
            raise RuntimeError(f"codes.py reads unit {text} as {unit}, not {console_unit}")
    return Term(f"{number}^{reference_id}^MDC",
                f"{unit_number}^{unit_name}^MDC^{escape(ucum)}^{escape(ucum)}^UCUM")


def _terms() -> dict[str, Term]:
    terms = {name: _vital_term(name, ref) for name, ref in _VITAL_TERMS.items()}
    for name, m in METRICS.items():
        if m.kind is Kind.SCALE:
            terms[name] = Term(f"{escape(name)}^{escape(m.label)}^{LOCAL_SYSTEM}", _SCORE_UNIT)
    missing = set(METRICS) - set(terms)
    if missing:
        raise RuntimeError(f"no HL7 term for {sorted(missing)}")
    return terms


# ---------------------------------------------------------------------------------------------
# Escaping and formats


_SPECIAL = re.compile(r"[\\|^&~\x00-\x1f\x7f\ud800-\udfff]")
_REPLACE = {"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"}
_REPLACEMENT_CHARACTER = "\ufffd"


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _REPLACE:
        return _REPLACE[char]
    if "\ud800" <= char <= "\udfff":
        # A lone surrogate cannot be written in UTF-8 at all: the message must still go.
        return _REPLACEMENT_CHARACTER
    return f"\\X{ord(char):02X}\\"


def escape(text: str) -> str:
    """Return `text` safe inside an HL7 v2 field, component or subcomponent.

    The five delimiters become `\\E\\ \\F\\ \\S\\ \\T\\ \\R\\` (in one pass, so no escape
    is escaped again) and control characters `\\Xhh\\` (CR `\\X0D\\`, LF `\\X0A\\`, the MLLP
    bytes 0x0B and 0x1C), so the text can neither end a field or segment nor break the MLLP
    envelope. A lone surrogate (no character at all, which UTF-8 cannot encode) becomes U+FFFD.
    """
    return _SPECIAL.sub(_escape_one, text)


# A PCD-01's times repeat (OBR-7/8, OBX-14); equal instants (whatever their zone) give one text.
@functools.lru_cache(maxsize=256)
def hl7_time(t: datetime) -> str:
    """HL7 DTM in UTC to the millisecond: `YYYYMMDDHHMMSS[.fff]+0000`.

    Raises:
        ValueError: `t` has no time zone (the log's times are aware UTC).
    """
    if t.tzinfo is None:
        raise ValueError(f"time {t.isoformat()} has no zone; records carry aware UTC times")
    utc = t if t.tzinfo is UTC else t.astimezone(UTC)
    millis = utc.microsecond // 1000
    # Formatted by hand: strftime was a fifth of a PCD-01's cost, f-string format specs half of
    # what is left (P12). Years before 1000 as strftime writes them.
    stamp = ("%04d%02d%02d%02d%02d%02d" % (utc.year, utc.month, utc.day, utc.hour, utc.minute,
                                           utc.second)
             if utc.year >= 1000 else utc.strftime("%Y%m%d%H%M%S"))
    return stamp + (".%03d+0000" % millis if millis else "+0000")


def _number(value: float) -> str:
    """A decimal without exponent (the decoder reads no exponents): `97`, `36.6`, `0.00001`."""
    if not math.isfinite(value):
        raise ValueError(f"value {value} is not a finite number")
    text = repr(float(value))
    if "e" in text:
        text = format(Decimal(text).normalize(), "f")
    elif text.endswith(".0"):   # repr is the shortest form; what Decimal's normalize() gives
        text = text[:-2]
    return "0" if text in ("-0", "") else text


def _check_control_id(control_id: str) -> None:
    if not control_id or len(control_id) > MAX_CONTROL_ID or _SPECIAL.search(control_id) \
            or control_id != control_id.strip():
        raise ValueError(f"control id {control_id!r} must be 1-{MAX_CONTROL_ID} characters without "
                         "HL7 delimiters, control characters or surrounding spaces: receivers "
                         "deduplicate on it as sent")


def _segment(name: str, fields: Sequence[str]) -> str:
    return name + "|" + "|".join(fields) + "\r"


# ---------------------------------------------------------------------------------------------
# Who sends, about whom


@dataclass(frozen=True, slots=True)
class Station:
    """This console: its identity on the network and the chair it stands at.

    Attributes:
        equipment_id: unique id of this console in the clinic (an EUI-64, a serial, a UUID):
            MSH-3.2, OBR-3.3 and OBX-18 of what it vouches for.
        equipment_id_type: the id's universal id type, HL7 table 0301 (`EUI-64`, `UUID`, `DNS`;
            `L`, local, for an id of no such form: a validating engine refuses `UUID` on an id
            that is not one).
        application: MSH-3.1, the sending application's name.
        facility: MSH-4 and PV1-3.4 (the clinic).
        point_of_care: PV1-3.1 (a unit within the clinic), may be empty.
        room: PV1-3.2.
        bed: PV1-3.3: the chair.
        receiving_application / receiving_facility: MSH-5 / MSH-6, when the engine asks for them.
        patient_class: PV1-2; O (outpatient) for a clinic.
    """

    equipment_id: str
    equipment_id_type: str = "EUI-64"
    application: str = "INFUSION_CONSOLE"
    facility: str = ""
    point_of_care: str = ""
    room: str = ""
    bed: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    patient_class: str = "O"

    def hd(self) -> str:
        """MSH-3 as written: `<application>^<equipment id>^<type>`."""
        return _station_text(self).hd

    def ei(self, entity: str) -> str:
        """An EI in this console's namespace: `<entity>^<application>^<equipment id>^<type>`."""
        return f"{escape(entity)}^{self.hd()}"


@dataclass(frozen=True, slots=True)
class _StationText:
    """A station's fields as written (escaped), made once per station (P12: a PCD-01 is built
    in every commit's transaction)."""

    hd: str
    facility: str
    receiving_application: str
    receiving_facility: str
    pv1: str
    equipment: str   # OBX-18 when this console vouches: `<id>^^<id>^<type>`


@functools.lru_cache(maxsize=64)
def _station_text(station: Station) -> _StationText:
    hd = "^".join(escape(p) for p in (station.application, station.equipment_id,
                                      station.equipment_id_type))
    location = "^".join(escape(p) for p in (station.point_of_care, station.room, station.bed,
                                             station.facility))
    eid = escape(station.equipment_id)
    return _StationText(hd, escape(station.facility), escape(station.receiving_application),
                        escape(station.receiving_facility),
                        _segment("PV1", ["", escape(station.patient_class), location]),
                        f"{eid}^^{eid}^{escape(station.equipment_id_type)}")


@dataclass(frozen=True, slots=True)
class PatientShown:
    """The patient as the clinic chooses to show it on the network (issue 12).

    Attributes:
        identifier: PID-3.1: a clinic number, an MRN or a pseudonym, already chosen by the caller.
        name: PID-5.1 as one text, or empty to send no name.
        assigning_authority: PID-3.4, who issued the identifier.
        identifier_type: PID-3.5 (HL7 table 0203: PI patient internal, MR record number...).
    """

    identifier: str
    name: str = ""
    assigning_authority: str = ""
    identifier_type: str = "PI"


@dataclass(frozen=True, slots=True)
class _Head:
    """MSH, PID and PV1 of one kind of message for one station, patient and processing id, cut
    around the two fields that change from message to message: MSH-7 (the time) and MSH-10 (the
    control id). Made once, not per message (P12: a PCD-01 is built in every commit's
    transaction)."""

    to_time: str      # `MSH|^~\&|<MSH-3>|<MSH-4>|<MSH-5>|<MSH-6>|`
    to_control: str   # `||<MSH-9>|`
    rest: str         # `|<MSH-11>|...|<MSH-21>` CR, then PID and PV1
    station: _StationText

    def text(self, sent_at: datetime, control_id: str) -> str:
        """The segments, sent at `sent_at` under a control id already checked."""
        # Not through hl7_time's cache: a send time is new in every message, and a miss costs
        # the cache's bookkeeping and evicts a time that may repeat.
        sent = hl7_time.__wrapped__(sent_at)
        return f"{self.to_time}{sent}{self.to_control}{control_id}{self.rest}"


@functools.lru_cache(maxsize=256)
def _head(station: Station, patient: PatientShown, message_type: str, processing_id: str,
          accept_ack: str, application_ack: str, profile: str) -> _Head:
    if processing_id not in ("P", "T", "D"):
        raise ValueError(f"processing id {processing_id!r} must be P, T or D (HL7 table 0103)")
    text = _station_text(station)
    # MSH-1 is the field separator itself, so the fields start at MSH-2.
    return _Head(
        "MSH|" + "|".join([ENCODING, text.hd, text.facility, text.receiving_application,
                           text.receiving_facility]) + "|",
        f"||{message_type}|",
        "|" + "|".join([processing_id, VERSION, "", "", accept_ack, application_ack, "", CHARSET,
                        "", "", profile]) + "\r" + _pid(patient) + text.pv1,
        text,
    )


def _pid(patient: PatientShown) -> str:
    # No patient shown (network.toml patient_shown = "none"): PID-3 empty. A CX without its
    # ID (CX.1, required in a CX sent: HL7 v2.6 2A.14) named a patient-internal id of nothing.
    cx = (f"{escape(patient.identifier)}^^^{escape(patient.assigning_authority)}"
          f"^{escape(patient.identifier_type)}") if patient.identifier else ""
    return _segment("PID", ["", "", cx, "", escape(patient.name)])


def _obx(set_id: int, value_type: str, identifier: str, sub_id: str, value: str, *,
         unit: str = "", reference_range: str = "", flags: str = "", status: str = "F",
         observed: str = "", observer: str = "", method: str = "", equipment: str = "") -> str:
    """One OBX, always written to OBX-18 so that every OBX has the same number of fields."""
    return (f"OBX|{set_id}|{value_type}|{identifier}|{sub_id}|{value}|{unit}|{reference_range}|"
            f"{flags}|||{status}|||{observed}||{observer}|{method}|{equipment}\r")


# ---------------------------------------------------------------------------------------------
# PCD-01


_PATH = re.compile(r"^\d{1,9}(?:\.\d{1,9}){1,7}$")
_EUI64 = re.compile(r"^[0-9A-Fa-f]{16}$")


@functools.lru_cache(maxsize=256)
def _monitor_equipment(source: str) -> str:
    """OBX-18 of a value whose HL7 source named its monitor's EUI-64 (else empty: this console
    vouches for it)."""
    if source.startswith("hl7:"):
        parts = source.removeprefix("hl7:").split("^")
        if len(parts) >= 3 and _EUI64.match(parts[1]) and parts[2].upper() == "EUI-64":
            return f"{parts[1]}^^{parts[1]}^EUI-64"
    return ""


def _reference_range(limits: tuple[float | None, float | None] | None) -> str:
    if limits is None:
        return ""
    low, high = limits
    if low is not None and high is not None:
        return f"{_number(low)}-{_number(high)}"
    if low is not None:
        return f">{_number(low)}"
    if high is not None:
        return f"<{_number(high)}"
    return ""


def pcd01(records: Sequence[ObservationRecord], *, control_id: str, sent_at: datetime,
          station: Station, patient: PatientShown,
          ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
          processing_id: str | None = None, wrong: SentObservation | None = None,
          replaces: SentObservation | None = None) -> str:
    """Build the IHE PCD-01 ORU^R01 message for the observations of one commit.

    Args:
        records: the observations, in the order committed; all of one session; each with the
            measured time OBX-14 is to say (the composer's: module docstring).
        control_id: MSH-10, chosen by the caller (the outbox's key; receivers deduplicate on it).
        sent_at: MSH-7, the time the message is built (passed in: nothing here reads a clock).
        station: this console and its chair.
        patient: the patient as the clinic shows it.
        ranges: metric -> (low, high) limits for OBX-7, where the caller knows them.
        processing_id: MSH-11; by default T when a record carries DEMO or TEST, else P.
        wrong: the one record was sent so (`sent_observation`) and is posted as wrong: OBX-11
            W in that order (OBR-3) under that OBX-4 and OBX-14.
        replaces: the one record corrects the result sent so (`sent_observation`): OBX-11 C in
            that order under that OBX-4 and OBX-14 (HL7 table 0085: C replaces a final result).

    Returns:
        The message, every segment ending in CR, not framed (see `mllp_frame`).

    Raises:
        ValueError: no records, records of several sessions, a unit that is not the metric's
            canonical unit, a value that is not finite, a time without zone, a bad control id;
            `wrong` or `replaces` with other than one record, both, or `replaces` for a record
            that corrects none.
        protocols.vitals.UnknownMetric: a metric the registry does not know.
    """
    if not records:
        raise ValueError("a PCD-01 message needs at least one observation")
    sent = wrong or replaces
    if sent is not None and len(records) != 1:
        raise ValueError(f"a value posted as wrong or replacing a result goes alone, not with "
                         f"{len(records) - 1} more")
    if wrong is not None and replaces is not None:
        raise ValueError("a value is either posted as wrong or replaces a result, not both")
    if replaces is not None and records[0].corrects is None:
        raise ValueError("only a correction (a record with `corrects`) replaces a result")
    # One pass over the records for the checks, the flags and the times (P12).
    times: list[datetime] = []
    flagged = False
    for r in records:
        if r.session_id != records[0].session_id:
            raise ValueError(f"observations of sessions {sorted({r.session_id for r in records})}"
                             " in one message; one message reports one session's commit")
        if r.measured_at is not None:
            times.append(r.measured_at)
        if r.flags and not r.flags.isdisjoint(_TRAINING_FLAGS):
            flagged = True
    if processing_id is None:
        processing_id = "T" if flagged else "P"
    if sent is not None:   # the row's OBX-14 as first sent
        first, last = sent.observed or hl7_time(sent_at), sent.observed
    else:
        first = hl7_time(min(times)) if times else hl7_time(sent_at)
        last = hl7_time(max(times)) if times else ""
    _check_control_id(control_id)   # so it is written as it is (escape() would not change it)
    head = _head(station, patient, "ORU^R01^ORU_R01", processing_id, "NE", "AL", PCD01_PROFILE)
    order = sent.order if sent is not None else f"{control_id}^{head.station.hd}"
    status = "W" if wrong is not None else "C" if replaces is not None else "F"
    out = [
        head.text(sent_at, control_id),
        f"OBR|1||{order}|{MONITORING_SERVICE}|||{first}|{last}\r",
    ]
    used: set[str] = set()
    for set_id, record in enumerate(records, start=1):
        out.append(_observation(set_id, record, head.station.equipment, ranges, used, status,
                                sent))
    return "".join(out)


def _term(record: ObservationRecord) -> Term:
    """OBX-3 and OBX-6 of a record: a cuff's pulse as the cuff's (module docstring)."""
    return CUFF_PULSE_TERM if is_cuff_pulse_metric(record.metric, record.flags) \
        else TERMS[record.metric]


def _observation(set_id: int, record: ObservationRecord, equipment: str,
                 ranges: Mapping[str, tuple[float | None, float | None]] | None,
                 used: set[str], status: str = "F", sent: SentObservation | None = None) -> str:
    """One observation's OBX; `equipment` is this console's OBX-18; `status` its OBX-11; `sent`:
    the row it posts as wrong or replaces (see `pcd01`), whose OBX-4 and OBX-14 it repeats."""
    m = metric(record.metric)
    if record.unit != m.unit:
        raise ValueError(f"{m.label} recorded in {record.unit!r}; the log keeps {m.unit!r}, the "
                         "only unit this message can name")
    term = _term(record)
    path = sent.path if sent is not None else record.channel.strip()
    if not _PATH.match(path) or path in used:
        n = set_id
        while (path := f"1.0.0.{n}") in used:
            n += 1
    used.add(path)
    flags = ("~".join(sorted(f for f in record.flags if f in _ABNORMAL_FLAGS)) if record.flags
             else "")
    told = _told(record)
    return _obx(
        set_id, "NM", term.identifier, path, told.value,
        unit=term.unit,
        reference_range=_reference_range(ranges.get(record.metric)) if ranges else "",
        flags=flags,
        status=status, observed=sent.observed if sent is not None else told.observed,
        observer=told.observer, method=told.method,
        equipment=_monitor_equipment(record.source) or equipment,
    )


@dataclass(frozen=True, slots=True)
class _Told:
    """What an OBX says of a measurement: OBX-5, OBX-14, OBX-16 and OBX-17. One place for
    `_observation`, which writes them, and `sent_observation`, which finds a row by them: a
    change to one alone and a withdrawal would find nothing to withdraw, unsaid."""

    value: str
    observed: str
    observer: str
    method: str


def _told(record: ObservationRecord) -> _Told:
    manual = record.source == MANUAL
    method = _MANUAL_MEASUREMENT if manual else _AUTO_MEASUREMENT
    if record.flags and OTHER_CHANNEL in record.flags:
        method += _OTHER_CHANNEL   # not the vital's value (module docstring)
    return _Told(
        value=_number(record.value),
        observed=hl7_time(record.measured_at) if record.measured_at is not None else "",
        observer=escape(record.entered_by) if manual else "",
        method=method,
    )


@dataclass(frozen=True, slots=True)
class SentObservation:
    """Where a PCD-01 carried an observation: what a message posting it as wrong, or replacing
    it by a correction, repeats.

    Attributes:
        order: OBR-3 as written (`<control id>^<app>^<equipment id>^<id type>`).
        path: OBX-4, its containment path there.
        observed: OBX-14 as written there (the measurement's time), may be empty.
    """

    order: str
    path: str
    observed: str = ""


def sent_observation(record: ObservationRecord, messages: Iterable[str],
                     times: Sequence[datetime | None] | None = None) -> SentObservation | None:
    """The order, OBX-4 and OBX-14 under which the first of `messages` (PCD-01s as `pcd01` built
    them, the newest first) to carry `record` as a result (OBX-11 F or C) sent it, or None.

    The record is known by what its OBX says of it: OBX-3, value, OBX-14 (to the millisecond),
    observer and method. Two rows alike in all of those are the same measurement told twice.

    Args:
        times: the measured times its OBX-14 may say, when not the record's own (the
            composer's: a monitor found off has its values dated when received, a correction
            at the measurement it stands for).
    """
    term = _term(record)
    told = _told(record)
    observed = ({hl7_time(t) if t is not None else "" for t in times} if times is not None
                else {told.observed})
    for message in messages:
        if term.identifier not in message:
            continue
        order = ""
        for fields in segments(message):
            if fields[0] == "OBR":
                order = _field(fields, 3)
            elif (fields[0] == "OBX" and _field(fields, 3) == term.identifier
                  and _field(fields, 5) == told.value and _field(fields, 11) in ("F", "C")
                  and _field(fields, 14) in observed and _field(fields, 16) == told.observer
                  and _field(fields, 17) == told.method and order
                  and _PATH.match(_field(fields, 4))):
                return SentObservation(order, _field(fields, 4), _field(fields, 14))
    return None


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


# ---------------------------------------------------------------------------------------------
# PCD-04


@dataclass(frozen=True, slots=True)
class AlertFacets:
    """What one PCD-04 message says about its alert, before it is written as OBX rows.

    Attributes:
        alert_id: OBR-3.1, `<session id>-<occurrence id>`: the same in every phase.
        phase: facet 3.
        state: facet 4.
        inactivation: facet 5.
        priority: facet 6 and OBX-8 of facet 1: PH, PM, PL or PN.
        alert_type: facet 7 and OBX-8 of facet 1: SP, ST or SA.
        event: facet 1's OBX-3 (MDC event, already written).
        abnormality: H or L for a physiological high/low condition, else empty.
        metric: the vital or scale the condition is about, or empty.
    """

    alert_id: str
    phase: EventPhase
    state: AlertState
    inactivation: Inactivation
    priority: str
    alert_type: str
    event: str
    abnormality: str
    metric: str


def alert_facets(transition: AlarmTransition, *, state: AlertState | None = None,
                 inactivation: Inactivation | None = None) -> AlertFacets:
    """Work out the ACM facets of one alarm transition (the rules are in the module docstring).

    Args:
        transition: the committed transition.
        state / inactivation: the board's own view when the caller has it; they replace what the
            transition alone implies.

    Raises:
        ValueError: an unknown transition, priority or category.
    """
    try:
        phase, implied_state, implied_inactivation = _PHASES[transition.transition]
    except KeyError:
        raise ValueError(f"transition {transition.transition!r} has no ACM phase; known: "
                         f"{', '.join(_PHASES)}") from None
    try:
        priority = PRIORITY_CODES[transition.priority]
    except KeyError:
        raise ValueError(f"priority {transition.priority!r} is none of "
                         f"{', '.join(PRIORITY_CODES)}") from None
    try:
        alert_type = TYPE_CODES[transition.category]
    except KeyError:
        raise ValueError(f"category {transition.category!r} is none of "
                         f"{', '.join(TYPE_CODES)}") from None
    metric_name, direction = "", ""
    base, _, suffix = transition.condition.rpartition("_")
    if base in METRICS and suffix in ("high", "low"):
        metric_name, direction = base, suffix
    physiological = alert_type == "SP" and bool(direction)
    event = _EVT_ALARM
    abnormality = ""
    if physiological:
        event, abnormality = (_EVT_HI, "H") if direction == "high" else (_EVT_LO, "L")
    return AlertFacets(
        alert_id=f"{transition.session_id}-{transition.occurrence}",
        phase=phase,
        state=state or implied_state,
        inactivation=inactivation or implied_inactivation,
        priority=priority,
        alert_type=alert_type,
        event=event,
        abnormality=abnormality,
        metric=metric_name,
    )


def pcd04(transition: AlarmTransition, *, control_id: str, sent_at: datetime, station: Station,
          patient: PatientShown, state: AlertState | None = None,
          inactivation: Inactivation | None = None, processing_id: str = "P") -> str:
    """Build the IHE PCD-04 Report Alert (ORU^R40) for one phase of one alarm occurrence.

    Args:
        transition: the committed transition.
        control_id: MSH-10, chosen by the caller.
        sent_at: MSH-7 (passed in).
        station: this console and its chair.
        patient: the patient as the clinic shows it.
        state / inactivation: the board's view, when the caller has it (see `alert_facets`).
        processing_id: MSH-11 (T for a demo session).

    Returns:
        The message, every segment ending in CR, not framed.

    Raises:
        ValueError: see `alert_facets`; a bad control id or a time without zone.
    """
    facets = alert_facets(transition, state=state, inactivation=inactivation)
    at = hl7_time(transition.at)
    flags = "~".join(f for f in (facets.abnormality, facets.priority, facets.alert_type) if f)
    condition = escape(transition.condition)
    _check_control_id(control_id)
    head = _head(station, patient, "ORU^R40^ORU_R40", processing_id, "AL", "NE", PCD04_PROFILE)
    equipment = head.station.equipment

    def path(facet: int) -> str:
        return f"{_ALERT_PATH}.{facet}"

    rows = [
        _obx(1, "ST", f"{facets.event}^{condition}^^{LOCAL_SYSTEM}", path(1),
             escape(transition.message), flags=flags, observed=at, equipment=equipment),
    ]
    term = TERMS.get(facets.metric) if facets.metric else None
    if term is not None and transition.value is not None and math.isfinite(transition.value):
        rows.append(_obx(2, "NM", term.identifier, path(2), _number(transition.value),
                         unit=term.unit, observed=at))
    else:
        source = term.identifier if term is not None else f"{condition}^^{LOCAL_SYSTEM}"
        rows.append(_obx(2, "CWE", _ALERT_SOURCE, path(2), source, observed=at))
    for facet, identifier, value in (
        (3, _EVENT_PHASE, facets.phase.value),
        (4, _ALARM_STATE, facets.state.value),
        (5, _INACTIVATION, facets.inactivation.value),
        (6, _PRIORITY, facets.priority),
        (7, _ALERT_TYPE, facets.alert_type),
    ):
        rows.append(_obx(facet, "ST", identifier, path(facet), value))
    return "".join([
        head.text(sent_at, control_id),
        _segment("OBR", ["1", "", station.ei(facets.alert_id), ALARM_SERVICE, "", "", at, ""]),
        *rows,
    ])


# ---------------------------------------------------------------------------------------------
# MLLP


def mllp_frame(message: str) -> bytes:
    """Wrap one message for MLLP: `0x0B <UTF-8 message> 0x1C 0x0D` (devices/framing.py's bytes).

    Raises:
        ValueError: the message holds 0x0B or 0x1C, which would end or restart the frame early
            (messages built here never do: `escape` writes them as `\\X0B\\`, `\\X1C\\`).
    """
    body = message.encode("utf-8")
    if MLLP_START in body or MLLP_END in body:
        raise ValueError("message contains an MLLP envelope byte (0x0B or 0x1C); escape it")
    return MLLP_START + body + MLLP_END + MLLP_TRAILER


def segments(message: str) -> list[list[str]]:
    """Split a message built here into segments of fields (a reader for tests and the outbox)."""
    return [s.split("|") for s in message.split("\r") if s]


TERMS: dict[str, Term] = _terms()
# The pulse an NIBP cuff measured with its pressures (devices.reading.NIBP_PULSE): named as the
# cuff's, not as the oximeter's pulse that TERMS gives pulse_rate.
CUFF_PULSE_TERM: Term = _vital_term("pulse_rate", "MDC_PULS_RATE_NON_INV")
