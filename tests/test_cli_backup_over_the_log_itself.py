"""Clinic IT's nightly script given the log's own path as DEST with --replace (`backup --replace
--db LOG LOG`) is refused, naming the log: else the running console's log file is replaced under
it by a copy, and every row the console writes afterwards goes to the unlinked old file, lost at
its next restart (a review)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog
from tests.store import VERSION, obs, opened


def test_backup_replace_onto_the_running_log_itself_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with EventLog.open(path, VERSION) as log:   # a chair running
        sid = log.start_session(opened())
        log.write([obs(sid, i) for i in range(5)])
        code = main(["backup", "--replace", "--db", str(path), str(path)])
        out, err = capsys.readouterr()
        log.write([obs(sid, 5)])   # the console goes on writing
    assert code == 2, (out, err)
    assert "is the session log itself" in err
    assert out == ""
    with EventLog.open(path, VERSION) as again:   # the chair's next start: every row there
        assert len(list(again.observations(sid))) == 6
