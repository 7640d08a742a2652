"""Mindray bedside monitor, read directly over its HL7 port (TCP 4601): subscribe, echo, read.

`MindrayBedsideDecoder` is a StreamDecoder (feed/flush) and a `devices.stream.Conversation`
(`outgoing`, `closing_bytes`) over the MLLP link the transport opens as `socket://HOST:4601`.
Facts from shared/design/devices.md ("Mindray bedside direct"): the query's MSH-10 must be exactly
`1203`; the monitor answers with ORU^R01 messages whose MSH-10 names the kind (204 periodic values,
503 NIBP, 103 patient, 54/56 alarms, 106 echo); the client sends the 106 echo every second (10 s
of silence and the monitor drops the link); at most 4 parameter ids per QRF; a bad query gets no
NAK; a query sent during the monitor's start-up burst may be ignored: send it again after the
first echo. `-100` means no value (the ORU decoder knows it: `devices.hl7.codes.NO_VALUE_NUMBERS`).

Conversation (one enum, `Phase`):

    START ──first `outgoing`──► send the query and an echo ──► QUERIED
    QUERIED ──the monitor's first echo, no 204 yet──► send the query again (once)
    QUERIED ──no 204 for QUERY_RETRY_SECONDS since the last query──► send it again (`no-values`)
    QUERIED ──a 204──► STREAMING
    STREAMING ──no 204 for QUERY_RETRY_SECONDS──► send the query again (`no-values`) ──► QUERIED
    any ──every `echo_seconds` (the profile's poll period, 1 s)──► send the 106 echo

Rules:

- **The query.** `QRY^R02`, MSH-10 `1203` (always: the monitor recognises the query by it, so
  there is no per-query id to match replies with; the kind in the answers' MSH-10 is all there
  is), QRD as the Mindray gateway flavour (`R`, `I`, query id, `RES`; the query id is `1203`
  too), and a QRF per group of at most 4 parameter ids (`PARAMETER_IDS`: the legacy Mindray
  codes of the six vitals, devices/hl7/codes.py). **Several groups go as several whole queries**
  (each MSH + QRD + one QRF, all MSH-10 `1203`) written back to back, not as one message with
  several QRFs: each is then a standard QRY^R02 and nothing depends on a monitor reading past the
  first QRF. The QRF layout (`QRF_TEMPLATE`) is our choice where devices.md gives none: QRF-5 in
  the gateway's shape with address `0&0` (the link itself names the monitor), send type 1 and
  the parameter ids `&`-joined in a fifth component. Correct it there, in one place, when a
  monitor's manual says otherwise.
- **The echo.** `ORU^R01` with MSH-10 `106` and no segment after MSH, every `echo_seconds`
  (the profile's `[poll] period_seconds`, 1 s as devices.md says; never longer than 5 s, half
  the monitor's 10 s limit); the cadence is kept when a turn comes late and restarted after a
  stall. The first echo goes with the query in the first write: the monitor's first echo is what
  the re-send waits for.
- **Good frames** (`DecodeResult.frames`, the transport's watchdog): value messages (204, 503)
  and echoes from the monitor only. An echo counts because it proves the monitor is there; a
  monitor that echoes but sends no values stays CONNECTED, and the per-vital absence alarms
  speak for the missing values (as for a probe taken off), while the query is re-sent every
  QUERY_RETRY_SECONDS with a `no-values` drop in the log. 103, 54/56, unknown kinds, anything
  that is not an ORU^R01, and our own messages in a two-way capture (MSH-3 `INFUSION_CONSOLE`,
  `not-from-monitor`) count 0.
- **Not read.** 103 (the monitor's patient record: the console's patient is the one the nurse
  entered; nothing from the monitor may rename or mix it) is dropped as `monitor-patient`; 54 and
  56 (the monitor's own alarms: the console raises its own alarms from the values and the
  protocol's limits, and a monitor's alarm has neither the protocol's limits nor its
  acknowledgement rules) as `monitor-alarm`; an ORU^R01 of another kind as `unknown-kind`; any
  other message as `unexpected-message`.
- **No ACK from us.** devices.md's answer-every-message rule is for monitors that push ORU^R01 on
  their own; this link is a subscription with its own liveness (the 106 echo both ways), and
  devices.md names no acknowledgement in it. An unexpected ACK on it is at best ignored and at
  worst read as a malformed query (which gets no NAK: nobody would know). `replies` stay empty.
- **Closing.** `closing_bytes()` is b"": devices.md gives the bedside link no closing message
  (the gateway's `MSA|AR|0|Close` is the gateway's); the transport closes the TCP connection and
  the monitor notices our echoes stop.
- Reading (OBR/OBX rows, dialects, `-100`, hard ranges) is the ORU decoder's
  (`devices.hl7.decoder.parse_message`, `read_observations`), and so is the rule that a value
  message with rows in several patient groups (PID) is not read at all (`several-patients`; it
  still counts as a frame: the monitor is there); the query's time stamps use
  `devices.hl7.query.hl7_time`.

Time: `feed` has no monotonic time, so what it learns (a 204, an echo) is stamped at the next
`outgoing` call, at most one read-loop turn later. The decoder reads no clock.

Discovery: the monitor announces itself with ADT^A01 on UDP 4600; `read_announcement` (pure)
turns one such datagram into the monitor's address (`socket://IP:4601`) and
`AnnouncementListener` (an I/O edge like the transport: a socket and a real-time deadline) waits
for one. Nothing calls the listener yet: a profile names the monitor's address.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone, tzinfo

from devices.framing import (
    MAX_HL7_FRAME,
    MLLP_END,
    MLLP_START,
    MLLP_TRAILER,
    MllpFramer,
)
from devices.hl7.decoder import (
    HL7Message,
    parse_message,
    read_observations,
    several_patients,
)
from devices.hl7.dialects import Dialect
from devices.hl7.polled import AskingHL7Stream, parse_whole
from devices.hl7.query import APPLICATION, hl7_time
from devices.reading import STATION_ZONE
from devices.stream import DECODER_ERROR, DecodeResult, Dropped, UnplacedNibp
from devices.udp_port import listening_socket, wait_for_datagram

UTC = timezone.utc

QUERY_ID = "1203"
"""MSH-10 of every query: the monitor answers no other (devices.md)."""
VERSION = "2.3.1"
"""MSH-12 of what we send (the Mindray legacy code list is v2.3.1's)."""
MAX_IDS_PER_QRF = 4
PARAMETER_IDS: tuple[int, ...] = (101, 151, 160, 161, 170, 171, 172)
"""What we ask for: HR, RR, SpO2, PR, NIBP systolic / diastolic / mean (codes.py `_MINDRAY`)."""
QRF_TEMPLATE = "QRF|MON||||0&0^{send_type}^0^0^{ids}"
"""Our choice (see the module docstring): QRF-1 `MON`, QRF-5 address `0&0`, send type, the ids."""
SEND_TYPE = 1
MAX_ECHO_SECONDS = 5.0
"""The echo goes at least this often whatever the profile's period says: the monitor drops a link
that has not echoed for 10 s, and one lost echo must not do it."""
QUERY_RETRY_SECONDS = 5.0
"""No 204 for this long after a query (or after the last 204): ask again. Longer than the 4 s
watchdog, so "no data" shows before the second query goes; shorter than the monitor's 10 s."""
ANNOUNCE_PORT = 4600
DATA_PORT = 4601

KIND_VALUES = "204"
KIND_NIBP = "503"
KIND_PATIENT = "103"
KIND_ALARMS = ("54", "56")
KIND_ECHO = "106"


class Phase(enum.Enum):
    """Where the subscription is (module docstring)."""

    START = "start"          # nothing sent on this link yet
    QUERIED = "queried"      # query sent, no periodic values (204) since
    STREAMING = "streaming"  # periodic values arriving


def _frame(segments: Sequence[str]) -> bytes:
    text = "\r".join(segments) + "\r"
    return MLLP_START + text.encode("ascii", "replace") + MLLP_END + MLLP_TRAILER


def _msh(kind: str, control_id: str, at: datetime) -> str:
    return f"MSH|^~\\&|{APPLICATION}||||{hl7_time(at)}||{kind}|{control_id}|P|{VERSION}"


def build_queries(at: datetime, ids: Sequence[int] = PARAMETER_IDS) -> bytes:
    """Return the subscription: one MLLP-framed QRY^R02 (MSH-10 `1203`) per group of at most
    four parameter ids, back to back.

    Args:
        at: wall time written in MSH-7 and QRD-1.
        ids: Mindray parameter ids (non-empty).

    Raises:
        ValueError: no ids, or an id that is not a positive number.
    """
    if not ids or any(not 0 < i < 1_000_000 for i in ids):
        raise ValueError(f"parameter ids must be 1-999999, at least one; got {list(ids)}")
    time = hl7_time(at)
    out = b""
    for start in range(0, len(ids), MAX_IDS_PER_QRF):
        group = "&".join(str(i) for i in ids[start : start + MAX_IDS_PER_QRF])
        out += _frame([_msh("QRY^R02", QUERY_ID, at),
                       f"QRD|{time}|R|I|{QUERY_ID}|||||RES",
                       QRF_TEMPLATE.format(send_type=SEND_TYPE, ids=group)])
    return out


def build_echo(at: datetime) -> bytes:
    """Return the client's keep-alive: an MLLP-framed ORU^R01 with MSH-10 `106`, MSH only."""
    return _frame([_msh("ORU^R01", KIND_ECHO, at)])


class MindrayBedsideDecoder(AskingHL7Stream):
    """Subscribes to a Mindray bedside monitor's values and reads them (module docstring).

    Args:
        source_hint: the transport's name for the device, used when MSH-3 is empty.
        dialect: a vendor code map for the OBX rows, or None (the legacy Mindray codes are
            always known).
        echo_seconds: one 106 echo every this many seconds (> 0; the profile's poll period),
            at most MAX_ECHO_SECONDS (a longer period is shortened to it).
        ids: the parameter ids asked for.
        default_tz: zone for timestamps without an offset (None: the station's own zone).
        max_frame: longest message kept (bytes).
        unplaced: the connection's NIBP without a usable time (None: this decoder's own).

    Attributes:
        queries_sent: subscription writes (each holds one query per group of ids).
        echoes_sent: 106 echoes written.
    """

    def __init__(self, source_hint: str = "", *, dialect: Dialect | None = None,
                 echo_seconds: float = 1.0, ids: Sequence[int] = PARAMETER_IDS,
                 default_tz: tzinfo | None = STATION_ZONE,
                 max_frame: int = MAX_HL7_FRAME, unplaced: UnplacedNibp | None = None) -> None:
        if not echo_seconds > 0:
            raise ValueError(f"echo_seconds must be > 0, got {echo_seconds}")
        build_queries(datetime(2000, 1, 1, tzinfo=UTC), ids)   # refuse bad ids now
        self.echo_seconds = min(echo_seconds, MAX_ECHO_SECONDS)
        self.ids = tuple(ids)
        self._hint = source_hint
        self._dialect = dialect
        self._tz = default_tz
        super().__init__(max_frame, unplaced)
        self._phase = Phase.START
        self._next_echo: float | None = None
        self._last_query = 0.0        # QUERIED, STREAMING: when the query last went out
        self._last_values = 0.0       # STREAMING: when the last 204 was seen (at an outgoing)
        self._resent_on_echo = False  # QUERIED: the re-send after the first echo is done
        self._values_heard = False    # a 204 fed since the last outgoing
        self._echo_heard = False      # a 106 fed since the last outgoing
        self.queries_sent = 0
        self.echoes_sent = 0

    @property
    def phase(self) -> Phase:
        return self._phase

    # --- What we send -------------------------------------------------------------------

    def outgoing(self, now_mono: float, now_wall: datetime) -> bytes:
        """Bytes to send now: the query when due (module docstring), then the echo when due.

        Never raises: a fault is reported as `decoder-error` by the next `feed`.
        """
        try:
            return self._outgoing(now_mono, now_wall)
        except Exception as exc:  # noqa: BLE001 - the transport's loop must go on
            self._notices.append(Dropped(DECODER_ERROR, f"outgoing: {type(exc).__name__}: "
                                         f"{exc}"))
            return b""

    def _outgoing(self, now: float, wall: datetime) -> bytes:
        values, echo = self._values_heard, self._echo_heard
        self._values_heard = self._echo_heard = False
        if values:
            self._last_values = now
            self._phase = Phase.STREAMING
        out = b""
        phase = self._phase
        if phase is Phase.START:
            out += self._query(now, wall)
            self._resent_on_echo = False
            self._phase = Phase.QUERIED
        elif phase is Phase.QUERIED:
            if echo and not self._resent_on_echo:
                # devices.md: a query sent during the start-up burst may be ignored.
                self._resent_on_echo = True
                out += self._query(now, wall)
            elif now - self._last_query >= QUERY_RETRY_SECONDS:
                self._no_values(now - self._last_query)
                out += self._query(now, wall)
        elif now - self._last_values >= QUERY_RETRY_SECONDS:
            self._no_values(now - self._last_values)
            self._phase = Phase.QUERIED
            self._resent_on_echo = True   # the start-up burst is over: retry on time only
            out += self._query(now, wall)
        return out + self._echo(now, wall)

    def _query(self, now: float, wall: datetime) -> bytes:
        self._last_query = now
        self.queries_sent += 1
        return build_queries(wall, self.ids)

    def _no_values(self, waited: float) -> None:
        self._notices.append(Dropped("no-values", f"no periodic values (204) for {waited:.0f} s "
                                     f"after query {QUERY_ID}; asking again"))

    def _echo(self, now: float, wall: datetime) -> bytes:
        due = self._next_echo
        if due is not None and now < due:
            return b""
        # Keep the cadence when a turn came a little late; restart it after a long stall.
        if due is None or now - due >= self.echo_seconds:
            self._next_echo = now + self.echo_seconds
        else:
            self._next_echo = due + self.echo_seconds
        self.echoes_sent += 1
        return build_echo(wall)

    def closing_bytes(self) -> bytes:
        """Nothing: the bedside link has no closing message (module docstring)."""
        return b""

    # --- What we receive ----------------------------------------------------------------

    def _message(self, payload: bytes, received_at: datetime, result: DecodeResult) -> None:
        message = parse_whole(payload, result, self._hint, self._tz, self._dialect)
        if message is None:
            return
        kind = message.control_id
        if message.context.msh(3).split(message.context.comp)[0].strip() == APPLICATION:
            result.dropped.append(Dropped("not-from-monitor", f"{_type(message)} {kind!r} was "
                                          "sent by this console (seen in a two-way capture); "
                                          "ignored"))
            return
        if not _is_oru_r01(message):
            result.dropped.append(Dropped("unexpected-message", f"{_type(message)} message "
                                          f"{kind!r} not read: a Mindray bedside monitor sends "
                                          "ORU^R01 on this link"))
            return
        if kind in (KIND_VALUES, KIND_NIBP):
            mixed = several_patients(message)
            read = DecodeResult(dropped=[mixed]) if mixed is not None else read_observations(
                message, message.segments, received_at, self._unplaced)
            # MSH-10 names the kind here ("204" every second), not the message, and nothing on
            # this link is acknowledged, so nothing is resent: the readings carry no message id
            # (the QA audit: every 204 after the first was taken for a resend and not logged).
            read.readings = [replace(r, message="") for r in read.readings]
            result.extend(read)
            result.frames += 1
            if kind == KIND_VALUES:
                self._values_heard = True
        elif kind == KIND_ECHO:
            result.frames += 1
            self._echo_heard = True
        elif kind == KIND_PATIENT:
            result.dropped.append(Dropped("monitor-patient", f"ORU^R01 {kind} (the monitor's "
                                          "patient record) not read: the console's patient is "
                                          "the one entered at the console"))
        elif kind in KIND_ALARMS:
            result.dropped.append(Dropped("monitor-alarm", f"ORU^R01 {kind} (the monitor's own "
                                          "alarms) not read: the console raises its alarms from "
                                          "the values and the protocol's limits"))
        else:
            result.dropped.append(Dropped("unknown-kind", f"ORU^R01 with MSH-10 {kind[:20]!r} "
                                          "not read: the kinds read are 204 (values), 503 "
                                          "(NIBP) and 106 (echo)"))


def _type(message: HL7Message) -> str:
    return "^".join(message.context.msh(9).split(message.context.comp)[:2]).strip() or "?"


def _is_oru_r01(message: HL7Message) -> bool:
    parts = [p.strip().upper() for p in message.context.msh(9).split(message.context.comp)]
    return parts[0] == "ORU" and (len(parts) < 2 or parts[1] in ("", "R01"))


# ------------------------------------------------------------------------------ discovery


@dataclass(frozen=True, slots=True)
class Announcement:
    """A monitor that announced itself (ADT^A01 on UDP 4600).

    Attributes:
        ip: the address the datagram came from: where the monitor's HL7 port is.
        name: MSH-3 as sent (the monitor's name), or "".
        bed: PV1-3 as sent, or "".
    """

    ip: str
    name: str = ""
    bed: str = ""

    @property
    def url(self) -> str:
        """What the transport opens: `socket://IP:4601`."""
        return f"socket://{self.ip}:{DATA_PORT}"


def read_announcement(datagram: bytes, sender_ip: str) -> Announcement | None:
    """Turn one UDP 4600 datagram into an `Announcement`, or None when it is not an ADT^A01.

    Never raises: a datagram that is not HL7 is simply not an announcement.
    """
    try:
        framer = MllpFramer(whole_at_end=True)   # a datagram is one whole message
        frames = framer.push(datagram).frames + framer.flush().frames
        for frame in frames:
            message, _ = parse_message(frame.data)
            if message is None:
                continue
            parts = [p.strip().upper() for p in message.context.msh(9).split(message.context.comp)]
            if parts[:2] != ["ADT", "A01"]:
                continue
            bed = next((message.fields(s)[3] for s in message.segments
                        if s.upper().startswith("PV1") and len(message.fields(s)) > 3), "")
            return Announcement(sender_ip, message.context.msh(3).strip(), bed.strip())
    except Exception:  # noqa: BLE001 - a stranger's datagram must not stop the listener
        return None
    return None


class AnnouncementListener:
    """Listens on UDP 4600 for monitors announcing themselves (a small blocking helper).

    Args:
        port: the UDP port (4600; 0 picks a free one, for tests).
        host: the address to bind ("" = every interface).

    Attributes:
        port: the port actually bound.
    """

    def __init__(self, port: int = ANNOUNCE_PORT, host: str = "") -> None:
        self._sock = listening_socket(host, port)
        self.port: int = self._sock.getsockname()[1]

    def wait(self, timeout: float,
             monotonic: Callable[[], float] = time.monotonic) -> Announcement | None:
        """The next announcement within `timeout` seconds (other datagrams are skipped), or None.

        This blocks: call it off the GUI thread. Like the transport, it is an edge that runs in
        real time, so its clock defaults to the real one.
        """
        return wait_for_datagram(self._sock, timeout, read_announcement, monotonic)

    def close(self) -> None:
        self._sock.close()
