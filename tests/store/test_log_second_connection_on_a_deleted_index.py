"""A console's -shm is deleted and made again by a reader in another process (a review or an
export left open). In the console's own process a second EventLog on the log (the review window's
sign-in, `console/review/access.py`) had not been refused (review 44): `_refuse_lost_index` looked
at this process's connections (`_OPEN_HERE`) only when no -shm was beside the log. SQLite gives every connection of a
process the index its first connection mapped (the deleted one), so the sign-in row goes into
the -wal past the end the new index knows, and was acknowledged; the console restarted while the
reader was still open took the reader's index and wrote its frames over that row: the sign-in
(an audit row) was gone from the log. Now refused while this process holds the deleted index."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from console.store import EventLog, LogError
from tests.store import PROJECT_ROOT, VERSION, obs, opened

_HOLDING_READER = r"""
import sys
from pathlib import Path
from console.review.queries import open_readonly
reader = open_readonly(Path(sys.argv[1]))
print(reader.execute("SELECT count(*) FROM observations").fetchone()[0], flush=True)
sys.stdin.readline()
reader.close()
"""

_NEXT_CONSOLE = r"""
import sys
from pathlib import Path
from console.store import EventLog
from tests.store import VERSION, obs, opened
log = EventLog.open(Path(sys.argv[1]), VERSION)
sid = log.start_session(opened("CHAIR-2"))
log.write([obs(sid, s) for s in range(20)])
log.close()
"""


def test_a_second_log_in_the_consoles_process_on_a_deleted_index_loses_nothing(
        tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    db = tmp_path / "sessions.sqlite3"
    console = EventLog.open(db, VERSION)
    sid = console.start_session(opened("CHAIR-1"))
    console.write([obs(sid, s) for s in range(10)])
    os.unlink(f"{db}-shm")
    reader = subprocess.Popen([sys.executable, "-c", _HOLDING_READER, str(db)],
                              cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "10"
        try:
            review = EventLog.open(db, VERSION)      # the review window's sign-in, same process
        except LogError as exc:
            assert exc.cause == "moved"               # refused: the fix this test allows
            return
        other = review.start_session(opened("AUDIT-ROW"))
        review.write([obs(other, 1)])                 # acknowledged
        review.close()
        console.close()
        subprocess.run([sys.executable, "-c", _NEXT_CONSOLE, str(db)], cwd=PROJECT_ROOT,
                       env=env, check=True, timeout=60)
    finally:
        reader.communicate("\n", timeout=60)
    with EventLog.open(db, VERSION) as log:
        patients = sorted(row.patient_id for row in log.open_sessions())
        problems = log.verify()
    assert patients == ["AUDIT-ROW", "CHAIR-1", "CHAIR-2"], (patients, problems)
