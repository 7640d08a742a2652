"""A console on Python 3.11 runs for days; unattended-upgrades installs a new libsqlite3 (dpkg
writes the new file and renames it over the old one). /proc/self/maps then names the library
still in use as '/usr/lib/.../libsqlite3.so.0.8.6 (deleted)'. `_loaded_sqlite_library` takes
the last word of the line, '(deleted)', as the path (review 44): dlopen failed,
`without_checkpoint` did nothing, and the close checkpointed by the replaced index and deleted
the -wal: the session of a second console in another PID namespace was lost again.

Simulated by loading a copy of the system library (LD_PRELOAD, same soname) and removing the
copy after it is loaded, as dpkg's rename does to the old file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.store import PROJECT_ROOT
from tests.store.test_log_lost_index_in_another_pid_namespace import _READER, _SECOND_CONSOLE

_FIRST_CONSOLE = r"""
import os, subprocess, sys
from pathlib import Path
import sqlite3
os.unlink(os.environ["LD_PRELOAD"])           # the library upgraded under the running console
from console.store import EventLog
from tests.store import VERSION, obs, opened
db = Path(sys.argv[1])
first = EventLog.open(db, VERSION)
sid = first.start_session(opened("CHAIR-1"))
first.write([obs(sid, s) for s in range(10)])
os.unlink(f"{db}-shm")
env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
subprocess.run([sys.executable, "-c", sys.argv[2], str(db)], env=env, check=True,
               capture_output=True)
second = subprocess.run(["unshare", "-p", "-f", "--mount-proc", sys.executable, "-c",
                         sys.argv[3], str(db)], env=env, capture_output=True, text=True)
first.close()
with EventLog.open(db, VERSION) as log:
    patients = sorted(row.patient_id for row in log.open_sessions())
print(second.returncode, second.stdout.strip().splitlines()[-1], ",".join(patients))
"""

_SYSTEM_LIB = Path("/usr/lib/x86_64-linux-gnu/libsqlite3.so.0")


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None
                    or sys.version_info[:2] != (3, 11) or not _SYSTEM_LIB.exists(),
                    reason="needs root, unshare, Python 3.11 and the system libsqlite3")
def test_a_sqlite_library_upgraded_under_the_console_still_keeps_the_second_session(
        tmp_path: Path) -> None:
    copy = tmp_path / "lib" / "libsqlite3.so.0"
    copy.parent.mkdir()
    shutil.copy(_SYSTEM_LIB.resolve(), copy)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "LD_PRELOAD": str(copy)}
    run = subprocess.run([sys.executable, "-c", _FIRST_CONSOLE, str(tmp_path / "s.sqlite3"),
                          _READER, _SECOND_CONSOLE], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    code, said, patients = run.stdout.split()
    if code == "4":
        assert said == "moved"
    else:
        assert patients == "CHAIR-1,CHAIR-2", (
            f"the second console said {said!r}; after the first closed the log holds only "
            f"{patients}")
