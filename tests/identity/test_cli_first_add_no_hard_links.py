"""The first administrator's `staff add` on a disk without hard links (a FAT or exFAT USB disk,
many SMB shares: link(2) says EPERM). The console's own first start renames the log into place
there (console/store/log.py `link_into_place`); `staff add` linked with a bare os.link and
failed, after printing "created the session log" and "added account 1" for a log that was not
there (a review of the command line)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog
from console.version import VERSION
from tests.identity.accounts import QA_ADMIN, QA_ADMIN_PIN, secret_fd


_real_link = os.link


def _link_refused(code: int, only_to: Path | None = None):
    """os.link failing with `code` (for every name, or only when it links to `only_to`)."""
    def link(src: object, dst: object, *args: object, **kwargs: object) -> None:
        if only_to is not None and Path(str(dst)) != only_to:
            return _real_link(src, dst, *args, **kwargs)   # type: ignore[arg-type]
        raise OSError(code, os.strerror(code), str(src), None, str(dst))
    return link


def _add_first_administrator(db: Path) -> int:
    return main(["staff", "add", "--db", str(db), "--name", QA_ADMIN, "--roles",
                 "administrator", "--secret-fd", str(secret_fd(QA_ADMIN_PIN))])


def test_first_administrator_on_a_disk_without_hard_links(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "link", _link_refused(errno.EPERM))   # what vfat and exfat say
    db = tmp_path / "usb" / "sessions.sqlite3"
    code = _add_first_administrator(db)
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    assert out == (f"created the session log {db}\n"
                   f"added account 1: {QA_ADMIN} (administrator; PIN)\n")
    assert sorted(p.name for p in db.parent.iterdir()) == ["sessions.sqlite3"]
    monkeypatch.undo()
    with EventLog.open(db, VERSION) as log:   # a console opens it, with the account in it
        assert log.conn.execute("SELECT COUNT(*) FROM staff").fetchone()[0] == 1


def test_a_log_not_put_in_place_is_not_said_to_be_created(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "usb" / "sessions.sqlite3"
    # The log is built, then cannot be put at its name (the disk failing, not FAT).
    monkeypatch.setattr(os, "link", _link_refused(errno.EIO, only_to=db))
    code = _add_first_administrator(db)
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), out   # nothing claims a log or an account
    assert err == (f"infusion-console staff add: cannot create the session log {db}: "
                   f"{os.strerror(errno.EIO)}\n")
    assert not (tmp_path / "usb").exists()
