"""A console's log on a FUSE share (sshfs, bindfs) whose daemon died (network gone): every
lookup on the mount says ENOTCONN, "Transport endpoint is not connected". Stopping the console,
EventLog.close() stats the -shm first (close_as_is.py) and that OSError had escaped (review
44): the connection was never closed, the stop printed a traceback ("a step of stopping
failed"), and the with-block of a review sign-in raised a bare OSError instead of a LogError."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.store import PROJECT_ROOT

_CHILD = r"""
import os, signal, sys
from pathlib import Path
from console.store import EventLog
from tests.store import VERSION, obs, opened
mnt, pid = Path(sys.argv[1]), int(sys.argv[2])
log = EventLog.open(mnt / "sessions.sqlite3", VERSION)
sid = log.start_session(opened("CHAIR-1"))
log.write([obs(sid, 1)])
os.kill(pid, signal.SIGKILL)          # the share's daemon dies
import time; time.sleep(2.5)   # past FUSE's one-second attribute cache
try:
    log.close()
    print("closed")
except Exception as exc:
    print(type(exc).__name__, exc)
"""


def test_close_on_a_share_gone_closes_without_a_traceback(tmp_path: Path) -> None:
    if os.geteuid() != 0 or not shutil.which("bindfs") or not shutil.which("unshare"):
        pytest.skip("needs root, unshare and bindfs")
    back, mnt = tmp_path / "server", tmp_path / "mnt"
    back.mkdir()
    mnt.mkdir()
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    shell = textwrap.dedent(f"""
        bindfs -f {back} {mnt} & pid=$!
        for i in 1 2 3 4 5 6 7 8 9 10; do mountpoint -q {mnt} && break; sleep 0.2; done
        mountpoint -q {mnt} || exit 77
        {sys.executable} {script} {mnt} $pid; rc=$?
        fusermount -u {mnt} 2>/dev/null || umount -l {mnt}
        exit $rc""")
    done = subprocess.run(["unshare", "-m", "sh", "-c", shell], cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                          capture_output=True, text=True, timeout=120)
    if done.returncode == 77:
        pytest.skip("FUSE cannot be mounted here")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "closed", done.stdout
