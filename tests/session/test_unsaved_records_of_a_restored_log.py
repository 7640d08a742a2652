"""A log found damaged is restored from its last backup (README, "Restoring a log from a
backup"), and the restored log numbers its sessions again from the backup's: the next patient's
session gets the id of a session the backup lacks. That lost session may have left an
unsaved-records file (the log refused writes, then a kill). At the next patient's first restart
the console took the lost session's file as hers (a line was tied to its session by the log's
path and the session id only): "Discharge … was not saved: discharge again" mid-infusion, and
another patient's typed values to re-enter into her chart. Each line now names its session's
start too (`HELD_SESSION_STARTED`, as the log stores it); a backup of the same session keeps that
start, so the session's own file is still found."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.session.engine import Patient, SessionEngine
from console.session.holding import HELD_SESSION_STARTED
from console.store import EventLog
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import LoggedSession
from tests.session.test_unsaved_records_at_restart import (
    NURSE,
    found_events,
    held_at_a_kill,
    log_in,
    resumed,
    unsaved_alarm,
)


@pytest.fixture(autouse=True)
def spare_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The system's temporary folder (where a restart looks too) is the test's own."""
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    yield spare


def backup(log: EventLog, to: Path) -> None:
    """Last night's backup of the log (SQLite's online backup)."""
    source, copy = sqlite3.connect(log.path), sqlite3.connect(to)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def restored(log: EventLog, copy: Path) -> EventLog:
    """IT restores the backup as the README says (the console stopped, -wal and -shm moved
    aside first) and the console opens the log again."""
    log.close()
    for side in ("-wal", "-shm"):
        extra = log.path.with_name(log.path.name + side)
        if extra.exists():
            extra.rename(copy.with_name(copy.name + side + "-aside"))
    shutil.copyfile(copy, log.path)
    return EventLog.open(log.path, "test")


def without_the_start(held: Path) -> None:
    """The file as a console from before lines named their session's start wrote it."""
    lines = [json.loads(line) for line in held.read_text().splitlines()]
    for line in lines:
        line.pop(HELD_SESSION_STARTED, None)   # (each line has it: the last test)
    held.write_text("".join(json.dumps(line) + "\n" for line in lines))


def the_next_patient_after_a_restore(tmp_path: Path, older_console: bool) -> None:
    log = log_in(tmp_path / "data")
    copy = tmp_path / "backup.sqlite3"
    backup(log, copy)   # no session yet
    s = LoggedSession(log)
    lost = s.engine.session_id
    # 09:00 P-001's session; the log refuses writes: an acknowledged SpO2 alarm, a typed BP and
    # the discharge are held in the file; the console is killed.
    held = held_at_a_kill(s)
    assert s.engine.discharge(NURSE, s.now(), override_reason="patient well").done
    if older_console:
        without_the_start(held)
    log = restored(log, copy)
    try:
        # An hour later the next patient starts at the chair: the restored log gives her the
        # lost session's id. 20 min in, her console restarts.
        s.recorder = log   # type: ignore[assignment]
        s.engine = SessionEngine.open(iv_protocol(), log, Patient("P-002", 60.0), NURSE,
                                      s.clock.advance(3600))
        assert s.engine.session_id == lost
        engine = resumed(s, after_seconds=20 * 60)
        assert engine.patient.patient_id == "P-002"
        # Nothing in P-001's file is hers: no "discharge again", nothing to re-enter, the file
        # not logged as hers; it stays for Support.
        assert unsaved_alarm(engine) == []
        assert found_events(log, engine.session_id) == []
        assert held.exists()
    finally:
        log.close()


def test_the_next_patient_is_not_given_the_lost_sessions_unsaved_records(tmp_path: Path) -> None:
    the_next_patient_after_a_restore(tmp_path, older_console=False)


def test_an_older_consoles_lines_dated_before_the_session_began_are_not_its_own(
        tmp_path: Path) -> None:
    # Lines that name no session start: every record of the lost session is from before the
    # next patient's session began, and a record of a session is never older than its start.
    the_next_patient_after_a_restore(tmp_path, older_console=True)


def the_same_session_after_a_restore(tmp_path: Path, older_console: bool) -> None:
    log = log_in(tmp_path / "data")
    copy = tmp_path / "backup.sqlite3"
    s = LoggedSession(log)
    backup(log, copy)   # the session begun: the backup has its row, and its start
    held = held_at_a_kill(s)
    if older_console:
        without_the_start(held)
    log = restored(log, copy)
    try:
        s.recorder = log   # type: ignore[assignment]
        engine = resumed(s)
        # The same session, resumed from the restored log: its own held records are missing
        # from the log and said, as after any kill while held.
        [(priority, state, message)] = unsaved_alarm(engine)
        assert (priority, state) == ("medium", "latched")
        assert message == ("Records from before the restart are not in the log: 2 typed "
                           f"values, 3 alarm changes in {held.name}: re-enter what matters, tell "
                           "Support")
        assert [e["file"] for e in found_events(log, engine.session_id)] == [str(held)]
    finally:
        log.close()


def test_the_same_session_resumed_from_a_restored_log_finds_its_held_records(
        tmp_path: Path) -> None:
    the_same_session_after_a_restore(tmp_path, older_console=False)


def test_an_older_consoles_lines_of_the_same_session_are_found_as_before(tmp_path: Path) -> None:
    the_same_session_after_a_restore(tmp_path, older_console=True)


def test_each_line_names_its_sessions_start_as_the_log_stores_it(tmp_path: Path) -> None:
    # What Support reads: one JSON object a line, naming the log and the session's start.
    log = log_in(tmp_path / "data")
    try:
        s = LoggedSession(log)
        held = held_at_a_kill(s)
        raw = tmp_path / "raw.sqlite3"
        backup(log, raw)
        with sqlite3.connect(raw) as db:
            [(stored,)] = db.execute("SELECT started_at FROM sessions WHERE id = ?",
                                     [s.engine.session_id]).fetchall()
        lines = [json.loads(line) for line in held.read_text().splitlines()]
        assert lines and {line[HELD_SESSION_STARTED] for line in lines} == {stored}
        assert {line["session_id"] for line in lines} == {s.engine.session_id}
    finally:
        log.close()
