"""A chair's trend at the central station: the bedside's trend widget over what the bus brought.

The points are the board's (`Board.trend`): the chair's retained trend snapshot merged with the
PCD-01 values that came since, once per metric and time; the alarm markers are the PCD-04
raises and escalations received (so a central started late marks only what it received). They are drawn by the bedside's own
`TrendPlot` (console/ui/trend.py: BP bars, HR, SpO2, RR panels, minutes since the session
started, the same colours), so a trend reads the same at the chair and at the desk. The dialog
opens on the whole session and takes the new points every `REFRESH_MS` while it is shown. It
draws what the board holds, as the bedside shows it: when the board's points are more than the
ones drawn with new ones after them (a correction or a value entered in error at the bedside,
a snapshot thinned or placed anew), the trend is drawn afresh (`take_new_points`). Its device
lines break where the board says the chair's did (`TrendData.breaks`: an unplug or a restart of
the chair, however short), by the bedside trend's own rule (`TrendFeed.add_break`). The
window keeps one dialog per chair and shows it again (`load` starts afresh when the chair began
another session): dialogs are never deleted while the window lives (deleting pyqtgraph views
under a running event loop crashed the test run).

The strip says the alarm as the card does: its priority marks first ("*** Room 1: SpO2 84 %,
limit ≤90"), in the card's colours, flashing as the card does until the chair acknowledges it
(high 2 Hz, medium 0.5 Hz), on the window's tick (`set_flash_tick`) so the two flash together.

Limit lines are not drawn: the chair's alarm limits are not on the bus (its protocol may have
been changed at the bedside), and a limit drawn from a default could be wrong.

Signals:
    acknowledge_requested(str, object): Acknowledge (F2) on the strip: the chair whose alarm the
        strip shows and the alarm Acknowledge acts on as the strip drew it (`InSight.target`);
        the window acknowledges it as its card's button would, and tells `show_result`.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from console.central.board import Board, InSight
from console.clock import Clock
from console.session.conditions import short_text
from console.session.trend_feed import TrendFeed
from console.ui.central_card import ack_label, marks_part, plain, title_parts
from console.ui.elided_label import ElidedLabel, GivesWay
from console.ui.markup import plain_tip
from console.ui.tiles import flash_colours
from console.ui.trend import WHOLE, TrendPlot

REFRESH_MS = 2000
STRIP_MS = 250   # the other chairs' alarm strip follows the board as the grid does


class CentralTrendDialog(QtWidgets.QDialog):
    """The trend of one chair's current session (see the module docstring)."""

    acknowledge_requested = QtCore.Signal(str, object)

    def __init__(self, board: Board, chair: str, clock: Clock,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.chair = chair
        self.clock = clock
        self.session: int | None = None
        self.started_at = clock.now().wall
        # While the trend covers the grid, the alarms of the other chairs and of the station stay
        # in sight here (the rule above all others: nothing hides an alarm), with the way back.
        # The alarm may be cut ("…", whole in its tooltip); the count of the others never is.
        self.elsewhere = ElidedLabel()
        self.elsewhere.setObjectName("elsewhere_alarm")
        self.elsewhere.setVisible(False)
        self.elsewhere_more = plain(QtWidgets.QLabel())
        self.elsewhere_more.setObjectName("elsewhere_more")
        self.elsewhere_more.setVisible(False)
        # The nurse who hears a tone while reading a trend acknowledges what the strip shows,
        # as on its card, without going back to the grid; F2 as in the window.
        self.ack = QtWidgets.QPushButton("Acknowledge (F2)")
        self.ack.setObjectName("strip_acknowledge")
        self.ack.clicked.connect(self._on_acknowledge)
        # Never the keyboard focus (as the console's alarm buttons): Space or Return reaching it
        # by a Tab too many would acknowledge a chair's alarm; F2 is the key for that.
        self.ack.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.ack.setVisible(False)
        shortcut = QtGui.QShortcut(QtGui.QKeySequence("F2"), self)
        shortcut.activated.connect(self._on_acknowledge)
        self.shown: InSight | None = None   # what the strip shows
        self.flash_tick = 0   # the window's (`set_flash_tick`)
        # The strip's (background, text) as last styled, None while it shows nothing.
        self.strip_colours: tuple[str, str] | None = None
        self.back = QtWidgets.QPushButton("Show all chairs")
        self.back.setObjectName("back_to_chairs")
        self.back.clicked.connect(self.close)
        self.back.setVisible(False)
        strip = QtWidgets.QHBoxLayout()
        strip.addWidget(self.elsewhere, 1)
        strip.addWidget(self.elsewhere_more)
        strip.addWidget(self.ack)
        strip.addWidget(self.back)
        self.strip_timer = QtCore.QTimer(self)
        self.strip_timer.setInterval(STRIP_MS)
        self.strip_timer.timeout.connect(self.show_elsewhere)
        self.title = plain(QtWidgets.QLabel())   # the chair's room and patient, as sent
        font = QtGui.QFont(self.title.font())
        font.setPointSize(12)
        font.setBold(True)
        self.title.setFont(font)
        self.plot = TrendPlot(None, started_at=self.started_at)
        self.empty = plain(QtWidgets.QLabel("No values received for this session yet."))
        self.empty.setVisible(False)
        self.ack_result = ElidedLabel()   # what Acknowledge did
        self.ack_result.setObjectName("acknowledge_result")
        close = QtWidgets.QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.empty, 1)
        buttons.addWidget(self.ack_result, 1)
        buttons.addWidget(close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(strip)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        layout.addLayout(buttons)
        # Each series as last drawn (the board's points): what the next ones must extend.
        self._drawn: dict[str, list[tuple[float, float, bool]]] = {}
        self._breaks: list[float] = []   # the board's breaks as last given to the feed
        self.points = 0
        self.redrawn = 0   # times the trend was drawn afresh for a change that was not new points
        self.alarms = 0   # alarm markers given to the feed
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._on_timer)
        self.load()

    def load(self) -> None:
        """Show the chair's current session: afresh when it is another session than shown."""
        data = self.board.trend(self.chair)
        if data.session != self.session or self.points == 0:
            self.session = data.session
            self.started_at = data.started_at or self.clock.now().wall
            self._start_afresh()
        card = self.board.card(self.chair, self.clock.now()) \
            if self.chair in self.board.chairs else None
        room = card.room if card is not None else self.chair
        who = f" · {card.patient}" if card is not None and card.patient else ""
        since = f" since {data.started_at.astimezone():%H:%M}" if data.started_at else ""
        self.setWindowTitle(f"{room}{who}: trend{since}")
        self.title.setText(f"{room}{who}: the session's trend{since} "
                           "(minutes since the session started)")
        self.take_new_points()
        self.plot.set_view(WHOLE)
        self.plot.refresh()

    def _start_afresh(self) -> None:
        """An empty plot of the session: every point and marker is given again."""
        self.plot.set_feed(TrendFeed(self.started_at))
        self._drawn.clear()
        self._breaks = []
        self.points = 0
        self.alarms = 0

    def _only_added_to(self, series: dict[str, list[tuple[float, float, bool]]]) -> bool:
        """Every series drawn is still there as drawn, with at most new points after it."""
        return all(series.get(name, [])[:len(drawn)] == drawn
                   for name, drawn in self._drawn.items())

    def take_new_points(self) -> int:
        """Add the board's points not drawn yet; returns how many were added. When the points
        drawn are no longer the board's (the bedside corrected a value or took one back as
        entered in error, or a new snapshot placed them anew), the trend is drawn afresh from
        the board: adding only the points later than the last drawn, a typed HR 150 corrected
        to 105 at the chair stayed drawn here for the rest of the session, beside the 105 (a
        code review)."""
        data = self.board.trend(self.chair)
        if data.session != self.session:
            self.empty.setText("A new session started at this chair: close and open again.")
            self.empty.setVisible(True)
            return 0
        if not self._only_added_to(data.series):
            self._start_afresh()
            self.redrawn += 1
        start = self.started_at.timestamp()
        added = 0
        for name, points in data.series.items():
            for t, value, manual in points[len(self._drawn.get(name, ())):]:
                self.plot.add_reading(name, value, (t - start) / 60.0, manual)
                added += 1
            self._drawn[name] = points
        if added or data.breaks != self._breaks:
            # All of them again: a series whose values before a break came after it was given
            # (a late PCD-01) breaks there too; a break already drawn is not drawn twice
            # (`TrendFeed.add_break`).
            for t in data.breaks:
                self.plot.feed.add_break((t - start) / 60.0)
            self._breaks = data.breaks
        self.points += added
        # Alarm markers as the bedside's trend draws them (raised / escalated, physiological).
        self.plot.feed.add(data.alarms[self.alarms:])
        self.alarms = len(data.alarms)
        self.empty.setText("No values received for this session yet.")
        self.empty.setVisible(self.points == 0)
        # The session's minute by the chair's clock, as its points and its start are stamped.
        now = self.board.chair_now(self.chair, self.clock.now())
        self.plot.set_now(max(0.0, (now.timestamp() - start) / 60.0))
        return added

    @QtCore.Slot()
    def show_elsewhere(self) -> None:
        """The highest open alarm of the station and every chair, the others counted
        (`Board.in_sight`), while this dialog covers their cards."""
        found = self.board.in_sight(self.clock.now(), viewing=self.chair)
        self.shown = found
        more = found.more() if found is not None else ""
        self.elsewhere.setVisible(found is not None)
        self.elsewhere_more.setVisible(bool(more))
        self.ack.setVisible(found is not None and found.can_acknowledge)
        self.back.setVisible(found is not None)
        if found is None:
            self.strip_colours = None
            return
        # The priority said without colour first, as on the card and the alarm rows (IEC
        # 60601-1-8): the strip was red or yellow alone (a review). The marks and the alarm's
        # value and limit never give way: the words take their short form first ("Systolic
        # 212, limit ≥200", the card's), then the room's name gives way (`title_parts`). Cut
        # at its end, a long room's name left "…chair-3: Sy…" of a systolic BP 212 (a code
        # review); the marks' 36 px then left "***  · chai…: Systolic BP 212…" on a 790-px
        # dialog.
        words = f": {found.line.text}"
        short = f": {short_text(found.line.text)}"
        self.elsewhere.set_parts(
            *marks_part(found.line.priority), *title_parts(found.where, found.chair),
            GivesWay(words, (short,) if short != words else (), rank=-1, cut=False))
        # Acknowledge names the alarm it acts on when it is not the one shown, as the card's
        # button does: the strip showed SpO2 88 and its Acknowledge acted on HR 125 (a review).
        text, tip = ack_label(found.sounding_other)
        self.ack.setText(f"{text} (F2)")
        self.ack.setToolTip(plain_tip(tip))
        self.elsewhere_more.setText(more)
        self._colour_strip()

    def set_flash_tick(self, tick: int) -> None:
        """The window's flash tick (250 ms): the strip's flashing alarm follows it."""
        self.flash_tick = tick
        # A closed dialog is kept: its strip is coloured again when it is shown (showEvent).
        if self.isVisible() and self.shown is not None and self.shown.line.flashing:
            self._colour_strip()

    def _colour_strip(self) -> None:
        """The shown alarm's colours, or its dark phase while it flashes (the card's rule)."""
        if self.shown is None:
            return
        line = self.shown.line
        colours = flash_colours(line.priority, line.flashing, self.flash_tick)
        if colours == self.strip_colours:
            return   # a style sheet set restyles the label: only when it changes
        self.strip_colours = colours
        style = (f"background:{colours[0]};color:{colours[1]};font-weight:bold;font-size:14pt;"
                 "padding:4px 8px;")
        self.elsewhere.setStyleSheet(style)
        self.elsewhere_more.setStyleSheet(style)

    @QtCore.Slot()
    def _on_acknowledge(self) -> None:
        shown = self.shown
        if shown is not None and shown.chair is not None and shown.can_acknowledge:
            self.acknowledge_requested.emit(shown.chair, shown.target)
        elif shown is not None and shown.chair is None:
            self.show_result("The station's own alarm: Silence is in the main window")
        elif shown is not None:
            note = f" ({shown.line.note})" if shown.line.note else ""
            self.show_result(f"{shown.where}: nothing to acknowledge{note}")
        else:
            self.show_result("No alarm to acknowledge")

    def show_result(self, text: str) -> None:
        """What the last Acknowledge did, beside Close."""
        self.ack_result.setText(text)
        self.show_elsewhere()

    @QtCore.Slot()
    def _on_timer(self) -> None:
        self.take_new_points()
        self.plot.refresh()

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.timer.start()
        self.strip_timer.start()
        self.show_elsewhere()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:  # noqa: N802 - Qt override
        self.timer.stop()
        self.strip_timer.stop()
        super().hideEvent(event)
