"""The clinic bus transport: one MQTT connection to the clinic's broker, QoS 1 kept in order.

`BusClient` is a thin wrapper over paho-mqtt 2.x (the Eclipse reference client). The chair and
the central station use it the same way: `publish` what bus_topics names, `subscribe` to what
they read, watch `status()`. Topics and payloads are the caller's (console/network/bus_topics).

The rules:

- **MQTT 5.** It tells a client more than 3.1.1 does, and both matter to a nurse: a PUBACK
  carries a reason code, so a message the broker's ACL refuses (a chair configured under the
  wrong name) is reported as refused instead of silently dropped (Mosquitto 2.0 answers 0x87
  "not authorised", checked in tests/network/test_bus_security.py); and a persistent session has
  an expiry (`SESSION_EXPIRY_S`), so a central station that never comes back does not make the
  broker queue for it forever. Mosquitto 2, EMQX, HiveMQ and VerneMQ all speak it.
- **Delivery (QoS 1, at least once, in order).** `publish` puts the message at the end of the
  bus's own queue and, when connected, hands it to paho as soon as fewer than INFLIGHT are with
  paho on this connection (each PUBACK makes room for the next, `_feed`). It leaves the queue
  only at its PUBACK, when `on_delivered` runs (once). After any reconnect every message still
  in the queue is handed to paho again in queue order before anything newer (receivers drop the
  duplicates by MSH-10, network.md). A retained message replaces one to its topic still in the
  queue, not yet handed (a status, a trend: snapshots, each saying all the one before said; an
  outage had sent every stale one after it, a review); the PCD messages are never replaced. The
  queue is the bus's, not paho's, because of what paho 2.2 does (read in paho/mqtt/client.py
  and tried against Mosquitto here):
    * publish() while disconnected keeps the message and sends it after the next CONNACK; but a
      publish() while the socket is open and the CONNACK has not come yet (paho's reconnect
      window) is written at once, *before* the older messages paho resends after the CONNACK:
      a reorder. So the bus hands nothing to paho between a disconnect and its own on_connect.
    * paho resends its unacknowledged messages itself after a reconnect (with DUP, in its
      dict's order); the bus drops those copies in on_connect (`drop_out_messages()`, new in
      2.2, meant for this) and hands its own queue again, so one ordered list decides.
      drop_out_messages() leaves paho's in-flight count as it is; that count is 0 in on_connect
      only because nothing is handed between the reconnect and on_connect. Messages handed in
      that window stay counted after they are dropped, and once INFLIGHT of them are, every
      later message waits for PUBACKs that never come (tried: a test holds a CONNACK back to
      open this window, tests/network/test_mqtt_bus.py).
    * packet identifiers are 16 bits: paho refuses a publish whose id is still pending (after
      65,535 unconfirmed). Only the bus's queue grows with an outage; paho holds at most
      INFLIGHT messages.
    * max_inflight_messages (`INFLIGHT`) limits what is on the wire, and paho sends what it
      holds in the order it was given, with no way to put a message ahead: handed the whole
      queue at once, paho had the chair's farewell wait behind a backlog (`stop`). The bus
      hands no more than that, so what it has not handed can still be replaced or passed.
      paho does not read the broker's MQTT 5 Receive Maximum, so INFLIGHT is kept under the
      usual broker defaults.
  A message the broker refuses (PUBACK reason code 0x80 or more) leaves the queue without
  `on_delivered` (`on_refused` hears the reason instead): sending it again cannot help. So does
  one the broker's CONNACK said it will not take (over its Maximum Packet Size, or retained
  where Retain Available is 0), before it is sent: the broker closes the connection on such a
  message, and it had gone again first at every reconnection, every message behind it, alarm
  messages too, held for good (a review). The first refusal is logged in full, then one
  summary line at most every REFUSAL_LOG_PERIOD_S (`RefusalLines`); `status().detail` counts
  them since the start and on this connection. Only QoS 1 is offered: the contract
  (bus_topics) uses nothing else.
- **Receiving (QoS 1).** paho acknowledges (PUBACK) a message as its callback returns, and the
  broker then forgets it. An owner that keeps messages on disk on its own thread later (the
  central station: its log, a batch at a time) takes them with `on_message_to_keep` instead: the
  client is made with paho's manual_ack, each message comes with its `Receipt`, and the owner
  gives it to `ack` once the message is kept. Killed before that, the owner gets it again from
  its persistent session (a kill between paho's PUBACK and the commit had lost an alarm's PCD-04
  for good, a review); the copy is dropped by its MSH-10. A receipt of an earlier connection is
  not acknowledged (`ack`): the broker hands its message again on the new one, where its packet
  id may name another message. The broker sends at most its in-flight window unacknowledged
  (Mosquitto's max_inflight_messages, 20; measured against Mosquitto 2.0.11 here): an owner
  that holds its receipts receives nothing more.
- **Subscriptions.** A SUBACK that refuses a filter (an ACL that does not let this account read
  there: EMQX, HiveMQ and Mosquitto's dynamic security plugin answer 0x87; Mosquitto's acl_file
  grants every subscription and filters what it delivers) means nothing published there ever
  reaches this station: a central station that cannot read the chairs would show an empty
  board in silence. The refusal stays in `status()` (`refused_subscriptions`, and the connected
  sentence says it with its advice) until a later SUBACK grants the filter; `subscribed(f)`
  says whether the broker granted `f` on the current connection.
- **Connection.** `start()` connects in the background and paho reconnects by itself, waiting
  1, 2, then 4 s between attempts. Every connect subscribes again to every filter given
  to `subscribe`. A clean `stop()` sends DISCONNECT, which does *not* fire the Last Will: the
  owner gives its own offline status as the stop's farewell, handed ahead of what waits, and
  when the broker has not confirmed it in time the DISCONNECT asks for the will (reason code
  0x04). A vanished client (crash, cable, power) gets its will published by the broker (at
  once when the socket closes, else after 1.5 x keepalive).
  A host name DNS cannot carry (`broker..clinic.lan`) is a failed attempt naming it, tried again
  as any (paho's thread ended on it); the settings refuse it at load.
- **Status.** `status()` is what a status line shows: the state, a sentence for people naming
  the broker and the cause, since when (the injected clock's `mono`), and how many messages
  wait for a PUBACK and since when the oldest. `on_status` is called when the state or the
  sentence changes, not for every message; the counts are read from `status()`.

Threading: paho's network thread (`loop_start`) runs the connection and *the callbacks*
(`on_message`, `on_status`, `on_delivered`, `on_refused`; a refusal by the CONNACK's limits
runs on the thread that found it, a `publish` or `subscribe` caller's too). They must be quick
and only hand the news to the owner's own thread (the console posts them to its Qt thread);
they must not call this client (a publish from inside `on_delivered` can deadlock against
paho's own lock). `publish`, `subscribe`, `ack`, `status` and `stop` may be called from any
other thread; `publish` never blocks on the network and never raises for a network state.
(paho's `ack` queues the PUBACK as its `publish` queues a PUBLISH, under none of its locks, and
wakes its thread to write it: paho 2.2, client.py `_packet_queue`.)

Two locks, always taken in this order and never held while calling an owner callback:
`_send_lock` serializes everything that hands messages to paho (publish, on_connect's resend,
subscribe, the next message a PUBACK makes room for, and the connected flag's changes), so
paho receives them in queue order; `_lock` guards the queue and the status and is never held
while calling paho, because paho calls `on_publish` while holding its own message lock. For the
same reason `on_publish` only tries `_send_lock`: when another thread holds it, that thread
hands the next message at its release (`_release_send`).
"""

from __future__ import annotations

import enum
import logging
import socket
import ssl
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties, VariableByteIntegers
from paho.mqtt.reasoncodes import ReasonCode

from console.clock import Clock
from console.network.config import (
    alert_left,
    ca_context,
    certificate_refused,
    handshake_refused,
    host_name_fault,
    is_loopback,
    os_words,
    looks_plain,
    split_address,
    without_password,
)

log = logging.getLogger(__name__)

DEFAULT_PORTS: Final = {"mqtt": 1883, "mqtts": 8883}
# paho's reconnect back-off doubles from the first to the last: 1, 2, 4, 4 ... s: a restarted
# broker is reached again within a second or two, and after a long outage within 4 s (P11: the
# backlog of 20 chairs must be at the central within 30 s of the broker's return; a 10 s cap
# spent a third of that waiting). An attempt every 4 s is nothing for a broker.
BACKOFF_FIRST_S: Final = 1
BACKOFF_LAST_S: Final = 4
# QoS 1 messages on the wire at once. paho ignores the broker's MQTT 5 Receive Maximum and a
# broker disconnects a client that exceeds it: Mosquitto announces 20 (its
# max_inflight_messages), HiveMQ 10. Ten in flight is ~10 messages per round trip, far above a
# clinic's rate (a chair sends a few per second at most).
INFLIGHT: Final = 10
# A persistent session (the central station's) outlives a disconnect by this much: a restart or
# an outage of up to a day loses nothing the broker could queue (its max_queued_messages).
SESSION_EXPIRY_S: Final = 24 * 3600
# Every retained message is published with this MQTT 5 Message Expiry Interval. A broker hands a
# stored message on with what is left of it (MQTT 5.0 section 3.3.2.3.3), so a receiver learns
# how long the broker held it, measured by the broker's one clock (`held_s`): a chair's status
# queued for the central station's persistent session while the central was away arrives
# without the retain flag, and was taken for a sign of life (a hung chair shown connected). The
# largest lifetime a signed 32-bit count holds, never reached: a retained status lasts as it
# did without one. A broker that shortens it (a hosted broker's maximum: ApsaraMQ for MQTT
# keeps 3 days at most) makes every message look held for years: `held_s` says unknown then.
RETAINED_LIFETIME_S: Final = 2**31 - 1
# How long a stop waits, after its own wait, for the messages on the wire (at most INFLIGHT, one
# round trip) before its DISCONNECT (BusClient.stop).
DRAIN_S: Final = 1.0
# How long paho may take to open the TCP connection and the TLS handshake.
CONNECT_TIMEOUT_S: Final = 5.0
PLAIN_PORT_HINT: Final = ("is that port a TLS listener? a plain MQTT port (1883 by default) "
                          "takes mqtt://, not mqtts://")

# MQTT 5 reason codes (and their 3.1.1 CONNACK equivalents, which paho maps to these) in words.
_REASONS: Final = {
    0x80: "unspecified error",
    0x81: "malformed packet",
    0x82: "protocol error",
    0x83: "implementation specific error",
    0x84: "unsupported protocol version",
    0x85: "client identifier not valid",
    0x86: "bad user name or password",
    0x87: "not authorised",
    0x88: "server unavailable",
    0x89: "server busy",
    0x8A: "banned",
    0x8B: "server shutting down",
    0x8C: "bad authentication method",
    0x8D: "keep alive timeout (the broker heard nothing from this station in time)",
    # A second connection with this client id: the twin's sign (twin_watch.py).
    0x8E: ("session taken over: another station connected with this one's client id (a copy "
           "of its settings kit?)"),
    0x8F: "topic filter invalid",
    0x90: "topic name invalid",
    0x91: "packet identifier in use",
    0x92: "packet identifier not found",
    0x93: "receive maximum exceeded (more messages in flight than the broker takes)",
    0x94: "topic alias invalid",
    0x95: "packet too large (over the broker's maximum packet size)",
    0x96: "message rate too high",
    0x97: "quota exceeded",
    0x98: "administrative action (the broker's administrator closed the connection)",
    0x99: "payload format invalid",
    # Refused at CONNECT for the retained Last Will (some hosted brokers take no retained message).
    0x9A: ("retain not supported: the clinic bus needs retained messages (the stations' statuses "
           "and Last Wills; Mosquitto: retain_available true)"),
    0x9B: "QoS not supported (the clinic bus sends QoS 1)",
    0x9C: "use another server",
    0x9D: "server moved",
    0x9E: "shared subscriptions not supported",
    0x9F: "connection rate exceeded (too many connection attempts)",
    0xA0: "maximum connect time reached",
    0xA1: "subscription identifiers not supported",
    0xA2: "wildcard subscriptions not supported",
}
_CREDENTIAL_CODES: Final = frozenset({0x86, 0x87, 0x8C})
# What to look at when the broker refuses a station's messages.
REFUSAL_ADVICE: Final = "check that this station's name matches its account, and the broker's ACL"
# At most one log line per this many seconds about refused messages after the first (logged in
# full): a chair named unlike its account wrote 43 ERROR lines in 40 s, its one-per-topic rule
# starting again at each reconnect (the clinic IT audit).
REFUSAL_LOG_PERIOD_S: Final = 60.0


class _HostNameFault(OSError):
    """A broker host name DNS cannot carry (`config.host_name_fault`'s words), raised before
    paho's attempt: paho catches OSError around an attempt, and not the UnicodeError that
    getaddrinfo raises for such a name."""


class _NotConnectedNoise(logging.Filter):
    """paho 2.2 logs an ERROR "Client is not connected" after every failed reconnect attempt
    (its loop runs once on no socket), and one naming each `_HostNameFault` it caught; the
    bus's status already says so, in words."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, _HostNameFault)
                                                   for a in record.args):
            return False
        return not str(record.msg).startswith("Client is not connected")


# paho's own log lines (packets at DEBUG, its errors), under this module's name.
_PAHO_LOG: Final = logging.getLogger(f"{__name__}.paho")
_PAHO_LOG.addFilter(_NotConnectedNoise())


# ---------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True, slots=True)
class BusConfig:
    """Where the bus connects and as whom.

    Attributes:
        url: `mqtts://host[:8883]` (TLS) or `mqtt://host[:1883]` (plain: loopback only unless
            `allow_plaintext`).
        username, password: the broker account (Mosquitto's password file); the password is
            never shown (not in `repr`, `describe` or any status).
        ca_file: for mqtts, the CA that signed the broker's certificate; None: the system's CAs.
        allow_plaintext: allow mqtt:// to a host that is not loopback (patient data in clear).
        keepalive_s: seconds between pings; the broker publishes the will after 1.5 x this
            without a word from a client whose socket did not close.
    """

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    allow_plaintext: bool = False
    keepalive_s: int = 5

    @property
    def encrypted(self) -> bool:
        return parse_bus_url(self.url)[0] == "mqtts"

    @property
    def address(self) -> str:
        """The broker as people read it: scheme, host and the port in use."""
        scheme, host, port = parse_bus_url(self.url)
        return _address(scheme, host, port)

    def describe(self) -> str:
        """`mqtts://broker.clinic:8883 as chair-3` (never the password)."""
        who = f" as {self.username}" if self.username else ""
        return f"{self.address}{who}"


def _address(scheme: str, host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


# Where a station's bus settings live: a chair's and a central station's (README).
SETTINGS_FILES: Final = "network.toml (central.toml at a central station)"


def parse_bus_url(url: str, what: str = "broker address") -> tuple[str, str, int]:
    """Split a broker address into (scheme, host, port), the port defaulted by scheme. The one
    parser of broker addresses: the settings are checked with it at load (config.py), so what
    they accept a client takes.

    Args:
        what: how the message names the address (`broker address`, `FILE: broker`, `--broker`).

    Raises:
        ValueError: not `mqtt://host[:port]` or `mqtts://host[:port]`; says what is wrong and
            what is allowed (never a password written into the address).
    """
    form = ("write it as mqtts://host[:8883] (TLS) or mqtt://host[:1883] (plain; loopback "
            "only unless allow_plaintext = true)")
    scheme, host, port = split_address(
        url, what, DEFAULT_PORTS, form, "mqtts://[fd00::5]:8883",
        f": give them as username and password_file in {SETTINGS_FILES}, never in the address",
        "MQTT")
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def check_plaintext(config: BusConfig) -> None:
    """Refuse plain MQTT to another machine unless the configuration says so.

    Raises:
        ValueError: mqtt:// to a host that is not loopback without `allow_plaintext` (the
            message names the address and the two ways out); or a bad address.
    """
    scheme, host, port = parse_bus_url(config.url)
    if scheme == "mqtt" and not config.allow_plaintext and not is_loopback(host):
        raise ValueError(f"refusing to send patient data unencrypted to "
                         f"{_address(scheme, host, port)}: use mqtts://, or set "
                         f"allow_plaintext = true in {SETTINGS_FILES} or give --allow-plaintext")


@dataclass(frozen=True, slots=True)
class Will:
    """The Last Will the broker publishes when this client vanishes without a DISCONNECT."""

    topic: str
    payload: bytes
    retain: bool = True
    qos: int = 1


# ---------------------------------------------------------------------------------------------
# Status


class BusState(enum.Enum):
    """Where the connection is. Rules:

    NOT_STARTED --start()--> CONNECTING --CONNACK ok--> CONNECTED
    CONNECTING/DISCONNECTED/REFUSED --CONNACK ok--> CONNECTED
    CONNECTED --connection lost--> DISCONNECTED (paho retries: 1, 2, 4, 4 ... s)
    any attempt that fails --> DISCONNECTED (network: no broker, reset, timeout, unknown host)
                           or REFUSED (a broker that answered and said no: a CONNACK's reason
                           or a TLS alert, in the handshake or, over TLS 1.3, on the first
                           read before any CONNACK; or a certificate that is not accepted: a setting
                           must change; paho still retries, so a fix on the broker's side is
                           picked up)
    any --stop()--> STOPPED (final)
    """

    NOT_STARTED = "not-started"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    REFUSED = "refused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class BusStatus:
    """A snapshot of the bus for a status line and for tests.

    Attributes:
        state: see BusState.
        detail: for people: names the broker and, when not connected, the cause and the next
            step ("connected to mqtts://host:8883 as chair-3", "broker mqtt://127.0.0.1:5555
            refused the connection: not authorised (...)", "mqtts://host:8883: TLS certificate
            not accepted (...): check ca_file ..."). Never a password.
        since_mono: the clock's `mono` when `state` began.
        unconfirmed: QoS 1 messages published and not yet answered by a PUBACK.
        oldest_unconfirmed_mono: when the oldest of them was given to publish(); None if none.
        refused: messages the broker refused since the client started (BusClient's count; a
            connected `detail` also says them, after "; ", which is all a chair's
            BusProcessClient passes on).
        refused_here: how many of them on the current connection.
        last_refusal: the last of them, "to <topic>: <reason>"; "" before any.
        refused_subscriptions: (filter, the broker's reason in words) of the filters whose
            last SUBACK refused them (BusClient only; the connected `detail` says them too, in
            `subscription_refusal`'s words).
    """

    state: BusState
    detail: str
    since_mono: float
    unconfirmed: int
    oldest_unconfirmed_mono: float | None
    refused: int = 0
    refused_here: int = 0
    last_refusal: str = ""
    refused_subscriptions: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True, eq=False)
class Pending:
    """One QoS 1 message kept by a bus client, from publish() until its PUBACK (this module's
    BusClient, and bus_process.BusProcessClient by token)."""

    topic: str
    payload: bytes
    retain: bool
    on_delivered: Callable[[], None] | None
    handed_mono: float  # clock mono at publish()
    on_refused: Callable[[str], None] | None = None   # called with the broker's reason, in words
    mid: int | None = None  # paho's packet id on the current connection; None: not handed
    # Retained messages to its topic that it replaced before they were handed (BusClient
    # `_replace_waiting`): the broker's answer to it is theirs too, so each callback runs once.
    replaced: list[Pending] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What acknowledges one message received (`BusClient.ack`): its packet id and QoS, and the
    connection it came on (the client's count of connections)."""

    mid: int
    qos: int
    connection: int


def check_settings(config: BusConfig, client_id: str,
                   will: Will | None) -> tuple[str, str, int]:
    """Check what a client is given before anything connects; return (scheme, host, port).

    Raises:
        ValueError: a bad broker address, refused plaintext, a bad client id or keepalive, or a
            bad will; the message says what to change.
    """
    check_plaintext(config)
    scheme, host, port = parse_bus_url(config.url)
    if not client_id or len(client_id.encode("utf-8")) > 128 or any(
            c in client_id for c in "/+#\0"):
        raise ValueError(f"client id {client_id!r} is not usable: 1-128 bytes without '/', "
                         "'+', '#'")
    if not 1 <= config.keepalive_s <= 65535:
        raise ValueError(f"keepalive_s = {config.keepalive_s} is not allowed: 1-65535 s")
    if will is not None:
        _check_topic(will.topic, "will topic")
        if will.qos not in (0, 1):
            raise ValueError(f"will qos {will.qos} is not allowed: 0 or 1")
    return scheme, host, port


class RefusalLines:
    """When a refused message is worth a log line. Time is passed in (`mono` seconds).

    Rules: the first refusal since the start is logged in full. After it, refusals are only
    counted, and the first one at least `period_s` after the last line logs a summary of all
    counted since (itself included). A reconnect changes nothing: the count and the period go
    on across connections. `unsaid` is what no line has said yet (the owner says it at stop).
    """

    def __init__(self, period_s: float = REFUSAL_LOG_PERIOD_S) -> None:
        self._period_s = period_s
        self._last_line: float | None = None   # mono of the last line; None: none logged yet
        self.unsaid = 0   # refusals since the last line, not said in any line

    def refused(self, mono: float) -> tuple[str, int] | None:
        """Count one refusal at `mono`: ("full", 1) for the first, ("summary", n) when a line
        summing up the n refusals since the last one is due now, else None."""
        if self._last_line is None:
            self._last_line = mono
            return ("full", 1)
        self.unsaid += 1
        if mono - self._last_line < self._period_s:
            return None
        count, self.unsaid, self._last_line = self.unsaid, 0, mono
        return ("summary", count)

    def take_unsaid(self) -> int:
        """The refusals no line has said yet, now said (the owner logs them at its stop)."""
        count, self.unsaid = self.unsaid, 0
        return count


# ---------------------------------------------------------------------------------------------
# The client


class BusClient:
    """One connection to the clinic's broker (see the module docstring for the rules)."""

    def __init__(self, config: BusConfig, *, client_id: str, clock: Clock,
                 will: Will | None = None,
                 on_message: Callable[[str, bytes], None] | None = None,
                 on_status: Callable[[BusStatus], None] | None = None,
                 persistent_session: bool = False,
                 on_message_aged: Callable[[str, bytes, bool, int | None], None] | None = None,
                 on_message_to_keep: Callable[[str, bytes, bool, int | None, Receipt], None]
                 | None = None) -> None:
        """Check the configuration and prepare the connection; nothing connects before start().

        Args:
            config: the broker, the account and the TLS trust.
            client_id: unique per station on the broker (a second client with the same id
                takes the session over and the first one is disconnected); the chair's or
                central's name is a good choice.
            clock: where status times are read (`now().mono`).
            will: the Last Will (usually the retained offline status).
            on_message: called with (topic, payload) for each message on a subscribed filter,
                on paho's thread.
            on_status: called with the new status when the state or its sentence changes, on
                paho's thread (or the caller's, for start/stop).
            persistent_session: keep the session (subscriptions and QoS 1 messages queued by
                the broker) across disconnects for SESSION_EXPIRY_S: for a central station that
                must not miss an alarm while it restarts.
            on_message_aged: called instead of `on_message` with (topic, payload, retain,
                held_s): `retain` True for the broker's stored copy a subscription brings (not
                news of now); `held_s` the whole seconds the broker held a message published
                retained by this module (RETAINED_LIFETIME_S), None for any other. For the
                central station, which must not take a hung chair's last status for a sign of
                life.
            on_message_to_keep: called instead of both with (topic, payload, retain, held_s,
                receipt): the broker is told the message was received only when the owner
                gives `receipt` to `ack`, once it has kept the message (the module docstring's
                Receiving). For the central station, which commits to its log later, on its
                window's thread.

        Raises:
            ValueError: a bad broker address, refused plaintext, a bad client id or keepalive, an
                unreadable ca_file, or a bad will; the message says what to change.
        """
        scheme, host, port = check_settings(config, client_id, will)
        self.config = config
        self.client_id = client_id
        self._host, self._port = host, port
        self._address = _address(scheme, host, port)
        self._clock = clock
        self._on_message = on_message
        self._on_message_aged = on_message_aged
        self._on_message_to_keep = on_message_to_keep
        self._on_status = on_status
        self._persistent = persistent_session

        # manual_ack: no PUBACK until the owner's `ack` (the module docstring's Receiving).
        self._mqtt = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                 protocol=mqtt.MQTTv5, reconnect_on_failure=True,
                                 manual_ack=on_message_to_keep is not None)
        self._mqtt.enable_logger(_PAHO_LOG)
        if scheme == "mqtts":
            self._mqtt.tls_set_context(tls_context(config.ca_file))
        if config.username is not None:
            self._mqtt.username_pw_set(config.username, config.password)
        if will is not None:
            self._mqtt.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)
        self._mqtt.reconnect_delay_set(BACKOFF_FIRST_S, BACKOFF_LAST_S)
        self._mqtt.max_inflight_messages_set(INFLIGHT)
        self._mqtt.connect_timeout = CONNECT_TIMEOUT_S
        self._mqtt.on_connect = self._handle_connect
        self._mqtt.on_connect_fail = self._handle_connect_fail
        self._mqtt.on_pre_connect = self._before_attempt
        self._mqtt.on_log = self._keep_tls_alert
        self._mqtt.on_disconnect = self._handle_disconnect
        self._mqtt.on_publish = self._handle_puback
        self._mqtt.on_message = self._handle_message
        self._mqtt.on_subscribe = self._handle_suback

        self._send_lock = threading.Lock()
        self._lock = threading.Condition()  # notified when the queue shrinks (stop() waits)
        # Guarded by _send_lock (changes) and _lock (reads): whether paho has a CONNACKed
        # connection on which the queue was handed again.
        self._connected = False
        self._queue: deque[Pending] = deque()
        # How many of the queue's first messages are handed to paho on this connection: at most
        # INFLIGHT (`_feed`), so paho holds no queue of its own that the bus could not reorder
        # (guarded by _lock).
        self._handed = 0
        self._by_mid: dict[int, Pending] = {}  # handed on this connection, by packet id
        # The message an owner thread is handing to paho right now (its packet id not known
        # yet): a PUBACK for an id not in _by_mid is its own (see _handle_puback).
        self._handing: Pending | None = None
        self._subscriptions: dict[str, int] = {}
        # SUBACKs (guarded by _lock): the SUBSCRIBEs sent on this connection by packet id, a
        # SUBACK that came before subscribe() learnt its id, the filters granted on this
        # connection, and those refused by their last SUBACK (kept across reconnects).
        self._subscribing: dict[int, str] = {}
        self._early_subacks: dict[int, list[ReasonCode]] = {}
        self._granted: set[str] = set()
        self._refused_filters: dict[str, str] = {}
        # Connections made so far (changed on paho's thread under _send_lock and _lock): a
        # message's `Receipt` names its own, and `ack` acknowledges on that one only.
        self._connections = 0
        self._started = False
        self._stopping = False
        # The TLS alert paho met reading or writing on this attempt's connection, before any
        # CONNACK (guarded by _lock): over TLS 1.3 a broker's alert comes there, not in the
        # handshake.
        self._tls_alert: ssl.SSLError | None = None
        # PUBACKs with a failure reason code: on this connection, and since the start (what the
        # status says: the per-connection count alone read "1" after 43 refusals, QA).
        self._refused_messages = 0
        self._refused_since_start = 0
        self._last_refusal: str | None = None  # the last of them: "to <topic>: <reason>"
        self._last_advice = REFUSAL_ADVICE   # what to check for it (none: its words say it)
        self._refusal_lines = RefusalLines()
        # What the broker's last CONNACK said it takes (MQTT 5; guarded by _lock): its Maximum
        # Packet Size (None: no limit said) and whether it keeps retained messages. A message
        # over them closes the connection, and went again first at every reconnection, the
        # messages behind it held for good (a review).
        self._max_packet: int | None = None
        self._retain_available = True
        # Messages `_feed` took out of the queue because the broker will not take them, with
        # why: told to their owners once _send_lock is released (`_release_send`).
        self._withheld: list[tuple[Pending, str]] = []
        self._status = BusStatus(BusState.NOT_STARTED, f"not started ({config.describe()})",
                                 clock.now().mono, 0, None)

    # -- the owner's side -------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; paho's thread keeps reconnecting until stop()."""
        with self._lock:
            if self._started:
                raise RuntimeError(f"the bus client {self.client_id} was already started")
            self._started = True
        properties: Properties | None = None
        if self._persistent:
            # paho 2.2 leaves Properties.__init__ unannotated.
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = SESSION_EXPIRY_S
        self._set_status(BusState.CONNECTING, f"connecting to {self.config.describe()}")
        self._mqtt.connect_async(self._host, self._port, keepalive=self.config.keepalive_s,
                                 clean_start=not self._persistent, properties=properties)
        self._mqtt.loop_start()

    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        """Receive what is published on `topic_filter` (from now on, and on every reconnect)."""
        check_subscription(topic_filter, qos)
        with self._handing_lock():
            with self._lock:
                self._subscriptions[topic_filter] = qos
                connected = self._connected
            if connected:
                _, mid = self._mqtt.subscribe(topic_filter, qos)
                if mid is None:
                    return   # the connection broke just now: on_connect subscribes again
                with self._lock:
                    early = self._early_subacks.pop(mid, None)
                    self._subscribing[mid] = topic_filter
                if early is not None:   # its SUBACK beat subscribe()'s return
                    self._take_suback(mid, early)

    def subscribed(self, topic_filter: str) -> bool:
        """Whether the broker granted `topic_filter` on the current connection (its SUBACK)."""
        with self._lock:
            return self._connected and topic_filter in self._granted

    def publish(self, topic: str, payload: bytes, *, qos: int = 1, retain: bool = False,
                on_delivered: Callable[[], None] | None = None,
                on_refused: Callable[[str], None] | None = None) -> None:
        """Queue a QoS 1 message; it is sent now if connected, else after the next connect.

        Thread-safe; never blocks on the network; never raises for a network state.
        `on_delivered` runs once, on paho's thread, at the broker's PUBACK; `on_refused`
        instead, with the broker's reason in words, when that PUBACK refuses the message or
        the broker's CONNACK said it takes no such message (over its Maximum Packet Size, or
        retained where it keeps none: then on the thread that found it). It leaves the queue,
        not sent again. A retained message replaces one to its topic still waiting, not yet
        handed to paho (a snapshot: the newest says all the older one said; an outage had sent
        every stale status and trend after it, a review); the broker's answer to the newer one
        runs the older one's callbacks too.

        Raises:
            ValueError: qos other than 1, a topic with a wildcard or empty, a payload not bytes.
            RuntimeError: called after stop().
        """
        check_publish(topic, payload, qos)
        entry = Pending(topic, bytes(payload), retain, on_delivered, self._clock.now().mono,
                         on_refused)
        with self._handing_lock():
            with self._lock:
                if self._stopping:
                    raise RuntimeError(f"publish to {topic} after the bus client "
                                       f"{self.client_id} was stopped")
                if retain:
                    self._replace_waiting(entry)
                self._queue.append(entry)
            self._feed()   # while disconnected: handed again in queue order at the next connect

    def ack(self, receipts: Iterable[Receipt]) -> None:
        """Tell the broker the messages of `receipts` (`on_message_to_keep`) are kept: their
        PUBACKs, in the order given, which must be the order they came (MQTT 5.0 section 4.6).
        Thread-safe; never blocks on the network.

        A receipt of an earlier connection is not acknowledged: the broker hands its message
        again on this one (a persistent session; the owner drops the copy by its MSH-10 and
        acknowledges that), and its packet id may name another message there, not yet kept
        (a session the broker lost gives the ids out again from 1).
        """
        # _send_lock: the connection does not change (`_handle_connect`, `_handle_disconnect`
        # take it) between the check and the PUBACK's queueing; and paho's reconnect empties
        # its queue of packets, so a PUBACK queued on a connection that broke is never written
        # on the next.
        with self._handing_lock():
            with self._lock:
                current = self._connections if self._connected else None
            for receipt in receipts:
                if receipt.connection == current:
                    self._mqtt.ack(receipt.mid, receipt.qos)

    def status(self) -> BusStatus:
        """The state and the unconfirmed messages now."""
        with self._lock:
            return self._snapshot()

    def stop(self, timeout: float = 5.0, *, farewell: tuple[str, bytes] | None = None) -> None:
        """Wait up to `timeout` real seconds for unconfirmed messages, then disconnect cleanly.

        The wait is only while connected (a disconnected client cannot get PUBACKs; it ends at
        once if the connection drops). A clean disconnect does not fire the will. Messages
        still unconfirmed then are not sent (logged with their count). Call it from the owner's
        thread, not from a callback.

        `farewell` (topic, payload): the owner's last word, published retained (a chair's
        offline status, "console closed"). It is handed ahead of every message still waiting
        (of another topic than theirs: their order is unchanged) and replaces one to its topic
        not yet handed, so nothing said before it is sent after it. When the broker has not
        confirmed it at the end of the wait, the DISCONNECT asks the broker to publish the will
        (MQTT 5 reason code 0x04, "Disconnect with Will Message"): behind a backlog the
        farewell had never left within the wait, and the clean DISCONNECT kept the will from
        speaking, the chair "online" retained for good (a review). The messages on the wire at
        the end of the wait are given DRAIN_S more, nothing more handed, before the DISCONNECT.

        Raises:
            ValueError: a farewell `publish` would refuse.
        """
        said = threading.Event()   # the farewell's PUBACK
        if farewell is not None:
            check_publish(farewell[0], farewell[1], 1)
        with self._handing_lock():
            with self._lock:
                if self._stopping:
                    return
                connected = self._started and self._connected
                if farewell is not None and connected:
                    entry = Pending(farewell[0], bytes(farewell[1]), True, said.set,
                                    self._clock.now().mono)
                    self._replace_waiting(entry)
                    self._queue.insert(self._handed, entry)   # the next one handed
            self._feed()
        with self._lock:
            if connected:
                # Woken by each PUBACK and by a disconnect (nothing more can be confirmed then).
                self._lock.wait_for(lambda: not self._queue or not self._connected, timeout)
            self._stopping = True   # nothing more is handed (`_feed`)
            if connected:
                # The messages on the wire are let finish (one round trip): a DISCONNECT whose
                # socket closes with PUBACKs unread goes with a TCP reset, on which Mosquitto
                # dropped it and published the will over the farewell (tried through a slow
                # link, tests/network/test_bus_clean_exit_leaves_the_chair_offline.py).
                self._lock.wait_for(lambda: not self._handed or not self._connected, DRAIN_S)
            left = len(self._queue)
        # Not connected, the will spoke at the loss already.
        will = farewell is not None and connected and not said.is_set()
        if self._started:
            self._mqtt.disconnect(reasoncode=_WITH_WILL if will else None)
            self._mqtt.loop_stop()
        if will:
            log.warning("bus client %s: its farewell on %s was not confirmed by %s; disconnected "
                        "asking the broker to publish its Last Will instead", self.client_id,
                        farewell[0] if farewell else "", self._address)
        self._log_unsaid_refusals()
        if left:
            # Not "lost": a chair's outbox keeps every row without a delivery and sends it
            # again at its next start (console/network/link.py); QA read "not delivered" as gone.
            log.warning("bus client %s stopped with %d message(s) the broker %s had not "
                        "confirmed; this client sends them no more (a chair's session log "
                        "keeps them and sends them at its next start)", self.client_id, left,
                        self._address)
        self._set_status(BusState.STOPPED, "stopped" + (
            f" ({left} message(s) not confirmed by {self._address})" if left else ""))

    # -- handing messages to paho (with _send_lock held) ------------------------------------

    @contextmanager
    def _handing_lock(self) -> Iterator[None]:
        """Hold _send_lock (waiting for it), and at its release fill the room a PUBACK left
        meanwhile (`_release_send`). Every holder but a PUBACK takes it so."""
        self._send_lock.acquire()
        try:
            yield
        finally:
            self._release_send()

    def _release_send(self) -> None:
        """Release _send_lock; then hand what a PUBACK made room for while it was held, and tell
        the owners of the messages withheld. A PUBACK only tries the lock (paho calls it under
        its own lock, which a holder handing a message waits for): when it finds it held, the
        holder fills the room here, after its release, so the room is never left unfilled."""
        self._send_lock.release()
        self._tell_withheld()
        while self._room_to_hand() and self._send_lock.acquire(blocking=False):
            try:
                self._feed()
            finally:
                self._send_lock.release()
            self._tell_withheld()

    def _room_to_hand(self) -> bool:
        with self._lock:
            return (self._connected and not self._stopping
                    and self._handed < min(INFLIGHT, len(self._queue)))

    def _feed(self) -> None:
        """Hand paho the queue's next messages, in queue order, while fewer than INFLIGHT are
        with it on this connection (each PUBACK makes room for the next): paho had been handed
        the whole queue at once, so nothing could go ahead of a backlog, not even the farewell
        (`stop`), and a stale status waited in paho past any replacing. A message the broker's
        CONNACK said it will not take leaves the queue instead (`_withheld`). Caller holds
        _send_lock and not _lock."""
        while True:
            with self._lock:
                if not self._connected or self._stopping \
                        or self._handed >= min(INFLIGHT, len(self._queue)):
                    return
                entry = self._queue[self._handed]
                why = self._not_taken(entry)
                if why is not None:
                    del self._queue[self._handed]
                    self._withheld.append((entry, why))
                    self._lock.notify_all()
                    continue
                self._handed += 1
                self._handing = entry
            self._hand(entry)

    def _not_taken(self, entry: Pending) -> str | None:
        """Why the broker will not take `entry`, by what its CONNACK said (caller holds _lock);
        None when it will. It would close the connection on such a message (MQTT 5.0 sections
        3.1.2.24 and 3.3.1.3), and the message went again first at every reconnection: the
        messages behind it, alarm messages too, held for good (a review)."""
        if entry.retain and not self._retain_available:
            return _reason_words(0x9A)
        size = publish_size(entry.topic, entry.payload, entry.retain)
        if self._max_packet is not None and size > self._max_packet:
            return (f"too large for the broker ({size:,} bytes, over its maximum packet size of "
                    f"{self._max_packet:,} bytes: raise its max_packet_size)")
        return None

    def _replace_waiting(self, entry: Pending) -> None:
        """A retained `entry` replaces the retained messages to its topic still waiting, not
        handed to paho (caller holds _lock): they said less than it. Their callbacks go with it
        (`Pending.replaced`). Never one handed: it is on its way, and before this one."""
        stale = [old for old in islice(self._queue, self._handed, None)
                 if old.retain and old.topic == entry.topic]
        for old in stale:
            self._queue.remove(old)
            entry.replaced += [*old.replaced, old]
            old.replaced = []

    def _tell_withheld(self) -> None:
        """Tell the owners of the messages `_feed` withheld (no lock held)."""
        with self._lock:
            withheld, self._withheld = self._withheld, []
        for entry, why in withheld:
            self._tell_refused(entry, why, "")

    def _hand(self, entry: Pending) -> None:
        """Give one queued message to paho and remember its packet id (`_feed`). Caller holds
        _send_lock and not _lock (paho takes its own lock, under which it calls
        _handle_puback)."""
        info = self._mqtt.publish(entry.topic, entry.payload, qos=1, retain=entry.retain,
                                  properties=_LIFETIME if entry.retain else None)
        with self._lock:
            if self._handing is entry:
                self._handing = None
            if entry.mid is not None:
                return  # its PUBACK came before paho's publish() returned (see _handle_puback)
            if info.rc in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                # NO_CONN: the connection broke just now; on_connect hands it again.
                entry.mid = info.mid
                self._by_mid[info.mid] = entry
            else:
                log.warning("paho did not take %s for %s (%s); it is sent again after the "
                            "next reconnect", entry.topic, self._address, info.rc.name)

    # -- paho's thread ----------------------------------------------------------------------

    def _handle_connect(self, client: mqtt.Client, userdata: Any, flags: mqtt.ConnectFlags,
                        reason: ReasonCode, properties: Properties | None) -> None:
        if reason.is_failure:
            self._set_status(BusState.REFUSED, self._refused_text(reason.value))
            return
        with self._handing_lock():
            # paho would resend what it still held from the last connection after this
            # callback returns, behind nothing; the bus's queue decides the order instead.
            client.drop_out_messages()
            with self._lock:
                self._by_mid.clear()
                self._handing = None
                self._handed = 0
                self._refused_messages = 0   # the count since the start goes on
                pending = len(self._queue)
                for entry in self._queue:
                    entry.mid = None
                # What this broker takes (absent: no limit, retained messages kept).
                limit = getattr(properties, "MaximumPacketSize", None)
                self._max_packet = limit if isinstance(limit, int) else None
                self._retain_available = getattr(properties, "RetainAvailable", 1) != 0
                subscriptions = list(self._subscriptions.items())
                self._subscribing.clear()
                self._early_subacks.clear()
                self._granted.clear()
                self._connected = True
                self._connections += 1
            # Subscriptions first: the retained message a subscription brings is then what
            # others left there, not what this client is about to send (a chair reads on its
            # own status topic whether another console runs with its settings). On paho's
            # thread: no SUBACK is read before each id is recorded.
            for topic_filter, qos in subscriptions:
                _, mid = client.subscribe(topic_filter, qos)
                if mid is not None:   # None: the connection broke; the next connect's turn
                    with self._lock:
                        self._subscribing[mid] = topic_filter
            self._feed()
        if pending:
            log.info("connected to %s; sending %d unconfirmed message(s) again in order",
                     self._address, pending)
        self._set_status(BusState.CONNECTED, self._connected_text())

    def _before_attempt(self, client: mqtt.Client, userdata: Any) -> None:
        """Before each attempt (paho's on_pre_connect): the last attempt's TLS error is
        forgotten, and a host name DNS cannot carry (`broker..clinic.lan`) is a failed attempt
        naming it, tried again as any. Given to paho, its UnicodeError ended paho's thread:
        "connecting" for good, no cause, no retry (the review). The settings refuse such a name
        at load; this is for any other way in."""
        with self._lock:
            self._tls_alert = None
        fault = host_name_fault(self._host)
        if fault is not None:
            raise _HostNameFault(fault)

    def _keep_tls_alert(self, client: mqtt.Client, userdata: Any, level: int, buf: str) -> None:
        """paho's on_log: keep the TLS alert that ended a read or write before the CONNACK, for
        _handle_disconnect. paho logs the failure inside its `except OSError:` (as it calls
        on_connect_fail) and passes it on to no callback: a TLS 1.3 broker's alert
        (require_certificate) comes after the client's handshake, and was told as "closed the
        connection before answering" (the review). The socket is still paho's here: an alert
        left unread behind a failed write is read from it (config.alert_left)."""
        exc = sys.exc_info()[1]
        if level != mqtt.MQTT_LOG_ERR or not isinstance(exc, OSError):
            return
        with self._lock:
            if self._connected:
                return
        alert = alert_left(client.socket(), exc)
        if alert is not None:
            with self._lock:
                self._tls_alert = alert

    def _handle_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        # paho calls this inside its `except OSError:` around the connection attempt and does
        # not pass the exception; it is the one being handled.
        exc = sys.exc_info()[1]
        if isinstance(exc, _HostNameFault):
            self._set_status(BusState.DISCONNECTED, (
                f"cannot find the broker host {self._host!r} of {self._address}: not a valid "
                f"host name: {exc}; check the broker address; retrying"))
        elif isinstance(exc, ssl.SSLCertVerificationError):
            self._set_status(BusState.REFUSED, f"{self._address}: " + certificate_refused(
                exc, self._host, self.config.ca_file))
        elif isinstance(exc, ssl.SSLError):
            refused = handshake_refused("the broker", exc)
            if refused is not None:
                # A TLS alert: the broker speaks TLS and said no (a client certificate wanted,
                # another TLS version or cipher); a setting must change. It was called a plain
                # port, steering IT to send patient data unencrypted (the review).
                self._set_status(BusState.REFUSED, f"{self._address}: {refused}")
            else:
                hint = f": {PLAIN_PORT_HINT}" if looks_plain(exc) else ""
                self._set_status(BusState.DISCONNECTED, (
                    f"{self._address}: TLS handshake failed ({exc.reason or exc}){hint}; "
                    "retrying"))
        elif isinstance(exc, socket.gaierror):
            self._set_status(BusState.DISCONNECTED, (
                f"cannot find the broker host {self._host!r} of {self._address}: "
                f"{os_words(exc)}; check the broker address; retrying"))
        elif isinstance(exc, ConnectionRefusedError):
            self._set_status(BusState.DISCONNECTED, (
                f"cannot connect to the broker {self._address}: connection refused (is the "
                "broker running and listening on that port?); retrying"))
        else:
            cause = os_words(exc) if exc is not None else "no cause given"
            # A plain listener drops a TLS hello unanswered: "connection reset" said nothing
            # of why (the clinic IT audit: mqtts:// to port 1883).
            hint = (f" during the TLS handshake: {PLAIN_PORT_HINT}"
                    if isinstance(exc, ConnectionResetError) and self.config.encrypted else "")
            self._set_status(BusState.DISCONNECTED, (
                f"cannot connect to the broker {self._address}: {cause}{hint}; retrying"))

    def _handle_disconnect(self, client: mqtt.Client, userdata: Any,
                           flags: mqtt.DisconnectFlags, reason: ReasonCode,
                           properties: Properties | None) -> None:
        # _send_lock: a publish() that saw "connected" finishes handing its message first, so
        # nothing is handed between here and the next on_connect.
        with self._handing_lock():
            with self._lock:
                was_connected = self._connected
                self._connected = False
                stopping = self._stopping
                self._lock.notify_all()
        if stopping:
            return  # our own DISCONNECT
        if not was_connected:
            with self._lock:
                refused = self._status.state is BusState.REFUSED
                alert, self._tls_alert = self._tls_alert, None
            said = handshake_refused("the broker", alert) if alert is not None else None
            if said is not None:
                # A TLS 1.3 broker's alert after the handshake: refused, as over TLS 1.2.
                self._set_status(BusState.REFUSED, f"{self._address}: {said}")
            elif not refused:
                # Closed before any CONNACK: "connecting" stood with no reason (the clinic IT
                # audit: mqtt:// to a TLS port), a TLS listener dropping a plain hello.
                hint = ("; is it a TLS port? then the address is mqtts://"
                        if self._address.startswith("mqtt://") else "")
                self._set_status(BusState.DISCONNECTED, (
                    f"the broker {self._address} closed the connection before answering"
                    f"{hint}; retrying"))
            return  # after a refused CONNACK the refusal stays the status
        why = "the broker closed it" if flags.is_disconnect_packet_from_server else (
            "no answer or the connection broke")
        # 0x80 "unspecified error" is what paho reports for a socket that broke: no news.
        words = _reason_words(reason.value) if reason.value > 0x80 else ""
        self._set_status(BusState.DISCONNECTED, (
            f"lost the connection to the broker {self._address} ({why}"
            f"{': ' + words if words else ''}); reconnecting"))

    def _handle_puback(self, client: mqtt.Client, userdata: Any, mid: int, reason: ReasonCode,
                       properties: Properties) -> None:
        # paho holds its message lock here: take _lock, and only try _send_lock (_release_send).
        with self._lock:
            entry = self._by_mid.pop(mid, None)
            if entry is None and self._handing is not None:
                # The PUBACK beat paho's publish() back to the owner's thread: the message
                # being handed is the only one on this connection whose id is not recorded.
                entry, self._handing = self._handing, None
            if entry is None:
                log.warning("PUBACK from %s for packet id %d, which no message here has; "
                            "ignored", self._address, mid)
                return
            entry.mid = mid
            if self._queue and self._queue[0] is entry:
                self._queue.popleft()
            else:
                self._queue.remove(entry)
            if self._handed > 0:
                self._handed -= 1
            self._lock.notify_all()
        # The room it made goes to the next message at once; when the lock is held, its holder
        # hands it at its release.
        if self._send_lock.acquire(blocking=False):
            try:
                self._feed()
            finally:
                self._release_send()
        if reason.is_failure:   # never a delivery, however often this topic was refused
            self._tell_refused(entry, _reason_words(reason.value), REFUSAL_ADVICE)
            return
        for each in (*entry.replaced, entry):
            if each.on_delivered is not None:
                call_owner(each.on_delivered, "on_delivered")

    def _handle_message(self, client: mqtt.Client, userdata: Any,
                        message: mqtt.MQTTMessage) -> None:
        if self._on_message_to_keep is not None:
            # _connections changes on this thread only (`_handle_connect`): read as it stands.
            receipt = Receipt(message.mid, message.qos, self._connections)
            call_owner(self._on_message_to_keep, "on_message", message.topic,
                       bytes(message.payload), bool(message.retain), held_s(message), receipt)
        elif self._on_message_aged is not None:
            call_owner(self._on_message_aged, "on_message", message.topic,
                       bytes(message.payload), bool(message.retain), held_s(message))
        elif self._on_message is not None:
            call_owner(self._on_message, "on_message", message.topic, bytes(message.payload))

    def _handle_suback(self, client: mqtt.Client, userdata: Any, mid: int,
                       reasons: list[ReasonCode], properties: Properties) -> None:
        self._take_suback(mid, reasons)

    def _take_suback(self, mid: int, reasons: list[ReasonCode]) -> None:
        """The broker's answer to one SUBSCRIBE (one filter each): granted, or refused (logged,
        kept in the status until a later SUBACK grants it)."""
        with self._lock:
            topic_filter = self._subscribing.pop(mid, None)
            if topic_filter is None:
                self._early_subacks[mid] = reasons   # subscribe() records its id next
                return
            refused = next((r for r in reasons if r.is_failure), None)
            words = _reason_words(refused.value) if refused is not None else None
            changed = self._refused_filters.get(topic_filter) != words
            if words is None:
                self._granted.add(topic_filter)
                self._refused_filters.pop(topic_filter, None)
            else:
                self._granted.discard(topic_filter)
                self._refused_filters[topic_filter] = words
            state = self._status.state
        if words is not None and changed:
            log.error("%s: %s", self._address, subscription_refusal(
                ((topic_filter, words),), self.config.username))
        if changed and state is BusState.CONNECTED:
            self._set_status(BusState.CONNECTED, self._connected_text())

    # -- refusals ---------------------------------------------------------------------------

    def _tell_refused(self, entry: Pending, words: str, advice: str) -> None:
        """A message the broker will not take (its PUBACK refused it, or what its CONNACK said,
        `_not_taken`): counted, logged (RefusalLines), the status line's count kept current,
        and its owner told with `words` (`on_refused`, and those of the messages it replaced).
        `advice`: what to check, when `words` do not say it. No lock held."""
        with self._lock:
            line, state = self._count_refusal(entry.topic, words, advice)
        self._log_refusal(line, entry.topic, words, advice)
        if state is BusState.CONNECTED:   # the count on the status line stays current
            self._set_status(BusState.CONNECTED, self._connected_text())
        for each in (*entry.replaced, entry):
            if each.on_refused is not None:
                call_owner(each.on_refused, "on_refused", words)

    def _count_refusal(self, topic: str, words: str, advice: str
                       ) -> tuple[tuple[str, int] | None, BusState]:
        """Count a refused message (caller holds _lock): the log line due (RefusalLines), and
        the state to keep the status line's count current in."""
        self._refused_messages += 1
        self._refused_since_start += 1
        self._last_refusal = f"to {topic}: {words}"
        self._last_advice = advice
        return self._refusal_lines.refused(self._clock.now().mono), self._status.state

    def _log_refusal(self, line: tuple[str, int] | None, topic: str, words: str,
                     advice: str) -> None:
        """The log line `RefusalLines` said is due for a refusal of a message to `topic`."""
        if line is None:
            return
        kind, count = line
        if kind == "full" and advice == REFUSAL_ADVICE:
            log.error("%s refused the message to %s: %s (check that this station's name in the "
                      "topic matches its account, user %s, and the broker's ACL); not sent "
                      "again; further refusals are summed up here at most every %.0f s",
                      self._address, topic, words, self.config.username, REFUSAL_LOG_PERIOD_S)
        elif kind == "full":
            log.error("%s will not take the message to %s: %s%s; not sent; further refusals are "
                      "summed up here at most every %.0f s", self._address, topic, words,
                      f" ({advice})" if advice else "", REFUSAL_LOG_PERIOD_S)
        else:
            log.error("%s refused %d more message(s) (%d since the start), the last to %s: %s",
                      self._address, count, self._refused_since_start, topic, words)

    def _log_unsaid_refusals(self) -> None:
        """At stop: the refusals counted since the last line, which no summary has said."""
        with self._lock:
            count = self._refusal_lines.take_unsaid()
            total, last = self._refused_since_start, self._last_refusal
        if count:
            log.error("%s refused %d more message(s) (%d since the start), the last %s",
                      self._address, count, total, last)

    def _connected_text(self) -> str:
        """The connected status in words, with the refusals since the start when there were
        any (they are not forgotten at a reconnect: the status line must still say them)."""
        text = f"connected to {self.config.describe()}"
        with self._lock:
            total, here, last, advice = (self._refused_since_start, self._refused_messages,
                                         self._last_refusal, self._last_advice)
            filters = tuple(self._refused_filters.items())
        if filters:
            text += "; " + subscription_refusal(filters, self.config.username)
        if not total:
            return text
        return (f"{text}; {total} message{'s' if total > 1 else ''} refused by the broker since "
                f"the start ({here} on this connection), the last {last}"
                + (f" ({advice})" if advice else ""))

    # -- status -----------------------------------------------------------------------------

    def _refused_text(self, code: int) -> str:
        words = _reason_words(code)
        if code in _CREDENTIAL_CODES:
            hint = (f"check the user name {self.config.username!r} and its password"
                    if self.config.username else
                    "no user name was given: set username and password_file")
            return f"broker {self._address} refused the connection: {words} ({hint})"
        return f"broker {self._address} refused the connection: {words}"

    def _snapshot(self) -> BusStatus:
        oldest = self._queue[0].handed_mono if self._queue else None
        return BusStatus(self._status.state, self._status.detail, self._status.since_mono,
                         len(self._queue), oldest, self._refused_since_start,
                         self._refused_messages, self._last_refusal or "",
                         tuple(self._refused_filters.items()))

    def _set_status(self, state: BusState, detail: str) -> None:
        with self._lock:
            old = self._status
            new = next_status(old, state, detail, self._clock)
            if new is None:
                return
            self._status = new
            snapshot = self._snapshot()
        if state is not old.state:
            log.info("bus %s: %s", state.value, detail)
        if self._on_status is not None:
            call_owner(self._on_status, "on_status", snapshot)


def subscription_refusal(refused: tuple[tuple[str, str], ...], username: str | None) -> str:
    """Refused subscriptions ((filter, reason)) in words, with what to check: "the broker
    refused the subscription to infusion/chair/# (not authorised): nothing published there
    reaches this station (check what the broker's ACL lets user central read)"."""
    named = ", ".join(f"{f} ({why})" for f, why in refused)
    who = f"user {username}" if username else "anonymous clients"
    return (f"the broker refused the subscription to {named}: nothing published there reaches "
            f"this station (check what the broker's ACL lets {who} read)")


def next_status(old: BusStatus, state: BusState, detail: str, clock: Clock) -> BusStatus | None:
    """The status after news of `state` and `detail`, or None when it is no news (the same state
    and words, or anything after STOPPED). "Since" moves only when the state changes: the link's
    10 s and 60 s rules count from it. The unconfirmed fields are the caller's snapshot's."""
    if old.state is BusState.STOPPED or (old.state is state and old.detail == detail):
        return None
    since = old.since_mono if old.state is state else clock.now().mono
    return BusStatus(state, detail, since, 0, None)


# DISCONNECT reason code 0x04: the broker publishes the will, as for a lost connection (MQTT 5.0
# section 3.14.2.1; Mosquitto since 1.6).
_WITH_WILL: Final = ReasonCode(PacketTypes.DISCONNECT, identifier=0x04)


def _lifetime() -> Properties:
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    properties.MessageExpiryInterval = RETAINED_LIFETIME_S
    return properties


_LIFETIME: Final = _lifetime()   # only read by paho when it packs a PUBLISH
_LIFETIME_BYTES: Final = len(_LIFETIME.pack())  # type: ignore[no-untyped-call]


def publish_size(topic: str, payload: bytes, retain: bool) -> int:
    """The bytes of this bus's QoS 1 PUBLISH of `payload` to `topic`, as a broker's Maximum
    Packet Size counts them (the whole packet, MQTT 5.0 section 3.1.2.24): the fixed header, the
    topic, the packet id, the properties (a retained message's expiry) and the payload."""
    properties = _LIFETIME_BYTES if retain else 1   # 1: the empty properties' length byte
    rest = 2 + len(topic.encode("utf-8")) + 2 + properties + len(payload)
    # The remaining length as paho itself writes it (a variable byte integer).
    return 1 + len(VariableByteIntegers.encode(rest)) + rest  # type: ignore[no-untyped-call]


def held_s(message: mqtt.MQTTMessage) -> int | None:
    """How many whole seconds the broker held `message` before handing it on, from what is left
    of its RETAINED_LIFETIME_S; None when that cannot be known: no expiry or another one (not
    ours), or a held time no persistent session has (beyond SESSION_EXPIRY_S: a broker that
    shortened the lifetime; taken at its word, every live chair read as lost)."""
    left = getattr(message.properties, "MessageExpiryInterval", None)
    if not isinstance(left, int) or not 0 <= left <= RETAINED_LIFETIME_S:
        return None
    held = RETAINED_LIFETIME_S - left
    return held if held <= SESSION_EXPIRY_S else None


def check_subscription(topic_filter: str, qos: int) -> None:
    """Raise ValueError for a subscription the bus does not take."""
    if not topic_filter or "\0" in topic_filter:
        raise ValueError(f"topic filter {topic_filter!r} is not allowed")
    if qos not in (0, 1):
        raise ValueError(f"subscription qos {qos} is not allowed: 0 or 1")


def check_publish(topic: str, payload: object, qos: int) -> None:
    """Raise ValueError for a message the bus does not take (qos other than 1, a topic with a
    wildcard or empty, a payload not bytes)."""
    if qos != 1:
        raise ValueError(f"qos {qos} is not offered: the clinic bus sends QoS 1 only (at "
                         "least once, kept until the broker's PUBACK; receivers drop "
                         "duplicates by MSH-10)")
    _check_topic(topic, "topic")
    if not isinstance(payload, (bytes, bytearray)):
        raise ValueError(f"payload must be bytes, not {type(payload).__name__}")


def _check_topic(topic: str, what: str) -> None:
    if not topic or any(c in topic for c in "+#\0"):
        raise ValueError(f"{what} {topic!r} is not allowed: a topic name is not empty and has "
                         "no '+', '#' (wildcards are for subscriptions)")


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """A client context that checks the broker's certificate and host name (config.ca_context:
    ValueError naming the file and the cause when `ca_file` cannot be used)."""
    return ca_context(ca_file)


def _reason_words(code: int) -> str:
    return _REASONS.get(code, f"reason code 0x{code:02X}")




def call_owner(callback: Callable[..., None], name: str, *args: Any) -> None:
    """Run an owner callback on a transport's thread (paho's, or the bus process's reader); a
    bug in it is logged and the thread goes on (an exception would end it, and with it every
    later message)."""
    try:
        callback(*args)
    except Exception:
        log.exception("the bus's %s callback raised; the bus goes on", name)
