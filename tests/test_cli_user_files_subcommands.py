"""The subcommands as a launcher or a cron line runs them: a `~` no shell expanded in `--db`
(and `central --config`, an export's file) is the home folder, never a folder named `~` in the
current one (console/paths.py `user_path`, the window's and `verify`'s already)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.central.app import parser as central_parser
from console.cli import main
from console.export.cli import parser as export_parser

from .identity.accounts import QA_ADMIN, QA_ADMIN_PIN, secret_fd


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own, and a current folder elsewhere (where `~` was made)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "started here"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([*map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_staff_add_creates_the_log_in_the_home_folder_then_others_read_it(home, capsys):
    code, out, err = _run(capsys, "staff", "add", "--db", "~/clinic/sessions.sqlite3",
                          "--name", QA_ADMIN, "--roles", "administrator",
                          "--secret-fd", secret_fd(QA_ADMIN_PIN))
    log = home / "clinic" / "sessions.sqlite3"
    assert (code, err) == (0, ""), err
    assert out.startswith(f"created the session log {log}\n")
    assert log.is_file()
    assert not Path("~").exists(), "a folder named '~' was made in the current folder"
    # The same log, read by `access-log` and `network undelivered` through `~`.
    assert _run(capsys, "access-log", "--db", "~/clinic/sessions.sqlite3")[0] == 0
    code, _, err = _run(capsys, "network", "undelivered", "--db", "~/clinic/sessions.sqlite3")
    assert code == 0, err
    assert not Path("~").exists()


def test_a_subcommand_reading_a_missing_tilde_log_names_the_home_path(home, capsys):
    code, _, err = _run(capsys, "access-log", "--db", "~/none.sqlite3")
    assert code != 0
    assert str(home / "none.sqlite3") in err, err
    assert not Path("~").exists()


def test_export_and_central_take_their_files_in_the_home_folder(home):
    args = export_parser().parse_args(["7", "--csv", "~/out", "--db", "~/s.sqlite3"])
    assert (args.csv, args.db) == (home / "out", home / "s.sqlite3")
    args = central_parser().parse_args(["--config", "~/central.toml", "--db", "~/c.sqlite3"])
    assert (args.config, args.db) == (home / "central.toml", home / "c.sqlite3")


def test_a_subcommand_db_of_a_user_this_computer_lacks_is_refused_in_one_line(home, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["staff", "list", "--db", "~no-such-user-here/s.sqlite3"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "argument --db: ~no-such-user-here/s.sqlite3: the user no-such-user-here has no " \
           "home folder on this computer" in err, err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err
