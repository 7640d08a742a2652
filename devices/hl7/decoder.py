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

Reading.source is `hl7:<MSH-3>`: the sending application with each component trimmed and the
components joined by `^` (`hl7:AcmeInc^ACDE48234567ABCD^EUI-64`), because gateways put the device's
EUI-64 there and the namespace alone (`HL7`, `AcmeInc`) does not tell two monitors apart. An empty
MSH-3 falls back to the source hint the transport gave (its port or configured name).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from functools import partial

import hl7

from devices.framing import MAX_HL7_FRAME, FramedDecoder, MllpFramer
from devices.hl7 import codes
from devices.hl7.ack import ACCEPT, ERROR, REJECT, AckRequest, build_ack
from devices.reading import Reading
from devices.stream import DecodeResult, Dropped, Reply, outside_hard_range

UTC = timezone.utc

_SEGMENT_END = re.compile(r"\r\n|\r|\n")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
_TIMESTAMP = re.compile(r"^(\d{4,20})(?:\.(\d+))?(?:([+-])(\d{2})(\d{2}))?$")
# OBX-11 statuses whose value is a usable measurement. R (not verified) is what devices send;
# F final, C corrected, P preliminary, S partial, A amended, U final-without-retransmission.
# D (deleted), W (wrong), X (cannot be obtained), I and N (no result) are not values.
_VALID_STATUS = frozenset({"", "R", "F", "C", "P", "S", "A", "U"})
_STATUS_TEXT = {"D": "deleted", "W": "wrong result", "I": "pending", "N": "not asked"}
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


def parse_timestamp(text: str, default_tz: tzinfo = UTC) -> tuple[datetime | None, str]:
    """Parse an HL7 DTM leniently.

    Accepts `YYYY[MM[DD[HH[MM[SS]]]]][.f...][+/-ZZZZ]`, and the 17-digit form with milliseconds
    and no dot (`20210425230332872`). All zeros means "never" and gives None without a problem.
    A device clock years in the past is kept as sent: the caller stores the receive time apart.

    Args:
        text: the field (components after the first are ignored by the caller).
        default_tz: zone for a time without an offset.

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
        value = datetime(int(digits[:4]), month, day, hour, minute, second, micro, tzinfo=zone)
        return value.astimezone(UTC), ""
    except (ValueError, OverflowError):
        return None, f"timestamp {t!r} is not a real date and time"


def _parse_number(text: str) -> float | None:
    """Return the decimal in `text`, or None (no exponents, NaN or infinities: not device data)."""
    return float(text) if _NUMBER.match(text) else None


class _Message:
    """One message's context while its segments are decoded."""

    def __init__(self, fields: list[str], msh_text: str, codec: str, hint: str,
                 default_tz: tzinfo) -> None:
        enc = fields[1] if len(fields) > 1 else ""
        self.fields = fields
        self.msh_text = msh_text
        self.codec = codec
        self.comp = enc[0:1] or "^"
        self.rep = enc[1:2] or "~"
        self.esc = enc[2:3] or "\\"
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


def _offset_of(raw: str, default: tzinfo) -> tzinfo:
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


def decode_message(payload: bytes, received_at: datetime, *, mllp: bool = False,
                   source_hint: str = "", default_tz: tzinfo = UTC) -> DecodeResult:
    """Decode one HL7 message (without its MLLP envelope).

    Never raises: a message that breaks the decoder is reported as `decoder-error`.

    Args:
        payload: the message bytes.
        received_at: host time the message arrived (UTC, aware); stored on every reading.
        mllp: the message came in MLLP, so its ACK is MLLP-framed too.
        source_hint: source name to use when MSH-3 is empty.
        default_tz: zone for timestamps without an offset when MSH-7 has none either.

    Returns:
        Readings, drops and the ACK to send (none for an ACK, or for a frame without MSH).
    """
    result = DecodeResult(frames=1)
    try:
        _decode(payload, received_at, mllp, source_hint, default_tz, result)
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the stream
        result.dropped.append(Dropped("decoder-error", f"{type(exc).__name__}: {exc}"))
    return result


def _decode(payload: bytes, received_at: datetime, mllp: bool, hint: str, default_tz: tzinfo,
            result: DecodeResult) -> None:
    payload = payload.strip(b"\r\n\t \x00")
    if not payload.startswith(b"MSH") or len(payload) < 8 or payload[3:4].isalnum():
        result.dropped.append(Dropped("bad-frame", "message does not start with MSH and a field "
                                      f"separator: {payload[:40]!r}"))
        return
    text, codec, notices = _decode_bytes(payload)
    result.dropped.extend(notices)
    fs = text[3]
    segments = [s for s in _SEGMENT_END.split(text) if s.strip()]
    msg = _Message(segments[0].split(fs), segments[0], codec, hint, default_tz)
    msg_type = msg.msh(9).split(msg.comp)[0].strip().upper()
    if msg_type == "ACK":
        # Never answer an ACK (two receivers would ack each other forever).
        result.dropped.append(Dropped("not-oru", f"ACK for {msg.msh(10).strip() or '?'} from "
                                      f"{msg.source}: acknowledgements carry no observations"))
        return
    # Without terminators the next segment's id is glued to the last MSH field ("2.6OBX|1|...").
    if len(segments) == 1 and re.search(rf"(PID|PV1|OBR|OBX|ORC|NTE|EVN){re.escape(fs)}",
                                        segments[0][4:]):
        result.dropped.append(Dropped("no-segment-terminators", f"message {msg.msh(10).strip()} "
                              "has no segment terminators (CR, LF or CR LF), so its segments "
                              "cannot be told apart; rejected"))
        result.replies.append(Reply(now=build_ack(msg.ack_request(), REJECT, received_at, mllp)))
        return
    request = msg.ack_request()
    if msg_type != "ORU":
        # Nothing in it to store: accepted at once (senders stall without an answer).
        result.replies.append(Reply(now=build_ack(request, ACCEPT, received_at, mllp)))
        result.dropped.append(Dropped("not-oru", f"{msg.msh(9)} message ignored (acknowledged): "
                                      "only ORU^R01 carries observations"))
        return
    try:
        _Observations(msg, received_at, result).run(segments[1:], fs)
    except Exception:
        # Read only in part: never AA; AE asks the monitor to send it again.
        result.replies.append(Reply(now=build_ack(request, ERROR, received_at, mllp)))
        raise
    result.replies.append(Reply(after_commit=partial(_answer, request, received_at, mllp)))


def _answer(request: AckRequest, received_at: datetime, mllp: bool, stored: bool) -> bytes:
    """AA once the message's content is committed to the log, AE (resend) when it is not."""
    return build_ack(request, ACCEPT if stored else ERROR, received_at, mllp)


class _Observations:
    """Walks the OBR/OBX rows of one ORU message."""

    def __init__(self, msg: _Message, received_at: datetime, result: DecodeResult) -> None:
        self.msg = msg
        self.received_at = received_at
        self.result = result
        self.obr_time: datetime | None = None
        # OBX-14 of rows by OBX-4 path: a metric row without its own time takes its channel's
        # (the Continua BP profile puts the time on the `1.0.1` NIBP row, not on 1.0.1.1).
        self.path_times: dict[str, datetime] = {}
        self.waveform_rows = 0
        self.waveform_bytes = 0

    def run(self, segments: list[str], fs: str) -> None:
        for segment in segments:
            fields = segment.split(fs)
            kind = fields[0].strip().upper()
            if kind == "OBR":
                self.path_times = {}
                self.obr_time = self._time(fields[7] if len(fields) > 7 else "", "OBR-7")
            elif kind == "OBX":
                self._obx(fields)
        if self.waveform_rows:
            self.result.dropped.append(Dropped(
                "waveform-skipped", f"{self.waveform_rows} NA waveform row(s), "
                f"{self.waveform_bytes} bytes, not decoded: the console shows numerics only"))

    def _time(self, raw: str, where: str) -> datetime | None:
        value, problem = parse_timestamp(raw.split(self.msg.comp)[0], self.msg.zone)
        if problem:
            self.result.dropped.append(Dropped("bad-timestamp", f"{where}: {problem}; ignored"))
        return value

    def _drop(self, reason: str, where: str, detail: str) -> None:
        self.result.dropped.append(Dropped(reason, f"{where}: {detail}"))

    def _obx(self, fields: list[str]) -> None:
        def f(i: int) -> str:
            return _field(fields, i)

        comp = self.msg.comp
        vtype = f(2).strip().upper()
        path = self.msg.text(f(4)).strip()
        value = f(5).split(self.msg.rep)[0].strip()
        where = f"OBX {f(1).strip() or '?'} {f(3).strip()[:60]} at {path or '(no OBX-4)'}"
        own_time = self._time(f(14), f"{where} OBX-14")
        if own_time is not None and path:
            self.path_times[path] = own_time
        if vtype in ("NA", "MA"):
            # Waveform arrays: counted, never parsed (a message's size is bounded by the framer).
            self.waveform_rows += 1
            self.waveform_bytes += len(f(5))
            return
        if not vtype and not value:
            return  # device hierarchy row (MDS/VMD/channel): structure, not a value
        ident = f(3).split(comp)
        ident += [""] * (6 - len(ident))
        match = codes.resolve_code(ident[0], ident[1], ident[2])
        if match is None and ident[3].strip():
            match = codes.resolve_code(ident[3], ident[4], ident[5])
        if match is None:
            named = codes.code_for_name(ident[1])
            hint = f" (its name {ident[1].strip()} is {named}'s, but the code is trusted)" if named \
                else ""
            self._drop("unknown-code", where, f"code {ident[0].strip()!r} is not in the MDC, "
                       f"MDIL, Mindray or LOINC tables{hint}")
            return
        if match.conflict:
            self._drop("name-mismatch", where, f"name {ident[1].strip()!r} belongs to "
                       f"{match.conflict}; trusting the code ({match.code}) and OBX-4")
        last = path.rsplit(".", 1)[-1]
        if match.family == "MDC" and last.isdigit() and int(last) >= 65536 \
                and f"MDC {int(last)}" != match.code:
            self._drop("path-mismatch", where, f"OBX-4 ends in {last}, OBX-3 says {match.code}; "
                       "trusting OBX-3")
        if match.metric is None:
            why = "invasive (arterial line) pressure, which is not NIBP" \
                if match.code in codes.INVASIVE_PRESSURE else "not a vital this console shows"
            self._drop("not-monitored", where, f"{match.code}: {why}")
            return
        self._metric(match.metric, match.family, fields, where, path, value, own_time)

    def _metric(self, metric: str, family: str, fields: list[str], where: str, path: str,
                value: str, own_time: datetime | None) -> None:
        def get(i: int) -> str:
            return _field(fields, i)

        status = get(11).strip().upper()
        if status == "X":
            self._drop("no-value", where, "OBX-11 X: the device could not obtain the value")
            return
        if status not in _VALID_STATUS:
            self._drop("bad-status", where, f"OBX-11 {status} ({_STATUS_TEXT.get(status, 'unknown')})"
                       f" is not a valid result; allowed: {', '.join(sorted(_VALID_STATUS - {''}))}")
            return
        if value.upper() in codes.NO_VALUE_TEXT:
            self._drop("no-value", where, f"OBX-5 {value!r} means no value")
            return
        number = _parse_number(value)
        if number is None:
            self._drop("not-numeric", where, f"OBX-5 {value[:40]!r} is not a number")
            return
        if number in codes.NO_VALUE_NUMBERS:
            self._drop("no-value", where, f"OBX-5 {value} is a device 'no value' marker")
            return
        unit_field = get(6).split(self.msg.comp)
        unit_code = unit_field[0]
        unit_name = unit_field[1] if len(unit_field) > 1 else ""
        if family == "MINDRAY" and not unit_code.strip() and not unit_name.strip():
            unit = codes.Unit(codes.METRIC_DIMENSION[metric], 1.0, "implied by Mindray code")
        else:
            found = codes.resolve_unit(unit_code, unit_name)
            if found is None:
                self._drop("unknown-unit", where, f"OBX-6 {get(6).strip()[:40]!r} is not a unit "
                           f"we know for {metric}; allowed: {_allowed_units(metric)}")
                return
            unit = found
        if unit.dimension != codes.METRIC_DIMENSION[metric]:
            self._drop("unit-mismatch", where, f"OBX-6 {unit.label} cannot measure {metric}; "
                       f"allowed: {_allowed_units(metric)}")
            return
        number = round(number * unit.factor, 3) if unit.factor != 1.0 else number
        out = outside_hard_range(metric, number, where, value)
        if out is not None:
            self.result.dropped.append(out)
            return
        measured_at = own_time if own_time is not None else self._inherited_time(path)
        flags = frozenset(x.strip().upper() for x in get(8).split(self.msg.rep) if x.strip())
        self.result.readings.append(Reading(
            metric=metric,
            value=number,
            unit=codes.CANONICAL_UNIT[metric],
            measured_at=measured_at,
            received_at=self.received_at,
            source=self.msg.source,
            channel=path,
            flags=flags | self.msg.flags,
        ))

    def _inherited_time(self, path: str) -> datetime | None:
        """Return the nearest enclosing row's OBX-14, else OBR-7 (never MSH-7: that is 'now')."""
        parts = path.split(".")
        for n in range(len(parts) - 1, 0, -1):
            hit = self.path_times.get(".".join(parts[:n]))
            if hit is not None:
                return hit
        return self.obr_time


def _allowed_units(metric: str) -> str:
    dimension = codes.METRIC_DIMENSION[metric]
    return {
        codes.PRESSURE: "mmHg (266016, mm[Hg]) or kPa (265987, kPa)",
        codes.RATE: "/min (264864, 264928, /min, {beats}/min, {breaths}/min)",
        codes.FRACTION: "% (262688, %)",
    }[dimension]


class HL7Decoder(FramedDecoder):
    """StreamDecoder for HL7 v2 over MLLP or bare: frames, decodes, and answers each message.

    Args:
        source_hint: the transport's name for the device, used when MSH-3 is empty.
        default_tz: zone for timestamps without an offset when MSH-7 has none either.
        max_frame: longest message kept (bytes).
    """

    def __init__(self, source_hint: str = "", *, default_tz: tzinfo = UTC,
                 max_frame: int = MAX_HL7_FRAME) -> None:
        super().__init__(MllpFramer(max_frame), lambda frame, received_at: decode_message(
            frame.data, received_at, mllp=frame.mllp, source_hint=source_hint, default_tz=default_tz))
