"""A claim let go (a resume that failed after its claim) and a claim looked at without taking it
(the start screen of another chair)."""
from __future__ import annotations

import subprocess
import sys

from console.store.session_claim import SessionClaims
from tests.store.test_session_claim import HOLDER

TRY_CLAIM = """
import sys
from pathlib import Path
from console.store.session_claim import SessionClaims, SessionInUse
claims = SessionClaims(Path(sys.argv[1]))
try:
    claims.claim(int(sys.argv[2]))
    print("claimed")
except SessionInUse as exc:
    print("refused:", exc)
"""


def try_claim_elsewhere(tmp_path, session_id: int) -> str:
    other = subprocess.run([sys.executable, "-c", TRY_CLAIM, str(tmp_path / "log.sqlite3"),
                            str(session_id)], capture_output=True, text=True, check=True)
    return other.stdout.strip()


def test_a_released_claim_is_free_for_another_console_and_the_others_stay(tmp_path) -> None:
    claims = SessionClaims(tmp_path / "log.sqlite3")
    claims.claim(1)
    claims.claim(2)
    claims.release(1)
    assert not claims.holds(1) and claims.holds(2)
    assert try_claim_elsewhere(tmp_path, 1) == "claimed"
    assert try_claim_elsewhere(tmp_path, 2).startswith("refused: session 2 is running")
    claims.close()


def test_running_elsewhere_looks_without_taking(tmp_path) -> None:
    claims = SessionClaims(tmp_path / "log.sqlite3")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "log.sqlite3"), "1"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "claimed\n"
        assert claims.running_elsewhere(1)
        assert not claims.running_elsewhere(2)   # free: and not taken by looking
        assert try_claim_elsewhere(tmp_path, 2) == "claimed"
        claims.claim(3)
        assert not claims.running_elsewhere(3)   # this console's own
    finally:
        holder.kill()
        holder.wait()
        claims.close()


def test_a_lock_file_that_cannot_be_opened_is_said_as_such(tmp_path, monkeypatch) -> None:
    # Root's 0600 lock file left by a console once run with sudo: every start and resume had
    # been refused "running in another console", with nothing running (a review of 92fa4b9).
    import os

    import pytest

    from console.store.session_claim import SessionInUse

    claims = SessionClaims(tmp_path / "log.sqlite3")
    real_open = os.open

    def refused(path, *args, **kwargs):
        if str(path).endswith(".sessions-lock"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(SessionInUse) as caught:   # callers refuse it as they refuse a claim
        claims.claim(1)
    words = str(caught.value)
    assert "running in another console" not in words
    assert str(claims.lock_path) in words and "cannot be opened (Permission denied)" in words
    assert "remove that file or give it to this user" in words
