"""A correction that moves the baseline judges the vital's standing value against the new one at
once, live and after a restart alike. Baseline typed 130 for the cuff's 100, a systolic of 150 at
T+5 (20 above: nothing), the baseline corrected to 100: the tile said "40 above baseline (140)"
but the standing 150 raised nothing until the next cuff, 10-15 minutes later (a review of the
alarm rules)."""

from __future__ import annotations

import pytest

from console.session.tile_view import BP_TILE, tile_view
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401


def _systolic_row(log: EventLog, s: LoggedSession) -> int:
    """The log's row id of the session's first systolic BP."""
    return next(row for row, o in log.observations(log.session(s.engine.session_id).id)
                if o.metric == "bp_systolic")


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_baseline_corrected_down_alarms_the_standing_systolic_at_once(
        log: EventLog, restarted: bool) -> None:
    s = LoggedSession(log)
    s.to_infusion(systolic=130)   # typed 130 for the cuff's 100, dosing started
    base_row = _systolic_row(log, s)
    start = s.now().mono - s.origin
    s.t(start + 300)
    s.bp(150, 80)
    assert s.shown() == []   # 20 above 130
    s.t(start + 360)
    assert s.engine.correct(base_row, "bp_systolic", 100, NURSE, s.now(), "cuff read 100")
    assert tile_view(s.engine, BP_TILE, s.now()).limits.count("40 above baseline (140)") == 1
    if restarted:
        restart(s, 2)
    else:
        s.t(start + 362)
    # The standing 150 is 50 above the corrected baseline: its alarm is owed now.
    assert [(c, p) for c, p, _ in s.shown() if c.startswith("bp_")] == [
        ("bp_systolic_high", "medium")]
