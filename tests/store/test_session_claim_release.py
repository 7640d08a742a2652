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
