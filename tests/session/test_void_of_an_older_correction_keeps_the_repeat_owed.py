"""Taking back a correction of an older value leaves the "Repeat Systolic BP" a standing value
asked for, live as after a restart. A monitor's 205 asked its repeat; the pre-dose systolic was
then corrected, an in-range 125 typed before the repeat's time (which meets no repeat), and
the correction entered in error: live, the repeat went, because no alarm rule waited for it any
more (the 125 had cleared them); a restart, which takes the correction back in its place,
before the 125, kept it (a differential fuzzer, seed 3962). A reminder lost live is the
dangerous direction: the 205 was never confirmed."""

from __future__ import annotations

import pytest

from console.session.entry import Accepted
from console.store import EventLog
from tests.session.test_resume_as_live import NURSE, LoggedSession, log, restart  # noqa: F401

REPEAT = "Repeat Systolic BP"


@pytest.mark.parametrize("value", [185, 130], ids=["corrected-to-185", "corrected-to-130"])
def test_a_correction_of_the_pre_dose_bp_taken_back_keeps_the_205s_repeat(
        log: EventLog, value: float) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()                                   # typed 120/80, HR 70; T0
    s.engine.device_state_changed("connected", s.now())
    pre_dose = s.engine._state.rows["bp_systolic"][0][0]
    s.t(30); s.device("bp_systolic", 205)             # high; its repeat asked for T0+5:30
    s.t(38)
    assert isinstance(s.engine.correct(pre_dose, "bp_systolic", value, NURSE, s.now(),
                                       "typed 120 for the cuff's", confirmed=True), Accepted)
    s.t(108)                                          # in range, before the repeat's time
    assert isinstance(s.engine.enter_manual("bp_systolic", 125, NURSE, s.now(), replaces=True),
                      Accepted)
    assert REPEAT in [d.name for d in s.engine.due(s.now())]
    s.t(187)
    correction = s.engine._state.rows["bp_systolic"][0][0]
    assert s.engine.void(correction, "bp_systolic", NURSE, s.now(), "chair 4's").done
    live = [(d.name, round(d.due_in_s), d.missing) for d in s.engine.due(s.now())]
    assert (REPEAT, 143, ("bp_systolic",)) in live, live
    restart(s, 0)
    assert [(d.name, round(d.due_in_s), d.missing) for d in s.engine.due(s.now())] == live
