"""A nightly backup run without --replace whose DEST appears while the copy is written (another
script, a second cron entry) refuses and leaves that file alone (console/backup_command.py
`_place`): overwritten, last night's backup would be lost without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.backup_command import write_backup
from console.log_command import CommandFailure
from tests.store import filled_log


def test_a_dest_that_appears_during_the_copy_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    db, _ = filled_log(tmp_path / "live")
    dest = tmp_path / "2026-01-05.sqlite3"

    def someone_writes_dest(_left: int, _total: int) -> None:
        if not dest.exists():
            dest.write_bytes(b"last night's backup")

    with pytest.raises(CommandFailure, match="appeared while the backup was written"):
        write_backup(db, dest, pages=1, progress=someone_writes_dest)
    assert dest.read_bytes() == b"last night's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-01-05.sqlite3", "live"]
