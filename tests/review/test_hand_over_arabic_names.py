"""A hand-over between two nurses with Arabic names (bidi class AL, where Hebrew is R) reads
giver then taker, as tests/review/test_hand_over_rtl_names.py holds for Hebrew names (a
review)."""
from __future__ import annotations

from datetime import UTC, datetime

from PySide6 import QtGui

from console.review import content as rc
from console.session.journal import describe
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

# Arabic names: bidi class AL.
SARA, RACHEL = ("\u0633\u0627\u0631\u0629 \u062d\u0633\u0646",
                "\u0631\u0627\u0646\u064a\u0627 \u0639\u0644\u064a")


def left_edge(layout: QtGui.QTextLayout, line: QtGui.QTextLine, start: int, length: int) -> float:
    """The leftmost x of the characters start..start+length as laid out."""
    return min(line.cursorToX(i)[0] for i in range(start, start + length + 1))


def read_left_to_right(text: str) -> bool:
    """On an English page (left to right), the giver's name is left of the taker's."""
    layout = QtGui.QTextLayout(text, QtGui.QFont("DejaVu Sans", 10))
    option = QtGui.QTextOption()
    option.setTextDirection(QtGui.Qt.LayoutDirection.LeftToRight)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(10_000)
    layout.endLayout()
    giver, taker = text.index(SARA), text.index(RACHEL)
    return left_edge(layout, line, giver, len(SARA)) < left_edge(layout, line, taker, len(RACHEL))


def test_the_nurse_who_handed_over_is_read_first(qapp, tmp_path):
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    r = Driver(log, "iv-ketamine", "MRN-1", 72.0, SARA, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
    r.manual(bp_systolic=130, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.at(20)
    assert r.engine.hand_over(RACHEL, r.clock.now()).done
    session = r.id
    log.close()
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session)
    finally:
        conn.close()
    [text] = [row[-1] for row in rc.note_rows(detail, UTC) if "Handed over" in row[-1]]
    assert read_left_to_right(text), "the review's note"
    [event] = [e for e in detail.events if e.kind == "handed_over"]
    assert read_left_to_right(describe(event)), "the live window's event list"
