"""Read the clinic network's HL7 messages back: IHE PCD-04 alarm phases and PCD-01 observations.

The reverse of console/network/pcd.py, for the central station: message text in, small frozen
dataclasses out. Pure functions, no clock, no transport, no Qt.

- `read_pcd04(text)` -> `AlertReport`: MSH-10 (control id), MSH-7, MSH-11; PID-3.1 (the patient
  as shown); PV1-3 room and chair; OBR-3.1 `<session>-<occurrence>`; OBR-7; the ACM facets found
  by their MDC reference id in OBX-3 (so a sender's own OBX order or OBX-4 numbering does not
  matter): event phase, alert state, inactivation state, priority, type; facet 1's text (OBX-5)
  and condition (OBX-3.4, this console's local id); facet 2's vital and value when it is an NM row.
  Priority and type fall back to facet 1's OBX-8 (`H~PH~SP`) when their own rows are missing, as
  the ACM supplement allows.
- `read_pcd01(text, received_at)` -> `ObservationReport`: the header as above and every
  observation the console's own decoder (devices/hl7) accepts, with OBX-17 (MMEAS = typed by a
  nurse) matched to each by its OBX-4 path; a value OBX-17 marks as a vital's other channel
  (`OTHER_CHANNEL^...^99ICN` beside AMEAS, pcd.py: the monitor sent the vital twice, and this
  one is not the value the chair judged) carries the `OTHER_CHANNEL` flag, as in the chair's
  log: it is never the chair's value on a trend. Rows the decoder drops (the scales' local codes,
  which have no MDC term) are counted, not raised. A row posted as wrong (OBX-11 W, or D
  deleted: HL7 table 0085) is a value taken back (a value entered in error at the chair,
  pcd.py), read as the decoder would read it as a result and kept apart (`withdrawn`): never
  a value of its own. A correction (OBX-11 C) is a value as any other: pcd.py sends it at the
  time of the measurement it replaces, where the central's trend takes it in that value's
  place (board.py `trend`: one value per vital and time, a PCD-01's the last one read).

Both raise `PcdError` (a ValueError) with a message naming what is wrong for anything they cannot
read: a receiver counts such a message as ignored and never shows half of it.

HL7 escapes (`\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh\\`) are undone with the message's own delimiters
(`unescape`), so every text `pcd.escape` wrote comes back as it was.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from console.network.pcd import (
    LOCAL_SYSTEM, OTHER_CHANNEL_METHOD, TERMS, AlertState, EventPhase, Inactivation,
)
from devices.hl7.decoder import decode_message, parse_timestamp
from devices.reading import OTHER_CHANNEL
from devices.stream import DECODER_ERROR

__all__ = ["AlertReport", "Header", "Observation", "ObservationReport", "PcdError", "message_type",
           "read_pcd01", "read_pcd04", "unescape"]

PRIORITIES: dict[str, str] = {"PH": "high", "PM": "medium", "PL": "low", "PN": "info"}
TYPES: dict[str, str] = {"SP": "physiological", "ST": "technical", "SA": "prompt"}
MANUAL_METHOD = "MMEAS"
# OBX-11 (HL7 table 0085) of a result taken back: W "post original as wrong", D "delete".
_WRONG = frozenset({"W", "D"})

# MDC reference id (OBX-3.2) of each ACM facet row.
_PHASE = "MDC_ATTR_EVENT_PHASE"
_STATE = "MDC_ATTR_ALARM_STATE"
_INACTIVATION = "MDC_ATTR_ALARM_INACTIVATION_STATE"
_PRIORITY = "MDC_ATTR_ALARM_PRIORITY"
_TYPE = "MDC_ATTR_ALERT_TYPE"
_SOURCE = "MDC_ATTR_ALERT_SOURCE"
_EVENTS = frozenset({"MDC_EVT_HI", "MDC_EVT_LO", "MDC_EVT_ALARM"})
_ALERT_ID = re.compile(r"^(\d{1,18})-(\d{1,18})$")
# OBX-3 as pcd.py writes it for each vital (code^name^MDC) -> metric.
_METRIC_OF_TERM: dict[str, str] = {
    "^".join(term.identifier.split("^")[:2]): name for name, term in TERMS.items()
}


_E = TypeVar("_E", EventPhase, AlertState, Inactivation)


class PcdError(ValueError):
    """A message that cannot be read as the PCD message it claims to be (the text says why)."""


@dataclass(frozen=True, slots=True)
class Header:
    """What every message of the clinic network says about itself and where it comes from.

    Attributes:
        control_id: MSH-10, what receivers deduplicate on.
        message_type: MSH-9 (`ORU^R40^ORU_R40`).
        sent_at: MSH-7 (UTC), or None when missing or unreadable.
        processing_id: MSH-11: P, or T for a demo/test session.
        equipment_id: MSH-3.2, the sending console's id.
        patient: PID-3.1, the patient as the clinic shows it.
        room: PV1-3.2.
        chair: PV1-3.3 (the chair as the console names it in HL7; the topic names it too).
    """

    control_id: str
    message_type: str
    sent_at: datetime | None
    processing_id: str
    equipment_id: str
    patient: str
    room: str
    chair: str


@dataclass(frozen=True, slots=True)
class AlertReport:
    """One PCD-04 Report Alert: one phase of one alarm occurrence.

    Attributes:
        header: the message's header.
        session: the session id in OBR-3.1 `<session>-<occurrence>` (the chair's own log id).
        occurrence: the occurrence id in OBR-3.1.
        at: when the phase happened (OBR-7, else facet 1's OBX-14, else MSH-7).
        phase / state / inactivation: ACM facets 3-5.
        priority: `high`, `medium`, `low` or `info` (from PH/PM/PL/PN).
        category: `physiological`, `technical` or `prompt` (from SP/ST/SA).
        condition: the console's condition id (facet 1 OBX-3.4), may be empty.
        text: the alert text as the bedside shows it (facet 1 OBX-5).
        metric: the vital of facet 2 when it is an NM row, else empty.
        value: that vital's value, or None.
    """

    header: Header
    session: int
    occurrence: int
    at: datetime
    phase: EventPhase
    state: AlertState
    inactivation: Inactivation
    priority: str
    category: str
    condition: str
    text: str
    metric: str
    value: float | None

    @property
    def control_id(self) -> str:
        return self.header.control_id

    @property
    def acknowledged(self) -> bool:
        return self.inactivation is Inactivation.ALERT_ACKNOWLEDGED

    @property
    def ended(self) -> bool:
        return self.phase is EventPhase.END


@dataclass(frozen=True, slots=True)
class Observation:
    """One value of a PCD-01 message.

    Attributes:
        metric / value / unit: as the console's decoder reads them (canonical unit).
        measured_at: OBX-14, or OBR-7 when a row has none (the decoder's rule); None if neither.
        manual: OBX-17 is MMEAS: typed by a nurse.
        channel: OBX-4.
        flags: the decoder's flags (`NIBP`: the pulse rate an NIBP cuff measured), and
            `OTHER_CHANNEL` where OBX-17 marks the value as a vital's other channel, not judged.
    """

    metric: str
    value: float
    unit: str
    measured_at: datetime | None
    manual: bool
    channel: str
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ObservationReport:
    """One PCD-01 message: the observations of one commit at the chair.

    Attributes:
        header: the message's header.
        observations: what the decoder accepted, in message order.
        dropped: how many OBX rows the decoder left out (a scale's local code, a bad row).
        withdrawn: the values posted as wrong (OBX-11 W or D), each as first sent: to take
            back where it was shown, never to show.
    """

    header: Header
    observations: tuple[Observation, ...]
    dropped: int
    withdrawn: tuple[Observation, ...] = ()

    @property
    def control_id(self) -> str:
        return self.header.control_id


# ---------------------------------------------------------------------------------------------
# Splitting


@dataclass(frozen=True, slots=True)
class _Delimiters:
    field: str
    component: str
    repetition: str
    escape: str
    subcomponent: str


def _split(text: str) -> tuple[_Delimiters, list[list[str]]]:
    """The message's delimiters and its segments split into fields."""
    if not isinstance(text, str):
        raise PcdError("the message is not text")
    body = text.strip("\r\n\t \x0b\x1c\x00")
    if not body.startswith("MSH"):
        raise PcdError(f"the message does not start with MSH: {body[:20]!r}")
    if len(body) < 8:
        raise PcdError(f"the message is too short for an MSH segment: {body!r}")
    fs = body[3]
    if fs.isalnum() or fs in "\r\n":
        raise PcdError(f"MSH has no field separator ({fs!r})")
    segments = [s.split(fs) for s in re.split(r"\r\n|\r|\n", body) if s.strip()]
    encoding = segments[0][1] if len(segments[0]) > 1 else ""
    if len(encoding) < 4:
        raise PcdError(f"MSH-2 {encoding!r} does not give the four encoding characters")
    return _Delimiters(fs, encoding[0], encoding[1], encoding[2], encoding[3]), segments


def unescape(value: str, d: _Delimiters | None = None) -> str:
    """Undo HL7 escapes: `\\F\\ \\S\\ \\T\\ \\R\\ \\E\\` and `\\Xhh...\\` (hex bytes, UTF-8).

    Other escapes (formatting `\\H\\ \\N\\ .sp` and the like) are kept as they are: this console
    never writes them and a text must not lose characters it may have meant.
    """
    d = d or _Delimiters("|", "^", "~", "\\", "&")
    esc = d.escape
    if esc not in value:
        return value
    named = {"F": d.field, "S": d.component, "T": d.subcomponent, "R": d.repetition, "E": esc}
    out: list[str] = []
    i = 0
    while i < len(value):
        char = value[i]
        end = value.find(esc, i + 1) if char == esc else -1
        if end < 0:
            out.append(char)
            i += 1
            continue
        code = value[i + 1:end]
        if code in named:
            out.append(named[code])
        elif code[:1] == "X" and len(code) > 1 and len(code) % 2 == 1 \
                and re.fullmatch(r"[0-9A-Fa-f]+", code[1:]):
            out.append(bytes.fromhex(code[1:]).decode("utf-8", errors="replace"))
        else:
            out.append(value[i:end + 1])
        i = end + 1
    return "".join(out)


def unescape_in(value: str, separator: str, encoding_chars: str) -> str:
    """`unescape` with a message's own delimiters: its field separator (MSH-1) and encoding
    characters (MSH-2); HL7's defaults where it gives fewer than four."""
    if len(encoding_chars) < 4:
        return unescape(value)
    chars = encoding_chars
    return unescape(value, _Delimiters(separator, chars[0], chars[1], chars[2], chars[3]))


def _get(fields: list[str], i: int) -> str:
    return fields[i] if i < len(fields) else ""


def _component(value: str, d: _Delimiters, n: int) -> str:
    """Component n (1-based) of a field, unescaped."""
    parts = value.split(d.repetition)[0].split(d.component)
    return unescape(parts[n - 1], d) if n <= len(parts) else ""


def _header(d: _Delimiters, segments: list[list[str]], expected: str) -> Header:
    msh = segments[0]
    message_type = _get(msh, 8)   # MSH-9: MSH-1 is the separator, so MSH-n is fields[n - 1]
    if message_type.split(d.component)[:2] != expected.split("^")[:2]:
        raise PcdError(f"MSH-9 is {message_type!r}, not {expected}")
    control_id = unescape(_get(msh, 9), d).strip()
    if not control_id:
        raise PcdError("MSH-10 (the control id receivers deduplicate on) is empty")
    sent_at, _problem = parse_timestamp(_get(msh, 6).split(d.component)[0])
    pid = next((s for s in segments if s[0] == "PID"), [])
    pv1 = next((s for s in segments if s[0] == "PV1"), [])
    location = _get(pv1, 3)
    return Header(
        control_id=control_id,
        message_type=message_type,
        sent_at=sent_at,
        processing_id=_get(msh, 10).split(d.component)[0].strip(),
        equipment_id=_component(_get(msh, 2), d, 2),
        patient=_component(_get(pid, 3), d, 1),
        room=_component(location, d, 2),
        chair=_component(location, d, 3),
    )


def message_type(text: str) -> str:
    """MSH-9's message code and trigger (`ORU^R40`), or "" when `text` is no HL7 message."""
    try:
        d, segments = _split(text)
    except PcdError:
        return ""
    return "^".join(_get(segments[0], 8).split(d.component)[:2])


# ---------------------------------------------------------------------------------------------
# PCD-04


def _enum_value(kind: type[_E], value: str, facet: str) -> _E:
    try:
        return kind(value.strip().lower())
    except ValueError:
        known = ", ".join(m.value for m in kind)
        raise PcdError(f"{facet} is {value!r}, none of {known}") from None


def read_pcd04(text: str) -> AlertReport:
    """Read one PCD-04 ORU^R40 Report Alert (as `pcd.pcd04` builds it).

    Raises:
        PcdError: not an ORU^R40, no OBR-3 `<session>-<occurrence>`, a facet missing or holding
            a value the ACM value set does not have, no usable time.
    """
    d, segments = _split(text)
    header = _header(d, segments, "ORU^R40^ORU_R40")
    obrs = [s for s in segments if s[0] == "OBR"]
    if len(obrs) != 1:
        raise PcdError(f"a Report Alert here carries one alert (one OBR), this one has {len(obrs)}")
    obr = obrs[0]
    alert_id = _component(_get(obr, 3), d, 1).strip()
    match = _ALERT_ID.match(alert_id)
    if match is None:
        raise PcdError(f"OBR-3 alert id {alert_id!r} is not <session>-<occurrence>")
    session, occurrence = int(match.group(1)), int(match.group(2))
    facets: dict[str, str] = {}
    first: list[str] | None = None
    metric, value = "", None
    for row in (s for s in segments if s[0] == "OBX"):
        identifier = _get(row, 3)
        name = _component(identifier, d, 2).strip()
        if name in _EVENTS and first is None:
            first = row
        elif name in (_PHASE, _STATE, _INACTIVATION, _PRIORITY, _TYPE):
            facets[name] = unescape(_get(row, 5), d).strip()
        elif _get(row, 2).strip() == "NM" and name != _SOURCE:
            key = "^".join(identifier.split(d.component)[:2])
            metric = _METRIC_OF_TERM.get(key, "")
            try:
                value = float(_get(row, 5).strip())
            except ValueError:
                raise PcdError(f"facet 2 value {_get(row, 5)!r} is not a number") from None
            if not math.isfinite(value):
                value = None   # the alarm stands; a value no card or trend can draw does not
    if first is None:
        raise PcdError("no facet 1 (an OBX whose OBX-3 is MDC_EVT_HI, _LO or _ALARM)")
    flags = [f.strip() for f in _get(first, 8).split(d.repetition)]
    priority_code = facets.get(_PRIORITY) or next((f for f in flags if f in PRIORITIES), "")
    type_code = facets.get(_TYPE) or next((f for f in flags if f in TYPES), "")
    if priority_code not in PRIORITIES:
        raise PcdError(f"priority {priority_code!r} is none of {', '.join(PRIORITIES)}")
    if type_code not in TYPES:
        raise PcdError(f"alert type {type_code!r} is none of {', '.join(TYPES)}")
    for needed in (_PHASE, _STATE, _INACTIVATION):
        if needed not in facets:
            raise PcdError(f"no {needed} facet")
    at, _problem = parse_timestamp(_get(obr, 7).split(d.component)[0])
    at = at or parse_timestamp(_get(first, 14).split(d.component)[0])[0] or header.sent_at
    if at is None:
        raise PcdError("no time: OBR-7, facet 1 OBX-14 and MSH-7 are all empty or unreadable")
    return AlertReport(
        header=header,
        session=session,
        occurrence=occurrence,
        at=at,
        phase=_enum_value(EventPhase, facets[_PHASE], "event phase"),
        state=_enum_value(AlertState, facets[_STATE], "alarm state"),
        inactivation=_enum_value(Inactivation, facets[_INACTIVATION], "inactivation state"),
        priority=PRIORITIES[priority_code],
        category=TYPES[type_code],
        condition=_component(_get(first, 3), d, 4).strip(),
        text=unescape(_get(first, 5), d),
        metric=metric,
        value=value,
    )


# ---------------------------------------------------------------------------------------------
# PCD-01


def read_pcd01(text: str, received_at: datetime) -> ObservationReport:
    """Read one PCD-01 ORU^R01 (as `pcd.pcd01` builds it) with the console's own decoder.

    Args:
        text: the message.
        received_at: when it arrived (the decoder stamps its readings with it).

    Raises:
        PcdError: not an ORU^R01, or the decoder could not read it at all.
    """
    d, segments = _split(text)
    header = _header(d, segments, "ORU^R01^ORU_R01")
    methods: dict[str, _Method] = {}
    wrong: list[int] = []   # the OBX rows posted as wrong (their index among the segments)
    for index, row in enumerate(segments):
        if row[0] == "OBX":
            methods[unescape(_get(row, 4), d).strip()] = _method(_get(row, 17), d)
            if _get(row, 11).strip().upper() in _WRONG:
                wrong.append(index)
    observations = _decoded(text, received_at, methods)
    withdrawn: tuple[Observation, ...] = ()
    if wrong:
        # The decoder drops a W row ("not a valid result"): its value is read from the message
        # with the wrong rows alone, posted as results, so it is known as the decoder knows a
        # value (metric, canonical unit, time) and matched to the one shown.
        kept = [row if row[0] != "OBX" else [*row[:11], "F", *row[12:]]
                for i, row in enumerate(segments) if row[0] != "OBX" or i in wrong]
        withdrawn = _decoded("\r".join(d.field.join(row) for row in kept) + "\r",
                             received_at, methods)
    rows = sum(1 for s in segments if s[0] == "OBX")
    return ObservationReport(header, observations,
                             max(0, rows - len(observations) - len(withdrawn)), withdrawn)


@dataclass(frozen=True, slots=True)
class _Method:
    """What one OBX-17 says: typed by a nurse; a vital's other channel, not the one judged."""

    manual: bool = False
    other_channel: bool = False


_NO_METHOD = _Method()


def _method(value: str, d: _Delimiters) -> _Method:
    """OBX-17: its first repetition's code (AMEAS / MMEAS), and whether any repetition is
    pcd.py's local `OTHER_CHANNEL` code."""
    codes = [(_component(r, d, 1).strip(), _component(r, d, 3).strip())
             for r in value.split(d.repetition)]
    return _Method(codes[0][0] == MANUAL_METHOD,
                   (OTHER_CHANNEL_METHOD, LOCAL_SYSTEM) in codes)


def _decoded(text: str, received_at: datetime,
             methods: dict[str, _Method]) -> tuple[Observation, ...]:
    """The observations the console's decoder reads in `text`; `methods`: OBX-17 by OBX-4."""
    result = decode_message(text.encode("utf-8"), received_at)
    fatal = [x for x in result.dropped if x.reason in (DECODER_ERROR, "bad-frame")]
    if fatal:
        raise PcdError(f"the decoder could not read it: {fatal[0].detail}")
    found: list[Observation] = []
    for r in result.readings:
        method = methods.get(r.channel.strip(), _NO_METHOD)
        flags = r.flags | {OTHER_CHANNEL} if method.other_channel else r.flags
        found.append(Observation(r.metric, r.value, r.unit, r.measured_at, method.manual,
                                 r.channel, flags))
    return tuple(found)
