"""One console per running session (console/store/session_claim.py): a second console is
refused the session another console runs, and a console killed leaves no claim behind.

The claim is a lock the kernel holds for a process, so the other console here is a real process."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store.session_claim import SessionClaims, SessionInUse

HOLDER = """
import sys
from pathlib import Path
from console.store.session_claim import SessionClaims
claims = SessionClaims(Path(sys.argv[1]))
claims.claim(int(sys.argv[2]))
print("claimed", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def other_console(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another console's process, running session 1 of the log."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "log.sqlite3"), "1"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "claimed\n"
    yield process
    process.kill()
    process.wait()


def test_a_session_another_console_runs_is_refused_and_others_are_free(tmp_path, other_console):
    claims = SessionClaims(tmp_path / "log.sqlite3")
    with pytest.raises(SessionInUse) as refused:
        claims.claim(1)
    assert str(refused.value) == (
        f"session 1 is running in another console on {tmp_path / 'log.sqlite3'} (on this "
        "computer); its alarms are that console's. Use that console, or close it and resume the "
        "session here")
    claims.claim(2)   # a second chair on the same log runs its own session
    claims.claim(2)   # and a claim already held here is held
    assert oct((tmp_path / "log.sqlite3.sessions-lock").stat().st_mode & 0o777) == "0o600"
    claims.close()


def test_a_console_killed_leaves_its_session_free(tmp_path, other_console):
    other_console.send_signal(signal.SIGKILL)
    other_console.wait()
    claims = SessionClaims(tmp_path / "log.sqlite3")
    claims.claim(1)   # "Restart and resume", or a nurse resuming it at another start
    claims.close()


def test_a_session_claimed_through_a_symlink_is_refused_under_the_real_path(tmp_path):
    """IT pointed the default log at a share through a symlink; a second console started with
    --db on the real path had a lock file of its own and ran the same session."""
    real = tmp_path / "share" / "log.sqlite3"
    real.parent.mkdir()
    link = tmp_path / "console.sqlite3"
    link.symlink_to(real)
    other = subprocess.Popen([sys.executable, "-c", HOLDER, str(link), "1"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline() == "claimed\n"
        claims = SessionClaims(real)
        with pytest.raises(SessionInUse, match=re.escape(f"on {real} ")):
            claims.claim(1)
        claims.close()
    finally:
        other.kill()
        other.wait()
