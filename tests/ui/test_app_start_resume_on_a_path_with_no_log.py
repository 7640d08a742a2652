"""`--resume N` given a --db where there is no log (the command of "Restart and resume" typed by
hand, a path mistyped, the launcher's --db left out). README: "a refused start leaves no new,
empty log at a --db path where there was none". The refusal had made a new, empty log (and its
folder) first, then said "there is no session N in PATH", as if the session had gone from a log.
`staff` and `verify` refuse such a path in the words checked here and make nothing."""

from __future__ import annotations

import pytest

from console.cli import gui_parser
from console.ui.app import StartError, build
from console.ui.audio import RecordingAudioOut
from tests.ui.conftest import Answers


def test_resume_on_a_path_with_no_log_makes_no_log_and_says_there_is_none(tmp_path, qtbot):
    db = tmp_path / "typo-folder" / "sessions.sqlite3"
    args = gui_parser().parse_args(["--db", str(db), "--resume", "3"])
    cleanups: list = []
    try:
        with pytest.raises(StartError) as refused:
            build(args, cleanups, audio_out=RecordingAudioOut(), confirmer=Answers(),
                  asker=Answers())
    finally:
        for cleanup in reversed(cleanups):
            cleanup()
    assert str(refused.value) == (f"--resume 3: no session log at {db}: check the path, or "
                                  "choose the log with --db")
    assert not db.exists(), f"a new empty log was made at {db}"
    assert not db.parent.exists(), "its folder was made too"
