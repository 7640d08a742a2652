"""The review window: past sessions from the log, for clinicians after the fact.

Opened by `infusion-console review [--db PATH]` or from the console's menu ("Review past
sessions…"). It reads the log through the read model (`console.review.queries`) on a read-only
connection; the only thing it ever writes is a clinician's annotation, a new attributed `events`
row made by `console.review.queries.annotate` through the `Annotator` it is given.

Three pages (tabs):
    Sessions:  filters (patient, date range, protocol, had a high alarm, include demo) and the
               session list, newest first; Enter or a double-click opens the session.
    Session:   header, the live window's own `TrendPlot` over the whole session, and tabs for
               alarms (time to acknowledge), vitals at each check, checklist and overrides,
               observations, notes and annotations, phases and the protocol in force; buttons to
               annotate and to export (PDF, CSV, FHIR, and the REMS form for esketamine).
    Course:    one patient's sessions side by side, one column per session ("Figures"), and
               their vitals drawn over each other in minutes from each session's T0 ("Trend
               from T0": console/ui/review_course_trend.py, read in the background by
               console/review/course_trend_reader.py while the tab says so).

On a log with staff accounts (issue 13) it is opened with a `ReviewAccess` (the signed-in
reviewer, prescriber or administrator: console/review/access.py): the session list, every
session opened, every session of a course shown and every export is an `access_log` row written
first (nothing is shown or written when it cannot be); an annotation is signed by its author;
the Session page's "Signatures" tab lists each record's signatures (printed name, account, time,
meaning) and the records left unsigned. A reviewer-only account sees everything de-identified
(the list, each session, every export) and no patient's course.

Each listed session's rows are held to the log's hash chain in the background, newest first, one
session at a time on a connection of their own (`console.review.integrity.ChainSweep`): the
list's "Record" column says "not yet checked" until a session's check ends, then "unchanged" or
the first row changed outside the console, and such a session is marked "⚠ CHANGED" in the list
and in the course without being opened. The checks wait while the window itself works (a session
opening, the list or a course being read, an export). Opening a session checks it at once
(`queries.check_session_chain`): a row changed outside the console puts a banner over the
session, and its PDF report carries the same warning. A log damaged on disk refuses, with the
reason and what to do, only what cannot be read: a session, a course, the list
(`queries.UnreadableLogError`); the rest of the window goes on.

Everything it shows comes from `console.review.content` (also used by the PDF report), so screen and paper
agree. Dialogs and exports are injected (`ReviewDialogs`, `Exports`): tests answer them without a
file dialog, and logic never opens one itself.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Protocol as TypingProtocol

from PySide6 import QtCore, QtGui, QtWidgets

from console.clock import Clock
from console.review import queries
from console.review.course_trend import (
    CourseTrend,
    legend_text,
    not_read_text,
    reading_text,
)
from console.review.course_trend_reader import CourseTrendReader
from console.review.integrity import (
    UNCHECKED,
    ChainSweep,
    RecordCheck,
    RecordState,
    provisional,
)
from console.review.access import (
    FIRST_ADMINISTRATOR,
    NO_ACCOUNTS,
    NOT_LOGGED,
    NotTheLogOpenError,
    ReviewAccess,
    SignedAnnotation,
    UnsignedAnnotation,
    accounts_since_open,
    close_writing_last,
    held_file,
    needs_sign_in,
    open_to_write,
    still_held,
)
from console.review.model import (
    ChainCheck,
    CourseRow,
    SessionDetail,
    SessionFilter,
    SessionSignatures,
    SessionSummary,
)
from console.session.lock import DEFAULT_LOCK_AFTER_S
from console.session.protocol_record import logged_protocol
from console.session.signing import SignatureService
from console.store import LogError, UnknownSessionError
from console.store.log import patient_fold
from console.review import content as rc
from console.ui import theme
from console.ui.markup import plain_tip
from console.ui.review_course_trend import CourseTrendView
from console.ui.review_lock import ReviewLock
from console.ui.review_tables import (
    CELL_PADDING,
    LIST_COLUMNS,
    CourseModel,
    RowsModel,
    SessionListModel,
    column_room,
    fit_columns,
    fit_to_width,
    keep_rows,
    make_table,
    priority_colours,
)
from console.ui.trend import TrendPlot
from protocols.model import Protocol

CONTROL_POINTS = 14
STATUS_POINTS = 13   # the tables' size: a status line of two lines costs a table row less
# The Session page's trend: no text of it overlaps from 350 px high (measured with the layout
# check of tests/ui/test_trend_layout.py on the review's sessions at 1366x768); a margin above.
TREND_MIN_PX = 360
# Alarm rows of two lines the tables under the trend keep in sight when the trend can spare it.
TABLE_ROWS = 4
# One-line rows the tables keep in sight however tall the banners above them (the Vitals tab's
# checks of a 40-minute infusion); beyond that the page scrolls.
TABLE_MIN_ROWS = 5
TITLE_POINTS = 17
ALL_PROTOCOLS = "All protocols"
LIST_LIMIT = queries.DEFAULT_LIMIT
LIST_COLUMN_MAX_PX = 360   # no list column wider: a long text is elided, its tooltip whole
LIST_ELIDED_MIN_PX = 110   # a nurse's name or a protocol elided no narrower (its start read)
ELIDED_FIRST = ("Nurse", "Protocol")   # the list's columns narrowed first when it is too wide
PATIENT_BOX_CHARACTERS = 20   # the Course page's patient box: a usual identifier, whole
ZONE_TIP = "Clock times in the zone in force on their date; a date's tooltip names it"

# Label roles: (point size, bold, colour: a name in console/ui/theme.py). Fonts are set on widgets,
# not by a style sheet: a style sheet on a parent stops children inheriting its font (measured:
# buttons fell back to 9 pt).
ROLES: dict[str, tuple[int, bool, str]] = {
    "title": (TITLE_POINTS, True, "text"),
    "subtitle": (13, False, "muted_text"),
    "warning": (13, True, "error_text"),
    "demo": (14, True, "demo_text"),
}


# ---- services the window is given ---------------------------------------------------------------


class Annotator(TypingProtocol):
    """Writes a review note; returns its `events.id`. Raises ValueError / LogError."""

    def __call__(self, session_id: int, clinician: str, text: str) -> int: ...


class ReviewDialogs(TypingProtocol):
    """The questions the review asks its user (file names, annotation text) and its errors."""

    def save_path(self, title: str, suggested: Path, file_filter: str) -> Path | None:
        """A file to write, or None when cancelled."""
        ...

    def choose_folder(self, title: str, suggested: Path) -> Path | None:
        """An existing folder in which the export creates its own folder (the title names it),
        starting at `suggested` (an existing folder); None when cancelled."""
        ...

    def annotation(self, session_label: str) -> tuple[str, str] | None:
        """(clinician, text) for a new annotation, or None when cancelled."""
        ...

    def error(self, title: str, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Export:
    """One export button: what it is called, the file it suggests, and the function it calls.

    `write(detail, path, deidentified)` writes the file (or, for a folder export, the files in
    the folder `path`) and returns a one-line report for the status bar; `deidentified` tells it
    the detail was de-identified first.
    """

    key: str
    label: str
    suffix: str          # "" for a folder export
    file_filter: str
    write: Callable[[SessionDetail, Path, bool], str]
    esketamine_only: bool = False


Exports = Mapping[str, Export]


class LogAnnotator:
    """Annotates through a writable `EventLog` opened for that one write (the CLI's review),
    only while the log at `path` is the file it was made for (created with the window's
    read-only connection: `open_to_write`)."""

    def __init__(self, path: Path, clock: Clock, program_version: str) -> None:
        self.path = Path(path)
        self.clock = clock
        self.program_version = program_version
        self.held = held_file(self.path)   # the file the review reads, written to only
        self.wrote = False   # the log was opened for writing (its -wal is folded in at `close`)

    def __call__(self, session_id: int, clinician: str, text: str) -> int:
        log = open_to_write(self.path, self.held, self.program_version)
        self.wrote = True
        try:
            return queries.annotate(log, session_id, clinician, text, self.clock.now().wall)
        finally:
            log.close()

    def close(self) -> None:
        """After the review's read-only connections: when it wrote, its annotations are folded
        into the log file (`close_writing_last`): the write log closed while the window's
        read-only connection was open, which cannot, and a -wal and a -shm stayed beside the
        log, the annotation only in the -wal. A review that wrote nothing writes nothing, nor
        does one whose log was moved away or replaced since (`open_to_write`)."""
        if self.wrote and still_held(self.path, self.held):
            close_writing_last(self.path)


class AnnotationDialog(QtWidgets.QDialog):
    """Asks who writes the annotation and what it says; `author` given (the signed-in account),
    only what it says."""

    def __init__(self, session_label: str, parent: QtWidgets.QWidget | None = None,
                 author: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Add annotation")
        _use_review_font(self)
        layout = QtWidgets.QFormLayout(self)
        intro = QtWidgets.QLabel(f"A note added now to {session_label}. It is kept with your name "
                                 "and the time; nothing recorded during the session changes.")
        intro.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # the patient's identifier as typed
        intro.setWordWrap(True)
        layout.addRow(intro)
        self.clinician = QtWidgets.QLineEdit()
        self.text = QtWidgets.QPlainTextEdit()
        self.text.setMinimumSize(520, 140)
        # Tab moves on to OK, as in every other field: it wrote a tab character into the note.
        self.text.setTabChangesFocus(True)
        layout.addRow("Clinician", self.clinician)
        layout.addRow("Annotation", self.text)
        if author:
            self.clinician.setText(author)
            self.clinician.setReadOnly(True)
            # The note is what is left to type: the focus started in the read-only author, and a
            # note typed at once was lost.
            self.text.setFocus()
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)


class QtReviewDialogs:
    """The real dialogs (file chooser, annotation form, message box)."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.parent = parent
        self.author = ""   # set: annotations are written by this signed-in account only

    def save_path(self, title: str, suggested: Path, file_filter: str) -> Path | None:
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self.parent, title, str(suggested),
                                                        file_filter)
        return Path(name) if name else None

    def choose_folder(self, title: str, suggested: Path) -> Path | None:
        # Qt's folder chooser opens only an existing folder: given one still to be created
        # (QA: "MRN-4711-session2-20260305") it said "Directory not found" and greyed Choose.
        # The export creates its own folder inside the one chosen here.
        start = suggested if suggested.is_dir() else Path.home()
        name = QtWidgets.QFileDialog.getExistingDirectory(self.parent, title, str(start))
        return Path(name) if name else None

    def annotation(self, session_label: str) -> tuple[str, str] | None:
        dialog = AnnotationDialog(session_label, self.parent, self.author)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return None
        return dialog.clinician.text(), dialog.text.toPlainText()

    def error(self, title: str, message: str) -> None:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Warning, title, message,
                                    QtWidgets.QMessageBox.StandardButton.Ok, self.parent)
        box.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # it quotes the log and typed text
        box.exec()


def _use_review_font(widget: QtWidgets.QWidget) -> None:
    """Controls in 14 pt, inherited by every child that sets no font of its own (tables set
    13 pt, the trend plot its own)."""
    font = widget.font()
    font.setPointSize(CONTROL_POINTS)
    widget.setFont(font)


def _label(text: str = "", role: str | None = None, wrap: bool = False) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    # Log text as stored: a note edited to "<b>…</b> <!-- " was drawn as markup, and the
    # comment hid the rest of the banner meant to expose that edit.
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    if role:
        label.setProperty("role", role)
        points, bold, colour = ROLES[role]
        font = QtGui.QFont(label.font())
        font.setPointSize(points)
        font.setBold(bold)
        label.setFont(font)
        demo = role == "demo"
        background = f"background: {theme.current().demo_bg}; padding: 2px 8px;" if demo else ""
        label.setStyleSheet(f"color: {theme.colour(colour)}; {background}")
    label.setWordWrap(wrap)
    return label


class _StatusLine(QtWidgets.QLabel):
    """A word-wrapped label as tall as its text's lines at its width: a main window sizes its
    status bar by the bar's size hint alone, which cut a second line off."""

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_height()

    def fit_height(self) -> None:
        if not self.isVisible():   # laid out at its real width once shown
            return
        needed = self.heightForWidth(self.width())
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)


class WrappingStatusBar(QtWidgets.QStatusBar):
    """A status bar whose message wraps onto more lines instead of being cut at the window's
    edge: at 1366 px the log's path ran out of the window (QA; a tooltip held the rest). The
    message is set and read as in any status bar (`showMessage`, `currentMessage`); `line`
    shows it, with a break allowed after each "/" of a path.

    Signals: QStatusBar's.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.line = _StatusLine()
        self.line.setObjectName("statusLine")
        self.line.setTextFormat(QtCore.Qt.TextFormat.PlainText)   # paths, identifiers as they are
        self.line.setWordWrap(True)
        # Its width is the bar's, never its longest word's (a window wider than the screen).
        self.line.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                QtWidgets.QSizePolicy.Policy.Preferred)
        font = self.line.font()
        font.setPointSize(STATUS_POINTS)
        self.line.setFont(font)
        self.addPermanentWidget(self.line, 1)
        self.messageChanged.connect(self._on_message_changed)

    def _on_message_changed(self, text: str) -> None:
        self.line.setText(text.replace("/", "/\u200b"))   # a zero-width space: a break allowed
        self.line.setToolTip(plain_tip(text))   # a clinician's name "Dr <s>Lee" as written
        self.line.fit_height()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        # `line` draws the message; QStatusBar would draw it a second time, on one line.
        pass


# ---- the session list ---------------------------------------------------------------------------


def _row_to_open(sessions: list[SessionSummary], typed: str) -> int | None:
    """The row of `sessions` (newest first) that Enter opens for the patient search `typed`:
    the newest session of the identifier typed whole, compared as the search compares
    (`patient_fold`), else the newest when all are one patient's (or nothing is typed); None
    when they are several patients' and none is the one typed: the search finds a part of an
    identifier, and MRN-10 typed with Enter had opened MRN-100's later session (a review of
    the review window; README: "Enter opens the newest match")."""
    key = patient_fold(typed)
    exact = next((i for i, s in enumerate(sessions) if patient_fold(s.patient_id) == key), None)
    if exact is not None or not sessions:
        return exact
    return 0 if not key or len({patient_fold(s.patient_id) for s in sessions}) == 1 else None


def _on_days(day: date, flt: SessionFilter) -> bool:
    """`day` is inside the filter's days (either end open when unset)."""
    return (flt.since is None or flt.since <= day) and (flt.until is None or day <= flt.until)


class SessionListPage(QtWidgets.QWidget):
    """Filters and the session list.

    Signals:
        open_requested(int): the user asked to open a session (its id).
        course_requested(str, int): the user asked for a patient's course (the patient id, and
            the session selected: its course is the one shown).
    """

    open_requested = QtCore.Signal(int)
    course_requested = QtCore.Signal(str, int)

    def __init__(self, conn: sqlite3.Connection, protocol_ids: list[str], today: date,
                 tz: tzinfo | None, records: ChainSweep | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPage")
        self.conn = conn
        self.tz = tz
        # Each listed session's rows against the hash chain, checked in the background
        # (console/review/integrity.py); the window reads its results into the list.
        self.records = records if records is not None else ChainSweep(queries.log_path(conn))
        # De-identifies each listed session (a reviewer-only account); None shows them as logged.
        self.masking: Callable[[SessionSummary], SessionSummary] | None = None
        # The masking's shift of every date (whole weeks back): the date filter of a
        # de-identified list is on the dates it shows, so it never tells the real ones.
        self.masking_shift = timedelta(0)
        # Asked before each read of the list: why it may not be read now, or None (read).
        self.before_read: Callable[[], str | None] | None = None
        self.patient_box = QtWidgets.QLineEdit()
        self.patient_box.setPlaceholderText("Search patient ID")
        self.patient_box.setClearButtonEnabled(True)
        self.patient_box.setMinimumWidth(200)
        self.date_check = QtWidgets.QCheckBox("From")
        self.since_edit = QtWidgets.QDateEdit(QtCore.QDate(today.year, today.month, today.day)
                                              .addDays(-30))
        self.until_edit = QtWidgets.QDateEdit(QtCore.QDate(today.year, today.month, today.day))
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setEnabled(False)
        self.protocol_box = QtWidgets.QComboBox()
        self.protocol_box.addItem(ALL_PROTOCOLS, None)
        for pid in protocol_ids:
            self.protocol_box.addItem(pid, pid)
        self.high_only = QtWidgets.QCheckBox("Had a high alarm")
        self.include_demo = QtWidgets.QCheckBox("Include demo")
        # Wraps rather than widening the window (it grows with what it has to say).
        self.count_label = _label(role="subtitle", wrap=True)
        self.count_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                       QtWidgets.QSizePolicy.Policy.Preferred)
        self._hidden = 0   # demo sessions the filter hides (the count says so)
        # Patients the search matches, none of them typed whole (`_row_to_open`): the count says
        # to choose a session; 0 when a session was chosen for Enter.
        self._patients_to_choose = 0
        # The zone of the list's times, once on the page (the session page's subtitle says it).
        self.zone_label = _label(role="subtitle")
        self.zone_label.setToolTip(ZONE_TIP)
        self.zone_label.setVisible(False)
        # Why the list could not be read (a damaged log); hidden while it can.
        self.error_label = _label(role="warning", wrap=True)
        self.error_label.setVisible(False)
        # The cheap check of each listed session's own row and recorded end
        # (queries.changed_sessions), per refresh: shown until the whole check of that session
        # ends.
        self._changed: dict[int, str] = {}
        # False for an account that may not see a patient's course (de-identified review).
        self.course_allowed = True
        self.model = SessionListModel(tz, self)
        self.table = make_table(self.model, wrap=False)
        self._natural: dict[str, int] = {}   # ELIDED_FIRST columns' widths fitted to their text
        # One line a row, so one height for all: sized to contents, each check's mark arriving
        # re-measured every row (200 ms a mark at 192 sessions, on P6's log).
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().lineSpacing() + 6)
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        self.table.installEventFilter(self)
        self.reload_button = QtWidgets.QPushButton("Reload")
        self.reload_button.setToolTip("Read the log again (sessions still running add rows)")
        self.reload_button.clicked.connect(self.reload)
        self.open_button = QtWidgets.QPushButton("Open session")
        self.course_button = QtWidgets.QPushButton("Course of this patient")
        self.open_button.clicked.connect(lambda: self._open_row(self._selected_row()))
        self.course_button.clicked.connect(self._on_course_clicked)

        filters = QtWidgets.QHBoxLayout()
        filters.addWidget(_label("Patient"))
        filters.addWidget(self.patient_box, 2)
        filters.addSpacing(8)
        filters.addWidget(self.date_check)
        filters.addWidget(self.since_edit)
        filters.addWidget(_label("to"))
        filters.addWidget(self.until_edit)
        filters.addSpacing(8)
        filters.addWidget(self.protocol_box, 1)
        filters.addWidget(self.high_only)
        filters.addWidget(self.include_demo)
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.count_label, 1)
        actions.addWidget(self.zone_label)
        actions.addWidget(self.reload_button)
        actions.addWidget(self.open_button)
        actions.addWidget(self.course_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.error_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)

        self.patient_box.textChanged.connect(self._on_filter_changed)
        # The list follows the typing and selects the newest session of the identifier typed
        # (`_row_to_open`): Enter opens it (a clinician types an identifier and presses Enter;
        # nothing happened before).
        self.patient_box.returnPressed.connect(lambda: self._open_row(self._selected_row()))
        self.date_check.toggled.connect(self._on_date_check_changed)
        self.since_edit.dateChanged.connect(self._on_filter_changed)
        self.until_edit.dateChanged.connect(self._on_filter_changed)
        self.protocol_box.currentIndexChanged.connect(self._on_filter_changed)
        self.high_only.toggled.connect(self._on_filter_changed)
        self.include_demo.toggled.connect(self._on_filter_changed)
        self.refresh()

    def current_filter(self) -> SessionFilter:
        dates = self.date_check.isChecked()
        return SessionFilter(
            patient=self.patient_box.text(),
            since=self.since_edit.date().toPython() if dates else None,   # type: ignore[arg-type]
            until=self.until_edit.date().toPython() if dates else None,   # type: ignore[arg-type]
            protocol_id=self.protocol_box.currentData(),
            high_alarm_only=self.high_only.isChecked(),
            include_demo=self.include_demo.isChecked(),
        )

    def refresh(self) -> None:
        """Read the list again for the filter (a damaged log: the reason instead of the list)."""
        with self.records.held():   # the background checks wait (console/review/integrity.py)
            self._refresh()

    def _refresh(self) -> None:
        flt = self.current_filter()
        mask = self.masking
        refused = self.before_read() if self.before_read is not None else None
        if refused is not None:
            self._say_not_listed(refused)
            return
        try:
            if mask is None:
                sessions = queries.list_sessions(self.conn, flt, LIST_LIMIT, tz=self.tz)
                shown = sessions
                hidden = queries.count_hidden_demo(self.conn, flt, tz=self.tz)
            else:
                sessions, shown = self._masked_sessions(flt, mask)
                hidden = queries.count_hidden_demo(
                    self.conn, queries.real_days_of(flt, self.masking_shift), tz=self.tz)
            changed = queries.changed_sessions(self.conn, [s.id for s in sessions])
        except queries.UnreadableLogError as exc:
            self._say_not_listed(str(exc))
            return
        self.error_label.setVisible(False)
        self._changed = changed
        self._hidden = hidden
        self.records.want([s.id for s in sessions])   # newest first, before any waiting
        self.model.set_sessions(shown, *self._marks([s.id for s in sessions]))
        fit_columns(self.table, maximum=LIST_COLUMN_MAX_PX)
        self._natural = {name: self.table.columnWidth(LIST_COLUMNS.index(name))
                         for name in ELIDED_FIRST}
        self._keep_record_in_sight()
        self.zone_label.setText(self.model.zone_text)
        self.zone_label.setVisible(bool(self.model.zone_text))
        row = _row_to_open(sessions, flt.patient)   # as logged: the search reads them so
        self._patients_to_choose = (0 if row is not None or not sessions
                                    else len({patient_fold(s.patient_id) for s in sessions}))
        self._count()
        if row is not None:
            self.table.selectRow(row)
        self._on_selection_changed()

    def _say_not_listed(self, why: str) -> None:
        """An empty list and why (a damaged log, a read refused)."""
        self.model.set_sessions([])
        self.error_label.setText(why)
        self.error_label.setVisible(True)
        self.count_label.setText("")
        self.zone_label.setVisible(False)
        self._on_selection_changed()

    def _masked_sessions(self, flt: SessionFilter,
                         mask: Callable[[SessionSummary], SessionSummary],
                         ) -> tuple[list[SessionSummary], list[SessionSummary]]:
        """(the sessions as logged, as shown) of a de-identified list, `flt`'s days taken as
        the dates it shows: a session is listed when its shown date is inside them, so the
        days the reader types find what they see and never reveal the real dates.

        Raises:
            UnreadableLogError: the log could not be read.
        """
        # A day wider on each side, then each shown date checked: the shift keeps the time of
        # day of this computer's zone, the list's zone (`tz`) may move it past a midnight.
        # The limit counts the rows kept: margin-day rows must not take places of sessions
        # inside the days asked for. Each pass reads afresh (one consistent read), asking for
        # twice as many, until LIST_LIMIT are kept or the log has no more.
        wider = queries.real_days_of(flt, self.masking_shift, margin_days=1)
        ask = LIST_LIMIT
        while True:
            logged = queries.list_sessions(self.conn, wider, ask, tz=self.tz)
            pairs = [(s, mask(s)) for s in logged]
            kept = [(s, m) for s, m in pairs
                    if _on_days(rc.local(m.started_at, self.tz).date(), flt)]
            if len(kept) >= LIST_LIMIT or len(logged) < ask:
                break
            ask *= 2
        kept = kept[:LIST_LIMIT]   # newest first: the count line then says the list is capped
        return [s for s, _ in kept], [m for _, m in kept]

    def reload(self) -> None:
        """Read the list again; sessions still running are checked again (they add rows)."""
        self.records.forget(s.id for s in self.model.sessions if s.ended_at is None)
        self.refresh()

    def show_records(self) -> None:
        """Show the checks made since the list was drawn (marks, "Record" cells, the count),
        in place: the selection and the scroll position stay."""
        self.model.set_marks(*self._marks(self._listed()))
        # Wide enough for the longest "Record" text, and for a patient's "⚠ CHANGED" mark that
        # arrived after the list was drawn (measured here: Qt's own measure of a column asks the
        # model for every role of every row, 108 ms at 192 sessions).
        metrics = self.table.fontMetrics()
        for name in ("Patient", "Record"):
            column = LIST_COLUMNS.index(name)
            wanted = max((metrics.horizontalAdvance(text) for text in self.model.column(name)),
                         default=0) + CELL_PADDING
            if wanted > self.table.columnWidth(column):
                self.table.setColumnWidth(column, min(wanted, LIST_COLUMN_MAX_PX))
        self._keep_record_in_sight()
        self._count()

    def _keep_record_in_sight(self) -> None:
        """Narrow the columns that elide well (the nurse's name, the protocol; each keeps its
        whole text in its tooltip) until the last column, "Record", fits the table's width: at
        1366x768 long nurse names and "⚠ against the gate" pushed it off the right edge, read
        "unchar" (a clinician's audit)."""
        table = self.table
        for name, width in self._natural.items():   # as wide as their text, then narrowed
            table.setColumnWidth(LIST_COLUMNS.index(name), width)
        header = table.horizontalHeader()
        over = sum(header.sectionSize(i) for i in range(header.count())) - column_room(table)
        for name in ELIDED_FIRST:
            if over <= 0:
                break
            column = LIST_COLUMNS.index(name)
            width = table.columnWidth(column)
            narrower = max(min(width, LIST_ELIDED_MIN_PX), width - over)
            table.setColumnWidth(column, narrower)
            over -= width - narrower

    def _listed(self) -> list[int]:
        return [s.id for s in self.model.sessions]

    def _checks(self, ids: list[int]) -> dict[int, RecordCheck]:
        """Each session's check: the whole one when made, else what the cheap check of its own
        row found, else not yet checked."""
        done = self.records.results()
        return {i: done.get(i) or (provisional(i, self._changed[i]) if i in self._changed
                                   else UNCHECKED)
                for i in ids}

    def _marks(self, ids: list[int]) -> tuple[dict[int, tuple[str, str]],
                                              dict[int, tuple[str, str]]]:
        """(marks after the patient, "Record" cells) by session id."""
        detailed = self.masking is None
        stopped = self.records.stopped_because
        marks, cells = {}, {}
        for session_id, check in self._checks(ids).items():
            mark = rc.record_mark(check, detailed)
            if mark is not None:
                marks[session_id] = mark
            cells[session_id] = rc.record_cell(check, detailed, stopped)
        return marks, cells

    def _count(self) -> None:
        flt = self.current_filter()
        if flt.since is not None and flt.until is not None and flt.until < flt.since:
            # Not "0 sessions", as if nothing had run on those days: the dates are swapped (two
            # calendar pop-ups), kept as set rather than one moved to meet the other unasked.
            self.count_label.setText(
                f"No sessions: the 'to' date, {flt.until:%a %d %b %Y}, is before the 'From' "
                f"date, {flt.since:%a %d %b %Y}: set them the other way round")
            return
        checks = self._checks(self._listed()).values()
        marked = sum(1 for c in checks if rc.record_mark(c) is not None)
        unchecked = sum(1 for c in checks if c.state is RecordState.UNCHECKED)
        choose = (f"{self._patients_to_choose} patients match: choose a session · "
                  if self._patients_to_choose else "")
        self.count_label.setText(choose + rc.list_count(len(self.model.sessions), self._hidden,
                                                        LIST_LIMIT, marked, unchecked))

    def _on_selection_changed(self, *_: object) -> None:
        chosen = 0 <= self._selected_row() < len(self.model.sessions)
        self.open_button.setEnabled(chosen)
        self.course_button.setEnabled(chosen and self.course_allowed)
        if chosen and self._patients_to_choose:   # chosen: "choose a session" said no more
            self._patients_to_choose = 0
            self._count()

    def _on_filter_changed(self, *_: object) -> None:
        self.refresh()

    def _on_date_check_changed(self, checked: bool) -> None:
        self.since_edit.setEnabled(checked)
        self.until_edit.setEnabled(checked)
        self.refresh()

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.model.sessions):
            self.open_requested.emit(self.model.session_at(row).id)

    def _on_course_clicked(self) -> None:
        row = self._selected_row()
        if 0 <= row < len(self.model.sessions):
            session = self.model.session_at(row)
            self.course_requested.emit(session.patient_id, session.id)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.table and event.type() == QtCore.QEvent.Type.Resize:
            self._keep_record_in_sight()
        # Enter opens the selected session (QTableView has no "activate on Enter" of its own on
        # every platform).
        if (watched is self.table and event.type() == QtCore.QEvent.Type.KeyPress
                and isinstance(event, QtGui.QKeyEvent)
                and event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter)):
            self._open_row(self._selected_row())
            return True
        return super().eventFilter(watched, event)


# ---- one session --------------------------------------------------------------------------------


class _SharedSplit(QtWidgets.QSplitter):
    """The trend over the tables, shared by `share(total) -> the trend's height` whenever the
    height they share changes (a banner shown or gone, the window resized); a drag of the
    handle holds until then.

    Shared once, at the first show, the split kept a banner's session's shares: the next
    session without one gave the room the banner left 5:4 to the trend, and the alarm table
    showed three rows at 1366x768 instead of four.
    """

    def __init__(self, share: Callable[[int], int]) -> None:
        super().__init__(QtCore.Qt.Orientation.Vertical)
        self._share = share
        self._shared_at = -1   # the height last shared

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.height() != self._shared_at and self.count() == 2:
            self._shared_at = total = self.height()
            trend = self._share(total)
            self.setSizes([trend, total - trend])


class _LeastHeightColumn(QtWidgets.QWidget):
    """A page's column in a resizable scroll area: as tall as the area when it fits, else its
    least height at its width (each wrapped label's lines, each widget's minimum), scrolled.

    A scroll area gives a widget whose layout wraps text its preferred height for its width
    (`heightForWidth`): the trend's and the tables' preferred heights, more than a laptop's
    window, which would scroll every page.
    """

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        layout = self.layout()
        return layout.totalMinimumHeightForWidth(width) if layout is not None else -1


class SessionDetailPage(QtWidgets.QWidget):
    """One session in full: header, trend, tables, annotate and export.

    Signals:
        back_requested(): return to the list.
        course_requested(str, int): show this patient's course (the patient id, and this
            session's id: its course is the one shown).
        annotate_requested(): the user pressed "Add annotation…".
        export_requested(str): an export button (its key) was pressed.
    """

    back_requested = QtCore.Signal()
    course_requested = QtCore.Signal(str, int)
    annotate_requested = QtCore.Signal()
    export_requested = QtCore.Signal(str)

    def __init__(self, exports: Exports, tz: tzinfo | None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPage")
        self.tz = tz
        self.detail: SessionDetail | None = None
        self.protocol: Protocol | None = None
        self.trend: TrendPlot | None = None
        self.title = _label(role="title", wrap=True)
        self.subtitle = _label(role="subtitle", wrap=True)
        self.demo_label = _label("DEMO: not patient data", role="demo")
        self.demo_label.setVisible(False)
        # A record changed outside the console (or not checkable): above everything the page
        # shows, in the banner colours, until another session is shown.
        self.integrity_banner = _label(wrap=True)
        font = QtGui.QFont(self.integrity_banner.font())
        font.setPointSize(CONTROL_POINTS)
        font.setBold(True)
        self.integrity_banner.setFont(font)
        t = theme.current()
        self.integrity_banner.setStyleSheet(
            f"color: {t.banner_text}; background: {t.banner_bg}; padding: 6px 10px;"
            f" border: 2px solid {t.banner_border};")
        self.integrity_banner.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)   # the verify command
        self.integrity_banner.setVisible(False)
        # A discharge against the discharge gate, said where the discharge time is read: the
        # override alone sat in the Checklist tab (nurse walk, 2 Dec 2026: "discharged 13:52
        # (T0 + 6 min)" and nothing else on screen). A session never ended says so here in the
        # PDF's words ("SESSION NOT ENDED … incomplete"): the title's "still open" alone.
        self.discharge_banner = _label(role="warning", wrap=True)
        self.discharge_banner.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.discharge_banner.setVisible(False)
        for label in (self.title, self.subtitle):
            label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                QtWidgets.QSizePolicy.Policy.Preferred)
        self.back_button = QtWidgets.QPushButton("◀ Sessions")
        self.annotate_button = QtWidgets.QPushButton("Add annotation…")
        self.course_button = QtWidgets.QPushButton("Course")
        self.paper_box = QtWidgets.QComboBox()
        self.paper_box.addItems(["A4", "Letter"])
        self.paper_box.setToolTip("Paper size of the PDF report")
        self.deidentify = QtWidgets.QCheckBox("De-identify")
        self.deidentify.setToolTip("Exports get a pseudonym instead of the patient ID, shifted "
                                   "dates, staff numbers instead of names and no free text")
        self.export_buttons: dict[str, QtWidgets.QPushButton] = {}
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.back_button)
        bar.addWidget(self.annotate_button)
        bar.addWidget(self.course_button)
        bar.addStretch(1)
        bar.addWidget(_label("Export"))
        bar.addWidget(self.deidentify)
        for key, export in exports.items():
            button = QtWidgets.QPushButton(export.label)
            button.clicked.connect(lambda _=False, k=key: self.export_requested.emit(k))
            self.export_buttons[key] = button
            bar.addWidget(button)
            if key == "pdf":
                bar.addWidget(self.paper_box)
        self._exports = exports
        self.back_button.clicked.connect(self.back_requested.emit)
        self.annotate_button.clicked.connect(self.annotate_requested.emit)
        self.course_button.clicked.connect(self._on_course_clicked)

        # Tables.
        self.alarm_model = RowsModel(rc.ALARM_COLUMNS, self)
        self.alarm_model.header_tips = dict(rc.ALARM_COLUMN_TIPS)
        self.vitals_model = RowsModel(rc.VITAL_COLUMNS, self)
        self.vitals_model.header_tips = {"Min": rc.MIN_COLUMN_TIP}
        self.checklist_model = RowsModel(rc.CHECKLIST_COLUMNS, self)
        self.override_model = RowsModel(rc.OVERRIDE_COLUMNS, self)
        self.observation_model = RowsModel(("Time",), self)
        self.note_model = RowsModel(rc.NOTE_COLUMNS, self)
        self.phase_model = RowsModel(rc.PHASE_COLUMNS, self)
        self.alarm_table = make_table(self.alarm_model)
        # Every column in sight at 1366 px: the long ones wrap (QA: "Cleared" was cut off).
        fit_to_width(self.alarm_table, [rc.ALARM_COLUMNS.index(c) for c in (
            "Alarm", "Acknowledged", "To ack", "Audio paused", "Cleared")])
        self.vitals_table = make_table(self.vitals_model)
        # Shown over an empty table only (an empty table had said nothing of why).
        self.vitals_empty = _label(rc.NO_VITALS, role="subtitle")
        self.vitals_empty.setVisible(False)
        self.checklist_table = make_table(self.checklist_model)
        self.override_table = make_table(self.override_model)
        self.observation_table = make_table(self.observation_model)
        self.note_table = make_table(self.note_model)
        # A note taller than the table: its time, kind and author at its top, and the table
        # scrolls through it by pixel (centred, they sat out of sight beside the text: a
        # records audit; by item, its end could not be reached).
        self.note_model.align_top = True
        self.note_table.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.phase_table = make_table(self.phase_model)
        self.signature_model = RowsModel(rc.SIGNATURE_COLUMNS, self)
        self.signature_table = make_table(self.signature_model)
        # Status in sight at 1366 px ("UNSIGNED", "RECORD CHANGED" were off the right edge):
        # the record's text and the names wrap instead.
        fit_to_width(self.signature_table, [rc.SIGNATURE_COLUMNS.index(c) for c in (
            "Record", "Meaning", "Signed by", "Record time", "Signed at")])
        self.signature_summary = _label(role="subtitle", wrap=True)
        self.signed: SessionSignatures | None = None
        self.show_reminders = QtWidgets.QCheckBox("show reminders")
        self.show_reminders.setToolTip("List the vitals-due reminders too (info prompts that "
                                       "never rose to an alarm)")
        self.show_reminders.toggled.connect(self._on_show_reminders_changed)
        self.alarm_summary = _label(role="subtitle", wrap=True)
        self.override_summary = _label(role="subtitle")
        self.scale_summary = _label(role="subtitle", wrap=True)
        self.protocol_label = _label(role="subtitle", wrap=True)
        self.protocol_warning = _label(role="warning", wrap=True)
        self.protocol_warning.setVisible(False)

        self.tabs = QtWidgets.QTabWidget()
        # The alarm counts and the reminders switch sit beside the tabs, not in a row of their
        # own: at 1366x768 every row of height is taken from the trend.
        alarm_head = QtWidgets.QWidget()
        head_layout = QtWidgets.QHBoxLayout(alarm_head)
        head_layout.setContentsMargins(0, 0, 4, 0)
        head_layout.addWidget(self.alarm_summary)
        head_layout.addWidget(self.show_reminders)
        self.alarm_summary.setWordWrap(False)
        self.tabs.setCornerWidget(alarm_head, QtCore.Qt.Corner.TopRightCorner)
        self.tabs.addTab(self.alarm_table, "Alarms")
        # No margin: with rows (the line hidden) the table has the room it had as the tab.
        self.vitals_page = self._page(self.vitals_empty, self.vitals_table, margin=0)
        self.tabs.addTab(self.vitals_page, "Vitals")
        self.tabs.addTab(self._checklist_page(), "Checklist")
        self.tabs.addTab(self._page(self.scale_summary, self.observation_table), "Observations")
        self.tabs.addTab(self.note_table, "Notes")
        self.tabs.addTab(self._page(self.protocol_label, self.protocol_warning, self.phase_table),
                         "Protocol")
        self.tabs.addTab(self._page(self.signature_summary, self.signature_table), "Signatures")

        self.split = _SharedSplit(self.trend_height)
        self.trend_holder = QtWidgets.QWidget()
        self._trend_layout = QtWidgets.QVBoxLayout(self.trend_holder)
        self._trend_layout.setContentsMargins(0, 0, 0, 0)
        self.split.addWidget(self.trend_holder)
        self.split.addWidget(self.tabs)
        self.split.setStretchFactor(0, 5)
        self.split.setStretchFactor(1, 4)
        self.split.setChildrenCollapsible(False)
        # The trend keeps its four rows readable (no text of it overlaps from 350 px); the tables
        # scroll.
        self.trend_holder.setMinimumHeight(TREND_MIN_PX)
        self.tabs.setDocumentMode(True)   # no frame round the tables: their rows get its height
        head = QtWidgets.QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.demo_label)
        column = _LeastHeightColumn()
        layout = QtWidgets.QVBoxLayout(column)
        # Tight: at 1366x768 each pixel of height left here is a table row's (QA: three rows
        # showed under the trend).
        layout.setContentsMargins(6, 2, 6, 0)
        layout.setSpacing(3)
        layout.addLayout(head)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.integrity_banner)
        layout.addWidget(self.discharge_banner)
        layout.addLayout(bar)
        layout.addWidget(self.split, 1)
        # The page scrolls as a whole when its banners, the trend and the tables at their least
        # do not fit: at 1366x768 a changed record's banner (four lines) and "SESSION NOT
        # ENDED" (two) left the tables 150 px, under the trend and out of the window, their tab
        # bar and header cut off. When all of it fits, it is as tall as the window, as before;
        # in a window narrower than its buttons it scrolls sideways, none out of reach.
        self.page_scroll = QtWidgets.QScrollArea()
        self.page_scroll.setWidget(column)
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        page = QtWidgets.QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.page_scroll)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        # Here, not when built: the tab bar has the window's font once the page is in it.
        self.tabs.setMinimumHeight(self.tables_least_height())

    def trend_height(self, total: int) -> int:
        """The trend's share of the `total` height the trend and the tables split.

        Most of it to the trend (60 %), but the tables keep room for their header and
        `TABLE_ROWS` alarm rows of two lines, as long as the trend keeps `TREND_MIN_PX`: at
        1366x768 the trend took 70 % and the tables showed two alarm rows and a half, three
        rows of vitals (QA). At 1920x1080 the 60 % leaves the tables more than that anyway.
        """
        table = self.alarm_table
        row = 2 * table.fontMetrics().lineSpacing() + 6   # a row whose text wraps once
        tables = (self.tabs.tabBar().sizeHint().height()
                  + table.horizontalHeader().sizeHint().height()
                  + 2 * table.frameWidth() + TABLE_ROWS * row)
        return max(TREND_MIN_PX, min(int(total * 0.6), total - tables))

    def tables_least_height(self) -> int:
        """The least height of the tabs under the trend: their tab bar, a table's header and
        `TABLE_MIN_ROWS` one-line rows (a row is its text and 4 px: `make_table`)."""
        table = self.vitals_table
        return (self.tabs.tabBar().sizeHint().height()
                + table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
                + TABLE_MIN_ROWS * (table.fontMetrics().lineSpacing() + 4))

    def _checklist_page(self) -> QtWidgets.QScrollArea:
        """Overrides and prescriber decisions, then the ticks, on one page that scrolls as a whole.

        At 1366x768 the tabs get ~150 px: split between two tables, each showed a sliver of a
        row (QA). Here each keeps a few readable rows (`keep_rows`) and the page scrolls; the
        overrides take no more height than their rows, so at 1920x1080 the ticks get the rest.
        A tick's item text takes the spare width (the note is mostly empty), so ticks stay on
        one line; rows scroll by pixel, so an override longer than the table can still be read.
        """
        for table in (self.checklist_table, self.override_table):
            table.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.override_model.align_top = True
        self.checklist_table.horizontalHeader().setStretchLastSection(False)
        self.checklist_table.horizontalHeader().setSectionResizeMode(
            rc.CHECKLIST_COLUMNS.index("Item"), QtWidgets.QHeaderView.ResizeMode.Stretch)
        keep_rows(self.checklist_table, rows=3, lines=6)
        keep_rows(self.override_table, rows=3, lines=6, fit_content=True)
        # Overrides first: few, and what a reviewer looks for; with none, their one line says so
        # and the ticks (no title of their own: the tab says it) fill the rest.
        page = self._page(self.override_summary, self.override_table, self.checklist_table)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        self.checklist_scroll = scroll
        return scroll

    @staticmethod
    def _page(*widgets: QtWidgets.QWidget, margin: int = 2) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.setContentsMargins(margin, margin, margin, margin)
        for w in widgets:
            layout.addWidget(w, 1 if isinstance(w, QtWidgets.QTableView) else 0)
        return page

    # ---- filling ----------------------------------------------------------------------------

    def show_session(self, detail: SessionDetail, protocol: Protocol | None,
                     signed: SessionSignatures | None = None, integrity: str = "") -> None:
        """Render `detail` (its protocol draws the limits; None draws none), its signatures
        (None: not shown, e.g. de-identified) and `integrity`, the warning that its record does
        not match the log's hash chain ('' when it does: no banner)."""
        # At its top: its title and banners first, wherever the last session was scrolled to.
        self.page_scroll.verticalScrollBar().setValue(0)
        self.integrity_banner.setText(integrity)
        self.integrity_banner.setVisible(bool(integrity))
        ending = (rc.discharge_override_text(detail, self.tz)
                  or rc.not_ended_text(detail, self.tz))
        self.discharge_banner.setText(ending)
        self.discharge_banner.setVisible(bool(ending))
        self.detail = detail
        self.protocol = protocol
        self.signed = signed
        s = detail.summary
        course = protocol.course_sessions if protocol is not None else None
        fields = dict(rc.header_fields(detail, self.tz, course, protocol))
        number = f"{s.session_number}" + (f" of {course}" if course else "")
        self.title.setText(f"{s.patient_id} · session {number} · {fields['Date']}")
        self.subtitle.setText(
            # Every nurse who ran it, in order ("nurse.ana, then nurse.bea from 09:20").
            f"{s.protocol_id} v{detail.protocol_version} · nurse {fields['Nurse']} · "
            f"{fields['Weight']}"
            f" · dose {fields['Dose']} · T0 {fields['T0 (first dose)']}"
            # "discharged 10:20 (…)", or what the session is instead: "session open".
            f" · {'discharged ' if s.discharged_at is not None else ''}{fields['Discharged']}"
            # The zone once on screen, as the PDF's footer says it (the tables show clock times;
            # both zones for a session across a change of offset, each time marked with its own).
            f" · times {rc.session_zone(detail, self.tz)}")
        self.subtitle.setToolTip(f"{fields['Protocol']} · log session {s.id}")
        self.demo_label.setVisible(s.demo)
        for key, button in self.export_buttons.items():
            button.setEnabled(self._export_allowed(key))
        self._show_trend(detail, protocol)
        self._fill_tables()

    def clear(self) -> None:
        """Show no session: the view became de-identified, and what it showed may not stay
        (nor be a tab away) until a session is shown again under the new rule."""
        self.detail = None
        self.protocol = None
        self.signed = None
        for label in (self.title, self.subtitle, self.integrity_banner, self.discharge_banner,
                      self.alarm_summary, self.override_summary, self.scale_summary,
                      self.protocol_label, self.protocol_warning, self.signature_summary):
            label.clear()
        self.subtitle.setToolTip("")
        for widget in (self.integrity_banner, self.discharge_banner, self.demo_label,
                       self.protocol_warning):
            widget.setVisible(False)
        if self.trend is not None:
            self.trend.setParent(None)
            self.trend.deleteLater()
            self.trend = None
        for model in (self.alarm_model, self.vitals_model, self.checklist_model,
                      self.override_model, self.observation_model, self.note_model,
                      self.phase_model, self.signature_model):
            model.set_rows([])
        for button in self.export_buttons.values():
            button.setEnabled(False)

    def _export_allowed(self, key: str) -> bool:
        if self.detail is None:
            return False
        if not self._exports[key].esketamine_only:
            return True
        from console.export.rems import is_rems_protocol

        # The export's own rule (the protocol's route and dose; its id only without its text):
        # by `rems_fields`, the button could be offered for a form the export then refused.
        return is_rems_protocol(self.detail.summary.protocol_id, self.protocol)

    def _show_trend(self, detail: SessionDetail, protocol: Protocol | None) -> None:
        if self.trend is not None:
            self.trend.setParent(None)
            self.trend.deleteLater()
        observations, events, alarms = rc.trend_inputs(detail)
        self.trend = TrendPlot.for_session(protocol, observations, events, alarms,
                                           detail.summary.started_at, demo=detail.summary.demo)
        end = detail.summary.ended_at
        if end is not None:
            # The end on the axis the points are on, the logged clock steps left out: by wall
            # time the whole-session view ran an hour past the last value after NTP set the
            # clock forward.
            self.trend.set_now(self.trend.feed.minutes_at(end))
            self.trend.refresh()
        self._trend_layout.addWidget(self.trend)

    def _fill_tables(self) -> None:
        detail, tz = self.detail, self.tz
        if detail is None:
            return
        self._fill_alarms()
        vitals = rc.vital_rows(detail, tz, self.protocol)
        self.vitals_model.set_rows(vitals)
        self.vitals_empty.setVisible(not vitals)
        self.checklist_model.set_rows(rc.checklist_rows(detail, tz))
        overrides = rc.override_rows(detail, tz)
        # A refused discharge the nurse respected is listed, neither marked nor counted as an
        # override (`rc.override_count`).
        self.override_model.set_rows(overrides, [
            None if row[1] == rc.DISCHARGE_REFUSED else ("banner_bg", "banner_text")
            for row in overrides])
        self.override_table.setVisible(bool(overrides))   # the summary says there is none
        counted, refused = rc.override_count(detail), rc.refused_discharge_words(detail)
        said = (f"Overrides and prescriber decisions: {counted}" if counted
                else "No override: every refusal was respected")
        self.override_summary.setText(f"{said} · {refused}" if refused else said)
        self.observation_model.set_rows(rc.observation_rows(detail, tz),
                                        columns=rc.observation_columns(detail))
        maxima = rc.scale_maxima(detail)
        self.scale_summary.setText(" · ".join(f"{name} {text}" for name, text in maxima)
                                   or "No observation scale was recorded")
        notes = rc.note_rows(detail, tz)
        self.note_model.set_rows(notes, [("note_bg", "note_text") if r[1] == "Review annotation"
                                         else None for r in notes])
        self.phase_model.set_rows(rc.phase_rows(detail, tz))
        # Here, not after the signatures: a de-identified view has none and returned before
        # these were fitted (a reviewer saw the "BP mmHg" header clipped).
        for table in (self.vitals_table, self.checklist_table, self.override_table,
                      self.observation_table, self.note_table, self.phase_table):
            fit_columns(table)
        self._fill_protocol()
        self._fill_signatures()

    def _fill_signatures(self) -> None:
        signed = self.signed
        if signed is None:
            self.signature_model.set_rows([])
            self.signature_summary.setText("Signatures are not shown with de-identified records "
                                           "(they name staff)." if self.detail is not None
                                           else "")
            return
        detail = self.detail
        zoned = detail is not None and rc.spans_zone_change(detail, self.tz)
        rows = rc.signature_rows(signed, self.tz, zoned, session_start=(
            detail.summary.started_at if detail is not None else None))
        self.signature_model.set_rows(rows, [None if r[-1] == "valid" else
                                             ("banner_bg", "banner_text") for r in rows],
                                      bold_rows=[i for i, r in enumerate(rows)
                                                 if r[-1] != "valid"])
        # The rows are fitted to the table's width on their refill (`fit_to_width`): fitting
        # them to their contents after that put Status off the right edge at 1366x768 whenever
        # a session was opened with this tab in front (a clinician's audit).
        self.signature_summary.setText(rc.signature_summary(signed))

    def _fill_alarms(self) -> None:
        detail = self.detail
        if detail is None:
            return
        rows = rc.alarm_rows(detail, self.tz, self.show_reminders.isChecked())
        self.alarm_model.set_rows([r.cells for r in rows],
                                  [priority_colours(r.priority) for r in rows],
                                  bold_rows=[i for i, r in enumerate(rows) if r.priority == "high"])
        counts = detail.summary.alarms_by_priority
        self.alarm_summary.setText(f"Alarms: {rc.alarm_breakdown(counts)}")
        # The columns were fitted to the table's width as the rows were set (fit_to_width).

    def _fill_protocol(self) -> None:
        detail = self.detail
        if detail is None:
            return
        base = rc.baseline_words(detail, self.tz)
        t0 = (rc.hhmm(detail.t0, self.tz, zoned=rc.spans_zone_change(detail, self.tz))
              if detail.t0 else "not dosed")
        self.protocol_label.setText(
            f"Protocol in force: {rc.protocol_text(detail)} · T0 {t0}"
            + (f" · baseline {base}" if base else ""))
        logged = detail.protocol_version
        if self.protocol is None:
            warning = (f"The protocol file {detail.summary.protocol_id!r} is not installed here: "
                       "the trend shows no limit lines.")
        elif self.protocol.version != logged:
            warning = (f"Limit lines drawn from {self.protocol.id} version "
                       f"{self.protocol.version}; "
                       f"this session ran version {logged}.")
        else:
            warning = ""
        self.protocol_warning.setText(warning)
        self.protocol_warning.setVisible(bool(warning))

    def _on_show_reminders_changed(self, _checked: bool) -> None:
        self._fill_alarms()

    def _on_course_clicked(self) -> None:
        if self.detail is not None:
            self.course_requested.emit(self.detail.summary.patient_id, self.detail.summary.id)


# ---- the course ---------------------------------------------------------------------------------


class CoursePage(QtWidgets.QWidget):
    """One course of a patient, the sessions of one route (`rc.route_courses`), side by side
    (columns = sessions, oldest first), and their vitals drawn over each other from each
    session's T0 (the "Trend from T0" tab, read when shown, in the background:
    `CourseTrendReader`; the tab says so meanwhile and the window stays usable). A patient with
    sessions of two routes has two courses: the page shows one, and offers the other beside the
    patient (`route_box`).

    Signals:
        open_requested(int): a session's column was double-clicked (its id).
        trend_woke(): internal; the course's trend has been read (emitted from the reader's
            thread, queued to this one).
    """

    open_requested = QtCore.Signal(int)
    trend_woke = QtCore.Signal()

    def __init__(self, conn: sqlite3.Connection, tz: tzinfo | None,
                 records: ChainSweep | None = None,
                 protocols: Mapping[str, Protocol] | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPage")
        self.conn = conn
        self.tz = tz
        # The installed protocol files: the trend's limits for a session that logged none.
        self.protocols = dict(protocols or {})
        # Each session's rows against the hash chain (shared with the list); its sessions are
        # checked first while the course is shown.
        self.records = records if records is not None else ChainSweep(queries.log_path(conn))
        self._changed: dict[int, str] = {}   # the cheap check of the sessions shown
        self.include_demo = False
        # False once the view is de-identified (`clear`): no patient's course, nor its name in
        # the box, from then on.
        self.allowed = True
        # Told the sessions about to be shown (an access_log read each); returns why they may
        # not be shown, or None. None: shown without asking.
        self.before_show: Callable[[list[int]], str | None] | None = None
        self.patient_box = QtWidgets.QComboBox()
        self.patient_box.setMinimumWidth(240)
        # As wide as a usual identifier, not the longest listed (64 characters are allowed: the
        # window grew to 2031 px); a longer one is cut here, whole in the list and the title.
        self.patient_box.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.patient_box.setMinimumContentsLength(PATIENT_BOX_CHARACTERS)
        # The patient's courses, one per route, when there are two or more (review 48: an IV
        # and an esketamine course read as one, "Session 1 · Session 2 · Session 1").
        self.route_box = QtWidgets.QComboBox()
        self.route_box.setVisible(False)
        self.courses: list[rc.RouteCourse] = []
        # The session the course was asked from (its course is shown), and the course chosen
        # last, by patient (kept when the course is read again).
        self._from_session: int | None = None
        self._route: tuple[str, str] | None = None
        # Wraps, as the Session page's title does, rather than widening the window.
        self.title = _label(role="title", wrap=True)
        self.title.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                 QtWidgets.QSizePolicy.Policy.Preferred)
        self.hint = _label("Double-click a column to open that session", role="subtitle")
        # The zone of the course's times, once on the page (the session page's subtitle says it).
        self.zone_label = _label(role="subtitle")
        self.zone_label.setToolTip(ZONE_TIP)
        self.zone_label.setVisible(False)
        self.error_label = _label(role="warning", wrap=True)   # a course that could not be read
        self.error_label.setVisible(False)
        self.model = CourseModel(tz, self)
        self.table = make_table(self.model, stretch_last=False, row_titles=True)
        self.table.verticalHeader().setVisible(True)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectColumns)
        self.table.doubleClicked.connect(self._on_double_clicked)
        # Every session in sight, its longer cells wrapping ("36 mg planned; ended at 11 of 40
        # min"): at 1366x768 a course of six had its last column off the right edge, behind a
        # sideways scroll (a clinician's audit); many more sessions still scroll.
        self.width_fit = fit_to_width(self.table, None, maximum=300)
        # The course's vitals on one scale, read only when its tab is shown: six sessions of a
        # monitor at 1 Hz are ~200,000 rows, and most visits to the course read the figures.
        # Read in the background (seconds: README), holding the checks of the records meanwhile;
        # the reader keeps the ended sessions it has read.
        self.trend = CourseTrendView()
        self._trend_stale = True   # the trend does not draw the course shown: read it
        self.trend_reading = False   # the course shown is being read for the trend
        self.course_trend = CourseTrendReader(queries.log_path(conn), self.protocols,
                                              self._wake_from_trend, hold=self.records.held)
        # Emitted from the reader's thread: the slot is queued to this one (Qt's automatic
        # connection), so the reader never touches a widget.
        self.trend_woke.connect(self._on_trend_read)
        self.views = QtWidgets.QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.table, "Figures")
        self.views.addTab(self.trend, "Trend from T0")
        self.views.currentChanged.connect(self._on_view_changed)
        # The hint beside the Figures tab it is about: in the patient's bar, beside the route
        # box, it made the window wider than 1366 px.
        self.views.setCornerWidget(self.hint, QtCore.Qt.Corner.TopRightCorner)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(_label("Patient"))
        bar.addWidget(self.patient_box)
        bar.addWidget(self.route_box)
        bar.addWidget(self.title, 1)
        bar.addWidget(self.zone_label)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.error_label)
        layout.addWidget(self.views, 1)
        # The patient whose course the table holds (None: none yet). The box and the table
        # agree whenever the page is on screen (QA: the box said MRN-4711 over an empty table,
        # filled before its signal was connected, and choosing the same patient did nothing).
        self.shown: str | None = None
        self._fill_patients(False)
        # `activated`: the user chose (mouse or keys), even the patient already chosen: the
        # course is read again. Changes made here do not emit it.
        self.patient_box.activated.connect(self._on_patient_chosen)
        self.route_box.activated.connect(self._on_route_chosen)

    def log_read_again(self) -> None:
        """The list was read again (Reload): the course shown is read again when next shown (at
        once if it is): after Reload it still showed 3 sessions where the list had the 4th a
        chair had started since (review 45)."""
        self.shown = None
        self._fill_patients(self.include_demo)
        self._follow_box()

    def reload_patients(self, include_demo: bool = False) -> None:
        """Refill the box (with demo patients or without), keeping its patient if still there."""
        self._fill_patients(include_demo)
        self._follow_box()

    def _fill_patients(self, include_demo: bool) -> None:
        self.include_demo = include_demo
        if not self.allowed:
            return
        current = self.patient_box.currentText()
        try:
            names = queries.patients(self.conn, include_demo)
        except queries.UnreadableLogError as exc:
            names = []
            self._say_unreadable(str(exc))
        self.patient_box.blockSignals(True)
        self.patient_box.clear()
        self.patient_box.addItems(names)
        self.patient_box.blockSignals(False)
        if current:
            self._put_in_box(current)

    def select_patient(self, patient_id: str, session_id: int | None = None) -> None:
        """Put `patient_id` in the box, `session_id`'s course to be shown (the session opened);
        the course is read when the page is shown (at once if it is on screen), so no course is
        read, or logged as read, that nobody looked at."""
        self._put_in_box(patient_id)
        if session_id is not None and all(r.session_id != session_id for r in self.model.course):
            self._from_session = session_id
            self.shown = None   # another course (or patient): read when shown
        self._follow_box()

    def _put_in_box(self, patient_id: str) -> None:
        """Select `patient_id` in the box whatever its spelling: the box lists each patient once,
        under its newest spelling (`queries.patients`), found by `patient_fold` (the exact text
        missed "mrn-94 a" listed as "MRN-94 A", and the box stayed on another patient, whose
        course the page then showed: review 48). A patient not listed, a demo one while demo
        sessions are left out, is added alone: the "Include demo" setting stays as it is."""
        if not self.allowed:
            return
        box = self.patient_box
        key = patient_fold(patient_id)
        index = next((i for i in range(box.count()) if patient_fold(box.itemText(i)) == key), -1)
        box.blockSignals(True)
        if index < 0:
            try:
                every = queries.patients(self.conn, include_demo=True)
            except queries.UnreadableLogError:
                every = []
            box.addItem(next((p for p in every if patient_fold(p) == key), patient_id))
            index = box.count() - 1
        box.setCurrentIndex(index)
        box.blockSignals(False)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._follow_box()

    def _follow_box(self) -> None:
        text = self.patient_box.currentText()
        if (text and (self.shown is None or patient_fold(text) != patient_fold(self.shown))
                and self.isVisible()):
            self.show_patient(text)

    def show_patient(self, patient_id: str, session_id: int | None = None) -> None:
        """Read and show `patient_id`'s course now: `session_id`'s when given (the session the
        clinician came from), else the course chosen last for this patient, else its latest
        session's."""
        if not self.allowed:
            return
        if session_id is not None:
            self._from_session = session_id
        with self.records.held():   # the background checks wait (console/review/integrity.py)
            self._show_patient(patient_id)
            self._show_zone()
            # Read again, as the table is (an open session grows); a read under way was for the
            # course shown before: its trend is never drawn.
            self._trend_stale = True
            self.trend_reading = False
            self.course_trend.cancel()
            self._follow_views()   # every way out of it: a course refused draws no trend

    def _show_patient(self, patient_id: str) -> None:
        self._put_in_box(patient_id)
        self.shown = patient_id
        demo = self.include_demo or patient_id.upper().startswith("DEMO")
        try:
            rows = queries.load_course(self.conn, patient_id, include_demo=demo)
        except queries.UnreadableLogError as exc:
            self._fill_routes([], None)
            self.model.set_course([])
            self.title.setText(f"Course of {patient_id}: not shown")
            self._say_unreadable(str(exc))
            return
        self.error_label.setVisible(False)
        courses = rc.route_courses(rows, self.protocols)
        course = self._course_to_show(patient_id, courses)
        self._fill_routes(courses, course)
        self._from_session = None
        shown = list(course.sessions) if course is not None else []
        ids = [r.session_id for r in shown]
        # Only the course shown is logged as read.
        refused = self.before_show(ids) if self.before_show else None
        if refused is not None:
            self.model.set_course([])
            self.title.setText(refused)
            return
        try:
            self._changed = queries.changed_sessions(self.conn, ids)
        except queries.UnreadableLogError as exc:
            self._changed = {}
            self._say_unreadable(str(exc))
        self.records.want(ids)   # this patient's sessions next
        self.model.set_course(shown, self._checks(shown))
        if course is None:
            self.title.setText(f"Course of {patient_id}: 0 sessions")
            return
        self._route = (patient_fold(patient_id), course.key)
        self.title.setText(course.title(patient_id))

    def _course_to_show(self, patient_id: str,
                        courses: list[rc.RouteCourse]) -> rc.RouteCourse | None:
        """The course of the session the clinician came from, else the one chosen last for this
        patient, else that of its latest session (None: no session)."""
        def holding(session_id: int | None) -> rc.RouteCourse | None:
            return next((c for c in courses
                         if any(r.session_id == session_id for r in c.sessions)), None)

        kept = next((c for c in courses if self._route == (patient_fold(patient_id), c.key)),
                    None)
        latest = max((r for c in courses for r in c.sessions),
                     key=lambda r: (r.started_at, r.session_id), default=None)
        return (holding(self._from_session) or kept
                or holding(latest.session_id if latest is not None else None))

    def _fill_routes(self, courses: list[rc.RouteCourse], shown: rc.RouteCourse | None) -> None:
        """The route box: the patient's courses, `shown` selected; hidden for one course."""
        self.courses = courses
        self.route_box.blockSignals(True)
        self.route_box.clear()
        self.route_box.addItems([c.choice() for c in courses])
        if shown is not None:
            self.route_box.setCurrentIndex(courses.index(shown))
        self.route_box.blockSignals(False)
        self.route_box.setVisible(len(courses) > 1)

    def clear(self) -> None:
        """Show no course from now on (`allowed` False): the view became de-identified, and a
        patient's course, named by the patient's identifier, may not be seen in it."""
        self.allowed = False
        self.course_trend.cancel()
        self.trend_reading = False
        self.shown = self._from_session = self._route = None
        self._changed = {}
        self._fill_routes([], None)
        self.patient_box.blockSignals(True)
        self.patient_box.clear()
        self.patient_box.blockSignals(False)
        self.model.set_course([])
        self._show_zone()
        self.title.clear()
        self.error_label.clear()
        self.error_label.setVisible(False)
        self._draw_trend(CourseTrend(()))

    def _show_zone(self) -> None:
        """The zone of the course's times beside its title; none without a course."""
        self.zone_label.setText(self.model.zone_text)
        self.zone_label.setVisible(bool(self.model.zone_text))

    def show_records(self) -> None:
        """Show the checks made since the course was drawn (in place)."""
        if self.model.course:
            self.model.set_records(self._checks(self.model.course))
            self.width_fit.fit()   # a title now marked "⚠ CHANGED" is not cut
            if not self._trend_stale:
                self.trend.set_legend(self._legend())

    def _on_view_changed(self, _index: int) -> None:
        self._follow_views()

    def _follow_views(self) -> None:
        """The hint that fits the tab in front; the trend read when its tab is in front and the
        course was read since it was drawn (and is not being read already)."""
        on_trend = self.views.currentWidget() is self.trend
        self.hint.setVisible(not on_trend)
        if on_trend and self._trend_stale and not self.trend_reading:
            self._read_trend()

    def _read_trend(self) -> None:
        """Ask the reader for the course's trend; the view says it is being read meanwhile."""
        course = self.model.course
        if not course:   # no course, or one refused: nothing to read
            self._draw_trend(CourseTrend(()))
            return
        self.trend_reading = True
        self.trend.show_reading(reading_text(len(course)))
        self.course_trend.request(course)

    def _wake_from_trend(self) -> None:
        """Called from the reader's thread: tells this one (a page already gone: nothing)."""
        try:
            self.trend_woke.emit()
        except RuntimeError:   # the page was deleted while the read ended
            pass

    def _on_trend_read(self) -> None:
        """Draw the trend read (only ever the latest request's: the reader drops the others)."""
        try:
            read = self.course_trend.take()
        except Exception as exc:   # a bug in the read: said here, then on to the fault handling
            self.trend_reading = False
            self.trend.show_reading(not_read_text(exc))
            raise
        if read is None:
            return
        self.trend_reading = False
        if read.unreadable:
            self._say_unreadable(read.unreadable)
        self._draw_trend(read.trend)

    def _draw_trend(self, trend: CourseTrend) -> None:
        self._trend_stale = False
        self.trend.show_trend(trend, self._legend(trend))

    def stop_reading(self) -> None:
        """End the reader's thread (the window closes or lets go of the log)."""
        self.trend_reading = False
        self.course_trend.stop()

    def _legend(self, trend: CourseTrend | None = None) -> list[str]:
        """Each session's legend: its column's title in the table ("⚠ CHANGED" too), its date,
        and for a session never dosed that it is drawn from its start."""
        shown = trend if trend is not None else self.trend.trend
        if shown is None:
            return []
        checks = self._checks([s.row for s in shown.sessions])
        return [legend_text(s, rc.course_header(s.row, checks.get(s.row.session_id)), self.tz)
                for s in shown.sessions]

    def _checks(self, rows: list[CourseRow]) -> dict[int, RecordCheck]:
        """As the list's: the whole check when made, else the cheap one's finding (a session
        in neither: not yet checked)."""
        done = self.records.results()
        out = {}
        for row in rows:
            i = row.session_id
            check = done.get(i) or (provisional(i, self._changed[i]) if i in self._changed
                                    else None)
            if check is not None:
                out[i] = check
        return out

    def _say_unreadable(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(True)

    def _on_patient_chosen(self, index: int) -> None:
        text = self.patient_box.itemText(index)
        if text:
            self.show_patient(text)

    def _on_route_chosen(self, index: int) -> None:
        """Another course of the patient shown: read and shown (and logged as read)."""
        if self.shown is not None and 0 <= index < len(self.courses):
            self._route = (patient_fold(self.shown), self.courses[index].key)
            self.show_patient(self.shown)

    def _on_double_clicked(self, index: QtCore.QModelIndex) -> None:
        if 0 <= index.column() < len(self.model.course):
            self.open_requested.emit(self.model.course[index.column()].session_id)


# ---- the window ---------------------------------------------------------------------------------


class ReviewWindow(QtWidgets.QMainWindow):
    """The review: list, session and course pages on tabs, over one read-only connection.

    Signals:
        records_woke(): internal; the background check of the sessions against the hash
            chain has results (emitted from its thread, queued to this one).
    """

    records_woke = QtCore.Signal()

    def __init__(self, conn: sqlite3.Connection, *, protocols: Mapping[str, Protocol],
                 clock: Clock, exports: Exports | None = None,
                 annotator: Annotator | None = None, dialogs: ReviewDialogs | None = None,
                 tz: tzinfo | None = None, source: str = "",
                 access: ReviewAccess | None = None,
                 signature_service: SignatureService | None = None,
                 records: ChainSweep | None = None,
                 lock_after_s: float = DEFAULT_LOCK_AFTER_S,
                 parent: QtWidgets.QWidget | None = None) -> None:
        """Build the window over `conn` (from `queries.open_readonly`).

        Args:
            conn: the read-only connection; closed by `close_log()`.
            protocols: protocol files by id (limit lines and course length come from them).
            clock: for the default date range and for annotation times.
            exports: export buttons (default: `default_exports()`).
            annotator: writes annotations; None disables "Add annotation…".
            dialogs: file and annotation questions (default: real Qt dialogs).
            tz: display zone (default: this computer's).
            source: the log's path, shown in the status bar.
            access: the signed-in account on a log with staff accounts (None: a log without
                accounts, read as before issue 13). Its first access-log row (the list) is
                written here.
            signature_service: asks an annotation's author for the PIN (default: the dialog).
            records: checks the sessions against the log's hash chain. Default: one on the
                log's file, started here in its own thread. One given is not started here
                (a test steps it by hand, then emits `records_woke`); either is stopped by
                `close_log()` and when the window closes.
            lock_after_s: with `access`, idle seconds before the records are hidden until the
                reader signs in again (console/ui/review_lock.py).

        Raises:
            LogError: the access log cannot be written (the review must not open).
            NotPermittedError: the account may not review.
        """
        super().__init__(parent)
        self.setWindowTitle("Infusion console: review of past sessions")
        _use_review_font(self)
        self.setStatusBar(WrappingStatusBar(self))
        self.resize(1366, 768)
        self.conn = conn
        self.protocols = dict(protocols)
        self.clock = clock
        self.tz = tz
        self.annotator = annotator
        self.access = access
        self._signature_service = signature_service
        # One key for the de-identified VIEW: a reader sees the same pseudonym for a patient on
        # the list and in each session while browsing. It is never written anywhere: each
        # exported file gets a key of its own (`export`).
        self._key = os.urandom(32)
        # The session as loaded, before the view's de-identification: what an export starts from.
        self._loaded: SessionDetail | None = None
        # The log file, named in the messages that say to run `infusion-console verify` on it.
        self._log_file = str(queries.log_path(conn))
        held = held_file(Path(self._log_file))
        if access is not None and held is not None:   # its writes go into the file read here
            access.held = held
        # Where the last export went (the next one starts there); None: the home folder.
        self._export_folder: Path | None = None
        # The hash-chain check of each session opened (why it could not be made, when not):
        # its banner, and the box atop its PDF report.
        self._chains: dict[int, ChainCheck | str] = {}
        # The view is de-identified (`_deidentify_everything`): it stays so until the review is
        # opened again, whatever roles the account is given meanwhile.
        self._deidentified = False
        if access is not None:
            access.record_read(None, "list", "session list")
        self.exports: Exports = (exports if exports is not None
                                 else default_exports(lambda: self.paper_size(),
                                                      self._signatures_for_export,
                                                      self._warning))
        self.dialogs: ReviewDialogs = dialogs or QtReviewDialogs(self)
        if access is not None and isinstance(self.dialogs, QtReviewDialogs):
            self.dialogs.author = access.account.name
        today = rc.local(clock.now().wall, tz).date()
        try:
            seen = {s.protocol_id for s in queries.list_sessions(
                conn, SessionFilter(include_demo=True), LIST_LIMIT, tz=tz)}
        except queries.UnreadableLogError:
            seen = set()   # the list page says why it is empty (a damaged log)
        start_records = records is None
        self.records = records if records is not None else ChainSweep(Path(self._log_file))
        self.list_page = SessionListPage(conn, sorted(seen | set(self.protocols)), today, tz,
                                         self.records)
        self.detail_page = SessionDetailPage(self.exports, tz)
        self.course_page = CoursePage(conn, tz, self.records, self.protocols)
        # The checks' thread wakes this one: emitted there, the slot is queued to this thread
        # (Qt's automatic connection), so the thread never touches a widget.
        self.records_woke.connect(self._on_records_changed)
        if start_records:
            self.records.start(self._wake_from_records)
        if access is not None:   # every course shown is logged, however the page was reached
            self.course_page.before_show = lambda ids: self._logged_read(
                lambda: [access.record_read(i, "review", "course of the patient") for i in ids],
                course=True)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setDocumentMode(True)   # no frame: its height is the tables' (1366x768)
        self.tabs.addTab(self.list_page, "Sessions")
        self.tabs.addTab(self.detail_page, "Session")
        self.tabs.addTab(self.course_page, "Course")
        self.tabs.setTabEnabled(1, False)
        self.lock: ReviewLock | None = None
        if access is not None:   # a signed-in review locks when left idle
            self.lock = ReviewLock(access, clock, lock_after_s, self)
            self._pages = QtWidgets.QStackedWidget()
            self._pages.addWidget(self.tabs)
            self._pages.addWidget(self.lock)
            self.lock.locked_changed.connect(self._on_locked_changed)
            self.setCentralWidget(self._pages)
        else:
            self.setCentralWidget(self.tabs)
        self.detail_page.annotate_button.setEnabled(annotator is not None or access is not None)
        if annotator is None and access is None:
            self.detail_page.annotate_button.setToolTip("This review was opened without write "
                                                        "access: annotations are off")
        self.list_page.open_requested.connect(self.open_session)
        self.list_page.course_requested.connect(self.show_course)
        self.list_page.include_demo.toggled.connect(self.course_page.reload_patients)
        self.list_page.reload_button.clicked.connect(self.course_page.log_read_again)
        self.detail_page.back_requested.connect(lambda: self.tabs.setCurrentWidget(self.list_page))
        self.detail_page.course_requested.connect(self.show_course)
        self.detail_page.annotate_requested.connect(self.annotate)
        self.detail_page.export_requested.connect(self.export)
        self.course_page.open_requested.connect(self.open_session)
        where = (f"Session log (read-only): {source}" if source else
                 "Session log opened read-only")
        # None: the log has no staff account (build_review_window refuses None otherwise).
        self._unlogged = access is None and not needs_sign_in(conn)
        self._source_where = where
        if self._unlogged:
            where = f"{NO_ACCOUNTS} ({FIRST_ADMINISTRATOR}) · {where}"
            # An account created while it is open ends its unlogged reads (`_accounts_since`).
            self.list_page.before_read = self._accounts_since
            self.course_page.before_show = lambda _ids: self._accounts_since()
        self._log_where = where   # the log's part of the status bar's first message
        if access is not None and access.deidentified:
            self._deidentify_everything()
        self.statusBar().showMessage(self._where())
        # Typing starts in the patient search (the list when there is none): the keys went to
        # the tab bar, and an identifier typed at once was lost.
        box = self.list_page.patient_box
        (box if not box.isHidden() else self.list_page.table).setFocus()

    def _on_locked_changed(self, locked: bool) -> None:
        """The lock's page over the records, or the records again. The status bar is the
        window's, not the tabs': the last export's or annotation's message names the patient
        ("CSV written: …/MRN-4711-session2-…"), and the lock left it in sight (review 47). It
        is cleared; the unlock says who is signed in and where the log is, as at the start."""
        assert self.lock is not None
        refused = None if locked else self._follow_roles()
        self._pages.setCurrentWidget(self.lock if locked else self.tabs)
        if locked:
            self.statusBar().clearMessage()
        else:
            self.statusBar().showMessage(self._where())
        if refused is not None:
            self.dialogs.error("Session not shown", refused)

    def _accounts_since(self) -> str | None:
        """A review opened unlogged (the log had no staff account): why it may not read, export
        or annotate now that the log holds an account (`accounts_since_open`), said in the
        status bar too; None while it holds none, and always for a signed-in review."""
        if not self._unlogged:
            return None
        refused = accounts_since_open(self.conn)
        if refused is not None and not self._log_where.startswith(refused):
            self._log_where = f"{refused} · {self._source_where}"
            self.statusBar().showMessage(self._log_where)
        return refused

    def _where(self) -> str:
        """The status bar's message as the review opens or unlocks: who is signed in (with the
        roles of the last access) and where the log is. It names no patient."""
        access = self.access
        if access is None:
            return self._log_where
        a = access.account
        return (f"Signed in as {a.name} ({a.roles_text}) · every session read is logged · "
                f"{self._log_where}")

    def _follow_roles(self) -> str | None:
        """At the unlock, which read the account as the log holds it now: one that sees
        de-identified records only since (its clinical role taken away while the review was
        locked) gets the whole view de-identified before the tabs are shown again; the session
        it was reading is shown again de-identified (a read, logged). The sentence why that
        session is not shown (then none is), or None. An account given more rights keeps the
        de-identified view until the review is opened again."""
        access = self.access
        if access is None or not access.deidentified or self._deidentified:
            return None
        was = self.tabs.currentWidget()
        self._deidentify_everything()
        loaded = self._loaded
        refused = (self._show_loaded(loaded, "shown again, de-identified, at the unlock")
                   if loaded is not None else None)
        if was is self.list_page:   # where the reader was, when it is still there
            self.tabs.setCurrentWidget(self.list_page)
        return refused

    def _deidentify_everything(self) -> None:
        """A reviewer-only account: de-identified list and sessions, no course, forced exports.
        What an identified view showed is cleared (the session, the course): the caller shows
        again what may be shown."""
        from console.export.deidentify import local_shift, pseudonym, shift_for  # noqa: PLC0415

        self._deidentified = True
        key, weeks = self._key, shift_for(self._key)

        def mask(s: SessionSummary) -> SessionSummary:
            # The session page's shift (deidentify): its local time of day kept, so the list
            # and the page say one time (the list read 10:00 for a page's 09:00).
            shift = local_shift(s.started_at, weeks)

            def moved(t: datetime | None) -> datetime | None:
                return t + shift if t is not None else None

            return dataclasses.replace(
                s, patient_id=pseudonym(s.patient_id, key), nurse="staff",
                started_at=s.started_at + shift, ended_at=moved(s.ended_at),
                discharged_at=moved(s.discharged_at))

        self.list_page.masking = mask
        self.list_page.masking_shift = weeks
        search = self.list_page.patient_box
        search.hide()   # a search by identifier would probe identities
        search.blockSignals(True)   # an identifier typed before filters the list no more
        search.clear()
        search.blockSignals(False)
        self.list_page.course_allowed = False
        self.list_page.refresh()
        self.detail_page.clear()
        self.detail_page.course_button.setEnabled(False)
        self.course_page.clear()
        self.tabs.setTabEnabled(1, False)
        self.tabs.setTabEnabled(2, False)
        if self.tabs.currentWidget() is not self.list_page:
            self.tabs.setCurrentWidget(self.list_page)
        box = self.detail_page.deidentify
        box.setChecked(True)
        box.setEnabled(False)
        box.setToolTip("Your account sees de-identified records only (a reviewer without a "
                       "nurse, prescriber or administrator role)")
        self.setWindowTitle(self.windowTitle() + " (de-identified)")

    # ---- navigation -------------------------------------------------------------------------

    def open_session(self, session_id: int) -> None:
        """Show a session, with a banner when its record does not match the hash chain; a
        session that cannot be read is refused with the reason (the window goes on)."""
        with self.records.held():   # the background checks wait (console/review/integrity.py)
            self._open_session(session_id)

    def _open_session(self, session_id: int) -> None:
        refused = self._accounts_since()
        if refused is not None:
            self.dialogs.error("Session not opened", refused)
            return
        try:
            detail = queries.load_session(self.conn, session_id, with_observations=True)
        except UnknownSessionError as exc:
            self.dialogs.error("Session not found", str(exc))
            return
        except queries.UnreadableLogError as exc:
            # A damaged part of the file: this session is refused, the others still open.
            self.records.record(session_id, RecordCheck.unreadable(str(exc)))
            self._on_records_changed()
            self.statusBar().showMessage(f"Log session {session_id} not opened: the log could "
                                         "not be read there")
            self.dialogs.error("Session not opened", str(exc))
            return
        refused = self._show_loaded(detail)
        if refused is not None:
            self.dialogs.error("Session not opened", refused)

    def _show_loaded(self, detail: SessionDetail, read: str = "") -> str | None:
        """Log the read of the session `detail` (an access-log row, `read` its detail), check
        its rows against the hash chain and show it; the sentence why it may not be shown
        (then nothing is), or None."""
        session_id = detail.summary.id
        access = self.access
        signed: SessionSignatures | None = None
        if access is not None:
            refused = self._logged_read(lambda: access.record_read(session_id, "review", read))
            if refused is not None:
                return refused
        self._loaded = detail
        # The view's rule, not the account's: the read above de-identified the view when the
        # account must see de-identified records; given more rights since, it stays so.
        deidentified = self._deidentified
        if deidentified:
            from console.export.deidentify import deidentify  # noqa: PLC0415

            detail = deidentify(detail, key=self._key)
        integrity = self._integrity(session_id, deidentified)
        if not deidentified:
            try:
                signed = queries.load_signatures(self.conn, session_id)
            except queries.UnreadableLogError as exc:
                integrity = " ".join(filter(None, (integrity, f"⚠ {exc}")))
            self.course_page.select_patient(detail.summary.patient_id, session_id)
        self.detail_page.show_session(detail, self._protocol_for(detail), signed, integrity)
        self.tabs.setTabEnabled(1, True)
        self.tabs.setCurrentWidget(self.detail_page)
        return None

    def _read_again_if_running(self, session_id: int) -> str | None:
        """A session that had not ended when it was loaded, read again before an export: the
        file held it as it was then (review 47: the CSV of a session discharged an hour before
        lacked its discharge and every reading since; its PDF said "SESSION NOT ENDED"), where
        `infusion-console export` reads the log as it is. When it changed, it is shown again
        as an open shows it (its read logged, its rows checked against the chain); unchanged,
        the open's read and check stand. The sentence why it cannot be read, or None."""
        loaded = self._loaded
        if (loaded is None or loaded.summary.id != session_id
                or loaded.summary.ended_at is not None):
            return None
        with self.records.held():   # the background checks wait, as for an open
            try:
                now = queries.load_session(self.conn, session_id, with_observations=True)
            except (UnknownSessionError, queries.UnreadableLogError) as exc:
                return str(exc)
            if now == loaded:
                return None
            return self._show_loaded(now, "read again for an export: running when opened")

    def _integrity(self, session_id: int, deidentified: bool) -> str:
        """The session's hash-chain warning ('' when its rows match), also what its PDF
        prints; the check is the list's and the course's for this session too."""
        found: ChainCheck | str
        try:
            found = queries.check_session_chain(self.conn, session_id)
        except queries.UnreadableLogError as exc:
            found = str(exc)
        self.records.record(session_id, RecordCheck.unreadable(found) if isinstance(found, str)
                            else RecordCheck.of(found))
        self._on_records_changed()
        self._chains[session_id] = found
        return self._warning(session_id, deidentified)

    def _warning(self, session_id: int, deidentified: bool) -> str:
        """The hash-chain warning of a session opened: on its page and atop its PDF report
        ('' when its rows match or it was not opened); without `verify`'s sentence and the row
        when `deidentified` (they may hold a date or free text)."""
        found = self._chains.get(session_id)
        if found is None:
            return ""
        if isinstance(found, str):
            return rc.chain_unchecked(found)
        return rc.chain_banner(found, self.tz, self._log_file, with_record=not deidentified)

    def _wake_from_records(self) -> None:
        """Called from the checks' thread: tells this one (a window already gone: nothing)."""
        try:
            self.records_woke.emit()
        except RuntimeError:   # the window was deleted while a check ended
            pass

    def _on_records_changed(self) -> None:
        """Show the sessions' checks made so far in the list and the course."""
        self.list_page.show_records()
        self.course_page.show_records()

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        # No thread left reading a log nobody looks at; the trend's first: it holds the checks.
        self.course_page.stop_reading()
        self.records.stop()
        super().closeEvent(event)

    def show_course(self, patient_id: str, session_id: int | None = None) -> None:
        """Show `patient_id`'s course: `session_id`'s (the session it was asked from) when
        given, else as `CoursePage.show_patient` chooses."""
        access = self.access
        if self._deidentified or (access is not None and access.deidentified):
            return
        self.course_page.show_patient(patient_id, session_id)
        self.tabs.setCurrentWidget(self.course_page)

    def _logged(self, write: Callable[[], object]) -> str | None:
        """Write access-log rows; the sentence why not (then nothing is shown), or None."""
        from console.identity import IdentityError  # noqa: PLC0415

        try:
            write()
        except NotTheLogOpenError as exc:
            return f"The access could not be logged, so nothing is shown or written: {exc}."
        except LogError as exc:
            return f"{exc}. The access could not be logged, so nothing is shown or written."
        except IdentityError as exc:
            return str(exc)
        return None

    def _logged_read(self, read: Callable[[], object], course: bool = False) -> str | None:
        """`_logged` for reads. An account that sees de-identified records only since its last
        access (a clinical role taken away while the review is open) de-identifies the whole
        window from then on; a patient's course, which it may not see, is refused."""
        refused = self._logged(read)
        access = self.access
        if refused is not None or access is None or not access.deidentified:
            return refused
        if not self._deidentified:   # it was an identified view until now
            self._deidentify_everything()
        return (f"{access.account.name} sees de-identified records only: no patient's course"
                if course else None)

    def _signatures_for_export(self, session_id: int) -> SessionSignatures | None:
        return queries.load_signatures(self.conn, session_id)

    def _protocol_for(self, detail: SessionDetail) -> Protocol | None:
        """The protocol the session logged at its start, else the installed file."""
        return (logged_protocol(detail.events, detail.summary.id)
                or self.protocols.get(detail.summary.protocol_id))

    # ---- the one write ----------------------------------------------------------------------

    def annotate(self) -> None:
        detail = self.detail_page.detail
        if detail is None or (self.annotator is None and self.access is None):
            return
        refused = self._accounts_since()   # its note would go unsigned on a log that signs them
        if refused is not None:
            self.dialogs.error("Annotation not added", refused)
            return
        s = detail.summary
        label = f"session {s.session_number} of {s.patient_id} ({rc.day(s.started_at, self.tz)})"
        answer = self.dialogs.annotation(label)
        if answer is None:
            return
        clinician, text = answer
        if self.access is not None:
            self._annotate_signed(s.id, text, label)
            return
        assert self.annotator is not None
        try:
            self.annotator(s.id, clinician, text)
        except ValueError as exc:
            self.dialogs.error("Annotation not added", str(exc))
            return
        except (NotTheLogOpenError, UnknownSessionError) as exc:
            self.dialogs.error("Annotation not added", f"Annotation not added: {_bare(exc)}.")
            return
        except LogError as exc:
            self.dialogs.error("Annotation not added", f"{exc} Nothing was written.")
            return
        self.open_session(s.id)
        self.detail_page.tabs.setCurrentWidget(self.detail_page.note_table)
        self.statusBar().showMessage(f"Annotation by {clinician.strip()} added to {label}")

    def _annotate_signed(self, session_id: int, text: str, label: str) -> None:
        """The annotation of a signed-in account: PIN first, then the note, then its signature."""
        access = self.access
        assert access is not None
        service = self._signature_service
        if service is None:
            from console.ui.signature_dialog import DialogSignatureService  # noqa: PLC0415

            service = self._signature_service = DialogSignatureService(self)
        try:
            done = access.annotate_signed(session_id, text, label, service)
        except (NotTheLogOpenError, UnknownSessionError) as exc:
            self.dialogs.error("Annotation not added", f"Annotation not added: {_bare(exc)}.")
            return
        except LogError as exc:
            self.dialogs.error("Annotation not added", f"{exc} Nothing was written.")
            return
        if isinstance(done, str):
            self.dialogs.error("Annotation not added", done)
            return
        if isinstance(done, UnsignedAnnotation):
            # In the record now: shown, so that it is not written a second time.
            self.dialogs.error("Annotation written unsigned", done.message)
        self.open_session(session_id)
        self.detail_page.tabs.setCurrentWidget(self.detail_page.note_table)
        self.statusBar().showMessage(
            f"Annotation by {access.account.name} added to {label} and signed"
            if isinstance(done, SignedAnnotation) else
            f"Annotation by {access.account.name} added to {label}, unsigned: its signature "
            "could not be written")

    # ---- exports ----------------------------------------------------------------------------

    def export(self, key: str) -> None:
        detail = self.detail_page.detail
        export = self.exports.get(key)
        if detail is None or export is None:
            return
        refused = self._accounts_since()
        if refused is not None:
            self.dialogs.error(f"{export.label} export not written", refused)
            return
        s = detail.summary
        stamp = rc.local(s.started_at, self.tz).strftime("%Y%m%d")
        stem = export_stem(s.patient_id, s.session_number, stamp)
        deidentified = self.detail_page.deidentify.isChecked()
        if export.key != "pdf" and self._warning(s.id, deidentified):
            # As the command line (console/export/cli.py): only the PDF can carry the warning.
            self.dialogs.error(f"{export.label} export not written", changed_refusal(export.label))
            return
        access = self.access
        if access is not None:
            decision = access.export_decision(deidentified)
            if not decision.allowed:
                self.dialogs.error(f"{export.label} export refused", decision.message)
                return
            deidentified = decision.deidentified
        if deidentified:
            stem = f"session{s.id}-deidentified"
        start = self._export_start()
        if export.suffix:
            path = self.dialogs.save_path(f"Export {export.label}", start / (stem + export.suffix),
                                          export.file_filter)
            chosen = path.parent if path is not None else None
        else:
            # The files go into a new folder named for the session, inside a folder that exists
            # (Qt's chooser cannot start in one still to be made: QtReviewDialogs.choose_folder).
            chosen = self.dialogs.choose_folder(
                f"Export {export.label}: choose the folder in which to create {stem}", start)
            path = _new_folder(chosen, stem) if chosen is not None else None
        if path is None or chosen is None:
            return
        refused = self._read_again_if_running(s.id)   # now, not when the file was asked for
        if refused is not None:
            self.dialogs.error(f"{export.label} export not written", refused)
            return
        if self.detail_page.detail is not detail and self.detail_page.detail is not None:
            detail = self.detail_page.detail   # read again: it changed since it was opened
            if export.key != "pdf" and self._warning(s.id, deidentified):
                self.dialogs.error(f"{export.label} export not written",
                                   changed_refusal(export.label))
                return
        # The access log's text is UTF-8: a path that is not (a Latin-1 folder) is logged with
        # U+FFFD for each such byte, as the command line logs it.
        from console.export.cli import _loggable  # noqa: PLC0415

        if access is not None:   # logged before the data leaves (console/identity/access.py)
            refused = self._logged(lambda: access.record_export(
                s.id, key, deidentified, f"to {_loggable(str(path))}"))
            if refused is not None:
                self.dialogs.error(f"{export.label} export not written", refused)
                return
        if deidentified:
            from console.export.deidentify import deidentify

            # From the session as loaded, under a new random key (deidentify without one): two
            # files, of one session or of two, cannot be linked (README), whereas the view's key
            # would give every file of this review the same pseudonym and date shift.
            loaded = self._loaded
            detail = deidentify(loaded if loaded is not None and loaded.summary.id == s.id
                                else detail)
        try:
            with self.records.held():   # the background checks wait while it is written
                report = export.write(detail, path, deidentified)
        except (OSError, ValueError, LogError) as exc:
            if access is not None and not isinstance(exc, LogError):
                # The row above names a file that is not there: a second one says so, as the
                # command line's does (console/export/cli.py).
                from console.export.files import not_written_cause

                cause = not_written_cause(exc)
                self._logged(lambda: access.record_export(
                    s.id, key, deidentified,
                    f"NOT WRITTEN: {_loggable(str(path))}: {_loggable(cause)}"))
            # A file that cannot be written: another place may do. A refusal of the export
            # itself (a REMS form from a de-identified view) says why in its own words.
            said = (f"Could not write {path}: {exc}. Choose another place."
                    if isinstance(exc, OSError) else f"{exc}.")
            self.dialogs.error(f"{export.label} export failed", said)
            return
        self._export_folder = chosen
        if self._unlogged:
            report += f" · {NOT_LOGGED}"
        self.statusBar().showMessage(report)

    def _export_start(self) -> Path:
        """The folder an export's chooser starts in: the last one used, else the home folder."""
        last = self._export_folder
        return last if last is not None and last.is_dir() else Path.home()

    def paper_size(self) -> str:
        return self.detail_page.paper_box.currentText()

    def close_log(self) -> None:
        """Let go of the log: the background readers and the read-only connection first, then
        the writers, so that one that may write is the last connection to the log and folds the
        review's rows from the -wal into the log file (console/review/access.py
        `close_writing_last`; a console writing the log keeps its -wal)."""
        self.course_page.stop_reading()
        self.records.stop()
        self.conn.close()
        if self.access is not None:
            self.access.close()
        if isinstance(self.annotator, LogAnnotator):
            self.annotator.close()


def _bare(exc: Exception) -> str:
    """An exception's sentence without its closing stop (a KeyError's text is quoted)."""
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    return str(text).rstrip(".")


# What a file name cannot hold on one of the systems an export may be copied to (a path's
# separators, Windows' reserved characters) or should not (control characters).
_NOT_IN_FILE_NAMES = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')


def export_stem(patient_id: str, session_number: int, day: str) -> str:
    """"MRN-4711-session1-20260306": an export's file or folder name. A patient identifier may
    hold any visible character (start_checks): "MRN/4711" had named a folder inside another."""
    return f"{_NOT_IN_FILE_NAMES.sub('_', patient_id)}-session{session_number}-{day}"


def _new_folder(parent: Path, stem: str) -> Path:
    """`parent/stem`, or `stem-2`, `stem-3` … when an earlier export made it: an export never
    writes over the files of another."""
    path, number = parent / stem, 1
    while os.path.lexists(path):
        number += 1
        path = parent / f"{stem}-{number}"
    return path


def changed_refusal(label: str) -> str:
    """Why a CSV, FHIR or REMS file of a session changed outside the console is not written."""
    return (f"This session's record was changed outside the console (the warning above names the "
            f"first changed row). A {label} file cannot carry that warning to whoever reads it, so "
            "it was not written. The PDF report prints the warning on its first page and every "
            "footer: export the PDF, or restore the log from the last backup (removing its -wal "
            "and -shm files first) and export again.")


def default_exports(paper: Callable[[], str] | None = None,
                    signatures: Callable[[int], SessionSignatures | None] | None = None,
                    warning: Callable[[int, bool], str] | None = None,
                    ) -> dict[str, Export]:
    """The export buttons, calling `console.export` (imported when first used).

    Args:
        paper: gives the PDF's page size when the button is pressed ("A4" or "Letter").
        signatures: a session's signatures for the PDF and the REMS draft (never for a
            de-identified one).
        warning: a session's hash-chain warning, as its page shows it ('' for none), given
            whether the report is de-identified: printed atop the PDF.
    """

    def pdf(detail: SessionDetail, path: Path, deidentified: bool) -> str:
        from console.export.pdf import write_session_pdf

        size = paper() if paper is not None else "A4"
        signed = (signatures(detail.summary.id)
                  if signatures is not None and not deidentified else None)
        said = warning(detail.summary.id, deidentified) if warning is not None else ""
        pages = write_session_pdf(detail, path, page_size=size, signatures=signed,
                                  integrity=said)
        return f"PDF report written: {path} ({pages} page{'s' if pages != 1 else ''}, {size})"

    def csv(detail: SessionDetail, folder: Path, _deidentified: bool) -> str:
        from console.export.csv_export import write_session_csv

        paths = write_session_csv(detail, folder)
        return "CSV written: " + " and ".join(str(p) for p in paths.values())

    def fhir(detail: SessionDetail, path: Path, deidentified: bool) -> str:
        from console.export.fhir import write_session_fhir

        count = write_session_fhir(detail, path, pseudonymised=deidentified)
        return f"FHIR R4 Bundle of {count} resources written: {path}"

    def rems(detail: SessionDetail, path: Path, deidentified: bool) -> str:
        from console.export.rems import write_rems

        # Who signed the prescriber's decision on the pressure before the dose, as the command
        # line's draft says it (without them the draft could only say "not checked").
        signed = (signatures(detail.summary.id)
                  if signatures is not None and not deidentified else None)
        form = write_rems(detail, path, signatures=signed)
        missing = f"; complete by hand: {', '.join(form.missing_words())}" if form.missing else ""
        return f"REMS form values written: {path}{missing}"

    return {
        "pdf": Export("pdf", "PDF", ".pdf", "PDF report (*.pdf)", pdf),
        "csv": Export("csv", "CSV", "", "", csv),
        "fhir": Export("fhir", "FHIR", ".json", "FHIR Bundle (*.json)", fhir),
        "rems": Export("rems", "REMS", ".txt", "REMS form as text (*.txt);;as JSON (*.json)",
                       rems, esketamine_only=True),
    }


def build_review_window(db_path: Path, clock: Clock, protocols: Mapping[str, Protocol],
                        program_version: str, dialogs: ReviewDialogs | None = None,
                        tz: tzinfo | None = None, access: ReviewAccess | None = None,
                        signature_service: SignatureService | None = None,
                        lock_after_s: float = DEFAULT_LOCK_AFTER_S) -> ReviewWindow:
    """The CLI's review: the log opened read-only, annotations through a one-write `EventLog`.

    `access`: the signed-in account, required when the log holds staff accounts
    (console/review/access.py `needs_sign_in`).

    Raises:
        queries.MissingLogError: no log at `db_path`.
        LogError: the file is not a readable session log, or the access log cannot be written.
        NotPermittedError: the log holds staff accounts and no account with a reviewing role
            signed in.
    """
    from console.identity import NotPermittedError  # noqa: PLC0415

    conn = queries.open_readonly(db_path)
    try:
        if access is None and needs_sign_in(conn):
            raise NotPermittedError(
                "this session log has staff accounts: the review opens only after a sign-in "
                "of a reviewer, prescriber or administrator")
        return ReviewWindow(conn, protocols=protocols, clock=clock,
                            annotator=LogAnnotator(db_path, clock, program_version),
                            dialogs=dialogs, tz=tz, source=str(db_path), access=access,
                            signature_service=signature_service, lock_after_s=lock_after_s)
    except BaseException:
        conn.close()
        if access is not None:   # the first access row may have been written, or a refusal
            access.close()
        raise
