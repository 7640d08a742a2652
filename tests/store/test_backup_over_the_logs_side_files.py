"""`backup DEST` refuses DEST being the log's -journal or its live -shm, as it refuses its -wal,
whether the file is there or not: a WAL log has no -journal, so a check asking only of a DEST
that exists let it through, said "backup written", and the next console start deleted that file
as a stale rollback journal, the clinic's backup gone; the -shm renamed over under a running
console left it on the unlinked old index (a review)."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.backup_command import write_backup
from console.clock import ManualClock
from console.log_command import CommandFailure
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol


def _log_with_a_session(db: Path) -> EventLog:
    log = EventLog.open(db, "test")
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                       Patient("MRN-7", 72), "ana", clock.now())
    return log


def test_backup_to_the_logs_journal_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    _log_with_a_session(db).close()
    with pytest.raises(CommandFailure, match="-journal"):
        write_backup(db, Path(str(db) + "-journal"), replace=False)
    assert not Path(str(db) + "-journal").exists()


def test_backup_over_the_live_shm_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    log = _log_with_a_session(db)
    try:
        shm = Path(str(db) + "-shm")
        assert shm.exists()
        with pytest.raises(CommandFailure, match="-shm"):
            write_backup(db, shm, replace=True)
    finally:
        log.close()
