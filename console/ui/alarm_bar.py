"""The alarm bar: active alarms by priority, their flashing colours, acknowledge/reset and pause.

It renders a plain model, the engine's occurrences (already sorted, highest priority first) and
its `AudioSignal`, through `set_state`; it decides nothing clinical. Whether a row flashes is
`Occurrence.flashing`, whether it reads "Reset" is its LATCHED state; the engine decides both.

Look (shared/design/clinical-defaults.md, "Alarm behaviour", after IEC 60601-1-8):

- high: red, flashing at 2 Hz (the rule allows 1.4-2.8 Hz); medium: amber/yellow, flashing at
  0.5 Hz (0.4-0.8 Hz); low: cyan, steady; info prompts: pale grey-blue, never red, never flashing.
  A flashing row alternates between its full colour and a dark row in its colour, so the text stays
  readable in both phases. An acknowledged row is steady in its full colour.
- Text 18 pt in the rows and 16 pt on the buttons: read at arm's length from the chair.

Keys: F2 acknowledges the selected alarm (or resets it when latched), or all alarms when none is
selected; F3 pauses audio for the engine's pause length (2:00 by default), and while a pause runs
the button counts down ("Audio paused 1:37").
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import format_duration
from console.session.alarms import (
    DEFAULT_PAUSE_SECONDS,
    TECHNICAL,
    AlarmState,
    AudioSignal,
    Occurrence,
)
from console.ui.controller import SessionController
from protocols.model import Priority

ROW_POINT_SIZE = 18
BUTTON_POINT_SIZE = 16
OFF_PHASE_BACKGROUND = "#1c1c1c"

# (background, text) per priority. Contrast ratios: white on #c40000 6.4:1, black on #ffc400
# 12.9:1, black on #26c6da 10.3:1, #102027 on #cfd8dc 13.0:1.
COLOURS: dict[Priority, tuple[str, str]] = {
    Priority.HIGH: ("#c40000", "#ffffff"),
    Priority.MEDIUM: ("#ffc400", "#000000"),
    Priority.LOW: ("#26c6da", "#000000"),
    Priority.INFO: ("#cfd8dc", "#102027"),
}
# The dark phase of a flash keeps the text in the priority's colour (a brighter red, for contrast
# on near-black: #ff5252 on #1c1c1c is 5.2:1).
OFF_PHASE_TEXT: dict[Priority, str] = {Priority.HIGH: "#ff5252", Priority.MEDIUM: "#ffc400"}
# Half-periods: 250 ms → 2 Hz for high, 1000 ms → 0.5 Hz for medium.
FLASH_HALF_PERIOD_MS: dict[Priority, int] = {Priority.HIGH: 250, Priority.MEDIUM: 1000}

OCCURRENCE_ROLE = QtCore.Qt.ItemDataRole.UserRole


def row_text(occurrence: Occurrence) -> str:
    """The banner (`***` marks, message with its value and limit) and the operator's state."""
    text = occurrence.banner()
    # Physiological messages already say "limit ≥200"; add the limit where a message does not.
    if occurrence.threshold and occurrence.threshold not in occurrence.message:
        text += f" · limit {occurrence.threshold}"
    if occurrence.state is AlarmState.ACKNOWLEDGED:
        text += " · acknowledged"
    return text


class _RowDelegate(QtWidgets.QStyledItemDelegate):
    """Paints a row in its alarm colours; the selection is a thick white-and-black outline.

    Qt's own selection highlight would replace the row's colour (a selected red alarm must still
    look red), and a style sheet `::item` rule stops Qt painting the item's background at all
    (seen in the first screenshot), so the row is painted here.
    """

    PAD = 16
    VPAD = 6   # two rows must fit the bar's height at 1366x768 with the tiles still readable
    OUTLINE = 4

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> None:
        rect = option.rect.adjusted(0, 2, 0, -2)
        painter.save()
        painter.fillRect(rect, index.data(QtCore.Qt.ItemDataRole.BackgroundRole))
        if option.state & QtWidgets.QStyle.StateFlag.State_Selected:
            # White outside, black inside: visible on every row colour and on the dark list.
            for colour, inset in (("#ffffff", 0), ("#000000", self.OUTLINE)):
                pen = QtGui.QPen(QtGui.QColor(colour), self.OUTLINE)
                pen.setJoinStyle(QtCore.Qt.PenJoinStyle.MiterJoin)
                painter.setPen(pen)
                half = self.OUTLINE // 2 + inset
                painter.drawRect(rect.adjusted(half, half, -half, -half))
        painter.setPen(index.data(QtCore.Qt.ItemDataRole.ForegroundRole).color())
        painter.setFont(option.font)
        painter.drawText(rect.adjusted(self.PAD, 0, -self.PAD, 0),
                         int(QtCore.Qt.AlignmentFlag.AlignVCenter) | int(QtCore.Qt.TextFlag.TextWordWrap),
                         str(index.data(QtCore.Qt.ItemDataRole.DisplayRole)))
        painter.restore()

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem,
                 index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.QSize:
        metrics = QtGui.QFontMetrics(option.font)
        width = max(200, option.rect.width() - 2 * self.PAD)
        text = metrics.boundingRect(QtCore.QRect(0, 0, width, 10_000),
                                    int(QtCore.Qt.TextFlag.TextWordWrap),
                                    str(index.data(QtCore.Qt.ItemDataRole.DisplayRole)))
        return QtCore.QSize(width, text.height() + 2 * self.VPAD + 4)


class AlarmBar(QtWidgets.QWidget):
    """The list of active alarms with the acknowledge and audio-pause controls.

    Signals:
        acknowledge_requested: acknowledge (or reset, when latched) the occurrence with this id;
            -1 means every alarm on the bar.
        pause_requested: pause the alarm audio.
    """

    acknowledge_requested = QtCore.Signal(int)
    pause_requested = QtCore.Signal()

    ALL = -1

    def __init__(self, pause_seconds: float = DEFAULT_PAUSE_SECONDS,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.pause_seconds = pause_seconds
        self._occurrences: list[Occurrence] = []
        self._audio = AudioSignal(None, None)
        self._dark: dict[Priority, bool] = {p: False for p in FLASH_HALF_PERIOD_MS}
        self._controller: SessionController | None = None

        self.list = QtWidgets.QListWidget()
        self.list.setObjectName("alarmList")
        row_font = self.list.font()
        row_font.setPointSize(ROW_POINT_SIZE)
        row_font.setBold(True)
        self.list.setFont(row_font)
        self.list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setWordWrap(True)
        self.list.setStyleSheet("QListWidget#alarmList { background: #101010; border: none; }")
        self.list.setItemDelegate(_RowDelegate(self.list))
        self.list.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)   # F2/F3 work from anywhere
        self.empty = QtWidgets.QLabel("No active alarms")
        self.empty.setFont(row_font)
        self.empty.setStyleSheet("color: #a5d6a7; background: #101010; padding: 8px 10px;")

        button_font = QtGui.QFont(self.font())
        button_font.setPointSize(BUTTON_POINT_SIZE)
        button_font.setBold(True)
        self.ack_button = QtWidgets.QPushButton()
        self.pause_button = QtWidgets.QPushButton()
        for button in (self.ack_button, self.pause_button):
            button.setFont(button_font)
            button.setMinimumHeight(46)   # a touch target, and room for 16 pt text
            button.setMinimumWidth(260)
        # QShortcut, not QPushButton.setShortcut: setText() resets a button's shortcut to its
        # mnemonic, and these labels change with the state.
        self.ack_shortcut = QtGui.QShortcut(QtGui.QKeySequence("F2"), self)
        self.pause_shortcut = QtGui.QShortcut(QtGui.QKeySequence("F3"), self)
        for shortcut in (self.ack_shortcut, self.pause_shortcut):
            shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)

        self.flash_timers: dict[Priority, QtCore.QTimer] = {}
        for priority, half_period in FLASH_HALF_PERIOD_MS.items():
            timer = QtCore.QTimer(self)
            timer.setInterval(half_period)
            timer.timeout.connect(lambda p=priority: self._on_flash_timeout(p))
            self.flash_timers[priority] = timer

        # Side by side: the bar stays one touch-target high when it holds one alarm, which keeps
        # the live window inside 1366x768.
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.pause_button)
        rows = QtWidgets.QVBoxLayout()
        rows.addWidget(self.empty)
        rows.addWidget(self.list, 1)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(rows, 1)
        layout.addLayout(buttons)

        self.ack_button.clicked.connect(self._on_acknowledge_clicked)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.ack_shortcut.activated.connect(self._on_acknowledge_clicked)
        self.pause_shortcut.activated.connect(self._on_pause_clicked)
        self.list.itemSelectionChanged.connect(self._on_selection_changed)
        self.set_state([], AudioSignal(None, None))

    # ---- the model -----------------------------------------------------------------------------

    def set_state(self, occurrences: Sequence[Occurrence], audio: AudioSignal) -> None:
        """Show `occurrences` (in the given order: highest priority first) and the audio state."""
        selected = self.selected_id()
        self._occurrences = list(occurrences)
        self._audio = audio
        self.list.blockSignals(True)   # rebuilding is not the nurse changing the selection
        self.list.clear()
        for occurrence in self._occurrences:
            item = QtWidgets.QListWidgetItem(row_text(occurrence))
            item.setData(OCCURRENCE_ROLE, occurrence.id)
            self.list.addItem(item)
            if occurrence.id == selected:
                item.setSelected(True)
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.empty.setVisible(not self._occurrences)
        self.list.setVisible(bool(self._occurrences))
        for priority, timer in self.flash_timers.items():
            if any(o.flashing and o.priority is priority for o in self._occurrences):
                if not timer.isActive():
                    timer.start()
            else:
                timer.stop()
                self._dark[priority] = False
        self._paint_rows()
        self._update_buttons()

    def rows(self) -> list[str]:
        """The text of every row, top to bottom (what the nurse reads)."""
        return [self.list.item(i).text() for i in range(self.list.count())]

    def row_colours(self, index: int) -> tuple[str, str]:
        """(background, text) of row `index` as currently painted, as #rrggbb."""
        item = self.list.item(index)
        return item.background().color().name(), item.foreground().color().name()

    def selected_id(self) -> int | None:
        items = self.list.selectedItems()
        return int(items[0].data(OCCURRENCE_ROLE)) if items else None

    def select(self, occurrence_id: int | None) -> None:
        """Select the row of `occurrence_id` (None clears the selection)."""
        self.list.clearSelection()
        for i in range(self.list.count()):
            item = self.list.item(i)
            if occurrence_id is not None and item.data(OCCURRENCE_ROLE) == occurrence_id:
                item.setSelected(True)
                self.list.setCurrentItem(item)

    # ---- painting --------------------------------------------------------------------------------

    def _paint_rows(self) -> None:
        for i, occurrence in enumerate(self._occurrences):
            background, text = COLOURS[occurrence.priority]
            # `flashing` is False for INFO and LOW by the model's rule; the check on the timer table
            # keeps a prompt steady even if that rule were ever loosened.
            if occurrence.flashing and self._dark.get(occurrence.priority, False):
                background, text = OFF_PHASE_BACKGROUND, OFF_PHASE_TEXT[occurrence.priority]
            item = self.list.item(i)
            item.setBackground(QtGui.QColor(background))
            item.setForeground(QtGui.QColor(text))

    def _update_buttons(self) -> None:
        selected = self._selected_occurrence()
        if selected is not None:
            label = "Reset" if selected.state is AlarmState.LATCHED else "Acknowledge"
        elif self._occurrences and all(o.state is AlarmState.LATCHED for o in self._occurrences):
            label = "Reset all"
        else:
            label = "Acknowledge all"
        self.ack_button.setText(f"{label} (F2)")
        self.ack_button.setEnabled(bool(self._occurrences))
        left = self._audio.paused_seconds_left
        if left:   # None or 0.0: no pause running
            self.pause_button.setText(f"Audio paused {format_duration(left, round_up=True)}")
            self.pause_button.setStyleSheet("background: #4a148c; color: #ffffff;")
        else:
            self.pause_button.setText(f"Pause audio {format_duration(self.pause_seconds)} (F3)")
            self.pause_button.setStyleSheet("")

    def _selected_occurrence(self) -> Occurrence | None:
        selected = self.selected_id()
        return next((o for o in self._occurrences if o.id == selected), None)

    # ---- handlers ------------------------------------------------------------------------------

    def _on_flash_timeout(self, priority: Priority) -> None:
        self._dark[priority] = not self._dark[priority]
        self._paint_rows()

    def _on_selection_changed(self) -> None:
        self._update_buttons()

    def _on_acknowledge_clicked(self) -> None:
        if not self._occurrences:
            return
        selected = self.selected_id()
        self.acknowledge_requested.emit(self.ALL if selected is None else selected)

    def _on_pause_clicked(self) -> None:
        self.pause_requested.emit()

    # ---- wiring to a session -------------------------------------------------------------------

    def bind(self, controller: SessionController) -> None:
        """Show `controller`'s engine alarms and send the nurse's actions to it."""
        self._controller = controller
        self.pause_seconds = controller.view.pause_seconds
        controller.changed.connect(self._on_session_changed)
        self.acknowledge_requested.connect(self._on_acknowledge_requested)
        self.pause_requested.connect(self._on_pause_requested)
        self._on_session_changed()

    def _on_session_changed(self) -> None:
        controller = self._controller
        assert controller is not None
        session = controller.view
        now = controller.clock.now()
        # A console fault the engine could not take is shown first, whatever the engine says.
        faults = [Occurrence(id=-1 - i, condition="console_fault", category=TECHNICAL,
                             priority=Priority.HIGH, current=Priority.HIGH,
                             state=AlarmState.ACTIVE, raised_at=now, message=text, value=None,
                             threshold="")
                  for i, text in enumerate(controller.fallback_faults)]
        self.set_state([*faults, *session.alarms()], session.audio(now))

    def _on_acknowledge_requested(self, occurrence_id: int) -> None:
        controller = self._controller
        assert controller is not None
        if occurrence_id == self.ALL:
            controller.acknowledge_all()
            return
        # An occurrence may clear between drawing and the click; the engine refuses, nothing to do.
        controller.acknowledge(occurrence_id)

    def _on_pause_requested(self) -> None:
        controller = self._controller
        assert controller is not None
        controller.pause_audio()
