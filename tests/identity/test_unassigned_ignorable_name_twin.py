"""A name that prints as "Ana Nurse" through an unassigned default-ignorable code point (category
Cn: U+2065, U+FFF0, U+E0002; Unicode lists them as Default_Ignorable, drawn as nothing) is a
duplicate of "Ana Nurse", and a name of such characters alone shows nothing (a review)."""
from __future__ import annotations

import pytest

from console.identity import Account, IdentityError, SecretKind, Staff
from tests.identity.conftest import NURSE, NURSE_PIN, admin, db, hasher, log, staff, t  # noqa: F401


@pytest.mark.parametrize("twin", ["Ana Nurse\u2065", "Ana\ufff0 Nurse", "Ana Nurse\U000e0002"])
def test_twin_through_unassigned_ignorable(staff: Staff, admin: Account, twin: str) -> None:
    staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1))
    with pytest.raises(IdentityError):
        staff.add(twin, "nurse", "30571946", SecretKind.PIN, admin, t(1))


@pytest.mark.parametrize("blank", ["\u2065", "\ufff0"])
def test_blank_name_of_unassigned_ignorable(staff: Staff, admin: Account, blank: str) -> None:
    with pytest.raises(IdentityError):
        staff.add(blank, "reviewer", "30571946", SecretKind.PIN, admin, t(1))
