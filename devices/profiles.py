"""Device profiles: one bedside monitor model, as data a clinic can add to.

A profile names a monitor model and everything the console needs to read it: the transport
(a serial line with its settings, a TCP `socket://` or a UDP `udp://` address), the format
(`devices.formats.FORMATS`, plus `hl7-polled` for monitors that must be asked), the vendor HL7
code map (a dialect, `devices/hl7/dialects.py`), whether and how often to poll, and so the silence
watchdog. Shipped profiles live in `devices/profiles/*.toml`; a clinic drops its own in
`<config>/infusion-console/devices/profiles/` (like its protocols). A bare format name
(`hl7`, `masimo`, ...) still works everywhere a profile name does: it is that format with its
defaults, so command lines and session logs written before profiles keep meaning the same.

**The silence watchdog follows the device (issue 14).** A device that pushes every 1-2 s keeps
the 4 s of `devices.formats` (quality bar R2). A device that sends more slowly, or answers only
when asked, cannot meet 4 s without false alarms: its watchdog is two of its periods
(`send_period_seconds`, or the poll period), never under 4 s, so one lost message or unanswered
poll never alarms and a second one always does. The cost is written where the nurse chooses the
device: a monitor polled every 5 s raises "no data" 10 s after its last answer.

File format (every key checked; an unknown key is refused, so a typo never drops a setting):

    model = "Nihon Kohden PVM-2701 / BSM (HL7 v2.4 push)"   # what the nurse picks
    format = "hl7"                   # hl7 | hl7-polled | masimo | ansar-b | intellivue | mindray-bedside
    dialect = "nihon-kohden"         # HL7 only: a vendor code map (optional)
    connection = "serial"            # serial | tcp | udp: what kind of address to give
    address_example = "/dev/ttyUSB0" # shown as a hint
    send_period_seconds = 2          # how often the device sends (not for polled devices)
    [serial]                         # optional: the line settings, if not the format's
    baudrate = 115200
    [poll]                           # hl7-polled and intellivue: how to ask
    period_seconds = 5
    query = "philips-efficia"        # hl7-polled only: the vendor's QRY^R02 flavour
    bed = ""                         # hl7-polled gateways only: this chair's bed (Mindray: IPv4)

No Qt here; the only I/O is reading the files.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from devices.formats import FORMATS, NO_DATA_SECONDS, SerialSettings
from devices.stream import StreamDecoder, UnplacedNibp
from devices.toml_value import shown as value_shown

log = logging.getLogger(__name__)

APP_NAME = "infusion-console"
MAX_FILE_BYTES = 64 * 1024
CONNECTIONS = ("serial", "tcp", "udp")
POLLED_FORMATS = ("hl7-polled", "intellivue", "mindray-bedside")
HL7_FORMATS = ("hl7", "hl7-polled", "mindray-bedside")
"""Formats whose messages are HL7: the ones a vendor code map (a dialect) applies to."""
MINDRAY_ECHO_MAX_SECONDS = 5.0
FORMAT_NAMES = (*FORMATS, *(f for f in POLLED_FORMATS if f not in FORMATS))
BED_QUERIES = ("mindray-gateway", "draeger-gateway")
"""Query flavours that ask a gateway for one bed among many: a profile must name the bed."""
PARITIES = ("N", "E", "O", "M", "S")
MIN_PERIOD_SECONDS = 0.5    # the fastest IntelliVue poll (devices.md); nothing sends faster
MAX_PERIOD_SECONDS = 300.0  # a slower "monitor" is not monitoring


class ProfileError(ValueError):
    """A profile file that cannot be used: which file, which key, and why."""

    def __init__(self, file: Path | str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = Path(file)
        self.key = key
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Poll:
    """How a device that must be asked is asked.

    Attributes:
        period_seconds: one query (or IntelliVue poll) every this many seconds.
        query: the vendor's QRY^R02 flavour (`hl7-polled` only).
        bed: which bed of a multi-bed gateway is this chair's (Mindray: the bed's IPv4).
    """

    period_seconds: float
    query: str = ""
    bed: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """One monitor model (see the module docstring for the file keys).

    Attributes:
        name: the file's stem; what `--device-profile` and the start screen use.
        model: the model as a nurse or a biomed knows it.
        format: how its bytes are read.
        dialect: the vendor HL7 code map, or "" for standard codes only.
        connection: `serial`, `tcp` or `udp`: the kind of address the nurse gives.
        address_example: a hint for that address.
        serial: line settings (only meaningful for `serial`).
        send_period_seconds: how often the device sends unasked; None for a polled device.
        poll: how it is asked; None for a device that pushes.
        source: the file it came from ("" for a bare format).
    """

    name: str
    model: str
    format: str
    dialect: str = ""
    connection: str = "serial"
    address_example: str = "/dev/ttyUSB0"
    serial: SerialSettings = field(default_factory=SerialSettings)
    send_period_seconds: float | None = None
    poll: Poll | None = None
    source: str = ""

    @property
    def needs_bed(self) -> bool:
        """A gateway serving several beds, and this profile names none: it cannot be used
        (reading "any bed" could show another patient's values)."""
        return self.poll is not None and self.poll.query in BED_QUERIES and not self.poll.bed

    @property
    def stale_after_seconds(self) -> float:
        """The silence watchdog: two send or poll periods, never under 4 s (module docstring)."""
        period = self.poll.period_seconds if self.poll is not None else self.send_period_seconds
        return NO_DATA_SECONDS if period is None else max(NO_DATA_SECONDS, 2 * period)

    def describe(self) -> str:
        """One line for the device chooser: the model, how it talks, when silence alarms."""
        how = (f"asked every {self.poll.period_seconds:g} s" if self.poll is not None
               else f"sends every {self.send_period_seconds:g} s" if self.send_period_seconds
               else "sends continuously")
        return f"{self.model} · {how} · “no data” after {self.stale_after_seconds:g} s of silence"

    def reads(self) -> str:
        """How its bytes are read: the format, its code map, the connection."""
        dialect = f", {self.dialect} codes" if self.dialect else ""
        return f"{self.format}{dialect} over {self.connection}"


@dataclass(frozen=True, slots=True)
class ProfileFormat:
    """A profile as the transport sees a format (`devices.transport.FormatLike`)."""

    profile: Profile
    build: Callable[[Profile, str, UnplacedNibp | None], StreamDecoder]

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def description(self) -> str:
        return self.profile.describe()

    @property
    def serial(self) -> SerialSettings:
        return self.profile.serial

    @property
    def stale_after_seconds(self) -> float:
        return self.profile.stale_after_seconds

    def new_decoder(self, source_hint: str = "", nibp: UnplacedNibp | None = None) -> StreamDecoder:
        return self.build(self.profile, source_hint, nibp)


# ------------------------------------------------------------------------------ decoders
# Imported when a stream is opened (devices/formats.py: a console starting without a device, or
# with one format, loads no other decoder).


def code_maps() -> Any:
    """The vendor HL7 code maps (`devices.hl7.dialects.DialectSet`), read as a stream opens.

    A refused file is logged each time, naming the file, the key and the reason: the values of
    the monitor it maps are then dropped as unknown-code, and the clinic's IT must be able to
    read why (it was dropped unsaid)."""
    from devices.hl7.dialects import load_dialects

    maps = load_dialects(default_dialect_dirs())
    for error in maps.errors:
        log.warning("HL7 code map refused (its monitor's values are not used): %s", error)
    return maps


def _dialect(profile: Profile) -> Any:
    return code_maps().get(profile.dialect) if profile.dialect else None


def _build_decoder(profile: Profile, hint: str, nibp: UnplacedNibp | None) -> StreamDecoder:
    if profile.format == "hl7":
        from devices.hl7.decoder import HL7Decoder

        if profile.dialect:
            return HL7Decoder(hint, dialect=_dialect(profile), unplaced=nibp)
        # No code map named: recognise one from MSH-3/MSH-4, as the plain hl7 format does.
        return HL7Decoder(hint, dialects=code_maps(), unplaced=nibp)
    if profile.format == "hl7-polled":
        from devices.hl7.polled import PolledHL7Decoder
        from devices.hl7.query import query_spec

        assert profile.poll is not None   # checked at load
        return PolledHL7Decoder(hint, query=query_spec(profile.poll.query, bed=profile.poll.bed),
                                poll_seconds=profile.poll.period_seconds,
                                dialect=_dialect(profile), unplaced=nibp)
    if profile.format == "intellivue":
        from devices.intellivue.decoder import IntelliVueDecoder

        assert profile.poll is not None
        return IntelliVueDecoder(hint, lan=profile.connection == "udp",
                                 poll_seconds=profile.poll.period_seconds, unplaced=nibp)
    if profile.format == "mindray-bedside":
        from devices.hl7.mindray_bedside import MindrayBedsideDecoder

        assert profile.poll is not None
        # poll.period_seconds is the echo period (the monitor sends its values unasked once
        # subscribed); the decoder echoes at least every 5 s whatever it says.
        return MindrayBedsideDecoder(hint, dialect=_dialect(profile),
                                     echo_seconds=profile.poll.period_seconds,
                                     unplaced=nibp)
    return FORMATS[profile.format].new_decoder(hint, nibp)


def format_for(profile: Profile) -> ProfileFormat:
    """The profile as a format object for `devices.transport.DeviceConnection`."""
    return ProfileFormat(profile, _build_decoder)


# ------------------------------------------------------------------------------ loading


def _check(table: Mapping[str, Any], allowed: Iterable[str], file: Path, where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ProfileError(file, f"{where}{unknown[0]}",
                           f"unknown key; allowed here: {', '.join(sorted(allowed))}")


def _text(table: Mapping[str, Any], key: str, file: Path, where: str = "",
          required: bool = False, choices: Iterable[str] = ()) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ProfileError(file, where + key, f"must be text, got {value_shown(value)}")
    if required and not value.strip():
        raise ProfileError(file, where + key, "is required")
    options = tuple(choices)
    if options and value and value not in options:
        raise ProfileError(file, where + key, f"{value!r} is not one of {', '.join(options)}")
    return value.strip()


def _number(table: Mapping[str, Any], key: str, file: Path, where: str, low: float,
            high: float) -> float | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProfileError(file, where + key, f"must be a number, got {value_shown(value)}")
    if not low <= value <= high:
        # A whole number past a float's range (a key held down) cannot be written with :g.
        try:
            shown = (f"{value:g}" if isinstance(value, float) or abs(value) < 10 ** 15
                     else f"a {len(str(abs(value)))}-digit number")
        except ValueError:   # past sys.get_int_max_str_digits, as value_shown says
            shown = value_shown(value)
        raise ProfileError(file, where + key, f"{shown} is outside {low:g}-{high:g}")
    return float(value)


def _whole(table: Mapping[str, Any], key: str, file: Path, where: str, low: int,
           high: int) -> int | None:
    """A line setting counted in whole units: 7.5 data bits or 9600.5 baud were cut to 7 and
    9600 unsaid (review 45), and the port then read a line the clinic never set."""
    value = _number(table, key, file, where, low, high)
    if value is None:
        return None
    if not value.is_integer():
        raise ProfileError(file, where + key, f"{value:g} is not a whole number; allowed: whole "
                                              f"numbers {low}-{high}")
    return int(value)


def _serial(table: Any, file: Path, base: SerialSettings) -> SerialSettings:
    if not isinstance(table, dict):
        raise ProfileError(file, "serial", "must be a table of line settings")
    _check(table, ("baudrate", "bytesize", "parity", "stopbits"), file, "serial.")
    settings = base
    baud = _whole(table, "baudrate", file, "serial.", 300, 921600)
    if baud is not None:
        settings = replace(settings, baudrate=baud)
    size = _whole(table, "bytesize", file, "serial.", 5, 8)
    if size is not None:
        settings = replace(settings, bytesize=size)
    parity = _text(table, "parity", file, "serial.", choices=PARITIES)
    if parity:
        settings = replace(settings, parity=parity)
    stop = table.get("stopbits")
    if stop is not None:
        if stop not in (1, 1.5, 2) or isinstance(stop, bool):
            raise ProfileError(file, "serial.stopbits", f"{value_shown(stop)} is not 1, 1.5 or 2")
        settings = replace(settings, stopbits=float(stop))
    return settings


def _poll(table: Any, fmt: str, file: Path) -> Poll:
    if not isinstance(table, dict):
        raise ProfileError(file, "poll", "must be a table: period_seconds, query, bed")
    _check(table, ("period_seconds", "query", "bed"), file, "poll.")
    period = _number(table, "period_seconds", file, "poll.", MIN_PERIOD_SECONDS,
                     MAX_PERIOD_SECONDS)
    if period is None:
        raise ProfileError(file, "poll.period_seconds", "is required for a polled device")
    query = _text(table, "query", file, "poll.", required=fmt == "hl7-polled")
    bed = _text(table, "bed", file, "poll.")
    if fmt != "hl7-polled":
        # A stray gateway query on an IntelliVue was kept, and the profile later refused for
        # a gateway bed it never has (review 45): refused here, naming the key at fault.
        for key, value in (("query", query), ("bed", bed)):
            if value:
                raise ProfileError(file, f"poll.{key}", f"{value!r}: a {key} is only for "
                                   f"hl7-polled devices (an HL7 query), not {fmt!r}: remove it")
    return Poll(period, query, bed)


def check_usable(profile: Profile) -> None:
    """The checks that need the HL7 code (its code maps and queries): the profile's code map
    exists and loads, its query is known and can carry its bed. Kept out of `load_profile`'s
    default so that listing the profiles (the start screen, at every launch: P7) does not load
    the HL7 decoder; run for the one profile a session uses, and for all by `devices`.

    Raises:
        ProfileError: naming the file, the key and the reason.
    """
    file = Path(profile.source or f"{profile.name}.toml")
    if profile.dialect:
        from devices.hl7.dialects import DialectError, load_dialects

        try:
            load_dialects(default_dialect_dirs()).get(profile.dialect)
        except DialectError as exc:
            raise ProfileError(file, "dialect",
                               f"{profile.dialect!r} cannot be used: {exc}") from None
    poll = profile.poll
    if profile.format == "hl7-polled" and poll is not None:
        from devices.hl7.query import QUERY_FLAVOURS, query_spec

        if poll.query not in QUERY_FLAVOURS:
            raise ProfileError(file, "poll.query", f"{poll.query!r} is not a known query; "
                                                   f"known: {', '.join(QUERY_FLAVOURS)}")
        if poll.bed or poll.query not in BED_QUERIES:
            try:   # a bed the query cannot carry is named before a port is opened
                query_spec(poll.query, bed=poll.bed)
            except ValueError as exc:
                raise ProfileError(file, "poll.bed", str(exc)) from None


def load_profile(path: Path, *, deep: bool = True) -> Profile:
    """Read and check one profile file (with `check_usable` unless `deep` is False).

    Raises:
        ProfileError: naming the file, the key and the reason.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(path, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ProfileError(path, "(file)", f"is {len(raw)} bytes; a profile is at most "
                                           f"{MAX_FILE_BYTES} bytes")
    try:
        # utf-8-sig: a Windows editor's byte-order mark is harmless, as in a code map beside it
        # (devices/hl7/dialects.py); it was refused as "not valid TOML ... line 1, column 1".
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProfileError(path, "(file)", "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, "(file)", f"is not valid TOML: {exc}") from None
    except RecursionError:   # tomllib recurses per level of nested arrays or inline tables
        raise ProfileError(path, "(file)", "is not valid TOML: nested too deeply") from None
    except ValueError:   # tomllib's int() of a number past 4300 digits, not a TOMLDecodeError
        raise ProfileError(path, "(file)", "is not valid TOML: a whole number of more than "
                                           "4300 digits") from None
    _check(data, ("model", "format", "dialect", "connection", "address_example",
                  "send_period_seconds", "serial", "poll"), path, "")
    fmt = _text(data, "format", path, required=True, choices=FORMAT_NAMES)
    connection = _text(data, "connection", path, choices=CONNECTIONS) or "serial"
    dialect = _text(data, "dialect", path)
    if dialect and fmt not in HL7_FORMATS:
        raise ProfileError(path, "dialect", f"a code map is for HL7 formats "
                                            f"({', '.join(HL7_FORMATS)}), not {fmt!r}")
    base = FORMATS[fmt].serial if fmt in FORMATS else (
        SerialSettings(baudrate=115200) if fmt == "intellivue" else SerialSettings())
    serial = _serial(data["serial"], path, base) if "serial" in data else base
    poll = _poll(data["poll"], fmt, path) if "poll" in data else None
    if fmt in POLLED_FORMATS and poll is None:
        raise ProfileError(path, "poll", f"a {fmt} device must be asked: give [poll] "
                                         "period_seconds")
    if fmt not in POLLED_FORMATS and poll is not None:
        raise ProfileError(path, "poll", f"a {fmt} device sends unasked: remove [poll]")
    if fmt == "mindray-bedside" and poll is not None \
            and poll.period_seconds > MINDRAY_ECHO_MAX_SECONDS:
        # devices.md: the monitor drops the link after 10 s without an echo.
        raise ProfileError(path, "poll.period_seconds",
                           f"{poll.period_seconds:g} s is too slow for the echo a Mindray "
                           f"bedside needs: at most {MINDRAY_ECHO_MAX_SECONDS:g} s (it drops "
                           "the link after 10 s without one)")
    period = _number(data, "send_period_seconds", path, "", MIN_PERIOD_SECONDS,
                     MAX_PERIOD_SECONDS)
    if period is not None and poll is not None:
        raise ProfileError(path, "send_period_seconds", "a polled device's period is "
                                                        "poll.period_seconds")
    profile = Profile(
        name=path.stem, model=_text(data, "model", path, required=True), format=fmt,
        dialect=dialect, connection=connection,
        address_example=_text(data, "address_example", path) or _EXAMPLES[connection],
        serial=serial, send_period_seconds=period, poll=poll, source=str(path))
    if deep:
        check_usable(profile)
    return profile


_EXAMPLES = {"serial": "/dev/ttyUSB0", "tcp": "socket://192.0.2.10:4601",
             "udp": "udp://192.0.2.10:24105"}


@dataclass
class Catalogue:
    """Every profile the console knows, by name, and one error per refused file."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    errors: list[ProfileError] = field(default_factory=list)

    def names(self) -> list[str]:
        return list(self.profiles)

    def find(self, name: str) -> Profile | None:
        """The profile called `name`, or a bare format name as a profile of its defaults."""
        if name in self.profiles:
            return self.profiles[name]
        spec = FORMATS.get(name)
        if spec is None:
            return None
        return Profile(name=name, model=spec.description, format=name, serial=spec.serial)


def builtin_profiles_dir() -> Path:
    """The profiles shipped with the console (package data of `devices`)."""
    return Path(__file__).resolve().parent / "profiles"


def clinic_profiles_dir() -> Path:
    """Where a clinic drops its own profile files (it may not exist)."""
    from platformdirs import user_config_dir   # only when asked (see protocols/loader.py)

    return Path(user_config_dir(APP_NAME)) / "devices" / "profiles"


def default_dialect_dirs() -> list[Path]:
    """The vendor HL7 code maps: shipped, then the clinic's `devices/dialects` folder (a clinic
    file of the same name replaces the shipped one, and `infusion-console devices` says so)."""
    from devices.hl7.dialects import shipped_dialects_dir
    from platformdirs import user_config_dir

    return [shipped_dialects_dir(), Path(user_config_dir(APP_NAME)) / "devices" / "dialects"]


def default_profile_dirs() -> list[Path]:
    """The shipped folder, then the clinic folder if it exists, or if it cannot be looked at
    (`load_catalogue` then refuses it as a folder that cannot be listed)."""
    clinic = clinic_profiles_dir()
    try:
        present = clinic.is_dir()
    except OSError:
        # The config folder closed to this account (IT's `sudo install -d -m 700`): a
        # PermissionError traceback; named instead, as protocols/loader.py does.
        present = True
    return [builtin_profiles_dir(), *([clinic] if present else [])]


def load_catalogue(directories: Iterable[Path], *, deep: bool = True) -> Catalogue:
    """Load every `*.toml` profile in the folders, in folder then name order.

    A refused file is reported (`errors`) and skipped; the others load. A name already loaded
    is refused for the later file, so a clinic file never silently replaces a shipped profile
    (as with protocols): it takes a name of its own.
    """
    catalogue = Catalogue()
    for directory in directories:
        try:
            files = sorted(p for p in Path(directory).iterdir() if p.suffix == ".toml")
        except OSError as exc:
            catalogue.errors.append(ProfileError(directory, "(folder)",
                                                 f"cannot be listed: {exc}"))
            continue
        for path in files:
            try:
                profile = load_profile(path, deep=deep)
            except ProfileError as exc:
                catalogue.errors.append(exc)
                continue
            if profile.name in catalogue.profiles or profile.name in FORMATS:
                first = catalogue.profiles.get(profile.name)
                where = first.source if first is not None else "the built-in format"
                catalogue.errors.append(ProfileError(
                    path, "(name)", f"{profile.name!r} is already {where}; rename the file"))
                continue
            catalogue.profiles[profile.name] = profile
    return catalogue


def default_catalogue(*, deep: bool = False) -> Catalogue:
    """The shipped profiles and the clinic's, read now (a few small files). Not `deep` by
    default: `resolve` and the start checks run `check_usable` on the one a session uses."""
    return load_catalogue(default_profile_dirs(), deep=deep)


def resolve(name: str, catalogue: Catalogue | None = None) -> ProfileFormat:
    """The format object for a profile or format name.

    Raises:
        ValueError: the name is neither; the message lists the known ones.
    """
    known = catalogue if catalogue is not None else default_catalogue()
    profile = known.find(name)
    if profile is None:
        raise ValueError(f"unknown device profile or format {name!r}; known: "
                         f"{', '.join([*known.names(), *FORMATS])}")
    try:
        check_usable(profile)
    except ProfileError as exc:
        raise ValueError(f"device profile {name!r} cannot be used: {exc}") from None
    if profile.needs_bed:
        raise ValueError(f"device profile {name!r} reads one bed of a gateway but names none: "
                         "copy it into the clinic's profiles folder under a name of its own "
                         "with poll.bed set to this chair's bed")
    return format_for(profile)
