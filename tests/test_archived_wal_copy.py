"""A log copied with its write-ahead file onto read-only media (an archive, a copy under audit).

Reading rows that are still in a -wal file needs SQLite to create the -shm file beside it; on a
read-only disk it cannot. The commands and the review refuse such a copy naming the folder as the
cause and the way out (SQLite's own words, "unable to open database file", had sent people to the
file's permissions); the same files copied to a writable folder read whole.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.review import queries
from console.session.engine import Patient, SessionEngine
from console.store import EventLog, LogError
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.test_cli import run

LOG = "log.sqlite3"


@pytest.fixture
def archived_with_wal(tmp_path: Path) -> Iterator[Path]:
    """A read-only mount holding a log whose three readings are all still in its -wal file."""
    from tests.store import remount_read_only, tmpfs

    live = tmp_path / "live"
    live.mkdir()
    clock = ManualClock()
    log = EventLog.open(live / LOG, "test")
    try:   # copied while the console still has it open: its rows are in the -wal file
        engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"),
                                    log, Patient("MRN-1", 70), "ana", clock.now())
        for value in (120, 125, 185):
            clock.advance(60)
            engine.enter_manual("bp_systolic", value, "ana", clock.now())
        assert (live / f"{LOG}-wal").stat().st_size > 0
        with tmpfs(tmp_path / "archive", "8m") as archive:
            for name in (LOG, f"{LOG}-wal"):
                shutil.copy(live / name, archive / name)
            remount_read_only(archive)
            yield archive / LOG
    finally:
        log.close()


def test_commands_name_the_read_only_folder_and_the_way_out(archived_with_wal: Path, tmp_path):
    for command in (("verify",), ("access-log",),
                    ("export", "1", "--csv", str(tmp_path / "out.csv"))):
        result = run(*command, "--db", str(archived_with_wal))
        assert result.returncode == 2, result.stdout + result.stderr
        line = result.stderr.strip()
        assert "\n" not in line and "Traceback" not in line
        assert "permission denied" not in line, line
        assert f"{archived_with_wal}-wal" in line and "read-only disk or folder" in line, line
        assert "Copy the log and its -wal file together to a writable folder" in line, line
    assert not (tmp_path / "out.csv").exists()


def test_the_review_refuses_it_with_the_same_cause(archived_with_wal: Path):
    with pytest.raises(LogError) as refused:
        queries.open_readonly(archived_with_wal)
    assert refused.value.cause == "read-only-wal"


def test_the_way_out_works_the_copy_reads_every_row(archived_with_wal: Path, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (LOG, f"{LOG}-wal"):
        shutil.copy(archived_with_wal.with_name(name), copy / name)
    result = run("verify", "--db", str(copy / LOG))
    assert result.returncode == 0, result.stdout + result.stderr
    conn = queries.open_readonly(copy / LOG)
    try:
        assert conn.execute("SELECT count(*) FROM observations").fetchone() == (3,)
    finally:
        conn.close()
