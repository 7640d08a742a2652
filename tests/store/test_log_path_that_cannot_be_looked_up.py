"""A log path the file system will not look up: a folder this user may not enter (another
user's 0700 data folder, a mount point without x), or a name longer than its 255 bytes.

pathlib's `exists()` and `is_file()` answer False only for a path that is not there; for these
they raise (PermissionError, OSError ENAMETOOLONG). `verify`, `access-log`, `export` and
`staff list` asked them before any of their handlers, and ended in a traceback with exit 1,
which for `verify` reads "a row was edited outside the console". Now it is one line naming the
file and the cause, exit 2 (nothing checked), as the console's own start says it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli import main
from tests.store import PROJECT_ROOT, filled_log, unprivileged_prefix

COMMANDS = {
    "verify": ["verify"],
    "access-log": ["access-log"],
    "export": ["export", "1", "--csv", "{out}", "--account", "Ada Admin"],
    "staff list": ["staff", "list"],
}


def _args(command: str, tmp_path: Path, db: Path) -> list[str]:
    return [a.format(out=tmp_path / "out") for a in COMMANDS[command]] + ["--db", str(db)]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_log_in_a_folder_this_user_cannot_enter_is_refused_in_one_line(
        tmp_path: Path, command: str) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db, _ = filled_log(folder)
    folder.chmod(0o600)   # its names can be listed, but it cannot be entered (no x)
    try:
        done = subprocess.run(
            [*unprivileged_prefix(), sys.executable, "-m", "console.cli",
             *_args(command, tmp_path, db)],
            capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    finally:
        folder.chmod(0o700)
    assert "Traceback" not in done.stderr, done.stderr[-800:]
    assert (done.returncode, done.stdout) == (2, ""), (done.returncode, done.stderr)
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"Cannot open the session log {db}: permission denied" in done.stderr, done.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_a_log_name_too_long_for_the_file_system_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    # A pasted path with a name past 255 bytes: no file can have it.
    db = tmp_path / ("a" * 300)
    code = main(_args(command, tmp_path, db))
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), (code, out, err)
    assert err.count("\n") == 1, err
    assert f"the session log {db}" in err and "File name too long" in err, err


def test_a_missing_log_is_still_said_as_no_session_log(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "nothing-here.sqlite3"
    assert main(["verify", "--db", str(db)]) == 2
    assert capsys.readouterr().err == f"infusion-console verify: no session log at {db}\n"
