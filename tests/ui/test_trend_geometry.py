"""What a nurse sees of the trend's panels in the live window at 1366x768 and 1920x1080: every
typed value's diamond whole, even at the very top or bottom of its panel's scale; every symbol
(typed diamond, NIBP triangles, mean tick and bar) whole at minute 0 and at the newest minute,
in both views; and the plot height shared 5:3:2:2 between BP, HR, SpO2 and RR.

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

The same in time, found on the central station's trend (its first NIBP bar cut at the left
edge): a value at either end of the view lost part of its symbol. Measured before the room in
time (`TIME_ROOM_PX`): at minute 0, in both views, the NIBP mean's tick lost 8.0 px, the
triangles 5.5, a diamond 5.3, the bar 1.5 (the whole view's 1 % of room was set only when its
range changed, so switched to at [0, 15] it had none); on a 15-s step at 40 minutes the follow
view cut them by 7.5, 5.0, 4.8 and 1.0 px, and a diamond typed in the 15 s before the window's
next step lost more the nearer the step (1366x768: from 0.2 px at 5 s to 4.8 px at 15 s); the
whole view's 1 % cut the mean's tick by 3.3 px at 1366x768 and 1.3 at 1920x1080 (the diamond
0.6 px at 1366x768). After, at both sizes: the mean's tick 0.5 px inside at minute 0 and 1.0 px
at the newest, the other symbols 3 px or more. Planted with no room in time, the ten time cases
fail ("t bp_systolic 128 at 0 min: 5.5 px cut" first); with only the typed diamond's 7 px of
room, the eight at minute 0 and at 40 minutes fail on the mean's tick (1.0 and 0.5 px cut);
with the follow window moved every second instead of in 15-s steps, the two typed-each-second
cases fail (30 ranges in 30 s, not 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from console.clock import ManualClock
from console.session.engine import SessionEngine
from console.session.entry import Accepted
from console.session.journal import Journal
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from console.ui.trend import FOLLOW, FOLLOW_MINUTES, PANELS, WHOLE, TrendPlot
from console.ui.trend import _tick_boxes   # the tick rectangles text_boxes() gives
from devices.reading import Reading
from protocols.vitals import metric
from tests.ui.conftest import Answers
# `session`: a session just opened with a monitor connected, in the live window; `show`: that
# window at a size, laid out.
from tests.ui.test_trend_titles import session, show  # noqa: F401 - `session` is a fixture

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


# ---- time: every symbol whole at the plot's left and right ends ------------------------------

NORMAL = {"bp_systolic": 128.0, "bp_diastolic": 82.0, "bp_mean": 97.0, "heart_rate": 74.0,
          "pulse_rate": 74.0, "spo2": 97.0, "resp_rate": 14.0}
TYPED = ("bp_systolic", "bp_diastolic", "heart_rate", "spo2", "resp_rate")   # the entry's rows
NEWEST = 40.0   # minutes: on a 15-s step, so the follow window ends there too


def measure_now(window: LiveWindow, engine: SessionEngine, clock: ManualClock,
                names: Iterable[str] = TYPED) -> None:
    """The monitor sends every vital (an NIBP among them) and the nurse types `names`, all at
    the clock's time; the window redraws."""
    now = clock.now()
    engine.ingest_message([Reading(n, v, metric(n).unit, now.wall, now.wall, "hl7:MONITOR")
                           for n, v in NORMAL.items()], now)
    for name in names:
        engine.enter_manual(name, NORMAL[name], "ana", now, confirmed=True)
    engine.tick(now)
    window.refresh()
    QtCore.QCoreApplication.processEvents()


def symbols_at(trend: TrendPlot, minute: float) -> list[tuple[str, QtCore.QRectF, QtCore.QRectF]]:
    """(what, its rectangle, its view box's rectangle), in scene px, of every symbol drawn at
    `minute`: typed diamonds, NIBP triangles and mean ticks (each its symbol path's rectangle at
    the item's size, plus half its pen at each side) and NIBP bars, solid and typed (as wide as
    their pen)."""
    out = []
    for index, panel in enumerate(PANELS):
        vb = trend.panels[index].plot.getViewBox()
        view = vb.sceneBoundingRect()
        for name in panel.metrics:
            for manual in (False, True):
                opts: dict[str, Any] = trend.item(name, manual).opts
                if not opts.get("symbol"):
                    continue   # a line (an arterial BP, a rate): nothing sticks out of it
                shape = Symbols[opts["symbol"]].boundingRect()
                size = float(opts["symbolSize"])
                pen = opts["symbolPen"].widthF() or 1.0   # a cosmetic 0-width pen is 1 px
                xs, ys = (a.tolist() for a in trend.curve_data(name, manual))
                for x, y in zip(xs, ys, strict=True):
                    if x != minute:
                        continue
                    centre = vb.mapViewToScene(QtCore.QPointF(x, y))
                    rect = QtCore.QRectF(centre.x() + shape.x() * size - pen / 2,
                                         centre.y() + shape.y() * size - pen / 2,
                                         shape.width() * size + pen, shape.height() * size + pen)
                    out.append((f"{opts['symbol']} {name}{' typed' if manual else ''} {y:g} "
                                f"at {x:g} min", rect, view))
        if index == 0:
            for manual, item in ((False, trend.bars), (True, trend.manual_bars)):
                pen = item.opts["pen"].widthF() or 1.0
                xs, ys = (a.tolist() for a in trend.bar_data(manual))
                for k in range(0, len(xs), 2):
                    if xs[k] != minute:
                        continue
                    top = vb.mapViewToScene(QtCore.QPointF(xs[k], ys[k]))
                    bottom = vb.mapViewToScene(QtCore.QPointF(xs[k], ys[k + 1]))
                    rect = QtCore.QRectF(top.x() - pen / 2, top.y(), pen, bottom.y() - top.y())
                    out.append((f"NIBP bar{' typed' if manual else ''} at {xs[k]:g} min",
                                rect, view))
    return out


def cut_in_time(shown: list[tuple[str, QtCore.QRectF, QtCore.QRectF]]) -> list[str]:
    """Each symbol that reaches past its view box's left or right edge, by how many px."""
    return [f"{what}: {max(view.left() - rect.left(), rect.right() - view.right()):.1f} px cut"
            for what, rect, view in shown
            if rect.left() < view.left() or rect.right() > view.right()]


def measured_in_view(session: tuple[LiveWindow, SessionEngine, ManualClock], qtbot: QtBot,
                     size: tuple[int, int], view: str, minute: float) -> TrendPlot:
    """The live window at `size` in `view`; at `minute` the monitor sends an NIBP and every vital
    and the nurse types each one (`measure_now`)."""
    window, engine, clock = session
    show(window, qtbot, size)
    window.trend.set_view(view)
    clock.advance(minute * 60)
    measure_now(window, engine, clock)
    return window.trend


# Drawn at one minute: a diamond per typed vital, NIBP's three symbols, its bar and the typed bar.
SYMBOLS_AT_ONE_MINUTE = len(TYPED) + 3 + 2


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", [FOLLOW, WHOLE])
def test_a_value_at_minute_zero_is_drawn_whole(
        session: tuple[LiveWindow, SessionEngine, ManualClock], qtbot: QtBot,
        size: tuple[int, int], view: str) -> None:
    trend = measured_in_view(session, qtbot, size, view, minute=0.0)   # the session's first second
    # The plot shows the first 15 minutes from minute 0, its time axis on the values' minutes
    # (the values are not moved, the axis shows a little more time) ...
    assert trend.x_range() == (0.0, FOLLOW_MINUTES)
    assert trend.curve_data("heart_rate", manual=True)[0].tolist() == [0.0]
    last = trend.panels[-1].plot
    assert list(last.getAxis("bottom").range) == pytest.approx(last.viewRange()[0])
    shown = symbols_at(trend, 0.0)
    assert len(shown) == SYMBOLS_AT_ONE_MINUTE
    # ... and nothing of minute 0's symbols is cut by the plot's left edge.
    assert cut_in_time(shown) == []


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("view", [FOLLOW, WHOLE])
def test_the_newest_values_are_drawn_whole(
        session: tuple[LiveWindow, SessionEngine, ManualClock], qtbot: QtBot,
        size: tuple[int, int], view: str) -> None:
    # 40 minutes in, on a 15-s step: the newest values are at the very end of either view.
    trend = measured_in_view(session, qtbot, size, view, minute=NEWEST)
    assert trend.x_range()[1] == NEWEST
    shown = symbols_at(trend, NEWEST)
    assert len(shown) == SYMBOLS_AT_ONE_MINUTE
    assert cut_in_time(shown) == []


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_value_typed_each_second_is_drawn_whole_and_the_view_moves_in_steps(
        session: tuple[LiveWindow, SessionEngine, ManualClock], qtbot: QtBot,
        size: tuple[int, int]) -> None:
    window, engine, clock = session
    show(window, qtbot, size)
    trend = window.trend
    clock.advance(NEWEST * 60)
    measure_now(window, engine, clock, names=())
    shown_ranges = set()
    for second in range(1, 31):
        # A second later the nurse types a heart rate: it is drawn whole at once ...
        clock.advance(1)
        measure_now(window, engine, clock, names=("heart_rate",))
        minute = NEWEST + second / 60
        diamond = [s for s in symbols_at(trend, minute) if s[0].startswith("d heart_rate")]
        assert len(diamond) == 1 and cut_in_time(diamond) == [], second
        shown_ranges.add(tuple(trend.panels[0].plot.viewRange()[0]))
    # ... and the panels' time range moved twice in 30 s: at each 15-s step, not each second.
    assert len(shown_ranges) == 2
