"""The course trend read in the background, without Qt (console/review/course_trend_reader.py):
what it hands over is what the synchronous read gives, only the latest request's result is ever
handed over, ended sessions are read once, the checks of the records wait while it reads and not
after, and `stop` ends a read under way. The window that draws it is tested in
test_course_trend_in_background.py.

The reads are held back by the test (a `read` that waits for its go, or a statement that never
ends until SQLite is told to stop it), so which request overtakes which does not depend on when
a thread runs; every wait is bounded."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from console.review import course_trend, queries
from console.review.course_trend import CourseTrend, load_course_trend
from console.review.course_trend_reader import CourseTrendReader, TrendRead
from console.review.integrity import ChainSweep
from console.review.model import CourseRow
from console.review.queries import load_course, open_readonly
from console.store import LogError
from tests.review.course_sessions import PATIENT

WAIT_S = 30   # real seconds a test waits for the reader's thread at most (never reached)
# A statement that runs until SQLite is told to stop it: a read under way, for as long as needed.
ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"


@pytest.fixture(scope="module")
def rows(course_log) -> list[CourseRow]:
    """The course (its demo session left out): first, late T0, undosed, still open."""
    path, _ = course_log
    conn = open_readonly(path)
    try:
        return load_course(conn, PATIENT)
    finally:
        conn.close()


class Woken:
    """The window's side, without Qt: counts the reader's wakes; `wait` for the next one."""

    def __init__(self) -> None:
        self.count = 0
        self._event = threading.Event()

    def __call__(self) -> None:
        self.count += 1
        self._event.set()

    def wait(self) -> None:
        assert self._event.wait(WAIT_S), "the reader never woke the window"
        self._event.clear()


class HeldBack:
    """A `read` the test lets go of course by course: each read says it started (its course's
    first session) and waits for that session's go; then it reads, as the reader would, or does
    what `then` says."""

    def __init__(self, firsts: Sequence[int],
                 then: Callable[[], object] | None = None) -> None:
        self.started: queue.Queue[int] = queue.Queue()
        self.go = {first: threading.Event() for first in firsts}
        self.then = then

    def __call__(self, conn, course, installed, known) -> CourseTrend:
        first = course[0].session_id
        self.started.put(first)
        assert self.go[first].wait(WAIT_S)
        if self.then is not None:
            self.then()
        return load_course_trend(conn, course, installed, known)

    def next_started(self) -> int:
        return self.started.get(timeout=WAIT_S)


@pytest.fixture
def new_reader(course_log, installed) -> Iterator[Callable[..., tuple[CourseTrendReader, Woken]]]:
    """Makes a reader of the course log with the test's own parts (`hold`, `opener`, `read`) and
    the window's side it wakes; every reader made is stopped after the test, even when it
    fails."""
    readers: list[CourseTrendReader] = []

    def make(**parts: object) -> tuple[CourseTrendReader, Woken]:
        woken = Woken()
        readers.append(CourseTrendReader(course_log[0], installed, woken, **parts))
        return readers[-1], woken

    yield make
    for reader in readers:
        reader.stop()


def ids_of(read: TrendRead | None) -> list[int]:
    assert read is not None
    return [s.row.session_id for s in read.trend.sessions]


def same_trend(a: CourseTrend, b: CourseTrend) -> bool:
    """The same sessions, values and limits (the traces hold arrays: no `==` on them)."""
    if (a.limits, a.relative_limits) != (b.limits, b.relative_limits):
        return False
    if [(s.row, s.from_t0, sorted(s.vitals)) for s in a.sessions] != [
            (s.row, s.from_t0, sorted(s.vitals)) for s in b.sessions]:
        return False
    return all(np.array_equal(getattr(x.vitals[m], f), getattr(y.vitals[m], f), equal_nan=True)
               for x, y in zip(a.sessions, b.sessions, strict=True) for m in x.vitals
               for f in ("minutes", "values", "measured_minutes", "measured_values"))


def test_the_trend_read_in_the_background_is_the_one_read_in_the_window_s_thread(
        course_log, installed, rows, new_reader):
    path, _ = course_log
    reader, woken = new_reader()
    reader.request(rows)
    woken.wait()
    read = reader.take()
    assert read is not None and read.unreadable == ""
    conn = open_readonly(path)
    try:
        assert same_trend(read.trend, load_course_trend(conn, rows, installed))
    finally:
        conn.close()
    assert reader.take() is None   # handed over once


def test_a_read_overtaken_by_a_newer_request_is_never_handed_over(rows, new_reader):
    first_two, undosed = rows[:2], rows[2:3]
    held = HeldBack([first_two[0].session_id, undosed[0].session_id])
    reader, woken = new_reader(read=held)
    # The first course is being read when the clinician asks for another.
    reader.request(first_two)
    assert held.next_started() == first_two[0].session_id
    reader.request(undosed)
    held.go[first_two[0].session_id].set()
    # The reader reads one course at a time: the next one started, the first one's read is over.
    assert held.next_started() == undosed[0].session_id
    assert reader.take() is None   # what it read is nobody's
    held.go[undosed[0].session_id].set()
    woken.wait()
    assert ids_of(reader.take()) == [undosed[0].session_id]
    assert woken.count == 1   # the overtaken read woke nobody


class BugInRead(Exception):
    """A bug in the code that reads a course (not a damaged log)."""


def test_a_bug_in_a_read_already_overtaken_is_still_raised_on_the_window_s_thread(
        rows, new_reader):
    first_two, undosed = rows[:2], rows[2:3]

    bugs = [BugInRead("the first course's values could not be placed")]

    def bug_in_the_first_read() -> None:   # the reads run one after the other: the first's
        if bugs:
            raise bugs.pop()

    held = HeldBack([first_two[0].session_id, undosed[0].session_id], then=bug_in_the_first_read)
    reader, woken = new_reader(read=held)
    reader.request(first_two)
    assert held.next_started() == first_two[0].session_id
    reader.request(undosed)   # the clinician moved on before the first read hit the bug
    held.go[first_two[0].session_id].set()
    woken.wait()
    with pytest.raises(BugInRead, match="could not be placed"):
        reader.take()
    # The newer request is read and drawn all the same.
    assert held.next_started() == undosed[0].session_id
    held.go[undosed[0].session_id].set()
    woken.wait()
    assert ids_of(reader.take()) == [undosed[0].session_id]


def test_a_result_not_yet_taken_is_dropped_by_a_newer_request_or_a_cancel(
        rows, new_reader):
    first, undosed = rows[:1], rows[2:3]
    held = HeldBack([first[0].session_id, undosed[0].session_id])
    reader, woken = new_reader(read=held)
    # Read, and its wake on its way to the window, when the patient is chosen again.
    held.go[first[0].session_id].set()
    reader.request(first)
    woken.wait()
    reader.request(undosed)
    assert reader.take() is None
    # Read, and the course it was for left (another patient chosen on the Figures tab).
    held.go[undosed[0].session_id].set()
    woken.wait()
    reader.cancel()
    assert reader.take() is None


class Hold:
    """A `hold` that says when it is let go of (the read's outcome handed over or dropped)."""

    def __init__(self) -> None:
        self.let_go = threading.Event()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        self.let_go.clear()
        try:
            yield
        finally:
            self.let_go.set()


def test_a_read_cancelled_while_under_way_wakes_nobody(rows, new_reader):
    held = HeldBack([rows[0].session_id])
    hold = Hold()
    reader, woken = new_reader(hold=hold, read=held)
    reader.request(rows[:1])
    assert held.next_started() == rows[0].session_id
    reader.cancel()   # the course it was for left
    held.go[rows[0].session_id].set()
    assert hold.let_go.wait(WAIT_S)   # its read over, and its outcome dropped
    assert woken.count == 0 and reader.take() is None


def test_a_read_overtaken_in_the_middle_of_a_statement_is_stopped_there(rows, new_reader):
    started = threading.Event()

    def read(conn, course, known_installed, known) -> CourseTrend:
        if course[0].session_id == rows[0].session_id:   # never ends unless SQLite stops it
            started.set()
            conn.execute(ENDLESS).fetchall()
        return load_course_trend(conn, course, known_installed, known)

    reader, woken = new_reader(read=read)
    reader.request(rows[:1])
    assert started.wait(WAIT_S)
    reader.request(rows[2:3])
    woken.wait()   # the second read could only start once the first had stopped
    assert ids_of(reader.take()) == [rows[2].session_id]


def test_an_ended_session_is_read_once_and_one_still_open_at_every_request(
        course_log, rows, monkeypatch, new_reader):
    _, ids = course_log
    read: list[tuple[int, str]] = []
    real = queries.trend_records

    def counted(conn, session_id):
        read.append((session_id, threading.current_thread().name))
        return real(conn, session_id)

    monkeypatch.setattr(course_trend.queries, "trend_records", counted)
    reader, woken = new_reader()
    for _ in range(2):   # the tab shown, the patient chosen again
        reader.request(rows)
        woken.wait()
        assert ids_of(reader.take()) == [r.session_id for r in rows]
    everyone = [ids[k] for k in ("first", "late_t0", "undosed", "open")]
    assert [i for i, _ in read] == [*everyone, ids["open"]]
    # Its kept sessions are touched by its own thread alone.
    assert {name for _, name in read} == {"review-course-trend"}


def test_a_log_the_reader_cannot_open_is_said_and_draws_no_session(course_log, rows,
                                                                   new_reader):
    path, _ = course_log
    refusal = LogError(path, "permission", "permission denied")

    def refused(_path: Path):
        raise refusal

    reader, woken = new_reader(opener=refused)
    reader.request(rows)
    woken.wait()
    read = reader.take()
    assert read is not None and read.trend.sessions == ()
    assert read.unreadable == str(refusal)


def _ends(how: str, reader: CourseTrendReader) -> Callable[[], object]:
    """What the held-back read does once let go, to end `how`."""
    def damaged() -> None:
        raise queries.UnreadableLogError(LogError(reader.path, "corrupt", "SQLite: disk image "
                                                  "is malformed"), "The vitals", True)

    def bug() -> None:
        raise TypeError("a bug in the read")

    return {"read": lambda: None, "damaged": damaged, "bug": bug}[how]


@pytest.mark.parametrize("how", ["read", "damaged", "bug", "overtaken", "stopped"])
def test_the_checks_of_the_records_wait_while_it_reads_and_not_after(course_log, rows,
                                                                     new_reader, how):
    """The sweep (console/review/integrity.py) is held for as long as the read runs, and let go
    however the read ends."""
    path, ids = course_log
    sweep = ChainSweep(path)
    sweep.want([ids["first"]])
    held = HeldBack([rows[0].session_id, rows[2].session_id])
    reader, woken = new_reader(hold=sweep.held, read=held)
    if how in ("read", "damaged", "bug"):
        held.then = _ends(how, reader)
    reader.request(rows[:1])
    assert held.next_started() == rows[0].session_id
    assert sweep.step() is None and sweep.pending() == [ids["first"]]   # held
    if how == "overtaken":
        reader.request(rows[2:3])
        held.go[rows[0].session_id].set()
        assert held.next_started() == rows[2].session_id
        assert sweep.step() is None   # held again for the new read
        held.go[rows[2].session_id].set()
        woken.wait()
        assert ids_of(reader.take()) == [rows[2].session_id]
    elif how == "stopped":
        held.go[rows[0].session_id].set()
        reader.stop()
    else:
        held.go[rows[0].session_id].set()
        woken.wait()
        if how == "bug":
            with pytest.raises(TypeError, match="a bug in the read"):
                reader.take()   # on the window's thread
        else:
            read = reader.take()
            assert read is not None and read.unreadable.startswith(
                "" if how == "read" else "The vitals could not be read")
    assert sweep.step() == ids["first"]   # let go
    sweep.stop()


def test_stop_ends_a_read_under_way_and_the_thread(course_log, installed, rows):
    path, _ = course_log
    started = threading.Event()

    def endless(conn, course, known_installed, known) -> CourseTrend:
        started.set()
        conn.execute(ENDLESS).fetchall()
        raise AssertionError("the endless statement ended by itself")

    woken = Woken()
    reader = CourseTrendReader(path, installed, woken, read=endless)
    reader.request(rows)
    assert started.wait(WAIT_S)
    reader.stop(timeout=WAIT_S)
    assert not any(t.name == "review-course-trend" for t in threading.enumerate())
    assert woken.count == 0 and reader.take() is None
    reader.request(rows)   # after stop: nothing is read any more
    assert not any(t.name == "review-course-trend" for t in threading.enumerate())
    reader.stop()   # twice: nothing left to stop
