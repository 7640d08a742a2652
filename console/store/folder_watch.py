"""Whether anything was removed, renamed or created in the log's folder since the last look.

The session log checks before each commit that the files at its path are the ones it opened
(`EventLog._check_in_place`): a removed data folder or a deleted -wal had every commit
acknowledged and lost. Two `stat` calls a commit cost P4 about a tenth of its rate on this disk
(measured: 0.56-0.58x of bare sqlite3 against 0.66-0.70x without them, while a 10 µs busy wait in
their place cost nothing measurable): a path lookup just after a synced commit slows the next one.
So on Linux the folder is watched with inotify and the files are looked at again only after
something was removed, renamed or created in it (or its watch was lost); elsewhere, or when
inotify cannot be had, every commit looks (`changed` is then always True).

What a watch of the folder does not see: the folder above it renamed (the log goes on in its
file, which is then elsewhere but not lost) and a file changed in place (not a new file).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path
from typing import Final

# <sys/inotify.h>
_IN_MOVED_FROM: Final = 0x00000040
_IN_MOVED_TO: Final = 0x00000080
_IN_CREATE: Final = 0x00000100
_IN_DELETE: Final = 0x00000200
_IN_DELETE_SELF: Final = 0x00000400
_IN_MOVE_SELF: Final = 0x00000800
_IN_ONLYDIR: Final = 0x01000000
_MASK: Final = (_IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE | _IN_DELETE_SELF
                | _IN_MOVE_SELF | _IN_ONLYDIR)


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError:
        return None


class FolderWatch:
    """A watch on one folder; `changed()` says whether to look at its files again."""

    def __init__(self, folder: Path) -> None:
        self._fd = -1
        libc = _libc()
        if libc is None:
            return
        try:
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except AttributeError:   # a C library without inotify
            return
        if fd < 0:
            return   # no inotify (a limit reached): every commit looks, as elsewhere
        if libc.inotify_add_watch(fd, os.fsencode(folder), _MASK) < 0:
            os.close(fd)
            return
        self._fd = fd

    @property
    def watching(self) -> bool:
        return self._fd >= 0

    def changed(self) -> bool:
        """True when something was removed, renamed or created in the folder since the last
        call (or the folder itself went, or the watch overflowed), or when it is not watched.
        The events are read and dropped: the caller then looks at the files themselves."""
        if self._fd < 0:
            return True
        seen = False
        while True:
            try:
                if not os.read(self._fd, 4096):
                    return True
            except BlockingIOError:
                return seen
            except OSError:
                self.close()   # the watch is gone: look every time from now on
                return True
            seen = True

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
