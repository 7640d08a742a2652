"""Ctrl+C in the first second after `infusion-console` (the window) is launched from a terminal,
while Qt is imported and the window built: console/cli.py main() handled KeyboardInterrupt only
for a subcommand, so the window's start ended in a traceback of 10-30 lines (seen for real with
SIGINT at 0.05-0.7 s). README: "Ctrl+C ends a command in one line (exit 130)"."""

from __future__ import annotations

import pytest

import console.ui.app as app
from console.cli import INTERRUPTED_STATUS, main


def test_ctrl_c_while_the_window_is_built_is_one_line_and_130(tmp_path, monkeypatch, capsys):
    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt   # Ctrl+C while the window was being built

    monkeypatch.setattr(app, "run", interrupted)
    try:
        code = main(["--db", str(tmp_path / "log.sqlite3")])
    except KeyboardInterrupt:
        pytest.fail("Ctrl+C while the window started ended in a KeyboardInterrupt traceback")
    assert code == INTERRUPTED_STATUS
    assert capsys.readouterr() == ("", "infusion-console: interrupted: nothing more was done\n")
