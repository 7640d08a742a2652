"""HL7 acknowledgements: the original-mode ACK every received message gets back.

Written here rather than with `hl7.Message.create_ack` because that reads the wall clock
(`datetime.utcnow()` for MSH-7) and invents a random control id; ours takes the receive time
passed in and derives the id from the message it answers, so decoding stays pure and repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from devices.framing import MLLP_END, MLLP_START, MLLP_TRAILER

# Who we are in MSH-3/MSH-4 of the ACK.
APPLICATION = "INFUSION_CONSOLE"
FACILITY = ""

# Original-mode acknowledgement codes (HL7 v2 MSA-1) as this console uses them; how monitors and
# engines act on each is in shared/design/network.md and the README ("Acknowledgements").
ACCEPT = "AA"  # its content is committed to the session log (or it carried nothing to store)
ERROR = "AE"   # not stored now (log unavailable, session not running, a decoding fault): resend
REJECT = "AR"  # rejected: the message cannot be parsed (e.g. no segment terminators); do not resend

_STANDARD_ENCODING = "^~\\&"


@dataclass(frozen=True, slots=True)
class AckRequest:
    """What the ACK needs from the message it answers.

    Attributes:
        control_id: MSH-10 of the message (echoed in MSA-2).
        sending_application: MSH-3 as sent (becomes the ACK's MSH-5).
        sending_facility: MSH-4 as sent (becomes MSH-6).
        trigger: MSH-9.2, the trigger event (`R01`).
        processing_id: MSH-11.1 (`P`, `D`, `T`), echoed so test senders accept the answer.
        version: MSH-12.1 (`2.6`).
        encoding_characters: MSH-2 as sent; fields are copied only when it is the standard one.
        python_codec: the codec the message was decoded with, so copied names round-trip.
    """

    control_id: str
    sending_application: str = ""
    sending_facility: str = ""
    trigger: str = "R01"
    processing_id: str = "P"
    version: str = "2.6"
    encoding_characters: str = _STANDARD_ENCODING
    python_codec: str = "utf-8"


def build_ack(request: AckRequest, code: str, received_at: datetime, mllp: bool) -> bytes:
    """Return the ACK message for `request`.

    Args:
        request: fields of the message being answered.
        code: MSA-1 acknowledgement code (`AA`, `AE` or `AR`).
        received_at: host time the message arrived; becomes MSH-7 of the ACK (UTC).
        mllp: wrap the ACK in MLLP (the message came in MLLP).

    Returns:
        `MSH|^~\\&|...|ACK^<trigger>^ACK|A<MSH-10>|<processing id>|<version>` CR
        `MSA|<code>|<MSH-10>` CR, MLLP-framed when `mllp`.
    """
    same_encoding = request.encoding_characters == _STANDARD_ENCODING
    # Copied fields are already escaped for the standard separators; with other separators they
    # would not parse on the way back, so they are left out rather than corrupted.
    receiving_app = request.sending_application if same_encoding else ""
    receiving_fac = request.sending_facility if same_encoding else ""
    when = received_at.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S+0000")
    trigger = _clean(request.trigger) or "R01"
    processing = _clean(request.processing_id)[:1] or "P"
    if processing not in ("P", "D", "T"):
        processing = "P"
    version = _clean(request.version) or "2.6"
    control = _clean(request.control_id)
    # The ACK's own id: the answered id prefixed with A (as in the IHE PCD-01 examples), or the
    # receive time when the sender gave none.
    ack_id = "A" + (control or received_at.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S%f"))
    text = (
        f"MSH|{_STANDARD_ENCODING}|{APPLICATION}|{FACILITY}|{receiving_app}|{receiving_fac}|"
        f"{when}||ACK^{trigger}^ACK|{ack_id}|{processing}|{version}\r"
        f"MSA|{code}|{control}\r"
    )
    body = text.encode(request.python_codec, errors="replace")
    if mllp:
        return MLLP_START + body + MLLP_END + MLLP_TRAILER
    return body


def _clean(value: str) -> str:
    """Drop separators and control characters that cannot appear inside a copied field."""
    return "".join(c for c in value.strip() if c not in "|^~\\&\r\n\x0b\x1c")
