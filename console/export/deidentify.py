"""De-identification of a session's read model, for every export (CSV, FHIR, REMS, PDF). No Qt.

`deidentify(detail, key)` returns a new `SessionDetail` in which

- the patient identifier is a pseudonym `anon-<10 hex>`: HMAC-SHA256 of the identifier under `key`.
  The same key gives the same pseudonym, so exports of one course can be linked; without a key a
  random one is drawn and the pseudonym links to nothing. A plain hash is not used: medical record
  numbers are few enough to be guessed back from it.
- every time is moved back by the same whole number of weeks (52-155, drawn from the key, or
  `shift` when given), and by the change of the local zone's offset between the two dates, so
  that intervals, local time of day and weekday stay true, which is what a clinical reader needs;
  calendar dates do not. (A whole number of weeks alone kept the UTC time: a Friday 09:30 CET
  session read 10:30 on its summer date.) One shift for the whole session, taken at its start:
  a session that itself spans a change of the offset (one running through the night of the
  change) keeps its intervals, and its local times after the change read an hour off; intervals
  (the 40 minutes, the 2 hours, the T+ times) are what the reader must be able to trust.
  A clock time inside the console's words ("back inside its limits since 09:10:01 EDT",
  `console.clock.clock_time`) moves with them: read back to its instant, moved, and written in
  the export's zone (`_Mapper.rezoned`).
- every person (the nurse who started the session, actors, who ticked, who entered a value,
  review authors) becomes `staff-1`, `staff-2` ... in order of appearance; `engine` stays.
- free text written by people (notes, review notes, override reasons, prescriber gate decisions,
  correction reasons, checklist notes, device state details, dropped-data examples) is replaced
  with `[free text removed]`: it can name anyone. An observation noted with a button at the
  chair ("Vomiting": an `observation` event whose text is one of the console's own,
  `OBSERVATION_BUTTONS`) is kept: it names nobody, and it is the patient's record. In an
  event's detail only the console's own words are kept (`CONSOLE_TEXT_KEYS`: alarm messages,
  phase names, checklist item texts, refusal reasons); a person there is numbered (a
  handover's nurses, a central station's nurse), a device or port is numbered (a monitor
  change's two monitors), and any other text is removed (a station's name, a file path). An alarm
  acknowledged at a central station names its nurse as the event does, the station removed.
  A person's name inside an alarm's words ("its value was entered in error, by …", "Discharge
  at 09:03 by … was not saved") is numbered as the person is (`_named_as_numbered`); no other
  text of the console's or the protocol's is rewritten (a nurse who signs "RR" is not the
  respiratory rate of a checklist or a prompt), except the bug's summary inside the Console
  fault alarm's words: an exception's message (a KeyError can name the patient's identifier, a
  datetime's repr the real date), removed as the `console_fault` event's copy is
  (`_without_fault_text`); and an unsaved-records file's name, stamped with the real date,
  said as "an unsaved-records file" (`_HELD_FILE`).
- device identifiers (observation `source` such as `hl7:AcmeInc^<EUI-64>`) become `device-1` ...;
  `manual` stays. `sessions.details` keeps only dose figures and the protocol name (device binding
  and course information can carry serial numbers or names).

The copy says what it is (`SessionDetail.deidentified`): the PDF prints `DEIDENTIFIED_NOTE` under
its title and "de-identified" in every page's footer, the CSV files' names say it, the FHIR
Bundle carries the PSEUDED security label, and no REMS form is written from it (the form goes to
the REMS program under the patient's identity and the real date: a pseudonym and a shifted date
would make it a wrong form).

Kept on purpose: the log's session and row ids (a re-identification code that is not derived from
the patient's data, as HIPAA Safe Harbor §164.514(c) allows, so whoever holds the log can trace an
export back), weight, protocol, values and units.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import os
import re
import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Final, TypeVar

from console.records import ENGINE
from console.review import content as rc   # the exports' local zone rule
from console.review.model import (
    HANDED_OVER,
    AlarmEpisode,
    AlarmStep,
    AudioPause,
    BaselineChange,
    ChecklistTick,
    Correction,
    DeviceStateChange,
    DischargeRefusal,
    GateDecision,
    LoggedEvent,
    Note,
    Observation,
    Override,
    PhaseSpan,
    Restart,
    ScaleObservation,
    SessionDetail,
    SessionSummary,
    VitalSeries,
)
from console.session.engine import CONSOLE_FAULT, OBSERVATION_BUTTONS, OBSERVED
from console.session.holding import HELD_DISCHARGE_SAID, HELD_NAME
from console.session.lock import locked_actor
from console.session.protocol_record import PROTOCOL_IN_FORCE
from console.store.log import patient_fold
from devices.reading import MANUAL

if TYPE_CHECKING:   # typeshed's protocol for "any dataclass instance"; not importable at run time
    from _typeshed import DataclassInstance

REDACTED: Final = "[free text removed]"
DEIDENTIFIED_NOTE: Final = ("DE-IDENTIFIED: the patient is a pseudonym; dates are moved by whole weeks "
                            "(weekday and time of day kept); staff and devices are numbered; "
                            "free text is removed")
# sessions.details keys that carry no identifier.
KEPT_DETAILS: Final = frozenset({"dose_mg", "chosen_mg", "pump_rate_ml_h", "protocol_name"})
# events.detail: text is kept only under keys whose words the console or the protocol wrote
# (a phase's name, an alarm's message, a refusal's reasons); a person under a person's key is
# numbered like every actor; a device or port (a /dev/serial/by-id name carries the adapter's
# serial number) is numbered like the readings' sources; any other text is removed. A list of
# keys to remove let through a handover's nurses, a central station's nurse and a monitor's port
# (the data-path audit), so the keys kept are listed instead.
CONSOLE_TEXT_KEYS: Final = frozenset({
    "phase", "phase_name", "name", "kind", "item", "metric", "condition", "category", "priority",
    "state", "action", "message", "protocol_name", "unit", "type", "format", "blockers",
    "reasons", "prompt",
})
PERSON_KEYS: Final = frozenset({"by", "actor", "nurse", "signer", "account"})
DEVICE_KEYS: Final = frozenset({"device", "source"})
# `from` and `to` are what an event of that kind changed from and to: a hand-over's two nurses, a
# monitor change's two monitors (their sources, numbered as the readings' are). As person keys of
# every kind they numbered the monitors as staff, and shifted the numbers of the staff after them.
MONITOR_CHANGED: Final = "monitor_changed"   # console/session/engine.py `_monitor_identity`
PERSON_KEYS_OF: Final = {HANDED_OVER: frozenset({"from", "to"})}
DEVICE_KEYS_OF: Final = {MONITOR_CHANGED: frozenset({"from", "to"})}
# Keys that hold the protocol's own words in an event of that kind, not a person's: a ticked
# item's text (QA: the events CSV read "Ticked: [free text removed]" for every item).
PROTOCOL_TEXT: Final = {"checklist_ticked": frozenset({"text"}),
                        PROTOCOL_IN_FORCE: frozenset({"text", "protocol_id", "version", "sha256"})}
# An alarm step's actor when a central station's nurse acknowledged it
# (console/session/engine.py `acknowledge_from_central`): the nurse is the event's `by`.
AT_CENTRAL: Final = re.compile(r"(?P<name>.+?) \(at central (?P<station>.*)\)", re.DOTALL)
# An alarm step's actor when it was acknowledged or paused on a locked station
# (console/session/lock.py `locked_actor`): the nurse in charge, and that nobody was signed in.
LOCKED: Final = locked_actor("")

T = TypeVar("T", bound="DataclassInstance")


def pseudonym(patient_id: str, key: bytes) -> str:
    """The pseudonym of `patient_id` under `key` (`anon-` and 10 hex digits): one per patient
    whatever the spelling of the identifier (`patient_fold`; three spellings of MRN-94 A were
    three patients to a reviewer, review 45)."""
    digest = hmac.new(key, patient_fold(patient_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"anon-{digest[:10]}"


def shift_for(key: bytes) -> timedelta:
    """The (negative) time shift drawn from `key`: 52 to 155 whole weeks back."""
    draw = int.from_bytes(hmac.new(key, b"time shift", hashlib.sha256).digest()[:4], "big")
    return -timedelta(weeks=52 + draw % 104)


class _Mapper:
    """Consistent replacements within one export (`tz`: the export's zone, None this
    computer's)."""

    def __init__(self, key: bytes, shift: timedelta, tz: tzinfo | None = None) -> None:
        self.key, self.shift, self.tz = key, shift, tz
        self.people: dict[str, str] = {}
        self.devices: dict[str, str] = {}

    def t(self, at: datetime) -> datetime:
        return at + self.shift

    def ot(self, at: datetime | None) -> datetime | None:
        return at + self.shift if at is not None else None

    def who(self, name: str) -> str:
        if name == ENGINE or not name:
            return name
        central = AT_CENTRAL.fullmatch(name)
        if central is not None:   # one nurse, one number: not one for the step, one for the event
            return self._at_central(central["name"], central["station"])
        if name.endswith(LOCKED) and name != LOCKED:   # the nurse in charge, numbered as elsewhere
            return self.who(name.removesuffix(LOCKED)) + LOCKED
        if name not in self.people:
            self.people[name] = f"staff-{len(self.people) + 1}"
        return self.people[name]

    def _at_central(self, name: str, station: str) -> str:
        """The step's actor with the nurse numbered as the event's `by` is, and the station's
        name removed as the event's `station` is."""
        return f"{self.who(name)} (at central {self.text(station)})"

    def device(self, source: str) -> str:
        if source == MANUAL:
            return source
        if source not in self.devices:
            self.devices[source] = f"device-{len(self.devices) + 1}"
        return self.devices[source]

    def text(self, value: str) -> str:
        return REDACTED if value.strip() else value

    def rezoned(self, text: str, logged_at: datetime) -> str:
        """`text` with each console clock time in it moved with the record (`_CLOCK_TIME`):
        read back to its instant on the clock its zone names, on the day nearest `logged_at`
        (its record's own, unmoved, time), moved by the shift and written in the export's zone,
        digits and name together. The digits kept with the exporting computer's zone pasted on
        read "since 09:10:01 CEST" for 13:10:01 UTC, a New York session exported in Berlin; and
        a zone named nowhere the copy can look (no tzdata) leaves the time as it was logged."""
        def moved(found: re.Match[str]) -> str:
            instant = _logged_instant(found, logged_at, self.tz)
            if instant is None:
                return found[0]
            return rc.hhmm(instant + self.shift, self.tz, seconds=True, zoned=True)
        return _CLOCK_TIME.sub(moved, text)

    def detail(self, detail: Mapping[str, Any], kind: str = "",
               logged_at: datetime | None = None) -> dict[str, Any]:
        """`detail` de-identified; the clock times in its kept text moved (`rezoned`) when
        `logged_at`, its record's time, is given."""
        keys = _keys_of(kind)
        return {k: self._value(k, v, keys, logged_at) for k, v in detail.items()}

    def _value(self, key: str, value: Any, keys: _Keys, logged_at: datetime | None) -> Any:
        if isinstance(value, Mapping):
            return {k: self._value(k, v, keys, logged_at) for k, v in value.items()}
        if isinstance(value, list):
            return [self._value(key, v, keys, logged_at) for v in value]
        if not isinstance(value, str):
            return value
        if key in keys.kept:   # the console's words (a clock step's message, a gate's blockers)
            return self.rezoned(value, logged_at) if logged_at is not None else value
        if key in keys.people:
            return self.who(value)
        if key in keys.devices:
            return self.device(value)
        return self.text(value)


@dataclasses.dataclass(frozen=True)
class _Keys:
    """The keys of one event kind's detail whose text is kept, numbered as a person, or
    numbered as a device (any other text is removed)."""

    kept: frozenset[str]
    people: frozenset[str]
    devices: frozenset[str]


def _keys_of(kind: str) -> _Keys:
    none: frozenset[str] = frozenset()
    return _Keys(kept=CONSOLE_TEXT_KEYS | PROTOCOL_TEXT.get(kind, none),
                 people=PERSON_KEYS | PERSON_KEYS_OF.get(kind, none),
                 devices=DEVICE_KEYS | DEVICE_KEYS_OF.get(kind, none))


def _r(obj: T, **changes: Any) -> T:
    return dataclasses.replace(obj, **changes)


def local_shift(started_at: datetime, weeks: timedelta, tz: tzinfo | None = None) -> timedelta:
    """The shift that moves a session by `weeks` and keeps its local time of day in `tz` (a
    session moved across a summer-time change would read an hour off)."""
    offset = rc.local(started_at, tz).utcoffset() or timedelta(0)
    moved = rc.local(started_at + weeks, tz).utcoffset() or timedelta(0)
    return weeks + offset - moved


def deidentify(detail: SessionDetail, key: bytes | None = None,
               shift: timedelta | None = None, tz: tzinfo | None = None) -> SessionDetail:
    """A copy of `detail` without identifiers (rules in the module docstring).

    Args:
        detail: the session as loaded.
        key: secret for the pseudonym and the default shift; None draws a random one (the
            export then cannot be linked to another).
        shift: the time shift to apply instead of the one drawn from the key.
        tz: the zone whose local time of day is kept (the exports' zone; default this
            computer's).
    """
    key = key if key is not None else os.urandom(32)
    s = detail.summary
    weeks = shift if shift is not None else shift_for(key)
    m = _Mapper(key, local_shift(s.started_at, weeks, tz), tz)
    summary = _r(
        s, patient_id=pseudonym(s.patient_id, key), started_at=m.t(s.started_at),
        ended_at=m.ot(s.ended_at), nurse=m.who(s.nurse), discharged_at=m.ot(s.discharged_at),
    )
    phases = tuple(_r(p, started_at=m.t(p.started_at), ended_at=m.ot(p.ended_at),
                      started_by=m.who(p.started_by)) for p in detail.phases)
    vitals = {name: _r(v, times=tuple(m.t(t) for t in v.times),
                       placed=tuple(m.t(t) for t in v.placed))
              for name, v in detail.vitals.items()}
    return _named_as_numbered(SessionDetail(
        summary=summary,
        details={k: v for k, v in detail.details.items() if k in KEPT_DETAILS},
        protocol_version=detail.protocol_version,
        phases=phases,
        t0=m.ot(detail.t0),
        baseline=dict(detail.baseline),
        vitals=vitals,
        scales=tuple(_r(x, at=m.t(x.at), who=m.who(x.who)) for x in detail.scales),
        alarms=tuple(_alarm(a, m) for a in detail.alarms),
        audio_pauses=tuple(_r(p, paused_at=m.t(p.paused_at), paused_by=m.who(p.paused_by),
                              resumed_at=m.ot(p.resumed_at)) for p in detail.audio_pauses),
        ticks=tuple(_r(x, who=m.who(x.who), at=m.t(x.at), note=m.text(x.note),
                       withdrawn_at=m.ot(x.withdrawn_at))
                    for x in detail.ticks),
        overrides=tuple(_r(x, at=m.t(x.at), who=m.who(x.who), reason=m.text(x.reason),
                           blockers=tuple(m.rezoned(b, x.at) for b in x.blockers))
                        for x in detail.overrides),
        notes=tuple(_note(x, m) for x in detail.notes),
        annotations=tuple(_note(x, m) for x in detail.annotations),
        corrections=tuple(_r(x, at=m.t(x.at), who=m.who(x.who), reason=m.text(x.reason))
                          for x in detail.corrections),
        gate_decisions=tuple(_r(x, at=m.t(x.at), who=m.who(x.who), decision=m.text(x.decision))
                             for x in detail.gate_decisions),
        discharge_refusals=tuple(_r(x, at=m.t(x.at), who=m.who(x.who),
                                    reasons=tuple(m.rezoned(r, x.at) for r in x.reasons))
                                 for x in detail.discharge_refusals),
        device_states=tuple(_r(x, at=m.t(x.at), detail=m.text(x.detail))
                            for x in detail.device_states),
        events=tuple(_r(e, at=m.t(e.at), actor=m.who(e.actor), detail=_event_detail(e, m))
                     for e in detail.events),
        observations=tuple(_observation(o, m) for o in detail.observations),
        discharge=dict(detail.discharge) if detail.discharge is not None else None,
        deidentified=True,
        restarts=tuple(_r(x, last_record=m.t(x.last_record), resumed=m.t(x.resumed),
                          by=m.who(x.by)) for x in detail.restarts),
        baseline_changes=tuple(_r(x, at=m.t(x.at)) for x in detail.baseline_changes),
    ), m)


def _named_as_numbered(detail: SessionDetail, m: _Mapper) -> SessionDetail:
    """`detail` with the person the console names in an alarm's words numbered too: an alarm's
    end read "(its value was entered in error, by Ben Okafor, RN)" in a de-identified CSV (a
    clinician's audit).

    Only where the console puts a person: "by <name>" in an alarm's message, the name a whole
    word (console/session/engine.py: "…, by <nurse>)", "typed by <nurse>, replacing …";
    console/session/holding.py `LeftHeld.discharge_words`: "Discharge at 09:03 by <nurse> was
    not saved"). Every name matched as a whole word in every text of the copy rewrote the
    protocol's and the alarms' own words for a nurse who signs "RR": "Vitals due: staff-1 and
    sedation". A name only before ")", "," or the end let the held discharge's nurse through (a
    reviewer's proof). Its nurse may be named nowhere else in the log (her discharge, a
    hand-over to her, were the records it never took): she is numbered from those words. Text a
    person wrote is removed whole (`_Mapper.text`), so no name is left in it to number."""
    for a in detail.alarms:
        for text in (a.message, *(s.message for s in a.steps)):
            for found in HELD_DISCHARGE_SAID.finditer(text):   # holding.py's words
                m.who(found["actor"])
    names = sorted((n for n in m.people if n.strip()), key=len, reverse=True)
    if not names:
        return detail
    pattern = re.compile(rf"(?<!\w)by (?P<name>{'|'.join(re.escape(n) for n in names)})(?!\w)")

    def scrub(text: str) -> str:
        return pattern.sub(lambda found: f"by {m.people[found['name']]}", text)

    return _r(detail, alarms=tuple(
        _r(a, message=scrub(a.message), taken_back=scrub(a.taken_back),
           steps=tuple(_r(s, message=scrub(s.message)) for s in a.steps))
        for a in detail.alarms))


def _button_text(kind: str, text: Any) -> bool:
    """True for the text of an observation button (`OBSERVATION_BUTTONS`), not a person's."""
    return kind == OBSERVED and isinstance(text, str) and text.strip() in OBSERVATION_BUTTONS


def _note(note: Note, m: _Mapper) -> Note:
    text = note.text if _button_text(note.kind, note.text) else m.text(note.text)
    return _r(note, at=m.t(note.at), who=m.who(note.who), text=text)


def _event_detail(event: LoggedEvent, m: _Mapper) -> dict[str, Any]:
    """`event.detail` de-identified (`_Mapper.detail`), an observation button's text kept."""
    out = m.detail(event.detail, event.kind, event.at)
    # Its own event, or the `entered_in_error` that took it back (kind OBSERVED in its detail).
    kind = event.detail.get("kind") if event.kind == "entered_in_error" else event.kind
    if _button_text(str(kind), event.detail.get("text")):
        out["text"] = event.detail["text"]
    return out


# A clock time the console writes into a text with its zone (`console.clock.clock_time`:
# "since 09:10:01 EDT", "ticked at 09:00:00 EDT: a prescriber …"; tzdata names some zones by
# their offset only, "-03", "+0530", not to be taken from an ISO offset's "+01:00").
_CLOCK_TIME: Final = re.compile(
    r"\b(\d{2}):(\d{2}):(\d{2}) ([A-Z]{2,5}(?!\w)|[+-]\d{2}(?:\d{2})?(?![\w:]))")
_DAY: Final = timedelta(days=1)


def _logged_instant(found: re.Match[str], logged_at: datetime,
                    tz: tzinfo | None) -> datetime | None:
    """The instant a clock time `found` by `_CLOCK_TIME` stood for: its digits on the offset
    its zone's name had, on the day nearest `logged_at`; None when no zone known here has that
    name. Of a name the export's zone lacks and two zones share ("IST": India, Ireland,
    Israel) the reading nearer `logged_at` is taken (`_offsets_named`)."""
    hours, minutes, seconds = int(found[1]), int(found[2]), int(found[3])
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    offsets = _offsets_named(found[4], logged_at, tz)
    candidates = [datetime.combine(logged_at.astimezone(zone).date() + step * _DAY,
                                   time(hours, minutes, seconds), zone)
                  for zone in (timezone(offset) for offset in offsets) for step in (-1, 0, 1)]
    return min(candidates, key=lambda c: abs(c - logged_at), default=None)


def _offsets_named(name: str, near: datetime, tz: tzinfo | None) -> frozenset[timedelta]:
    """The UTC offsets the zone named `name` had around `near` (a day either side: a time
    logged "since" before the clocks changed is named as it was then): the export zone's when
    it has that name, else those of every zone in tzdata that has it (the nearest reading to
    the record's time is taken). The log keeps no zone key, only names: a copy made where the
    chair stands (the common case) reads its own names on its own clock. Mixed with tzdata's,
    a Chicago "CST" clock step of 6 h was read on Shanghai's "CST" (a review of session 50);
    the cost is a log copied to a zone that uses the same name for another offset (Chicago's
    "CST" copied in Shanghai), read on the copy's clock."""
    if name[0] in "+-":
        sign = -1 if name[0] == "-" else 1
        return frozenset({sign * timedelta(hours=int(name[1:3]), minutes=int(name[3:5] or 0))})
    samples = [near + hours * timedelta(hours=1) for hours in (-24, -12, 0, 12)]
    own = frozenset(offset for moment in (rc.local(at, tz) for at in samples)
                    if moment.tzname() == name and (offset := moment.utcoffset()) is not None)
    return own or _offsets_anywhere(name, near.astimezone(timezone.utc).date())


@functools.lru_cache(maxsize=64)
def _offsets_anywhere(name: str, day: date) -> frozenset[timedelta]:
    """The UTC offsets of every zone in tzdata whose name was `name` on `day` or the day
    before (a chair in New York, the copy made in Berlin: "EDT" is none of Berlin's names)."""
    noon = datetime.combine(day, time(12), timezone.utc)
    samples = [noon + hours * timedelta(hours=1) for hours in (-36, -24, -12, 0, 12)]
    found: set[timedelta] = set()
    for key in zoneinfo.available_timezones():
        try:
            zone = zoneinfo.ZoneInfo(key)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            continue
        for at in samples:
            moment = at.astimezone(zone)
            if moment.tzname() == name and (offset := moment.utcoffset()) is not None:
                found.add(offset)
    return frozenset(found)


# The Console fault alarm's words (console/session/engine.py `console_fault`): "Console fault:
# <summary> — restart the console (the session resumes)", and a step's words after them (its end:
# "(a new alarm: Console fault: …)", "(ended by the restart; …)"). The summary is an exception's
# message (console/ui/fault_handler.py `summary_of`), not the console's words: a KeyError named the
# patient's identifier in a de-identified events CSV and PDF (a reviewer's proof).
_FAULT_TEXT: Final = re.compile(
    r"Console fault: .*? — restart the console \(the session resumes\)", re.DOTALL)
FAULT_TEXT_REMOVED: Final = ("Console fault (its text is removed in a de-identified export) — "
                             "restart the console (the session resumes)")


def _without_fault_text(message: str) -> str:
    """A Console fault alarm's `message` with each bug's summary in it removed (`_FAULT_TEXT`),
    the console's words around it kept; a message of another form (none is written) removed whole,
    but for the words that say what the alarm was."""
    removed, found = _FAULT_TEXT.subn(FAULT_TEXT_REMOVED, message)
    return removed if found else FAULT_TEXT_REMOVED


# An unsaved-records file's name in the words of the alarm that names it (console/session/
# engine.py `_unsaved_left`: "… 4 other entries in unsaved-records-20260302T090300Z-….jsonl: …"):
# stamped with the real UTC date and time of its first record (holding.py `HeldFile.copy`), it
# is said as "an unsaved-records file" (README: dates are moved by whole weeks). The file's
# path in an event's detail is removed as any other text is (`_Mapper.detail`).
_HELD_PREFIX, _HELD_SUFFIX = HELD_NAME.split("{stamp}")
_HELD_FILE: Final = re.compile(rf"{re.escape(_HELD_PREFIX)}\S+?{re.escape(_HELD_SUFFIX)}")
HELD_FILE_REMOVED: Final = "an unsaved-records file"


def _alarm(a: AlarmEpisode, m: _Mapper) -> AlarmEpisode:
    def said(text: str, at: datetime) -> str:
        if a.condition == CONSOLE_FAULT and text:
            text = _without_fault_text(text)
        return m.rezoned(_HELD_FILE.sub(HELD_FILE_REMOVED, text), at)

    return _r(
        a, raised_at=m.t(a.raised_at), acknowledged_at=m.ot(a.acknowledged_at),
        cleared_at=m.ot(a.cleared_at), message=said(a.message, a.raised_at),
        taken_back=m.rezoned(a.taken_back, a.raised_at),
        steps=tuple(_r(s, at=m.t(s.at), actor=m.who(s.actor),
                       message=said(s.message, s.at)) for s in a.steps),
    )


def _observation(o: Observation, m: _Mapper) -> Observation:
    return _r(o, source=m.device(o.source), measured_at=m.ot(o.measured_at),
              received_at=m.t(o.received_at), entered_by=m.who(o.entered_by))


# Every record type deidentify rebuilds; tests/export/test_deidentify.py checks that no field of
# these holds an identifier afterwards, so a field added to the model without a rule here fails.
HANDLED: Final = (SessionSummary, PhaseSpan, VitalSeries, ScaleObservation, AlarmEpisode,
                  AlarmStep, AudioPause, ChecklistTick, Override, Note, Correction, GateDecision,
                  DischargeRefusal, DeviceStateChange, LoggedEvent, Observation, Restart,
                  BaselineChange)
