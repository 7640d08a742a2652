"""The session trend plot: three stacked, x-linked pyqtgraph plots sharing one time axis.

Rows: (1) BP systolic / diastolic / mean, (2) heart rate, pulse rate and respiratory rate,
(3) SpO2. The live window and the review window use this same widget; it draws what it is given
and decides nothing clinical.

Drawing rules (why, with the measurement behind each; see shared/design/architecture.md):
- The time axis is **minutes since the session opened**, not wall-clock labels: the protocol, the
  checks and the nurse's questions ("BP peaks 30-40 min in", "30 min of observation") are all in
  elapsed minutes, and the review compares sessions held on different days on one scale.
- Every curve is created once, in `__init__`, and fed from a preallocated float64 buffer that
  doubles when full. pyqtgraph 0.14's `appendData` does nothing, and rebuilding items per update
  leaks under PySide6, so `refresh()` calls `setData(t[:n], v[:n])` on the curves whose buffer
  changed and on nothing else.
- Antialiasing off, 1-px pens, peak downsampling and clip-to-view: a 2-px antialiased pen cost
  ~100 ms a frame at 1,000 points, while peak downsampling drew 14,400 points in ~12 ms. Peak
  downsampling keeps every spike a 1,200-px plot can show, so nothing the nurse needs is dropped.
- Device values are lines; manual values are hollow diamonds with no line, so the two are told
  apart at a glance (and in the legend). Device BP (NIBP) is a line through filled points at each
  measured time while it is sparse; a device that sends BP every second (an arterial line) gets
  the line only, as thousands of symbols would cost more than the rest of the plot.
- A continuous device line is broken where no value came for `gap_minutes`: a straight line across
  a disconnection would show values nobody measured.
- The view moves in steps, not every second: the follow window jumps 15 s at a time (and is
  15 s wider than 15 min, so the last 15 minutes are always in it); the whole view ends at the
  next whole minute. Moving the axis every second cost a re-reduction of every curve and a new
  time axis per frame for sub-pixel motion (see `_target_x_range`).
- The y ranges are fixed per row (and widened to fit thresholds and data), never autoscaled per
  frame: a jumping scale makes a stable trace look as if it moved.

Scope: only vitals (`protocols.vitals.VITALS`) are curves. Observation scales (MOAA/S, nausea, ...)
are drawn as observation markers: `add_reading` ignores them, `load_session` turns them into
markers. Filtering DEMO/TEST readings is the caller's job for `add_reading` (it takes plain
numbers); `load_session` skips flagged observations itself unless told the session is a demo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from console.records import ESCALATED, RAISED, AlarmTransition, EventRecord, ObservationRecord
from protocols.vitals import BP_METRICS, METRICS, VITALS
from protocols.model import AlarmRule, Priority, Protocol

FOLLOW = "follow"
WHOLE = "whole"
FOLLOW_MINUTES = 15.0
FOLLOW_STEP = 0.25   # minutes: how far the follow window jumps at a time
MARKER_KINDS = ("phase", "dose", "observation", "alarm")

# Rows of the plot: which vitals share a y axis, the axis title and the default y range. The ranges
# hold the usual values and every default threshold line, so a quiet session never rescales.
ROWS: tuple[tuple[tuple[str, ...], str, tuple[float, float]], ...] = (
    (("bp_systolic", "bp_diastolic", "bp_mean"), "BP mmHg", (40.0, 220.0)),
    # Below 0 on purpose: room under the RR ≤8 line for its label.
    (("heart_rate", "pulse_rate", "resp_rate"), "HR · PR · RR /min", (-12.0, 150.0)),
    (("spo2",), "SpO2 %", (80.0, 101.0)),
)

# Trace colours on the black background; picked away from the alarm red and amber so a trace is
# never read as a limit line.
COLOURS = {
    "bp_systolic": "#f5f5f5",
    "bp_diastolic": "#90caf9",
    "bp_mean": "#ce93d8",
    "heart_rate": "#66bb6a",
    "pulse_rate": "#80deea",
    "resp_rate": "#fff59d",
    "spo2": "#29b6f6",
}
SHORT_LABELS = {
    "bp_systolic": "Systolic", "bp_diastolic": "Diastolic", "bp_mean": "Mean",
    "heart_rate": "HR", "pulse_rate": "Pulse", "resp_rate": "RR", "spo2": "SpO2",
}
# Limit-line labels are shorter still: they sit on the plot beside other lines.
LIMIT_LABELS = {**SHORT_LABELS, "bp_systolic": "Sys", "bp_diastolic": "Dia", "bp_mean": "MAP"}
# Device NIBP symbols follow the paper anaesthesia chart: systolic ▼, diastolic ▲, mean ●.
NIBP_SYMBOLS = {"bp_systolic": "t", "bp_diastolic": "t1", "bp_mean": "o"}
# Over this many points a device BP series is continuous (arterial line) and drawn as a line only.
NIBP_SYMBOL_LIMIT = 500

PRIORITY_COLOURS = {
    Priority.HIGH: "#ff5252",
    Priority.MEDIUM: "#ffb300",
    Priority.LOW: "#26c6da",
    Priority.INFO: "#b0bec5",
}
MARKER_COLOURS = {
    "phase": "#b0bec5",
    "dose": "#69f0ae",
    "observation": "#b39ddb",
    "alarm": PRIORITY_COLOURS[Priority.HIGH],
}
# Marker labels sit in their own lane above the plots and step down it in turn, so neighbouring
# labels do not print on each other or on the traces and limit labels.
LABEL_POSITIONS = (0.8, 0.5, 0.2)
# Limit labels of neighbouring values alternate between two places along the line (fractions of
# the width, at the left where the follow view shows the oldest data, not the newest).
LIMIT_LABEL_POSITIONS = (0.01, 0.12, 0.23)
BUTTON_STYLE = (
    "QPushButton { padding: 4px 14px; }"
    "QPushButton:checked { background: #1565c0; color: white; }"
)
FONT_POINTS = 12
INITIAL_CAPACITY = 1024

# Short names for observation-scale markers ("MOAA/S 3", "nausea 2").
SCALE_MARKER_NAMES = {
    "moaas": "MOAA/S", "nausea": "nausea", "dissociation": "CADSS", "hallucinations": "halluc.",
    "fatigue": "fatigue", "aldrete": "Aldrete",
}


class _Buffer:
    """Growable time/value arrays: appends are O(1) amortised, reads are views (no copy)."""

    def __init__(self, capacity: int) -> None:
        self.t = np.empty(capacity, dtype=np.float64)
        self.v = np.empty(capacity, dtype=np.float64)
        self.n = 0

    def append(self, minutes: float, value: float) -> None:
        """Add a point, keeping time order (clip-to-view searches x, so x must stay sorted)."""
        if self.n == len(self.t):
            self._grow()
        n = self.n
        if n and minutes < self.t[n - 1]:
            # A late point (a value entered for an earlier time): shift the tail once. Rare, so
            # the O(n) move is cheaper than keeping a sorted structure for every append.
            i = int(np.searchsorted(self.t[:n], minutes, side="right"))
            self.t[i + 1:n + 1] = self.t[i:n]
            self.v[i + 1:n + 1] = self.v[i:n]
            self.t[i], self.v[i] = minutes, value
        else:
            self.t[n], self.v[n] = minutes, value
        self.n = n + 1

    def _grow(self) -> None:
        size = max(2 * len(self.t), 16)
        t, v = np.empty(size, dtype=np.float64), np.empty(size, dtype=np.float64)
        t[:self.n], v[:self.n] = self.t[:self.n], self.v[:self.n]
        self.t, self.v = t, v

    def last_time(self) -> float | None:
        return float(self.t[self.n - 1]) if self.n else None


@dataclass
class _Series:
    """One drawn curve and the buffer that feeds it."""

    metric: str
    manual: bool
    item: pg.PlotDataItem
    buffer: _Buffer
    gap_minutes: float | None     # insert a line break after a silence this long; None = never
    dirty: bool = False
    symbols_on: bool = False      # device BP only: symbols shown while the series is sparse


@dataclass
class _Threshold:
    """One dashed limit line; a baseline-relative one waits hidden for its baseline."""

    metric: str
    line: pg.InfiniteLine
    value: float | None           # None until a baseline makes it known
    rise: float | None = None     # set on baseline-relative limits


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical marker: when, what it says, and its kind (one of `MARKER_KINDS`)."""

    minutes: float
    text: str
    kind: str
    priority: Priority | None = None


@dataclass
class _Pending:
    """What add_* calls queued for the next refresh(), the only place items are touched."""

    markers: list[Marker] = field(default_factory=list)
    thresholds: bool = False
    view: bool = True


class TrendPlot(QtWidgets.QWidget):
    """The session trend: BP, rates and SpO2 over time, with limits and markers.

    Feed it with `add_reading` / `add_marker` / `set_baseline` / `set_now` (cheap: buffers only),
    then call `refresh()` from the window's timer to draw what changed.

    Signals:
        view_changed(str): the view switched to "follow" or "whole" (button or `set_view`).
    """

    view_changed = QtCore.Signal(str)

    def __init__(
        self, protocol: Protocol | None = None, parent: QtWidgets.QWidget | None = None,
        *, gap_minutes: float = 2.0, capacity: int = INITIAL_CAPACITY,
    ) -> None:
        """Build every plot item once.

        Args:
            protocol: its alarm rules become the threshold lines; None draws no limits.
            parent: the Qt parent.
            gap_minutes: a continuous device line breaks after this long without a value.
            capacity: initial points per curve (buffers double when full).
        """
        super().__init__(parent)
        self._view = FOLLOW
        self._now = 0.0
        self._x_range = (0.0, FOLLOW_MINUTES)
        self._marker_count = 0
        self._markers: list[tuple[Marker, list[pg.InfiniteLine]]] = []
        self._pending = _Pending()
        self._data_span: dict[int, tuple[float, float]] = {}
        self._y_ranges: dict[int, tuple[float, float]] = {}
        self._row_of = {m: i for i, (metrics, _, _) in enumerate(ROWS) for m in metrics}
        self._build_layout()
        self._series: dict[tuple[str, bool], _Series] = {}
        for row, (metrics, _, _) in enumerate(ROWS):
            for name in metrics:
                self._add_series(row, name, capacity, gap_minutes)
        self._thresholds: list[_Threshold] = []
        if protocol is not None:
            for rule in protocol.alarms:
                self._add_thresholds(rule)
        self._place_limit_labels()
        self._pending.thresholds = True

    # ---- construction ------------------------------------------------------------------------

    def _build_layout(self) -> None:
        font = _font(FONT_POINTS)
        self.follow_button = QtWidgets.QPushButton(f"Last {FOLLOW_MINUTES:g} min")
        self.whole_button = QtWidgets.QPushButton("Whole session")
        group = QtWidgets.QButtonGroup(self)
        for button, view in ((self.follow_button, FOLLOW), (self.whole_button, WHOLE)):
            button.setCheckable(True)
            button.setFont(_font(FONT_POINTS, bold=True))
            button.setMinimumHeight(36)   # a touch target, not just a mouse target
            button.setStyleSheet(BUTTON_STYLE)
            button.clicked.connect(lambda _checked=False, v=view: self.set_view(v))
            group.addButton(button)
        self.follow_button.setChecked(True)
        # The legend is one line of text beside the buttons: pyqtgraph's legend inside a plot
        # covered limit labels and data, and in a column of its own took a fifth of the width.
        self.legend = QtWidgets.QLabel(_legend_html())
        self.legend.setFont(font)
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("background: black; padding: 4px 8px;")
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.follow_button)
        bar.addWidget(self.whole_button)
        bar.addWidget(self.legend, 1)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("k")
        self.lane = self.graphics.addPlot(row=0, col=0)
        self._style_lane(self.lane, font)
        self.plots: list[pg.PlotItem] = []
        for row, (_, title, y_range) in enumerate(ROWS):
            plot = self.graphics.addPlot(row=row + 1, col=0)
            self._style_plot(plot, title, font, last=row == len(ROWS) - 1)
            plot.setXLink(self.lane)
            self._y_ranges[row] = y_range
            plot.setYRange(*y_range, padding=0)
            self.plots.append(plot)
        # With the upper time axes hidden the rows would touch and their tick labels collide.
        self.graphics.ci.setSpacing(14)
        # BP and rates get more height than SpO2, which lives in a narrow band near the top.
        for row, stretch in enumerate((1, 3, 3, 2)):
            self.graphics.ci.layout.setRowStretchFactor(row, stretch)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.graphics, 1)

    @staticmethod
    def _style_lane(lane: pg.PlotItem, font: QtGui.QFont) -> None:
        """The marker lane: a strip above the plots where marker labels are written."""
        lane.setMouseEnabled(x=False, y=False)
        lane.setMenuEnabled(False)
        lane.hideButtons()
        lane.enableAutoRange(x=False, y=False)
        lane.setYRange(0.0, 1.0, padding=0)
        lane.hideAxis("bottom")
        left = lane.getAxis("left")
        left.setStyle(showValues=False)
        left.setTicks([[]])
        left.setWidth(78)   # the same width as the plots' axes, so the time axes line up
        lane.setLabel("left", "events", **{"font-size": f"{FONT_POINTS}pt", "color": "#e0e0e0"})

    @staticmethod
    def _style_plot(plot: pg.PlotItem, title: str, font: QtGui.QFont, last: bool) -> None:
        # The nurse's view must not move under an accidental touch: no pan, zoom or menu; the two
        # buttons are the only way to change what is shown.
        plot.setMouseEnabled(x=False, y=False)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        # No grid: pyqtgraph draws it through the axes, and it cost 30-60 ms a frame here (4
        # plots, 1280 px); the limit lines and markers give the eye its references instead.
        plot.showGrid(x=False, y=False)
        plot.getViewBox().setBorder(pg.mkPen("#505050", width=1))
        plot.enableAutoRange(x=False, y=False)
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            axis.setTickFont(font)
            axis.setTextPen("#e0e0e0")
        plot.setLabel("left", title, **{"font-size": f"{FONT_POINTS}pt", "color": "#e0e0e0"})
        plot.getAxis("left").setWidth(78)
        if last:
            plot.setLabel("bottom", "minutes since session start",
                          **{"font-size": f"{FONT_POINTS}pt", "color": "#e0e0e0"})
        else:
            # One time axis, at the bottom: each axis repaints every frame (~0.7 ms apiece).
            plot.hideAxis("bottom")

    def _add_series(self, row: int, name: str, capacity: int, gap_minutes: float) -> None:
        colour = COLOURS[name]
        plot = self.plots[row]
        is_bp = name in BP_METRICS
        device = plot.plot(pen=pg.mkPen(colour, width=1), antialias=False)
        manual = plot.plot(
            pen=None, symbol="d", symbolSize=13, symbolPen=pg.mkPen(colour, width=1),
            symbolBrush=pg.mkBrush("k"), antialias=False,
        )
        # Manual values are few and matter: above every line. HR (ECG) above pulse rate, which
        # usually runs on top of it.
        device.setZValue(2 if name == "heart_rate" else 1)
        manual.setZValue(3)
        for item in (device, manual):
            # One bin per pixel column: peak keeps each column's lowest and highest value, which
            # is all a column can show. pyqtgraph's default (5 samples a pixel) gave a 4-hour 1 Hz
            # series a bin of 2 and drew all 14,400 points (~7 ms a frame for six curves).
            item.opts["autoDownsampleFactor"] = 1.0
            item.setDownsampling(auto=True, method="peak")
            item.setClipToView(True)
        self._series[(name, False)] = _Series(
            name, False, device, _Buffer(capacity), None if is_bp else gap_minutes)
        self._series[(name, True)] = _Series(name, True, manual, _Buffer(capacity), None)

    def _add_thresholds(self, rule: AlarmRule) -> None:
        if rule.metric not in self._row_of:
            return   # limits of scales (MOAA/S) have no curve to sit on
        limits = [("≥", rule.at_or_above), (">", rule.above), ("≤", rule.at_or_below),
                  ("<", rule.below)]
        for sign, value in limits:
            if value is not None:
                self._thresholds.append(self._threshold_line(rule, f"{sign}{value:g}", value))
        if rule.rise_above_baseline is not None:
            entry = self._threshold_line(rule, f"base+{rule.rise_above_baseline:g}", None)
            entry.rise = rule.rise_above_baseline
            self._thresholds.append(entry)

    def _threshold_line(self, rule: AlarmRule, text: str, value: float | None) -> _Threshold:
        colour = PRIORITY_COLOURS[rule.priority]
        anchor = (0, 1) if rule.direction == "high" else (0, 0)
        pen = pg.mkPen(colour, width=1, style=QtCore.Qt.PenStyle.DashLine)
        line = pg.InfiniteLine(
            pos=value if value is not None else 0.0, angle=0, pen=pen, movable=False,
            label=f"{LIMIT_LABELS[rule.metric]} {text}",
            # The label sits on the alarm side of its line (above a high limit, below a low
            # one), away from the normal band where the trace runs.
            labelOpts={"position": 0.02, "color": colour, "anchors": [anchor, anchor]},
        )
        line.label.setFont(_font(FONT_POINTS - 1))
        line.setVisible(value is not None)
        self.plots[self._row_of[rule.metric]].addItem(line, ignoreBounds=True)
        return _Threshold(rule.metric, line, value)

    def _place_limit_labels(self) -> None:
        """Alternate the labels of each row's limits, in value order, between two places."""
        for row in range(len(ROWS)):
            entries = [e for e in self._thresholds if self._row_of[e.metric] == row]
            # Baseline-relative limits sort by their rise as a rough stand-in until a baseline.
            entries.sort(key=lambda e: e.value if e.value is not None else (e.rise or 0.0) + 1000)
            for k, entry in enumerate(entries):
                entry.line.label.setPosition(LIMIT_LABEL_POSITIONS[k % len(LIMIT_LABEL_POSITIONS)])

    # ---- feeding (buffers only; nothing here touches an item) --------------------------------

    def add_reading(self, metric: str, value: float, minutes: float, manual: bool) -> None:
        """Queue one value for the next refresh.

        Args:
            metric: a vital name; observation scales and unknown names are ignored (scales are
                drawn as markers: use `add_marker`).
            value: in the metric's canonical unit.
            minutes: minutes since the session opened; for NIBP, its measured time.
            manual: entered by hand (symbol) rather than sent by a device (line).
        """
        series = self._series.get((metric, manual))
        if series is None or not np.isfinite(value):
            return
        buffer = series.buffer
        last = buffer.last_time()
        if series.gap_minutes is not None and last is not None and minutes - last > series.gap_minutes:
            buffer.append(last, np.nan)   # a NaN point breaks the line (connect="finite")
        buffer.append(minutes, value)
        series.dirty = True
        self._note_value(self._row_of[metric], value)
        self._advance_now(minutes)

    def add_marker(self, minutes: float, text: str, kind: str,
                   priority: Priority | None = None) -> None:
        """Queue a vertical marker with a short label for the next refresh.

        Args:
            minutes: minutes since the session opened.
            text: what the label says ("T0 dose", "Observation", "MOAA/S 3").
            kind: one of "phase", "dose", "observation", "alarm".
            priority: for alarms, colours the marker by priority (default high red).

        Raises:
            ValueError: an unknown kind.
        """
        if kind not in MARKER_KINDS:
            raise ValueError(f"marker kind {kind!r} is not one of {', '.join(MARKER_KINDS)}")
        self._pending.markers.append(Marker(minutes, text, kind, priority))
        self._advance_now(minutes)

    def set_baseline(self, metric: str, value: float) -> None:
        """Place the metric's baseline-relative limits at baseline + rise (shown from then on)."""
        for entry in self._thresholds:
            if entry.metric == metric and entry.rise is not None:
                entry.value = value + entry.rise
                self._pending.thresholds = True

    def set_now(self, minutes: float) -> None:
        """Tell the plot the session's current minute, so the follow view keeps moving (and a
        silent device shows as empty time) even when no value arrives."""
        self._advance_now(minutes)

    def set_view(self, view: str) -> None:
        """Show the last 15 minutes ("follow") or the whole session ("whole").

        Raises:
            ValueError: any other name.
        """
        if view not in (FOLLOW, WHOLE):
            raise ValueError(f"view {view!r} is not 'follow' or 'whole'")
        button = self.follow_button if view == FOLLOW else self.whole_button
        button.setChecked(True)
        if view != self._view:
            self._view = view
            self._pending.view = True
            self.refresh()   # a button press must show at once, not at the next timer tick
            self.view_changed.emit(view)

    def _advance_now(self, minutes: float) -> None:
        if minutes > self._now:
            self._now = minutes
            self._pending.view = True

    def _note_value(self, row: int, value: float) -> None:
        low, high = self._data_span.get(row, (value, value))
        self._data_span[row] = (min(low, value), max(high, value))

    # ---- drawing -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Push what changed since the last call to the plot items; a no-op when nothing did."""
        for series in self._series.values():
            if series.dirty:
                self._draw_series(series)
        if self._pending.markers:
            self._draw_markers()
        if self._pending.thresholds:
            self._draw_thresholds()
        if self._pending.view:
            self._draw_ranges()

    def _draw_series(self, series: _Series) -> None:
        buffer = series.buffer
        if not series.manual and series.metric in BP_METRICS:
            sparse = buffer.n <= NIBP_SYMBOL_LIMIT
            if sparse != series.symbols_on:
                series.symbols_on = sparse
                colour = COLOURS[series.metric]
                series.item.setSymbol(NIBP_SYMBOLS[series.metric] if sparse else None)
                series.item.setSymbolPen(pg.mkPen(colour, width=1))
                series.item.setSymbolBrush(pg.mkBrush(colour))
                series.item.setSymbolSize(9)
        series.item.setData(buffer.t[:buffer.n], buffer.v[:buffer.n])
        series.dirty = False

    def _draw_markers(self) -> None:
        for marker in self._pending.markers:
            colour = MARKER_COLOURS[marker.kind]
            if marker.kind == "alarm" and marker.priority is not None:
                colour = PRIORITY_COLOURS[marker.priority]
            pen = pg.mkPen(colour, width=1, style=QtCore.Qt.PenStyle.DotLine)
            lines = []
            position = LABEL_POSITIONS[self._marker_count % len(LABEL_POSITIONS)]
            for row, plot in enumerate([self.lane, *self.plots]):
                # The label sits in the lane only: one text per event, not four.
                label = marker.text if row == 0 else None
                line = pg.InfiniteLine(
                    pos=marker.minutes, angle=90, pen=pen, movable=False, label=label,
                    labelOpts={"position": position, "color": colour, "fill": (0, 0, 0, 190),
                               "anchors": [(0, 0.5), (0, 0.5)]},
                )
                if label is not None:
                    line.label.setFont(_font(FONT_POINTS))
                plot.addItem(line, ignoreBounds=True)
                lines.append(line)
            self._markers.append((marker, lines))
            self._marker_count += 1
        self._pending.markers.clear()

    def _draw_thresholds(self) -> None:
        for entry in self._thresholds:
            if entry.value is not None:
                entry.line.setValue(entry.value)
                entry.line.setVisible(True)
        self._place_limit_labels()   # a baseline limit now has a place in the value order
        self._pending.thresholds = False
        self._pending.view = True   # a new limit may widen a y range

    def _draw_ranges(self) -> None:
        self._x_range = self._target_x_range()
        self.lane.setXRange(*self._x_range, padding=0)   # the plots follow by x-link
        for row, plot in enumerate(self.plots):
            wanted = self._target_y_range(row)
            if wanted != self._y_ranges[row]:
                self._y_ranges[row] = wanted
                plot.setYRange(*wanted, padding=0)
        self._pending.view = False

    def _target_x_range(self) -> tuple[float, float]:
        end = max(self._now, FOLLOW_MINUTES)
        if self._view == FOLLOW:
            # The window moves in 15-s steps (~20 px) and is one step wider than 15 min, so it
            # always holds [now - 15, now]. Moving it every second re-reduced every curve and
            # re-laid the time axis each frame: ~10 ms against ~5 ms when only data changes.
            end = math.ceil(end / FOLLOW_STEP) * FOLLOW_STEP
            return (max(0.0, end - FOLLOW_MINUTES - FOLLOW_STEP), end)
        # The whole view ends at the next whole minute: over hours a second is a fraction of a
        # pixel, and moving the axis every second made every curve re-reduce its data (~7 ms at
        # 4 h) to draw the same picture.
        return (0.0, float(math.ceil(end)))

    def _target_y_range(self, row: int) -> tuple[float, float]:
        low, high = ROWS[row][2]
        values = [e.value for e in self._thresholds
                  if e.value is not None and self._row_of[e.metric] == row]
        if row in self._data_span:
            values.extend(self._data_span[row])
        if values:
            # Widen by 5 % beyond anything drawn, and only ever widen: a shrinking scale would
            # make the same trace look different from one minute to the next.
            span = high - low
            low = min(low, min(values) - 0.05 * span)
            high = max(high, max(values) + 0.05 * span)
        current = self._y_ranges.get(row, (low, high))
        return (min(low, current[0]), max(high, current[1]))

    # ---- reading back (for tests and the review) --------------------------------------------

    def curve_data(self, metric: str, manual: bool) -> tuple[np.ndarray, np.ndarray]:
        """The points last given to the curve's `setData` (line-break NaNs removed).

        Reads `getOriginalDataset()`: in pyqtgraph 0.14 `getData()` returns the downsampled,
        clipped display set, which depends on the view rather than on what was fed.
        """
        x, y = self._series[(metric, manual)].item.getOriginalDataset()
        if x is None or y is None:
            return np.empty(0), np.empty(0)
        keep = np.isfinite(y)
        return np.asarray(x)[keep], np.asarray(y)[keep]

    def threshold_values(self, metric: str) -> list[float]:
        """The y values of the metric's visible limit lines, as drawn."""
        return [float(e.line.value()) for e in self._thresholds
                if e.metric == metric and e.line.isVisible()]

    def markers(self) -> list[tuple[float, str, str]]:
        """(minutes, label text as drawn, kind) of every drawn marker."""
        out = []
        for marker, lines in self._markers:
            label = lines[0].label   # the lane's line always carries the label
            out.append((float(lines[0].value()), label.toPlainText(), marker.kind))
        return out

    def x_range(self) -> tuple[float, float]:
        """The time range (minutes) the view was last set to.

        Follow: `[now - 15 - s, now + d]` with `0 <= d < s`, s = 15 s (never before minute 0);
        whole: `[0, now rounded up to the minute]`, at least 15 minutes.
        """
        return self._x_range

    @property
    def view(self) -> str:
        return self._view

    def item(self, metric: str, manual: bool) -> pg.PlotDataItem:
        """The plot item of one curve (for tests that count calls or read styles)."""
        return self._series[(metric, manual)].item

    # ---- filling from the log (review) -------------------------------------------------------

    def load_session(
        self,
        observations: Iterable[tuple[int, ObservationRecord]],
        events: Iterable[tuple[int, EventRecord]],
        alarms: Iterable[tuple[int, AlarmTransition]],
        started_at: datetime,
        *, demo: bool = False,
    ) -> None:
        """Fill the plot from a logged session, as `EventLog.observations/events/alarm_events`
        return them, then draw the whole session.

        Args:
            observations: (row id, record) pairs; a corrected row is replaced by its correction;
                DEMO/TEST-flagged rows are skipped unless `demo` (the session itself is a demo).
            events: (row id, record) pairs; phase starts, dosing and notes become markers.
            alarms: (row id, transition) pairs; raised and escalated alarms become markers.
            started_at: the session's start (aware), minute 0 of the axis.
            demo: chart flagged readings (a demo session shows its own simulated data).
        """
        observations = list(observations)
        corrected = {rec.corrects for _, rec in observations if rec.corrects is not None}
        for row_id, rec in observations:
            if row_id in corrected or (rec.flags & {"DEMO", "TEST"} and not demo):
                continue
            self._load_observation(rec, started_at)
        for _, event in events:
            self._load_event(event, started_at)
        for _, transition in alarms:
            self._load_alarm(transition, started_at)
        self.set_view(WHOLE)
        self.refresh()

    def _load_observation(self, rec: ObservationRecord, started_at: datetime) -> None:
        # NIBP is charted at its measured time (the cuff reading is older than its arrival);
        # continuous values at arrival, as device clocks drift and their "now" is the arrival.
        when = rec.measured_at if rec.metric in BP_METRICS and rec.measured_at else rec.received_at
        minutes = _minutes(when, started_at)
        if rec.metric in VITALS:
            self.add_reading(rec.metric, rec.value, minutes, rec.source == "manual")
        elif rec.metric in SCALE_MARKER_NAMES:
            text = f"{SCALE_MARKER_NAMES[rec.metric]} {METRICS[rec.metric].format(rec.value)}"
            self.add_marker(minutes, text, "observation")

    def _load_event(self, event: EventRecord, started_at: datetime) -> None:
        minutes = _minutes(event.at, started_at)
        if event.kind == "dosing_started":
            # The engine logs the baselines in force at T0 with this event.
            for name, value in dict(event.detail.get("baseline") or {}).items():
                self.set_baseline(str(name), float(value))
        if event.kind == "phase_started":
            self.add_marker(minutes, str(event.detail.get("name", event.detail.get("phase", ""))),
                            "phase")
        elif event.kind in ("dosing_started", "dose_given"):
            self.add_marker(minutes, "T0 dose" if event.kind == "dosing_started" else "dose",
                            "dose")
        elif event.kind == "note":
            self.add_marker(minutes, _short(f"note: {event.detail.get('text', '')}"),
                            "observation")
        elif event.kind == "discharged":
            self.add_marker(minutes, "Discharged", "phase")

    def _load_alarm(self, transition: AlarmTransition, started_at: datetime) -> None:
        if transition.transition not in (RAISED, ESCALATED) or transition.category == "prompt":
            return   # prompts (vitals due) would bury the alarms under routine reminders
        priority = Priority[transition.priority.upper()]
        self.add_marker(_minutes(transition.at, started_at), _alarm_text(transition),
                        "alarm", priority)

    @classmethod
    def for_session(
        cls, protocol: Protocol | None,
        observations: Iterable[tuple[int, ObservationRecord]],
        events: Iterable[tuple[int, EventRecord]],
        alarms: Iterable[tuple[int, AlarmTransition]],
        started_at: datetime, parent: QtWidgets.QWidget | None = None, *, demo: bool = False,
    ) -> TrendPlot:
        """A plot filled from a logged session (the review's entry point); see `load_session`."""
        plot = cls(protocol, parent)
        plot.load_session(observations, events, alarms, started_at, demo=demo)
        return plot


def _legend_html() -> str:
    """The legend: each trace in its colour and symbol, then how manual values and limits look."""
    bp_signs = {"bp_systolic": "▼", "bp_diastolic": "▲", "bp_mean": "●"}
    parts = [
        f'<span style="color:{COLOURS[name]}">{bp_signs.get(name, "―")}&nbsp;{SHORT_LABELS[name]}</span>'
        for name in COLOURS
    ]
    parts.append('<span style="color:#e0e0e0">◇&nbsp;manual&nbsp;entry</span>')
    parts.append(
        f'<span style="color:{PRIORITY_COLOURS[Priority.HIGH]}">╌&nbsp;high</span>&nbsp;'
        f'<span style="color:{PRIORITY_COLOURS[Priority.MEDIUM]}">╌&nbsp;medium&nbsp;limit</span>'
    )
    return "&nbsp;&nbsp; ".join(parts)


def _minutes(when: datetime, started_at: datetime) -> float:
    return (when - started_at).total_seconds() / 60.0


def _alarm_text(transition: AlarmTransition) -> str:
    """"Systolic 185" for a vital's alarm (the label must fit beside its line); otherwise the
    banner message, shortened."""
    name = transition.condition.rsplit("_", 1)[0]
    if transition.value is not None and name in SHORT_LABELS:
        return f"{SHORT_LABELS[name]} {METRICS[name].format(transition.value)}"
    return _short(transition.message)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _font(points: int, bold: bool = False) -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPointSize(points)
    font.setBold(bold)
    return font
