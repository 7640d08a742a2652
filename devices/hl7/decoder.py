"""HL7 v2 ORU^R01 (IHE PCD-01) decoder: framed messages in, readings, drops and ACKs out.

What the `hl7` library (python-hl7) does here and what we write ourselves:

- `hl7.parse` + `Message.unescape` decode HL7 escape sequences (`\\F\\`, `\\S\\`, `\\X..\\`) in
  the text we keep (MSH-3 source, OBX-4 channel). Only called when a field holds the escape
  character, which device messages almost never do.
- Ours: segment and field splitting. `hl7.parse` splits segments on CR only (devices also send LF
  and CR LF) and builds a container tree per message, which alone would cost the whole P1
  throughput budget (quality-bars.md); plain `str.split` does not.
- Ours: timestamps. `hl7.parse_datetime` rejects the 17-digit form with milliseconds and no dot
  and mis-signs offsets such as `-0030`.
- Ours: the ACK (see ack.py) and MLLP framing (`hl7.mllp` is bound to asyncio streams).

OBX-3 is identified by `identify`: standard codes (MDC, MDIL, LOINC) in every component and
sub-component first, then a vendor dialect's map (devices/hl7/dialects.py; chosen per device, or
recognised from MSH-3/MSH-4), then Mindray's legacy codes. OBX-5 of type SN is read as structured
numeric (`=^119` is 119; `<^5`, a value below the monitor's range, is 5 flagged `<`). A row identified through a sub-component
(`8867-4&1`) without an OBX-4 path keeps that component as its channel, so sites stay apart.
`parse_message` and `read_observations` are the same steps for the polled decoder (polled.py).

One patient per message: a pushed ORU^R01 whose OBX rows lie in more than one patient group
(split at each PID, `patient_groups`, as the polled decoder splits a reply) is read not at all,
dropped as `several-patients` and answered AR (a central station or engine sending several beds:
none is this device's to choose, and resent it would be refused again). The Mindray bedside link
drops such a value message too.

An NIBP row whose own time says nothing usable (OBX-14 all zeros for "never", or garbled) and
that no enclosing row times is one cuff measurement repeated in every message until the next: with
the stream's `UnplacedNibp` it is reported once, by its source, stamp and values as sent, and each
repeat dropped as `nibp-repeat` (its time was OBR-7, the message's, so no two repeats agreed).
So is one with no OBX-14 at all whose OBR-7 is the message's time: its OBR group also times a
continuous vital (a row of another shown vital, even one without a value, that takes OBR-7 or
whose own or enclosing OBX-14 equals it), as a monitor's periodic message does (the MX500 gateway
sample), or has no OBR-7. An NIBP alone in its own OBR group keeps that OBR-7 as the cuff's time
(Nihon Kohden's NIBP group), and the engine drops its repeats by value and time. MSH-7 is not
compared: a gateway's clock is not the monitor's, and a group sent the second the cuff finished
has OBR-7 = MSH-7 too.
An NIBP row whose OBX-14 equals OBR-7 in a group that times a continuous vital is told apart only
across messages: a monitor stamping its cuff with the cuff's own time sends it so in the message
of the second the cuff finished and keeps that stamp after, while the Comen sample stamps every
row with its message's time, so its cuff's stamp moves with each message and its values stay.
Such a row is reported at its time, unless the source's message just before brought the same NIBP
rows (channels and values) stamped with that message's time too: then it is that measurement sent
again, dropped as `nibp-repeat` (each had been a new cuff "measured now", meeting the BP check and
the repeat-confirmation). A message with the source's NIBP at another time, or with none, ends the
chain; the memory is the stream's `UnplacedNibp`, so it outlives a reopen and forgets what a failed
commit could not take. Two cuffs of the same values in a row, each sent only in its own second,
read as one. (Taken as untimed, d676646, such a row of the first kind became two readings, the
first of unknown age, and a later cuff of the same values a repeat.)
Except the first such cuff of a connection (before it delivered any value: a new session's first
connect, a replug, "Restart and resume"): it is reported of unknown age (`AGE_UNKNOWN`, no measured
time), as an NIBP without a usable time is. A Comen resends its last cuff, perhaps taken during the
downtime or on the previous patient, stamped with the message's time; a monitor stamping its cuff
with the cuff's real time has OBX-14 = OBR-7 only when the cuff finished in that very second, at a
(re)connect a rare coincidence (that cuff is then read again, timed, from its next message). Logged
at its message's time, it had met the open BP check and been the new patient's baseline.
After "Restart and resume" the source's newest cuff in the session's log stands for the message
before (`UnplacedNibp.resume`): the same rows stamped with the message's time are that cuff sent
again, not a second row "measured now" meeting the open BP check; other values are a new cuff, of
unknown age as the connection's first. (A cuff-timed monitor's new cuff of the logged values, sent
in its second as the first message after a restart, is read from its next message, at its own
time.) An NIBP without a usable time is compared with it by values alone (the log keeps no OBX-14
as sent).
A cuff stamped with its message's time, or without a usable one, is judged whole before that
memory sees it (`_broken_cuff`): a row of it unread, not diastolic < mean < systolic among the
pressures present (a byte lost on the line), or its message read only in part, and it is dropped
whole, the memory left as it was. A value the monitor marks missing (OBX-11 X, empty, `---`) is no
damage: the cuff is its other values. A message damaged on the line (`damage`, an OBX-11 no sender
writes, or a cuff dropped whole for its own rows) is read only in part: answered AE (the copy sent
again brings the cuff whole) and dropped as `damaged-message` ("Monitor message not read").
A cuff repeated in every message and changed on the line to a plausible one (120/80 read as 120/70)
cannot be told from a new cuff in its own message, which is answered once stored (its value is not
held back): it is logged as sent. The cuff before it, sent again within `CUFF_BACK_WITHIN` (10 s:
no cuff measures that fast), is that measurement repeated (`UnplacedNibp.is_repeat`'s `at`): it had
been logged a second time, "measured now".
The cuff's pulse rate (149546) is a row of that measurement: flagged `NIBP` (reading.NIBP_PULSE)
and kept by the same rule (it had been a new pulse reading in every message).

Reading.source is `hl7:<MSH-3>`: the sending application with each component trimmed and the
components joined by `^` (`hl7:AcmeInc^ACDE48234567ABCD^EUI-64`), because gateways put the device's
EUI-64 there and the namespace alone (`HL7`, `AcmeInc`) does not tell two monitors apart. An empty
MSH-3 falls back to the source hint the transport gave (its port or configured name).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone, tzinfo
from functools import partial

import hl7

from devices.framing import MAX_HL7_FRAME, FramedDecoder, MllpFramer
from devices.hl7 import codes
from devices.hl7.ack import ACCEPT, ERROR, REJECT, AckRequest, build_ack
from devices.hl7.dialects import Dialect, DialectSet
from devices.local_time import wall_clock_to_utc
from devices.reading import (
    AGE_UNKNOWN,
    NIBP_PULSE,
    STATION_ZONE,
    Reading,
    is_nibp_metric,
    is_nibp_value,
)
from devices.stream import (
    DAMAGED_MESSAGE,
    DECODER_ERROR,
    IMPOSSIBLE_BP,
    NOT_MONITORED,
    SEVERAL_PATIENTS,
    DecodeResult,
    Dropped,
    Reply,
    UnplacedNibp,
    nibp_rows,
    outside_hard_range,
    pressures_in_order,
)
from protocols.vitals import BP_METRICS

_SEGMENT_END = re.compile(r"\r\n|\r|\n")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
_TIMESTAMP = re.compile(r"^(\d{4,20})(?:\.(\d+))?(?:([+-])(\d{2})(\d{2}))?$")
# OBX-11 statuses whose value is a usable measurement. R (not verified) is what devices send;
# F final, C corrected, P preliminary, S partial, A amended, U final-without-retransmission.
# D (deleted), W (wrong), X (cannot be obtained), I and N (no result) are not values.
_VALID_STATUS = frozenset({"", "R", "F", "C", "P", "S", "A", "U"})
# Every OBX-11 HL7 v2 defines (table 0085, with A; B and V since v2.7): any other letter is no
# sender's, a byte changed on the line. B and V rows are dropped as `bad-status`, as before.
_HL7_STATUS = _VALID_STATUS | {"X", "D", "W", "I", "N", "O", "B", "V"}
# HL7 v2 segment ids: three upper-case letters or digits, a letter first (Z-segments too).
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")
_MESSAGE_CODE = re.compile(r"[A-Z]{3}")   # MSH-9.1 (HL7 table 0076: ORU, ADT, ACK ...)
_STATUS_TEXT = {"D": "deleted", "W": "wrong result", "I": "pending", "N": "not asked",
                "B": "appended report", "V": "verified", "O": "order detail only, no result"}
# MSH-18 names to Python codecs. UTF-8 and Latin-1 are the ones seen from monitors.
_CHARSETS = {
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "8859/1": "latin-1",
    "ISO-8859-1": "latin-1",
    "ISO8859-1": "latin-1",
    "ISO_IR 100": "latin-1",
    "8859/2": "iso8859-2",
    "8859/5": "iso8859-5",
    "8859/7": "iso8859-7",
    "8859/9": "iso8859-9",
    "8859/15": "iso8859-15",
}


def parse_timestamp(text: str, default_tz: tzinfo | None = STATION_ZONE, *,
                    received_at: datetime | None = None) -> tuple[datetime | None, str]:
    """Parse an HL7 DTM leniently.

    Accepts `YYYY[MM[DD[HH[MM[SS]]]]][.f...][+/-ZZZZ]`, and the 17-digit form with milliseconds
    and no dot (`20210425230332872`). All zeros means "never" and gives None without a problem.
    A device clock years in the past is kept as sent: the caller stores the receive time apart.

    Args:
        text: the field (components after the first are ignored by the caller).
        default_tz: zone for a time without an offset (None: the station's own zone).
        received_at: when the message arrived: a time without an offset in the hour a
            summer-time change makes ambiguous (or skips) is read as the reading nearer it
            (`devices.local_time`); None keeps the first (summer time in autumn).

    Returns:
        (UTC datetime or None, problem text; empty when the field was fine or empty).
    """
    t = text.strip()
    if not t:
        return None, ""
    m = _TIMESTAMP.match(t)
    if m is None:
        return None, f"timestamp {t!r} is not YYYYMMDDHHMMSS[.ffff][+/-ZZZZ]"
    digits, frac, sign, off_h, off_m = m.groups()
    if digits.strip("0") == "" and not (frac or "").strip("0"):
        return None, ""
    if len(digits) > 14:
        if frac is not None or len(digits) > 20:
            return None, f"timestamp {t!r} has too many digits"
        digits, frac = digits[:14], digits[14:]
    if len(digits) % 2:
        return None, f"timestamp {t!r} has an odd number of digits"
    try:
        zone = default_tz
        if sign is not None:
            hours, minutes = int(off_h), int(off_m)
            if hours > 14 or minutes > 59:
                return None, f"timestamp {t!r} has an impossible offset"
            delta = timedelta(hours=hours, minutes=minutes)
            zone = timezone(-delta if sign == "-" else delta)
        parts = [int(digits[i : i + 2]) for i in range(4, len(digits), 2)]
        month, day, hour, minute, second = (parts + [1, 1, 0, 0, 0][len(parts) :])[:5]
        micro = int((frac or "0")[:6].ljust(6, "0"))
        wall = datetime(int(digits[:4]), month, day, hour, minute, second, micro)
        return wall_clock_to_utc(wall, zone, received_at), ""
    except (ValueError, OverflowError):
        return None, f"timestamp {t!r} is not a real date and time"


def _parse_number(text: str) -> float | None:
    """Return the decimal in `text`, or None (no exponents, NaN or infinities: not device data)."""
    return float(text) if _NUMBER.match(text) else None


class _Message:
    """One message's context while its segments are decoded."""

    def __init__(self, fields: list[str], msh_text: str, codec: str, hint: str,
                 default_tz: tzinfo | None, dialect: Dialect | None = None,
                 dialects: DialectSet | None = None) -> None:
        enc = fields[1] if len(fields) > 1 else ""
        self.fields = fields
        self.msh_text = msh_text
        self.codec = codec
        self.comp = enc[0:1] or "^"
        self.rep = enc[1:2] or "~"
        self.esc = enc[2:3] or "\\"
        self.sub = enc[3:4] or "&"
        # An explicit dialect wins; otherwise the first whose [recognise] names MSH-3 or MSH-4.
        self.dialect = dialect if dialect is not None or dialects is None \
            else dialects.recognise(self.msh(3), self.msh(4))
        self.encoding = enc
        self._parsed: hl7.Message | None = None
        # A time without an offset is in the sender's zone: MSH-7's offset says which, if given.
        self.zone = _offset_of(self.msh(7).split(self.comp)[0], default_tz)
        comps = [self.text(c).strip() for c in self.msh(3).split(self.comp)]
        while comps and not comps[-1]:
            comps.pop()
        app = "^".join(comps)
        self.source = f"hl7:{app or hint.strip() or 'unknown'}"
        processing = self.msh(11).split(self.comp)[0].strip().upper()
        # Non-production messages: training (T) is test data; debugging (D) is carried as sent.
        self.flags = {"T": frozenset({"TEST"}), "D": frozenset({"DEBUG"})}.get(processing,
                                                                              frozenset())

    def msh(self, n: int) -> str:
        """Return MSH-n (MSH-1 is the field separator itself, so MSH-n is fields[n - 1])."""
        return self.fields[n - 1] if 0 < n <= len(self.fields) else ""

    def text(self, value: str) -> str:
        """Return `value` with HL7 escape sequences decoded (python-hl7 does the decoding)."""
        if self.esc not in value:
            return value
        try:
            if self._parsed is None:
                self._parsed = hl7.parse(self.msh_text)
            return str(self._parsed.unescape(value))
        except Exception:  # noqa: BLE001 - a malformed escape keeps the raw text, never fails
            return value

    def ack_request(self) -> AckRequest:
        """Collect what the ACK copies from this message's MSH."""
        msg_type = self.msh(9).split(self.comp)
        return AckRequest(
            control_id=self.msh(10).strip(),
            sending_application=_safe(self.msh(3)),
            sending_facility=_safe(self.msh(4)),
            trigger=msg_type[1].strip() if len(msg_type) > 1 else "",
            processing_id=self.msh(11).split(self.comp)[0],
            version=self.msh(12).split(self.comp)[0],
            encoding_characters=self.encoding,
            python_codec=self.codec,
        )


def _offset_of(raw: str, default: tzinfo | None) -> tzinfo | None:
    """Return the fixed zone of a DTM's `+/-ZZZZ` suffix, or `default` when it has none."""
    m = _TIMESTAMP.match(raw.strip())
    if m is None or m.group(3) is None or int(m.group(4)) > 14 or int(m.group(5)) > 59:
        return default
    delta = timedelta(hours=int(m.group(4)), minutes=int(m.group(5)))
    return timezone(-delta if m.group(3) == "-" else delta)


def _field(fields: list[str], i: int) -> str:
    """Return field `i` of a split segment, or '' when the segment is shorter."""
    return fields[i] if i < len(fields) else ""


def _safe(value: str) -> str:
    """Remove bytes that would break the ACK's framing from a copied field."""
    return "".join(c for c in value if c not in "\r\n\x0b\x1c")


def _decode_bytes(payload: bytes) -> tuple[str, str, list[Dropped]]:
    """Decode `payload` with the MSH-18 charset; return (text, codec, notices)."""
    first = re.split(rb"[\r\n]", payload, maxsplit=1)[0]
    sep = first[3:4]
    declared = ""
    if sep:
        fields = first.split(sep)
        if len(fields) > 17:
            declared = fields[17].split(b"~")[0].split(b"^")[0].decode("latin-1").strip()
    codec = _CHARSETS.get(declared.upper())
    notices: list[Dropped] = []
    if codec is None:
        # Empty MSH-18 means ASCII by the standard, but monitors send UTF-8 or Latin-1 names
        # anyway: try UTF-8 (which fails loudly on Latin-1 bytes), then Latin-1 (never fails).
        if declared and declared.upper() not in ("ASCII", "US-ASCII"):
            notices.append(Dropped("unknown-charset", f"MSH-18 {declared!r} is not a character "
                                   "set we know (UTF-8, 8859/n); decoded as UTF-8 or Latin-1"))
        codec = "utf-8"
    try:
        return payload.decode(codec), codec, notices
    except UnicodeDecodeError:
        notices.append(Dropped("charset-mismatch", f"bytes are not valid {codec} as MSH-18 "
                               f"{declared or '(empty)'} says; decoded as Latin-1"))
        return payload.decode("latin-1"), "latin-1", notices


@dataclass(slots=True)
class HL7Message:
    """One message split into segments, with what its MSH says (for the polled decoder too).

    Attributes:
        context: the MSH context (separators, source, zone, flags, dialect).
        segments: the segments after MSH, as text (split them with `fields`).
        fs: the field separator.
    """

    context: _Message
    segments: list[str]
    fs: str

    @property
    def kind(self) -> str:
        """MSH-9.1, upper-cased (`ORU`, `ORF`, `ACK`)."""
        return self.context.msh(9).split(self.context.comp)[0].strip().upper()

    @property
    def control_id(self) -> str:
        """MSH-10."""
        return self.context.msh(10).strip()

    @property
    def source(self) -> str:
        """`hl7:<MSH-3>` (or the hint), as readings carry it."""
        return self.context.source

    @property
    def unterminated(self) -> bool:
        """The message has no segment terminators: its segments cannot be told apart."""
        return not self.segments and bool(re.search(
            rf"(PID|PV1|OBR|OBX|ORC|NTE|EVN|MSA|QRD|QRF|ERR){re.escape(self.fs)}",
            self.context.msh_text[4:]))

    def fields(self, segment: str) -> list[str]:
        """Split one segment into fields (field 0 is the segment id)."""
        return segment.split(self.fs)

    def component(self, value: str, n: int) -> str:
        """Return component `n` (from 1) of a field, stripped; '' when absent."""
        parts = value.split(self.context.comp)
        return parts[n - 1].strip() if 0 < n <= len(parts) else ""


def parse_message(payload: bytes, *, source_hint: str = "",
                  default_tz: tzinfo | None = STATION_ZONE,
                  dialect: Dialect | None = None, dialects: DialectSet | None = None,
                  ) -> tuple[HL7Message | None, list[Dropped]]:
    """Decode the characters of one HL7 message and split it into segments.

    Args:
        payload: the message bytes (without the MLLP envelope).
        source_hint: source name to use when MSH-3 is empty.
        default_tz: zone for timestamps without an offset when MSH-7 has none either.
        dialect: the vendor dialect chosen for this device (wins over recognition).
        dialects: dialects to recognise from MSH-3/MSH-4 when none is chosen.

    Returns:
        (the message, or None when it does not start with MSH; notices and drops).
    """
    payload = payload.strip(b"\r\n\t \x00")
    if not payload.startswith(b"MSH") or len(payload) < 8 or payload[3:4].isalnum():
        return None, [Dropped("bad-frame", "message does not start with MSH and a field "
                              f"separator: {payload[:40]!r}")]
    text, codec, notices = _decode_bytes(payload)
    fs = text[3]
    segments = [s for s in _SEGMENT_END.split(text) if s.strip()]
    context = _Message(segments[0].split(fs), segments[0], codec, source_hint, default_tz,
                       dialect, dialects)
    return HL7Message(context, segments[1:], fs), notices


@dataclass(slots=True)
class PatientGroup:
    """One patient group of a message (the segments from a PID to the next).

    Attributes:
        segments: the group's segments, its PID first (the first group: those before any PID).
        pv1_location: PV1-3 as sent, when the group has a PV1.
        rows: its OBX rows.
    """

    segments: list[str] = field(default_factory=list)
    pv1_location: str = ""
    rows: int = 0


def patient_groups(message: HL7Message) -> list[PatientGroup]:
    """Split a message's segments into patient groups at each PID (the first: before any PID)."""
    groups = [PatientGroup()]
    for segment in message.segments:
        fields = message.fields(segment)
        kind = fields[0].strip().upper()
        if kind == "PID":
            groups.append(PatientGroup())
        group = groups[-1]
        group.segments.append(segment)
        if kind == "PV1":
            group.pv1_location = _field(fields, 3)
        elif kind == "OBX":
            group.rows += 1
    return groups


def several_patients(message: HL7Message) -> Dropped | None:
    """The drop for a pushed message whose rows belong to more than one patient group (a central
    station or engine sending several beds), or None. Such a message is read not at all: it names
    no bed of ours to choose, and two patients' values must never mix in one session."""
    with_rows = [g for g in patient_groups(message) if g.rows]
    if len(with_rows) < 2:
        return None
    return Dropped(SEVERAL_PATIENTS, f"message {message.control_id} from {message.source}: "
                   f"{sum(g.rows for g in with_rows)} OBX row(s) in {len(with_rows)} patient "
                   "groups (PID); none read: a device sends one patient's values")


def damage(message: HL7Message) -> list[str]:
    """What shows `message` damaged on the line before its rows are read (a byte lost or changed
    on a serial line: HL7 has no checksum), or nothing: a segment id that is not one (`BX|1|`),
    two segments run together (a CR lost: `...+0000OBX|1|`), or OBX rows under an MSH-9 that no
    longer reads ORU (a separator lost before it). Each had lost a row, the message answered AA.

    A run-together id is looked for as a field ending in OBX, OBR or PV1, followed by a set id
    (digits or none) and the separator; PID and NTE only after a non-letter: an upper-case name
    (`DOE^VICENTE||19770404`) ends in NTE."""
    fs = re.escape(message.fs)
    run_together = re.compile(rf"(?:(OBX|OBR|PV1)|(?<![A-Za-z])(PID|NTE)){fs}\d*{fs}")
    found: list[str] = []
    hit = run_together.search(message.context.msh_text, 4)
    if hit is not None:
        found.append(f"a segment run into the MSH ({hit.group(0)[:8]!r})")
    for n, segment in enumerate(message.segments, start=2):
        ident = segment.split(message.fs, 1)[0].strip()
        if not _SEGMENT_ID.fullmatch(ident):
            found.append(f"segment {n} starts {segment[:12]!r}, not a segment id")
            continue
        hit = run_together.search(segment, 1)
        if hit is not None:
            found.append(f"segment {n} ({ident}) runs into another ({hit.group(0)[:8]!r})")
    if not _MESSAGE_CODE.fullmatch(message.kind) and any(
            message.fields(s)[0].strip() == "OBX" for s in message.segments):
        # Only a MSH-9 that is no message code at all: an ADT or a query's answer may carry OBX
        # rows (a weight) and is no damage; it is accepted unread as before.
        found.append(f"MSH-9 {message.context.msh(9)[:20]!r} is no message type, yet OBX rows "
                     "follow")
    return found


def read_observations(message: HL7Message, segments: Sequence[str], received_at: datetime,
                      unplaced: UnplacedNibp | None = None) -> DecodeResult:
    """Read the OBR/OBX rows among `segments` of `message` (other segments are skipped).

    Args:
        message: the parsed message (its MSH gives separators, source, zone and dialect).
        segments: the segments to read, e.g. one patient group of a query reply.
        received_at: host time the message arrived.
        unplaced: the stream's NIBP measurements without a usable time (None: each reported).

    Returns:
        Readings and drops (frames 0, no replies: the caller counts and answers).
    """
    result = DecodeResult()
    _Observations(message.context, received_at, result, unplaced).run(list(segments),
                                                                      message.fs)
    return result


def decode_message(payload: bytes, received_at: datetime, *, mllp: bool = False,
                   source_hint: str = "", default_tz: tzinfo | None = STATION_ZONE,
                   dialect: Dialect | None = None,
                   dialects: DialectSet | None = None,
                   unplaced: UnplacedNibp | None = None, cut: bool = False) -> DecodeResult:
    """Decode one HL7 message (without its MLLP envelope).

    Never raises: a message that breaks the decoder is reported as `decoder-error`.

    Args:
        payload: the message bytes.
        received_at: host time the message arrived (UTC, aware); stored on every reading.
        mllp: the message came in MLLP, so its ACK is MLLP-framed too.
        source_hint: source name to use when MSH-3 is empty.
        default_tz: zone for timestamps without an offset when MSH-7 has none either.
        dialect: the vendor dialect chosen for this device (wins over recognition).
        dialects: dialects to recognise from MSH-3/MSH-4 when none is chosen.
        unplaced: the stream's NIBP measurements without a usable time (None: each reported).
        cut: the framer dropped a row of this message (`Frame.cut`): it is answered AE.

    Returns:
        Readings, drops and the ACK to send (none for an ACK, or for a frame without MSH).
    """
    result = DecodeResult(frames=1)
    try:
        _decode(payload, received_at, mllp, source_hint, default_tz, result, dialect, dialects,
                unplaced, cut)
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the stream
        result.dropped.append(Dropped(DECODER_ERROR, f"{type(exc).__name__}: {exc}"))
    return result


def _decode(payload: bytes, received_at: datetime, mllp: bool, hint: str,
            default_tz: tzinfo | None,
            result: DecodeResult, dialect: Dialect | None = None,
            dialects: DialectSet | None = None, unplaced: UnplacedNibp | None = None,
            cut: bool = False) -> None:
    message, notices = parse_message(payload, source_hint=hint, default_tz=default_tz,
                                     dialect=dialect, dialects=dialects)
    result.dropped.extend(notices)
    if message is None:
        return
    msg = message.context
    msg_type = message.kind
    if msg_type == "ACK":
        # Never answer an ACK (two receivers would ack each other forever).
        result.dropped.append(Dropped("not-oru", f"ACK for {msg.msh(10).strip() or '?'} from "
                                      f"{msg.source}: acknowledgements carry no observations"))
        return
    # Without terminators the next segment's id is glued to the last MSH field ("2.6OBX|1|...").
    if message.unterminated:
        result.dropped.append(Dropped("no-segment-terminators", f"message {msg.msh(10).strip()} "
                              "has no segment terminators (CR, LF or CR LF), so its segments "
                              "cannot be told apart; rejected"))
        result.replies.append(Reply(now=build_ack(msg.ack_request(), REJECT, received_at, mllp)))
        return
    request = msg.ack_request()
    # Read only in part (a row cut by the next message's header): never AA, which would tell
    # the monitor the whole message is stored and the lost row (a diastolic) never be resent.
    partial_ack = Reply(now=build_ack(request, ERROR, received_at, mllp)) if cut else None
    problems = damage(message)
    if problems and msg_type != "ORU":
        # Its type unread, its separators perhaps too: nothing of it is read; resent, whole.
        result.dropped.append(_damaged(message, problems, "none of it read"))
        result.replies.append(Reply(now=build_ack(request, ERROR, received_at, mllp)))
        return
    if msg_type != "ORU":
        # Nothing in it to store: accepted at once (senders stall without an answer).
        result.replies.append(partial_ack or Reply(now=build_ack(request, ACCEPT, received_at,
                                                                 mllp)))
        result.dropped.append(Dropped("not-oru", f"{msg.msh(9)} message ignored (acknowledged): "
                                      "only ORU^R01 carries observations"))
        return
    mixed = several_patients(message)
    if mixed is not None:
        # AR, not AE: resent, it would hold the same patients and be refused again.
        result.dropped.append(mixed)
        result.replies.append(Reply(now=build_ack(request, REJECT, received_at, mllp)))
        return
    # Read only in part (cut, or damaged on the line): a cuff row may be lost without a trace.
    observations = _Observations(msg, received_at, result, unplaced,
                                 read_in_part=cut or bool(problems))
    try:
        observations.run(message.segments, message.fs)
    except Exception:
        # Read only in part: never AA; AE asks the monitor to send it again.
        result.replies.append(Reply(now=build_ack(request, ERROR, received_at, mllp)))
        raise
    # A status no sender writes, a cuff dropped whole: a row read in part or not at all. (A
    # time the console cannot read is not taken for damage, but where it splits one cuff
    # (`_stamped_nibp`): its value is kept, placed when received, and a monitor that writes its
    # times its own way would have every message refused and the nurse alarmed.)
    problems += observations.damage
    if problems:
        # Read only in part: AE, so the monitor sends it again whole, and the nurse is told
        # (an AA had told the monitor its lost row was stored).
        result.dropped.append(_damaged(message, problems, "read only in part"))
        partial_ack = Reply(now=build_ack(request, ERROR, received_at, mllp))
    result.replies.append(partial_ack or Reply(after_commit=partial(_answer, request,
                                                                    received_at, mllp)))


def _damaged(message: HL7Message, problems: list[str], read: str) -> Dropped:
    """The NOT_READ drop of a message damaged on the line (`damage`)."""
    return Dropped(DAMAGED_MESSAGE, f"message {message.control_id or '?'} from {message.source} "
                   f"damaged on the line: {'; '.join(problems)[:300]}; {read}, answered AE "
                   "(the monitor sends it again)")


def _answer(request: AckRequest, received_at: datetime, mllp: bool, stored: bool) -> bytes:
    """AA once the message's content is committed to the log, AE (resend) when it is not."""
    return build_ack(request, ACCEPT if stored else ERROR, received_at, mllp)


@dataclass(frozen=True, slots=True)
class Identified:
    """What an OBX-3 identifies, from the standard tables or a dialect.

    Attributes:
        metric: the console metric, or None when known but not shown.
        code: canonical spelling (`MDC 150021`, `LOINC 8867-4`, `nihon-kohden 007000`).
        family: `MDC`, `LOINC`, `MINDRAY` or `DIALECT`.
        name: OBX-3.2 as sent (for the name-mismatch notice).
        conflict: the code the name belongs to when it is another one's (the code wins).
        implied_unit: the unit when OBX-6 is empty (Mindray codes, dialect entries with a unit).
        ignore: a dialect's reason for not showing a known code.
        qualifier: sub-components beside the code (`1` of `8867-4&1`): a channel or site.
        carrier: the component that carried the code, as sent (`8867-4&1`).
    """

    metric: str | None
    code: str
    family: str
    name: str = ""
    conflict: str = ""
    implied_unit: codes.Unit | None = None
    ignore: str = ""
    qualifier: str = ""
    carrier: str = ""


def identify(obx3: str, comp: str = "^", sub: str = "&",
             dialect: Dialect | None = None) -> Identified | None:
    """Identify an OBX-3 field: standard codes anywhere in it first, then the dialect map.

    Order: (1) the identifier triple OBX-3.1-3 and the alternate OBX-3.4-6 as a whole (MDC, MDIL,
    LOINC); (2) every sub-component of every component (`HR^^local^8867-4&1^^LOINC`); (3) an MDC
    reference id (`MDC_PULS_OXIM_SAT_O2`) in any component, only when no component holds a code
    at all, so an unknown code is never overridden by the name beside it; (4) the dialect's codes
    and names; (5) Mindray's legacy private codes (OBX-3.1 or .4 only, never a sub-component).

    Returns:
        What it identifies, or None when nothing does.
    """
    comps = obx3.split(comp)
    comps += [""] * (6 - len(comps))
    name = comps[1].strip()
    mindray: codes.CodeMatch | None = None
    for code, text, system in ((comps[0], comps[1], comps[2]), (comps[3], comps[4], comps[5])):
        if not code.strip():
            continue
        hit = codes.resolve_code(code, text, system)
        if hit is not None and hit.family == "MINDRAY":
            mindray = mindray or hit
        elif hit is not None:
            return _from_match(hit, text.strip())
    shaped = False
    for i, component in enumerate(comps):
        system = comps[2] if i < 3 else comps[5] if i < 6 else ""
        pieces = component.split(sub)
        shaped = shaped or (i in (0, 3) and any(codes.is_code_shaped(p) for p in pieces))
        if len(pieces) == 1 and i in (0, 3):
            continue  # tried whole above
        for j, piece in enumerate(pieces):
            if not piece.strip():
                continue
            hit = codes.resolve_code(piece, "", system)
            if hit is not None and hit.family != "MINDRAY":
                rest = sub.join(p for k, p in enumerate(pieces) if k != j).strip(sub)
                return _from_match(hit, name, qualifier=rest, carrier=component.strip())
    if not shaped:
        for component in comps:
            for piece in component.split(sub):
                hit = codes.resolve_name(piece)
                if hit is not None:
                    return _from_match(hit, name)
    if dialect is not None:
        for code, text in ((comps[0], comps[1]), (comps[3], comps[4])):
            entry = dialect.lookup(code, text)
            if entry is not None:
                sent = text.strip()
                conflict = ""
                if entry.name and sent and sent.upper() != entry.name.upper():
                    conflict = f"{dialect.name} {entry.key} ({entry.name})"
                return Identified(entry.metric, f"{dialect.name} {code.strip() or sent}",
                                  "DIALECT", sent, conflict, entry.unit, entry.ignore)
    if mindray is not None:
        return _from_match(mindray, name)
    return None


def _from_match(hit: codes.CodeMatch, name: str, qualifier: str = "",
                carrier: str = "") -> Identified:
    implied = None
    if hit.family == "MINDRAY" and hit.metric is not None:
        implied = codes.Unit(codes.METRIC_DIMENSION[hit.metric], 1.0, "implied by Mindray code")
    return Identified(hit.metric, hit.code, hit.family, name, hit.conflict, implied,
                      qualifier=qualifier, carrier=carrier)


# The console's pulse_rate is the oximeter's (devices.md); like INVASIVE_PRESSURE, never shown.
_INVASIVE_PULSE = "invasive (arterial line) pulse rate, which is not the oximeter's pulse rate"

# SN comparators that make the number a limit: the value lies beyond it, past what the monitor
# can measure ("RR <5", "SpO2 <50": the most severe reading it can send). Kept as the limit with
# its side as an OBX-8 flag (`<`, `>`, as a plain row flagged so is kept), so the alarm limits
# judge it: dropped, a monitor's "RR below 5" raised no alarm until the vital's absence rule,
# 20-30 s later and as "no value" (review 49; the rule above all: an alarm reaches the nurse).
# "Not equal to" says nothing of where the value lies: dropped as a limit.
_SN_LIMITS = {"<": "<", "<=": "<", ">": ">", ">=": ">"}


def _structured_numeric(value: str, comp: str) -> tuple[str, str, str, str]:
    """Take the number out of an SN value (`=^119`, `^119`, `<^5`).

    Returns:
        (number text, drop reason, detail, flag): flag `<` or `>` for a limit (`<^5`, `>=^300`:
        the number is the limit, the value beyond it); reason `limit` for `<>^5`, `not-numeric`
        for a range or ratio (`^10^-^20`, `^1^:^2`) or an unknown comparator; '' when fine.
    """
    parts = [p.strip() for p in value.split(comp)]
    if len(parts) == 1:
        return parts[0], "", "", ""  # a bare number in an SN row: read as sent
    parts += [""] * (4 - len(parts))
    comparator, number, separator, second = parts[:4]
    if separator or second:
        return "", "not-numeric", f"SN {value[:40]!r} is a range or ratio, not one value", ""
    if comparator in _SN_LIMITS:
        return number, "", "", _SN_LIMITS[comparator]
    if comparator == "<>":
        return "", "limit", f"SN {value[:40]!r} (not equal to {number}) is not a value", ""
    if comparator not in ("", "="):
        return "", "not-numeric", f"SN comparator {comparator[:10]!r} is not one of =, <, >, " \
            "<=, >=, <>", ""
    return number, "", "", ""


def _is_no_value(text: str, dialect: Dialect | None) -> bool:
    """Whether an OBX-5 text is a "no value" marker (standard or the dialect's)."""
    if text.strip().upper() in codes.NO_VALUE_TEXT:
        return True
    return dialect is not None and dialect.is_no_value(text)


def _flags_of(found: Identified) -> frozenset[str]:
    """The flags a row's code gives its reading: the cuff's pulse is one measurement with the
    pressures."""
    return frozenset({NIBP_PULSE}) if found.code in codes.NIBP_PULSE else frozenset()


def _when(measured_at: datetime | None, stamp: str) -> str:
    """A row's measured time for a notice: the time, else the unusable OBX-14 as sent."""
    if stamp:
        return f"OBX-14 {stamp[:30]!r}"
    return measured_at.isoformat() if measured_at is not None else "no time"


class _Observations:
    """Walks the OBR/OBX rows of one ORU message."""

    def __init__(self, msg: _Message, received_at: datetime, result: DecodeResult,
                 unplaced: UnplacedNibp | None = None, *, read_in_part: bool = False) -> None:
        self.msg = msg
        # The message is read only in part before its rows are (cut, or `damage`): answered AE.
        self.read_in_part = read_in_part
        self.received_at = received_at
        self.result = result
        self.unplaced = unplaced
        # This message's NIBP readings without a usable time, with the stamp they were sent with
        # and the notice that said so; reported, or dropped as a repeat, once all rows are read.
        self.untimed_nibp: list[tuple[Reading, str, Dropped | None]] = []
        self.obr_time: datetime | None = None
        # This OBR group's NIBP readings timed by OBR-7 alone (no OBX-14, no timed enclosing row),
        # and whether the group times a continuous vital by OBR-7 too: then OBR-7 is the
        # message's time, not the cuff's (`_end_group`).
        self.group_nibp: list[Reading] = []
        self.group_times_vitals = False
        # This group's NIBP readings whose OBX-14 equals OBR-7, and this message's once their
        # group times a continuous vital: stamped with the message's time (`_stamped_nibp`).
        self.group_stamped_nibp: list[Reading] = []
        self.stamped_nibp: list[Reading] = []
        # OBX-14 of rows by OBX-4 path: a metric row without its own time takes its channel's
        # (the Continua BP profile puts the time on the `1.0.1` NIBP row, not on 1.0.1.1).
        self.path_times: dict[str, datetime] = {}
        self.waveform_rows = 0
        self.waveform_bytes = 0
        # Each measurement kept from this message, by what makes it one (metric, source, channel,
        # value, unit, measured time and the OBX-14 as sent): a gateway or monitor that repeats an
        # OBX segment sends one measurement twice. Value: the first row's OBX-1 ("OBX 3").
        self.kept: dict[tuple[object, ...], str] = {}
        # This message's cuff pressures as sent (metric -> OBX-5), and the rows of them that
        # could not be read (`_broken_cuff`).
        self.cuff_sent: dict[str, str] = {}
        self.cuff_unread: list[str] = []
        # A broken cuff was this connection's first: values came, but the next cuff is still
        # the one on the monitor before it connected (`values_seen` stays as it was).
        self.keep_unseen = False
        # Rows that show the message damaged on the line (`damage`): a status no sender writes,
        # a cuff dropped whole (`_broken_cuff`).
        self.damage: list[str] = []

    def run(self, segments: list[str], fs: str) -> None:
        for segment in segments:
            fields = segment.split(fs)
            kind = fields[0].strip().upper()
            if kind == "OBR":
                self._end_group()
                self.path_times = {}
                self.obr_time = self._time(fields[7] if len(fields) > 7 else "", "OBR-7")
            elif kind == "OBX":
                self._obx(fields)
        self._end_group()
        self._stamped_nibp()
        self._untimed_nibp()
        if self.waveform_rows:
            self.result.dropped.append(Dropped(
                "waveform-skipped", f"{self.waveform_rows} NA waveform row(s), "
                f"{self.waveform_bytes} bytes, not decoded: the console shows numerics only"))

    def _time(self, raw: str, where: str) -> datetime | None:
        value, problem = parse_timestamp(raw.split(self.msg.comp)[0], self.msg.zone,
                                         received_at=self.received_at)
        if problem:
            self.result.dropped.append(Dropped("bad-timestamp", f"{where}: {problem}; ignored"))
        return value

    def _end_group(self) -> None:
        """Move the group's NIBP timed by OBR-7 alone to the untimed ones when OBR-7 is the
        message's time (or missing): a monitor repeats it in every message with a new OBR-7."""
        if self.group_nibp and (self.obr_time is None or self.group_times_vitals):
            moved = self.group_nibp
            self.result.readings = [r for r in self.result.readings
                                    if not any(r is m for m in moved)]
            self.untimed_nibp.extend((r, "", None) for r in moved)
        if self.group_times_vitals:
            self.stamped_nibp.extend(self.group_stamped_nibp)
        self.group_nibp = []
        self.group_stamped_nibp = []
        self.group_times_vitals = False

    def _broken_cuff(self, readings: list[Reading]) -> Dropped | None:
        """Why this message's cuff measurement, of which `readings` are the rows read, is not a
        whole plausible one (a byte lost or changed on the line), or None: a row of it that
        could not be read, the message read only in part, or not diastolic < mean < systolic
        among the pressures present. A value the monitor marks missing (OBX-11 X, an empty
        OBX-5, `---`) or no result (D, W, I, N) is no damage: the values present are the cuff
        (a systolic 210 without its diastolic is a high BP). A message whose cuff rows are timed
        in more than one way (a systolic with its OBX-14, a diastolic without) is judged by its
        unread rows only: each part is the engine's.

        Judged before the stream's memory sees it: damaged rows had become "the message before",
        so the next whole message's old cuff (of unknown age) was a new measurement, timed now.
        A cuff dropped for its own rows makes the message damaged (`damage`: AE, "Monitor
        message not read"): a monitor that sends its cuff once would never send it again."""
        pressures: dict[str, set[float]] = {}
        for r in readings:
            if r.metric in BP_METRICS:
                pressures.setdefault(r.metric, set()).add(r.value)
        if not pressures and not self.cuff_unread:
            return None
        sent = "/".join(self.cuff_sent.get(m, "-") for m in BP_METRICS[:2]) \
            + f" ({self.cuff_sent.get('bp_mean', '-')})"
        why = f"NIBP {sent} from {self.msg.source} is not a whole cuff measurement"
        if self.cuff_unread:
            return self._damaged_cuff(Dropped(
                "nibp-incomplete", f"{why}: {', '.join(self.cuff_unread)} not read; its other "
                "rows dropped too"))
        if self.read_in_part or self.damage:
            # Already answered AE: the copy sent again brings it whole. Read here, a cuff that
            # lost a row without a trace (its segment id) made that copy a second measurement.
            return Dropped("nibp-incomplete", f"{why}: its message was read only in part; "
                           "dropped (the monitor sends it again)")
        if any(len(values) > 1 for values in pressures.values()):
            return None   # several cuffs in one message: each judged by the engine
        if any(r.metric in BP_METRICS and not any(r is m for m in readings)
               for r in self.result.readings):
            return None
        one = {metric: next(iter(values)) for metric, values in pressures.items()}
        if not pressures_in_order(one):
            return self._damaged_cuff(Dropped(
                IMPOSSIBLE_BP, f"{why}: not diastolic < mean < systolic; dropped"))
        return None

    def _damaged_cuff(self, broken: Dropped) -> Dropped:
        """`broken`, the message marked damaged: answered AE and the nurse told."""
        self.damage.append(broken.detail[:120])
        return broken

    def _without(self, readings: list[Reading], broken: Dropped) -> None:
        """Drop a broken cuff's rows whole, leaving the stream's memory as it was."""
        assert self.unplaced is not None
        self.result.readings = [r for r in self.result.readings
                                if not any(r is m for m in readings)]
        self.result.dropped.append(broken)
        self.keep_unseen = self.keep_unseen or not self.unplaced.values_seen

    def _stamped_nibp(self) -> None:
        """Drop this message's NIBP stamped with its own time when the source's message before
        sent the same rows stamped with that one's (Comen: the same cuff, each message's time)."""
        if self.unplaced is None:
            return
        key = (self.msg.source, "OBR-7")
        sent = nibp_rows(self.stamped_nibp)
        broken = self._broken_cuff(self.stamped_nibp) if sent else None
        if sent and broken is None and any(r.metric in BP_METRICS and notice is not None
                                           for r, _, notice in self.untimed_nibp):
            # A time garbled in one of its rows (a byte lost on the line): the rest is no whole
            # cuff. A row sent with no time at all is no damage: read apart, as before (a monitor
            # that always sends one so would have every message refused).
            broken = self._damaged_cuff(Dropped(
                "nibp-incomplete", f"NIBP from {self.msg.source}: some rows stamped with the "
                "message's time, another's time garbled; not a whole cuff measurement, "
                "dropped"))
        if broken is not None:
            self._without(self.stamped_nibp, broken)
            return
        if not sent:
            # Remembered too, as it ends the chain: only the message just before counts. No
            # undo: forgetting it could only make a later message a repeat.
            self.unplaced.is_repeat(key, sent)
            return
        # After a restart, the source's cuff in the session's log stands for the message before.
        if not self.unplaced.is_repeat(key, sent, self.result, (self.msg.source, sent),
                                       self.received_at):
            if not self.unplaced.values_seen:   # set by this message only after (`run`)
                # The first cuff of this connection: a Comen resends its last one, perhaps taken
                # during the downtime or on the previous patient, stamped now. Of unknown age, as
                # `_untimed_nibp` has it (it had met the open BP check, and been the baseline).
                first = self.stamped_nibp
                self.result.readings = [
                    replace(r, flags=r.flags | {AGE_UNKNOWN}, measured_at=None)
                    if any(r is m for m in first) else r for r in self.result.readings]
            return
        moved = self.stamped_nibp
        self.result.readings = [r for r in self.result.readings if not any(r is m for m in moved)]
        self.result.dropped.append(Dropped(
            "nibp-repeat", f"{len(moved)} NIBP row(s) stamped with their message's time, as in "
            "the message before with the same values: that cuff measurement sent again"))

    def _untimed_nibp(self) -> None:
        """Report this message's NIBP without a usable time, unless its source sent the same
        stamp and values last time (a repeat: one drop for the group, and no time notice)."""
        if not self.untimed_nibp:
            if self.unplaced is not None and self.result.readings and not self.keep_unseen:
                self.unplaced.values_seen = True
            return
        assert self.unplaced is not None
        readings = [reading for reading, _, _ in self.untimed_nibp]
        broken = self._broken_cuff(readings)
        if broken is not None:
            self._without(readings, broken)
            return
        sent = tuple((r.channel, r.metric, r.value, stamp) for r, stamp, _ in self.untimed_nibp)
        # After a restart, the source's cuff in the session's log (which keeps no stamp as sent)
        # stands for the message before when its values are these.
        if self.unplaced.is_repeat(self.msg.source, sent, self.result,
                                   (self.msg.source, nibp_rows(readings)), self.received_at):
            notices = [notice for _, _, notice in self.untimed_nibp if notice is not None]
            self.result.dropped = [d for d in self.result.dropped
                                   if not any(d is notice for notice in notices)]
            self.result.dropped.append(Dropped("nibp-repeat", f"{len(readings)} NIBP row(s) "
                                               "without a usable OBX-14: the measurement of an "
                                               "earlier message, sent again"))
            # Values came: a cuff after this one was seen come (a repeat says so as any value).
            self.unplaced.values_seen = True
            return
        if not self.unplaced.values_seen:   # perhaps measured before the console connected
            # No time of its own: OBR-7 is the message's time, not the measurement's, so it is
            # not given as one (as ANSAR-B and IntelliVue give none; QA: decode showed the
            # message time beside AGE_UNKNOWN).
            readings = [replace(r, flags=r.flags | {AGE_UNKNOWN}, measured_at=None)
                        for r in readings]
        self.result.readings.extend(readings)
        self.unplaced.values_seen = True

    def _drop(self, reason: str, where: str, detail: str) -> None:
        self.result.dropped.append(Dropped(reason, f"{where}: {detail}"))

    def _obx(self, fields: list[str]) -> None:
        def f(i: int) -> str:
            return _field(fields, i)

        vtype = f(2).strip().upper()
        path = self.msg.text(f(4)).strip()
        value = f(5).split(self.msg.rep)[0].strip()
        where = f"OBX {f(1).strip() or '?'} {f(3).strip()[:60]} at {path or '(no OBX-4)'}"
        notices = len(self.result.dropped)
        own_time = self._time(f(14), f"{where} OBX-14")
        stamp = f(14).strip() if own_time is None else ""   # sent, but says no usable time
        notice = self.result.dropped[-1] if len(self.result.dropped) > notices else None
        if own_time is not None and path:
            self.path_times[path] = own_time
        if vtype in ("NA", "MA"):
            # Waveform arrays: counted, never parsed (a message's size is bounded by the framer).
            self.waveform_rows += 1
            self.waveform_bytes += len(f(5))
            return
        if not vtype and not value:
            return  # device hierarchy row (MDS/VMD/channel): structure, not a value
        found = identify(f(3), self.msg.comp, self.msg.sub, self.msg.dialect)
        if found is None:
            ident = f(3).split(self.msg.comp) + [""]
            named = codes.code_for_name(ident[1])
            hint = f" (its name {ident[1].strip()} is {named}'s, but the code is trusted)" if named \
                else ""
            tables = "MDC, MDIL, Mindray or LOINC tables"
            if self.msg.dialect is not None:
                tables += f", nor in dialect {self.msg.dialect.name}"
            self._drop("unknown-code", where, f"code {ident[0].strip()!r} is not in the "
                       f"{tables}{hint}")
            return
        if found.code in codes.INVASIVE_PULSE and found.conflict == "MDC 149514":
            # devices.md: one vendor (Comen) sends its monitor's pulse rate as 149522 under
            # 149514's name, MDC_PULS_RATE; an arterial line's pulse carries its own name
            # (MDC_BLD_PULS_RATE_INV). Here the name says what the value is.
            found = replace(found, metric="pulse_rate", conflict="")
        if found.metric is None:
            why = found.ignore or ("invasive (arterial line) pressure, which is not NIBP"
                                   if found.code in codes.INVASIVE_PRESSURE
                                   else _INVASIVE_PULSE if found.code in codes.INVASIVE_PULSE
                                   else "not a vital this console shows")
            if found.conflict:
                # Said here, not as a name-mismatch notice: those are doubts about kept values.
                why += f" (its name {found.name!r} belongs to {found.conflict}; the code is trusted)"
            self._drop(NOT_MONITORED, where, f"{found.code}: {why}")
            return
        if not is_nibp_metric(found.metric, _flags_of(found)) \
                and (own_time or self._enclosing_time(path)) in (None, self.obr_time):
            # Even without a value: a row of OBR-7's time, taken or sent as its own (OBX-14 or
            # its channel's equal to OBR-7), says OBR-7 is the message's time, not the cuff's.
            self.group_times_vitals = True
        if found.conflict:
            self._drop("name-mismatch", where, f"name {found.name!r} belongs to "
                       f"{found.conflict}; trusting the code ({found.code}) and OBX-4")
        last = path.rsplit(".", 1)[-1]
        if found.family == "MDC" and last.isdigit() and int(last) >= 65536 \
                and f"MDC {int(last)}" != found.code:
            self._drop("path-mismatch", where, f"OBX-4 ends in {last}, OBX-3 says {found.code}; "
                       "trusting OBX-3")
        channel = path
        if found.qualifier:
            channel = f"{path} {found.carrier}".strip()
        before = len(self.result.dropped)
        self._metric(found.metric, found, fields, where, path, channel, vtype, value,
                     own_time, (stamp, notice))
        if is_nibp_metric(found.metric, _flags_of(found)):
            if found.metric in BP_METRICS:
                self.cuff_sent.setdefault(found.metric, value[:10] or "-")
            # Marked missing or no result by the monitor (X, empty, `---`; D, W, I, N): no
            # damage, the cuff is its other values. A status no sender writes is `damage`.
            unread = [d for d in self.result.dropped[before:]
                      if d.reason not in ("no-value", "duplicate-row", "bad-status")]
            if unread:
                self.cuff_unread.append(f"{found.metric} {value[:10]!r} ({unread[0].reason})")

    def _metric(self, metric: str, found: Identified, fields: list[str], where: str, path: str,
                channel: str, vtype: str, value: str, own_time: datetime | None,
                unusable: tuple[str, Dropped | None] = ("", None)) -> None:
        def get(i: int) -> str:
            return _field(fields, i)

        dialect = self.msg.dialect
        status = get(11).strip().upper()
        if status == "X":
            self._drop("no-value", where, "OBX-11 X: the device could not obtain the value")
            return
        if status not in _HL7_STATUS:
            self.damage.append(f"{where}: OBX-11 {status[:10]!r} is no HL7 result status")
        if status not in _VALID_STATUS:
            self._drop("bad-status", where, f"OBX-11 {status} ({_STATUS_TEXT.get(status, 'unknown')})"
                       f" is not a valid result; allowed: {', '.join(sorted(_VALID_STATUS - {''}))}")
            return
        if found.family == "DIALECT" and dialect is not None and vtype \
                and vtype not in dialect.value_types:
            self._drop("unexpected-value-type", where, f"OBX-2 {vtype}: dialect {dialect.name} "
                       f"says its rows are {', '.join(sorted(dialect.value_types))}")
            return
        if _is_no_value(value, dialect):
            self._drop("no-value", where, f"OBX-5 {value!r} means no value")
            return
        if vtype == "SN":
            number_text, reason, why, beyond = _structured_numeric(value, self.msg.comp)
            if reason:
                self._drop(reason, where, why)
                return
            if _is_no_value(number_text, dialect):
                self._drop("no-value", where, f"OBX-5 {value!r} means no value")
                return
        else:
            number_text, beyond = value, ""
        number = _parse_number(number_text)
        if number is None:
            self._drop("not-numeric", where, f"OBX-5 {value[:40]!r} is not a number")
            return
        if number in codes.NO_VALUE_NUMBERS or (dialect is not None
                                                and dialect.is_no_value(number_text)):
            self._drop("no-value", where, f"OBX-5 {value} is a device 'no value' marker")
            return
        unit_field = get(6).split(self.msg.comp)
        unit_code = unit_field[0]
        unit_name = unit_field[1] if len(unit_field) > 1 else ""
        if found.implied_unit is not None and not unit_code.strip() and not unit_name.strip():
            unit = found.implied_unit
        else:
            known = None
            if dialect is not None:
                known = dialect.unit(unit_code) or dialect.unit(unit_name)
            known = known or codes.resolve_unit(unit_code, unit_name)
            if known is None:
                self._drop("unknown-unit", where, f"OBX-6 {get(6).strip()[:40]!r} is not a unit "
                           f"we know for {metric}; allowed: {codes.allowed_units(metric)}")
                return
            unit = known
        if unit.dimension != codes.METRIC_DIMENSION[metric]:
            self._drop("unit-mismatch", where, f"OBX-6 {unit.label} cannot measure {metric}; "
                       f"allowed: {codes.allowed_units(metric)}")
            return
        number = round(number * unit.factor, 3) if unit.factor != 1.0 else number
        out = outside_hard_range(metric, number, where, value)
        if out is not None:
            self.result.dropped.append(out)
            return
        enclosing = self._enclosing_time(path)
        measured_at = own_time or enclosing or self.obr_time
        flags = frozenset(x.strip().upper() for x in get(8).split(self.msg.rep) if x.strip())
        flags |= _flags_of(found) | ({beyond} if beyond else set())
        reading = Reading(
            metric=metric,
            value=number,
            unit=codes.CANONICAL_UNIT[metric],
            measured_at=measured_at,
            received_at=self.received_at,
            source=self.msg.source,
            channel=channel,
            flags=flags | self.msg.flags,
            message=self.msg.msh(10).strip(),
        )
        stamp, notice = unusable
        key = (reading.metric, reading.source, reading.channel, reading.value, reading.unit,
               reading.measured_at, stamp)
        first = self.kept.get(key)
        if first is not None:
            # Same measurement as a row already kept: one reading, and the repeat said.
            self._drop("duplicate-row", where, f"{metric} {reading.value:g} {reading.unit} at "
                       f"{_when(measured_at, stamp)} repeats {first}'s row; kept once")
            return
        self.kept[key] = " ".join(where.split(" ")[:2])   # "OBX 3"
        if enclosing is None and is_nibp_value(reading) and self.unplaced is not None:
            if stamp:
                self.untimed_nibp.append((reading, stamp, notice))
                return
            if own_time is None:
                self.group_nibp.append(reading)   # the cuff's time or the message's: see group
            elif own_time == self.obr_time:
                # The cuff's time, sent in its second, or the message's (Comen): see group.
                self.group_stamped_nibp.append(reading)
        self.result.readings.append(reading)

    def _enclosing_time(self, path: str) -> datetime | None:
        """The nearest enclosing row's OBX-14 (else the row takes OBR-7; never MSH-7: that is
        'now')."""
        parts = path.split(".")
        for n in range(len(parts) - 1, 0, -1):
            hit = self.path_times.get(".".join(parts[:n]))
            if hit is not None:
                return hit
        return None


class HL7Decoder(FramedDecoder):
    """StreamDecoder for HL7 v2 over MLLP or bare: frames, decodes, and answers each message.

    Args:
        source_hint: the transport's name for the device, used when MSH-3 is empty.
        default_tz: zone for timestamps without an offset when MSH-7 has none either.
        max_frame: longest message kept (bytes).
        dialect: the vendor dialect chosen for this device; it always wins.
        dialects: without `dialect`, the set to recognise a dialect from (MSH-3/MSH-4) per
            message; None reads standard codes only.
        unplaced: the connection's NIBP without a usable time, across messages and reopens
            (None: this decoder's own).
    """

    def __init__(self, source_hint: str = "", *, default_tz: tzinfo | None = STATION_ZONE,
                 max_frame: int = MAX_HL7_FRAME, dialect: Dialect | None = None,
                 dialects: DialectSet | None = None, unplaced: UnplacedNibp | None = None) -> None:
        if unplaced is None:
            unplaced = UnplacedNibp()
        super().__init__(MllpFramer(max_frame), lambda frame, received_at: decode_message(
            frame.data, received_at, mllp=frame.mllp, source_hint=source_hint,
            default_tz=default_tz, dialect=dialect, dialects=dialects, unplaced=unplaced,
            cut=frame.cut))
