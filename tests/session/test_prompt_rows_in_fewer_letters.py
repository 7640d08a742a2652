"""The short forms of two prompts (console/session/conditions.py, `short_message`), for an alarm
row too narrow for their whole text: at 1366x768 "** Overdue 7 min: Systolic, Diastolic, HR or
Pulse…" lost the SpO2 owed, and "Infusion: planned 40 min reached; move to the n…" what it asks.
The whole stays the row's tooltip and the log's text."""

from __future__ import annotations

from console.session.alarm_area import compact_row_text, row_text
from console.session.conditions import short_text
from tests.session.helpers import Session

MIN = 60


def test_an_overdue_check_names_a_whole_bp_and_either_pulse_in_fewest_letters():
    assert short_text("Vitals overdue by 7 min: BP, HR and SpO2 (Systolic BP, Diastolic BP, "
                      "Heart rate or pulse rate, SpO2)") == (
        "Overdue 7 min: BP, HR/PR, SpO2 · BP, HR and SpO2")
    # Half a pressure owed is named as it is; so is a pulse rate asked alone.
    assert short_text("Vitals due: BP at T+40 (Diastolic BP, Pulse rate)") == (
        "Due: Diastolic, Pulse · BP at T+40")


def test_the_planned_time_reached_says_the_next_phase_first():
    s = Session()
    s.to_infusion()
    t0 = s.now().mono - s.origin
    s.t(t0 + 40 * MIN)
    [prompt] = [o for o in s.engine.alarms() if o.condition == "phase_complete:infusion"]
    assert row_text(prompt) == "Infusion: planned 40 min reached; move to the next phase when done"
    assert compact_row_text(prompt) == "Next phase when done: Infusion's 40 min reached"
