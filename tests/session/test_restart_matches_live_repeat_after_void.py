"""The "Repeat <vital>" check a reading asks for is timed from the values that stand, live as
after a restart, when a value is entered in error (review 44). `void` rebuilds the trackers as
if the value had never come and replays the later values (`_as_if_never`); the repeat they ask
for was not asked again (`Schedule.add_one_off` keeps a check already asked), so it stayed timed
from the value taken back, while a restart (which skips that value) timed it from the real one.
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


def repeat_due(s: LoggedSession) -> list[tuple[str, int]]:
    return [(d.name, round(d.due_in_s)) for d in s.engine.due(s.now()) if d.name == REPEAT]


def repeat_alarm(s: LoggedSession) -> list[tuple[str, str]]:
    return [(o.priority.label, o.state.value) for o in s.engine.alarms()
            if o.condition == "vitals_due:" + REPEAT]


def typed(s: LoggedSession, value: float) -> int:
    _, row = s.engine.enter_manual_row("bp_systolic", value, NURSE, s.now())
    return row


def void(s: LoggedSession, row: int) -> None:
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), reason="another patient's").done


def started(s: LoggedSession) -> float:
    s.to_infusion()                                   # baseline 120/80
    return s.now().mono - s.origin


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_the_repeat_of_a_systolic_is_timed_from_it_not_from_a_value_entered_in_error(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    start = started(s)
    # A typo: 185 (>= 180) asks for a repeat at +6 min.
    s.t(start + 1 * MIN); typo = typed(s, 185)
    # The real one, 3 min later, 182 (>= 180): it asks its own repeat, at +9 min.
    s.t(start + 4 * MIN); s.manual("bp_systolic", 182)
    # The 185 is entered in error at +5 min.
    s.t(start + 5 * MIN); void(s, typo)
    if restarted:
        restart(s, 0)
    # The repeat is due at +9 min, 4 min from now. Live it had stayed at the typo's +6 min:
    # prompted, then overdue (medium), 3 min early.
    assert repeat_due(s) == [(REPEAT, 4 * MIN)]
    s.t(start + 7 * MIN)
    assert repeat_alarm(s) == []


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_repeat_asked_before_the_value_entered_in_error_stays_at_its_time(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    start = started(s)
    # 185 asks for a repeat at +6 min.
    s.t(start + 1 * MIN); s.manual("bp_systolic", 185)
    # Another patient's 190 typed here at +3 min, entered in error at +4 min.
    s.t(start + 3 * MIN); typo = typed(s, 190)
    s.t(start + 4 * MIN); void(s, typo)
    if restarted:
        restart(s, 0)
    # The 185's repeat still stands, at +6 min: 2 min from now.
    assert repeat_due(s) == [(REPEAT, 2 * MIN)]


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_repeat_already_met_is_not_asked_again_when_an_older_value_is_entered_in_error(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    start = started(s)
    # A typed 150 (another patient's) at +30 s.
    s.t(start + 30); typo = typed(s, 150)
    # 185 at +1 min asks for a repeat at +6 min; 186 at +7 min is that repeat.
    s.t(start + 1 * MIN); s.manual("bp_systolic", 185)
    s.t(start + 7 * MIN); s.manual("bp_systolic", 186)
    assert repeat_due(s) == []
    # The 150 is entered in error at +8 min: the repeat was met, nothing is asked again.
    s.t(start + 8 * MIN); void(s, typo)
    if restarted:
        restart(s, 0)
    assert repeat_due(s) == []
    assert repeat_alarm(s) == []
