"""A log restored from its backup (`cp backup.sqlite3 log.sqlite3`, as "restore the log from
the last backup" said) while the -wal and -shm of the console that crashed on it are still beside
it: SQLite replays that -wal's pages over the older file. The console opened the mixture without
a word and wrote into it: SQLite's own check failed, the session running at the crash was no
longer offered to resume (its alarms not restored), and `verify` blamed rows "deleted outside
the console". A -wal left by a crash is now checked with the file before the first write, and a
mixture is refused as damaged, naming the -wal and what to do; every "restore from the last
backup" says to remove the -wal and -shm first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from console.store import EventLog, LogError
from console.store import log as log_module

from . import PROJECT_ROOT, VERSION, alarm, new_log, obs, opened

SIDE_FILES = ("-wal", "-shm")


def crash_image(log: EventLog, folder: Path) -> Path:
    """The log as a console killed now leaves it (the file, its -wal and its -shm), in `folder`."""
    folder.mkdir()
    for end in ("", *SIDE_FILES):
        shutil.copyfile(f"{log.path}{end}", folder / f"{log.path.name}{end}")
    return folder / log.path.name


def backup_then_crash(tmp_path: Path) -> tuple[Path, Path]:
    """Last night's backup (one session, the log closed), then a day of writing that SQLite
    partly checkpointed into the file, and a crash: (the backup, the crashed log)."""
    log = new_log(tmp_path)
    sid = log.start_session(opened())
    log.write([obs(sid, i) for i in range(20)])
    log.close()
    backup = tmp_path / "backup.sqlite3"
    shutil.copyfile(tmp_path / "log.sqlite3", backup)
    log = new_log(tmp_path)
    sid = log.start_session(opened("P-002"))
    for i in range(300):
        log.write([obs(sid, i, value=80 + i % 10), alarm(sid, "raised", i, occurrence=i + 1)])
        if i == 200:   # as SQLite's automatic checkpoint does, every 1000 pages
            log.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    crashed = crash_image(log, tmp_path / "crashed")
    log.close()
    return backup, crashed


def test_a_backup_restored_beside_a_crashed_consoles_wal_is_refused_and_left_as_it_is(
        tmp_path: Path) -> None:
    backup, crashed = backup_then_crash(tmp_path)
    shutil.copyfile(backup, crashed)   # IT restores the backup with cp, the -wal left beside it
    before = {end: Path(f"{crashed}{end}").read_bytes() for end in ("", "-wal")}
    with pytest.raises(LogError) as refused:
        EventLog.open(crashed, VERSION)
    assert refused.value.cause == "corrupt"
    said = str(refused.value)
    assert ("its write-ahead log log.sqlite3-wal, left by a console that stopped without "
            "closing the log, does not fit the file") in said
    assert (f"move {crashed}-wal and {crashed}-shm out of its folder (keep them)") in said
    assert f"remove {crashed}-wal and {crashed}-shm first" in said   # the general advice too
    # Nothing written: the restored file and the crashed console's -wal are as they were.
    assert {end: Path(f"{crashed}{end}").read_bytes() for end in ("", "-wal")} == before
    # Done as it says, the backup opens as it was backed up, and takes the new session.
    for end in SIDE_FILES:
        Path(f"{crashed}{end}").unlink()
    with EventLog.open(crashed, VERSION) as log:
        assert [row.patient_id for row in log.open_sessions()] == ["P-001"]
        log.start_session(opened("P-003"))
        assert log.integrity_ok() and log.verify().ok


def test_the_crashed_consoles_own_log_opens_with_the_session_it_was_running(
        tmp_path: Path) -> None:
    _, crashed = backup_then_crash(tmp_path)
    with EventLog.open(crashed, VERSION) as log:
        assert [row.patient_id for row in log.open_sessions()] == ["P-002", "P-001"]
        assert log.integrity_ok()


def test_no_check_of_the_whole_file_at_a_start_without_a_crash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # It reads every page of the log (seconds for a large one): only after a crash.
    log = new_log(tmp_path)
    log.start_session(opened())
    log.close()
    checked: list[Path] = []
    monkeypatch.setattr(log_module, "_wal_mismatch", lambda path: checked.append(path))
    with new_log(tmp_path) as first:   # no -wal: closed cleanly
        first.start_session(opened("P-002"))
        with new_log(tmp_path):   # a second console beside a running one: its -wal is live
            pass
    assert checked == []


_RUNNING_CONSOLE = """
import sys
from pathlib import Path
from tests.store import new_log, obs, opened
log = new_log(Path(sys.argv[1]))
sid = log.start_session(opened("P-002"))
log.write([obs(sid, i) for i in range(5)])
print("running", flush=True)
sys.stdin.readline()
log.close()
"""


def test_no_check_of_the_whole_file_beside_a_console_running_in_another_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its -wal holds commits, as a crash's does, but it is the live one.
    running = subprocess.Popen(
        [sys.executable, "-c", _RUNNING_CONSOLE, str(tmp_path)], cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert running.stdout is not None and running.stdout.readline().strip() == "running"
        checked: list[Path] = []
        monkeypatch.setattr(log_module, "_wal_mismatch", lambda path: checked.append(path))
        with new_log(tmp_path) as log:
            assert [row.patient_id for row in log.open_sessions()] == ["P-002"]
        assert checked == []
    finally:
        running.communicate("\n", timeout=60)
