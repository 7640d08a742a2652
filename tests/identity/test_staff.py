"""Staff accounts: created, found, listed, disabled and reset as versions of an append-only
history; only an administrator changes them; the first account must be an administrator."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.identity import (
    Account,
    IdentityError,
    NotPermittedError,
    Role,
    SecretError,
    SecretKind,
    Staff,
    UnknownAccountError,
)
from console.store import EventLog

from .conftest import ADMIN, ADMIN_PIN, NURSE, NURSE_BADGE, NURSE_PIN, T0, t


def staff_rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id, account, name, badge, roles, secret_kind, active, "
                            "changed_at, changed_by, reason FROM staff ORDER BY id").fetchall()
    finally:
        conn.close()


def test_the_first_account_needs_no_sign_in_but_must_be_an_administrator(staff: Staff) -> None:
    assert not staff.has_any_administrator()
    with pytest.raises(NotPermittedError, match="the first account must have the administrator "
                                                "role"):
        staff.add(NURSE, "nurse", NURSE_PIN, "pin", None, T0)
    assert staff.list() == []
    admin = staff.add(ADMIN, "administrator,nurse", ADMIN_PIN, "pin", None, T0)
    assert staff.has_any_administrator()
    assert (admin.id, admin.name, admin.roles, admin.kind, admin.active, admin.changed_by) == (
        1, ADMIN, frozenset({Role.ADMINISTRATOR, Role.NURSE}), SecretKind.PIN, True, None)


def test_accounts_are_rows_of_the_staff_table(db: Path, staff: Staff, admin: Account,
                                              nurse: Account) -> None:
    assert staff_rows(db) == [
        (1, 1, ADMIN, None, "administrator", "pin", 1, "2026-03-02T09:00:00.000Z", None,
         "account created"),
        (2, 2, NURSE, NURSE_BADGE, "nurse", "pin", 1, "2026-03-02T09:00:01.000Z", 1,
         "account created"),
    ]
    assert [a.name for a in staff.list()] == [ADMIN, NURSE]
    assert staff.get(nurse.id) == nurse and staff.get(nurse) == nurse


def test_roles_are_stored_in_one_order_whatever_order_they_are_given(staff: Staff,
                                                                     admin: Account) -> None:
    both = staff.add("Pat Prescriber", ["prescriber", "NURSE"], "50751234", "pin", admin, t(1))
    assert both.roles_text == "nurse prescriber"


@pytest.mark.parametrize(("roles", "message"), [
    ("nurse,surgeon", "unknown role 'surgeon': the roles are nurse, prescriber, reviewer, "
                      "administrator"),
    ("", "an account needs at least one role: nurse, prescriber, reviewer, administrator"),
])
def test_unknown_or_missing_roles_are_refused(staff: Staff, admin: Account, roles: str,
                                              message: str) -> None:
    with pytest.raises(IdentityError) as refused:
        staff.add("Someone", roles, "50751234", "pin", admin, t(1))
    assert str(refused.value) == message


def test_find_by_badge_or_name_ignoring_case_and_spaces(staff: Staff, nurse: Account) -> None:
    assert staff.find(NURSE_BADGE) == nurse
    assert staff.find(" b-0017 ") == nurse
    assert staff.find("ANA NURSE") == nurse
    assert staff.find("Ana") is None and staff.find("") is None


@pytest.mark.parametrize(("name", "badge", "message"), [
    ("ana nurse", None, "an active account is already named 'Ana Nurse' (account 2): choose "
                        "another name, e.g. with an initial"),
    ("Ann Other", "b-0017", "badge b-0017 already belongs to Ana Nurse (account 2): each active "
                            "account has its own badge"),
    ("B-0017", None, "'B-0017' is the badge id of Ana Nurse: a name may not equal another "
                     "account's badge"),
    ("Ann Other", "Ana Nurse", "a badge id may not contain spaces"),
    ("Ann Other", "ana", None),
    ("  ", None, "the name is empty: give one"),
    ("\u200b", None, "the name shows nothing: it holds only invisible characters (U+200B at "
                 "character 1): type the name"),
    ("\u200d \ufeff", None, "the name shows nothing"),
    ("Ann Other", "\u200b", "the badge id shows nothing"),
    ("A\x07B", None, "the name holds a control character (U+0007) at character 2"),
])
def test_names_and_badges_are_unique_among_active_accounts(staff: Staff, admin: Account,
                                                          nurse: Account, name: str,
                                                          badge: str | None,
                                                          message: str | None) -> None:
    if message is None:
        assert staff.add(name, "nurse", "50751234", "pin", admin, t(2), badge=badge).badge == badge
        return
    with pytest.raises(IdentityError) as refused:
        staff.add(name, "nurse", "50751234", "pin", admin, t(2), badge=badge)
    assert str(refused.value).startswith(message)
    assert len(staff.list()) == 2


def test_a_name_typed_decomposed_is_the_same_name(staff: Staff, admin: Account) -> None:
    # "Zoë" with a combining diaeresis made a second active "Zoë Nurse": two people signed
    # alike, and the one who typed her name (composed) reached the other's PIN count.
    zoe = staff.add("Zo\u00eb Nurse", "nurse", "50751234", "pin", admin, t(2))
    with pytest.raises(IdentityError, match="already named 'Zoë Nurse'"):
        staff.add("Zoe\u0308 Nurse", "nurse", "50754321", "pin", admin, t(3))
    assert staff.find("ZOE\u0308 NURSE") == zoe
    later = staff.add("Zoe\u0308 Other", "nurse", "50756789", "pin", admin, t(4))
    assert later.name == "Zo\u00eb Other"   # kept composed, as patient identifiers are


def test_a_weak_secret_is_refused_before_anything_is_written(db: Path, staff: Staff,
                                                             admin: Account) -> None:
    with pytest.raises(SecretError, match="a PIN needs at least 4 digits; this one has 3"):
        staff.add(NURSE, "nurse", "471", "pin", admin, t(1))
    with pytest.raises(SecretError, match="a password needs at least 8 characters"):
        staff.add(NURSE, "nurse", "abc", SecretKind.PASSWORD, admin, t(1))
    assert len(staff_rows(db)) == 1


def test_only_an_active_administrator_manages_staff(staff: Staff, admin: Account,
                                                    nurse: Account) -> None:
    with pytest.raises(NotPermittedError) as refused:
        staff.add("Ben Nurse", "nurse", "50751234", "pin", nurse, t(2))
    assert str(refused.value) == ("Ana Nurse (nurse) may not manage staff accounts: it needs the "
                                  "administrator role")
    with pytest.raises(NotPermittedError, match="needs an administrator's sign-in"):
        staff.add("Ben Nurse", "nurse", "50751234", "pin", None, t(2))
    with pytest.raises(NotPermittedError):
        staff.disable(admin, nurse, "no reason", t(2))
    with pytest.raises(NotPermittedError):
        staff.reset(admin, "99998888", nurse, t(2))


def test_a_disabled_administrator_is_refused_even_holding_an_old_account_copy(
        staff: Staff, admin: Account) -> None:
    second = staff.add("Bo Admin", "administrator", "50751234", "pin", admin, t(1))
    staff.disable(second, admin, "left the clinic", t(2))
    with pytest.raises(NotPermittedError, match="Bo Admin's account is disabled"):
        staff.add("Ben Nurse", "nurse", "50751234", "pin", second, t(3))   # `second` is stale


def test_disable_writes_a_new_version_and_keeps_the_history(db: Path, staff: Staff,
                                                            admin: Account,
                                                            nurse: Account) -> None:
    disabled = staff.disable(nurse, admin, "left the clinic", t(60))
    assert (disabled.id, disabled.active, disabled.version, disabled.reason) == (
        nurse.id, False, 3, "disabled: left the clinic")
    assert [(v.version, v.active) for v in staff.history(nurse)] == [(2, True), (3, False)]
    assert staff_rows(db)[1][6] == 1                    # the first version is unchanged
    assert staff.list(include_disabled=False) == [admin]
    with pytest.raises(IdentityError, match="already disabled"):
        staff.disable(nurse, admin, "again", t(61))
    # Her name and badge are free again for a new, active account.
    again = staff.add(NURSE, "nurse", "50751234", "pin", admin, t(62), badge=NURSE_BADGE)
    assert again.id != nurse.id and staff.find(NURSE) == again


def test_the_last_active_administrator_cannot_be_disabled(staff: Staff, admin: Account) -> None:
    with pytest.raises(IdentityError, match="Ada Admin is the only active administrator: add "
                                            "another administrator before disabling this one"):
        staff.disable(admin, admin, "leaving", t(1))


def test_disable_needs_a_reason(staff: Staff, admin: Account, nurse: Account) -> None:
    with pytest.raises(IdentityError, match="the reason is empty"):
        staff.disable(nurse, admin, " ", t(1))


def test_reset_gives_a_new_secret_and_may_change_its_kind(staff: Staff, admin: Account,
                                                          nurse: Account) -> None:
    reset = staff.reset(nurse, "a long password", admin, t(5), kind="password")
    assert (reset.kind, reset.reason, reset.changed_by) == (SecretKind.PASSWORD, "password reset",
                                                            admin.id)
    assert not staff.sign_in(NURSE, NURSE_PIN, t(6)).ok
    assert staff.sign_in(NURSE, "a long password", t(7)).ok
    with pytest.raises(UnknownAccountError, match="there is no account 99"):
        staff.reset(99, "50751234", admin, t(8))


def test_accounts_survive_reopening_the_log(db: Path, staff: Staff, admin: Account,
                                            nurse: Account, log: EventLog) -> None:
    log.close()
    with EventLog.open(db, "test") as again:
        assert Staff(again, staff.hasher).list() == [admin, nurse]


def test_staff_rows_are_append_only(db: Path, admin: Account) -> None:
    conn = sqlite3.connect(db)
    try:
        for statement in ("UPDATE staff SET roles = 'nurse'", "DELETE FROM staff"):
            with pytest.raises(sqlite3.IntegrityError, match="staff is append-only"):
                conn.execute(statement)
        # Nor can anyone slip a clear PIN in through SQL: the column takes Argon2id hashes only.
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            conn.execute("INSERT INTO staff (account, name, roles, secret_hash, secret_kind, "
                         "active, changed_at, row_hash) VALUES (9, 'X', 'nurse', '4711', 'pin', 1, "
                         "'2026-01-01T00:00:00.000Z', '')")
    finally:
        conn.close()


def test_the_staff_current_view_shows_each_account_as_it_is_now_without_its_hash(
        db: Path, staff: Staff, admin: Account, nurse: Account) -> None:
    staff.disable(nurse, admin, "left", t(60))
    conn = sqlite3.connect(db)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(staff_current)")]
        rows = conn.execute("SELECT account, name, active, version FROM staff_current "
                            "ORDER BY account").fetchall()
    finally:
        conn.close()
    assert "secret_hash" not in columns
    assert rows == [(1, ADMIN, 1, 1), (2, NURSE, 0, 3)]
