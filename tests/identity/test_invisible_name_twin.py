"""A second active account whose name prints exactly as an existing one ("Ana Nurse") is refused
also when the invisible character in it is a default-ignorable code point outside category Cf
(a variation selector U+FE00-FE0F, the combining grapheme joiner U+034F, the Hangul filler
U+3164): signatures would read alike for two people. A name of such characters alone shows
nothing, and is refused as one of U+200B is (a review)."""

from __future__ import annotations

import pytest

from console.identity import Account, IdentityError, SecretKind, Staff

from tests.identity.conftest import NURSE, NURSE_PIN, admin, db, hasher, log, staff, t  # noqa: F401


@pytest.mark.parametrize("twin", ["Ana Nurse\ufe0f", "Ana\u034f Nurse", "Ana Nurse\u3164",
                                  "Ana Nurs\u180be"])
def test_a_name_printing_as_another_is_refused_as_a_duplicate(
        staff: Staff, admin: Account, twin: str) -> None:
    staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1))
    with pytest.raises(IdentityError, match="already named 'Ana Nurse'"):
        staff.add(twin, "nurse", "30571946", SecretKind.PIN, admin, t(1))


@pytest.mark.parametrize("blank", ["\u3164", "\u034f", "\ufe0f", "\u115f"])
def test_a_name_that_shows_nothing_is_refused(staff: Staff, admin: Account, blank: str) -> None:
    with pytest.raises(IdentityError, match="shows nothing"):
        staff.add(blank, "reviewer", "30571946", SecretKind.PIN, admin, t(1))
