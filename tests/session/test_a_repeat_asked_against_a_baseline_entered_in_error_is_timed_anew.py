"""The only BP before the dose (120, the baseline) is found to be another patient's and entered
in error after the dose: the baseline becomes the first value after it, 150 (typed 105 and
corrected; README: "entered in error"). A 165 had asked its repeat only as 45 above the 120;
against 150 it asks none. The repeat still owed is the 183's (≥180), 5 min after the 183, live
as after a restart: live it had stayed timed from the 165, two minutes early (a review)."""

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


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_the_repeat_a_165_asked_only_against_the_wrong_baseline_is_timed_from_the_183(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()                                   # baseline 120/80, typed before the dose
    start = s.now().mono - s.origin
    baseline_row = s.engine._state.rows["bp_systolic"][0][0]
    s.t(start + 1 * MIN); _, first = s.engine.enter_manual_row("bp_systolic", 105, NURSE, s.now())
    s.t(start + 1.2 * MIN)                               # typed 105 for the cuff's 150
    assert s.engine.correct(first, "bp_systolic", 150, NURSE, s.now(),
                            reason="typed 105, cuff read 150").value == 150
    s.t(start + 2 * MIN); s.manual("bp_systolic", 165)   # 45 above 120: repeat asked
    s.t(start + 3 * MIN); s.manual("bp_systolic", 130)
    s.t(start + 4 * MIN); s.manual("bp_systolic", 183)   # ≥180: repeat asked
    assert repeat_due(s) == [(REPEAT, 3 * MIN)]          # owed since the 165
    s.t(start + 5 * MIN)
    assert s.engine.void(baseline_row, "bp_systolic", NURSE, s.now(),
                         reason="another patient's").done
    if restarted:
        restart(s, 0)
    assert s.engine.baseline["bp_systolic"] == 150
    # 5 min after the 183: 4 min from now.
    assert repeat_due(s) == [(REPEAT, 4 * MIN)]
