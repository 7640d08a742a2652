"""What a nurse sees of the trend's panels in the live window at 1366x768 and 1920x1080: every
typed value's diamond whole, even at the very top or bottom of its panel's scale, and the plot
height shared 5:3:2:2 between BP, HR, SpO2 and RR.

Found on an X walk: a typed value at the top (bottom) of a panel's scale lost the top (bottom)
of its diamond, the scale's 5 % of room being less than half a 13-px diamond (cut 1.3-4.3 px at
1366x768, 0.3-2.9 px at 1920x1080, where only BP's were whole); and BP's plot took 100 of 293
px at 1366x768 (its share 122) and 292 of 596 at 1920x1080 (its share 248).

Geometry, not pixels: a diamond is the rectangle of pyqtgraph's "d" symbol path at the item's
symbol size, plus half its pen at each side, centred where the view box maps the value, in scene
pixels; it must lie inside the view box's scene rectangle, which clips what the panel draws.
Heights are the view boxes' (the plots the nurse reads; the time axis under RR is not plot).
Real engine, real SQLite log (the `live` fixture), the clock moved by hand: no sleeping.

Planted once each (the fix undone): with no room for the symbols (the shares kept), the six
diamond cases fail (1366x768: every panel's diamonds cut, 0.2-4.6 px, "bp_systolic 215 at 0.5
min" first; 1920x1080: SpO2's, RR's and above HR's, 0.8-2.7 px); with the row stretch factors
alone sharing the height, the three share tests fail (1366x768: BP 99.7 px for a share of 122.1,
SpO2 60.2 and RR 58.4 for 48.8; 1920x1080: BP 291.5 for 248.3, HR 130.2 for 149.0). In their
shares at 1366x768, SpO2's and RR's scales showed one value each (90, 20) until the values
moved half a step (`_ValueAxis`): that planted, the 1366x768 share test fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from console.clock import ManualClock
from console.session.entry import Accepted
from console.session.journal import Journal
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from console.ui.trend import PANELS, TrendPlot
from console.ui.trend import _tick_boxes   # the tick rectangles text_boxes() gives
from protocols.vitals import metric
from tests.ui.conftest import Answers
from tests.ui.test_trend_titles import show   # the live window at a size, laid out

SIZES = [(1366, 768), (1920, 1080)]
SHARE_TOLERANCE_PX = 2.0
Live = tuple[SessionController, Journal, ManualClock, EventLog]   # the `live` fixture


@pytest.fixture
def window(live: Live, qtbot: QtBot) -> LiveWindow:
    controller, journal, _clock, _log = live
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    return window


def type_values(live: Live, window: LiveWindow, values: dict[str, float]) -> None:
    """The nurse types each value, one every 30 s, as the entry panel does (confirmed where it
    is outside the plausible range)."""
    controller, _journal, clock, _log = live
    for name, value in values.items():
        clock.advance(30)
        assert isinstance(controller.enter_manual(name, value, confirmed=True), Accepted)
    window.refresh()
    QtCore.QCoreApplication.processEvents()


def edge_values(trend: TrendPlot, level: str) -> dict[str, float]:
    """Each vital typed at the top of its panel's scale as shown, at its bottom, or a quarter of
    the scale above its top (which widens it); within what a nurse can type."""
    values: dict[str, float] = {}
    for index, panel in enumerate(PANELS):
        low, high = trend.panels[index].plot.viewRange()[1]
        wanted = {"top": high, "bottom": low, "above": high + 0.25 * (high - low)}[level]
        for name in panel.metrics:
            hard_low, hard_high = metric(name).hard
            values[name] = float(min(max(round(wanted), hard_low), hard_high))
    return values


def diamonds(trend: TrendPlot) -> list[tuple[str, QtCore.QRectF, QtCore.QRectF]]:
    """(what, diamond rectangle, its view box's rectangle) of each typed value, in scene px."""
    out = []
    for index, panel in enumerate(PANELS):
        vb = trend.panels[index].plot.getViewBox()
        view = vb.sceneBoundingRect()
        for name in panel.metrics:
            opts: dict[str, Any] = trend.item(name, manual=True).opts
            shape = Symbols[opts["symbol"]].boundingRect()
            size = float(opts["symbolSize"])
            pen = opts["symbolPen"].widthF() or 1.0   # a cosmetic 0-width pen is 1 px
            xs, ys = (a.tolist() for a in trend.curve_data(name, manual=True))
            for x, y in zip(xs, ys, strict=True):
                centre = vb.mapViewToScene(QtCore.QPointF(x, y))
                rect = QtCore.QRectF(centre.x() + shape.x() * size - pen / 2,
                                     centre.y() + shape.y() * size - pen / 2,
                                     shape.width() * size + pen, shape.height() * size + pen)
                out.append((f"{name} {y:g} at {x:g} min", rect, view))
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("level", ["top", "bottom", "above"])
def test_a_typed_value_at_the_edge_of_its_scale_is_drawn_whole(
        live: Live, window: LiveWindow, qtbot: QtBot, size: tuple[int, int], level: str) -> None:
    show(window, qtbot, size)
    trend = window.trend
    values = edge_values(trend, level)
    # The nurse types every vital at the edge of its panel's scale.
    type_values(live, window, values)
    shown = diamonds(trend)
    assert len(shown) == len(values)   # every typed value is drawn, one diamond each
    # Every diamond is whole inside its panel: nothing of it is cut by the panel's edge.
    cut = [f"{what}: {rect.getRect()} outside {view.getRect()}" for what, rect, view in shown
           if not view.contains(rect)]
    assert cut == []
    # The room costs no limit: every limit line is still inside its panel's scale.
    for index, panel in enumerate(PANELS):
        low, high = trend.panels[index].plot.viewRange()[1]
        for name in panel.metrics:
            assert all(low < v < high for v in trend.threshold_values(name)), name


def shares(trend: TrendPlot) -> tuple[list[float], list[float]]:
    """(each panel's plot height, its share of their sum by `Panel.stretch`), in scene px."""
    heights = [float(p.plot.getViewBox().sceneBoundingRect().height()) for p in trend.panels]
    stretches = [panel.stretch for panel in PANELS]
    return heights, [sum(heights) * s / sum(stretches) for s in stretches]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_panels_share_the_plot_height_five_three_two_two(
        window: LiveWindow, qtbot: QtBot, size: tuple[int, int]) -> None:
    show(window, qtbot, size)
    trend = window.trend
    heights, wanted = shares(trend)
    assert [s.stretch for s in PANELS] == [5, 3, 2, 2]
    assert heights == pytest.approx(wanted, abs=SHARE_TOLERANCE_PX)
    # SpO2's and RR's smaller share still shows a scale: two values or more on each panel (none
    # over another: tests/ui/test_trend_layout.py).
    everywhere = QtCore.QRectF(trend.rect())
    values = {panel.title: [name for name, _, _ in _tick_boxes(
        trend.panels[index].plot.getAxis("left"), trend.graphics, trend, everywhere)]
        for index, panel in enumerate(PANELS)}
    assert all(len(names) >= 2 for names in values.values()), values


def test_the_shares_hold_when_the_window_is_resized(window: LiveWindow, qtbot: QtBot) -> None:
    """Maximised, restored, maximised again: the shares follow each size, and the values and
    titles follow the text size (2 pt larger at 1920x1080)."""
    for size in (*SIZES, *reversed(SIZES)):
        show(window, qtbot, size)
        heights, wanted = shares(window.trend)
        assert heights == pytest.approx(wanted, abs=SHARE_TOLERANCE_PX), size
