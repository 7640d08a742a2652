"""The command an export tells the IT person to run next keeps a log path with a space whole
when pasted (shlex.quote): unquoted, `--db /srv/Clinic Logs/...` ran on "/srv/Clinic"."""

from __future__ import annotations

import shlex

from console.cli import main
from console.ui.review_launcher import Launch, ReviewLauncher
from tests.export.test_export_log_faults import copy_log, plain_log  # noqa: F401 - fixture


def test_the_first_administrator_advice_of_an_export_keeps_the_path_whole(capsys, plain_log,
                                                                           tmp_path):
    folder = tmp_path / "Clinic Logs"
    folder.mkdir()
    db = copy_log(plain_log.path, folder)
    code = main(["export", str(plain_log.facts.ids["surge"]), "--csv", str(tmp_path / "out"),
                 "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 0
    command = out.split("the first administrator is added with: ", 1)[1].splitlines()[0]
    words = shlex.split(command)
    assert words[words.index("--db") + 1] == str(db), out


def test_the_review_a_console_cannot_start_is_told_with_the_path_whole(tmp_path):
    db = tmp_path / "Clinic Logs" / "sessions.sqlite3"
    notices: list[str] = []
    launcher = ReviewLauncher(db, notify=notices.append, command=[str(tmp_path / "no-such")])
    assert launcher.open() is Launch.FAILED
    command = notices[-1].split("Start it from a shell: ", 1)[1]
    words = shlex.split(command)
    assert words[words.index("--db") + 1] == str(db), notices
