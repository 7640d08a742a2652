"""The whole-session strip above the trend holds every BP and HR the session had, below the room
its caption takes: fixed at 30-280, it drew a heart rate of 25 (a high alarm, ≤40) half an hour
ago below its floor, clipped, so the trace seemed to bottom out at 30; a diastolic under 30 the
same, and values over 230 ran under the caption. Read from the strip's view box and items, not
from pixels."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

from console.ui.trend import OVERVIEW_CAPTION_SHARE, TrendPlot
from protocols.loader import builtin_protocols_dir, load_protocol


@pytest.fixture
def shown(qtbot):
    """A trend at its size in the live window at 1366x768, on screen."""
    widget = TrendPlot(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    qtbot.addWidget(widget)
    widget.resize(565, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def strip_px(plot: TrendPlot, value: float) -> float:
    """Where `value` is drawn in the strip: pixels from its top (0 to its height inside)."""
    return float(plot.overview_plot.getViewBox().mapFromView(QtCore.QPointF(0.0, value)).y())


def assert_inside_below_the_caption(plot: TrendPlot, lowest: float, highest: float) -> None:
    height = float(plot.overview_plot.getViewBox().boundingRect().height())
    low, top = plot.overview_plot.getViewBox().viewRange()[1]
    assert 0.0 < strip_px(plot, lowest) < height, f"{lowest:g} outside the strip {low:g}-{top:g}"
    assert strip_px(plot, highest) >= OVERVIEW_CAPTION_SHARE * height, (
        f"{highest:g} under the caption (strip {low:g}-{top:g})")


def session_hour(plot: TrendPlot, hr: float, from_minute: float, to_minute: float) -> None:
    """An hour of a monitor's HR 75 every 5 s, `hr` from `from_minute` to `to_minute`."""
    for second in range(0, 60 * 60, 5):
        minutes = second / 60
        plot.add_reading("heart_rate", hr if from_minute <= minutes < to_minute else 75.0,
                         minutes, manual=False)


def test_a_heart_rate_of_25_half_an_hour_ago_is_drawn_inside_the_strip(shown):
    session_hour(shown, 25.0, 20, 22)
    shown.set_now(60.0)
    shown.refresh()
    _, y = shown.overview_lines["heart_rate"].getData()
    assert min(y) == 25.0   # the strip was given the 25...
    assert_inside_below_the_caption(shown, 25.0, 75.0)   # ...and draws it


def test_nibp_under_30_and_over_230_is_inside_the_strip_below_its_caption(shown):
    for minute, systolic, diastolic in ((5, 128, 80), (20, 262, 150), (40, 70, 26), (55, 120, 78)):
        shown.add_reading("bp_systolic", systolic, minute, manual=False)
        shown.add_reading("bp_diastolic", diastolic, minute, manual=False)
    shown.set_now(60.0)
    shown.refresh()
    _, y = shown.overview_bars.getData()
    assert (min(y), max(y)) == (26.0, 262.0)
    assert_inside_below_the_caption(shown, 26.0, 262.0)


def test_a_usual_session_keeps_the_strips_scale_and_a_widened_one_never_narrows(shown):
    session_hour(shown, 135.0, 20, 22)
    shown.set_now(60.0)
    shown.refresh()
    assert shown.overview_plot.getViewBox().viewRange()[1] == [30.0, 280.0]
    shown.add_reading("heart_rate", 25.0, 61.0, manual=False)
    shown.set_now(62.0)
    shown.refresh()
    widened = shown.overview_plot.getViewBox().viewRange()[1]
    assert widened[0] < 25.0
    for minute in range(62, 120):   # back to usual values for an hour: the scale stays
        shown.add_reading("heart_rate", 75.0, float(minute), manual=False)
    shown.set_now(120.0)
    shown.refresh()
    assert shown.overview_plot.getViewBox().viewRange()[1] == widened
