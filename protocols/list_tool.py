"""`infusion-console protocols [FILE ...]`: the protocols a session can run, or a check of files.

Without FILE: every protocol the start screen offers (the shipped ones, then the clinic's folder)
with its id, name and file, then each refused file with the key and the reason. With FILE: each
file checked on its own, as the console would load it, and against the ids already taken, so a
lead nurse can try a new protocol before copying it into the clinic's folder. Exit 0 when every
file loaded, 1 when one was refused (a script can check a file), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final, NoReturn, TextIO

from protocols.loader import (
    LoadResult,
    ProtocolError,
    _misnamed,
    clinic_protocols_dir,
    default_protocol_dirs,
    load_protocol,
    load_protocols,
)
from protocols.model import Protocol

USAGE_EXIT: Final = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line with exit status 2, as `devices.usage.OneLineParser`
    (protocols imports neither devices nor console, so it keeps this copy of its error())."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_EXIT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="infusion-console protocols",
        description="List the protocols a session can run (--protocol ID), and the refused "
                    "files with their reasons; or check protocol files before copying them into "
                    "the clinic's folder.",
        epilog="exit status: 0 every file loaded, 1 a file was refused, 2 bad usage")
    parser.add_argument("files", nargs="*", type=_home_path, metavar="FILE",
                        help="a protocol file to check (.toml); nothing is copied or changed")
    return parser


def _home_path(value: str) -> Path:
    """FILE with a leading `~` or `~user` made that home folder, where no shell expanded it,
    as every file option of the console's commands (`devices.usage.home_path`, not imported:
    protocols imports neither devices nor console).

    Raises:
        argparse.ArgumentTypeError: a `~user` this computer does not have (one line, exit 2).
    """
    try:
        return Path(value).expanduser()
    except RuntimeError:   # pathlib: "Could not determine home directory."
        user = Path(value).parts[0][1:]
        who = f"the user {user}" if user else "the user running it"
        raise argparse.ArgumentTypeError(
            f"{value}: {who} has no home folder on this computer (a path written on another "
            "one?); give an absolute path") from None


def describe(protocol: Protocol) -> str:
    """"iv-ketamine (version 1.0) · IV racemic ketamine … · 4 phases, 17 alarm rules"."""
    return (f"{protocol.id} (version {protocol.version}) · {protocol.name} · {len(protocol.phases)} "
            f"phases, {len(protocol.alarms)} alarm rules")


def _listing(found: LoadResult) -> list[str]:
    lines = ["Protocols (--protocol ID, or the start screen's list):"]
    lines += [f"  {describe(p)}\n  {'':<2}from {p.path}" for p in found.protocols.values()]
    lines += ["", f"A clinic's own protocol files go in {clinic_protocols_dir()} (named *.toml, "
                  "not in a subfolder)."]
    if found.errors:
        lines += ["", "Refused protocol files (not offered until fixed):"]
        lines += [f"  {error}" for error in found.errors]
    return lines


def _check(path: Path, taken: LoadResult) -> tuple[str, bool]:
    """One file's verdict, and whether it loads."""
    if path.suffix != ".toml" and not path.is_dir():   # a folder: load_protocol says so
        # The clinic folder reads `*.toml` only: `clinic.TOML` and `clinic.toml.txt` are refused
        # there, other names passed over; either way never loaded (review 36: said `ok`).
        error = _misnamed(path)
        return f"{path}: refused: {error.key}: {error.reason}", False
    try:
        protocol = load_protocol(path)
    except ProtocolError as error:
        return f"{path}: refused: {error.key}: {error.reason}", False
    others = sorted({str(p) for p in _holders(taken, protocol.id) if p.resolve() != path.resolve()})
    if others:
        return (f"{path}: refused: id: protocol id {protocol.id!r} is already given by "
                f"{' and '.join(others)}: give this file an id of its own"), False
    return f"{path}: ok: {describe(protocol)}", True


def _holders(found: LoadResult, protocol_id: str) -> list[Path]:
    """The files that give `protocol_id`, loaded or refused for it."""
    loaded = found.protocols.get(protocol_id)
    return ([Path(loaded.path)] if loaded is not None else []) + \
        [error.path for error in found.errors if error.protocol_id == protocol_id]


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Print the listing or the checks; returns the exit status."""
    stream = out if out is not None else sys.stdout
    args = _parser().parse_args(argv)
    found = load_protocols(default_protocol_dirs())
    if not args.files:
        print("\n".join(_listing(found)), file=stream)
        return 1 if found.errors else 0
    verdicts = [_check(path, found) for path in args.files]
    print("\n".join(text for text, _ in verdicts), file=stream)
    return 0 if all(ok for _, ok in verdicts) else 1
