"""The PDF session report: one session on A4 or Letter paper, drawn with QPdfWriter + QPainter.

Contents, in order: header (patient, protocol and version, session number, date and times, nurse,
weight, dose, T0, discharge; a discharge against the discharge gate in a box of its own, with who
overrode it, why and what the gate named; a session never ended, "SESSION NOT ENDED", in a box
of its own: `content.not_ended_text`), the live window's `TrendPlot` over the whole session
(rendered offscreen at a fixed size), phases, vitals at each check (one row per manual entry or
scheduled check), alarms with their time to acknowledge, checklist ticks with who and when,
overrides and prescriber decisions with their reasons, observation scales, notes and review
annotations, the electronic signatures of the session's records (issue 13: printed name,
account, time, meaning, and each record that needs one but has none as UNSIGNED) when they are
given, and signature lines for the nurse and the prescriber. Every page carries the patient,
the session, the zone its times are in and "Page N of M"; a session across a change of that
zone's offset (summer time) names both zones on a footer line of its own, and every time carries
its zone (`content.session_zone`, `content.spans_zone_change`). A footer line that wraps (a long
patient id) has the room of its lines: the body ends above it (`_Report.footer_blocks`).

The rows come from `console.review.content`, the same text the review window shows. Tables break
across pages between rows and repeat their header row on the next page; a heading never ends a
page without the start of its section. A row or a paragraph (a box under the title too: a long
discharge override reason) taller than the room left goes on over the next page in parts, the
next one starting "(continued)": nothing is drawn over the footer or off the page.
De-identification is the caller's: pass the de-identified
`SessionDetail` (`console.export.deidentify.deidentify`) and no `signatures` (they name staff).

The CLI calls this without a window: `write_session_pdf` creates a QApplication when none exists,
on the offscreen platform when there is no display, or none that answers (`QT_QPA_PLATFORM` is
set only then).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Final

from PySide6 import QtCore, QtGui, QtWidgets

from console.export.deidentify import DEIDENTIFIED_NOTE
from console.export.files import write_files
from console.export.protocol_file import find_protocol
from console.review.model import SessionDetail, SessionSignatures
from console.review import content as rc
from console.ui.display_check import display_named, missing_display
from protocols.vitals import METRICS
from protocols.model import Protocol

PAGE_SIZES: Final = ("A4", "Letter")
RESOLUTION: Final = 300            # dpi of the PDF's painter coordinates (text stays vector)
TREND_PIXELS: Final = (1200, 760)  # the trend widget's size when rendered for the report
MARGIN_MM: Final = 14.0
# A table column is widened to its longest word up to this share of the page (_fit_widths).
WORD_MAX: Final = 0.3

# Print colours: light fills, dark text (alarm rows keep the screen's meaning, not its ink).
PRINT_PRIORITY: Final = {
    "high": ("#ffcdd2", "#8e0000"),
    "medium": ("#ffe0b2", "#4e2600"),
    "low": ("#b2ebf2", "#003c44"),
}
UNSIGNED_FILL: Final = ("#ffe0b2", "#4e2600")   # an unsigned or changed record stands out
HEADER_FILL: Final = "#37474f"
STRIPE_FILL: Final = "#f3f5f6"
GRID: Final = "#b0bec5"
FONT_FAMILY: Final = "DejaVu Sans"
# The record does not match the hash chain: the box under the title, in the screen banner's
# meaning for paper (light fill, dark red ink and frame); every page's footer carries the line.
WARNING_FILL: Final = ("#ffebee", "#8e0000")
FOOTER_WARNING: Final = "⚠ RECORD CHANGED OUTSIDE THE CONSOLE: see page 1"
# A discharge against the discharge gate: the override table's light orange, dark brown ink.
OVERRIDE_FILL: Final = ("#fff3e0", "#4e2600")
# In a report whose times carry their zone, a clock time and its zone ("02:45 CET",
# "02:45:00 UTC-03:00", "02:20 CEST–02:45 CET") are one word to widen a column for and not to
# break: "02:20" over "CEST" on the next line of a narrow Time column read as two entries.
ZONED_WORD: Final = re.compile(
    r"(?:\d\d:\d\d(?::\d\d)? (?:[A-Z]{2,5}|UTC[+-]\d\d:\d\d)(?![A-Za-z])|\S)+")

_APP: QtWidgets.QApplication | None = None   # the QApplication made here, kept for the process


def report_title(protocol: Protocol | None) -> str:
    """The report's title by the protocol's route: an esketamine nasal-spray session's report had
    been titled "Infusion session report"."""
    if protocol is None:
        return "Session report"
    return "Nasal spray session report" if protocol.route == "intranasal" else \
        "Infusion session report"


def write_session_pdf(detail: SessionDetail, path: Path, *, page_size: str = "A4",
                      protocol: Protocol | None = None, tz: tzinfo | None = None,
                      signatures: SessionSignatures | None = None, integrity: str = "") -> int:
    """Write the session report to `path` (replaced if it exists; left untouched if the new
    one cannot be written whole); return its page count. The arguments are
    `render_session_pdf`'s.

    Raises:
        ValueError: an unknown page size.
        OSError: the file cannot be written.
    """
    data, pages = render_session_pdf(detail, page_size=page_size, protocol=protocol, tz=tz,
                                     signatures=signatures, integrity=integrity)
    write_files({Path(path): data})
    return pages


def render_session_pdf(detail: SessionDetail, *, page_size: str = "A4",
                       protocol: Protocol | None = None, tz: tzinfo | None = None,
                       signatures: SessionSignatures | None = None,
                       integrity: str = "") -> tuple[bytes, int]:
    """The session report's bytes and its page count, drawn in memory (the command line holds
    Ctrl+C while Qt draws, not while the file is written: console/export/cli.py).

    Args:
        detail: the session (de-identified already if that was asked for).
        page_size: "A4" or "Letter".
        protocol: the protocol file that draws the trend's limit lines and the scheduled checks;
            None looks the session's protocol id up in the installed protocol folders.
        tz: the zone times are printed in (default: this computer's).
        signatures: the session's electronic signatures (`queries.load_signatures`); None
            prints the signature lines only (a de-identified report gets None).
        integrity: the warning that the session's record does not match the log's hash chain,
            as the review's banner words it (`content.chain_banner`: the first row
            changed outside the console; or `chain_unchecked`), '' when it matches. Printed in
            a box under the title, and every page's footer points to it: a page read alone
            must not pass for the record as written.

    Raises:
        ValueError: an unknown page size.
    """
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size {page_size!r} is not one of {', '.join(PAGE_SIZES)}")
    _ensure_app()
    if protocol is None:
        protocol = find_protocol(detail.summary.protocol_id, detail.events, detail.summary.id)
    trend = render_trend(detail, protocol)
    # Into memory first: QPdfWriter says nothing when its file cannot be written (a full disk
    # gave a truncated PDF reported as written); Python's write does.
    pdf = QtCore.QBuffer()
    pdf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = QtGui.QPdfWriter(pdf)
    size_id = (QtGui.QPageSize.PageSizeId.A4 if page_size == "A4"
               else QtGui.QPageSize.PageSizeId.Letter)
    writer.setPageSize(QtGui.QPageSize(size_id))
    writer.setPageMargins(QtCore.QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                          QtGui.QPageLayout.Unit.Millimeter)
    writer.setResolution(RESOLUTION)
    s = detail.summary
    writer.setTitle(f"Session report {s.patient_id} session {s.session_number}")
    writer.setCreator("infusion-console")
    painter = QtGui.QPainter()
    if not painter.begin(writer):
        raise RuntimeError("the PDF writer cannot start a report")
    try:
        area = writer.pageLayout().paintRectPixels(RESOLUTION)
        times = f"times {rc.session_zone(detail, tz)}"
        # Both zones of a session across a change of offset do not fit beside the rest in
        # three quarters of the line (the page number's quarter): a line of their own.
        zones = times if rc.spans_zone_change(detail, tz) else ""
        footer = (f"{s.patient_id}{' (de-identified)' if detail.deidentified else ''} · "
                  f"session {s.session_number} · "
                  f"{rc.day(s.started_at, tz)} · {s.protocol_id} v{detail.protocol_version}"
                  + ("" if zones else f" · {times}"))
        report = _Report(painter, area.width(), area.height(), zoned=bool(zones),
                         footer=_Footer(footer, FOOTER_WARNING if integrity else "", zones))
        pieces = report.build(detail, protocol, trend, tz, signatures, integrity)
        pages = report.paginate(pieces)
        for number, page in enumerate(pages, start=1):
            if number > 1:
                writer.newPage()
            for y, piece in page:
                piece.draw(painter, y)
            report.footer(number, len(pages))
    finally:
        painter.end()
    return bytes(pdf.data().data()), len(pages)


def _ensure_app() -> None:
    """A QApplication for the offscreen trend render; offscreen only when there is no display
    that answers."""
    global _APP
    existing = QtCore.QCoreApplication.instance()
    if existing is not None:
        if not isinstance(existing, QtWidgets.QApplication):
            raise RuntimeError("the PDF report needs a QApplication (widgets), not "
                               f"{type(existing).__name__}")
        return
    if not display_named(os.environ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if missing_display() is not None:
        # A display named that does not answer, or xcb chosen with none (a unit started before
        # the desktop, an ssh session): Qt aborted the export; a report needs no screen.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _APP = QtWidgets.QApplication(["infusion-console"])
    if _APP.platformName() == "offscreen":
        QtCore.qInstallMessageHandler(_quiet_offscreen)


# Qt's offscreen platform says this for every window shown, here the trend drawn for the page.
# It is no fault of the report; on a clinician's terminal it read as one (QA).
_OFFSCREEN_NOISE: Final = "This plugin does not support propagateSizeHints()"


def _quiet_offscreen(_kind: QtCore.QtMsgType, _context: QtCore.QMessageLogContext,
                     message: str) -> None:
    """Qt's messages on stderr as Qt writes them, without the offscreen platform's noise."""
    if message != _OFFSCREEN_NOISE:
        sys.stderr.write(f"{message}\n")


def render_trend(detail: SessionDetail, protocol: Protocol | None,
                 pixels: tuple[int, int] = TREND_PIXELS) -> QtGui.QImage:
    """The whole-session `TrendPlot` rendered offscreen into a QImage of `pixels`."""
    from console.ui.trend import TrendPlot   # pyqtgraph is imported only when a report is drawn

    observations, events, alarms = rc.trend_inputs(detail)
    plot = TrendPlot.for_session(protocol, observations, events, alarms,
                                 detail.summary.started_at, demo=detail.summary.demo)
    try:
        if detail.summary.ended_at is not None:
            # On the points' axis, the logged clock steps left out (as the review's window).
            plot.set_now(plot.feed.minutes_at(detail.summary.ended_at))
            plot.refresh()
        # Paper has no use for the view buttons; the legend stays.
        plot.follow_button.setVisible(False)
        plot.whole_button.setVisible(False)
        plot.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        plot.resize(*pixels)
        plot.show()
        QtWidgets.QApplication.processEvents()
        return plot.grab().toImage()
    finally:
        plot.close()
        plot.deleteLater()


# ---- layout -------------------------------------------------------------------------------------


@dataclass
class _Piece:
    """A strip of the report: its height and how to draw it at a y. `split` (a paragraph's)
    cuts it in two where a page ends: `split(room, fewest)` gives the part no taller than
    `room` and the rest, or None when either would hold fewer than `fewest` lines. `size`: how
    much it holds (a paragraph's characters); a split whose rest holds no less is not taken, so
    that pages always end (`_Report._split`)."""

    height: float
    draw: Callable[[QtGui.QPainter, float], None]
    keep_with_next: bool = False
    repeat: _Piece | None = None   # a table's header row, drawn again atop a new page
    split: Callable[[float, int], tuple[_Piece, _Piece] | None] | None = None
    size: int = 0


@dataclass(frozen=True)
class _Footer:
    """What every page's footer says: `text` beside "Page N of M", `warning` above it (the
    record changed outside the console), `zones` between them (the zones of a session across
    a change of offset); '' leaves a line out."""

    text: str
    warning: str = ""
    zones: str = ""


class _Report:
    """Measures the report into pieces, then paginates them (painter units: 1/300 inch)."""

    def __init__(self, painter: QtGui.QPainter, width: float, height: float,
                 zoned: bool = False, footer: _Footer | None = None) -> None:
        """`zoned`: the session spans a change of its zone's offset (its times carry their
        zone); `footer`: what every page's footer says, measured here so that the body ends
        above it however many lines it wraps to."""
        self.p = painter
        self.zoned = zoned
        self.width = float(width)
        self.height = float(height)
        self.pt = RESOLUTION / 72.0
        self.body = self._font(9)
        self.small = self._font(8)
        self.bold = self._font(9, bold=True)
        self.small_bold = self._font(8, bold=True)
        self.heading = self._font(12, bold=True)
        self.title = self._font(16, bold=True)
        self.line = 8 * self.pt * 1.6   # one line of the footer
        self.footer_text = footer or _Footer("")
        f = self.footer_text
        # Each footer block as tall as its text wraps to: a long patient id or protocol name
        # wrapped onto a second line that was drawn below the page's end, clipped, and lost
        # (a records audit). One line keeps the height it always had.
        self.footer_blocks = (
            self._footer_block(self.small_bold, self._broken(self.small_bold, f.warning,
                                                             self.width), self.width),
            self._footer_block(self.small, self._broken(self.small, f.zones, self.width),
                               self.width),
            self._footer_block(self.small, self._broken(self.small, f.text, self.width * 0.75),
                               self.width * 0.75, always=True),
        )
        self.footer_height = 10 * self.pt + sum(h for h, _ in self.footer_blocks)
        self.usable = self.height - self.footer_height

    def _footer_block(self, font: QtGui.QFont, text: str, width: float,
                      always: bool = False) -> tuple[float, str]:
        """(height, text broken into lines) of a footer block: `self.line` for one line and
        each further line's height on top; (0, '') for no text unless `always`."""
        if not text and not always:
            return 0.0, ""
        one = self._text_height(font, "Page", width)
        return self.line + max(0.0, self._text_height(font, text or "Page", width) - one), text

    def _font(self, points: float, bold: bool = False) -> QtGui.QFont:
        font = QtGui.QFont(FONT_FAMILY)
        font.setPointSizeF(points)
        font.setBold(bold)
        # No "fi"/"ff" ligatures: copied or searched text must read "confirmed", not "conﬁrmed".
        for tag in ("liga", "clig"):
            font.setFeature(QtGui.QFont.Tag(tag), 0)
        return font

    def _text_height(self, font: QtGui.QFont, text: str, width: float) -> float:
        self.p.setFont(font)
        rect = self.p.boundingRect(QtCore.QRectF(0, 0, max(width, 1.0), 1e7), text, _wrap())
        return float(rect.height())

    def _draw_text(self, font: QtGui.QFont, text: str, x: float, y: float, width: float,
                   height: float, colour: str = "#000000", align_right: bool = False) -> None:
        painter = self.p
        painter.setFont(font)
        painter.setPen(QtGui.QColor(colour))
        align = (QtCore.Qt.AlignmentFlag.AlignRight if align_right
                 else QtCore.Qt.AlignmentFlag.AlignLeft)
        painter.drawText(QtCore.QRectF(x, y, width, height), text, _wrap(align))

    # ---- pieces -------------------------------------------------------------------------------

    def paragraph(self, text: str, font: QtGui.QFont | None = None, colour: str = "#000000",
                  gap: float = 0.0, keep: bool = False, fill: str | None = None,
                  frame: str | None = None, continued: bool = False) -> _Piece:
        """A paragraph (in a box when `fill`/`frame`); `continued`: the rest of one a page
        ended, its first line "(continued)". Taller than the room a page has left, it goes on
        over the next page in parts (`paginate`), each a box of its own: a long discharge
        override reason drawn whole ran over the footer and off the page (a review)."""
        font = font or self.body
        pad = 6.0 * self.pt if fill else 0.0
        inner = self.width - 2 * pad
        body = text
        lead = ("(continued)",) if continued else ()
        text = "\n".join([*lead, body])
        h = self._text_height(font, text, inner) + 2 * pad

        def draw(painter: QtGui.QPainter, y: float) -> None:
            if fill:
                painter.fillRect(_rect(0, y, self.width, h), QtGui.QColor(fill))
            if frame:
                pen = QtGui.QPen(QtGui.QColor(frame))
                pen.setWidthF(1.5 * self.pt)
                painter.setPen(pen)
                painter.drawRect(_rect(0, y, self.width, h))
            self._draw_text(font, text, pad, y + pad, self.width - 2 * pad, h, colour)

        def split(room: float, fewest: int) -> tuple[_Piece, _Piece] | None:
            # Lines of the text itself each part holds, its "(continued)" above them: a part
            # of "(continued)" alone (a word taller than a page) left the same rest for ever.
            head, rest = self._fitting(font, self._broken(font, body, inner), inner,
                                       room - 2 * pad, lead)
            if len(head) < max(fewest, 1) or len(rest) < max(fewest, 1):
                return None
            # The part a page ends with needs no gap under it.
            return (self.paragraph("\n".join(head), font, colour, fill=fill, frame=frame,
                                   continued=continued),
                    self.paragraph("\n".join(rest), font, colour, gap, keep, fill, frame,
                                   continued=True))

        return _Piece(h + gap, draw, keep_with_next=keep, split=split, size=len(body))

    def heading_piece(self, text: str) -> _Piece:
        gap_above = 10 * self.pt
        h = self._text_height(self.heading, text, self.width)
        rule = 1.2 * self.pt

        def draw(painter: QtGui.QPainter, y: float) -> None:
            self._draw_text(self.heading, text, 0, y + gap_above, self.width, h, "#0d2a3a")
            painter.fillRect(_rect(0, y + gap_above + h + 1.5 * self.pt, self.width, rule),
                             QtGui.QColor("#0d2a3a"))

        return _Piece(gap_above + h + 5 * self.pt, draw, keep_with_next=True)

    def fields(self, pairs: Sequence[tuple[str, str]]) -> list[_Piece]:
        """Label: value pairs in two columns (a value breaks between words: `_broken`)."""
        col = self.width / 2
        label_w = 92 * self.pt
        value_w = col - label_w - 8 * self.pt
        pieces = []
        for i in range(0, len(pairs), 2):
            row = [(k, self._broken(self.body, v, value_w)) for k, v in pairs[i:i + 2]]
            heights = [max(self._text_height(self.body, v, value_w),
                           self._text_height(self.bold, k, label_w - 4 * self.pt))
                       for k, v in row]
            h = max(heights) + 3 * self.pt

            def draw(painter: QtGui.QPainter, y: float, row: Sequence[tuple[str, str]] = row,
                     h: float = h) -> None:
                for k, (label, value) in enumerate(row):
                    x = k * col
                    self._draw_text(self.bold, label, x, y, label_w - 4 * self.pt, h, "#37474f")
                    self._draw_text(self.body, value, x + label_w, y, value_w, h)

            pieces.append(_Piece(h, draw))
        return pieces

    def image(self, image: QtGui.QImage) -> _Piece:
        iw, ih = image.width(), image.height()
        w = self.width
        h = w * ih / iw if iw else 0.0
        if h > self.usable * 0.55:
            h = self.usable * 0.55
            w = h * iw / ih

        def draw(painter: QtGui.QPainter, y: float) -> None:
            painter.drawImage(_rect((self.width - w) / 2, y, w, h), image)

        return _Piece(h + 4 * self.pt, draw)

    def table(self, columns: Sequence[str], widths: Sequence[float],
              rows: Sequence[Sequence[str]],
              styles: Sequence[tuple[str, str] | None] | None = None,
              bold_rows: Sequence[int] = ()) -> list[_Piece]:
        """A header row and one piece per row; the header repeats after a page break.

        `widths` are shares of the page; a column too narrow for the longest word of its cells
        is widened (from columns with room to spare: `_fit_widths`), and lines break between
        words only (`_broken`), so a name ("Margarethe Oppenheimer-Castellanos, RN") is not cut
        inside a word.
        """
        pad = 2.5 * self.pt
        fonts = [self.small_bold if i in bold_rows else self.small for i in range(len(rows))]
        ws = self._fit_widths(widths, [(self.small_bold, columns),
                                       *zip(fonts, rows, strict=True)], 2 * pad)
        xs = [sum(ws[:i]) for i in range(len(ws))]
        grid = QtGui.QColor(GRID)

        def row_piece(cells: Sequence[str], font: QtGui.QFont, fill: str | None,
                      colour: str) -> _Piece:
            h = max(self._text_height(font, c, ws[i] - 2 * pad) for i, c in enumerate(cells))
            h = h + 2 * pad

            def draw(painter: QtGui.QPainter, y: float) -> None:
                if fill:
                    painter.fillRect(_rect(0, y, self.width, h), QtGui.QColor(fill))
                for i, c in enumerate(cells):
                    self._draw_text(font, c, xs[i] + pad, y + pad, ws[i] - 2 * pad, h, colour)
                pen = QtGui.QPen(grid)
                pen.setWidthF(0.6 * self.pt)
                painter.setPen(pen)
                painter.drawRect(_rect(0, y, self.width, h))
                for x0 in xs[1:]:
                    painter.drawLine(_line(x0, y, x0, y + h))

            return _Piece(h, draw)

        def broken(cells: Sequence[str], font: QtGui.QFont) -> list[str]:
            return [self._broken(font, c, ws[i] - 2 * pad) for i, c in enumerate(cells)]

        header = row_piece(broken(columns, self.small_bold), self.small_bold, HEADER_FILL,
                           "#ffffff")
        header.keep_with_next = True
        pieces = [header]
        # A row taller than a page (a long note) goes on over the next pages in parts, each
        # under the header again, the first cell saying "(continued)": drawn whole it ran over
        # the footer and the rest of the text was lost from the paper record (a records audit).
        room = self.usable - header.height - 2 * pad
        for i, cells in enumerate(rows):
            style = styles[i] if styles is not None else None
            fill, colour = style if style is not None else (STRIPE_FILL if i % 2 else None,
                                                            "#000000")
            lines = broken(cells, fonts[i])
            whole = row_piece(lines, fonts[i], fill, colour)
            whole.repeat = header
            if whole.height - 2 * pad <= room:
                pieces.append(whole)
                continue
            parts = [self._parts(fonts[i], c, ws[k] - 2 * pad, room)
                     for k, c in enumerate(lines)]
            for n in range(max(len(p) for p in parts)):
                part = [p[n] if n < len(p) else "" for p in parts]
                if n and not part[0]:
                    part[0] = "(continued)"
                piece = row_piece(part, fonts[i], fill, colour)
                piece.repeat = header
                pieces.append(piece)
        return pieces

    def _parts(self, font: QtGui.QFont, text: str, width: float, room: float) -> list[str]:
        """`text` (broken into lines) in parts each no taller than `room` (a page's table room),
        the first no taller than half of it, so that it can follow its heading and the header
        row on the page where they stand (a whole page's part left the heading alone on a page
        of its own); one part when it fits. A single line taller than that (a word of thousands
        of letters, which `_wrap` breaks anywhere) is halved until its parts fit."""
        if self._text_height(font, text, width) <= room:
            return [text]
        out: list[str] = []
        rest = text
        while rest:
            head, tail = self._fitting(font, rest, width, room if out else room / 2)
            if not head:   # one character taller than a page: drawn as it is
                head, tail = tail[:1], tail[1:]
            out.append("\n".join(head))
            rest = "\n".join(tail)
        return out

    def _fitting(self, font: QtGui.QFont, text: str, width: float, limit: float,
                 lead: Sequence[str] = ()) -> tuple[list[str], list[str]]:
        """The first lines of `text` (broken into lines) that together, under the lines `lead`
        (a "(continued)"), are no taller than `limit`, and the lines left. A line alone taller
        than `limit` (a word of thousands of letters, which `_wrap` breaks anywhere) is halved
        until its first part fits after the lines kept (a page of its own for the line above
        it left the page half empty), the rest of it left as one line; no line when not even
        one character fits."""
        part = list(lead)
        pending = text.split("\n")
        cut = ""   # the end of the line being halved, after the start tried
        while pending:
            line = pending.pop(0)
            if self._text_height(font, "\n".join([*part, line]), width) <= limit:
                part.append(line)
                if cut:
                    pending.insert(0, cut)
                    cut = ""
            elif len(line) > 1 and (len(part) == len(lead)
                                    or self._text_height(font, line, width) > limit):
                half = len(line) // 2
                pending.insert(0, line[:half])
                cut = line[half:] + cut
            else:
                pending.insert(0, line + cut)
                break
        return part[len(lead):], pending

    def _advance(self, font: QtGui.QFont, text: str) -> float:
        """The width of `text` on one line in `font`, in the report's units."""
        return float(QtGui.QFontMetricsF(font, self.p.device()).horizontalAdvance(text))

    def _fit_widths(self, shares: Sequence[float],
                    lines: Sequence[tuple[QtGui.QFont, Sequence[str]]],
                    padding: float) -> list[float]:
        """Column widths from `shares` of the page, each widened to its longest word (plus
        `padding`) where the others can give up room beyond their own longest word.

        QA: the PDF's "By" column printed "Margarethe Oppenheimer-Castel / lanos, RN". A word
        wider than `WORD_MAX` of the page (a pasted URL) is not made room for: it wraps
        anywhere, as before (`_wrap`).
        """
        total = sum(shares)
        widths = [self.width * w / total for w in shares]
        longest = [0.0] * len(widths)
        for font, cells in lines:
            for i, text in enumerate(cells):
                for word in self._words(text):
                    # A hair more for a time and its zone: Qt breaks at their space when the
                    # line is its exact width (a word alone it does not break).
                    hair = self.pt if " " in word else 0.0
                    longest[i] = max(longest[i], self._advance(font, word) + hair)
        need = [min(longest[i], self.width * WORD_MAX) + padding for i in range(len(widths))]
        short = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
        spare = [max(0.0, w - n) for n, w in zip(need, widths, strict=True)]
        if short <= 0 or sum(spare) <= 0:
            return widths
        given = min(short, sum(spare))   # what the columns with room can give
        taken = given / sum(spare)
        widened = given / short
        return [w - s * taken if s > 0 else w + max(0.0, n - w) * widened
                for w, n, s in zip(widths, need, spare, strict=True)]

    def _words(self, text: str) -> list[str]:
        """`text`'s words, a time and its zone one word when the times carry their zone."""
        return ZONED_WORD.findall(text) if self.zoned else text.split()

    def _broken(self, font: QtGui.QFont, text: str, width: float) -> str:
        """`text` with its lines broken between words to fit `width` (Qt's own wrapping would
        break after a hyphen too: "Oppenheimer-" / "Castellanos"). A word wider than the line
        keeps a line of its own, which `_wrap` breaks wherever it must."""
        room = width * 0.995   # Qt measures the drawn line alike; a hair less, never over
        out: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for word in self._words(paragraph):
                candidate = f"{line} {word}" if line else word
                if line and self._advance(font, candidate) > room:
                    out.append(line)
                    line = word
                else:
                    line = candidate
            out.append(line)
        return "\n".join(out)

    def signatures(self) -> _Piece:
        line_gap = 36 * self.pt   # room to sign above each line
        rows = ("Nurse", "Prescriber")
        h = 14 * self.pt + len(rows) * line_gap + 6 * self.pt
        col = self.width / 3

        def draw(painter: QtGui.QPainter, y: float) -> None:
            pen = QtGui.QPen(QtGui.QColor("#000000"))
            pen.setWidthF(0.8 * self.pt)
            for k, role in enumerate(rows):
                base = y + 14 * self.pt + (k + 1) * line_gap
                for j, what in enumerate((f"{role} (name)", "Signature", "Date and time")):
                    x0 = j * col
                    painter.setPen(pen)
                    painter.drawLine(_line(x0, base, x0 + col - 10 * self.pt, base))
                    self._draw_text(self.small, what, x0, base + 1.5 * self.pt, col, 12 * self.pt,
                                    "#37474f")

        return _Piece(h, draw)

    def footer(self, number: int, total: int) -> None:
        """The page's footer (`_Footer`): its warning atop, then the zones, then its text beside
        "Page N of M", each block as tall as its text wraps to (`footer_blocks`), the last
        ending with the page's printable area."""
        (warn_h, warning), (zones_h, zones), (text_h, text) = self.footer_blocks
        y = self.height - text_h
        zones_y = y - zones_h
        top = zones_y - warn_h
        pen = QtGui.QPen(QtGui.QColor(GRID))
        pen.setWidthF(0.6 * self.pt)
        self.p.setPen(pen)
        self.p.drawLine(_line(0, top - 3 * self.pt, self.width, top - 3 * self.pt))
        if warning:
            self._draw_text(self.small_bold, warning, 0, top, self.width, warn_h,
                            WARNING_FILL[1])
        if zones:
            self._draw_text(self.small, zones, 0, zones_y, self.width, zones_h, "#37474f")
        self._draw_text(self.small, text, 0, y, self.width * 0.75, text_h, "#37474f")
        self._draw_text(self.small_bold, f"Page {number} of {total}", self.width * 0.75, y,
                        self.width * 0.25, self.line, "#000000", align_right=True)

    # ---- the report -----------------------------------------------------------------------------

    def build(self, detail: SessionDetail, protocol: Protocol | None, trend: QtGui.QImage,
              tz: tzinfo | None, signatures: SessionSignatures | None = None,
              integrity: str = "") -> list[_Piece]:
        s = detail.summary
        course = protocol.course_sessions if protocol is not None else None
        out: list[_Piece] = [self.paragraph(report_title(protocol), self.title,
                                            gap=4 * self.pt)]
        if integrity:
            out.append(self.paragraph(integrity, self.bold, WARNING_FILL[1], gap=4 * self.pt,
                                      fill=WARNING_FILL[0], frame=WARNING_FILL[1]))
        if detail.deidentified:
            out.append(self.paragraph(DEIDENTIFIED_NOTE, self.bold, "#ffffff", gap=4 * self.pt,
                                      fill="#37474f"))
        if s.demo:
            out.append(self.paragraph("DEMO SESSION: simulated data, not patient data",
                                      self.bold, "#ffffff", gap=4 * self.pt, fill="#4a148c"))
        against = rc.discharge_override_text(detail, tz)
        if against:
            # Under the title, where the discharge is read: the override alone was on pages
            # 2-3 and page 1 looked like a normal discharge (nurse walk, 2 Dec 2026).
            out.append(self.paragraph(against, self.bold, OVERRIDE_FILL[1], gap=4 * self.pt,
                                      fill=OVERRIDE_FILL[0], frame=OVERRIDE_FILL[1]))
        open_session = rc.not_ended_text(detail, tz)
        if open_session:
            # Under the title: a session left open (no discharge, no end) printed a report that
            # read as a finished record, "still open" only in the header's date (an audit).
            out.append(self.paragraph(open_session, self.bold, OVERRIDE_FILL[1],
                                      gap=4 * self.pt, fill=OVERRIDE_FILL[0],
                                      frame=OVERRIDE_FILL[1]))
        out.extend(self.fields(rc.header_fields(detail, tz, course, protocol)))

        out.append(self.heading_piece("Trend over the whole session"))
        out.append(self.image(trend))
        out.append(self.paragraph(
            "Minutes since the session started. Lines: device values; hollow diamonds: values "
            "entered by hand; dashed: alarm limits (red high, amber medium); vertical markers: "
            "phases, dose, observations and alarms.", self.small, "#37474f", gap=2 * self.pt))

        out.append(self.heading_piece("Phases"))
        out.extend(self.table(rc.PHASE_COLUMNS, (3, 1.3, 1.3, 1.3, 2), rc.phase_rows(detail, tz)))

        out.append(self.heading_piece("Vitals at each check"))
        vitals = rc.vital_rows(detail, tz, protocol)
        if vitals:
            # What "Min" counts from: the screen says it in the column's tooltip, paper here (a
            # clinician's audit read "+50" against the REMS form's "T+40" for one reading).
            out.append(self.paragraph(f"Min: {rc.MIN_COLUMN_TIP}.", self.small, "#37474f",
                                      gap=2 * self.pt, keep=True))
            out.extend(self.table(rc.VITAL_COLUMNS, (1.1, 0.9, 1.5, 1.1, 1.1, 1.1, 3.2), vitals))
        else:
            out.append(self.paragraph(rc.NO_VITALS))   # the Vitals tab says the same

        out.append(self.heading_piece("Alarms"))
        alarms = rc.alarm_rows(detail, tz)
        counts = rc.alarm_breakdown(detail.summary.alarms_by_priority)
        out.append(self.paragraph(f"{counts}. Reminders (vitals due that never rose above info) "
                                  "are counted but not listed.", self.small, "#37474f",
                                  gap=3 * self.pt, keep=True))
        if alarms:
            out.extend(self.table(
                rc.ALARM_COLUMNS, (1.1, 3.6, 1.4, 2.1, 2.3, 1.8, 1.5),
                [a.cells for a in alarms],
                [PRINT_PRIORITY.get(a.priority) for a in alarms],
                bold_rows=[i for i, a in enumerate(alarms) if a.priority == "high"]))
        else:
            out.append(self.paragraph("No alarm reached low priority or above."))

        out.append(self.heading_piece("Checklist"))
        ticks = rc.checklist_rows(detail, tz)
        if ticks:
            out.extend(self.table(rc.CHECKLIST_COLUMNS, (0.9, 1.8, 5.2, 1.4, 1.8), ticks))
        else:
            out.append(self.paragraph("No checklist item was ticked."))

        out.append(self.heading_piece("Overrides and prescriber decisions"))
        overrides = rc.override_rows(detail, tz)
        # A refused discharge the nurse respected is no override: said apart, its row unmarked
        # (`rc.override_count`).
        said = [] if rc.override_count(detail) else [
            "None: every refusal of the console was respected."]
        refused = rc.refused_discharge_words(detail)
        if refused:
            said.append(f"{refused}.")
        if said:
            out.append(self.paragraph(" ".join(said), gap=3 * self.pt if overrides else 0.0,
                                      keep=bool(overrides)))
        if overrides:
            out.extend(self.table(rc.OVERRIDE_COLUMNS, (0.9, 2.0, 3.2, 3.2, 1.3), overrides,
                                  [None if row[1] == rc.DISCHARGE_REFUSED
                                   else ("#fff3e0", "#000000") for row in overrides]))

        out.append(self.heading_piece("Observations"))
        observations = rc.observation_rows(detail, tz)
        if observations:
            columns = rc.observation_columns(detail)
            widths = [1.0, 0.8] + [2.2] * (len(columns) - 3) + [1.4]
            maxima = " · ".join(f"{name} {text}" for name, text in rc.scale_maxima(detail))
            out.append(self.paragraph(maxima, self.small, "#37474f", gap=3 * self.pt, keep=True))
            out.extend(self.table(columns, widths, observations))
            if detail.scale_values("moaas"):
                legend = "; ".join(f"{v} {text}" for v, text in METRICS["moaas"].choices)
                out.append(self.paragraph(f"MOAA/S: {legend}.", self.small, "#37474f",
                                          gap=2 * self.pt))
        else:
            out.append(self.paragraph("No observation scale was recorded."))

        out.append(self.heading_piece("Notes and annotations"))
        notes = rc.note_rows(detail, tz)
        if notes:
            out.extend(self.table(rc.NOTE_COLUMNS, (2.2, 1.6, 1.4, 5.8), notes))
        else:
            out.append(self.paragraph("No note was written."))

        out.append(self.heading_piece("Signatures"))
        if signatures is not None and signatures.enforced_since is not None:
            rows = rc.signature_rows(signatures, tz, rc.spans_zone_change(detail, tz),
                                     session_start=detail.summary.started_at)
            out.append(self.paragraph(
                f"Electronic signatures: {rc.signature_summary(signatures)}. Each binds the "
                "signer's printed name, account, the time and its meaning to the record's hash.",
                self.small, "#37474f", gap=3 * self.pt, keep=bool(rows)))
            if rows:
                out.extend(self.table(
                    rc.SIGNATURE_COLUMNS, (1.5, 3.4, 1.8, 1.5, 1.1, 1.6, 1.3), rows,
                    [UNSIGNED_FILL if r[-1] != "valid" else None for r in rows],
                    bold_rows=[i for i, r in enumerate(rows) if r[-1] != "valid"]))
        out.append(self.signatures())
        return out

    def paginate(self, pieces: Sequence[_Piece]) -> list[list[tuple[float, _Piece]]]:
        """Place pieces top to bottom; a chain of keep-with-next pieces moves as one. A piece
        that can be split (a paragraph) and does not fit the room left is split there when each
        part holds two lines or more, else moved to the next page, and split again there while
        taller than a page: nothing is drawn over the footer or off the page."""
        pages: list[list[tuple[float, _Piece]]] = [[]]
        pending = list(pieces)
        y = 0.0
        i = 0
        while i < len(pending):
            if y > 0:
                self._split(pending, i, self.usable - y, 2)
            piece = pending[i]
            need = piece.height
            j = i
            while pending[j].keep_with_next and j + 1 < len(pending):
                j += 1
                need += pending[j].height
            if y > 0 and y + need > self.usable:
                pages.append([])
                y = 0.0
                if piece.repeat is not None:
                    pages[-1].append((y, piece.repeat))
                    y += piece.repeat.height
            self._split(pending, i, self.usable - y, 1)
            piece = pending[i]
            pages[-1].append((y, piece))
            y += piece.height
            i += 1
        return pages

    @staticmethod
    def _split(pieces: list[_Piece], i: int, room: float, fewest: int) -> None:
        """Put `pieces[i]`'s part that fits `room` and its rest in its place, when it is taller
        than `room` and can be split so (`_Piece.split`), the rest holding less than it did: a
        split that does not shrink it would be made again on every page, for ever; the piece
        is drawn as it is instead."""
        piece = pieces[i]
        if piece.split is None or piece.height <= room:
            return
        parts = piece.split(room, fewest)
        if parts is not None and parts[1].size < piece.size:
            pieces[i:i + 1] = parts


def _wrap(align: QtCore.Qt.AlignmentFlag = QtCore.Qt.AlignmentFlag.AlignLeft,
          ) -> QtGui.QTextOption:
    """Lines break between words, and inside a word only when it is longer than the line: a
    pasted URL of 312 characters was cut at the cell's edge and the rest lost (Qt's
    TextWrapAnywhere flag would break every word instead)."""
    option = QtGui.QTextOption(align)
    option.setWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    return option


def _rect(x: float, y: float, w: float, h: float) -> QtCore.QRectF:
    return QtCore.QRectF(x, y, w, h)


def _line(x0: float, y0: float, x1: float, y1: float) -> QtCore.QLineF:
    return QtCore.QLineF(x0, y0, x1, y1)
