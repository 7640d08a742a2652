"""A heart rate the nurse typed inside a check's window still counts for it when the values that
came after it are taken back, live as after a restart: "BP and HR" (every 10 min, window from
T+8), a typed HR 72 at T+8:30, the monitor's HR 80 at T+9 (an artefact), a typed BP at T+9:30
that meets the check; the HR 80 entered in error, then the systolic (typed for the wrong chair).
The check asks again for the systolic only. Live, it asked for the heart rate too: putting the
check back as it was before the systolic, it dropped the HR 80 (taken back) and not put back
the HR 72 that still stands; a restart, which skips both, had it met by the 72 (a review)."""

from __future__ import annotations

import pytest

from console.store import EventLog
from tests.session.test_resume_as_live import MIN, NURSE, LoggedSession, log, restart  # noqa: F401


def newest_row(s: LoggedSession, metric: str, typed: bool) -> int:
    return next(row for row, kept in reversed(s.engine._state.rows[metric])
                if (kept.reading.source == "manual") == typed)


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_typed_hr_in_the_window_still_counts_after_the_monitor_hr_and_a_bp_are_taken_back(
        log: EventLog, restarted: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()                                   # T0; "BP and HR" every 10 min (from T+8)
    s.engine.device_state_changed("connected", s.now())
    s.t(8.5 * MIN); s.engine.enter_manual("heart_rate", 72, NURSE, s.now(), True)
    s.t(9 * MIN); s.device("heart_rate", 80)
    s.t(9.5 * MIN)
    s.engine.enter_manual("bp_systolic", 128, NURSE, s.now(), True)
    s.engine.enter_manual("bp_diastolic", 82, NURSE, s.now(), True)
    s.t(9.7 * MIN)
    assert s.engine.void(newest_row(s, "heart_rate", typed=False), "heart_rate", NURSE, s.now(),
                         "artefact").done
    s.t(9.8 * MIN)
    assert s.engine.void(newest_row(s, "bp_systolic", typed=True), "bp_systolic", NURSE, s.now(),
                         "typed for the wrong chair").done
    if restarted:
        restart(s, 0)
    due = [((d.due_at.mono - s.origin) / MIN, d.missing) for d in s.engine.due(s.now())
           if d.name == "BP and HR"]
    # The typed HR 72 of T+8:30 stands, inside the T+10 window: only the systolic is asked.
    assert due == [(10.0, ("bp_systolic",))]
