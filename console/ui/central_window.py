"""The central station's window: every chair on the clinic bus as a card, the station's own
technical alarm banner, the central nurse's name, the bus state.

It renders the board (console/central/board.py) and decides nothing clinical (style rule 2):

    toolbar:  Central nurse [name]   Acknowledge (F2)   what the last action did
    banner:   the station's own technical alarm (bus lost, a chair lost, log, audio) + Silence;
              its row is always there (grey when quiet), so the grid never moves
    grid:     one card per chair (console/ui/central_card.py), in as many columns as make the
              largest cards (5 x 4 for 20 chairs at 1366x768 and at 1920x1080), never scrolling
    status:   the bus ("Connected to mqtts://…", "Reconnecting…", "Refused: why") · ignored messages

Keys: F2 acknowledges the alarm on the card that has the keyboard focus, or else the chair whose
alarm comes first (highest priority, still needing a nurse, newest); Enter on a card, or a click,
opens its trend. On a trend, F2 (or the strip's Acknowledge) acknowledges the alarm its strip
shows, as that card's button would. The nurse's name is asked once (when the field is empty) and
kept for the shift.

One timer (`timer`, 250 ms) ticks the board with the clock's time, redraws the cards that
changed, flashes alarm lines and keeps the sounder on `board.audio(now)`. Tests fire
`timer.timeout` by hand or call `refresh()`.

Signals: none (the window is the end of the line).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from console.central.board import AckTarget, AlarmLine, Board, CardView
from console.clock import Clock, Moment
from console.session.alarm_area import NewAlarmWatch
from console.session.alarms import AudioSignal
from console.session.conditions import short_text
from console.ui import theme
from console.ui.audio import AlarmSounder
from console.ui.central_card import ChairCard, marks_part, plain
from console.ui.central_trend import CentralTrendDialog
from console.ui.elided_label import ElidedLabel, GivesWay
from console.ui.markup import plain_tip
from console.ui.entry_panel import question_box
from console.ui.tiles import FLASH_TICK_MS, flash_colours
from console.ui.window_front import bring_forward
from protocols.model import Priority

CARD_ASPECT = 1.65     # width / height of a card the text was laid out for (265 x 160)
MAX_CARD = QtCore.QSize(560, 340)
GRID_SPACING = 6
BANNER_HEIGHT = 34
BAR_POINTS = 11   # toolbar and status line: read from the desk, not only at arm's length
MESSAGE_MIN_PX = 240   # the action's result in the toolbar: always readable
NAME_WAIT_S = 30.0   # an action asked for the nurse's name is done at Enter within this long


class Asker(Protocol):
    """Asks the nurse for a yes (the UI's dialog; tests give set answers)."""

    def agree(self, title: str, message: str, action: str) -> bool: ...


class QtAsker:
    """Asks with a question whose default is "Not yet"."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent

    def agree(self, title: str, message: str, action: str) -> bool:
        box, yes = question_box(self.parent, title, message, action, "Not yet")   # plain text
        box.exec()
        return box.clickedButton() is yes


def grid_shape(count: int, width: int, height: int, spacing: int = GRID_SPACING) -> tuple[int, int]:
    """(columns, rows) giving the largest cards of CARD_ASPECT for `count` chairs in the area."""
    if count <= 0:
        return 1, 1
    best = (0.0, 1, count)
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        w = (width - spacing * (columns - 1)) / columns
        h = (height - spacing * (rows - 1)) / rows
        size = min(w / CARD_ASPECT, h)
        if size > best[0]:
            best = (size, columns, rows)
    return best[1], best[2]


class StationBanner(QtWidgets.QFrame):
    """The station's own technical alarm: its priority marks and text in its colour (flashing
    until silenced) and the Silence button. Always the same height: on one line, a text too
    long gives way at the end of its words, never its marks nor its note and count."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("station_banner")
        self.setFixedHeight(BANNER_HEIGHT)
        self.text = ElidedLabel()
        self.text.setObjectName("banner_text")
        font = QtGui.QFont(self.text.font())
        font.setPointSize(12)
        font.setBold(True)
        self.text.setFont(font)
        self.silence = QtWidgets.QPushButton("Silence")
        self.silence.setObjectName("banner_silence")
        self.silence.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.silence)
        self.line: AlarmLine | None = None
        self.colours: tuple[str, str] | None = None
        self.show_line(None, 0)

    def show_line(self, line: AlarmLine | None, tick: int) -> None:
        self.line = line
        if line is None:
            t = theme.current()
            self.colours = None
            self.text.setText("Station: no technical alarm")
            self.setStyleSheet(f"QFrame#station_banner {{background:{t.window};}}"
                               f"QLabel {{color:{t.muted_text};}}")
            self.silence.setVisible(False)
            return
        colours = flash_colours(line.priority, line.flashing, tick)
        self.colours = colours
        extra = [n for n in (line.note, line.more()) if n]
        # The priority said without colour too ("** Central station not connected…"), as on
        # the cards (IEC 60601-1-8); it was the banner's colour alone (a review). Cut at its
        # end, a long one ("Two chairs use the name…", 1,650 px at 1366x768) lost its count of
        # the station's other alarms: the words give way instead.
        self.text.set_parts(*marks_part(line.priority), GivesWay(line.text),
                            *((f"  ({', '.join(extra)})",) if extra else ()))
        self.setStyleSheet(f"QFrame#station_banner {{background:{colours[0]};}}"
                           f"QLabel {{color:{colours[1]};}}")
        self.silence.setVisible(line.sounding)


class CentralWindow(QtWidgets.QMainWindow):
    """The central station (see the module docstring).

    Args:
        board: the model.
        clock: the time the board is ticked with.
        sounder: plays the central's tones (None: silent, for tests that are not about sound).
        asker: asks the nurse's name; None uses a dialog.
        title: the window title (the station's name).
    """

    def __init__(self, board: Board, clock: Clock, sounder: AlarmSounder | None = None,
                 asker: Asker | None = None, title: str = "Central station") -> None:
        super().__init__()
        self.board = board
        self.clock = clock
        self.sounder = sounder
        self.asker: Asker = asker or QtAsker(self)
        self.setWindowTitle(title)
        self.cards: dict[str, ChairCard] = {}
        self.tick = 0
        self.dialogs: dict[str, CentralTrendDialog] = {}   # one per chair, kept (central_trend)
        self.new_alarms = NewAlarmWatch()
        self.fronted = 0   # times an alarm brought this window to the front (for tests)
        self.been_active = False   # the nurse has had this window in front since it opened

        toolbar = self.toolbar = QtWidgets.QToolBar("Central nurse")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        bar_font = QtGui.QFont(toolbar.font())
        bar_font.setPointSize(BAR_POINTS)
        toolbar.setFont(bar_font)
        self.addToolBar(toolbar)
        toolbar.addWidget(plain(QtWidgets.QLabel(" Central nurse: ")))
        self.nurse = QtWidgets.QLineEdit()
        self.nurse.setObjectName("nurse_name")
        self.nurse.setPlaceholderText("your name for this shift")
        self.nurse.setFixedWidth(220)
        self.nurse.editingFinished.connect(self._on_nurse_changed)
        self.nurse.returnPressed.connect(self._on_name_entered)
        # An action asked without a name: what it is, when it was asked (the clock's mono), and
        # the action itself, done at Enter in the name field (`_on_name_entered`).
        self._waiting_for_name: tuple[str, float, Callable[[], None]] | None = None
        toolbar.addWidget(self.nurse)
        toolbar.addSeparator()
        self.ack_action = QtGui.QAction("Acknowledge (F2)", self)
        self.ack_action.setShortcut(QtGui.QKeySequence("F2"))
        self.ack_action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        self.ack_action.triggered.connect(self._on_f2)
        toolbar.addAction(self.ack_action)
        toolbar.addSeparator()
        self.message = ElidedLabel()
        self.message.setObjectName("action_message")
        # The rest of the toolbar's width: an ElidedLabel ignores its text's width (so a long
        # line never widens the window), and a toolbar gives such a widget nothing. It was 1 px
        # wide: every result of Acknowledge and Silence was set and never seen (tests read the
        # text, not the screen).
        self.message.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                   QtWidgets.QSizePolicy.Policy.Preferred)
        self.message.setMinimumWidth(MESSAGE_MIN_PX)
        toolbar.addWidget(self.message)
        self._signed = ""

        self.banner = StationBanner()
        self.banner.silence.clicked.connect(self._on_silence)
        self.grid_host = QtWidgets.QWidget()
        self.grid = QtWidgets.QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(GRID_SPACING)
        self.empty = plain(QtWidgets.QLabel("No chair heard on the clinic bus yet."))
        self.empty.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.grid.addWidget(self.empty, 0, 0)
        self._shape = (0, 0, 0)
        central = QtWidgets.QWidget()
        layout = self.body_layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.banner)
        layout.addWidget(self.grid_host, 1)
        self.setCentralWidget(central)

        self.bus_label = ElidedLabel()
        self.bus_label.setObjectName("bus_state")
        self.ignored = plain(QtWidgets.QLabel())
        self.ignored.setObjectName("ignored_count")
        self.statusBar().addWidget(self.bus_label, 1)
        self.statusBar().addPermanentWidget(self.ignored)
        self.statusBar().setSizeGripEnabled(False)
        self.statusBar().setFont(bar_font)

        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(FLASH_TICK_MS)
        self.timer.timeout.connect(self._on_timer)
        self.nurse.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)   # a shift starts with a name
        self.refresh()

    # ---- drawing -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the window's timer (the app does; tests drive `refresh` themselves)."""
        self.timer.start()

    def refresh(self, now: Moment | None = None) -> None:
        """Draw the board as it is at `now` and keep the sounder on what should sound."""
        now = now or self.clock.now()
        # A bug in the cards (one chair's status no card could draw made every `cards()` raise)
        # must not take the banner and the sounder with it: they stopped at this first line on
        # every tick, for every chair, and the "Central station fault" the failure raised was
        # never shown nor sounded (a code review). The rest is drawn, then the failure goes on
        # to the station's fault path (its alarm, its crash file), never silence.
        failure: Exception | None = None
        try:
            self._draw_cards(self.board.cards(now))
        except Exception as exc:   # noqa: BLE001 - re-raised below, after the banner and tone
            failure = exc
        for card in self.cards.values():
            card.set_flash_tick(self.tick)
        for dialog in self.dialogs.values():   # a trend's strip flashes with the cards
            dialog.set_flash_tick(self.tick)
        self.banner.show_line(self.board.banner(now), self.tick)
        self.bus_label.setText(self.board.bus_text)
        self.empty.setText(self.board.empty_text())
        count = self.board.ignored
        self.ignored.setText(f"Ignored messages: {count}" if count else "")
        self.ignored.setToolTip(plain_tip(f"Last: {self.board.last_ignored}") if count else "")
        sounding = self.board.sounding(now)
        if self.new_alarms.update_entries(sounding):
            self.fronted += 1
            # The keyboard is rested on the grid only once the station has been the nurse's
            # window: then another program in front means she went elsewhere to type. Before
            # that (start-up, the board filling with alarms before the window manager made the
            # window active) the keyboard stays in the name field where the shift starts; a
            # 20-chair walk lost the nurse's typed name to the grid that way.
            rest_on = self.grid_host if self.been_active else None
            bring_forward(self, rest_on, lambda: self.clock.now().mono)
        if self.sounder is not None:
            priority = self.board.audio(now)
            alarms = frozenset(key for key, p, _ in sounding if p == priority)
            self.sounder.update(AudioSignal(priority, None, alarms), now.mono)
            change = self.sounder.check_available()
            if change is not None:
                self.board.set_audio(*change)
        if failure is not None:
            raise failure

    def _draw_cards(self, views: list[CardView]) -> None:
        """A card for every chair on the board (made for a chair heard first), none for one
        that left it, laid out in the board's order."""
        for view in views:
            card = self.cards.get(view.chair)
            if card is None:
                card = self.cards[view.chair] = ChairCard(view.chair, self.grid_host)
                card.setMaximumSize(MAX_CARD)
                card.clicked.connect(self.open_trend)
                card.acknowledge_clicked.connect(self.acknowledge_seen)
            card.show_view(view)
        for gone in set(self.cards) - {v.chair for v in views}:   # left the board
            self.grid.removeWidget(self.cards[gone])
            self.cards.pop(gone).deleteLater()
            self._shape = (0, 0, 0)
        self._layout_cards([v.chair for v in views])

    def _layout_cards(self, order: list[str]) -> None:
        area = self.grid_host.size()
        shape = grid_shape(len(order), area.width(), area.height())
        key = (len(order), *shape)
        if key == self._shape and all(self.grid.indexOf(self.cards[c]) >= 0 for c in order):
            return
        self._shape = key
        self.empty.setVisible(not order)
        columns, rows = shape
        for card in self.cards.values():
            self.grid.removeWidget(card)
        for index, chair in enumerate(order):
            self.grid.addWidget(self.cards[chair], index // columns, index % columns)
            self.cards[chair].show()   # a layout shows a new child only at the next event loop
        # Equal rows and columns (the cards ignore their own size hints): every card the same
        # size, the largest the grid has room for, up to MAX_CARD.
        for i in range(max(self.grid.rowCount(), self.grid.columnCount())):
            self.grid.setRowStretch(i, 1 if i < rows else 0)
            self.grid.setColumnStretch(i, 1 if i < columns else 0)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._shape = (0, 0, 0)
        QtCore.QTimer.singleShot(0, self, self._relayout)

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.ActivationChange and self.isActiveWindow():
            self.been_active = True

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._shape = (0, 0, 0)
        self._relayout()

    def _relayout(self) -> None:
        self.body_layout.activate()
        # The cards drawn, not only laid out: a chair heard since the last refresh has no card
        # yet (asked for, it was a KeyError at the window's first fit to its screen).
        self._draw_cards(self.board.cards(self.clock.now()))

    @QtCore.Slot()
    def _on_timer(self) -> None:
        now = self.clock.now()
        self.tick += 1
        self.board.tick(now)
        self.refresh(now)

    # ---- actions -----------------------------------------------------------------------------

    def nurse_name(self) -> str:
        """The central nurse's name, as the toolbar holds it ('' when none yet)."""
        return self.nurse.text().strip()

    def _ask_name_then(self, what: str, action: Callable[[], None], about: str = "") -> None:
        """No name yet: ask for it in the toolbar's own field, where it is kept for the shift,
        and do `action` when the nurse presses Enter there.

        Not in a dialog: every chair card is an alarm display, and a dialog over the grid hid one
        or two of them while the nurse typed (seen on X at 1366x768); IEC 60601-1-8 asks that an
        active alarm stay perceivable. The field is in the toolbar, over no card.

        The action waits for that Enter only: done another way meanwhile (the name typed and
        the button clicked again), or with the keyboard gone elsewhere, or asked more than
        NAME_WAIT_S ago, it is forgotten. Kept, the next nurse signing in with Enter at the
        shift's change acknowledged, in her name, an alarm nobody had pressed for (a review).
        What it acts on is the alarm as drawn at the click: the board does nothing if that is
        no longer the one to act on, and says so."""
        self._waiting_for_name = (what, self.clock.now().mono, action)
        said = f" ({about})" if about else ""
        self.message.setText(f"{what}{said}: type your name in the toolbar and press Enter")
        self.activateWindow()
        self.nurse.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    @QtCore.Slot()
    def _on_name_entered(self) -> None:
        self._on_nurse_changed()
        if not self.nurse_name():
            return   # still nobody to act as: the action waits
        waiting, self._waiting_for_name = self._waiting_for_name, None
        if waiting is None:
            return
        what, asked_at, action = waiting
        age_s = self.clock.now().mono - asked_at
        if age_s > NAME_WAIT_S:
            self.message.setText(f"{what} not done: asked {age_s:.0f} s ago, before your name; "
                                 f"press {what} again if it is still needed")
            return
        action()
        # Off the field: keys typed next must not change the name the shift signs with.
        self.grid_host.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    @QtCore.Slot()
    def _on_nurse_changed(self) -> None:
        name = self.nurse.text().strip()
        if name and name != self._signed:
            self._signed = name
            self.board.nurse_signed(name, self.clock.now())
        focus = QtWidgets.QApplication.focusWidget()
        if self._waiting_for_name is not None and name and focus is not None \
                and focus is not self.nurse:
            # The name given, the keyboard gone on to something else of the station's: the
            # action asked for is no longer what she is doing.
            what = self._waiting_for_name[0]
            self._waiting_for_name = None
            self.message.setText(f"{what} not done: press {what} again if it is still needed")

    def acknowledge(self, chair: str) -> None:
        """Acknowledge the alarm `chair`'s card shows as drawn now (what the nurse sees)."""
        card = self.cards.get(chair)
        self.acknowledge_seen(chair, card.shown_target() if card is not None else None)

    def _acknowledged_in_words(self, chair: str, seen: AckTarget | None) -> str:
        """Which chair's alarm an Acknowledge waiting for the nurse's name acts on: F2 takes the
        card the keyboard is on, and the prompt had not said which (walked on X: the name
        typed, it was chair-1's BP, not the newer RR alarm of chair-2 she had in mind)."""
        card = self.cards.get(chair)
        view = card.view if card is not None else None
        if view is None:
            return chair
        if seen is not None and seen == view.target:
            said = view.sounding_other or (view.alarm.text if view.alarm is not None else "")
            if said:
                return f"{view.title}: {short_text(said)}"
        return view.title

    @QtCore.Slot(str, object)
    def acknowledge_seen(self, chair: str, seen: AckTarget | None) -> None:
        """Acknowledge `chair`'s alarm `seen`, as the card (or the trend's strip) drew it when
        the nurse clicked or pressed F2: the board acts only if it is still the alarm to
        acknowledge, else says what changed (and the card is redrawn at once)."""
        nurse = self.nurse_name()
        if not nurse:
            self._ask_name_then("Acknowledge", lambda: self.acknowledge_seen(chair, seen),
                                self._acknowledged_in_words(chair, seen))
            return
        self._waiting_for_name = None   # done now: nothing is left for a later Enter
        self.message.setText(self.board.acknowledge(chair, nurse, self.clock.now(), seen))
        self.refresh()

    @QtCore.Slot()
    def _on_f2(self) -> None:
        focused = self.focusWidget()
        if isinstance(focused, ChairCard) and focused.view is not None \
                and focused.view.can_acknowledge:
            self.acknowledge(focused.chair)
            return
        chair = self.board.highest_chair(self.clock.now())
        if chair is None:
            self.message.setText(self.board.no_chair_sounds(self.clock.now()))
            return
        # The alarm its card shows as drawn: a chair whose alarm came after the last draw is
        # told apart by the board, never acknowledged unseen.
        self.acknowledge(chair)

    def _acknowledge_from_trend(self, dialog: CentralTrendDialog, chair: str,
                                seen: AckTarget | None) -> None:
        """Acknowledge (F2) on a trend's strip: as the card's button, the alarm as the strip
        drew it, the result shown there."""
        self.acknowledge_seen(chair, seen)
        dialog.show_result(self.message.full_text())

    @QtCore.Slot()
    def _on_silence(self) -> None:
        shown = self.banner.line   # what the nurse saw when she clicked
        if shown is None:
            self.message.setText("No station alarm sounds")
            return
        self.silence_seen(shown.key, shown.priority)

    def silence_seen(self, key: str, seen: Priority | None) -> None:
        """Silence the station alarm `key`, the banner's when the nurse clicked: the board acts
        only while it still sounds, else says it ended. Asked her name first, the key is kept
        from the click, as Acknowledge keeps the alarm drawn; read again at Enter, the banner
        then showed a chair lost while she typed, and that high alarm was silenced unseen in
        place of the low one she clicked under (a code review)."""
        nurse = self.nurse_name()
        if not nurse:
            self._ask_name_then("Silence", lambda: self.silence_seen(key, seen))
            return
        self._waiting_for_name = None   # done now: nothing is left for a later Enter
        self.message.setText(self.board.silence_station(nurse, self.clock.now(), key, seen))
        self.refresh()

    @QtCore.Slot(str)
    def open_trend(self, chair: str) -> CentralTrendDialog:
        """Open `chair`'s trend (a dialog beside the window; the window keeps running)."""
        dialog = self.dialogs.get(chair)
        if dialog is None:
            dialog = self.dialogs[chair] = CentralTrendDialog(self.board, chair, self.clock, self)
            dialog.acknowledge_requested.connect(
                lambda shown_chair, seen, d=dialog: self._acknowledge_from_trend(
                    d, shown_chair, seen))
            screen = self.screen().availableGeometry()
            dialog.resize(min(1200, int(screen.width() * 0.92)),
                          min(720, int(screen.height() * 0.9)))
        else:
            dialog.load()
        dialog.show()
        dialog.raise_()
        return dialog

    def may_close(self) -> bool:
        """No chair in session is watched, or the nurse confirms closing (then logged)."""
        now = self.clock.now()
        watched = self.board.watched(now)
        if not watched:
            return True
        rooms = ", ".join(watched[:4]) + (f" and {len(watched) - 4} more" if len(watched) > 4
                                          else "")
        # A chair lost in session has no bedside sounding for it: said apart, by name.
        lost = self.board.heard_only_here(now)
        only_here = (f"\n\nNo connection to the chair, its loss heard only here: "
                     f"{'; '.join(lost)}." if lost else "")
        if not self.asker.agree(
                "Close the central station",
                f"This station watches {len(watched)} chair{'s' if len(watched) > 1 else ''} in "
                f"session ({rooms}). Closing it stops their alarms here: each connected bedside "
                f"goes on sounding its own, and a quiet room returns to full volume.{only_here}"
                "\n\nClose the central station anyway?", "Close the central station"):
            return False
        self.board.closed_by(self.nurse.text().strip(), now)
        return True

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt override
        # A close from the window system while chairs in session are watched is asked, "Not
        # yet" by default (the bedside stays the alarm authority, but a nurse covering several
        # rooms hears their alarms here); quit() at shutdown is not spontaneous, never asked.
        if event.spontaneous() and not self.may_close():
            event.ignore()
            return
        self.timer.stop()
        for dialog in self.dialogs.values():
            dialog.close()
        super().closeEvent(event)
