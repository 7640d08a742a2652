"""R5: the session log's folder removed, the log moved or replaced, or its -wal deleted, while a
session runs (review 43).

SQLite goes on writing through its open descriptors: every commit "succeeded" into a file no one
could open again, the monitor was answered AA, no technical alarm was raised, and the rows were
gone once the console stopped. The rule: an ACK means the reading is in the log at its path; a
log no longer there raises "Session log unavailable" and holds the records. The same file put
back takes them; a new file at the path never does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from console.session.engine import LOG_UNAVAILABLE
from console.session.holding import RETRY_SECONDS
from console.store import EventLog
from devices.reading import Reading
from tests.faults.test_r5_log_faults import Session, counts

pytestmark = pytest.mark.faults


def _monitor_message(s: Session) -> bool:
    """One heart rate from the monitor a second later; True when answered AA (on disk)."""
    now = s.clock.advance(1)
    s.hr = 61 if s.hr >= 99 else s.hr + 1
    return s.engine.ingest_message(
        [Reading("heart_rate", s.hr, "/min", now.wall, now.wall, "hl7:mon")], now)


def _retry_due(s: Session) -> None:
    s.engine.tick(s.clock.advance(RETRY_SECONDS + 0.5))


def _log_alarm_message(s: Session) -> str:
    occurrence = s.engine.board.occurrence_for(LOG_UNAVAILABLE)
    assert occurrence is not None, "no 'Session log unavailable' technical alarm"
    return str(occurrence)


def test_data_folder_removed_mid_session_is_not_acked_and_raises_the_log_alarm(
        tmp_path: Path) -> None:
    folder = tmp_path / "data"
    s = Session(folder / "log.sqlite3")
    try:
        assert _monitor_message(s)            # on disk: AA
        shutil.rmtree(folder)                 # IT's clean-up script, a USB disk pulled...
        assert not _monitor_message(s), "AA for a reading written to a deleted log file"
        message = s.engine.board.occurrence_for(LOG_UNAVAILABLE)
        assert message is not None and message.message.startswith(
            "Session log unavailable (the log file was moved or deleted): readings are held")
        assert s.log.path.name in str(s.engine.writes.error)
        assert s.engine.writes.error is not None and s.engine.writes.error.cause == "moved"
    finally:
        s.close()


def test_wal_deleted_mid_session_is_not_acked_and_raises_the_log_alarm(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    s = Session(db)
    try:
        assert _monitor_message(s)
        # A clean-up of "temporary files" beside the log while the console runs.
        db.with_name(db.name + "-wal").unlink()
        assert not _monitor_message(s), "AA for a reading written to a deleted -wal"
        _log_alarm_message(s)
    finally:
        s.close()


def test_a_log_moved_away_and_back_takes_the_held_records_in_order(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    db = folder / "log.sqlite3"
    s = Session(db)
    try:
        assert _monitor_message(s)
        folder.rename(tmp_path / "data.moved")
        assert not _monitor_message(s)
        held = s.engine.writes.count
        assert held > 0
        (tmp_path / "data.moved").rename(folder)   # the same file, back where it was
        _retry_due(s)
        assert s.engine.writes.count == 0
        assert s.engine.board.occurrence_for(LOG_UNAVAILABLE) is None
        assert s.log.verify().ok
    finally:
        s.close()
    assert counts(db)["observations"] >= 2


def test_held_records_never_go_into_a_new_log_at_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    db = folder / "log.sqlite3"
    s = Session(db)
    try:
        assert _monitor_message(s)
        shutil.rmtree(folder)
        assert not _monitor_message(s)
        # Another console (or a restore of an older backup) makes a log at the same path.
        EventLog.open(db, "other").close()
        before = counts(db)
        _retry_due(s)
        assert not _monitor_message(s)
        assert s.engine.writes.count > 0, "the held records went into a log not the session's"
        _log_alarm_message(s)
        assert counts(db) == before
    finally:
        s.close()
