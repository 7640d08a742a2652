"""A running console's claims when its lock file is deleted or replaced under it
(console/store/session_claim.py): taken again in the file now at the path, where a second
console looks."""
from __future__ import annotations

import subprocess
import sys

import pytest

from console.store.session_claim import SessionClaims, SessionInUse
from tests.store.test_session_claim_release import try_claim_elsewhere


KEEPING = """
import sys
from pathlib import Path
from console.store.session_claim import SessionClaims
claims = SessionClaims(Path(sys.argv[1]))
claims.claim(int(sys.argv[2]))
print("claimed", flush=True)
for _ in sys.stdin:   # a tick of its running session
    claims.keep()
    print("kept", flush=True)
"""


LOOK = """
import sys
from pathlib import Path
from console.store.session_claim import SessionClaims
print(SessionClaims(Path(sys.argv[1])).running_elsewhere(int(sys.argv[2])))
"""


def running_elsewhere(tmp_path, session_id: int) -> bool:
    """What another console's start screen sees of `session_id` (asked from its own process:
    a process never sees its own claims)."""
    seen = subprocess.run([sys.executable, "-c", LOOK, str(tmp_path / "log.sqlite3"),
                           str(session_id)], capture_output=True, text=True, check=True)
    return {"True\n": True, "False\n": False}[seen.stdout]


def test_a_lock_file_deleted_under_a_running_console_holds_its_session_again(tmp_path) -> None:
    """Claims live on the lock file's inode: the file deleted (a clean-up of a "stale" lock
    file, as ClaimUnavailable's words suggest) and a second console saw nothing running, offered
    the session as left open and resumed it: two engines, two sounders, one record."""
    lock = tmp_path / "log.sqlite3.sessions-lock"
    running = subprocess.Popen([sys.executable, "-c", KEEPING, str(tmp_path / "log.sqlite3"),
                                "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    claims = SessionClaims(tmp_path / "log.sqlite3")   # this process: a console of its own

    def tick() -> None:   # the running console's next tick
        assert running.stdin is not None and running.stdout is not None
        running.stdin.write("tick\n")
        running.stdin.flush()
        assert running.stdout.readline() == "kept\n"

    try:
        assert running.stdout is not None and running.stdout.readline() == "claimed\n"
        claims.claim(2)   # this console runs session 2
        assert claims.running_elsewhere(1)
        lock.unlink()
        tick()
        assert running_elsewhere(tmp_path, 1), "a console started now offers it as left open"
        assert try_claim_elsewhere(tmp_path, 1).startswith("refused: session 1 is running")
        assert claims.running_elsewhere(1)   # this console looks at the file now there
        claims.keep()   # its own tick
        assert try_claim_elsewhere(tmp_path, 2).startswith("refused: session 2 is running")
        lock.unlink()
        lock.write_bytes(b"")   # replaced by another file: the same
        tick()
        claims.keep()
        assert try_claim_elsewhere(tmp_path, 1).startswith("refused: session 1 is running")
        assert try_claim_elsewhere(tmp_path, 2).startswith("refused: session 2 is running")
    finally:
        running.kill()
        running.wait()
        claims.close()
    assert try_claim_elsewhere(tmp_path, 1) == "claimed"   # and a console that ends frees them
    assert try_claim_elsewhere(tmp_path, 2) == "claimed"
