"""Which session a start meets and how it counts the course go by the protocol: a session left
open under another protocol is not resumed, an uninstalled protocol's session is of another
course, and a session's last care is the one before its first late resume. No test held
them (a review)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.session.course import CourseCount, earlier_in_course
from console.session.left_open import left_open_for
from console.store import EventLog
from tests.session.helpers import iv_protocol
from tests.session.test_resume_as_live import NURSE, LoggedSession, restart

MIN, DAY = 60, 86400


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def test_a_session_of_an_uninstalled_protocol_of_another_id_is_not_in_the_course() -> None:
    """A session of a protocol no longer installed whose id is not the new session's is of
    another course (course.py), not counted in this one ("session N of 6")."""
    protocol = iv_protocol()
    count = earlier_in_course(["test-iv", "retired-esketamine-v0"], protocol,
                              {"test-iv": protocol})
    assert count == CourseCount(same=1, other=1)


def test_a_start_under_another_protocol_meets_no_session_left_open(log: EventLog) -> None:
    """Only the patient's session of the same protocol is met (and resumed when recent); one
    under another protocol is asked about (`open_under_other_protocols`), never resumed as if
    it were the one chosen (its dose and limits would be the other protocol's)."""
    s = LoggedSession(log)
    s.to_infusion()
    s.t(10 * MIN)
    assert left_open_for(log, "P-001", "test-iv", s.clock.advance(5 * MIN).wall) is not None
    assert left_open_for(log, "P-001", "esketamine", s.now().wall) is None


def test_the_last_care_stays_the_one_before_the_first_late_resume(log: EventLog) -> None:
    """Resumed late twice, the session's last care ("last entry … N days ago") is the one
    before its first late resume (left_open.py), not what was done in it since."""
    s = LoggedSession(log)
    s.to_infusion()
    cared = s.now().wall
    engine = restart(s, 3 * DAY)          # resumed 3 days later, to discharge it
    engine.tick(s.now())
    assert engine.note("Left open by a crash on Monday", NURSE, s.now()).done
    s.bp(118, 76)
    engine = restart(s, 2 * DAY)          # and again 2 days later
    engine.tick(s.now())
    met = left_open_for(log, "P-001", "test-iv", s.clock.advance(5 * MIN).wall)
    assert met is not None and not met.recent
    assert met.last_entry == cared
