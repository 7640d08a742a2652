"""Staff names and badges typed in full width (an East-Asian input method left in its full-width
mode: "Ａｎａ Ｎｕｒｓｅ", U+FF21…). They print as "Ana Nurse" in the review and the PDF, yet the
names compared composed only (NFC), so a second active account of that name was created beside
"Ana Nurse", and its owner typing her name in ASCII reached the other account (a review). Names
now compare by their compatibility form (NFKC) too; they are kept as typed.
"""

from __future__ import annotations

import pytest

from console.identity import Account, IdentityError, SecretKind, Staff

from .conftest import NURSE, NURSE_BADGE, NURSE_PIN, t

FULL_WIDTH_ANA = "Ａｎａ Ｎｕｒｓｅ"
OTHER_PIN = "61829305"


def test_a_full_width_twin_of_an_active_name_is_refused(staff: Staff, admin: Account) -> None:
    staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1))
    with pytest.raises(IdentityError, match="already named 'Ana Nurse'"):
        staff.add(FULL_WIDTH_ANA, "nurse", OTHER_PIN, SecretKind.PIN, admin, t(2))
    assert [a.name for a in staff.list()].count(NURSE) == 1
    assert all(a.name != FULL_WIDTH_ANA for a in staff.list())


def test_a_full_width_twin_of_an_active_badge_is_refused(staff: Staff, admin: Account) -> None:
    staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1), badge=NURSE_BADGE)
    with pytest.raises(IdentityError, match=f"already belongs to {NURSE}"):
        staff.add("Ben Nurse", "nurse", OTHER_PIN, SecretKind.PIN, admin, t(2),
                  badge="Ｂ-００１７")


def test_a_name_typed_in_full_width_is_kept_as_typed_and_reached_in_ascii(
        staff: Staff, admin: Account) -> None:
    ana = staff.add(FULL_WIDTH_ANA, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(1))
    # Kept as typed (its signatures print what was typed), found however it is typed.
    assert ana.name == FULL_WIDTH_ANA
    assert staff.find("ana nurse") == ana and staff.find(FULL_WIDTH_ANA) == ana
    result = staff.sign_in(NURSE, NURSE_PIN, t(10), "chair 3")
    assert result.ok and result.account == ana
