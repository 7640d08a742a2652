"""A disk full for the console's user (no block available to it; ext4 keeps 5 % for root, so
blocks are still free) is full: an I/O error there, SQLite's or the system's EIO, reads
"disk-full" (free space), not "(io): check the disk" (a review)."""
from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from console.store import errors


class _Room:
    f_bavail = 0        # none left for the console's user
    f_bfree = 51_200    # root's reserve


@pytest.fixture
def full_for_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errors.os, "statvfs", lambda _p: _Room())


def test_sqlite_io_error_on_a_disk_full_for_the_user_is_disk_full(
        tmp_path: Path, full_for_the_user: None) -> None:
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorname = "SQLITE_IOERR_SHMSIZE"   # type: ignore[attr-defined]
    exc.sqlite_errorcode = 4874                     # type: ignore[attr-defined]
    assert errors.classify(exc, tmp_path / "log.sqlite3").cause == "disk-full"


def test_eio_on_a_disk_full_for_the_user_is_disk_full(tmp_path: Path,
                                                      full_for_the_user: None) -> None:
    exc = OSError(errno.EIO, os.strerror(errno.EIO))
    assert errors.classify(exc, tmp_path / "log.sqlite3").cause == "disk-full"
