"""The session's events, newest first, from the session's `Journal`: what the nurse and the console
decided (phases, checklist, alarms, overrides, notes, values typed by hand, corrections, device
state), with the monitor's readings behind a filter (several a second would bury the rest). It
starts from all the journal keeps: after a restart, the resumed session's history, the nurse's
acts of hours before included (the journal keeps them apart from the monitor's values).

What a monitor sent that the console could not use is one summary line, updated in place for a
minute ("Device data not used (last minute): unknown-code ×12"), not one line per message.

A value typed by hand can be corrected from here ("Correct…"): the new value and the reason go
through the controller as a correction row that points at the old one; the trend and the alarms
follow the corrected value. A value already corrected, or entered in error, is not offered (the
engine says why: `SessionEngine.uncorrectable`); its correction is.

One with no right value to put in its place (HR 38 typed at the wrong chair's console) is taken
back as "Entered in error…", offered by the same rule while the engine still keeps it among the
last values (`SessionEngine.void_refusal`; an older one is offered Correct… alone), with a
reason: the controller's `void` (signed on a log with accounts, as the form's Undo is) logs an
`entered_in_error` event naming it, and the value counts nowhere from then on (its alarms, the trend, the report). Correct…
alone had asked for a number the nurse never measured, though the entry form and the README
promise both. The two buttons share a row under the device filter: beside it they did not fit
the Events column at 1366x768 (about 290 px).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from PySide6 import QtCore, QtWidgets

from console.records import EventRecord, ObservationRecord, Record, SessionEnded
from console.session.entry import Accepted, NeedsConfirmation, Rejected, check_value
from console.session.journal import Journal, describe, is_device_reading, value_words, when
from console.session.lock import ChairAction
from console.ui import theme
from console.ui.checklist_panel import Asker
from console.ui.controller import SessionController
from console.ui.entry_panel import Confirmer
from console.ui.markup import plain_tip
from devices.reading import MANUAL
from protocols.vitals import Metric, metric

ROW_ID_ROLE = QtCore.Qt.ItemDataRole.UserRole          # the observation's row id (manual values)
METRIC_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
SUMMARY_SECONDS = 60.0
CORRECT_TIP = ("Correct the selected value typed by hand (the old one stays in the record, marked "
               "as corrected)")
VOID_TIP = ("Take back the selected value typed by hand, with no value in its place: it counts "
            "nowhere from then on (the row stays in the record, marked as entered in error)")
VOID_ACTION = "Entered in error"


class EventList(QtWidgets.QListWidget):
    """The rows; `show_device` adds the monitor's readings."""

    MAX_ROWS = 500

    def __init__(self, journal: Journal, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("event_list")
        self.journal = journal
        self.setStyleSheet("font-size:12pt;")
        # Each row whole, wrapped to the column's width: at 1366x768 the column is about 280 px
        # and the rows ran past it under a sideways scroll bar ("Alarm raised (medium): S").
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.show_device = False
        # The first refresh reads all the journal keeps, as a change of the filter does: a
        # resumed session's history is mostly the monitor's values, and its newest 500 records
        # had been read alone (T0, the nurse's ticks and notes of minutes before were missing).
        self._seen = 0
        self._summary: QtWidgets.QListWidgetItem | None = None   # the drop summary being counted
        self._summary_since: datetime | None = None
        self._summary_counts: Counter[str] = Counter()

    def set_show_device(self, show: bool) -> None:
        """Show or hide the monitor's readings (rebuilds from what the journal still keeps)."""
        self.show_device = show
        self.clear()
        self._summary = None
        self._seen = 0
        self.refresh()

    def refresh(self) -> None:
        """Put what was committed since the last refresh at the top; drop the oldest rows."""
        for row_id, record in self.journal.added_since_with_ids(self._seen):
            if getattr(record, "category", "") == "prompt" and getattr(record, "transition", "") == "cleared":
                continue   # a prompt answered is visible from the reading itself
            if isinstance(record, SessionEnded):
                continue   # the log's own end marker: the session_ended event says it, with who
            if is_device_reading(record) and not self.show_device:
                continue
            if isinstance(record, EventRecord) and record.kind == "device_dropped":
                self._count_drops(record)
                continue
            self._add(record, row_id)
        self._seen = self.journal.total
        extra = self.count() - self.MAX_ROWS
        if extra > 0:
            if self._summary is not None and self.row(self._summary) >= self.MAX_ROWS:
                self._summary = None
            # Not takeItem(): PySide6 hands the taken item to nobody, so each one stayed in memory
            # (~350 bytes a row: +37 MiB over an 8-hour soak, P8). removeRows deletes them.
            self.model().removeRows(self.MAX_ROWS, extra)

    def _add(self, record: Record, row_id: int | None) -> None:
        stamp = when(record).astimezone().strftime("%H:%M:%S")
        text = f"{stamp}  {describe(record, self.journal)}"
        item = QtWidgets.QListWidgetItem(text)
        item.setToolTip(plain_tip(text))   # a note's "<s>" as typed, not struck through
        if isinstance(record, ObservationRecord) and record.source == MANUAL and row_id is not None:
            item.setData(ROW_ID_ROLE, row_id)
            item.setData(METRIC_ROLE, record.metric)
        self.insertItem(0, item)

    def _count_drops(self, record: EventRecord) -> None:
        """One line per minute for what the monitor sent that could not be used."""
        counts = record.detail.get("counts", {})
        if not counts:
            return   # only doubts about values that were kept and shown: nothing went unused
        fresh = (self._summary is None or self._summary_since is None
                 or record.at - self._summary_since >= timedelta(seconds=SUMMARY_SECONDS))
        if fresh:
            self._summary_since = record.at
            self._summary_counts = Counter()
            self._summary = QtWidgets.QListWidgetItem()
            self.insertItem(0, self._summary)
        self._summary_counts.update({str(k): int(v) for k, v in counts.items()})
        listed = ", ".join(f"{reason} ×{n}" for reason, n in self._summary_counts.most_common())
        stamp = (self._summary_since or record.at).astimezone().strftime("%H:%M:%S")
        text = f"{stamp}  Device data not used (for a minute from here): {listed}"
        example = record.detail.get("example", "")
        assert self._summary is not None
        self._summary.setText(text)
        self._summary.setToolTip(plain_tip(f"{text}\nlast example: {example}" if example
                                           else text))   # the device's own bytes

    def selected_manual_value(self) -> tuple[int, str] | None:
        """(row id, metric) of the selected row when it is a value typed by hand."""
        item = self.currentItem()
        if item is None or not item.isSelected() or item.data(ROW_ID_ROLE) is None:
            return None
        return int(item.data(ROW_ID_ROLE)), str(item.data(METRIC_ROLE))


class EventsTab(QtWidgets.QWidget):
    """The event list with its device filter, and "Correct…" and "Entered in error…" for a
    value typed by hand."""

    def __init__(self, journal: Journal, controller: SessionController, asker: Asker,
                 confirmer: Confirmer, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.asker = asker
        self.confirmer = confirmer
        self.list = EventList(journal)
        self.device_filter = QtWidgets.QCheckBox("Show device readings")
        self.device_filter.setObjectName("show_device_readings")
        self.device_filter.toggled.connect(self.list.set_show_device)
        self.correct_button = QtWidgets.QPushButton("Correct…")
        self.correct_button.setObjectName("correct_value")
        self.correct_button.setToolTip(CORRECT_TIP)
        self.correct_button.setEnabled(False)
        self.correct_button.clicked.connect(self._on_correct_clicked)
        self.void_button = QtWidgets.QPushButton(f"{VOID_ACTION}…")
        self.void_button.setObjectName("entered_in_error")
        self.void_button.setToolTip(VOID_TIP)
        self.void_button.setEnabled(False)
        self.void_button.clicked.connect(self._on_void_clicked)
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("correct_message")
        self.message.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # quotes typed values
        self.message.setWordWrap(True)
        self._error = False
        theme.signals().changed.connect(self._on_theme_changed)
        self.list.itemSelectionChanged.connect(self._on_selection_changed)
        # A row corrected or entered in error since it was selected is no longer correctable.
        controller.changed.connect(self._enable_correct)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.correct_button)
        actions.addWidget(self.void_button)
        actions.addStretch(1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.device_filter)
        layout.addLayout(actions)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.message)

    def refresh(self) -> None:
        self.list.refresh()

    def _on_selection_changed(self) -> None:
        why = self._enable_correct()
        if why:
            self._say(why)

    def _enable_correct(self) -> str:
        """Correct… and Entered in error… for a selected value typed by hand that still counts;
        returns why not for one corrected already or entered in error ("" otherwise), also on
        the buttons' tips. Entered in error… is also off, saying why, for a value `void` would
        refuse (no longer among the last values the engine keeps): a typed HR at a monitored
        chair leaves them in about 20 s, and the nurse's reason and signature had been asked
        before the refusal (a review)."""
        chosen = self.list.selected_manual_value()
        why = self.controller.uncorrectable(*chosen) if chosen is not None else None
        # The engine's own rule (`SessionEngine.void_refusal`), which includes `uncorrectable`.
        void_why = self.controller.void_refusal(*chosen) if chosen is not None else None
        open_ = chosen is not None and not self.controller.view.discharged
        for button, tip, refused in ((self.correct_button, CORRECT_TIP, why),
                                     (self.void_button, VOID_TIP, void_why)):
            button.setEnabled(open_ and refused is None)
            button.setToolTip(refused or tip)
        return void_why or ""

    def _on_correct_clicked(self) -> None:
        chosen = self.list.selected_manual_value()
        if chosen is None:
            return
        row_id, name = chosen
        # Asked nothing by a station that refuses the act (locked, or the account disabled
        # since it signed in: it locks): the new value, its confirmation and a reason had
        # been asked before the refusal.
        refused = self.controller.refusal(ChairAction.CORRECT)
        if refused is not None:
            self._say(f"Not corrected: {refused}", error=True)
            return
        m = metric(name)
        text = self.asker.ask("Correct a value", f"New value of {m.label} ({m.unit}), "
                                                 f"{_allowed(m)}:")
        if not text:
            return
        # The value is checked before the reason is asked for, and the question quotes it as it
        # will be recorded: "90.5" had been asked about as 90, then refused after the reason.
        verdict = check_value(name, _as_number(m, text))
        if isinstance(verdict, Rejected) and m.choices:   # the words it takes, too
            verdict = Rejected(name, f"{verdict.message} {m.label} takes {_allowed(m)}.")
        if not isinstance(verdict, Rejected):
            verdict = self.controller.check_correction(row_id, name, verdict.value)
        if isinstance(verdict, Rejected):
            self._say(verdict.message, error=True)
            return
        value, confirmed = verdict.value, isinstance(verdict, NeedsConfirmation)
        if isinstance(verdict, NeedsConfirmation) and not self.confirmer.confirm(verdict.message):
            self._say(f"Not corrected: {verdict.message}", error=True)
            return
        reason = self.asker.ask("Reason for the correction",
                                f"Why is it corrected to {value_words(name, value)}? "
                                "(logged with the correction)")
        if not reason:
            self._say("Not corrected: a correction needs a reason.", error=True)
            return
        verdict = self.controller.correct(row_id, name, value, reason, confirmed)
        if isinstance(verdict, NeedsConfirmation):
            if not self.confirmer.confirm(verdict.message):
                self._say(f"Not corrected: {verdict.message}", error=True)
                return
            verdict = self.controller.correct(row_id, name, value, reason, confirmed=True)
        if isinstance(verdict, Rejected):
            self._say(verdict.message, error=True)
            return
        note = verdict.note if isinstance(verdict, Accepted) else ""
        self._say(f"Corrected: {value_words(name, value)}" + (f". {note}" if note else ""),
                  error=bool(note))

    def _on_void_clicked(self) -> None:
        chosen = self.list.selected_manual_value()
        if chosen is None:
            return
        row_id, name = chosen
        # Asked nothing by a station that refuses the act, as Correct… (locked, or the account
        # disabled since it signed in).
        refused = self.controller.refusal(ChairAction.VOID)
        if refused is not None:
            self._say(f"Not taken back: {refused}", error=True)
            return
        named = self.list.journal.named(row_id, name)
        reason = self.asker.ask("Entered in error",
                                f"Why is {named} entered in error? It then counts nowhere: its "
                                "alarms, the trend and the report leave it out; the row stays in "
                                "the record, marked. (The reason is logged with it.)",
                                action=VOID_ACTION)
        if not reason:
            self._say("Not taken back: a value entered in error needs a reason.", error=True)
            return
        outcome = self.controller.void(row_id, name, reason)   # signed on a log with accounts
        if not outcome.done:
            self._say(f"Not taken back: {outcome.message}", error=True)
            return
        self._say(f"Taken back: {named} (logged as entered in error).")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self._error = error
        self._style_message()

    def _on_theme_changed(self, _theme: theme.Theme) -> None:
        if self.message.text():
            self._style_message()

    def _style_message(self) -> None:
        t = theme.current()
        self.message.setStyleSheet(f"color:{t.error_text};font-weight:bold;" if self._error
                                   else f"color:{t.ok_text};")


def _allowed(m: Metric) -> str:
    """What a correction of `m` takes: a worded scale's numbers with their words ("0 absent,
    1 present"), else its range."""
    if not m.choices:
        return m.describe_range()
    return ", ".join(f"{value} {words}" for value, words in sorted(m.choices)) + " (number or words)"


def _as_number(m: Metric, text: str) -> str:
    """A worded scale's words typed ("absent", "Moderate") as their number; else the text."""
    words = {" ".join(meaning.split()).casefold(): str(value) for value, meaning in m.choices}
    return words.get(" ".join(text.split()).casefold(), text)
