"""The REMS evaluation question asks minutes from the first device: an answer that is no whole
number of minutes ("soon", "no", "ready") is refused at the tick, naming what was typed and what
is allowed; it had been taken, and the REMS draft printed it as the minutes ("no" as "No")."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from console.export.rems import rems_form, render_text
from console.review.queries import load_session, open_readonly
from tests.review.scenarios import typed_answer
from tests.session.test_scores_since_dose import NURSE, Run


def _at_discharge(tmp_path: Path) -> Run:
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()
    r.at(6); assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    r.at(11); assert r.engine.tick_item("device-2", NURSE, r.now(), note="lot B").done
    r.at(17); r.advance()
    r.at(46); r.manual(bp_systolic=148, bp_diastolic=90, heart_rate=80)
    for m in range(20, 130, 14):
        r.at(m); r.manual(moaas=5, resp_rate=14, spo2=98, dissociation=0)
    r.at(121); r.manual(bp_systolic=130, bp_diastolic=82, heart_rate=72)
    r.at(126); r.advance()
    return r


@pytest.mark.parametrize("answer", ["soon", "no", "ready", "-5", "90.5", "601", "٩٠"])
def test_an_answer_that_is_no_whole_number_of_minutes_is_refused(tmp_path: Path,
                                                                   answer: str) -> None:
    r = _at_discharge(tmp_path)
    outcome = r.engine.tick_item("rems-evaluation", NURSE, r.now(), note=answer)
    assert not outcome.done
    assert outcome.reasons == (
        "Minutes from the first device: type a whole number of minutes, 0 to 600, e.g. 90, to "
        "tick 'REMS evaluation question: without the 2-hour rule, when would the patient have "
        f"been ready to leave?': {answer!r} is not one.",)


def test_minutes_are_taken_and_printed_on_the_rems_draft_as_typed(tmp_path: Path) -> None:
    r = _at_discharge(tmp_path)
    assert r.engine.tick_item("rems-evaluation", NURSE, r.now(), note=" 95 ").done
    for item in r.engine.phase.checklist:
        if item.id != "rems-evaluation":
            r.engine.tick_item(item.id, NURSE, r.now(), note=typed_answer(item.asks))
    r.manual(aldrete=10)
    assert r.engine.discharge(NURSE, r.now()).done
    conn = open_readonly(r.db)
    try:
        lines = render_text(rems_form(load_session(conn, r.engine.session_id), tz=UTC),
                            tz=UTC).splitlines()
    finally:
        conn.close()
    assert ("REMS evaluation question (ready to leave without the 2-hour minimum, minutes from "
            "the first device): 95") in lines
