"""A gate item ticked on a BP later entered in error is open again at the chair (the console
refuses dosing until it is ticked again). The review's Checklist tab listed that tick as a plain
tick, with nothing saying it was taken back: a clinician read the baseline item as met."""
from __future__ import annotations

from datetime import UTC, timedelta

from console.review import content as rc
from console.store import EventLog
from tests.review.review_windows import open_review
from tests.session.helpers import START
from tests.session.test_resume_as_live import NURSE, LoggedSession, log  # noqa: F401
from tests.session.test_void_attested_baseline import void_last


def test_a_tick_taken_back_is_not_listed_as_met(qtbot, log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    e = s.engine
    s.bp(138, 88); s.manual("heart_rate", 70)
    assert e.tick_item("consent", NURSE, s.now()).done
    assert e.tick_item("baseline_bp", NURSE, s.now()).done
    # A minute later the 138/88 is found to be the next chair's: entered in error.
    s.t(60); void_last(s, "bp_systolic", "bp_diastolic")
    assert "baseline_bp" not in e.ticks()      # open again at the chair
    session = e.session_id
    log.close()
    window = open_review(qtbot, log.path, START + timedelta(hours=2))
    window.open_session(session)
    detail = window.detail_page.detail
    rows = rc.checklist_rows(detail, UTC)
    [baseline] = [r for r in rows if r[2] == "Baseline BP below 140/90"]
    assert baseline[4] == "withdrawn 09:01: Systolic BP 138 mmHg entered in error", rows
    [consent] = [r for r in rows if r[2] == "Consent current"]
    assert consent[4] == ""                    # a tick no value attested stands
    # The Notes tab and the timeline name the item the value entered in error opened again.
    [taken] = [r for r in rc.note_rows(detail, UTC)
               if r[1] == "Entered in error" and "Systolic" in r[3]]
    assert taken[3].endswith("; checklist item open again: Baseline BP below 140/90"), taken
    [line] = [t for t in detail.timeline()
              if t.kind == "entered_in_error" and "Systolic" in t.text]
    assert line.text.endswith("; checklist item open again: Baseline BP below 140/90"), line
