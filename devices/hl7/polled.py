"""Polled HL7: ask the monitor (QRY^R02) every poll period, read only the answers to our questions.

`PolledHL7Decoder` is a StreamDecoder (feed/flush) with two more methods the transport calls:
`outgoing(now_mono, now_wall)` at every turn of its read loop (the bytes to write now: a query
when the poll period has come round) and `closing_bytes()` when it stops.

Rules:

- **Matching.** Every query has a fresh MSH-10 (also its QRD-4 query id). An `ORF^R04` is read
  only when its MSA-2 names a query still outstanding; a reply to no outstanding query (late,
  duplicated, or meant for another client) is dropped (`unmatched-reply`), never read. A query
  unanswered after `reply_timeout` (two poll periods, at least 3 s) is retired and reported
  (`no-reply`).
- **Good frames.** `DecodeResult.frames` counts matched replies only, so an unanswered poll is
  silence to the transport's STALE watchdog. ACKs, unmatched replies, refusals and unsolicited
  messages count 0, and so does a reply for a bed the gateway reported disconnected.
- **No ACK from us.** An ORF^R04 is itself the response to our query (HL7 original-mode query,
  devices.md): the receiver does not acknowledge a response, and no flavour asks for one. The
  Mindray gateway's ACK is an answer too. Nothing here produces `replies`.
- **Mindray gateway.** Its ACK (`MSA|AA|<query id>`) comes first, with one ERR per bed of the
  query, `ERR|1^Disconnected`: the first component is the bed's position in our QRF-5 (we ask
  for one bed, so position 1 is the bound bed), the second its state. A state containing
  "disconnect" makes a `bed-disconnected` drop and that query's reply counts as no frame.
  `closing_bytes()` gives `MSA|AR|0|Close`.
- **One patient only.** A reply is split into patient groups at each PID. A group's bed is its
  PV1-3 (`<unit>^<room>^<bed>`): component 3 must be the bound bed (`QuerySpec.bed`; Mindray:
  the bed's IPv4 address) and, when both are given, component 1 the bound care unit. Rows of a
  group naming another bed are dropped (`other-bed`). A group without a PV1 bed is read only
  when it is the only group with rows in a reply matched by MSA-2 and the reply's QRF echo (if
  any) repeats our QRF-5: we asked for one bed, and the echo says this is its answer. Anything
  else is dropped (`unidentified-bed`). Values of two patients are never mixed.
- Everything else (OBR/OBX reading, dialects, no-value markers, hard ranges) is the ORU decoder's
  (`devices.hl7.decoder.read_observations`).

Time is passed in; nothing here reads a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from devices.framing import MAX_HL7_FRAME, Frame, FramedDecoder, MllpFramer
from devices.hl7.decoder import HL7Message, parse_message, patient_groups, read_observations
from devices.hl7.dialects import Dialect
from devices.hl7.query import MAX_QUERY_ID, QuerySpec, build_query, closing_message
from devices.reading import STATION_ZONE
from devices.stream import DECODER_ERROR, DecodeResult, Dropped, UnplacedNibp

UTC = timezone.utc
MIN_REPLY_TIMEOUT = 3.0
"""Seconds a query stays outstanding at least (a 9600-baud reply of ~1 KB takes ~1 s)."""


@dataclass(slots=True)
class _Query:
    """One query sent and not yet answered.

    Attributes:
        sent_mono: monotonic time it was sent.
        disconnected: Mindray: the gateway's ACK reported the bound bed disconnected.
    """

    sent_mono: float
    disconnected: bool = False


def parse_whole(payload: bytes, result: DecodeResult, source_hint: str,
                default_tz: tzinfo | None,
                dialect: Dialect | None) -> HL7Message | None:
    """One message from a device that is asked (polled HL7, Mindray bedside), or None with the
    reason in `result`: not HL7, or without segment terminators (nothing is answered to it)."""
    message, notices = parse_message(payload, source_hint=source_hint, default_tz=default_tz,
                                     dialect=dialect)
    result.dropped.extend(notices)
    if message is not None and message.unterminated:
        result.dropped.append(Dropped("no-segment-terminators", f"message "
                                      f"{message.control_id} has no segment terminators"))
        return None
    return message


class AskingHL7Stream:
    """The receiving half of the HL7 decoders that must ask (polled gateways, Mindray bedside):
    MLLP frames through the shared guarded framer + decoder (a bug drops one frame, never the
    stream), each whole message read by `_message`, and what the conversation noticed since the
    last call (a query unanswered, a bug in asking) reported first."""

    def __init__(self, max_frame: int, unplaced: UnplacedNibp | None = None) -> None:
        self._stream = FramedDecoder(MllpFramer(max_frame), self._decode_frame)
        self._notices: list[Dropped] = []
        # NIBP without a usable time, across replies (and reopens, when the connection's)
        self._unplaced = unplaced if unplaced is not None else UnplacedNibp()

    def feed(self, data: bytes, received_at: datetime) -> DecodeResult:
        """Consume `data` (any size, any split) and return what its messages yielded."""
        return self._with_notices(self._stream.feed(data, received_at))

    def flush(self, received_at: datetime) -> DecodeResult:
        """End of stream: read a trailing bare message, drop a partial frame."""
        return self._with_notices(self._stream.flush(received_at))

    def _with_notices(self, decoded: DecodeResult) -> DecodeResult:
        result = DecodeResult(dropped=self._notices)
        self._notices = []
        result.extend(decoded)
        return result

    def _decode_frame(self, frame: Frame, received_at: datetime) -> DecodeResult:
        result = DecodeResult()
        self._message(frame.data, received_at, result)
        return result

    def _message(self, payload: bytes, received_at: datetime, result: DecodeResult) -> None:
        raise NotImplementedError


class PolledHL7Decoder(AskingHL7Stream):
    """Sends QRY^R02 every poll period and reads the matching ORF^R04 replies (module docstring).

    Args:
        source_hint: the transport's name for the device, used when MSH-3 is empty.
        query: what to ask and for which bed.
        poll_seconds: one query every this many seconds (> 0).
        dialect: the vendor code map for the replies' OBX rows, or None.
        default_tz: zone for timestamps without an offset (None: the station's own zone).
        max_frame: longest message kept (bytes).
        unplaced: the connection's NIBP without a usable time (None: this decoder's own).
    """

    def __init__(self, source_hint: str = "", *, query: QuerySpec, poll_seconds: float,
                 dialect: Dialect | None = None,
                 default_tz: tzinfo | None = STATION_ZONE,
                 max_frame: int = MAX_HL7_FRAME, unplaced: UnplacedNibp | None = None) -> None:
        if not poll_seconds > 0:
            raise ValueError(f"poll_seconds must be > 0, got {poll_seconds}")
        self.query = query
        self.poll_seconds = poll_seconds
        self.reply_timeout = max(2 * poll_seconds, MIN_REPLY_TIMEOUT)
        self._hint = source_hint
        self._dialect = dialect
        self._tz = default_tz
        super().__init__(max_frame, unplaced)
        self._outstanding: dict[str, _Query] = {}
        self._next_poll: float | None = None
        self._count = 0
        self._prefix = ""
        self._last_wall: datetime | None = None
        self._capture = False   # reading a capture (`read_capture`), not a live conversation

    def read_capture(self) -> None:
        """Read a capture (`infusion-console decode`): answers to queries the console sent,
        whose MSA-2 this decoder cannot match (they had all been dropped as `unmatched-reply`,
        0 readings, exit 0, as if the monitor had answered wrongly)."""
        self._capture = True

    # --- What we send -------------------------------------------------------------------

    def outgoing(self, now_mono: float, now_wall: datetime) -> bytes:
        """Bytes to send to the device now (b"" for nothing).

        Args:
            now_mono: monotonic seconds (the transport's clock).
            now_wall: wall time (UTC, aware), written in the query.

        Returns:
            One QRY^R02 when the poll period has come round (the first at the first call).
            Never raises: a fault is reported as `decoder-error` by the next `feed`.
        """
        try:
            return self._poll(now_mono, now_wall)
        except Exception as exc:  # noqa: BLE001 - the transport's loop must go on
            self._notices.append(Dropped(DECODER_ERROR, f"query: {type(exc).__name__}: {exc}"))
            return b""

    def _poll(self, now_mono: float, now_wall: datetime) -> bytes:
        self._last_wall = now_wall
        self._expire(now_mono)
        due = self._next_poll
        if due is not None and now_mono < due:
            return b""
        # Keep the cadence when a turn came a little late; restart it after a long stall.
        if due is None or now_mono - due >= self.poll_seconds:
            self._next_poll = now_mono + self.poll_seconds
        else:
            self._next_poll = due + self.poll_seconds
        control_id = self._new_id(now_wall)
        self._outstanding[control_id] = _Query(now_mono)
        return build_query(self.query, control_id, now_wall)

    def closing_bytes(self) -> bytes:
        """The message that ends the session (Mindray `MSA|AR|0|Close`), or b"" for none.

        MSH-7 is the wall time of the last `outgoing` call (nothing here reads a clock).
        """
        at = self._last_wall or datetime(1970, 1, 1, tzinfo=UTC)
        try:
            return closing_message(self.query, self._new_id(at), at)
        except Exception:  # noqa: BLE001 - never raise on stop; the port closes anyway
            return b""

    def _new_id(self, at: datetime) -> str:
        """A fresh control id: a per-connection prefix from the first wall time, and a count."""
        if not self._prefix:
            self._prefix = f"IC{int(at.timestamp()) % 1_000_000:06d}"
        self._count += 1
        return f"{self._prefix}{self._count % 10_000:04d}"[:MAX_QUERY_ID]

    def _expire(self, now_mono: float) -> None:
        for control_id, sent in list(self._outstanding.items()):
            age = now_mono - sent.sent_mono
            if age >= self.reply_timeout:
                del self._outstanding[control_id]
                self._notices.append(Dropped("no-reply", f"query {control_id} "
                                             f"({self.query.flavour.name}) not answered within "
                                             f"{self.reply_timeout:g} s"))

    # --- What we receive ----------------------------------------------------------------

    def _message(self, payload: bytes, received_at: datetime, result: DecodeResult) -> None:
        message = parse_whole(payload, result, self._hint, self._tz, self._dialect)
        if message is None:
            return
        kind = message.kind
        if kind not in ("ACK", "ORF"):
            result.dropped.append(Dropped("unsolicited", f"{kind or '?'} message "
                                          f"{message.control_id} from {message.source} not read: "
                                          "a polled device is read only from replies to our "
                                          "queries"))
            return
        msa = _first(message, "MSA")
        code = message.component(_at(msa, 1), 1).upper()
        answered = message.component(_at(msa, 2), 1)
        query = self._outstanding.get(answered)
        if query is None and self._capture:
            # A capture holds the answers to the console's queries, which this decoder never
            # sent: each is taken as outstanding (the bed rules below still apply).
            query = self._outstanding[answered] = _Query(0.0)
        if query is None:
            result.dropped.append(Dropped("unmatched-reply", f"{kind} {message.control_id} "
                                          f"answers {answered or '(no MSA-2)'}, which is not an "
                                          "outstanding query; not read"))
            return
        if code not in ("AA", "CA"):
            del self._outstanding[answered]
            result.dropped.append(Dropped("query-refused", f"query {answered} refused: MSA "
                                          f"{code or '?'} {_at(msa, 3)[:80]!r}"))
            return
        if kind == "ACK":
            self._gateway_ack(message, answered, query, result)
            return
        del self._outstanding[answered]
        self._reply(message, answered, query, received_at, result)

    def _gateway_ack(self, message: HL7Message, answered: str, query: _Query,
                     result: DecodeResult) -> None:
        """Mindray: the ACK before the reply, one ERR per bed of the query."""
        for segment in message.segments:
            fields = message.fields(segment)
            if fields[0].strip().upper() != "ERR":
                continue
            position = message.component(_at(fields, 1), 1)
            state = message.component(_at(fields, 1), 2)
            if position == "1" and "DISCONNECT" in state.upper():
                query.disconnected = True
                result.dropped.append(Dropped("bed-disconnected", f"gateway reports bed "
                                              f"{self.query.bed or '?'} {state!r} (query "
                                              f"{answered}): no values from it until it is "
                                              "connected again"))

    def _reply(self, message: HL7Message, answered: str, query: _Query, received_at: datetime,
               result: DecodeResult) -> None:
        """Read the bound bed's rows of a matched ORF^R04."""
        groups = patient_groups(message)
        with_rows = [g for g in groups if g.rows]
        echo = _first(message, "QRF")
        echo_ok = not echo or _at(echo, 5).strip() == self.query.where.strip()
        for group in with_rows:
            bed, unit = (message.component(group.pv1_location, 3),
                         message.component(group.pv1_location, 1))
            if bed:
                if self._is_bound(bed, unit):
                    result.extend(read_observations(message, group.segments, received_at,
                                                  self._unplaced))
                else:
                    result.dropped.append(Dropped("other-bed", f"reply to {answered}: "
                                                  f"{group.rows} OBX row(s) of bed "
                                                  f"{group.pv1_location.strip()!r} (PV1-3) not "
                                                  f"read; this device is bed {self._bound()}"))
            elif len(with_rows) == 1 and echo_ok:
                result.extend(read_observations(message, group.segments, received_at,
                                                  self._unplaced))
            else:
                why = (f"the QRF echo {_at(echo, 5).strip()!r} is not our "
                       f"{self.query.where!r}" if not echo_ok
                       else "the reply has several patient groups and this one names no bed")
                result.dropped.append(Dropped("other-bed" if not echo_ok else "unidentified-bed",
                                              f"reply to {answered}: {group.rows} OBX row(s) "
                                              f"not read: {why}"))
        if not query.disconnected:
            result.frames += 1

    def _is_bound(self, bed: str, unit: str) -> bool:
        if bed.upper() not in self.query.beds:
            return False
        return not (unit and self.query.unit) or unit.upper() == self.query.unit.strip().upper()

    def _bound(self) -> str:
        bed = self.query.bed or "(none bound)"
        return f"{self.query.unit}/{bed}" if self.query.unit else bed


def _at(fields: list[str], i: int) -> str:
    return fields[i] if i < len(fields) else ""


def _first(message: HL7Message, kind: str) -> list[str]:
    """The fields of the first segment of `kind`, or [] when there is none."""
    for segment in message.segments:
        fields = message.fields(segment)
        if fields[0].strip().upper() == kind:
            return fields
    return []
