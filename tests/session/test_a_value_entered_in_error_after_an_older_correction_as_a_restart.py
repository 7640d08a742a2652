"""A value entered in error after an older value of its vital was corrected: the alarms and the
"Repeat" check stand as if it had never come, live as after a restart. `correct` had dropped
the trackers kept before each value (`_as_if_never`) also for the correction of an older row,
which changes no rule; the void could then not rebuild them, and a systolic 200 stayed "confirmed
by a repeat reading" by the 207 taken back, its own repeat never asked, while a restart (which
skips the 207) asked it and showed it overdue (a random walk).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, restart

NURSE = "nurse.ana"
REPEAT = "Repeat Systolic BP"
MIN = 60


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def typed(s: LoggedSession, value: float) -> int:
    _, row = s.engine.enter_manual_row("bp_systolic", value, NURSE, s.now())
    return row


def shown(s: LoggedSession) -> list[tuple[str, str, str]]:
    return sorted((o.condition, o.priority.label, o.message) for o in s.engine.alarms()
                  if o.condition in ("bp_systolic_high", "vitals_due:" + REPEAT))


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_systolic_no_longer_confirmed_by_a_value_entered_in_error_asks_its_repeat(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.t(1); first = typed(s, 150)
    s.t(2); typed(s, 175)
    s.t(3); typo = typed(s, 207)                       # another patient's: high (>= 200)
    s.t(4 * MIN)                                      # the first one was misread: 147
    assert s.engine.correct(first, "bp_systolic", 147, NURSE, s.now(), reason="misread")
    s.t(4 * MIN + 6); typed(s, 200)                   # >= 180 twice in 5 min: confirmed
    s.t(14 * MIN)
    assert s.engine.void(typo, "bp_systolic", NURSE, s.now(), reason="another patient's").done
    if restarted:
        restart(s, 0)
    s.t(16 * MIN)
    # The 200 stands alone after the 175: high of itself (>= 200), not confirmed by a repeat,
    # and its repeat was owed 5 min after it: overdue by 6 min at 16 min.
    assert shown(s) == [
        ("bp_systolic_high", "high", "Systolic BP 200 mmHg, limit ≥200"),
        ("vitals_due:" + REPEAT, "medium",
         "Vitals overdue by 6 min: Repeat Systolic BP (Systolic BP)"),
    ]
