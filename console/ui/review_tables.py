"""Table models of the review window: plain rows of text in `QAbstractTableModel`s.

One model object per table and no widget per row: a log of hundreds of sessions lists as fast as
the query returns (Qt asks the model only for the rows on screen). Colours come from the alarm bar
(`alarm_bar.COLOURS`), so a high alarm is the same red here as beside the chair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any

from PySide6 import QtCore, QtGui, QtWidgets

from console.review.model import CourseRow, SessionSummary
from console.ui import review_content as rc
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


LIST_COLUMNS = ("Patient", "Protocol", "Date", "Duration", "Nurse", "Highest alarm", "Alarms",
                "Discharged")


class SessionListModel(RowsModel):
    """The session list: one `SessionSummary` per row, newest first (the query's order).

    A session in `marks` (its id -> (the word after the patient, why)) is shown in the banner
    colours with that word, e.g. "⚠ CHANGED" for a record changed outside the console.
    """

    def __init__(self, tz: tzinfo | None, parent: QtCore.QObject | None = None) -> None:
        super().__init__(LIST_COLUMNS, parent)
        self.tz = tz
        self.sessions: list[SessionSummary] = []

    def set_sessions(self, sessions: Sequence[SessionSummary],
                     marks: Mapping[int, tuple[str, str]] | None = None) -> None:
        self.sessions = list(sessions)
        marks = marks or {}
        rows, colours, cells, tips = [], [], {}, {}
        alarm_column = LIST_COLUMNS.index("Highest alarm")
        for i, s in enumerate(self.sessions):
            highest = rc.highest_alarm(s)
            mark = marks.get(s.id)
            rows.append((
                s.patient_id + ("  DEMO" if s.demo else "") + (f"  {mark[0]}" if mark else ""),
                s.protocol_id,
                rc.day_time(s.started_at, self.tz),
                rc.duration(s.duration),
                s.nurse,
                highest.upper() if highest == "high" else (highest or "none"),
                str(rc.alarm_count(s)),
                rc.hhmm(s.discharged_at, self.tz) if s.discharged_at else (
                    "not discharged" if s.ended_at else "open"),
            ))
            colours.append(MARK_COLOURS if mark else DEMO_COLOURS if s.demo else None)
            pc = priority_colours(highest)
            if pc is not None:
                cells[(i, alarm_column)] = pc
            tips[(i, LIST_COLUMNS.index("Alarms"))] = rc.alarm_breakdown(s.alarms_by_priority)
            tips[(i, 0)] = (f"log session {s.id} · session {s.session_number} of the course"
                            + (" · demonstration, not patient data" if s.demo else "")
                            + (f" · {mark[1]}" if mark else ""))
        self.set_rows(rows, colours, cell_colours=cells, tips=tips)

    def session_at(self, row: int) -> SessionSummary:
        return self.sessions[row]


class CourseModel(RowsModel):
    """A patient's course: one column per session, one row per figure (`COURSE_FIGURES`)."""

    def __init__(self, tz: tzinfo | None, parent: QtCore.QObject | None = None) -> None:
        super().__init__((), parent)
        self.tz = tz
        self.course: list[CourseRow] = []

    def set_course(self, rows: Sequence[CourseRow]) -> None:
        self.course = list(rows)
        keys = [k for k, _ in rc.COURSE_FIGURES]
        cells_by_session = [rc.course_cells(r, self.tz) for r in self.course]
        table = [tuple(cells[k] for cells in cells_by_session) for k in keys]
        colours: dict[tuple[int, int], tuple[str, str]] = {}
        for col, r in enumerate(self.course):
            for key, priority, count in (("alarms_high", "high", r.alarms_high),
                                         ("alarms_medium", "medium", r.alarms_medium),
                                         ("alarms_low", "low", r.alarms_low)):
                pc = priority_colours(priority)
                if count and pc is not None:
                    colours[(keys.index(key), col)] = pc
        self.set_rows(table, columns=[rc.course_header(r) for r in self.course],
                      cell_colours=colours)

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
               wrap: bool = True) -> QtWidgets.QTableView:
    """A read-only, row-selecting table view in the review's large type."""
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
