"""`infusion-console backup [--db PATH] [--replace] DEST`, as clinic IT's nightly script runs it:
one line on success naming the file and what it holds, one line naming the file and the cause
on failure, exit statuses as `verify`'s (0 written; 2 nothing written, the user can act; 3 the
log is damaged), and never a half-written DEST or a file left beside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog
from tests.store import (
    PROJECT_ROOT, VERSION, damage, filled_log, obs, opened, tmpfs, unprivileged_prefix,
)


def backup(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["backup", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_backup_says_what_it_wrote_and_is_one_private_file(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    db, _ = filled_log(tmp_path / "live")
    dest = tmp_path / "nightly" / "2026-01-05.sqlite3"
    dest.parent.mkdir()
    code, out, err = backup(capsys, "--db", str(db), str(dest))
    assert (code, err) == (0, "")
    assert out == f"backup written: {dest} (1 session, 10 rows)\n"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["2026-01-05.sqlite3"]
    assert dest.stat().st_mode & 0o777 == 0o600
    assert main(["verify", "--db", str(dest)]) == 0


def test_a_backup_of_a_log_a_console_has_open_is_one_file_and_sound(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    with EventLog.open(tmp_path / "live" / "log.sqlite3", VERSION) as log:   # a chair running
        sid = log.start_session(opened())
        log.write([obs(sid, i) for i in range(20)])
        assert (tmp_path / "live" / "log.sqlite3-wal").exists()
        code, out, err = backup(capsys, "--db", str(log.path), str(tmp_path / "b.sqlite3"))
        log.write([obs(sid, 20)])   # the console goes on writing
    assert (code, err) == (0, "")
    assert out == f"backup written: {tmp_path / 'b.sqlite3'} (1 session, 21 rows)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.sqlite3", "live"]
    assert main(["verify", "--db", str(tmp_path / "b.sqlite3")]) == 0


def test_an_existing_backup_is_not_overwritten_unless_told(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    db, _ = filled_log(tmp_path / "live")
    dest = tmp_path / "last-night.sqlite3"
    dest.write_bytes(b"last night's backup")
    code, out, err = backup(capsys, "--db", str(db), str(dest))
    assert (code, out) == (2, "")
    assert err == (f"infusion-console backup: {dest} already exists: nothing was written; give a "
                   "new name (a dated one for a nightly backup), or --replace to overwrite it\n")
    assert dest.read_bytes() == b"last night's backup"
    code, out, err = backup(capsys, "--db", str(db), "--replace", str(dest))
    assert (code, err) == (0, "")
    assert out.startswith(f"backup written: {dest} (")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last-night.sqlite3", "live"]


@pytest.mark.parametrize("where, line", [
    ("missing/b.sqlite3", "cannot write the backup {dest}: its folder {folder} does not exist; "
                          "nothing was written"),
    (".", "{dest} is a folder: give the backup's file name, e.g. {dest}/backup-log.sqlite3; "
          "nothing was written"),
])
def test_a_destination_that_cannot_be_written_is_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str, line: str) -> None:
    (tmp_path / "live").mkdir()
    db, _ = filled_log(tmp_path / "live")
    dest = tmp_path / where if where != "." else tmp_path
    code, out, err = backup(capsys, "--db", str(db), str(dest))
    assert (code, out) == (2, "")
    assert err == ("infusion-console backup: "
                   + line.format(dest=dest, folder=dest.parent) + "\n")


def test_no_log_at_db_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = backup(capsys, "--db", str(tmp_path / "none.sqlite3"),
                            str(tmp_path / "b.sqlite3"))
    assert (code, out) == (2, "")
    assert err.startswith(f"infusion-console backup: no session log at {tmp_path / 'none.sqlite3'}")
    assert err.count("\n") == 1
    assert not (tmp_path / "b.sqlite3").exists()


def test_a_damaged_log_is_not_backed_up_over_the_last_good_backup(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    db, _ = filled_log(tmp_path / "live", observations=3000)
    damage(db, "observations")
    dest = tmp_path / "last-good.sqlite3"
    dest.write_bytes(b"last good backup")
    code, out, err = backup(capsys, "--db", str(db), "--replace", str(dest))
    assert (code, out) == (3, "")
    assert err.startswith(f"infusion-console backup: cannot read the session log {db}: its copy "
                          "fails SQLite's check: ")
    assert "no backup was written" in err and err.count("\n") == 1
    assert dest.read_bytes() == b"last good backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last-good.sqlite3", "live"]


def test_a_folder_this_user_may_not_write_is_named(tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    db, _ = filled_log(tmp_path / "live")
    os.chmod(db, 0o644)   # readable by the unprivileged child, as IT's backup account reads it
    os.chmod(db.parent, 0o755)
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o555)
    done = subprocess.run([*unprivileged_prefix(), sys.executable, "-m", "console.cli", "backup",
                           "--db", str(db), str(closed / "b.sqlite3")],
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr == (f"infusion-console backup: cannot write the backup {closed / 'b.sqlite3'}: "
                           "this user may not write in its folder; nothing was written\n")
    assert list(closed.iterdir()) == []


def test_a_full_disk_is_named_and_leaves_nothing_on_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    db, _ = filled_log(tmp_path / "live", observations=3000)   # ~600 KB
    with tmpfs(tmp_path / "usb", "256k") as usb:
        code, out, err = backup(capsys, "--db", str(db), str(usb / "b.sqlite3"))
        assert (code, out) == (2, "")
        assert err == (f"infusion-console backup: cannot write the backup {usb / 'b.sqlite3'}: "
                       "the disk is full; nothing was written\n")
        assert list(usb.iterdir()) == []
