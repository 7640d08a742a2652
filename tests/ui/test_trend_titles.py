"""No value is ever drawn under a panel's title: in the live window at 1366x768 and 1920x1080, a
session whose vitals sit at the very top (or the very bottom) of each panel's scale from its
first second shows every point it drew.

Found on an X walk: "BP mmHg" (a ~70x16 px chip at the top-left of the BP plot) covered the first
~2 minutes of a systolic of 195 at session start, and SpO2's title at the bottom-left would cover
a desaturation there the same way. The tile showed the value; the trend did not.

Geometry, not pixels: every point each curve, NIBP symbol, typed diamond and bar was given
(`curve_data`, `bar_data`) is mapped into the trend's coordinates as the plot draws it (its
symbol's square around it, cut to the plot as the view box clips it), and compared with the
titles' rectangles from `TrendPlot.text_boxes()` (the same rectangles the layout test checks).
Real engine, real SQLite log, the clock moved by hand: no sleeping.

Run against the titles as they were (on the plot at its top-left, SpO2's at its bottom-left), all
six fail: at 1366x768 the top case names 135 items under "BP mmHg", "HR · Pulse /min" and
"RR /min" (device lines, NIBP symbols and bars, typed diamonds, the BP ≥200 and HR ≥131 lines),
the bottom case 29 SpO2 points under "SpO2 %", and "BP mmHg title" lies on the BP plot.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from PySide6 import QtCore

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from console.ui.trend import PANELS, SYMBOL_ROOM_PX
from console.ui.trend import _scene_to_widget   # the mapping text_boxes() uses
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.vitals import metric
from tests.ui.conftest import Answers

SIZES = [(1366, 768), (1920, 1080)]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTES = 3            # the first minutes of the session, where the titles sat
TYPED = ("bp_systolic", "bp_diastolic", "heart_rate", "spo2", "resp_rate")
# How far inside the scale's ends the values are (a fraction of its span). The scale widens to
# leave 5 % of the panel's own span beyond anything drawn, and at least `SYMBOL_ROOM_PX` (half a
# typed diamond) of the panel's height; 6 % of the (wider) shown span, or that room, stays inside
# both, so the values sit at the very edge without moving the scale.
INSET = 0.06


@pytest.fixture
def session(tmp_path, qtbot):
    """A session just opened, with a monitor connected, in the live window."""
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    journal = Journal(log)
    clock = ManualClock(START)
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, journal, Patient("MRN-3150", 72), "ana", clock.now())
    engine.device_state_changed("connected", clock.now())
    controller = SessionController(engine, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    yield window, engine, clock
    controller.stop()
    log.close()


def show(window, qtbot, size) -> None:
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.refresh()
    QtCore.QCoreApplication.processEvents()


_TOP_DOWN = {"bp_systolic": 0, "bp_mean": 1, "bp_diastolic": 2}


def edge_values(trend, level: str) -> dict[str, float]:
    """Whole values at the top (or bottom) edge of each panel's scale as shown now, in the order
    the vitals of a panel keep (systolic above mean above diastolic; HR and pulse together)."""
    values: dict[str, float] = {}
    for index, panel in enumerate(PANELS):
        plot = trend.panels[index].plot
        low, high = plot.viewRange()[1]
        span = high - low
        inset = max(INSET, SYMBOL_ROOM_PX / plot.getViewBox().boundingRect().height()) * span
        edge = math.floor(high - inset) if level == "top" else math.ceil(low + inset)
        step = 1 if span < 60 else 2
        # From the top down: a cuff's mean lies between its pressures (one whose mean is below
        # its diastolic is no cuff measurement, dropped as impossible).
        for k, name in enumerate(sorted(panel.metrics, key=lambda n: _TOP_DOWN.get(n, 0))):
            offset = k * step if level == "top" else (len(panel.metrics) - 1 - k) * step
            value = edge - offset if level == "top" else edge + offset
            values[name] = float(min(max(value, metric(name).hard[0]), metric(name).hard[1]))
    return values


def feed_the_first_minutes(window, engine, clock, values: dict[str, float]) -> None:
    """The monitor every 5 s, an NIBP each minute, typed values each 30 s, for `MINUTES`."""
    bp = ("bp_systolic", "bp_diastolic", "bp_mean")
    for second in range(5, MINUTES * 60 + 1, 5):
        clock.advance(5)
        now = clock.now()
        names = [n for n in values if n not in bp or second % 60 == 0]
        engine.ingest_message([Reading(n, values[n], metric(n).unit, now.wall, now.wall,
                                       "hl7:MONITOR") for n in names], now)
        if second % 30 == 0:
            for name in TYPED:
                engine.enter_manual(name, values[name], "ana", now, confirmed=True)
        engine.tick(now)
        window.refresh()
    QtCore.QCoreApplication.processEvents()


def drawn_points(trend):
    """(what, rectangle in the trend's coordinates) of every point drawn in view: a line's point
    as a 1-px square, a symbol as its square (plus its pen), cut to its plot as the view box
    clips what it draws."""
    view = trend.graphics
    out = []
    for index, panel in enumerate(PANELS):
        vb = trend.panels[index].plot.getViewBox()
        plot = _scene_to_widget(vb.sceneBoundingRect(), view, trend)
        (x0, x1), (y0, y1) = vb.viewRange()
        series = [(f"{name}{' typed' if manual else ''}", *trend.curve_data(name, manual),
                   trend.item(name, manual).opts)
                  for name in panel.metrics for manual in (False, True)]
        if index == 0:
            series += [(f"NIBP bar{' typed' if manual else ''}", *trend.bar_data(manual), {})
                       for manual in (False, True)]
        for what, xs, ys, opts in series:
            size = float(opts["symbolSize"]) + 2 if opts.get("symbol") else 1.0
            for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
                if not (x0 <= x <= x1 and y0 <= y <= y1):
                    continue   # clipped away: not drawn
                centre = vb.mapViewToScene(QtCore.QPointF(x, y))
                box = QtCore.QRectF(centre.x() - size / 2, centre.y() - size / 2, size, size)
                out.append((f"{what} {y:g} at {x:.2f} min",
                            _scene_to_widget(box, view, trend).intersected(plot)))
    return out


def limit_lines(trend):
    """(what, rectangle) of each visible limit line (1 px) across its panel."""
    out = []
    for index, panel in enumerate(PANELS):
        vb = trend.panels[index].plot.getViewBox()
        (x0, x1), _ = vb.viewRange()
        for name in panel.metrics:
            for value in trend.threshold_values(name):
                a = vb.mapViewToScene(QtCore.QPointF(x0, value))
                b = vb.mapViewToScene(QtCore.QPointF(x1, value))
                box = QtCore.QRectF(a.x(), a.y() - 0.5, b.x() - a.x(), 1.0)
                out.append((f"limit line {name} {value:g}",
                            _scene_to_widget(box, trend.graphics, trend)))
    return out


def under_titles(trend, items) -> list[str]:
    """Each item whose rectangle shares area with a title's, named with the title."""
    titles = [(name, rect) for name, rect, _ in trend.text_boxes() if name.endswith(" title")]
    assert len(titles) == len(PANELS)
    found = []
    for what, rect in items:
        for title, box in titles:
            both = rect.intersected(box)
            if both.width() > 0 and both.height() > 0:
                found.append(f"{what} under {title!r}")
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("level", ["top", "bottom"])
def test_no_value_at_the_edge_of_a_scale_is_drawn_under_a_title(session, qtbot, size, level):
    window, engine, clock = session
    show(window, qtbot, size)
    trend = window.trend
    scales = [tuple(p.plot.viewRange()[1]) for p in trend.panels]
    values = edge_values(trend, level)
    # Three minutes of a session whose every vital sits at the top (bottom) of its scale.
    feed_the_first_minutes(window, engine, clock, values)
    # The scales did not move to make room (a jumping scale is its own defect) ...
    assert [tuple(p.plot.viewRange()[1]) for p in trend.panels] == scales
    assert trend.x_range() == (0.0, 15.0)   # the first minutes, at the left
    points = drawn_points(trend)
    # ... every vital, device and typed, NIBP symbols and bars, was drawn in view ...
    drawn = {what.split(" ")[0] for what, _ in points}
    assert drawn >= {n for p in PANELS for n in p.metrics} | {"NIBP"}
    assert sum(" typed " in what for what, _ in points) >= len(TYPED) * (MINUTES * 2 - 1)
    # ... and none of it, nor a limit line or its label, lies under a title.
    labels = [(name, rect) for name, rect, _ in trend.text_boxes() if name.startswith("limit ")]
    assert under_titles(trend, points + limit_lines(trend) + labels) == []


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_title_lies_on_a_plot(session, qtbot, size):
    """Everything a panel draws is clipped to its view box: a title outside every view box
    covers nothing, whatever the values, the view or the session's length."""
    window, _engine, _clock = session
    show(window, qtbot, size)
    trend = window.trend
    boxes = {name: rect for name, rect, _ in trend.text_boxes()}
    for title in (f"{p.title} title" for p in PANELS):
        for index, panel in enumerate(PANELS):
            plot = _scene_to_widget(trend.panels[index].plot.getViewBox().sceneBoundingRect(),
                                    trend.graphics, trend)
            both = boxes[title].intersected(plot)
            assert both.width() <= 0 or both.height() <= 0, f"{title!r} lies on {panel.title}"
