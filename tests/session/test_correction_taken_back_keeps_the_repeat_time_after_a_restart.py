"""A correction entered in error leaves the value before the corrected row standing, and the
"Repeat Diastolic BP" that value asked keeps its time, live as after a restart: a diastolic 112
at T+0:27 asks its repeat for T+5:27; a cuff 125/112 at T+2:51 (too soon to confirm it), its
diastolic corrected to 95 at T+3:30 and the correction entered in error at T+3:35. At T+6:34
the repeat is overdue by 67 s. A restart fed the 112 to the trackers again at the correction's
time, which asked the repeat anew for T+8:30: "due in 2 min" where the nurse had it overdue,
and its escalation to medium 3 minutes later (a review)."""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401

REPEAT = "Repeat Diastolic BP"


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_correction_taken_back_keeps_the_repeat_time_of_the_value_that_stands(
        log: EventLog, restarted: bool) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    s.t(27); s.device("bp_diastolic", 112)            # high: its repeat asked for T+5:27
    s.t(171); s.device("bp_systolic", 125); s.device("bp_diastolic", 112)
    s.t(210)
    cuff = s.engine._state.rows["bp_diastolic"][-1][0]
    assert isinstance(s.engine.correct(cuff, "bp_diastolic", 95, NURSE, s.now(), "cuff artefact",
                                       confirmed=True), Accepted)
    s.t(215)
    correction = s.engine._state.rows["bp_diastolic"][-1][0]
    assert s.engine.void(correction, "bp_diastolic", NURSE, s.now(), "wrong row").done
    s.t(394)
    if restarted:
        restart(s, 0)
    due = [(d.name, round(d.due_in_s)) for d in s.engine.due(s.now()) if d.name == REPEAT]
    assert due == [(REPEAT, 327 - 394)]
