"""The log's folder watch (console/store/folder_watch.py): the session log looks at its files
again only after something in its folder was removed, renamed or created, and every time when
the folder cannot be watched."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from console.store.folder_watch import FolderWatch

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify: Linux")


@linux_only
def test_a_file_removed_renamed_or_created_in_the_folder_is_told_once(tmp_path: Path) -> None:
    (tmp_path / "log.sqlite3").write_bytes(b"")
    watch = FolderWatch(tmp_path)
    try:
        assert watch.watching and not watch.changed()
        (tmp_path / "log.sqlite3-wal").write_bytes(b"x")       # created
        assert watch.changed() and not watch.changed()
        (tmp_path / "log.sqlite3-wal").write_bytes(b"more")    # written in place: nothing
        assert not watch.changed()
        (tmp_path / "log.sqlite3-wal").unlink()                # removed
        assert watch.changed()
        (tmp_path / "log.sqlite3").rename(tmp_path / "old")    # renamed
        assert watch.changed()
    finally:
        watch.close()


@linux_only
def test_the_folder_itself_removed_is_told(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    watch = FolderWatch(folder)
    try:
        folder.rmdir()
        assert watch.changed()
    finally:
        watch.close()


def test_a_folder_that_cannot_be_watched_is_looked_at_every_time(tmp_path: Path) -> None:
    watch = FolderWatch(tmp_path / "not-there")
    assert not watch.watching
    assert watch.changed() and watch.changed()
    watch.close()
