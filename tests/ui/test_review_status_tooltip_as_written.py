"""The review window's status line says its message as written on hover too: a clinician typed
as "Dr <s>Lee" (the status "Annotation by Dr <s>Lee added to ...") was struck through in the
tooltip, a room "Bay <B>" lost its letters."""
from __future__ import annotations

from PySide6 import QtGui

from console.ui.review_window import WrappingStatusBar


def drawn_as(tip: str) -> str:
    """What a QToolTip shows: rich text when Qt::mightBeRichText says so, else plain."""
    doc = QtGui.QTextDocument()
    if QtGui.Qt.mightBeRichText(tip):
        doc.setHtml(tip)
    else:
        doc.setPlainText(tip)
    return doc.toPlainText()


def test_status_line_tooltip_shows_a_typed_name_as_written(qtbot):
    bar = WrappingStatusBar()
    qtbot.addWidget(bar)
    message = "Annotation by Dr <s>Lee added to P-001 · session 2"
    bar.showMessage(message)
    assert bar.line.text().replace("\u200b", "") == message   # the line itself is plain
    assert drawn_as(bar.line.toolTip()) == message, bar.line.toolTip()
