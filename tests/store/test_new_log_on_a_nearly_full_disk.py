"""A first start on a disk with a few hundred KB free: the new log's schema fitted in its -wal
but folding the -wal into the file did not, SQLite's close kept that SQLITE_FULL to itself, and
the nurse read "the disk reported an input/output error. Check the disk and its connection" for
a disk that was merely full."""

from __future__ import annotations

from pathlib import Path

from console.store import EventLog, LogError

from . import VERSION, tmpfs


def test_a_new_log_on_a_nearly_full_disk_starts_or_says_the_disk_is_full(tmp_path: Path) -> None:
    # Sizes from too small for the -wal to room for everything, in steps small enough that some
    # leave room for the -wal but not for the file (252-288 KB with SQLite 3.x here).
    said: dict[int, tuple[str, str]] = {}
    for kb in range(200, 404, 12):
        with tmpfs(tmp_path / f"disk-{kb}", f"{kb}k") as disk:
            path = disk / "sessions.sqlite3"
            try:
                EventLog.open(path, VERSION).close()
            except LogError as exc:
                said[kb] = (exc.cause, str(exc))
                assert not path.exists()   # no half-made log left to be refused at the next start
            else:
                said[kb] = ("started", "")
    assert {cause for cause, _ in said.values()} == {"disk-full", "started"}, said
    full = [message for cause, message in said.values() if cause == "disk-full"]
    assert all("the disk is full" in message for message in full), full
    # SQLite's own words for it, not a guess from the space left after the fact.
    assert all("database or disk is full" in message for message in full), full
