"""A speaker probe that cannot be written is "Audio unavailable", never a console that does not
start.

Without Qt's audio the console plays through the system's player, and checks it at start with 50 ms
of silence written to the temp folder. A temp folder that takes no file (a full /tmp, TMPDIR naming
a folder removed) raised out of the start: a traceback, no window, a session left open not
resumed and its alarms not restored."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from console.cli import gui_parser
from console.session.engine import AUDIO_UNAVAILABLE
from console.ui import audio
from console.ui.app import build
from console.ui.audio import REPROBE_SECONDS, AlarmSounder, PlayerAudioOut
from tests.ui.conftest import Answers

PROBE_REFUSED = "cannot write the speaker's probe: No such file or directory"


def player(script: str) -> list[str]:
    """A stand-in player: `sh -c SCRIPT player WAV`."""
    return ["sh", "-c", script, "player"]


@pytest.fixture
def temp_folder_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp folder named (TMPDIR) but removed: nothing can be written there."""
    gone = tmp_path / "tmp-removed"
    monkeypatch.setattr(tempfile, "tempdir", str(gone))
    return gone


def test_a_probe_that_cannot_be_written_is_audio_unavailable_and_tried_again(
        temp_folder_gone: Path) -> None:
    clock = [0.0]
    # Step 1: the speaker is checked at construction: the probe cannot be written, and that is
    # the verdict (nothing pending), with the reason.
    out = PlayerAudioOut(player("exit 0"), monotonic=lambda: clock[0])
    sounder = AlarmSounder(out)
    assert sounder.check_available() == (False, PROBE_REFUSED)
    # Step 2: the folder is back; the probe is written and played at its next try.
    temp_folder_gone.mkdir()
    clock[0] += REPROBE_SECONDS
    out.available()   # probes
    assert out._process is not None
    out._process.wait(5)
    assert sounder.check_available() == (True, "")


def test_the_console_starts_under_audio_unavailable_when_the_probe_cannot_be_written(
        qtbot, tmp_path: Path, temp_folder_gone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio.QtAudioOut, "available",
                        lambda self: (False, "no sound output device"))   # no Qt audio here
    monkeypatch.setattr(audio, "_find_player", lambda: player("exit 0"))
    cleanups: list[Callable[[], None]] = []
    args = gui_parser().parse_args(["--db", str(tmp_path / "log.sqlite3"), "--protocol",
                                    "iv-ketamine", "--patient", "MRN-9", "--weight", "70",
                                    "--nurse", "ana"])
    try:
        window = build(args, cleanups, confirmer=Answers(), asker=Answers())
        qtbot.addWidget(window)
        assert window.controller is not None and window.live is not None   # the session runs
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
    # ...under "Audio unavailable", with the reason. (Its low burst plays from the tones
    # shipped with the console, not the temp folder: a player that plays it ends the alarm.)
    with sqlite3.connect(tmp_path / "log.sqlite3") as db:
        said = [json.loads(d) for (d,) in db.execute(
            "SELECT detail FROM events WHERE kind = 'audio_status' ORDER BY id")]
        raised = db.execute("SELECT transition, message FROM alarm_events WHERE condition = ? "
                            "ORDER BY id", (AUDIO_UNAVAILABLE,)).fetchall()
    assert said[0] == {"available": False, "detail": PROBE_REFUSED}
    assert raised[0] == ("raised", "Audio unavailable: visual only")
