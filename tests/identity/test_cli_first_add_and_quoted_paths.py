"""`staff add` of the first account: only one that is added creates a log (README, "Staff and
signatures"); and the commands the console tells the IT person to run next keep a log path with
a space whole when pasted (shlex.quote)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog
from console.store.errors import damage_next_steps
from console.version import VERSION

from .accounts import QA_ADMIN, QA_ADMIN_PIN, secret_fd


def staff(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main(["staff", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_refused_first_account_creates_no_log(tmp_path: Path, capsys) -> None:
    db = tmp_path / "typo" / "sessions.sqlite3"
    db.parent.mkdir()
    code, _, err = staff(capsys, "add", "--db", db, "--name", "Bea Nurse", "--roles", "nurse",
                         "--secret-fd", secret_fd("48213579"))
    assert code == 2 and "administrator" in err
    assert not db.exists(), "the refused first account left a session log behind"
    assert sorted(db.parent.iterdir()) == []   # nor its -wal or -shm


def test_a_first_administrator_with_a_weak_pin_creates_no_log_nor_its_folders(
        tmp_path: Path, capsys) -> None:
    db = tmp_path / "new" / "clinic" / "sessions.sqlite3"
    code, _, err = staff(capsys, "add", "--db", db, "--name", QA_ADMIN, "--roles",
                         "administrator", "--secret-fd", secret_fd("12a4"))
    assert code == 2 and "a PIN may hold only digits" in err
    assert not (tmp_path / "new").exists()


def test_a_refused_first_account_leaves_an_empty_file_given_as_it_was(tmp_path: Path,
                                                                      capsys) -> None:
    db = tmp_path / "sessions.sqlite3"
    db.touch()   # made on purpose beforehand: not this command's to remove
    code, _, _ = staff(capsys, "add", "--db", db, "--name", "Bea Nurse", "--roles", "nurse",
                       "--secret-fd", secret_fd("48213579"))
    assert code == 2 and db.exists()


def test_the_first_administrator_still_creates_the_log(tmp_path: Path, capsys) -> None:
    db = tmp_path / "sessions.sqlite3"
    code, out, err = staff(capsys, "add", "--db", db, "--name", QA_ADMIN, "--roles",
                           "administrator", "--secret-fd", secret_fd(QA_ADMIN_PIN))
    assert (code, err) == (0, "") and out.startswith(f"created the session log {db}\n")
    assert db.is_file()


def _path_after_db(command: str) -> str:
    words = shlex.split(command)
    return words[words.index("--db") + 1]


def test_the_first_administrator_command_keeps_a_path_with_a_space_whole(tmp_path: Path,
                                                                         capsys) -> None:
    db = tmp_path / "Clinic Logs" / "sessions.sqlite3"
    db.parent.mkdir()
    EventLog.open(db, VERSION).close()
    code, _, err = staff(capsys, "list", "--db", db)
    assert code != 0 and "staff add --db" in err, err
    suggested = err.split("'infusion-console ", 1)[1].rsplit("'", 1)[0]
    assert _path_after_db(suggested) == str(db), err


def test_the_verify_advice_keeps_a_path_with_a_space_whole(tmp_path: Path) -> None:
    db = tmp_path / "Clinic Logs" / "sessions.sqlite3"
    assert _path_after_db(damage_next_steps(db).split("`")[1]) == str(db)
