"""A station's clinic-network settings: `network.toml` in the user's config folder, and the same as
command-line options (an option given wins over the file).

    [network]
    broker = "mqtts://broker.clinic.lan:8883"   # the clinic bus; absent: the console runs alone
    chair = "chair-3"                          # topic level and broker user name
    room = "Room 3"                            # what people read
    username = "chair-3"                       # default: the chair name
    password_file = "/etc/infusion-console/chair-3.password"   # 0600, one line
    ca_file = "/etc/infusion-console/clinic-ca.pem"
    allow_plaintext = false     # mqtt:// or mllp:// to a host that is not loopback
    forward = "mllp://engine.clinic.lan:6661"  # the interface engine; absent: no forwarding
    quiet_room = false          # softer bedside tone while a central station confirms alarms
    patient_shown = "id"        # what the bus and the engine get of the patient: "id" or "none"
    facility = "Clinic"         # MSH-4 / PV1-3.4
    topic_prefix = "infusion"

Without a broker and a forward the console runs alone, as before: `NetworkConfig.enabled` is False
and nothing of the network starts. Every mistake is a `ValueError` naming the file (or option),
the key, what is wrong and what is allowed.

The password is never an option or a key itself: it is read from `password_file`, so it is not in
the shell history, the process list or a copied configuration.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from console.network.bus_topics import DEFAULT_PREFIX, check_name, check_prefix

CONFIG_NAME: Final = "network.toml"
PATIENT_SHOWN: Final = ("id", "none")

_KEYS: Final = frozenset({
    "broker", "chair", "room", "username", "password_file", "ca_file", "allow_plaintext",
    "forward", "quiet_room", "patient_shown", "facility", "topic_prefix",
})


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
    quiet_room: bool = False
    patient_shown: str = "id"
    facility: str = ""
    topic_prefix: str = DEFAULT_PREFIX
    source: str = "defaults"

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


# What the status lines add while patient data crosses the network unencrypted (issue 12: the
# operator allowed it in the configuration, and the status line says it).
IN_CLEAR_NOTE: Final = "UNENCRYPTED (allow_plaintext is on)"


def crosses_in_clear(url: str | None) -> bool:
    """`url` is plain MQTT or MLLP (mqtt://, mllp://) to a host that is not this machine."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("mqtt", "mllp") and not is_loopback(parts.hostname or "")
    except ValueError:
        return False


def _scheme_host(url: str, allowed: tuple[str, ...], what: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in allowed or not parts.hostname:
        raise ValueError(f"{what} {url!r} is not a URL this console can use: write "
                         f"{' or '.join(s + '://host:port' for s in allowed)}")
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise ValueError(f"{what} {url!r}: the port must be a number 1-65535") from None
    return parts.scheme, parts.hostname


def check(config: NetworkConfig) -> NetworkConfig:
    """`config` if it is usable; ValueError naming what is wrong otherwise."""
    where = config.source
    if config.broker is not None:
        scheme, host = _scheme_host(config.broker, ("mqtt", "mqtts"), f"{where}: broker")
        if not config.chair:
            raise ValueError(f"{where}: a broker needs a chair name (chair = \"chair-1\" or "
                             "--chair NAME)")
        if scheme == "mqtt" and not config.allow_plaintext and not is_loopback(host):
            raise ValueError(
                f"{where}: refusing to send patient data unencrypted to {config.broker}: use "
                "mqtts:// or set allow_plaintext = true (--allow-plaintext)")
    if config.chair:
        check_name(config.chair)
    if config.forward is not None:
        scheme, host = _scheme_host(config.forward, ("mllp", "mllps"), f"{where}: forward")
        if scheme == "mllp" and not config.allow_plaintext and not is_loopback(host):
            raise ValueError(
                f"{where}: refusing to send patient data unencrypted to {config.forward}: use "
                "mllps:// or set allow_plaintext = true (--allow-plaintext)")
    if config.patient_shown not in PATIENT_SHOWN:
        raise ValueError(f"{where}: patient_shown = {config.patient_shown!r}; allowed: "
                         f"{', '.join(PATIENT_SHOWN)}")
    check_prefix(config.topic_prefix)
    if config.ca_file is not None and not config.ca_file.is_file():
        raise ValueError(f"{where}: ca_file {config.ca_file} does not exist")
    return config


def _read_password(path: Path, where: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{where}: password_file {path} cannot be read ({exc.strerror})") from None
    password = text.strip()
    if not password:
        raise ValueError(f"{where}: password_file {path} is empty")
    return password


def _typed(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        raise ValueError(f"{where}: {key} must be {kind.__name__}, not {value!r}")
    return value


def read_table(path: Path, name: str, keys: Iterable[str]) -> dict[str, Any]:
    """The `[name]` table of the station settings file at `path` (network.toml, central.toml).

    Anything else in the file is refused, not ignored: a setting written above the table's
    header, or under a misspelt table, would otherwise leave the station running without it
    (a chair alone, off the central station) with nothing said.

    Raises:
        ValueError: unreadable TOML, anything outside `[name]`, a key not in `keys` (the message
            names the file, what is wrong and what is allowed).
    """
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: not a readable TOML file ({exc})") from None
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


def load(path: Path | None = None, overrides: dict[str, Any] | None = None) -> NetworkConfig:
    """The file's settings with `overrides` (options given on the command line, None for those
    not given) on top. `path` None: network.toml in the user's config folder, if there is one;
    a `path` given must exist.

    Raises:
        ValueError: a named file that is not there, unreadable TOML, anything outside [network],
            an unknown key, a wrong type or value (the message names it).
    """
    named = path is not None
    path = path or default_config_path()
    table: dict[str, Any] = {}
    source = "command line"
    if path.exists():
        table = read_table(path, "network", _KEYS)
        source = str(path)
    elif named:
        # A file named on purpose and not there (a typo): running alone would leave the chair
        # off the central station without a word.
        raise ValueError(f"--network-config {path}: no such file")
    for key, value in (overrides or {}).items():
        if value is not None:
            table[key] = value
            source = f"{source} + command line" if source != "command line" else source
    where = source
    strings = {k: _typed(table, k, str, where) for k in
               ("broker", "chair", "room", "username", "password_file", "ca_file", "forward",
                "patient_shown", "facility", "topic_prefix")}
    flags = {k: _typed(table, k, bool, where) for k in ("allow_plaintext", "quiet_room")}
    password = None
    if strings["password_file"]:
        password = _read_password(Path(strings["password_file"]).expanduser(), where)
    chair = strings["chair"] or ""
    config = NetworkConfig(
        broker=strings["broker"] or None,
        chair=chair,
        room=strings["room"] or chair,
        username=strings["username"] or (chair or None),
        password=password,
        ca_file=Path(strings["ca_file"]).expanduser() if strings["ca_file"] else None,
        allow_plaintext=bool(flags["allow_plaintext"]),
        forward=strings["forward"] or None,
        quiet_room=bool(flags["quiet_room"]),
        patient_shown=strings["patient_shown"] or "id",
        facility=strings["facility"] or "",
        topic_prefix=strings["topic_prefix"] or DEFAULT_PREFIX,
        source=source,
    )
    return check(config)
