"""The current phase's checklist, the move to the next phase, and discharge.

Moving on with something open, or discharging against the gate, asks for a reason (through the
injected `Asker`), which the engine logs; a refusal shows the engine's reasons as they are. A
discharge that no signature confirms is asked once more ("Discharge MRN and end the session?",
"Not yet" the default; against the gate, after the reason, naming what stays open): it closes
the record, and a click or a stray key on a focused button must not do that alone. What the entry
form holds typed and not recorded ("BP 132/84") is named in that question, and asked about where
a signature alone would have confirmed the discharge: the ended record cannot take it, and a Yes
had dropped it unnamed (the form said so only after: a review). The T0 question names it too:
recorded after T0, a value measured before the dose counts as one after it.

Nothing is asked of a nurse the station no longer accepts: before any question (T0's, a lot
number, an override's reason) the controller is asked whether the act is refused now (locked, or
her account disabled or without the nurse role: the station then locks), and its sentence is
shown instead. A refusal by the lock or the account is reported, never offered as a gate to
override ("A prescriber may override" was asked on a station that had just locked).

Built to stay put (issue 11 item 11: 4 of 18 wrapped items were visible at 1366x768, each tick
rebuilt the list and sent the keyboard back to the top, so six quick Down+Space pairs ticked one
item, and a refusal's red text squeezed the list to one row and was itself clipped):

- Rows are updated in place from the session (check state, who ticked and when, whether it can
  still be ticked); they are rebuilt only when the phase changes. The current row, the scroll
  position and the keyboard focus survive every refresh, tick and `changed`.
- A row is one line when its text fits and two at most, the second elided; the chosen row shows
  whole, and a click on a cut row's box opens it rather than ticking it (read before you tick);
  the full text, whether it is required and who ticked it when are on hover. "Required" is a
  dot (blue: red is for alarms), not 11 characters of text; a ticked row is greyed, so what is
  left stands out.
- Messages (refusals) go into a box of fixed height under the list (two lines, elided, the full
  text on hover, and in full in the question that follows a refusal): the list never shrinks.
- The question that follows a refusal lists the open items once under one heading, at most
  `LISTED_ITEMS` of them (the rest are the unticked rows), and its text wraps within the session
  window: at 1366x768 "Required item open: " before each of 17 items made lines of 1,120 px,
  and the dialog (two thirds of the screen at most) cut them ("pulse oximeter, BP cuff").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import Moment
from console.session import device_rest
from console.session.engine import (
    EARLY_DEVICE,
    EXTRA_DEVICE,
    GATE_APPROVAL,
    PRESCRIBER_REVIEW,
    REQUIRED_OPEN,
    Latest,
    Tick,
)
from console.session.lock import ChairAction
from console.ui.dialog_place import place_below_alarms
from console.ui.markup import plain_tip
from console.ui import theme
from console.ui.controller import SessionController
from console.ui.entry_panel import (
    DIALOG_STYLE,
    ERROR_COLOUR,
    UNSAVED_LOST,
    ElidedLabel,
    question_box,
)
from protocols.model import ChecklistItem, DoseMode, PhaseKind, pre_dose_phases
from protocols.vitals import metric

ROW_LINES = 2          # a row wraps to two lines at most, then elides
ITEM_ID_ROLE = QtCore.Qt.ItemDataRole.UserRole
REQUIRED_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
WHOLE_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2   # a row always shown whole (a condition)
# Names of theme colours (console/ui/theme.py). The required mark is not red: a red dot is an
# alarm's colour.
REQUIRED_COLOUR = "required_mark"
TICKED_COLOUR = "muted_text"
ANSWERED_NO_COLOUR = "warn_text"   # a yes-or-no item answered no: open, and not an alarm
MARK_SIZE = 10
LEGEND = "● required · greyed: ticked · a cut row shows whole when chosen"
CONDITIONS_HEADING = "This phase goes on while:"   # its name is long (esketamine's) and above
NOTHING_HOLDS = "Nothing holds this phase now: Next phase moves on."
OPENED_UNTICKED = "Not ticked yet: the item is shown whole; read it, then tick its box."
LISTED_ITEMS = 8       # open items a refusal's question names; the checklist shows the rest
DIALOG_MARGIN_PX = 24  # a reason dialog keeps this much of the session window on each side
PRESCRIBER_APPROVES = "Prescriber approves dosing"   # the gate's button: an approval, not any words
GIVEN_EARLY = "Record given now"   # a device ticked before its rest ended: it was given
NEXT_LABEL = "Next phase"
REFRESH_MS = 1000      # a refusal's question is said again this often while it is open
# After the typing a question names (`UNSAVED_LOST`), as "Restart and resume" says it.
RECORD_IT_FIRST = "To record it, choose “Not yet” and press Return in the form first."


def refusal_text(heading: str, reasons: list[str], question: str) -> str:
    """A refusal's question: its reasons as bullets, the open items under one heading."""
    items = [r[len(REQUIRED_OPEN):] for r in reasons if r.startswith(REQUIRED_OPEN)]
    lines = [heading] + [f"• {r}" for r in reasons if not r.startswith(REQUIRED_OPEN)]
    if items:
        lines.append(f"• Required item{'s' if len(items) > 1 else ''} open:")
        lines += [f"    – {item}" for item in items[:LISTED_ITEMS]]
        if len(items) > LISTED_ITEMS:
            lines.append(f"    and {len(items) - LISTED_ITEMS} more, unticked in the checklist")
    return "\n".join(lines) + "\n\n" + question


def not_approved_words(gate: Sequence[tuple[str, float]],
                       latest: Callable[[str], Latest | None]) -> str:
    """The line under the checklist when the prescriber does not approve dosing over the gate
    `gate` ((vital, limit), as a gate item holds it): its values and its limits as the gate's
    question gives them, "Not ticked: BP 152/96 (gate ≥141/≥91) not approved.". Two lines of
    the panel at 1366x768 hold about 50 characters: the question's own words were cut there
    before they said the item stayed unticked."""
    values = []
    for name, _limit in gate:
        now = latest(name)
        values.append("—" if now is None else metric(name).format(now.reading.value))
    limits = [f"≥{limit:g}" for _, limit in gate]
    if tuple(name for name, _ in gate) == ("bp_systolic", "bp_diastolic"):
        said = f"BP {'/'.join(values)} (gate {'/'.join(limits)})"
    else:
        said = ", ".join(f"{metric(name).short_label} {value} (gate {limit})"
                         for (name, _), value, limit in zip(gate, values, limits, strict=True))
    return f"Not ticked: {said} not approved."


class Asker(Protocol):
    """Asks the nurse for a line of text (a reason, a prescriber decision); '' means cancelled.
    `agree` asks her to confirm an action that cannot be undone; False means not now.
    `refresh`, when given, says the question again as it stands now (a countdown in it)."""

    def ask(self, title: str, message: str, action: str = "Record",
            refresh: Callable[[], str] | None = None) -> str: ...

    def agree(self, title: str, message: str, action: str,
              refresh: Callable[[], str] | None = None) -> bool: ...


class DialogAsker:
    """Asks in a titled dialog with readable text."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent

    def build(self, title: str, message: str, action: str = "Record",
              refresh: Callable[[], str] | None = None) -> QtWidgets.QInputDialog:
        """The dialog (not shown: `ask` runs it); `action` names its OK button; `refresh` is
        asked for its text again every second while it is open."""
        dialog = QtWidgets.QInputDialog(self.parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(message)
        dialog.setInputMode(QtWidgets.QInputDialog.InputMode.TextInput)
        dialog.setOkButtonText(action)
        dialog.setStyleSheet(DIALOG_STYLE)
        label = dialog.findChild(QtWidgets.QLabel)
        if label is not None:
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # names and notes as written
            # As wide as its longest line, within the session window; a longer line wraps.
            label.setWordWrap(True)
            label.ensurePolished()
            widest = max(label.fontMetrics().horizontalAdvance(line) for line in message.splitlines() or [""])
            room = self.parent.window().width() - 2 * DIALOG_MARGIN_PX - 40   # the dialog's own margins
            label.setMinimumWidth(max(1, min(widest + 4, room)))
        if refresh is not None:
            # A countdown in the question stays true while the nurse types: "Observation must
            # last 28:42" stood in a dialog while the panel behind it said 25:16 (a walk on X).
            _say_again(dialog, dialog.setLabelText, refresh)
        return dialog

    def ask(self, title: str, message: str, action: str = "Record",
            refresh: Callable[[], str] | None = None) -> str:
        dialog = self.build(title, message, action, refresh)
        place_below_alarms(dialog, self.parent)   # the alarm rows stay in sight while typing
        answered = dialog.exec()
        text = dialog.textValue().strip()
        # Gone with its answer: kept, hidden, its refresh went on recomputing the gate of the
        # session it was asked in every second, for the life of the process (a review).
        dialog.deleteLater()
        return text if answered == QtWidgets.QDialog.DialogCode.Accepted else ""

    def build_agree(self, title: str, message: str, action: str,
                    refresh: Callable[[], str] | None = None,
                    ) -> tuple[QtWidgets.QMessageBox, QtWidgets.QPushButton]:
        """The question and its `action` button (not shown: `agree` runs it); "Not yet" is the
        default answer; `refresh` as `build`'s."""
        box, yes = question_box(self.parent, title, message, action, "Not yet")
        if refresh is not None:
            # "Discharge anyway … although: SpO2 91 %" stood while the row said 89 (a walk on X).
            _say_again(box, box.setText, refresh)
        return box, yes

    def agree(self, title: str, message: str, action: str,
              refresh: Callable[[], str] | None = None) -> bool:
        box, yes = self.build_agree(title, message, action, refresh)
        place_below_alarms(box, self.parent)
        box.exec()
        agreed = box.clickedButton() is yes
        box.deleteLater()   # as `ask`'s
        return agreed


def _say_again(dialog: QtWidgets.QDialog, set_text: Callable[[str], None],
               refresh: Callable[[], str]) -> None:
    """Ask `refresh` for the dialog's text every REFRESH_MS while it is open (answered, never
    again, whoever answered it and whether or not the dialog is deleted)."""
    timer = QtCore.QTimer(dialog)
    timer.timeout.connect(lambda: set_text(refresh()))
    dialog.finished.connect(timer.stop)
    timer.start(REFRESH_MS)


def _look(item: ChecklistItem, tick: Tick | None) -> tuple[QtCore.Qt.CheckState, str | None]:
    """How an item's row is drawn: its box, and its text's colour (None: the palette's). A
    yes-or-no item answered no is neither a tick nor open-looking: its box half-checked, its
    text in the warning colour (it was checked and greyed as done while it held the gate)."""
    if tick is None:
        return QtCore.Qt.CheckState.Unchecked, None
    if item.answered_no(tick.note):
        return QtCore.Qt.CheckState.PartiallyChecked, ANSWERED_NO_COLOUR
    return QtCore.Qt.CheckState.Checked, TICKED_COLOUR


def _mark(colour: str | None) -> QtGui.QIcon:
    """The required mark (a dot), or an empty one of the same size so texts line up."""
    pixmap = QtGui.QPixmap(MARK_SIZE, MARK_SIZE)
    pixmap.fill(QtCore.Qt.GlobalColor.transparent)
    if colour is not None:
        painter = QtGui.QPainter(pixmap)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QColor(theme.colour(colour)))
        painter.drawEllipse(1, 1, MARK_SIZE - 2, MARK_SIZE - 2)
        painter.end()
    return QtGui.QIcon(pixmap)


class _ChecklistList(QtWidgets.QListWidget):
    """The checklist's rows, knowing which one is open (shown whole) and which one was open
    when a mouse button went down: a press may choose a row, and the 0-ms turn that opens it
    may come before the release (a real mouse on X), so "open" at the release says nothing of
    what the nurse saw when she clicked."""

    def __init__(self) -> None:
        super().__init__()
        self.open_row = -1
        self.open_at_press = -1

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:  # noqa: N802 - Qt's name
        self.open_at_press = self.open_row
        super().mousePressEvent(event)


class _RowDelegate(QtWidgets.QStyledItemDelegate):
    """Rows as tall as their wrapped text, up to `ROW_LINES` lines (Qt elides the last one);
    the open row (the chosen one, once laid out) shows whole, however many lines it takes.

    Read before you tick: a click on the box of a row cut at `ROW_LINES` lines that was not open
    when the button went down opens it whole and does not tick it; the next click does. At
    1366x768 "Contraindication screen: no psychosis or ..." could be ticked with its
    contraindication unread (a nurse walk on X); a tick is a logged statement that the whole
    item was checked."""

    opened_by_click = QtCore.Signal()   # a click on a cut row's box opened it, unticked

    def __init__(self, view: _ChecklistList) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QtWidgets.QStyleOptionViewItem,
                 index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> QtCore.QSize:
        full = super().sizeHint(option, index)
        if index.row() == self._view.open_row or index.data(WHOLE_ROLE):
            return full
        return QtCore.QSize(full.width(), min(full.height(), self._tallest(option, index)))

    def editorEvent(self, event: QtCore.QEvent, model: QtCore.QAbstractItemModel,  # noqa: N802
                    option: QtWidgets.QStyleOptionViewItem,
                    index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> bool:
        if (event.type() == QtCore.QEvent.Type.MouseButtonRelease
                and index.row() != self._view.open_at_press and self._cut(option, index)):
            self._view.setCurrentIndex(index)   # opens it: read first, ticked by the next click
            self.opened_by_click.emit()
            return True
        return super().editorEvent(event, model, option, index)

    def _cut(self, option: QtWidgets.QStyleOptionViewItem,
             index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> bool:
        """Whether the row's whole text needs more than `ROW_LINES` lines (whether it is drawn
        open now or not)."""
        return super().sizeHint(option, index).height() > self._tallest(option, index)

    def _tallest(self, option: QtWidgets.QStyleOptionViewItem,
                 index: QtCore.QModelIndex | QtCore.QPersistentModelIndex) -> int:
        """The height the style gives this row with `ROW_LINES` lines of text."""
        lines = QtWidgets.QStyleOptionViewItem(option)
        self.initStyleOption(lines, index)
        lines.text = "\u2028".join(["X"] * ROW_LINES)   # a line separator: ROW_LINES lines
        widget = lines.widget
        style = widget.style() if widget is not None else QtWidgets.QApplication.style()
        return style.sizeFromContents(QtWidgets.QStyle.ContentsType.CT_ItemViewItem, lines,
                                      QtCore.QSize(), widget).height()


class ChecklistPanel(QtWidgets.QGroupBox):
    """Checklist of the current phase with the next-phase and discharge actions."""

    def __init__(self, controller: SessionController, asker: Asker,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("", parent)
        self.controller = controller
        self.asker = asker
        # What the entry form holds typed and not recorded, in words ("BP 132/84"): set by the
        # window that holds both (`EntryPanel.unsaved_words`); nothing without a form.
        self.typed_unrecorded: Callable[[], list[str]] = lambda: []
        self.setStyleSheet("QWidget {font-size:13pt;}")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        self.items = _ChecklistList()
        self.items.setObjectName("checklist_items")
        self.items.setStyleSheet("QListWidget {font-size:12pt;} QListWidget::item {padding:0;}")
        self.items.setWordWrap(True)   # only when the text needs it; two lines at most
        self.items.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
        self.items.setUniformItemSizes(False)
        self.items.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.items.setIconSize(QtCore.QSize(MARK_SIZE, MARK_SIZE))
        self.rows = _RowDelegate(self.items)
        self.items.setItemDelegate(self.rows)
        self.rows.opened_by_click.connect(self._on_opened_by_click)
        self.items.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.items.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.items.itemChanged.connect(self._on_item_changed)
        self.items.currentRowChanged.connect(self._on_current_row_changed)
        self._show_open_row = QtCore.QTimer(self)   # the chosen row opened, in sight
        self._show_open_row.setSingleShot(True)
        self._show_open_row.setInterval(0)
        self._show_open_row.timeout.connect(self._lay_out_open_row)
        layout.addWidget(self.items, 1)
        self.message = ElidedLabel(lines=2)
        self.message.setObjectName("checklist_message")
        self.message.setStyleSheet("font-size:12pt;")
        layout.addWidget(self.message)
        buttons = QtWidgets.QHBoxLayout()
        self.next_button = QtWidgets.QPushButton(NEXT_LABEL)
        self.next_button.setObjectName("next_phase")
        self.next_button.clicked.connect(self._on_next_clicked)
        self.discharge_button = QtWidgets.QPushButton("Discharge")
        self.discharge_button.setObjectName("discharge")
        self.discharge_button.clicked.connect(self._on_discharge_clicked)
        # Return on the focused button presses it as Space does: LiveWindow makes its buttons
        # auto-default.
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.discharge_button)
        layout.addLayout(buttons)
        self._marks = {True: _mark(REQUIRED_COLOUR), False: _mark(None)}
        self._phase_id: str | None = None
        self._filling = False
        self._report(True, "")
        controller.changed.connect(self._on_session_changed)
        controller.lock_changed.connect(self._on_lock_changed)
        theme.signals().changed.connect(self._on_theme_changed)
        self.refresh()

    # ---- drawing from the session -------------------------------------------------------------

    @QtCore.Slot()
    def _on_session_changed(self) -> None:
        self.refresh()

    def _on_theme_changed(self, _theme: theme.Theme) -> None:
        """The marks and the greyed rows in the new theme's colours (rows stay where they are)."""
        self._marks = {True: _mark(REQUIRED_COLOUR), False: _mark(None)}
        ticks = self.controller.view.ticks()
        items = {i.id: i for i in self.controller.view.phase.checklist}
        for row in range(self.items.count()):
            widget = self.items.item(row)
            widget.setIcon(self._marks[bool(widget.data(REQUIRED_ROLE))])
            item = items.get(str(widget.data(ITEM_ID_ROLE)))
            if item is not None:
                self._paint(widget, _look(item, ticks.get(item.id))[1])

    @staticmethod
    def _paint(widget: QtWidgets.QListWidgetItem, colour: str | None) -> None:
        # Unticked rows take the palette's text colour as drawn (no brush kept).
        widget.setData(QtCore.Qt.ItemDataRole.ForegroundRole,
                       QtGui.QBrush(QtGui.QColor(theme.colour(colour))) if colour else None)

    def refresh(self) -> None:
        """Bring the rows up to date in place (the list is rebuilt only for a new phase)."""
        view = self.controller.view
        phase = view.phase
        self._filling = True
        try:
            if phase.id != self._phase_id:
                self._build_rows()
                self._report(True, "")   # what was said belonged to the phase before
            elif self.message.outlived(self.controller.clock.now().mono):
                self._report(True, "")
            if not phase.checklist:
                self._show_conditions()
            ticks = view.ticks()
            ended = view.discharged
            now = self.controller.clock.now()
            ticked_at = {i: Moment(t.mono, t.at) for i, t in ticks.items()}
            for row, item in enumerate(phase.checklist):
                widget = self.items.item(row)
                tick = ticks.get(item.id)
                rest = None if ended else device_rest.rest_before(view.protocol, view.details,
                                                                  ticked_at, item.id)
                text = (device_rest.countdown(rest, now) if rest else "") + item.text
                if widget.text() != text:   # the next device counts its rest down
                    widget.setText(text)
                state, colour = _look(item, tick)
                if widget.checkState() != state:
                    widget.setCheckState(state)
                flags = QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable
                # A tick is a logged event: not undone from here. A "no" is answered again.
                if state != QtCore.Qt.CheckState.Checked and not ended:
                    flags |= QtCore.Qt.ItemFlag.ItemIsUserCheckable
                if widget.flags() != flags:
                    widget.setFlags(flags)
                kind = "Required" if item.required else "Optional"
                if tick is not None and item.answered_no(tick.note):
                    status = (f"Answered {tick.note} by {tick.actor} at "
                              f"{tick.at.astimezone().strftime('%H:%M')}: {item.if_no}; open"
                              + ("" if ended else " (Space or a click answers it again)"))
                elif tick is not None:
                    status = f"Ticked by {tick.actor} at {tick.at.astimezone().strftime('%H:%M')}"
                    if tick.note:
                        status += f" ({tick.note})"
                else:
                    status = "Not ticked yet" + ("" if ended else " (Space or a click ticks it)")
                tip = f"{item.text}\n{kind}. {status}."
                tip = plain_tip(tip)   # "Ticked by <name> (<note>)" as written
                if widget.toolTip() != tip:
                    widget.setToolTip(tip)
                    self._paint(widget, colour)
        finally:
            self._filling = False
        last = phase.kind is PhaseKind.DISCHARGE
        self.next_button.setEnabled(not last and not view.discharged)
        self.discharge_button.setEnabled(last and not view.discharged)

    def _show_conditions(self) -> None:
        """A phase with no checklist (Observation) lists what holds it, as it stands now: it
        was said only when Next phase was refused (a nurse walk on X), and the list stood
        empty all the while."""
        view = self.controller.view
        if view.discharged:
            texts = []
        else:
            holding = [b for b in view.phase_blockers(self.controller.clock.now())
                       if not b.startswith(REQUIRED_OPEN)]
            texts = ([CONDITIONS_HEADING] + [f"• {b}" for b in holding] if holding
                     else [NOTHING_HOLDS])
        while self.items.count() > len(texts):
            self.items.takeItem(self.items.count() - 1)
        for row, text in enumerate(texts):
            if row == self.items.count():
                item = QtWidgets.QListWidgetItem(text)
                item.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled)   # read, not ticked
                item.setData(WHOLE_ROLE, True)   # few, and nothing to choose: each whole
                item.setToolTip(plain_tip(text))
                self.items.addItem(item)
            elif self.items.item(row).text() != text:
                self.items.item(row).setText(text)
                self.items.item(row).setToolTip(plain_tip(text))

    def _build_rows(self) -> None:
        phase = self.controller.view.phase
        self._phase_id = phase.id
        # No title: the tab says "Checklist" and the timer line names the phase; the row it
        # took is worth most of a checklist item at 1366x768.
        self.setToolTip(plain_tip(f"Checklist — {phase.name}"))   # the protocol file's words
        self.items.clear()
        for item in phase.checklist:
            row = QtWidgets.QListWidgetItem(self._marks[item.required], item.text)
            row.setData(ITEM_ID_ROLE, item.id)
            row.setData(REQUIRED_ROLE, item.required)
            row.setCheckState(QtCore.Qt.CheckState.Unchecked)
            self.items.addItem(row)
        if self.items.count():
            self.items.setCurrentRow(0, QtCore.QItemSelectionModel.SelectionFlag.NoUpdate)

    def _on_current_row_changed(self, row: int) -> None:
        """The chosen row opens whole (and the one left closes), in sight. No row (-1): the
        list is being emptied, for a new phase or as it is destroyed; nothing to lay out."""
        if row < 0:
            return
        # Opened and laid out on the next turn of the event loop: a row grown now, inside the
        # view's own key or mouse handling, pulls the rows from under it (the selection went to
        # the row below the one Space ticks: a nurse walk on X; a crash of the UI suite once).
        self._show_open_row.start()

    def _on_opened_by_click(self) -> None:
        self._report(True, OPENED_UNTICKED)

    def opening(self) -> bool:
        """Whether the chosen row waits for its turn to be laid out whole."""
        return self._show_open_row.isActive()

    def _lay_out_open_row(self) -> None:
        row = self.items.currentRow()
        self.items.open_row = row
        self.items.doItemsLayout()
        if row >= 0:
            self.items.scrollToItem(self.items.item(row))

    def fully_visible_rows(self) -> list[int]:
        """The rows whose whole height is inside the list's viewport now."""
        height = self.items.viewport().height()
        return [row for row in range(self.items.count())
                if (rect := self.items.visualItemRect(self.items.item(row))).top() >= 0
                and rect.bottom() < height]

    # ---- the nurse's actions -------------------------------------------------------------------

    def _on_item_changed(self, row: QtWidgets.QListWidgetItem) -> None:
        if self._filling or row.checkState() != QtCore.Qt.CheckState.Checked:
            return
        item_id = str(row.data(ITEM_ID_ROLE))
        item = next((i for i in self.controller.view.phase.checklist if i.id == item_id), None)
        refused = self.controller.refusal(ChairAction.TICK)   # before its question
        if refused is not None:
            self._report(False, f"Not ticked: {refused}")
            self.refresh()   # unticked again, in place
            return
        device = device_rest.device_name(item_id)
        first_device = (device_rest.device_number(item_id) is not None and not any(
            device_rest.device_number(ticked) is not None
            for ticked in self.controller.view.ticks()))
        later = self._typed_counts_after(device) if first_device else ""
        # The first device is the dose: a BP typed and recorded after its tick counted as a
        # value after the dose, and the label's 140/90 gate, which it passes once more, asked no
        # prescriber (an esketamine review). Asked as T0's question asks it. Not of a later
        # device: every value already counts after the dose, and "Not yet" had left a device
        # given unticked (a review).
        if later and not self.asker.agree(f"Tick {device}", f"Tick {device} now?{later}",
                                          f"Tick {device}"):
            self._report(False, f"Not ticked: {', '.join(self.typed_unrecorded())} typed and not "
                                f"recorded; press Return in the form, then tick {device}.")
            self.refresh()   # unticked again, in place
            return
        note = ""
        if item is not None and item.asks:   # the lot number of a device, as REMS asks
            note = self.asker.ask(item.asks, f"{item.text}\n\n{item.asks}:", action="Record")
            if not note.strip():
                self._report(False, f"Not ticked: {item.asks.lower()} needed for "
                                    f"{item.text!r}.")
                self.refresh()   # unticked again, in place
                return
        outcome = self.controller.tick_item(item_id, note=note)
        extra_reason = ""
        if not outcome.done and outcome.asks == EXTRA_DEVICE:   # beyond the session's dose
            extra_reason = self.asker.ask(EXTRA_DEVICE, f"{outcome.message}\n\nWhy it was "
                                          "given:", action="Record it given")
            if extra_reason.strip():
                outcome = self.controller.tick_item(item_id, note=note, extra_reason=extra_reason)
        early_reason = ""
        if not outcome.done and outcome.asks == EARLY_DEVICE:   # before the rest has run
            early_reason = self.asker.ask(EARLY_DEVICE, f"{outcome.message}\n\nWhy it was "
                                          "given now:", action=GIVEN_EARLY)
            if early_reason.strip():
                # with the reasons already given: a device beyond the dose and early was asked
                # "beyond the dose" again, and could not be ticked before its rest (review 45)
                outcome = self.controller.tick_item(item_id, note=note, extra_reason=extra_reason,
                                                    early_reason=early_reason)
        if not outcome.done and outcome.asks == GATE_APPROVAL:   # a value over the dosing gate
            decision = self.asker.ask(GATE_APPROVAL, outcome.message, action=PRESCRIBER_APPROVES)
            if not decision:
                # Cancel: the prescriber does not approve. Said as the panel's other cancelled
                # questions are: the question's own words had stood here, cut at 1366x768
                # before they said the item stayed unticked.
                self._report(False, not_approved_words(self._gate_of(item),
                                                       self.controller.view.latest))
                # In full on hover: who did not approve, and what waits for it.
                over = outcome.message.split(f": {PRESCRIBER_REVIEW}", 1)[0]
                self.message.setToolTip(plain_tip(
                    f"Not ticked: no prescriber approval for {over}. Dosing waits until a "
                    "prescriber approves: tick the item again to record their approval."))
                self.refresh()   # unticked again, in place
                return
            outcome = self.controller.tick_item(item_id, gate_decision=decision, note=note,
                                                early_reason=early_reason,
                                                extra_reason=extra_reason)
        # A "no" is logged but holds the gate: said in its row's warning colour, not as a tick.
        held = outcome.done and item is not None and item.answered_no(note)
        self._report(outcome.done, outcome.message, ANSWERED_NO_COLOUR if held else None)
        self.refresh()   # a refused tick is unticked again, in place

    def _on_next_clicked(self) -> None:
        refused = self.controller.refusal(ChairAction.NEXT_PHASE)   # before T0's question
        if refused is not None:
            self._report(False, "Not moved: " + refused)
            return
        if self.controller.dose_starts_unasked():
            move = self._next_move()
            devices = self.controller.view.protocol.dose.mode is DoseMode.DEVICES
            give = ("Give the first device as you confirm." if devices   # a nasal spray
                    else "Start the pump as you confirm.")
            # A pre-dose value typed and not recorded stays in the form: Return after T0
            # records it as a value after the dose.
            later = self._typed_counts_after("T0")
            if not self.asker.agree(move, f"{move} now?\n\nT0 is this moment: the dose's timer, "
                                    "the checks after the dose and the baseline count from it. "
                                    f"{give}{later}", move):
                self._report(False, "Not started: the pre-session checks go on.")
                return
        outcome = self.controller.advance_phase()
        if not outcome.done and not self.controller.locked:   # a lock is not a gate
            move = self._next_move()

            def question(reasons: list[str]) -> str:
                if not reasons:
                    return (f"Nothing blocks the move any more: Cancel and press {NEXT_LABEL} "
                            "again.")
                return refusal_text("Cannot move on yet:", reasons,
                                    f"To {move[:1].lower()}{move[1:]} anyway, give the reason "
                                    "(it is logged):")

            reason = self.asker.ask("Override needed", question(list(outcome.reasons)),
                                    f"{move} anyway",
                                    refresh=lambda: question(self.controller.phase_blockers()))
            if reason:
                outcome = self.controller.advance_phase(override_reason=reason)
        self._report(outcome.done, "" if outcome.done else "Not moved: " + outcome.message)

    def _next_move(self) -> str:
        """What Next phase does, in words: "Start Infusion (T0)", "Move to Observation". The
        override's button said "Record" and its question never named the start of the dose (a
        nurse walk on X: one word skipped 18 pre-session items into the infusion)."""
        view = self.controller.view
        phases = view.protocol.phases
        index = phases.index(view.phase)
        if index + 1 >= len(phases):
            return "Move on"
        following = phases[index + 1]
        if following.kind is PhaseKind.DOSING and view.t0 is None:
            return f"Start {following.name} (T0)"
        return f"Move to {following.name}"

    def _on_discharge_clicked(self) -> None:
        not_allowed = self.controller.refusal(ChairAction.DISCHARGE)   # before any question
        if not_allowed is not None:
            self._report(False, "Discharge refused: " + not_allowed)
            return
        # Typing not recorded is asked about also where a signature would have been the only
        # question: the signature does not name it, and the ended record cannot take it.
        lost = self._typing_lost()
        clean = not self.controller.discharge_blockers()
        if (self.controller.discharge_ends_unasked() or (lost and clean)) and not self.asker.agree(
                "Discharge", f"Discharge {self.controller.view.patient.patient_id} and end the "
                "session?\n\nIts record is then closed: nothing more can be recorded at the "
                f"chair.{lost}", "Discharge"):
            self._report(False, "Not discharged: the session goes on.")
            return
        outcome = self.controller.discharge()
        if not outcome.done:
            self._report(False, "Discharge refused: " + outcome.message)
            # Not a gate to override: the lock or the account, or the signature of a discharge
            # nothing refuses, cancelled or refused (it had been offered for an override).
            if self.controller.locked or not self.controller.discharge_blockers():
                return

            def refused(reasons: list[str]) -> str:
                if not reasons:
                    return "Nothing refuses the discharge any more: Cancel and press Discharge again."
                return refusal_text("Discharge refused:", reasons,
                                    "A prescriber may override: give the reason (it is logged):")

            reason = self.asker.ask("Discharge refused", refused(list(outcome.reasons)),
                                    refresh=lambda: refused(self.controller.discharge_blockers()))
            # Against the gate, the end is asked as a clean discharge's is, naming what stays
            # open: one Enter after a reason ended a session with two high alarms holding (a
            # nurse walk on X). With accounts, the prescriber's signature is that question.
            def although(reasons: list[str]) -> str:
                if not reasons:
                    return (f"Nothing refuses the discharge any more: Discharge anyway ends "
                            f"{self.controller.view.patient.patient_id}'s session as any "
                            f"discharge.{self._typing_lost()}")
                return refusal_text(
                    f"Discharge {self.controller.view.patient.patient_id} and end the session "
                    "although:", reasons, "Its record is then closed and its alarms end: "
                    f"nothing more is recorded or sounded at the chair.{self._typing_lost()}")

            asked = self.controller.discharge_override_ends_unasked() or bool(self._typing_lost())
            if reason and asked and not self.asker.agree(
                    "Discharge against the gate", although(list(outcome.reasons)),
                    "Discharge anyway",
                    refresh=lambda: although(self.controller.discharge_blockers())):
                self._report(False, "Not discharged: the session goes on.")
                return
            if reason:
                outcome = self.controller.discharge(override_reason=reason)
                if not outcome.done:
                    # Refused after the signatures (something new blocks, a cancel, a lapse):
                    # the refusal before them had stood, the new one said nowhere.
                    self._report(False, "Not discharged: " + outcome.message)
        if outcome.done:
            self._report(True, "Discharged: the session has ended.")

    def _gate_of(self, item: ChecklistItem | None) -> tuple[tuple[str, float], ...]:
        """The gate a tick asked the prescriber about: the item's own, or, for the first nasal
        device, the pre-dose gate it passes once more (`SessionEngine.tick_item`)."""
        if item is not None and item.gate:
            return item.gate
        phases = pre_dose_phases(self.controller.view.protocol.phases)
        return next((i.gate for phase in phases for i in phase.checklist if i.gate), ())

    def _typed_counts_after(self, moment: str) -> str:
        """What the entry form holds typed and not recorded, as the last paragraph of the
        question before `moment` ("T0", "device 1"): recorded after it, a value measured before
        the dose counts as one after it; "" for nothing typed."""
        typed = self.typed_unrecorded()
        if not typed:
            return ""
        return (f"\n\n{', '.join(typed)} typed and not recorded would count after {moment}, as "
                f"a value after the dose. To record it before {moment}, choose “Not yet” and "
                "press Return in the form first.")

    def _typing_lost(self) -> str:
        """What a discharge drops of the entry form's typing, as the last paragraph of its
        question ("BP 132/84 typed and not recorded will be lost. …"); "" for nothing."""
        words = self.typed_unrecorded()
        if not words:
            return ""
        return f"\n\n{UNSAVED_LOST.format(what=', '.join(words))} {RECORD_IT_FIRST}"

    def _on_lock_changed(self, locked: bool) -> None:
        """Unlocked by a sign-in: a refusal said before it was the lock's ("Not moved: Locked —
        sign in to continue" stood in red for the nurse who had just signed in; a review)."""
        if not locked and self.message.text() and self.message.text() != LEGEND:
            self._report(True, "")

    def _report(self, ok: bool, text: str, colour: str | None = None) -> None:
        """Say `text` in the message box: done (`ok`) in the text colour, refused in bold red;
        `colour` (a theme colour's name) instead of either."""
        if not text:   # nothing to say: the box explains the marks (when there are rows)
            self.message.set_message(LEGEND if self.controller.view.phase.checklist else "",
                                     TICKED_COLOUR)
            return
        self.message.set_message(text, colour or (None if ok else ERROR_COLOUR), bold=not ok,
                                 said_at=self.controller.clock.now().mono)
