"""A baseline entered in error takes its limit line off the trend: the nurse must not see
a limit (baseline 130 + 40 = 170) the engine no longer judges against; no trend test had
withdrawn a baseline (a review)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.records import BASELINE_SET, EventRecord
from console.session.trend_feed import TrendFeed
from console.ui.trend import TrendPlot
from protocols.loader import builtin_protocols_dir, load_protocol

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_a_withdrawn_baseline_takes_its_limit_line_away(qtbot):
    feed = TrendFeed(START)
    plot = TrendPlot(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), feed)
    qtbot.addWidget(plot)
    feed.add([EventRecord(1, at(10), "dosing_started", "ana",
                          {"t0": True, "baseline": {"bp_systolic": 130}})])
    plot.refresh()
    assert 170 in plot.threshold_values("bp_systolic")   # baseline 130 + 40
    feed.add([EventRecord(1, at(12), BASELINE_SET, "ana", {"baseline": {"bp_systolic": None}})])
    plot.refresh()
    assert 170 not in plot.threshold_values("bp_systolic")
    assert sorted(plot.threshold_values("bp_systolic")) == [180, 200]
