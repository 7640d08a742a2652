"""The files at the session log's path are looked at before each commit through the stat of their
folder, the files themselves only when the folder changed (console/store/in_place.py).

A folder's times tick coarsely (FAT every 2 s; Linux's clock every few milliseconds): a second
change made in the same tick as one the console has just looked past leaves the folder's stat as
it was. A folder changed in the last seconds is therefore not trusted: its files are looked at
themselves until it has been still for longer than any tick. The other tests of a log changed
under a running console run both ways (the `folder_age` fixture)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from console.store import EventLog, LogError
from console.store.in_place import SETTLED_NS

from . import VERSION, obs, opened

_TICK_NS = 2_000_000_000   # FAT's


def _folder_on_a_coarse_clock(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Stats of `folder` give its times on a clock that ticks every 2 s, as FAT keeps them."""
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        status = real_stat(path, *args, **kwargs)
        if os.fspath(path) != os.fspath(folder):
            return status
        return SimpleNamespace(st_dev=status.st_dev, st_ino=status.st_ino,
                               st_ctime_ns=status.st_ctime_ns // _TICK_NS * _TICK_NS,
                               st_mtime_ns=status.st_mtime_ns // _TICK_NS * _TICK_NS)

    monkeypatch.setattr(os, "stat", stat)


def test_a_wal_deleted_in_the_tick_of_a_change_just_looked_past_is_noticed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert SETTLED_NS > _TICK_NS
    data = tmp_path / "data"
    log = EventLog.open(data / "sessions.sqlite3", VERSION)
    try:
        sid = log.start_session(opened("CHAIR-1"))
        _folder_on_a_coarse_clock(monkeypatch, data)
        (data / "session-export.csv").write_text("exported\n")   # a change to the folder
        log.write([obs(sid, 1)])                                 # looked past: nothing moved
        (data / "sessions.sqlite3-wal").unlink()                 # the same tick: a clean-up
        with pytest.raises(LogError) as refused:
            log.write([obs(sid, 2)])
        assert refused.value.cause == "moved", "acknowledged into a deleted -wal"
        assert "sessions.sqlite3-wal is no longer the write-ahead file" in str(refused.value)
    finally:
        log.close()
