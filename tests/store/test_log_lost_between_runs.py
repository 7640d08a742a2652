"""A log that lost its content between two runs, a log moved away from its -wal, and a console
killed while it made a log (review 43).

Only a missing path makes a new log, and only whole: a file that is there without session tables
is refused naming it (a new, empty log made in it hid the open session and its alarms from the
start screen and the review without a word); a -wal left without its log is never destroyed; and
a console killed during its first start leaves nothing at the path that the next start refuses.
Real processes are killed with SIGKILL (a power cut: no checkpoint, the rows in the -wal).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console.store import EventLog, LogError

from . import PROJECT_ROOT, VERSION

_SESSION = r'''
import os, signal, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from console.store import EventLog
from console.records import ObservationRecord, SessionOpened
log = EventLog.open(Path(sys.argv[1]), "t")
t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
sid = log.start_session(SessionOpened(patient_id="MRN-1", protocol_id="iv-ketamine",
    protocol_version="1", session_number=1, started_at=t, nurse="ana", weight_kg=70.0,
    demo=False, details={}))
for i in range(30):
    log.write([ObservationRecord(session_id=sid, metric="heart_rate", value=70.0, unit="/min",
        source="manual", measured_at=None, received_at=t + timedelta(seconds=i + 1),
        entered_by="ana")])
{end}
'''
_KILLED = _SESSION.replace("{end}", "os.kill(os.getpid(), signal.SIGKILL)")
_CLOSED = _SESSION.replace("{end}", "log.close()")

# What a console before review 43 left after its first run was killed: the schema and the rows
# all in the -wal, the log file itself (next to) empty. Made with SQLite and the migrations
# directly, as that console did in place.
_KILLED_IN_PLACE = r'''
import os, signal, sqlite3, sys
from console.store import schema
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
schema.migrate(conn)
conn.execute("INSERT INTO meta(key, value) VALUES ('probe', 'x')")
os.kill(os.getpid(), signal.SIGKILL)
'''

_KILLED_IN_FIRST_MIGRATION = r'''
import os, signal, sys
from pathlib import Path
from console.store import schema, EventLog
name, fn = schema.MIGRATIONS[0]
def dies(db):
    fn(db)
    os.kill(os.getpid(), signal.SIGKILL)   # a power cut before the first schema change commits
schema.MIGRATIONS[0] = (name, dies)
EventLog.open(Path(sys.argv[1]), "t")
'''


def _run(script: str, db: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", script, str(db)], cwd=PROJECT_ROOT,
                          check=False, timeout=60)


def _wal(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def test_a_log_truncated_to_0_bytes_is_refused_untouched_not_made_a_new_log(
        tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    assert _run(_CLOSED, db).returncode == 0
    db.write_bytes(b"")   # a restore that failed half-way, `> log.sqlite3`, a sync tool
    with pytest.raises(LogError) as refused:
        EventLog.open(db, VERSION).close()
    assert refused.value.cause == "emptied"
    message = str(refused.value)
    assert str(db) in message and "not a session log" in message and "emptied" in message
    assert "backup" in message and "--db" in message
    assert db.read_bytes() == b""   # nothing written into it behind the refusal


def test_a_log_whose_wal_was_deleted_leaving_no_tables_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    assert _run(_KILLED_IN_PLACE, db).returncode == -signal.SIGKILL
    assert _wal(db).stat().st_size > 0
    _wal(db).unlink()   # IT clears "temporary" files
    db.with_name(db.name + "-shm").unlink(missing_ok=True)
    with pytest.raises(LogError) as refused:
        EventLog.open(db, VERSION).close()
    assert refused.value.cause == "emptied"
    assert str(db) in str(refused.value) and f"{db}-wal was deleted" in str(refused.value)


def test_a_new_log_is_on_disk_whole_before_its_first_session(tmp_path: Path) -> None:
    # Built, migrated and folded into its file before it takes the path: a later loss of its
    # -wal takes the last rows (SQLite's rule), never the tables.
    db = tmp_path / "log.sqlite3"
    assert _run(_KILLED, db).returncode == -signal.SIGKILL
    _wal(db).unlink()
    db.with_name(db.name + "-shm").unlink(missing_ok=True)
    with EventLog.open(db, VERSION) as log:
        assert log.verify().ok


def test_a_log_moved_away_from_its_wal_is_refused_and_the_wal_kept(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    assert _run(_KILLED, db).returncode == -signal.SIGKILL
    kept = _wal(db).read_bytes()
    assert kept
    db.rename(tmp_path / "archived.sqlite3")   # the log moved; its -wal (the session) stays
    with pytest.raises(LogError) as refused:
        EventLog.open(db, VERSION).close()
    assert refused.value.cause == "orphaned-wal"
    message = str(refused.value)
    assert str(db) in message and f"{db}-wal" in message
    assert "Put the log file back" in message and "move" in message
    # The -wal holds the only copy of the session: the console did not delete it, nor make a
    # log beside it.
    assert _wal(db).read_bytes() == kept
    assert not db.exists()


def test_an_empty_wal_left_without_its_log_does_not_stop_a_new_log(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    _wal(db).write_bytes(b"")
    with EventLog.open(db, VERSION) as log:
        assert log.open_sessions() == []


def test_a_console_killed_during_its_first_start_starts_again(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    assert _run(_KILLED_IN_FIRST_MIGRATION, db).returncode == -signal.SIGKILL
    # Nothing was ever recorded: the next start makes the log instead of refusing the path.
    with EventLog.open(db, VERSION) as log:
        assert log.open_sessions() == []
        assert log.verify().ok


def test_a_new_log_leaves_nothing_of_its_building_behind(tmp_path: Path) -> None:
    db = tmp_path / "new" / "log.sqlite3"
    with EventLog.open(db, VERSION):
        pass
    assert sorted(p.name for p in db.parent.iterdir()) == ["log.sqlite3"]
    assert os.stat(db).st_mode & 0o777 == 0o600


def test_a_refused_new_log_names_the_path_asked_for(tmp_path: Path) -> None:
    # Refused while it was built under a name of its own: the message names the path given.
    (tmp_path / "notes").write_text("a file, not a folder")
    db = tmp_path / "notes" / "log.sqlite3"
    with pytest.raises(LogError) as refused:
        EventLog.open(db, VERSION)
    assert refused.value.cause == "not-a-file"
    assert refused.value.path == db and ".new-" not in str(refused.value)


def test_a_new_log_on_a_disk_without_hard_links_is_renamed_into_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # FAT or a network share refuses os.link: the log built beside the path is renamed into
    # place instead, and the console starts (it had refused every new log there).
    def no_hard_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    db = tmp_path / "usb" / "log.sqlite3"
    with EventLog.open(db, VERSION) as log:
        assert log.open_sessions() == [] and log.verify().ok
    assert sorted(p.name for p in db.parent.iterdir()) == ["log.sqlite3"]
