"""A typed BP taken back half by half (the systolic entered in error, then the diastolic) counts
for no vitals check, live as after a restart: "BP and HR" asks the whole BP again (README: a
value entered in error counts nowhere). The diastolic's check was put back as it was before the
diastolic counted, when the systolic, since taken back, was already in it: live the check lacked
the diastolic alone ("BP and HR (Diastolic BP)") where a restart asked for both, and a
diastolic typed after it met "BP and HR" with no systolic of this patient (a review)."""

from __future__ import annotations

from console.store import EventLog
from tests.session.test_resume_as_live import MIN, NURSE, LoggedSession, log, restart  # noqa: F401

CHECK = "BP and HR"


def next_chairs_bp_taken_back(s: LoggedSession, restarted: bool,
                              diastolic_after: bool = False) -> None:
    """HR 72 and the next chair's BP 131/83 typed at T+9 for the T+10 "BP and HR"; both halves
    entered in error, the systolic first; perhaps a diastolic alone typed since; perhaps a
    restart; then T+16, the check overdue by 6 min."""
    s.to_infusion()
    b = s.now().mono - s.origin
    s.t(b + 9 * MIN)
    s.manual("heart_rate", 72)
    _, systolic = s.engine.enter_manual_row("bp_systolic", 131, NURSE, s.now())
    _, diastolic = s.engine.enter_manual_row("bp_diastolic", 83, NURSE, s.now())
    assert systolic is not None and diastolic is not None
    s.t(b + 9 * MIN + 30)
    assert s.engine.void(systolic, "bp_systolic", NURSE, s.now(), "next chair's BP").done
    assert s.engine.void(diastolic, "bp_diastolic", NURSE, s.now(), "next chair's BP").done
    if diastolic_after:   # only a diastolic typed since: no systolic of this patient
        s.t(b + 9 * MIN + 40)
        s.manual("bp_diastolic", 79)
    if restarted:
        restart(s, 1)
    s.t(b + 16 * MIN)


def asked(s: LoggedSession) -> tuple[list[str], list[tuple[str, ...]]]:
    """The check's prompt as the alarm area says it, and what the due list says it lacks."""
    return ([f"{o.priority.label}: {o.message}" for o in s.engine.alarms()
             if o.condition == "vitals_due:" + CHECK],
            [d.missing for d in s.engine.due(s.now()) if d.name == CHECK])


def test_a_bp_taken_back_half_by_half_asks_the_whole_bp_again(log: EventLog) -> None:
    s = LoggedSession(log)
    next_chairs_bp_taken_back(s, restarted=False)
    assert asked(s) == (
        ["medium: Vitals overdue by 6 min: BP and HR (Systolic BP, Diastolic BP)"],
        [("bp_systolic", "bp_diastolic")])


def test_a_bp_taken_back_half_by_half_asks_the_same_after_a_restart(log: EventLog) -> None:
    s = LoggedSession(log)
    next_chairs_bp_taken_back(s, restarted=True)
    assert asked(s) == (
        ["medium: Vitals overdue by 6 min: BP and HR (Systolic BP, Diastolic BP)"],
        [("bp_systolic", "bp_diastolic")])


def test_a_diastolic_alone_after_the_bp_taken_back_does_not_meet_bp_and_hr(
        log: EventLog) -> None:
    s = LoggedSession(log)
    next_chairs_bp_taken_back(s, restarted=False, diastolic_after=True)
    # No systolic of this patient since T+8: the check is still owed, overdue at T+16.
    assert asked(s) == (["medium: Vitals overdue by 6 min: BP and HR (Systolic BP)"],
                        [("bp_systolic",)])
