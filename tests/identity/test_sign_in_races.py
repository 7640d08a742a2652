"""An administrator's change committed by another process while a sign-in checks the secret.

The Argon2id check (~130 ms in production) runs outside the write transaction. A disable or a
PIN reset from `infusion-console staff` landing in that window was ignored: the disabled nurse
signed in, and with a re-hash due the sign-in wrote an *active* version with the old PIN over
the disable (review 35). The attempt is now decided against the account as the log holds it at
the commit, checked again when it changed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from console.identity import Account, Outcome, SecretKind, Staff
from console.store import EventLog

from .conftest import ADMIN_PIN, NURSE, NURSE_PIN, CountingHasher, t

NEW_PIN = "61830275"


class ChangedMeanwhile(CountingHasher):
    """The fast hasher; while it checks a secret it runs `during` (another process's commit),
    once per hook queued."""

    def __init__(self, rehash: bool = False) -> None:
        super().__init__()
        self.during: list[Callable[[], object]] = []
        self.rehash = rehash

    def verify(self, stored: str, secret: str) -> bool:
        ok = super().verify(stored, secret)
        if self.during:
            self.during.pop(0)()
        return ok

    def needs_rehash(self, stored: str) -> bool:
        return self.rehash


@pytest.fixture
def elsewhere(db: Path, log: EventLog) -> Iterator[Staff]:
    """The administrator's `infusion-console staff`: its own connection to the same file."""
    with EventLog.open(db, "test") as other:
        yield Staff(other, CountingHasher())


def signed_in(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT account, staff_version, outcome FROM sign_ins "
                            "ORDER BY id").fetchall()
    finally:
        conn.close()


def accounts(log: EventLog, hasher: ChangedMeanwhile) -> tuple[Staff, Account, Account]:
    staff = Staff(log, hasher)
    admin = staff.add("Ada Admin", "administrator", ADMIN_PIN, SecretKind.PIN, None, t(0))
    nurse = staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1))
    return staff, admin, nurse


@pytest.mark.parametrize("rehash_due", [False, True])
def test_an_account_disabled_during_the_pin_check_does_not_sign_in(
        db: Path, log: EventLog, elsewhere: Staff, rehash_due: bool) -> None:
    hasher = ChangedMeanwhile(rehash=rehash_due)
    staff, admin, nurse = accounts(log, hasher)
    # The administrator disables the nurse (PIN seen by a visitor) while her PIN is checked.
    hasher.during.append(lambda: elsewhere.disable(nurse.id, admin, "PIN seen", t(5)))
    result = staff.sign_in(NURSE, NURSE_PIN, t(6))
    # Refused as disabled, and the log says so against the disabled version: no "ok" row.
    assert (result.ok, result.outcome) == (False, Outcome.DISABLED)
    assert result.message.startswith("Ana Nurse's account is disabled")
    disabled = staff.get(nurse.id)
    assert disabled.active is False
    assert signed_in(db) == [(nurse.id, disabled.version, "disabled")]
    # With a re-hash due, none was written over the disable (it had re-enabled the account).
    assert [(a.active, a.reason) for a in staff.history(nurse.id)][-1] == (False,
                                                                           "disabled: PIN seen")


def test_the_old_pin_reset_during_its_check_does_not_sign_in(
        db: Path, log: EventLog, elsewhere: Staff) -> None:
    hasher = ChangedMeanwhile(rehash=True)
    staff, admin, nurse = accounts(log, hasher)
    hasher.during.append(lambda: elsewhere.reset(nurse.id, NEW_PIN, admin, t(5)))
    result = staff.sign_in(NURSE, NURSE_PIN, t(6))
    # Checked again against the new PIN: the old one is wrong, counted against the new version.
    assert (result.ok, result.outcome) == (False, Outcome.WRONG)
    reset = staff.get(nurse.id)
    assert signed_in(db) == [(nurse.id, reset.version, "wrong")]
    # No re-hash of the old PIN over the reset: the new PIN signs in.
    assert staff.sign_in(NURSE, NEW_PIN, t(7)).ok


def test_a_roles_change_during_the_check_signs_in_with_the_new_roles(
        db: Path, log: EventLog, elsewhere: Staff) -> None:
    hasher = ChangedMeanwhile()
    staff, admin, nurse = accounts(log, hasher)
    hasher.during.append(
        lambda: elsewhere.change_roles(nurse.id, "nurse,prescriber", admin, "now prescribes",
                                       t(5)))
    result = staff.sign_in(NURSE, NURSE_PIN, t(6))
    # The same PIN, checked again against the version in force: one "ok" row, against it.
    assert result.ok and result.account is not None
    assert result.account == staff.get(nurse.id)
    assert result.account.roles_text == "nurse prescriber"
    assert signed_in(db) == [(nurse.id, result.account.version, "ok")]
    assert hasher.verified == 2


def test_an_account_changed_during_every_check_is_refused_with_a_try_again(
        db: Path, log: EventLog, elsewhere: Staff) -> None:
    hasher = ChangedMeanwhile()
    staff, admin, nurse = accounts(log, hasher)

    def change(n: int, roles: str) -> Callable[[], object]:
        return lambda: elsewhere.change_roles(nurse.id, roles, admin, f"change {n}", t(2 + n))

    # Three administrator changes, one during each of the three checks.
    hasher.during += [change(n, roles) for n, roles in
                      enumerate(["nurse,prescriber", "nurse", "nurse,prescriber"])]
    result = staff.sign_in(NURSE, NURSE_PIN, t(6))
    assert not result.ok
    assert result.message == ("Ana Nurse's account was changed by an administrator while the PIN "
                              "or password was being checked: nothing was signed in; try again")
    assert signed_in(db) == []      # no outcome the log knows would be true
    assert staff.sign_in(NURSE, NURSE_PIN, t(7)).ok
