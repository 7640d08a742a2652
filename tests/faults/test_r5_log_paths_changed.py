"""The files at the session log's path are looked at before every commit (console/store/
in_place.py: the stat of their folder on a local disk, the three files themselves when it changed
and always on a share or through a link to the log). A watch of the log's folder (inotify) was
tried and taken back, as it saw nothing of a link on the path removed or repointed, of a folder
put in place of the watched one, nor of changes made on a network or FUSE share by another
machine; each wrote acknowledged rows into a file that was no longer the log at its path (review
43); the folder's stat alone missed the last on bindfs, whose folder times are cached. Each test
runs both ways (`folder_age`). The FUSE cases need root, unshare and bindfs, and skip without
them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from console.store import EventLog, LogError
from tests.store import PROJECT_ROOT, VERSION, obs, opened


pytestmark = pytest.mark.usefixtures("folder_age")


def _refused(log: EventLog, sid: int, second: float) -> str | None:
    try:
        log.write([obs(sid, second)])
    except LogError as exc:
        return exc.cause
    return None


@pytest.mark.parametrize("change", ["log link removed", "folder link repointed"])
def test_a_link_on_the_log_path_changed_while_running_is_noticed(tmp_path: Path,
                                                                 change: str) -> None:
    disk1, disk2 = tmp_path / "disk1", tmp_path / "disk2"
    disk1.mkdir()
    disk2.mkdir()
    if change == "log link removed":
        # the log is a link to the data disk: /home/nurse/sessions.sqlite3 -> /srv/...
        home = tmp_path / "home"
        home.mkdir()
        path = home / "sessions.sqlite3"
        EventLog.open(disk1 / "sessions.sqlite3", VERSION).close()
        os.symlink(disk1 / "sessions.sqlite3", path)
    else:
        path = tmp_path / "data" / "sessions.sqlite3"   # data -> disk1
        os.symlink(disk1, tmp_path / "data")
    log = EventLog.open(path, VERSION)
    try:
        sid = log.start_session(opened("CHAIR-1"))
        log.write([obs(sid, 1)])
        if change == "log link removed":
            path.unlink()
        else:
            (tmp_path / "data").unlink()
            os.symlink(disk2, tmp_path / "data")
        assert not os.path.exists(path)   # nothing at the log's path any more
        # the monitor's next reading: acknowledged though the log at the path is gone (the
        # next start makes a new, empty log there: the session and its alarms not restored)
        assert _refused(log, sid, 2) == "moved"
    finally:
        log.close()


def test_a_link_the_logs_name_goes_through_repointed_is_noticed(tmp_path: Path) -> None:
    disk1 = tmp_path / "disk1"
    disk1.mkdir()
    # sessions.sqlite3 -> ../current/log -> sessions-2026.sqlite3, beside the first link:
    # the log's folder does not change when the link in current/ is pointed elsewhere
    path = disk1 / "sessions.sqlite3"
    EventLog.open(disk1 / "sessions-2026.sqlite3", VERSION).close()
    EventLog.open(disk1 / "sessions-2027.sqlite3", VERSION).close()
    (tmp_path / "current").mkdir()
    os.symlink(disk1 / "sessions-2026.sqlite3", tmp_path / "current" / "log")
    os.symlink(tmp_path / "current" / "log", path)
    log = EventLog.open(path, VERSION)
    try:
        sid = log.start_session(opened("CHAIR-1"))
        log.write([obs(sid, 1)])
        (tmp_path / "current" / "log").unlink()
        os.symlink(disk1 / "sessions-2027.sqlite3", tmp_path / "current" / "log")
        assert _refused(log, sid, 2) == "moved", "acknowledged into last year's log"
    finally:
        log.close()


@pytest.mark.parametrize("how", ["folder removed and made again", "folder renamed away"])
def test_a_wal_deleted_after_the_folder_was_replaced_is_noticed(tmp_path: Path,
                                                                how: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    log = EventLog.open(data / "sessions.sqlite3", VERSION)
    try:
        sid = log.start_session(opened("CHAIR-1"))
        log.write([obs(sid, 1)])
        # a sync tool / IT puts a new folder in place with the same files moved into it
        new = tmp_path / "data.new"
        new.mkdir()
        for file in list(data.iterdir()):
            os.rename(file, new / file.name)
        if how == "folder removed and made again":
            data.rmdir()
        else:
            data.rename(tmp_path / "data.old")
        new.rename(data)
        log.write([obs(sid, 2)])   # the same files at the path: taken, rightly
        (data / "sessions.sqlite3-wal").unlink()   # later: a clean-up of "temporary files"
        assert _refused(log, sid, 3) == "moved", "acknowledged into a deleted -wal"
    finally:
        log.close()


_FUSE_CHILD = r"""
import os, sys, time
from pathlib import Path
from console.store import EventLog, LogError, in_place
from tests.store import VERSION, obs, opened
back, mnt, what = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if sys.argv[4] == "folder settled long ago":
    in_place.SETTLED_NS = -10**18
if what == "first start":
    try:
        EventLog.open(mnt / "sessions.sqlite3", VERSION).close()
        print("opened")
    except LogError as exc:
        print(exc.cause)
    sys.exit(0)
EventLog.open(back / "sessions.sqlite3", VERSION).close()   # an existing log on the share
log = EventLog.open(mnt / "sessions.sqlite3", VERSION)
sid = log.start_session(opened("CHAIR-1"))
log.write([obs(sid, 1)])
(back / "sessions.sqlite3-wal").unlink()    # deleted on the server / by another machine
assert not os.path.lexists(mnt / "sessions.sqlite3-wal")   # this machine sees it gone
try:
    log.write([obs(sid, 2)])
    print("acknowledged")
except LogError as exc:
    print(exc.cause)
"""


def _on_fuse(tmp_path: Path, what: str, folder_age: str) -> str:
    if os.geteuid() != 0 or not shutil.which("bindfs") or not shutil.which("unshare"):
        pytest.skip("needs root, unshare and bindfs (a FUSE file system)")
    back, mnt = tmp_path / "server", tmp_path / "mnt"
    back.mkdir()
    mnt.mkdir()
    script = tmp_path / "child.py"
    script.write_text(_FUSE_CHILD)
    shell = textwrap.dedent(f"""
        bindfs {back} {mnt} || exit 77
        {sys.executable} {script} {back} {mnt} '{what}' '{folder_age}'; rc=$?
        fusermount -u {mnt} 2>/dev/null || umount -l {mnt}
        exit $rc""")
    done = subprocess.run(["unshare", "-m", "sh", "-c", shell], cwd=PROJECT_ROOT,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
                          capture_output=True, text=True, timeout=120)
    if done.returncode == 77:
        pytest.skip("FUSE cannot be mounted here")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_wal_deleted_on_a_network_or_fuse_share_is_noticed(tmp_path: Path,
                                                            folder_age: str) -> None:
    # inotify sees only this machine's changes on NFS/SMB/FUSE: the watch says "nothing
    # changed", and the write is acknowledged into the deleted -wal
    assert _on_fuse(tmp_path, "wal deleted", folder_age) == "moved"


def test_the_first_start_on_a_fuse_share_makes_and_opens_the_log(tmp_path: Path,
                                                                folder_age: str) -> None:
    # `link_into_place` gives the built log its name; the build name is removed; the FUSE
    # inode of the new name still says 2 links (attribute cache): refused as "two-names"
    assert _on_fuse(tmp_path, "first start", folder_age) == "opened"
