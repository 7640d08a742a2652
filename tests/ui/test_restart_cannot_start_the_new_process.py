""""Restart and resume" whose new process cannot start says so in one line, and how to start
again.

The window is disposed of before the new process replaces this one (`os.execv`); an interpreter
gone meanwhile (the console's environment upgraded or moved while it ran) raised out of `run`: a
traceback, the console gone with the session's alarms, and nothing said about the restart that
did not happen or the command that resumes the session."""

from __future__ import annotations

import errno
import os
import shlex
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from console.cli import gui_parser
from console.ui import app
from console.ui.audio import RecordingAudioOut
from tests.ui.conftest import Answers

pytestmark = [pytest.mark.qt_no_exception_capture]


def test_a_restart_whose_interpreter_is_gone_says_how_to_resume_in_one_line(
        qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    sessions: list[int] = []

    def build(args, cleanups, fault_handler=None):
        return app_build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                         asker=Answers(), fault_handler=fault_handler)

    def nurse_restarts(qt_app, window, show=None, on_signal=None) -> int:
        # After a console fault the nurse presses "Restart and resume".
        sessions.append(window.controller.view.session_id)
        window.restart_button.click()
        return 0

    def execv(path: str, argv: list[str]) -> None:
        # The console's environment upgraded as it restarts: its interpreter is gone.
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)

    app_build: Callable[..., object] = app.build
    monkeypatch.setattr(app, "build", build)
    monkeypatch.setattr(app, "exec_until_signal", nurse_restarts)
    monkeypatch.setattr(app.os, "execv", execv)
    hooks = sys.excepthook, threading.excepthook   # run() installs the fault handler
    db = tmp_path / "log.sqlite3"
    args = gui_parser().parse_args(["--db", str(db), "--protocol", "iv-ketamine", "--patient",
                                    "MRN-9", "--weight", "70", "--nurse", "ana"])
    try:
        code = app.run(args)
    finally:
        sys.excepthook, threading.excepthook = hooks
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    [line] = [line for line in err.splitlines() if "restart" in line]
    said, _, command = line.partition("; start the console again with: ")
    assert said == (f"infusion-console: the restart did not happen: cannot run {sys.executable}: "
                    "No such file or directory")
    # The command given resumes the session on the same log.
    words = shlex.split(command)
    assert words[0] == "infusion-console"
    again = gui_parser().parse_args(words[1:])
    assert again.db == db and again.resume == sessions[0]
