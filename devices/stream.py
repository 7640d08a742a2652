"""The contract between the transport and a device format: bytes in, readings (and replies) out.

A format is a framer plus a decoder. Both are pure: no I/O, no clock reads (the caller passes the
receive time), never raise on bad bytes. What cannot be used is reported as `Dropped`, so the log
and QA can see every discarded value and why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeAlias, runtime_checkable

from protocols.vitals import METRICS
from devices.reading import MANUAL, Reading, is_nibp_metric


@dataclass(frozen=True, slots=True)
class Dropped:
    """Something the decoder could not turn into a reading.

    Attributes:
        reason: a short stable key (`unknown-unit`, `no-value`, `out-of-hard-range`,
            `bad-frame`, `unknown-code`, `waveform-skipped`, ...), counted in summaries.
        detail: what a person needs to find it (segment, code, value as sent).
    """

    reason: str
    detail: str


DECODER_ERROR = "decoder-error"
"""The `Dropped` reason of a frame the decoder failed on (it raised): a bug, or a message no rule
foresaw. The console raises a technical alarm for it, not only a count."""

CUT_MESSAGE = "cut-message"
"""The `Dropped` reason of segments that came after their message was taken as whole: a bare HL7
message (no MLLP envelope marks its end) is taken when the line has been quiet for 0.5 s after a
segment, as a sender waiting for its answer needs; a sender that paused that long inside a
message had its part before the pause read (and answered) and the rest arrive with no message
start. Those rows' values are not read: the console raises the same technical alarm as for
DECODER_ERROR, never only a count."""

SEVERAL_PATIENTS = "several-patients"
"""The `Dropped` reason of a message holding rows of several patients (PID groups): not read,
refused (AR). A gateway that sends only such messages would leave the chair with "no value"
alarms and nothing saying why: the console raises the technical alarm of DECODER_ERROR."""

DAMAGED_MESSAGE = "damaged-message"
"""The `Dropped` reason of an HL7 message damaged on the line (a byte lost or changed: a segment
id that is not one, two segments run together, a header whose MSH-9 is no message type though
OBX rows follow, an OBX-11 no sender writes, a cuff dropped whole for a row unread or its
pressures out of order): read only in part at most, so it is answered AE (the monitor sends it
again) and raises "Monitor message not read", never a silent drop (a lost 'O' of "OBX" had lost
its SpO2 row, the message answered AA)."""

NOT_READ = frozenset({DECODER_ERROR, CUT_MESSAGE, SEVERAL_PATIENTS, DAMAGED_MESSAGE})
"""Drops whose message may have carried a value nobody read: each is a technical alarm."""

OUT_OF_HARD_RANGE = "out-of-hard-range"
"""The `Dropped` reason of a value outside what the vital can be (SpO2 150 %): the console raises
a technical alarm for it, not only a count."""

IMPOSSIBLE_BP = "impossible-bp"
"""The `Dropped` reason of a cuff measurement whose pressures cannot be one (the diastolic not
below the mean, the mean not below the systolic): a byte lost on the line (162 read as 62) or a
cuff artefact. The console raises "Impossible value" for it, as for a value out of range (the
engine drops such a pair under the same key when a decoder passes one)."""


def pressures_in_order(present: dict[str, float]) -> bool:
    """Diastolic < mean < systolic among a cuff's pressures present (metric -> value): else the
    cuff is IMPOSSIBLE_BP (the Ivy's record and an HL7 cuff judged whole alike)."""
    ordered = [present[m] for m in ("bp_diastolic", "bp_mean", "bp_systolic") if m in present]
    return all(low < high for low, high in zip(ordered, ordered[1:]))


NOT_MONITORED = "not-monitored"
"""The `Dropped` reason of a value of a vital this console does not show (an Ivy's temperature,
EtCO2): known, understood, and not a reading of the session."""

KEPT_NOTICES = frozenset({
    "name-mismatch", "path-mismatch", "bad-timestamp", "unknown-charset", "charset-mismatch",
    "duplicate-row",
})
"""`Dropped` reasons that report a doubt about a value the decoder still kept: a code and name
that disagree (the code is trusted, devices.md), an unusable time (the value is kept without it),
a charset read another way, an OBX segment repeated in one message (the measurement kept once). They travel with the drops so the log keeps them, but a count of
what was dropped must leave them out (QA: the Comen sample's two kept PR rows counted as
dropped)."""


NOTHING_NEW = frozenset({"nibp-repeat", "nibp-empty"})
"""`Dropped` reasons for what carries no new value: an NIBP the decoder already reported once (a
monitor repeating its last cuff measurement in every frame), and an NIBP record with no value at
all (no cuff measurement yet, sent in every frame or poll until the first). They are counted by
`decode`, but nothing reached the console that it could use or lose, so the bedside logs no drop
for them, as it logs none for an HL7 NIBP repeated with its own time. An IntelliVue without a
cuff measurement had logged a `device_dropped` row a poll, and the nurse's event list "Device
data not used: nibp-empty ×60" a minute, for a cuff that had simply not run yet."""


class LoggedValue(Protocol):
    """A value as the session's log holds it (`console.records.ObservationRecord` is one)."""

    @property
    def source(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def flags(self) -> Set[str]: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def measured_at(self) -> datetime | None: ...


NibpRows: TypeAlias = frozenset[tuple[str, str, float]]
"""An NIBP measurement as its rows' (channel, metric, value): what a decoder reads and the session's
log holds alike, so a measurement sent after a restart is compared with the one logged before."""


def nibp_rows(rows: Iterable[LoggedValue]) -> NibpRows:
    """The `NibpRows` of one measurement's readings or logged rows."""
    return frozenset((row.channel, row.metric, row.value) for row in rows)


@dataclass(slots=True)
class UnplacedNibp:
    """The last NIBP measurement each device channel sent without a usable time of its own.

    A monitor repeats its last cuff measurement in every message until the next (devices.md:
    "deduplicate on value + time"). Without a usable time (HL7 OBX-14 all zeros for "never",
    an IntelliVue clock never set) the stamp as sent and the values still name the measurement:
    a decoder reports it once and drops each repeat as `nibp-repeat`. Each repeat had become a
    reading, one a message: one measurement filled the record, the trend and the alarms'
    persistence and repeat-confirmation timers. Two measurements with the same stamp and the
    same values in a row read as one (the cost of a device that sends no time).

    It belongs to the connection, not to one decoder (`devices.transport` makes a fresh decoder
    at every (re)open and hands it the same one): a monitor still repeating its measurement
    after a USB adapter came back had it logged twice, the second time as "age unknown". And it
    follows the commit: what the owner could not take (`DecodeResult.undo`) is forgotten, so the
    resend, or the next frame, reports it again (a failed commit had lost it for good).

    Several measurements may wait for their commit at once (the reader decodes the next message
    while the owner commits the last), and commits may fail in any order: each channel keeps its
    recent measurements in order, a failed one is taken out wherever it stands, and the channel's
    last measurement is the newest still in. (Keeping only "the one before" left the memory at a
    measurement whose own commit had failed when two failed in a row, and its resend was dropped.)

    A restarted console ("Restart and resume") starts with the session's log (`resume`): each
    source's newest NIBP measurement logged stands for what that source sent last, until a channel
    of it sends its first measurement to this memory; the same values are that measurement sent
    again (`is_repeat`'s `values`). A monitor still repeating its cuff after the restart had it
    logged a second time, "measured now" (a Comen stamps it with each message's time) or "age
    unknown", and it met the open BP check though nobody took a BP: live and restarted differed.

    Attributes:
        values_seen: this connection has delivered values: a measurement first seen before that
            may be from before the console connected (or while the line was down), so its age is
            unknown (`AGE_UNKNOWN`), as the NIBP of ANSAR-B's first frame.
    """

    values_seen: bool = False
    # Per channel (the decoder's key), its recent measurements, oldest first: each `_Sent` is one
    # measurement's place, so an undo takes out its own and never a later equal one.
    _recent: dict[object, list[_Sent]] = field(default_factory=dict, repr=False)
    # By source, the rows (channel, metric, value) of its newest NIBP measurement in the session's
    # log when the console started (`resume`); empty for a new session.
    _logged: dict[str, NibpRows] = field(default_factory=dict, repr=False)
    # The owner's thread forgets (`undo`) while the reader's decodes.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def resume(self, logged: Iterable[LoggedValue]) -> None:
        """Start from the session's log: `logged` is its values, oldest first (a resumed
        session's observations). Each source's newest NIBP measurement (its rows logged from one
        message: the same arrival and measured time) is what that source sent last."""
        newest: dict[str, tuple[object, list[LoggedValue]]] = {}
        for row in logged:
            if row.source == MANUAL or not is_nibp_metric(row.metric, row.flags):
                continue
            message = (row.received_at, row.measured_at)
            kept = newest.get(row.source)
            if kept is not None and kept[0] == message:
                kept[1].append(row)
            else:
                newest[row.source] = (message, [row])
        with self._lock:
            self._logged = {source: nibp_rows(rows) for source, (_, rows) in newest.items()}

    def is_repeat(self, channel: object, sent: object, result: DecodeResult | None = None,
                  values: tuple[str, NibpRows] | None = None, at: datetime | None = None) -> bool:
        """True when `channel` sends what it sent last time; remembers it, and gives `result`
        the undo for when its readings are not taken.

        `values`: the source and rows (`nibp_rows`) of the measurement `sent` names, those its
        rule compares (an IntelliVue handle holds the pressures or the cuff pulse; an Ivy's rule
        leaves its pulse field out). When `channel` has sent nothing to this memory yet, its
        source's newest measurement in the session's log (`resume`) is what it sent last: the
        same rows of those vitals are a repeat.

        `at`: when `sent` was received, for a stream that cannot hold back what it sent (an HL7
        message is answered once its rows are stored). What `channel` sent before the last,
        sent again less than `CUFF_BACK_WITHIN` after the last first came, is that measurement
        repeated too: the last was that record changed on the line (no checksum), since no cuff
        measures that fast."""
        with self._lock:
            recent = self._recent.get(channel)
            if recent is None:
                recent = self._recent[channel] = []
                if values is not None and values[1] and self._logged_rows(*values) == values[1]:
                    recent.append(_Sent(sent))   # logged before the restart: nothing to undo
            if recent and recent[-1].sent == sent:
                return True
            if (at is not None and len(recent) > 1 and recent[-2].sent == sent
                    and recent[-1].at is not None
                    and timedelta(0) <= at - recent[-1].at < CUFF_BACK_WITHIN):
                # Back as the last again (nothing to undo: nothing new was reported), so its
                # next repeats are repeats however long it stays.
                recent.append(_Sent(sent, at))
                del recent[:-_RECENT_KEPT]
                return True
            place = _Sent(sent, at)
            recent.append(place)
            del recent[:-_RECENT_KEPT]
            seen = self.values_seen
        if result is not None:
            result.undo.append(lambda: self._forget(channel, place, seen))
        return False

    def last(self, channel: object) -> object:
        """What `channel` sent last to this memory (None: nothing yet); remembers nothing."""
        with self._lock:
            recent = self._recent.get(channel)
            return recent[-1].sent if recent else None

    def _logged_rows(self, source: str, rows: NibpRows) -> NibpRows:
        """The rows of `source`'s newest logged measurement of the vitals `rows` hold."""
        vitals = {metric for _, metric, _ in rows}
        return frozenset(row for row in self._logged.get(source, ()) if row[1] in vitals)

    def new_connection(self) -> None:
        """The port was (re)opened: what was reported stays reported, but a measurement first
        seen now may have been taken while the line was down."""
        self.values_seen = False

    def _forget(self, channel: object, place: _Sent, seen: bool) -> None:
        with self._lock:
            recent = self._recent.get(channel, [])
            if not any(kept is place for kept in recent):
                return   # forgotten already (an undo run twice), or long since reported
            recent[:] = [kept for kept in recent if kept is not place]
            if not seen:
                self.values_seen = False   # it was on the monitor before values came: still so


@dataclass(eq=False, slots=True)
class _Sent:
    """One measurement's place in `UnplacedNibp`: compared by identity, so two measurements
    that sent the same are two places."""

    sent: object
    at: datetime | None = None   # when it first came (`is_repeat`'s `at`)


CUFF_BACK_WITHIN = timedelta(seconds=10)
"""How soon a measurement sent before the last, sent again, is that one repeated (`is_repeat`'s
`at`), not a new one: no cuff measures in under 10 s (it inflates above the systolic and deflates
over several beats: 20-40 s for an adult, about 15 s for the fastest modes), while a monitor
repeats its cuff in every message (1-5 s). A record changed on the line in one message (121/75
read as 121/65) then comes back in the next: it had been logged as a third cuff "measured now".
Judged on receive times, never across a clock set back (a negative gap): a real new cuff, equal to
the one before the last, came after NTP stepped the clock back and was dropped as a repeat."""


_RECENT_KEPT = 16
"""Measurements kept per channel: more than can wait for a commit at once (a read's, or the reads
held while one commits: at most `devices.transport.HELD_FRAMES_MAX` messages, a cuff's minutes
apart). A commit that fails after sixteen newer ones came finds its measurement already out:
nothing is forgotten, and that measurement is not sent again (a monitor repeats only its
newest)."""


def outside_hard_range(metric: str, value: float, where: str, shown: str) -> Dropped | None:
    """Why `value` cannot be a reading of `metric` (outside its hard range), or None if it can.

    Every decoder asks this before it yields a value, so none ever yields one out of range (R3).
    """
    spec = METRICS[metric]
    if spec.in_hard_range(value):
        return None
    return Dropped(OUT_OF_HARD_RANGE,
                   f"{where}: {spec.label} {shown} outside {spec.describe_range()}")


@dataclass(frozen=True, slots=True)
class Reply:
    """What one message is owed back (an HL7 acknowledgement).

    Rule (GE B40 manual, shared/design/network.md): AA/CA tells a monitor its data is "committed
    to safe storage" and it stops resending. So the answer to a message that carries data depends
    on whether its content reached the log: `after_commit(stored)` builds it once the owner knows
    (AA when stored; AE, which monitors resend, when not). A message with nothing to store (one
    rejected as unreadable, a type the console does not use) is answered at once (`now`).

    Attributes:
        now: the answer, when it does not depend on storage.
        after_commit: builds the answer from the owner's verdict; None for `now` replies.
    """

    now: bytes = b""
    after_commit: Callable[[bool], bytes] | None = None

    @property
    def waits(self) -> bool:
        """True when the answer depends on whether the message was stored."""
        return self.after_commit is not None

    def answer(self, stored: bool) -> bytes:
        return self.after_commit(stored) if self.after_commit is not None else self.now


@dataclass(slots=True)
class DecodeResult:
    """What one `feed` call produced.

    Attributes:
        readings: valid readings, in the order they appeared.
        dropped: everything discarded, with the reason.
        replies: what to write back to the device (HL7 ACKs), in message order.
        frames: complete frames seen (for counters and capture replay checks).
        undo: what the decoder must forget when the owner could not take these readings (its
            commit failed and was put back): an NIBP it counted as reported (`UnplacedNibp`).
    """

    readings: list[Reading] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    frames: int = 0
    undo: list[Callable[[], None]] = field(default_factory=list)

    def extend(self, other: DecodeResult) -> None:
        self.readings.extend(other.readings)
        self.dropped.extend(other.dropped)
        self.replies.extend(other.replies)
        self.frames += other.frames
        self.undo.extend(other.undo)


class StreamDecoder(Protocol):
    """A framer and decoder for one device stream; keeps the partial frame between calls."""

    def feed(self, data: bytes, received_at: datetime) -> DecodeResult:
        """Consume `data` (any size, any split) and return what completed frames yielded."""
        ...

    def flush(self, received_at: datetime) -> DecodeResult:
        """End of stream: decode what a format can decode without a terminator, drop the rest."""
        ...


@runtime_checkable
class Conversation(Protocol):
    """A decoder for a device that must be spoken to first (polled HL7, Philips IntelliVue).

    The transport asks it, at every turn of its read loop (about every 0.1 s), what to send now,
    and writes that to the device before it reads again; on a clean stop it writes
    `closing_bytes()` (a release, a "Close") before closing the port. A decoder that only
    listens does not implement this. Like `feed`, neither method may raise or read a clock: the
    transport passes its clocks in.
    """

    def outgoing(self, now_mono: float, now_wall: datetime) -> bytes:
        """Bytes to send to the device now (b"" for nothing): a query, a poll, a keep-alive."""
        ...

    def closing_bytes(self) -> bytes:
        """Bytes that end the conversation politely when the owner stops (b"" for nothing)."""
        ...
