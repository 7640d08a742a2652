"""The review window's status line says its message as written on hover too: a clinician typed
as "Dr <s>Lee" (the status "Annotation by Dr <s>Lee added to ...") was struck through in the
tooltip, a room "Bay <B>" lost its letters."""
from __future__ import annotations

from console.ui.review_window import WrappingStatusBar
from tests.drawn_text import hovered


def test_status_line_tooltip_shows_a_typed_name_as_written(qtbot):
    bar = WrappingStatusBar()
    qtbot.addWidget(bar)
    message = "Annotation by Dr <s>Lee added to P-001 · session 2"
    bar.showMessage(message)
    assert bar.line.text().replace("\u200b", "") == message   # the line itself is plain
    assert hovered(bar.line) == message, bar.line.toolTip()
