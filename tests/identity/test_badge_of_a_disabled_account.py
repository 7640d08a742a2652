"""A disabled account's badge never hides an active account's name (review 49). Names and
badges are unique among active accounts only, so a new nurse may be named "nurse.bea" after
the account whose badge that was is disabled; the lookup matched the badges of every account
before any name, and she typing her own name reached the disabled one: "Bea Old's account is
disabled", at the chair, at a signature, at the review and at `staff disable`. An active
account is found first (by badge, then by name), a disabled one only when no active matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.identity import Account, Outcome, SecretKind, Staff

from .accounts import secret_fd
from .conftest import t
from .test_cli import as_admin, rows, staff as staff_command, with_admin

__all__ = ["with_admin"]   # the fixture, shared with test_cli.py

OLD_PIN, NEW_PIN = "47116039", "58116032"


@pytest.fixture
def old_bea(staff: Staff, admin: Account) -> Account:
    """Bea Old, badge nurse.bea, disabled when she left."""
    old = staff.add("Bea Old", "nurse", OLD_PIN, SecretKind.PIN, admin, t(1), badge="nurse.bea")
    return staff.disable(old, admin, "left the clinic", t(2))


def test_a_new_nurse_named_as_a_disabled_badge_signs_in_by_her_name(
        staff: Staff, admin: Account, old_bea: Account) -> None:
    new = staff.add("nurse.bea", "nurse", NEW_PIN, SecretKind.PIN, admin, t(3))
    assert staff.find("Nurse.Bea ") == new
    result = staff.sign_in("nurse.bea", NEW_PIN, t(4), where="chair 3")
    assert result.ok and result.account == new, result.message


def test_an_active_accounts_badge_and_name_come_before_a_disabled_accounts(
        staff: Staff, admin: Account, old_bea: Account) -> None:
    # The other way round too: the disabled account's *name* is the new one's badge.
    new = staff.add("Bea New", "nurse", NEW_PIN, SecretKind.PIN, admin, t(3), badge="bea.old")
    assert staff.find("bea.old") == new
    assert staff.find("Bea Old") == old_bea          # no active match: the disabled one says so
    refused = staff.sign_in("nurse.bea", OLD_PIN, t(4))
    assert (refused.outcome, refused.account) == (Outcome.DISABLED, old_bea)
    assert refused.message.startswith("Bea Old's account is disabled")


def test_staff_disable_by_the_new_nurses_name_disables_her_account(
        with_admin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def command(*argv: object) -> tuple[int, str, str]:
        return staff_command(capsys, *argv, "--db", with_admin, *as_admin())

    assert command("add", "--name", "Bea Old", "--roles", "nurse", "--badge", "nurse.bea",
                   "--secret-fd", secret_fd(OLD_PIN))[0] == 0
    assert command("disable", "nurse.bea", "--reason", "left the clinic")[0] == 0
    assert command("add", "--name", "nurse.bea", "--roles", "nurse",
                   "--secret-fd", secret_fd(NEW_PIN))[0] == 0
    code, out, err = command("disable", "nurse.bea", "--reason", "on leave")
    assert (code, out, err) == (0, "disabled account 4: nurse.bea (disabled: on leave)\n", "")
    assert rows(with_admin, "SELECT account, active FROM staff_current ORDER BY account") == [
        (1, 1), (2, 0), (4, 0)]
