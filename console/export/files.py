"""Writing export files whole or not at all. No Qt.

QA found a PDF on a full 64 KiB disk truncated at 65536 bytes and reported as written, and a FHIR
Bundle left half-written beside its error. Every exporter therefore hands its finished bytes to
`write_files`: each file goes to a temporary file in the target's own folder, is flushed to disk
(fsync), and only then renamed over the target. A failure removes the temporaries, so the folder
holds either the complete new files or whatever was there before, untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path


def write_files(contents: Mapping[Path, bytes]) -> None:
    """Write each file of `contents` (0600: exports hold patient data), all complete or none.

    Every file is written and flushed before the first is renamed into place, so a full disk
    during the second of two CSV files leaves neither. (Only a rename failing between two
    renames in one folder could leave the first replaced.)

    Raises:
        OSError: naming the target file, never a temporary one.
    """
    written: dict[Path, str] = {}   # target -> its complete temporary
    try:
        for path, data in contents.items():
            with _naming(path):
                written[path] = _temporary(path, data)
        for path, tmp in written.items():
            with _naming(path):
                os.replace(tmp, path)
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


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An OSError inside names `path`, the file the user asked for, not a temporary."""
    try:
        yield
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
