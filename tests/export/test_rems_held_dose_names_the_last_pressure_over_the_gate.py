"""A dose held on its pre-dose pressure, two readings both over the gate (150/95, then a recheck 162/100 on which the prescriber holds
the dose). The REMS draft's "Blood pressure before dose" must be the LAST pressure that reached
the gate (162/100), the one the hold was decided on, not the first (150/95) nor one before the
last (a review)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from console.export.rems import rems_form, render_text
from console.review.queries import load_session, open_readonly
from tests.export.test_rems_session_held_before_the_dose import HOLD
from tests.session.test_scores_since_dose import NURSE, Run


def test_held_dose_draft_names_the_last_pressure_over_the_gate(tmp_path: Path) -> None:
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    r.manual(bp_systolic=150, bp_diastolic=95, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    assert not r.engine.tick_item("bp-before-dose", NURSE, r.now()).done
    r.at(5)
    r.manual(bp_systolic=162, bp_diastolic=100)       # the recheck the hold is decided on
    assert not r.engine.tick_item("bp-before-dose", NURSE, r.now()).done
    r.at(10)
    assert r.engine.discharge(NURSE, r.now(), override_reason=HOLD).done
    conn = open_readonly(r.db)
    try:
        detail = load_session(conn, r.engine.session_id)
    finally:
        conn.close()
    form = rems_form(detail, tz=UTC)
    text = render_text(form, UTC)
    bp = next(line for line in text.splitlines() if line.startswith("Blood pressure before dose:"))
    assert bp.startswith("Blood pressure before dose: 162/100 mmHg at "), bp
