"""`infusion-console staff roles|enable|history` and who `staff list` says made each change:
every change a new version of the same account naming the administrator signed in, every
refusal one line on stderr with exit status 2, never a secret printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.identity import Outcome, Staff
from console.store import EventLog

from .accounts import QA_ADMIN, QA_ADMIN_PIN, secret_fd
from .test_cli import PIN, as_admin, one_line_error, rows, staff, with_admin

__all__ = ["with_admin"]   # the fixture, shared with test_cli.py

NEW_PIN = "30571946"


@pytest.fixture
def with_nurse(with_admin: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The log of `with_admin` with account 2, Ana Nurse (nurse and prescriber, badge B-17)."""
    code, _, err = staff(capsys, "add", "--name", "Ana Nurse", "--roles", "nurse,prescriber",
                         "--badge", "B-17", "--secret-fd", secret_fd(PIN), "--db", with_admin,
                         *as_admin())
    assert (code, err) == (0, "")
    return with_admin


def versions(db: Path) -> list[tuple[object, ...]]:
    return rows(db, "SELECT id, account, roles, active, changed_by, reason FROM staff "
                    "WHERE account = 2 ORDER BY id")


def test_roles_writes_a_new_version_of_the_same_account(with_nurse: Path, capsys) -> None:
    code, out, err = staff(capsys, "roles", "B-17", "--roles", "nurse", "--reason",
                           "no longer prescribes", "--db", with_nurse, *as_admin())
    assert (code, out, err) == (
        0, "changed the roles of account 2: Ana Nurse (nurse,prescriber -> nurse)\n", "")
    assert versions(with_nurse) == [
        (2, 2, "nurse prescriber", 1, 1, "account created"),
        (3, 2, "nurse", 1, 1, "roles changed: no longer prescribes")]
    assert rows(with_nurse, "SELECT count(DISTINCT account) FROM staff") == [(2,)]


@pytest.mark.parametrize(("argv", "message"), [
    (["roles", "Ana Nurse", "--roles", "nurse,chef", "--reason", "x"],
     "unknown role 'chef': the roles are nurse, prescriber, reviewer, administrator"),
    (["roles", "Ana Nurse", "--roles", ",", "--reason", "x"],
     "an account needs at least one role: nurse, prescriber, reviewer, administrator"),
    (["roles", "Ana Nurse", "--roles", "prescriber,nurse", "--reason", "x"],
     "Ana Nurse (account 2) has the roles nurse,prescriber already: nothing was changed"),
    (["roles", QA_ADMIN, "--roles", "nurse", "--reason", "x"],
     "QA Administrator is the only active administrator: keep the administrator role in the "
     "roles given, or make another account an administrator first"),
    (["roles", "Nobody", "--roles", "nurse", "--reason", "x"],
     "no account has the badge, name or id 'Nobody': 'infusion-console staff list' shows them"),
    (["roles", "Ana Nurse", "--roles", "nurse", "--reason", " "],
     "the reason is empty: give one"),
    (["enable", "Ana Nurse", "--reason", "back"],
     "Ana Nurse (account 2) is enabled already: only a disabled account can be enabled"),
    (["history", "#9"], "there is no account #9: 'infusion-console staff list' shows them"),
    # Digits that can name no row were a traceback (review 35): past SQLite's 64-bit ids
    # (OverflowError), and a Unicode digit isdigit() accepts and int() refuses (ValueError).
    pytest.param(["history", "#99999999999999999999"],
                 "there is no account #99999999999999999999: 'infusion-console staff list' "
                 "shows them", id="#id-past-64-bits"),
    pytest.param(["disable", "99999999999999999999", "--reason", "x"],
                 "no account has the badge, name or id '99999999999999999999': "
                 "'infusion-console staff list' shows them", id="id-past-64-bits"),
    pytest.param(["history", "\u00b2"],
                 "no account has the badge, name or id '\u00b2': 'infusion-console staff list' "
                 "shows them", id="superscript-two"),
])
def test_refusals_are_one_line_and_change_nothing(with_nurse: Path, capsys, argv: list[str],
                                                  message: str) -> None:
    before = rows(with_nurse, "SELECT * FROM staff")
    error = one_line_error(*staff(capsys, *argv, "--db", with_nurse, *as_admin()),
                           f"infusion-console staff {argv[0]}: ")
    assert error == f"infusion-console staff {argv[0]}: {message}"
    assert rows(with_nurse, "SELECT * FROM staff") == before


@pytest.mark.parametrize("argv", [["roles", "Ana Nurse", "--roles", "nurse"],
                                  ["roles", "Ana Nurse", "--reason", "x"],
                                  ["enable", "Ana Nurse"], ["history"]])
def test_a_missing_argument_is_one_line(with_nurse: Path, capsys, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        staff(capsys, *argv, "--db", with_nurse)
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == ""
    assert err.count("\n") == 1 and "the following arguments are required" in err


def test_roles_and_enable_need_an_administrators_sign_in(with_nurse: Path, capsys) -> None:
    error = one_line_error(*staff(capsys, "roles", "Ana Nurse", "--roles", "administrator",
                                  "--reason", "x", "--db", with_nurse),
                           "infusion-console staff roles: ")
    assert error.endswith("this needs an administrator's sign-in: --admin NAME (the PIN or "
                          "password is asked for, or read from --admin-secret-fd N)")
    error = one_line_error(*staff(capsys, "roles", "Ana Nurse", "--roles", "administrator",
                                  "--reason", "x", "--db", with_nurse, "--admin", "Ana Nurse",
                                  "--admin-secret-fd", secret_fd(PIN)),
                           "infusion-console staff roles: ")
    assert error.endswith("Ana Nurse (nurse prescriber) may not manage staff accounts: it needs "
                          "the administrator role")
    assert len(versions(with_nurse)) == 1


def test_the_last_administrator_keeps_the_role_until_another_has_it(with_nurse: Path,
                                                                    capsys) -> None:
    code, _, _ = staff(capsys, "roles", "Ana Nurse", "--roles", "nurse,administrator",
                       "--reason", "runs the clinic", "--db", with_nurse, *as_admin())
    assert code == 0
    code, out, err = staff(capsys, "roles", QA_ADMIN, "--roles", "reviewer", "--reason",
                           "QA only", "--db", with_nurse, *as_admin())
    assert (code, err) == (0, "")
    assert out == ("changed the roles of account 1: QA Administrator (administrator -> "
                   "reviewer)\n")
    # QA Administrator manages staff no more; Ana does, and keeps the role as the last one.
    error = one_line_error(*staff(capsys, "list", "--db", with_nurse, *as_admin()),
                           "infusion-console staff list: ")
    assert error.endswith("QA Administrator (reviewer) may not manage staff accounts: it needs "
                          "the administrator role")
    error = one_line_error(*staff(capsys, "roles", "Ana Nurse", "--roles", "nurse", "--reason",
                                  "x", "--db", with_nurse, "--admin", "Ana Nurse",
                                  "--admin-secret-fd", secret_fd(PIN)),
                           "infusion-console staff roles: ")
    assert error.endswith("Ana Nurse is the only active administrator: keep the administrator "
                          "role in the roles given, or make another account an administrator "
                          "first")


def test_enable_gives_the_same_account_a_new_pin(with_nurse: Path, capsys) -> None:
    assert staff(capsys, "disable", "B-17", "--reason", "PIN seen", "--db", with_nurse,
                 *as_admin())[0] == 0
    code, out, err = staff(capsys, "enable", "B-17", "--reason", "back from leave",
                           "--secret-fd", secret_fd(NEW_PIN), "--db", with_nurse, *as_admin())
    assert (code, out, err) == (0, "enabled account 2: Ana Nurse (nurse,prescriber; new PIN)\n",
                                "")
    assert versions(with_nurse)[-1] == (4, 2, "nurse prescriber", 1, 1,
                                        "enabled with a new PIN: back from leave")
    with EventLog.open(with_nurse, "test") as log:
        ana = Staff(log)
        assert ana.sign_in("B-17", PIN, ana.get(2).changed_at).outcome is Outcome.WRONG
        assert ana.sign_in("B-17", NEW_PIN, ana.get(2).changed_at).ok


def test_enable_refuses_a_taken_name_before_asking_for_the_new_pin(with_nurse: Path,
                                                                   capsys) -> None:
    staff(capsys, "disable", "Ana Nurse", "--reason", "left", "--db", with_nurse, *as_admin())
    staff(capsys, "add", "--name", "Ana Nurse", "--roles", "nurse", "--secret-fd",
          secret_fd(PIN), "--db", with_nurse, *as_admin())
    # No --secret-fd: were the PIN asked first, the administrator would type it twice for
    # nothing (here: be told there is no terminal).
    error = one_line_error(*staff(capsys, "enable", "#2", "--reason", "back", "--db",
                                  with_nurse, *as_admin()), "infusion-console staff enable: ")
    assert error.endswith("cannot enable Ana Nurse (account 2): the active account Ana Nurse "
                          "(account 4) has the same name or badge, and names and badges are "
                          "unique among active accounts; disable that account first, or keep "
                          "using it")
    error = one_line_error(*staff(capsys, "enable", "#2", "--reason", "back", "--secret-fd",
                                  secret_fd("1"), "--db", with_nurse, *as_admin()),
                           "infusion-console staff enable: ")
    assert "terminal" not in error and "a PIN" not in error


def test_history_prints_every_version_oldest_first_without_secrets(with_nurse: Path,
                                                                   capsys) -> None:
    for argv in (["reset", "Ana Nurse", "--secret-fd", secret_fd(NEW_PIN)],
                 ["roles", "Ana Nurse", "--roles", "nurse", "--reason", "stops prescribing"],
                 ["disable", "Ana Nurse", "--reason", "on leave"],
                 ["enable", "Ana Nurse", "--reason", "back", "--password", "--secret-fd",
                  secret_fd("a long passphrase")]):
        code, _, err = staff(capsys, *argv, "--db", with_nurse, *as_admin())
        assert (code, err) == (0, "")
    code, out, err = staff(capsys, "history", "B-17", "--db", with_nurse, *as_admin())
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "history of account 2: Ana Nurse, badge B-17, oldest first"
    assert lines[1].split() == ["version", "at", "by", "changed", "reason"]
    # version, at, by, what changed, reason
    by = " QA Administrator (#1) "
    assert [line.split()[0] for line in lines[2:]] == ["2", "3", "4", "5", "6"]
    assert all(by in line for line in lines[2:])
    said = [" ".join(line.split(by, 1)[1].split()) for line in lines[2:]]
    assert said == [
        "created: Ana Nurse, badge B-17, roles nurse,prescriber, PIN account created",
        "PIN reset PIN reset",
        "roles nurse,prescriber -> nurse roles changed: stops prescribing",
        "disabled disabled: on leave",
        "enabled; password reset (was a PIN) enabled with a new password: back",
    ]
    for secret in (PIN, NEW_PIN, "a long passphrase", "$argon2"):
        assert secret not in out
    code, out, _ = staff(capsys, "history", QA_ADMIN, "--db", with_nurse, *as_admin())
    assert out.splitlines()[2].split()[2:] == [
        "nobody", "signed", "in", "(the", "first", "administrator)", "created:", "QA",
        "Administrator,", "roles", "administrator,", "PIN", "account", "created"]


def test_list_shows_who_made_each_accounts_latest_change(with_nurse: Path, capsys) -> None:
    staff(capsys, "roles", "Ana Nurse", "--roles", "nurse", "--reason", "x", "--db", with_nurse,
          *as_admin())
    code, out, err = staff(capsys, "list", "--db", with_nurse, *as_admin())
    assert (code, err) == (0, "")
    header, admin, ana = out.splitlines()
    assert header.split() == ["id", "name", "badge", "roles", "secret", "state", "changed"]
    assert admin.endswith("(account created) by nobody signed in (the first administrator)")
    assert ana.endswith("(roles changed: x) by QA Administrator (#1)")
    assert ana.split()[:7] == ["2", "Ana", "Nurse", "B-17", "nurse", "PIN", "active"]


def test_roles_of_a_disabled_account_keep_it_disabled(with_nurse: Path, capsys) -> None:
    staff(capsys, "disable", "Ana Nurse", "--reason", "left", "--db", with_nurse, *as_admin())
    code, out, _ = staff(capsys, "roles", "Ana Nurse", "--roles", "reviewer", "--reason",
                         "returns as a reviewer", "--db", with_nurse, *as_admin())
    assert (code, out) == (0, "changed the roles of account 2: Ana Nurse (nurse,prescriber -> "
                              "reviewer)\n")
    assert versions(with_nurse)[-1][2:4] == ("reviewer", 0)
    assert QA_ADMIN_PIN not in out
