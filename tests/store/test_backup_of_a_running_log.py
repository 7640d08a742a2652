"""A backup of a chair's log taken while its console writes, restored on the day it is needed.

README: a log a console may have open is backed up with `infusion-console backup DEST`. A copy
made as the README used to say, the file and then its -wal, straddled the console's automatic
checkpoint: restored, it was refused as damaged, and `verify` called it damaged (exit 3). Here
the console commits (and checkpoints) between every step of the backup's copy, as a console
writing once a second does during a nightly backup of a large log.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from console.backup_command import write_backup
from console.cli import main
from console.store import EventLog

from . import VERSION, alarm, new_log, obs, opened


def _count(path: Path, table: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (n,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(n)
    finally:
        conn.close()


def test_a_backup_taken_while_the_console_commits_restores_to_a_sound_log_with_every_row(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live = tmp_path / "chair-1"
    live.mkdir()
    log = new_log(live)
    sid = log.start_session(opened())
    for i in range(300):   # ~60 pages: the copy takes many steps of 2
        log.write([obs(sid, i, value=80 + i % 10), alarm(sid, "raised", i, occurrence=i + 1)])
    committed_before = log.conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    steps: list[int] = []

    def console_writes(left: int, total: int) -> None:
        # The console goes on between two steps of the copy: a commit, then SQLite's checkpoint.
        # A copy that starts again at each commit would never end.
        assert len(steps) < 500, "the copy started again after the console's commits"
        second = 300 + len(steps)
        log.write([obs(sid, second, value=90), alarm(sid, "raised", second,
                                                     occurrence=second + 1)])
        log.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        steps.append(left)

    backup = tmp_path / "backup"
    backup.mkdir()
    written = write_backup(live / "log.sqlite3", backup / "chair-1.sqlite3", pages=2,
                           progress=console_writes)
    assert len(steps) > 10   # the console committed between many steps, never blocked
    written_while = len(steps)
    log.close()

    # IT sees one file, readable by its owner only, and the counts of what it holds.
    assert sorted(p.name for p in backup.iterdir()) == ["chair-1.sqlite3"]
    assert (backup / "chair-1.sqlite3").stat().st_mode & 0o777 == 0o600
    assert written.message == (f"backup written: {backup / 'chair-1.sqlite3'} (1 session, "
                               f"{1 + 2 * committed_before} rows)")

    # The day it is needed: copied into place, checked with verify, opened by the console.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(backup / "chair-1.sqlite3", restored / "sessions.sqlite3")
    assert main(["verify", "--db", str(restored / "sessions.sqlite3")]) == 0
    out, err = capsys.readouterr()
    assert err == "" and ": ok (" in out
    with EventLog.open(restored / "sessions.sqlite3", VERSION) as back:
        assert [row.patient_id for row in back.open_sessions()] == ["P-001"]
        # Every row committed before the backup began, and none written during it.
        assert len(back.observations(sid)) == committed_before == 300
        assert len(back.alarm_events(sid)) == 300
    # The live log kept every commit made meanwhile.
    assert _count(live / "log.sqlite3", "observations") == 300 + written_while


def test_a_backup_of_a_log_no_console_has_open_leaves_the_log_alone(tmp_path: Path) -> None:
    live = tmp_path / "chair-1"
    live.mkdir()
    log = new_log(live)
    sid = log.start_session(opened())
    log.write([obs(sid, 1)])
    log.close()
    before = (live / "log.sqlite3").read_bytes()
    write_backup(live / "log.sqlite3", tmp_path / "b.sqlite3")
    assert sorted(p.name for p in live.iterdir()) == ["log.sqlite3"]
    assert (live / "log.sqlite3").read_bytes() == before
    assert _count(tmp_path / "b.sqlite3", "observations") == 1


def test_a_backup_interrupted_between_two_steps_leaves_no_file(tmp_path: Path) -> None:
    live = tmp_path / "chair-1"
    live.mkdir()
    log = new_log(live)
    sid = log.start_session(opened())
    log.write([obs(sid, i) for i in range(300)])
    log.close()
    backup = tmp_path / "backup"
    backup.mkdir()

    def ctrl_c(left: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_backup(live / "log.sqlite3", backup / "b.sqlite3", pages=2, progress=ctrl_c)
    assert list(backup.iterdir()) == []
    assert sorted(p.name for p in live.iterdir()) == ["log.sqlite3"]
