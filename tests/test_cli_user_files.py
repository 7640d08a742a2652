"""The window's start as a launcher runs it: a `~` no shell expanded in --db or --shown-log (a
.desktop Exec line, a systemd unit), and a damaged `theme` file, never stop or misplace the
console's log."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from console.cli import gui_parser
from console.ui import theme

CONSOLE = shutil.which("infusion-console", path=str(Path(sys.executable).parent))


def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def test_a_db_and_shown_log_with_a_tilde_are_in_the_home_folder(tmp_path, monkeypatch):
    home = _home(tmp_path, monkeypatch)
    args = gui_parser().parse_args(["--db", "~/sessions.sqlite3", "--shown-log", "~/shown.jsonl"])
    assert (args.db, args.shown_log) == (home / "sessions.sqlite3", home / "shown.jsonl")


def test_a_db_of_a_user_this_computer_does_not_have_is_refused_in_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        gui_parser().parse_args(["--db", "~no-such-user-here/sessions.sqlite3"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("infusion-console: error: argument --db: ~no-such-user-here/"
                          "sessions.sqlite3: the user no-such-user-here has no home folder on "
                          "this computer (a path written on another one?); give an absolute path")
    assert len(err.splitlines()) == 1


def test_a_db_path_with_a_tilde_is_the_home_folder_not_a_folder_named_tilde(tmp_path,
                                                                               monkeypatch):
    assert CONSOLE, "infusion-console is not installed in this environment"
    home = _home(tmp_path, monkeypatch)
    work = tmp_path / "started here"
    work.mkdir()
    result = subprocess.run([CONSOLE, "--db", "~/sessions.sqlite3", "--resume", "99"],
                            capture_output=True, text=True, timeout=60, cwd=work,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert "Traceback" not in result.stderr
    assert not (work / "~").exists(), f"a folder named '~' was made: {result.stderr}"
    # No log there: refused naming the path in the home folder, and none made there.
    assert f"no session log at {home / 'sessions.sqlite3'}: " in result.stderr
    assert not (home / "sessions.sqlite3").exists()


def _damaged_theme_file() -> None:
    folder = platformdirs.user_config_path("infusion-console")   # the test's own (conftest)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "theme").write_bytes(b"dim\xff\n")   # one damaged byte


def test_a_damaged_theme_file_is_ignored_as_an_unknown_one_is():
    _damaged_theme_file()
    assert theme.remembered() is None   # light


def test_a_damaged_theme_file_does_not_stop_a_resume_with_a_traceback(tmp_path):
    assert CONSOLE, "infusion-console is not installed in this environment"
    _damaged_theme_file()
    result = subprocess.run([CONSOLE, "--db", str(tmp_path / "log.sqlite3"), "--resume", "99"],
                            capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert result.returncode == 2, result.stderr
    assert "--resume 99: no session log at " in result.stderr
