"""A course's trend read in the background, so the review window stays usable while it is read.
No Qt.

Why: `course_trend.load_course_trend` read on the window's thread froze the whole window (no tab,
no scroll, no close) for as long as it took: 2-3 s for seven 90-minute sessions of a monitor at
1 Hz, 226,800 rows (README "Reviewing and exporting past sessions"), ~5 s with other work running.

Rules of the reader:
- One read at a time, in a thread of its own (started by the first `request`), on its own
  read-only connection (`queries.open_readonly`, opened by that thread when first needed): an
  sqlite3 connection is not shared between threads, and the window's thread reads meanwhile.
- Only the latest request's result is ever handed out (`take`). A request, or `cancel`, drops
  the result not yet taken and makes the read under way unwanted: SQLite stops it at its next
  statement (a progress handler, not `interrupt`: most of a read is placing values in Python
  between two statements, and SQLite forgets an interrupt made while no statement runs), and
  whatever it gave or raised is dropped, unseen.
- The ended sessions already read (`KnownTraces`) are the reader's and touched by its thread
  only: an ended session is read once while the review is open, a session still open at every
  request.
- The window's other background work waits while a read runs (`hold`, the hash-chain sweep's
  `ChainSweep.held`, entered and left by the reader's thread): both place or hash rows in Python
  and take the interpreter's lock from each other, and the clinician is waiting for the trend.
  The hold ends once the read's outcome is handed over or dropped, however the read ended (a
  result, a damaged log, a bug, overtaken, stop).
- A damaged log is a result: an empty trend and `UnreadableLogError`'s sentence. A bug (any other
  exception) is handed over and raised by `take`, on the window's thread: the latest request's,
  and an overtaken read's too (the same code reads every course: a bug is said even when the
  course it hit is no longer shown). Only the interruption the reader itself caused is dropped.
- `stop` ends a read under way at its next statement, then the thread, and closes the
  connection.

The window gives a `wake` function, called from the reader's thread when a result is ready, that
tells the window's own thread to `take` it and draw it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from console.review import queries
from console.review.course_trend import CourseTrend, KnownTraces, load_course_trend
from console.review.model import CourseRow
from console.store import LogError
from console.thread_end import join_or_raise
from protocols.model import Protocol

__all__ = ["CourseTrendReader", "TrendRead"]

Opener = Callable[[Path], sqlite3.Connection]
Read = Callable[[sqlite3.Connection, Sequence[CourseRow], Mapping[str, Protocol], KnownTraces],
                CourseTrend]
Hold = Callable[[], AbstractContextManager[None]]

# SQLite virtual-machine steps between two checks that the read is still wanted: measured, 522
# checks reading seven 90-minute sessions at 1 Hz, ~1.5 s with them or without (within the
# read's own spread from one run to the next).
CHECK_EVERY_STEPS = 10_000


@dataclass(frozen=True, slots=True)
class TrendRead:
    """The trend of the course asked for last.

    Attributes:
        trend: its sessions on one scale (none when the log could not be read).
        unreadable: why the log could not be read (`UnreadableLogError`'s or the opener's
            sentence: what, and what to do), or ''.
    """

    trend: CourseTrend
    unreadable: str = ""


class CourseTrendReader:
    """Reads courses' trends in a thread of its own (module docstring: the rules).

    Thread-safe: `request`, `cancel`, `take` and `stop` are called from the window's thread while
    the reader's thread reads.
    """

    def __init__(self, path: Path, installed: Mapping[str, Protocol],
                 wake: Callable[[], None], hold: Hold = nullcontext,
                 opener: Opener = queries.open_readonly, read: Read = load_course_trend) -> None:
        """Args:
            path: the session log (opened read-only by the reader's thread).
            installed: protocol files by id, for a session that logged no protocol.
            wake: called from the reader's thread when `take` has a result.
            hold: entered around each read (the window gives `ChainSweep.held`).
            opener: opens the log (tests give one that fails).
            read: reads a course (tests give one they can hold back).
        """
        self.path = Path(path)
        self._installed = dict(installed)
        self._wake = wake
        self._hold = hold
        self._opener = opener
        self._read = read
        self._known: KnownTraces = {}   # the reader's thread only
        self._conn: sqlite3.Connection | None = None   # the reader's thread only (then `stop`)
        self._lock = threading.Condition()
        self._asked = 0   # guarded by _lock: the number of the latest request (or cancel)
        # guarded by _lock: the latest request's course, until the reader's thread takes it.
        self._waiting: tuple[CourseRow, ...] | None = None
        # guarded by _lock: the latest request's outcome, until `take`; never an older one's.
        self._done: TrendRead | Exception | None = None
        # guarded by _lock: a bug in an overtaken read, until `take` (a newer request keeps it).
        self._bug: Exception | None = None
        self._reading = 0   # guarded by _lock: the number of the request being read
        self._stopping = False   # guarded by _lock
        self._thread: threading.Thread | None = None   # guarded by _lock

    # ---- the window's side ------------------------------------------------------------------

    def request(self, course: Sequence[CourseRow]) -> None:
        """Read `course` (`queries.load_course`'s rows, oldest first) next; a read under way and
        a result not yet taken are dropped."""
        with self._lock:
            if self._stopping:
                return
            self._asked += 1
            self._waiting = tuple(course)
            self._done = None
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="review-course-trend",
                                                daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def cancel(self) -> None:
        """Want no trend (the course it was for is no longer shown): the read under way and a
        result not yet taken are dropped."""
        with self._lock:
            self._asked += 1
            self._waiting = None
            self._done = None

    def take(self) -> TrendRead | None:
        """The latest request's trend once read (once: then None), or None.

        Raises:
            Whatever a bug raised in the reader's thread while reading it.
        """
        with self._lock:
            if self._bug is not None:   # the latest request's outcome stays for the next take
                bug, self._bug = self._bug, None
                raise bug
            done, self._done = self._done, None
        if isinstance(done, Exception):
            raise done
        return done

    def stop(self, timeout: float = 10.0) -> None:
        """End the read under way, the thread, and close the connection. The read ends at its
        next SQLite statement: after the placing of one session's values at most (~0.7 s for
        90 minutes at 1 Hz, `course_trend.load_course_trend`).

        Args:
            timeout: real seconds to wait for the thread.

        Raises:
            RuntimeError: the thread did not end within `timeout`.
        """
        with self._lock:
            self._stopping = True
            self._waiting = None
            self._done = None
            self._lock.notify_all()
            thread = self._thread
        join_or_raise(thread, timeout, f"the review's read of a course's trend from {self.path}")
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # ---- the reader's thread ----------------------------------------------------------------

    def _wanted(self, number: int) -> bool:
        """Request `number` is still the latest and the reader is not stopping (the caller
        holds `_lock`)."""
        return number == self._asked and not self._stopping

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._stopping or self._waiting is not None)
                if self._stopping or self._waiting is None:
                    return
                number, course = self._asked, self._waiting
                self._waiting = None
                self._reading = number
            # Held until the outcome is handed over or dropped: once let go, the window knows.
            with self._hold():
                outcome = self._outcome(course)
                with self._lock:
                    # Overtaken or stopped: dropped, unseen; but a bug in an overtaken read is
                    # handed over all the same (a stopping reader's window is gone).
                    wake = outcome is not None and self._wanted(number)
                    if wake:
                        self._done = outcome
                    elif (isinstance(outcome, Exception) and not self._stopping
                          and not _interrupted(outcome)):
                        self._bug = outcome
                        wake = True
                if wake:
                    self._wake()

    def _outcome(self, course: Sequence[CourseRow]) -> TrendRead | Exception | None:
        """Read `course`: its trend, the damage that kept it from being read or the bug that
        stopped it; None when the reader is stopping."""
        try:
            conn = self._connection()
            if conn is None:
                return None
            return TrendRead(self._read(conn, course, self._installed, self._known))
        except (LogError, OSError) as exc:   # damaged, locked, gone (UnreadableLogError too)
            return TrendRead(CourseTrend(()), str(exc))
        except Exception as exc:   # a bug, raised on the window's thread by `take`; or stopped
            return exc             # by the progress handler ("interrupted"): `_run` drops it

    def _connection(self) -> sqlite3.Connection | None:
        """The reader's connection, opened now when it is not yet; None when stopping."""
        with self._lock:
            if self._stopping:
                return None
        if self._conn is None:
            conn = self._opener(self.path)   # LogError, OSError: the request's outcome
            # Each statement asks whether its read is still wanted, and stops when it is not.
            conn.set_progress_handler(self._unwanted, CHECK_EVERY_STEPS)
            self._conn = conn
        return self._conn

    def _unwanted(self) -> int:
        """SQLite's progress handler: non-zero stops the statement under way ("interrupted")."""
        with self._lock:
            return int(not self._wanted(self._reading))


def _interrupted(exc: Exception) -> bool:
    """`exc` is SQLite stopping a statement at the reader's own progress handler's word."""
    return isinstance(exc, sqlite3.OperationalError) and str(exc) == "interrupted"
