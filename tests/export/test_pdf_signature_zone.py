"""The PDF's Signatures table names the zone of a time under another offset than the session's
(review 43). A review annotation written and signed weeks after a winter session, after the clocks
went forward: the PDF's Notes table prints its time with its own zone (BST, `note_rows`: "written
later, perhaps under another offset than the session's named zone"), but the Signatures table
prints the same annotation's record time and the signature's time bare ("10 Apr 2026 10:15:00"),
under the footer "times GMT, UTC+00:00": a reader elsewhere takes 10:15 GMT, an hour off, and the
two tables of one report disagree about one record.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from console.export.pdf import write_session_pdf
from console.review.model import Note, SessionSignatures, SignatureEntry
from console.review.queries import load_session, open_readonly
from tests.export.test_pdf import needs_poppler, pages_of, squash
from tests.review.scenarios import scenario_log  # noqa: F401 - a fixture

LONDON = ZoneInfo("Europe/London")
WRITTEN = datetime(2026, 4, 10, 9, 15, tzinfo=UTC)   # 10:15 BST
SIGNED = datetime(2026, 4, 10, 9, 15, 20, tzinfo=UTC)


@needs_poppler
def test_signed_annotation_times_carry_their_zone_in_the_signatures_table(scenario_log,
                                                                         tmp_path):
    conn = open_readonly(scenario_log.path)
    try:
        detail = load_session(conn, scenario_log.facts.ids["quiet"], with_observations=True)
    finally:
        conn.close()
    assert detail.summary.started_at.astimezone(LONDON).utcoffset().total_seconds() == 0
    note = Note(WRITTEN, "dr.lee", "BP fine on review", kind="review_note")
    detail = dataclasses.replace(detail, annotations=(note,))
    signed = SessionSignatures(signatures=(SignatureEntry(
        SIGNED, 7, "Dr Lee", "reviewed", "events", 999, WRITTEN,
        "Review note: BP fine on review", True),), enforced_since=datetime(2026, 3, 1, tzinfo=UTC))
    pdf = tmp_path / "s.pdf"
    write_session_pdf(detail, pdf, tz=LONDON, signatures=signed)
    whole = squash("\n".join(pages_of(pdf)))
    notes, signatures = whole.split("Electronic signatures:", 1)
    notes = notes.split("Notes and annotations", 1)[1]
    assert "times GMT, UTC+00:00" in whole
    # The Notes table: "Fri 10 Apr 2026 10:15 … BST" (its zone wraps in the cell).
    assert "Fri 10 Apr 2026 10:15" in notes and "BST" in notes
    # The Signatures table, the same record: "10 Apr 2026 … 10:15:00", and no zone.
    assert "10:15:00" in signatures
    assert "BST" in signatures, (
        "the Signatures table prints the annotation's time 10:15:00 and its signature 10:15:20 "
        "with no zone, under 'times GMT, UTC+00:00'; the Notes table says 10:15 BST: "
        + signatures[:400])
