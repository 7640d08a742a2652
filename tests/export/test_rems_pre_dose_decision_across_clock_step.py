"""The prescriber's decision on a pre-dose pressure at the threshold is set against that pressure
as the console's timers ran, the clock steps logged between left out, as the rest of the REMS
draft is (review 45). By wall time, NTP setting the station clock back 10 min between the BP
and the decision logged the decision "before" the BP, and the draft said "NOT RECORDED (… no
prescriber's decision is logged after it)" above the line listing that decision."""

from __future__ import annotations

from datetime import UTC, timedelta

from console.clock import Moment
from console.export.rems import RemsForm, rems_form, render_text
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.export.test_rems import at
from tests.export.test_rems_pre_dose_bp import DECISION, dose, start

DECIDED = ("Prescriber's decision on the blood pressure before dose: logged (the last before "
           "the dose, 152/96 mmHg at 10:05, reached the threshold)")


def _decided_after_a_step_back(path) -> int:
    # BP 152/96 at 10:05 reaches the threshold; NTP sets the clock back 10 min at 10:06; the
    # prescriber's decision, asked for that BP, is ticked at real 10:07 (logged 09:57); device 1
    # at real 10:10 (logged 10:00).
    with EventLog.open(path, "t") as log:
        r = start(log, "MRN-7004")
        r.at(5)
        r.manual(bp_systolic=152, bp_diastolic=96)
        r.at(6)
        now = r.clock.now()
        r.clock._now = Moment(now.mono, now.wall - timedelta(minutes=10))
        r.at(7)                                  # logged: clock_stepped -10 min
        r.tick_required(gate_decision=DECISION)
        dose(r)
        return r.id


def _form(path, session: int, rows: bool = True) -> RemsForm:
    """The draft as `export --rems` makes it (the session read with its rows); `rows=False`:
    read without them, its readings placed by their times alone."""
    conn = open_readonly(path)
    try:
        return rems_form(load_session(conn, session, with_observations=rows), tz=UTC)
    finally:
        conn.close()


def test_a_decision_logged_after_the_bp_across_a_clock_set_back_is_the_decision(tmp_path):
    path = tmp_path / "s.sqlite3"
    form = _form(path, _decided_after_a_step_back(path))
    text = render_text(form, tz=UTC)
    pre = form.pre_dose_bp
    assert pre is not None
    assert [d.at for d in pre.decisions] == [at(9, 57)], text
    assert pre.decision_needed and pre.decided, text
    assert DECIDED in text.splitlines(), text
    assert "bp_decision" not in form.missing


def test_a_decision_the_log_cannot_set_against_the_bp_is_uncertain_never_not_recorded(
        tmp_path):
    # BP 152/96 at 10:01; NTP sets the clock back 3 min at 10:02 (09:59 to 10:02 come twice);
    # the decision at real 10:03 (logged 10:00). Read without its rows, the BP is placed by its
    # time alone: 10:01 is real 10:01 or 10:04, either side of the decision.
    path = tmp_path / "s.sqlite3"
    with EventLog.open(path, "t") as log:
        r = start(log, "MRN-7005")
        r.at(1)
        r.manual(bp_systolic=152, bp_diastolic=96)
        r.at(2)
        now = r.clock.now()
        r.clock._now = Moment(now.mono, now.wall - timedelta(minutes=3))
        r.at(3)                                  # logged: clock_stepped -3 min
        r.tick_required(gate_decision=DECISION)
        dose(r)
        session = r.id
    form = _form(path, session, rows=False)
    text = render_text(form, tz=UTC)
    pre = form.pre_dose_bp
    assert pre is not None and pre.readings[-1].systolic == 152, text
    assert pre.decided is None, text
    (line,) = [x for x in text.splitlines()
               if x.startswith("Prescriber's decision on the blood pressure before dose:")]
    assert line.startswith("Prescriber's decision on the blood pressure before dose: "
                           "UNCERTAIN (152/96 mmHg at 10:01 reached the threshold"), line
    assert "NOT RECORDED" not in line
    assert "bp_decision_uncertain" in form.missing and "bp_decision" not in form.missing
    # Read with its rows, as `export --rems` reads it, the log's order says it.
    assert _form(path, session).pre_dose_bp.decided is True
