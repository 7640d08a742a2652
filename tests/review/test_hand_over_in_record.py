"""A hand-over at the chair (the engine's `hand_over`: a `handed_over` event {from, to}) is in
the review: the header names every nurse who ran the session, in order, and the Notes tab has
the hand-over at its time.

Audit: a session nurse.ana started and handed over to nurse.bea at 09:20 read "nurse nurse.ana"
in the subtitle and nowhere said that nurse.bea ran it from 09:20: who was responsible for the
patient when was lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.review import content as rc
from console.store import EventLog
from tests.review.review_windows import open_review
from tests.review.scenarios import Driver


def handed_over(path: Path) -> int:
    """An IV session nurse.ana starts (T0 09:05) and hands over to nurse.bea at 09:20."""
    log = EventLog.open(path, "test", now=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    try:
        r = Driver(log, "iv-ketamine", "MRN-1", 72.0, "nurse.ana",
                   datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1)
        r.manual(bp_systolic=130, bp_diastolic=80, heart_rate=72, spo2=98, resp_rate=14,
                 moaas=5, dissociation=0)
        r.tick_required()
        r.at(5); r.advance()                                   # T0 09:05
        r.at(15); r.manual(bp_systolic=140, bp_diastolic=85)
        r.at(20)
        assert r.engine.hand_over("nurse.bea", r.clock.now()).done   # 09:20 bea takes over
        r.at(28)
        return r.id
    finally:
        log.close()


def test_a_hand_over_is_in_the_header_and_the_notes(qtbot, tmp_path):
    path = tmp_path / "log.sqlite3"
    session = handed_over(path)
    window = open_review(qtbot, path, datetime(2026, 3, 3, 9, 0, tzinfo=UTC), size=(1366, 768))
    window.open_session(session)
    page = window.detail_page
    subtitle = page.subtitle.text()
    notes = [tuple(r) for r in page.note_model.rows()]
    header = dict(rc.header_fields(page.detail, UTC))   # the PDF's header too
    window.close_log()
    assert "· nurse nurse.ana, then nurse.bea from 09:20 ·" in subtitle, subtitle
    assert header["Nurse"] == "nurse.ana, then nurse.bea from 09:20"
    assert ("Mon 02 Mar 2026 09:20", "Hand-over", "nurse.bea",
            "Handed over: nurse.ana → nurse.bea") in notes, notes
