"""Vendor HL7 dialects as data: TOML files mapping vendor OBX-3 codes and names to metrics.

A monitor that sends vendor-local codes (Nihon Kohden `007000^VITAL SpO2`) or local mnemonics
(`HR^^local`) is read through a dialect file. The decoder always looks for standard codes (MDC,
MDIL, LOINC) first, in every component of OBX-3; the dialect map is the fallback. A clinic adds
or corrects a dialect by dropping a file in its configuration folder, like protocols.

A dialect file (`devices/dialects/*.toml`; the file name without `.toml` is the dialect's name):

    vendor = "Nihon Kohden"                 # required
    models = ["PVM", "BSM"]                 # optional, shown in the listing
    description = "..."                      # optional
    value_types = ["NM"]                     # OBX-2 types its mapped rows use (NM, SN); default NM
    no_value = ["***", "-1"]                 # OBX-5 texts meaning "no value", besides the
                                             # standard ones (empty, `---`, `-100`, ...)

    [recognise]                              # optional: automatic choice by MSH text
    sending_application = ["NIHON KOHDEN"]   # MSH-3 contains one of these (case-insensitive)
    sending_facility = []                    # MSH-4 contains one of these

    [units]                                  # optional: vendor unit spellings -> a known unit
    "mmhg." = "mmHg"

    [codes."007000"]                         # OBX-3.1 (or .4) exactly as sent
    metric = "spo2"                          # a vital from protocols/vitals.py
    unit = "%"                               # the unit when OBX-6 is empty (must suit the metric)
    name = "VITAL SpO2"                      # optional: OBX-3.2 as the vendor writes it

    [codes."072007"]
    ignore = "why this known code is not shown"   # instead of metric: dropped as not-monitored

    [names."HR"]                             # an identifier without a code (OBX-3.1 or .2 text)
    metric = "heart_rate"

An identifier stands for one vital: a code given twice (spaces aside), a name twice (case aside),
or a name that is also a code's text or `name` but stands for another vital is refused, as is a
unit spelling given two units. Several identifiers for one vital are fine.

Choosing a dialect: an explicit choice (the device profile's `dialect`) always wins. Without
one, a decoder given the loaded set uses the first dialect, in name order, whose `[recognise]`
text appears in MSH-3 or MSH-4; a dialect without `[recognise]` is only used when chosen.

Loading: `load_dialects(dirs)` reads the shipped folder first, then the clinic's; a later file
with the same name replaces the earlier one, and the listing says so. A file that fails
validation is refused with a `DialectError` naming the file, the key and the reason; a refused
clinic file also withdraws the shipped dialect it was meant to replace, so a broken correction
never silently falls back to the map it corrects.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from devices.hl7 import codes
from devices.hl7.codes import Unit
from devices.toml_value import shown as value_shown
from protocols.vitals import METRICS, VITALS

MAX_FILE_BYTES = 256 * 1024
MAX_ENTRIES = 2000
MAX_TEXT = 120
VALUE_TYPES = ("NM", "SN")
"""OBX-2 types the decoder reads numerically: numeric, and structured numeric (`=^119`)."""

TOP_KEYS = ("vendor", "models", "description", "value_types", "no_value", "recognise", "units",
            "codes", "names")
ENTRY_KEYS = ("metric", "unit", "name", "ignore")
RECOGNISE_KEYS = ("sending_application", "sending_facility")
# Characters that would make a code or marker unmatchable (they split HL7 fields).
_SEPARATORS = re.compile(r"[|^~\\&\r\n]")


class DialectError(ValueError):
    """A dialect file was refused: names the file, the key and the reason.

    Attributes:
        path: the file concerned.
        key: dotted TOML key (`codes."007000".metric`), `(file)`, or a line and column.
        reason: what is wrong and what is allowed.
    """

    def __init__(self, path: Path | str, key: str, reason: str) -> None:
        self.path = Path(path)
        self.key = key
        self.reason = reason
        # The whole path, as ProfileError: a clinic's code map replaces the shipped file of the
        # same name, and the bare name did not say which of the two to fix (review 45).
        super().__init__(f"{path}: {key}: {reason}")


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """What a dialect says about one vendor code or name.

    Attributes:
        key: where it is in the file (`codes."007000"`), for messages.
        metric: the console metric, or None for a known code that is not shown (`ignore`).
        unit: the unit the value is in when OBX-6 is empty; None: OBX-6 must say.
        name: the vendor's OBX-3.2 text, if given.
        ignore: why the code is not shown (only when `metric` is None).
    """

    key: str
    metric: str | None
    unit: Unit | None = None
    name: str = ""
    ignore: str = ""


@dataclass(frozen=True, slots=True)
class Dialect:
    """One vendor's code map and value conventions.

    Attributes:
        name: the file name without `.toml`.
        vendor: who makes the monitors.
        models: models it was written for (free text).
        description: one line for people.
        source: the file it was loaded from.
        codes: vendor code as sent -> entry.
        names: upper-cased identifier text -> entry.
        value_types: OBX-2 types its mapped rows may use.
        no_value_text: upper-cased OBX-5 texts meaning "no value".
        no_value_numbers: numbers meaning "no value".
        units: case-folded unit spelling -> unit.
        sending_application: MSH-3 texts (upper-cased) that recognise it.
        sending_facility: MSH-4 texts (upper-cased) that recognise it.
        replaces: the file this one overrides (same name, earlier folder), if any.
    """

    name: str
    vendor: str
    source: Path
    models: tuple[str, ...] = ()
    description: str = ""
    codes: Mapping[str, CodeEntry] = field(default_factory=dict)
    names: Mapping[str, CodeEntry] = field(default_factory=dict)
    value_types: frozenset[str] = frozenset({"NM"})
    no_value_text: frozenset[str] = frozenset()
    no_value_numbers: frozenset[float] = frozenset()
    units: Mapping[str, Unit] = field(default_factory=dict)
    sending_application: tuple[str, ...] = ()
    sending_facility: tuple[str, ...] = ()
    replaces: Path | None = None

    def lookup(self, code: str = "", name: str = "") -> CodeEntry | None:
        """Return the entry for an OBX-3 code (exact text) or, failing that, an identifier text.

        Names count only when the code component holds no code (`HR^^local`): a code that is
        not in the map is never overridden by the name beside it.
        """
        code = code.strip()
        if code and code in self.codes:
            return self.codes[code]
        if codes.is_code_shaped(code):
            return None
        for text in (code, name.strip()):
            if text and text.upper() in self.names:
                return self.names[text.upper()]
        return None

    def unit(self, text: str) -> Unit | None:
        """Return the unit a vendor spelling stands for, or None."""
        return self.units.get(text.strip().casefold())

    def recognises(self, sending_application: str, sending_facility: str) -> bool:
        """Whether MSH-3 / MSH-4 text names this dialect's monitors."""
        app, fac = sending_application.upper(), sending_facility.upper()
        return any(t in app for t in self.sending_application) or \
            any(t in fac for t in self.sending_facility)

    def is_no_value(self, text: str) -> bool:
        """Whether an OBX-5 text is one of this vendor's "no value" markers."""
        t = text.strip().upper()
        if t in self.no_value_text:
            return True
        try:
            return float(t) in self.no_value_numbers
        except ValueError:
            return False


@dataclass
class DialectSet:
    """The dialects loaded from a list of folders, and the files that were refused.

    Attributes:
        dialects: by name, in name order.
        errors: one per refused file.
    """

    dialects: dict[str, Dialect] = field(default_factory=dict)
    errors: list[DialectError] = field(default_factory=list)
    # MSH-3/MSH-4 -> what they recognise: once per sending application, not per message (P1).
    _recognised: dict[tuple[str, str], Dialect | None] = field(
        default_factory=dict, repr=False, compare=False)

    def get(self, name: str) -> Dialect:
        """Return the dialect called `name`.

        Raises:
            DialectError: it was refused (the file's own error) or no file defines it.
        """
        if name in self.dialects:
            return self.dialects[name]
        for error in self.errors:
            if error.path.stem == name:
                raise error
        known = ", ".join(self.dialects) or "(none)"
        raise DialectError(f"{name}.toml", "(file)", f"no dialect {name!r}; known: {known}")

    def recognise(self, sending_application: str, sending_facility: str) -> Dialect | None:
        """Return the first dialect (name order) whose `[recognise]` matches MSH-3/MSH-4."""
        key = (sending_application, sending_facility)
        if key not in self._recognised:
            self._recognised[key] = next(
                (d for d in self.dialects.values()
                 if d.recognises(sending_application, sending_facility)), None)
        return self._recognised[key]

    def describe(self) -> list[str]:
        """Text lines for a listing: name, vendor and models, source file, number of codes."""
        lines = []
        for d in self.dialects.values():
            models = f" ({', '.join(d.models)})" if d.models else ""
            count = len(d.codes) + len(d.names)
            over = f" (overrides {d.replaces})" if d.replaces is not None else ""
            lines.append(f"{d.name}: {d.vendor}{models}; {count} code(s); from {d.source}{over}")
        lines.extend(f"refused: {e.path}: {e.key}: {e.reason}" for e in self.errors)
        return lines


def shipped_dialects_dir() -> Path:
    """The folder of the dialect files shipped with the console (package data of `devices`)."""
    return Path(__file__).resolve().parent.parent / "dialects"


def load_dialects(dirs: Sequence[Path]) -> DialectSet:
    """Load every `*.toml` in `dirs` (shipped folder first, then e.g. the clinic's).

    A later file with the same name replaces an earlier one (`Dialect.replaces` says which). A
    folder that does not exist is skipped; one that cannot be listed is an error.

    Returns:
        The dialects, and one `DialectError` per refused file.
    """
    out = DialectSet()
    seen: dict[str, Path] = {}
    for directory in dirs:
        directory = Path(directory)
        try:
            # Inside: a config folder closed to this account made exists() a PermissionError
            # traceback (`infusion-console devices`); it is refused as a folder instead.
            if not directory.exists():
                continue
            files = sorted(p for p in directory.iterdir() if p.suffix == ".toml")
        except OSError as exc:
            out.errors.append(DialectError(directory, "(folder)", f"cannot be listed: {exc}"))
            continue
        for path in files:
            earlier = seen.get(path.stem)
            seen[path.stem] = path
            out.dialects.pop(path.stem, None)
            try:
                dialect = load_dialect(path)
            except DialectError as exc:
                out.errors.append(exc)
                continue
            if earlier is not None:
                dialect = replace(dialect, replaces=earlier)
            out.dialects[dialect.name] = dialect
    out.dialects = dict(sorted(out.dialects.items()))
    return out


def load_dialect(path: Path) -> Dialect:
    """Read and validate one dialect file.

    Raises:
        DialectError: unreadable, not UTF-8 TOML, or not a valid dialect (file, key, reason).
    """
    path = Path(path)
    return _Parser(path).dialect(_read(path))


def _read(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DialectError(path, "(file)", f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise DialectError(path, "(file)", f"larger than {MAX_FILE_BYTES // 1024} KB; a dialect "
                           "file is a few KB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DialectError(path, "(file)", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                           f"offset {exc.start}); save the file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DialectError(path, "(file)", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise DialectError(path, "(file)", "not valid TOML: nested too deeply") from None
    except ValueError:   # tomllib's int() of a number past 4300 digits, not a TOMLDecodeError
        raise DialectError(path, "(file)", "not valid TOML: a whole number of more than 4300 "
                           "digits") from None


def _quote(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) and not key.isdigit() else f'"{key}"'


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value_shown(value)})"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a date/time ({value})"


def _stands_for(entry: CodeEntry) -> str:
    """What an entry makes of its code or name, for messages: its metric, or nothing shown."""
    return entry.metric if entry.metric is not None else "nothing shown (ignore)"


def _defined_twice(section: str, first: CodeEntry, again: CodeEntry) -> str:
    """Why a second entry for one code (or name, case aside) is refused, with both vitals."""
    what = "code" if section == "codes" else "name"
    same = f"the same {what}" + (", case aside" if what == "name" else "")
    if first.metric == again.metric:
        return (f"{same} as {first.key} (both {_stands_for(first)}): keep one of the two "
                "entries")
    return (f"stands for {_stands_for(again)}, but {first.key} ({same}) stands for "
            f"{_stands_for(first)}; a {what} stands for one vital: keep one of the two entries")


class _Parser:
    """Validates one parsed file; every error names the dotted key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.units: dict[str, Unit] = {}

    def fail(self, key: str, reason: str) -> DialectError:
        return DialectError(self.path, key, reason)

    def dialect(self, data: Mapping[str, object]) -> Dialect:
        self.keys(data, TOP_KEYS, "")
        vendor = self.text(data, "vendor", "vendor", required=True)
        models = tuple(self.texts(data, "models", "models"))
        description = self.text(data, "description", "description")
        value_types = self.texts(data, "value_types", "value_types") or ["NM"]
        for i, vt in enumerate(value_types):
            if vt.upper() not in VALUE_TYPES:
                raise self.fail(f"value_types[{i}]", f"{vt!r} is not a value type the decoder "
                                f"reads; allowed: {', '.join(VALUE_TYPES)}")
        no_text, no_numbers = self.markers(data)
        recognise = self.table(data, "recognise", "recognise")
        self.keys(recognise, RECOGNISE_KEYS, "recognise.")
        apps = self.texts(recognise, "sending_application", "recognise.sending_application")
        facs = self.texts(recognise, "sending_facility", "recognise.sending_facility")
        self.unit_spellings(self.table(data, "units", "units"))
        code_map = self.entries(self.table(data, "codes", "codes"), "codes")
        name_map = self.entries(self.table(data, "names", "names"), "names")
        self.codes_agree_with_names(code_map, name_map)
        return Dialect(
            name=self.path.stem, vendor=vendor, source=self.path, models=models,
            description=description, codes=code_map,
            names={k.upper(): v for k, v in name_map.items()},
            value_types=frozenset(v.upper() for v in value_types),
            no_value_text=no_text, no_value_numbers=no_numbers, units=dict(self.units),
            sending_application=tuple(a.upper() for a in apps),
            sending_facility=tuple(f.upper() for f in facs),
        )

    def unit_spellings(self, units: Mapping[str, object]) -> None:
        """Read `[units]` into `self.units`. A spelling is matched case aside, so two that differ
        only in case must name the same unit: else the later would silently replace the other."""
        keys: dict[str, str] = {}
        for spelling, target in units.items():
            key = f"units.{_quote(spelling)}"
            if not isinstance(target, str):
                raise self.fail(key, f"expected text (a unit we know), got {_kind(target)}")
            unit = codes.resolve_unit(target, "")
            if unit is None:
                raise self.fail(key, f"{target!r} is not a unit we know; allowed: mmHg, kPa, "
                                "/min, %")
            folded = spelling.strip().casefold()
            earlier = self.units.get(folded)
            if earlier is not None and earlier != unit:
                raise self.fail(key, f"stands for {unit.label}, but {keys[folded]} (the same "
                                f"spelling, case aside) stands for {earlier.label}; a spelling "
                                "stands for one unit: keep one of the two")
            self.units[folded] = unit
            keys[folded] = key

    def codes_agree_with_names(self, code_map: Mapping[str, CodeEntry],
                               name_map: Mapping[str, CodeEntry]) -> None:
        """Refuse a `names` entry that a code entry contradicts.

        `Dialect.lookup` reads a row by its code when `codes` has it, else by its text in
        `names`. So a code and a name of the same text (case aside), or a code's `name` and a
        `names` entry, are one identifier: mapped to two vitals, the vital shown would depend on
        which OBX-3 component the monitor filled. Two codes or names for one vital are fine (a
        vendor's private code beside the standard one), and so are codes sharing one `name`
        (one label over several rows, as `ART` over systolic, diastolic and mean).
        """
        for code, entry in code_map.items():
            for text, which in ((code, f"{entry.key}, the same text (case aside) as a code,"),
                                (entry.name, f"{entry.key}, whose name it is,")):
                named = name_map.get(text.upper()) if text else None
                if named is not None and named.metric != entry.metric:
                    raise self.fail(named.key, f"stands for {_stands_for(named)}, but {which} "
                                    f"stands for {_stands_for(entry)}; one identifier stands "
                                    "for one vital: make the two agree or remove one")

    def keys(self, table: Mapping[str, object], allowed: Iterable[str], prefix: str) -> None:
        allowed = tuple(allowed)
        for key in table:
            if key not in allowed:
                raise self.fail(f"{prefix}{_quote(key)}", f"unknown key; allowed: "
                                f"{', '.join(allowed)}")

    def table(self, data: Mapping[str, object], name: str, key: str) -> dict[str, object]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {_kind(value)}")
        return value

    def text(self, data: Mapping[str, object], name: str, key: str,
             required: bool = False) -> str:
        if name not in data:
            if required:
                raise self.fail(key, "missing required key")
            return ""
        value = data[name]
        if not isinstance(value, str):
            raise self.fail(key, f"expected text, got {_kind(value)}")
        if required and not value.strip():
            raise self.fail(key, "must not be empty")
        if len(value) > MAX_TEXT * 4:
            raise self.fail(key, f"longer than {MAX_TEXT * 4} characters")
        return value.strip()

    def texts(self, data: Mapping[str, object], name: str, key: str) -> list[str]:
        value = data.get(name, [])
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of texts, got {_kind(value)}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(f"{key}[{i}]", f"expected text, got {_kind(item)}")
            if not item.strip() or len(item) > MAX_TEXT:
                raise self.fail(f"{key}[{i}]", f"must be 1-{MAX_TEXT} characters, not blank")
            out.append(item.strip())
        return out

    def markers(self, data: Mapping[str, object]) -> tuple[frozenset[str], frozenset[float]]:
        value = data.get("no_value", [])
        if not isinstance(value, list):
            raise self.fail("no_value", f"expected a list of texts, got {_kind(value)}")
        text: set[str] = set()
        numbers: set[float] = set()
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise self.fail(f"no_value[{i}]", f"expected text as sent in OBX-5 (write "
                                f"\"-1\", not -1), got {_kind(item)}")
            if len(item) > 20 or _SEPARATORS.search(item):
                raise self.fail(f"no_value[{i}]", "must be at most 20 characters without HL7 "
                                "separators (| ^ ~ \\ &)")
            stripped = item.strip().upper()
            try:
                numbers.add(float(stripped))
            except ValueError:
                text.add(stripped)
        return frozenset(text), frozenset(numbers)

    def entries(self, table: Mapping[str, object], section: str) -> dict[str, CodeEntry]:
        if len(table) > MAX_ENTRIES:
            raise self.fail(section, f"{len(table)} entries; at most {MAX_ENTRIES}")
        out: dict[str, CodeEntry] = {}
        for ident, body in table.items():
            key = f"{section}.{_quote(ident)}"
            if not ident.strip() or len(ident) > MAX_TEXT or _SEPARATORS.search(ident):
                raise self.fail(key, f"a {section[:-1]} must be 1-{MAX_TEXT} characters without "
                                "HL7 separators (| ^ ~ \\ &)")
            if not isinstance(body, dict):
                raise self.fail(key, f"expected a table (metric, unit, name or ignore), got "
                                f"{_kind(body)}")
            self.keys(body, ENTRY_KEYS, f"{key}.")
            entry = self.entry(body, key)
            folded = ident.strip() if section == "codes" else ident.strip().upper()
            if folded in out:
                raise self.fail(key, _defined_twice(section, out[folded], entry))
            out[folded] = entry
        return out

    def entry(self, body: Mapping[str, object], key: str) -> CodeEntry:
        name = self.text(body, "name", f"{key}.name")
        ignore = self.text(body, "ignore", f"{key}.ignore")
        if "metric" not in body:
            if not ignore:
                raise self.fail(f"{key}.metric", "missing: give the metric it measures, or "
                                "`ignore` with the reason it is not shown")
            if "unit" in body:
                raise self.fail(f"{key}.unit", "an ignored code has no unit")
            return CodeEntry(key, None, None, name, ignore)
        if ignore:
            raise self.fail(f"{key}.ignore", "give either metric or ignore, not both")
        metric = body["metric"]
        if not isinstance(metric, str):
            raise self.fail(f"{key}.metric", f"expected text, got {_kind(metric)}")
        if metric not in VITALS:
            what = "an observation scale, not a device vital" if metric in METRICS \
                else "not a metric"
            raise self.fail(f"{key}.metric", f"{metric!r} is {what}; known: {', '.join(VITALS)}")
        unit: Unit | None = None
        if "unit" in body:
            text = self.text(body, "unit", f"{key}.unit", required=True)
            unit = self.units.get(text.casefold()) or codes.resolve_unit(text, "")
            if unit is None:
                raise self.fail(f"{key}.unit", f"{text!r} is not a unit we know; allowed: "
                                f"{codes.allowed_units(metric)}")
            if unit.dimension != codes.METRIC_DIMENSION[metric]:
                raise self.fail(f"{key}.unit", f"{text!r} cannot measure {metric}; allowed: "
                                f"{codes.allowed_units(metric)}")
        return CodeEntry(key, metric, unit, name)
