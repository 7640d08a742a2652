"""Is the session log still the file at its path? Looked at before every commit.

SQLite writes through its open descriptors: with the log's folder removed, or its -wal deleted,
every commit "succeeded" into a file no one could open again, the monitor was answered AA and the
rows were gone when the console stopped (review 43). The rule: an ACK means the reading is in the
log at its path. The log file moved back (the same file) takes writes again; a new file at the
path never does, so records held since then do not go into a log that is not the session's. The
-shm too: deleted, the next connection to open the log makes a new one and writes the same -wal
through its own index, blind to this one's frames and this one to its (a whole session lost).

How it is looked at, for what it costs. A stat each of the log, its -wal and its -shm on every
commit took P4 from 0.66-0.70x of bare sqlite3 to 0.54-0.58x on this disk (a stat of a file just
synced slows the next commit; a stat of its folder costs nothing measurable). Every change that
gives the path another file (a file deleted, renamed, replaced or linked in its place, the folder
removed or replaced, a link on the folder's path pointed elsewhere) changes the folder the path
names or that folder's change time, ctime, which no program can set back. So each commit stats
the folder, and the three files only when the folder is not as last seen, or when it changed so
recently that a second change could carry the same time (file system clocks tick in milliseconds,
FAT's in two seconds: the case git calls "racy clean" and handles the same way).

Where the folder cannot stand for the files, all three are looked at on every commit: a folder
not on a local disk file system (a network or FUSE share keeps a folder's attributes in a cache
that a lookup of a deleted file goes past: a -wal deleted on the server was acknowledged into,
seen on bindfs), a log named by a link (the link's target can be repointed in another folder), a
-wal not in the folder the log's path names, a folder that cannot be read. A file mounted over
one of the three changes no folder: the mount table is watched too (a poll of
/proc/self/mountinfo says when it changed, at the cost of a call that does not wait). A watch of the folder (inotify) was tried and taken
back: it saw nothing of a link on the path repointed, of a folder put in place of the watched
one, nor of changes made by another machine on a network share.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Final

from console.store.errors import LogError
from console.store.wal_check import shm_of, wal_of

FileId = tuple[int, int]

# File systems on a local disk, whose folders' ctime the kernel sets at each change to an entry.
_LOCAL: Final = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "f2fs", "zfs",
                           "bcachefs", "jfs"})

# How long after its last change a folder's stat is trusted to show the next one: above FAT's two
# seconds of timestamp granularity and the coarse clocks of Linux file systems (milliseconds).
SETTLED_NS: Final = 5_000_000_000


def _file_system_type(device: int) -> str | None:
    """The type of the file system mounted from `device` (Linux), None where it cannot be told."""
    wanted = f"{os.major(device)}:{os.minor(device)}"
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) > 2 and fields[2] == wanted and "-" in fields:
                    return fields[fields.index("-") + 1]
    except OSError:
        pass
    return None


def _from_the_root(path: Path) -> str:
    """`path` from the root as the kernel will follow it: a relative path (--db
    sessions.sqlite3) looked at from a working folder renamed since named the moved log, and its
    readings were acknowledged (review 44). Not normalised: `current/../data` is data beside
    the folder `current` links to, not beside `current` (abspath's reading refused every
    reading of such a log as moved)."""
    name = os.fspath(path)
    return name if os.path.isabs(name) else os.path.join(os.getcwd(), name)


def file_id(path: str | os.PathLike[str]) -> FileId | None:
    """The identity of the file at `path`, or None when no file is there."""
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (status.st_dev, status.st_ino)


_FolderSeen = tuple[int, int, int, int]   # device, inode, ctime and mtime in nanoseconds


class _MountWatch:
    """Whether this process's mount table changed since last asked: Linux marks an open
    /proc/self/mountinfo readable for an exception (POLLPRI) at each mount or unmount, and a
    poll clears it. `works` is False where it cannot be watched."""

    def __init__(self) -> None:
        self._file: BinaryIO | None = None
        self._poll: select.poll | None = None
        try:
            self._file = open("/proc/self/mountinfo", "rb")   # noqa: SIM115 - kept open
            self._poll = select.poll()
            self._poll.register(self._file, select.POLLPRI)
            self._poll.poll(0)   # nothing changed before it was opened
        except (OSError, AttributeError):   # no /proc; no poll (Windows)
            self.close()

    @property
    def works(self) -> bool:
        return self._poll is not None

    def changed(self) -> bool:
        """True at the first call after a mount or unmount (and always when it cannot tell)."""
        if self._poll is None:
            return True
        return bool(self._poll.poll(0))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file, self._poll = None, None


class InPlace:
    """The log's files as opened, and the check that they are still the ones at its path.

    Args:
        path: the log's path as the console was given it.
        files: the identity of the log, its -wal and its -shm when opened (None: not there yet;
            a -wal or -shm made later is taken as the log's the first time it is seen).
        fs_now_ns: the clock file systems stamp changes with (the wall clock); passed in so a
            test can age a folder's last change.
    """

    def __init__(self, path: Path, files: tuple[FileId | None, FileId | None, FileId | None],
                 fs_now_ns: Callable[[], int] = time.time_ns) -> None:
        self.path = path
        self._wal, self._shm = wal_of(path), shm_of(path)
        self._names = (_from_the_root(path), os.fspath(self._wal), os.fspath(self._shm))
        self.log_id, self._wal_id, self._shm_id = files
        self._fs_now_ns = fs_now_ns
        self._mounts = _MountWatch()
        self._folder = self._folder_standing_for_files(path) if self._mounts.works else None
        self._settled: _FolderSeen | None = None   # the folder as seen at a check it passed

    def close(self) -> None:
        """Let the mount table go (the log is closed)."""
        self._mounts.close()

    @property
    def real_path(self) -> str:
        """The log's file as opened, links resolved (where SQLite keeps its -wal)."""
        return os.fspath(self._wal)[:-len("-wal")]

    def leave_wal_at_close(self) -> bool:
        """Whether the close must leave the -wal as it is (close_as_is.py): the -shm opened with
        the log is no longer the one beside it (deleted, or made again since), so another
        connection may have written past this one's index, while the -wal beside the log is
        still the one opened. With that -wal deleted too, the close's checkpoint, from its open
        descriptor, is what puts this console's acknowledged rows into the log (left, they were
        lost: review 44). A share gone away (a stat failing) leaves the close as it was."""
        try:
            return (self._shm_id is not None and file_id(self._names[2]) != self._shm_id
                    and self._wal_id is not None and file_id(self._names[1]) == self._wal_id)
        except OSError:
            return False

    def _folder_standing_for_files(self, path: Path) -> str | None:
        """The folder whose stat shows every change to the three files, if there is one: the
        folder the path names, on a local disk, when the log is no link and its -wal is in that
        folder."""
        folder = os.path.dirname(self._names[0]) or "."
        try:
            if os.path.islink(path):
                return None
            here, real = os.stat(folder), os.stat(self._wal.parent)
        except OSError:
            return None
        if (here.st_dev, here.st_ino) != (real.st_dev, real.st_ino):
            return None
        return folder if _file_system_type(here.st_dev) in _LOCAL else None

    def _folder_now(self) -> _FolderSeen | None:
        if self._folder is None:
            return None
        try:
            seen = os.stat(self._folder)
        except OSError:
            return None
        return (seen.st_dev, seen.st_ino, seen.st_ctime_ns, seen.st_mtime_ns)

    def check(self) -> None:
        """Return if the files at the path are the ones opened; else raise.

        Raises:
            LogError: "moved", naming the file that is no longer the one opened.
        """
        if self.log_id is None:
            return   # a log made around a connection by hand (tests)
        mounted = self._mounts.changed()   # before the files: a change after it shows next time
        folder = self._folder_now()
        if folder is not None and folder == self._settled and not mounted:
            return
        self._settled = None
        self._check_files()
        if folder is not None and max(folder[2], folder[3]) < self._fs_now_ns() - SETTLED_NS:
            self._settled = folder

    def _check_files(self) -> None:
        log, wal, shm = (file_id(name) for name in self._names)
        if log != self.log_id:
            raise LogError(self.path, "moved", f"no longer the file opened at {self.path}")
        if wal != self._wal_id:
            self._wal_id = self._same_file(self._wal, wal, self._wal_id, "the write-ahead file")
        if shm != self._shm_id:
            self._shm_id = self._same_file(self._shm, shm, self._shm_id,
                                           "the write-ahead index shared with other consoles")
        if self._wal_id is not None and file_id(wal_of(Path(self._names[0]))) != self._wal_id:
            # The log moved to another folder and a link left at its path: the same file, but
            # another program opening the path finds it without this -wal, and writes its own.
            # (The same folder reached another way, a bind mount, is no such thing.)
            raise LogError(self.path, "moved", f"{self.path} now names the log in another "
                           "folder (through a link), away from the write-ahead file opened "
                           "with it")

    def _same_file(self, file: Path, now: FileId | None, opened: FileId | None,
                   what: str) -> FileId | None:
        """`now`, the identity of `file` (a -wal or -shm), if it is the one opened with the log;
        one not made yet when the log was opened is taken as ours the first time it is seen."""
        if opened is not None and now != opened:
            raise LogError(self.path, "moved", f"{file.name} is no longer {what} opened with it")
        return now
