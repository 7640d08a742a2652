"""Where the console keeps its files by default."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import platformdirs

APP = "infusion-console"


def default_db_path() -> Path:
    """The session log in the user's data folder (e.g. ~/.local/share/infusion-console)."""
    return platformdirs.user_data_path(APP) / "sessions.sqlite3"


def write_private_file(folders: Iterable[Path], name: str, text: str) -> Path | None:
    """Write `text` to a new file `name` (0600: it may hold patient data) in the first of
    `folders` that takes it, flushed to disk; return its path, or None when none did."""
    for folder in folders:
        path = Path(folder) / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
        except OSError:
            continue
        return path
    return None


def make_private(path: Path) -> None:
    """Create (or empty) `path` readable by its owner only, before an export writes into it.

    Exports hold patient data like the log (R8), so they get its 0600 whatever the umask; a
    writer that then opens the file for writing keeps that mode. A de-identified export too: a
    clinician who shares one decides so (chmod), the console does not.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
