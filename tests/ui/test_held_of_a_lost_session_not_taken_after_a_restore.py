"""README "Where the data lives" / "Restoring a log from a backup": a log the console cannot write
(locked, damaged) leaves its records in `unsaved-records-….jsonl`; a log found damaged is
restored from the last backup, and numbers its sessions again from the backup's: the next
patient's session gets the id the lost session had. At that session's first restart the console
took the lost session's file as its own (a line was matched by log path and session id only):
patient MRN-B, mid-infusion, showed "Discharge … was not saved: discharge again" and "re-enter
what matters" for patient MRN-A's records. Each line names its session's start too now."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from console.store.errors import LogError
from console.ui.audio import RecordingAudioOut
from console.ui.main_window import MainWindow
from protocols.loader import builtin_protocols_dir, default_protocol_dirs, load_protocol, load_protocols
from tests.session.helpers import type_attested
from tests.ui.conftest import Answers

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Locked:
    """The log locked by another program: every write refused."""

    def __init__(self, path):
        self.path = path

    def write(self, records):
        raise LogError(self.path, "locked", "database is locked")


def to_infusion(engine, clock):
    clock.advance(10)
    for item in engine.phase.checklist:
        type_attested(engine, item, "ana", clock.now())
        engine.tick_item(item.id, "ana", clock.now())
    clock.advance(60)
    assert engine.advance_phase("ana", clock.now()).done


def test_next_patients_session_does_not_take_the_lost_sessions_unsaved_records(tmp_path, qtbot):
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    path = tmp_path / "log.sqlite3"
    clock = ManualClock(START)
    # Last night's backup (SQLite's online backup) of the chair's log: no session yet.
    with EventLog.open(path, "test"):
        pass
    src, dst = sqlite3.connect(path), sqlite3.connect(tmp_path / "backup.sqlite3")
    src.backup(dst)
    dst.close()
    src.close()
    # 09:00 MRN-A's session; at 09:40 the log refuses writes: a typed BP, an alarm and the
    # discharge are held in the unsaved-records file; the console is killed.
    log = EventLog.open(path, "test")
    a = SessionEngine.open(protocol, log, Patient("MRN-A", 72), "ana", clock.now())
    to_infusion(a, clock)
    a.writes.recorder = Locked(path)
    clock.advance(30 * 60)
    a.enter_manual("bp_systolic", 192, "ana", clock.now())
    a.discharge("ana", clock.now(), override_reason="patient well")
    [held] = tmp_path.glob("unsaved-records-*.jsonl")
    log.close()
    # IT restores the backup, as the README says (the -wal and -shm moved aside first).
    for side in ("-wal", "-shm"):
        p = path.with_name(path.name + side)
        if p.exists():
            p.rename(tmp_path / f"aside{side}")
    shutil.copyfile(tmp_path / "backup.sqlite3", path)
    # 11:00 the next patient, MRN-B, starts at the chair: the restored log gives her the same
    # session id. 11:20 her console restarts ("Restart and resume", or a crash).
    clock.advance(60 * 60)
    log = EventLog.open(path, "test")
    b = SessionEngine.open(protocol, log, Patient("MRN-B", 60), "bo", clock.now())
    assert b.session_id == a.session_id   # the id the lost session had
    b_started = clock.now().wall
    to_infusion(b, clock)
    clock.advance(20 * 60)
    cleanups = []
    window = MainWindow(log, load_protocols(default_protocol_dirs()), clock, RecordingAudioOut(),
                        cleanups, Answers(), Answers())
    qtbot.addWidget(window)
    try:
        [row] = log.open_sessions()
        assert row.patient_id == "MRN-B"
        window.resume(row)
        window.controller.tick()
        lost = [o.message for o in window.controller.view.alarms() if o.condition == "unsaved_records"]
        found = [e.detail for _, e in log.events(row.id) if e.kind == "unsaved_records_found"]
        # MRN-A's file holds nothing of MRN-B's session (its every line is from before MRN-B's
        # session began, at b_started): MRN-B's record must not be told to "discharge again"
        # nor to re-enter MRN-A's values, and MRN-A's file is not logged as MRN-B's.
        assert held.exists() and b_started > START
        assert lost == [] and found == [], (lost, found)
    finally:
        if window.controller is not None:
            window.controller.stop()
        for cleanup in reversed(cleanups):
            cleanup()
        log.close()
