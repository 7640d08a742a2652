"""A --db whose path has '..' after a folder link (e.g. /opt/console/current/../data/x.sqlite3,
`current` a link to a release folder), review 44. The kernel and SQLite resolve the link before
the '..'; in_place.py had looked at os.path.abspath(path), which drops 'link/..' as text and
names another file: the log opened, and the first commit was refused as 'moved' though nothing
moved."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.store import EventLog, LogError
from tests.store import VERSION, obs, opened


@pytest.mark.usefixtures("folder_age")
@pytest.mark.parametrize("existing", [False, True])
def test_a_path_with_dotdot_after_a_link_takes_readings(tmp_path: Path, existing: bool) -> None:
    releases = tmp_path / "releases"
    (releases / "1.2.3").mkdir(parents=True)
    (releases / "data").mkdir()
    os.symlink(releases / "1.2.3", tmp_path / "current")
    db = tmp_path / "current" / ".." / "data" / "sessions.sqlite3"   # = releases/data/...
    if existing:
        EventLog.open(releases / "data" / "sessions.sqlite3", VERSION).close()
    log = EventLog.open(db, VERSION)
    try:
        sid = log.start_session(opened("CHAIR-1"))
        log.write([obs(sid, 1)])
    except LogError as exc:
        pytest.fail(f"the first readings were refused: {exc.cause}: {exc}")
    finally:
        log.close()
    with EventLog.open(releases / "data" / "sessions.sqlite3", VERSION) as again:
        assert again.conn.execute("SELECT count(*) FROM observations").fetchone()[0] == 1
