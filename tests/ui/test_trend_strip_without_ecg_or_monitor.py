"""The whole-session strip above the live trend draws the pulse where no ECG sends a heart rate,
and the BP and HR a nurse typed: on an SpO2 + NIBP monitor, or at a chair with no monitor at all
(README: "a manual-only chair"), it drew the device's NIBP bars and ECG heart rate only, so the
pulse (which the chair counts as the HR) and every typed value were in none of its items. Read
from the strip's items (`getData`: what is drawn), not from pixels."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
import pytest

from console.session.trend_feed import TrendFeed
from console.ui.trend import FOLLOW, TrendPlot
from protocols.loader import builtin_protocols_dir, load_protocol

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def feed() -> TrendFeed:
    return TrendFeed(START)


def shown(qtbot, feed: TrendFeed) -> TrendPlot:
    """`feed` in a trend following the last 15 min at its size in the live window at 1366x768."""
    plot = TrendPlot(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    qtbot.addWidget(plot)
    plot.set_feed(feed)
    plot.set_view(FOLLOW)
    plot.resize(565, 420)
    plot.show()
    qtbot.waitExposed(plot)
    plot.refresh()
    return plot


def strip_values(plot: TrendPlot) -> list[np.ndarray]:
    """The values each item of the strip draws."""
    out = []
    for item in plot.overview_plot.items:
        if isinstance(item, pg.PlotDataItem | pg.PlotCurveItem):
            _, y = item.getData()
            out.append(np.asarray(y if y is not None else []))
    return out


def test_whole_session_strip_draws_the_pulse_where_no_ecg_sends_an_hr(qtbot, feed):
    # 40 minutes of an oximeter's pulse and SpO2, the pulse 130 at minute 10; no ECG.
    for second in range(40 * 60):
        feed.add_point("pulse_rate", second / 60, 130.0 if second == 600 else 76.0, False)
        feed.add_point("spo2", second / 60, 97.0, False)
    plot = shown(qtbot, feed)
    assert plot.x_range()[0] > 20                       # the panels: the last 15 minutes...
    assert any(130.0 in values for values in strip_values(plot)), (
        "no item of the strip draws the pulse")         # ...the strip: the whole session's pulse


def test_whole_session_strip_draws_the_ecgs_heart_rate_not_the_pulse_beside_it(qtbot, feed):
    # An ECG's HR and the oximeter's pulse: the strip's line is the HR's, as before.
    for second in range(0, 40 * 60, 5):
        feed.add_point("heart_rate", second / 60, 72.0, False)
        feed.add_point("pulse_rate", second / 60, 130.0 if second == 600 else 76.0, False)
    plot = shown(qtbot, feed)
    drawn = strip_values(plot)
    assert any(72.0 in values for values in drawn)
    assert not any(130.0 in values or 76.0 in values for values in drawn)


def test_whole_session_strip_draws_typed_bp_and_hr_of_a_manual_only_chair(qtbot, feed):
    # No monitor: BP and HR typed every 10 min, a systolic 210 at minute 20, an HR 118 at 30.
    for minute in range(0, 50, 10):
        feed.add_point("bp_systolic", minute, 210.0 if minute == 20 else 130.0, True)
        feed.add_point("bp_diastolic", minute, 85.0, True)
        feed.add_point("heart_rate", minute, 118.0 if minute == 30 else 80.0, True)
    plot = shown(qtbot, feed)
    assert 210.0 in plot.curve_data("bp_systolic", True)[1]       # the panel draws it...
    drawn = strip_values(plot)
    assert any(210.0 in values for values in drawn), "the strip draws no typed BP"   # ...the strip
    assert any(118.0 in values for values in drawn), "the strip draws no typed HR"
