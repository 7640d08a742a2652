"""Numeric tiles: one per vital, readable across the room.

A tile draws a `TileView` (console/session/tile_view.py decides what it says: the value of one
measurement, which number crosses which limit, the limits in words, source and age). Here only
the look:

- The title and a stripe on the left are in the vital's colour, the one its trend uses
  (`trend_feed.VITAL_COLOURS`), so a vital reads the same in tile and trend. The tile itself is
  dark (or grey when stale): red, yellow and cyan fill only a number that crosses a limit, in the
  alarm bar's colours (`alarm_bar.COLOURS`, IEC 60601-1-8), flashing at the alarm bar's rates
  while its alarm is unacknowledged (`FLASH_HALF_PERIOD_MS`: high 2 Hz, medium 0.5 Hz; low and
  acknowledged steady). The whole tile is never coloured: the alarm area says the rest.
- Fixed space (issue 11 item 13): every line of a tile has its room reserved (title; value with
  its source and age beside it; limits below: `LINES`), so a tile never changes size when a
  text, an alarm or a note appears; a detail that does not fit is said short
  (`TileView.detail_short`: the age and a clock's warning kept), and what still does not fit is
  elided at a phrase boundary, with the whole text as the tooltip.
- The value grows with the tile (28 pt at 1366x768, up to 48 pt at 1920x1080) within the width
  its widest possible text ("300", "300/250 (270)") needs, so a new value never moves the rest;
  a monitor's limit at its hard maximum (">300") is drawn smaller to fit that room.
- The blood-pressure tile takes a whole row: "185/118 (140)" with its measured time beside it.

Signals: none (`TilePanel.update_from` is called by the window).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import Moment
from console.session.tile_view import BP_TILE, TileView, tile_view
from console.session.view import SessionView
from console.ui import theme
from console.ui.alarm_bar import COLOURS, FLASH_HALF_PERIOD_MS, OFF_PHASE_BACKGROUND, OFF_PHASE_TEXT
from console.ui.markup import escape, plain_tip
from protocols.model import Priority
from protocols.vitals import metric

__all__ = ["TILE_METRICS", "TilePanel", "VitalTile", "flow_phrases", "tile_view"]

# Blood pressure first, on a row of its own; then heart rate beside SpO2, respiratory rate beside
# pulse rate. The NIBP mean is part of the blood-pressure tile ("185/118 (140)").
TILE_METRICS = (BP_TILE, "heart_rate", "spo2", "resp_rate", "pulse_rate")
WIDE_TILES = frozenset({BP_TILE})

VALUE_POINTS_MIN, VALUE_POINTS_MAX = 28, 48
VALUE_POINTS_PER_PIXEL = 0.22   # a 133-px tile (1366x768) gets 29 pt, a 237-px one (1920x1080) 48 pt
VALUE_WIDTH_SHARE = 0.62        # the value's share of the tile's width; the detail gets the rest
MEAN_SCALE = 0.6                # the NIBP mean is drawn at 60 % of the value's size
TITLE_POINTS, UNIT_POINTS, TEXT_POINTS = 13, 12, 11
TEXT_POINTS_MAX, TEXT_POINTS_PER_PIXEL = 13, 0.057   # detail and limits: 11 pt at 1366x768, 13 at 1920x1080
# Lines reserved per tile: (detail beside the value, limits below it). A narrow tile needs 3 limit
# lines ("high alarm 131 or more · 40 or less · above 120 for 5 min" at 222 px); the wide BP tile
# has one limits line per part (systolic, diastolic) and needs 3 detail lines beside its wider
# value ("device · measured 09:26 · 4 min ago" or a note on what was left out).
LINES = {BP_TILE: (3, 2)}
NARROW_LINES = (2, 3)
FLASH_TICK_MS = 250             # the high rate's half-period; medium toggles every 4th tick


def flash_on(priority: Priority, tick: int) -> bool:
    """The full-colour phase of a flashing line at `tick` (250 ms ticks)."""
    ticks = max(1, FLASH_HALF_PERIOD_MS.get(priority, FLASH_TICK_MS) // FLASH_TICK_MS)
    return (tick // ticks) % 2 == 0


def flash_colours(priority: Priority, flashing: bool, tick: int) -> tuple[str, str]:
    """(background, text) of an alarm's colours at `tick`: its own, or the dark phase while it
    flashes (the tiles', the central station's cards, banner and trend strip alike)."""
    if not flashing or flash_on(priority, tick):
        return COLOURS[priority]
    return OFF_PHASE_BACKGROUND, OFF_PHASE_TEXT.get(priority, COLOURS[priority][0])

# (background, text) of a fresh and a stale tile in the light theme; a tile draws the current
# theme's (console/ui/theme.py: the dim theme softens the white).
NORMAL = (theme.LIGHT.tile_bg, theme.LIGHT.tile_text)
STALE = (theme.LIGHT.stale_bg, theme.LIGHT.stale_text)
SEPARATOR = " · "


def flow_phrases(groups: Sequence[Sequence[str]], fits: Callable[[str], bool],
                 max_lines: int) -> tuple[list[str], bool]:
    """Lay phrases out in lines: each group starts a line, phrases join with " · " while they fit,
    and a line breaks inside a phrase only when the phrase is wider than a whole line (then
    between its words).

    Returns:
        (lines, cut): at most `max_lines` lines; `cut` when some did not fit.
    """
    lines: list[str] = []
    for group in groups:
        line = ""
        for phrase in group:
            if line and fits(line + SEPARATOR + phrase):
                line = line + SEPARATOR + phrase
                continue
            if line:
                lines.append(line)
            line = ""
            for word in phrase.split(" "):   # a phrase of its own: whole if it fits
                if line and not fits(line + " " + word):
                    lines.append(line)
                    line = word
                else:
                    line = f"{line} {word}" if line else word
        if line:
            lines.append(line)
    return lines[:max_lines], len(lines) > max_lines


class PhraseLabel(QtWidgets.QLabel):
    """A label of phrases in a fixed number of lines, elided to its width; its tooltip is the whole
    text. Its height is reserved for `lines` lines whatever it shows."""

    def __init__(self, points: int, lines: int, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        font = QtGui.QFont(self.font())
        font.setPointSize(points)
        self.setFont(font)
        self.lines = lines
        self.groups: tuple[tuple[str, ...], ...] = ()
        self.short: tuple[tuple[str, ...], ...] | None = None
        self.full_text = ""
        self.cut = False
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 2)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # device text, names: as written

    def set_points(self, points: int) -> None:
        """Change the text size; the label's height follows (still `lines` lines)."""
        if points == self.font().pointSize():
            return
        font = QtGui.QFont(self.font())
        font.setPointSize(points)
        self.setFont(font)
        self.setFixedHeight(QtGui.QFontMetrics(font).lineSpacing() * self.lines + 2)
        self._reflow()

    def set_groups(self, groups: Sequence[Sequence[str]],
                   short: Sequence[Sequence[str]] | None = None) -> None:
        """Show `groups`; where they do not fit in the lines, `short` (the same said shorter)
        before anything is cut. The tooltip is always the whole of `groups`."""
        fixed = tuple(tuple(g) for g in groups if g)
        shorter = tuple(tuple(g) for g in short if g) if short is not None else None
        if fixed == self.groups and shorter == self.short:
            return
        self.groups, self.short = fixed, shorter
        self.full_text = "\n".join(SEPARATOR.join(g) for g in groups)
        self.setToolTip(plain_tip(self.full_text))
        self._reflow()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._reflow()

    def refit(self) -> None:
        """Lay the same text out again after its owner changed the font (`AlarmBox`): the
        short form kept, which `set_groups` with the groups alone drops."""
        self._reflow()

    def _reflow(self) -> None:
        metrics = self.fontMetrics()
        width = max(1, self.width())

        def fits(text: str) -> bool:
            return metrics.horizontalAdvance(text) <= width

        lines, cut = flow_phrases(self.groups, fits, self.lines)
        if self.short is not None and (cut or not all(fits(line) for line in lines)):
            lines, cut = flow_phrases(self.short, fits, self.lines)
        if cut and lines:
            lines[-1] = lines[-1].rstrip(" ·") + " …"
        elide = QtCore.Qt.TextElideMode.ElideRight
        shown = [line if fits(line) else metrics.elidedText(line, elide, width) for line in lines]
        self.cut = cut or shown != lines
        self.setText("\n".join(shown))


_VALUE_METRICS: dict[tuple[str, str, int, float], tuple[int, int]] = {}


class VitalTile(QtWidgets.QFrame):
    """One vital's tile: it draws a `TileView` (`show_view`)."""

    def __init__(self, name: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.metric_name = name
        self.setObjectName(f"tile_{name}")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        layout = self._layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(9, 4, 6, 4)   # 9 on the left: the vital's colour stripe
        layout.setSpacing(0)
        self.title = QtWidgets.QLabel()
        self.title.setObjectName("tile_title")
        self.unit = metric(name).unit
        self.unit_label = QtWidgets.QLabel(self.unit)
        for label, points, bold in ((self.title, TITLE_POINTS, True), (self.unit_label, UNIT_POINTS, False)):
            font = QtGui.QFont(label.font())
            font.setPointSize(points)
            font.setBold(bold)
            label.setFont(font)
        # The title gives way to the unit (a long title is elided, never pushes the unit out).
        self.title.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.unit_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Minimum, QtWidgets.QSizePolicy.Policy.Fixed)
        self.unit_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        title_row = QtWidgets.QHBoxLayout()
        title_row.setSpacing(6)
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.unit_label)

        self.value = QtWidgets.QLabel()
        self.value.setObjectName("tile_value")
        self.value.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.value.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Expanding)
        detail_lines, limit_lines = LINES.get(name, NARROW_LINES)
        self.detail = PhraseLabel(TEXT_POINTS, detail_lines)
        self.detail.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter)
        value_row = QtWidgets.QHBoxLayout()
        value_row.setSpacing(8)
        value_row.addWidget(self.value)
        value_row.addWidget(self.detail, 1)
        self.limits = PhraseLabel(TEXT_POINTS, limit_lines)
        self.limits.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)

        layout.addLayout(title_row)
        layout.addLayout(value_row, 1)
        layout.addWidget(self.limits)
        self.value_points = 0
        self.view: TileView | None = None
        self.flash_tick = 0
        # What the value shows in colour now: metric -> (background, text). Tests read it.
        self.marks: dict[str, tuple[str, str]] = {}
        self._set_value_points(VALUE_POINTS_MIN)
        theme.signals().changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, _theme: theme.Theme) -> None:
        view, self.view = self.view, None
        if view is not None:
            self.show_view(view)

    # ---- size --------------------------------------------------------------------------------

    def _value_font(self, points: int) -> QtGui.QFont:
        font = QtGui.QFont(self.font())
        font.setPointSize(points)
        font.setBold(True)
        return font

    def _template_width(self, points: int) -> int:
        """The width of the widest text this tile's value can show, at `points`."""
        return self._value_metrics(points)[1]

    def _value_height(self, points: int) -> int:
        """The height of the value's font at `points`."""
        return self._value_metrics(points)[0]

    def _value_metrics(self, points: int) -> tuple[int, int]:
        """(font height, template width) of the value at `points`.

        Kept per font, vital and size: a tile's resize tries sizes from the largest down, and
        five tiles resized a few times while the window is laid out measured the same fonts ~50
        times (P7, start-up). Measured as `QFontMetrics(font)` does, at the primary screen's
        resolution, which is part of the key.
        """
        screen = QtGui.QGuiApplication.primaryScreen()
        key = (self.font().key(), self.metric_name, points,
               screen.logicalDotsPerInchY() if screen is not None else 0.0)
        known = _VALUE_METRICS.get(key)
        if known is None:
            big = QtGui.QFontMetrics(self._value_font(points))
            if self.metric_name == BP_TILE:
                small = QtGui.QFontMetrics(self._value_font(max(1, round(points * MEAN_SCALE))))
                wide = "/".join(_widest(n) for n in ("bp_systolic", "bp_diastolic"))
                width = (big.horizontalAdvance(wide)
                         + small.horizontalAdvance(f" ({_widest('bp_mean')})") + 4)
            else:
                width = big.horizontalAdvance(_widest(self.metric_name)) + 4
            known = _VALUE_METRICS[key] = (big.height(), width)
        return known

    def _set_value_points(self, points: int) -> bool:
        """Size the value for `points`; True when that changed anything."""
        if points == self.value_points:
            return False
        self.value_points = points
        self.value.setFont(self._value_font(points))
        self.value.setFixedWidth(self._template_width(points))
        # Rich text (a marked number) lays out a pixel or two taller than the font's height.
        self.value.setMinimumHeight(self._value_height(points) + 4)
        self._render_value()
        return True

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt override
        # The value grows with the tile: across the room on a 1920x1080 screen; it keeps the room
        # the title and the limits lines need, and leaves the detail its share of the width.
        size = event.size()
        text_points = max(TEXT_POINTS, min(TEXT_POINTS_MAX, int(size.height() * TEXT_POINTS_PER_PIXEL)))
        self.detail.set_points(text_points)
        self.limits.set_points(text_points)
        margins = self.contentsMargins() + self._layout.contentsMargins()
        room = size.height() - margins.top() - margins.bottom() - self.limits.height() \
            - self.title.sizeHint().height()
        width = (size.width() - margins.left() - margins.right()) * VALUE_WIDTH_SHARE
        points = min(VALUE_POINTS_MAX, int(size.height() * VALUE_POINTS_PER_PIXEL))
        while points > VALUE_POINTS_MIN and (
                self._value_height(points) > room
                or self._template_width(points) > width):
            points -= 1
        if self._set_value_points(max(VALUE_POINTS_MIN, points)):
            # The layout placed the labels before this handler ran: place them again now, so
            # the tile is never drawn (or measured) with the old value width.
            self._layout.activate()
        super().resizeEvent(event)

    # ---- content -----------------------------------------------------------------------------

    def show_view(self, view: TileView) -> None:
        if view == self.view:
            return
        self.view = view
        t = theme.current()
        background, foreground = (t.stale_bg, t.stale_text) if view.stale else (t.tile_bg, t.tile_text)
        accent = t.stale_text if view.stale else view.colour
        self.title.setText(view.title)
        self.title.setToolTip(view.title)
        self.detail.set_groups([view.detail_phrases],
                               [view.detail_short] if view.detail_short else None)
        self.limits.set_groups([
            ([f"{line.header} {line.phrases[0]}", *line.phrases[1:]] if line.header else list(line.phrases))
            for line in view.limit_lines if line.phrases])
        self.value.setToolTip("\n".join(t for t in (view.value, view.explain) if t))
        self.setStyleSheet(
            f"VitalTile {{background:{background};border-radius:6px;border-left:5px solid {accent};}}"
            f"QLabel {{color:{foreground};background:transparent;}}"
            f"QLabel#tile_title {{color:{accent};}}"
        )
        self.setProperty("stale", view.stale)
        self._render_value()

    def flashing(self) -> bool:
        """A number of this tile flashes now."""
        return self.view is not None and not self.view.stale and any(p.flashing for p in self.view.parts)

    def set_flash_tick(self, tick: int) -> None:
        self.flash_tick = tick
        if self.flashing():
            self._render_value()

    def _render_value(self) -> None:
        view = self.view
        if view is None:
            return
        marks: dict[str, tuple[str, str]] = {}
        pieces: list[str] = []
        points = self._fitting_points(view)
        if points != self.value.font().pointSize():
            self.value.setFont(self._value_font(points))
        small_points = max(1, round(points * MEAN_SCALE))
        rich = False
        for part in view.parts:
            style = f"font-size:{small_points}pt;" if part.small else ""
            if part.priority is not None and part.priority > Priority.INFO and not view.stale:
                colours = flash_colours(part.priority, part.flashing, self.flash_tick)
                if part.metric:
                    marks[part.metric] = colours
                style += f"background-color:{colours[0]};color:{colours[1]};"
            text = escape(part.text).replace(" ", "&nbsp;")
            if style:
                rich = True
                pieces.append(f'<span style="{style}">{text}</span>')
            else:
                pieces.append(text)
        self.marks = marks
        # Plain text when nothing is marked or small: what a screen reader and a test read as is.
        self.value.setTextFormat(QtCore.Qt.TextFormat.RichText if rich else QtCore.Qt.TextFormat.PlainText)
        self.value.setText("".join(pieces) if rich else view.value)

    def _fitting_points(self, view: TileView) -> int:
        """The value's size: `value_points`, or smaller for a text wider than the room kept for
        the widest number, a monitor's limit at its hard maximum (">300", `devices.reading.beyond_mark`).
        The room is kept for the digits alone: kept for the mark too, it took the detail's room
        at 1366x768 (its age cut) for a value a monitor seldom sends."""
        # Only a limit's mark makes the text wider than the widest number: no font measured on
        # every redraw and flash for the values of every other reading.
        if self.value_points <= 0 or not any(p.text[:1] in "<>" for p in view.parts if p.text):
            return self.value_points
        room = self._template_width(self.value_points)
        points = self.value_points
        while points > 1 and self._text_width(view, points) > room:
            points -= 1
        return points

    def _text_width(self, view: TileView, points: int) -> int:
        big = QtGui.QFontMetrics(self._value_font(points))
        small = QtGui.QFontMetrics(self._value_font(max(1, round(points * MEAN_SCALE))))
        return sum((small if p.small else big).horizontalAdvance(p.text) for p in view.parts) + 4


def _widest(name: str) -> str:
    """The widest text a value of `name` can show: its hard maximum with every digit a 0."""
    m = metric(name)
    return re.sub(r"\d", "0", m.format(m.hard[1]))


class TilePanel(QtWidgets.QWidget):
    """The tiles of the vitals: blood pressure on the first row, then two tiles a row; equal rows
    and columns whatever the tiles show.

    Signals: none. `flash_timer` (250 ms) runs while a number flashes.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QGridLayout(self)
        layout.setSpacing(6)
        self.tiles = {name: VitalTile(name) for name in TILE_METRICS}
        row, column = 0, 0
        for name, tile in self.tiles.items():
            if name in WIDE_TILES:
                if column:
                    row, column = row + 1, 0
                layout.addWidget(tile, row, 0, 1, 2)
                row += 1
                continue
            layout.addWidget(tile, row, column)
            row, column = (row, 1) if column == 0 else (row + 1, 0)
        for r in range(layout.rowCount()):
            layout.setRowStretch(r, 1)   # equal rows and columns, whatever each tile's text
        layout.setColumnStretch(0, 1)
        layout.setColumnStretch(1, 1)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred, QtWidgets.QSizePolicy.Policy.Preferred)
        self.flash_timer = QtCore.QTimer(self)
        self.flash_timer.setInterval(FLASH_TICK_MS)
        self.flash_timer.timeout.connect(self._on_flash_tick)
        self._tick = 0

    def update_from(self, engine: SessionView, now: Moment) -> None:
        for name, tile in self.tiles.items():
            tile.show_view(tile_view(engine, name, now))
        if any(tile.flashing() for tile in self.tiles.values()):
            if not self.flash_timer.isActive():
                self.flash_timer.start()
        else:
            self.flash_timer.stop()

    @QtCore.Slot()
    def _on_flash_tick(self) -> None:
        self._tick += 1
        for tile in self.tiles.values():
            tile.set_flash_tick(self._tick)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt override
        return QtCore.QSize(420, 420)
