"""Load clinical protocol files (TOML) into the typed model, refusing anything doubtful.

A protocol file sets doses and alarm limits, so the loader is deliberately strict (quality bar R6):
a file that is not UTF-8 TOML, misses a key, has a key the model does not know (a typo must never
silently drop a limit), names an unknown vital, gives a number where text is expected (or `true`
where a number is expected), sets a medium limit beyond its high limit, a zero duration, duplicate
ids, or phases in an odd order is refused as a whole with a `ProtocolError` naming the file, the key
and the reason. `load_protocols` loads a set of folders; a bad file is reported and skipped, so
the console still starts with the good ones (a fault of the checks met by one file included:
`load_or_refusal`).

Keys in messages are dotted paths into the file, counting array entries from 0:
`alarms[3].priority`, `phases[1].checks[0].every_minutes`, `dose.mg_per_kg`.

No Qt here; the only I/O is reading the files.
"""

from __future__ import annotations

import errno
import math
import operator
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from protocols.text_rules import refused_in_text
from protocols.vitals import (
    BP_METRICS,
    CONTINUOUS,
    FORM_METRICS,
    KPA_TO_MMHG,
    METRICS,
    RESTING,
    SPOT_CURRENT_SECONDS,
    RestingRange,
)
from protocols.model import (
    AlarmRule,
    ChecklistItem,
    DischargeGate,
    Dose,
    DoseMode,
    Phase,
    PhaseKind,
    Priority,
    Protocol,
    WEIGHT_RANGE_KG,
    VitalsCheck,
    dosing_run,
)

__all__ = [
    "LoadResult",
    "ProtocolError",
    "builtin_protocols_dir",
    "default_protocol_dirs",
    "is_esketamine",
    "load_or_refusal",
    "load_protocol",
    "load_protocols",
]

APP_NAME = "infusion-console"

# A real protocol is a few kilobytes (the shipped ones are under 20 KB). The caps bound the work a
# hostile file can cause (the medium/high comparison is quadratic per condition) and make the
# refusal of an absurd file explicit instead of a hang.
MAX_FILE_BYTES = 1024 * 1024
MAX_PHASES = 20
MAX_CHECKLIST_ITEMS = 100
MAX_CHECKS = 50
MAX_ALARMS = 200
MAX_LIST = 100

# Ids end up in the session log and in file names of exports: keep them boring.
ID_PATTERN = re.compile(r"[a-z0-9-]+")
FIELD_PATTERN = re.compile(r"[a-z0-9_]+")
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 80
# A protocol's name is a line of the start screen's list, the live header and the central's card
# (as long as a staff name may be: console/identity/staff.py NAME_MAX); the shipped ones are
# under 60 characters.
MAX_VERSION_LENGTH = 32
# A version is a number or a date with a word or two ("2025-03", "1.6 draft 2"), shown beside the
# name and recorded with every session.

# Above 2 mg/kg racemic ketamine is anaesthetic-induction territory, not a monitored psychiatric
# infusion (0.5 mg/kg is the default, clinical-defaults.md); a larger figure is far more likely a
# typo (5 for 0.5) than a clinic's intent, and it would compute a dose.
MAX_MG_PER_KG = 2.0
MAX_IV_MG_PER_KG = 1.0
# IV racemic ketamine (route "iv", weight mode): clinical-defaults.md gives 0.5 mg/kg over 40 min
# (Sanacora 2017 consensus [M]; Emory and Yale series [V]) and no upper figure. 1.0 mg/kg, twice
# the usual dose, is a chosen ceiling: dose-finding studies of IV ketamine for depression went up
# to about 1 mg/kg [M, primary text not checked here]. A figure above it is far more likely a slip
# than a plan, and it would compute a dose and a pump rate.
MIN_INFUSION_MINUTES = 20.0
# Every source infuses over about 40 min (clinical-defaults.md: 0.5 mg/kg over 40 min; BP peaks
# 30–40 min after the start, and the vitals cadence is every 10 min during it). Half of that is
# the floor: a shorter infusion is close to a bolus, and 1 min gave a pump rate of 6000 mL/h.
ESKETAMINE_DOSES_MG = (56.0, 84.0)
# The Spravato label: 56 mg (2 devices) or 84 mg (3 devices) per session (clinical-defaults.md,
# "Esketamine dosing" and "Esketamine course").
ESKETAMINE_MIN_OBSERVATION_MINUTES = 120.0
# The boxed warning and REMS: observe for at least 2 h from the first device (clinical-defaults.md,
# "Esketamine observation"; alarm behaviour 9: discharge refused before T0+120 min).
_LABEL_DOSE = (
    "the Spravato label gives 56 mg (2 devices) or 84 mg (3 devices) per session"
    " (shared/design/clinical-defaults.md, Esketamine dosing [V])"
)
ESKETAMINE_MG_PER_DEVICE = 28.0
ESKETAMINE_MIN_REST_MINUTES = 5.0
# The Spravato label: one device holds 28 mg (2 sprays of 14 mg), with a 5-min rest after each
# device (clinical-defaults.md, "Esketamine dosing"). 14 (the mg per spray) turned 56 mg into
# "4 devices of 14 mg"; a 0.5-min rest let device 2 follow device 1 after 30 s unasked.
_LABEL_DEVICE = (
    "the Spravato label gives 28 mg per device (2 sprays) and a 5-min rest after each device"
    " (shared/design/clinical-defaults.md, Esketamine dosing [V])"
)
_LABEL_OBSERVATION = (
    "the Spravato label (boxed warning, REMS) requires observation for at least 2 hours from the"
    " first device (shared/design/clinical-defaults.md, Esketamine observation [V])"
)

# Upper bounds on the other numbers. Each refuses a figure no clinic means (a unit or decimal-point
# slip) and that would otherwise load quietly and change what the console does: a check that never
# comes due, an alarm that never escalates, a pump rate off by a factor of a thousand.
MIN_WEIGHT_KG, MAX_WEIGHT_KG = WEIGHT_RANGE_KG
# The lightest and heaviest weights a dose is computed for: a dose cap no weight reaches caps
# nothing, and one below the lightest weight's dose caps every dose.
BAG_VOLUME_ML = (10.0, 1000.0)
# From a 10 mL syringe to a 1 L bag: ketamine is diluted in a 50 or 100 mL bag or syringe
# (protocols/iv-ketamine.toml: 100 mL). 0.001 or 1000000 is a unit slip, and the pump rate shown
# (bag ÷ minutes × 60) would be off by as much.
MAX_DEVICE_MG = 100.0
# One nasal spray device: esketamine's holds 28 mg (clinical-defaults.md, Spravato label). 280 or
# 2800 is a decimal-point slip, and every dose would be counted in devices of it.
MAX_DEVICES_PER_DOSE = 6
# The label's largest dose is 3 devices (84 mg); twice that is no dose a clinic plans, and a
# list entry beyond it is a slip (840 for 84).
DEVICE_ITEM = "device-{}"
# A nasal device is its dosing phase's checklist item `device-<n>`, as the REMS form numbers them:
# the engine knows a device only by that id (console/session/device_rest.py DEVICE_PREFIX, which
# the protocols package may not import).
MAX_MINUTES = 720.0
# Every duration in minutes: a session lasts hours (esketamine ≥ 2 h of observation; the screenshots
# show 4 h), never 12. A larger figure is seconds or hours typed as minutes, and a check or a
# minimum time of it would never come due within a session.
DEFAULT_EARLY_MINUTES = 2.0
# A check's `early_minutes` when the file writes none: a reading up to 2 min before a check is
# due counts for it. It must be shorter than the check's every_minutes (else refused).
MAX_CONFIRM_REPEAT_MINUTES = 30.0
# The repeat NIBP that confirms a single high reading is taken after 5 min (clinical-defaults.md);
# one taken more than 30 min later is a new measurement, not a confirmation, and until then the
# alarm would never escalate (the whole IV infusion is 40 min).
MAX_SECONDS = 3600.0
# sustained_seconds and absent_seconds (defaults 300 and 20): a condition that must last an hour
# before it alarms does not alarm during a session.
SLOWEST_SHIPPED_PERIOD_SECONDS = 5.0
MIN_ABSENT_SECONDS = 2 * SLOWEST_SHIPPED_PERIOD_SECONDS
# The least absent_seconds (chosen): two answers of the slowest monitors the console ships
# profiles for, asked every 5 s (devices/profiles/: the Draeger Infinity and Mindray gateways,
# the Philips Efficia; the loader may not import devices), the same two periods as a device's
# own "no data" watchdog (devices/profiles.py), so one answer a little late raises nothing. A
# device sends at most every 0.5 s and the console looks every 0.5 s; the shipped rules wait 20
# and 30 s. 0.33 (20 s written in minutes) loaded, and a 1 Hz monitor raised and cleared the high
# "No respiratory rate" between each two readings of a patient breathing normally (a review of
# the protocols).
OPEN_ENDED_CADENCE_TIMELINES = 2.0
# A cadence in a phase without duration_minutes (it lasts until its exit conditions hold) comes
# due only in a session that stays past its plan, so it may be longer than the plan (every 90 min
# in the 70-min IV protocol's observation: review 43), but at most twice the whole timeline
# (chosen): 600 (10 min in seconds) loaded under the 720-min bound, first due 10 h into the
# observation of a 70-min protocol, and its vitals prompt never came (a review of the protocols).
UNTIMED_DELAY_CEILING_MINUTES = 30.0
# The longest alarm delay of a protocol whose phases give no length at all (no duration_minutes,
# min_minutes, min_minutes_from_t0 or infusion): the shortest watch after a dose the sources
# plan is the IV protocol's ≥ 30 min after the infusion (clinical-defaults.md, IV vitals
# cadence), and their longest delay is 5 min (HR > 120 sustained). A protocol with a timeline is
# held to it instead (`_timeline_minutes`).
MAX_BASELINE_BAND_MMHG = 100.0
# exit_bp_within_baseline_mmhg (default ±20): a band of ±100 mmHg around a baseline already holds
# every blood pressure seen in a chair; a wider one would make the exit condition always true.
MIN_BP_RISE_MMHG = 10.0
# The least rise_above_baseline of a blood pressure (chosen). The sources' rises are 40 mmHg
# systolic and 25 diastolic (clinical-defaults.md, Spravato label Table 6 [V]): 5.3 and 3.3 kPa,
# as a clinic's other systems may keep them, and any rise up to 75 mmHg written in kPa is below
# 10. 5.3 loaded as a 5.3 mmHg rise and raised the medium alarm on a 6 mmHg one, at nearly every
# BP of an infusion: a rise that small is no more than two readings of one patient differ by.
# The least exit_bp_within_baseline_mmhg too (the shipped band is 20 mmHg, 2.7 kPa), for the same
# slip: a band that narrow holds Observation and the discharge on that difference.

# What the refusal of a vital the bedside form cannot record offers as its alternative
# (`check_recordable`): the form's nearest vital, as the shipped files give a pulse rate with
# the heart rate.
_FORM_ALTERNATIVE = {"bp_mean": "bp_systolic", "pulse_rate": "heart_rate"}

ROUTES = ("iv", "intranasal", "im", "oral")
PRIORITY_NAMES = {p.label: p for p in Priority}
KIND_ORDER = {
    PhaseKind.PRE: 0,
    PhaseKind.DOSING: 1,
    PhaseKind.OBSERVATION: 2,
    PhaseKind.DISCHARGE: 3,
}
HIGH_SIDE_LIMITS = ("above", "at_or_above", "rise_above_baseline")
LOW_SIDE_LIMITS = ("below", "at_or_below")
# Each absolute limit key: how messages write it, and whether a value violates it.
_EDGES: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "above": (">", operator.gt),
    "at_or_above": ("≥", operator.ge),
    "below": ("<", operator.lt),
    "at_or_below": ("≤", operator.le),
}
# What a limit of each key may be to leave the far end of a resting range quiet.
_QUIET: dict[str, Callable[[float], str]] = {
    "above": lambda end: f"above = {_fmt(end)} or more",
    "at_or_above": lambda end: f"at_or_above more than {_fmt(end)}",
    "below": lambda end: f"below = {_fmt(end)} or less",
    "at_or_below": lambda end: f"at_or_below less than {_fmt(end)}",
}
MOAAS_RANGE = (0, 5)
ALDRETE_RANGE = (0, 10)


class ProtocolError(Exception):
    """A protocol file was refused.

    Attributes:
        path: the file (or folder) concerned.
        file: its name, as shown in the message.
        key: the dotted key in the file (`alarms[3].priority`), or a position (`line 4, column 9`)
            for a file that is not TOML, or `(file)` for a file that cannot be read at all.
        reason: what is wrong and, where it helps, what is allowed.
        protocol_id: the `id` the file gives, when it was read before the problem (None
            otherwise): what a user who chose the refused protocol typed.
        not_read: a file the folder never reads as a protocol (in a subfolder, or misnamed):
            it gives its id to no one, and names it only so it is not missed.
    """

    def __init__(
        self, path: Path | str, key: str, reason: str, *, full_path: bool = False
    ) -> None:
        super().__init__(str(path), key, reason)
        self.path = Path(path)
        # The name alone is enough in one folder; `full_path` shows the whole path where two
        # folders hold a file of the same name (a clinic copy of a shipped file).
        self.file = str(path) if full_path else (self.path.name or str(path))
        self.key = key
        self.reason = reason
        self.protocol_id: str | None = None
        self.not_read = False

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}"


@dataclass
class LoadResult:
    """What `load_protocols` found: the protocols by id, and one error per refused file."""

    protocols: dict[str, Protocol] = field(default_factory=dict)
    errors: list[ProtocolError] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Locations


def builtin_protocols_dir() -> Path:
    """The folder of the protocol files shipped with the console (package data of `protocols`)."""
    return Path(__file__).resolve().parent


def clinic_protocols_dir() -> Path:
    """Where a clinic drops its own protocol files (it may not exist)."""
    # Imported here so that merely importing the loader (e.g. in tests) never touches the
    # platform's configuration lookup.
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "protocols"


def default_protocol_dirs() -> list[Path]:
    """The built-in folder, then the clinic folder if anything is at its path, or if it cannot
    be looked at (`load_protocols` then refuses it, naming what is there)."""
    dirs = [builtin_protocols_dir()]
    clinic = clinic_protocols_dir()
    try:
        # lexists: a file of that name (`cp clinic.toml .../protocols` before the folder was
        # made) or a link to a share not mounted is no folder, but the clinic's protocols are
        # meant to be there: passed over, they were gone from the start screen without a word.
        present = clinic.is_dir() or os.path.lexists(clinic)
    except OSError:
        # A config folder closed to this account (IT's `sudo install -d -m 700`) or a name too
        # long: a PermissionError traceback ended the start; the clinic's protocols, if any,
        # are behind it, so it is named rather than passed over.
        present = True
    if present:
        dirs.append(clinic)
    return dirs


# --------------------------------------------------------------------------------------------
# Loading


def load_protocols(directories: Iterable[Path]) -> LoadResult:
    """Load every `*.toml` file in the given folders (not recursive), in folder then name order.

    A refused file adds one `ProtocolError` and is skipped; the others still load. A protocol file
    in a subfolder (any depth) is never read, but adds one too, so it is not missed. Two rules keep
    an id meaning one file:

    - an id already loaded from an earlier folder (the shipped protocols come first) is refused
      for the later file, so a clinic file cannot silently replace a built-in protocol; the
      message gives the later file's full path, since both files may have the same name;
    - two or more files of one folder giving the same id are all refused, each message naming
      them all: which one is current is the clinic's decision, and loading the first by name
      would silently run an old copy left beside the new one. A file refused for another problem
      still counts when its id could be read (`ProtocolError.protocol_id`).
    """
    result = LoadResult()
    origin: dict[str, Path] = {}
    for directory in directories:
        try:
            entries = sorted(Path(directory).iterdir())
        except OSError as exc:
            result.errors.append(_folder_refusal(Path(directory), exc))
            continue
        files = [p for p in entries if p.suffix == ".toml"]
        # After the files read: a start matching an id names the first refusal of it, which
        # must be the file to fix, not an old copy of it in a subfolder ("move it up").
        not_read = [_misnamed(p) for p in entries if _looks_misnamed(p)]
        not_read.extend(_in_subfolder(p, directory) for p in _nested_protocol_files(directory))
        loaded = [(path, load_or_refusal(path)) for path in files]
        claims: dict[str, list[Path]] = {}
        for path, outcome in loaded:
            claimed = outcome.id if isinstance(outcome, Protocol) else outcome.protocol_id
            if claimed is not None:
                claims.setdefault(claimed, []).append(path)
        for path, outcome in loaded:
            if isinstance(outcome, ProtocolError):
                result.errors.append(outcome)
            elif outcome.id in origin:
                result.errors.append(_id_taken_error(path, outcome.id, origin[outcome.id]))
            elif len(claims[outcome.id]) > 1:
                result.errors.append(_same_id_error(path, outcome.id, claims[outcome.id]))
            else:
                origin[outcome.id] = path
                result.protocols[outcome.id] = outcome
        result.errors.extend(not_read)
    return result


def _folder_refusal(directory: Path, exc: OSError) -> ProtocolError:
    """A folder of protocols that cannot be listed, naming what is there in its place when it
    is no folder: a file, or a link to nothing (a share not mounted). The whole path: a clinic
    folder is named `protocols` like the shipped one."""
    try:
        link = os.readlink(directory) if os.path.islink(directory) else None
    except OSError:   # gone or changed since it was listed
        link = None
    if link is not None and exc.errno == errno.ENOENT:
        return ProtocolError(
            directory, "(folder)",
            f"not read: a link to {link}, which is not there (a share not mounted?): mount it,"
            " or make the link point at the folder of the clinic's protocols", full_path=True)
    if exc.errno == errno.ENOTDIR:
        what = f"a link to {link}, a file" if link is not None else "a file"
        return ProtocolError(
            directory, "(folder)",
            f"not read: {what}, not a folder (a protocol file copied in before the folder was"
            " made?): rename it, make a folder of this name and move the file into it",
            full_path=True)
    return ProtocolError(directory, "(folder)", f"cannot be listed: {exc}")


def load_or_refusal(path: Path) -> Protocol | ProtocolError:
    """One file's protocol, or why it is refused (`load_protocol`), a fault of the checks
    included: the file's refusal, with the fault's type and message, so it is still seen.

    A number no check foresaw (5e-324 min, 400 digits) ended every protocol's loading in a
    traceback, and the console could not start at all (R6: a bad file is refused alone).
    """
    path = Path(path)
    raw = b""   # what was read, to find the id in when the checks fail
    try:
        raw = _read_bytes(path)
        return _protocol_from_bytes(path, raw)
    except ProtocolError as exc:
        return exc
    except Exception as exc:   # a bug met by one file must not lose every protocol
        error = ProtocolError(
            path, "(file)",
            f"not loaded: checking it failed in the console itself ({type(exc).__name__}:"
            f" {_clip(str(exc), 200)}), not for a problem found in the file; report it to"
            " Support with the file")
        error.protocol_id = _id_in_bytes(raw)
        return error


def _looks_misnamed(path: Path) -> bool:
    """A protocol file the loader would pass over in silence: `clinic.TOML`, or `clinic.toml.txt`
    as an editor on Windows saves it (QA: both were ignored without a word)."""
    name = path.name.lower()
    return path.suffix != ".toml" and (path.suffix.lower() == ".toml" or name.endswith(".toml.txt"))


def _nested_protocol_files(directory: Path) -> list[Path]:
    """Protocol files in subfolders of `directory`, at any depth, in path order.

    They are never loaded (a clinic folder of dated subfolders would otherwise decide by its
    layout which copy runs), only named, with the id they give (`_in_subfolder`), since QA's
    `clinic/2026/titration.toml` was ignored without a word. Linked folders are not followed,
    so a link loop cannot hang the start.
    """
    found: list[Path] = []
    for folder, _subfolders, names in os.walk(directory):
        if Path(folder) != Path(directory):
            found.extend(Path(folder) / name for name in names
                         if _looks_like_protocol(Path(name)))
    return sorted(found)


def _looks_like_protocol(path: Path) -> bool:
    return path.suffix == ".toml" or _looks_misnamed(path)


def _in_subfolder(path: Path, directory: Path) -> ProtocolError:
    error = ProtocolError(path, "(file)", f"not read: protocol files are read only from"
                                          f" {directory} itself; move it up")
    # The name alone would not say where it is: `2026/titration.toml`, from the folder.
    error.file = str(path.relative_to(directory))
    error.protocol_id = _id_in_file(path)
    error.not_read = True
    return error


def _misnamed(path: Path) -> ProtocolError:
    stem = path.name[: -len(".toml.txt")] if path.name.lower().endswith(".toml.txt") else path.stem
    error = ProtocolError(path, "(file)", f"not read: a protocol file's name ends in .toml, in "
                                          f"lower case; rename it {stem}.toml")
    error.protocol_id = _id_in_file(path)
    error.not_read = True
    return error


def _id_in_file(path: Path) -> str | None:
    """The id a file not read as a protocol gives (`_id_in_bytes`), or None: a start that
    chose it hears why it was refused, not "Unknown protocol" (`--protocol clinic-iv` with the
    clinic's copy saved as clinic-iv.toml.txt, or kept in 2026/iv-first-course.toml)."""
    try:
        # A regular file only: opening a FIFO of that name would block the start.
        return _id_in_bytes(_read_bytes(path)) if path.is_file() else None
    except (OSError, ProtocolError):   # unreadable or too large: no id to read
        return None


def _id_taken_error(path: Path, protocol_id: str, first: Path) -> ProtocolError:
    """A later folder's file reusing an id already loaded (a clinic copy of a shipped file)."""
    shipped = first.parent == builtin_protocols_dir()
    error = ProtocolError(
        path,
        "id",
        f"protocol id {protocol_id!r} is already defined by"
        f" {'the shipped protocol file ' if shipped else ''}{first}; give this protocol its own"
        " id",
        full_path=True,
    )
    error.protocol_id = protocol_id
    return error


def _same_id_error(path: Path, protocol_id: str, paths: list[Path]) -> ProtocolError:
    """One of several files of one folder giving the same id: each is refused."""
    names = [p.name for p in paths]
    named = (f"both {names[0]} and {names[1]}" if len(names) == 2
             else f"{', '.join(names[:-1])} and {names[-1]}")
    error = ProtocolError(
        path,
        "id",
        f"protocol id {protocol_id!r} is defined by {named}: remove or rename"
        f" {'one' if len(names) == 2 else 'all but one'}",
    )
    error.protocol_id = protocol_id
    return error


def load_protocol(path: Path) -> Protocol:
    """Read, parse and validate one protocol file.

    Raises:
        ProtocolError: the file cannot be read, is not UTF-8 TOML, or is not a valid protocol.
    """
    path = Path(path)
    return _protocol_from_bytes(path, _read_bytes(path))


def protocol_from_text(text: str, origin: str, *, authoring: bool = True) -> Protocol:
    """Parse and validate a protocol's text kept elsewhere (a session log's copy); `origin`
    names it in messages. Raises ProtocolError as `load_protocol` does.

    `authoring=False` reads a text that already ran (the copy a session logged at its start):
    every check a sound `Protocol` needs still applies (TOML, keys, types, ranges, ids, the
    phases' order), but the authoring advice does not, the refusals that judge whether a new
    file is sensible (a rule that could never fire or would fire at rest, a delay longer than
    the timeline, exactly one discharge phase: `_Parser.authoring`). A session that ran under a
    clinic file accepted then is resumed, reviewed and exported under that text, though a newer
    console refuses the same file for new sessions."""
    return _protocol_from_bytes(Path(origin), text.encode("utf-8"), authoring=authoring)


def _protocol_from_bytes(path: Path, raw: bytes, *, authoring: bool = True) -> Protocol:
    """Parse and validate a protocol file's bytes (`load_protocol`); the protocol keeps its
    text."""
    try:
        data = _parse_toml(path, raw)
    except ProtocolError as exc:
        # The id is what a user starting this protocol types: recover it from the bytes, so a
        # file refused as not UTF-8 (or not TOML) is still named as refused, not as unknown.
        exc.protocol_id = _id_in_bytes(raw)
        raise
    parser = _Parser(path, authoring=authoring)
    # Named from the start: a problem found before the `id` key is read (an unknown key at the
    # top) still carries it.
    claimed = data.get("id")
    if isinstance(claimed, str) and ID_PATTERN.fullmatch(claimed) and len(claimed) <= MAX_ID_LENGTH:
        parser.protocol_id = claimed
    try:
        protocol = parser.protocol(data)
    except ProtocolError as exc:
        exc.protocol_id = parser.protocol_id
        raise
    return replace(protocol, text=raw.decode("utf-8-sig"))


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing an unreadable or oversized file, or one that is no regular
    file."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ProtocolError(path, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    # Looked at before it is opened: opening a FIFO named clinic.toml (a sync tool's, an
    # editor's pipe) waited for a writer for ever, and the console never started, no protocol
    # offered (a review of the protocols). A folder fails the open at once, and says so.
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ProtocolError(
            path, "(file)",
            f"not read: not a regular file ({_special_file(mode)}): a protocol file is a plain"
            " file of a few KB; remove it, or save the protocol in its place")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ProtocolError(path, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ProtocolError(
            path,
            "(file)",
            f"file is larger than {MAX_FILE_BYTES // 1024} KB; a protocol file is a few KB",
        )
    return raw


def _special_file(mode: int) -> str:
    """What a path that is no regular file or folder is, in words: "a named pipe, FIFO"."""
    if stat.S_ISFIFO(mode):
        return "a named pipe, FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file"


# A top-level `id = "..."` line. Ids are ASCII (ID_PATTERN), so the line can be found in a file
# whose other bytes are not UTF-8 (a name typed in Latin-1) or not TOML.
_ID_LINE = re.compile(
    rb"""[ \t]*id[ \t]*=[ \t]*(["'])([a-z0-9-]{1,64})\1"""   # id = "x" or id = 'x'
    rb"""[ \t]*(?:#[^\n]*)?\r?"""                               # a comment, a CRLF ending
)


def _id_in_bytes(raw: bytes) -> str | None:
    """The protocol id a file gives on a line of its own before any [table], or None."""
    for line in raw.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
        if line.lstrip().startswith(b"["):
            return None   # past the top level: an `id` here is a phase's or an item's
        match = _ID_LINE.fullmatch(line)
        if match:
            return match[2].decode("ascii")
    return None


def _parse_toml(path: Path, raw: bytes) -> dict[str, object]:
    """Return the parsed TOML document, refusing an empty file, non-UTF-8 text or bad TOML."""
    try:
        # utf-8-sig: Windows editors often write a byte-order mark, which is harmless.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ProtocolError(
            path,
            f"line {line}, column {column}",
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
        ) from None
    if not text.strip():
        raise ProtocolError(path, "(file)", f"the file is empty; {_NEEDS}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, exc, text) from None
    except ValueError:
        # Not a TOMLDecodeError: tomllib reads a whole number with int(), which refuses more
        # than 4300 digits (sys.get_int_max_str_digits); it ended every protocol's loading.
        raise ProtocolError(path, _digits_position(text), _UNUSABLE) from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: `a = [[[[...` thousands
        # deep exhausts the stack instead of raising TOMLDecodeError.
        raise ProtocolError(
            path, "(file)", "not valid TOML: lists or tables nested too deeply"
        ) from None
    if not data:
        raise ProtocolError(
            path, "(file)", f"the file is empty (only comments or blank lines); {_NEEDS}"
        )
    unusable = _unusable_number(data)
    if unusable is not None:
        raise ProtocolError(path, unusable, _UNUSABLE)
    return data


_UNUSABLE = ("not a usable number: a whole number of more than 308 digits, too large to compute"
             " with (a run of pasted digits?)")
_DIGIT_RUN = re.compile(r"[0-9][0-9_]*")


def _digits_position(text: str) -> str:
    """'line 4, column 9' of the first run of more digits than int() reads, or '(file)'."""
    limit = sys.get_int_max_str_digits()   # 0: no limit, and no run to find
    for match in _DIGIT_RUN.finditer(text if limit else ""):
        if len(match[0].replace("_", "")) > limit:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            return f"line {line}, column {column}"
    return "(file)"


def _unusable_number(data: Mapping[str, object]) -> str | None:
    """The dotted key of the first whole number too large for a float, or None.

    float() of it raises OverflowError and printing it (beyond 4300 digits: hexadecimal has no
    limit in tomllib) ValueError, in any check or message that meets it: it is refused before
    any is made, at the key the parser would name. Walked without recursion, as a file may
    nest lists as deep as tomllib reads them.
    """
    pending: list[tuple[str, object]] = [("", data)]   # a stack: the file's order, depth first
    while pending:
        key, value = pending.pop()
        if isinstance(value, dict):
            pending.extend(reversed([(f"{key}.{name}" if key else name, item)
                                     for name, item in value.items()]))
        elif isinstance(value, list):
            pending.extend(reversed([(f"{key}[{index}]", item)
                                     for index, item in enumerate(value)]))
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                float(value)
            except OverflowError:
                return key
    return None


_NEEDS = (
    "a protocol file needs id, version, name, route, [dose], [[phases]], [[alarms]] and"
    " [discharge] (copy a shipped file: protocols/README.md)"
)


_TOML_POSITION = re.compile(r"\s*\((?:at line (\d+), column (\d+)|at end of document)\)\s*$")


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError, text: str = "") -> ProtocolError:
    """Turn tomllib's message ('Invalid value (at line 3, column 9)') into key + reason; a key
    or a table written twice named, with its lines and what to do (`_written_twice`)."""
    message = str(exc)
    match = _TOML_POSITION.search(message)
    if match is None:
        return ProtocolError(path, "(file)", f"not valid TOML: {message}")
    position = f"line {match[1]}, column {match[2]}" if match[1] else "end of file"
    said = message[: match.start()]
    if match[1] and said.startswith(_TWICE):
        found = _written_twice(text.splitlines(), int(match[1]))
        if found is not None:
            return ProtocolError(path, *found)
        # Not told apart: tomllib's words, and what they most likely mean.
        said += " (a key or a table written twice?)"
    return ProtocolError(path, position, f"not valid TOML: {said}")


# tomllib's words for a key or a table given twice ("Cannot overwrite a value", "Cannot declare
# ('discharge',) twice", "Cannot mutate immutable namespace ('alarms',)").
_TWICE = ("Cannot overwrite", "Cannot declare", "Cannot mutate")
# The lists of tables of a protocol, and what one of their entries is.
_ENTRIES = {"alarms": "rule", "phases": "phase", "phases.checks": "check",
            "phases.checklist": "item"}
_KEY_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*""")
_HEADER = re.compile(r"\s*(\[\[?)([^\[\]]*)(\]\]?)\s*(?:#.*)?")


def _written_twice(lines: Sequence[str], at: int) -> tuple[str, str] | None:
    """(key, reason) for the key or table written twice that tomllib stopped at, line `at`:
    ("dose.mg_per_kg", "written twice (lines 22 and 23): keep one"), `[alarms]` beside
    `[[alarms]]`, a table declared twice; None when it cannot be told (tomllib's words stay).

    The file's lines are read up to line `at`, statement by statement (`_statements`: a long
    text's lines and a list's continued lines are none), tracking the table each key is in; an
    entry of a list of tables is named as the other refusals name it (`alarms[3]`)."""
    keys: dict[str, int] = {}              # "alarms[3].priority" -> its line
    headers: dict[str, tuple[int, bool]] = {}   # "phases[1].x" -> its first line, if [[ ]]
    counts: dict[str, int] = {}            # entries of each list of tables so far
    latest: dict[tuple[str, ...], str] = {}     # a list of tables -> its last entry's name
    table = ""
    for number, line in _statements(lines[:at]):
        header = _HEADER.fullmatch(line)
        if header is not None and line.lstrip().startswith("["):
            path = _key_path(header[2])
            double = header[1] == "[[" and header[3] == "]]"
            if path is None or (header[1] == "[[") != (header[3] == "]]"):
                return None
            plain = ".".join(path)
            name = _named(path[:-1], latest) + ("." if len(path) > 1 else "") + path[-1]
            before = headers.get(name)
            if number == at:
                if before is None:
                    return None
                first, was_double = before
                if was_double != double:
                    forms = ("[[{0}]]", "[{0}]") if was_double else ("[{0}]", "[[{0}]]")
                    entry = _ENTRIES.get(plain, "entry")
                    return name, (f"written {forms[0].format(plain)} at line {first} and "
                                  f"{forms[1].format(plain)} at line {number}: write "
                                  f"[[{plain}]] for each {entry}")
                if not double:
                    return name, (f"[{plain}] written twice (lines {first} and {number}): write"
                                  " it once, with all its keys under it")
                return None
            headers.setdefault(name, (number, double))
            if double:
                count = counts[name] = counts.get(name, -1) + 1
                latest[path] = table = f"{name}[{count}]"
            else:
                table = name
            continue
        key = _key_path(line.split("=", 1)[0]) if "=" in line else None
        if key is None:
            if number == at:
                return None
            continue
        full = (f"{table}." if table else "") + ".".join(key)
        if number == at:
            return None if full not in keys else (
                full, f"written twice (lines {keys[full]} and {number}): keep one")
        keys.setdefault(full, number)
    return None


def _named(path: tuple[str, ...], latest: Mapping[tuple[str, ...], str]) -> str:
    """A table's name as the refusals give it: `phases[1].checks` for [[phases.checks]] in the
    second phase."""
    name = ""
    for k, part in enumerate(path):
        name = latest.get(path[: k + 1], f"{name}.{part}" if name else part)
    return name


def _key_path(text: str) -> tuple[str, ...] | None:
    """`dose.mg_per_kg`, `"mg_per_kg"` -> its parts; None for what is no key."""
    parts = []
    for part in text.split("."):
        match = _KEY_PART.fullmatch(part)
        if match is None:
            return None   # a quoted part holding a dot, or no key at all: not told
        parts.append(next(g for g in match.groups() if g is not None))
    return tuple(parts)


def _statements(lines: Sequence[str]) -> Iterator[tuple[int, str]]:
    """(line number, line) of each line that starts a statement: not a line inside a long text
    (three quotes) nor a list continued from the line before, nor a comment or blank."""
    quote = ""   # the long text's delimiter while in one
    depth = 0    # brackets of a value still open
    for number, line in enumerate(lines, start=1):
        if not quote and depth == 0 and line.strip() and not line.lstrip().startswith("#"):
            yield number, line
        k = 0
        while k < len(line):
            if quote:
                if line.startswith(quote, k) and not (quote == '"""' and _escaped(line, k)):
                    k += 3
                    quote = ""
                else:
                    k += 1
                continue
            char = line[k]
            if char == "#":
                break
            if line.startswith('"""', k) or line.startswith("'''", k):
                quote = line[k:k + 3]
                k += 3
            elif char in "\"'":
                end = k + 1
                while end < len(line) and line[end] != char:
                    end += 2 if char == '"' and line[end] == "\\" else 1
                k = end + 1
            else:
                depth += (char in "[{") - (char in "]}")
                k += 1
        depth = max(depth, 0)


def _escaped(line: str, k: int) -> bool:
    """The character at `k` follows an odd run of backslashes (escaped in a basic string)."""
    run = 0
    while k - run - 1 >= 0 and line[k - run - 1] == "\\":
        run += 1
    return run % 2 == 1


# --------------------------------------------------------------------------------------------
# Typed access to one TOML table


def _type_name(value: object) -> str:
    """How a TOML value's type is named in messages (clinic authors, not programmers)."""
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({_clip(value)!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a date/time ({value})"


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _a(word: str) -> str:
    """'a dosing', 'an observation'."""
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _fmt(value: float) -> str:
    # A whole number in full ("1000000 mL", not "1e+06 mL"): the author compares it with the file.
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


# The limits judged against a baseline, as messages write them: (before, after) the figure,
# and whether it is met below it (a band holds the values up to it).
_RELATIVE = {
    "rise_above_baseline": ("≥", " above baseline", False),
    "exit_bp_within_baseline_mmhg": ("within ", " of baseline", True),
}


def _steps(metric: str) -> str:
    """How `metric` is judged: 'in whole %', 'to 1 decimal', 'in whole numbers' (a score)."""
    info = METRICS[metric]
    unit = "" if info.unit == "score" else info.unit
    return (f"to {info.decimals} decimal{'s' if info.decimals > 1 else ''}" if info.decimals
            else f"in whole {unit}" if unit else "in whole numbers")


def _finer_than_judged(limit: float, metric: str, key: str) -> str:
    """Why a limit with more decimals than `metric` is judged with is refused, what it would do
    and what to write (`_Parser.limit_in_range`; a gate's is "at or above")."""
    info = METRICS[metric]
    unit = "" if info.unit == "score" else info.unit
    steps = _steps(metric)
    name = key.rsplit(".", 1)[-1]
    edge = _EDGES.get(name, _EDGES["at_or_above"])[0]
    symbol, after, down = _RELATIVE.get(name, (edge, "", edge in ("<", "≤")))
    scale = 10 ** info.decimals
    bound = (math.floor if down else math.ceil)(limit * scale) / scale
    acts = f"{symbol}{_amount(bound, unit)}{after}"
    if info.unit == "%" and 0 < limit < 1:
        percent = _fmt(round(limit * 100, info.decimals))
        fix = f"write {percent} for {percent} %"
    else:
        fix = f"write the limit {steps}"
    return (f"{_fmt(limit)} has more decimals than {metric} is judged with: a value is judged as"
            f" the nurse reads it, {steps} ({info.describe_range()}), so"
            f" {symbol}{_fmt(limit)}{after} is met only at {acts} (a slip of unit or decimal"
            f" point?); {fix}")


def _amount(value: float, unit: str) -> str:
    """'40 min', '3' (a score has no unit)."""
    return f"{_fmt(value)} {unit}" if unit else _fmt(value)


class _Table:
    """One TOML table with its dotted key, for typed reads that fail with a precise message.

    Unknown keys are refused when the table is opened, before any value is read, so a misspelt
    optional key is reported as the typo it is rather than as a missing key.
    """

    def __init__(
        self, path: Path, key: str, data: Mapping[str, object], allowed: Collection[str],
        *, authoring: bool = True,
    ) -> None:
        self.path = path
        self.key = key
        self.data = data
        self.authoring = authoring   # `_Parser.authoring`: a new file, not a text that ran
        for name in data:
            if name not in allowed:
                raise self.error(name, _unknown_key_reason(name, allowed))

    def sub(self, name: str) -> str:
        """The dotted key of a member of this table."""
        return f"{self.key}.{name}" if self.key else name

    def error(self, name: str, reason: str) -> ProtocolError:
        return ProtocolError(self.path, self.sub(name), reason)

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str) -> object:
        if name not in self.data:
            raise self.error(name, "missing required key")
        return self.data[name]

    def text(
        self, name: str, *, default: str | None = None, limit: int | None = None,
        lines: bool = False,
    ) -> str:
        """Non-empty text; `default` makes the key optional. A new file's text is at most `limit`
        characters and holds no character `refused_in_text` names (as staff names: it shows on
        the screens, the PDF and the listing), a line break only where `lines` allows it (a
        paragraph written as a TOML multi-line string)."""
        if name not in self.data and default is not None:
            return default
        value = self.raw(name)
        if not isinstance(value, str):
            raise self.error(name, f"expected text, got {_type_name(value)}")
        if not value.strip():
            raise self.error(name, "must not be empty")
        if self.authoring:   # a text that ran is read as it ran
            self.check_shown(name, value, limit=limit, lines=lines)
        return value

    def check_shown(self, name: str, value: str, *, limit: int | None, lines: bool) -> None:
        """A text as a new file may give it (`text`)."""
        if limit is not None and len(value) > limit:
            raise self.error(name, f"{len(value)} characters; at most {limit} are allowed (it"
                                   " shows on the start screen, the live header and the PDF)")
        for place, ch in enumerate(value, start=1):
            if lines and ch == "\n":
                continue
            refused = refused_in_text(ch)
            if refused is not None:
                # Named by code point: most cannot be seen.
                raise self.error(
                    name,
                    f"holds {refused} (U+{ord(ch):04X}) at character {place}: the texts of a"
                    " protocol show on the screens, the PDF and the listing, where it cannot be"
                    " seen or breaks the line; write the text without it (only a description or"
                    " a source may break its lines)",
                )

    def choice(self, name: str, choices: Collection[str]) -> str:
        """Text that must be one of `choices`; a missing key says which are allowed."""
        if name not in self.data:
            raise self.error(name, f"missing required key; set it to one of {', '.join(choices)}")
        value = self.text(name)
        if value not in choices:
            raise self.error(name, f"{value!r} is not one of {', '.join(choices)}")
        return value

    def identifier(self, name: str, pattern: re.Pattern[str] = ID_PATTERN) -> str:
        value = self.text(name)
        if not pattern.fullmatch(value) or len(value) > MAX_ID_LENGTH:
            allowed = "a-z 0-9 -" if pattern is ID_PATTERN else "a-z 0-9 _"
            raise self.error(
                name,
                f"{_clip(value)!r} is not a valid id: use only {allowed}"
                f" (at most {MAX_ID_LENGTH} characters)",
            )
        return value

    def flag(self, name: str, *, default: bool) -> bool:
        if name not in self.data:
            return default
        value = self.data[name]
        if not isinstance(value, bool):
            raise self.error(name, f"expected true or false, got {_type_name(value)}")
        return value

    def number(self, name: str, *, minimum: float | None = None, positive: bool = False) -> float:
        """A required finite number (int or float, never a bool), optionally bounded below."""
        return _check_number(self.raw(name), self.sub(name), self.path, minimum, positive)

    def optional_number(
        self, name: str, *, minimum: float | None = None, positive: bool = False
    ) -> float | None:
        if name not in self.data:
            return None
        return self.number(name, minimum=minimum, positive=positive)

    def limited(
        self, name: str, high: float, unit: str, why: str, *, low: float | None = None
    ) -> float:
        """A required number above 0 (or from `low`) and at most `high`; `why` says what a
        value beyond the range would do, so the message gives the file's author the reason."""
        value = self.number(name, positive=low is None)
        if value > high or (low is not None and value < low):
            allowed = (f"above 0 and at most {_amount(high, unit)}" if low is None
                       else f"{_fmt(low)}–{_amount(high, unit)}")
            raise self.error(
                name, f"{_amount(value, unit)} is outside the allowed range, {allowed}: {why}"
            )
        return value

    def optional_limited(
        self, name: str, high: float, unit: str, why: str, *, low: float | None = None
    ) -> float | None:
        return self.limited(name, high, unit, why, low=low) if name in self.data else None

    def whole(self, name: str, low: int, high: int) -> int:
        """A required whole number within [low, high]."""
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"expected a whole number, got {_type_name(value)}")
        if not low <= value <= high:
            raise self.error(name, f"{value} is outside {low}–{high}")
        return value

    def optional_whole(self, name: str, low: int, high: int) -> int | None:
        return self.whole(name, low, high) if name in self.data else None

    def list_of(self, name: str, *, limit: int = MAX_LIST) -> list[object]:
        value = self.raw(name)
        if not isinstance(value, list):
            raise self.error(name, f"expected a list, got {_type_name(value)}")
        if len(value) > limit:
            raise self.error(name, f"{len(value)} entries; at most {limit} are allowed")
        return value

    def tables(
        self, name: str, allowed: Collection[str], *, limit: int, required: bool = True
    ) -> list[_Table]:
        """An array of tables (`[[name]]`), each opened with the given allowed keys."""
        if name not in self.data and not required:
            return []
        items = self.list_of(name, limit=limit)
        opened: list[_Table] = []
        for index, item in enumerate(items):
            key = f"{self.sub(name)}[{index}]"
            if not isinstance(item, dict):
                raise ProtocolError(self.path, key, f"expected a table, got {_type_name(item)}")
            opened.append(_Table(self.path, key, item, allowed, authoring=self.authoring))
        return opened

    def table(self, name: str, allowed: Collection[str]) -> _Table:
        value = self.raw(name)
        if not isinstance(value, dict):
            raise self.error(name, f"expected a table, got {_type_name(value)}")
        return _Table(self.path, self.sub(name), value, allowed, authoring=self.authoring)


def _check_number(
    value: object, key: str, path: Path, minimum: float | None, positive: bool
) -> float:
    # bool is a subclass of int in Python: `mg_per_kg = true` must not load as 1 mg/kg.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(path, key, f"expected a number, got {_type_name(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ProtocolError(path, key, f"{value} is not a finite number")
    if positive and number <= 0:
        raise ProtocolError(path, key, f"{_fmt(number)} must be greater than 0")
    if minimum is not None and number < minimum:
        raise ProtocolError(path, key, f"{_fmt(number)} must be at least {_fmt(minimum)}")
    return number


def _unknown_key_reason(name: str, allowed: Collection[str]) -> str:
    import difflib   # only for a mistake: not on every start (P7)

    close = difflib.get_close_matches(name, list(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}; allowed here: {', '.join(sorted(allowed))}"


def _unknown_metric_reason(name: str) -> str:
    return f"unknown metric {_clip(name)!r}; known metrics: {', '.join(METRICS)}"


# --------------------------------------------------------------------------------------------
# The protocol's parts

TOP_KEYS = (
    "id", "version", "name", "route", "description", "course_sessions", "rems_fields",
    "dose", "phases", "alarms", "discharge",
)
DOSE_COMMON_KEYS = ("mode", "source")
DOSE_MODE_KEYS = {
    DoseMode.WEIGHT: ("mg_per_kg", "infusion_minutes", "bag_volume_ml", "max_mg"),
    DoseMode.DEVICES: ("mg_per_device", "allowed_mg", "rest_minutes"),
}
PHASE_KEYS = (
    "id", "name", "kind", "checklist", "checks", "duration_minutes", "min_minutes",
    "min_minutes_from_t0", "exit_bp_within_baseline_mmhg", "exit_min_moaas", "source",
)
# Keys that only make sense once T0 (the first dose) has happened.
AFTER_DOSE_PHASE_KEYS = ("min_minutes_from_t0", "exit_bp_within_baseline_mmhg", "exit_min_moaas")
CHECKLIST_KEYS = ("id", "text", "required", "gate", "asks", "needs", "needs_checks",
                  "after_discharge_time", "if_no", "asks_minutes", "source")
YES_OR_NO = "Yes or no"   # what a yes-or-no item (`if_no`) asks when its file words no question
MINUTES = "Minutes"       # what a minutes item (`asks_minutes`) asks when its file words nothing
CHECK_KEYS = (
    "name", "metrics", "every_minutes", "at_minutes_after_t0", "early_minutes",
    "escalate_after_minutes", "source",
)
ALARM_KEYS = (
    "metric", "priority", "direction", "above", "at_or_above", "below", "at_or_below",
    "rise_above_baseline", "sustained_seconds", "confirm_repeat_minutes", "escalate_to",
    "absent_seconds", "source",
)
DISCHARGE_KEYS = (
    "min_minutes_from_t0", "min_minutes_after_dosing", "refuse_while_alarm", "refuse_while_bp_rising", "min_moaas",
    "min_aldrete", "refuse_while_dissociated", "source",
)


class _Parser:
    """Builds one `Protocol` from a parsed TOML document; the first problem raises."""

    def __init__(self, path: Path, *, authoring: bool = True) -> None:
        self.path = path
        # False for a text that already ran (`protocol_from_text`): the checks that only judge
        # whether a new file is sensible are skipped, those a sound Protocol needs are kept.
        self.authoring = authoring
        self.sources: dict[str, str] = {}
        self.checklist_ids: dict[str, str] = {}
        # (key, check name) of every item's `needs_checks`, checked once all phases are read.
        self.check_references: list[tuple[str, str]] = []
        # The key of every item's `after_discharge_time`, checked once [discharge] is read.
        self.discharge_time_items: list[str] = []
        self.protocol_id: str | None = None   # once read: refusals name it (ProtocolError)

    def protocol(self, data: Mapping[str, object]) -> Protocol:
        top = _Table(self.path, "", data, TOP_KEYS, authoring=self.authoring)
        protocol_id = self.protocol_id = top.identifier("id")
        version = self.version(top)
        name = top.text("name", limit=MAX_NAME_LENGTH)
        route = top.choice("route", ROUTES)
        description = top.text("description", default="", lines=True)
        course = top.whole("course_sessions", 1, 1000) if top.has("course_sessions") else 1
        rems_fields = self.rems_fields(top) if top.has("rems_fields") else ()
        dose = self.dose(top.table("dose", (*DOSE_COMMON_KEYS, *_all_dose_keys())), route)
        phases = self.phases(top, dose)
        alarms = self.alarms(top)
        discharge = self.discharge(
            top.table("discharge", DISCHARGE_KEYS), esketamine=is_esketamine(route, dose.mode)
        )
        if self.authoring:
            self.check_discharge_time_items(discharge)
            timeline = _timeline_minutes(phases, dose, discharge)
            self.check_device_rests(dose, timeline)
            self.check_alarm_delays(alarms, timeline)
            self.check_escalation_delays(phases, timeline)
        return Protocol(
            id=protocol_id,
            version=version,
            name=name,
            route=route,
            dose=dose,
            phases=phases,
            alarms=alarms,
            discharge=discharge,
            course_sessions=course,
            description=description,
            rems_fields=rems_fields,
            path=str(self.path),
            sources=dict(self.sources),
        )

    def version(self, top: _Table) -> str:
        """The version, which every session records. A new file's has no space around it: "1.6 "
        reads as 1.6 wherever it shows, and replaced an installed 1.6 (protocols FILE compares
        the texts: list_tool.py) as another version."""
        version = top.text("version", limit=MAX_VERSION_LENGTH)
        if self.authoring and version != version.strip():
            shown = version.strip()
            raise top.error("version", f"{version!r} has a space before or after it: write"
                                       f" {shown!r} (every session records the version, and it"
                                       f" reads as {shown!r} wherever it shows)")
        return version

    # -- sources ---------------------------------------------------------------------------

    def required_source(self, table: _Table, display_key: str) -> str:
        """Every default shown to a nurse says where it came from, so `source` is required."""
        source = table.text("source", lines=True)
        self.sources[display_key] = source
        return source

    def optional_source(self, table: _Table, display_key: str) -> str:
        source = table.text("source", default="", lines=True)
        if source:
            self.sources[display_key] = source
        return source

    # -- top-level lists -------------------------------------------------------------------

    def rems_fields(self, top: _Table) -> tuple[str, ...]:
        fields: list[str] = []
        for index, value in enumerate(top.list_of("rems_fields")):
            key = f"rems_fields[{index}]"
            if not isinstance(value, str) or not FIELD_PATTERN.fullmatch(value):
                raise ProtocolError(
                    self.path, key, f"expected a field name of a-z 0-9 _, got {_type_name(value)}"
                )
            if value in fields:
                raise ProtocolError(self.path, key, f"duplicate field {value!r}")
            fields.append(value)
        return tuple(fields)

    # -- dose ------------------------------------------------------------------------------

    def dose(self, table: _Table, route: str) -> Dose:
        mode = DoseMode(table.choice("mode", [m.value for m in DoseMode]))
        for name in table.data:
            if name not in (*DOSE_COMMON_KEYS, *DOSE_MODE_KEYS[mode]):
                raise table.error(
                    name,
                    f"not used in {mode.value} mode; {mode.value} mode keys:"
                    f" {', '.join(DOSE_MODE_KEYS[mode])}",
                )
        source = self.required_source(table, "dose")
        if mode is DoseMode.WEIGHT:
            return self.weight_dose(table, source, route)
        return self.device_dose(table, source, esketamine=is_esketamine(route, mode))

    def weight_dose(self, table: _Table, source: str, route: str) -> Dose:
        mg_per_kg = table.number("mg_per_kg", positive=True)
        iv_range = (
            f"outside the allowed range for IV racemic ketamine, above 0 and at most"
            f" {_fmt(MAX_IV_MG_PER_KG)} mg/kg: the usual dose is 0.5 mg/kg over 40 min (Sanacora"
            " 2017 [M]; Emory, Yale series [V]; shared/design/clinical-defaults.md), and twice"
            " that is the most the console accepts; check the decimal point"
        )
        if mg_per_kg > MAX_MG_PER_KG:
            # An IV dose is told the IV range too: "above 2 mg/kg" alone sent the author who
            # then wrote 2 back for a second refusal, naming 1 (a review of the protocols).
            also = f", and {iv_range}" if route == "iv" else "; check the decimal point"
            raise table.error(
                "mg_per_kg",
                f"{_fmt(mg_per_kg)} mg/kg is above {_fmt(MAX_MG_PER_KG)} mg/kg, an anaesthetic"
                f" dose{also}",
            )
        if route == "iv" and mg_per_kg > MAX_IV_MG_PER_KG:
            raise table.error("mg_per_kg", f"{_fmt(mg_per_kg)} mg/kg is {iv_range}")
        low, high = BAG_VOLUME_ML
        bag = table.limited(
            "bag_volume_ml", high, "mL",
            "the syringes and bags an infusion uses; check the unit and the decimal point",
            low=low,
        )
        # No dose of this mg/kg exceeds it: a cap above it is a typo (6000 for 60.00).
        ceiling = mg_per_kg * MAX_WEIGHT_KG
        max_mg = table.optional_limited(
            "max_mg", ceiling, "mg",
            f"{_fmt(mg_per_kg)} mg/kg × {_fmt(MAX_WEIGHT_KG)} kg (the heaviest weight the"
            " console accepts) is the largest dose, so a higher cap caps nothing; check the"
            " decimal point",
        )
        if max_mg is not None and self.authoring:
            self.check_cap_above_every_dose(table, mg_per_kg, max_mg, ceiling)
        return Dose(
            mode=DoseMode.WEIGHT,
            source=source,
            mg_per_kg=mg_per_kg,
            infusion_minutes=self.infusion_minutes(table, bag),
            bag_volume_ml=bag,
            max_mg=max_mg,
        )

    def check_cap_above_every_dose(
        self, table: _Table, mg_per_kg: float, max_mg: float, ceiling: float
    ) -> None:
        """A cap below the lightest patient's dose caps every dose: 60 mg written as 0.06 (in
        grams) loaded, and every session's dose was 0.06 mg whatever the weight. Not judged on a
        text that ran (`authoring`): its sessions' doses were logged under it."""
        floor = mg_per_kg * MIN_WEIGHT_KG
        if max_mg < floor:
            raise table.error(
                "max_mg",
                f"{_amount(max_mg, 'mg')} is below {_amount(floor, 'mg')}, the dose of"
                f" {_fmt(mg_per_kg)} mg/kg × {_fmt(MIN_WEIGHT_KG)} kg (the lightest weight the"
                " console takes): it caps every dose; check the unit (mg, not g) and the decimal"
                f" point; allowed: {_fmt(floor)}–{_amount(ceiling, 'mg')}",
            )

    def infusion_minutes(self, table: _Table, bag_ml: float) -> float:
        """The infusion's length: from MIN_INFUSION_MINUTES (a bolus is no infusion) to 720."""
        minutes = table.number("infusion_minutes")
        if MIN_INFUSION_MINUTES <= minutes <= MAX_MINUTES:
            return minutes
        if minutes > MAX_MINUTES:
            why = _TOO_LONG
        else:
            # The pump rate it would give, the figure QA saw (100 mL over 1 min = 6000 mL/h);
            # none where it is beyond a float (5e-324 min: round(inf) ended every loading).
            per_hour = bag_ml / minutes * 60 if minutes > 0 else math.inf
            rate = (f", and {_fmt(bag_ml)} mL over {_amount(minutes, 'min')} is a pump rate of"
                    f" {_fmt(round(per_hour))} mL/h" if math.isfinite(per_hour) else "")
            why = (
                "a ketamine infusion runs about 40 min (0.5 mg/kg over 40 min: Sanacora 2017 [M];"
                f" Emory, Yale series [V]; shared/design/clinical-defaults.md){rate}; a shorter"
                " infusion is close to a bolus"
            )
        raise table.error(
            "infusion_minutes",
            f"{_amount(minutes, 'min')} is outside the allowed range,"
            f" {_fmt(MIN_INFUSION_MINUTES)}–{_amount(MAX_MINUTES, 'min')}: {why}",
        )

    def device_dose(self, table: _Table, source: str, *, esketamine: bool) -> Dose:
        per_device = table.limited("mg_per_device", MAX_DEVICE_MG, "mg",
                                   "one nasal device holds 28 mg of esketamine; check the "
                                   "decimal point")
        if esketamine and per_device != ESKETAMINE_MG_PER_DEVICE:
            raise table.error(
                "mg_per_device",
                f"{_amount(per_device, 'mg')} is not the device of esketamine nasal spray:"
                f" {_LABEL_DEVICE}; set it to {_fmt(ESKETAMINE_MG_PER_DEVICE)}",
            )
        allowed: list[float] = []
        for index, value in enumerate(table.list_of("allowed_mg")):
            key = f"{table.sub('allowed_mg')}[{index}]"
            mg = _check_number(value, key, self.path, None, True)
            devices = mg / per_device
            if not math.isfinite(devices):
                # Beyond a float (56 mg in devices of 5e-324 mg): round() of it raised.
                raise ProtocolError(
                    self.path, key,
                    f"{_fmt(mg)} mg in devices of {_fmt(per_device)} mg is more devices than can"
                    f" be counted, above {MAX_DEVICES_PER_DOSE}: the label's largest dose is 3"
                    " devices (84 mg); check the decimal point")
            if abs(devices - round(devices)) > 1e-9:
                raise ProtocolError(
                    self.path,
                    key,
                    f"{_fmt(mg)} mg is not a whole number of {_fmt(per_device)} mg devices",
                )
            if round(devices) > MAX_DEVICES_PER_DOSE:
                raise ProtocolError(
                    self.path, key,
                    f"{_fmt(mg)} mg is {round(devices)} devices, above {MAX_DEVICES_PER_DOSE}: the "
                    "label's largest dose is 3 devices (84 mg); check the decimal point")
            if esketamine and mg not in ESKETAMINE_DOSES_MG:
                raise ProtocolError(
                    self.path, key,
                    f"{_fmt(mg)} mg is not a dose of the label: {_LABEL_DOSE}; allowed:"
                    f" {', '.join(_fmt(d) for d in ESKETAMINE_DOSES_MG)}",
                )
            if mg in allowed:
                raise ProtocolError(self.path, key, f"duplicate dose {_fmt(mg)} mg")
            allowed.append(mg)
        if not allowed:
            raise table.error("allowed_mg", "must list at least one dose")
        return Dose(
            mode=DoseMode.DEVICES,
            source=source,
            mg_per_device=per_device,
            allowed_mg=tuple(allowed),
            # The label's 5-minute rest lets each device's spray absorb; 0 would drop it.
            rest_minutes=self.device_rest_minutes(table, esketamine=esketamine),
        )

    def device_rest_minutes(self, table: _Table, *, esketamine: bool) -> float:
        """The rest after each device: above 0, and for esketamine at least the label's 5 min."""
        rest = table.limited("rest_minutes", MAX_MINUTES, "min", _TOO_LONG)
        if esketamine and rest < ESKETAMINE_MIN_REST_MINUTES:
            raise table.error(
                "rest_minutes",
                f"{_amount(rest, 'min')} is outside the allowed range for esketamine nasal spray,"
                f" {_fmt(ESKETAMINE_MIN_REST_MINUTES)}–{_amount(MAX_MINUTES, 'min')}:"
                f" {_LABEL_DEVICE}",
            )
        return rest

    # -- phases ----------------------------------------------------------------------------

    def phases(self, top: _Table, dose: Dose) -> tuple[Phase, ...]:
        tables = top.tables("phases", PHASE_KEYS, limit=MAX_PHASES)
        phases: list[Phase] = []
        for table in tables:
            phase = self.phase(table)
            if any(p.id == phase.id for p in phases):
                raise table.error("id", f"duplicate phase id {phase.id!r}")
            if self.authoring:
                self.check_phase_name(table, phase, phases)
            if phases and KIND_ORDER[phase.kind] < KIND_ORDER[phases[-1].kind]:
                raise table.error(
                    "kind",
                    f"{_a(phase.kind.value)} phase cannot follow {_a(phases[-1].kind.value)} phase;"
                    " phases run pre → dosing → observation → discharge",
                )
            phases.append(phase)
        self.check_phase_shape(top, phases, dose)
        if self.authoring:
            self.check_device_ids(phases, dose)
        if dose.mode is DoseMode.DEVICES and self.authoring:
            self.check_device_items(phases, dose)
        self.check_check_references(phases)
        return tuple(phases)

    def check_phase_name(self, table: _Table, phase: Phase, earlier: Sequence[Phase]) -> None:
        """Refuse a phase named as an earlier one (in any case, spaces around it aside): the
        screens, the refusals ("Observation must reach 30 min after Infusion ended") and the
        review's phase table name a phase by its name. A copied block with its id changed and
        its name not loaded, and two phases read "Infusion" (a review of the protocols)."""
        name = phase.name.strip().casefold()
        for index, other in enumerate(earlier):
            if other.name.strip().casefold() == name:
                raise table.error(
                    "name",
                    f"{phase.name!r} is already the name of phases[{index}] (id {other.id!r}):"
                    " the nurse's screens, the refusals and the review name a phase by its name,"
                    " so two of one name would not say which; give each phase its own name",
                )

    def check_device_ids(self, phases: list[Phase], dose: Dose) -> None:
        """An id beginning "device-" is a nasal device's: `device-1` … `device-N` (the largest
        dose's devices, `check_device_items`) in the first dosing phase of a dose in devices
        mode. The console knows a device by its id alone: a clinic's pre-dose
        "device-instructions" loaded and was taken for device 1 (the 2 hours and the BP at T+40
        counted from its tick, the prescriber's gate before device 1 skipped, 56 mg read 84: a
        review of the protocols). A text that ran is not judged so (`authoring`): there the
        console counts only `device-<n>` (console/session/device_rest.device_number)."""
        dosing = next(p for p in phases if p.kind is PhaseKind.DOSING)
        devices = dose.mode is DoseMode.DEVICES
        count = dose.device_count(max(dose.allowed_mg)) if devices else 0
        kept = {DEVICE_ITEM.format(k) for k in range(1, count + 1)}
        if devices:
            reserved = (f"the nasal devices, {DEVICE_ITEM.format(1)} …"
                        f" {DEVICE_ITEM.format(count)} of the dosing phase {dosing.id!r}")
        else:
            reserved = (f"the nasal devices of a dose in devices mode ({DEVICE_ITEM.format(1)},"
                        f" {DEVICE_ITEM.format(2)}, … of its dosing phase), and this protocol's"
                        " dose is by weight")
        for index, phase in enumerate(phases):
            for number, item in enumerate(phase.checklist):
                if (not item.id.startswith(DEVICE_ITEM.format(""))
                        or (phase is dosing and item.id in kept)):
                    continue
                raise ProtocolError(
                    self.path, f"phases[{index}].checklist[{number}].id",
                    f"{item.id!r} (phase {phase.id!r}) begins with \"device-\", which is reserved"
                    f" for {reserved}: the console takes any item of such an id ticked for a"
                    " device given (the label's 2 hours and the BP at T+40 count from the first,"
                    " the prescriber's gate is asked before it, the dose given is counted in"
                    " them); give this item an id that does not begin with \"device-\"")

    def check_device_items(self, phases: list[Phase], dose: Dose) -> None:
        """The first dosing phase lists an item per device of the largest allowed dose,
        `device-1` … `device-N`. The engine knows a device only by its item: a file without
        `device-3` let an 84 mg session move on after two devices, asked nothing, and device 3
        could never be recorded (its time and lot number are fields of the REMS form); with no
        device items the label's rest was never asked."""
        index, dosing = next((i, p) for i, p in enumerate(phases) if p.kind is PhaseKind.DOSING)
        largest = max(dose.allowed_mg)
        count = dose.device_count(largest)
        needed = [DEVICE_ITEM.format(k) for k in range(1, count + 1)]
        listed = {item.id for item in dosing.checklist}
        missing = [item for item in needed if item not in listed]
        if not missing:
            return
        raise ProtocolError(
            self.path, f"phases[{index}].checklist",
            f"has no item{'s' if len(missing) > 1 else ''} {', '.join(missing)}: a dose in"
            f" devices mode records each device as its own item, {needed[0]} … {needed[-1]} in"
            f" its first dosing phase (the largest dose allowed, {_fmt(largest)} mg, is {count}"
            f" devices of {_fmt(dose.mg_per_device)} mg), ticked when given with its lot number"
            " (the REMS form's); without one a session of that dose moves on with a device"
            f" unrecorded; add a [[phases.checklist]] item with id = \"{missing[0]}\"",
        )

    def check_phase_shape(self, top: _Table, phases: list[Phase], dose: Dose) -> None:
        dosing = [p for p in phases if p.kind is PhaseKind.DOSING]
        if not dosing:
            raise top.error("phases", "needs at least one phase of kind 'dosing'")
        discharging = sum(p.kind is PhaseKind.DISCHARGE for p in phases)
        if discharging > 1 and not self.authoring:   # a text that ran: as it was read then
            raise top.error("phases", "at most one phase of kind 'discharge'")
        if discharging != 1 and self.authoring:
            # The engine discharges from the discharge phase (its checklist, then the gate): a
            # file ending with Observation loaded, and no session of it could be discharged.
            raise top.error(
                "phases",
                f"needs exactly one phase of kind 'discharge', found {discharging}: a session"
                " ends by discharge, from the discharge phase (its checklist, then [discharge]'s"
                " gate); the phases end with one phase of kind 'discharge'",
            )
        # The infusion timer and the pump rate must describe the same infusion. Dosing phases
        # in a row are one infusion (a 10-min start at close watch, then 30 min), which ends
        # with the last: their minutes together are the pump's. Only when each is timed: an
        # untimed one ends when the nurse ends it. (A dosing phase after an observation one is
        # refused by the kinds' order above, so the dosing phases are always one run.) The sum
        # is a new rule: a text that ran with its infusion split is read as it was.
        run = dosing_run(phases)
        timers = [p.duration_minutes for p in run if p.duration_minutes is not None]
        if (dose.mode is DoseMode.WEIGHT and len(timers) == len(run)
                and (len(run) == 1 or self.authoring)):
            planned = sum(timers)
            if planned != dose.infusion_minutes:
                ids = [p.id for p in run]
                minutes = (f"{' + '.join(_fmt(m) for m in timers)} = {_fmt(planned)} min"
                           f" (dosing phases {', '.join(ids[:-1])} and {ids[-1]}, one infusion)"
                           if len(run) > 1 else f"{_fmt(planned)} min")
                raise ProtocolError(
                    self.path,
                    f"phases[{phases.index(run[-1])}].duration_minutes",
                    f"{minutes} differs from dose.infusion_minutes"
                    f" {_fmt(dose.infusion_minutes)} min, which sets the pump rate",
                )

    def check_check_references(self, phases: list[Phase]) -> None:
        """Each `needs_checks` name is a check at fixed times after T0: a cadence (every 15
        min) has no "done", and a name that matches nothing would refuse the tick for ever."""
        timed = [c.name for p in phases for c in p.checks if c.at_minutes_after_t0]
        for key, name in self.check_references:
            if name not in timed:
                allowed = ", ".join(repr(n) for n in timed) or "none in this protocol"
                raise ProtocolError(self.path, key, f"{name!r} is no check with "
                                    f"at_minutes_after_t0; those are: {allowed}")

    def phase(self, table: _Table) -> Phase:
        phase_id = table.identifier("id")
        name = table.text("name")
        kind = PhaseKind(table.choice("kind", [k.value for k in PhaseKind]))
        if kind in (PhaseKind.PRE, PhaseKind.DOSING):
            for key in AFTER_DOSE_PHASE_KEYS:
                if table.has(key):
                    raise table.error(key, "only allowed in observation or discharge phases")
        duration = table.optional_limited("duration_minutes", MAX_MINUTES, "min", _TOO_LONG)
        min_minutes = table.optional_limited("min_minutes", MAX_MINUTES, "min", _TOO_LONG)
        if duration is not None and min_minutes is not None and min_minutes > duration:
            raise table.error(
                "min_minutes",
                f"{_fmt(min_minutes)} is longer than duration_minutes {_fmt(duration)}",
            )
        checklist = tuple(
            self.checklist_item(item, phase_id, kind)
            for item in table.tables(
                "checklist", CHECKLIST_KEYS, limit=MAX_CHECKLIST_ITEMS, required=False
            )
        )
        checks = self.checks(table, phase_id, kind, duration)
        return Phase(
            id=phase_id,
            name=name,
            kind=kind,
            checklist=checklist,
            checks=checks,
            duration_minutes=duration,
            min_minutes=min_minutes,
            min_minutes_from_t0=table.optional_limited(
                "min_minutes_from_t0", MAX_MINUTES, "min", _TOO_LONG
            ),
            exit_bp_within_baseline_mmhg=self.exit_band(table),
            exit_min_moaas=table.optional_whole("exit_min_moaas", *MOAAS_RANGE),
            source=self.optional_source(table, f"phases.{phase_id}"),
        )

    def exit_band(self, table: _Table) -> float | None:
        """`exit_bp_within_baseline_mmhg`: in whole mmHg, as the systolic it holds is judged
        (2.7, 20 mmHg in kPa, held the phase until systolic was within 2 of its baseline)."""
        name = "exit_bp_within_baseline_mmhg"
        band = table.optional_limited(
            name, MAX_BASELINE_BAND_MMHG, "mmHg",
            "a wider band holds every blood pressure, so the phase would end as if BP were"
            " back near baseline whatever it is",
        )
        if band is not None and self.authoring:
            self.check_as_judged(band, "bp_systolic", table.sub(name))
            if band < MIN_BP_RISE_MMHG:
                # The kPa slip refused in a rise (`check_rise_as_judged`): 3 for 20 mmHg loaded,
                # and the phase and the discharge were held until systolic was back within 3
                # mmHg of baseline, nearly every discharge refused (a review of the protocols).
                raise table.error(
                    name,
                    f"{_amount(band, 'mmHg')} is below {_amount(MIN_BP_RISE_MMHG, 'mmHg')}, the"
                    f" least band around baseline the console takes: {name} is in mmHg, and"
                    f" {_fmt(band)} kPa is {_amount(round(band * KPA_TO_MMHG), 'mmHg')}; a band"
                    " that narrow would hold the phase, and the discharge, on the ordinary"
                    " difference between two readings; write the band in mmHg",
                )
        return band

    def checklist_item(self, table: _Table, phase_id: str, kind: PhaseKind) -> ChecklistItem:
        item_id = table.identifier("id")
        if item_id in self.checklist_ids:
            raise table.error(
                "id",
                f"duplicate checklist id {item_id!r} (already used in phase"
                f" {self.checklist_ids[item_id]!r})",
            )
        self.checklist_ids[item_id] = phase_id
        text = table.text("text")
        required = table.raw("required")
        if not isinstance(required, bool):
            raise table.error("required", f"expected true or false, got {_type_name(required)}")
        gate: tuple[tuple[str, float], ...] = ()
        display_key = f"phases.{phase_id}.checklist.{item_id}"
        if table.has("gate"):
            if kind is not PhaseKind.PRE:
                raise table.error("gate", "a dosing gate belongs on an item of a 'pre' phase")
            gate = self.gate(table)
            # A gate is a clinical limit like an alarm's, so it must say where it came from.
            self.required_source(table, display_key)
        else:
            self.optional_source(table, display_key)
        if_no = table.text("if_no", default="").strip()
        asks_minutes = table.flag("asks_minutes", default=False)
        if if_no and asks_minutes:
            raise table.error("asks_minutes", "an item asks yes or no (if_no) or a number of"
                              " minutes (asks_minutes), not both")
        # A yes-or-no or minutes item asks its answer with the tick (a tick asking nothing has
        # none to read).
        asks = table.text("asks", default=YES_OR_NO if if_no
                          else MINUTES if asks_minutes else "").strip()
        needs = self.metric_entries(table, "needs") if table.has("needs") else ()
        if table.has("needs_checks") and kind is PhaseKind.PRE and self.authoring:
            raise table.error(
                "needs_checks",
                "not allowed on an item of a 'pre' phase: the checks it names are taken at times"
                " after T0 (the first dose), when the pre phase is over, so the item could never"
                " be ticked; put it on an item of a dosing, observation or discharge phase",
            )
        needs_checks = self.check_names(table) if table.has("needs_checks") else ()
        after_discharge_time = table.flag("after_discharge_time", default=False)
        if after_discharge_time and self.authoring:
            if kind not in (PhaseKind.OBSERVATION, PhaseKind.DISCHARGE):
                raise table.error(
                    "after_discharge_time",
                    f"only allowed on an item of an observation or discharge phase: the"
                    f" discharge time counts from T0 (the first dose), so on an item of"
                    f" {_a(kind.value)} phase the wait would be skipped and the tick taken at"
                    " once",
                )
            self.discharge_time_items.append(table.sub("after_discharge_time"))
        return ChecklistItem(id=item_id, text=text, required=required, gate=gate, asks=asks,
                             needs=needs, needs_checks=needs_checks,
                             after_discharge_time=after_discharge_time, if_no=if_no,
                             asks_minutes=asks_minutes)

    def metric_entries(self, table: _Table, entry: str) -> tuple[tuple[str, ...], ...]:
        """An item's `needs` or a check's `metrics` (the key `entry`): each entry a metric name,
        or a list of alternative metric names any one of which counts (`["heart_rate",
        "pulse_rate"]`: an HR from an ECG or from the pulse oximeter). A metric may appear once
        in the whole list."""
        values = table.list_of(entry)
        if not values:
            raise table.error(entry, "must list at least one metric")
        seen: list[str] = []
        needs: list[tuple[str, ...]] = []
        for index, value in enumerate(values):
            key = f"{table.sub(entry)}[{index}]"
            if isinstance(value, list):
                if len(value) < 2:
                    raise ProtocolError(
                        self.path, key, f"{len(value)} alternative(s): a list of alternatives"
                        " names two metrics or more, any one of which counts (e.g."
                        ' ["heart_rate", "pulse_rate"]); write one metric as its name')
                keyed = [(f"{key}[{i}]", v) for i, v in enumerate(value)]
            else:
                keyed = [(key, value)]
            names: list[str] = []
            for name_key, name in keyed:
                if not isinstance(name, str):
                    raise ProtocolError(
                        self.path, name_key, "expected a metric name or a list of alternative"
                        f' metric names (e.g. ["heart_rate", "pulse_rate"]), got {_type_name(name)}')
                if name not in METRICS:
                    raise ProtocolError(self.path, name_key, _unknown_metric_reason(name))
                if name in seen:
                    raise ProtocolError(self.path, name_key, f"duplicate metric {name!r}")
                seen.append(name)
                names.append(name)
            if self.authoring:
                self.check_recordable(key, names, entry)
            needs.append(tuple(names))
        return tuple(needs)

    def check_recordable(self, key: str, names: Sequence[str], entry: str) -> None:
        """Refuse an entry of `needs`, `metrics` or a gate (`entry`) none of whose alternatives
        the bedside form records (protocols/vitals.py `FORM_METRICS`): a clinic copy needing
        "bp_mean" loaded, and at a chair without a monitor sending it the baseline item could
        never be ticked ("Record Mean BP before ticking …"), the dose held for good."""
        if any(name in FORM_METRICS for name in names):
            return
        what = " nor ".join(f"{name} ({METRICS[name].label})" for name in names)
        cannot = f"cannot record {what}" if len(names) == 1 else f"can record neither {what}"
        never = {"needs": "the item could never be ticked",
                 "metrics": "the check could never be met and its overdue alarm never end",
                 "gate": "the item could never be ticked"}[entry]
        if entry == "gate":
            fix = "gate on a vital the form records instead, or drop it"
        else:
            example = ", ".join(f'"{name}"' for name in
                                (*names, _FORM_ALTERNATIVE.get(names[0], FORM_METRICS[0])))
            fix = f"list it with an alternative the form records, e.g. [{example}], or drop it"
        raise ProtocolError(
            self.path, key,
            f"the bedside form {cannot}, which only a monitor sends, so at a chair without one"
            f" {never}; {fix} (the form records {', '.join(FORM_METRICS)})",
        )

    def check_names(self, table: _Table) -> tuple[str, ...]:
        """An item's `needs_checks`: names of checks, verified by `check_check_references`."""
        values = table.list_of("needs_checks")
        if not values:
            raise table.error("needs_checks", "must list at least one check name")
        names: list[str] = []
        for index, value in enumerate(values):
            key = f"{table.sub('needs_checks')}[{index}]"
            if not isinstance(value, str):
                raise ProtocolError(self.path, key, f"expected text, got {_type_name(value)}")
            if value in names:
                raise ProtocolError(self.path, key, f"duplicate check name {value!r}")
            names.append(value)
            self.check_references.append((key, value))
        return tuple(names)

    def gate(self, item: _Table) -> tuple[tuple[str, float], ...]:
        value = item.raw("gate")
        if not isinstance(value, dict) or not value:
            raise item.error(
                "gate", "expected a table of metric = limit, e.g. { bp_systolic = 141 }"
            )
        limits: list[tuple[str, float]] = []
        for metric, limit in value.items():
            key = item.sub(f"gate.{metric}")
            if metric not in METRICS:
                raise ProtocolError(self.path, key, _unknown_metric_reason(metric))
            number = self.limit_in_range(limit, key, metric)
            if self.authoring:
                self.check_gate_quiet_at_rest(key, metric, number)
                # The tick is refused until each gate vital has a value.
                self.check_recordable(key, (metric,), "gate")
            limits.append((metric, number))
        return tuple(limits)

    def check_gate_quiet_at_rest(self, key: str, metric: str, limit: float) -> None:
        """Refuse a gate limit every normal resting value reaches, as an alarm limit's is
        (`check_quiet_at_rest`). A gate is "at or above": `{ spo2 = 94 }`, meant as "below 94
        needs the prescriber", asked for one for every healthy patient and let one at 90 be
        dosed without a question."""
        resting = _fires_at_rest(metric, "high", "at_or_above", limit)
        if resting is None:
            self.check_gate_below_some_value(key, metric, limit)
            return
        fix = (f"leave part of that range below the gate: {metric} = more than"
               f" {_fmt(resting.low)}" if resting.low < METRICS[metric].hard[1]
               else f"no gate on {metric} leaves it quiet, its resting value {_fmt(resting.low)}"
               " being the highest: remove the gate")
        raise ProtocolError(
            self.path, key,
            f"≥{_fmt(limit)} would ask for the prescriber's decision on every value of"
            f" {metric}'s normal resting range, {_resting_text(metric, resting)}: a gate is"
            " \"at or above\" only (a value at or above its limit needs the prescriber before"
            f" dosing), so it guards a high value; {fix} (a low value is an alarm rule's, with"
            " direction = \"low\")",
        )

    def check_gate_below_some_value(self, key: str, metric: str, limit: float) -> None:
        """Refuse a gate every value of the metric's whole range reaches, on a scale with no
        resting range: `{ dissociation = 0 }` asked for the prescriber on every patient."""
        bottom = METRICS[metric].hard[0]
        if not _met_by_every_value(metric, "high", "at_or_above", limit):
            return
        step = 10.0 ** -METRICS[metric].decimals
        raise ProtocolError(
            self.path, key,
            f"≥{_fmt(limit)} is met by every value of {_whole_range(metric)},"
            f" {_value_words(metric, bottom)} included, so every patient would need the"
            " prescriber's decision before dosing: a gate is \"at or above\" only (a value at or"
            " above its limit needs the prescriber before dosing); write"
            f" {metric} = {_fmt(bottom + step)} for any {metric} above"
            f" {_value_words(metric, bottom)}",
        )

    def limit_in_range(self, value: object, key: str, metric: str) -> float:
        """A limit inside the metric's hard range: outside it, it could never be reached. And
        no finer than the metric is judged: values are judged as shown, rounded to its decimals
        (protocols/vitals.py `as_shown`), so SpO2 `at_or_below = 0.90` (a fraction for 90 %)
        fired only at 0 %, and 82 % raised the medium alarm, never the high one."""
        number = _check_number(value, key, self.path, None, False)
        info = METRICS[metric]
        low, high = info.hard
        if not low <= number <= high:
            raise ProtocolError(
                self.path,
                key,
                f"{_fmt(number)} is outside {metric}'s range {info.describe_range()}",
            )
        if self.authoring:
            self.check_as_judged(number, metric, key)
        return number

    def check_as_judged(self, number: float, metric: str, key: str) -> None:
        """Refuse a limit finer than `metric` is judged (`_finer_than_judged`)."""
        if round(number, METRICS[metric].decimals) != number:
            raise ProtocolError(self.path, key, _finer_than_judged(number, metric, key))

    def checks(
        self, phase: _Table, phase_id: str, kind: PhaseKind, duration: float | None
    ) -> tuple[VitalsCheck, ...]:
        checks: list[VitalsCheck] = []
        for table in phase.tables("checks", CHECK_KEYS, limit=MAX_CHECKS, required=False):
            check = self.check(table, phase_id, kind, duration)
            if any(c.name == check.name for c in checks):
                raise table.error("name", f"duplicate check name {check.name!r} in this phase")
            checks.append(check)
        return tuple(checks)

    def check(
        self, table: _Table, phase_id: str, kind: PhaseKind, duration: float | None
    ) -> VitalsCheck:
        name = table.text("name")
        metrics = self.metric_entries(table, "metrics")
        # A cadence longer than its phase would never come due in it: no prompt, ever.
        every = (
            table.optional_limited("every_minutes", MAX_MINUTES, "min", _TOO_LONG)
            if duration is None or not self.authoring
            else table.optional_limited(
                "every_minutes", duration, "min",
                f"a check less frequent than the phase's duration_minutes {_fmt(duration)} would"
                " never come due in it",
            )
        )
        at_t0 = self.t0_minutes(table, kind) if table.has("at_minutes_after_t0") else ()
        if every is None and not at_t0:
            raise table.error(
                "every_minutes", "a check needs every_minutes or at_minutes_after_t0 (or both)"
            )
        early = table.optional_number("early_minutes", minimum=0.0)
        if early is not None and every is not None and early >= every and self.authoring:
            raise table.error(
                "early_minutes",
                f"{_fmt(early)} must be shorter than every_minutes {_fmt(every)}, or one reading"
                " would satisfy two checks",
            )
        # The default early window is held to the same rule: `every_minutes = 2` loaded with
        # the 2-min default and a reading on time also met the next slot, so that prompt never
        # came (review 40). Refused, not a smaller default chosen silently: a check that
        # frequent is the author's to window, in the file where the reviewer reads it.
        if (early is None and every is not None and DEFAULT_EARLY_MINUTES >= every
                and self.authoring):
            raise table.error(
                "every_minutes",
                f"{_fmt(every)} min must be longer than early_minutes, {_fmt(DEFAULT_EARLY_MINUTES)}"
                " min when not written, or one reading would satisfy two checks: write an"
                f" early_minutes shorter than {_fmt(every)}",
            )
        if early is not None and early > MAX_MINUTES:
            raise table.error(
                "early_minutes",
                f"{_fmt(early)} min is outside the allowed range, 0–{_fmt(MAX_MINUTES)} min:"
                f" {_TOO_LONG}",
            )
        if at_t0[1:] and self.authoring:
            self.check_times_apart(table, at_t0, early)
        escalate = table.optional_limited("escalate_after_minutes", MAX_MINUTES, "min", _TOO_LONG)
        return VitalsCheck(
            name=name,
            metrics=metrics,
            every_minutes=every,
            at_minutes_after_t0=at_t0,
            early_minutes=DEFAULT_EARLY_MINUTES if early is None else early,
            escalate_after_minutes=5.0 if escalate is None else escalate,
            source=self.required_source(table, f"phases.{phase_id}.checks.{name}"),
        )

    def check_times_apart(self, table: _Table, times: tuple[float, ...],
                          early: float | None) -> None:
        """A check's times after T0 are further apart than its early window (the default
        too), as its cadence is: with times 10 min apart and `early_minutes = 10`, a BP at T+12
        met "BP at T+10" and "BP at T+20", and none was asked until T+30 (a review of the
        protocols). Named by the closest two times."""
        index, (earlier, later) = min(enumerate(zip(times, times[1:])),
                                      key=lambda pair: pair[1][1] - pair[1][0])
        gap = later - earlier
        if early is not None and early >= gap:
            raise table.error(
                "early_minutes",
                f"{_fmt(early)} must be shorter than the {_fmt(gap)} min between"
                f" at_minutes_after_t0 {_fmt(earlier)} and {_fmt(later)}, or one reading would"
                " satisfy two checks",
            )
        if early is None and DEFAULT_EARLY_MINUTES >= gap:
            raise ProtocolError(
                self.path, f"{table.sub('at_minutes_after_t0')}[{index + 1}]",
                f"{_fmt(later)} min is {_fmt(gap)} min after {_fmt(earlier)}, which must be"
                f" longer than early_minutes, {_fmt(DEFAULT_EARLY_MINUTES)} min when not written,"
                " or one reading would satisfy two checks: write an early_minutes shorter than"
                f" {_fmt(gap)}",
            )

    def t0_minutes(self, table: _Table, kind: PhaseKind) -> tuple[float, ...]:
        if kind is PhaseKind.PRE:
            raise table.error(
                "at_minutes_after_t0", "T0 is the first dose, so a 'pre' phase cannot use it"
            )
        minutes: list[float] = []
        for index, value in enumerate(table.list_of("at_minutes_after_t0")):
            key = f"{table.sub('at_minutes_after_t0')}[{index}]"
            number = _check_number(value, key, self.path, 0.0, False)
            if number > MAX_MINUTES:
                raise ProtocolError(
                    self.path, key, f"{_fmt(number)} min is outside the allowed range,"
                    f" 0–{_fmt(MAX_MINUTES)} min: {_TOO_LONG}"
                )
            if minutes and number <= minutes[-1]:
                raise ProtocolError(self.path, key, "times must be in increasing order")
            minutes.append(number)
        return tuple(minutes)

    # -- alarms ----------------------------------------------------------------------------

    def alarms(self, top: _Table) -> tuple[AlarmRule, ...]:
        tables = top.tables("alarms", ALARM_KEYS, limit=MAX_ALARMS)
        if not tables:
            raise top.error("alarms", "a protocol needs at least one alarm rule")
        rules: list[AlarmRule] = []
        for index, table in enumerate(tables):
            rule = self.alarm(table, index)
            if self.authoring:
                self.check_against_other_priorities(table, rule, rules)
                self.check_against_other_side(table, rule, rules)
            rules.append(rule)
        # After the comparisons between rules: a swapped pair (RR low ≤25 beside high ≥20) is
        # better told as the clash it is than as one limit covering the resting range.
        for table, rule in zip(tables, rules) if self.authoring else ():
            self.check_quiet_at_rest(table, rule)
        if self.authoring:
            self.check_pulse_watched(rules)
        return tuple(rules if self.authoring else _absences_apart(rules))

    def check_pulse_watched(self, rules: Sequence[AlarmRule]) -> None:
        """Refuse a heart_rate rule with a limit and no pulse_rate twin (`_twins`: the same
        priority, direction, limits, sustained_seconds and confirmation), and the other way
        round.

        The engine judges a pulse oximeter's pulse (pulse_rate: a Masimo Rad-8 sends no
        heart_rate) by the pulse_rate rules only, and rests them while an ECG's heart rate comes
        in (console/session/engine.py `_evaluate`, `ecg_heart_rate_current`). A clinic copy
        with heart_rate rules alone (clinical-defaults.md's one "Heart rate" row, as the shipped
        files wrote it before they gave the pulse rate its twins) loaded, and the oximeter's
        pulse of 35 raised nothing (a review of the protocols). Some pulse_rate limit on the
        side was all that was asked then: a copy whose high limit was lowered to HR >= 125 in
        the heart_rate block alone loaded with the pulse_rate twin at >= 131, and the oximeter's
        pulse of 128 raised the medium alarm where the file says high (a later review)."""
        twins = {"heart_rate": "pulse_rate", "pulse_rate": "heart_rate"}
        limited = [(i, r) for i, r in enumerate(rules) if r.metric in twins and _limit_set(r)]
        for index, rule in limited:
            twin = twins[rule.metric]
            side = [(i, r) for i, r in limited
                    if r.metric == twin and r.direction == rule.direction]
            if any(_twins(rule, r) for _, r in side):
                continue
            if twin == "pulse_rate":
                why = ("a pulse oximeter (SpO2 and pulse, no ECG) sends its pulse as pulse_rate,"
                       " never heart_rate, and the console judges it by the pulse_rate rules"
                       " only")
                unwatched = "its pulse beyond these limits would raise nothing"
                apart = "its pulse would be judged by other limits than the heart rate's"
            else:
                why = ("a monitor with an ECG sends the heart rate as heart_rate, and while it"
                       " does the console judges the heart by the heart_rate rules only (the"
                       " pulse_rate rules rest)")
                unwatched = ("a heart rate beyond these limits would raise nothing, nor would a"
                             " heart rate the nurse types")
                apart = ("a heart rate from an ECG or typed by the nurse would be judged by"
                         " other limits than the pulse rate's")
            source = ' (source = "as heart_rate: …")' if twin == "pulse_rate" else ""
            key = f"alarms[{index}].metric"
            if not side:
                named = ", ".join(f"alarms[{i}]" for i, r in limited
                                  if r.metric == rule.metric and r.direction == rule.direction)
                raise ProtocolError(
                    self.path, key,
                    f"{rule.metric} has {rule.direction}-side limits ({named}) and {twin} none:"
                    f" {why}, so {unwatched}; add a {twin} twin of each, as the shipped files"
                    f" do: [[alarms]] metric = \"{twin}\" with the {rule.metric} rule's priority,"
                    f" direction and limits{source}",
                )
            # The rule the author most likely meant as the twin: one of the side without a twin
            # of its own, of the same priority first (the block edited in one metric only).
            unpaired = [(i, r) for i, r in side
                        if not any(_twins(r, other) for _, other in limited
                                   if other.metric == rule.metric)]
            nearest = (min(unpaired, key=lambda pair: pair[1].priority != rule.priority)
                       if unpaired else None)
            differs = change = ""
            if nearest is not None:
                apart_in = ", ".join(_twin_field(nearest[1], name) for name in _TWIN_FIELDS
                                     if getattr(nearest[1], name) != getattr(rule, name))
                differs = f" (the nearest, alarms[{nearest[0]}], differs in {apart_in})"
                change = ", or change that rule to it"
            described = ", ".join(_twin_field(rule, name) for name in _TWIN_FIELDS[2:]
                                  if _twin_value(rule, name) is not None)
            written = ", ".join(_twin_field(rule, name) for name in _TWIN_FIELDS
                                if _twin_value(rule, name) is not None)
            raise ProtocolError(
                self.path, key,
                f"{rule.metric} rule alarms[{index}] ({rule.priority.label}, direction"
                f" {rule.direction}, {described}) has no {twin} twin: {why}, so {apart}{differs};"
                f" write the twin: [[alarms]] metric = \"{twin}\", {written}{source}{change}",
            )

    def alarm(self, table: _Table, index: int) -> AlarmRule:
        metric = table.text("metric")
        if metric not in METRICS:
            raise table.error("metric", _unknown_metric_reason(metric))
        priority = PRIORITY_NAMES[table.choice("priority", PRIORITY_NAMES)]
        direction = table.choice("direction", ("high", "low"))
        limits = self.rule_limits(table, metric, direction)
        absent = table.optional_limited("absent_seconds", MAX_SECONDS, "s", _TOO_LONG_S)
        if absent is not None and self.authoring:
            self.check_absence_watchable(table, metric)
            self.check_absence_long_enough(table, f"{metric}_{direction} ({priority.label})",
                                           absent)
        if not limits and absent is None:
            raise ProtocolError(
                self.path,
                table.key,
                "rule has no limit: set one of above, at_or_above, rise_above_baseline (high)"
                " or below, at_or_below (low), or absent_seconds",
            )
        confirm, escalate_to = self.confirmation(table, priority)
        sustained = self.sustained(table)
        if sustained and self.authoring:
            self.check_sustained_watchable(table, metric, sustained)
        if absent is not None and self.authoring:
            self.check_absence_only(
                table, f"{metric}_{direction} ({priority.label})", absent, limits,
                sustained=sustained, confirm=confirm,
            )
        return AlarmRule(
            metric=metric,
            priority=priority,
            direction=direction,
            above=limits.get("above"),
            at_or_above=limits.get("at_or_above"),
            below=limits.get("below"),
            at_or_below=limits.get("at_or_below"),
            rise_above_baseline=limits.get("rise_above_baseline"),
            sustained_seconds=sustained,
            confirm_repeat_minutes=confirm,
            escalate_to=escalate_to,
            absent_seconds=absent,
            source=self.required_source(table, f"alarms[{index}]"),
        )

    def check_absence_watchable(self, table: _Table, metric: str) -> None:
        """Refuse `absent_seconds` on a metric no device sends continuously: it could never fire.

        The engine watches for a missing value only of a vital a connected monitor has been
        sending continuously (console/session/engine.py `_remember`); an NIBP cuff's pressures
        are spot values and scales are typed, so "no BP for 10 min" loaded and never sounded.
        """
        if metric in CONTINUOUS:
            return
        why = ("an NIBP cuff's pressures are spot values, one per measurement" if metric in
               BP_METRICS else f"{metric} is typed by the nurse, never sent by a device")
        raise table.error(
            "absent_seconds",
            f"not allowed on {metric}, so the rule could never fire: an absence rule watches a"
            f" vital a monitor sends continuously, and {why} (a reading that is due is a"
            f" [[phases.checks]] prompt); absent_seconds is allowed on {', '.join(CONTINUOUS)}",
        )

    def check_absence_long_enough(self, table: _Table, rule: str, absent: float) -> None:
        """Refuse an absence shorter than a monitor can keep quiet (`MIN_ABSENT_SECONDS`): it
        would alarm between two readings. Not judged on a text that ran (`authoring`)."""
        if absent >= MIN_ABSENT_SECONDS:
            return
        # Every other duration of the file is in minutes: say what the figure is in seconds.
        seconds = absent * 60
        if MIN_ABSENT_SECONDS <= seconds <= MAX_SECONDS:
            about = "" if float(seconds).is_integer() else "about "
            hint = (f"minutes written? {_fmt(absent)} min is {about}"
                    f"{_amount(round(seconds), 's')}: absent_seconds = {_fmt(round(seconds))}")
        else:
            hint = "the shipped rules wait 20 s: absent_seconds = 20"
        raise table.error(
            "absent_seconds",
            f"{_amount(absent, 's')} is shorter than {_amount(MIN_ABSENT_SECONDS, 's')}, the"
            " least absence the console takes: the slowest monitors it is shipped for are asked"
            f" for their values every {_amount(SLOWEST_SHIPPED_PERIOD_SECONDS, 's')}, and one"
            f" answer a little late would raise {rule} between two readings of a patient with"
            " nothing wrong;"
            f" absent_seconds is in seconds, {_fmt(MIN_ABSENT_SECONDS)}–"
            f"{_amount(MAX_SECONDS, 's')} ({hint})",
        )

    def check_sustained_watchable(self, table: _Table, metric: str, sustained: float) -> None:
        """Refuse `sustained_seconds` on a metric no device sends continuously: a cuff's or a
        typed value is one measurement, and a sustained time on it would count how long one
        reading stands on the tile, not a condition that lasted; cuffs more than 20 min apart
        (a spot value's time current) restart the count. Before the clock counted it
        (console/session/conditions.py `_sustained_time`), a cuff's 170 against "≥160 for 5 min"
        stood 10 min silent (a review of the protocols). A single reading is confirmed by a
        repeat (`confirm_repeat_minutes`). Refused as `absent_seconds` is
        (`check_absence_watchable`)."""
        if metric in CONTINUOUS:
            return
        bp = metric in BP_METRICS
        why = ("an NIBP cuff's pressures are spot values, one per measurement" if bp
               else f"{metric} is typed by the nurse, never sent by a device")
        confirm = (", or, to confirm a single reading, confirm_repeat_minutes with escalate_to"
                   " (a repeat measurement after that many minutes escalates the alarm)"
                   if bp else "")
        raise table.error(
            "sustained_seconds",
            f"{_amount(sustained, 's')} is not allowed on {metric}: a cuff or typed value is one"
            f" measurement ({why}), so a sustained time would count how long one reading stands"
            f" on the tile (current for {_fmt(SPOT_CURRENT_SECONDS / 60)} min), not a condition"
            f" that lasted, and readings further apart start it again; use a plain limit (remove"
            f" sustained_seconds){confirm};"
            f" sustained_seconds is allowed on {', '.join(CONTINUOUS)}, the vitals a monitor"
            " sends continuously",
        )

    def check_absence_only(
        self, table: _Table, rule: str, absent: float, limits: Mapping[str, float], *,
        sustained: float, confirm: float | None,
    ) -> None:
        """Refuse a limit, a persistence delay or a repeat-confirmation on an absence rule.

        An absence rule (`absent_seconds`) fires when no value comes; the console never checks a
        value against it (console/session/conditions.py keeps absence rules apart from the
        value rules of a condition). "RR ≤8, or no RR for 20 s" written as one rule loaded and
        its limit was dropped: RR 6 raised no high alarm. Each key below would be ignored in the
        same way, so it is refused rather than loaded.
        """
        waits = f"absent_seconds = {_fmt(absent)}"
        if limits:
            written = " and ".join(f"{name} = {_fmt(value)}" for name, value in limits.items())
            raise table.error(
                "absent_seconds",
                f"{rule} sets both a limit ({written}) and {waits}: an absence rule only"
                " watches for a missing value, so the limit would never be checked; put"
                " absent_seconds in a rule of its own: an absence rule has no limit (one rule"
                f" with {written}, another with {waits}, both of this metric, direction and"
                " priority)",
            )
        if sustained:
            raise table.error(
                "sustained_seconds",
                f"{rule} sets sustained_seconds = {_fmt(sustained)} on an absence rule ({waits}),"
                " which would never use it: absent_seconds is itself the wait; set absent_seconds"
                " to the whole wait and remove sustained_seconds",
            )
        if confirm is not None:
            raise table.error(
                "confirm_repeat_minutes",
                f"{rule} sets confirm_repeat_minutes on an absence rule ({waits}), which would"
                " never use it: an absence rule is raised when no value comes, so there is no"
                " reading to repeat; put the confirmation on a rule with a limit",
            )

    def rule_limits(self, table: _Table, metric: str, direction: str) -> dict[str, float]:
        own_side = HIGH_SIDE_LIMITS if direction == "high" else LOW_SIDE_LIMITS
        limits: dict[str, float] = {}
        for name in (*HIGH_SIDE_LIMITS, *LOW_SIDE_LIMITS):
            if not table.has(name):
                continue
            if name not in own_side:
                raise table.error(
                    name,
                    f"guards the other side: a direction = {direction!r} rule takes"
                    f" {', '.join(own_side)}",
                )
            if name == "rise_above_baseline":
                limits[name] = self.rise_limit(table, metric)
            else:
                limits[name] = self.limit_in_range(table.raw(name), table.sub(name), metric)
                if self.authoring:
                    self.check_reachable(table, name, limits[name], metric)
        return limits

    def check_reachable(self, table: _Table, name: str, limit: float, metric: str) -> None:
        """Refuse a strict limit at the edge of the metric's hard range: nothing crosses it.

        The console rejects a value outside the hard range as impossible (protocols/vitals.py),
        so `above = 300` for a systolic whose range ends at 300, or `below = 0` for SpO2, could
        never alarm, and the clinic would believe the vital guarded.
        """
        low, high = METRICS[metric].hard
        unit = METRICS[metric].unit
        if name == "above" and limit >= high:
            edge, beyond, fix = "top", "higher", f"at_or_above = {_fmt(high)} or a lower limit"
        elif name == "below" and limit <= low:
            edge, beyond, fix = "bottom", "lower", f"at_or_below = {_fmt(low)} or a higher limit"
        else:
            return
        raise table.error(
            name,
            f"{_fmt(limit)} can never be crossed: {_amount(limit, unit)} is the {edge} of"
            f" {metric}'s range {METRICS[metric].describe_range()} and the console rejects any"
            f" {beyond} value as impossible, so the rule would never alarm; use {fix}",
        )

    def check_quiet_at_rest(self, table: _Table, rule: AlarmRule) -> None:
        """Refuse a limit that every normal resting value violates: it alarms on a calm patient.

        The opposite of a limit that can never fire: SpO2 `direction = "high"` with `above = 50`,
        or RR `below = 40`, sound on every healthy reading. Only a limit that covers the whole
        resting range (protocols/vitals.py `RESTING`) is refused, tested at the range's far end:
        one that covers part of it is a clinic's choice. The band's middle would be no better a
        test: the shipped systolic ≥180 lies inside NEWS2's wide 111–219, and a clinic may well
        alarm at ≥160, below that band's middle (165).
        """
        for name, (symbol, _) in _EDGES.items():
            limit = getattr(rule, name)
            resting = None if limit is None else _fires_at_rest(rule.metric, rule.direction,
                                                                name, limit)
            if resting is not None:
                far_end = resting.low if rule.direction == "high" else resting.high
                raise table.error(
                    name,
                    f"{symbol}{_fmt(limit)} would fire on every value of {rule.metric}'s normal"
                    f" resting range, {_resting_text(rule.metric, resting)}, so"
                    f" {rule.condition} ({rule.priority.label}) would alarm on a healthy patient"
                    f" at rest; leave part of that range quiet: {_QUIET[name](far_end)}",
                )
            if limit is not None and _met_by_every_value(rule.metric, rule.direction, name, limit):
                # A scale with no resting range: nausea ≥0 alarmed on "Nausea: none".
                edge = _range_edge(rule.metric, rule.direction)
                strict = "above" if rule.direction == "high" else "below"
                raise table.error(
                    name,
                    f"{symbol}{_fmt(limit)} is met by every value of {_whole_range(rule.metric)},"
                    f" {_value_words(rule.metric, edge)} included, so {rule.condition}"
                    f" ({rule.priority.label}) would alarm on every {rule.metric} the nurse"
                    f" records; write {strict} = {_fmt(edge)} for any {rule.metric} {strict}"
                    f" {_value_words(rule.metric, edge)}",
                )

    def rise_limit(self, table: _Table, metric: str) -> float:
        """A rise above baseline that some plausible baseline can still reach.

        The smallest baseline a nurse records without confirming it is the metric's plausible
        minimum; a rise that takes even that baseline to the hard maximum (or past it) needs a
        reading the console would reject as impossible, so the rule could never alarm.
        """
        info = METRICS[metric]
        lowest, top = info.plausible[0], info.hard[1]
        ceiling = top - lowest
        rise = table.number("rise_above_baseline", positive=True)
        if self.authoring:
            self.check_rise_as_judged(table, metric, rise)
        if rise >= ceiling and self.authoring:
            raise table.error(
                "rise_above_baseline",
                f"{_amount(rise, info.unit)} is outside the allowed range, above 0 and below"
                f" {_amount(ceiling, info.unit)}: even from the lowest plausible baseline"
                f" ({_amount(lowest, info.unit)}) a rise of {_amount(ceiling, info.unit)} or"
                f" more needs a reading at or beyond {_amount(top, info.unit)}, the most the"
                f" console accepts for {metric}, so the rule could never alarm",
            )
        return rise

    def check_rise_as_judged(self, table: _Table, metric: str, rise: float) -> None:
        """Refuse a rise written in kPa, or finer than the vital is judged: the readings and
        the baseline are whole mmHg, so a rise of 40.5 acts as 41 (review of the protocols)."""
        key = table.sub("rise_above_baseline")
        if metric in BP_METRICS and rise < MIN_BP_RISE_MMHG:
            raise ProtocolError(
                self.path, key,
                f"{_amount(rise, 'mmHg')} is below {_amount(MIN_BP_RISE_MMHG, 'mmHg')}, the least"
                " rise above baseline the console takes for a blood pressure:"
                f" rise_above_baseline is in mmHg, and {_fmt(rise)} kPa is"
                f" {_amount(round(rise * KPA_TO_MMHG), 'mmHg')}; a rise that small would alarm"
                " on the ordinary difference between two readings; write the rise in mmHg",
            )
        self.check_as_judged(rise, metric, key)

    def sustained(self, table: _Table) -> float:
        seconds = table.optional_number("sustained_seconds", minimum=0.0)
        if seconds is not None and seconds > MAX_SECONDS:
            raise table.error(
                "sustained_seconds",
                f"{_fmt(seconds)} s is outside the allowed range, 0–{_fmt(MAX_SECONDS)} s:"
                f" {_TOO_LONG_S}",
            )
        return seconds or 0.0

    def confirmation(
        self, table: _Table, priority: Priority
    ) -> tuple[float | None, Priority | None]:
        confirm = table.optional_limited(
            "confirm_repeat_minutes", MAX_CONFIRM_REPEAT_MINUTES, "min",
            "a repeat NIBP taken later is a new measurement, not a confirmation, and the alarm"
            " could not escalate until then (the usual repeat is after 5 min)",
        )
        if not table.has("escalate_to"):
            if confirm is not None:
                raise table.error("escalate_to", "confirm_repeat_minutes needs escalate_to")
            return None, None
        escalate_to = PRIORITY_NAMES[table.choice("escalate_to", PRIORITY_NAMES)]
        if confirm is None:
            raise table.error(
                "confirm_repeat_minutes", "escalate_to needs confirm_repeat_minutes"
            )
        if escalate_to <= priority:
            raise table.error(
                "escalate_to",
                f"{escalate_to.label!r} is not above the rule's priority {priority.label!r}",
            )
        return confirm, escalate_to

    def check_against_other_priorities(
        self, table: _Table, rule: AlarmRule, earlier: list[AlarmRule]
    ) -> None:
        """Refuse a lower-priority limit at or beyond a higher-priority one (the 'low > high').

        For one condition, the medium limit must be reached before the high one; otherwise the
        medium alarm could never show on its own and the file almost certainly has a typo.
        A higher rule that waits longer (sustained) than the lower one is a different test
        (HR > 120 for 5 min vs HR > 110 at once) and is not compared.
        """
        for other in earlier:
            if other.condition != rule.condition or other.priority == rule.priority:
                continue
            lower, higher = (rule, other) if rule.priority < other.priority else (other, rule)
            if higher.sustained_seconds > lower.sustained_seconds:
                continue
            clash = _limits_clash(lower, higher)
            if clash:
                index = earlier.index(other)
                judged = ("" if clash[0].endswith("above baseline")
                          else _strict_as_judged((lower, higher)))
                raise table.error(
                    _clashing_key(rule, clash),
                    f"{lower.priority.label} limit {clash[0]} for {rule.condition} is at or"
                    f" beyond the {higher.priority.label} limit {clash[1]}"
                    f" (alarms[{index}] and this rule{judged}): the {lower.priority.label} limit"
                    f" must be reached first (low > high)",
                )

    def check_against_other_side(
        self, table: _Table, rule: AlarmRule, earlier: list[AlarmRule]
    ) -> None:
        """Refuse a low-side limit at or above a high-side limit of the same vital.

        `spo2 at_or_below 95` beside `spo2 at_or_above 94` leaves no value that is normal: every
        reading would alarm, which is a typo (a swapped pair, a limit on the wrong side), never a
        clinic's intent; so does `at_or_below 60` beside `at_or_above 61` for a vital judged in
        whole beats. Relative limits (rise above baseline) are not compared.
        """
        for other in earlier:
            if other.metric != rule.metric or other.direction == rule.direction:
                continue
            low, high = (rule, other) if rule.direction == "low" else (other, rule)
            low_limit = max((v for v in (low.below, low.at_or_below) if v is not None), default=None)
            high_limit = min((v for v in (high.above, high.at_or_above) if v is not None),
                             default=None)
            if low_limit is None or high_limit is None:
                continue
            index = earlier.index(other)
            where = f"(alarms[{index}] and this rule)"
            if low_limit >= high_limit:
                raise table.error(
                    _clashing_key(rule, ("", "")),
                    f"low-side limit {_describe_absolute(low)} for {rule.metric} is at or above"
                    f" the high-side limit {_describe_absolute(high)} {where}: no value would be"
                    " normal; the low limit must be below the high limit",
                )
            # In the steps the vital is judged in: `at_or_below 60` beside `at_or_above 61`
            # leaves no heart rate between them, and every reading alarmed. `_onset` negates
            # the low side's edge: the room between the two edges is the sum.
            high_onset, low_onset = _onset(high), _onset(low)   # None for neither: both have one
            if (high_onset is not None and low_onset is not None
                    and high_onset + low_onset <= 10.0 ** -METRICS[rule.metric].decimals + 1e-9):
                raise table.error(
                    _clashing_key(rule, ("", "")),
                    f"low-side limit {_describe_absolute(low)} for {rule.metric} and the high-side"
                    f" limit {_describe_absolute(high)} leave no value between them {where}:"
                    f" judged {_steps(rule.metric)}, every reading would alarm; leave room"
                    " between them",
                )

    def check_alarm_delays(self, rules: tuple[AlarmRule, ...], timeline_minutes: float) -> None:
        """Refuse an alarm delay longer than the protocol's whole timeline.

        `sustained_seconds = 3600` on a protocol that runs 40 min waits longer than the session
        it guards: the alarm could not sound before the patient may leave. The same holds for
        `absent_seconds` and for the wait before a confirmed NIBP escalates (and for a missed
        check's escalation: `check_escalation_delays`).
        """
        ceiling, length = _delay_ceiling(timeline_minutes)
        for index, rule in enumerate(rules):
            for delay in _delays(rule):
                if delay.seconds > ceiling:
                    raise ProtocolError(
                        self.path,
                        f"alarms[{index}].{delay.key}",
                        f"{delay.text} is longer than {length}, so {rule.condition}"
                        f" ({rule.priority.label}) could never {delay.outcome} in a session run"
                        f" to plan; {delay.allowed} at most {_amount(ceiling, 's')}",
                    )

    def check_escalation_delays(self, phases: Sequence[Phase], timeline_minutes: float) -> None:
        """Refuse a check whose missed reading could not become the medium alarm in a session run
        to plan: its first due time plus `escalate_after_minutes` longer than the timeline, as an
        alarm's delays are held (`check_alarm_delays`). `escalate_after_minutes = 500` (for 5) on
        the infusion's BP check of a 70-min protocol loaded, and a missed BP stayed a prompt.

        The first due time counts from where the check's times do (its phase's start for a
        cadence, T0 for times after T0), not from the session's start. A cadence in a phase with
        no duration_minutes comes due whenever the phase outlasts its minimum, which its exit
        conditions (or, in the discharge phase, the gate and the nurse) decide, so every 90 min
        in an open-ended observation is a clinic's choice and only its escalation is held; so
        is a time after T0 a checklist item's `needs_checks` waits for (the discharge waits for
        it). A first due time at or past the timeline otherwise is refused at its own key: the
        check would not come due before the patient may leave. A protocol whose phases give no
        length has no timeline: the escalation alone is held to the untimed ceiling.
        """
        ceiling, length = _delay_ceiling(timeline_minutes)
        awaited = {name for _, name in self.check_references}
        for phase_index, phase in enumerate(phases):
            for check_index, check in enumerate(phase.checks):
                at = f"phases[{phase_index}].checks[{check_index}]"
                if phase.duration_minutes is None:
                    self.check_open_ended_cadence(check, at, ceiling, length)
                first = (_first_due(check, at, open_ended=phase.duration_minutes is None,
                                    awaited=check.name in awaited)
                         if timeline_minutes > 0 else _FirstDue(0.0, "", ""))
                self.check_escalation_delay(check, at, first, ceiling, length)

    def check_open_ended_cadence(self, check: VitalsCheck, at: str, ceiling: float,
                                 length: str) -> None:
        """Refuse a cadence in a phase without duration_minutes longer than
        `OPEN_ENDED_CADENCE_TIMELINES` times the protocol's timeline (`ceiling`, in seconds, as
        `_delay_ceiling` gives it): minutes typed as seconds."""
        every = check.every_minutes
        most = OPEN_ENDED_CADENCE_TIMELINES * ceiling / 60
        if every is None or every <= most:
            return
        raise ProtocolError(
            self.path, f"{at}.every_minutes",
            f"{_amount(every, 'min')} is longer than twice {length}: the phase lasts until its"
            f" exit conditions hold, so {check.name!r} comes due only in a session that stays"
            " in it past its plan, but a cadence longer than twice the whole plan is none a"
            f" clinic means (seconds typed as minutes?); every_minutes at most"
            f" {_amount(most, 'min')} here",
        )

    def check_escalation_delay(self, check: VitalsCheck, at: str, first: _FirstDue,
                               ceiling: float, length: str) -> None:
        """`check_escalation_delays` for one check: refused at the key to change, naming a value
        that key allows (never "escalate_after_minutes at most -5 min")."""
        due, escalate, limit = first.minutes, check.escalate_after_minutes, ceiling / 60
        if (due + escalate) * 60 <= ceiling:
            return
        missed = f"a missed {check.name!r}"
        if due >= limit:
            room = limit - escalate
            name = first.key.rsplit(".", 1)[-1]
            # every_minutes must stay longer than its early window (`check`).
            least = check.early_minutes if name == "every_minutes" else 0.0
            allowed = (f"{name} at most {_amount(room, 'min')} here (a missed reading escalates"
                       f" escalate_after_minutes {_amount(escalate, 'min')} after it)"
                       if room > least else
                       f"its first due time and escalate_after_minutes together at most"
                       f" {_amount(limit, 'min')}")
            raise ProtocolError(
                self.path, first.key,
                f"the first time {check.name!r} is due, {_amount(due, 'min')} {first.counted}, is"
                f" at or past {length}, so in a session run to plan the check would not come due"
                f" before the patient may leave, nor {missed} escalate to a medium alarm;"
                f" {allowed}",
            )
        placed = (f"its first due time, {_amount(due, 'min')} {first.counted}, +"
                  f" escalate_after_minutes {_amount(escalate, 'min')} ="
                  f" {_amount(due + escalate, 'min')}," if first.counted
                  else f"escalate_after_minutes {_amount(escalate, 'min')},")
        raise ProtocolError(
            self.path, f"{at}.escalate_after_minutes",
            f"the wait before {missed} becomes a medium alarm, {placed} is longer than {length},"
            f" so it could never escalate in a session run to plan; escalate_after_minutes at"
            f" most {_amount(limit - due, 'min')} here",
        )

    def check_device_rests(self, dose: Dose, timeline_minutes: float) -> None:
        """Refuse a rest after each device whose rests between the devices of the largest dose
        outlast the protocol's whole timeline (`_delay_ceiling`), as an alarm's delays are held
        (`check_alarm_delays`): `rest_minutes = 300` (the label's 5 min typed in seconds)
        loaded under the 720-min bound, and device 2 given after the label's 5 min was refused
        as early in every session (a review of the protocols)."""
        if dose.mode is not DoseMode.DEVICES:
            return
        largest = max(dose.allowed_mg)
        rests = dose.device_count(largest) - 1
        ceiling, length = _delay_ceiling(timeline_minutes)
        rest = dose.rest_minutes
        if rests < 1 or rest * rests * 60 <= ceiling:
            return
        if rests == 1:
            between = (f"the rest between the 2 devices of the largest dose ({_fmt(largest)}"
                       f" mg) is longer than {length}, so device 2 given on time would be"
                       " refused as early and would come after the patient may leave")
        else:
            between = (f"the rests between the {rests + 1} devices of the largest dose"
                       f" ({_fmt(largest)} mg), {rests} × {_amount(rest, 'min')} ="
                       f" {_amount(rest * rests, 'min')}, are longer than {length}, so a device"
                       " given on time would be refused as early and the last would come after"
                       " the patient may leave")
        raise ProtocolError(
            self.path, "dose.rest_minutes",
            f"{_amount(rest, 'min')} after each device is too long: {between} (seconds typed as"
            f" minutes?); rest_minutes at most {_amount(ceiling / 60 / rests, 'min')} here",
        )

    # -- discharge -------------------------------------------------------------------------

    def check_discharge_time_items(self, discharge: DischargeGate) -> None:
        """Refuse `after_discharge_time` when [discharge] sets no time: the item would wait for
        nothing and be ticked at once, though its text says it waits (review 43)."""
        if not self.discharge_time_items or discharge.min_minutes_from_t0 or (
                discharge.min_minutes_after_dosing):
            return
        raise ProtocolError(
            self.path,
            self.discharge_time_items[0],
            "waits for the discharge time, but [discharge] sets neither min_minutes_from_t0 nor"
            " min_minutes_after_dosing (above 0), so the item would wait for nothing; set one of"
            " them in [discharge], or remove after_discharge_time",
        )

    def discharge(self, table: _Table, *, esketamine: bool) -> DischargeGate:
        minimum = table.optional_limited("min_minutes_from_t0", MAX_MINUTES, "min", _TOO_LONG)
        if esketamine:
            self.check_esketamine_observation(table, minimum)
        return DischargeGate(
            min_minutes_from_t0=minimum,
            min_minutes_after_dosing=self.minutes_after_dosing(table),
            refuse_while_alarm=table.flag("refuse_while_alarm", default=True),
            refuse_while_bp_rising=table.flag("refuse_while_bp_rising", default=True),
            # The model's default: discharge only a fully alert patient (MOAA/S 5).
            min_moaas=table.whole("min_moaas", *MOAAS_RANGE) if table.has("min_moaas") else 5,
            min_aldrete=table.optional_whole("min_aldrete", *ALDRETE_RANGE),
            refuse_while_dissociated=table.flag("refuse_while_dissociated", default=True),
            source=self.required_source(table, "discharge"),
        )


    def minutes_after_dosing(self, table: _Table) -> float | None:
        """The discharge gate's wait after the end of dosing: 0 (none) to 720 min."""
        name = "min_minutes_after_dosing"
        minutes = table.optional_number(name)
        if minutes is None or 0 <= minutes <= MAX_MINUTES:
            return minutes
        why = (_TOO_LONG if minutes > MAX_MINUTES
               else "a wait after the end of dosing cannot be negative")
        raise table.error(name, f"{_amount(minutes, 'min')} is outside the allowed range,"
                                f" 0–{_amount(MAX_MINUTES, 'min')}: {why}")

    def check_esketamine_observation(self, table: _Table, minimum: float | None) -> None:
        """An esketamine nasal spray protocol keeps the label's 2 hours before discharge."""
        least = _amount(ESKETAMINE_MIN_OBSERVATION_MINUTES, "min")
        if minimum is None:
            raise table.error(
                "min_minutes_from_t0",
                f"missing required key for esketamine nasal spray (route intranasal, dose mode"
                f" devices): {_LABEL_OBSERVATION}; set it to at least {least}",
            )
        if minimum < ESKETAMINE_MIN_OBSERVATION_MINUTES:
            raise table.error(
                "min_minutes_from_t0",
                f"{_amount(minimum, 'min')} is outside the allowed range for esketamine nasal"
                f" spray, {_fmt(ESKETAMINE_MIN_OBSERVATION_MINUTES)}–{_amount(MAX_MINUTES, 'min')}:"
                f" {_LABEL_OBSERVATION}",
            )


def _absences_apart(rules: Sequence[AlarmRule]) -> list[AlarmRule]:
    """A text that ran (`authoring=False`) may hold a rule with both a limit and
    `absent_seconds` ("RR ≤ 8, or no RR for 20 s" in one rule, accepted before the loader
    refused it: `check_absence_only`). The engine checks an absence rule only for a missing
    value, so the limit would be dropped without a word and RR 6 raised no high alarm in a
    resumed session: the rule is read as the two it means, the limit's and the absence's."""
    out: list[AlarmRule] = []
    for rule in rules:
        absent = rule.absent_seconds
        limited = replace(rule, absent_seconds=None)
        if absent is None or not _limit_set(limited):
            out.append(rule)
            continue
        out.append(limited)
        out.append(AlarmRule(metric=rule.metric, priority=rule.priority,
                             direction=rule.direction, absent_seconds=absent,
                             source=rule.source))
    return out


# What makes a pulse_rate rule the twin of a heart_rate rule, and the other way round
# (`check_pulse_watched`): everything but the metric (and its source).
_TWIN_FIELDS = ("priority", "direction", "above", "at_or_above", "below", "at_or_below",
                "rise_above_baseline", "sustained_seconds", "confirm_repeat_minutes",
                "escalate_to")


def _twins(one: AlarmRule, other: AlarmRule) -> bool:
    return all(getattr(one, name) == getattr(other, name) for name in _TWIN_FIELDS)


def _twin_value(rule: AlarmRule, name: str) -> str | None:
    """A field of `_TWIN_FIELDS` as the file writes it ('"high"', '125'), or None when unset
    (a sustained_seconds of 0 is the default, and the file need not write it)."""
    value = getattr(rule, name)
    if value is None or (name == "sustained_seconds" and not value):
        return None
    if isinstance(value, Priority):
        return f'"{value.label}"'
    return f'"{value}"' if isinstance(value, str) else _fmt(value)


def _twin_field(rule: AlarmRule, name: str) -> str:
    """'at_or_above = 125', or 'no at_or_above' for a field `rule` leaves unset."""
    value = _twin_value(rule, name)
    return f"no {name}" if value is None else f"{name} = {value}"


def _limit_set(rule: AlarmRule) -> bool:
    return any(limit is not None for limit in (rule.above, rule.at_or_above, rule.below,
                                               rule.at_or_below, rule.rise_above_baseline))


def _fires_at_rest(metric: str, direction: str, name: str, limit: float) -> RestingRange | None:
    """`metric`'s resting range when the limit `name` (above, at_or_below, ...) fires on every
    value of it, tested at the range's far end (`check_quiet_at_rest`); None otherwise."""
    resting = RESTING.get(metric)
    if resting is None:
        return None
    far_end = resting.low if direction == "high" else resting.high
    return resting if _EDGES[name][1](far_end, limit) else None


def _met_by_every_value(metric: str, direction: str, name: str, limit: float) -> bool:
    """Whether the limit `name` is met by every value `metric`'s hard range holds, tested at
    the range's far end: a scale with no resting range (`_fires_at_rest`) is judged on it, as
    nausea `at_or_above = 0` alarmed on "none"."""
    return _EDGES[name][1](_range_edge(metric, direction), limit)


def _range_edge(metric: str, direction: str) -> float:
    """The end of `metric`'s hard range a limit of `direction` must leave quiet."""
    low, high = METRICS[metric].hard
    return low if direction == "high" else high


def _whole_range(metric: str) -> str:
    """"nausea's range 0–3", "spo2's range 0–100 %"."""
    info = METRICS[metric]
    unit = "" if info.unit == "score" else info.unit
    return f"{metric}'s range {_fmt(info.hard[0])}–{_amount(info.hard[1], unit)}"


def _value_words(metric: str, value: float) -> str:
    """'0 (none)', '0 (absent)', '10': a scale's value with its meaning, where it has one."""
    meaning = dict(METRICS[metric].choices).get(int(value))
    return f"{_fmt(value)} ({meaning})" if meaning else _fmt(value)


def _resting_text(metric: str, resting: RestingRange) -> str:
    """'96–100 % (NEWS2 score 0, SpO2 scale 1 [V])'."""
    return (f"{_fmt(resting.low)}–{_amount(resting.high, METRICS[metric].unit)}"
            f" ({resting.source})")


def is_esketamine(route: str, mode: DoseMode) -> bool:
    """Esketamine nasal spray: the one fixed-dose nasal device the console models (28 mg each),
    so a protocol of route "intranasal" in devices mode keeps the Spravato label's rules, and
    its sessions get the REMS Patient Monitoring Form (console/export/rems.py
    `is_rems_protocol`: one rule for both, whatever the protocol's id)."""
    return route == "intranasal" and mode is DoseMode.DEVICES


_TOO_LONG = "no session lasts that long (seconds or hours typed as minutes?)"
_TOO_LONG_S = "an alarm that waits that long never sounds during a session"


def _planned_minutes(phase: Phase) -> float:
    """The least a phase lasts as planned: its duration, else its minimum, else 0 (it lasts
    until the nurse ends it, which may be at once)."""
    if phase.duration_minutes is not None:
        return phase.duration_minutes
    return phase.min_minutes or 0.0


def _timeline_minutes(phases: Sequence[Phase], dose: Dose, discharge: DischargeGate) -> float:
    """The protocol's whole timeline: minutes from the session start to the earliest discharge.

    The phases' planned lengths add up; a minimum from T0 (an observation phase's or the
    discharge gate's: esketamine ≥ 120 min), the infusion (which runs `infusion_minutes` even
    when its phase is untimed; 0 in devices mode) and the gate's wait after dosing ends (IV:
    30 min after the infusion) can only make it longer. 0 when nothing in the file gives a length.
    """
    first_dose = next(i for i, p in enumerate(phases) if p.kind is PhaseKind.DOSING)
    t0 = sum(_planned_minutes(p) for p in phases[:first_dose])
    end = t0
    for phase in phases[first_dose:]:
        end += _planned_minutes(phase)
        if phase.min_minutes_from_t0 is not None:
            end = max(end, t0 + phase.min_minutes_from_t0)
    # The dosing ends with the last of its phases (a 10-min start, then 30 min).
    planned = sum(_planned_minutes(p) for p in dosing_run(phases))
    dosing_ends = t0 + max(planned, dose.infusion_minutes)
    return max(end, t0 + (discharge.min_minutes_from_t0 or 0.0),
               dosing_ends + (discharge.min_minutes_after_dosing or 0.0))


@dataclass(frozen=True, slots=True)
class _FirstDue:
    """When a check is first due in a session run to plan, as the escalation check names it."""

    minutes: float   # 0: whenever it comes due (an open-ended phase's cadence, an awaited time)
    counted: str     # "into its phase", "after T0"; "" when only the escalation is held
    key: str         # the key that sets it


def _first_due(check: VitalsCheck, at: str, *, open_ended: bool, awaited: bool) -> _FirstDue:
    """When a check is first due, in minutes, and from what: one interval into its phase
    (console/session/schedule.py), or its first time after T0; the sooner of the two. A cadence
    in an open-ended phase, or a time the discharge waits for (`awaited`), comes due in any
    session that reaches it: 0, the escalation alone is held."""
    times = []
    if check.every_minutes:
        times.append(_FirstDue(0.0, "", f"{at}.every_minutes") if open_ended else
                     _FirstDue(check.every_minutes, "into its phase", f"{at}.every_minutes"))
    if check.at_minutes_after_t0:
        times.append(_FirstDue(0.0, "", f"{at}.at_minutes_after_t0[0]") if awaited else
                     _FirstDue(check.at_minutes_after_t0[0], "after T0",
                               f"{at}.at_minutes_after_t0[0]"))
    return min(times, key=lambda first: first.minutes)


def _delay_ceiling(timeline_minutes: float) -> tuple[float, str]:
    """The longest wait an alarm or an escalation may have, in seconds, and how messages name it:
    the protocol's timeline, or the untimed ceiling when its phases give no length."""
    if timeline_minutes > 0:
        return timeline_minutes * 60, (
            f"this protocol's whole timeline, {_amount(timeline_minutes, 'min')} from the start to"
            " the earliest discharge (its phases' duration_minutes, min_minutes and"
            " min_minutes_from_t0, the infusion and the discharge gate)")
    return UNTIMED_DELAY_CEILING_MINUTES * 60, (
        f"{_amount(UNTIMED_DELAY_CEILING_MINUTES, 'min')}, the most a protocol whose phases give"
        " no length may wait (the shortest watch after a dose the sources plan: 30 min after an"
        " IV infusion)")


@dataclass(frozen=True, slots=True)
class _Delay:
    """One wait of an alarm rule, as the delay check names it."""

    key: str        # the key a refusal points at
    seconds: float
    text: str       # the wait as the file gives it
    outcome: str    # what never happens if it is too long
    allowed: str    # what the bound applies to


def _delays(rule: AlarmRule) -> list[_Delay]:
    """The waits of a rule: persistence, absence, and the time until a confirmed escalation."""
    sustained = rule.sustained_seconds
    delays = [_Delay("sustained_seconds", sustained, _amount(sustained, "s"), "sound",
                     "sustained_seconds")]
    if rule.absent_seconds is not None:
        delays.append(_Delay("absent_seconds", rule.absent_seconds,
                             _amount(rule.absent_seconds, "s"), "sound", "absent_seconds"))
    if rule.confirm_repeat_minutes is not None and rule.escalate_to is not None:
        # The repeat is asked for once the violation has lasted sustained_seconds.
        wait = sustained + rule.confirm_repeat_minutes * 60
        delays.append(_Delay(
            "confirm_repeat_minutes", wait,
            f"the wait before escalating, sustained_seconds {_amount(sustained, 's')} +"
            f" confirm_repeat_minutes {_amount(rule.confirm_repeat_minutes, 'min')} ="
            f" {_amount(wait, 's')},",
            f"escalate to {rule.escalate_to.label}",
            "the two together",
        ))
    return delays


def _all_dose_keys() -> tuple[str, ...]:
    return tuple(k for keys in DOSE_MODE_KEYS.values() for k in keys)


def _inclusive_edge(name: str, limit: float, metric: str) -> float:
    """The value a limit is met from (high side) or up to (low side), in the steps `metric` is
    judged in (its decimals: protocols/vitals.py `as_shown`): `above = 130` is met from 131,
    `below = 91` up to 90, as `at_or_above = 131` and `at_or_below = 90` are."""
    scale = 10.0 ** METRICS[metric].decimals
    if name == "above":
        return (math.floor(limit * scale) + 1) / scale
    if name == "at_or_above":
        return math.ceil(limit * scale) / scale
    if name == "below":
        return (math.ceil(limit * scale) - 1) / scale
    return math.floor(limit * scale) / scale


def _onset(rule: AlarmRule) -> float | None:
    """Where a rule's absolute limits start to fire, ordered by severity: the first value judged
    to violate them. For a low side the value is negated, so that larger still means more
    extreme. Compared as real numbers, a medium `below = 91` beside a high `at_or_below = 90`
    loaded, and the two are met at the same values (SpO2 90 and under): the medium alarm could
    never show on its own."""
    names = ("above", "at_or_above") if rule.direction == "high" else ("below", "at_or_below")
    edges = [_inclusive_edge(name, getattr(rule, name), rule.metric) for name in names
             if getattr(rule, name) is not None]
    if not edges:
        return None
    return min(edges) if rule.direction == "high" else -max(edges)


def _limits_clash(lower: AlarmRule, higher: AlarmRule) -> tuple[str, str] | None:
    """The (lower, higher) limit texts when the lower-priority rule starts no earlier."""
    low_onset, high_onset = _onset(lower), _onset(higher)
    if low_onset is not None and high_onset is not None and low_onset >= high_onset:
        return _describe_absolute(lower), _describe_absolute(higher)
    low_rise, high_rise = lower.rise_above_baseline, higher.rise_above_baseline
    if low_rise is not None and high_rise is not None and low_rise >= high_rise:
        return f"≥{_fmt(low_rise)} above baseline", f"≥{_fmt(high_rise)} above baseline"
    return None


def _strict_as_judged(rules: Sequence[AlarmRule]) -> str:
    """'; spo2 is judged in whole %, as the nurse reads it, so <91 is ≤90' for the strict limits
    of clashing rules (one metric), or '' when they have none: `<91` beside `≤90` reads as room
    between the two, and the message must say why there is none."""
    metric = rules[0].metric
    notes = [f"{_EDGES[name][0]}{_fmt(limit)} is {_EDGES[f'at_or_{name}'][0]}"
             f"{_fmt(_inclusive_edge(name, limit, metric))}"
             for rule in rules for name in ("above", "below")
             if (limit := getattr(rule, name)) is not None]
    if not notes:
        return ""
    return (f"; {metric} is judged {_steps(metric)}, as the nurse reads it, so"
            f" {' and '.join(notes)}")


def _clashing_key(rule: AlarmRule, clash: tuple[str, str]) -> str:
    """The key of `rule` that a clash message points at: the limit involved."""
    if clash[0].endswith("above baseline"):
        return "rise_above_baseline"
    for name in ("above", "at_or_above", "below", "at_or_below"):
        if getattr(rule, name) is not None:
            return name
    return "priority"


def _describe_absolute(rule: AlarmRule) -> str:
    parts = [
        f"{word}{_fmt(limit)}"
        for word, limit in (
            (">", rule.above), ("≥", rule.at_or_above), ("<", rule.below), ("≤", rule.at_or_below)
        )
        if limit is not None
    ]
    return " or ".join(parts)
