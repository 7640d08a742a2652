"""One console per running session: a console claims the session it runs, and a second console
asked to resume that session (the start screen's offer, `--resume N`, the same patient and
protocol from the command line) is refused with the reason instead of running it too.

Two consoles on one session had two engines, two alarm states and two sounders writing one
record (a review: the second resumed the session the first was running). Several consoles may
share a log, each with a session of its own (two chairs on one computer), and the review, the
exports and the staff commands read it beside them: only a session is claimed, never the log.

A claim is an advisory lock (POSIX `lockf`) on one byte of `<log>.sessions-lock` beside the log's
real path (symlinks resolved), at the session's id: the kernel ends it with the process, SIGKILL
included, so a console killed leaves no stale claim and "Restart and resume" (which ends the
process before it starts the new one) finds its session free. Claims in one process never
conflict (a window that opens a second session keeps the first's claim; a resume by the same
process is allowed). Where `fcntl` does not exist (Windows) nothing is claimed: one console per
computer is then the clinic's rule.

A lock lives on the file's inode, not on its name: the lock file deleted (a clean-up taking it for
stale) or replaced while a console ran, the next console made a new one, saw nothing running and
resumed the running session. So every use first looks whether the file open is still the one at
the path and, when not, takes this process's claims again in the file now there (`_lock_file`);
a running session looks at every tick (`keep`). A console claiming the session within that tick
(half a second) is not refused: the gap is made that short, not closed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:   # Windows: no POSIX locks (module docstring)
    fcntl = None  # type: ignore[assignment]


class SessionInUse(Exception):
    """Another console is running the session."""

    session_id: int | None

    def __init__(self, session_id: int, log_path: Path) -> None:
        self.session_id = session_id
        super().__init__(
            f"session {session_id} is running in another console on {log_path} (on this "
            "computer); its alarms are that console's. Use that console, or close it and "
            "resume the session here")


class ClaimUnavailable(SessionInUse):
    """The lock file claims are taken in cannot be opened: nothing says another console runs
    the session (every start and resume had been refused as "running in another console").
    `session_id` None: a new session, refused before it was written (`SessionClaims.ready`)."""

    def __init__(self, session_id: int | None, lock_path: Path, cause: OSError) -> None:
        self.session_id = session_id
        Exception.__init__(
            self,
            f"{'a new session' if session_id is None else f'session {session_id}'} cannot be "
            f"claimed for this console: its lock file "
            f"{lock_path} cannot be opened ({cause.strerror or cause}); it may belong to another "
            "user (a console once run with sudo). With no console running on this log, remove "
            "that file or give it to this user, then start again")


class SessionClaims:
    """The sessions this process runs, claimed in the lock file beside `log_path`."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path   # as the nurse named it, for the refusal's words
        # Beside the file itself: a log reached through a symlink and by its real path had two
        # lock files, and two consoles ran one session.
        real = log_path.resolve()
        self.lock_path = real.with_name(real.name + ".sessions-lock")
        self._file: IO[bytes] | None = None
        self._held: set[int] = set()

    def _lock_file(self) -> IO[bytes]:
        """The lock file now at `lock_path`, with every claim of this process in it.

        The file open is used while it is still the one at the path; deleted or replaced, the
        one there now is opened (made) and the claims held are taken again in it, where other
        consoles look (module docstring). The old one is closed after: its locks end with it.

        Raises:
            OSError: the file at the path cannot be opened (the old one, if any, is kept).
        """
        current = self._file
        if current is not None and _still_at(current, self.lock_path):
            return current
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        lock_file = os.fdopen(fd, "r+b", buffering=0)
        if fcntl is not None:
            for session_id in sorted(self._held):
                try:
                    fcntl.lockf(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, session_id)
                except OSError:
                    pass   # claimed by another console in the moment the file was gone
        if current is not None:
            current.close()
        self._file = lock_file
        return lock_file

    def ready(self) -> None:
        """Make sure a new session can be claimed, before anything of it is written: a start
        refused its claim after the session was logged left it open in the log (offered as
        left open, another left at every retry).

        Raises:
            ClaimUnavailable: the lock file cannot be opened (its `session_id` None).
        """
        if fcntl is None:
            return
        try:
            self._lock_file()
        except OSError as exc:
            raise ClaimUnavailable(None, self.lock_path, exc) from exc

    def keep(self) -> None:
        """Take this process's claims again if its lock file was deleted or replaced
        (`_lock_file`): a running session calls this at every tick, so that a console started
        after the file went sees its session running."""
        if fcntl is None or not self._held:
            return
        try:
            self._lock_file()
        except OSError:
            pass   # cannot be made again now (the folder turned read-only): the next tick tries

    def holds(self, session_id: int) -> bool:
        """Whether this process has claimed `session_id` (and not released it)."""
        return session_id in self._held

    def claim(self, session_id: int) -> None:
        """Claim `session_id` for this process.

        Raises:
            SessionInUse: another process holds it (ClaimUnavailable: the lock file cannot
                be opened, said as such).
        """
        if fcntl is None:
            return
        try:
            lock_file = self._lock_file()
        except OSError as exc:
            raise ClaimUnavailable(session_id, self.lock_path, exc) from exc
        try:
            fcntl.lockf(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, session_id)
        except OSError:
            raise SessionInUse(session_id, self.log_path) from None
        self._held.add(session_id)

    def release(self, session_id: int) -> None:
        """Let `session_id` go: a resume or start that failed after its claim must not keep it
        (its own chair's restart was refused "running in another console" until this console
        closed, although nothing ran it)."""
        self._held.discard(session_id)
        if fcntl is None or self._file is None:
            return
        fcntl.lockf(self._file, fcntl.LOCK_UN, 1, session_id)

    def running_elsewhere(self, session_id: int) -> bool:
        """Whether another process (another console on this computer) holds `session_id`, asked
        without taking it: a claim taken to look, however briefly, could refuse that console's
        own restart at the same instant.

        False also when the lock file cannot be opened (root's from a console once run under
        sudo, a folder turned read-only): not known, so the session is offered as left open and
        the claim at its resume decides. Raised, it stopped the start screen being built."""
        if fcntl is None or session_id in self._held:
            return False
        try:
            fd = self._lock_file().fileno()
        except OSError:
            return False
        os.lseek(fd, session_id, os.SEEK_SET)   # lockf tests from the file's position
        try:
            os.lockf(fd, os.F_TEST, 1)
        except OSError:
            return True
        return False

    def close(self) -> None:
        """Let every claim go (the process ends, or restarts in a new one)."""
        if self._file is not None:
            self._file.close()   # closing the file ends this process's locks on it
            self._file = None
        self._held.clear()


def _still_at(lock_file: IO[bytes], path: Path) -> bool:
    """Whether `lock_file` is the file at `path` (not deleted, nor replaced by another)."""
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    except OSError:
        return True   # cannot tell (the folder unreadable): the claims stay where they are
    held = os.fstat(lock_file.fileno())
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
