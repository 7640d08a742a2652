"""A systolic 185 typed in error, a real 186 half a minute later, then a 130: the run of high
readings ends. Six minutes on a 190 is a first reading again (medium), its own repeat asked.
The 130 is then corrected to 164 and the correction entered in error (another patient's), and
the 185 is entered in error too. As had the 185 never come (README: "entered in error"), the
190 stays a first reading, its repeat owed, live as after a restart: it had become "(confirmed
by a repeat reading)", high, the 186 taken for the start of its run as if no 130 had been
measured (a review)."""

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
def test_a_190_after_a_run_broken_by_a_value_taken_back_stays_a_first_reading(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion()                                   # baseline 120/80, typed before the dose
    start = s.now().mono - s.origin
    baseline_row = s.engine._state.rows["bp_systolic"][0][0]
    s.t(start + 1 * MIN); _, typo = s.engine.enter_manual_row("bp_systolic", 185, NURSE, s.now())
    s.t(start + 1.5 * MIN); s.manual("bp_systolic", 186)
    s.t(start + 2 * MIN); _, in_range = s.engine.enter_manual_row("bp_systolic", 130, NURSE,
                                                                   s.now())
    s.t(start + 8 * MIN); s.manual("bp_systolic", 190)
    assert systolic_alarm(s)[0][0] == "medium"        # the 130 ended the run
    # The baseline was 118, misread: corrected, the standing 190 is judged again.
    s.t(start + 8.2 * MIN)
    assert s.engine.correct(baseline_row, "bp_systolic", 118, NURSE, s.now(),
                            reason="misread").value == 118
    s.t(start + 8.4 * MIN)
    assert s.engine.correct(in_range, "bp_systolic", 164, NURSE, s.now(),
                            reason="misread").value == 164
    corrected = s.engine._state.rows["bp_systolic"][-2][0]
    s.t(start + 8.6 * MIN)
    assert s.engine.void(corrected, "bp_systolic", NURSE, s.now(), reason="wrong chair").done
    s.t(start + 9 * MIN)
    assert s.engine.void(typo, "bp_systolic", NURSE, s.now(), reason="another patient's").done
    if restarted:
        restart(s, 0)
    assert systolic_alarm(s) == [
        ("medium", "Systolic BP 190 mmHg (+72 from baseline 118), limit ≥180 or ≥40 above "
                   "baseline")]
    # Its repeat 5 min after the 190: 4 min from now.
    assert repeat_due(s) == [(REPEAT, 4 * MIN)]
