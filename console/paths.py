"""Where the console keeps its files by default."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

import platformdirs

APP = "infusion-console"


def default_db_path() -> Path:
    """The session log in the user's data folder (e.g. ~/.local/share/infusion-console)."""
    return platformdirs.user_data_path(APP) / "sessions.sqlite3"


def user_path(value: str) -> Path:
    """An option's path with a leading `~` or `~user` made that home folder, as network.toml's
    paths are (config.setting_path): where no shell expands it (a .desktop launcher's Exec
    line, a systemd unit) `--db ~/x.sqlite3` had made a folder named `~` and a new empty log.
    The argparse type of every option naming a file the user gives (`--db`, `--config`, an
    export's file).

    Raises:
        argparse.ArgumentTypeError: a `~user` this computer does not have (one line, exit 2).
    """
    if not value.startswith("~"):
        return Path(value)
    from console.network.config import setting_path  # noqa: PLC0415 - only for a `~` (P7)

    try:
        return setting_path(value, None)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def utf8_text(text: str) -> str:
    """`text` with each character UTF-8 cannot hold as its escape, the text `\\udce9`: a byte
    of a name that is not UTF-8 (a Latin-1 folder b"caf\\xe9", which Python names
    'caf\\udce9') is a lone surrogate, which cannot be encoded (UnicodeEncodeError): a log
    refused the record naming it, a fault's crash file was not written. The one escape of the
    log's values, the paths in records and a fault's words (README, "Console fault")."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def path_text(path: Path) -> str:
    """`path` as text UTF-8 holds, for a record or a file that names it (`utf8_text`), as a
    fault naming such a path is written."""
    return utf8_text(str(path))


def append_private_file(path: Path, text: str) -> None:
    """Append `text` to the existing file `path`, flushed to disk before this returns; a write
    that fails part way is cut back, so the file never ends in half a line. A name that is not
    UTF-8 in `text` is written escaped, as `write_private_file` writes it.

    Raises:
        FileNotFoundError: the file is gone (it is not made again with only the new text).
        OSError: it cannot be written.
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        size = os.fstat(fd).st_size
        # Escaped as `write_private_file` does (a Latin-1 folder's surrogate escape): strict,
        # the second held step under such a folder raised UnicodeEncodeError, its records in no
        # file. Inside a JSON line the escape is the character's own (`\udce9`): read as written.
        data = memoryview(text.encode("utf-8", "backslashreplace"))
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


# How many other names a folder is asked for when a file of that name is already there.
_OTHER_NAMES = 20


def write_private_file(folders: Iterable[Path], name: str, text: str) -> Path | None:
    """Write `text` to a new file `name` (0600: it may hold patient data) in the first of
    `folders` that takes it, flushed to disk; return its path, or None when none did. A name
    that is not UTF-8 in `text` (a Latin-1 folder: surrogate escapes) is written escaped.

    A name already taken in a folder is followed there by `<stem>-2<suffix>`, `-3`, ...: a file
    of another console sharing the folder is no sign the folder takes none (the second chair's
    unsaved records went to the temporary folder, which a power cut empties, the third's
    nowhere)."""
    for folder in folders:
        created = _create_new(Path(folder), name)
        if created is None:
            continue
        fd, path = created
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
        except (OSError, ValueError):
            # A full disk takes the new file but not its text: no empty copy stays behind.
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        return path
    return None


def _create_new(folder: Path, name: str) -> tuple[int, Path] | None:
    """A new file 0600 in `folder` named `name`, or the first of its other names not taken:
    its descriptor and path; None when the folder takes no file (or every name is taken)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for number in range(1, _OTHER_NAMES + 1):
        path = folder / (name if number == 1 else f"{stem}-{number}{suffix}")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), path
        except FileExistsError:
            continue
        except OSError:
            return None
    return None
