"""Undo (or "Entered in error") of a value already corrected or entered in error says so, in the
Events tab's words, not "... observation #1 is not one of this session's recent values: correct
it from the Events tab.", where Correct... is off for that row ("corrected already") and the
row's number means nothing to the nurse."""
from __future__ import annotations

from tests.session.helpers import Session

NURSE = "nurse.ana"


def test_a_corrected_score_taken_back_says_it_was_corrected() -> None:
    s = Session()
    e = s.engine
    row = e.enter_manual_row("moaas", 1, NURSE, s.now())[1]
    assert row is not None
    s.t(3)
    assert type(e.correct(row, "moaas", 4, NURSE, s.now(), "mis-click")).__name__ == "Accepted"
    s.t(5)
    refused = e.void(row, "moaas", NURSE, s.now(), "undo")
    assert not refused.done
    assert refused.message == e.uncorrectable(row, "moaas"), refused.message
    assert "#" not in refused.message and "corrected to 4" in refused.message


def test_a_value_entered_in_error_twice_says_it_counts_nowhere() -> None:
    s = Session()
    e = s.engine
    row = e.enter_manual_row("resp_rate", 14, NURSE, s.now())[1]
    assert row is not None
    assert e.void(row, "resp_rate", NURSE, s.now(), "wrong patient").done
    refused = e.void(row, "resp_rate", NURSE, s.now(), "wrong patient")
    assert not refused.done
    assert refused.message == e.uncorrectable(row, "resp_rate"), refused.message
