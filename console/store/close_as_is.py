"""Close a connection without the checkpoint SQLite runs when the last connection closes.

A console whose -shm was deleted under it reads the log through the index of the deleted file.
Another console may meanwhile have started on a -shm made again (by the review, or in another
PID namespace, where the start's refusal cannot see this console's locks: review 44) and
written its session into the same -wal. Closing, this console would checkpoint by its own index,
blind to those frames, and delete the -wal with them in it: the other session lost. Closed with
SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, it leaves the -wal and the -shm as they are, and whoever opens
the log next reads every frame from the -wal (sqlite.org/c3ref/c_dbconfig_defensive.html: the
flag makes the pager's close skip both the checkpoint and the deletion; seen here).

Python 3.12 and later set it with `Connection.setconfig`. Python 3.11 has no way to it but the
SQLite library itself: the connection's `sqlite3 *` is the first field of the 3.11 connection
object, and it is used only when that library is the one `_sqlite3` loaded and it names this
log as the connection's file (else nothing is done, and False says so).
"""

from __future__ import annotations

import ctypes
import os
import sqlite3
import sys
from typing import Final

# SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE (sqlite3.h), for where the sqlite3 module does not name it.
_NO_CKPT_ON_CLOSE: Final = 1006


def without_checkpoint(conn: sqlite3.Connection, real_path: str) -> bool:
    """Make `conn` close without checkpointing or deleting the -wal; True when it will.

    `real_path`: the log's file, links resolved, as the connection opened it."""
    setconfig = getattr(conn, "setconfig", None)
    if setconfig is not None:
        option = getattr(sqlite3, "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE", _NO_CKPT_ON_CLOSE)
        setconfig(option, True)
        return True
    if sys.version_info[:2] == (3, 11):
        return _through_the_library(conn, real_path)
    return False


def _through_the_library(conn: sqlite3.Connection, real_path: str) -> bool:
    library = _loaded_sqlite_library()
    if library is None:
        return False
    handle = ctypes.c_void_p.from_address(id(conn) + object.__basicsize__).value
    if not handle:
        return False
    library.sqlite3_db_filename.restype = ctypes.c_char_p
    library.sqlite3_db_filename.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    named = library.sqlite3_db_filename(handle, b"main")
    if named is None or os.fsdecode(named) != real_path:
        return False   # not the connection it was taken for: touch nothing
    now = ctypes.c_int(-1)
    library.sqlite3_db_config.restype = ctypes.c_int
    done = library.sqlite3_db_config(ctypes.c_void_p(handle), ctypes.c_int(_NO_CKPT_ON_CLOSE),
                                     ctypes.c_int(1), ctypes.byref(now))
    return done == 0 and now.value == 1


def _loaded_sqlite_library() -> ctypes.CDLL | None:
    """The SQLite library this process already has loaded (the one `_sqlite3` links), or None:
    one loaded here afresh would be another copy, blind to the connection."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            # The path is the sixth field, spaces and all; a library replaced on disk since it
            # was loaded (a package upgrade) reads "... (deleted)".
            paths = {fields[5].removesuffix(" (deleted)") for line in maps
                     if len(fields := line.rstrip("\n").split(maxsplit=5)) == 6
                     and "libsqlite3" in fields[5]}
        import _sqlite3   # noqa: PLC0415 - the module whose library is wanted
        with open(_sqlite3.__file__, "rb") as module:
            linked = b"libsqlite3.so" in module.read()
    except (OSError, AttributeError):
        return None
    if len(paths) != 1 or not linked:
        return None   # none, several, or the sqlite3 module carries its own copy: not known
    # By its name as loaded, never loading it again: a path deleted since still names the copy
    # in memory to the dynamic loader, which matches what it has loaded by name and soname.
    for name in (paths.pop(), "libsqlite3.so.0"):
        try:
            return ctypes.CDLL(name, mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL)
        except OSError:
            continue
    return None
