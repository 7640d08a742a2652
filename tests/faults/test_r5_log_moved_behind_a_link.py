"""The session log file moved to another folder under a running console and a symlink left at its
path (its -wal and -shm not moved: "move the big file to the data disk, leave a link"), review 44.

The path now names the log through the link, and SQLite keeps the -wal beside the file the link
names: a program opening the path sees the log without the running console's -wal. The running
console looks at the log (through the link: the same file) and at the -wal beside where the log
USED to be (worked out once, at open): both as opened, so it goes on acknowledging readings that
are not in the log at its path; a second console then writes a -wal of its own on the same file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.store import EventLog, LogError
from tests.store import PROJECT_ROOT, VERSION, obs, opened
from tests.store.test_log_links_and_names import _SECOND_CONSOLE


@pytest.mark.usefixtures("folder_age")
def test_a_log_moved_away_behind_a_link_holds_the_writes(tmp_path: Path) -> None:
    data, disk = tmp_path / "data", tmp_path / "bigdisk"
    disk.mkdir()
    db = data / "sessions.sqlite3"
    first = EventLog.open(db, VERSION)
    try:
        sid = first.start_session(opened("CHAIR-1"))
        first.write([obs(sid, s) for s in range(5)])
        os.rename(db, disk / "sessions.sqlite3")             # the file alone
        os.symlink(disk / "sessions.sqlite3", db)           # a link left at its path
        with pytest.raises(LogError) as held:
            first.write([obs(sid, 10 + s) for s in range(5)])
        assert held.value.cause == "moved", "acknowledged into a log no longer at its path"
        # a second chair's console on the path: it wrote a -wal of its own beside the moved
        # file, and CHAIR-1's session was gone once both had closed
        second = subprocess.run([sys.executable, "-c", _SECOND_CONSOLE, str(db)],
                                cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
        assert (second.returncode, second.stdout.strip()) == (4, "moved"), second.stdout
    finally:
        first.close()
    with EventLog.open(db, VERSION) as log:
        assert [row.patient_id for row in log.open_sessions()] == ["CHAIR-1"]
        assert log.conn.execute("SELECT count(*) FROM observations").fetchone()[0] == 5
