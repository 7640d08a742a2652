"""IV ketamine's "planned time reached" prompt in the equipment field: at 1366x768 the row was cut
before what it asks, "Infusion: planned 40 min reached; move to the n…" (it had no short form,
unlike esketamine's move-on row: test_move_on_row_at_1366.py). It says the move first, whole;
at 1920x1080 every fact of the prompt is read (the phase, its minutes reached, the next phase
when done), the whole on hover."""

from __future__ import annotations

import pytest

from tests.session.test_scores_since_dose import Run
from tests.ui.test_move_on_row_at_1366 import shown, the_row

PROMPT = "phase_complete:infusion"


def infusion_run_its_time(tmp_path) -> Run:
    """T0 at 5 min, every check met, T+41: the infusion's planned 40 min have run."""
    r = Run(tmp_path, "iv-ketamine")
    r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(5); r.advance()                                   # T0
    for minute in range(10, 47, 5):                        # every check met: no other row
        r.at(minute)
        r.manual(bp_systolic=128, bp_diastolic=82, heart_rate=72, spo2=98, resp_rate=14, moaas=5)
    r.at(46)
    return r


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_planned_time_row_says_to_move_to_the_next_phase_whole(qtbot, tmp_path, size):
    window = shown(qtbot, infusion_run_its_time(tmp_path), size)
    drawn, whole = the_row(window, PROMPT)
    assert whole == "Infusion: planned 40 min reached; move to the next phase when done"
    assert not drawn.endswith("…"), drawn
    assert drawn.startswith("Next phase when done"), drawn   # what it asks, first
    # Why: the phase and its minutes, as the whole says them.
    assert "Infusion" in drawn and "40 min reached" in drawn, drawn
