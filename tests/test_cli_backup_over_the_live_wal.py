"""`infusion-console backup --replace DEST` refuses DEST being the session log's -wal, as it
refuses the log itself: given the live log's -wal (a typo, or a script copying "the file and its
-wal"), it had replaced the -wal of a running console, said "backup written", and the console
wrote on into the unlinked old -wal; at its next crash the open session was gone, unsaid (a
review)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from console.store import EventLog

CHILD = textwrap.dedent("""
    import os, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from console.clock import ManualClock
    from console.session.engine import Patient, SessionEngine
    from console.store import EventLog
    from console.backup_command import write_backup
    from console.log_command import CommandFailure
    from protocols.loader import builtin_protocols_dir, load_protocol
    db = Path(sys.argv[1])
    log = EventLog.open(db, "test")
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                       Patient("MRN-7", 72), "ana", clock.now())
    try:
        write_backup(db, Path(str(db) + "-wal"), replace=True)
        print("written")
    except CommandFailure as failure:
        print("refused:", failure)
    sys.stdout.flush()
    os._exit(0)   # the console stops without closing the log (a crash, a power cut)
""")


def test_backup_over_the_live_wal_is_refused_and_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "log.sqlite3"
    out = subprocess.run([sys.executable, "-c", CHILD, str(db)], capture_output=True, text=True,
                         cwd="/work/main", env={"PYTHONPATH": "/work/main"}, timeout=120)
    assert out.returncode == 0, out.stderr
    log = EventLog.open(db, "test")
    try:
        sessions = [s.id for s in log.open_sessions()]
    finally:
        log.close()
    assert sessions == [1], f"{out.stdout.strip()!r}; open sessions after the restart: {sessions}"
    assert out.stdout.startswith("refused"), out.stdout
