"""The log's -journal named through a symlinked folder (clinic IT's /srv/backups -> the log's
folder) is the same file as the -journal: refused as a backup's DEST, as the plain path is;
written, the next console start would delete it as a stale journal (a review)."""
from __future__ import annotations

from pathlib import Path

import pytest

from console.backup_command import write_backup
from console.log_command import CommandFailure
from tests.store.test_backup_over_the_logs_side_files import _log_with_a_session


def test_backup_to_the_logs_journal_through_a_linked_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "log.sqlite3"
    _log_with_a_session(db).close()
    link = tmp_path / "backups"
    link.symlink_to(folder)
    with pytest.raises(CommandFailure, match="-journal"):
        write_backup(db, link / "log.sqlite3-journal", replace=False)
    assert not Path(str(db) + "-journal").exists()
