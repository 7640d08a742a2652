"""A copy of a session log on a read-only disk (an archive taken while a console ran: the log,
its -wal and its -shm), open in the review, and the export (or a console) started on it.

SQLite reads the copy without its -shm (it cannot write it: a read-only disk, and no one else has
it open), keeping the write-ahead index in memory: the review holds the log's SHARED lock and no
lock on the -shm. `_refuse_lost_index` takes that for a console on a deleted -shm and refuses
with "the log file was moved or deleted ... restore the log from the last backup ... made again
while another console (process N) has the log open on the deleted one". Nothing was moved or
deleted and no console has it open: without the review the same open is refused as read-only,
which says what to do. Needs root and `unshare -m` (a read-only bind mount)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.store import PROJECT_ROOT

_SCRIPT = r"""
import os, shutil, subprocess, sys
from pathlib import Path
from console.store import EventLog, LogError
from tests.store import PROJECT_ROOT, VERSION, obs, opened
READ = '''
import sys
from pathlib import Path
from console.review.queries import open_readonly
c = open_readonly(Path(sys.argv[1]))
print(c.execute("select count(*) from observations").fetchone()[0], flush=True)
sys.stdin.readline()
'''
tmp = Path(sys.argv[1])
live, archive = tmp / "live", tmp / "archive"
archive.mkdir()
db = live / "sessions.sqlite3"
log = EventLog.open(db, VERSION)
sid = log.start_session(opened("CHAIR-1"))
log.write([obs(sid, i) for i in range(5)])
for end in ("", "-wal", "-shm"):
    shutil.copy(f"{db}{end}", archive / f"sessions.sqlite3{end}")
log.close()
subprocess.run(["mount", "--bind", str(archive), str(archive)], check=True)
subprocess.run(["mount", "-o", "remount,bind,ro", str(archive)], check=True)
copy = archive / "sessions.sqlite3"
review = subprocess.Popen([sys.executable, "-c", READ, str(copy)],
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
assert review.stdout.readline().strip() == "5"
try:
    EventLog.open(copy, VERSION).close()
    print("opened")
except LogError as exc:
    print(exc.cause, "|", exc)
review.communicate("\n")
subprocess.run(["umount", str(archive)], check=True)
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare")
def test_a_read_only_copy_open_in_the_review_is_refused_as_read_only(tmp_path: Path) -> None:
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", _SCRIPT,
         str(tmp_path)],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    cause, _, message = done.stdout.strip().partition(" | ")
    assert "another console" not in message and "restore the log" not in message, message
    assert cause == "read-only", message
