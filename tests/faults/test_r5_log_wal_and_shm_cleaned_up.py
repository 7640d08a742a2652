"""A clean-up of "temporary files" beside the log (the -wal and the -shm both deleted) while a
console runs. The console holds its writes (moved) and is closed: its close checkpoints every
acknowledged row (still in the deleted -wal it has open) into the log file. Closing without
that checkpoint whenever the -shm was gone (close_as_is.py, review 44) had lost the session and
every reading acknowledged to the monitor: it is skipped only while the -wal is the one opened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.store import EventLog, LogError
from tests.store import VERSION, obs, opened


def test_acknowledged_rows_survive_a_clean_up_of_wal_and_shm(tmp_path: Path) -> None:
    db = tmp_path / "sessions.sqlite3"
    log = EventLog.open(db, VERSION)
    sid = log.start_session(opened("CHAIR-1"))
    log.write([obs(sid, s) for s in range(10)])          # acknowledged: AA to the monitor
    os.unlink(f"{db}-wal")                               # "temporary files" cleaned up
    os.unlink(f"{db}-shm")
    with pytest.raises(LogError):
        log.write([obs(sid, 10)])                        # held, as designed
    log.close()                                          # the nurse stops the console
    with EventLog.open(db, VERSION) as again:
        patients = [row.patient_id for row in again.open_sessions()]
        rows = again.conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    assert (patients, rows) == (["CHAIR-1"], 10), (
        f"after the restart the log holds sessions {patients} with {rows} readings")
