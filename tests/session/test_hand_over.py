"""A hand-over at the chair (engine `hand_over`: a `handed_over` event {from, to}, written by
the nurse taking over, who from then on is the actor of the console's records)."""

from __future__ import annotations

from console.session.journal import describe
from tests.session.helpers import Session


def test_a_hand_over_reads_in_the_event_list_as_in_the_review_window():
    # Review 40: the bedside's event list showed "handed_over: {'from': 'nurse.ana', 'to':
    # 'nurse.bea'} — nurse.bea", the log's kind and a Python dict. It says it as the review
    # window's timeline does (console/review/model.py `describe_event`), naming each nurse once.
    s = Session()
    assert s.engine.hand_over("nurse.bea", s.now()).done
    assert s.engine.nurse == "nurse.bea"
    (event,) = s.recorder.events("handed_over")
    assert describe(event) == "Handed over: nurse.ana → nurse.bea"
