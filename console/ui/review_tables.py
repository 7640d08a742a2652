"""Table models of the review window: plain rows of text in `QAbstractTableModel`s.

One model object per table and no widget per row: a log of hundreds of sessions lists as fast as
the query returns (Qt asks the model only for the rows on screen). Colours come from the alarm bar
(`alarm_bar.COLOURS`), so a high alarm is the same red here as beside the chair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from console.review.integrity import RecordCheck, RecordState
from console.review.model import CourseRow, SessionSummary
from console.review import content as rc
from console.ui import theme
from console.ui.alarm_bar import COLOURS
from protocols.model import Priority

TABLE_POINTS = 13
HEADER_POINTS = 13
# Row colours are #rrggbb (the alarms') or the names of theme colours (console/ui/theme.py).
DEMO_COLOURS = ("demo_row_bg", "demo_row_text")   # the live window's DEMO purple, for a table row
MARK_COLOURS = ("banner_bg", "banner_text")        # a session changed outside the console

Role = QtCore.Qt.ItemDataRole
Index = QtCore.QModelIndex | QtCore.QPersistentModelIndex


def priority_colours(priority: str | None) -> tuple[str, str] | None:
    """(background, text) of an alarm priority, or None for no alarm / reminders only."""
    if priority is None or priority == "info":
        return None
    return COLOURS[Priority[priority.upper()]]


class RowsModel(QtCore.QAbstractTableModel):
    """Rows of text with optional colours per row (or per cell) and tooltips."""

    def __init__(self, columns: Sequence[str], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: list[tuple[str, ...]] = []
        self._colours: list[tuple[str, str] | None] = []
        self._cell_colours: dict[tuple[int, int], tuple[str, str]] = {}
        self._tips: dict[tuple[int, int], str] = {}
        self._bold: set[int] = set()
        # Column title -> what its figure means (the header's tooltip).
        self.header_tips: dict[str, str] = {}
        # Text at the top of its cell, not centred: in a row taller than the table (an override
        # listing eight reasons) centred time and title fall out of sight.
        self.align_top = False

    def set_rows(self, rows: Sequence[Sequence[str]],
                 colours: Sequence[tuple[str, str] | None] | None = None,
                 columns: Sequence[str] | None = None,
                 cell_colours: Mapping[tuple[int, int], tuple[str, str]] | None = None,
                 tips: Mapping[tuple[int, int], str] | None = None,
                 bold_rows: Sequence[int] = ()) -> None:
        self.beginResetModel()
        if columns is not None:
            self._columns = tuple(columns)
        self._rows = [tuple(r) for r in rows]
        self._colours = list(colours) if colours is not None else [None] * len(self._rows)
        self._cell_colours = dict(cell_colours or {})
        self._tips = dict(tips or {})
        self._bold = set(bold_rows)
        self.endResetModel()

    def update_rows(self, rows: Sequence[Sequence[str]],
                    colours: Sequence[tuple[str, str] | None] | None = None,
                    cell_colours: Mapping[tuple[int, int], tuple[str, str]] | None = None,
                    tips: Mapping[tuple[int, int], str] | None = None,
                    bold_rows: Sequence[int] = ()) -> None:
        """As `set_rows`, for rows whose number and columns stay: redrawn in place, so the
        view keeps its selection and scroll position (a reset would lose both; the list's
        marks change as each session's check ends)."""
        if len(rows) != len(self._rows):
            self.set_rows(rows, colours, None, cell_colours, tips, bold_rows)
            return
        self._rows = [tuple(r) for r in rows]
        self._colours = list(colours) if colours is not None else [None] * len(self._rows)
        self._cell_colours = dict(cell_colours or {})
        self._tips = dict(tips or {})
        self._bold = set(bold_rows)
        if self._rows and self._columns:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(self._columns) - 1))

    # ---- reading back (tests and exports read what is shown) --------------------------------

    def columns(self) -> tuple[str, ...]:
        return self._columns

    def rows(self) -> list[tuple[str, ...]]:
        return list(self._rows)

    def column(self, title: str) -> list[str]:
        i = self._columns.index(title)
        return [r[i] for r in self._rows]

    def colour_of(self, row: int, column: int = 0) -> tuple[str, str] | None:
        return self._cell_colours.get((row, column)) or self._colours[row]

    # ---- QAbstractTableModel ----------------------------------------------------------------

    def rowCount(self, parent: Index = QtCore.QModelIndex()) -> int:   # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QtCore.QModelIndex()) -> int:   # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Role.DisplayRole:
            return self._rows[row][col]
        if role in (Role.BackgroundRole, Role.ForegroundRole):
            colours = self.colour_of(row, col)
            if colours is None:
                return None
            colour = colours[0 if role == Role.BackgroundRole else 1]
            return QtGui.QBrush(QtGui.QColor(theme.colour(colour)))
        if role == Role.TextAlignmentRole and self.align_top:
            return QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop
        if role == Role.ToolTipRole:
            return self._tips.get((row, col)) or self._rows[row][col] or None
        if role == Role.FontRole and row in self._bold:
            font = QtGui.QFont()
            font.setPointSize(TABLE_POINTS)
            font.setBold(True)
            return font
        return None

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        if orientation == QtCore.Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            if role == Role.DisplayRole:
                return self._columns[section]
            if role == Role.ToolTipRole:
                return self.header_tips.get(self._columns[section])
        return None


def times_zone(moments: Iterable[datetime], tz: tzinfo | None) -> str:
    """The zone of the clock times a page shows (`moments`), stated once on the session list
    and the course as on the session page: "times CET, UTC+01:00" (`content.zone`, its words);
    "times CET (UTC+01:00) or CEST (UTC+02:00) by date" (`content.zone_named`, oldest first)
    when they are in more than one offset of the zone (sessions either side of a change to
    summer time), each date's own on its tooltip (`zone_tip`); "" for none. The two pages had
    shown clock times with no zone on them: 09:00 CET could not be told from 09:00 UTC (a review
    of the review window). A session's own times across a change carry their zones as before
    (`content.spans_zone_change`); the others read as they did."""
    ordered = sorted(moments)
    if not ordered:
        return ""
    zones = list(dict.fromkeys(rc.zone_named(rc.local(m, tz)) for m in ordered))
    if len(zones) == 1:
        return f"times {rc.zone(ordered[0], tz)}"
    return f"times {', '.join(zones[:-1])} or {zones[-1]} by date"


def zone_tip(when: datetime, tz: tzinfo | None) -> str:
    """A date's tooltip in the list and the course: "Thu 02 Apr 2026 09:00 CEST (UTC+02:00)"."""
    return f"{rc.day_time(when, tz)} {rc.zone_named(rc.local(when, tz))}"


LIST_COLUMNS = ("Patient", "Protocol", "Date", "Duration", "Nurse", "Highest alarm", "Alarms",
                "Discharged", "Record")

Marks = Mapping[int, tuple[str, str]]


class SessionListModel(RowsModel):
    """The session list: one `SessionSummary` per row, newest first (the query's order).

    A session in `marks` (its id -> (the word after the patient, why)) is shown in the banner
    colours with that word, e.g. "⚠ CHANGED" for a record changed outside the console. Its
    "Record" cell is `records`' (its id -> (text, tooltip): `content.record_cell`), or
    "not yet checked". `zone_text` is the zone its times are in, for the page (`times_zone`).
    """

    def __init__(self, tz: tzinfo | None, parent: QtCore.QObject | None = None) -> None:
        super().__init__(LIST_COLUMNS, parent)
        self.tz = tz
        self.sessions: list[SessionSummary] = []
        self.header_tips = {"Record": rc.RECORD_COLUMN_TIP}
        self.zone_text = ""

    def set_sessions(self, sessions: Sequence[SessionSummary], marks: Marks | None = None,
                     records: Marks | None = None) -> None:
        self.sessions = list(sessions)
        # The times the list shows: each session's start (Date) and discharge (Discharged).
        self.zone_text = times_zone(
            [t for s in self.sessions for t in (s.started_at, s.discharged_at) if t is not None],
            self.tz)
        rows, colours, cells, tips = self._table(marks or {}, records or {})
        self.set_rows(rows, colours, cell_colours=cells, tips=tips)

    def set_marks(self, marks: Marks, records: Marks) -> None:
        """New marks and "Record" cells for the sessions listed: redrawn in place (the
        selection and the scroll position stay)."""
        rows, colours, cells, tips = self._table(marks, records)
        self.update_rows(rows, colours, cells, tips)

    def _table(self, marks: Marks, records: Marks) -> tuple[
            list[tuple[str, ...]], list[tuple[str, str] | None],
            dict[tuple[int, int], tuple[str, str]], dict[tuple[int, int], str]]:
        rows: list[tuple[str, ...]] = []
        colours: list[tuple[str, str] | None] = []
        cells: dict[tuple[int, int], tuple[str, str]] = {}
        tips: dict[tuple[int, int], str] = {}
        alarm_column = LIST_COLUMNS.index("Highest alarm")
        record_column = LIST_COLUMNS.index("Record")
        date_column = LIST_COLUMNS.index("Date")
        for i, s in enumerate(self.sessions):
            highest = rc.highest_alarm(s)
            mark = marks.get(s.id)
            record = records.get(s.id) or (rc.NOT_YET_CHECKED, "")
            zoned = rc.spans_zone_change(s, self.tz)   # "02:20 CEST" … "03:50 CET"
            rows.append((
                s.patient_id + ("  DEMO" if s.demo else "") + (f"  {mark[0]}" if mark else ""),
                s.protocol_id,
                rc.day_time(s.started_at, self.tz, zoned=zoned),
                rc.duration(s.duration),
                s.nurse,
                highest.upper() if highest == "high" else (highest or "none"),
                str(rc.alarm_count(s)),
                rc.hhmm_or_day(s.discharged_at, s.started_at, self.tz, zoned=zoned)
                + ("  ⚠ against the gate" if s.against_gate else "") if s.discharged_at else (
                    "not discharged" if s.ended_at else "open"),
                record[0],
            ))
            colours.append(MARK_COLOURS if mark else DEMO_COLOURS if s.demo else None)
            pc = priority_colours(highest)
            if pc is not None:
                cells[(i, alarm_column)] = pc
            tips[(i, LIST_COLUMNS.index("Alarms"))] = rc.alarm_breakdown(s.alarms_by_priority)
            tips[(i, 0)] = (f"log session {s.id} · session {s.session_number} of the course"
                            + (" · demonstration, not patient data" if s.demo else "")
                            + (f" · {mark[1]}" if mark else ""))
            tips[(i, record_column)] = record[1]
            tips[(i, date_column)] = zone_tip(s.started_at, self.tz)
        return rows, colours, cells, tips

    def session_at(self, row: int) -> SessionSummary:
        return self.sessions[row]


class CourseModel(RowsModel):
    """A patient's course: one column per session, one row per figure (`COURSE_FIGURES`);
    `zone_text` is the zone its dates' times are in, for the page (`times_zone`)."""

    def __init__(self, tz: tzinfo | None, parent: QtCore.QObject | None = None) -> None:
        super().__init__((), parent)
        self.tz = tz
        self.course: list[CourseRow] = []
        self.records: dict[int, RecordCheck] = {}
        self.detailed = True
        self.zone_text = ""

    def set_course(self, rows: Sequence[CourseRow],
                   records: Mapping[int, RecordCheck] | None = None,
                   detailed: bool = True) -> None:
        """Show `rows`; `records`: each session's record against the hash chain (a session
        not in it: not yet checked), its column marked as the list marks it when changed."""
        self.course = list(rows)
        self.records = dict(records or {})
        self.detailed = detailed
        self.zone_text = times_zone([r.started_at for r in self.course], self.tz)
        self.set_rows(self._table(), columns=self._headers(), cell_colours=self._course_colours(),
                      tips=self._cell_tips())

    def set_records(self, records: Mapping[int, RecordCheck]) -> None:
        """New checks of the sessions shown: their cells and headers redrawn in place."""
        self.records = dict(records)
        self._columns = tuple(self._headers())
        self.update_rows(self._table(), cell_colours=self._course_colours(),
                         tips=self._cell_tips())
        if self._columns:
            self.headerDataChanged.emit(QtCore.Qt.Orientation.Horizontal, 0,
                                        len(self._columns) - 1)

    def _check(self, row: CourseRow) -> RecordCheck | None:
        return self.records.get(row.session_id)

    def _headers(self) -> list[str]:
        return [rc.course_header(r, self._check(r)) for r in self.course]

    def _table(self) -> list[tuple[str, ...]]:
        keys = [k for k, _ in rc.COURSE_FIGURES]
        # Each column held to the one before it: "⚠ rules changed" (`course_protocol`).
        cells_by_session = [rc.course_cells(r, self.tz, self._check(r),
                                            self.course[k - 1] if k else None)
                            for k, r in enumerate(self.course)]
        return [tuple(cells[k] for cells in cells_by_session) for k in keys]

    def _course_colours(self) -> dict[tuple[int, int], tuple[str, str]]:
        keys = [k for k, _ in rc.COURSE_FIGURES]
        colours: dict[tuple[int, int], tuple[str, str]] = {}
        for col, r in enumerate(self.course):
            for key, priority, count in (("alarms_high", "high", r.alarms_high),
                                         ("alarms_medium", "medium", r.alarms_medium),
                                         ("alarms_low", "low", r.alarms_low)):
                pc = priority_colours(priority)
                if count and pc is not None:
                    colours[(keys.index(key), col)] = pc
            check = self._check(r)
            if check is not None and rc.record_mark(check) is not None:
                colours[(keys.index("record"), col)] = MARK_COLOURS
        return colours

    def _cell_tips(self) -> dict[tuple[int, int], str]:
        """The "record" cells' (what the hash chain says) and the dates' (their zone)."""
        keys = [k for k, _ in rc.COURSE_FIGURES]
        record, date = keys.index("record"), keys.index("date")
        empty = RecordCheck(RecordState.UNCHECKED)
        tips = {(record, col): rc.record_cell(self._check(r) or empty, self.detailed)[1]
                for col, r in enumerate(self.course)}
        tips.update({(date, col): zone_tip(r.started_at, self.tz)
                     for col, r in enumerate(self.course)})
        return tips

    def figure(self, key: str) -> list[str]:
        """The figure's text in every session's column, oldest session first."""
        i = [k for k, _ in rc.COURSE_FIGURES].index(key)
        return list(self.rows()[i])

    def headerData(self, section: int, orientation: QtCore.Qt.Orientation,
                   role: int = Role.DisplayRole) -> Any:
        if role == Role.DisplayRole and orientation == QtCore.Qt.Orientation.Vertical:
            return rc.COURSE_FIGURES[section][1]
        return super().headerData(section, orientation, role)


class KeepColourDelegate(QtWidgets.QStyledItemDelegate):
    """A selected cell that has an alarm colour keeps it, outlined in the selection blue.

    Qt's selection fill would paint a selected high alarm blue, and the row a clinician selects
    is the one whose colour matters.
    """

    OUTLINE = "selected_bg"   # the theme's selection colour

    def paint(self, painter: QtGui.QPainter, option: QtWidgets.QStyleOptionViewItem,
              index: Index) -> None:
        selected = bool(option.state & QtWidgets.QStyle.StateFlag.State_Selected)
        if not selected or index.data(Role.BackgroundRole) is None:
            super().paint(painter, option, index)
            return
        plain = QtWidgets.QStyleOptionViewItem(option)
        plain.state &= ~QtWidgets.QStyle.StateFlag.State_Selected
        super().paint(painter, plain, index)
        painter.save()
        pen = QtGui.QPen(QtGui.QColor(theme.colour(self.OUTLINE)))
        pen.setWidth(4)
        painter.setPen(pen)
        painter.drawRect(option.rect.adjusted(2, 2, -2, -2))
        painter.restore()


def make_table(model: QtCore.QAbstractItemModel, *, stretch_last: bool = True,
               wrap: bool = True, row_titles: bool = False) -> QtWidgets.QTableView:
    """A read-only, row-selecting table view in the review's large type.

    Rows are as tall as their text. Without `row_titles` (a vertical header shown, as the
    course's figure names) the hidden vertical header's padding does not make them taller: a
    one-line row was 32 px where its text needs 24, and at 1366x768 the tables under the trend
    showed three rows (QA).
    """
    view = QtWidgets.QTableView()
    view.setModel(model)
    view.setItemDelegate(KeepColourDelegate(view))
    font = view.font()
    font.setPointSize(TABLE_POINTS)
    view.setFont(font)
    header_font = QtGui.QFont(font)
    header_font.setPointSize(HEADER_POINTS)
    header_font.setBold(True)
    view.horizontalHeader().setFont(header_font)
    view.verticalHeader().setFont(header_font)
    view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    # Tab leaves the table (the arrows move in it): it went cell by cell, moved the selection
    # to the next session every few presses and never reached Open session (review 45).
    view.setTabKeyNavigation(False)
    view.setWordWrap(wrap)
    view.setTextElideMode(QtCore.Qt.TextElideMode.ElideRight)
    view.horizontalHeader().setStretchLastSection(stretch_last)
    view.horizontalHeader().setDefaultAlignment(QtCore.Qt.AlignmentFlag.AlignLeft
                                                | QtCore.Qt.AlignmentFlag.AlignVCenter)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
    # High contrast: the theme's text on its panel colour, a strong selection, dark headers.
    t = theme.current()
    view.setStyleSheet(
        f"QTableView {{ background: {t.panel}; alternate-background-color: {t.alt_panel};"
        f" color: {t.text}; gridline-color: {t.border}; selection-background-color: {t.selected_bg};"
        f" selection-color: {t.selected_text}; }}"
        f"QHeaderView::section {{ background: {t.dark_bg}; color: {t.dark_text}; padding: 4px 6px;"
        f" border: none; border-right: 1px solid {t.muted_text}; }}"
        + ("" if row_titles else "QHeaderView::section:vertical { padding: 0px; }")
    )
    return view


def fit_columns(view: QtWidgets.QTableView, maximum: int = 420) -> None:
    """Size columns to their contents, none wider than `maximum` px (long text wraps)."""
    header = view.horizontalHeader()
    view.resizeColumnsToContents()
    last = header.count() - 1
    for i in range(header.count()):
        if header.sectionSize(i) > maximum and not (i == last and header.stretchLastSection()):
            header.resizeSection(i, maximum)
    view.resizeRowsToContents()


# Room beside a cell's text (the delegate's margins and the grid line), px.
CELL_PADDING = 14


def column_room(view: QtWidgets.QTableView) -> int:
    """The width a table's columns may take, px: inside its frame and its row titles, with the
    vertical scroll bar's width kept free whether or not it shows (a bar that appears after a
    fit must not push the last column out of sight)."""
    titles = view.verticalHeader()
    return (view.width() - 2 * view.frameWidth() - view.verticalScrollBar().sizeHint().width()
            - (titles.sizeHint().width() if not titles.isHidden() else 0))


class WidthFit(QtCore.QObject):
    """Refits a table's columns to its width whenever the table is resized (`fit_to_width`)."""

    STEP = 8   # px taken from a column at a time

    def __init__(self, view: QtWidgets.QTableView, flexible: Sequence[int] | None,
                 maximum: int) -> None:
        super().__init__(view)
        self.view, self.maximum = view, maximum
        self.flexible = tuple(flexible) if flexible is not None else None   # None: every column
        self._width = -1
        view.installEventFilter(self)
        view.model().modelReset.connect(self.fit)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (watched is self.view and event.type() == QtCore.QEvent.Type.Resize
                and self.view.width() != self._width):
            self.fit()
        return False

    def fit(self) -> None:
        """Contents' widths (up to `maximum`); when they are too wide for the table, narrow
        the flexible columns a step at a time, each time the one whose narrowing wraps the
        fewest cells (a column long in one row gives way before one long in every row), none
        below its longest word or its title."""
        view = self.view
        self._width = view.width()
        header = view.horizontalHeader()
        count = header.count()
        widths = [min(max(view.sizeHintForColumn(i), header.sectionSizeHint(i)), self.maximum)
                  for i in range(count)]
        over = sum(widths) - column_room(view)
        if over > 0:
            flexible = range(count) if self.flexible is None else self.flexible
            cells = {i: self._cell_widths(i) for i in flexible if i < count}
            floor = {i: min(widths[i], self._floor(i)) for i in cells}
            while over > 0:
                open_ = [i for i in cells if widths[i] > floor[i]]
                if not open_:
                    break

                def cost(i: int) -> tuple[int, int]:
                    narrower = widths[i] - self.STEP
                    return (sum(1 for w in cells[i] if w > narrower), -widths[i])

                best = min(open_, key=cost)
                step = min(self.STEP, widths[best] - floor[best], over)
                widths[best] -= step
                over -= step
        for i, width in enumerate(widths):
            header.resizeSection(i, width)
        view.resizeRowsToContents()

    def _metrics(self, index: QtCore.QModelIndex) -> QtGui.QFontMetrics:
        font = index.data(Role.FontRole)
        return QtGui.QFontMetrics(font if isinstance(font, QtGui.QFont) else self.view.font())

    def _cell_widths(self, column: int) -> list[int]:
        """Each cell's text on one line, px (with the cell's padding)."""
        model = self.view.model()
        out = []
        for row in range(model.rowCount()):
            index = model.index(row, column)
            out.append(self._metrics(index).horizontalAdvance(str(index.data() or ""))
                       + CELL_PADDING)
        return out

    def _floor(self, column: int) -> int:
        """The column's longest word in its cells (in each row's font), or its whole title (a
        header does not wrap, it is cut), px with the padding."""
        model = self.view.model()
        bold_font = QtGui.QFont(self.view.font())
        bold_font.setBold(True)
        title = model.headerData(column, QtCore.Qt.Orientation.Horizontal)
        widest = QtGui.QFontMetrics(bold_font).horizontalAdvance(str(title or ""))
        for row in range(model.rowCount()):
            index = model.index(row, column)
            metrics = self._metrics(index)
            for word in str(index.data() or "").split():
                widest = max(widest, metrics.horizontalAdvance(word))
        return widest + CELL_PADDING


def fit_to_width(view: QtWidgets.QTableView, flexible: Sequence[int] | None,
                 maximum: int = 460) -> WidthFit:
    """Size the columns to their contents (none wider than `maximum` px) and, when they add up
    to more than the table's width, narrow the `flexible` columns (None: every column), whose
    text then wraps between words, each no narrower than its longest word: every column stays in sight. Kept
    up to date as the table is resized or refilled.

    QA at 1366x768: with the reminders shown, the alarm table's "Cleared" column was past the
    right edge, behind a horizontal scroll bar (which also took a row's height).
    """
    fitter = WidthFit(view, flexible, maximum)
    fitter.fit()
    return fitter   # `fit()` again after a change the table does not announce (new titles)


def keep_rows(view: QtWidgets.QTableView, rows: int, lines: int,
              fit_content: bool = False) -> None:
    """Keep `view` tall enough for its header and its first `rows` rows, as tall as they wrap,
    but no taller than `lines` lines of text; with `fit_content`, never taller than all its rows
    (two short rows leave no blank band). Kept up to date as rows are refilled or columns resized.

    For tables that share a page which scrolls as a whole: at 1366x768 the Session page's tabs
    get ~150 px, and two tables stacked there showed a sliver of one row and a bare header (QA).
    """

    def update(*_: object) -> None:
        line = view.fontMetrics().lineSpacing()
        count = view.model().rowCount() if fit_content else min(rows, view.model().rowCount())
        # As the vertical header sizes rows to contents, from the columns' widths now (its own
        # sizes lag a column resize).
        header = view.verticalHeader()
        heights = [max(view.sizeHintForRow(i), header.sectionSizeHint(i)) for i in range(count)]
        chrome = view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
        body = max(min(sum(heights[:rows]), lines * line), heights[0] if heights else line)
        view.setMinimumHeight(chrome + body)
        if fit_content:
            view.setMaximumHeight(max(chrome + sum(heights), chrome + body))

    view.horizontalHeader().sectionResized.connect(update)
    view.model().modelReset.connect(update)
    update()
