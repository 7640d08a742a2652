"""A limit on the size of files the console may write (`ulimit -f`, systemd's LimitFSIZE) stops
the log growing: the write fails with EFBIG, which SQLite reports as a disk I/O error. The
alarm names the limit, not the disk ("disk input/output error … check the disk and its
connection" sent IT to hardware that was sound, a review); the readings are held and written,
in order, once the limit is raised. Run in a child process: the limit is the process's own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent("""
    import resource, sys
    from pathlib import Path
    from tests.faults.test_r5_log_faults import Session
    from console.session.engine import LOG_UNAVAILABLE
    from console.session.holding import RETRY_SECONDS

    db = Path(sys.argv[1])
    session = Session(db)
    session.engine.spare_folders = [db.parent]
    for _ in range(3):
        session.device_reading()
    size = max(db.stat().st_size, Path(str(db) + "-wal").stat().st_size)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 8192, hard))
    sent = 0
    while session.engine.board.occurrence_for(LOG_UNAVAILABLE) is None and sent < 2000:
        session.device_reading()
        sent += 1
    alarm = session.engine.board.occurrence_for(LOG_UNAVAILABLE)
    print("ALARM", alarm.message if alarm else None)
    print("SAID", session.engine.log_error.message if session.engine.log_error else None)
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    session.engine.tick(session.clock.advance(RETRY_SECONDS))
    print("AFTER", session.engine.unsaved, session.engine.board.occurrence_for(LOG_UNAVAILABLE),
          session.log.verify().ok)
    session.close()
""")


def test_a_file_size_limit_is_named_and_what_was_held_is_written_once_it_is_raised(
        tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    ran = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "log.sqlite3")],
                         cwd=root, capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    lines = dict(line.split(" ", 1) for line in ran.stdout.splitlines())
    assert lines["ALARM"].startswith(
        "Session log unavailable (the log reached this program's file size limit)")
    assert "disk" not in lines["ALARM"]
    assert lines["SAID"].startswith(
        f"Cannot write the session log {tmp_path / 'log.sqlite3'}: the log has reached the "
        "largest file this program may write (a limit set on it: `ulimit -f`, or LimitFSIZE in "
        "a systemd unit). Raise or remove that limit and the records held are written")
    assert lines["AFTER"] == "0 None True"   # all held written, alarm ended, the chain whole
