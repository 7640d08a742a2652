"""A systolic typed in error (another patient's 199) asks "Repeat Systolic BP"; a cuff reading
after it is corrected by the nurse, and a real high systolic typed after that asks the repeat
too. Once the 199 is entered in error, the repeat is owed to the real value alone and timed from
it, live as after a restart (which skips the 199). The cuff's correction had dropped the
trackers kept before the 199, the correction after it kept the void from rebuilding them as if
the 199 had never come, and its fallbacks left the repeat timed from the 199 while the real
value's rule waited for its repeat: prompted 2 min early live, on time after a restart (a
random walk).
"""
from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from devices.reading import Reading
from tests.session.test_resume_as_live import LoggedSession, restart
from tests.session.test_restart_matches_live_repeat_after_void import (  # the helpers of its kind
    MIN, NURSE, REPEAT, log, repeat_alarm, repeat_due, started, typed, void)  # noqa: F401 - the fixture


def cuff(s: LoggedSession, systolic: float, diastolic: float) -> int:
    """A cuff (NIBP) reading from the monitor, measured now: its systolic row."""
    now = s.now()
    s.engine.ingest_message([
        Reading("bp_systolic", systolic, "mmHg", now.wall, now.wall, "hl7:MON", "NIBP"),
        Reading("bp_diastolic", diastolic, "mmHg", now.wall, now.wall, "hl7:MON", "NIBP")], now)
    return next(row for row, kept in reversed(s.engine._state.rows["bp_systolic"])
                if kept.reading.source == "hl7:MON")


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_the_repeat_a_typo_asked_before_a_corrected_cuff_is_timed_from_the_real_high_value(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    start = started(s)                                # baseline 120/80
    # +1 min: 199 typed, another patient's (>= 180): a repeat at +6 min.
    s.t(start + 1 * MIN); other = typed(s, 199)
    # +2 min: the cuff reads 128/80; the nurse corrects its systolic to 138 at +2.5 min.
    s.t(start + 2 * MIN); reading = cuff(s, 128, 80)
    s.t(start + 2 * MIN + 30)
    assert isinstance(s.engine.correct(reading, "bp_systolic", 138, NURSE, s.now(),
                                       reason="cuff artefact, manual reading 138"), Accepted)
    # +3 min: this patient's 208 typed (>= 180): it asks the repeat too, at +8 min.
    s.t(start + 3 * MIN); typed(s, 208)
    # +4 min: the 199 is entered in error.
    s.t(start + 4 * MIN); void(s, other)
    if restarted:
        restart(s, 0)
    # Right: due at +8 min, 4 min from now, 5 min after the 208: a value entered in error
    # counts nowhere, so the 199 asks nothing and times nothing (a restart, which skips it,
    # says so). Live it had stayed at the 199's +6 min: prompted, then overdue, 2 min early.
    assert repeat_due(s) == [(REPEAT, 4 * MIN)]
    s.t(start + 7 * MIN)
    assert repeat_alarm(s) == []
    s.t(start + 8 * MIN)
    assert repeat_alarm(s) == [("info", "active")]
