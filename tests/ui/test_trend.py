"""The trend plot: what each curve, bar, limit line, label and marker holds after feeding it,
read from the plot items (`getOriginalDataset`, `InfiniteLine.value`, label text and position),
not from pixels; plus one offscreen render of a four-hour session.

Where values sit and what replaces what is the feed's business (tests/session/test_trend_feed.py);
the live window and the review through it: tests/ui/test_trend_paths.py; nothing overlapping at
1366x768 and 1920x1080: tests/ui/test_trend_layout.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtCore

from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.ui.trend import FOLLOW_MINUTES, FOLLOW_STEP, TIME_ROOM_PX, TrendPlot
from protocols.loader import load_protocol

PROTOCOL_FILE = Path(__file__).resolve().parents[2] / "protocols" / "iv-ketamine.toml"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def protocol():
    return load_protocol(PROTOCOL_FILE)


@pytest.fixture
def plot(qtbot, protocol):
    widget = TrendPlot(protocol)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    return widget


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def count_set_data(item):
    """Wrap an item's setData so the test can count calls."""
    calls = []
    original = item.setData

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    item.setData = counting
    return calls


# ---- curves ----------------------------------------------------------------------------------

def test_device_and_manual_values_go_to_their_own_curves(plot):
    plot.add_reading("heart_rate", 72, 1.0, manual=False)
    plot.add_reading("heart_rate", 74, 2.0, manual=False)
    plot.add_reading("heart_rate", 80, 2.5, manual=True)
    plot.add_reading("spo2", 97, 2.0, manual=False)
    plot.refresh()
    x, y = plot.curve_data("heart_rate", manual=False)
    assert x.tolist() == [1.0, 2.0] and y.tolist() == [72, 74]
    x, y = plot.curve_data("heart_rate", manual=True)
    assert x.tolist() == [2.5] and y.tolist() == [80]
    assert plot.curve_data("spo2", manual=False)[1].tolist() == [97]
    assert plot.curve_data("spo2", manual=True)[1].size == 0


def test_manual_values_are_symbols_without_a_line_and_device_values_a_line(plot):
    manual, device = plot.item("resp_rate", True), plot.item("resp_rate", False)
    assert manual.opts["pen"] is None and manual.opts["symbol"] == "d"
    assert device.opts["pen"] is not None and device.opts["symbol"] is None


def test_the_cuffs_pulse_is_a_dot_at_its_measurement_and_the_pulse_line_has_no_dip(qtbot,
                                                                                     protocol):
    from console.session.trend_feed import CUFF_PULSE, TrendFeed
    from devices.reading import NIBP_PULSE

    feed = TrendFeed(START)
    plot = TrendPlot(protocol, feed)
    qtbot.addWidget(plot)

    def pulse(value, received, measured=None, flags=frozenset()):
        return ObservationRecord(1, "pulse_rate", value, "/min", "hl7:MON",
                                 at(measured if measured is not None else received),
                                 at(received), "engine", flags=flags)

    feed.add([pulse(124, 10.0), pulse(125, 10.5),
              pulse(28, 10.75, measured=10.25, flags=frozenset({NIBP_PULSE})), pulse(126, 11.0)])
    plot.refresh()
    assert plot.curve_data("pulse_rate", manual=False)[1].tolist() == [124, 125, 126]
    x, y = plot.curve_data(CUFF_PULSE, manual=False)
    assert x.tolist() == [10.25] and y.tolist() == [28]
    dots = plot.item(CUFF_PULSE, False)
    assert dots.opts["pen"] is None and dots.opts["symbol"] == "o" and dots.isVisible()
    low, high = plot.panels[1].plot.viewRange()[1]
    assert low < 28 < high   # the pulse panel's scale (30-150) widens to hold the cuff's value


def test_device_bp_is_drawn_as_points_while_sparse_and_as_a_line_when_continuous(qtbot, protocol):
    plot = TrendPlot(protocol)
    qtbot.addWidget(plot)
    for i in range(10):   # NIBP every 5 minutes
        plot.add_reading("bp_systolic", 120 + i, 5.0 * i, manual=False)
    plot.refresh()
    assert plot.item("bp_systolic", False).opts["symbol"] == "t"
    for i in range(1000):   # an arterial line: one value a second
        plot.add_reading("bp_systolic", 125, 50 + i / 60, manual=False)
    plot.refresh()
    assert plot.item("bp_systolic", False).opts["symbol"] is None
    assert plot.curve_data("bp_systolic", False)[0].size == 1010


def test_scales_and_unknown_metrics_are_not_curves(plot):
    # Scales are drawn as observation markers by the caller; add_reading ignores them.
    plot.add_reading("moaas", 3, 1.0, manual=True)
    plot.add_reading("not_a_metric", 1, 1.0, manual=False)
    plot.refresh()
    for name in ("bp_systolic", "heart_rate", "spo2"):
        assert plot.curve_data(name, manual=True)[0].size == 0


def test_add_reading_only_fills_buffers_until_refresh(plot):
    plot.add_reading("spo2", 98, 1.0, manual=False)
    assert plot.curve_data("spo2", manual=False)[0].size == 0
    plot.refresh()
    assert plot.curve_data("spo2", manual=False)[0].size == 1


def test_buffers_grow_past_their_first_capacity_without_losing_points(qtbot):
    plot = TrendPlot(None, capacity=8)
    qtbot.addWidget(plot)
    for i in range(1000):
        plot.add_reading("heart_rate", 60 + i % 40, i / 60, manual=False)
        if i % 97 == 0:
            plot.refresh()   # refreshes between growths must not keep a stale buffer
    plot.refresh()
    x, y = plot.curve_data("heart_rate", manual=False)
    assert x.size == 1000
    np.testing.assert_allclose(x, np.arange(1000) / 60)
    np.testing.assert_array_equal(y, 60 + np.arange(1000) % 40)


def test_a_late_value_is_placed_in_time_order(plot):
    for minutes in (1.0, 2.0, 4.0):
        plot.add_reading("resp_rate", 14, minutes, manual=True)
    plot.add_reading("resp_rate", 18, 3.0, manual=True)   # entered late for minute 3
    plot.refresh()
    x, y = plot.curve_data("resp_rate", manual=True)
    assert x.tolist() == [1.0, 2.0, 3.0, 4.0] and y.tolist() == [14, 14, 18, 14]


def test_a_silent_device_leaves_a_gap_in_its_line(plot):
    plot.add_reading("heart_rate", 70, 1.0, manual=False)
    plot.add_reading("heart_rate", 71, 10.0, manual=False)   # nine minutes without a value
    plot.refresh()
    _, raw = plot.item("heart_rate", False).getOriginalDataset()
    assert np.isnan(raw).sum() == 1   # the break drawn as a NaN (connect="finite")
    assert plot.curve_data("heart_rate", False)[1].tolist() == [70, 71]


def test_refresh_with_nothing_new_does_not_call_set_data(plot):
    plot.add_reading("heart_rate", 70, 1.0, manual=False)
    plot.add_reading("spo2", 97, 1.0, manual=False)
    hr_calls = count_set_data(plot.item("heart_rate", False))
    spo2_calls = count_set_data(plot.item("spo2", False))
    plot.refresh()
    assert (len(hr_calls), len(spo2_calls)) == (1, 1)
    plot.refresh()
    plot.refresh()
    assert (len(hr_calls), len(spo2_calls)) == (1, 1)
    plot.add_reading("heart_rate", 71, 2.0, manual=False)
    plot.refresh()
    assert (len(hr_calls), len(spo2_calls)) == (2, 1)   # only the curve that changed


# ---- thresholds ------------------------------------------------------------------------------

def test_threshold_lines_match_the_protocol(plot):
    plot.refresh()
    assert sorted(plot.threshold_values("spo2")) == [90, 93]
    assert sorted(plot.threshold_values("bp_systolic")) == [180, 200]
    assert sorted(plot.threshold_values("bp_diastolic")) == [110, 120]
    assert sorted(plot.threshold_values("heart_rate")) == [40, 50, 110, 120, 131]
    assert sorted(plot.threshold_values("resp_rate")) == [8, 11, 25]
    assert plot.threshold_values("pulse_rate") == []


def test_threshold_lines_are_horizontal_dashed_and_coloured_by_priority(plot):
    plot.refresh()
    lines = {round(e.line.value()): e.line for e in plot._thresholds if e.metric == "spo2"}
    assert lines[90].angle == 0 and lines[93].angle == 0
    assert lines[90].pen.style() == QtCore.Qt.PenStyle.DashLine
    assert lines[90].pen.color().name() == "#ff5252"   # high: red
    assert lines[93].pen.color().name() == "#ffb300"   # medium: amber


def test_baseline_relative_limit_appears_once_a_baseline_is_known(plot):
    plot.refresh()
    assert 170 not in plot.threshold_values("bp_systolic")
    plot.set_baseline("bp_systolic", 130)
    plot.set_baseline("bp_diastolic", 80)
    plot.refresh()
    assert sorted(plot.threshold_values("bp_systolic")) == [170, 180, 200]
    assert sorted(plot.threshold_values("bp_diastolic")) == [105, 110, 120]
    plot.set_baseline("bp_systolic", 150)   # a new baseline moves the line
    plot.refresh()
    assert sorted(plot.threshold_values("bp_systolic")) == [180, 190, 200]


def test_no_protocol_draws_no_limits(qtbot):
    plot = TrendPlot()
    qtbot.addWidget(plot)
    plot.refresh()
    assert plot.threshold_values("spo2") == []


def test_threshold_lines_stay_inside_the_y_range(plot):
    plot.set_baseline("bp_systolic", 200)   # baseline + 40 = 240, above the default range
    plot.refresh()
    low, high = plot.panels[0].plot.viewRange()[1]
    assert low <= 110 and high >= 240


# ---- views -----------------------------------------------------------------------------------

def shows_last_fifteen_minutes(x_range, now):
    """The follow window holds [now - 15, now] and at most one 15-s step more."""
    low, high = x_range
    return (low <= now - FOLLOW_MINUTES and now <= high < now + FOLLOW_STEP
            and high - low == pytest.approx(FOLLOW_MINUTES + FOLLOW_STEP))


def room_px(plot) -> tuple[float, float]:
    """How far (px) `x_range()`'s start and end lie inside the panels' left and right edges."""
    vb = plot.panels[0].plot.getViewBox()
    (x0, x1), (low, high) = vb.viewRange()[0], plot.x_range()
    px_per_minute = float(vb.width()) / (x1 - x0)
    return (low - x0) * px_per_minute, (x1 - high) * px_per_minute


def test_follow_view_shows_the_last_fifteen_minutes(plot):
    for minute in range(60):
        plot.add_reading("heart_rate", 70, float(minute), manual=False)
    plot.refresh()
    assert plot.view == "follow"
    assert shows_last_fifteen_minutes(plot.x_range(), 59)
    np.testing.assert_allclose(plot.panels[2].plot.viewRange()[0],
                               plot.panels[0].plot.viewRange()[0])   # x-linked
    # The panels show that range, and a symbol's room beyond each end (a value at either end
    # is drawn whole: tests/ui/test_trend_geometry.py).
    assert room_px(plot) == pytest.approx((TIME_ROOM_PX, TIME_ROOM_PX))
    plot.set_now(70.1)   # no value for ten minutes: the view keeps moving
    plot.refresh()
    assert shows_last_fifteen_minutes(plot.x_range(), 70.1)
    assert plot.x_range() == (55.0, 70.25)   # in 15-s steps


def test_follow_view_moves_only_when_a_step_is_crossed(plot):
    plot.set_now(30.0)
    plot.refresh()
    ranges = []
    for second in range(1, 31):
        plot.add_reading("heart_rate", 70, 30 + second / 60, manual=False)
        plot.refresh()
        ranges.append(plot.x_range())
        assert shows_last_fifteen_minutes(plot.x_range(), 30 + second / 60)
    assert len(set(ranges)) == 2   # 30 s of values: two 15-s steps


def test_whole_view_covers_the_session_and_the_buttons_switch(plot, qtbot):
    for minute in range(0, 121, 5):
        plot.add_reading("spo2", 97, float(minute), manual=False)
    plot.refresh()
    with qtbot.waitSignal(plot.view_changed) as blocker:
        qtbot.mouseClick(plot.whole_button, QtCore.Qt.MouseButton.LeftButton)
    assert blocker.args == ["whole"]
    assert plot.x_range() == (0, 120)
    # Room for a symbol at each end in pixels, whatever the session's length (1 % of it was
    # less than half the NIBP mean's 16-px tick at the live window's sizes).
    assert room_px(plot) == pytest.approx((TIME_ROOM_PX, TIME_ROOM_PX))
    qtbot.mouseClick(plot.follow_button, QtCore.Qt.MouseButton.LeftButton)
    assert plot.view == "follow" and shows_last_fifteen_minutes(plot.x_range(), 120)


def test_a_young_session_shows_its_first_fifteen_minutes(plot):
    plot.add_reading("heart_rate", 70, 3.0, manual=False)
    plot.refresh()
    assert plot.x_range() == (0, FOLLOW_MINUTES)


def test_a_cuff_taken_before_the_session_opened_is_in_every_view(qtbot, protocol):
    """The monitor's cuff of 08:55, delivered with its first message at 09:00 (its HR shows the
    clock right), sits at minute -5, where it was measured; the tile shows it, so every view
    holds it: the follow window, the whole session, the strip, the review's and the report's
    plot. Each started at minute 0 and the pre-dose BP was drawn nowhere."""
    def monitor(name, value, measured, received=0.3):
        return ObservationRecord(1, name, value, "x", "hl7:MON", at(measured), at(received),
                                 "engine")

    records = [monitor("heart_rate", 72, 0.3), monitor("bp_systolic", 152, -5.0),
               monitor("bp_diastolic", 96, -5.0)]
    live = TrendPlot(protocol, started_at=START)
    qtbot.addWidget(live)
    live.resize(1200, 800)
    live.feed.add(records)
    live.refresh()
    assert live.bar_data(manual=False)[0].tolist() == [-5.0, -5.0]   # the bar, at 08:55
    assert live.view == "follow" and live.x_range() == (-5.0, FOLLOW_MINUTES)
    assert live.overview_plot.getViewBox().viewRange()[0][0] <= -5.0   # the strip
    assert live.overview_band.getRegion() == live.x_range()
    live.set_view("whole")
    assert live.x_range() == (-5.0, FOLLOW_MINUTES)
    review = TrendPlot.for_session(protocol, list(enumerate(records, start=1)), [], [], START)
    qtbot.addWidget(review)
    assert review.view == "whole" and review.x_range()[0] == -5.0
    # An hour on, the follow window has left it behind; the whole session still starts there.
    live.set_now(60.0)
    live.set_view("follow")
    assert live.x_range()[0] > 40
    assert live.overview_plot.getViewBox().viewRange()[0][0] <= -5.0


def test_unknown_view_and_marker_kind_are_refused_with_the_choices(plot):
    with pytest.raises(ValueError, match="'zoom' is not 'follow' or 'whole'"):
        plot.set_view("zoom")
    with pytest.raises(ValueError, match="phase, dose, observation, alarm"):
        plot.add_marker(1.0, "x", "comment")


# ---- markers ---------------------------------------------------------------------------------

def test_markers_are_drawn_with_their_text(plot, qtbot):
    plot.add_marker(0.0, "Pre-session checks", "phase")
    plot.add_marker(12.0, "T0 dose", "dose")
    plot.add_marker(25.0, "MOAA/S 3", "observation")
    plot.add_marker(30.0, "Systolic BP 185", "alarm")
    assert plot.markers() == []   # drawn on refresh, not before
    plot.refresh()
    assert plot.markers() == [
        (0.0, "Pre-session checks", "phase"), (12.0, "T0 dose", "dose"),
        (25.0, "MOAA/S 3", "observation"), (30.0, "Systolic BP 185", "alarm"),
    ]
    # Each marker is a vertical line across the label lane and every panel.
    for items in [plot._lane_markers, *(p.marker_items for p in plot.panels)]:
        xs = []
        for item in items.values():
            x, _ = item.getData()
            xs.extend([] if x is None else x[::2].tolist())
        assert sorted(xs) == [0.0, 12.0, 25.0, 30.0]
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_view("whole")
    # An alarm's label says its priority without colour too (a marker added without one: high).
    assert plot.lane_labels() == ["Pre-session checks", "T0 dose", "MOAA/S 3",
                                  "*** Systolic BP 185"]


# ---- a logged session (the review) -----------------------------------------------------------

def obs(metric, value, minutes, source="hl7:mon", flags=(), corrects=None, measured=None):
    return ObservationRecord(
        session_id=1, metric=metric, value=value, unit="", source=source,
        measured_at=at(measured) if measured is not None else None, received_at=at(minutes),
        entered_by="ana", flags=frozenset(flags), corrects=corrects,
    )


def test_load_session_fills_curves_and_markers_from_logged_records(qtbot, protocol):
    observations = [
        (1, obs("heart_rate", 70, 1.0)),
        (2, obs("heart_rate", 99, 2.0, flags=("DEMO",))),            # never patient data
        (3, obs("bp_systolic", 130, 5.0, source="manual")),
        (4, obs("bp_systolic", 310 / 2, 20.0, source="manual")),     # a typo...
        (5, obs("bp_systolic", 145, 20.5, source="manual", corrects=4)),   # ...corrected
        (6, obs("bp_systolic", 150, 32.0, measured=31.5)),            # NIBP at its measured time
        (7, obs("moaas", 3, 25.0, source="manual")),
    ]
    events = [
        (1, EventRecord(1, at(0), "phase_started", "ana", {"phase": "pre", "name": "Pre-session checks"})),
        (2, EventRecord(1, at(10), "phase_started", "ana", {"phase": "infusion", "name": "Infusion"})),
        (3, EventRecord(1, at(10), "dosing_started", "ana", {"t0": True, "baseline": {"bp_systolic": 130}})),
        (4, EventRecord(1, at(12), "checklist_ticked", "ana", {"item": "pump-programmed"})),
    ]
    alarms = [
        (1, AlarmTransition(1, 1, "bp_systolic_high", "physiological", "medium", "raised", at(30),
                            "Systolic BP 185 mmHg, limit ≥180", value=185)),
        (4, AlarmTransition(1, 3, "device_lost", "technical", "medium", "raised", at(33),
                            "Device disconnected: port /dev/ttyUSB0 closed")),
        (2, AlarmTransition(1, 1, "bp_systolic_high", "physiological", "medium", "acknowledged", at(31), "x")),
        (3, AlarmTransition(1, 2, "vitals_due:BP", "prompt", "info", "raised", at(40), "BP due")),
    ]
    plot = TrendPlot.for_session(protocol, observations, events, alarms, START)
    qtbot.addWidget(plot)
    assert plot.curve_data("heart_rate", False)[1].tolist() == [70]
    # The correction replaces the typo where it was drawn (minute 20), not at minute 20.5.
    x, y = plot.curve_data("bp_systolic", True)
    assert x.tolist() == [5.0, 20.0] and y.tolist() == [130, 145]
    x, y = plot.curve_data("bp_systolic", False)
    assert x.tolist() == [31.5] and y.tolist() == [150]
    # Markers in time order; a technical alarm and a reminder are not markers.
    assert plot.markers() == [
        (0.0, "Pre-session checks", "phase"),
        (10.0, "Infusion", "phase"),
        (10.0, "T0 dose", "dose"),
        (25.0, "MOAA/S 3", "observation"),
        (30.0, "Systolic 185", "alarm"),
    ]
    assert 170 in plot.threshold_values("bp_systolic")   # baseline 130 + 40, from the T0 event
    assert plot.view == "whole" and plot.x_range() == (0, 32.0)   # to the next whole minute


def test_a_demo_session_charts_its_own_demo_readings(qtbot):
    plot = TrendPlot()
    qtbot.addWidget(plot)
    plot.load_session([(1, obs("spo2", 96, 1.0, flags=("DEMO",)))], [], [], START, demo=True)
    assert plot.curve_data("spo2", False)[1].tolist() == [96]


# ---- a four-hour session, rendered -----------------------------------------------------------

def four_hour_session(plot: TrendPlot, seed: int = 7) -> None:
    """Feed a synthetic 4-hour session: six vitals at 1 Hz, NIBP every 5 min, manual checks,
    phase, dose, observation and alarm markers."""
    rng = np.random.default_rng(seed)
    minutes = np.arange(4 * 3600) / 60.0
    surge = 35 * np.exp(-((minutes - 50) / 15) ** 2)   # BP peaks 30-40 min after T0
    series = {
        "heart_rate": 72 + 6 * np.sin(minutes / 9) + rng.normal(0, 1.5, minutes.size) + surge / 3,
        "pulse_rate": 73 + 6 * np.sin(minutes / 9) + rng.normal(0, 2, minutes.size) + surge / 3,
        "resp_rate": 15 + rng.normal(0, 1, minutes.size) - 4 * np.exp(-((minutes - 45) / 8) ** 2),
        "spo2": np.clip(97 + rng.normal(0, 0.6, minutes.size) - 4 * np.exp(-((minutes - 47) / 3) ** 2), 0, 100),
    }
    for name, values in series.items():
        for m, v in zip(minutes, values):
            plot.add_reading(name, float(v), float(m), manual=False)
    for m in np.arange(0, 240, 5.0):   # NIBP cycle
        systolic = 124 + float(surge[int(m * 60)]) + rng.normal(0, 3)
        plot.add_reading("bp_systolic", systolic, m, manual=False)
        plot.add_reading("bp_diastolic", systolic * 0.62, m, manual=False)
        plot.add_reading("bp_mean", systolic * 0.75, m, manual=False)
    for m in np.arange(2, 240, 15.0):   # manual checks
        plot.add_reading("bp_systolic", 126 + float(surge[int(m * 60)]), m, manual=True)
        plot.add_reading("bp_diastolic", 80 + float(surge[int(m * 60)]) / 2, m, manual=True)
        plot.add_reading("resp_rate", 16, m, manual=True)
        plot.add_reading("heart_rate", 76, m, manual=True)
        plot.add_reading("spo2", 96, m, manual=True)
    plot.set_baseline("bp_systolic", 124)
    plot.set_baseline("bp_diastolic", 78)
    plot.add_marker(0.0, "Pre-session", "phase")
    plot.add_marker(15.0, "T0 dose", "dose")
    plot.add_marker(35.0, "MOAA/S 3", "observation")
    plot.add_marker(47.0, "SpO2 92 %", "alarm", None)
    plot.add_marker(55.0, "Observation", "phase")
    plot.add_marker(70.0, "nausea 2", "observation")
    plot.add_marker(110.0, "Discharge", "phase")


def test_a_four_hour_session_renders_offscreen_to_a_png(qtbot, protocol, tmp_path):
    plot = TrendPlot(protocol)
    qtbot.addWidget(plot)
    plot.resize(1280, 760)
    four_hour_session(plot)
    plot.set_view("whole")
    plot.refresh()
    plot.show()
    qtbot.waitExposed(plot)
    path = tmp_path / "trend.png"
    assert plot.grab().save(str(path))
    assert path.stat().st_size > 30_000   # a blank or black widget compresses to a few KB
    assert plot.curve_data("heart_rate", False)[0].size == 4 * 3600
    assert plot.x_range() == (0, 4 * 60)


# ---- the redesign: bars, panels, labels, the whole-session strip --------------------------------

@pytest.fixture
def shown(qtbot, protocol):
    """A trend at the size it gets in the live window at 1366x768, on screen (labels are laid out
    from the panels' real geometry)."""
    widget = TrendPlot(protocol)
    qtbot.addWidget(widget)
    widget.resize(565, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_nibp_is_a_bar_from_systolic_to_diastolic_with_its_mean(shown):
    for name, value in (("bp_systolic", 150), ("bp_diastolic", 95), ("bp_mean", 113)):
        shown.add_reading(name, value, 10.0, manual=False)
    shown.add_reading("bp_systolic", 128, 3.0, manual=True)   # typed: diamonds and a dashed bar
    shown.add_reading("bp_diastolic", 84, 3.0, manual=True)
    shown.refresh()
    x, y = shown.bar_data(manual=False)
    assert x.tolist() == [10.0, 10.0] and y.tolist() == [150, 95]
    assert shown.bars.opts["connect"] == "pairs" and shown.bars.opts["pen"].width() == 3
    assert shown.item("bp_mean", False).opts["symbol"] == "_"   # the mean: a tick on the bar
    x, y = shown.bar_data(manual=True)
    assert x.tolist() == [3.0, 3.0] and y.tolist() == [128, 84]
    assert shown.manual_bars.opts["pen"].style() == QtCore.Qt.PenStyle.DashLine


def test_each_vital_has_its_own_panel_and_scale(shown):
    shown.add_reading("resp_rate", 14, 1.0, manual=False)
    shown.add_reading("heart_rate", 72, 1.0, manual=False)
    shown.refresh()
    panel_of = {m: i for i, p in enumerate(shown.panels) for m in
                ("bp_systolic", "heart_rate", "spo2", "resp_rate") if shown.item(m, False) in p.plot.items}
    assert len(set(panel_of.values())) == 4
    rr_low, rr_high = shown.panels[panel_of["resp_rate"]].plot.viewRange()[1]
    hr_low, hr_high = shown.panels[panel_of["heart_rate"]].plot.viewRange()[1]
    assert rr_high <= 45 and hr_high >= 150   # RR 14 is no longer a flat line on a 0-150 axis


def test_limit_labels_sit_beside_their_lines_in_value_order_and_merge_when_too_close(shown):
    shown.set_baseline("bp_systolic", 128)   # base+40 = 168
    shown.set_baseline("bp_diastolic", 85)   # base+25 = 110, on the fixed 110 line
    shown.refresh()
    labels = shown.limit_labels(0)
    assert labels[:3] == ["S ≥200", "S ≥180", "S ≥168"]
    # The fixed ≥110 and baseline + 25 are one line: one value, not "D ≥110/110".
    assert labels[-2:] == ["D ≥120", "D ≥110"] or labels[-1] == "D ≥110/120", labels
    assert shown.limit_labels(3) == ["≥25", "≤11", "≤8"]


def test_crowded_markers_stack_in_rows_and_the_overflow_is_counted(shown):
    for k in range(6):   # six events within a minute: three rows, then "+N"
        shown.add_marker(20.0 + k / 10, f"event {k}", "observation")
    shown.refresh()
    labels = shown.lane_labels()
    assert len(labels) == 3
    assert sum(int(text.rsplit("+", 1)[1]) for text in labels if "+" in text) == 3
    rows = {round(lab.pos().y()) for lab in shown._lane_labels if lab.isVisible()}
    assert len(rows) == 3


def test_the_strip_shows_the_whole_session_beside_the_last_fifteen_minutes(shown):
    for minute in range(0, 120):
        shown.add_reading("heart_rate", 150 if minute == 10 else 72, float(minute), manual=False)
    shown.refresh()
    assert shown.x_range()[0] > 100   # the panels follow the last 15 minutes...
    x, y = shown.overview_lines["heart_rate"].getData()   # ...the strip holds the whole session
    assert x.min() == 0 and 150 in y   # the peak at minute 10, peak-downsampled but kept
    assert shown.overview_band.getRegion() == shown.x_range()
    shown.set_view("whole")
    assert not shown.overview.isVisible()   # the panels show it all: no strip to repeat them


def test_the_header_and_the_scales_fit_the_larger_text_in_the_resize_that_grows_it(qtbot, protocol):
    """A window shown at 1920x1080 paints at once: the trend's text grows in that first resize,
    and the buttons, the key and the value columns must already be wide enough for it (one
    frame had shown "ast 15 min" and "Whole sessior"), not only after the next turn of the loop."""
    widget = TrendPlot(protocol)
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    qtbot.waitExposed(widget)
    QtCore.QCoreApplication.processEvents()
    axis = widget.panels[0].plot.getAxis("left")
    small = (widget.follow_button.width(), axis.width())
    widget.resize(700, 900)   # no events processed after it: what the next paint would show
    for part in (widget.follow_button, widget.whole_button, widget.key):
        assert part.width() >= part.sizeHint().width(), part.text()
    assert widget.follow_button.width() > small[0]
    assert axis.width() == axis.maximumWidth() > small[1]


def test_a_device_clock_skew_shows_a_technical_notice_once(qtbot, protocol):
    from datetime import UTC, datetime, timedelta

    from console.session.trend_feed import TrendFeed

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    feed = TrendFeed(start)
    plot = TrendPlot(protocol, feed)
    qtbot.addWidget(plot)
    plot.show()
    assert not plot.notice.isVisible()
    feed.add([ObservationRecord(1, "heart_rate", 80, "", "hl7:MON", start + timedelta(minutes=18),
                                start + timedelta(minutes=10), "engine")])
    plot.refresh()
    assert plot.notice.isVisible()
    assert plot.notice.full_text() == (
        "Monitor clock 8 min ahead of this console: its values are drawn at the time the console "
        "received them (hl7:MON; the offset when first noticed, the tile shows it now).")
    # One line, cut where it must be, whatever the trend's width: a monitor's clock a minute
    # off is common, and the notice stays for the session (wrapped, it took three lines).
    plot.resize(600, 600)
    QtCore.QCoreApplication.processEvents()
    assert plot.notice.height() < 2 * plot.notice.fontMetrics().height()
    assert plot.notice.text().startswith("Monitor clock 8 min ahead of this console: its values")
    assert plot.notice.toolTip() == plot.notice.full_text()


def test_nibp_symbols_shrink_where_bars_stand_too_close_to_tell_apart(shown):
    for minute in np.arange(0, 240, 3.0):   # a 4-hour session's NIBP, every 3 minutes
        for name, value in (("bp_systolic", 130), ("bp_diastolic", 82), ("bp_mean", 98)):
            shown.add_reading(name, value, float(minute), manual=False)
    shown.refresh()
    assert shown.item("bp_systolic", False).opts["symbolSize"] == 10   # 5 bars in 15 minutes
    shown.set_view("whole")   # 80 bars in ~450 px: full-size ▼▲ would merge into one band
    assert shown.item("bp_systolic", False).opts["symbolSize"] == 5
    assert shown.bar_data(manual=False)[0].size == 160   # the bars themselves all stay


# ---- every value a column can show is drawn ----------------------------------------------------

def _drawn(plot, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """What the curve draws now (reduced to its pixel columns and clipped to the view)."""
    x, y = plot.item(metric, False).getData()
    return np.asarray(x), np.asarray(y)


@pytest.mark.parametrize("seconds", [150 * 60 + 19, 150 * 60 + 41, 151 * 60 + 3])
def test_a_fall_in_the_newest_seconds_is_drawn_in_the_whole_session_view(shown, seconds):
    # Peak downsampling kept whole bins only: 2.5 h in, at 1366x768, an SpO2 fall to 82 in the
    # last 15 s (the last 2-18 values) was not drawn; the line ended at the last whole bin.
    for s in range(seconds):
        shown.add_reading("spo2", 82 if s >= seconds - 15 else 97, s / 60, manual=False)
    shown.set_view("whole")
    shown.refresh()
    x, y = _drawn(shown, "spo2")
    assert y.size < seconds / 4   # still one column's extremes a column, not every second
    assert np.nanmin(y) == 82
    assert x[-1] == (seconds - 1) / 60 and y[-1] == 82   # the line runs to the newest value


def test_a_value_beside_a_break_in_the_line_is_drawn(shown):
    # A bin holding the break (NaN) of a gap over 2 minutes was not drawn at all: an SpO2 of 82
    # in the seconds before a monitor went silent for 4 minutes, 2.5 h in, was missing.
    for s in range(150 * 60):
        if not 60 * 60 <= s < 64 * 60:
            shown.add_reading("spo2", 82 if 60 * 60 - 8 <= s < 60 * 60 else 97, s / 60, manual=False)
    shown.set_view("whole")
    shown.refresh()
    x, y = _drawn(shown, "spo2")
    assert np.nanmin(y) == 82
    assert np.isnan(y).sum() == 1   # the line still breaks at the gap, once
    assert x[np.isnan(y)][0] == pytest.approx((60 * 60 - 1) / 60)


def test_the_strip_draws_the_newest_seconds_of_the_session(shown):
    seconds = 150 * 60 + 19
    for s in range(seconds):
        shown.add_reading("heart_rate", 140 if s >= seconds - 15 else 72, s / 60, manual=False)
    shown.refresh()   # the last 15 minutes below, the whole session in the strip
    x, y = shown.overview_lines["heart_rate"].getData()
    assert np.nanmax(y) == 140
    assert x[-1] == (seconds - 1) / 60 and y[-1] == 140   # not back down to 72: in time order
