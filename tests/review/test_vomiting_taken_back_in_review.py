"""A "Vomiting" taken back at the chair (the entry form's Undo) is marked so in the review and the
exports, with who took it back and why, as a value entered in error is (a review).

The log keeps the episode's `observation` event; an `entered_in_error` event names it (its
`event`, text and time). Unmarked, a mis-click beside the Nausea buttons read as an episode in
the review's notes, the PDF and the events CSV, which a researcher counts vomiting by
(tests/export/test_deidentify_observation_buttons.py).
"""

from __future__ import annotations

import csv
from datetime import UTC

from console.export.csv_export import write_session_csv
from console.export.deidentify import deidentify
from console.review import content as rc
from console.review.model import describe_event
from console.session.engine import OBSERVED, VOMITING
from tests.review.logged_session import LoggedSession, logged_session

UNDONE = "undone by the nurse within 10 s"


def vomiting_then_a_mis_click(s: LoggedSession) -> None:
    """09:01 the patient vomits; 09:03 a mis-click on Vomiting, taken back 3 s later."""
    engine, clock = s.engine, s.clock
    assert engine.note_row(VOMITING, "ana", clock.advance(60), kind=OBSERVED)[0].done
    outcome, mistake = engine.note_row(VOMITING, "ana", clock.advance(120), kind=OBSERVED)
    assert outcome.done and mistake is not None
    assert engine.void_observation(mistake, "ana", clock.advance(3), UNDONE).done


def test_a_vomiting_taken_back_is_marked_in_the_notes_with_who_and_why(tmp_path):
    s = logged_session(tmp_path)
    vomiting_then_a_mis_click(s)
    detail = s.detail()
    assert rc.note_rows(detail, UTC) == [
        ("Mon 02 Mar 2026 09:01", "Observation", "ana", "Vomiting"),
        ("Mon 02 Mar 2026 09:03", "Observation", "ana", "Vomiting [entered in error]"),
        ("Mon 02 Mar 2026 09:03", "Entered in error", "ana", f"Vomiting taken back: {UNDONE}")]
    # Counted as the review lists them: one episode stands.
    assert [n.text for n in detail.notes if n.kind == OBSERVED and not n.entered_in_error] == [
        VOMITING]
    taken_back = next(e for e in detail.events if e.kind == "entered_in_error")
    assert describe_event(taken_back.kind, taken_back.detail) == f"Vomiting taken back: {UNDONE}"


def test_the_events_csv_and_a_de_identified_copy_say_it_was_taken_back(tmp_path):
    s = logged_session(tmp_path)
    vomiting_then_a_mis_click(s)
    detail = s.detail()
    paths = write_session_csv(detail, tmp_path / "out")
    with paths["events"].open(newline="", encoding="utf-8") as f:
        words = [row["text"] for row in csv.DictReader(f)]
    assert f"Vomiting taken back: {UNDONE}" in words
    # A de-identified copy keeps the console's words and the mark; the reason is free text.
    anon = deidentify(detail, b"k" * 32, tz=UTC)
    assert [row[1:] for row in rc.note_rows(anon, UTC)] == [
        ("Observation", "staff-1", "Vomiting"),
        ("Observation", "staff-1", "Vomiting [entered in error]"),
        ("Entered in error", "staff-1", "Vomiting taken back: [free text removed]")]
    taken_back = next(e for e in anon.events if e.kind == "entered_in_error")
    assert describe_event(taken_back.kind, taken_back.detail) == (
        "Vomiting taken back: [free text removed]")
