"""The listed sessions held to the log's hash chain one after another, in the background, so the
review's list and course mark a session changed outside the console before anyone opens it.

QA: a session whose observations were edited with sqlite3 was marked "⚠ CHANGED" in the list only
once it had been opened: the list checked each session's own row and recorded end
(`queries.changed_sessions`), never its observations, alarm steps and events.

Why in the background, one session at a time: the whole check of one session
(`queries.check_session_chain`) reads every row of it, ~32,400 for 90 minutes at 1 Hz x 6 vitals.
Measured on P6's log of 200 such sessions (README "Reviewing and exporting past sessions"): about
0.13 s a session, so 25 s or more for a list of 192, where the list itself takes 7 ms. Every list
load waiting for it would make the review unusable; a check of only the first screenful would
still be seconds. So the list shows at once, says "not yet checked" for a session whose rows have
not been checked yet, and marks each as its check ends, newest first.

States of one session's record (`RecordState`):
    UNCHECKED   not yet checked (no result: `ChainSweep.result` answers this).
    UNCHANGED   every row of the session matches the chain.
    CHANGED     a row does not: `message` is `verify`'s sentence, `first_bad` the row.
    UNREADABLE  its rows could not be read (a damaged part of the file): `message` says so.

Rules of the sweep:
- Each session is checked once while the review is open. A check made when the session is
  opened (`record`) replaces the sweep's; `forget` asks for a session to be checked again (one
  still running grows).
- The sessions asked for last are checked first (`want`): the course on screen, then the list in
  its order (newest first); sessions asked for earlier and still waiting follow.
- The checks run on the sweep's own read-only connection (`queries.open_readonly`), never on the
  window's: its thread reads while the window's thread reads. `stop` interrupts a check under way
  and ends the thread; a log that cannot be opened stops the sweep with the reason
  (`stopped_because`) and leaves every session unchecked (opening one still checks it); so
  does a bug in a check, its reason said where the checks are shown, not a thread dead in silence.
- No check runs while the window works (`held`: opening a session, reading the list or a course,
  writing an export): the one under way is interrupted and made again afterwards. Measured on
  P6's log of 200 sessions on a 2-core machine: with the checks running beside it, opening a
  session took 2.3 s instead of 1.3 s and reading the list 0.49 s instead of 0.22 s (the checks
  hash in Python, and take the interpreter's lock from the window's thread).

No Qt here: the window gives `start` a `wake` function that tells its own thread to read the
results (`results`), and draws them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Final

from console.review import queries
from console.review.model import ChainCheck
from console.store import LogError, UnknownSessionError
from console.thread_end import join_or_raise

__all__ = ["UNCHECKED", "ChainSweep", "RecordCheck", "RecordState", "provisional"]


class RecordState(Enum):
    """What the hash chain says about one session's record (see the module docstring)."""

    UNCHECKED = "not yet checked"
    UNCHANGED = "unchanged"
    CHANGED = "changed outside the console"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class RecordCheck:
    """One session's record held to the hash chain.

    Attributes:
        state: the outcome.
        message: CHANGED: what differs, in `verify`'s words; UNREADABLE: the reader's sentence
            (what could not be read and what to do); '' otherwise.
        first_bad: CHANGED: (table, row id) of the first row that differs; None otherwise.
        rows_checked: rows recomputed (0 when nothing could be read).
        bad_rows: CHANGED: how many of the session's rows differ (the first included).
    """

    state: RecordState
    message: str = ""
    first_bad: tuple[str, int] | None = None
    rows_checked: int = 0
    bad_rows: int = 0

    @classmethod
    def of(cls, check: ChainCheck) -> RecordCheck:
        """The outcome of `queries.check_session_chain`."""
        if check.ok:
            return cls(RecordState.UNCHANGED, rows_checked=check.rows_checked)
        return cls(RecordState.CHANGED, check.message, check.first_bad, check.rows_checked,
                   check.bad_rows)

    @classmethod
    def unreadable(cls, reason: str) -> RecordCheck:
        """A session whose rows could not be read (`reason`: the reader's sentence)."""
        return cls(RecordState.UNREADABLE, reason)


UNCHECKED: Final = RecordCheck(RecordState.UNCHECKED)


def provisional(session_id: int, message: str) -> RecordCheck:
    """What the cheap check of a session's own row and recorded end found
    (`queries.changed_sessions`: `message`), shown until its whole check ends."""
    return RecordCheck(RecordState.CHANGED, message, ("sessions", session_id))

Opener = Callable[[Path], sqlite3.Connection]


class ChainSweep:
    """Checks sessions against the log's hash chain one at a time (module docstring: the rules).

    Thread-safe: `want`, `record`, `forget`, `results` and `stop` may be called from the window's
    thread while `start`'s thread checks.
    """

    def __init__(self, path: Path, opener: Opener = queries.open_readonly) -> None:
        """Args:
            path: the session log (opened read-only by the sweep itself, when first needed).
            opener: opens it (tests give one that fails).
        """
        self.path = Path(path)
        self._opener = opener
        self._lock = threading.Condition()
        self._queue: dict[int, None] = {}        # guarded by _lock; insertion order = order
        self._results: dict[int, RecordCheck] = {}   # guarded by _lock
        self._stopped_because: str | None = None     # guarded by _lock
        self._stopping = False                       # guarded by _lock
        self._conn: sqlite3.Connection | None = None  # guarded by _lock (opened by the checker)
        self._checking = False   # guarded by _lock: a check is under way (`step`)
        self._holds = 0          # guarded by _lock: the window's `held` blocks under way
        # guarded by _lock: the check under way was interrupted by `held` (its hold may be over
        # by the time the check sees SQLITE_INTERRUPT: the count alone took it for a bug).
        self._interrupted = False
        self._thread: threading.Thread | None = None

    # ---- the window's side ----------------------------------------------------------------

    def want(self, ids: Sequence[int]) -> None:
        """Check these sessions next, in this order, before those asked for earlier; a session
        already checked is not checked again."""
        with self._lock:
            first = {i: None for i in ids if i not in self._results}
            self._queue = {**first, **{i: None for i in self._queue if i not in first}}
            self._lock.notify_all()

    def record(self, session_id: int, check: RecordCheck) -> None:
        """A check made elsewhere (the session opened): it replaces the sweep's."""
        with self._lock:
            self._results[session_id] = check
            self._queue.pop(session_id, None)

    def forget(self, ids: Iterable[int]) -> None:
        """Check these sessions again when next wanted (sessions still running add rows)."""
        with self._lock:
            for i in ids:
                self._results.pop(i, None)

    def result(self, session_id: int) -> RecordCheck:
        """The session's check, or one in state UNCHECKED."""
        with self._lock:
            return self._results.get(session_id, UNCHECKED)

    def results(self) -> dict[int, RecordCheck]:
        """Every session checked so far (a copy)."""
        with self._lock:
            return dict(self._results)

    def pending(self) -> list[int]:
        """The sessions waiting to be checked, in the order they will be."""
        with self._lock:
            return list(self._queue)

    @contextmanager
    def held(self) -> Iterator[None]:
        """No check runs inside this block (the window is working: module docstring); a check
        under way is interrupted, and made again after it."""
        with self._lock:
            self._holds += 1
            if self._checking and self._conn is not None:
                self._conn.interrupt()
                self._interrupted = True
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
                self._lock.notify_all()

    @property
    def stopped_because(self) -> str | None:
        """Why the sweep checks nothing (the log could not be opened for it), or None."""
        with self._lock:
            return self._stopped_because

    # ---- checking --------------------------------------------------------------------------

    def step(self) -> int | None:
        """Check the next waiting session now, in the calling thread.

        Returns:
            Its id, or None when nothing is waiting, the sweep is held or stopped, or the check
            was interrupted (the session then stays waiting).

        Raises:
            Whatever a bug raises (an environment failure is the session's UNREADABLE outcome).
        """
        with self._lock:
            if (not self._queue or self._stopping or self._holds
                    or self._stopped_because is not None):
                return None
            session_id = next(iter(self._queue))
            conn = self._conn
        if conn is None:
            conn = self._open()
            if conn is None:
                return None
        with self._lock:
            if self._stopping or self._holds:
                return None
            self._checking = True   # from here a hold interrupts it
            self._interrupted = False
        try:
            outcome: RecordCheck | None = RecordCheck.of(
                queries.check_session_chain(conn, session_id))
        except UnknownSessionError:
            outcome = None   # not in the log (any more): nothing to mark
        except (queries.UnreadableLogError, sqlite3.Error) as exc:
            with self._lock:
                interrupted = self._stopping or self._holds > 0 or self._interrupted
            if interrupted:
                return None   # by stop() or held(): the session stays waiting
            if not isinstance(exc, queries.UnreadableLogError):
                raise
            outcome = RecordCheck.unreadable(str(exc))
        finally:
            with self._lock:
                self._checking = False
        with self._lock:
            if self._stopping:
                return None
            self._queue.pop(session_id, None)
            if outcome is not None:
                # A check of the opened session may have come in meanwhile: it is as good.
                self._results.setdefault(session_id, outcome)
        return session_id

    def _open(self) -> sqlite3.Connection | None:
        try:
            conn = self._opener(self.path)
        except (LogError, OSError) as exc:   # MissingLogError is an OSError
            with self._lock:
                self._stopped_because = str(exc)
            return None
        with self._lock:
            if self._stopping:
                conn.close()
                return None
            self._conn = conn
        return conn

    def start(self, wake: Callable[[], None]) -> None:
        """Check every waiting session in a thread of its own; `wake()` is called from that
        thread after each session checked (and once when the sweep stops for good)."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("ChainSweep.start() was called twice")
            self._thread = threading.Thread(target=self._run, args=(wake,),
                                            name="review-chain-sweep", daemon=True)
        self._thread.start()

    def _run(self, wake: Callable[[], None]) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._stopping
                                    or (bool(self._queue) and self._holds == 0))
                if self._stopping:
                    return
            try:
                done = self.step()
            except Exception as exc:   # a bug: said where the checks are shown, never silence
                with self._lock:
                    self._stopped_because = f"the check stopped on a fault ({exc!r})"
                done = None
            with self._lock:
                if self._stopping:
                    return
                gave_up = self._stopped_because is not None
            if done is not None or gave_up:
                wake()
            if gave_up:
                return

    def stop(self, timeout: float = 10.0) -> None:
        """Interrupt the check under way, end the thread and close the sweep's connection.

        Args:
            timeout: real seconds to wait for the thread.

        Raises:
            RuntimeError: the thread did not end within `timeout`.
        """
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
            conn, thread = self._conn, self._thread
            if conn is not None:
                conn.interrupt()   # safe from another thread (SQLite's sqlite3_interrupt)
        join_or_raise(thread, timeout, f"the review's hash-chain check of {self.path}")
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
