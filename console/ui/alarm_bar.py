"""The alarm area: the patient's alarms and the equipment's in two fixed fields, their flashing
colours, acknowledge/reset and pause.

It renders a plain model, the engine's occurrences and its `AudioSignal`, through `set_state`;
what is shown where and in what order is console/session/alarm_area.py (its docstring has the
rules and their sources); it decides nothing clinical. Whether a row flashes is
`Occurrence.flashing`, whether it reads "Reset" is its LATCHED state; the engine decides both.

Look (shared/design/clinical-defaults.md, "Alarm behaviour", after IEC 60601-1-8):

- high: red, flashing at 2 Hz (the rule allows 1.4-2.8 Hz); medium: amber/yellow, flashing at
  0.5 Hz (0.4-0.8 Hz); low: cyan, steady; info prompts: pale grey-blue, never red, never flashing.
  A flashing row alternates between its full colour and a dark row in its colour, so the text stays
  readable in both phases. An acknowledged row is steady in its full colour.
- Text 16 pt bold in the rows and on the buttons: read at arm's length from the chair. A row
  too narrow for its text (1366x768) says it in short words, at 13 pt at least, before it is
  cut (`fitted_row`): the value and its limit must be read whole. The area
  has a fixed height (two rows per field): it never grows, shrinks or scrolls, so nothing around
  it moves when alarms come and go.

Keys: F2 acknowledges the selected alarm (or resets it when latched), or, with no selection or
an acknowledged row selected, the alarms shown (never one that is not on screen); an alarm that
calls the nurse (new, risen, reminded: `NewAlarmWatch`) lets go of the row selected before it.
F3 pauses audio for the engine's pause length (2:00 by default), and while a pause runs the
button counts down ("Audio paused 1:37").
"""

from __future__ import annotations

from collections.abc import Sequence

import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import format_duration
from console.session.alarm_area import (
    EQUIPMENT_ROWS,
    PHYSIOLOGICAL_ROWS,
    AlarmField,
    CompactRow,
    NewAlarmWatch,
    arrange,
    compact_row,
    row_text,
    shown_ids,
)
from console.session.alarms import (
    DEFAULT_PAUSE_SECONDS,
    AlarmState,
    AudioSignal,
    Occurrence,
)
from console.session.engine import AUDIO_UNAVAILABLE
from console.ui.controller import SessionController
from console.ui.elided_label import ElidedLabel, GivesWay, given_way
from console.ui.markup import plain_tip
from console.ui.window_front import alarm_key
from protocols.model import Priority

ROW_POINT_SIZE = 16
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
COMPACT_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1   # `compact_row`: for a narrow row
# A row too narrow for its text gets smaller, to this size at least, before it is cut: 13 pt
# bold is still the size of the tiles' captions, legible from the chair.
MIN_ROW_POINT_SIZE = 13
ROW_HEIGHT = 36   # one line of 16-pt bold text with its padding; rows never wrap or grow
# The pause button while the speaker cannot sound: no alarm is heard, whatever the rows show.
NO_SOUND = "NO SOUND: speaker lost"
NO_SOUND_STYLE = "background: #ffc400; color: #000000; border: 3px solid #000000;"


def fitted_row(font: QtGui.QFont, width: int, whole: str,
               compact: CompactRow) -> tuple[QtGui.QFont, str]:
    """The font and text a row of `width` pixels draws: the whole text at the row's size if it
    fits; else the compact one ("RR 5/min, limit ≤8"), at the row's size or smaller down to
    MIN_ROW_POINT_SIZE; else, at that size, the compact one's words give way (its detail, its
    limit's long form: `CompactRow.shorter`), then are cut at their end, and its state is said
    whole after them. The value and its limit lead the words, so they are the last to go (at
    1366x768 a respiratory rate alarm lost its limit: "*** Respiratory rate 5 breaths/min,
    lim…"), and the state is never cut (a latched systolic drew "*** Systolic 187 (+63), limit
    ≥180 or base +40 (c…", a pressure of 187 now)."""
    if QtGui.QFontMetrics(font).horizontalAdvance(whole) <= width:
        return font, whole
    text = compact.words + compact.state
    smaller = QtGui.QFont(font)
    for points in range(font.pointSize(), MIN_ROW_POINT_SIZE - 1, -1):
        smaller.setPointSize(points)
        if QtGui.QFontMetrics(smaller).horizontalAdvance(text) <= width:
            return smaller, text
    metrics = QtGui.QFontMetrics(smaller)
    line, fits = given_way((GivesWay(compact.words, compact.shorter), compact.state), width,
                            metrics)
    if not fits:   # not even the state alone: cut at the end, as any text
        line = metrics.elidedText(line, QtCore.Qt.TextElideMode.ElideRight, width)
    return smaller, line


class _RowDelegate(QtWidgets.QStyledItemDelegate):
    """Paints a row in its alarm colours; the selection is a thick white-and-black outline.

    Qt's own selection highlight would replace the row's colour (a selected red alarm must still
    look red), and a style sheet `::item` rule stops Qt painting the item's background at all
    (seen in the first screenshot), so the row is painted here. A text too long for the row is
    drawn as `fitted_row` says (the field is fixed: a row never grows); the whole text is the
    row's tooltip.
    """

    PAD = 12
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
        text_rect = rect.adjusted(self.PAD, 0, -self.PAD, 0)
        font, text = fitted_row(option.font, text_rect.width(),
                                str(index.data(QtCore.Qt.ItemDataRole.DisplayRole)),
                                index.data(COMPACT_ROLE))
        painter.setFont(font)
        painter.drawText(text_rect, int(QtCore.Qt.AlignmentFlag.AlignVCenter), text)
        painter.restore()

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem,
                 index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.QSize:
        return QtCore.QSize(max(200, option.rect.width()), ROW_HEIGHT)


HEADER_STYLE = "background:#101010;font-size:10pt;font-weight:bold;padding:0 6px;"


class AlarmFieldView(QtWidgets.QWidget):
    """One fixed field of the alarm area: a header with the count of what does not fit, and
    exactly `rows` rows (empty ones stay as dark space: the area never changes size)."""

    def __init__(self, title: str, idle_text: str, rows: int,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.idle_text = idle_text
        # Elided, never wider than its field: a header naming hidden high alarms in full had
        # widened the patient field and cut the equipment's "Audio unavailable" (seen on X).
        self.header = ElidedLabel()
        self.header.setObjectName("alarm_field_header")
        self.header.setFixedHeight(20)
        self.list = QtWidgets.QListWidget()
        row_font = self.list.font()
        row_font.setPointSize(ROW_POINT_SIZE)
        row_font.setBold(True)
        self.list.setFont(row_font)
        self.list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setStyleSheet("QListWidget { background: #101010; border: none; }")
        self.list.setItemDelegate(_RowDelegate(self.list))
        self.list.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)   # F2/F3 work from anywhere
        self.list.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setFixedHeight(rows * ROW_HEIGHT)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.list)
        self.field = AlarmField((), ())
        self.show_field(self.field, None)

    def show_field(self, field: AlarmField, selected: int | None) -> None:
        self.field = field
        more = field.more()
        hidden_high = field.hidden_high()
        if not more:
            idle = "" if field.shown else f" — {self.idle_text}"
            self.header.set_parts(f"{self.title}{idle}")
        else:
            # The count stays in sight. The hidden high alarms' words give way first, to fewer
            # and to the fewest ("SpO2 86 RR 5 HR 138 Sys 212"), then the title, and only then
            # are the names cut, at the line's end (whole on hover): six high alarms at
            # 1366x768 left a systolic of 212 counted, never read (alarm_area.py's rule).
            names = () if not hidden_high else (GivesWay(
                f" · {hidden_high}",
                (f" · {field.hidden_high_brief()}", f" · {field.hidden_high_fewest()}"),
                cut=False),)
            # Then the count in fewer letters ("+7 high"): nine highs at 1366x768 had cut "Dia
            # 12…", a MOAA/S of 1 only counted.
            count = GivesWay(more, (field.more_brief(),), rank=2, cut=False)
            self.header.set_parts(GivesWay(f"{self.title}     ", ("",), rank=1), count, *names)
        # What is hidden is said in a warm colour: the nurse should look (and press F2 again).
        self.header.setStyleSheet(("color:#ff8a80;" if more else "color:#e0e0e0;") + HEADER_STYLE)
        self.list.blockSignals(True)   # rebuilding is not the nurse changing the selection
        self.list.clear()
        for occurrence in field.shown:
            text = row_text(occurrence)
            item = QtWidgets.QListWidgetItem(text)
            item.setData(OCCURRENCE_ROLE, occurrence.id)
            item.setData(COMPACT_ROLE, compact_row(occurrence))
            # An alarm's words carry device text and names: drawn as written on hover too.
            item.setToolTip(plain_tip(f"{text}\n{occurrence.detail}" if occurrence.detail
                                      else text))
            self.list.addItem(item)
            if occurrence.id == selected:
                item.setSelected(True)
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        # Laid out now, not on the list's own timer a turn of the loop later: the rows are drawn
        # in the paint this change asks for, with the rest of the area, and the network is told
        # of an alarm after that paint (network_bridge.py; review 48: the row came 10-25 ms after
        # the rest of the area, and after the network had the alarm).
        self.list.executeDelayedItemsLayout()

    def drawn_texts(self) -> list[str]:
        """The text each row draws at the field's present width (`fitted_row`): what the nurse
        can read without the tooltip."""
        width = self.list.viewport().width() - 2 * _RowDelegate.PAD
        return [fitted_row(self.list.font(), width, item.text(), item.data(COMPACT_ROLE))[1]
                for item in map(self.list.item, range(self.list.count()))]

    def selected_id(self) -> int | None:
        items = self.list.selectedItems()
        return int(items[0].data(OCCURRENCE_ROLE)) if items else None


class AlarmBar(QtWidgets.QWidget):
    """The alarm area: the patient's alarms and the equipment's, with acknowledge and pause.

    Signals:
        acknowledge_requested: acknowledge (or reset, when latched) the occurrence with this id;
            -1 (ALL) means every alarm shown in the area (never one that is not shown).
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
        self._fields: tuple[AlarmField, AlarmField] = (AlarmField((), ()), AlarmField((), ()))
        self._audio = AudioSignal(None, None)
        self._dark: dict[Priority, bool] = {p: False for p in FLASH_HALF_PERIOD_MS}
        self._controller: SessionController | None = None
        self._calling = NewAlarmWatch()   # what calls the nurse: it lets go of a selected row
        self.patient = AlarmFieldView("Patient alarms", "none", PHYSIOLOGICAL_ROWS)
        self.equipment = AlarmFieldView("Equipment and reminders", "nothing to report",
                                        EQUIPMENT_ROWS)
        self.patient.setObjectName("patient_alarms")
        self.equipment.setObjectName("equipment_alarms")

        button_font = QtGui.QFont(self.font())
        button_font.setPointSize(BUTTON_POINT_SIZE)
        button_font.setBold(True)
        self.ack_button = QtWidgets.QPushButton()
        self.pause_button = QtWidgets.QPushButton()
        for button in (self.ack_button, self.pause_button):
            button.setFont(button_font)
            button.setFixedHeight(44)   # a touch target, and room for 16 pt text
            button.setMinimumWidth(250)
            # Never the keyboard focus: a stray Space or Return (typing meant for a dialog, a
            # hand on the keyboard) must not acknowledge every alarm or pause the audio. The
            # keys that act on alarms are F2 and F3, from anywhere in the window.
            button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        # QShortcut, not QPushButton.setShortcut: setText() resets a button's shortcut to its
        # mnemonic, and these labels change with the state.
        self.ack_shortcut = QtGui.QShortcut(QtGui.QKeySequence("F2"), self)
        self.pause_shortcut = QtGui.QShortcut(QtGui.QKeySequence("F3"), self)
        for shortcut in (self.ack_shortcut, self.pause_shortcut):
            shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        self.dialog_keys = DialogAlarmKeys(self)

        self.flash_timers: dict[Priority, QtCore.QTimer] = {}
        for priority, half_period in FLASH_HALF_PERIOD_MS.items():
            timer = QtCore.QTimer(self)
            timer.setInterval(half_period)
            timer.timeout.connect(lambda p=priority: self._on_flash_timeout(p))
            self.flash_timers[priority] = timer

        buttons = QtWidgets.QVBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.pause_button)
        buttons.addStretch(1)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        # Equal halves: a technical message ("Audio unavailable: visual only") must be read whole
        # as much as a patient's (it was cut at 1366x768 in a two-fifths field).
        layout.addWidget(self.patient, 1)
        layout.addWidget(self.equipment, 1)
        layout.addLayout(buttons)
        self.setFixedHeight(self.patient.header.height() + PHYSIOLOGICAL_ROWS * ROW_HEIGHT)

        self.ack_button.clicked.connect(self._on_acknowledge_clicked)
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.ack_shortcut.activated.connect(self._on_acknowledge_clicked)
        self.pause_shortcut.activated.connect(self._on_pause_clicked)
        self.patient.list.itemSelectionChanged.connect(
            lambda: self._on_selection_changed(self.patient, self.equipment))
        self.equipment.list.itemSelectionChanged.connect(
            lambda: self._on_selection_changed(self.equipment, self.patient))
        self.set_state([], AudioSignal(None, None))

    # ---- the model -----------------------------------------------------------------------------

    def set_state(self, occurrences: Sequence[Occurrence], audio: AudioSignal) -> None:
        """Show `occurrences` in the two fields (alarm_area.py decides what and in what order)."""
        selected = self.selected_id()
        # A row chosen before an alarm that calls now (new, risen, reminded: what brings the
        # window forward) is not what the next F2 is for: kept, F2 went to that row (a prompt, or
        # one already acknowledged, clicked to be read) and a high SpO2 raised since sounded on
        # (a review). With no selection F2 reaches every row shown, the new alarm's too.
        if self._calling.update(occurrences):
            selected = None
        self._occurrences = list(occurrences)
        self._audio = audio
        self._fields = arrange(self._occurrences)
        self.patient.show_field(self._fields[0], selected)
        self.equipment.show_field(self._fields[1], selected)
        shown = [o for f in self._fields for o in f.shown]
        for priority, timer in self.flash_timers.items():
            if any(o.flashing and o.priority is priority for o in shown):
                if not timer.isActive():
                    timer.start()
            else:
                timer.stop()
                self._dark[priority] = False
        self._paint_rows()
        self._update_buttons()

    def rows(self) -> list[str]:
        """The text of every row shown, patient field first, top to bottom (what the nurse reads)."""
        return [view.list.item(i).text() for view in (self.patient, self.equipment)
                for i in range(view.list.count())]

    def more(self) -> tuple[str, str]:
        """The "+N more" text of the (patient, equipment) fields ("" when all fit)."""
        return self._fields[0].more(), self._fields[1].more()

    def _item(self, index: int) -> QtWidgets.QListWidgetItem:
        first = self.patient.list.count()
        if index < first:
            return self.patient.list.item(index)
        return self.equipment.list.item(index - first)

    def row_colours(self, index: int) -> tuple[str, str]:
        """(background, text) of shown row `index` (as `rows()` counts) as painted, as #rrggbb."""
        item = self._item(index)
        return item.background().color().name(), item.foreground().color().name()

    def selected_id(self) -> int | None:
        patient = self.patient.selected_id()
        return patient if patient is not None else self.equipment.selected_id()

    def select(self, occurrence_id: int | None) -> None:
        """Select the shown row of `occurrence_id` (None clears the selection)."""
        for view in (self.patient, self.equipment):
            view.list.clearSelection()
            for i in range(view.list.count()):
                item = view.list.item(i)
                if occurrence_id is not None and item.data(OCCURRENCE_ROLE) == occurrence_id:
                    item.setSelected(True)
                    view.list.setCurrentItem(item)

    def shown_ids(self) -> list[int]:
        return shown_ids(self._fields)

    # ---- painting --------------------------------------------------------------------------------

    def _paint_rows(self) -> None:
        for view, field in ((self.patient, self._fields[0]), (self.equipment, self._fields[1])):
            for i, occurrence in enumerate(field.shown):
                background, text = COLOURS[occurrence.priority]
                # `flashing` is False for INFO and LOW by the model's rule; the check on the timer
                # table keeps a prompt steady even if that rule were ever loosened.
                if occurrence.flashing and self._dark.get(occurrence.priority, False):
                    background, text = OFF_PHASE_BACKGROUND, OFF_PHASE_TEXT[occurrence.priority]
                item = view.list.item(i)
                item.setBackground(QtGui.QColor(background))
                item.setForeground(QtGui.QColor(text))

    def _update_buttons(self) -> None:
        selected = self._f2_target()
        shown = [o for f in self._fields for o in f.shown]
        hidden = any(f.hidden for f in self._fields)
        if selected is not None:
            label = "Reset" if selected.state is AlarmState.LATCHED else "Acknowledge"
        else:
            # Says each action F2 takes on the rows shown: acknowledging and resetting are two
            # operator actions in IEC 60601-1-8, and "Acknowledge all" also reset latched rows
            # (the alarm audit). "Ack" when both: the longer label would take the alarm rows'
            # width at 1366x768.
            states = {o.state for o in shown}
            if AlarmState.LATCHED not in states:
                label = "Acknowledge"
            else:
                label = "Ack + reset" if AlarmState.ACTIVE in states else "Reset"
            label += " shown" if hidden else " all"
        self.ack_button.setText(f"{label} (F2)")
        self.ack_button.setEnabled(bool(shown))
        left = self._audio.paused_seconds_left
        if any(o.condition == AUDIO_UNAVAILABLE for o in self._occurrences):
            # The alarm signal's state is said where the pause is, whatever the rows show: the
            # speaker's LOW row fell under two medium equipment rows, out of sight, while a high
            # alarm was "sounding" that no one could hear (the alarm audit; IEC 60601-1-8: the
            # state of the audio signal is shown whenever it is off).
            self.pause_button.setText(NO_SOUND)
            self.pause_button.setStyleSheet(NO_SOUND_STYLE)
        elif left:   # None or 0.0: no pause running
            self.pause_button.setText(f"Audio paused {format_duration(left, round_up=True)}")
            self.pause_button.setStyleSheet("background: #4a148c; color: #ffffff;")
        else:
            self.pause_button.setText(f"Pause audio {format_duration(self.pause_seconds)} (F3)")
            self.pause_button.setStyleSheet("")

    def _f2_target(self) -> Occurrence | None:
        """The selected occurrence F2 acts on, or None: F2 then acts on every row shown. A row
        already acknowledged leaves F2 nothing to do (the engine ignores it): selected to be
        read, it took the F2 meant for an alarm sounding beside it, the button reading
        "Acknowledge (F2)" (a review)."""
        selected = self.selected_id()
        occurrence = next((o for o in self._occurrences if o.id == selected), None)
        if occurrence is None or occurrence.state is AlarmState.ACKNOWLEDGED:
            return None
        return occurrence

    # ---- handlers ------------------------------------------------------------------------------

    def _on_flash_timeout(self, priority: Priority) -> None:
        self._dark[priority] = not self._dark[priority]
        self._paint_rows()

    def _on_selection_changed(self, view: AlarmFieldView, other: AlarmFieldView) -> None:
        if view.selected_id() is not None:
            other.list.blockSignals(True)
            other.list.clearSelection()
            other.list.blockSignals(False)
        self._update_buttons()

    def _on_acknowledge_clicked(self) -> None:
        if not self.shown_ids():
            return
        target = self._f2_target()
        self.acknowledge_requested.emit(self.ALL if target is None else target.id)
        if target is not None:
            # The selection was for this one action: kept, the next F2 went to the row just
            # acknowledged again (nothing to do) and never reached a new alarm sounding beside it.
            self.select(None)

    def _on_pause_clicked(self) -> None:
        self.pause_requested.emit()

    # ---- wiring to a session -------------------------------------------------------------------

    def bind(self, controller: SessionController) -> None:
        """Show `controller`'s engine alarms and send the nurse's actions to it."""
        self._controller = controller
        self._calling = NewAlarmWatch()   # occurrence ids are this session's own
        self.pause_seconds = controller.view.pause_seconds
        controller.changed.connect(self._on_session_changed)
        self.acknowledge_requested.connect(self._on_acknowledge_requested)
        self.pause_requested.connect(self._on_pause_requested)
        self._on_session_changed()

    def _on_session_changed(self) -> None:
        controller = self._controller
        assert controller is not None
        now = controller.clock.now()
        # A console fault the engine could not take is shown first, whatever the engine says
        # (`SessionController.fallback_alarms`: ids -2, -3, ..., never ALL), and sounds, or is
        # paused or acknowledged, as the controller says (`SessionController.audio`).
        self.set_state(controller.alarms(now), controller.audio(now))
        # An ended session has nothing to acknowledge or pause but what still sounds: a console
        # fault after the discharge (the controller's, not in the closed record), or the log
        # alarm of a discharge the log has not taken yet (the engine's, silenced in memory).
        self.setEnabled(not controller.view.discharged or bool(self._occurrences))

    def _on_acknowledge_requested(self, occurrence_id: int) -> None:
        controller = self._controller
        assert controller is not None
        if occurrence_id == self.ALL:
            controller.acknowledge_shown(self.shown_ids())
            return
        # An occurrence may clear between drawing and the click; the engine refuses, nothing to do.
        controller.acknowledge(occurrence_id)

    def _on_pause_requested(self) -> None:
        controller = self._controller
        assert controller is not None
        controller.pause_audio()


class DialogAlarmKeys(QtCore.QObject):
    """F2 and F3 pressed in a dialog the alarm bar's window opened (a signature's PIN, a
    question about a value), as the bar's own keys. A window's shortcuts stop at a modal dialog:
    a high alarm raised while the nurse typed her PIN could not be acknowledged nor its audio
    paused until she cancelled the signature (review 45). Acknowledging never waits for
    anything else on screen (IEC 60601-1-8 6.3.3.3: the operator can act on an alarm signal at
    the operator's position; the dialogs are placed below the alarm rows, which stay in sight).

    The filter sits on the widget with the keyboard focus, moved with it, and only while that
    widget is in such a dialog: no cost to the rest of the window's events."""

    def __init__(self, bar: AlarmBar) -> None:
        super().__init__(bar)
        self._bar = bar
        self._watched: QtWidgets.QWidget | None = None
        app = QtWidgets.QApplication.instance()
        if isinstance(app, QtWidgets.QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    def _on_focus_changed(self, _old: QtWidgets.QWidget | None,
                          new: QtWidgets.QWidget | None) -> None:
        watched, self._watched = self._watched, None
        # The widget may be gone with its dialog (closed and deleted while it had the focus).
        if watched is not None and shiboken6.isValid(watched):
            watched.removeEventFilter(self)
        if new is not None and self._opened_by_bar_window(new):
            new.installEventFilter(self)
            self._watched = new

    def _opened_by_bar_window(self, widget: QtWidgets.QWidget) -> bool:
        """`widget` is in a window (a dialog) whose parent, or parent's parent..., is in the
        bar's window: not in that window itself, where the bar's shortcuts act."""
        home = self._bar.window()
        window = widget.window()
        if window is home:
            return False
        parent = window.parentWidget()
        while parent is not None:
            if parent.window() is home:
                return True
            parent = parent.window().parentWidget()
        return False

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if (event.type() != QtCore.QEvent.Type.KeyPress or not alarm_key(event)
                or event.isAutoRepeat()):
            return False
        if event.key() == QtCore.Qt.Key.Key_F2:
            self._bar.ack_shortcut.activated.emit()
        else:   # F3
            self._bar.pause_shortcut.activated.emit()
        return True
