"""First run as the README tells it: `./run.sh` (a DEMO session on the new default log), then
the chair's launcher on that log. README "Staff and signatures": "On a new log (no account, no
session yet) the console asks for the first administrator before anything else ... The demo
session needs no account." The demo's session had counted as the log's first session: the
clinic's first real start came up under the transitional rule (no sign-in), never asked."""

from __future__ import annotations

import sqlite3

from console.cli import gui_parser
from console.ui.app import build
from console.ui.audio import RecordingAudioOut
from tests.ui.conftest import Answers


def _built(tmp_path, qtbot, cleanups, *extra):
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), *extra])
    window = build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                   asker=Answers())
    qtbot.addWidget(window)
    return window


def _stopped(cleanups) -> None:
    for cleanup in reversed(cleanups):
        cleanup()
    cleanups.clear()


def test_the_first_real_start_after_the_readme_demo_asks_for_the_first_administrator(
        tmp_path, qtbot):
    cleanups: list = []
    try:
        # `./run.sh` with no argument: the demo on the new log, then closed.
        demo = _built(tmp_path, qtbot, cleanups, "--demo")
        assert demo.controller is not None and demo.controller.view.demo
        demo.controller.stop()
        _stopped(cleanups)
        with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
            assert conn.execute("SELECT count(*) FROM staff").fetchone() == (0,)
            assert conn.execute("SELECT demo FROM sessions").fetchall() == [(1,)]
        # The chair's launcher: the start page, still no account and no patient's session.
        window = _built(tmp_path, qtbot, cleanups)
        window.show()
        # The page asks once it is up (a 0-ms timer): the dialog opens by itself.
        qtbot.waitUntil(lambda: getattr(window, "first_admin_dialog", None) is not None,
                        timeout=2000)
        assert window.first_admin_dialog.isVisible()
        # The demo left open is still offered beside it (README: a demo resumed from the start
        # screen plays a new simulated monitor).
        assert [b.text() for b in window.resume_buttons] == ["Resume this session"]
    finally:
        _stopped(cleanups)
