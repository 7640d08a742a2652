"""A hand-over between two nurses whose names are written right to left (Hebrew, Arabic) reads
the right way round in the review's Notes, the PDF's "Notes and annotations" and the live
window's event list. With only neutral characters (" → ") between them, the bidi algorithm laid
"Handed over: שרה כהן → רחל לוי" (Sara hands over to Rachel) out as one right-to-left run, read
as Rachel handing over to Sara: who was responsible for the patient when is what the record is
for (a review). Laid out by Qt as the window and the PDF lay it out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6 import QtGui

from console.review import content as rc
from console.session.journal import describe
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver

# Hebrew names (bidi class R) and Arabic ones (AL): both are written right to left.
HEBREW = ("\u05e9\u05e8\u05d4 \u05db\u05d4\u05df", "\u05e8\u05d7\u05dc \u05dc\u05d5\u05d9")
ARABIC = ("\u0633\u0627\u0631\u0629 \u062d\u0633\u0646",
          "\u0631\u0627\u0646\u064a\u0627 \u0639\u0644\u064a")


def left_edge(layout: QtGui.QTextLayout, line: QtGui.QTextLine, start: int, length: int) -> float:
    """The leftmost x of the characters start..start+length as laid out."""
    return min(line.cursorToX(i)[0] for i in range(start, start + length + 1))


def read_left_to_right(text: str, giver_name: str, taker_name: str) -> bool:
    """On an English page (left to right), the giver's name is left of the taker's."""
    layout = QtGui.QTextLayout(text, QtGui.QFont("DejaVu Sans", 10))
    option = QtGui.QTextOption()
    option.setTextDirection(QtGui.Qt.LayoutDirection.LeftToRight)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(10_000)
    layout.endLayout()
    giver, taker = text.index(giver_name), text.index(taker_name)
    return (left_edge(layout, line, giver, len(giver_name))
            < left_edge(layout, line, taker, len(taker_name)))


@pytest.mark.parametrize(("giver", "taker"), [HEBREW, ARABIC], ids=["hebrew", "arabic"])
def test_the_nurse_who_handed_over_is_read_first(qapp, tmp_path, giver, taker):
    path = tmp_path / "log.sqlite3"
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    r = Driver(log, "iv-ketamine", "MRN-1", 72.0, giver, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
    r.manual(bp_systolic=130, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.at(20)
    assert r.engine.hand_over(taker, r.clock.now()).done
    session = r.id
    log.close()
    conn = open_readonly(path)
    try:
        detail = load_session(conn, session)
    finally:
        conn.close()
    [text] = [row[-1] for row in rc.note_rows(detail, UTC) if "Handed over" in row[-1]]
    assert read_left_to_right(text, giver, taker), "the review's note"
    [event] = [e for e in detail.events if e.kind == "handed_over"]
    assert read_left_to_right(describe(event), giver, taker), "the live window's event list"
