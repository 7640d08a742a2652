"""A baseline BP ticked for the gate and then entered in error opens the gate item again. The
review's Notes tab, its timeline and the PDF name the item by its text ("checklist item open
again: Baseline BP below 140/90"); the events CSV of the same session had named it by the
protocol's id, "baseline_bp": `csv_export.event_rows` called `describe_event` without the ticks'
texts, which `SessionDetail.timeline` passed. One record, two wordings (a review of the
exports); both now take the texts from `model.ticked_texts`."""
from __future__ import annotations

from datetime import UTC

from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, log  # noqa: F401
from tests.session.test_void_attested_baseline import void_last

REOPENED = "checklist item open again: Baseline BP below 140/90"


def _baseline_taken_back(log: EventLog) -> SessionDetail:  # noqa: F811
    s = LoggedSession(log)
    e = s.engine
    # Chair 4's BP typed here by mistake; the baseline item ticked on it, then taken back.
    s.bp(138, 88); s.manual("heart_rate", 70)
    assert e.tick_item("consent", NURSE, s.now()).done
    assert e.tick_item("baseline_bp", NURSE, s.now()).done
    s.t(60); void_last(s, "bp_systolic", "bp_diastolic")
    session = e.session_id
    log.close()
    conn = open_readonly(log.path)
    try:
        return load_session(conn, session, with_observations=True)
    finally:
        conn.close()


def test_the_events_csv_names_the_reopened_gate_item_as_the_review_does(
        log: EventLog) -> None:  # noqa: F811
    detail = _baseline_taken_back(log)
    [note] = [r for r in rc.note_rows(detail, UTC)
              if r[1] == "Entered in error" and "Systolic" in r[3]]
    assert note[3].endswith(REOPENED), note
    text = EVENT_COLUMNS.index("text")
    [csv_text] = [row[text] for row in event_rows(detail)
                  if row[EVENT_COLUMNS.index("kind")] == "entered_in_error"
                  and "Systolic" in row[text]]
    assert csv_text == note[3], f"CSV: {csv_text!r}; review and PDF: {note[3]!r}"
    # The review's timeline says it alike.
    [entry] = [t for t in detail.timeline() if t.kind == "entered_in_error"
               and "Systolic" in t.text]
    assert entry.text == csv_text
