"""Two chairs on one computer, the claim refused or its lock file gone (review of the store): a
start whose claim cannot be had logs nothing and says "not started"; a running session's claim
is taken again when its lock file is deleted, so the other chair does not resume it too."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6 import QtCore

import console.store.session_claim as session_claim
from console.cli import gui_parser
from console.clock import ManualClock
from console.ui.app import StartError
from console.ui.start_screen import StartRequest
from tests.store.test_session_claim_release import TRY_CLAIM
from tests.ui.test_two_chairs import (  # noqa: F401 - fixtures
    START,
    built,
    chair,
    cleanups,
    open_session,
    sql,
    stop,
)

SAID = ("cannot be claimed for this console: its lock file {lock} cannot be opened (Permission "
        "denied); it may belong to another user (a console once run with sudo). With no console "
        "running on this log, remove that file or give it to this user, then start again")


@pytest.fixture
def lock_refused(monkeypatch) -> None:
    """The lock file cannot be opened: root's, 0600, from a console once run with sudo."""
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if str(path).endswith(".sessions-lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(session_claim.os, "open", refusing_open)


def start_mrn1(db: Path, *more: str) -> list[str]:
    return ["--db", str(db), "--patient", "MRN-1", "--protocol", "iv-ketamine-titration",
            "--weight", "70", "--nurse", "bea", *more]


@pytest.mark.parametrize("more", [[], ["--demo"]])
def test_a_command_line_start_refused_its_claim_is_one_line_and_logs_no_session(
        tmp_path: Path, qtbot, cleanups, lock_refused, more) -> None:  # noqa: F811
    # Before: a traceback, exit 1, and session 1 left open in the log (offered at every start).
    db = tmp_path / "log.sqlite3"
    args = ["--db", str(db), *more] if more else start_mrn1(db)
    with pytest.raises(StartError) as refused:
        built(gui_parser().parse_args(args), qtbot, cleanups)
    lock = db.with_name(db.name + ".sessions-lock")
    assert str(refused.value) == ("the session was not started: a new session "
                                  + SAID.format(lock=lock))
    assert sql(db, "SELECT id FROM sessions") == []


def test_a_start_screen_start_refused_its_claim_logs_no_session(
        tmp_path: Path, qtbot, cleanups, lock_refused) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window, _ = chair(db, qtbot, ManualClock(START), cleanups)
    lock = db.with_name(db.name + ".sessions-lock")
    for _ in range(2):   # the nurse presses Start again: still nothing
        window.start_screen.start_requested.emit(StartRequest(
            "MRN-1", 70, "iv-ketamine", None, 1, "bea", None, None))
        assert window.live is None
        assert window.start_error.text() == (
            f"The session was not started: a new session {SAID.format(lock=lock)}.")
    assert sql(db, "SELECT id FROM sessions") == []


def test_a_resume_refused_its_claim_says_not_resumed(
        tmp_path: Path, qtbot, cleanups, lock_refused) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    session = open_session(db)   # left open by a crash
    window, _ = chair(db, qtbot, ManualClock(START + timedelta(minutes=5)), cleanups)
    qtbot.keyClicks(window.start_screen.nurse_edit, "bea")   # who resumes it (no accounts)
    qtbot.mouseClick(window.resume_buttons[0], QtCore.Qt.MouseButton.LeftButton)
    lock = db.with_name(db.name + ".sessions-lock")
    assert window.live is None
    assert window.start_error.text() == (
        f"The session was not resumed: session {session} {SAID.format(lock=lock)}.")
    assert sql(db, "SELECT count(*) FROM events WHERE kind = 'session_resumed'") == [(0,)]


def test_a_running_session_whose_lock_file_was_deleted_is_not_resumed_at_another_chair(
        tmp_path: Path, qtbot, cleanups) -> None:  # noqa: F811
    db = tmp_path / "log.sqlite3"
    window = built(gui_parser().parse_args(start_mrn1(db)), qtbot, cleanups)
    assert window.controller is not None
    session = window.controller.view.session_id
    db.with_name(db.name + ".sessions-lock").unlink()   # a clean-up of a "stale" lock file
    window.controller.timer.timeout.emit()   # the session's next tick
    other = subprocess.run([sys.executable, "-c", TRY_CLAIM, str(db), str(session)],
                           capture_output=True, text=True, check=True)
    stop(cleanups)   # before pytest-qt deletes the window
    assert other.stdout.startswith(f"refused: session {session} is running in another console")
