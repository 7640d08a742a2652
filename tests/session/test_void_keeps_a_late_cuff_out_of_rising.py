"""A late cuff (measured before the BP the nurse typed since, delivered after it) is history:
never one of the two readings "still rising" compares. Taking back any other systolic rebuilt
that history from every row, the late cuff's among them: cuff 130, late cuff 168, typed 170
read "still rising: 130 → 170" until an unrelated older systolic was entered in error, then
168 → 170 (the blocker gone), and 130 → 170 again after a restart."""
from __future__ import annotations

from datetime import timedelta

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401

NURSE = "nurse.ana"


def rising(s: LoggedSession) -> list[str]:
    return [r for r in s.engine.discharge_blockers(s.now()) if "still rising" in r]


def test_taking_back_an_older_systolic_leaves_the_late_cuff_out_of_still_rising(
        log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion(systolic=120)                      # typed 120/80 before T0
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("heart_rate", 80)
    s.t(300); s.device("bp_systolic", 130); s.device("bp_diastolic", 80)
    s.t(600); s.engine.device_state_changed("disconnected", s.now(), "cable unplugged")
    cuff_at = s.now().wall + timedelta(seconds=60)
    s.t(720); s.bp(170, 90)                          # typed at +12 min
    s.t(900); s.engine.device_state_changed("connected", s.now())
    s.device("bp_systolic", 168, measured_at=cuff_at)   # the cuff of +11 min: history
    s.device("bp_diastolic", 88, measured_at=cuff_at)
    assert rising(s) == ["Systolic BP still rising: 130 → 170 mmHg at the last two readings"]
    # The typed 120 before the dose is entered in error: the two readings that stand last are
    # still 130 and 170.
    row = next(r for r, kept in s.engine._state.rows["bp_systolic"]
               if kept.reading.source == "manual" and kept.reading.value == 120)
    s.t(960)
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), "typed for another chair").done
    live = rising(s)
    assert live == ["Systolic BP still rising: 130 → 170 mmHg at the last two readings"], live
    restart(s, 0)
    assert rising(s) == live


def test_the_late_cuff_is_compared_once_the_typed_bp_after_it_is_entered_in_error(
        log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion(systolic=120)
    s.engine.device_state_changed("connected", s.now())
    s.t(300); s.device("bp_systolic", 130); s.device("bp_diastolic", 80)
    s.t(600); s.engine.device_state_changed("disconnected", s.now(), "cable unplugged")
    cuff_at = s.now().wall + timedelta(seconds=60)
    s.t(720); s.bp(170, 90)
    s.t(900); s.engine.device_state_changed("connected", s.now())
    s.device("bp_systolic", 168, measured_at=cuff_at)
    s.device("bp_diastolic", 88, measured_at=cuff_at)
    # The typed 170 is entered in error: the late cuff's 168 stands, and is the last reading.
    row = next(r for r, kept in s.engine._state.rows["bp_systolic"]
               if kept.reading.source == "manual" and kept.reading.value == 170)
    s.t(960)
    assert s.engine.void(row, "bp_systolic", NURSE, s.now(), "typed for another chair").done
    live = rising(s)
    assert live == ["Systolic BP still rising: 130 → 168 mmHg at the last two readings"], live
    restart(s, 0)
    assert rising(s) == live
