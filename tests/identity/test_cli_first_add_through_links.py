"""The first administrator's `staff add` on a log path that is a link, or under a folder reached
through one (review 43, self2-store): it builds the log where the console's first start would
(beside the file the link names) and links it into place with one name only; it said "a file
appeared at ... while this command ran" and never added the account."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog
from console.version import VERSION
from tests.identity.accounts import QA_ADMIN, QA_ADMIN_PIN, secret_fd


def _add_first_administrator(db: Path) -> int:
    return main(["staff", "add", "--db", str(db), "--name", QA_ADMIN, "--roles",
                 "administrator", "--secret-fd", str(secret_fd(QA_ADMIN_PIN))])


def _only_the_log_in(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == ["sessions.sqlite3"]
    assert os.stat(folder / "sessions.sqlite3").st_nlink == 1   # no second name left


def test_first_administrator_through_a_linked_log_path(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    nas = tmp_path / "nas" / "clinic"
    nas.mkdir(parents=True)
    db = tmp_path / "local" / "sessions.sqlite3"
    db.parent.mkdir()
    db.symlink_to(nas / "sessions.sqlite3")
    code = _add_first_administrator(db)
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    assert f"created the session log {db}" in out   # the path the user gave
    assert db.is_symlink()
    _only_the_log_in(nas)
    EventLog.open(db, VERSION).close()   # a console opens it


def test_first_administrator_under_symlinked_home_with_no_data_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data" / "home" / "nurse").mkdir(parents=True)
    (tmp_path / "home").symlink_to(tmp_path / "data" / "home")
    db = tmp_path / "home" / "nurse" / ".local" / "share" / "infusion-console" / "sessions.sqlite3"
    code = _add_first_administrator(db)
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    _only_the_log_in(db.parent)
    EventLog.open(db, VERSION).close()


def test_first_administrator_through_a_link_into_a_folder_not_there(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "local" / "sessions.sqlite3"
    db.parent.mkdir()
    db.symlink_to(tmp_path / "nas" / "clinic" / "sessions.sqlite3")   # the disk not mounted
    code = _add_first_administrator(db)
    out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1, err
    assert str(db) in err and "the link points into is not there" in err
    assert not (tmp_path / "nas").exists()
