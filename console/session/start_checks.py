"""The checks made before a session starts, in one place for the start screen and the command line.

`check_start(entry, protocols)` takes what was entered (as typed: the weight is text, so "abc" and
"72,5" get the same answer from both) and returns every problem, each with a message that names
what is wrong and what is allowed. The start screen shows each message under its field; the
command line (`infusion-console --protocol … --patient … --weight … --nurse …`, through
`console.ui.app.build`) refuses with the same messages, prefixed by the option's name
(`command_line_text`). So the same input gives the same answer in both.

The rules, and where each lived before this module (screen: console/ui/start_screen.py; CLI:
`build` in console/ui/app.py):

- patient: required (screen; CLI "give --protocol, --patient, --weight and --nurse"); at most 64
  characters (screen); a placeholder-looking identifier ("unknown", "test1", "n/a", "xxx", or
  one without a letter or digit) must be confirmed (screen only: the CLI took any); readable
  text (`not_utf8`; nowhere: a traceback).
- weight: required (screen; CLI); a number as a typed vital is read, a decimal comma read as a
  point (screen; the CLI left it to argparse: "invalid float value", no comma; "7_5" and "1e2",
  which Python's `float` took, are refused: `entry.typed_number`); 1–400 kg (screen; CLI
  "--weight … is outside 1–400 kg"); outside 30–250 kg it must be confirmed (screen only).
- protocol: required, one of those loaded, at least one loaded (screen; CLI `_protocol`).
- dose (a nasal-device protocol, `DoseMode.DEVICES`): chosen on purpose, one of the protocol's
  doses, where the entry asks it (`StartEntry.asks_dose`: the start screen's Dose box); none is
  asked of a start that resumes a session left open with its dose logged (`resumed_mg`: its dose
  was fixed at its start). The box had come preselected at the first dose (56 mg), so Start
  alone started a patient whose course was at 84 mg at 56 mg. The command line asks `--dose-mg`
  itself (console/ui/app.py `_chosen_dose`), once it knows the start is not a resume.
- nurse: required (screen; CLI); readable text (`check_nurse`; nowhere: a traceback);
  something visible, and a staff account's name rules (`refused_in_staff_text`, at most
  `NAME_MAX` characters composed) (nowhere: a zero-width space or a tab was logged as the nurse).
- device: a port or URL that is not empty, none at all meaning manual entry only (screen only); a
  port path that does not exist now is said, not refused: the session keeps trying it (screen);
  one that is not a full path and is not there ("ttyUSB0", "dev/ttyUSB0") is refused, naming the
  /dev path meant (nowhere: it was opened in the working folder and never read).
  A URL is one of the kinds the transport opens, with a host and a port 1-65535 where it takes
  them (`check_device_address`; before, a session started and then showed only "Device
  disconnected: cannot open its port").
- format: a known device format or profile, with a device or without one (nowhere: the CLI ended
  in a traceback from the transport, and started silently when no device was given); a profile
  file that was refused is named with the file's problem, not as unknown.
- session number: 1–999 (the screen's spin box); beyond the protocol's usual course it is said,
  not refused (screen).

A *confirm* problem does not block once the field is in `StartEntry.confirmed` (the start screen's
tick box, the command line's `--confirm patient` / `--confirm weight`); it is still returned, so
the screen keeps showing why the box is there.

No Qt here (style rule 1): plain values in, plain values out.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from console.identity.staff import NAME_MAX, refused_in_staff_text, without_format
from console.session.entry import typed_number
from devices.formats import FORMATS
from protocols.loader import ProtocolError
from protocols.model import WEIGHT_RANGE_KG, DoseMode, Protocol

if TYPE_CHECKING:
    from devices.profiles import Catalogue, Profile

__all__ = [
    "MAX_NURSE_NAME_LENGTH",
    "MAX_PATIENT_ID_LENGTH",
    "MAX_SESSION_NUMBER",
    "PLAUSIBLE_WEIGHT_KG",
    "RESUME_WITHIN_HOURS",
    "WEIGHT_RANGE_KG",
    "Field",
    "Kind",
    "Problem",
    "StartCheck",
    "StartEntry",
    "check_device_address",
    "check_nurse",
    "check_protocol",
    "check_start",
    "command_line_text",
    "device_problems",
    "start_screen_monitor_problems",
    "looks_like_placeholder",
    "not_utf8",
    "parse_weight",
    "weight_text",
]

PLAUSIBLE_WEIGHT_KG = (30.0, 250.0)
"""Outside this an adult clinic's weight is far more likely a typo (7.2 for 72, lb for kg) than
real, so it must be confirmed; inside the hard range it is still allowed."""
MAX_PATIENT_ID_LENGTH = 64
"""Identifiers go into the log and into export file names; an MRN is far shorter."""
MAX_NURSE_NAME_LENGTH = NAME_MAX
"""The nurse's name is the actor of every record: as long as a staff account's name may be (a
64 had refused a 71-character double-barrelled name its account held, a review)."""
MAX_SESSION_NUMBER = 999
NOT_UTF8 = "is not readable text (its bytes are not UTF-8): type it again in a UTF-8 terminal."
"""After "The identifier " or "The name ": a value typed with bytes that are not UTF-8."""
RESUME_WITHIN_HOURS = 12.0
"""A start from the command line resumes a session left open (same patient and protocol) only when
it logged something this recently: a crash's restart comes minutes later, and no session runs this
long (IV ketamine about 40 min and its recovery, esketamine at least 2 h of observation:
clinical-defaults.md). An older one is a session nobody ended, and today's readings must not go
into it (an audit: a session of 1 April resumed in December, "Elapsed 5881:37 h")."""

# The device addresses the transport opens (devices/transport.py): a port path, `udp://` (its own
# UDP port, devices/udp_port.py) and pyserial's URL handlers. Those with a host take a port; the
# query options are the ones each handler reads (anything else makes pyserial raise at open,
# which the nurse saw only as "cannot open its port").
_NETWORK_SCHEMES: dict[str, tuple[str, ...]] = {
    "socket": ("logging",),
    "rfc2217": ("logging", "ign_set_control", "poll_modem", "timeout"),
    "udp": ("local_port",),
}
_PYSERIAL_SCHEMES = ("loop", "spy", "alt", "hwgrep", "cp2110")
_PORT_RANGE = (1, 65535)
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_ADDRESSES = ("a port path (e.g. /dev/ttyUSB0), socket://HOST:PORT, udp://HOST:PORT, "
              "rfc2217://HOST:PORT, loop:// or spy://PORT (or pyserial's alt://, hwgrep://, "
              "cp2110://)")

# Identifiers typed when the real one is not at hand. Accepting one silently would file the
# session under a shared pseudo-patient, so it must be confirmed on purpose. Matched once dots,
# spaces, hyphens and underscores are dropped (`looks_like_placeholder`): "N.A." and "x x" are
# "n/a" and "x"; a trailing "patient" ("unknown patient") is the same stand-in.
_PLACEHOLDER_ID = re.compile(
    r"(unknown|unk|test\d*|patient\d*|none|null|nil|n/?a|x+|0+|anon(ymous)?|demo|tbd|"
    r"tmp|temp|dummy|sample|noname|johndoe|janedoe)(patient)?",
    re.IGNORECASE,
)
_PLACEHOLDER_SEPARATORS = frozenset("._-")


class Field(enum.Enum):
    """What a problem is about; the value is the command line's option without its dashes."""

    PATIENT = "patient"
    WEIGHT = "weight"
    PROTOCOL = "protocol"
    DOSE = "dose-mg"
    NURSE = "nurse"
    DEVICE = "device"
    FORMAT = "format"
    SESSION = "session"


class Kind(enum.Enum):
    """How a problem weighs on the start."""

    MISSING = "missing"   # a required value is empty: no start (the screen shows it as a hint)
    REFUSED = "refused"   # a value that is not allowed: no start
    CONFIRM = "confirm"   # allowed once confirmed on purpose, else no start
    ADVICE = "advice"     # said, never stops the start


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth saying) about the entered values.

    Attributes:
        field: the value it is about.
        kind: whether it stops the start (see `Kind`).
        message: what is wrong and what is allowed, one or two sentences.
        confirmed: CONFIRM problems only: the user has confirmed the value on purpose.
    """

    field: Field
    kind: Kind
    message: str
    confirmed: bool = False

    @property
    def blocks(self) -> bool:
        """Whether this problem stops the session from starting."""
        if self.kind is Kind.CONFIRM:
            return not self.confirmed
        return self.kind in (Kind.MISSING, Kind.REFUSED)


@dataclass(frozen=True, slots=True)
class StartEntry:
    """What was entered to start a session, as entered.

    Attributes:
        patient_id: the identifier as typed (surrounding spaces are ignored).
        weight: the weight as typed, in kg.
        protocol_id: the protocol chosen, None when none is.
        nurse: the nurse's name as typed.
        device_url: port path or pyserial URL; None for manual entry only.
        device_format: a device format name; looked at only when `device_url` is given.
        session_number: this session's number in the course; None when the caller numbers it.
        confirmed: the fields whose doubtful value the user has confirmed (PATIENT, WEIGHT).
        asks_dose: the entry chooses a nasal-device protocol's dose (the start screen); False:
            the caller checks it itself (the command line's --dose-mg).
        chosen_mg: the dose chosen, None when none is.
        resumed_mg: the dose logged by the session left open that this start resumes (Start on
            the start screen), else None.
    """

    patient_id: str
    weight: str
    protocol_id: str | None
    nurse: str
    device_url: str | None = None
    device_format: str | None = None
    session_number: int | None = None
    confirmed: frozenset[Field] = field(default_factory=frozenset)
    asks_dose: bool = False
    chosen_mg: float | None = None
    resumed_mg: float | None = None


@dataclass(frozen=True, slots=True)
class StartCheck:
    """The answer of `check_start`.

    Attributes:
        problems: every problem found, in the order of the fields above.
        weight_kg: the weight when it is a number within the hard range (confirmed or not), else
            None: what a dose may be computed from.
        protocol: the chosen protocol when it is loaded, else None.
    """

    problems: tuple[Problem, ...]
    weight_kg: float | None
    protocol: Protocol | None

    @property
    def ok(self) -> bool:
        """Whether the session may start (no problem blocks it)."""
        return not any(p.blocks for p in self.problems)

    def blocking(self) -> list[Problem]:
        """The problems that stop the start."""
        return [p for p in self.problems if p.blocks]

    def about(self, which: Field) -> Problem | None:
        """The problem about one field (at most one is reported per field), or None."""
        return next((p for p in self.problems if p.field is which), None)


def parse_weight(text: str) -> float | None:
    """The typed weight as a typed vital is read (`entry.typed_number`: digits, at most one
    decimal point or comma), else None. Python's `float` took "7_5" as 75 kg and "1e2" as 100 kg,
    and the dose was computed from them."""
    return typed_number(text)


def looks_like_placeholder(patient_id: str) -> bool:
    """Whether an identifier looks like a stand-in ("unknown", "test1", "n/a", "xxx", "?").

    Any spelling of one: without a letter or a digit (".", "...", "_", "*"), or a stand-in word
    once dots, spaces, hyphens and underscores are dropped ("N.A.", "x x", "unknown patient").
    Each had started unasked, and every patient typed so shared one course (and the session left
    open under it was resumed for the next)."""
    if not any(char.isalnum() for char in patient_id):
        return True
    squeezed = "".join(char for char in patient_id
                       if not (char.isspace() or char in _PLACEHOLDER_SEPARATORS))
    return _PLACEHOLDER_ID.fullmatch(squeezed) is not None


def weight_text(kg: float) -> str:
    """A weight as typed, its every digit kept: 400.004 -> '400.004', 72.0 -> '72'. Rounded to
    0.01, 400.004 read "400 kg is outside the allowed range 1–400 kg" and the tick box "Yes,
    30 kg is correct" for the 29.999 kg the dose is computed from (review 45)."""
    text = format(Decimal(repr(float(kg))), "f")   # never "1e-05" (review 45)
    return text[:-2] if text.endswith(".0") else text


def patient_key(typed: str) -> str:
    """The identifier as the log keeps it: surrounding spaces dropped, Unicode composed (NFC).
    A patient's course is found by an exact match: "Zoë" typed with a combining diaeresis
    (NFD, as some keyboards and pasted forms give it) read as another patient (the review
    audit)."""
    return unicodedata.normalize("NFC", typed.strip())


def _check_patient(text: str, confirmed: bool) -> Problem | None:
    if not text:
        return Problem(Field.PATIENT, Kind.MISSING,
                       "Required: the patient identifier (e.g. the MRN), as on the wristband.")
    if not_utf8(text):
        return Problem(Field.PATIENT, Kind.REFUSED, f"The identifier {NOT_UTF8}")
    if len(text) > MAX_PATIENT_ID_LENGTH:
        return Problem(Field.PATIENT, Kind.REFUSED,
                       f"The identifier is {len(text)} characters long; at most "
                       f"{MAX_PATIENT_ID_LENGTH} are allowed. Enter the patient's MRN.")
    hidden = _first_control(text)
    if hidden is not None:
        # An identifier is matched to find a patient's course and printed on every export: a
        # character nobody can see or type again (pasted from a form, a scanner's tab) would
        # file the session under an identifier no search finds.
        return Problem(Field.PATIENT, Kind.REFUSED,
                       f"The identifier contains a control or invisible character ({hidden}); only "
                       "visible characters are allowed. Type the patient's MRN again.")
    if looks_like_placeholder(text):
        return Problem(Field.PATIENT, Kind.CONFIRM,
                       f"“{text}” looks like a placeholder: enter the MRN, or confirm it is "
                       "this patient's identifier.", confirmed)
    return None


def not_utf8(text: str) -> bool:
    """Whether `text` holds a surrogate (category Cs): what Python makes of each byte that is not
    UTF-8 in a command-line argument (a launcher saved in Latin-1, a legacy terminal). No record
    can hold one: the log's hash raised UnicodeEncodeError, a traceback (console/store/chain.py),
    and a session left open, resumed with such a --nurse, never came back on screen."""
    return any(unicodedata.category(char) == "Cs" for char in text)


def check_nurse(typed: str, required: bool = True) -> Problem | None:
    """The nurse's name as typed: required (unless not `required`: a resume or a demo has a
    nurse without --nurse), readable text (`not_utf8`), something visible, and a staff
    account's name rules: at most `MAX_NURSE_NAME_LENGTH` characters composed (NFC, as an
    account keeps its name: accents pasted decomposed count once), none `refused_in_staff_text`.
    The name is the actor of every record: a zero-width space pasted from a form, or a tab,
    had started a session whose record names nobody a clinician can read."""
    text = typed.strip()
    if not text:
        return (Problem(Field.NURSE, Kind.MISSING,
                        "Required: the name of the nurse running this session.")
                if required else None)
    if not_utf8(text):
        return Problem(Field.NURSE, Kind.REFUSED, f"The name {NOT_UTF8}")
    if not without_format(text).strip():
        # Typed, yet it shows nothing: missing even where no name is required (a demo, a resume
        # would record it).
        return Problem(Field.NURSE, Kind.MISSING,
                       f"The name shows nothing: it holds only invisible characters "
                       f"({_first_control(text)}). Type the name of the nurse running this "
                       "session.")
    length = len(unicodedata.normalize("NFC", text))
    if length > MAX_NURSE_NAME_LENGTH:
        return Problem(Field.NURSE, Kind.REFUSED,
                       f"The name is {length} characters long; at most "
                       f"{MAX_NURSE_NAME_LENGTH} are allowed. Type the nurse's name.")
    # The characters a staff account's name may not hold (a name's script may need its
    # joiners, marks and soft hyphens: the nurse signs in under the name her account holds).
    hidden = next((f"{what} (U+{ord(char):04X} at position {place})"
                   for place, char in enumerate(text, 1)
                   if (what := refused_in_staff_text(char)) is not None), None)
    if hidden is not None:
        return Problem(Field.NURSE, Kind.REFUSED,
                       f"The name contains {hidden}. Type the nurse's name again without it.")
    return None


def _first_control(text: str) -> str | None:
    """The first control or invisible formatting character in `text`, as 'U+0001 at position
    4' (positions counted from 1), or None."""
    for index, char in enumerate(text, 1):
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            return f"U+{ord(char):04X} at position {index}"
    return None


def _check_weight(text: str, confirmed: bool) -> tuple[Problem | None, float | None]:
    low, high = WEIGHT_RANGE_KG
    plausible_low, plausible_high = PLAUSIBLE_WEIGHT_KG
    if not text:
        return Problem(Field.WEIGHT, Kind.MISSING,
                       f"Required: the weight measured today, {low:g}–{high:g} kg."), None
    weight = parse_weight(text)
    if weight is None:
        return Problem(Field.WEIGHT, Kind.REFUSED,
                       f"“{text}” is not a number. Enter the weight in kg, {low:g}–{high:g} "
                       "(e.g. 72 or 72.5)."), None
    if not low <= weight <= high:
        return Problem(Field.WEIGHT, Kind.REFUSED,
                       f"{text.strip()} kg is outside the allowed range {low:g}–{high:g} kg. "
                       "Enter the weight in kg."), None
    if not plausible_low <= weight <= plausible_high:
        side = f"below {plausible_low:g}" if weight < plausible_low else f"above {plausible_high:g}"
        return Problem(Field.WEIGHT, Kind.CONFIRM,
                       f"{weight_text(weight)} kg is unusual ({side} kg): check it is in kg, then "
                       "confirm it or correct it.", confirmed), weight
    return None, weight


def check_protocol(protocol_id: str | None, protocols: Mapping[str, Protocol],
                   refused: Sequence[ProtocolError] = ()) -> tuple[Problem | None,
                                                                   Protocol | None]:
    """(the problem, None) or (None, the protocol) for a chosen protocol id.

    Args:
        refused: the files the loader refused (`LoadResult.errors`): a chosen id that names one
            (its `id`, or its file name) is said to be refused, with the loader's reason, not
            unknown.
    """
    if not protocols:
        return Problem(Field.PROTOCOL, Kind.REFUSED,
                       "No protocol loaded: a protocol file is needed before a session can "
                       "start."), None
    if protocol_id is None or not protocol_id.strip():
        return Problem(Field.PROTOCOL, Kind.MISSING,
                       "Required: the protocol ordered for this session."), None
    protocol = protocols.get(protocol_id)
    if protocol is None:
        error = next((e for e in refused if protocol_id == e.protocol_id
                      or protocol_id.lower() == _protocol_file_stem(e.path)), None)
        if error is not None:
            return Problem(Field.PROTOCOL, Kind.REFUSED,
                           f"The protocol “{protocol_id}” was refused: {error.path}: {error.key}: "
                           f"{error.reason}. Fix the file and start again, or choose one of: "
                           f"{', '.join(sorted(protocols))}."), None
        return Problem(Field.PROTOCOL, Kind.REFUSED,
                       f"Unknown protocol “{protocol_id}”; available: "
                       f"{', '.join(sorted(protocols))}."), None
    return None, protocol


def _protocol_file_stem(path: Path) -> str:
    """A protocol file's name as an id would be typed: `Clinic-IV.TOML` and `clinic-iv.toml.txt`
    (as Notepad saves it) are clinic-iv, so a start choosing it hears why the loader refused
    the file (protocols/loader.py `_misnamed`), not "Unknown protocol"."""
    name = path.name.lower()
    for suffix in (".toml.txt", ".toml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem.lower()


def _check_dose(entry: StartEntry, protocol: Protocol | None) -> Problem | None:
    if not entry.asks_dose or protocol is None or protocol.dose.mode is not DoseMode.DEVICES:
        return None   # a dose by weight: the weight decides it
    doses = " or ".join(f"{mg:g}" for mg in protocol.dose.allowed_mg)
    if entry.chosen_mg is None:
        if entry.resumed_mg is not None:
            return None   # the resumed session's dose stands
        return Problem(Field.DOSE, Kind.MISSING,
                       f"Required: the dose ordered for this session, {doses} mg.")
    if entry.chosen_mg not in protocol.dose.allowed_mg:
        return Problem(Field.DOSE, Kind.REFUSED,
                       f"{entry.chosen_mg:g} mg is not a dose of {protocol.id}: choose {doses} mg.")
    return None


def check_device_address(url: str) -> str | None:
    """What is wrong with a device address (a port path or URL), or None when it can be opened
    as written (whether anything answers there is the connection's business).

    A path is anything without `://`; a URL's kind must be one the transport opens, and a
    network one needs a host and a port 1-65535 (`udp://` may leave the port out: 24105, the
    IntelliVue's) and only the options its handler reads.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None   # a port path: whether it exists now is advice (_check_device)
    if scheme in _PYSERIAL_SCHEMES:
        if scheme == "spy" and not rest:
            return (f"“{url}” names no port to spy on: give spy:// then the port, e.g. "
                    "spy:///dev/ttyUSB0.")
        return None
    options = _NETWORK_SCHEMES.get(scheme)
    if options is None:
        return f"“{scheme}://” is not a kind of device address the console opens. Give {_ADDRESSES}."
    example = f"{scheme}://192.0.2.20:{24105 if scheme == 'udp' else 4601}"
    try:
        parts = urlsplit(url)
    except ValueError:   # a bracketed host that is no IPv6 address ("[::g]", "[::1")
        host, port, query_text = None, None, ""
    else:
        (host, port), query_text = _host_port(parts.netloc), parts.query
    if host is None:
        return (f"“{url}” has no valid host name or IP address: give {scheme}://HOST:PORT, "
                f"e.g. {example}.")
    if port is None and scheme != "udp":
        return f"“{url}” has no port: give {scheme}://HOST:PORT, e.g. {example}."
    low, high = _PORT_RANGE
    if port is not None and not (port.isascii() and port.isdigit() and low <= int(port) <= high):
        return (f"“{url}”: the port “{port}” is not a number from {low} to {high}. Give "
                f"{scheme}://HOST:PORT, e.g. {example}.")
    query = parse_qs(query_text, keep_blank_values=True)
    unknown = sorted(set(query) - set(options))
    if unknown:
        return (f"“{url}”: unknown option “{unknown[0]}”; {scheme}:// takes "
                f"{', '.join(options)}, or none.")
    if scheme == "udp" and "local_port" in query:
        local = query["local_port"][-1]
        if not (local.isascii() and local.isdigit() and int(local) <= high):
            return f"“{url}”: local_port “{local}” is not a number from 0 to {high}."
    return None


def _host_port(netloc: str) -> tuple[str | None, str | None]:
    """(host, port text) of a URL's `host[:port]`; host None when it is missing or not a host
    name or IP address (an IPv6 address in brackets)."""
    if netloc.startswith("["):
        inside, bracket, after = netloc[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            return None, None
        try:
            ipaddress.IPv6Address(inside)
        except ValueError:
            return None, None
        return inside, after[1:] if after else None
    host, colon, port = netloc.partition(":")
    if not _HOST.fullmatch(host):
        return None, None
    return host, port if colon else None


def _check_address(url: str, name: str, connection: str) -> list[Problem]:
    """A UDP device needs a `udp://` address and a TCP one a `socket://`; a serial line takes a
    port path or any pyserial URL (a serial-over-LAN `socket://` included)."""
    if connection == "udp" and not url.startswith("udp://"):
        return [Problem(Field.DEVICE, Kind.REFUSED,
                        f"{name} talks over the network (UDP): give udp://HOST:PORT, "
                        "e.g. udp://192.0.2.30:24105.")]
    if connection == "tcp" and not url.startswith("socket://"):
        return [Problem(Field.DEVICE, Kind.REFUSED,
                        f"{name} talks over the network (TCP): give socket://HOST:PORT, "
                        "e.g. socket://192.0.2.20:4601.")]
    if connection == "serial" and url.startswith("udp://"):
        return [Problem(Field.DEVICE, Kind.REFUSED,
                        f"{name} is read from a serial line: give a port such as /dev/ttyUSB0 "
                        "or a serial-over-LAN socket://HOST:PORT.")]
    return []


def _unknown_device(fmt: str | None, catalogue: Catalogue) -> Problem:
    """The problem of a device name the catalogue does not hold: refused with its file's problem
    when a profile file of that name was refused, else unknown; either way naming the known."""
    known = ", ".join([*catalogue.names(), *FORMATS])
    error = next((e for e in catalogue.errors if e.file.stem == fmt and e.file.suffix == ".toml"),
                 None)
    if error is not None:
        return Problem(Field.FORMAT, Kind.REFUSED,
                       f"The device profile “{fmt}” was refused: {error}. Fix the file "
                       f"(infusion-console devices names every refused file) or choose "
                       f"another monitor; known: {known}.")
    return Problem(Field.FORMAT, Kind.REFUSED, f"Unknown device “{fmt}”; known: {known}.")


def device_problems(url: str | None, fmt: str | None) -> list[Problem]:
    """The problems of a monitor's address and name alone (what `check_start` says of them),
    for a start that takes no other entry (`--resume`)."""
    return _check_device(url, fmt)


def _check_device(url: str | None, fmt: str | None) -> list[Problem]:
    if url is None:
        # Manual entry only. A monitor named anyway must still be one the console knows: a typo
        # in it would otherwise start a session without a word. A bare format name is checked
        # without reading the profiles (P7: the usual start never reads them).
        if fmt is None or fmt in FORMATS:
            return []
        from devices.profiles import default_catalogue  # noqa: PLC0415

        catalogue = default_catalogue()
        return [] if catalogue.find(fmt) is not None else [_unknown_device(fmt, catalogue)]
    url = url.strip()
    if not url:
        return [Problem(Field.DEVICE, Kind.REFUSED,
                        "The port is empty. Give a port (e.g. /dev/ttyUSB0) or URL (e.g. "
                        "socket://host:4001), or no device at all (“Manual entry only”).")]
    # Only with a device: a console started without one never reads the profiles (P7).
    from devices.profiles import default_catalogue  # noqa: PLC0415

    problems = []
    address = check_device_address(url)
    if address is not None:
        problems.append(Problem(Field.DEVICE, Kind.REFUSED, address))
    catalogue = default_catalogue()
    profile = catalogue.find(fmt or "")
    if profile is None:
        problems.append(_unknown_device(fmt, catalogue))
    else:
        problems.extend(_profile_problems(profile))
        if address is None:   # one problem per field: a malformed address first
            problems.extend(_check_address(url, profile.name, profile.connection))
    if "://" not in url and not any(p.field is Field.DEVICE for p in problems):
        problems.extend(_check_port_path(url))
    return problems


def _check_port_path(path: str) -> list[Problem]:
    """Whether a port path is there now: advice for a full path, a refusal for another."""
    if os.path.exists(path):
        return []   # a relative one too: a test's or a simulator's link in the working folder
    if path.startswith("/"):
        # Not blocking: the session keeps retrying the port, so a monitor plugged in after the
        # start is still picked up (devices/transport.py).
        return [Problem(Field.DEVICE, Kind.ADVICE,
                        f"{path} does not exist now; the session will keep trying to open it. "
                        "Check the cable.")]
    if os.name != "posix":
        return []   # Windows' COM3 is a name the serial driver knows, no file
    # Opened relative to the console's working folder, where no cable ever brings a port: the
    # session would start and its monitor never be read ("ttyUSB0" for /dev/ttyUSB0).
    name = path.removeprefix("./")
    meant = None   # a path into some other folder: no guess
    if name.startswith("dev/"):
        meant = "/" + name
    elif "/" not in name:
        meant = "/dev/" + name
    said = (f"“{path}” is not a full path, and the console's working folder has no port of "
            "that name.")
    if meant is not None:
        there = ("It is there now." if os.path.exists(meant)
                 else "It is not there now either: check the cable.")
        said += f" Did you mean {meant}? {there}"
    return [Problem(Field.DEVICE, Kind.REFUSED,
                    f"{said} Give a port by its full path (e.g. /dev/ttyUSB0) or a URL such as "
                    "socket://HOST:PORT.")]


def start_screen_monitor_problems(fmt: str) -> list[Problem]:
    """The problems of a monitor named for the start screen with no address (a launcher's
    `--format` / `--device-profile`): unknown, or a profile the screen cannot offer (unusable, a
    gateway's without its bed), with the words a command-line start gives it."""
    if fmt in FORMATS:
        return []
    from devices.profiles import default_catalogue  # noqa: PLC0415

    catalogue = default_catalogue()
    profile = catalogue.find(fmt)
    return [_unknown_device(fmt, catalogue)] if profile is None else _profile_problems(profile)


def _profile_problems(profile: Profile) -> list[Problem]:
    from devices.profiles import ProfileError, check_usable  # noqa: PLC0415

    problems = []
    try:
        check_usable(profile)
    except ProfileError as exc:
        problems.append(Problem(Field.FORMAT, Kind.REFUSED,
                                f"{profile.name} cannot be used: {exc}. Fix the file "
                                "(infusion-console devices names the problem) or choose "
                                "another monitor."))
    if profile.needs_bed:
        problems.append(Problem(Field.FORMAT, Kind.REFUSED,
                                f"{profile.name} reads one bed of a gateway and no bed is "
                                "set: copy its file into the clinic's devices/profiles "
                                "folder, give it a name of its own and set poll.bed to this "
                                "chair's bed (infusion-console devices shows the folder)."))
    return problems


def _check_session(number: int | None, protocol: Protocol | None) -> Problem | None:
    if number is None:
        return None
    if not 1 <= number <= MAX_SESSION_NUMBER:
        return Problem(Field.SESSION, Kind.REFUSED,
                       f"Session number {number} is outside 1–{MAX_SESSION_NUMBER}.")
    if protocol is not None and number > protocol.course_sessions:
        # Advice only: clinics do run sessions beyond the usual course (maintenance), so a number
        # past it is allowed, but said, in case the wrong patient's log was matched.
        return Problem(Field.SESSION, Kind.ADVICE,
                       f"Session {number} is beyond the usual course of "
                       f"{protocol.course_sessions} for this protocol: check the number.")
    return None


def check_start(entry: StartEntry, protocols: Mapping[str, Protocol],
                refused: Sequence[ProtocolError] = ()) -> StartCheck:
    """Every problem with `entry`, given the protocols that are loaded (by id) and the protocol
    files the loader refused (`check_protocol` says why it wants them)."""
    patient = _check_patient(patient_key(entry.patient_id), Field.PATIENT in entry.confirmed)
    weight_problem, weight = _check_weight(entry.weight.strip(), Field.WEIGHT in entry.confirmed)
    protocol_problem, protocol = check_protocol(entry.protocol_id, protocols, refused)
    nurse = check_nurse(entry.nurse)
    found: list[Problem | None] = [patient, weight_problem, protocol_problem,
                                   _check_dose(entry, protocol),
                                   _check_session(entry.session_number, protocol), nurse,
                                   *_check_device(entry.device_url, entry.device_format)]
    return StartCheck(tuple(p for p in found if p is not None), weight, protocol)


def _option(which: Field, options: Mapping[Field, str]) -> str:
    if which in options:
        return options[which]
    return "session number" if which is Field.SESSION else f"--{which.value}"


def command_line_text(problems: Iterable[Problem],
                      options: Mapping[Field, str] | None = None) -> str:
    """The blocking problems as one line for the command line, each after its option's name.

    A value that needs confirming says how: `--confirm patient` or `--confirm weight`.

    Args:
        options: the option typed for a field, where it is not `--<field>` (the monitor is
            named by `--format` or `--device-profile`).
    """
    parts = []
    for problem in problems:
        if not problem.blocks:
            continue
        text = f"{_option(problem.field, options or {})}: {problem.message}"
        if problem.kind is Kind.CONFIRM:
            text += f" To use it, add --confirm {problem.field.value}."
        parts.append(text)
    return " ".join(parts)
