"""The session trend: one panel per vital on its own scale, the last 15 minutes in detail and the
whole session in a strip above. It draws what `console.session.trend_feed.TrendFeed` says and
decides nothing clinical; the live window, the review and the PDF report use this same widget
over that same feed.

Layout (top to bottom), sized for a ~565×420 px share of a 1366×768 screen:
    header:  [Last 15 min] [Whole session]  whole-session strip (BP bars, HR, alarms, and the
             detail window as a band)  key
    notice:  a device clock that differs from the console's (hidden otherwise)
    events:  marker labels, stacked in rows so none prints over another ("+N" when full)
    panels:  BP (systolic-diastolic bars at the measured time, mean as a tick; lines for an
             arterial line), HR and pulse, SpO2, RR; each on its own y scale, sharing the height
             by what matters, 5:3:2:2 (`Panel.stretch`, set as preferred heights: Qt's row
             stretch factors did not hold), never shorter than its title; each titled at the
             top of its left axis, beside the scale's values ("BP" over "mmHg"), its values no
             closer than their height
    time axis (minutes since the session opened)

Drawing rules (why, with the measurement behind each; see shared/design/architecture.md):
- The time axis is minutes since the session opened: the protocol, the checks and the nurse's
  questions ("BP peaks 30-40 min in") are in elapsed minutes, and the review compares sessions
  held on different days on one scale.
- Every item is created once, in `__init__`, and fed by `setData` from the feed's arrays (views,
  no copies). pyqtgraph 0.14's `appendData` does nothing, and rebuilding items per update leaks
  under PySide6. `refresh()` calls `setData` only on what changed.
- Antialiasing off, 1-px lines, clip-to-view and a reduction to each pixel column's first,
  lowest, highest and last value (`column_points`) on every curve: a 2-px antialiased pen cost
  ~100 ms a frame at 1,000 points; the reduction keeps every spike a 1,200-px plot can show,
  the newest column's however few values it holds, and the values beside a line break
  (pyqtgraph's peak downsampling left out the newest `len % ds` values: an SpO2 fall of the
  last 15 s, 2.5 h in). The NIBP bars (a few per hour) are 3 px wide, also without antialiasing.
- Device values are lines, typed values hollow diamonds (typed BP: diamonds joined by a dashed
  bar), NIBP solid bars ▼ systolic to ▲ diastolic with the mean as a tick, after the paper
  anaesthesia chart. One colour per vital (`trend_feed.VITAL_COLOURS`, shared with the tiles).
  A device value with no value beside it on its line (a break or nothing on both sides:
  `lone_points`) is a dot in its vital's colour: a line of one point draws nothing, and a
  monitor's SpO2 86 that raised a HIGH alarm just before a restart, or every value of a monitor
  sending each 3 minutes (the feed breaks a line after 2 silent minutes), was not drawn at all.
- Limits are horizontal lines (`InfiniteLine(angle=0)`) coloured by priority and drawn in its own
  pen, high dashed, medium dotted (`LIMIT_PENS`; the key shows each, "╌ high ··· medium");
  their labels sit in a column right of the plot at the line's height, pushed apart
  where lines are close and merged when a panel is too short (`trend_feed.spread_labels`); lines
  at one value are one label (in the higher priority's colour), so they never print over each
  other, over the newest data or outside their panel. An alarm marker's label starts with its
  priority's marks ("*** SpO2 88", `trend_feed.marker_label`). So the priority is told without
  colour, as on the alarm rows (IEC 60601-1-8): by colour alone a high SpO2 88 and a medium HR
  118 were two warm labels to a red-green colour-blind nurse, and BP's high and medium limits
  one dashed pen (a theme review). The limit labels carry no marks: "*** " widened their
  column from 52 to 72 px at 1366x768, the trend took 27 px from the tiles, and a BP tile's
  detail no longer fitted.
- The view moves in steps, not every second: the follow window jumps 15 s at a time (and is 15 s
  wider than 15 min, so the last 15 minutes are always in it); the whole view ends at the next
  whole minute. Moving the axis every second cost a re-reduction of every curve per frame. The
  whole-session strip is redrawn only when the follow window steps (a 250-px strip of a 4-hour
  session shows ~1 px a minute) or a bar or marker arrives. Beyond either end of the view the
  panels show `TIME_ROOM_PX` more, so a value at minute 0 or at the newest minute is drawn whole
  (the NIBP mean's tick lost 8 px at minute 0, a typed diamond up to 4.8 px as the follow
  window's next step neared); in pixels, worked out again when the view steps or the width
  changes, so the view still moves only in its steps.
- y ranges are fixed per panel (widened to fit limits and data, never narrowed), never
  autoscaled per frame: a jumping scale makes a stable trace look as if it moved. Beyond 5 % of
  room, a value keeps `SYMBOL_ROOM_PX` from the panel's top and bottom, so a typed diamond at the
  scale's edge is drawn whole (it lost up to 4.6 px at 1366x768). That room is in pixels, so a
  resize works it out again for the new height: the one time a scale may narrow. So is the
  whole-session strip's (`OVERVIEW_CORE`, 30-230, widened to every BP and HR given, its top
  fifth kept empty for its caption): fixed at 30-280, an HR of 25 was clipped at its floor.
- A panel's title is written in its left axis column, left of the tick values, never on the
  plot: at the plot's top-left it covered the first ~2 minutes of values at the top of the scale
  (a systolic of 195 at session start, on an X walk), and no corner of a plot is free of values
  for certain (tests/ui/test_trend_titles.py). Stacked a word a line, it takes width and no
  height: the column went from 44 to 86 px at 1366x768 (the plots 468 -> 426 px wide) and from
  52 to 102 px at 1920x1080 (682 -> 632). A strip above each panel instead took 9-15 px of each
  plot's 58-100 px at 1366x768, merged limit labels there ("D ≥107/110") and made the review's
  360-px trend print SpO2's tick values over each other.

`text_boxes()` returns every piece of text the widget shows with its rectangle, so a test can
check that none overlaps another or is cut off (tests/ui/test_trend_layout.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.PlotDataItem import PlotDataset
from PySide6 import QtCore, QtGui, QtWidgets

from console.records import AlarmTransition, EventRecord, ObservationRecord
from console.session.trend_feed import (
    CUFF_PULSE,
    MARKER_KINDS,
    SHORT_LABELS,
    SPOT_SERIES,
    VITAL_COLOURS,
    BpBars,
    TrendFeed,
    TrendMarker,
    marker_label,
    spread_labels,
    stack_labels,
)
from console.ui import theme
from console.ui.elided_label import ElidedLabel
from console.ui.markup import escape
from protocols.model import AlarmRule, Priority, Protocol
from protocols.vitals import BP_METRICS, VITALS

FOLLOW = "follow"
WHOLE = "whole"
FOLLOW_MINUTES = 15.0
FOLLOW_STEP = 0.25   # minutes: how far the follow window jumps at a time
COLOURS = VITAL_COLOURS   # the name the benchmarks and older callers use


@dataclass(frozen=True, slots=True)
class Panel:
    """One panel: the vitals it draws, its title, default y range and share of the height."""

    metrics: tuple[str, ...]
    title: str
    y_range: tuple[float, float]
    stretch: int


PANELS: tuple[Panel, ...] = (
    # BP matters most with ketamine (the surge 30-40 min after T0): the most height.
    Panel(("bp_systolic", "bp_diastolic", "bp_mean"), "BP mmHg", (50.0, 215.0), 5),
    Panel(("heart_rate", "pulse_rate"), "HR · Pulse /min", (30.0, 150.0), 3),
    Panel(("spo2",), "SpO2 %", (80.0, 101.0), 2),
    Panel(("resp_rate",), "RR /min", (0.0, 40.0), 2),
)

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
# Marker lines are drawn one item per colour, so a session's hundred markers are a handful of
# items, not hundreds of InfiniteLines.
MARKER_STYLES: tuple[str, ...] = ("phase", "dose", "observation", "alarm:high", "alarm:medium",
                                  "alarm:low", "alarm:info")
# NIBP symbol sizes (px) with room between bars, and where they stand closer than NIBP_ROOM_PX.
NIBP_SYMBOL_SIZES = {
    False: {"bp_systolic": 10, "bp_diastolic": 10, "bp_mean": 14},
    True: {"bp_systolic": 5, "bp_diastolic": 5, "bp_mean": 7},
}
NIBP_ROOM_PX = 14.0
# Which marker labels win the lane's room: alarms and T0 before phases, routine scores last.
LANE_RANKS = {"alarm:high": 0, "alarm:medium": 1, "dose": 1, "alarm:low": 2, "alarm:info": 2,
              "phase": 2, "observation": 3}
# A limit line's pen and the key's picture of it, per priority: its look says the priority
# where its colour alone did (a high and a medium limit were one dashed pen, red or amber).
LIMIT_PENS: dict[Priority, tuple[QtCore.Qt.PenStyle, str]] = {
    Priority.HIGH: (QtCore.Qt.PenStyle.DashLine, "╌"),
    Priority.MEDIUM: (QtCore.Qt.PenStyle.DotLine, "···"),
    Priority.LOW: (QtCore.Qt.PenStyle.DashDotLine, "╌·"),
    Priority.INFO: (QtCore.Qt.PenStyle.DashDotDotLine, "╌··"),
}
# Limit labels name the value in BP's panel, where systolic and diastolic limits share a scale.
LIMIT_PREFIX = {"bp_systolic": "S ", "bp_diastolic": "D ", "bp_mean": "M ", "pulse_rate": "P "}

FONT_POINTS = 10          # ticks, marker labels, titles
MAX_SHIFT = 1.0           # how far (in label heights) a limit label may move off its line
LIMIT_POINTS = 9          # limit labels: a 70-px panel must hold five of them
LANE_ROWS = 3
TITLE_X_PX = 2            # a title's left edge in its column
TITLE_GAP_PX = 6          # between a title and the tick values right of it
TICK_TEXT = "000"         # the widest tick value a panel shows (BP 200, SpO2 95, RR 30)
TICK_RIGHT_PX = 5         # from a tick value's right end to the axis line (pyqtgraph's offset)
LARGE_HEIGHT_PX = 600     # a trend this tall (1920x1080) gets text 2 pt larger
LARGE_EXTRA_POINTS = 2
MIN_LIMIT_COLUMN_PX = 52
HEADER_PX = 46
OVERVIEW_MIN_WIDTH = 160
# The whole-session strip: what it draws, the scale that holds every usual BP and HR, the share of
# its height kept empty on top for its caption, and its alarm ticks' share at the bottom. The
# pulse is its HR line where no ECG sends a heart rate (`_draw_overview`).
OVERVIEW_SERIES = ("bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate")
OVERVIEW_TYPED_DOT_PX = 4      # a typed HR's dot in the strip (46 px tall)
DOT_MINUTES = 1e-3             # a dot's length: none visible (`_dot_points`)
LONE_DOT_PX = 5                # a device value alone on its line (`lone_points`): a 5-px dot
OVERVIEW_CORE = (30.0, 230.0)
OVERVIEW_CAPTION_SHARE = 0.2
OVERVIEW_TICK_SHARE = 0.128
SPACING_PX = 4
INITIAL_CAPACITY = 1024
TYPED_SYMBOL_PX = 12      # a typed value's diamond, 1-px pen around it
CUFF_PULSE_SYMBOL_PX = 7  # the cuff's pulse: a filled dot, smaller than a typed diamond
# How far (px) a drawn value stays from a panel's top and bottom edge: half a typed diamond, the
# half of its pen outside the path, half a pixel of rounding (the NIBP triangles, 10 px, and the
# mean's tick, 2 px high, need less).
SYMBOL_ROOM_PX = TYPED_SYMBOL_PX / 2 + 1
MAX_ROOM_FRACTION = 0.25  # a panel too short to leave the room at both ends gets none
NIBP_MEAN_PEN_PX = 2      # the NIBP mean's tick is drawn with a 2-px pen
# How far (px) the first and the newest minute stay from a panel's left and right edge: half the
# widest symbol, the NIBP mean's 14-px tick, the half of its pen outside the path and half a pixel
# of rounding (a typed diamond is 9.6 px wide, the NIBP triangles 10 px, a bar 3 px).
TIME_ROOM_PX = NIBP_SYMBOL_SIZES[False]["bp_mean"] / 2 + NIBP_MEAN_PEN_PX / 2 + 0.5
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _button_style(t: theme.Theme) -> str:
    return ("QPushButton { padding: 2px 10px; }"
            f"QPushButton:checked {{ background: {t.selected_bg}; color: {t.selected_text}; }}")


def _notice_style(t: theme.Theme) -> str:
    # A warm banner, not the medium alarm's yellow (it was #ffb300: an alarm colour on screen
    # is an alarm).
    return (f"background:{t.banner_bg};color:{t.banner_text};border:1px solid {t.banner_border};"
            "padding:2px 6px;")


def _font(points: int, bold: bool = False) -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPointSize(points)
    font.setBold(bold)
    return font


class _Label(QtWidgets.QGraphicsRectItem):
    """A piece of text on a dark chip, placed in its parent's pixel coordinates."""

    def __init__(self, parent: QtWidgets.QGraphicsItem, font: QtGui.QFont,
                 fill: tuple[int, int, int, int] = (0, 0, 0, 210)) -> None:
        super().__init__(parent)
        self.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.setBrush(QtGui.QColor(*fill))
        self.text = QtWidgets.QGraphicsTextItem(self)
        self.text.document().setDocumentMargin(0)
        self.text.setFont(font)
        self.plain = ""
        self.setZValue(20)

    def set(self, text: str, colour: str) -> None:
        if text != self.plain or self.text.defaultTextColor().name() != QtGui.QColor(colour).name():
            self.plain = text
            self.text.setDefaultTextColor(QtGui.QColor(colour))
            self.text.setPlainText(text)
            self.setRect(self.text.boundingRect())

    def set_html(self, text: str, markup: str) -> None:
        if text != self.plain:
            self.plain = text
            self.text.setHtml(markup)
            self.setRect(self.text.boundingRect())

    def set_font(self, font: QtGui.QFont) -> None:
        self.text.setFont(font)
        self.setRect(self.text.boundingRect())

    def width(self) -> float:
        return float(self.rect().width())

    def height(self) -> float:
        return float(self.rect().height())


class LimitLine(pg.InfiniteLine):  # type: ignore[misc]  # pyqtgraph is untyped (Any)
    """An alarm limit's line that never raises into Qt while its plot is torn down.

    Qt may ask a line for its bounds after its ViewBox was deleted (a closed window's items
    destroyed in Qt's order, or Python's collector freeing a plot): pyqtgraph's boundingRect then
    raises RuntimeError inside Qt's call, and the process died of a segmentation fault (CI, Python
    3.13, PySide6 6.12; a known pyqtgraph hazard, pyqtgraph issue 1628). A process that draws the
    alarm area must not die of it: the line has no bounds then.
    """

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt's name
        try:
            return QtCore.QRectF(super().boundingRect())
        except RuntimeError:   # "Internal C++ object (ViewBox) already deleted"
            return QtCore.QRectF()


@dataclass
class _Threshold:
    """One dashed limit line; a baseline-relative one waits hidden for its baseline."""

    metric: str
    panel: int
    rule: AlarmRule
    sign: str
    line: pg.InfiniteLine
    value: float | None           # None until a baseline makes it known
    rise: float | None = None     # set on baseline-relative limits


@dataclass
class _PanelParts:
    plot: _Plot
    title: _Label
    limit_labels: list[_Label] = field(default_factory=list)
    marker_items: dict[str, pg.PlotCurveItem] = field(default_factory=dict)


class _Axis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped (Any)
    """An axis whose title text is written only while the title is shown.

    pyqtgraph rewrites an axis's title (`setHtml` of its text item) at every pen, style and
    range change, shown or not; the trend never shows one, and its 11 axes made ~220 such calls
    on the way to the first paint (P7).
    """

    def _updateLabel(self) -> None:  # noqa: N802 - pyqtgraph's name
        if self.label.isVisible():
            super()._updateLabel()
            return
        self._adjustSize()
        self.picture = None
        self.update()

    def showLabel(self, show: bool = True) -> None:  # noqa: N802 - pyqtgraph's name
        super().showLabel(show)
        if show:
            super()._updateLabel()   # the text it skipped while hidden


class _LabelColumn(_Axis):
    """The right axis of a panel: the column its limit labels are written in (children of this
    item). It draws nothing (no line, ticks or values: `TrendPlot._side_axes`), so it does not
    paint or follow the view's range: a plain axis computed its ticks at every repaint."""

    def linkToView(self, view: pg.ViewBox) -> None:  # noqa: N802 - pyqtgraph's name
        """Not linked: there is no tick to place."""

    def paint(self, p: QtGui.QPainter, opt: Any, widget: Any) -> None:
        """Nothing: the axis line is transparent and there are no ticks or values."""


class _ValueAxis(_Axis):
    """A panel's scale (its left axis): values no closer together than their own height.

    pyqtgraph spaces the values by the axis's length alone (at least 2.25 intervals): at 1366x768,
    with the panels in their 5:3:2:2 shares, SpO2's 49-px scale (80-101) got a value every 5, 11.7
    px apart, and RR's (0-40) one every 10, 12.3 px apart: their 13-px values printed over each
    other. The interval grows to the next 1-2-5 step that leaves room, and pyqtgraph's interval
    stays as the level below (its values are drawn only where there is room: `textFillLimits`).
    Where that step puts values at the scale's ends, whose text would reach past the panel and
    is not drawn (`hideOverlappingLabels`), the values are moved half a step if more of them
    show so: SpO2 85 and 95 instead of 90 alone, RR 10 and 30 instead of 20 alone.
    """

    def tickSpacing(self, minVal: float, maxVal: float,  # noqa: N802, N803 - pyqtgraph's
                    size: float) -> list[tuple[float, float]]:
        levels: list[tuple[float, float]] = super().tickSpacing(minVal, maxVal, size)
        low, high = min(minVal, maxVal), max(minVal, maxVal)
        span = high - low
        if not levels or span <= 0 or size <= 0:
            return levels
        # pyqtgraph measures a value as 0.8 of its font's line height (generateDrawSpecs)
        text = 0.8 * QtGui.QFontMetricsF(self.style["tickFont"] or QtGui.QFont()).height()
        base = levels[0][0]
        if base * size / span >= text + 1.0:
            return levels   # pyqtgraph's own spacing: the usual case
        step = base
        while step * size / span < text + 1.0:
            mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
            step *= 2.5 if round(mantissa) == 2 else 2.0   # 1 -> 2 -> 5 -> 10

        def shown(offset: float) -> int:
            """How many values at `offset` + k * step have room for their text in the panel."""
            edge = text / 2 * span / size
            first = math.ceil((low + edge - offset) / step)
            last = math.floor((high - edge - offset) / step)
            return max(0, last - first + 1)

        half = step / 2
        on_grid = abs(half / base - round(half / base)) < 1e-9   # still on pyqtgraph's grid
        offset = half if on_grid and shown(half) > shown(0.0) else 0.0
        return [(step, offset), levels[0]]


class _MinutesAxis(_Axis):
    """The time axis: minutes since the session opened, the unit on every tick."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v:g} min" for v in values]


class TrendPlot(QtWidgets.QWidget):
    """The session trend: BP, rates and SpO2 over time, with limits and markers.

    Its model is a `TrendFeed` (`feed`): feed that with records (the live window) or load a logged
    session into it (`load_session`, `for_session`), then call `refresh()` from the window's timer
    to draw what changed. `add_reading` / `add_marker` / `set_baseline` put plain values into the
    feed (benchmarks and drawing tests).

    Signals:
        view_changed(str): the view switched to "follow" or "whole" (button or `set_view`).
    """

    view_changed = QtCore.Signal(str)

    def __init__(
        self, protocol: Protocol | None = None, feed: TrendFeed | None = None,
        parent: QtWidgets.QWidget | None = None, *, started_at: datetime | None = None,
        demo: bool = False, capacity: int = INITIAL_CAPACITY,
    ) -> None:
        """Build every plot item once.

        Args:
            protocol: its alarm rules become the limit lines; None draws no limits.
            feed: the model to draw; None starts an empty one.
            parent: the Qt parent.
            started_at: minute 0 of a new feed (the session's start); default the epoch.
            demo: a new feed charts DEMO/TEST-flagged values (the session is a demo).
            capacity: initial points per series of a new feed.
        """
        super().__init__(parent)
        self.feed = feed if feed is not None else TrendFeed(
            started_at or EPOCH, demo=demo, capacity=capacity)
        self._view = FOLLOW
        self._now = 0.0
        self._start = 0.0   # the feed's `start_minutes`: before 0 for a pre-session cuff
        self._x_range = (0.0, FOLLOW_MINUTES)
        self._shown_x = self._x_range   # the x range set on the plots: with room (`_fit_x`)
        self._overview_range: tuple[float, float] | None = None
        self._y_ranges: dict[int, tuple[float, float]] = {}   # as set on the panels
        self._y_cores: dict[int, tuple[float, float]] = {}    # before the symbols' room
        self._panel_px: dict[int, float] = {}   # each view box's height, as last laid out
        self._data_span: dict[int, tuple[float, float]] = {}
        self._panel_of = {m: i for i, p in enumerate(PANELS) for m in p.metrics}
        self._panel_of[CUFF_PULSE] = self._panel_of["pulse_rate"]
        self._markers: list[TrendMarker] = []
        self._dirty: set[tuple[str, bool]] = set()
        self._bars_dirty = False
        self._markers_dirty = False
        self._view_dirty = True
        self._limits_dirty = True
        self._relabel = False   # limit lines changed within the y ranges: lay their labels out
        self._lane_dirty = True
        self._overview_dirty = True
        self._limit_column = MIN_LIMIT_COLUMN_PX
        self._column_needs: dict[int, int] = {}
        self._lane_font = _font(FONT_POINTS)            # sizes set by _set_text_size
        self._lane_row_px = _label_height(self._lane_font) + 1
        self._limit_font = _font(LIMIT_POINTS)
        self._limit_line_px = _label_height(self._limit_font)
        self._bp_symbols_on: bool | None = None   # None until the first draw picks a style
        self._bp_crowded = False                  # NIBP symbols drawn small (see _check_bp_room)
        self._ranges_applied = False
        self._thresholds: list[_Threshold] = []
        self._build_header(limits=protocol is not None)
        self._build_graphics()
        self._items: dict[tuple[str, bool], pg.PlotDataItem] = {}   # typed: made when needed
        # Per device line, the dots of its lone values (`_draw_lone`): made when first needed.
        self._lone_items: dict[str, pg.PlotCurveItem] = {}
        self._lone_drawn: dict[str, tuple[np.ndarray, np.ndarray]] = {}   # as last drawn
        self._series_keys = {(name, manual) for panel in PANELS for name in panel.metrics
                             for manual in (False, True)} | {(CUFF_PULSE, False)}
        for index, panel in enumerate(PANELS):
            for name in panel.metrics:
                self._add_series(index, name)
        self._add_cuff_pulse()
        self._build_bp_bars()
        self._build_overview_items()
        if protocol is not None:
            for rule in protocol.alarms:
                self._add_thresholds(rule)
        self._extra_points = -1
        self._set_text_size(0)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._header)
        layout.addWidget(self.notice)
        layout.addWidget(self.graphics, 1)
        self._take_feed_changes(everything=True)
        theme.signals().changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, now: theme.Theme) -> None:
        """The plots stay dark in both themes; the buttons and the notice follow the theme."""
        for button in (self.follow_button, self.whole_button):
            button.setStyleSheet(_button_style(now))
        self.notice.setStyleSheet(_notice_style(now))

    # ---- construction ------------------------------------------------------------------------

    def _build_header(self, limits: bool) -> None:
        self.follow_button = QtWidgets.QPushButton(f"Last {FOLLOW_MINUTES:g} min")
        self.whole_button = QtWidgets.QPushButton("Whole session")
        group = QtWidgets.QButtonGroup(self)
        for button, view in ((self.follow_button, FOLLOW), (self.whole_button, WHOLE)):
            button.setCheckable(True)
            button.setMinimumHeight(36)   # a touch target, not just a mouse target
            button.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed,
                                 QtWidgets.QSizePolicy.Policy.Fixed)
            button.setStyleSheet(_button_style(theme.current()))
            button.clicked.connect(lambda _checked=False, v=view: self.set_view(v))
            group.addButton(button)
        self.follow_button.setChecked(True)
        # The whole session beside the buttons: the room a legend row used to take.
        self.overview = pg.GraphicsLayoutWidget()
        self.overview.setBackground("k")
        self.overview.setFixedHeight(HEADER_PX)
        self.overview.setMinimumWidth(OVERVIEW_MIN_WIDTH)
        self.overview.ci.setContentsMargins(0, 0, 0, 0)
        self.overview_plot = _Plot(shown=())   # no axes: a strip
        self.overview.addItem(self.overview_plot, row=0, col=0)
        self._quiet(self.overview_plot)
        self.overview_plot.hideAxis("left")
        self.overview_plot.hideAxis("bottom")
        self._overview_y = _caption_room(OVERVIEW_CORE)   # widened by `_overview_y_range`
        self.overview_plot.setYRange(*self._overview_y, padding=0)
        self.overview_caption = _Label(self.overview_plot.getViewBox(), _font(FONT_POINTS - 1),
                                       fill=(0, 0, 0, 150))
        self.key = QtWidgets.QLabel(_key_html(limits))
        self.key.setStyleSheet("background: black; padding: 1px 4px;")
        self.key.setFixedHeight(HEADER_PX)
        self._header = QtWidgets.QHBoxLayout()
        self._header.setSpacing(4)
        self._header.addWidget(self.follow_button)
        self._header.addWidget(self.whole_button)
        self._header.addWidget(self.overview, 1)
        self._header.addStretch(0)   # takes the strip's room in the whole view
        self._header.addWidget(self.key)
        # One line for the whole session: a monitor whose clock is a minute off is common, and
        # wrapped, the notice took three lines of the plots' height at 1366x768 for good.
        self.notice = ElidedLabel()
        self.notice.setObjectName("trend_notice")
        self.notice.setStyleSheet(_notice_style(theme.current()))
        self.notice.hide()

    def _build_graphics(self) -> None:
        self.graphics = _Graphics(self._share_height)
        self.graphics.setBackground("k")
        self.graphics.ci.setSpacing(SPACING_PX)
        self.graphics.ci.setContentsMargins(0, 2, 0, 0)
        self.lane = _Plot({"right": _LabelColumn("right")}, shown=("left",))
        self.graphics.addItem(self.lane, row=0, col=0)
        self._quiet(self.lane)
        self.lane.setYRange(0.0, 1.0, padding=0)
        self.lane.hideAxis("bottom")
        self._side_axes(self.lane, values=False)
        self._lane_labels: list[_Label] = []
        self.lane.getViewBox().sigResized.connect(self._on_lane_resized)
        self._lane_markers: dict[str, pg.PlotCurveItem] = {}
        self.panels: list[_PanelParts] = []
        for index, panel in enumerate(PANELS):
            last = index == len(PANELS) - 1
            axes: dict[str, pg.AxisItem] = {"left": _ValueAxis("left"),
                                            "right": _LabelColumn("right")}
            if last:
                axes["bottom"] = _MinutesAxis("bottom")
            plot = _Plot(axes, shown=("left", "bottom") if last else ("left",))
            self.graphics.addItem(plot, row=index + 1, col=0)
            self._quiet(plot)
            self._side_axes(plot, values=True)
            plot.setXLink(self.lane)
            if last:
                bottom = plot.getAxis("bottom")
                bottom.setTextPen("#e0e0e0")
                bottom.setPen("#707070")
            else:
                plot.hideAxis("bottom")   # one time axis: each repaints every frame
            self._y_ranges[index] = self._y_cores[index] = panel.y_range
            plot.setYRange(*panel.y_range, padding=0)
            # In the left axis column, over nothing drawn: no chip behind it.
            title = _Label(plot.getAxis("left"), _font(FONT_POINTS, bold=True), fill=(0, 0, 0, 0))
            title.set_html(panel.title, _title_html(panel))
            parts = _PanelParts(plot, title)
            self.panels.append(parts)
            plot.getViewBox().sigResized.connect(
                lambda *_a, i=index: self._on_panel_resized(i))
            # Only a fallback: the shares are set as preferred heights (`_share_height`).
            self.graphics.ci.layout.setRowStretchFactor(index + 1, panel.stretch * 10)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        """Text 2 pt larger in a tall trend (1920x1080), read from the same distance."""
        super().resizeEvent(event)
        if self._set_text_size(LARGE_EXTRA_POINTS if self.height() >= LARGE_HEIGHT_PX else 0):
            # Laid out now, not on the next turn of the loop: a window shown at 1920x1080 had
            # painted one frame with the buttons and the key at the smaller text's widths (their
            # words cut, "ast 15 min") and the axis columns too narrow for the larger ticks.
            column = self.layout()
            if column is not None:
                column.activate()
            self.graphics.ci.layout.activate()

    def _set_text_size(self, extra: int) -> bool:
        """Give every text of the trend its size (`FONT_POINTS` + extra) and lay labels out again;
        False when it already had that size."""
        if extra == self._extra_points:
            return False
        self._extra_points = extra
        font, small = _font(FONT_POINTS + extra), _font(FONT_POINTS - 1 + extra)
        for button in (self.follow_button, self.whole_button):
            button.setFont(_font(FONT_POINTS + 1 + extra, bold=True))
        self.key.setFont(small)
        self.notice.setFont(font)
        self.overview_caption.set_font(_font(FONT_POINTS - 2 + extra))
        self._lane_font = font
        self._lane_row_px = _label_height(font) + 1
        self.lane.setFixedHeight(LANE_ROWS * self._lane_row_px + 3)
        for label in self._lane_labels:
            label.set_font(font)
        self._limit_font = _font(LIMIT_POINTS + extra)
        self._limit_line_px = _label_height(self._limit_font)
        for index, parts in enumerate(self.panels):
            parts.title.set_font(_font(FONT_POINTS + extra, bold=True))
            for label in parts.limit_labels:
                label.set_font(self._limit_font)
        column = self._left_column_px(font)
        for plot in [self.lane, *(p.plot for p in self.panels)]:
            plot.getAxis("left").setWidth(column)
            plot.getAxis("left").setTickFont(font)
        self.panels[-1].plot.getAxis("bottom").setTickFont(font)
        for index in range(len(self.panels)):
            self._layout_limit_labels(index)
            self._place_title(index)
        self._lane_dirty = True
        self._layout_lane()
        self._share_height()   # the lane's and the time axis's heights changed with the font
        return True

    def _share_height(self) -> None:
        """Give each panel's plot its share of the view's height (`Panel.stretch`, 5:3:2:2) as its
        preferred height, so that the layout, given exactly their sum, sets each to it.

        Row stretch factors alone did not share the height: Qt's grid layout spreads the room
        above the rows' preferred heights by a formula of those heights, the stretches and the
        whole column (the marker lane's fixed row counts in it; "multiplied by 1.5 for a smooth
        transition", qgridlayoutengine.cpp) and by the stretches only far beyond them. BP's plot
        got 100 of 293 px (34 %, its share 42 %) at 1366x768 and 292 of 596 px (49 %) at
        1920x1080; in a trend shorter than the rows' preferred heights (a 300-px report) all
        four were equal. What is shared is the view boxes' height: a plot's margins and the time
        axis under the last are added to its row. Called before the view's layout runs (its
        resize), when the lane's height or a panel's changes; a no-op when nothing moved.
        """
        if len(getattr(self, "panels", ())) < len(PANELS):
            return   # still being built
        grid = self.graphics.ci.layout
        _left, top, _right, bottom = grid.getContentsMargins()
        rows = len(self.panels) + 1   # the lane, then the panels
        minimum = QtCore.Qt.SizeHint.MinimumSize
        preferred = QtCore.Qt.SizeHint.PreferredSize
        # Beside its view box a plot has its margins and, the last, its time axis: no left or
        # right axis has a minimum height (a title is a child item, outside the layout).
        extras = [float(p.plot.effectiveSizeHint(minimum).height()) for p in self.panels]
        room = (float(self.graphics.height()) - top - bottom
                - grid.verticalSpacing() * (rows - 1)
                - float(self.lane.effectiveSizeHint(preferred).height()) - sum(extras))
        if room <= 0:
            return   # not laid out yet, or too small to share: the layout's own way
        # A title is never cut: in a short trend (a 300-px report) SpO2's 2 of 12 were 26 px,
        # its title 32.
        floors = [parts.title.height() + 2.0 for parts in self.panels]
        heights = _shares(room, [panel.stretch for panel in PANELS], floors)
        for parts, extra, height in zip(self.panels, extras, heights, strict=True):
            if abs(float(parts.plot.preferredHeight()) - (extra + height)) > 0.01:
                parts.plot.setPreferredHeight(extra + height)

    def _left_column_px(self, tick_font: QtGui.QFont) -> int:
        """The width of every left axis column: the widest title, then the tick values. One width
        for all plots, so the time axes stay lined up."""
        titles = max(parts.title.width() for parts in self.panels)
        ticks = QtGui.QFontMetricsF(tick_font).horizontalAdvance(TICK_TEXT) + TICK_RIGHT_PX
        return math.ceil(TITLE_X_PX + titles + TITLE_GAP_PX + ticks)

    @staticmethod
    def _quiet(plot: _Plot) -> None:
        """No pan, zoom or menu: the nurse's view must not move under an accidental touch; the
        buttons are the only way to change what is shown. No grid: it cost 30-60 ms a frame."""
        plot.setMouseEnabled(x=False, y=False)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=False, y=False)
        plot.enableAutoRange(x=False, y=False)
        plot.getViewBox().setBorder(pg.mkPen("#505050", width=1))
        plot.setContentsMargins(0, 0, 0, 0)

    def _side_axes(self, plot: _Plot, values: bool) -> None:
        left = plot.getAxis("left")
        left.setTextPen("#e0e0e0")
        left.setPen("#707070")
        # A tick label that would reach past its panel is not drawn (it printed over the next
        # panel's top label: "SpO2 80" over "RR 40").
        left.setStyle(hideOverlappingLabels=True)
        if not values:
            left.setStyle(showValues=False)
            left.setTicks([[]])
        # The right axis is the column the limit labels are written in: no line, no ticks.
        plot.showAxis("right")
        right = plot.getAxis("right")
        right.setStyle(showValues=False, tickLength=0)
        right.setTicks([[]])
        right.setPen(pg.mkPen((0, 0, 0, 0)))
        right.setWidth(self._limit_column)

    def _add_series(self, index: int, name: str) -> None:
        colour = VITAL_COLOURS[name]
        plot = self.panels[index].plot
        device = plot.plot(pen=pg.mkPen(colour, width=1), antialias=False)
        # HR (ECG) above pulse rate.
        device.setZValue(2 if name == "heart_rate" else 1)
        _reduce(device)
        self._items[(name, False)] = device

    def _add_cuff_pulse(self) -> None:
        """The pulse rate an NIBP cuff measured: filled dots in the pulse colour at the cuff's
        time, no line (trend_feed.py: a line joining them to the oximeter's pulse drew dips
        nobody measured), above the lines, below typed values."""
        colour = VITAL_COLOURS["pulse_rate"]
        item = self.panels[self._panel_of[CUFF_PULSE]].plot.plot(
            pen=None, symbol="o", symbolSize=CUFF_PULSE_SYMBOL_PX,
            symbolPen=pg.mkPen(colour, width=1), symbolBrush=pg.mkBrush(colour), antialias=False)
        item.setZValue(3.5)
        _reduce(item)
        self._items[(CUFF_PULSE, False)] = item

    def _manual_item(self, name: str) -> pg.PlotDataItem:
        """The typed values of a vital: hollow diamonds, no line.

        Made the first time the vital has a typed value to draw (or is asked for by `item`):
        most sessions type few vitals, and seven unused items cost ~2.5 ms of the live window's
        start (P7). Typed values are few and matter: above every line (z 4; within a panel in
        the order of its vitals, the order they were once all made in).
        """
        key = (name, True)
        item = self._items.get(key)
        if item is None:
            index = self._panel_of[name]
            colour = VITAL_COLOURS[name]
            item = self.panels[index].plot.plot(
                pen=None, symbol="d", symbolSize=TYPED_SYMBOL_PX,
                symbolPen=pg.mkPen(colour, width=1), symbolBrush=pg.mkBrush("k"), antialias=False,
            )
            item.setZValue(4 + 0.001 * PANELS[index].metrics.index(name))
            _reduce(item)
            self._items[key] = item
        return item

    def _build_bp_bars(self) -> None:
        plot = self.panels[self._panel_of["bp_systolic"]].plot
        colour = VITAL_COLOURS["bp_systolic"]
        # Pairs of points (systolic, diastolic) joined two by two: no downsampling or clipping,
        # which would split a pair; NIBP gives a few bars an hour.
        self.bars = _pairs(plot, pg.mkPen(colour, width=3))
        self.bars.setZValue(1.5)
        self.manual_bars = _pairs(plot, pg.mkPen(colour, width=1, style=QtCore.Qt.PenStyle.DashLine))
        self.manual_bars.setZValue(3)

    def _build_overview_items(self) -> None:
        plot = self.overview_plot
        colour = VITAL_COLOURS["bp_systolic"]
        self.overview_bars = _pairs(plot, pg.mkPen(colour, width=1))
        # Typed BP as its panel draws it, a dashed bar; a typed HR a dot (`_dot_points`).
        self.overview_manual_bars = _pairs(
            plot, pg.mkPen(colour, width=1, style=QtCore.Qt.PenStyle.DashLine))
        dot = pg.mkPen(VITAL_COLOURS["heart_rate"], width=OVERVIEW_TYPED_DOT_PX)
        dot.setCapStyle(QtCore.Qt.PenCapStyle.SquareCap)
        self.overview_typed_hr = _pairs(plot, dot)
        self.overview_lines: dict[str, pg.PlotDataItem] = {}
        # A line's lone values (`lone_points`) as dots of a typed HR's size: a monitor's HR alone
        # between silences, the pulse of an SpO2 alarm just before a restart, was in no strip.
        self.overview_lone: dict[str, pg.PlotCurveItem] = {}
        for name in OVERVIEW_SERIES:
            item = plot.plot(pen=pg.mkPen(VITAL_COLOURS[name], width=1), antialias=False)
            _reduce(item)   # the strip is the whole session: clipping keeps it all
            self.overview_lines[name] = item
            lone = pg.mkPen(VITAL_COLOURS[name], width=OVERVIEW_TYPED_DOT_PX)
            lone.setCapStyle(QtCore.Qt.PenCapStyle.SquareCap)
            self.overview_lone[name] = _pairs(plot, lone)
        self.overview_alarms = {
            style: _pairs(plot, pg.mkPen(_marker_colour(style), width=1))
            for style in ("alarm:high", "alarm:medium")
        }
        self.overview_band = pg.LinearRegionItem(
            values=(0.0, FOLLOW_MINUTES), movable=False, brush=pg.mkBrush(21, 101, 192, 90),
            pen=pg.mkPen("#42a5f5", width=1))
        plot.addItem(self.overview_band, ignoreBounds=True)
        # Each drawn as a pixmap, stroked again only when its data or the strip's scale changes
        # (Qt redraws a cached item on `update()`, which every setData calls): the strip changes
        # at the 15-s steps, yet the follow view repaints it at every refresh, and its typed bars
        # and dots had put that view's refresh over its bar (P5: 0.98-1.07x a bare pyqtgraph;
        # 0.89-0.96x so; the image the same, tests/ui/test_trend_strip_cached_draws_current.py).
        for drawn in self._overview_drawn():
            drawn.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def _overview_drawn(self) -> list[QtWidgets.QGraphicsItem]:
        """The whole-session strip's items that draw its values and alarm ticks."""
        return [self.overview_bars, self.overview_manual_bars, self.overview_typed_hr,
                *(item.curve for item in self.overview_lines.values()),
                *self.overview_lone.values(), *self.overview_alarms.values()]

    def _add_thresholds(self, rule: AlarmRule) -> None:
        if rule.metric not in self._panel_of:
            return   # limits of scales (MOAA/S) have no curve to sit on
        panel = self._panel_of[rule.metric]
        for sign, value in rule.fixed_limits():
            # The pulse's limits are the heart rate's, in the same panel: one line, one label.
            drawn = any(e.panel == panel and (e.sign, e.value, e.rule.priority)
                        == (sign, value, rule.priority) for e in self._thresholds)
            if not drawn:
                self._thresholds.append(self._threshold_line(rule, sign, value))
        if rule.rise_above_baseline is not None:
            entry = self._threshold_line(rule, "≥", None)
            entry.rise = rule.rise_above_baseline
            self._thresholds.append(entry)

    def _threshold_line(self, rule: AlarmRule, sign: str, value: float | None) -> _Threshold:
        index = self._panel_of[rule.metric]
        pen = pg.mkPen(PRIORITY_COLOURS[rule.priority], width=1,
                       style=LIMIT_PENS[rule.priority][0])
        line = LimitLine(pos=value if value is not None else 0.0, angle=0, pen=pen,
                         movable=False)
        line.setVisible(value is not None)
        self.panels[index].plot.addItem(line, ignoreBounds=True)
        return _Threshold(rule.metric, index, rule, sign, line, value)

    # ---- feeding (into the feed; nothing here touches an item) --------------------------------

    def add_reading(self, metric: str, value: float, minutes: float, manual: bool) -> None:
        """Queue one plain value for the next refresh (a vital; anything else is ignored)."""
        self.feed.add_point(metric, minutes, value, manual)

    def add_marker(self, minutes: float, text: str, kind: str,
                   priority: Priority | None = None) -> None:
        """Queue a vertical marker with a short label for the next refresh.

        Raises:
            ValueError: an unknown kind.
        """
        name = priority.name.lower() if priority is not None else (
            "high" if kind == "alarm" else None)
        self.feed.add_marker(TrendMarker(minutes, text, kind, name))

    def set_baseline(self, metric: str, value: float) -> None:
        """Place the metric's baseline-relative limits at baseline + rise (shown from then on)."""
        self.feed.set_baseline(metric, value)

    def set_now(self, minutes: float, reloaded: bool = False) -> None:
        """Tell the plot the session's current minute, so the follow view keeps moving (and a
        silent device shows as empty time) even when no value arrives. Back only with a feed
        read again (`reloaded`): a step that put right a restart's clock moved the session's
        minutes, and a follow view kept an hour ahead showed none of the new values."""
        if minutes > self._now or (reloaded and minutes != self._now):
            self._now = minutes
            self._view_dirty = True

    def set_view(self, view: str) -> None:
        """Show the last 15 minutes ("follow") or the whole session ("whole") in the panels.

        Raises:
            ValueError: any other name.
        """
        if view not in (FOLLOW, WHOLE):
            raise ValueError(f"view {view!r} is not 'follow' or 'whole'")
        button = self.follow_button if view == FOLLOW else self.whole_button
        button.setChecked(True)
        if view != self._view:
            self._view = view
            self._view_dirty = True
            # The strip shows the whole session beside a detailed last 15 minutes; when the
            # panels show the whole session it would only repeat them.
            self.overview.setVisible(view == FOLLOW)
            self.refresh()   # a button press must show at once, not at the next timer tick
            self.view_changed.emit(view)

    def set_feed(self, feed: TrendFeed) -> None:
        """Draw another feed (a logged session loaded afresh) from scratch."""
        self.feed = feed
        self._data_span.clear()
        self._take_feed_changes(everything=True)
        self.refresh()

    # ---- drawing -----------------------------------------------------------------------------

    def _take_feed_changes(self, everything: bool = False) -> None:
        changes = self.feed.take_changes()
        if everything:
            self._dirty = set(self._series_keys)
            self._bars_dirty = self._markers_dirty = self._view_dirty = True
            baselines = True
        else:
            self._dirty |= changes.series
            # Bars change with typed BP, or with device BP while it is NIBP (an arterial line is
            # drawn as lines and has no bars: P5's every-second BP must not recompute them).
            self._bars_dirty |= any(m in BP_METRICS and (manual or self._bp_symbols_on is not False)
                                    for m, manual in changes.series)
            self._markers_dirty |= changes.markers
            baselines = changes.baselines
        if baselines:
            for entry in self._thresholds:
                if entry.rise is not None:
                    # None: the baseline was withdrawn (its value entered in error): hidden.
                    base = self.feed.baselines.get(entry.metric)
                    entry.value = base + entry.rise if base is not None else None
                    self._limits_dirty = True
        if changes.skews or everything:
            skews = self.feed.skews
            self.notice.setVisible(bool(skews))
            self.notice.setText("  ".join(s.message() for s in skews))
        if self.feed.end_minutes > self._now:
            self._now = self.feed.end_minutes
            self._view_dirty = True
        if everything or changes.series or changes.markers:
            start = self.feed.start_minutes
            if start != self._start:
                self._start = start
                self._view_dirty = self._overview_dirty = True

    def refresh(self) -> None:
        """Push what changed since the last call to the plot items; a no-op when nothing did."""
        self._take_feed_changes()
        if self._dirty:
            self._draw_series()
        if self._bars_dirty:
            self._draw_bars()
        if self._markers_dirty:
            self._draw_markers()
        if self._limits_dirty:
            self._draw_limits()
        if self._view_dirty:
            self._draw_ranges()
        if self._lane_dirty:
            self._layout_lane()
        if self._overview_dirty and self._view == FOLLOW:
            self._draw_overview()

    def _draw_series(self) -> None:
        symbols = not self.feed.bp_continuous()
        if symbols != self._bp_symbols_on:
            self._set_bp_style(symbols)
        for key in self._dirty:
            t, v = self.feed.series(*key)
            item = self._items.get(key)
            if item is None and t.size:
                item = self._manual_item(key[0])
            if item is not None:
                item.setData(t, v)
                # An empty item still costs a visit per frame: typed series are empty most of
                # the time.
                item.setVisible(bool(t.size))
            if not key[1] and key[0] not in SPOT_SERIES:
                self._draw_lone(key[0], t, v)
            span = self.feed.span(key[0])
            if span is not None:
                index = self._panel_of[key[0]]
                low, high = self._data_span.get(index, span)
                wanted = (min(low, span[0]), max(high, span[1]))
                if wanted != self._data_span.get(index):
                    self._data_span[index] = wanted
                    self._view_dirty = True
        # The strip is not redrawn per value: it follows the window's 15-s steps (_draw_ranges).
        self._dirty.clear()

    def _draw_lone(self, name: str, t: np.ndarray, v: np.ndarray) -> None:
        """The device line's lone values (`lone_points`) as dots in its colour, one item per
        line, made the first time it has one (most sessions never do, P7); `setData` only when
        the dots changed (a line's every new value reaches here at each refresh, P3/P5)."""
        lone = lone_points(v)
        before = self._lone_drawn.get(name)
        if before is None and not lone.size:
            return   # none yet, none now
        minutes, values = t[lone], v[lone]   # copies: the feed's arrays change under it
        # Values too: a correction puts its value at the corrected one's minute.
        if (before is not None and before[0].size == lone.size
                and (not lone.size or (np.array_equal(before[0], minutes)
                                       and np.array_equal(before[1], values)))):
            return
        self._lone_drawn[name] = (minutes, values)
        item = self._lone_items.get(name)
        if item is None:
            pen = pg.mkPen(VITAL_COLOURS[name], width=LONE_DOT_PX)
            pen.setCapStyle(QtCore.Qt.PenCapStyle.SquareCap)
            item = _pairs(self.panels[self._panel_of[name]].plot, pen)
            item.setZValue(self._items[(name, False)].zValue())   # as its line
            self._lone_items[name] = item
        item.setData(*_dot_points(minutes, values))
        item.setVisible(bool(lone.size))

    def _set_bp_style(self, symbols: bool) -> None:
        """NIBP: symbols (▼ systolic, ▲ diastolic, a tick for the mean) at each measurement, no
        line; an arterial line: lines only (thousands of symbols would cost more than the plot)."""
        self._bp_symbols_on = symbols
        colour = VITAL_COLOURS["bp_systolic"]
        sizes = NIBP_SYMBOL_SIZES[self._bp_crowded]
        for name, symbol in (("bp_systolic", "t"), ("bp_diastolic", "t1"), ("bp_mean", "_")):
            item = self._items[(name, False)]
            if symbols:
                item.setPen(None)
                item.setSymbol(symbol)
                item.setSymbolSize(sizes[name])
                item.setSymbolPen(pg.mkPen(colour, width=NIBP_MEAN_PEN_PX if name == "bp_mean"
                                           else 1))
                item.setSymbolBrush(pg.mkBrush(colour))
            else:
                item.setSymbol(None)
                item.setPen(pg.mkPen(colour, width=1))
        self._bars_dirty = True

    def _check_bp_room(self) -> None:
        """Small NIBP symbols where bars stand closer than `NIBP_ROOM_PX` (a 4-hour session's 80
        measurements in the whole view): full-size ▼▲ merged into one band there."""
        if not self._bp_symbols_on:
            return
        t, _ = self.feed.series("bp_systolic", False)
        x0, x1 = self._shown_x
        count = int(np.searchsorted(t, x1, side="right") - np.searchsorted(t, x0))
        width = float(self.panels[0].plot.getViewBox().boundingRect().width())
        crowded = count > 1 and width / count < NIBP_ROOM_PX
        if crowded != self._bp_crowded:
            self._bp_crowded = crowded
            self._set_bp_style(True)

    def _draw_bars(self) -> None:
        self._check_bp_room()
        empty = np.empty(0)
        device = self.feed.bp_bars(manual=False) if self._bp_symbols_on else None
        x, y = _bar_points(device) if device is not None else (empty, empty)
        self.bars.setData(x, y)
        self.bars.setVisible(bool(x.size))
        x, y = _bar_points(self.feed.bp_bars(manual=True))
        self.manual_bars.setData(x, y)
        self.manual_bars.setVisible(bool(x.size))
        self._bars_dirty = False
        self._overview_dirty = True

    def _marker_lines(self, style: str) -> None:
        """The dotted line items of one marker style, in the lane and every panel.

        Made the first time a marker of that style is drawn (a new session has one or two
        styles; seven in six plots cost ~5 ms of the live window's start, P7). Their z follows
        `MARKER_STYLES`, the order they once were all made in, so the stacking is the same.
        """
        z = 0.5 + 0.001 * MARKER_STYLES.index(style)
        for plot in [self.lane, *(p.plot for p in self.panels)]:
            item = _pairs(plot, _marker_pen(style))
            item.setZValue(z)
            if plot is self.lane:
                self._lane_markers[style] = item
            else:
                self.panels[[p.plot for p in self.panels].index(plot)].marker_items[style] = item

    def _draw_markers(self) -> None:
        self._markers = self.feed.markers()
        by_style: dict[str, list[float]] = {style: [] for style in MARKER_STYLES}
        for marker in self._markers:
            by_style[_style_of(marker)].append(marker.minutes)
        for style, minutes in by_style.items():
            if style not in self._lane_markers:
                if not minutes:
                    continue   # never drawn in this style: nothing to clear
                self._marker_lines(style)
            x = np.repeat(np.asarray(minutes, dtype=np.float64), 2)
            self._lane_markers[style].setData(x, np.tile([0.0, 1.0], len(minutes)))
            self._lane_markers[style].setVisible(bool(minutes))
            for parts in self.panels:
                parts.marker_items[style].setData(x, np.tile([-1000.0, 1000.0], len(minutes)))
                parts.marker_items[style].setVisible(bool(minutes))
        self._markers_dirty = False
        self._lane_dirty = True
        self._overview_dirty = True

    def _draw_limits(self) -> None:
        for entry in self._thresholds:
            if entry.value is not None:
                entry.line.setValue(entry.value)
            entry.line.setVisible(entry.value is not None)
        self._limits_dirty = False
        self._view_dirty = True   # a new limit may widen a y range; labels follow the ranges
        # ... and a new line within the range needs its label too: a baseline's limits set at
        # T0 were drawn unlabelled all session ("S ≥164" came only with a range change).
        self._relabel = True

    def _draw_ranges(self) -> None:
        wanted_x = self._target_x_range()
        first = not self._ranges_applied
        self._ranges_applied = True
        if wanted_x != self._x_range:
            if self._view == FOLLOW:
                self._overview_dirty = True
            self._x_range = wanted_x
        self._fit_x(force=first)
        relabel = False
        for index in range(len(self.panels)):
            self._y_cores[index] = self._target_y_range(index)
            relabel = self._fit_y(index, force=first) or relabel
        if relabel or self._relabel:
            for index in range(len(self.panels)):
                self._layout_limit_labels(index)
        self._relabel = False
        self._view_dirty = False

    def _first_minute(self) -> float:
        """Where every view starts: minute 0, or the whole minute before the earliest value
        placed before it (`TrendFeed.start_minutes`: a cuff the monitor took before the session
        opened, shown on its tile, was outside every view and drawn nowhere)."""
        return float(math.floor(self._start))

    def _target_x_range(self) -> tuple[float, float]:
        end = max(self._now, FOLLOW_MINUTES)
        first = self._first_minute()
        if self._view == FOLLOW:
            # The window moves in 15-s steps (~8 px) and is one step wider than 15 min, so it
            # always holds [now - 15, now]. Moving it every second re-reduced every curve and
            # re-laid the time axis each frame: ~10 ms against ~5 ms when only data changes.
            end = math.ceil(end / FOLLOW_STEP) * FOLLOW_STEP
            low = end - FOLLOW_MINUTES - FOLLOW_STEP
            # The first window (a session under 15 min) starts at the session's first minute,
            # 0 or a cuff's before it; later ones hold the last 15 minutes.
            return (first if low < 0 else low, end)
        # The whole view ends at the next whole minute: over hours a second is a fraction of a
        # pixel, and moving the axis every second re-reduced every curve (~7 ms at 4 h).
        return (first, float(math.ceil(end)))

    def _target_y_range(self, index: int) -> tuple[float, float]:
        low, high = PANELS[index].y_range
        values = [e.value for e in self._thresholds if e.value is not None and e.panel == index]
        if index in self._data_span:
            values.extend(self._data_span[index])
        if values:
            # Widen by 5 % beyond anything drawn, and only ever widen: a shrinking scale would
            # make the same trace look different from one minute to the next.
            span = high - low
            low = min(low, min(values) - 0.05 * span)
            high = max(high, max(values) + 0.05 * span)
        current = self._y_cores.get(index, (low, high))
        return (min(low, current[0]), max(high, current[1]))

    def _fit_x(self, force: bool = False) -> None:
        """Set the panels' time range: the view's (`_x_range`) with `TIME_ROOM_PX` of room at
        each end, in minutes for the plots' width now.

        Without it a value at either end of the view lost part of its symbol to the view box's
        clip. At minute 0 (the first NIBP, a typed value: the first 15 minutes of either view)
        the NIBP mean's tick lost 8 px, the triangles 5.5 and a diamond 5.3; the whole view's 1 %
        of room was set only when the range changed, so a whole view opened on a session under
        15 minutes (the central station's trend dialog) kept the follow view's [0, 15] and had
        none. At the end of the follow window a diamond typed in the 15 s before its next step
        lost more the nearer the step, up to 4.8 px; at the end of the whole view 1 % of 40
        minutes was ~4 px at 1366x768, and the mean's tick lost 3.3 px
        (tests/ui/test_trend_geometry.py). The room is in pixels: worked out again when the view
        steps or the plots' width changes, never per second. The values stay at their minutes:
        the axis only shows a little more time.
        """
        width = float(self.lane.getViewBox().rect().width())   # what the range is mapped onto
        low, high = self._x_range
        # A plot too narrow to leave the room at both ends (not laid out yet) gets none.
        usable = width - 2 * TIME_ROOM_PX
        pad = (high - low) * TIME_ROOM_PX / usable if usable > width / 2 else 0.0
        shown = (low - pad, high + pad)
        if shown == self._shown_x and not force:
            return
        self._shown_x = shown
        self.lane.setXRange(*shown, padding=0)   # the panels follow by x-link
        self._lane_dirty = True
        self._check_bp_room()

    def _fit_y(self, index: int, force: bool = False) -> bool:
        """Set the panel's y range: its core (`_target_y_range`) with room for a symbol at each
        end (`SYMBOL_ROOM_PX`, in the panel's height now). True if it changed.

        The core's 5 % is less than half a 13-px diamond (a typed value) in most panels, and a
        diamond at the scale's edge lost its top or bottom to the view box's clip: 5 % is 6.1 px
        of BP's 122 and 2.4 px of SpO2's 49 at 1366x768, 5.0 of SpO2's 99.5 at 1920x1080 (cut
        up to 4.6 and 2.7 px, tests/ui/test_trend_geometry.py). The room is in pixels, so it is
        worked out again when the panel's height changes (the core, in values, only ever
        widens; the room only widens it further).
        """
        height = self._panel_px.get(index, 0.0)
        room = SYMBOL_ROOM_PX / height if height > 0 else 0.0
        wanted = _with_room(self._y_cores[index], self._data_span.get(index), room)
        if wanted == self._y_ranges[index] and not force:
            return False
        self._y_ranges[index] = wanted
        self.panels[index].plot.setYRange(*wanted, padding=0)
        return True

    # ---- labels: limits in the right column, markers in the lane -----------------------------

    def _on_panel_resized(self, index: int) -> None:
        # The time axis grows when its tick text is first measured (at a new font size): the
        # last panel's view box shrinks by that much, and the shares are set again.
        self._share_height()
        self._panel_px[index] = float(self.panels[index].plot.getViewBox().boundingRect().height())
        if self._ranges_applied:
            self._fit_y(index)
        self._layout_limit_labels(index)
        self._place_title(index)
        if index == 0:
            self._check_bp_room()

    def _on_lane_resized(self) -> None:
        # The lane is as wide as every panel (one left and one right column width for all).
        if self._ranges_applied:
            self._fit_x()
        self._layout_lane()

    def _place_title(self, index: int) -> None:
        """The title at the top of its left axis column, left of the tick values: level with the
        top of the plot, outside it (nothing drawn can be under it)."""
        parts = self.panels[index]
        axis = parts.plot.getAxis("left")
        top = axis.mapFromItem(parts.plot.getViewBox(), QtCore.QPointF(0.0, 0.0)).y()
        parts.title.setPos(TITLE_X_PX, top + 1.0)

    def _layout_limit_labels(self, index: int) -> None:
        """Write each visible limit's label beside its line, in the column right of the plot;
        where lines are too close for their labels, push the labels apart; where the panel is
        too short for all of them, merge neighbours ("D ≥107 ≥110")."""
        parts = self.panels[index]
        vb = parts.plot.getViewBox()
        axis = parts.plot.getAxis("right")
        height = float(vb.boundingRect().height())
        if height <= 0:
            return
        y_low, y_high = (float(v) for v in vb.viewRange()[1])
        entries = sorted((e for e in self._thresholds if e.panel == index and e.value is not None),
                         key=lambda e: -float(e.value or 0.0))
        # Lines at one value share one label ("D ≥110": the fixed limit and baseline + 25): two
        # labels of one height could only both be pushed off it, which a taller panel (its
        # share of the height, _share_height) did instead of merging them.
        groups: list[list[_Threshold]] = []
        for entry in entries:
            if groups and groups[-1][0].value == entry.value:
                groups[-1].append(entry)
            else:
                groups.append([entry])
        line = self._limit_line_px

        def wish(group: list[_Threshold]) -> float:
            ys = [(y_high - float(e.value or 0.0)) / (y_high - y_low) * height for e in group]
            return sum(ys) / len(ys)

        while True:
            wishes = [wish(g) for g in groups]
            centres = spread_labels(wishes, line, 0.0, height)
            # A label pushed more than a line away from its line reads as another line's: merge
            # instead ("D ≥107/110" beside two close lines).
            if len(groups) <= 1 or (centres is not None and max(
                    abs(c - w) for c, w in zip(centres, wishes, strict=True)) <= MAX_SHIFT * line):
                break
            # Merge the two neighbours whose lines are closest.
            gaps = [wish(groups[k + 1]) - wish(groups[k]) for k in range(len(groups) - 1)]
            k = int(np.argmin(gaps))
            groups[k:k + 2] = [groups[k] + groups[k + 1]]
        while len(parts.limit_labels) < len(groups):
            parts.limit_labels.append(_Label(axis, self._limit_font))
        widest = float(MIN_LIMIT_COLUMN_PX)
        for k, label in enumerate(parts.limit_labels):
            if k >= len(groups):
                label.setVisible(False)
                continue
            text, markup = _limit_text(groups[k])
            label.set_html(text, markup)
            label.setVisible(True)
            centre = centres[k] if centres is not None else height / 2
            top = min(max(centre - label.height() / 2, 0.0), max(0.0, height - label.height()))
            origin = axis.mapFromItem(vb, QtCore.QPointF(0.0, top))
            label.setPos(2.0, origin.y())
            widest = max(widest, label.width() + 4)
        self._column_needs[index] = math.ceil(widest)
        column = max(self._column_needs.values())
        if column != self._limit_column:
            # Every panel's column keeps one width, so the time axes stay lined up. (A width
            # change moves nothing vertically, so it cannot undo the layout that caused it.)
            self._limit_column = column
            for plot in [self.lane, *(p.plot for p in self.panels)]:
                plot.getAxis("right").setWidth(column)

    def _layout_lane(self) -> None:
        """Stack the labels of the markers in view into the lane's rows (`stack_labels`)."""
        vb = self.lane.getViewBox()
        width = float(vb.boundingRect().width())
        x0, x1 = self._shown_x
        shown = [m for m in self._markers if x0 <= m.minutes <= x1]
        while len(self._lane_labels) < len(shown):
            self._lane_labels.append(_Label(vb, self._lane_font))
        metrics = QtGui.QFontMetricsF(self._lane_font)
        texts = [marker_label(m) for m in shown]   # an alarm's marks before its words
        widths = [metrics.horizontalAdvance(text) + 4 for text in texts]
        xs = [(m.minutes - x0) / (x1 - x0) * width if x1 > x0 else 0.0 for m in shown]
        slots = stack_labels(xs, widths, LANE_ROWS, 1.0, width - 1.0, 4.0,
                             lambda n: metrics.horizontalAdvance(f" +{n}"),
                             [LANE_RANKS[_style_of(m)] for m in shown])
        for k, label in enumerate(self._lane_labels):
            if k >= len(shown) or slots[k].row < 0:
                label.setVisible(False)
                continue
            marker, slot = shown[k], slots[k]
            text = texts[k] + (f" +{slot.extra}" if slot.extra else "")
            label.set(text, _marker_colour(_style_of(marker)))
            label.setPos(slot.left, 1.0 + slot.row * self._lane_row_px)
            label.setVisible(True)
        self._lane_dirty = False

    def _draw_overview(self) -> None:
        """The whole session in the header strip, redrawn when the follow window steps or a bar
        or marker arrives (not per value: at ~1 px a minute nothing else shows)."""
        end = max(float(math.ceil(self._now)), FOLLOW_MINUTES)
        plot = self.overview_plot
        if self.feed.bp_continuous():
            self.overview_bars.setData(np.empty(0), np.empty(0))
            for name in ("bp_systolic", "bp_diastolic"):
                self._strip_line(name, *self.feed.series(name, False))
        else:
            self.overview_bars.setData(*_bar_points(self.feed.bp_bars(manual=False)))
            for name in ("bp_systolic", "bp_diastolic"):
                self._strip_line(name, np.empty(0), np.empty(0))
        # The oximeter's pulse where no ECG sends a heart rate: the chair counts it as the HR (a
        # check's ("heart_rate", "pulse_rate"), protocols/model.py `VitalsCheck`), and an SpO2 +
        # NIBP monitor's strip had no line. Typed BP and HR too: a manual-only chair's was empty.
        hr = "heart_rate" if self.feed.count("heart_rate", False) else "pulse_rate"
        for name in ("heart_rate", "pulse_rate"):
            self._strip_line(name, *(self.feed.series(name, False) if name == hr
                                     else (np.empty(0), np.empty(0))))
        for item, (t, v) in ((self.overview_manual_bars,
                              _bar_points(self.feed.bp_bars(manual=True))),
                             (self.overview_typed_hr,
                              _dot_points(*self.feed.series("heart_rate", True)))):
            item.setData(t, v)
            item.setVisible(bool(t.size))
        low, top = self._overview_y_range(hr)
        if (low, top) != self._overview_y:
            self._overview_y = (low, top)
            plot.setYRange(low, top, padding=0)
        tick = (low, low + OVERVIEW_TICK_SHARE * (top - low))   # at the strip's bottom
        for style, item in self.overview_alarms.items():
            minutes = [m.minutes for m in self._markers if _style_of(m) == style]
            item.setData(np.repeat(np.asarray(minutes, dtype=np.float64), 2),
                         np.tile(tick, len(minutes)))
        first = self._first_minute()
        if self._overview_range != (first, end):
            self._overview_range = (first, end)
            plot.setXRange(first, end, padding=0)
        self.overview_band.setRegion(self._x_range)
        self.overview_caption.set(f"{first:g}–{end:g} min", "#e0e0e0")
        self.overview_caption.setPos(2.0, 0.0)
        self._overview_dirty = False

    def _strip_line(self, name: str, t: np.ndarray, v: np.ndarray) -> None:
        """One device line of the whole-session strip, its lone values as dots."""
        lone = lone_points(v)
        for item, data in ((self.overview_lines[name], (t, v)),
                           (self.overview_lone[name], _dot_points(t[lone], v[lone]))):
            item.setData(*data)
            # An empty item still costs a visit per paint (as `_draw_series` hides its own).
            item.setVisible(bool(data[0].size))

    def _overview_y_range(self, hr: str) -> tuple[float, float]:
        """The strip's scale: `OVERVIEW_CORE` widened to 5 % beyond every value of its vitals
        the feed was given (`TrendFeed.span`: typed ones too; the pulse's when `hr`, the line
        drawn as its HR, is the pulse), and its caption's room on top; only ever widened, as the
        panels' scales are. Fixed at 30-280, it drew an HR of 25 (a high alarm) below its floor,
        clipped: the trace seemed to bottom out at 30; 230-280 ran under the caption."""
        low, high = OVERVIEW_CORE
        spans = [span for name in ("bp_systolic", "bp_diastolic", "heart_rate", hr)
                 if (span := self.feed.span(name)) is not None]
        if spans:
            margin = 0.05 * (high - low)
            low = min(low, min(span[0] for span in spans) - margin)
            high = max(high, max(span[1] for span in spans) + margin)
        low, top = _caption_room((low, high))
        return min(low, self._overview_y[0]), max(top, self._overview_y[1])

    # ---- reading back (for tests and the review) --------------------------------------------

    def curve_data(self, metric: str, manual: bool) -> tuple[np.ndarray, np.ndarray]:
        """The points last given to the curve's `setData` (line-break NaNs removed).

        Reads `getOriginalDataset()`: in pyqtgraph 0.14 `getData()` returns the downsampled,
        clipped display set, which depends on the view rather than on what was fed.
        """
        item = self._items.get((metric, manual))
        if item is None:   # typed values never drawn: no item yet
            if metric not in self._panel_of:
                raise KeyError((metric, manual))
            return np.empty(0), np.empty(0)
        x, y = item.getOriginalDataset()
        if x is None or y is None:
            return np.empty(0), np.empty(0)
        keep = np.isfinite(y)
        return np.asarray(x)[keep], np.asarray(y)[keep]

    def lone_data(self, metric: str, strip: bool = False) -> tuple[list[float], list[float]]:
        """The device values of `metric` drawn as lone dots, in its panel or in the whole-session
        `strip`: (minutes, values)."""
        item = self.overview_lone.get(metric) if strip else self._lone_items.get(metric)
        if item is None or not item.isVisible():
            return [], []
        x, y = item.getData()
        return np.asarray(x)[0::2].tolist(), np.asarray(y)[0::2].tolist()

    def bar_data(self, manual: bool) -> tuple[np.ndarray, np.ndarray]:
        """The bars' points as drawn: x and y in pairs (systolic, diastolic) per bar."""
        item = self.manual_bars if manual else self.bars
        x, y = item.getData()
        if x is None or y is None:
            return np.empty(0), np.empty(0)
        return np.asarray(x), np.asarray(y)

    def threshold_values(self, metric: str) -> list[float]:
        """The y values of the metric's visible limit lines, as drawn."""
        return [float(e.line.value()) for e in self._thresholds
                if e.metric == metric and e.line.isVisible()]

    def limit_labels(self, panel: int) -> list[str]:
        """The texts of a panel's visible limit labels, top to bottom."""
        labels = [lab for lab in self.panels[panel].limit_labels if lab.isVisible()]
        return [lab.plain for lab in sorted(labels, key=lambda lab: lab.pos().y())]

    def markers(self) -> list[tuple[float, str, str]]:
        """(minutes, text, kind) of every marker drawn, in time order."""
        return [(m.minutes, m.text, m.kind) for m in self._markers]

    def lane_labels(self) -> list[str]:
        """The marker labels shown in the lane (with any "+N"), left to right."""
        shown = [lab for lab in self._lane_labels if lab.isVisible()]
        return [lab.plain for lab in sorted(shown, key=lambda lab: (lab.pos().x(), lab.pos().y()))]

    def x_range(self) -> tuple[float, float]:
        """The time range (minutes) the panels were last set to show, each end `TIME_ROOM_PX`
        inside the plots' edges (their `viewRange` is that much wider: `_fit_x`).

        Follow: `[now - 15 - s, now + d]` with `0 <= d < s`, s = 15 s, and `[first, 15]` for a
        session under 15 minutes; whole: `[first, now rounded up to the minute]`, at least 15
        minutes. The first minute is 0, or earlier when a value is placed before the session
        opened (`_first_minute`).
        """
        return self._x_range

    @property
    def view(self) -> str:
        return self._view

    def item(self, metric: str, manual: bool) -> pg.PlotDataItem:
        """The plot item of one curve (for tests that count calls or read styles)."""
        return self._manual_item(metric) if manual else self._items[(metric, manual)]

    def text_boxes(self) -> list[tuple[str, QtCore.QRectF, QtCore.QRectF]]:
        """Every text the trend shows: (what, its rectangle, the rectangle it must stay inside),
        both in this widget's coordinates. For the layout check: no two rectangles may intersect
        and each must lie inside its bounds."""
        out: list[tuple[str, QtCore.QRectF, QtCore.QRectF]] = []
        view = self.graphics

        def item_rect(item: QtWidgets.QGraphicsItem, graphics: pg.GraphicsLayoutWidget
                      ) -> QtCore.QRectF:
            return _scene_to_widget(item.sceneBoundingRect(), graphics, self)

        viewport = QtCore.QRectF(view.geometry())
        for index, parts in enumerate(self.panels):
            vb = parts.plot.getViewBox()
            panel_rect = item_rect(vb, view)
            axis = parts.plot.getAxis("right")
            column = item_rect(axis, view)
            column = QtCore.QRectF(column.left(), panel_rect.top(), column.width(),
                                   panel_rect.height())
            left = item_rect(parts.plot.getAxis("left"), view)
            left = QtCore.QRectF(left.left(), panel_rect.top(), left.width(), panel_rect.height())
            out.append((f"{PANELS[index].title} title", item_rect(parts.title, view), left))
            for label in parts.limit_labels:
                if label.isVisible():
                    out.append((f"limit {label.plain}", item_rect(label, view), column))
            out.extend(_tick_boxes(parts.plot.getAxis("left"), view, self, viewport))
        out.extend(_tick_boxes(self.panels[-1].plot.getAxis("bottom"), view, self, viewport))
        lane = item_rect(self.lane.getViewBox(), view)
        for label in self._lane_labels:
            if label.isVisible():
                out.append((f"marker {label.plain}", item_rect(label, view), lane))
        if self.overview.isVisible():
            strip = item_rect(self.overview_plot.getViewBox(), self.overview)
            out.append(("overview caption", item_rect(self.overview_caption, self.overview), strip))
        own = QtCore.QRectF(self.rect())
        for widget in (self.follow_button, self.whole_button, self.key, self.notice):
            if widget.isVisible():
                top_left = QtCore.QPointF(widget.mapTo(self, QtCore.QPoint(0, 0)))
                out.append((f"widget {widget.objectName() or type(widget).__name__}",
                            QtCore.QRectF(top_left, QtCore.QSizeF(widget.size())), own))
        return out

    # ---- filling from the log (review, report) -----------------------------------------------

    def load_session(
        self,
        observations: Iterable[tuple[int, ObservationRecord]],
        events: Iterable[tuple[int, EventRecord]],
        alarms: Iterable[tuple[int, AlarmTransition]],
        started_at: datetime,
        *, demo: bool = False,
    ) -> None:
        """Draw a logged session (as `EventLog.observations/events/alarm_events` return it)
        through a new `TrendFeed`, then show the whole session."""
        feed = TrendFeed(started_at, demo=demo)
        feed.load(observations, events, alarms)
        self.set_feed(feed)
        self.set_view(WHOLE)
        self.refresh()

    @classmethod
    def for_session(
        cls, protocol: Protocol | None,
        observations: Iterable[tuple[int, ObservationRecord]],
        events: Iterable[tuple[int, EventRecord]],
        alarms: Iterable[tuple[int, AlarmTransition]],
        started_at: datetime, parent: QtWidgets.QWidget | None = None, *, demo: bool = False,
    ) -> TrendPlot:
        """A plot filled from a logged session (the review's and the report's entry point)."""
        plot = cls(protocol, parent=parent)
        plot.load_session(observations, events, alarms, started_at, demo=demo)
        return plot


# ---- helpers -----------------------------------------------------------------------------------


def _label_height(font: QtGui.QFont) -> float:
    """The height of a one-line `_Label` in this font (what the label layout must leave).

    Kept per font: a trend asks for the same two fonts at least twice while it is built, and
    each review or report trend asks again.
    """
    screen = QtGui.QGuiApplication.primaryScreen()   # text is laid out at its resolution
    key = (font.key(), screen.logicalDotsPerInchY() if screen is not None else 0.0)
    height = _LABEL_HEIGHTS.get(key)
    if height is None:
        item = QtWidgets.QGraphicsTextItem()
        item.document().setDocumentMargin(0)
        item.setFont(font)
        item.setPlainText("S ≥200")
        height = _LABEL_HEIGHTS[key] = float(item.boundingRect().height())
    return height


_LABEL_HEIGHTS: dict[tuple[str, float], float] = {}


def reduced_curve(**options: Any) -> _Curve:
    """A data item (PlotItem.plot's options) drawn as `column_points` of what is in view: for
    the plots that are not this module's (the review's course trend), to add with `addItem`."""
    item = _Curve(**options)
    _reduce(item)
    return item


def _reduce(item: _Curve) -> None:
    """Only what is in view, reduced to what its pixel columns can show (`column_points`).

    Drawing every point cost: pyqtgraph's default drew all 14,400 points of a 4-hour series
    (~7 ms a frame for six curves).
    """
    item.reduced = True
    item.setClipToView(True)


def column_points(x: np.ndarray, y: np.ndarray, left: float, per_column: float) -> np.ndarray:
    """The indices of the points a line through (x, y) needs where a pixel column is
    `per_column` wide from `left`: in each column, and apart on either side of a line break
    (NaN), its first, lowest, highest and last value, in time order (the M4 reduction). Each
    column's extremes are drawn at their own time, the newest column's however few values it
    holds, and every break is kept."""
    n = x.size
    column = np.floor((x - left) / per_column)
    gap = ~np.isfinite(y)
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = (column[1:] != column[:-1]) | gap[1:] | gap[:-1]
    first = np.flatnonzero(new)
    sizes = np.diff(first, append=n)
    values = np.where(gap, 0.0, y)   # a break is a group of its own: its one index is kept
    index = np.arange(n)
    chosen = np.empty((first.size, 4), dtype=np.intp)
    chosen[:, 0], chosen[:, 3] = first, first + sizes - 1
    for k, extreme in ((1, np.maximum.reduceat(values, first)),
                       (2, np.minimum.reduceat(values, first))):
        at = np.where(values == np.repeat(extreme, sizes), index, n)
        chosen[:, k] = np.minimum.reduceat(at, first)
    chosen.sort(axis=1)   # in time order within each group; the groups are in order
    flat = chosen.ravel()
    return flat[np.concatenate(([True], flat[1:] != flat[:-1]))]


class _Curve(pg.PlotDataItem):  # type: ignore[misc]   # pyqtgraph ships no type information
    """A curve drawn, once `reduced`, as `column_points` of what is in view.

    In place of pyqtgraph's peak downsampling, which reduced whole bins of `ds` points only: the
    newest `len % ds` values were never drawn (2.5 h into a session at 1366x768, an SpO2 fall to
    82 in the last 15 s), a bin holding a line break was not drawn at all (an SpO2 of 82 just
    before the monitor went silent), and each bin's highest value was drawn before its lowest
    whatever their order (the strip's line ended at 72 after a rise to 140). pyqtgraph offers no
    hook for a reduction of one's own: this overrides its private `_getDisplayDataset`, which
    it calls for what it draws and for `getData`, leaving it the clipping to the view.
    """

    def __init__(self, **options: Any) -> None:
        self.reduced = False   # pyqtgraph's __init__ asks for the display set
        self._drawn: tuple[Any, float, Any] | None = None   # (clipped, column width, drawn)
        super().__init__(**options)

    def _getDisplayDataset(self) -> Any:  # noqa: N802 - pyqtgraph's name
        clipped = super()._getDisplayDataset()
        view = self.getViewBox()
        if not self.reduced or clipped is None or view is None or clipped.x.size < 8:
            return clipped
        rect, width = view.viewRect(), float(view.width())
        if width <= 0.0 or rect.width() <= 0.0:
            return clipped   # not laid out yet: nothing is painted
        per_column = float(rect.width()) / width
        if clipped.x.size <= 2 * width * (clipped.x[-1] - clipped.x[0]) / rect.width():
            return clipped   # two values a column or fewer: all of them, nothing to reduce
        if self._drawn is not None and self._drawn[0] is clipped and self._drawn[1] == per_column:
            return self._drawn[2]   # pyqtgraph's cached clip: the same columns
        keep = column_points(clipped.x, clipped.y, float(rect.left()), per_column)
        connect = clipped.connect[keep] if clipped.connect is not None else None
        drawn = PlotDataset(clipped.x[keep], clipped.y[keep], clipped.xAllFinite,
                            clipped.yAllFinite, connect)
        self._drawn = (clipped, per_column, drawn)
        return drawn


def _shares(total: float, stretches: Sequence[int], floors: Sequence[float]) -> list[float]:
    """`total` split in proportion to `stretches`, none below its floor: a part that would be is
    set to its floor and the rest shared among the others the same way (all at their floors
    when `total` cannot hold the floors)."""
    fixed: dict[int, float] = {}
    while True:
        left = total - sum(fixed.values())
        weight = sum(s for k, s in enumerate(stretches) if k not in fixed)
        parts = [fixed[k] if k in fixed else left * s / weight if weight else 0.0
                 for k, s in enumerate(stretches)]
        short = [k for k, part in enumerate(parts) if k not in fixed and part < floors[k]]
        if not short:
            return parts
        fixed.update((k, floors[k]) for k in short)


def _with_room(core: tuple[float, float], values: tuple[float, float] | None,
               room: float) -> tuple[float, float]:
    """The smallest range holding `core` in which every value of `values` (lowest, highest) is at
    least `room` (a fraction of the range) from either end; `core` itself where there are no
    values or the room cannot be left (`MAX_ROOM_FRACTION`).

    With f = room, the range's length R must be at least each of: the core's length, (highest -
    core's low) / (1 - f), (core's high - lowest) / (1 - f) and (highest - lowest) / (1 - 2f),
    and the least such R is the largest of them; each end then moves out to its value plus f·R
    where the core's end is not already there. Exact, and no loop: it runs at each refresh.
    """
    if values is None or not 0.0 < room <= MAX_ROOM_FRACTION:
        return core
    (low, high), (lowest, highest) = core, values
    length = max(high - low, (highest - low) / (1 - room), (high - lowest) / (1 - room),
                 (highest - lowest) / (1 - 2 * room))
    return min(low, lowest - room * length), max(high, highest + room * length)


def _caption_room(values: tuple[float, float]) -> tuple[float, float]:
    """The strip's range for `values` (lowest, highest): its top share
    (`OVERVIEW_CAPTION_SHARE`) above the highest, empty for the caption."""
    low, high = values
    return low, low + (high - low) / (1.0 - OVERVIEW_CAPTION_SHARE)


def lone_points(values: np.ndarray) -> np.ndarray:
    """The indices of a line's lone `values`: finite with no finite value beside them on either
    side (a line break, NaN, or the line's end). A line draws nothing of a lone value.

    Runs for each line at each refresh (P5): an unbroken line, the usual case, costs one pass
    (~6 µs at 14,400 values; ~25 µs with breaks)."""
    finite = np.isfinite(values)
    if finite.all():
        return np.arange(values.size) if values.size == 1 else np.empty(0, dtype=np.intp)
    lone = finite.copy()
    lone[1:] &= ~finite[:-1]
    lone[:-1] &= ~finite[1:]
    return np.flatnonzero(lone)


def _dot_points(t: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y for a `connect="pairs"` item whose square-capped pen draws each (t, v) as a dot:
    a segment of no visible length (`DOT_MINUTES`) at each value; one of no length at all draws
    nothing. A symbol item (the panels' diamonds) cost ~0.3 ms more a paint of the strip, which
    P5's benchmark paints at each refresh (measured 2026-12-06; these dots ~0.05 ms): the strip's
    typed HR and the panels' lone device values (`lone_points`)."""
    x = np.repeat(t, 2)
    x[1::2] += DOT_MINUTES
    return x, np.repeat(v, 2)


def _bar_points(bars: BpBars) -> tuple[np.ndarray, np.ndarray]:
    """x and y for a `connect="pairs"` item: (t, systolic), (t, diastolic) per bar."""
    x = np.repeat(bars.minutes, 2)
    y = np.empty(x.size, dtype=np.float64)
    y[0::2], y[1::2] = bars.systolic, bars.diastolic
    return x, y


def _style_of(marker: TrendMarker) -> str:
    if marker.kind == "alarm":
        return f"alarm:{marker.priority or 'high'}"
    return marker.kind


def _marker_colour(style: str) -> str:
    if style.startswith("alarm:"):
        return PRIORITY_COLOURS[Priority[style.split(":", 1)[1].upper()]]
    return MARKER_COLOURS[style]


def _marker_pen(style: str) -> Any:
    return pg.mkPen(_marker_colour(style), width=1, style=QtCore.Qt.PenStyle.DotLine)


def _limit_text(group: Sequence[_Threshold]) -> tuple[str, str]:
    """(plain text, coloured HTML) of one limit label, or of neighbours merged into one: the
    prefix and sign once, values lowest first ("D ≥107/110"), each in its priority's colour.
    Limits of one sign at one value (a fixed ≥110 and baseline + 25 = 110) are one line: written
    once, in the higher priority's colour ("D ≥110/110" read as two lines)."""
    parts: list[tuple[str, str]] = []
    previous = ("", "")
    strongest: dict[tuple[str, str, float], _Threshold] = {}
    for entry in group:
        prefix = LIMIT_PREFIX.get(entry.metric, "") if len(PANELS[entry.panel].metrics) > 1 else ""
        key = (prefix, entry.sign, float(entry.value or 0.0))
        if key not in strongest or entry.rule.priority > strongest[key].rule.priority:
            strongest[key] = entry
    for (prefix, sign, _), entry in sorted(strongest.items(), key=lambda item: item[0][2]):
        value = f"{entry.value:g}"
        if (prefix, sign) == previous:
            text = f"/{value}"
        else:
            text = (" " if parts else "") + f"{prefix}{sign}{value}"
        previous = (prefix, sign)
        parts.append((text, PRIORITY_COLOURS[entry.rule.priority]))
    plain = "".join(text for text, _ in parts)
    markup = "".join(f'<span style="color:{c}">{escape(t)}</span>' for t, c in parts)
    return plain, markup


def _title_html(panel: Panel) -> str:
    """A word a line: each vital in its colour, then the unit ("BP" over "mmHg"); the left axis
    column is as wide as the widest word, not the whole title ("HR · Pulse /min": 111 px)."""
    names = {"bp_systolic": "BP", "heart_rate": "HR", "pulse_rate": "Pulse", "spo2": "SpO2",
             "resp_rate": "RR"}
    unit = panel.title.split()[-1]
    shown = [m for m in panel.metrics if m in names]
    words = [f'<span style="color:{VITAL_COLOURS[m]}">{names[m]}</span>' for m in shown]
    return "<br>".join([*words, f'<span style="color:#bdbdbd">{escape(unit)}</span>'])


def _key_html(limits: bool = True) -> str:
    """The key: how NIBP (its pressures, and the cuff's pulse as a dot in the pulse colour),
    typed values and limits look (each vital's colour is in its title). Without limit lines
    (the central station's trend: a chair's limits are not on the bus) the key says so instead
    of showing lines the plot does not draw."""
    bp = VITAL_COLOURS["bp_systolic"]
    first = (f'<span style="color:{bp}">▼▲</span>'
             f'<span style="color:{VITAL_COLOURS["pulse_rate"]}">●</span>'
             f'<span style="color:{bp}"> NIBP</span>&nbsp; '
             '<span style="color:#e0e0e0">◇ typed</span>')
    if not limits:
        return first + '<br><span style="color:#bdbdbd">limits: at the bedside</span>'
    # Each priority's limit pen as drawn ("╌ high", "··· medium"): no wider than the NIBP line
    # above, the key's width is the trend's (marks here took 27 px from the tiles at 1366x768).
    pens = (f'<span style="color:{PRIORITY_COLOURS[p]}">{LIMIT_PENS[p][1]} {p.name.lower()}</span>'
            for p in (Priority.HIGH, Priority.MEDIUM))
    return first + "<br>" + "&nbsp; ".join(pens)


def _scene_to_widget(rect: QtCore.QRectF, view: pg.GraphicsLayoutWidget,
                     owner: QtWidgets.QWidget) -> QtCore.QRectF:
    """A scene rectangle in `owner`'s coordinates, in floating point (QGraphicsView.mapFromScene
    rounds to whole pixels, which made touching labels look overlapping)."""
    mapped = QtCore.QRectF(view.viewportTransform().mapRect(rect))
    return mapped.translated(QtCore.QPointF(view.viewport().mapTo(owner, QtCore.QPoint(0, 0))))


def _tick_boxes(axis: pg.AxisItem, view: pg.GraphicsLayoutWidget, owner: QtWidgets.QWidget,
                bounds: QtCore.QRectF) -> list[tuple[str, QtCore.QRectF, QtCore.QRectF]]:
    """The rectangles of an axis's tick labels, as the axis would draw them now."""
    if not axis.isVisible() or not axis.style.get("showValues", True):
        return []
    image = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    out = []
    for rect, _flags, text in specs[2]:
        scene = axis.mapRectToScene(QtCore.QRectF(rect))
        out.append((f"tick {text}", _scene_to_widget(scene, view, owner), bounds))
    return out


__all__ = ["COLOURS", "FOLLOW", "FOLLOW_MINUTES", "FOLLOW_STEP", "MARKER_KINDS", "PANELS",
           "SHORT_LABELS", "VITALS", "WHOLE", "TrendPlot"]


def _pairs(plot: _Plot, pen: QtGui.QPen) -> pg.PlotCurveItem:
    """A line item drawn two points at a time (a marker line, an NIBP bar).

    A bare PlotCurveItem, not `plot.plot()`'s PlotDataItem: that one also builds a scatter item
    and downsampling state these never use; 55 of them cost ~60 ms of the live window's start
    (P7).
    """
    item = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=False)
    plot.addItem(item)
    return item


_AXIS_CELLS = {"top": (0, 1), "bottom": (2, 1), "left": (1, 0), "right": (1, 2)}


class _Graphics(pg.GraphicsLayoutWidget):  # type: ignore[misc]   # pyqtgraph is untyped
    """The view of the lane and the panels: calls `on_resize` with its new size set, before the
    view's layout uses it (`TrendPlot._share_height`), so the panels are laid out once at a new
    size, in their shares."""

    def __init__(self, on_resize: Callable[[], None]) -> None:
        self._on_resize: Callable[[], None] | None = None   # pyqtgraph's __init__ resizes
        super().__init__()
        self._on_resize = on_resize

    def resizeEvent(self, ev: QtGui.QResizeEvent | None) -> None:  # noqa: N802 - Qt's name
        if self._on_resize is not None:
            self._on_resize()
        super().resizeEvent(ev)


class _Plot(pg.GraphicsWidget):  # type: ignore[misc]   # pyqtgraph ships no type information
    """A view box with its four axes: the part of pyqtgraph's PlotItem the trend uses.

    PlotItem also builds a context menu and a settings panel of some thirty widgets each time
    (measured: six PlotItems 50 ms, six of these 6 ms), which the trend never shows (no menu, no
    mouse: `TrendPlot._quiet`); that was the largest cost of opening the live window (P7).
    """

    def __init__(self, axis_items: dict[str, pg.AxisItem] | None = None,
                 shown: Iterable[str] = ("left", "bottom")) -> None:
        """`shown`: the axes made at once, shown (a PlotItem starts with left and bottom). Any
        other is made hidden the first time it is asked for: an axis that is never shown takes
        no room (the layout skips hidden items) and never needs to exist (the trend shows 11 of
        24; each costs ~0.25 ms to make and follows every range change)."""
        super().__init__()
        self.vb = pg.ViewBox(enableMenu=False)
        self.items: list[Any] = []   # what was added, as PlotItem.items lists it
        self._grid = QtWidgets.QGraphicsGridLayout()
        self._grid.setContentsMargins(1, 1, 1, 1)
        self._grid.setHorizontalSpacing(0)
        self._grid.setVerticalSpacing(0)
        self.setLayout(self._grid)
        self._given = dict(axis_items or {})
        self.axes: dict[str, pg.AxisItem] = {}
        for name in shown:
            self.getAxis(name).show()
        self._grid.addItem(self.vb, 1, 1)
        self._grid.setRowStretchFactor(1, 100)
        self._grid.setColumnStretchFactor(1, 100)

    def getViewBox(self) -> pg.ViewBox:  # noqa: N802 - pyqtgraph's name
        return self.vb

    def getAxis(self, name: str) -> pg.AxisItem:  # noqa: N802 - pyqtgraph's name
        """The axis (made hidden if it was not yet: see `__init__`)."""
        axis = self.axes.get(name)
        if axis is None:
            axis = self._given.get(name) or _Axis(orientation=name)
            axis.hide()
            axis.linkToView(self.vb)
            axis.setZValue(-1000)
            row, col = _AXIS_CELLS[name]
            self._grid.addItem(axis, row, col)
            self.axes[name] = axis
        return axis

    def showAxis(self, name: str, show: bool = True) -> None:  # noqa: N802 - pyqtgraph's name
        if show or name in self.axes:
            self.getAxis(name).setVisible(show)

    def hideAxis(self, name: str) -> None:  # noqa: N802 - pyqtgraph's name
        self.showAxis(name, False)

    def addItem(self, item: Any, ignoreBounds: bool = False) -> None:  # noqa: N802, N803
        self.vb.addItem(item, ignoreBounds=ignoreBounds)
        self.items.append(item)

    def plot(self, **options: Any) -> _Curve:
        """A data item in this view (what PlotItem.plot gives, without its settings panel)."""
        item = _Curve(**options)
        self.addItem(item)
        return item

    def setXRange(self, *args: Any, **kwargs: Any) -> None:  # noqa: N802 - pyqtgraph's name
        self.vb.setXRange(*args, **kwargs)

    def setYRange(self, *args: Any, **kwargs: Any) -> None:  # noqa: N802 - pyqtgraph's name
        self.vb.setYRange(*args, **kwargs)

    def setXLink(self, other: _Plot) -> None:  # noqa: N802 - pyqtgraph's name
        self.vb.setXLink(other.vb)

    def viewRange(self) -> list[list[float]]:  # noqa: N802 - pyqtgraph's name
        return list(self.vb.viewRange())

    def setMouseEnabled(self, x: bool = True, y: bool = True) -> None:  # noqa: N802
        self.vb.setMouseEnabled(x=x, y=y)

    def setMenuEnabled(self, enabled: bool = True) -> None:  # noqa: N802 - pyqtgraph's name
        self.vb.setMenuEnabled(enabled)

    def hideButtons(self) -> None:  # noqa: N802 - pyqtgraph's name
        """No auto-range button is built here in the first place."""

    def showGrid(self, x: bool = False, y: bool = False) -> None:  # noqa: N802
        for name, on in (("bottom", x), ("left", y)):
            if on or name in self.axes:
                self.getAxis(name).setGrid(255 if on else False)

    def enableAutoRange(self, x: bool = True, y: bool = True) -> None:  # noqa: N802
        self.vb.enableAutoRange(x=x, y=y)
