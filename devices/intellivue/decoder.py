"""`IntelliVueDecoder`: the StreamDecoder for Philips IntelliVue Data Export, and its conversation.

A StreamDecoder like the others (`feed`, `flush`, readings and drops in a DecodeResult; the
MDS-create confirmation as a `Reply(now=...)`), plus the two calls a polled device needs from the
transport: `outgoing(now_mono, now_wall)`, called at every turn of the read loop (about every
0.1 s), returns the bytes to send now; `closing_bytes()`, called on stop, returns the release
request.

Conversation (one enum, `Phase`; devices.md "Session"):

    START ──(restart delay over)──► send association request ──► ASSOCIATING
    ASSOCIATING ──association response (0x0E)──► WAITING_FOR_MDS
    ASSOCIATING ──no response for ASSOCIATION_RETRY_SECONDS──► send it again
    ASSOCIATING ──refused (0x0C)──► START (after REFUSED_DELAY_SECONDS)
    WAITING_FOR_MDS ──MDS-create event (0x0D06): confirm it──► POLLING (first poll at once)
    WAITING_FOR_MDS ──no event for MDS_CREATE_WAIT_SECONDS──► send release ──► RELEASING
    POLLING ──poll due──► send an extended poll for numerics (new invoke id and poll number)
    POLLING ──no message at all for `silence_limit`──► send release ──► RELEASING
    RELEASING ──release response, abort, or RELEASE_WAIT_SECONDS──► START
    any ──monitor's release request (0x09): answer it──► START (after RESTART_DELAY_SECONDS)
    any ──abort (0x19)──► START (after RESTART_DELAY_SECONDS)
    any ──MDS-create event──► confirm it ──► POLLING

Rules:
- Polls go out every `poll_interval` = max(the monitor's minimum poll period from its
  association response, `poll_seconds`), but never less often than every KEEP_ALIVE_SECONDS:
  polls are the keep-alive (devices.md: "poll within its timeout"), so a slow poll period still
  keeps the association, and those extra polls' values are readings like any other.
- One poll is in flight at a time: the next waits for the previous reply's final part (RORS),
  or for POLL_REPLY_WAIT_SECONDS, whichever comes first.
- The first reply after association carries labels only. A reply without any value is followed
  by the next poll after the monitor's minimum period, not after a whole `poll_interval`.
- Replies are decoded whatever the phase: a capture read by `infusion-console decode` has no
  conversation of ours, and a late reply still holds real values.
- `DecodeResult.frames` counts valid messages from the monitor only (the transport's "good
  frame"): a frame with a bad FCS, bytes that are not a message, or a message a host sends
  (seen in a two-way capture) is not one.
- Time: `feed` has no monotonic time, so what it learns (an answer, a message heard) is stamped
  at the next `outgoing` call, at most one read-loop turn later. No clock is read here.

Serial (MIB/RS232): every message travels in a frame (`framing`); LAN (`lan=True`): no framing,
each `feed` call is exactly one UDP datagram, i.e. one message (`devices.udp_port` guarantees
it), and what this decoder sends is one datagram per message.

Readings: `source` is `intellivue:<system id>` once the MDS-create event named the monitor (else
`intellivue:<source_hint>`); `channel` is `<id name>:<object handle>`; NBP (and its pulse) has its
own measured time (see `numerics`), the other vitals have none (the poll is "now").

One poll, one message: the monitor splits a poll's reply into linked results (1 first, 2 middle,
3 last, then the final RORS), and on the LAN each is a datagram of its own, i.e. a transport event
and an `ingest_message` of its own. The numerics of the poll in flight (readings, drops and NIBP
undo alike) are kept until its final result and handed on together in one DecodeResult, so the
console judges one vital's two channels side by side (capnography's airway RR 0x5012 beside the
impedance RR 0x500A; console/session/channels.py): handed on part by part, an airway RR 6 in one
part and an impedance RR 14 in the next raised and cleared the low RR alarm every second. A final
result that never comes (a lost datagram) holds them no longer than the first part of another
poll's reply, the line's quiet (`quiet`, the transport's QUIET_END_SECONDS after the last bytes)
or the end of the stream (`flush`), whichever comes first: handed on then, never dropped, and
once. A reply to no poll of ours in flight (a capture read by `decode`, a late reply) is handed
on as it comes: no final result is awaited for it.
"""

from __future__ import annotations

import enum
import logging
import struct
from datetime import datetime, tzinfo

from devices.framing import Split
from devices.intellivue import ids
from devices.intellivue.association import (
    RELEASE_REQUEST,
    RELEASE_RESPONSE,
    AssociationOffer,
    association_request,
    parse_association_response,
)
from devices.intellivue.codec import Envelope, Malformed, envelope, read_envelope
from devices.intellivue.framing import SerialFramer, frame
from devices.intellivue.messages import (
    CONNECT_INDICATION_PREFIX,
    mds_create_result,
    poll_request,
    read_mds_create,
    read_poll_reply,
)
from devices.intellivue.numerics import MonitorClock, decode_observations
from devices.reading import STATION_ZONE
from devices.stream import DECODER_ERROR, DecodeResult, Dropped, Reply, UnplacedNibp

log = logging.getLogger(__name__)

ASSOCIATION_RETRY_SECONDS = 3.0
"""An association request unanswered this long is sent again (the monitor answers in well under
a second; a vendor tool's log shows the same request repeated while a monitor stayed silent)."""
MDS_CREATE_WAIT_SECONDS = 5.0
"""The MDS-create event follows the association response at once; without it, start over."""
POLL_REPLY_WAIT_SECONDS = 3.0
"""A poll whose reply has not ended this long after it was sent no longer holds the next one."""
KEEP_ALIVE_SECONDS = 5.0
"""Longest gap between two polls, whatever `poll_seconds` says, so the association stays alive.
(An assumption: no public source states the monitor's inactivity timeout; 5 s is well inside
any we have seen discussed, and costs one small request.)"""
SILENCE_SECONDS = 10.0
"""While polling, this long (or three poll intervals, if longer) without any message from the
monitor means the association is gone: release it and start over."""
RELEASE_WAIT_SECONDS = 2.0
RESTART_DELAY_SECONDS = 1.0
"""After the monitor releases or aborts, wait this long before associating again."""
REFUSED_DELAY_SECONDS = 10.0
"""After a refused association, wait this long before asking again."""
_EPSILON = 1e-6
"""Slack on every "is it due" comparison, so a sum of read-loop periods that lands a hair short
of a deadline (0.1 x 86 - 0.1 x 56 < 3.0 in floating point) does not cost one more turn."""


class Phase(enum.Enum):
    """Where the conversation is; see the module docstring for the transitions."""

    START = "start"                      # not associated; associate once the delay is over
    ASSOCIATING = "associating"          # association request sent, no response yet
    WAITING_FOR_MDS = "waiting-for-mds"  # associated, MDS-create event not yet received
    POLLING = "polling"                  # MDS-create confirmed; polling numerics
    RELEASING = "releasing"              # release request sent, no answer yet


class IntelliVueDecoder:
    """StreamDecoder and conversation for one IntelliVue monitor (one port or UDP address).

    Args:
        source_hint: the transport's name for the device, used as the source until the monitor
            names itself.
        lan: the stream is UDP datagrams (one message per `feed`), not a framed serial line.
        poll_seconds: the wanted poll period; the monitor's minimum and the keep-alive bound it.
        monitor_tz: the zone of the monitor's clock, used only until its MDS-create event gives
            the offset between its clock and the host's (see `numerics.MonitorClock`).
        unplaced: the connection's NBP without a usable time, across replies and reopens
            (None: this decoder's own).
    """

    def __init__(self, source_hint: str = "", *, lan: bool = False, poll_seconds: float = 1.0,
                 monitor_tz: tzinfo | None = STATION_ZONE,
                 unplaced: UnplacedNibp | None = None) -> None:
        if not poll_seconds > 0:
            raise ValueError(f"poll_seconds must be > 0, got {poll_seconds}")
        self.lan = lan
        self.poll_seconds = poll_seconds
        self._hint = source_hint.strip()
        self._framer = None if lan else SerialFramer()
        self._clock = MonitorClock(monitor_tz)
        self._unplaced = unplaced if unplaced is not None else UnplacedNibp()
        self._system_id = ""
        self.offer = AssociationOffer()
        self._phase = Phase.START
        # When the current phase began (monotonic); None: set at the next `outgoing` call.
        self._since: float | None = None
        self._delay = 0.0           # START only: wait this long after `_since` before associating
        self._heard = False         # a monitor message arrived since the last `outgoing` call
        self._last_heard: float | None = None
        self._invoke_id = 0
        self._poll_number = 0
        # POLLING only: when the next poll is due (None: at once), the poll in flight (its invoke
        # id, when it was sent, how many values its parts held so far), when the last one went.
        self._next_poll: float | None = None
        self._in_flight: int | None = None
        self._in_flight_since = 0.0
        self._in_flight_values = 0
        self._last_poll = 0.0
        self.polls_sent = 0
        # The numerics of the poll whose reply has not ended (its invoke id; None: none held),
        # handed on together at its final result (see "One poll, one message").
        self._parts_of: int | None = None
        self._parts = DecodeResult()

    # ------------------------------------------------------------------ state, for the owner

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def poll_interval(self) -> float:
        """Seconds between polls: the wanted period within the monitor's minimum and the
        keep-alive."""
        return max(self.offer.min_poll_seconds, min(self.poll_seconds, KEEP_ALIVE_SECONDS))

    @property
    def silence_limit(self) -> float:
        return max(SILENCE_SECONDS, 3 * self.poll_interval)

    @property
    def source(self) -> str:
        name = self._system_id or self._hint
        return f"intellivue:{name}" if name else "intellivue"

    # ------------------------------------------------------------------ StreamDecoder

    def feed(self, data: bytes, received_at: datetime) -> DecodeResult:
        """Consume bytes from the monitor (serial: any chunk; LAN: exactly one datagram).

        Args:
            data: the bytes read.
            received_at: host wall time they arrived (UTC, aware).

        Returns:
            Readings, drops, replies owed now (MDS-create confirmation, release response) and the
            number of valid monitor messages.
        """
        if self._framer is None:
            return self._messages([data] if data else [], received_at, Split())
        try:
            split = self._framer.push(data)
        except Exception as exc:  # noqa: BLE001 - a framer bug must not end the stream
            result = DecodeResult()
            result.dropped.append(Dropped(DECODER_ERROR, f"framer: {type(exc).__name__}: {exc}"))
            return result
        return self._messages([f.data for f in split.frames], received_at, split)

    def flush(self, received_at: datetime) -> DecodeResult:
        """End of stream: drop a frame left open (serial); hand on the numerics of a poll whose
        final result never came."""
        if self._framer is None:
            result = DecodeResult()
        else:
            result = self._messages([], received_at, self._framer.flush())
        self._hand_on(result)
        return result

    def quiet(self, received_at: datetime, seconds: float = 0.0) -> DecodeResult:
        """The line has been quiet `seconds` since its last bytes (the transport asks at its
        QUIET_END_SECONDS, then again later): the numerics of a poll whose final result has not
        come are handed on now. The monitor sends a reply's parts back to back, so a quiet after
        a part means its final result was lost; waiting for the next poll's reply instead, a low
        value would wait up to POLL_REPLY_WAIT_SECONDS more for its alarm.

        Args:
            received_at: host wall time now (UTC, aware); not needed here.
            seconds: how long the line has been quiet; any quiet will do.

        Returns:
            The held numerics (empty when none are held)."""
        result = DecodeResult()
        self._hand_on(result)
        return result

    def _hand_on(self, result: DecodeResult) -> None:
        """Put the held numerics of a poll into `result`, once."""
        if self._parts_of is None:
            return
        parts, self._parts, self._parts_of = self._parts, DecodeResult(), None
        result.extend(parts)

    def _messages(self, messages: list[bytes], received_at: datetime, split: Split) -> DecodeResult:
        result = DecodeResult()
        result.dropped.extend(split.dropped)
        for message in messages:
            try:
                self._message(message, received_at, result)
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop the stream
                result.frames += 1
                result.dropped.append(Dropped(DECODER_ERROR, f"{type(exc).__name__}: {exc}"))
        return result

    # ------------------------------------------------------------------ the conversation

    def outgoing(self, now_mono: float, now_wall: datetime) -> bytes:
        """Bytes to send to the device now (b"" for nothing).

        Args:
            now_mono: the transport's monotonic clock (seconds).
            now_wall: the transport's wall clock (UTC, aware); not needed by this protocol.

        Returns:
            The association request, a poll or a release request (framed on serial), or b"".
        """
        try:
            return self._outgoing(now_mono)
        except Exception:  # noqa: BLE001 - the read loop must go on; the watchdog will speak
            log.exception("IntelliVue conversation failed in phase %s", self._phase.value)
            return b""

    def closing_bytes(self) -> bytes:
        """The release request to send when the connection is stopped (b"" if not associated)."""
        if self._phase is Phase.START:
            return b""
        self._enter(Phase.RELEASING)
        return self._wire(RELEASE_REQUEST)

    def _wire(self, message: bytes) -> bytes:
        return message if self.lan else frame(message)

    def _enter(self, phase: Phase, delay: float = 0.0) -> None:
        self._phase = phase
        self._since = None
        self._delay = delay
        if phase is Phase.POLLING:
            self._next_poll = None
            self._in_flight = None

    def _outgoing(self, now: float) -> bytes:
        if self._since is None:
            self._since = now
        if self._heard:
            self._last_heard = now
            self._heard = False
        elapsed = now - self._since + _EPSILON
        phase = self._phase
        if phase is Phase.START:
            if elapsed >= self._delay:
                self._enter(Phase.ASSOCIATING)
                self._since = now
                return self._wire(association_request())
        elif phase is Phase.ASSOCIATING:
            if elapsed >= ASSOCIATION_RETRY_SECONDS:
                self._since = now
                return self._wire(association_request())
        elif phase is Phase.WAITING_FOR_MDS:
            if elapsed >= MDS_CREATE_WAIT_SECONDS:
                return self._release(now)
        elif phase is Phase.POLLING:
            heard = self._last_heard if self._last_heard is not None else self._since
            if now - max(heard, self._since) + _EPSILON >= self.silence_limit:
                return self._release(now)
            return self._poll(now)
        elif phase is Phase.RELEASING:
            if elapsed >= RELEASE_WAIT_SECONDS:
                self._enter(Phase.START)
                self._since = now
        return b""

    def _release(self, now: float) -> bytes:
        self._enter(Phase.RELEASING)
        self._since = now
        return self._wire(RELEASE_REQUEST)

    def _poll(self, now: float) -> bytes:
        if self._next_poll is not None and now + _EPSILON < self._next_poll:
            return b""
        if self._in_flight is not None and \
                now - self._in_flight_since + _EPSILON < POLL_REPLY_WAIT_SECONDS:
            return b""
        self._invoke_id = self._invoke_id % 0xFFFF + 1
        self._poll_number = self._poll_number % 0xFFFF + 1
        self._in_flight, self._in_flight_since, self._in_flight_values = self._invoke_id, now, 0
        self._last_poll = now
        self._next_poll = now + self.poll_interval
        self.polls_sent += 1
        return self._wire(poll_request(self._invoke_id, self._poll_number))

    # ------------------------------------------------------------------ one message

    def _message(self, message: bytes, received_at: datetime, result: DecodeResult) -> None:
        if not message:
            result.frames += 1
            result.dropped.append(Dropped("bad-frame", "empty message"))
            return
        first = message[0]
        if message.startswith(CONNECT_INDICATION_PREFIX):
            result.frames += 1  # LAN discovery: the monitor is there; nothing to read
            self._heard = True
            return
        if first == 0xE1:
            self._data(message, received_at, result)
            return
        self._session(first, message, result)

    def _session(self, first: int, message: bytes, result: DecodeResult) -> None:
        if first == ids.SPDU_CONNECT:
            result.dropped.append(Dropped("not-from-monitor", "an association request (a host's "
                                          "message, seen in a two-way capture); ignored"))
            return
        known = {ids.SPDU_ACCEPT, ids.SPDU_REFUSE, ids.SPDU_FINISH, ids.SPDU_DISCONNECT,
                 ids.SPDU_ABORT}
        if first not in known or len(message) < 2:
            result.frames += 1
            result.dropped.append(Dropped("bad-frame", f"message of {len(message)} bytes starts "
                                          f"with {message[:8].hex(' ')}: not an IntelliVue "
                                          "message"))
            return
        result.frames += 1
        self._heard = True
        if first == ids.SPDU_ACCEPT:
            self.offer = parse_association_response(message)
            if not self.offer.read:
                result.dropped.append(Dropped("unreadable-offer", f"association response: "
                                              f"{self.offer.detail}; using "
                                              f"{self.offer.min_poll_seconds:g} s and "
                                              f"{self.offer.max_message_bytes} bytes"))
            self._enter(Phase.WAITING_FOR_MDS)
        elif first == ids.SPDU_REFUSE:
            result.dropped.append(Dropped("association-refused", "the monitor refused the "
                                          f"association; asking again in "
                                          f"{REFUSED_DELAY_SECONDS:g} s"))
            self._enter(Phase.START, REFUSED_DELAY_SECONDS)
        elif first == ids.SPDU_FINISH:
            result.replies.append(Reply(now=self._wire(RELEASE_RESPONSE)))
            self._enter(Phase.START, RESTART_DELAY_SECONDS)
        elif first == ids.SPDU_DISCONNECT:
            if self._phase is Phase.RELEASING:
                self._enter(Phase.START)
        else:  # abort
            self._enter(Phase.START, RESTART_DELAY_SECONDS)

    def _data(self, message: bytes, received_at: datetime, result: DecodeResult) -> None:
        try:
            env = read_envelope(message)
        except Malformed as exc:
            result.frames += 1
            result.dropped.append(Dropped("bad-frame", f"data message of {len(message)} bytes: "
                                          f"{exc}"))
            return
        if _from_host(env):
            result.dropped.append(Dropped("not-from-monitor", f"a host's message (operation "
                                          f"{env.ro_type}, command {env.command}, invoke "
                                          f"{env.invoke_id}), seen in a two-way capture; "
                                          "ignored"))
            return
        result.frames += 1
        self._heard = True
        try:
            if env.ro_type == ids.RO_INVOKE:
                self._event(env, received_at, result)
            elif env.ro_type in (ids.RO_RESULT, ids.RO_LINKED_RESULT):
                if env.command == ids.CMD_CONFIRMED_ACTION:
                    self._poll_reply(env, received_at, result)
            else:
                kind = "error" if env.ro_type == ids.RO_ERROR else "reject"
                result.dropped.append(Dropped("device-error", f"the monitor answered invoke "
                                              f"{env.invoke_id} with {kind} "
                                              f"{env.command:#06x}"))
                if env.invoke_id == self._in_flight:
                    self._in_flight = None
                if env.invoke_id == self._parts_of:
                    self._hand_on(result)   # the poll ended so: no final result will come
        except Malformed as exc:
            result.dropped.append(Dropped("malformed-message", f"invoke {env.invoke_id}: {exc}"))

    def _event(self, env: Envelope, received_at: datetime, result: DecodeResult) -> None:
        event_type = struct.unpack(">H", env.body[10:12])[0] if len(env.body) >= 12 else -1
        if event_type == ids.EVENT_MDS_CREATE:
            event = read_mds_create(env)
            if event.clock:
                self._clock.learn(event.clock, received_at)
            if event.system_id:
                self._system_id = event.system_id
            result.replies.append(Reply(now=self._wire(mds_create_result(event))))
            self._enter(Phase.POLLING)
        elif env.command == ids.CMD_CONFIRMED_EVENT_REPORT and event_type >= 0:
            # Another confirmed event (an alert, a changed object): confirm it so the monitor does
            # not wait; its content is not a value this console reads.
            body = env.body[:6] + env.body[6:10] + struct.pack(">HH", event_type, 0)
            result.replies.append(Reply(now=self._wire(envelope(
                ids.RO_RESULT, env.invoke_id, ids.CMD_CONFIRMED_EVENT_REPORT, body))))

    def _poll_reply(self, env: Envelope, received_at: datetime, result: DecodeResult) -> None:
        reply = read_poll_reply(env)
        if reply is None:
            return  # another action's result
        if self._parts_of is not None and reply.invoke_id != self._parts_of:
            self._hand_on(result)   # another poll's reply: the held one's final result was lost
        ours = reply.invoke_id == self._in_flight
        if reply.object_type == (ids.PARTITION_OBJECT, ids.CLASS_NUMERIC):
            where = f"poll {reply.poll_number}"
            numerics = decode_observations(reply.poll_info, received_at, source=self.source,
                                           where=where, clock=self._clock,
                                           unplaced=self._unplaced)
            if reply.invoke_id in (self._in_flight, self._parts_of):
                # Kept until the final result: the poll's values reach the console as one
                # message.
                self._parts_of = reply.invoke_id
                self._parts.extend(numerics.result)
            else:
                # No poll of ours waits for it (a capture read by `decode`, a late reply): no
                # final result of ours to wait for.
                result.extend(numerics.result)
            if ours:
                self._in_flight_values += numerics.values
        elif reply.object_type == (ids.PARTITION_OBJECT, ids.CLASS_WAVE):
            result.dropped.append(Dropped("waveform-skipped", f"poll {reply.poll_number}: reply "
                                          "for real-time waves (object class 9), not numerics"))
        if reply.final:
            self._hand_on(result)
        if ours and reply.final:
            self._in_flight = None
            if self._in_flight_values == 0 and self._phase is Phase.POLLING:
                # Labels only (the first poll after association): ask again soon.
                self._next_poll = self._last_poll + self.offer.min_poll_seconds


_HOST_REQUESTS = frozenset({ids.CMD_GET, ids.CMD_SET, ids.CMD_CONFIRMED_SET,
                            ids.CMD_CONFIRMED_ACTION})


def _from_host(env: Envelope) -> bool:
    """True for what only a host sends: requests, and results of the monitor's events."""
    if env.ro_type == ids.RO_INVOKE:
        return env.command in _HOST_REQUESTS
    return env.ro_type == ids.RO_RESULT and env.command in (ids.CMD_EVENT_REPORT,
                                                            ids.CMD_CONFIRMED_EVENT_REPORT)
