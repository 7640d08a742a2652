"""An unknown name costs the same Argon2id work as a known name with a wrong PIN, in a fresh
process too (review 45). staff.py: "An unknown name or badge runs one dummy check so its answer
takes as long as a wrong secret's". Every `infusion-console staff` / `export` run and every
review sign-in builds a new Staff and Argon2Hasher; the dummy hash was made on that very attempt,
so an unknown name cost a hash AND a verify (about 260 ms), a wrong PIN one verify (about 130 ms),
which told a stranger which names are accounts. Counted, not timed: no sleeps, no clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.identity import Argon2Hasher, SecretKind, Staff
from console.store import EventLog

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class CountingPasswordHasher:
    """Wraps one Argon2Hasher's argon2-cffi PasswordHasher: each hash and verify is one run."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.runs: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def hash(self, secret: str) -> object:
        self.runs.append("hash")
        return self.inner.hash(secret)  # type: ignore[attr-defined]

    def verify(self, stored: str, secret: str) -> object:
        self.runs.append("verify")
        return self.inner.verify(stored, secret)  # type: ignore[attr-defined]


def fresh_counted_hasher() -> tuple[Argon2Hasher, CountingPasswordHasher]:
    """A new hasher, as a new process has (Argon2id at its smallest cost), and its run counter."""
    hasher = Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
    counter = CountingPasswordHasher(hasher._hasher)
    hasher._hasher = counter  # type: ignore[assignment]
    return hasher, counter


def test_unknown_name_costs_the_same_argon2_work_as_a_wrong_pin_for_a_fresh_process(
        tmp_path: Path) -> None:
    with EventLog.open(tmp_path / "log.sqlite3", "test", now=T0) as log:
        Staff(log, Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)).add(
            "Ada Admin", "administrator", "58203914", SecretKind.PIN, None, T0)
        # A known name, a wrong PIN, in a fresh process
        known, known_runs = fresh_counted_hasher()
        assert not Staff(log, known).sign_in("Ada Admin", "11112222", T0).ok
        # An unknown name, in a fresh process
        unknown, unknown_runs = fresh_counted_hasher()
        assert not Staff(log, unknown).sign_in("Zed Nobody", "11112222", T0).ok
        # ... and the next unknown name in that same process
        assert not Staff(log, unknown).sign_in("Yan Nobody", "11112222", T0).ok
    assert known_runs.runs == ["verify"]
    assert len(unknown_runs.runs) == 2, unknown_runs.runs   # one Argon2id run per attempt

