"""The log opened through a folder link (data -> srv/logs); clinic IT repoints the link to the
same folder reached by another mount point (a bind mount, alias/logs is srv/logs). The log, its
-wal and its -shm at the path are the very files opened, and any program opening the path finds
them together; the console had refused every reading as 'moved' (in_place.py compared the -wal's
path as text, realpath through the alias, with the one at open: review 44; now the files). Needs
root and `unshare -m`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.store import PROJECT_ROOT

_CONSOLE = r"""
import os, subprocess, sys
from pathlib import Path
from console.store import EventLog, LogError
from tests.store import VERSION, obs, opened
tmp = Path(sys.argv[1])
(tmp / "srv" / "logs").mkdir(parents=True)
(tmp / "alias").mkdir()
subprocess.run(["mount", "--bind", str(tmp / "srv"), str(tmp / "alias")], check=True)
os.symlink(tmp / "srv" / "logs", tmp / "data")
db = tmp / "data" / "sessions.sqlite3"
log = EventLog.open(db, VERSION)
sid = log.start_session(opened("CHAIR-1"))
log.write([obs(sid, 1)])
os.symlink(tmp / "alias" / "logs", tmp / "data.new")
os.replace(tmp / "data.new", tmp / "data")          # the same folder, by another mount point
assert os.stat(db).st_ino == os.stat(tmp / "srv" / "logs" / "sessions.sqlite3").st_ino
try:
    log.write([obs(sid, 2)])
    print("acknowledged")
except LogError as exc:
    print("held", exc.cause, exc)
log.close()
subprocess.run(["umount", str(tmp / "alias")], check=True)
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare")
def test_a_folder_link_repointed_to_the_same_folder_keeps_taking_readings(tmp_path: Path) -> None:
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", _CONSOLE,
         str(tmp_path)],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "acknowledged", done.stdout
