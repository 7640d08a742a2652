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
from console.store import EventLog, LogError
from devices.reading import Reading
from tests.faults.test_r5_log_faults import Session, counts

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("folder_age")]


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


# ---- a log opened through a symbolic link (README: supported) ----------------------------------

def _linked_log(tmp_path: Path) -> tuple[Path, Path]:
    """A log on "the NAS" and the data path a link to it: (the real file, the link)."""
    (tmp_path / "nas").mkdir()
    (tmp_path / "data").mkdir()
    real = tmp_path / "nas" / "log.sqlite3"
    EventLog.open(real, "t").close()
    link = tmp_path / "data" / "log.sqlite3"
    link.symlink_to(real)
    return real, link


def test_the_wal_of_a_log_opened_through_a_link_deleted_is_not_acked(tmp_path: Path) -> None:
    # SQLite keeps the -wal beside the real file: looked for beside the link, none was ever
    # found and its deletion never noticed (the monitor answered AA, the rows lost).
    real, link = _linked_log(tmp_path)
    s = Session(link)
    try:
        assert _monitor_message(s)
        real.with_name(real.name + "-wal").unlink()
        assert not _monitor_message(s), "AA for a reading written to a deleted -wal"
        assert s.engine.writes.error is not None and s.engine.writes.error.cause == "moved"
    finally:
        s.close()


def test_a_first_start_through_a_link_makes_the_log_where_it_points(tmp_path: Path) -> None:
    (tmp_path / "nas").mkdir()
    link = tmp_path / "data" / "log.sqlite3"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "nas" / "log.sqlite3")   # set up by IT before the first start
    with EventLog.open(link, "t") as log:
        assert log.open_sessions() == []
    assert (tmp_path / "nas" / "log.sqlite3").is_file() and link.is_symlink()
    assert sorted(p.name for p in (tmp_path / "nas").iterdir()) == ["log.sqlite3"]


def test_a_link_into_a_folder_not_there_is_refused_and_no_folder_made(tmp_path: Path) -> None:
    # A network disk not mounted: the log (patients' records) is never made on the local disk.
    link = tmp_path / "data" / "log.sqlite3"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "nas" / "chair-3" / "log.sqlite3")
    with pytest.raises(LogError) as refused:
        EventLog.open(link, "t")
    assert refused.value.path == link
    assert not (tmp_path / "nas").exists()


def test_every_write_after_a_failed_look_looks_again(tmp_path: Path) -> None:
    # Every write looks, the first after the deletion and every one after it (the retry of
    # held records is such a write): none may go into the deleted -wal.
    from tests.store.test_log_links_and_names import obs, opened

    log = EventLog.open(tmp_path / "log.sqlite3", "t")
    try:
        sid = log.start_session(opened("CHAIR-1"))
        log.write([obs(sid, 1)])
        (tmp_path / "log.sqlite3-wal").unlink()
        for second in (2, 3):
            with pytest.raises(LogError) as refused:
                log.write([obs(sid, second)])
            assert refused.value.cause == "moved", second
    finally:
        log.close()
