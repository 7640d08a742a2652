"""A systolic 185 asks for a repeat in 5 minutes; the baseline BP is corrected after it (the
limits judged again), and a 190 five minutes on is that repeat: "(confirmed by a repeat
reading)", high. Then the 185 is found to be another patient's and entered in error: it counts
nowhere (README: "entered in error"), so the 190 is a first reading, medium, and its own repeat
is asked, live as after a restart. Live the 190 had stayed high, confirmed by the value taken
back, and no repeat was asked; a restart (which skips the 185) asked it (a review)."""

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


def systolic_alarm(s: LoggedSession) -> list[tuple[str, str]]:
    return [(o.priority.label, o.message) for o in s.engine.alarms()
            if o.condition == "bp_systolic_high"]


def repeat_due(s: LoggedSession) -> list[tuple[str, int]]:
    return [(d.name, round(d.due_in_s)) for d in s.engine.due(s.now()) if d.name == REPEAT]


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_190_confirmed_only_by_a_value_entered_in_error_is_a_first_reading_again(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()                                   # baseline 120/80, typed before the dose
    start = s.now().mono - s.origin
    baseline_row = s.engine._state.rows["bp_systolic"][0][0]
    s.t(start + 1 * MIN); s.manual("bp_systolic", 150)
    s.t(start + 2 * MIN); _, typo = s.engine.enter_manual_row("bp_systolic", 185, NURSE, s.now())
    # The baseline was 118, misread: corrected, the standing 185 is judged again.
    s.t(start + 3 * MIN)
    assert s.engine.correct(baseline_row, "bp_systolic", 118, NURSE, s.now(),
                            reason="misread").value == 118
    s.t(start + 6.5 * MIN); s.manual("bp_systolic", 190)
    assert systolic_alarm(s)[0][0] == "high"          # confirmed by the 185
    s.t(start + 8 * MIN)
    assert s.engine.void(typo, "bp_systolic", NURSE, s.now(), reason="another patient's").done
    if restarted:
        restart(s, 0)
    assert systolic_alarm(s) == [
        ("medium", "Systolic BP 190 mmHg (+72 from baseline 118), limit ≥180 or ≥40 above "
                   "baseline")]
    # Its repeat 5 min after the 190: 3.5 min from now.
    assert repeat_due(s) == [(REPEAT, 3.5 * MIN)]
