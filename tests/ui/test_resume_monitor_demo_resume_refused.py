"""Which monitor a resumed session reads (review 44): a demo's new simulator when its resume is refused."""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6 import QtCore

from console.cli import gui_parser
from console.session.engine import SessionEngine
from console.session.protocol_record import ProtocolMissing
from tests.ui.test_two_chairs import built, cleanups, stop  # noqa: F401


def _simulators() -> int:
    return sum(t.name == "device-simulator" and t.is_alive() for t in threading.enumerate())


def test_a_refused_demo_resume_leaves_no_simulator_playing(tmp_path: Path, qtbot, cleanups,
                                                          monkeypatch) -> None:  # noqa: F811
    """A demo left open; its resume is refused (ProtocolMissing: the resume reads the log's
    protocol and finds none it can run). Each press of 'Resume this session' starts a new
    simulated monitor (a pty and a thread) before the refusal, and none is stopped: they
    pile up for as long as the console runs."""
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(["--db", str(db), "--demo"]), qtbot, cleanups)
    stop(cleanups)   # killed
    again = built(gui_parser().parse_args(["--db", str(db)]), qtbot, cleanups)
    before = _simulators()

    def refused(*_a, **_k):
        raise ProtocolMissing("session 1 cannot be resumed on this console: ...")

    monkeypatch.setattr(SessionEngine, "resume", refused)
    for _ in range(3):
        qtbot.mouseClick(again.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
        assert again.live is None and "not resumed" in again.start_error.text()
    qtbot.wait(300)
    after = _simulators()
    stop(cleanups)
    assert after == before, f"{after - before} simulated monitors left playing"
