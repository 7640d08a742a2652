"""Fixtures of the identity tests: a real log under tmp_path, time as arithmetic from T0, and a
hasher that counts its checks.

Most tests hash with `FAST` (Argon2id at its smallest cost: the same code path, milliseconds per
check instead of ~130 ms); tests/identity/test_secrets.py checks the production parameters, and
the command-line tests run the production hasher as the program does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.identity import Account, Argon2Hasher, SecretKind, Staff
from console.store import EventLog

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADMIN, ADMIN_PIN = "Ada Admin", "58203914"
NURSE, NURSE_PIN, NURSE_BADGE = "Ana Nurse", "47116032", "B-0017"


def t(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


class CountingHasher:
    """Argon2id at its smallest cost, counting what it is asked to do."""

    def __init__(self) -> None:
        self.inner = Argon2Hasher(time_cost=1, memory_cost_kib=8, parallelism=1)
        self.verified = 0
        self.dummies = 0
        self.hashed = 0

    def hash(self, secret: str) -> str:
        self.hashed += 1
        return self.inner.hash(secret)

    def verify(self, stored: str, secret: str) -> bool:
        self.verified += 1
        return self.inner.verify(stored, secret)

    def needs_rehash(self, stored: str) -> bool:
        return self.inner.needs_rehash(stored)

    def dummy_verify(self, secret: str) -> None:
        self.dummies += 1
        self.inner.dummy_verify(secret)

    @property
    def checks(self) -> int:
        """Argon2 checks run (real and dummy)."""
        return self.verified + self.dummies


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "log.sqlite3"


@pytest.fixture
def log(db: Path) -> Iterator[EventLog]:
    with EventLog.open(db, "test", now=T0) as log:
        yield log


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def staff(log: EventLog, hasher: CountingHasher) -> Staff:
    return Staff(log, hasher)


@pytest.fixture
def admin(staff: Staff) -> Account:
    """The log's first administrator."""
    return staff.add(ADMIN, "administrator", ADMIN_PIN, SecretKind.PIN, None, T0)


@pytest.fixture
def nurse(staff: Staff, admin: Account) -> Account:
    return staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1), badge=NURSE_BADGE)
