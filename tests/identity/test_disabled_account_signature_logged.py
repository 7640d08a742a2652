"""A disabled account's try to sign is a `sign_ins` row (review 49). SCHEMA.md: `sign_ins` is
"every attempt to sign in or to sign", `disabled` among its outcomes; a disabled account's
sign-in and review unlock were logged so, but its signature was refused by the role check
before the secret's check, and nothing was written: a departed employee's tries to sign records
at a chair left no trace. It is refused as disabled after a check as long as a real one (the
answer takes as long as a wrong secret's); a refusal for the role alone still checks nothing."""

from __future__ import annotations

import pytest

from console.identity import Account, Meaning, SignatureRefused, Signatures, Staff
from console.store import identity_store as store

from .conftest import NURSE_PIN, CountingHasher, t


def new_sign_ins(staff: Staff, before: int) -> list[tuple[object, ...]]:
    return [(r.account, r.outcome, r.purpose, r.station)
            for r in store.sign_in_rows(staff.log.conn)[before:]]


def test_a_disabled_accounts_try_to_sign_is_logged_as_disabled(
        staff: Staff, hasher: CountingHasher, admin: Account, nurse: Account) -> None:
    staff.disable(nurse, admin, "left the clinic", t(2))
    before, checks = len(store.sign_in_rows(staff.log.conn)), hasher.checks
    with pytest.raises(SignatureRefused, match="Ana Nurse's account is disabled"):
        Signatures(staff).approve(nurse, NURSE_PIN, Meaning.DISCHARGE, t(3), "chair 3")
    assert new_sign_ins(staff, before) == [(nurse.id, "disabled", "signature", "chair 3")]
    assert (hasher.checks - checks, hasher.verified) == (1, 0)   # a dummy check: never her PIN


def test_a_refusal_for_the_role_alone_checks_and_logs_nothing(
        staff: Staff, hasher: CountingHasher, nurse: Account) -> None:
    before, checks = len(store.sign_in_rows(staff.log.conn)), hasher.checks
    with pytest.raises(SignatureRefused, match="it needs the prescriber role"):
        Signatures(staff).approve(nurse, NURSE_PIN, Meaning.GATE_DECISION, t(3), "chair 3")
    assert new_sign_ins(staff, before) == []
    assert hasher.checks == checks
