"""A device value with no other within 2 minutes of it is drawn at the bedside: a dot in its
vital's colour. The feed breaks a device's line where it was silent longer than
`trend_feed.GAP_MINUTES` (or at a restart or a device state change), and a value with a break or
nothing on both sides was a line of one point, which pyqtgraph draws as nothing: a monitor's
first SpO2 92 before a 3-minute silence was not on the nurse's trend at all.

The live window through the real engine and journal, the clock moved by hand; the pixels of the
vital's colour where the value belongs, and what the dots were given."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from PySide6 import QtGui

from console.clock import ManualClock
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.session.trend_feed import VITAL_COLOURS
from console.store import EventLog
from console.ui.controller import SessionController
from console.ui.live_window import LiveWindow
from console.ui.trend import TrendPlot, lone_points
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.vitals import metric
from tests.ui.conftest import Answers

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONITOR = "hl7:MONITOR"


def pixels_near(trend: TrendPlot, minutes: float, value: float, name: str,
                strip: bool = False) -> int:
    """Pixels of `name`'s colour near (`minutes`, `value`) on `trend`: within 6 px in its panel,
    3 px in the whole-session `strip` (46 px tall)."""
    plot, widget, reach = ((trend.overview_plot, trend.overview, 3) if strip
                           else (trend.panels[trend._panel_of[name]].plot, trend.graphics, 6))
    scene = plot.getViewBox().mapViewToScene(QtGui.QVector2D(minutes, value).toPointF())
    at = widget.mapFromScene(scene)
    image = widget.grab().toImage()
    want = QtGui.QColor(VITAL_COLOURS[name])

    def near(c: QtGui.QColor) -> bool:
        return (abs(c.red() - want.red()) + abs(c.green() - want.green())
                + abs(c.blue() - want.blue())) < 60

    return sum(1 for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)
               if 0 <= at.x() + dx < image.width() and 0 <= at.y() + dy < image.height()
               and near(image.pixelColor(at.x() + dx, at.y() + dy)))


def test_a_monitor_value_alone_before_a_silence_is_drawn_on_the_live_trend(tmp_path, qtbot):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    journal = Journal(log)
    clock = ManualClock(START)
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, journal, Patient("MRN-7", 72), "ana", clock.now())
    controller = SessionController(engine, clock)
    window = LiveWindow(controller, journal, Answers(), Answers())
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)

    def monitor(**values: float) -> None:
        now = clock.now()
        assert engine.ingest_message(
            [Reading(name, value, metric(name).unit, now.wall, now.wall, MONITOR)
             for name, value in values.items()], now)

    try:
        # Minute 2: the monitor's SpO2 92 and RR 12; then 3 minutes of silence.
        clock.advance(120)
        monitor(spo2=92, resp_rate=12)
        # Minute 5: values every 10 s again, a line from here.
        clock.advance(180)
        for _ in range(6):
            monitor(spo2=97, resp_rate=16)
            clock.advance(10)
        engine.tick(clock.now())
        window.refresh()
        qtbot.wait(50)
        trend = window.trend
        # The lone values are dots at their place; the line's values are not.
        assert pixels_near(trend, 2.0, 92.0, "spo2") > 0, "the lone SpO2 92"
        assert pixels_near(trend, 2.0, 12.0, "resp_rate") > 0, "the lone RR 12"
        assert trend.lone_data("spo2") == ([2.0], [92.0])
        assert trend.lone_data("resp_rate") == ([2.0], [12.0])
        assert trend.lone_data("heart_rate") == ([], [])
        # The line itself is still a line: 97 from minute 5, broken once after the 92.
        x, y = trend.curve_data("spo2", False)
        assert y.tolist() == [92.0] + [97.0] * 6
    finally:
        controller.stop()


def test_a_value_joined_to_a_neighbour_is_no_dot_and_one_left_alone_becomes_one(qtbot):
    trend = TrendPlot()
    qtbot.addWidget(trend)
    trend.add_reading("heart_rate", 70, 1.0, manual=False)
    trend.refresh()
    assert trend.lone_data("heart_rate") == ([1.0], [70.0])   # alone so far
    trend.add_reading("heart_rate", 72, 2.0, manual=False)
    trend.refresh()
    assert trend.lone_data("heart_rate") == ([], [])   # a line of two now
    trend.add_reading("heart_rate", 90, 9.0, manual=False)   # seven minutes of silence before
    trend.add_reading("pulse_rate", 88, 9.0, manual=False)
    trend.refresh()
    assert trend.lone_data("heart_rate") == ([9.0], [90.0])
    assert trend.lone_data("pulse_rate") == ([9.0], [88.0])   # its own colour, its own dot


@pytest.mark.parametrize(("values", "lone"), [
    ([], []),
    ([97.0], [0]),
    ([97.0, 96.0], []),
    ([97.0, np.nan, 92.0, np.nan, 95.0, 94.0], [0, 2]),
    ([np.nan, 92.0, np.nan], [1]),
    ([96.0, 97.0, np.nan, 92.0], [3]),
])
def test_lone_points_are_the_finite_values_with_no_finite_neighbour(values, lone):
    assert lone_points(np.asarray(values, dtype=np.float64)).tolist() == lone


@pytest.mark.parametrize("name", ["heart_rate", "pulse_rate"])
def test_a_heart_rate_alone_between_silences_is_a_dot_in_the_whole_session_strip(qtbot, name):
    # A monitor's HR 38 (a high alarm) at minute 4 with 5 minutes of silence on either side; the
    # oximeter's pulse is the strip's HR where no ECG sends one. The strip had drawn nothing of
    # it: a line of one point. At minute 40 the follow band (the last 15 min) is clear of it.
    trend = TrendPlot(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    qtbot.addWidget(trend)
    trend.resize(565, 420)
    trend.show()
    qtbot.waitExposed(trend)
    for second in range(0, 60, 10):
        trend.add_reading(name, 75.0, second / 60, manual=False)
    trend.add_reading(name, 38.0, 4.0, manual=False)
    for second in range(0, 60, 10):
        trend.add_reading(name, 80.0, 9.0 + second / 60, manual=False)
    trend.set_now(40.0)
    trend.refresh()
    qtbot.wait(50)
    assert trend.lone_data(name, strip=True) == ([4.0], [38.0])
    assert pixels_near(trend, 4.0, 38.0, name, strip=True) > 0, "the lone HR 38 in the strip"
    assert pixels_near(trend, 4.0, 80.0, name, strip=True) == 0   # nothing where no value was
    x, _ = trend.overview_lines[name].getData()
    assert x is not None and len(x)   # the lines themselves are still drawn
