"""A start resumes a session left open only when the bedside cared for it in the last
RESUME_WITHIN_HOURS (console/session/left_open.py). What the console logs on its own account (a
resume, a refused discharge, a close, the alarm rows of checks overdue for days) is no care, and
a session resumed after that long, only to discharge it, stays "not today's" whatever is done in
it: counted as bedside activity, the resume of a session of 3 days before made it look like
today's, and the next Start put today's vitals and alarms into it (review of the phases).

Each test runs the session on a real session log and resumes it as "Restart and resume" does
(`restart`, tests/session/test_resume_as_live.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.session.left_open import LeftOpen, left_open_for
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, restart

MIN = 60
HOUR = 60 * MIN
DAY = 24 * HOUR


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def met_by_a_start(s: LoggedSession, log: EventLog, after_seconds: float) -> LeftOpen:
    """What a Start for the session's patient and protocol meets `after_seconds` from now."""
    met = left_open_for(log, "P-001", "test-iv", s.clock.advance(after_seconds).wall)
    assert met is not None and met.row.id == s.engine.session_id
    return met


def test_a_session_resumed_to_discharge_it_and_closed_is_not_resumed_by_the_next_start(
        log: EventLog) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    s.t(10 * MIN)
    s.bp(125, 80)
    cared = s.now().wall
    # The console stopped; three days later the start page offers it only to discharge it.
    assert not met_by_a_start(s, log, 3 * DAY).recent
    engine = restart(s, 0)
    engine.tick(s.now())   # the checks overdue for days raise their prompts
    # The discharge needs a prescriber's override; the nurse closes the console.
    assert not engine.discharge(NURSE, s.now()).done
    assert engine.console_closed(NURSE, s.now()).done
    # Today's treatment of the same patient, 15 minutes later: not resumed, offered as before.
    met = met_by_a_start(s, log, 15 * MIN)
    assert not met.recent
    assert met.last_entry == cared
    assert met.when_text().endswith(", 3 days ago")


def test_what_is_done_in_a_session_resumed_to_discharge_it_leaves_it_not_todays(
        log: EventLog) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    cared = s.now().wall
    engine = restart(s, 3 * DAY)
    engine.tick(s.now())
    # She acknowledges the overdue prompts, writes why it ends late and takes a BP (the
    # chair's monitor may be on today's patient already); the console crashes before she
    # discharges it.
    assert engine.acknowledge_all(NURSE, s.now()).done
    assert engine.note("Left open by a crash on Monday", NURSE, s.now()).done
    s.bp(118, 76)
    # Restarted 5 minutes later: a start still does not resume it.
    met = met_by_a_start(s, log, 5 * MIN)
    assert not met.recent
    assert met.last_entry == cared


def test_a_resume_and_a_close_without_care_do_not_keep_a_session_todays(log: EventLog) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    cared = s.now().wall
    # A crash; resumed 11 hours later (still within RESUME_WITHIN_HOURS) and closed at once,
    # nothing cared for: the resume, its prompts and the close are the console's own records.
    engine = restart(s, 11 * HOUR)
    engine.tick(s.now())
    assert engine.console_closed(NURSE, s.now()).done
    met = met_by_a_start(s, log, 2 * HOUR)
    assert not met.recent
    assert met.last_entry == cared


def test_care_after_a_crash_restart_keeps_the_session_todays(log: EventLog) -> None:
    s = LoggedSession(log)
    s.to_infusion()
    # A crash; the start 10 minutes later resumes it, and the nurse goes on with it.
    assert met_by_a_start(s, log, 10 * MIN).recent
    restart(s, 0)
    s.clock.advance(8 * HOUR)
    assert s.engine.note("Patient drowsy, escort late", NURSE, s.now()).done
    noted = s.now().wall
    # Another crash: 6 hours after that note (14 after the first care), a start resumes it.
    met = met_by_a_start(s, log, 6 * HOUR)
    assert met.recent
    assert met.last_entry == noted
