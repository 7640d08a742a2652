"""A pre-dose item that is no gate ("Baseline MOAA/S and dissociation (CADSS) scored": its
`needs` only) is open again before T0 when the value it was ticked on is entered in error
(`SessionEngine._untick_attested`). The chair words it "was ticked on Dissociation (CADSS) 0,
entered in error since"; the review's Checklist tab and PDF read "Dissociation (CADSS) 0 score
entered in error", and the Notes tab, the timeline and the events CSV "gate item open again"
for an item that has no gate (a final read of the day's changes)."""
from __future__ import annotations

from datetime import UTC

from console.export.csv_export import EVENT_COLUMNS, event_rows
from console.review import content as rc
from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.logged_session import iv_ketamine
from tests.session.helpers import type_attested
from tests.session.test_resume_as_live import NURSE, LoggedSession, log  # noqa: F401
from tests.session.test_void_attested_baseline import void_last

SCORES_ITEM = "Baseline MOAA/S and dissociation (CADSS) scored"


def _baseline_cadss_taken_back(log: EventLog) -> tuple[SessionDetail, str]:  # noqa: F811
    """Every pre-dose item ticked on typed values, then the CADSS 0 entered in error: the
    session as the review reads it, and the chair's words for the item open again."""
    s = LoggedSession(log, iv_ketamine())
    e = s.engine
    s.t(60)
    for item in e.phase.checklist:
        type_attested(e, item, NURSE, s.now())
        assert e.tick_item(item.id, NURSE, s.now()).done, item.id
    # A minute later the CADSS 0 is found to be the next chair's: entered in error.
    s.t(120); void_last(s, "dissociation")
    [chair] = [r for r in e.phase_blockers(s.now()) if "entered in error since" in r]
    session = e.session_id
    log.close()
    conn = open_readonly(log.path)
    try:
        return load_session(conn, session, with_observations=True), chair
    finally:
        conn.close()


def test_the_checklist_tab_words_a_withdrawn_score_tick_as_the_chair_does(
        log: EventLog) -> None:  # noqa: F811
    detail, chair = _baseline_cadss_taken_back(log)
    # The chair: "'Baseline MOAA/S …' was ticked on Dissociation (CADSS) 0, entered in error since".
    assert "ticked on Dissociation (CADSS) 0, entered in error since" in chair, chair
    [row] = [r for r in rc.checklist_rows(detail, UTC) if r[2] == SCORES_ITEM]
    assert row[4] == "withdrawn 09:02: Dissociation (CADSS) 0 entered in error", row


def test_the_notes_the_timeline_and_the_events_csv_call_it_a_checklist_item_not_a_gate_item(
        log: EventLog) -> None:  # noqa: F811
    detail, _ = _baseline_cadss_taken_back(log)
    [note] = [r for r in rc.note_rows(detail, UTC)
              if r[1] == "Entered in error" and "CADSS" in r[3]]
    # The item has no gate (protocols/iv-ketamine.toml: `needs` only).
    assert note[3].endswith(f"; checklist item open again: {SCORES_ITEM}"), note
    [line] = [t for t in detail.timeline() if t.kind == "entered_in_error"]
    text = EVENT_COLUMNS.index("text")
    [csv_text] = [r[text] for r in event_rows(detail)
                  if r[EVENT_COLUMNS.index("kind")] == "entered_in_error"]
    assert csv_text == line.text == note[3]
