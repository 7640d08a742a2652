"""`infusion-console devices`: the monitors the console can read, and where their files are.

Prints the device formats, every device profile (shipped and the clinic's) with its format, code
map, connection and silence watchdog, and every vendor HL7 code map; then each refused file with
the key and the reason. Exit 0 when every file loaded, 1 when one was refused (a clinic's IT can
check a new file in a script), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from devices.formats import FORMATS
from devices.profiles import clinic_profiles_dir, default_catalogue, default_dialect_dirs
from devices.usage import OneLineParser

USAGE_EXIT = 2


def _parser() -> argparse.ArgumentParser:
    return OneLineParser(
        prog="infusion-console devices",
        description="List the bedside monitors the console can read: formats, device profiles "
                    "(--device-profile NAME) and vendor HL7 code maps.")


def _dialect_lines() -> tuple[list[str], int]:
    """The code maps' listing (refused files included) and how many files were refused."""
    from devices.hl7.dialects import load_dialects

    dialects = load_dialects(default_dialect_dirs())
    return dialects.describe(), len(dialects.errors)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Print the listing; returns the exit status."""
    stream = out if out is not None else sys.stdout
    _parser().parse_args(argv)
    catalogue = default_catalogue(deep=True)   # every check: a clinic's IT tries a file here
    lines = ["Formats (--format NAME, or --device-profile NAME):"]
    lines += [f"  {spec.name:<26} {spec.description}" for spec in FORMATS.values()]
    lines += ["", "Device profiles (--device-profile NAME):"]
    for profile in catalogue.profiles.values():
        lines.append(f"  {profile.name:<26} {profile.describe()}")
        lines.append(f"  {'':<26} reads {profile.reads()}; from {profile.source}")
        if profile.needs_bed:
            lines.append(f"  {'':<26} names no bed: copy it into the clinic's folder under a "
                         "name of its own with poll.bed set to this chair's bed")
    dialect_lines, dialects_refused = _dialect_lines()
    lines += ["", "Vendor HL7 code maps (a profile's dialect):"]
    lines += [f"  {line}" for line in dialect_lines]
    lines += ["", f"A clinic's own profiles go in {clinic_profiles_dir()}, its code maps in "
                  f"{default_dialect_dirs()[-1]}."]
    if catalogue.errors:
        lines += ["", "Refused profile files (not used until fixed):"]
        lines += [f"  {error}" for error in catalogue.errors]
    print("\n".join(lines), file=stream)
    return 1 if catalogue.errors or dialects_refused else 0
