"""`infusion-console protocols [FILE ...]`: the protocols a session can run, or a check of files.

Without FILE: every protocol the start screen offers (the shipped ones, then the clinic's folder)
with its id, name and file, then each refused file with the key and the reason. With FILE: each
file checked as the console would load it from the clinic's folder once copied in, so a lead
nurse can try a new protocol before copying it there:

- against the ids already taken, but for the clinic-folder file of the same name, which the copy
  replaces (a new version of a clinic protocol keeps its id: launchers start `--protocol ID`);
  its version must then differ from that file's (protocols/README.md: change it when you change
  the file), and the line says which version it replaces;
- against the other files of the same command: files sharing an id are each refused, naming
  the others, as the folder refuses them all (a file refused for another problem still takes
  its id there when its `id` line was read);
- against the clinic-folder file its copy would overwrite when that file gives another id: the
  file is refused, naming the protocol that would no longer be offered and a name to copy it
  under instead (said `ok`, a second "clinic.toml" removed the first one's protocol).

Exit 0 when every file loaded, 1 when one was refused (a script can check a file), 2 for bad
usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NoReturn, TextIO

from protocols.loader import (
    LoadResult,
    ProtocolError,
    _misnamed,
    clinic_protocols_dir,
    default_protocol_dirs,
    load_or_refusal,
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


def _load(path: Path) -> Protocol | ProtocolError:
    """A checked file as the clinic folder would load it, or why it would not."""
    if path.suffix != ".toml" and not path.is_dir():   # a folder: load_protocol says so
        # The clinic folder reads `*.toml` only: `clinic.TOML` and `clinic.toml.txt` are refused
        # there, other names passed over; either way never loaded (review 36: said `ok`).
        return _misnamed(path)
    return load_or_refusal(path)


def _claimed(outcome: Protocol | ProtocolError) -> str | None:
    """The id a file takes in a folder: a refused one's too, when its `id` line was read."""
    return outcome.id if isinstance(outcome, Protocol) else outcome.protocol_id


def _check(path: Path, outcome: Protocol | ProtocolError, taken: LoadResult,
           run: Sequence[tuple[Path, Protocol | ProtocolError]]) -> tuple[str, bool]:
    """One file's verdict, and whether it loads.

    Args:
        outcome: the file loaded (`_load`).
        taken: what the console loads now.
        run: every file of this command with its outcome, `path` among them.
    """
    if isinstance(outcome, ProtocolError):
        return f"{path}: refused: {outcome.key}: {outcome.reason}", False
    protocol = outcome
    replaced = _replaced(path, protocol.id, taken)
    mine = {path.resolve(), *([replaced.path.resolve()] if replaced is not None else [])}
    others = sorted({str(p) for p in _holders(taken, protocol.id) if p.resolve() not in mine})
    if others:
        return (f"{path}: refused: id: protocol id {protocol.id!r} is already given by "
                f"{' and '.join(others)}: give this file an id of its own"), False
    # The folder refuses every file of an id two give: so does a check of them together.
    twins = list(dict.fromkeys(str(p) for p, o in run
                               if _claimed(o) == protocol.id and p.resolve() != path.resolve()))
    if twins:
        which = "one of them" if len(twins) == 1 else "all but one"
        return (f"{path}: refused: id: protocol id {protocol.id!r} is also given by "
                f"{' and '.join(twins)}, checked together: the clinic folder refuses every file "
                f"of an id two files give; give {which} an id of its own, or copy in only one"
                ), False
    if replaced is None:
        return _overwriting(path, protocol, taken)
    return _replacing(path, protocol, replaced)


def _overwriting(path: Path, protocol: Protocol, taken: LoadResult) -> tuple[str, bool]:
    """The verdict of a file of a new id, as the clinic-folder file of its name would make it.

    Copied in over a file that gives another protocol, it removes that protocol: a second
    "clinic.toml" said `ok`, and the clinic's clinic-a was gone from the start screen and every
    launcher's `--protocol clinic-a` unknown. Refused, naming the protocol that would go and a
    name to copy it under instead: the check is the step before the copy, and the copy keeps
    the name.
    """
    ok = f"{path}: ok: {describe(protocol)}"
    there = clinic_protocols_dir() / path.name
    # os.path: False, not a PermissionError, in a config folder closed to this account.
    if there.resolve() == path.resolve() or not os.path.exists(there):
        return ok, True
    installed = next((p for p in taken.protocols.values()
                      if Path(p.path).resolve() == there.resolve()), None)
    if installed is None:
        return f"{ok}; would replace {there} (refused there now)", True
    free = f"{protocol.id}.toml"
    rename = (f"name this file {free}" if not os.path.exists(there.parent / free)
              else f"give this file a name no file of {there.parent} has")
    return (f"{path}: refused: (file): copied in, it replaces {there}, protocol {installed.id}"
            f" (version {installed.version}), which would no longer be offered (nor start with"
            f" --protocol {installed.id}); {rename}, or remove {there.name} from the clinic's"
            f" folder first if {installed.id} is to go"), False


@dataclass(frozen=True)
class _Installed:
    """The clinic-folder file a checked file's copy would replace, giving the same id."""

    path: Path
    protocol: Protocol | None   # None: refused there now


def _replaced(path: Path, protocol_id: str, taken: LoadResult) -> _Installed | None:
    """The clinic-folder file of `path`'s name that gives `protocol_id` (copied in, `path`
    replaces it), or None: no such file, or `path` is it."""
    there = clinic_protocols_dir() / path.name
    if there.resolve() == path.resolve():
        return None
    for holder in _holders(taken, protocol_id):
        if holder.resolve() == there.resolve():
            loaded = taken.protocols.get(protocol_id)
            same = loaded is not None and Path(loaded.path).resolve() == holder.resolve()
            return _Installed(holder, loaded if same else None)
    return None


def _replacing(path: Path, protocol: Protocol, replaced: _Installed) -> tuple[str, bool]:
    """The verdict of a file that would replace the installed file of its id."""
    ok = f"{path}: ok: {describe(protocol)}; "
    installed = replaced.protocol
    if installed is None:
        return f"{ok}would replace {replaced.path} (refused there now)", True
    if installed.text == protocol.text:
        return f"{ok}the same text as {replaced.path}: nothing would change", True
    if installed.version == protocol.version:
        return (f"{path}: refused: version: version {protocol.version!r} is the version of "
                f"{replaced.path}, which this file would replace with other text: change "
                "`version` when you change the file (every session records it: sessions under "
                "the two texts would say the same version)"), False
    return (f"{ok}would replace {replaced.path} (version {installed.version} → "
            f"{protocol.version})"), True


def _holders(found: LoadResult, protocol_id: str) -> list[Path]:
    """The files that give `protocol_id`, loaded or refused for it. Not a file the folder never
    reads (`ProtocolError.not_read`: a dated subfolder's old copy, clinic-iv.toml.txt): it
    takes no id from a file copied in, and had refused the clinic's new version of its
    protocol, advising a new id that every launcher's --protocol and the course would miss."""
    loaded = found.protocols.get(protocol_id)
    return ([Path(loaded.path)] if loaded is not None else []) + \
        [error.path for error in found.errors
         if error.protocol_id == protocol_id and not error.not_read]


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Print the listing or the checks; returns the exit status."""
    stream = out if out is not None else sys.stdout
    args = _parser().parse_args(argv)
    found = load_protocols(default_protocol_dirs())
    if not args.files:
        print("\n".join(_listing(found)), file=stream)
        return 1 if found.errors else 0
    run = [(path, _load(path)) for path in args.files]
    verdicts = [_check(path, outcome, found, run) for path, outcome in run]
    print("\n".join(text for text, _ in verdicts), file=stream)
    return 0 if all(ok for _, ok in verdicts) else 1
