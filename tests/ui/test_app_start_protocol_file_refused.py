"""A clinic protocol file edited badly (or removed) while its session ran, then a crash: the
launcher's same command line refused the start ("The protocol “clinic-iv” was refused: … Fix the
file and start again") and the session, its alarms with it, did not come back, though its log
holds the protocol it runs under and the start page and --resume N resume it. The command line
resumes it under that logged copy now, saying so; a new session under the refused file stays
refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.ui.app import StartError
from tests.ui.test_app_start import SESSION, clinic_protocol, options, started  # noqa: F401

CLINIC = ("--protocol", "clinic-iv", *SESSION)


def resumed_sessions(tmp_path: Path) -> list[tuple[int]]:
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        return conn.execute("SELECT session_id FROM events WHERE kind = 'session_resumed'"
                            ).fetchall()


def crashed(started, tmp_path: Path) -> tuple[Path, int]:
    """A session of MRN-94 under the clinic's file, stopped as a crash stops it (no discharge)."""
    path = clinic_protocol("clinic-iv")
    first = started(options(tmp_path, *CLINIC))
    session = first.controller.view.session_id
    first.controller.stop()
    return path, session


def test_the_same_command_line_resumes_the_session_when_its_protocol_file_is_now_refused(
        started, tmp_path, capsys):
    path, session = crashed(started, tmp_path)
    # The clinic edits the file while the session runs, with a typo the loader refuses.
    path.write_text(path.read_text("utf-8").replace('version = "', "version = ", 1), "utf-8")
    capsys.readouterr()
    again = started(options(tmp_path, *CLINIC))   # the launcher's same command line
    assert again.live is not None and again.controller.view.session_id == session
    assert again.controller.view.protocol.id == "clinic-iv"
    assert resumed_sessions(tmp_path) == [(session,)]
    err = capsys.readouterr().err
    assert (f"infusion-console: --protocol clinic-iv: its file {path} is refused (") in err
    assert (f"session {session} of MRN-94 left open under it is resumed and runs under the copy "
            "its log holds; fix the file before a new session starts under it") in err


def test_the_same_command_line_resumes_the_session_when_its_protocol_file_is_removed(
        started, tmp_path, capsys):
    path, session = crashed(started, tmp_path)
    path.unlink()
    capsys.readouterr()
    again = started(options(tmp_path, *CLINIC))
    assert again.live is not None and again.controller.view.session_id == session
    assert resumed_sessions(tmp_path) == [(session,)]
    assert ("infusion-console: --protocol clinic-iv: no such protocol file is installed now; "
            f"session {session} of MRN-94 left open under it is resumed and runs under the "
            "copy its log holds") in capsys.readouterr().err


def test_a_new_session_under_the_refused_file_stays_refused(started, tmp_path):
    path, session = crashed(started, tmp_path)
    path.unlink()
    other = ("--protocol", "clinic-iv", "--patient", "MRN-95", "--weight", "70", "--nurse", "N")
    with pytest.raises(StartError) as refused:   # another patient: nothing left open to resume
        started(options(tmp_path, *other))
    assert str(refused.value).startswith("--protocol: Unknown protocol “clinic-iv”; available: ")
    with pytest.raises(StartError):   # nor with --new-session beside the one left open
        started(options(tmp_path, *CLINIC, "--new-session"))
    assert resumed_sessions(tmp_path) == []
    with sqlite3.connect(tmp_path / "log.sqlite3") as conn:
        assert conn.execute("SELECT id FROM sessions").fetchall() == [(session,)]
