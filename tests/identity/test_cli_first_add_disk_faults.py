"""The first administrator's `staff add` on a read-only folder or a full disk: the one line
names the log given with --db, as the console's own first start does, never the hidden name it
is built under (".sessions.sqlite3.new-9151", a file clinic IT cannot find: a review).

The disks are real: a small tmpfs, remounted read-only or filled (root and mount(8), as the
store's own fault tests; skipped otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest

import console.identity.cli as identity_cli
from console.cli import main
from console.store import LogError
from tests.identity.accounts import QA_ADMIN, QA_ADMIN_PIN, secret_fd
from tests.store import remount_read_only, tmpfs

READ_ONLY = ("the file or the disk it is on is read-only. Make the file writable (or remount the "
             "disk read-write), or choose another log file with --db. (Details: Read-only file "
             "system.)")
FULL = ("the disk is full. Free space on that disk or choose another log file with --db. "
        "(Details: SQLite: database or disk is full [SQLITE_FULL].)")


def _add_first_administrator(db: Path) -> int:
    return main(["staff", "add", "--db", str(db), "--name", QA_ADMIN, "--roles",
                 "administrator", "--secret-fd", str(secret_fd(QA_ADMIN_PIN))])


def _fill(disk: Path) -> None:
    try:
        with open(disk / "filler", "wb") as f:
            while True:
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:   # ENOSPC: full
        pass


def test_first_administrator_on_a_read_only_disk_names_the_log_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with tmpfs(tmp_path / "disk", "1m") as disk:
        (disk / "clinic").mkdir()
        remount_read_only(disk)
        db = disk / "clinic" / "sessions.sqlite3"
        code = _add_first_administrator(db)
        out, err = capsys.readouterr()
        assert (code, out) == (2, "")
        assert err == (f"infusion-console staff add: Cannot write the session log {db}: "
                       f"{READ_ONLY}\n")
        assert list((disk / "clinic").iterdir()) == []


def test_first_administrator_on_a_full_disk_names_the_log_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        _fill(disk)
        db = disk / "sessions.sqlite3"
        code = _add_first_administrator(db)
        out, err = capsys.readouterr()
        assert (code, out) == (2, "")
        assert err == f"infusion-console staff add: Cannot write the session log {db}: {FULL}\n"
        assert [p.name for p in disk.iterdir()] == ["filler"]


def test_a_disk_filled_while_the_account_is_added_names_the_log_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The log built, then the account's rows refused (another program filled the disk)."""
    def full(args: object, log: identity_cli.EventLog, **_kw: object) -> int:
        raise LogError(log.path, "disk-full", "SQLite: database or disk is full [SQLITE_FULL]")
    monkeypatch.setattr(identity_cli, "_staff_command", full)
    db = tmp_path / "sessions.sqlite3"
    code = _add_first_administrator(db)
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"infusion-console staff add: Cannot write the session log {db}: {FULL}\n"
    assert list(tmp_path.iterdir()) == []
