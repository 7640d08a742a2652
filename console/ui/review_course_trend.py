"""The course trend: every session of a patient's course drawn over the others, per vital, in
minutes from each session's T0 (`console.review.course_trend` reads and places the values; this
only draws them).

Layout: one panel per vital, three to a row, in the single-session trend's order (systolic,
diastolic and mean BP, heart rate and pulse, SpO2, RR); the legend in the cell after the last
panel. Every panel has the same time axis (linked) and each vital one y range for all sessions:
the single trend's default range for its panel (`console.ui.trend.PANELS`), widened to every
value and limit drawn; systolic, diastolic and mean BP share one range, as they share the single
trend's BP panel, so a diastolic reads against a systolic at a glance.

Each session has a colour and a symbol (`SESSION_STYLES`), the same in every panel and in the
legend; its values are a 2-px line (a device's line breaks where the trend's does), and the values
measured one at a time (typed, an NIBP cuff) are its symbol as well, as is a value alone on its line
(`trend.lone_points`: a line of one point draws nothing, and session 1's only pulse, a monitor's
81, left its Pulse panel empty). The colours are light, for the
black plots the trends use in both themes, and none is an alarm colour (red, amber, cyan), which
the limits' dashed lines keep. The limits' values are written in each panel's title in their
priority's colour, where no curve can run over them.

While the course is read (in the background: console/review/course_trend_reader.py) the panels
give their place to a sentence that says so (`show_reading`); `show_trend` brings them back.

Sized for the Course tab at 1366x768 (panels ~440x270 px); text 2 pt larger from 600 px high
(1920x1080), as the single trend's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from console.review.course_trend import (
    CourseLimit,
    CourseTrend,
    VitalTrace,
    limits_note,
)
from console.ui.markup import escape, plain_tip
from console.ui.trend import (
    FONT_POINTS,
    LARGE_EXTRA_POINTS,
    LARGE_HEIGHT_PX,
    PANELS,
    PRIORITY_COLOURS,
    LimitLine,
    lone_points,
    reduced_curve,
)
from protocols.model import Priority
from protocols.vitals import BP_METRICS, METRICS

COLUMNS = 3
LEGEND_POINTS = 11
READING_POINTS = 14   # the sentence in the panels' place while the course is read
KEY_POINTS = 10
LINE_PX = 2
SYMBOL_PX = 8
Y_ROOM = 0.05   # of the range, beyond the highest and lowest value or limit drawn
T0_PEN = ("#9e9e9e", QtCore.Qt.PenStyle.DotLine)
TEXT_COLOUR = "#e0e0e0"


@dataclass(frozen=True, slots=True)
class SessionStyle:
    """How one session is drawn: its colour, its pyqtgraph symbol and that symbol in the legend."""

    colour: str
    symbol: str
    glyph: str


# Light colours on black, away from the limits' red, amber and cyan; a ninth session and on
# repeat them with a dashed line.
SESSION_STYLES: tuple[SessionStyle, ...] = (
    SessionStyle("#82b1ff", "o", "●"),
    SessionStyle("#69f0ae", "s", "■"),
    SessionStyle("#e1bee7", "t1", "▲"),
    SessionStyle("#f5f5f5", "d", "◆"),
    SessionStyle("#f48fb1", "t", "▼"),
    SessionStyle("#bcaaa4", "star", "★"),
    SessionStyle("#c5e1a5", "x", "✖"),
    SessionStyle("#9fa8da", "+", "✚"),
)


def style_of(index: int) -> SessionStyle:
    """The style of the course's `index`-th session (oldest 0)."""
    return SESSION_STYLES[index % len(SESSION_STYLES)]


def _pen_style(index: int) -> QtCore.Qt.PenStyle:
    return (QtCore.Qt.PenStyle.SolidLine if index < len(SESSION_STYLES)
            else QtCore.Qt.PenStyle.DashLine)


class _FromT0Axis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped (Any)
    """Minutes from T0 on every tick: "T0", "+30", "−5"."""

    def tickStrings(self, values: list[float], scale: float,  # noqa: N802 - pyqtgraph's name
                    spacing: float) -> list[str]:
        return ["T0" if v == 0 else f"+{v:g}" if v > 0 else f"−{-v:g}" for v in values]


@dataclass
class _Panel:
    """One vital's plot, its T0 line, its limit lines and a line and symbols per session."""

    metric: str
    widget: pg.PlotWidget
    t0_line: pg.InfiniteLine
    lines: list[pg.PlotDataItem] = field(default_factory=list)
    marks: list[pg.PlotDataItem] = field(default_factory=list)
    limit_lines: list[LimitLine] = field(default_factory=list)

    @property
    def plot(self) -> pg.PlotItem:
        return self.widget.getPlotItem()


def _group_of(metric: str) -> tuple[tuple[str, ...], tuple[float, float]]:
    """The vitals that share `metric`'s y range (the single trend's panel) and its default."""
    panel = next(p for p in PANELS if metric in p.metrics)
    return panel.metrics, panel.y_range


class CourseTrendView(QtWidgets.QWidget):
    """A course on one time scale: one panel per vital, one line per session, a legend.

    Fed with `show_trend` (a `CourseTrend` and each session's legend text); `set_legend` renames
    the sessions (their records checked since); `show_reading` puts a sentence in the panels'
    place until the next `show_trend`. Tests read back what was drawn: `curve`, `measured`,
    `limit_values`, `y_range`, `x_range`, `legend_texts`, `shown_metrics`, `reading_text`.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.trend: CourseTrend | None = None
        self._extra_points = -1
        self._legend_font = QtGui.QFont()
        self._x: tuple[float, float] = (0.0, 60.0)
        self._y: dict[str, tuple[float, float]] = {}
        self._titles: dict[str, str] = {}
        self.panels = {metric: self._panel(metric)
                       for panel in PANELS for metric in panel.metrics}
        first = next(iter(self.panels.values())).plot
        for panel in self.panels.values():
            if panel.plot is not first:
                panel.plot.setXLink(first)
        self.legend = QtWidgets.QWidget()
        self.legend.setObjectName("courseLegend")
        self.legend.setStyleSheet(f"#courseLegend {{ background: black; }} QLabel {{ color: "
                                  f"{TEXT_COLOUR}; }}")
        # Its cell is a panel's size whatever it holds: a long legend (a course of ten)
        # scrolls rather than squeezing the row of panels beside it.
        self.legend_box = QtWidgets.QScrollArea()
        self.legend_box.setWidget(self.legend)
        self.legend_box.setWidgetResizable(True)
        self.legend_box.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.legend_box.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.legend_box.setStyleSheet("QScrollArea { background: black; }")
        self._legend_layout = QtWidgets.QVBoxLayout(self.legend)
        self._legend_layout.setContentsMargins(8, 6, 8, 6)
        self._legend_layout.setSpacing(2)
        self.legend_rows: list[QtWidgets.QLabel] = []
        self.key = QtWidgets.QLabel()
        self.key.setWordWrap(True)
        self.note = QtWidgets.QLabel()   # the limits not drawn
        self.note.setWordWrap(True)
        self.empty = QtWidgets.QLabel("No session to draw.")
        self._legend_layout.addWidget(self.empty)
        self._legend_end = QtWidgets.QVBoxLayout()
        self._legend_end.addStretch(1)
        self._legend_end.addWidget(self.key)
        self._legend_end.addWidget(self.note)
        self._legend_layout.addLayout(self._legend_end, 1)
        self.plots = QtWidgets.QWidget()   # the panels and the legend
        self.grid = QtWidgets.QGridLayout(self.plots)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.reading = QtWidgets.QLabel()   # in the panels' place while the course is read
        self.reading.setObjectName("courseReading")
        self.reading.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.reading.setStyleSheet(f"#courseReading {{ background: black; color: {TEXT_COLOUR}; }}")
        self.reading.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.reading.setWordWrap(True)
        self.reading.setMargin(24)
        self._pages = QtWidgets.QStackedLayout(self)
        self._pages.setContentsMargins(0, 0, 0, 0)
        self._pages.addWidget(self.plots)
        self._pages.addWidget(self.reading)
        self._place(())
        self._set_text_size(0)

    # ---- construction ------------------------------------------------------------------------

    def _panel(self, metric: str) -> _Panel:
        widget = pg.PlotWidget(axisItems={"bottom": _FromT0Axis("bottom")})
        widget.setBackground("k")
        plot = widget.getPlotItem()
        # No pan, zoom or menu, as the single trend: the view does not move under a touch.
        plot.setMouseEnabled(x=False, y=False)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.getViewBox().setBorder(pg.mkPen("#505050", width=1))
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setTextPen(TEXT_COLOUR)
            axis.setPen("#707070")
        colour, style = T0_PEN
        t0_line = pg.InfiniteLine(pos=0.0, angle=90, movable=False,
                                  pen=pg.mkPen(colour, width=1, style=style))
        plot.addItem(t0_line, ignoreBounds=True)
        widget.hide()
        return _Panel(metric, widget, t0_line)

    def _session_items(self, panel: _Panel, index: int) -> tuple[pg.PlotDataItem,
                                                                  pg.PlotDataItem]:
        """The line and the symbols of the `index`-th session in `panel`, made when first
        needed and kept for the next course (fed by `setData`)."""
        while len(panel.lines) <= index:
            k = len(panel.lines)
            style = style_of(k)
            # Each pixel column's extremes and only what is in view, as the single trend's
            # curves: a course of six 90-minute sessions at 1 Hz is ~32,000 points a panel.
            # (pyqtgraph's peak downsampling left out a session's newest values and the ones
            # beside a line break: review 47.)
            line = reduced_curve(pen=pg.mkPen(style.colour, width=LINE_PX, style=_pen_style(k)),
                                 connect="finite", antialias=False)
            panel.plot.addItem(line)
            line.setClipToView(True)   # after addItem, which gives it the plot's own (off)
            marks = panel.plot.plot(pen=None, symbol=style.symbol, symbolSize=SYMBOL_PX,
                                    symbolPen=pg.mkPen(style.colour, width=1),
                                    symbolBrush=pg.mkBrush(style.colour), antialias=False)
            line.setZValue(10 + k)   # a later session over an earlier one
            marks.setZValue(10 + k)
            panel.lines.append(line)
            panel.marks.append(marks)
        return panel.lines[index], panel.marks[index]

    def _place(self, metrics: Sequence[str]) -> None:
        """Put the panels of `metrics` in the grid, `COLUMNS` to a row, the legend after them."""
        for panel in self.panels.values():
            self.grid.removeWidget(panel.widget)
            panel.widget.setVisible(panel.metric in metrics)
        self.grid.removeWidget(self.legend_box)
        for i, metric in enumerate(metrics):
            self.grid.addWidget(self.panels[metric].widget, i // COLUMNS, i % COLUMNS)
        n = len(metrics)
        self.grid.addWidget(self.legend_box, n // COLUMNS, n % COLUMNS, 1, COLUMNS - n % COLUMNS)
        rows = n // COLUMNS + 1
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 1 if row < rows else 0)
        for column in range(COLUMNS):
            self.grid.setColumnStretch(column, 1)

    # ---- drawing -----------------------------------------------------------------------------

    def show_reading(self, text: str) -> None:
        """Say `text` (`course_trend.reading_text`: the course is being read) in the panels'
        place; nothing is drawn until the next `show_trend`."""
        self.trend = None
        self.reading.setText(text)
        self._pages.setCurrentWidget(self.reading)

    def show_trend(self, trend: CourseTrend, legend: Sequence[str]) -> None:
        """Draw `trend`; `legend` names its sessions, in its order (`course_trend.legend_text`)."""
        self.trend = trend
        self._pages.setCurrentWidget(self.plots)
        metrics = trend.metrics()
        self._place(metrics)
        any_t0 = any(s.from_t0 for s in trend.sessions)
        for metric in metrics:
            panel = self.panels[metric]
            for index, session in enumerate(trend.sessions):
                line, marks = self._session_items(panel, index)
                trace = session.vitals.get(metric)
                if trace is None:
                    line.setData(np.empty(0), np.empty(0))
                    marked = (np.empty(0), np.empty(0))
                else:
                    line.setData(trace.minutes, trace.values)
                    marked = _marked(trace)
                marks.setData(*marked)
                line.setVisible(trace is not None)
                marks.setVisible(marked[0].size > 0)
            for index in range(len(trend.sessions), len(panel.lines)):
                panel.lines[index].setVisible(False)
                panel.marks[index].setVisible(False)
            panel.t0_line.setVisible(any_t0)
            self._draw_limits(panel, trend)
        self._draw_ranges(trend, metrics)
        self.set_legend(legend)
        self.note.setText(limits_note(trend))
        self.note.setVisible(bool(self.note.text()))
        self._write_titles()

    def _draw_limits(self, panel: _Panel, trend: CourseTrend) -> None:
        limits = trend.limits_of(panel.metric)
        while len(panel.limit_lines) < len(limits):
            line = LimitLine(pos=0.0, angle=0, movable=False)
            panel.plot.addItem(line, ignoreBounds=True)
            panel.limit_lines.append(line)
        for k, line in enumerate(panel.limit_lines):
            if k >= len(limits):
                line.setVisible(False)
                continue
            line.setPen(pg.mkPen(PRIORITY_COLOURS[limits[k].priority], width=1,
                                 style=QtCore.Qt.PenStyle.DashLine))
            line.setValue(limits[k].value)
            line.setVisible(True)
        self._titles[panel.metric] = _title_html(panel.metric, limits)

    def _draw_ranges(self, trend: CourseTrend, metrics: Sequence[str]) -> None:
        """One time range for every panel, one y range per vital for every session."""
        span = trend.minute_span()
        low, high = span if span is not None else (0.0, 60.0)
        if any(s.from_t0 for s in trend.sessions):
            low, high = min(low, 0.0), max(high, 0.0)
        high = max(high, low + 15.0)   # a course of one reading still reads as minutes
        room = 0.02 * (high - low)
        self._x = (low - room, high + room)
        for metric in metrics:
            group, (y_low, y_high) = _group_of(metric)
            values = [x.value for m in group for x in trend.limits_of(m)]
            found = trend.value_span(group)
            if found is not None:
                values.extend(found)
            if values:
                extra = Y_ROOM * (y_high - y_low)
                y_low = min(y_low, min(values) - extra)
                y_high = max(y_high, max(values) + extra)
            self._y[metric] = (y_low, y_high)
            self.panels[metric].plot.setYRange(y_low, y_high, padding=0)
        first = next(iter(self.panels.values())).plot
        first.setXRange(*self._x, padding=0)

    def set_legend(self, texts: Sequence[str]) -> None:
        """Name the sessions (the course's order): each in its colour and symbol."""
        while len(self.legend_rows) < len(texts):
            row = QtWidgets.QLabel()
            row.setTextFormat(QtCore.Qt.TextFormat.RichText)
            row.setWordWrap(True)
            row.setFont(self._legend_font)   # the legend's style sheet stops inheritance
            self._legend_layout.insertWidget(len(self.legend_rows) + 1, row)
            self.legend_rows.append(row)
        for k, row in enumerate(self.legend_rows):
            row.setVisible(k < len(texts))
            if k < len(texts):
                style = style_of(k)
                dash = "╍" if _pen_style(k) is QtCore.Qt.PenStyle.DashLine else "━"
                row.setText(f'<span style="color:{style.colour}">{dash}{style.glyph}{dash}'
                            f"</span>&nbsp; {escape(texts[k])}")
                row.setToolTip(plain_tip(texts[k]))   # the session's label as written
                row.setProperty("plain", texts[k])
        self.empty.setVisible(not texts)

    def _write_titles(self) -> None:
        points = FONT_POINTS + 1 + max(self._extra_points, 0)
        for metric, title in self._titles.items():
            self.panels[metric].plot.setTitle(title, color=TEXT_COLOUR, size=f"{points}pt")
        high, medium = PRIORITY_COLOURS[Priority.HIGH], PRIORITY_COLOURS[Priority.MEDIUM]
        self.key.setText(
            # The axis and the tab say "T0"; a sixth session's row took the line that said
            # what T0 is, at 1366x768.
            "Symbols: readings taken one at a time (typed, NIBP), lone values. Dashed: "
            f'<span style="color:{high}">high</span> and '
            f'<span style="color:{medium}">medium</span> alarm limits, values in the titles.')

    # ---- size --------------------------------------------------------------------------------

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Text 2 pt larger in a tall view (1920x1080), as the single trend's."""
        super().resizeEvent(event)
        self._set_text_size(LARGE_EXTRA_POINTS if self.height() >= LARGE_HEIGHT_PX else 0)

    def _set_text_size(self, extra: int) -> None:
        if extra == self._extra_points:
            return
        self._extra_points = extra
        tick = QtGui.QFont()
        tick.setPointSize(FONT_POINTS + extra)
        for panel in self.panels.values():
            for name in ("left", "bottom"):
                panel.plot.getAxis(name).setTickFont(tick)
        legend = self._legend_font = QtGui.QFont()
        legend.setPointSize(LEGEND_POINTS + extra)
        for label in (*self.legend_rows, self.empty):
            label.setFont(legend)
        reading = QtGui.QFont(legend)
        reading.setPointSize(READING_POINTS + extra)
        self.reading.setFont(reading)
        small = QtGui.QFont(legend)
        small.setPointSize(KEY_POINTS + extra)
        self.key.setFont(small)
        self.note.setFont(small)
        self._write_titles()

    # ---- reading back (tests read what was drawn, not pixels) --------------------------------

    def shown_metrics(self) -> list[str]:
        """The vitals whose panel is shown, in the grid's order."""
        shown = [(self.grid.getItemPosition(self.grid.indexOf(p.widget)), p.metric)
                 for p in self.panels.values() if not p.widget.isHidden()]
        return [metric for _, metric in sorted(shown)]

    def curve(self, metric: str, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The `index`-th session's line in `metric`'s panel as given to `setData`, line breaks
        (NaN) left out; empty when it has no value there."""
        return _given(self.panels[metric].lines, index)

    def measured(self, metric: str, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The `index`-th session's symbols in `metric`'s panel: the values measured one at a time
        and those alone on its line (`_marked`)."""
        return _given(self.panels[metric].marks, index)

    def limit_values(self, metric: str) -> list[float]:
        """The y values of `metric`'s limit lines, as drawn."""
        return [float(line.value()) for line in self.panels[metric].limit_lines
                if line.isVisible()]

    def y_range(self, metric: str) -> tuple[float, float]:
        return self._y[metric]

    def x_range(self) -> tuple[float, float]:
        return self._x

    def title(self, metric: str) -> str:
        """The panel's title as plain text ("Systolic BP mmHg  ≥200  ≥180")."""
        document = QtGui.QTextDocument()
        document.setHtml(self._titles.get(metric, ""))
        return " ".join(document.toPlainText().split())

    def legend_texts(self) -> list[str]:
        return [str(row.property("plain")) for row in self.legend_rows if not row.isHidden()]

    def reading_text(self) -> str:
        """The sentence in the panels' place ('' when the panels are shown)."""
        return self.reading.text() if self._pages.currentWidget() is self.reading else ""


def _title_html(metric: str, limits: Sequence[CourseLimit]) -> str:
    """"<b>HR</b> /min ≥131 >120 …", each limit in its priority's colour. Short names and units
    ("HR /min", not "Heart rate beats/min"): with its five limits the long one ran past the
    right edge of a 440-px panel at 1366x768."""
    vital = METRICS[metric]
    name = vital.short_label + (" BP" if metric in BP_METRICS else "")
    unit = vital.short_unit.strip() or vital.unit
    shown = "&nbsp; ".join(
        f'<span style="color:{PRIORITY_COLOURS[x.priority]}">{escape(x.text)}</span>'
        for x in limits)
    return f"<b>{escape(name)}</b> {escape(unit)}" + (f"&nbsp;&nbsp; {shown}" if shown else "")


def _marked(trace: VitalTrace) -> tuple[np.ndarray, np.ndarray]:
    """A session's symbols in a panel: its values measured one at a time, then its line's lone
    values (`lone_points`) that are not one of those already (a typed value is on the line too)."""
    lone = lone_points(trace.values)
    t, v = trace.minutes[lone], trace.values[lone]
    marked = ((t[:, None] == trace.measured_minutes[None, :])
              & (v[:, None] == trace.measured_values[None, :])).any(axis=1)
    return (np.concatenate([trace.measured_minutes, t[~marked]]),
            np.concatenate([trace.measured_values, v[~marked]]))


def _given(items: Sequence[pg.PlotDataItem], index: int) -> tuple[np.ndarray, np.ndarray]:
    if index >= len(items) or not items[index].isVisible():
        return np.empty(0), np.empty(0)
    x, y = items[index].getOriginalDataset()
    if x is None or y is None:
        return np.empty(0), np.empty(0)
    keep = np.isfinite(y)
    return np.asarray(x)[keep], np.asarray(y)[keep]
