"""A station's clinic-network settings: `network.toml` in the user's config folder, and the same as
command-line options (an option given wins over the file).

    [network]
    broker = "mqtts://broker.clinic.lan:8883"   # the clinic bus; absent: the console runs alone
    chair = "chair-3"                          # topic level and broker user name
    room = "Room 3"                            # what people read
    username = "chair-3"                       # default the chair name; another station's is refused
    password_file = "/etc/infusion-console/chair-3.password"   # 0600, one line
    ca_file = "/etc/infusion-console/clinic-ca.pem"
    allow_plaintext = false     # mqtt:// or mllp:// to a host that is not loopback
    forward = "mllp://engine.clinic.lan:6661"  # the interface engine; absent: no forwarding
    forward_ca_file = "/etc/infusion-console/engine-ca.pem"   # default: ca_file
    quiet_room = false          # softer bedside tone while a central station confirms alarms
    patient_shown = "id"        # what the bus and the engine get of the patient: "id" or "none"
    facility = "Clinic"         # MSH-4 / PV1-3.4
    topic_prefix = "infusion"
    resend_username = "chair-3.resend"          # `network resend`'s own account (below)
    resend_password_file = "resend-password"

`network resend` (console/network/resend.py) sends the messages the broker refused beside the
running console, under an account of its own: a broker that makes every client id its account's
(the set-up's, `use_username_as_clientid`) would give it the console's connection on the chair's
account, and the console's on its reconnection. Both keys or neither; not the chair's account.

Without a broker and a forward the console runs alone, as before: `NetworkConfig.enabled` is False
and nothing of the network starts. Every mistake is a `ValueError` naming the file and the key (or
the option), what is wrong and what is allowed. A setting that would leave the chair quietly alone
is a mistake too: an empty value, a chair, room or quiet room without a broker or a forward, a
bus-only setting (quiet_room, username, password_file, topic_prefix) without a broker, a
settings file that sets neither a broker nor a forward (empty, or every line commented out), a
network.toml that is a link to a file not there, or no network.toml in the config folder but one
in a folder under it, at any depth (a kit copied as a folder). So
is a broker account that is another station's name: the broker's rules let it publish only as
that station (`check_account`).
The addresses are checked by the transports' own parsers (mqtt_bus.parse_bus_url,
mllp_sender.parse_mllp_url) and the CA file by loading it, here, before anything starts.

The password is never an option or a key itself: it is read from `password_file`, so it is not in
the shell history, the process list or a copied configuration.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shlex
import ssl
import stat
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

from console.network.bus_topics import DEFAULT_PREFIX, check_name, check_prefix, is_station_name

CONFIG_NAME: Final = "network.toml"
PATIENT_SHOWN: Final = ("id", "none")

_KEYS: Final = (
    "broker", "chair", "room", "username", "password_file", "ca_file", "allow_plaintext",
    "forward", "forward_ca_file", "quiet_room", "patient_shown", "facility", "topic_prefix",
    "resend_username", "resend_password_file",
)
_FLAGS: Final = ("allow_plaintext", "quiet_room")
# What each text key takes, said when it is given empty (facility may be: it is then left out).
_FORMS: Final = {
    "broker": "mqtts://host:8883 (mqtt:// to this machine only, unless allow_plaintext)",
    "chair": "the chair's name on the bus, 1-32 letters, digits, '_' or '-'",
    "room": "the room as people read it",
    "username": "the broker account",
    "password_file": "the path of the file holding the password",
    "ca_file": "the path of the CA certificate (a PEM file)",
    "forward": "mllps://host:port (mllp:// to this machine only, unless allow_plaintext)",
    "forward_ca_file": "the path of the CA certificate of the engine's (a PEM file)",
    "patient_shown": "id or none",
    "topic_prefix": "levels of letters, digits, '_' or '-' joined by '/' (default infusion)",
    "resend_username": "the broker account of `network resend` (e.g. chair-3.resend)",
    "resend_password_file": "the path of the file holding that account's password",
}
# What a CA file is for, said when it cannot be used.
_CA_FOR: Final = ("give the PEM file of the CA that signed the broker's (and the engine's) "
                   "certificate")
_T = TypeVar("_T")


def default_config_path() -> Path:
    import platformdirs  # noqa: PLC0415 - only when a station reads its configuration

    return platformdirs.user_config_path("infusion-console") / CONFIG_NAME


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    broker: str | None = None
    chair: str = ""
    room: str = ""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    allow_plaintext: bool = False
    forward: str | None = None
    # The engine's certificate often comes from another CA than the broker's (a hospital's own
    # CA for its interface engine, the clinic's for its broker): None uses ca_file for both.
    forward_ca_file: Path | None = None
    quiet_room: bool = False
    patient_shown: str = "id"
    facility: str = ""
    topic_prefix: str = DEFAULT_PREFIX
    # `network resend`'s own broker account and its password file (read by resend only): None
    # when the kit has none.
    resend_username: str | None = None
    resend_password_file: Path | None = None
    source: str = "defaults"

    @property
    def engine_ca_file(self) -> Path | None:
        """The CA the engine's certificate is checked against (None: the system's CAs)."""
        return self.forward_ca_file or self.ca_file

    @property
    def engine_ca_key(self) -> str:
        """The setting that gives `engine_ca_file`, as a refused engine certificate names it."""
        return "forward_ca_file" if self.forward_ca_file else "ca_file"

    @property
    def enabled(self) -> bool:
        return self.broker is not None or self.forward is not None

    def describe(self) -> str:
        """One line for the status bar and the session-start event (no password)."""
        if not self.enabled:
            return "no clinic network (this console runs alone)"
        parts = []
        if self.broker:
            parts.append(f"bus {self.broker} as {self.chair}")
        if self.forward:
            parts.append(f"engine {self.forward}")
        if self.quiet_room:
            parts.append("quiet room")
        return ", ".join(parts)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: traffic that never leaves this machine (the one rule for
    the bus, console/network/mqtt_bus.py, and the engine)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# What the IDNA codec (and so getaddrinfo) reads as the dot between a host name's parts.
_NAME_DOTS: Final = re.compile("[.\u3002\uff0e\uff61]")
HOST_NAME_FORM: Final = ("a host name is parts of 1-63 letters, digits or '-' joined by single "
                         "dots (e.g. engine.clinic.lan)")


def host_name_fault(host: str) -> str | None:
    """What makes `host` a name DNS cannot carry, in a few words, or None. Python's IDNA codec
    refuses it inside getaddrinfo with a UnicodeError, not the OSError of a name not found (the
    review: `engine..clinic.lan` ended the engine's sender thread for good)."""
    try:
        host.encode("idna")
    except UnicodeError:
        parts = _NAME_DOTS.split(host.rstrip(".\u3002\uff0e\uff61"))
        too_long = next((part for part in parts if len(part) > 63), None)
        if too_long is not None:
            return f"the part '{too_long[:12]}…' is {len(too_long)} characters, more than 63"
        if not all(parts):
            return "an empty part (two dots in a row, or a dot first)"
        return "a part that cannot be written in DNS (a character in it, or too long encoded)"
    return None


def undialable(host: str) -> str | None:
    """Why `host` is no address to connect to, in words that follow "is", or None when it may be
    one: the unspecified address (0.0.0.0, ::) means "every interface" to a listener and, dialled,
    the machine that dials it, so every chair given it reaches only itself (the review: `network
    setup --host 0.0.0.0` wrote mqtts://0.0.0.0:8883 into every chair's kit); a multicast
    address is a group, which TCP cannot connect to; a name DNS cannot carry
    (`host_name_fault`). Host names are not looked up here."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        fault = host_name_fault(host)
        return None if fault is None else f"not a valid host name: {fault}; {HOST_NAME_FORM}"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified:
        return ("the unspecified address (to a listener: every interface; dialled: the machine "
                "that dials it), not an address to connect to")
    if address.is_multicast:
        return "a multicast address (a group, not a host), not an address to connect to"
    return None


def without_password(url: str) -> str:
    """`url` as a message may show it: what is written before its host's '@' is shown as
    `user:***` (`***` without a ':'). It is refused, and must not be printed on the way; a
    clinic's password may hold any character, '/', '#', '?' and '@' too, so everything up to
    the last '@' is taken for it (the review: the password "Sec/ret9" was printed whole)."""
    start = url.find("//") + 2 if "//" in url else 0
    at = url.rfind("@")
    if at < start:
        return url
    user, colon, _password = url[start:at].partition(":")
    return f"{url[:start]}{user + ':***' if colon else '***'}{url[at:]}"


def split_address(url: str, what: str, schemes: Iterable[str], form: str, ipv6_example: str,
                  no_credentials: str, protocol: str) -> tuple[str, str, int | None]:
    """(scheme, host, port or None) of a clinic-network address, or ValueError saying what is
    wrong: the part the bus's and the engine's parsers share (mqtt_bus.parse_bus_url,
    mllp_sender.parse_mllp_url). A password written into `url` is never shown.

    Args:
        what: how the message names the address (`FILE: broker`, `--forward`).
        form: how to write it; ipv6_example: an IPv6 one, in brackets.
        no_credentials: what follows "holds a user name or password" in its refusal.
        protocol: the protocol's name, for "a path or query, which MQTT does not use".
    """
    shown = without_password(url)
    schemes = tuple(schemes)
    if "://" not in url:
        # `mqtts:/host` or `mqtts//host` has its scheme, short of a ':' or '/': it was said to
        # have none (the review).
        typed_scheme = next((url[:len(s)] for s in schemes if url[:len(s)].lower() == s
                             and url[len(s):len(s) + 1] in (":", "/")), None)
        if typed_scheme is not None:
            raise ValueError(f"{what} {shown!r} lacks the :// after {typed_scheme}: write :// "
                             f"after {typed_scheme}; {form}")
        # "localhost:1883" reads to urlsplit as the scheme "localhost" (QA: "has the scheme
        # 'localhost'").
        raise ValueError(f"{what} {shown!r} has no scheme: {form}")
    if "@" in url.partition("://")[2]:
        # Refused before urllib reads it: a password holding '/', '#' or '?' ends its host
        # there, and part of it was read as the port and quoted as "a bad port" (the review).
        raise ValueError(f"{what} {shown!r} holds a user name or password{no_credentials}")
    netloc = re.split(r"[/?#]", url.partition("://")[2], maxsplit=1)[0]
    if netloc.count(":") > 1 and "[" not in netloc:
        # A host name holds no ':' and host:port one: `fd00::5:8883`, an IPv6 address as IT
        # reads it, was "a bad port" (its port right, or none given; the review).
        raise ValueError(f"{what} {shown!r} has an IPv6 address without brackets: an IPv6 "
                         f"address goes in brackets, e.g. {ipv6_example}; {form}")
    # urllib's own words are never passed on: they quote the address as it read it.
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        if "[" in url or "]" in url:   # an unclosed bracket, or no IPv6 address in them
            raise ValueError(f"{what} {shown!r} is not a URL (Invalid IPv6 URL): {form}; an "
                             f"IPv6 address is written in brackets, e.g. {ipv6_example}") \
                from None
        # A character that Unicode normalization makes ':', '/', '?', '#' or '@' (a full-width
        # '＃'): urllib refuses the host.
        raise ValueError(f"{what} {shown!r} is not a URL (a character in it cannot be used in "
                         f"a host name): {form}") from None
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{what} {shown!r} has a bad port: the port is a number 1-65535; "
                         f"{form}") from None
    if parts.scheme not in schemes:
        scheme = f"the scheme {parts.scheme!r}" if parts.scheme else "no scheme"
        raise ValueError(f"{what} {shown!r} has {scheme}: {form}")
    if not parts.hostname:
        raise ValueError(f"{what} {shown!r} has no host: {form}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{what} {shown!r} has a path or query, which {protocol} does not use: "
                         f"{form}")
    if port == 0:
        raise ValueError(f"{what} {shown!r} has port 0: the port is a number 1-65535")
    return parts.scheme, parts.hostname, port


# What the status lines add while patient data crosses the network unencrypted (issue 12: the
# operator allowed it in the configuration, and the status line says it).
IN_CLEAR_NOTE: Final = "UNENCRYPTED (allow_plaintext is on)"


def crosses_in_clear(url: str | None) -> bool:
    """`url` is plain MQTT or MLLP (mqtt://, mllp://) to a host that is not this machine. Read
    stripped, as the bus's and the engine's parsers read it: a no-break space pasted before
    "mqtt://" had left the status line's UNENCRYPTED out while the data went in clear (a
    review)."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
        return parts.scheme in ("mqtt", "mllp") and not is_loopback(parts.hostname or "")
    except ValueError:
        return False


def option_name(key: str) -> str:
    """The command-line option of a settings key (`password_file` -> `--password-file`)."""
    return "--" + key.replace("_", "-")


def ca_context(ca_file: Path | None, what: str = "ca_file") -> ssl.SSLContext:
    """A client TLS context that checks the server's certificate and host name against `ca_file`
    (None: the system's CAs). The one way a CA file is read: the settings check it with this at
    load (a chair's, a central station's) and the bus and the MLLP sender build their TLS with it.

    Args:
        what: how the message names the setting (`FILE: ca_file`, `--ca-file`).

    Raises:
        ValueError: `ca_file` is not there, is a folder, cannot be read or holds no usable
            certificate; the message names `what`, the file and the cause.
    """
    try:
        # In a folder this account cannot look into, or a name too long: OSError, not False.
        folder = ca_file is not None and ca_file.is_dir()
    except OSError as exc:
        raise ValueError(f"{what} {ca_file} cannot be used ({_ca_words(exc)}): {_CA_FOR}") \
            from None
    if folder:
        raise ValueError(f"{what} {ca_file} is a folder, not a file: {_CA_FOR}")
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"{what} {ca_file} cannot be used ({_ca_words(exc)}): {_CA_FOR}") \
            from None
    if ca_file is not None and not context.cert_store_stats()["x509_ca"]:
        # The broker's own certificate (server.crt) given for ca.crt loads, then fails every
        # connection as "certificate not accepted" (the clinic IT audit): said at the start.
        raise ValueError(f"{what} {ca_file} holds no CA certificate (a server's own certificate, "
                         f"such as the set-up's server.crt, is not one): {_CA_FOR}")
    return context


# OpenSSL's verify codes for a certificate made for another name than the one dialled.
NAME_MISMATCH: Final = frozenset({62, 64})   # X509_V_ERR_HOSTNAME_MISMATCH, _IP_ADDRESS_MISMATCH
# ... and for one outside its dates: X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED.
OUT_OF_DATE: Final = frozenset({9, 10})


def certificate_refused(exc: ssl.SSLCertVerificationError, host: str,
                        ca_file: Path | None, engine_key: str | None = None) -> str:
    """Why a server's certificate was not accepted, and what to look at: the address's host name
    when the certificate is made for another (the CA file is then fine), its dates, else the CA
    file.

    Args:
        ca_file: the CA file the certificate was checked against (None: the system's CAs).
        engine_key: None for the broker's certificate (checked against `ca_file`); for the
            interface engine's, the setting that gave `ca_file` (`forward_ca_file`, or
            `ca_file` when that was not set). The engine's certificate is the hospital's, not
            `network setup`'s: it had been sent there, and its CA file went unnamed.
    """
    cause = f"TLS certificate not accepted ({exc.verify_message})"
    if exc.verify_code in NAME_MISMATCH:
        if engine_key is not None:
            return (f"{cause}: its certificate is not made for {host!r}; put the host name it "
                    f"was made for in forward, or have the engine's certificate made for "
                    f"{host!r} (by whoever runs the engine)")
        return (f"{cause}: its certificate is not made for {host!r}; put the host name it was "
                f"made for in the address (`network setup --host` names it), or make its "
                f"certificate for {host!r}")
    if exc.verify_code in OUT_OF_DATE:
        # The CA file is fine: "check ca_file" sent IT to the wrong file (the set-up's server
        # certificate lasts 825 days, so every clinic meets this).
        renew = ("whoever runs the engine renews it" if engine_key is not None
                 else "renew it on the broker (`network setup` makes a new one)")
        return (f"{cause}: the certificate of {host!r} is outside its dates; {renew}, or set "
                "this computer's clock right")
    wanted = "ca_file" if engine_key is None else "forward_ca_file"
    if ca_file is None:
        trust = f"check {wanted} (none given: the system's CAs were used)"
    elif engine_key in (None, wanted):
        trust = f"check {wanted} (now {ca_file})"
    else:
        # The README's case: the kit's ca_file is the clinic's broker CA, the engine's
        # certificate the hospital's.
        trust = (f"check {wanted} (not set: {engine_key} {ca_file} was used; set it to the CA "
                 "of the engine's certificate)")
    return f"{cause}: {trust}"


# What OpenSSL says when the answer to a TLS hello is no TLS (a plain listener's bytes, its close
# after reading the hello): only then may the port be a plain one. A peer's TLS alert says the
# opposite.
_NOT_TLS_REASONS: Final = frozenset({"WRONG_VERSION_NUMBER", "UNEXPECTED_EOF_WHILE_READING"})


def tls_alert_name(exc: ssl.SSLError) -> str | None:
    """The TLS alert the peer sent ("handshake failure"), or None when the error is not one:
    OpenSSL names a received alert SSLV3_ALERT_*, TLSV1_ALERT_* or TLSV13_ALERT_*."""
    reason = exc.reason or ""
    _, alert, name = reason.partition("_ALERT_")
    return name.lower().replace("_", " ") if alert and name else None


def handshake_refused(peer: str, exc: ssl.SSLError) -> str | None:
    """A TLS handshake `peer` ("the engine", "the broker") refused with an alert, in words with
    what it may want; None when `exc` is no alert. The peer speaks TLS: never advice to send in
    clear (the review: a Java 8 engine and a Mosquitto with mutual TLS answer "handshake
    failure", and both were called plain ports)."""
    alert = tls_alert_name(exc)
    if alert is None:
        return None
    if alert == "certificate required":
        return (f"{peer} requires a client certificate (TLS alert certificate required): the "
                "console has none")
    return (f"{peer} refused the TLS handshake (TLS alert {alert}): it may require a client "
            "certificate (the console has none) or a TLS version or cipher the console does "
            "not offer")


def alert_left(sock: object, exc: BaseException) -> ssl.SSLError | None:
    """The TLS alert with which the peer ended a connection that then failed with `exc`, or
    None. Over TLS 1.3 the client's handshake is over before the server has read the client's
    certificate: a server that wants one sends its alert after (certificate required), read by
    the client's first read; when the server closed at once, a send fails first (an end of
    file, a reset) with the alert still unread. `sock`: the client's TLS socket, non-blocking
    (what the peer sent before closing is read, never waited for)."""
    if isinstance(exc, ssl.SSLError) and tls_alert_name(exc) is not None:
        return exc
    if not (isinstance(sock, ssl.SSLSocket) and sock.gettimeout() == 0.0
            and isinstance(exc, (ssl.SSLError, ConnectionError))):
        return None
    try:
        sock.recv(_LEFT_READ)
    except ssl.SSLError as left:
        return left if tls_alert_name(left) is not None else None
    except OSError:
        pass
    return None


# Enough for the records a refusing peer sends before its close.
_LEFT_READ: Final = 16384


def looks_plain(exc: BaseException) -> bool:
    """Whether a failed TLS handshake looks like a plain (not TLS) listener: no answer within the
    time-out, an answer that is no TLS, or the connection closed or reset on the hello."""
    if isinstance(exc, ssl.SSLError):
        return isinstance(exc, ssl.SSLEOFError) or exc.reason in _NOT_TLS_REASONS
    return isinstance(exc, (TimeoutError, ConnectionError))


def os_words(exc: BaseException) -> str:
    """The system's words for `exc`, as a sentence goes on ("permission denied")."""
    if isinstance(exc, ssl.SSLError):
        return str(exc.reason or exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def _ca_words(exc: OSError) -> str:
    if isinstance(exc, ssl.SSLError):
        if exc.reason == "NO_CERTIFICATE_OR_CRL_FOUND":
            return "no certificate in it: a CA file is PEM text, -----BEGIN CERTIFICATE-----"
        return f"not a readable PEM certificate: {exc.reason or exc.strerror or exc}"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    return os_words(exc)


def check(config: NetworkConfig, label: Callable[[str], str] | None = None) -> NetworkConfig:
    """`config` if it is usable; ValueError naming what is wrong otherwise.

    Args:
        label: how a message names a key (`FILE: key`, or `--option` for one given on the
            command line); default: `<config.source>: key`.
    """
    name = label or (lambda key: f"{config.source}: {key}")
    # The transports' own parsers (imported only when there is a bus or an engine, P7): what
    # passes here is what they take, so nothing is refused later with a traceback.
    if config.broker is not None:
        from console.network.mqtt_bus import parse_bus_url  # noqa: PLC0415 - paho with a bus

        scheme, host, _port = parse_bus_url(config.broker, name("broker"))
        check_broker_host(config.broker, host, name("broker"))
        if not config.chair:
            raise ValueError(f"{name('broker')} needs a chair name: write chair = \"chair-1\" "
                             "under [network] or give --chair NAME")
        if scheme == "mqtt" and not config.allow_plaintext and not is_loopback(host):
            raise ValueError(
                f"{name('broker')}: refusing to send patient data unencrypted to "
                f"{config.broker}: use mqtts:// or set allow_plaintext = true (--allow-plaintext)")
    if config.chair:
        check_name(config.chair, name("chair"))
    if config.broker is not None:
        check_account(config.username or config.chair, config.chair, name("username"),
                      name("chair"))
        _check_resend_account(config, name)
    if config.forward is not None:
        from console.network.mllp_sender import parse_mllp_url  # noqa: PLC0415

        host, _port = parse_mllp_url(config.forward, name("forward"))
        _dialable(config.forward, host, name("forward"), "the interface engine's",
                  "mllps://engine.clinic.lan:6661")
        if (urlsplit(config.forward.strip()).scheme == "mllp" and not config.allow_plaintext
                and not is_loopback(host)):
            raise ValueError(
                f"{name('forward')}: refusing to send patient data unencrypted to "
                f"{config.forward}: use mllps:// or set allow_plaintext = true (--allow-plaintext)")
    if config.quiet_room and config.broker is None:
        raise ValueError(f"{name('quiet_room')} needs a broker: the softer bedside tone holds only "
                         "while a central station confirms alarms over the clinic bus; give "
                         "--broker URL (broker under [network]), or leave it out")
    if config.patient_shown not in PATIENT_SHOWN:
        raise ValueError(f"{name('patient_shown')} = {config.patient_shown!r}; allowed: "
                         f"{', '.join(PATIENT_SHOWN)}")
    check_prefix(config.topic_prefix, name("topic_prefix"))
    if config.forward_ca_file is not None:
        if config.forward is None:
            raise ValueError(f"{name('forward_ca_file')} needs a forward: it is the CA of the "
                             "interface engine's certificate; give --forward URL (forward under "
                             "[network]), or leave it out")
        ca_context(config.forward_ca_file, name("forward_ca_file"))
    if config.ca_file is not None:
        ca_context(config.ca_file, name("ca_file"))
    return config


def _check_resend_account(config: NetworkConfig, name: Callable[[str], str]) -> None:
    """`network resend`'s account: with its password file, and not the chair's own (on a broker
    that makes client ids the account's, it would take the running console's connection)."""
    given = {"resend_username": config.resend_username,
             "resend_password_file": config.resend_password_file}
    missing = [key for key, value in given.items() if value is None]
    if len(missing) == 1:
        other = "resend_password_file" if missing == ["resend_username"] else "resend_username"
        raise ValueError(f"{name(other)} is given without {missing[0]}: `network resend`'s "
                         "account needs both (network setup writes them into each chair's "
                         "kit), or leave both out")
    if config.resend_username is not None and \
            config.resend_username == (config.username or config.chair):
        raise ValueError(f"{name('resend_username')} = {config.resend_username!r} is the "
                         "chair's own account: `network resend` needs an account of its own "
                         "(e.g. chair-3.resend, allowed to write the chair's pcd01 and pcd04), "
                         "or it takes the running console's connection on the broker")


def check_broker_host(url: str, host: str, what: str) -> None:
    """ValueError when the broker address `url` (whose host is `host`) is no address to connect
    to (`undialable`): the chair's rule (`check`) and the central station's, in the same words."""
    _dialable(url, host, what, "the broker's", "mqtts://broker.clinic.lan:8883")


def _dialable(url: str, host: str, what: str, whose: str, example: str) -> None:
    """ValueError when `url`'s host is no address to connect to (`undialable`)."""
    why = undialable(host)
    if why is not None:
        raise ValueError(f"{what} {without_password(url)!r}: {host} is {why}; give {whose} "
                         f"host name or address on the clinic network (e.g. {example})")


def check_account(username: str, station: str, said: str, station_said: str,
                  kit: str = "chair") -> None:
    """The broker account must be the station's own name: `network setup`'s ACL lets account X
    write only under station X (a chair's account also reads only its own chair), and the bus
    client's id is made from the station's name. The rule of a chair (network.toml) and of a
    central station (central.toml's `name` and `username`) alike.

    Args:
        said, station_said: how the message names the two settings (`FILE: username`, `--name`).
        kit: what the station is, in the message (`chair`, `central station`).

    An account that cannot be a station's name (a cloud IoT hub's "hub/device/?api-version=…")
    is another broker's scheme, not another station's kit: it is taken as given, so a clinic
    still moves to such a broker by its settings alone.

    Raises:
        ValueError: they differ and the account is a station's name (a half-edited kit:
            chair-2's files with only `chair` changed knocked the real chair-3 off the broker
            every second, and the broker refused all its messages; the clinic IT audit).
    """
    if username == station or not is_station_name(username):
        return
    key = station_said.rsplit(": ", 1)[-1]
    if said.endswith(": username") and station_said == said.removesuffix("username") + key:
        station_said = key   # both in one file: it is named once
    raise ValueError(
        f"{said} = {username!r} and {station_said} = {station!r} differ: the broker's rules let "
        f"account {username} publish only as {kit} {username}; use {station}'s own settings kit "
        f"(the files of stations/{station}/ that `network setup` wrote)")


# MQTT's limit for a password (a two-byte length): a password file beyond it holds no password
# the broker could be sent, and only so much of it is read (the review: "/dev/zero" was read
# until memory ran out).
MAX_PASSWORD_BYTES: Final = 65535


def read_password(path: Path, what: str) -> str:
    """The password in `path`: one line of text (a chair's and a central station's, alike).

    Raises:
        ValueError: no such file, unreadable, not a regular file, larger than
            MAX_PASSWORD_BYTES, not text, empty, more than one line, or readable by every
            user of the computer (naming `what`, the file and what it must hold).
    """
    try:
        # O_NONBLOCK: a pipe is opened without waiting for a writer, then refused unread
        # (Windows has no such flag, nor such pipes).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValueError(f"{what} {path} cannot be read ({exc.strerror})") from None
    # Checked on the bare descriptor: os.fdopen refuses a folder itself, with an
    # IsADirectoryError that ended the start (and a resume) in a traceback (a review).
    try:
        status = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise ValueError(f"{what} {path} cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise ValueError(f"{what} {path} is not a regular file (a device, a pipe or a "
                         "folder): it must be a file holding the password as one line")
    with os.fdopen(fd, "rb") as file:
        try:
            raw = file.read(MAX_PASSWORD_BYTES + 3)   # the password, its line end, one more
        except OSError as exc:
            raise ValueError(f"{what} {path} cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_PASSWORD_BYTES + 2 or len(raw.strip()) > MAX_PASSWORD_BYTES:
        raise ValueError(f"{what} {path} holds more than {MAX_PASSWORD_BYTES} bytes: it must "
                         "hold the password as one line (MQTT takes at most 65535 bytes)")
    try:
        # utf-8-sig, as read_table reads network.toml: Notepad's "UTF-8 with BOM" put U+FEFF
        # before the password, which the broker then refused (the review).
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{what} {path} is not a text file: it must hold the password as one "
                         "line of text (UTF-8)") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError(f"{what} {path} is empty: it must hold the password as one line")
    if len(lines) > 1:
        # Sent whole, the broker refused it; the central station took the first line: each
        # read it its own way (QA).
        raise ValueError(f"{what} {path} holds {len(lines)} lines: it must hold the password "
                         "as one line")
    mode = status.st_mode & 0o777
    if mode & 0o004:
        # As ssh does with a private key: a secret every account here can read is no secret
        # (the clinic IT audit: a kit copied with mode 0644 started without a word).
        raise ValueError(f"{what} {path} can be read by every user of this computer (mode "
                         f"{mode:04o}): make it readable by its owner only "
                         f"(chmod 600 {shlex.quote(str(path))})")
    return lines[0]


def setting_path(value: str, settings_file: Path | None, what: str = "") -> Path:
    """A file named in a settings file: a relative path is read from that file's folder (the
    README's kit is copied as a folder), one given as an option from the current folder. For a
    settings file that is a link (to the clinic's managed copy), the folder of the file it
    links to: the kit's password and ca.crt are beside the kit, not beside the link.

    Args:
        what: how a refusal names the setting (`FILE: key`, or `--option`).

    Raises:
        ValueError: `~user/...` for a user this computer does not have (a kit written on the
            IT person's computer): pathlib's RuntimeError ended the start in a traceback.
    """
    if "\0" in value:
        # os.stat refused it with "embedded null byte", naming no setting.
        named = f"{what} {value!r}" if what else repr(value)
        raise ValueError(f"{named} holds a NUL character, which no file name can: give the "
                         "file's path")
    path = _home_expanded(value, what)
    if settings_file is not None and not path.is_absolute():
        # resolve(): the kit's own comment says its paths are read from its folder; through a
        # link they were read from the link's, and the chair refused for files IT never wrote
        # (the review).
        return settings_file.resolve().parent / path
    return path


def _home_expanded(value: str, what: str) -> Path:
    """`value` with a leading `~` or `~user` made that user's home folder."""
    try:
        return Path(value).expanduser()
    except RuntimeError:   # pathlib: "Could not determine home directory."
        user = Path(value).parts[0][1:]
        who = f"the user {user}" if user else "the user running the console"
        named = f"{what} {value}" if what else value
        raise ValueError(f"{named}: {who} has no home folder on this computer (a path written "
                         "on another one?); give an absolute path") from None


_KIND_WORDS: Final[dict[type, str]] = {str: "text in quotes", bool: "true or false (no quotes)"}


def typed(table: Mapping[str, Any], key: str, kind: type[_T], what: str,
          empty: str | None = None) -> _T | None:
    """The value of `key` in a station's settings, checked: None when it is not there. The one
    typed reading of network.toml and central.toml.

    Args:
        what: how the message names the setting (`FILE: key`, or `--option`).
        empty: what the key takes, said when its value is empty text; None: empty is allowed.

    Raises:
        ValueError: a value of another type (`"no"` for a flag is text, and text would count
            as true), or empty text where `empty` says what to write; the message names
            `what`, the type expected and the value found.
    """
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, kind):
        raise ValueError(f"{what} must be {_KIND_WORDS.get(kind, kind.__name__)}, not {value!r}")
    if empty is not None and isinstance(value, str) and not value.strip():
        raise ValueError(f"{what} is empty: write {empty}, or leave it out")
    return value


# What TOML says of a value it could not read: the one mistake quoting advice answers.
_VALUE_ERRORS: Final = ("Invalid value", "Unterminated string", "Illegal character",
                        "Unescaped", "Unclosed array", "Invalid hex value", "Invalid date")
# What TOML says of a value line with more after the value: words left unquoted (`room = 4 North`).
_TRAILING_ERROR: Final = "Expected newline or end of document"


def _toml_line(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """The line TOML could not read, and what is wrong with it: how values are written for a
    value (QA: `quiet_room = yes` got "Invalid value (at line 13, column 14)", naming no key),
    a key or table given twice for that (it got the quoting advice, the line already quoted)."""
    found = re.search(r"at line (\d+)", str(exc))
    lines = text.splitlines()
    if found is None or not 0 < int(found[1]) <= len(lines):
        return ""
    number = int(found[1])
    line = lines[number - 1].strip()
    said = f": line {number} reads {line!r}"
    error = str(exc)
    if error.startswith("Cannot declare"):
        return (f"{said}; the table {line} is given twice: write it once, with every setting "
                "under it")
    if error.startswith("Cannot overwrite"):
        return said + _given_twice(line, lines[:number - 1])
    if error.startswith(_TRAILING_ERROR) and line.startswith("["):
        return f"{said}; a table line holds only its name in brackets ([network])"
    if error.startswith(_VALUE_ERRORS + (_TRAILING_ERROR,)):
        return (f"{said}; text goes in quotes (room = \"Room 3\"), yes or no is true or false "
                "without quotes")
    return said


def _given_twice(line: str, before: list[str]) -> str:
    """What a line that sets again what was set before says: the key, and where it was first."""
    key = line.partition("=")[0].strip()
    first = next((n for n, earlier in enumerate(before, 1)
                  if earlier.partition("=")[0].strip() == key), None)
    where = f" (first on line {first})" if first is not None else ""
    return f"; {key} is given twice{where}: keep one line for it"


def _not_utf8(path: Path) -> str:
    """Where the file at `path` is not UTF-8 (an editor saving Windows-1252 or Latin-1: a room
    "Salle été" got Python's codec words and a byte offset), and how to save it."""
    try:
        raw = path.read_bytes()
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        number = exc.object[:exc.start].count(b"\n") + 1
        line = raw.splitlines()[number - 1].decode("utf-8", errors="replace").strip()
        return (f"{path}: line {number} reads {line!r}, which is not UTF-8 text (byte "
                f"0x{exc.object[exc.start]:02x}): save the file as UTF-8 (in Notepad: Save as, "
                "Encoding UTF-8)")
    except OSError as exc:   # gone or locked since it was read
        return f"{path}: not a readable TOML file ({exc})"
    return f"{path}: not a readable TOML file (not UTF-8 text): save the file as UTF-8"


@dataclass(frozen=True, slots=True)
class _StationFile:
    """A station's settings file, by its table, as a message names it."""

    file: str    # its name in a settings kit
    whose: str   # what it is
    reader: str  # the station that reads it
    start: str   # how that station is started with it ({path}: the file)


# The two settings files of a kit: one given to the other station is named for what it is
# (QA: `central --config network.toml` said only "found outside [central]: [network]").
_STATION_FILES: Final = {
    "network": _StationFile(CONFIG_NAME, "a chair's network settings", "a chair",
                            "infusion-console --network-config {path}"),
    "central": _StationFile("central.toml", "the central station's settings",
                            "the central station", "infusion-console central --config {path}"),
}


def _other_station_file(path: Path, name: str, tables: set[str]) -> str | None:
    """Why the file at `path`, whose only table is the other station's, is not `name`'s, and
    what to run instead; None for any other file."""
    found = next(iter(tables)) if len(tables) == 1 else name
    if found == name or found not in _STATION_FILES or name not in _STATION_FILES:
        return None
    it, wanted = _STATION_FILES[found], _STATION_FILES[name]
    return (f"{path} is {it.whose} ([{found}] table); {wanted.reader} reads a [{name}] table: "
            f"use the {wanted.file} of its own settings kit (clinic-broker/stations/<its name>/"
            f"{wanted.file}, written by `infusion-console network setup`), and start "
            f"{it.reader} with this file: {it.start.format(path=shlex.quote(str(path)))}")


def read_table(path: Path, name: str, keys: Iterable[str]) -> dict[str, Any]:
    """The `[name]` table of the station settings file at `path` (network.toml, central.toml).

    Anything else in the file is refused, not ignored: a setting written above the table's
    header, or under a misspelt table, would otherwise leave the station running without it
    (a chair alone, off the central station) with nothing said.

    Raises:
        ValueError: unreadable TOML, the other station's file (a chair's network.toml given to
            the central station, or the reverse), anything outside `[name]`, a key not in
            `keys` (the message names the file, what is wrong and what is allowed).
    """
    try:
        # utf-8-sig: a file saved as Notepad's "UTF-8 with BOM" is the same settings (it was
        # refused with advice about quotes that did not apply).
        text = path.read_text(encoding="utf-8-sig")
        doc = tomllib.loads(text)
    except OSError as exc:
        raise ValueError(f"{path}: not a readable TOML file ({exc})") from None
    except UnicodeDecodeError:
        raise ValueError(_not_utf8(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not a readable TOML file ({exc}){_toml_line(text, exc)}") \
            from None
    except ValueError:   # tomllib's int() of a number past 4300 digits, not a TOMLDecodeError
        raise ValueError(f"{path}: not a readable TOML file (a whole number of more than 4300 "
                         "digits)") from None
    except RecursionError:   # tomllib recurses per level of nested arrays or inline tables
        raise ValueError(f"{path}: not a readable TOML file (nested too deeply)") from None
    other = _other_station_file(path, name, set(doc))
    if other is not None:
        raise ValueError(other)
    outside = sorted(set(doc) - {name})
    if outside:
        found = ", ".join(f"[{k}]" if isinstance(doc[k], dict) else k for k in outside)
        raise ValueError(f"{path}: found outside [{name}]: {found}. This file takes only "
                         f"settings written under a line [{name}]")
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [{name}] must be a table")
    known = sorted(keys)
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)} in [{name}]; known: "
                         f"{', '.join(known)}")
    return dict(table)


def misplaced_kits(config_folder: Path) -> list[Path]:
    """The network.toml files in folders under `config_folder`, at any depth, sorted (a set-up
    kit copied as a folder instead of its files): the one rule for them, `load`'s. The start's
    `network_config` (console/ui/app.py) only asks whether any network.toml is under the folder
    before loading this module. Its own network.toml is not one; links to folders are not
    followed.

    Looked for one folder down only, a kit two down (`cp -r clinic-broker/stations
    ~/.config/infusion-console/`) ran the chair alone, off the clinic network, without a word
    (the review).
    """
    own = config_folder / CONFIG_NAME
    return sorted(path for path in config_folder.rglob(CONFIG_NAME) if path != own)


def _misplaced(path: Path, kits: list[Path]) -> str:
    """Why the config folder's kits under it are refused (`path`: the network.toml this console
    reads, not there), and which files to move up."""
    folder = path.parent
    if len(kits) == 1:
        # The kit's folder copied whole (`cp -rp clinic-broker/stations/chair-3 ~/.config/
        # infusion-console/`): the chair ran alone with nothing said (the clinic IT audit).
        kit = kits[0]
        depth = len(kit.relative_to(folder).parts) - 1
        deep = "one folder" if depth == 1 else f"{depth} folders"
        return (f"{kit}: a settings kit copied {deep} too deep: this console reads {path}, and "
                f"without it would run alone, off the clinic network. Move the kit's files up "
                f"into {folder} (mv {shlex.quote(str(kit.parent))}/* "
                f"{shlex.quote(str(folder))}/)")
    # Several (every chair's kit, `stations/` copied whole): only IT knows which is this
    # chair's. Named from `path` on, so the alarm row reads "network.toml" (refused_setting).
    listed = ", ".join(kit.relative_to(folder).as_posix() for kit in kits)
    above = {kit.parent.parent for kit in kits}
    source = (f"{shlex.quote(str(above.pop()))}/<this chair>" if len(above) == 1
              else "<its folder>")
    return (f"{path}: not there, and {len(kits)} settings kits are in folders under {folder} "
            f"({listed}): without it this console would run alone, off the clinic network. "
            f"Move the files of this chair's own kit up into {folder} (mv {source}/* "
            f"{shlex.quote(str(folder))}/)")


def load(path: Path | None = None, overrides: dict[str, Any] | None = None) -> NetworkConfig:
    """The file's settings with `overrides` (options given on the command line, None for those
    not given) on top. `path` None: network.toml in the user's config folder, if there is one;
    a `path` given must exist, and a kit in a folder under the config folder is a mistake.

    Raises:
        ValueError: a named file that is not there, no network.toml in the config folder but
            one or more in folders under it (misplaced_kits), unreadable TOML, anything outside
            [network], an unknown key, a wrong type or value, an empty value, settings without a
            broker or a forward, a file there that sets neither (empty, every line commented
            out: the file names itself), bus-only settings without a broker, a network.toml
            that is a link to a file not there (the message names the file and key, or the
            option).
    """
    named = path is not None
    path = path or default_config_path()
    table: dict[str, Any] = {}
    labels: dict[str, str] = {}
    source = "command line"
    present = settings_present(path, "--network-config" if named else "")
    _refuse_dangling_link(path)   # its folders could be looked into: is_symlink can answer
    if present:
        table = read_table(path, "network", _KEYS)
        labels = {key: f"{path}: {key}" for key in table}
        source = str(path)
    elif named:
        # A file named on purpose and not there (a typo): running alone would leave the chair
        # off the central station without a word.
        raise ValueError(f"--network-config {path}: no such file")
    elif kits := misplaced_kits(path.parent):
        raise ValueError(_misplaced(path, kits))
    for key, value in (overrides or {}).items():
        if value is not None:
            table[key] = value
            labels[key] = option_name(key)
            source = f"{source} + command line" if source != "command line" else source

    def label(key: str) -> str:
        return labels.get(key, f"{source}: {key}")

    strings = {k: typed(table, k, str, label(k), _FORMS.get(k)) for k in _KEYS
               if k not in _FLAGS}
    flags = {k: typed(table, k, bool, label(k)) for k in _FLAGS}
    if strings["broker"] is None and strings["forward"] is None:
        unused = [k for k in _KEYS if table.get(k) not in (None, False, "")]
        if unused:
            # The chair would run alone, off the central station, with nothing said.
            raise ValueError(
                f"{_listed(unused, labels, str(path))} given without a broker or a forward: "
                "this console would run alone, off the clinic network. Give --broker URL "
                "and/or --forward URL (broker / forward under [network] in network.toml), or "
                f"leave {'it' if len(unused) == 1 else 'them'} out to run alone")
        if present:
            # An empty file (a kit copied onto a full disk, a failed USB copy) or one with every
            # line commented out ran the chair alone with nothing said; its being there says a
            # network was meant, as a named file's, a link's or a kit in a folder under it does.
            raise ValueError(
                f"{path}: sets no broker and no forward: this console would run alone, off the "
                "clinic network. Give broker (the clinic bus) and/or forward (the interface "
                "engine) under [network], or remove the file to run alone")

    def file_setting(key: str) -> Path | None:
        value = strings[key]
        if not value:
            return None
        return setting_path(value, path if labels.get(key) == f"{path}: {key}" else None,
                            label(key))

    password_file = file_setting("password_file")
    if strings["broker"] is None:   # before the password is read: it would not be used
        _refuse_bus_only(strings, labels, str(path))
    password = read_password(password_file, label("password_file")) if password_file else None
    chair = strings["chair"] or ""
    config = NetworkConfig(
        broker=strings["broker"],
        chair=chair,
        room=strings["room"] or chair,
        username=strings["username"] or (chair or None),
        password=password,
        ca_file=file_setting("ca_file"),
        allow_plaintext=bool(flags["allow_plaintext"]),
        forward=strings["forward"],
        forward_ca_file=file_setting("forward_ca_file"),
        quiet_room=bool(flags["quiet_room"]),
        patient_shown=strings["patient_shown"] or "id",
        facility=strings["facility"] or "",
        topic_prefix=strings["topic_prefix"] or DEFAULT_PREFIX,
        resend_username=strings["resend_username"],
        resend_password_file=file_setting("resend_password_file"),
        source=source,
    )
    return check(config, label)


# Settings only the clinic bus reads: with a forward but no broker the chair is never on the bus
# (its alarms never reach the central station) while they say it should be.
_BUS_ONLY: Final = ("username", "password_file", "topic_prefix", "resend_username",
                    "resend_password_file")


def _refuse_bus_only(strings: Mapping[str, str | None], labels: Mapping[str, str],
                     file: str) -> None:
    """Refuse a bus-only setting given without a broker, as quiet_room is refused."""
    given = [k for k in _BUS_ONLY if strings[k] is not None]
    if given:
        raise ValueError(
            f"{_listed(given, labels, file)} {'needs' if len(given) == 1 else 'need'} a broker: "
            f"{'it is' if len(given) == 1 else 'they are'} for the clinic bus only, and without "
            "a broker this chair is not on it (its alarms never reach the central station); "
            "give --broker URL (broker under [network]), or leave "
            f"{'it' if len(given) == 1 else 'them'} out")


def settings_present(path: Path, option: str = "") -> bool:
    """Whether the station settings file at `path` (network.toml, central.toml) is there.

    Args:
        option: the option that named it (`--config`), said before the path; "" for none.

    Raises:
        ValueError: a path that cannot be looked at: a folder on it closed to this account, a
            name too long (the review: a PermissionError traceback at the chair's and the
            central station's start).
    """
    try:
        return path.exists()
    except OSError as exc:
        named = f"{option} {path}" if option else str(path)
        raise ValueError(f"{named} cannot be read ({_ca_words(exc)}): give the path of a "
                         "settings file this account can read") from None


def _refuse_dangling_link(path: Path) -> None:
    """Refuse a settings file that is a link to a file that is not there.

    `exists()` is False for it, so the chair ran alone, off the clinic network, with nothing
    said (a link to the clinic's managed copy whose disk was not mounted, or which was renamed).
    """
    if not path.is_symlink() or path.exists():
        return
    try:
        target = str(path.readlink())
    except OSError:
        target = "a file"
    raise ValueError(f"{path} is a link to {target}, which is not there (renamed, or its disk "
                     "not mounted?): without it this console would run alone, off the clinic "
                     "network. Restore that file, or remove the link to run alone")


# How a refusal goes on after the settings file it begins with, when not with ": " (a link to a
# file not there, a folder closed to this account: `_refuse_dangling_link`, `settings_present`).
_AFTER_FILE: Final = re.compile(r": | is a link to | cannot be read \(")


def refused_setting(refusal: str) -> str:
    """The option (`--forward`) or the settings file's name (`network.toml`) a refusal of `load`
    begins with: what a line too short for the whole refusal names (an alarm row). It was the
    text up to the first ": ", and a link to a file not there read "network.toml, which is not
    there (renamed, or its disk not mounted?)"."""
    if refusal.startswith("--"):
        return refusal.split(maxsplit=1)[0]
    return Path(_AFTER_FILE.split(refusal, maxsplit=1)[0]).name


def _listed(keys: list[str], labels: Mapping[str, str], file: str) -> str:
    """`FILE: chair, room` and/or `--chair, --room`: the keys as their file or option name them."""
    options = [labels[k] for k in keys if labels[k] == option_name(k)]
    in_file = [k for k in keys if labels[k] != option_name(k)]
    parts = []
    if in_file:
        parts.append(f"{file}: {', '.join(in_file)}")
    if options:
        parts.append(", ".join(options))
    return " and ".join(parts)
