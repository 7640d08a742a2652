"""Changing an account after it is made (the audit): its roles and enabling it again are new
versions of the same account naming the administrator; the clinic always keeps an active
administrator; an enabled account never signs in with the secret it had when disabled; its
history says what each version changed, never the secret."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.identity import (
    Account,
    Change,
    IdentityError,
    NotPermittedError,
    Outcome,
    Role,
    SecretKind,
    Staff,
)

from .conftest import NURSE, NURSE_BADGE, NURSE_PIN, T0, CountingHasher, t

NEW_PIN = "30571946"


def staff_rows(db: Path, account: int) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT account, roles, active, changed_at, changed_by, reason "
                            "FROM staff WHERE account = ? ORDER BY id", [account]).fetchall()
    finally:
        conn.close()


def test_a_role_change_is_a_new_version_of_the_same_account(
        db: Path, staff: Staff, admin: Account, nurse: Account) -> None:
    # The administrator gives the nurse the prescriber role too.
    changed = staff.change_roles(nurse, "prescriber,nurse", admin, "prescribes from March", t(10))
    assert (changed.id, changed.roles, changed.active) == (
        nurse.id, frozenset({Role.NURSE, Role.PRESCRIBER}), True)
    assert (changed.changed_by, changed.reason) == (admin.id, "roles changed: prescribes from "
                                                              "March")
    assert changed.version > nurse.version
    assert staff_rows(db, nurse.id)[-1] == (
        nurse.id, "nurse prescriber", 1, "2026-03-02T09:00:10.000Z", admin.id,
        "roles changed: prescribes from March")
    assert [a.id for a in staff.list()] == [admin.id, nurse.id]        # no new account
    # Her PIN and badge are hers still.
    assert staff.sign_in(NURSE_BADGE, NURSE_PIN, t(11)).outcome is Outcome.OK


def test_unknown_or_no_roles_are_refused_naming_the_allowed_ones(
        db: Path, staff: Staff, admin: Account, nurse: Account) -> None:
    before = staff_rows(db, nurse.id)
    with pytest.raises(IdentityError, match=r"^unknown role 'chef': the roles are nurse, "
                                            r"prescriber, reviewer, administrator$"):
        staff.change_roles(nurse, "nurse,chef", admin, "x", t(10))
    with pytest.raises(IdentityError, match=r"^an account needs at least one role: nurse, "
                                            r"prescriber, reviewer, administrator$"):
        staff.change_roles(nurse, " , ", admin, "x", t(10))
    with pytest.raises(IdentityError, match=r"^the reason is empty: give one$"):
        staff.change_roles(nurse, "reviewer", admin, "  ", t(10))
    with pytest.raises(IdentityError, match=r"^Ana Nurse \(account 2\) has the roles nurse "
                                            r"already: nothing was changed$"):
        staff.change_roles(nurse, "nurse", admin, "x", t(10))
    assert staff_rows(db, nurse.id) == before


def test_the_last_active_administrator_keeps_the_role(
        db: Path, staff: Staff, admin: Account, nurse: Account) -> None:
    with pytest.raises(IdentityError, match=r"^Ada Admin is the only active administrator: keep "
                                            r"the administrator role in the roles given, or "
                                            r"make another account an administrator first$"):
        staff.change_roles(admin, "nurse", admin, "x", t(10))
    # A disabled administrator is no administrator: it does not count.
    other = staff.add("Otto Admin", "administrator", "90817263", SecretKind.PIN, admin, t(11))
    staff.disable(other, admin, "left", t(12))
    with pytest.raises(IdentityError, match="only active administrator"):
        staff.change_roles(admin, "nurse", admin, "x", t(13))
    # With a second active administrator, the first may give the role up (as `disable` allows).
    staff.change_roles(nurse, "nurse,administrator", admin, "runs the clinic now", t(14))
    changed = staff.change_roles(admin, "reviewer", admin, "reviews only", t(15))
    assert changed.roles == frozenset({Role.REVIEWER})
    assert staff.has_any_administrator()
    # ... and, no longer an administrator, changes nothing more.
    with pytest.raises(NotPermittedError, match="may not manage staff accounts"):
        staff.change_roles(nurse, "nurse", changed, "x", t(16))


def test_only_an_administrator_changes_roles(db: Path, staff: Staff, admin: Account,
                                             nurse: Account) -> None:
    with pytest.raises(NotPermittedError, match=r"^Ana Nurse \(nurse\) may not manage staff "
                                                r"accounts: it needs the administrator role$"):
        staff.change_roles(nurse, "nurse,administrator", nurse, "x", t(10))
    assert staff.get(nurse).roles == frozenset({Role.NURSE})


def test_a_disabled_account_gets_its_roles_before_it_is_enabled(
        staff: Staff, admin: Account, nurse: Account) -> None:
    staff.disable(nurse, admin, "on leave", t(10))
    changed = staff.change_roles(nurse, "reviewer", admin, "back as a reviewer", t(11))
    assert (changed.active, changed.roles) == (False, frozenset({Role.REVIEWER}))
    assert staff.sign_in(NURSE, NURSE_PIN, t(12)).outcome is Outcome.DISABLED


def test_enabling_gives_the_same_account_a_new_secret_and_the_old_one_never_signs_in(
        db: Path, staff: Staff, admin: Account, nurse: Account) -> None:
    staff.disable(nurse, admin, "PIN seen by a patient", t(10))
    enabled = staff.enable(nurse, NEW_PIN, admin, "new PIN chosen", t(20))
    assert (enabled.id, enabled.active, enabled.changed_by, enabled.roles, enabled.badge) == (
        nurse.id, True, admin.id, nurse.roles, NURSE_BADGE)
    assert enabled.reason == "enabled with a new PIN: new PIN chosen"
    assert staff_rows(db, nurse.id)[-1][2:] == (1, "2026-03-02T09:00:20.000Z", admin.id,
                                                "enabled with a new PIN: new PIN chosen")
    assert staff.sign_in(NURSE, NURSE_PIN, t(21)).outcome is Outcome.WRONG    # the old one
    assert staff.sign_in(NURSE, NEW_PIN, t(22)).outcome is Outcome.OK


def test_enabling_may_change_pin_to_password(staff: Staff, admin: Account,
                                             nurse: Account) -> None:
    staff.disable(nurse, admin, "left", t(10))
    enabled = staff.enable(nurse, "a long passphrase", admin, "back", t(11), kind="password")
    assert enabled.kind is SecretKind.PASSWORD
    assert staff.sign_in(NURSE, "a long passphrase", t(12)).ok


def test_what_enabling_refuses(db: Path, staff: Staff, admin: Account, nurse: Account,
                               hasher: CountingHasher) -> None:
    with pytest.raises(IdentityError, match=r"^Ana Nurse \(account 2\) is enabled already: only "
                                            r"a disabled account can be enabled$"):
        staff.check_enable(nurse, admin, "x")
    with pytest.raises(IdentityError, match="is enabled already"):
        staff.enable(nurse, NEW_PIN, admin, "x", t(10))
    staff.disable(nurse, admin, "left", t(11))
    with pytest.raises(IdentityError, match="the reason is empty"):
        staff.check_enable(nurse, admin, "")
    with pytest.raises(IdentityError, match="a PIN needs at least 4 digits; this one has 2"):
        staff.enable(nurse, "12", admin, "back", t(12))
    # Meanwhile the clinic added the nurse again under a new account (the old way).
    again = staff.add(NURSE, "nurse", NURSE_PIN, SecretKind.PIN, admin, t(13))
    message = (r"^cannot enable Ana Nurse \(account 2\): the active account Ana Nurse "
               rf"\(account {again.id}\) has the same name or badge, and names and badges are "
               r"unique among active accounts; disable that account first, or keep using it$")
    with pytest.raises(IdentityError, match=message):
        staff.check_enable(nurse, admin, "back")
    hashed = hasher.hashed
    with pytest.raises(IdentityError, match=message):
        staff.enable(nurse, NEW_PIN, admin, "back", t(14))
    # A badge equal to the other's name counts too (sign-in reads either).
    staff.disable(again, admin, "duplicate", t(15))
    named = staff.add("B-0017", "nurse", "88812345", SecretKind.PIN, admin, t(16))
    with pytest.raises(IdentityError, match=rf"the active account B-0017 \(account {named.id}\) "
                                            r"has the same name or badge"):
        staff.check_enable(nurse, admin, "back")
    with pytest.raises(NotPermittedError, match="may not manage staff accounts"):
        staff.check_enable(nurse, named, "back")
    assert hasher.hashed == hashed + 1                       # only the added account's PIN
    assert staff.get(nurse).active is False


def test_the_history_says_what_each_version_changed_and_never_the_secret(
        staff: Staff, admin: Account, nurse: Account) -> None:
    staff.reset(nurse, NEW_PIN, admin, t(10))
    staff.change_roles(nurse, "nurse,prescriber", admin, "prescribes", t(11))
    staff.disable(nurse, admin, "left", t(12))
    staff.enable(nurse, "a long passphrase", admin, "back", t(13), kind=SecretKind.PASSWORD)
    changes = staff.changes(nurse)
    assert all(isinstance(c, Change) for c in changes)
    assert [(c.version, c.at, c.by, c.what, c.reason) for c in changes] == [
        (2, t(1), admin.id, ("created: Ana Nurse, badge B-0017, roles nurse, PIN",),
         "account created"),
        (3, t(10), admin.id, ("PIN reset",), "PIN reset"),
        (4, t(11), admin.id, ("roles nurse -> nurse,prescriber",), "roles changed: prescribes"),
        (5, t(12), admin.id, ("disabled",), "disabled: left"),
        (6, t(13), admin.id, ("enabled", "password reset (was a PIN)"),
         "enabled with a new password: back"),
    ]
    assert [c.account for c in changes] == staff.history(nurse)
    assert changes[0].account.roles == frozenset({Role.NURSE})
    text = repr(changes)
    assert "$argon2" not in text and NURSE_PIN not in text and NEW_PIN not in text
    # The first administrator was created with nobody to sign in.
    [first] = staff.changes(admin)
    assert (first.by, first.what) == (None, ("created: Ada Admin, roles administrator, PIN",))


def test_a_re_hash_at_sign_in_is_told_apart_from_a_reset(
        staff: Staff, admin: Account, nurse: Account, hasher: CountingHasher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The owner's good sign-in re-hashes a secret made with older parameters: the same PIN.
    monkeypatch.setattr(hasher, "needs_rehash", lambda stored: True)
    assert staff.sign_in(NURSE, NURSE_PIN, t(10)).ok
    last = staff.changes(nurse)[-1]
    assert (last.by, last.what) == (nurse.id, ("PIN re-hashed (the same PIN)",))


def test_the_version_in_force_at_a_time(staff: Staff, admin: Account, nurse: Account) -> None:
    staff.change_roles(nurse, "prescriber", admin, "prescribes only", t(10))
    first, second = staff.history(nurse)
    assert staff.version_at(nurse, T0) is None                         # not made yet
    assert staff.version_at(nurse, t(1)) == first
    assert staff.version_at(nurse, t(9.999)) == first
    assert staff.version_at(nurse, t(10)) == second == staff.get(nurse)
    assert staff.version_at(admin, t(100)) == staff.get(admin)
