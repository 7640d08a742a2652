"""Forwarding to a clinic's interface engine over MLLP: one ordered queue, ACKs as engines use them.

`MllpSender` sends already-built HL7 v2 messages (PCD-01, PCD-04) to `mllp://host:port`, one at a
time and in the order they were submitted, over one TCP connection (TLS when an `ssl.SSLContext`
is given), each framed as `0x0B <message> 0x1C 0x0D`, and reads the engine's ACK for each. It is a
library piece: the console's outbox (issue 12) submits the rows it has not seen delivered and logs
what the callbacks report.

The rules (shared/design/network.md, "Acknowledgement rules engines and monitors use"):

- **AA / CA** for the message in flight (MSA-2 equal to its MSH-10): delivered. It leaves the
  queue and `on_delivered(control_id)` is called.
- **AE / CE**, or an acknowledgment code that is none of the six: the engine could not take it
  now. The same bytes (same control id) are sent again on the same connection after a wait of
  `ae_backoff[n]` on the clock (1 s after the first AE, 5 s after the second: an engine whose
  database is locked for a moment must not see all its tries within a millisecond; Smile CDR
  waits 10 s), at most `max_tries` (3) sends in all, as the GE B40 does; the third negative
  answer makes it failed: it leaves the queue and `on_failed(control_id, reason)` is called.
- **The peer closes (or resets) the connection while a message is in flight**: a try of that
  message, as an AE is, only when the close is this message's doing (a peer that cannot read a
  message closes on it every time, and every later message, alarms included, waited behind it:
  the clinic IT audit): the connection's last ACK before the close answered this message (an
  AE: the engine was up and reading it), or this message has been closed on for
  `CLOSED_ON_GIVE_UP_S` (5 min) or more on the sender's clock since its first close. A fresh
  connection closed before any ACK, within those 5 min, is what a TLS proxy (stunnel, HAProxy)
  in front of an engine that is down or restarting does to every connection: a connection
  failure (back-off below), no try, so an outage behind a proxy fails nothing, not even the
  message in flight when the engine went down. 5 min is beyond an engine's restart (the link's
  alarm has been MEDIUM for 4 min by then); past them an engine that still closes on this
  message, or a proxy whose engine is still away, has it counted, so one unreadable message
  holds the queue 5 min, not for good. The 5 min are an unbroken run of such closes: anything
  else the message meets (an ACK time-out, an answer, an AE) starts them again at its next
  close (counted from its first close ever, an engine restart behind the proxy after an earlier
  one and a hung engine gave a message up within seconds, a review).
  It is sent again as after any broken connection
  (below); after `max_tries` tries in all it fails and the next message goes. A close with
  nothing in flight (an idle connection) is no try, nor is a close of a connection whose last
  ACK answered an earlier message, none yet this one: the engine closed it unread as this
  message went (an engine that closes after each answer, as hl7apy's MLLPServer does, or hangs
  up after an AR, as the GE B40 does; counted, a message answered AE twice was given up having
  been read twice). It goes again at once on a new connection, as after an idle close; a
  message the engine cannot read is closed on there, the first on it, by the rules above.
- **AR / CR**: the engine refuses this message; sending it again cannot help. Failed at once, not
  resent. (The B40 also disconnects on AR; nothing is gained by that, so the connection stays.)
- **An AE / CE / AR / CR whose MSA-2 is empty** is the answer to the message in flight, by the
  rules above: an engine that cannot parse a message cannot read its MSH-10 either, and on one
  connection one message at a time it can answer no other. The reason says so ("AR with no
  MSA-2: Unable to parse message"). Taken for no answer, that message went every 10 s for ever,
  every later one (alarms included) waiting behind it, AR's no-resend and the 3 tries never
  applying (a review). An **AA / CA with no MSA-2** is no delivery: an engine that could not
  read MSH-10 cannot have accepted the message, and a message taken for delivered on a guess is
  lost to the EHR, where one sent again is dropped by MSH-10; the sender waits for the time-out
  as below, which says so ("the engine answered AA with no MSA-2 to 'MSG…': not taken for a
  delivery (check its MSA-2 setting)").
- **An ACK whose MSA-2 is another control id** (or a frame that is no ACK) is not an answer to
  the message in flight: logged and ignored; the sender keeps waiting until the time-out, which
  then names it in `status().last_error` ("the engine acknowledged 'ENGINE-0001', not 'MSG…'
  (check its MSA-2 setting)"): the status had said only that it waited for an answer.
- **No answer within `ack_timeout`** (10 s, as Smile CDR's sender) counted from the message's
  last byte sent, and while it is being sent, no byte taken by the connection for `ack_timeout`
  (a large message on a slow link takes longer than that to send, and was cut off at every
  try): the connection is closed and opened again at once, the same message is sent again, and
  `status().last_error` says what happened ("no answer to 'MSG…' within 10 s"). Time-outs do
  not count as tries: the engine may simply be slow, and the message must not be lost.
- **Connection refused, dropped, reset, or TLS failure**: the connection is closed and the sender
  waits `backoff[n]` before the next attempt, n counting the consecutive failures since the last
  ACK (default 1, 2, 4, 8, then every 10 s, the last step repeating; Smile CDR also waits 10 s
  between failed deliveries). Any ACK resets n. The message in flight stays at the head of the
  queue and is sent again first, so nothing is lost or reordered. A connection kept open from
  earlier sends that breaks is reopened once at once, without waiting: engines close idle
  connections, and the close may cross the next send. Only a new connection that fails backs off.

What leaves the queue is only a delivery or a failure, so a message is never dropped by a network
fault; the price is at-least-once delivery (a message the engine took just before the connection
broke is sent again with the same control id, which receivers drop as a duplicate). A failed
message is reported once and the queue moves on: the console raises the technical alarm.

A host name DNS cannot carry (`engine..clinic.lan`) is refused by the settings at load; given
to a sender anyway, it is a connection failure naming it (it ended the thread before).

Timing: deadlines (ACK time-out, back-off, connection time-out) are read from the `Clock` passed
in, never from the real clock, so tests move time by hand. The thread never blocks longer than
`poll_interval` real seconds at once, so it sees a moved clock and `stop()` within that.

TLS: pass an `ssl.SSLContext` made for a client (`ssl.create_default_context(cafile=...)`, plus
`load_cert_chain` when the engine wants a client certificate); the engine's certificate is checked
against the URL's host name by that context's rules. A TLS failure (unknown CA, wrong host name)
is handled like a refused connection: back off and retry, with the cause in
`status().last_error` (a certificate not accepted with what to check: its name, its dates, or the
CA file and its setting, `ca_file` / `ca_key`, never `network setup`'s broker words): that the port may be a plain MLLP one only when the answer to the TLS
hello looks like one (none, bytes that are no TLS, a close or reset); an engine's TLS alert is
named with what it may want (a client certificate, another TLS version or cipher), also when it
comes after the handshake, as over TLS 1.3, on a connection that carried no ACK yet (a refused
connection then too, not a try of the message in flight). The opposite mistake, plain
`mllp://` to a TLS listener, reads as a close: while no answer was ever heard on the address, a
close asks whether the port is a TLS listener (`TLS_PORT_HINT`), in the status and in the
reason a message is given up. The link (console/network/link.py) makes the context for an
`mllps://` address from the station's `ca_file`; tests/network/test_link.py sends over TLS to
python-hl7's server with a certificate made by `network setup`, and checks that a wrong CA is
named.

Threading: `start()` runs the sender in its own thread. `submit`, `pending`, `status` and `stop`
may be called from any thread. The callbacks run on the sender's thread: they must be quick and
hand the news to their own thread (the console posts them to its Qt thread).
"""

from __future__ import annotations

import enum
import errno
import logging
import os
import select
import socket
import ssl
import threading
from collections import deque
from collections.abc import Callable, Container, Sequence
from pathlib import Path
from dataclasses import dataclass
from urllib.parse import urlsplit

from console.clock import Clock
from console.network.config import (
    NAME_MISMATCH,
    OUT_OF_DATE,
    alert_left,
    ca_context,
    certificate_refused,
    handshake_refused,
    host_name_fault,
    looks_plain,
    split_address,
    without_password,
)
from console.network.pcd_read import unescape_in
from console.thread_end import join_or_raise
from devices.framing import MLLP_END, MLLP_START, MLLP_TRAILER, MllpFramer

log = logging.getLogger(__name__)

# Smile CDR's MLLP sender times a send out after 10 s (network.md); Dräger's bedside also gives its
# central station 10 s to confirm. The console's network alarm fires after 10 s unconfirmed.
DEFAULT_ACK_TIMEOUT = 10.0
# GE B40: on AE it resends, at most 3 times (network.md). Counted as sends in all.
DEFAULT_MAX_TRIES = 3
# Waits before reconnecting after consecutive connection failures; the last step repeats. Short
# first steps so a restarted engine is reached again within a second or two; capped at Smile
# CDR's 10 s so a long outage costs one attempt per 10 s.
DEFAULT_BACKOFF: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 10.0)
# Waits before resending a message the engine answered AE/CE to, after the 1st and 2nd answer:
# long enough for a locked database or a restarting channel, short enough that an alarm's
# PCD-04 is at most 6 s late to the EHR when the engine recovers.
DEFAULT_AE_BACKOFF: tuple[float, ...] = (1.0, 5.0)
# How long a message may be closed on by new connections before any answer (a proxy in front of
# an engine that is down) before those closes count as its tries (module docstring): beyond an
# engine's restart; by then the link's network alarm has been MEDIUM for 4 min.
CLOSED_ON_GIVE_UP_S = 300.0
DEFAULT_CONNECT_TIMEOUT = 10.0
# Longest single real-time block of the thread (select, back-off wait): bounds how late it sees
# stop() or a clock moved by hand. 0.1 s is 10 wake-ups a second, only while waiting on the engine.
DEFAULT_POLL_INTERVAL = 0.1
PLAIN_PORT_HINT = "is that port a TLS listener? a plain MLLP port takes mllp://, not mllps://"
# The opposite mistake: a TLS listener reads plain MLLP as a broken TLS record and closes. Asked
# when a plain connection is closed before any answer was ever heard on the address: it read
# "the peer closed the connection", as for an engine down behind a proxy, and after 5 min each
# message was given up as one the engine "may not be able to read" (a review).
TLS_PORT_HINT = "is the engine's port a TLS listener? it then takes mllps://"

ACCEPTED = frozenset({"AA", "CA"})
REJECTED = frozenset({"AR", "CR"})
ERRORED = frozenset({"AE", "CE"})

_RECV_CHUNK = 65536
# The most handed to the socket at once: one TLS record. A TLS socket reports a write only once
# all of it has left, so a larger one would hide the progress that keeps a slow send alive.
_SEND_CHUNK = 16384
# The send buffer of a connection to the engine: what may still wait in this computer once the
# last byte of a message is handed over, so the ACK time-out that runs from then also covers its
# crossing. Linux grew it to 3.9 MB by itself (measured on loopback): a 3 MB message was all
# handed over at once, and the 10 s ran out while a slow link still carried it. 64 kB (Linux
# doubles it to 128 kB) is 0.5 s of a 250 kB/s link; it caps a connection at 128 kB per
# round trip (64 MB/s on a LAN, 1.3 MB/s at 100 ms), far above a chair's messages.
_SEND_BUFFER = 65536


class SenderState(enum.Enum):
    """What the sender thread is doing."""

    NOT_STARTED = "not-started"
    IDLE = "idle"  # nothing to send; a connection may stay open
    CONNECTING = "connecting"  # opening TCP (and TLS) for the head of the queue
    AWAITING_ACK = "awaiting-ack"  # the head of the queue is sent; waiting for its ACK
    RESEND_WAIT = "resend-wait"  # the engine answered AE/CE; waiting until `retry_at` to resend
    BACKING_OFF = "backing-off"  # the last connection failed; waiting until `retry_at`
    STOPPED = "stopped"  # stop() ended the thread; what is pending stays pending
    CRASHED = "crashed"  # a bug (e.g. a callback raised) ended the thread; see the log


@dataclass(frozen=True, slots=True)
class SenderStatus:
    """A snapshot of the sender, for the status line and for tests.

    Attributes:
        state: what the thread is doing.
        control_id: CONNECTING and AWAITING_ACK only: the message at the head of the queue.
        retry_at: BACKING_OFF and RESEND_WAIT only: the clock's `mono` of the next attempt.
        failures: consecutive connection failures since the last ACK (any code).
        last_error: why the last connection failed (names the engine and the cause), or why the
            last try timed out ("no answer to 'MSG…' within 10 s"); None once an ACK arrives.
        last_failure: the last message refused or given up by this sender, in a few words for
            a status line ("AR (unknown patient)", "AE 3 times", "closed the connection 3
            times"); the whole reason went to `on_failed`. None before any.
    """

    state: SenderState
    control_id: str | None = None
    retry_at: float | None = None
    failures: int = 0
    last_error: str | None = None
    last_failure: str | None = None


@dataclass(frozen=True, slots=True)
class Ack:
    """The parts of an HL7 ACK that decide what happens to the message it answers.

    Attributes:
        code: MSA-1, the acknowledgment code (AA, AE, AR, CA, CE, CR).
        control_id: MSA-2, the MSH-10 of the message it answers.
        text: MSA-3, or else the first ERR segment's words: its user message (ERR-8), its
            diagnostic information (ERR-7: where IPF, IHE's reference engine, writes the
            reason), or its HL7 error code's text (ERR-3.2, else the code); "" when none;
            HL7 escapes undone.
    """

    code: str
    control_id: str
    text: str = ""


@dataclass(slots=True)
class _Entry:
    control_id: str
    frame: bytes  # the whole MLLP frame, sent as is on every try
    negatives: int = 0  # AE/CE (or unknown-code) answers so far
    closes: int = 0  # connections the peer closed (or reset) on this message (counted closes)
    # The sender's clock (mono) at the first close of any connection with this message in
    # flight: from CLOSED_ON_GIVE_UP_S after it, every close counts (module docstring).
    first_closed_at: float | None = None

    @property
    def tries(self) -> int:
        """Sends that counted against `max_tries`: the negative answers and the closes."""
        return self.negatives + self.closes


class _Stopped(Exception):
    """stop() was called while the thread waited on the network."""


class _ConnectionLost(Exception):
    """The connection ended while a message was in flight."""


def parse_mllp_url(url: str, what: str = "MLLP address") -> tuple[str, int]:
    """Split `mllp://host:port` (or `mllps://`, MLLP over TLS: the caller gives the context)
    into (host, port). The one parser of engine addresses: the settings are checked with it at
    load (config.py), so what they accept the sender takes.

    Args:
        what: how the message names the address (`MLLP address`, `FILE: forward`, `--forward`).

    Raises:
        ValueError: not an mllp:// or mllps:// URL with a host and a port 1-65535 and nothing
            else; the message says what is wrong and shows the form (never a password).
    """
    form = ("write it as mllps://host:port (TLS) or mllp://host:port (plain; loopback only "
            "unless allow_plaintext = true), e.g. mllps://engine.clinic.lan:6661")
    _scheme, host, port = split_address(
        url, what, ("mllp", "mllps"), form, "mllps://[fd00::5]:6661",
        f", which MLLP does not use: no user:password in the address; {form}", "MLLP")
    if port is None:
        raise ValueError(f"{what} {without_password(url)!r} has no port: a port 1-65535 is "
                         f"required (MLLP has no default port); {form}")
    return host, port


def control_id_of(message: str) -> str:
    """Return MSH-10 (the message control id) of an HL7 v2 message.

    Raises:
        ValueError: the message does not start with an MSH segment that has ten fields.
    """
    if not message.startswith("MSH") or len(message) < 8:
        raise ValueError(f"not an HL7 v2 message (it must start with 'MSH|^~\\&'): {message[:40]!r}")
    msh = message.replace("\n", "\r").split("\r", 1)[0]
    fields = msh.split(message[3])
    # fields[0] is "MSH" and fields[1] is MSH-2 (MSH-1 is the separator itself): MSH-n = fields[n-1].
    if len(fields) < 10:
        raise ValueError(f"the MSH segment has no MSH-10 (message control id): {msh[:80]!r}")
    return fields[9]


def message_bytes(control_id: str, message: str, encoding: str = "utf-8") -> bytes:
    """The message as it will be framed, once checked that it can be sent and acknowledged.

    Raises:
        ValueError: `control_id` is not the message's MSH-10, or the message holds MLLP framing
            bytes (it could not be framed).
    """
    found = control_id_of(message)
    if found != control_id:
        raise ValueError(f"control id {control_id!r} is not the message's MSH-10 ({found!r}); "
                         "its ACK could never be matched")
    if not control_id:
        raise ValueError("the message has an empty MSH-10: its ACK could never be matched")
    data = message.encode(encoding)
    for byte, name in ((MLLP_START, "0x0B"), (MLLP_END, "0x1C")):
        if byte in data:
            raise ValueError(f"message {control_id!r} contains the MLLP byte {name}: "
                             "it cannot be framed; remove it from the message text")
    return data


def check_queueable(control_id: str, queued: Container[str], stopped: bool, peer: str) -> None:
    """Whether a checked message may join a sender's queue now (called under its lock).

    Raises:
        RuntimeError: the sender was stopped.
        ValueError: `control_id` is still queued (sent once; resends are the sender's job).
    """
    if stopped:
        raise RuntimeError(f"message {control_id!r} submitted after the MLLP sender to {peer} "
                           "was stopped")
    if control_id in queued:
        raise ValueError(f"message {control_id!r} is already pending; a control id is sent once "
                         "(resends are the sender's job)")


def client_tls_context(url: str, ca_file: Path | None) -> ssl.SSLContext | None:
    """The TLS context for `mllps://` (the engine's certificate checked against `ca_file`, or the
    system's CAs when None); None for plain `mllp://`. The scheme is read as parse_mllp_url reads
    it (in any case, after spaces), so an address it takes as mllps is never sent in clear.

    Raises:
        ValueError: `ca_file` cannot be used (config.ca_context: the message names the file and
            the cause).
    """
    if urlsplit(url.strip()).scheme != "mllps":
        return None
    return ca_context(ca_file)


def parse_ack(payload: bytes, encoding: str = "utf-8") -> Ack | None:
    """Read MSA-1, MSA-2 and the engine's text from one de-framed message; None if it has no MSA.

    Only what decides delivery is read, so an engine's ACK with unusual other segments still
    counts. The field separator and encoding characters are the ACK's own (MSH-1, MSH-2), `|`
    and HL7's defaults when it has no MSH.
    """
    text = payload.decode(encoding, errors="replace")
    segments = [s for s in text.replace("\n", "\r").split("\r") if s]
    sep, encoding_chars = "|", ""
    if segments and segments[0].startswith("MSH") and len(segments[0]) > 3:
        sep = segments[0][3]
        msh = segments[0].split(sep)
        encoding_chars = msh[1] if len(msh) > 1 else ""
    msa: list[str] | None = None
    err_text = ""
    for segment in segments:
        fields = segment.split(sep)
        if fields[0] == "MSA" and msa is None:
            msa = fields
        elif fields[0] == "ERR" and not err_text:
            err_text = _err_words(fields, encoding_chars[:1] or "^")
    if msa is None or len(msa) < 3:
        return None
    msa_text = msa[3] if len(msa) > 3 else ""
    return Ack(msa[1].strip().upper(), msa[2],
               unescape_in(msa_text or err_text, sep, encoding_chars))


def _err_words(fields: list[str], component: str) -> str:
    """An ERR segment's reason: ERR-8 (user message), ERR-7 (diagnostic information), or ERR-3
    (the HL7 error code: its text, else the code). An engine's "ERR|||100|E|||Missing required
    OBR segment" (IPF's answer to a PCD-01 without OBR) had reached the nurse's status line and
    `network undelivered` as a bare "AR"."""
    def field(i: int) -> str:
        return fields[i].strip() if i < len(fields) else ""
    code = field(3).split(component)
    return field(8) or field(7) or (code[1].strip() if len(code) > 1 else "") or code[0]


def backoff_delay(failures: int, schedule: Sequence[float] = DEFAULT_BACKOFF) -> float:
    """Seconds to wait after the `failures`-th consecutive connection failure (1-based)."""
    return schedule[min(max(failures, 1), len(schedule)) - 1]


class MllpSender:
    """Sends HL7 messages in order to one MLLP peer and reports each as delivered or failed.

    The rules are in the module docstring. A message leaves `pending()` only when the engine
    accepted it (`on_delivered`) or it failed for good (`on_failed`).
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Clock,
        on_delivered: Callable[[str], None],
        on_failed: Callable[[str, str], None],
        on_status: Callable[[SenderStatus], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        ca_file: Path | None = None,
        ca_key: str | None = None,
        ack_timeout: float = DEFAULT_ACK_TIMEOUT,
        max_tries: int = DEFAULT_MAX_TRIES,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        ae_backoff: Sequence[float] = DEFAULT_AE_BACKOFF,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        encoding: str = "utf-8",
    ) -> None:
        """Create a sender; nothing is sent before `start()`.

        Args:
            url: the engine's listener, `mllp://host:port`.
            clock: where deadlines are read (`now().mono`); the console passes its clock.
            on_delivered: called with the control id when the engine answered AA or CA.
            on_failed: called with the control id and a reason naming the engine, its answer and
                the next step, after AR/CR or `max_tries` AE/CE answers or closes.
            on_status: called with every change of `status()` (state, failures, retry time).
            ssl_context: a client TLS context to speak TLS; None for plain TCP.
            ca_file, ca_key: the CA file `ssl_context` checks the engine's certificate against
                (None: the system's CAs) and the setting that gave it (`forward_ca_file`,
                `ca_file`), named when the certificate is not accepted; `ca_key` None: the
                context was made elsewhere, and only the certificate's name and dates are
                advised on.
            ack_timeout: seconds to wait for the ACK after a message's last byte, or for any of
                its bytes to move while it is sent, before reconnecting and resending.
            max_tries: sends in all of a message answered AE/CE, or on which the peer closed the
                connection, before it is reported failed.
            backoff: waits after 1, 2, ... consecutive connection failures; the last repeats.
            ae_backoff: waits before resending after the 1st, 2nd, ... AE/CE answer to a
                message; the last repeats.
            connect_timeout: seconds a TCP (and TLS) connection may take to open.
            poll_interval: longest real-time block of the thread (see the module docstring).
            encoding: how message text becomes bytes (MSH-18's character set; UTF-8 by default).

        Raises:
            ValueError: a bad URL or a setting out of range (the message names it).
        """
        self._host, self._port = parse_mllp_url(url)
        for name, value in (("ack_timeout", ack_timeout), ("connect_timeout", connect_timeout),
                            ("poll_interval", poll_interval)):
            if not value > 0:
                raise ValueError(f"{name} must be more than 0 seconds, not {value}")
        if max_tries < 1:
            raise ValueError(f"max_tries must be at least 1, not {max_tries}")
        for name, steps in (("backoff", backoff), ("ae_backoff", ae_backoff)):
            if not steps or any(not step >= 0 for step in steps):
                raise ValueError(f"{name} needs at least one wait of 0 s or more, not "
                                 f"{list(steps)}")
        self._clock = clock
        self._on_delivered = on_delivered
        self._on_failed = on_failed
        self._on_status = on_status
        self._ssl = ssl_context
        self._ca_file = ca_file
        self._ca_key = ca_key
        self._ack_timeout = ack_timeout
        self._max_tries = max_tries
        self._backoff = tuple(backoff)
        self._ae_backoff = tuple(ae_backoff)
        self._connect_timeout = connect_timeout
        self._poll = poll_interval
        self._encoding = encoding

        self._lock = threading.Condition()
        self._queue: deque[_Entry] = deque()  # guarded by _lock; the head is the one in flight
        # The queue's control ids, for the duplicate check: a scan of the queue would make the
        # hand-over of an outage's backlog at start quadratic (20,000 rows: 4 s on the GUI thread).
        self._queued_ids: set[str] = set()   # guarded by _lock
        self._stopping = threading.Event()
        self._status = SenderStatus(SenderState.NOT_STARTED)  # guarded by _lock
        self._thread: threading.Thread | None = None
        # Used by the sender thread only:
        self._sock: socket.socket | None = None
        # Envelope only: an engine's answer may be an MSA alone or an MSH with its own field
        # separator (`parse_ack` reads both); the monitors' rule (a 0x0B opens a frame only
        # before MSH|, against line noise) had left such an AA unread, a message resent for ever.
        self._framer = MllpFramer(envelope_only=True)
        self._failures = 0
        self._acked_on_connection = False   # the open connection has carried an ACK
        self._answered_last: str | None = None  # the message its last ACK answered (any code)
        self._answered_ever = False   # an ACK was heard from this address since the start
        self._last_error: str | None = None
        self._last_failure: str | None = None

    @property
    def peer(self) -> str:
        """The engine as `host:port`, as the messages name it."""
        return f"{self._host}:{self._port}"

    # -- the caller's side ------------------------------------------------------------------

    def start(self) -> None:
        """Start the sender thread (once)."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("MllpSender.start() was called twice")
            self._thread = threading.Thread(target=self._run, name=f"mllp-sender:{self.peer}",
                                            daemon=True)
        self._set_status(SenderState.IDLE)
        self._thread.start()

    def submit(self, control_id: str, message: str) -> None:
        """Queue one HL7 message to be sent after those already queued.

        Args:
            control_id: the message's MSH-10, by which its ACK is matched and receivers dedupe.
            message: the whole HL7 v2 message, segments ended by CR.

        Raises:
            ValueError: `control_id` is not the message's MSH-10, is already pending, or the
                message holds MLLP framing bytes (it could not be framed).
            RuntimeError: the sender was stopped.
        """
        data = message_bytes(control_id, message, self._encoding)
        entry = _Entry(control_id, MLLP_START + data + MLLP_END + MLLP_TRAILER)
        with self._lock:
            check_queueable(control_id, self._queued_ids, self._stopping.is_set(), self.peer)
            self._queue.append(entry)
            self._queued_ids.add(control_id)
            self._lock.notify_all()

    def pending(self) -> list[str]:
        """Control ids not yet delivered nor failed, in sending order (the first may be in flight)."""
        with self._lock:
            return [e.control_id for e in self._queue]

    def status(self) -> SenderStatus:
        """What the sender is doing now."""
        with self._lock:
            return self._status

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` real seconds for every submitted message to be delivered or
        failed (a clean stop of the console gives the engine this long), or until the sender
        backs off (the engine is unreachable: waiting would only delay the stop). True when none
        is left; what is still pending stays in the caller's outbox for the next start."""
        with self._lock:
            def done() -> bool:
                status = self._status
                away = (status.state is SenderState.BACKING_OFF and status.retry_at is not None
                        and status.retry_at > self._clock.now().mono)
                return not self._queue or away

            self._lock.wait_for(done, timeout)
            return not self._queue

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread and close the connection; what is pending stays pending (and unsent).

        Args:
            timeout: real seconds to wait for the thread (it notices within `poll_interval`).

        Raises:
            RuntimeError: the thread did not end within `timeout`.
        """
        with self._lock:
            self._stopping.set()
            self._lock.notify_all()
            thread = self._thread
        if thread is None:
            self._set_status(SenderState.STOPPED)
            return
        join_or_raise(thread, timeout, f"the MLLP sender thread for {self.peer}")

    # -- the sender thread ------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                entry = self._next()
                if entry is None:
                    break
                try:
                    self._send_head(entry)
                except _Stopped:
                    break
        except BaseException:
            self._close()
            self._set_status(SenderState.CRASHED)
            log.exception("the MLLP sender to %s stopped on an error (messages still pending: "
                          "%d)", self.peer, len(self.pending()))
            raise
        self._close()
        self._set_status(SenderState.STOPPED)

    def _next(self) -> _Entry | None:
        """Wait for the head of the queue; None when stopping."""
        while True:
            with self._lock:
                if self._stopping.is_set():
                    return None
                if self._queue:
                    return self._queue[0]
                if self._status.state is SenderState.IDLE:
                    self._lock.wait()
                    continue
            self._set_status(SenderState.IDLE)

    def _send_head(self, entry: _Entry) -> None:
        """One try of the head of the queue: connect if needed, send, judge the answer."""
        if self._sock is not None and self._closed_while_idle():
            self._close()
        fresh = self._sock is None
        if fresh:
            self._set_status(SenderState.CONNECTING, control_id=entry.control_id)
            problem = self._connect()
            if problem is not None:
                self._connection_failed(problem)
                return
        self._set_status(SenderState.AWAITING_ACK, control_id=entry.control_id)
        try:
            ack = self._exchange(entry)
        except (OSError, _ConnectionLost) as exc:
            alert = self._alert_after_handshake(exc)
            if alert is not None:
                # The engine refused the handshake, over TLS 1.3 only after the message was
                # sent: the same failed connection as over TLS 1.2, and no try of it.
                self._connection_failed(
                    f"cannot connect to the MLLP peer {self.peer}: {_describe(alert)}")
                return
            problem = (f"the connection to the MLLP peer {self.peer} broke while "
                       f"{entry.control_id!r} was in flight: {_describe(exc)}")
            closed = isinstance(exc, (_ConnectionLost, ConnectionError))
            if closed and self._may_be_tls_port:
                problem += f" ({TLS_PORT_HINT})"
            if closed and self._closed_on(entry):
                return
            # Not counted: a fresh connection closed before any ACK (a proxy in front of an
            # engine that is down) backs off below, as a refused connection does.
            if fresh:
                self._connection_failed(problem)
            else:
                # A connection kept open from earlier sends may have been closed by the engine
                # just before this send (idle close): one new connection at once, no back-off.
                log.info("%s; reconnecting at once (the connection was already open)", problem)
                self._close()
            return
        # Not a close: the engine (or its proxy) held the connection and took the message, or
        # answered it. The 5 min of CLOSED_ON_GIVE_UP_S are an unbroken run of closes (module
        # docstring), so they start again at the next close.
        entry.first_closed_at = None
        if isinstance(ack, str):
            # Said in the status (the status line's cause, the network alarm's detail): an
            # engine acknowledging another control id held the queue for good while the status
            # said only "sent, waiting for its answer" (the review).
            self._last_error = ack
            log.warning("%s: %s; reconnecting to send it again", self.peer, ack)
            self._close()
            return
        self._failures = 0
        self._last_error = None
        self._acked_on_connection = True
        self._answered_last = entry.control_id
        self._answered_ever = True
        self._judge(entry, ack)

    def _judge(self, entry: _Entry, ack: Ack) -> None:
        """Apply the ACK rules to the engine's answer for the message in flight."""
        if ack.code in ACCEPTED:
            self._finish(entry)
            self._on_delivered(entry.control_id)
            return
        code = ack.code
        said = f" ({ack.text})" if ack.text else ""
        short = f" ({_shortened(ack.text)})" if ack.text else ""
        if not ack.control_id.strip():
            # An answer with no MSA-2 (`_negative_unnumbered`): said so, the engine's words after.
            code = _unnumbered(ack)
            said, short = said and f": {ack.text}", short and f": {_shortened(ack.text)}"
        if ack.code in REJECTED:
            self._give_up(entry, (
                f"the MLLP peer {self.peer} rejected message {entry.control_id!r} with "
                f"{code}{said}; not sent again: check the engine's channel for this message "
                "type (it stays in the session log as not delivered)"), f"{code}{short}")
            return
        entry.negatives += 1
        kind = code if ack.code in ERRORED else f"the unknown acknowledgment code {ack.code!r}"
        if entry.tries < self._max_tries:
            delay = backoff_delay(entry.negatives, self._ae_backoff)
            log.warning("%s answered %s to %r%s; sending it again in %s s (try %d of %d)",
                        self.peer, kind, entry.control_id, said, delay, entry.tries + 1,
                        self._max_tries)
            self._wait_until(SenderState.RESEND_WAIT, self._clock.now().mono + delay)
            return
        closed = f" and closed the connection {_times(entry.closes)}" if entry.closes else ""
        self._give_up(entry, (
            f"the MLLP peer {self.peer} answered {kind} to message {entry.control_id!r} "
            f"{_times(entry.negatives)}{closed}, the limit of {self._max_tries} tries{said}; given "
            "up: check the engine (it stays in the session log as not delivered)"),
            f"{code if ack.code in ERRORED else 'unknown answer'} "
            f"{_times(entry.negatives)}{short}")

    def _closed_on(self, entry: _Entry) -> bool:
        """Count a connection the peer closed (or reset) with `entry` in flight as a try of it: a
        peer that cannot read a message closes on it every time, and the queue waited behind it
        for good (the clinic IT audit: 20+ sends in 3 minutes, alarms included). True when that
        was its last try (it is given up, as after AE); the caller then goes on to the next.
        A close that is not this message's doing (module docstring: a fresh connection closed
        before any ACK, as a proxy in front of an engine that is down does, within
        CLOSED_ON_GIVE_UP_S of this message's first close; a connection whose last answer was
        to an earlier message) counts nothing and is False: the caller backs off as after a
        refused connection, or reconnects at once as after an idle close."""
        if self._answered_last not in (None, entry.control_id):
            # The connection's last answer was to an earlier message, none yet to this one: the
            # engine closed it unread as this one went, as an engine closing after each answer
            # (network.md: hl7apy's MLLPServer; a listener with "keep connection open" off)
            # or one hanging up after an AR (the GE B40) does. Counted, this message lost one of
            # its three tries unread (reviews: a message answered AE twice, an alarm's PCD-04
            # among them, was given up having been read twice). Like an idle close: the caller
            # reconnects at once; a message the engine cannot read is then the first on a
            # connection closed on it, and counted as below.
            log.info("%s closed the connection after answering %r, as %r went: not a try of it",
                     self.peer, self._answered_last, entry.control_id)
            return False
        now = self._clock.now().mono
        if entry.first_closed_at is None:
            entry.first_closed_at = now
        closed_on_for = now - entry.first_closed_at
        if not self._acked_on_connection and closed_on_for < CLOSED_ON_GIVE_UP_S:
            log.warning("%s closed a new connection before any answer while %r was in flight: "
                        "taken as the engine being unreachable (no try counted; counted from "
                        "%.0f s after its first close, %.0f s ago)", self.peer,
                        entry.control_id, CLOSED_ON_GIVE_UP_S, closed_on_for)
            return False
        entry.closes += 1
        if entry.tries < self._max_tries:
            log.warning("%s closed the connection while %r was in flight (try %d of %d)",
                        self.peer, entry.control_id, entry.tries, self._max_tries)
            return False
        self._close()
        if entry.negatives:
            what = (f"closed the connection {_times(entry.closes)} and answered AE "
                    f"{_times(entry.negatives)} to message {entry.control_id!r}")
        else:
            what = (f"closed the connection each time message {entry.control_id!r} was sent "
                    f"({entry.closes} times)")
        cause = "the engine may not be able to read this message, check its log"
        if closed_on_for >= CLOSED_ON_GIVE_UP_S:
            # New connections closed before any answer counted only after this long: say so,
            # and that a proxy whose engine is still down does the same.
            what += f", closing on it for {closed_on_for / 60:.0f} min"
            cause += (", or the engine behind a TLS proxy (stunnel, HAProxy) that accepts and "
                      "closes connections is still down")
        if self._may_be_tls_port:
            cause += f"; {TLS_PORT_HINT}"
        self._give_up(entry, (
            f"the MLLP peer {self.peer} {what}, the limit of {self._max_tries} tries; given up: "
            f"{cause} (it stays in the session log as not delivered)"),
            f"closed the connection {_times(entry.closes)}")
        return True

    @property
    def _may_be_tls_port(self) -> bool:
        """Whether a close may be a TLS listener's reading plain MLLP (TLS_PORT_HINT): the
        connection is plain and nothing was ever answered on this address."""
        return self._ssl is None and not self._answered_ever

    def _give_up(self, entry: _Entry, reason: str, short: str) -> None:
        """The message failed for good: off the queue, reported once, the next one goes.

        Args:
            reason: the whole reason, for `on_failed` (the failed delivery row).
            short: a few words of it, for a status line (`SenderStatus.last_failure`).
        """
        self._last_failure = short
        self._finish(entry)
        self._on_failed(entry.control_id, reason)

    def _finish(self, entry: _Entry) -> None:
        """Take the head of the queue off (delivered or failed), before telling the caller."""
        with self._lock:
            if self._queue and self._queue[0] is entry:
                self._queue.popleft()
                self._queued_ids.discard(entry.control_id)
            self._lock.notify_all()   # flush() waits for the queue to empty

    def _connection_failed(self, problem: str) -> None:
        """Close, count the failure and wait out the back-off (stop() ends the wait)."""
        self._close()
        self._failures += 1
        self._last_error = problem
        delay = backoff_delay(self._failures, self._backoff)
        retry_at = self._clock.now().mono + delay
        log.warning("%s; trying again in %s s (failure %d in a row)", problem, delay, self._failures)
        self._wait_until(SenderState.BACKING_OFF, retry_at)

    def _wait_until(self, state: SenderState, retry_at: float) -> None:
        """Say `state` and wait until the clock's `retry_at` (stop() ends the wait)."""
        self._set_status(state, retry_at=retry_at)
        while True:
            remaining = retry_at - self._clock.now().mono
            if remaining <= 0:
                return
            if self._stopping.wait(min(remaining, self._poll)):
                raise _Stopped

    # -- sockets ----------------------------------------------------------------------------

    def _connect(self) -> str | None:
        """Open the connection (TCP, then TLS if configured); None on success, else the problem."""
        deadline = self._clock.now().mono + self._connect_timeout
        try:
            infos = socket.getaddrinfo(self._host, self._port, type=socket.SOCK_STREAM)
        except OSError as exc:
            return f"cannot find the MLLP peer {self.peer}: {_describe(exc)}; check the host name"
        except UnicodeError:
            # A name DNS cannot carry (`engine..clinic.lan`): the IDNA codec's error ended the
            # thread for good (the review). The settings refuse it at load; said here too.
            fault = host_name_fault(self._host) or "it cannot be written in DNS"
            return (f"cannot find the MLLP peer {self.peer}: not a valid host name: {fault}; "
                    "check the host name")
        problem = f"no address for the MLLP peer {self.peer}"
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            handshaking = False
            try:
                sock.setblocking(False)
                code = sock.connect_ex(address)
                if code in (errno.EINPROGRESS, errno.EAGAIN, errno.EWOULDBLOCK):
                    if not self._wait_io(sock, write=True, deadline=deadline):
                        raise TimeoutError(f"no answer within {self._connect_timeout} s")
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise OSError(code, os.strerror(code))
                # A connect to a free loopback port in the ephemeral range can, rarely, pick that
                # very port as its own and connect to itself (TCP simultaneous open).
                if sock.getsockname() == sock.getpeername():
                    raise OSError(errno.ECONNREFUSED, "connected to itself: nothing listens")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)
                if self._ssl is not None:
                    handshaking = True
                    sock = self._handshake(sock, deadline)
            except _Stopped:
                sock.close()
                raise
            except (OSError, ssl.SSLError) as exc:
                sock.close()
                problem = (f"cannot connect to the MLLP peer {self.peer}: "
                           f"{_describe(exc, self._host, self._ca_file, self._ca_key)}")
                # A plain MLLP listener leaves a TLS hello unanswered, answers it in plain
                # bytes or drops it: the cause alone ("no TLS handshake within 5 s") did not say
                # which end was wrong (the clinic IT audit: mllps:// to a plain engine). Only
                # then: to an engine that refused the handshake with a TLS alert it advised
                # sending patient data unencrypted (the review).
                if handshaking and looks_plain(exc):
                    problem += f"; {PLAIN_PORT_HINT}"
                continue
            self._sock = sock
            self._framer = MllpFramer(envelope_only=True)
            self._acked_on_connection = False
            self._answered_last = None
            log.info("connected to the MLLP peer %s%s", self.peer, " (TLS)" if self._ssl else "")
            return None
        return problem

    def _handshake(self, sock: socket.socket, deadline: float) -> socket.socket:
        """Wrap a connected non-blocking socket in TLS and finish the handshake."""
        assert self._ssl is not None
        tls = self._ssl.wrap_socket(sock, server_hostname=self._host,
                                    do_handshake_on_connect=False)
        while True:
            try:
                tls.do_handshake()
                return tls
            except ssl.SSLWantReadError:
                ready = self._wait_io(tls, write=False, deadline=deadline)
            except ssl.SSLWantWriteError:
                ready = self._wait_io(tls, write=True, deadline=deadline)
            if not ready:
                tls.close()
                raise TimeoutError(f"no TLS handshake within {self._connect_timeout} s")

    def _exchange(self, entry: _Entry) -> Ack | str:
        """Send the entry's frame and read until its ACK.

        Returns:
            the ACK, or, after `ack_timeout` with nothing moving (while sending: no byte taken
            by the connection; after: no ACK of this message since its last byte left), what
            happened in a few words for the status line.

        Raises:
            OSError, _ConnectionLost: the connection failed.
            _Stopped: stop() was called.
        """
        sock = self._sock
        assert sock is not None
        view = memoryview(entry.frame)
        sent = 0
        # The clock's reading before the bytes that last moved were handed over: the time-out
        # runs from it, so a large message on a slow link is not cut off while it moves (the
        # review: 750 kB at 250 kB/s was cut at every try, never delivered, and every later
        # message waited behind it), and the ACK (or a test moving the clock once the engine
        # has the bytes) cannot beat it.
        moved_at = self._clock.now().mono
        while sent < len(view):
            before = self._clock.now().mono
            try:
                sent += sock.send(view[sent:sent + _SEND_CHUNK])
                moved_at = before
                continue
            except (BlockingIOError, ssl.SSLWantWriteError):
                write = True
            except ssl.SSLWantReadError:
                write = False
            if not self._wait_io(sock, write=write, deadline=moved_at + self._ack_timeout):
                return (f"the engine took none of {entry.control_id!r} for "
                        f"{self._ack_timeout:g} s while it was sent")
        deadline = moved_at + self._ack_timeout
        # Why no answer counted, said at the time-out: an ACK of another control id (an
        # engine's MSA-2 set to its own id), an AA/CA with no MSA-2, or a message that is no ACK.
        other: str | None = None
        while True:
            try:
                data = sock.recv(_RECV_CHUNK)
            except (BlockingIOError, ssl.SSLWantReadError):
                if not self._wait_io(sock, write=False, deadline=deadline):
                    return self._unanswered(entry, other)
                continue
            except ssl.SSLWantWriteError:
                if not self._wait_io(sock, write=True, deadline=deadline):
                    return self._unanswered(entry, other)
                continue
            if not data:
                raise _ConnectionLost("the peer closed the connection")
            for frame in self._framer.push(data).frames:
                ack = parse_ack(frame.data, self._encoding)
                if ack is None:
                    other = other or ""
                    log.warning("%s sent a message that is no ACK while %r was in flight; ignored",
                                self.peer, entry.control_id)
                elif ack.control_id == entry.control_id or _negative_unnumbered(ack):
                    return ack
                else:
                    other = ack.control_id if ack.control_id.strip() else _unnumbered(ack)
                    log.warning("%s acknowledged %r while %r was in flight; not a delivery, still "
                                "waiting", self.peer, other, entry.control_id)
            if self._clock.now().mono >= deadline:
                return self._unanswered(entry, other)

    def _unanswered(self, entry: _Entry, other: str | None) -> str:
        """What a time-out waiting for the ACK of `entry` says; `other`: the control id the
        engine acknowledged instead (`_unnumbered`: an AA/CA with no MSA-2; "" for a message
        that is no ACK), None if it said nothing."""
        if other and other.endswith(_NO_MSA2):
            return (f"the engine answered {other} to {entry.control_id!r}: not taken for a "
                    "delivery (check its MSA-2 setting)")
        if other:
            return (f"the engine acknowledged {other!r}, not {entry.control_id!r} (check its "
                    "MSA-2 setting)")
        if other is not None:
            return f"the engine answered {entry.control_id!r} with a message that is no ACK"
        return f"no answer to {entry.control_id!r} within {self._ack_timeout:g} s"

    def _alert_after_handshake(self, exc: BaseException) -> ssl.SSLError | None:
        """The TLS alert with which the engine refused a connection that carried no ACK yet
        (config.alert_left: over TLS 1.3 it comes after the message was sent), or None. It
        read "TLS error (EOF occurred in violation of protocol)" (the review)."""
        if self._ssl is None or self._acked_on_connection:
            return None
        return alert_left(self._sock, exc)

    def _closed_while_idle(self) -> bool:
        """Whether the engine closed the open connection while nothing was in flight."""
        sock = self._sock
        assert sock is not None
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            data = sock.recv(_RECV_CHUNK)
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return False
        except OSError:
            return True
        if not data:
            log.info("the MLLP peer %s closed the idle connection; reconnecting", self.peer)
            return True
        # Bytes nobody asked for (a late ACK of a timed-out try): keep framing in step.
        self._framer.push(data)
        return False

    def _wait_io(self, sock: socket.socket, *, write: bool, deadline: float) -> bool:
        """Wait until `sock` is ready; False at the deadline.

        Raises:
            _Stopped: stop() was called.
        """
        while True:
            if self._stopping.is_set():
                raise _Stopped
            remaining = deadline - self._clock.now().mono
            if remaining <= 0:
                return False
            waiting = min(remaining, self._poll)
            if write:
                ready = select.select([], [sock], [], waiting)[1]
            else:
                ready = select.select([sock], [], [], waiting)[0]
            if ready:
                return True

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    # -- status -----------------------------------------------------------------------------

    def _set_status(self, state: SenderState, *, control_id: str | None = None,
                    retry_at: float | None = None) -> None:
        status = SenderStatus(state, control_id, retry_at, self._failures, self._last_error,
                              self._last_failure)
        with self._lock:
            self._status = status
            self._lock.notify_all()   # flush() also ends when the sender starts backing off
        # Outside the lock: the callback may call back into the sender.
        if self._on_status is not None:
            self._on_status(status)


_NO_MSA2 = " with no MSA-2"


def _unnumbered(ack: Ack) -> str:
    """An answer with no MSA-2 in words: "AR with no MSA-2"."""
    return ack.code + _NO_MSA2


def _negative_unnumbered(ack: Ack) -> bool:
    """Whether `ack` is an AE/CE/AR/CR with MSA-2 empty: the answer to the message in flight (an
    engine that cannot parse a message cannot read its MSH-10, and on one connection it can
    answer no other). An AA/CA with no MSA-2 is not: an engine that could not read MSH-10 cannot
    have accepted the message, and one taken for delivered on a guess is lost to the EHR, where
    one sent again is dropped by MSH-10 (module docstring)."""
    return not ack.control_id.strip() and ack.code in ERRORED | REJECTED


def _shortened(text: str, limit: int = 40) -> str:
    """An engine's own words, cut for a status line."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _describe(exc: BaseException, host: str = "", ca_file: Path | None = None,
              ca_key: str | None = None) -> str:
    """A short cause for a network error: the OS's words, not a traceback. A certificate not
    accepted is said with what to check (config.certificate_refused): its name when `host` is
    given, its dates, and the CA file and its setting when `ca_key` names it."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        if host and (ca_key is not None or exc.verify_code in NAME_MISMATCH | OUT_OF_DATE):
            return certificate_refused(exc, host, ca_file, ca_key or "forward_ca_file")
        return f"TLS certificate not accepted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return handshake_refused("the engine", exc) or f"TLS error ({exc.reason or exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() if exc.strerror[:1].isupper() else exc.strerror
    return str(exc) or type(exc).__name__
