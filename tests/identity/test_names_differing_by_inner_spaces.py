"""Names that differ only by runs of inner spaces are one name (review 45): "Ana  Nurse" (a
double space typed by IT) beside "Ana Nurse" made two active accounts whose signatures print
alike (the PDF and HTML collapse runs of spaces), the case names are unique to prevent. A name
is kept with single spaces and compared with runs of spaces read as one, on both sides, so an
account an older version kept with a double space still matches."""

from __future__ import annotations

import unicodedata

import pytest

from console.identity import Account, IdentityError, SecretKind, Staff
from console.identity import staff as staff_module

from .conftest import NURSE, NURSE_PIN, t


def kept_as_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names kept and compared as before review 45 (runs of inner spaces kept)."""
    monkeypatch.setattr(staff_module, "_name", lambda name: name.strip())
    monkeypatch.setattr(staff_module, "_same",
                        lambda text: unicodedata.normalize("NFC", text.strip().casefold()))


def test_a_name_differing_only_by_inner_spaces_is_refused_as_a_duplicate(
        staff: Staff, admin: Account, nurse: Account) -> None:
    with pytest.raises(IdentityError, match="an active account is already named 'Ana Nurse'"):
        staff.add("Ana  Nurse", "nurse", "47116039", SecretKind.PIN, admin, t(2))
    assert len(staff.list()) == 2


def test_a_name_is_kept_with_single_spaces_and_found_whatever_runs_are_typed(
        staff: Staff, admin: Account, nurse: Account) -> None:
    other = staff.add("  Ann \u0020  Other ", "nurse", "50751234", SecretKind.PIN, admin, t(2))
    assert other.name == "Ann Other"
    assert staff.find("ann    other") == other
    result = staff.sign_in("Ana   Nurse", NURSE_PIN, t(3))   # the nurse's own account and PIN
    assert result.ok and result.account == nurse


def test_an_account_kept_with_a_double_space_by_an_older_version_still_matches(
        staff: Staff, admin: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as older:
        kept_as_typed(older)
        old = staff.add("Bea  Nurse", "nurse", "50751234", SecretKind.PIN, admin, t(2))
    assert old.name == "Bea  Nurse"
    assert staff.sign_in("Bea Nurse", "50751234", t(3)).account == old
    with pytest.raises(IdentityError, match="an active account is already named 'Bea  Nurse'"):
        staff.add("Bea Nurse", "nurse", "50754321", SecretKind.PIN, admin, t(4))


def test_two_active_accounts_an_older_version_let_in_each_reach_their_own_by_the_name_as_kept(
        staff: Staff, admin: Account, nurse: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as older:
        kept_as_typed(older)
        twin = staff.add("Ana  Nurse", "nurse", "50751234", SecretKind.PIN, admin, t(2))
    # Neither owner's typing reaches the other's PIN count (a lock-out of someone else).
    assert staff.find(NURSE) == nurse and staff.find("ana  nurse") == twin
    with pytest.raises(IdentityError, match="has the same name or badge"):
        staff.enable(staff.disable(twin, admin, "duplicate", t(3)), "50759876", admin, "back",
                     t(4))
