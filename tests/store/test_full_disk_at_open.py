"""A log kept from yesterday opened on a disk that filled since (a backup, another program's
files): SQLite fails making the log's -shm (SQLITE_IOERR_SHMSIZE), an I/O error by its code. It
is said as the disk being full, with its fix: the central station restarted so read "(io): check
the disk", sending clinic IT to check the disk's health while every chair was without its
central (a review). The bedside's log and the central's share the rule (console/store/errors.py).
Root only: a small tmpfs, filled."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.central.central_log import CentralLog, CentralLogError
from console.store import EventLog, LogError
from tests.faults.test_r5_log_faults import fill
from tests.store import tmpfs


def test_the_central_restarted_on_a_full_disk_is_told_the_disk_is_full(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "256k") as disk:
        db = disk / "central.sqlite3"
        log = CentralLog.open(db)   # the station ran yesterday, its log kept
        log.add_received("ALM-1", "chair-1", "pcd04", datetime.now(UTC), "x")
        log.close()
        filler = fill(disk)
        try:
            with pytest.raises(CentralLogError) as refused:
                CentralLog.open(db)
            assert refused.value.cause == "disk-full", refused.value
            # What clinic IT reads at the command line: the cause and its fix.
            run = subprocess.run(
                [sys.executable, "-m", "console.cli", "central", "--db", str(db),
                 "--broker", "mqtt://127.0.0.1:9"], capture_output=True, text=True,
                timeout=120, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin",
                                  "HOME": str(tmp_path)})
            assert run.returncode != 0
            assert "free space on that disk" in run.stderr, run.stderr
        finally:
            filler.unlink()


def test_the_bedside_log_opened_on_a_full_disk_is_said_full(tmp_path: Path) -> None:
    # The bedside's open fails earlier (SQLITE_FULL, its schema check writing): the same words.
    with tmpfs(tmp_path / "mnt", "2m") as disk:
        db = disk / "log.sqlite3"
        EventLog.open(db, "test").close()
        filler = fill(disk)
        try:
            with pytest.raises(LogError) as refused:
                EventLog.open(db, "test")
            assert refused.value.cause == "disk-full", refused.value
        finally:
            filler.unlink()
