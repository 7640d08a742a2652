"""A file mounted over the session log, its -wal or its -shm under a running console, on a local
disk (review 44). The folder's stat does not change for a mount: with the folder long settled the
console statted only the folder and went on acknowledging into a file no other program can reach
at the log's path. The mount table is watched too (console/store/in_place.py). Needs root and
`unshare -m` (a private mount namespace for the subprocess)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.store import PROJECT_ROOT

_CONSOLE = r"""
import shutil, subprocess, sys
from pathlib import Path
from console.store import EventLog, LogError, in_place
from tests.store import VERSION, obs, opened
folder, which, age = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
if age == "settled":
    in_place.SETTLED_NS = -10**18          # the folder_age fixture's "settled long ago"
db = folder / "data" / "sessions.sqlite3"
log = EventLog.open(db, VERSION)
sid = log.start_session(opened("CHAIR-1"))
log.write([obs(sid, 1)])
log.write([obs(sid, 2)])                    # the folder looked at and trusted
target = Path(f"{db}{which}")
other = folder / ("other" + which)
shutil.copy(target, other)                  # another file, same content
subprocess.run(["mount", "--bind", str(other), str(target)], check=True)
try:
    log.write([obs(sid, 3)])
    print("acknowledged")
except LogError as exc:
    print("held", exc.cause)
finally:
    subprocess.run(["umount", str(target)], check=True)
    log.close()
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare")
@pytest.mark.parametrize("which", ["", "-wal", "-shm"])
@pytest.mark.parametrize("age", ["just changed", "settled"])
def test_a_file_mounted_over_the_log_or_its_side_files_is_noticed(tmp_path: Path, which: str,
                                                                    age: str) -> None:
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", _CONSOLE,
         str(tmp_path), which, age],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "held moved", (
        f"a file mounted over sessions.sqlite3{which}: the reading was {done.stdout.strip()}")
