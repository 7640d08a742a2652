"""Writing export files whole or not at all. No Qt.

QA found a PDF on a full 64 KiB disk truncated at 65536 bytes and reported as written, and a FHIR
Bundle left half-written beside its error. Every exporter therefore hands its finished bytes to
`write_files`: each file goes to a temporary file in the target's own folder, is flushed to disk
(fsync), and only then put at the target's name. A failure removes the temporaries, so the folder
holds either the complete new files or whatever was there before, untouched.

The command line's export never replaces a file (console/export/cli.py): within `never_replacing`
a file is put in place by a hard link, which fails on any name that exists, so a file made there
while the export was built (a second export to that name, a colleague's file) is kept and the
export refused (`ExistsAlready`); os.replace had destroyed it without a word. The review window's
file chooser asks before it replaces a file, so there a file is renamed over the target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Final

# Errors of link(2) on a filesystem without hard links (FAT and exFAT say EPERM; some network
# shares ENOTSUP or ENOSYS). Not EEXIST: that is a file at the name.
_NO_HARD_LINKS: Final = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS,
                                   errno.EMLINK})

_REFUSING: ContextVar[bool] = ContextVar("never_replacing", default=False)


class ExistsAlready(FileExistsError):
    """A file is at a target's name (within `never_replacing`): nothing was written there."""


@contextlib.contextmanager
def never_replacing() -> Iterator[None]:
    """Within it, `write_files` puts a file only at a name where there is none, and raises
    `ExistsAlready` otherwise (the command line's rule: an export never replaces a file)."""
    token = _REFUSING.set(True)
    try:
        yield
    finally:
        _REFUSING.reset(token)


def write_files(contents: Mapping[Path, bytes]) -> None:
    """Write each file of `contents` (0600: exports hold patient data), all complete or none.

    Every file is written and flushed before the first is put into place, so a full disk
    during the second of two CSV files leaves neither. (Only a rename failing between two
    renames in one folder could leave the first replaced.) Within `never_replacing`, a file
    found at the second name takes back the first, which this call had put where none was.

    Raises:
        ExistsAlready: within `never_replacing`, a file is at a target's name (named).
        OSError: naming the target file, never a temporary one.
    """
    written: dict[Path, str] = {}   # target -> its complete temporary
    placed: list[Path] = []         # targets put where no file was: taken back on a failure
    try:
        for path, data in contents.items():
            with _naming(path):
                written[path] = _temporary(path, data)
        for path, tmp in written.items():
            with _naming(path):
                if _REFUSING.get():
                    _put_where_none_is(tmp, path)
                    placed.append(path)
                else:
                    os.replace(tmp, path)
    except BaseException:
        for path in placed:
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise
    finally:
        for tmp in written.values():
            with contextlib.suppress(FileNotFoundError):   # renamed into place: gone
                os.unlink(tmp)


def not_written_cause(exc: OSError | ValueError) -> str:
    """Why an export's file was not written, in the user's words (the command line's error and
    the access log's "NOT WRITTEN" row, from the command line and from the review window)."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return "the disk is full"
        return exc.strerror or str(exc)
    return str(exc)


def _temporary(path: Path, data: bytes) -> str:
    """`data` in a new 0600 file beside `path`, flushed to disk; returns its name."""
    if path.exists() and not path.is_file():
        # Renaming over a device (as root: /dev/full) or a folder would destroy it.
        raise OSError(errno.EINVAL, "it is not a regular file (a folder or a device)")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def _put_where_none_is(tmp: str, path: Path) -> None:
    """Give the complete `tmp` the name `path` only if no file has it, in one step.

    link(2) fails on a name that exists (a dangling symbolic link too), where rename(2) replaces
    it. On a filesystem without hard links the name is claimed first by an empty file created
    with O_EXCL (which fails as link does), then the rename replaces only that placeholder.

    Raises:
        ExistsAlready: a file (or a folder, a link) is at `path`.
    """
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise ExistsAlready(errno.EEXIST, "it exists already", str(path)) from None
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        _claim_then_rename(tmp, path)
    else:
        os.unlink(tmp)   # the file now has its name; the caller's clean-up skips a gone one


def _claim_then_rename(tmp: str, path: Path) -> None:
    try:
        placeholder = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ExistsAlready(errno.EEXIST, "it exists already", str(path)) from None
    os.close(placeholder)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)   # the empty placeholder, ours
        raise


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An OSError inside names `path`, the file the user asked for, not a temporary."""
    try:
        yield
    except ExistsAlready:
        raise
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
