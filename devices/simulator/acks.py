"""What the simulated HL7 monitor does with the console's answers: reads its ACKs, resends.

A receiver answers every HL7 message with an ACK: MSA-1 says what became of the message, MSA-2
names it by its MSH-10 (shared/design/devices.md, "Formats"). A monitor acts on it as the GE B40
does (shared/design/network.md, "Acknowledgement rules"): AA or CA, stored, done; AE or CE, not
stored, send it again; AR or CR, rejected, never again; no answer within its ACK time-out, send it
again. CE and CR are the enhanced-mode twins of AE and AR and are read the same way.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from devices.framing import MLLP_END, MLLP_START

log = logging.getLogger(__name__)

ACCEPTED = ("AA", "CA")
RESEND = ("AE", "CE")
REJECTED = ("AR", "CR")

MAX_SENDS = 3
"""Sends of one message at most, the first one included. network.md: the GE B40 resends on AE
"at most 3 times"; the README and the console read that as the monitor's three tries, so three
sends in all."""
ACK_TIMEOUT_SECONDS = 5.0
"""Real seconds without an answer before a message is sent again: a wire time-out, never scaled
by --speed. The design notes give no monitor's figure (network.md has Smile CDR's 10 s, an
engine's); 5 s is this project's choice (the QA audit's brief). It is under the console's own 10 s
wait for a verdict (README, "Acknowledgements"), so a resend also meets a console that is slow."""
MAX_PENDING_BYTES = 1 << 16
"""A reply longer than this without a frame end is not an ACK: it is dropped, not kept growing."""

_SEGMENT_END = re.compile(rb"[\r\n\x0b\x1c]")


@dataclass(frozen=True, slots=True)
class Ack:
    """One ACK message from the console: MSA-1 and MSA-2."""

    code: str
    control_id: str


class AckReader:
    """Whole ACK messages from the bytes the console writes back, however the reads split them.

    An MLLP frame (0x0B … 0x1C 0x0D) counts once its 0x1C has come. The answer to a bare message
    is bare (devices/hl7/ack.py): its MSA segment counts once its CR has come.
    """

    def __init__(self) -> None:
        self._pending = b""   # bytes of a frame or segment not complete yet

    def feed(self, data: bytes) -> list[Ack]:
        """The ACKs completed by `data`, in order."""
        self._pending += data
        acks: list[Ack] = []
        while True:
            start = self._pending.find(MLLP_START)
            if start < 0:
                cut = max(self._pending.rfind(b"\r"), self._pending.rfind(b"\n")) + 1
                acks += _acks_in(self._pending[:cut])
                self._pending = self._pending[cut:]
                break
            acks += _acks_in(self._pending[:start])
            end = self._pending.find(MLLP_END, start + 1)
            if end < 0:
                self._pending = self._pending[start:]   # the frame's end is still to come
                break
            acks += _acks_in(self._pending[start + 1 : end])
            self._pending = self._pending[end + 1 :]
        if len(self._pending) > MAX_PENDING_BYTES:
            self._pending = b""   # resynchronise on the next frame start
        return acks


def _acks_in(block: bytes) -> list[Ack]:
    # The console's ACKs use the standard field separator (devices/hl7/ack.py).
    acks = []
    for segment in _SEGMENT_END.split(block):
        fields = segment.split(b"|")
        if fields[0] == b"MSA" and len(fields) > 2:
            code = fields[1].strip().upper().decode("ascii", "replace")
            if code in ACCEPTED + RESEND + REJECTED:
                acks.append(Ack(code, fields[2].decode("utf-8", "replace")))
    return acks


def control_id(message: bytes) -> str:
    """MSH-10 of an HL7 message (MLLP-framed or bare); "" when it has none."""
    at = message.find(b"MSH")
    if at < 0 or len(message) < at + 4:
        return ""
    header = _SEGMENT_END.split(message[at:], 1)[0]
    fields = header.split(header[3:4])   # MSH-1, the field separator, follows "MSH"
    return fields[9].decode("utf-8", "replace") if len(fields) > 9 else ""


@dataclass(slots=True)
class _Waiting:
    data: bytes
    sends: int
    deadline: float   # the injected clock's time the answer is due by


class ResendTracker:
    """The messages waiting for their ACK, and which to send again.

    Rules: AA or CA ends a message's wait. AE or CE, or no ACK within `timeout` seconds, sends the
    same bytes again: the same MSH-10 and content, which the console keeps once as a resend
    (`SessionEngine._split_resent`). After `max_sends` sends the message is given up, and so is
    one refused with AR or CR. An answer to a message no longer waiting (a resend's second ACK)
    changes nothing. Time is passed in.
    """

    def __init__(self, max_sends: int = MAX_SENDS, timeout: float = ACK_TIMEOUT_SECONDS) -> None:
        self.max_sends = max_sends
        self.timeout = timeout
        # By MSH-10; a message sent again moves to the end.
        self._waiting: dict[str, _Waiting] = {}
        self.given_up = 0   # messages refused (AR/CR) or not accepted after max_sends sends

    def sent(self, message: bytes, now: float) -> None:
        """`message` was sent for the first time."""
        key = control_id(message)
        if key:
            self._waiting.pop(key, None)
            self._waiting[key] = _Waiting(message, 1, now + self.timeout)

    def to_resend(self, acks: Iterable[Ack], now: float) -> list[bytes]:
        """Take the console's answers; return the messages to send again now, oldest first."""
        for ack in acks:
            waiting = self._waiting.get(ack.control_id)
            if waiting is None:
                continue
            if ack.code in RESEND:
                waiting.deadline = min(waiting.deadline, now)
                continue
            del self._waiting[ack.control_id]
            if ack.code in REJECTED:
                self.given_up += 1
                log.info("message %s rejected (%s): not sent again", ack.control_id, ack.code)
        again: list[tuple[str, _Waiting]] = []
        for key, waiting in list(self._waiting.items()):
            if waiting.deadline > now:
                continue   # later ones may be due: an AE brings a deadline forward
            del self._waiting[key]
            if waiting.sends >= self.max_sends:
                self.given_up += 1
                log.info("message %s not accepted after %d sends: given up", key, waiting.sends)
                continue
            waiting.sends += 1
            waiting.deadline = now + self.timeout
            again.append((key, waiting))
        for key, waiting in again:
            self._waiting[key] = waiting
        return [waiting.data for _, waiting in again]

    def give_up(self, message: bytes) -> None:
        """Stop waiting for `message` (a resend the port could not take: nobody can answer)."""
        if self._waiting.pop(control_id(message), None) is not None:
            self.given_up += 1

    def waiting(self) -> int:
        """How many messages wait for an answer."""
        return len(self._waiting)
