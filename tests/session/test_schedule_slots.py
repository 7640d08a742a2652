"""A recurring check's later slots miss no vitals.

clinical-defaults.md, Protocol timings: "IV vitals cadence | baseline; BP/HR every 10 min during
infusion" and "IV continuous | ... RR and sedation (MOAA/S) every 10-15 min" (iv-ketamine.toml:
"BP, HR and SpO2" every 10 min and "RR and sedation" every 15 during the infusion, "Vitals and
sedation" every 15 after). A slot is met by vitals received at or after its early window's start
(2 min before it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import Moment
from console.session.engine import SessionEngine
from console.session.schedule import Schedule
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import Session
from tests.session.test_resume import resume
from tests.session.test_resume_as_live import LoggedSession, restart
from tests.session.test_void_as_restart import last_row, seen, void

MIN = 60.0
IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
BP_CHECK = "BP, HR and SpO2"


def at(minutes: float) -> Moment:
    return Moment(1000.0, datetime(2026, 1, 5, 9, 0, tzinfo=UTC)).plus(minutes * MIN)


def iv_at_t0() -> tuple[Session, float]:
    """A manual station (no monitor) at T0 of the shipped IV protocol; T0 in clock seconds."""
    s = Session(IV)
    s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
    s.manual("moaas", 5); s.manual("dissociation", 0)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="ticked on paper").done
    return s, s.now().mono - s.origin


def partial_t10_check_finished_late(s: Session, t0: float) -> None:
    """BP and HR at T+9 for the T+10 check, SpO2 forgotten and entered at T+18.5."""
    s.t(t0 + 9 * MIN); s.bp(125, 82); s.manual("heart_rate", 72)
    s.t(t0 + 18.5 * MIN); s.manual("spo2", 97)


def bp_due_in(engine: SessionEngine, s: Session) -> float:
    return next(d.due_in_s for d in engine.due(s.now()) if d.name == BP_CHECK)


def test_a_partial_check_finished_late_leaves_the_next_slot_asking_for_what_it_lacks() -> None:
    s = Schedule()
    s.start_phase(IV.phase("infusion"), at(0), at(0))
    for name in ("bp_systolic", "bp_diastolic", "heart_rate"):
        s.on_reading(name, at(9))            # T+10 check: BP and HR in its window
    s.on_reading("spo2", at(18.5))           # SpO2 at last, inside the T+20 window too
    held = {k: v for k, v in s.prompts(at(20)).items() if v is not None}
    assert "vitals_due:" + BP_CHECK in held   # the T+20 BP and HR: the last were at T+9
    due = next(d for d in s.upcoming(at(20)) if d.name == BP_CHECK)
    assert due.missing == ("bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate")   # SpO2 met


def test_a_partial_check_finished_late_prompts_the_next_bp_on_a_manual_station() -> None:
    s, t0 = iv_at_t0()
    partial_t10_check_finished_late(s, t0)
    s.t(t0 + 20 * MIN)
    assert bp_due_in(s.engine, s) <= 0
    assert ("vitals_due:" + BP_CHECK, "info", "active") in s.shown()


def test_a_restart_after_a_partial_check_finished_late_still_prompts_the_next_bp() -> None:
    s, t0 = iv_at_t0()
    partial_t10_check_finished_late(s, t0)
    engine = resume(s, 1.5 * MIN, protocol=IV)   # back at T+20
    assert bp_due_in(engine, s) <= 0
    assert next(d for d in engine.due(s.now()) if d.name == BP_CHECK).missing == (
        "bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate")


def test_a_whole_check_taken_late_moves_the_next_slot_one_interval_after_it() -> None:
    # Every vital at T+18.5 meets T+10 late: the T+20 slot is not asked 1.5 min after them, the
    # next is one interval after them (a cuff cycling out of step with the grid, a review).
    s = Schedule()
    s.start_phase(IV.phase("infusion"), at(0), at(0))
    for name in ("bp_systolic", "bp_diastolic", "heart_rate", "spo2"):
        s.on_reading(name, at(18.5))
    due = next(d for d in s.upcoming(at(18.5)) if d.name == BP_CHECK)
    assert round(due.due_in_s) == round(10 * MIN)   # T+28.5


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def test_the_late_vital_entered_in_error_leaves_the_partial_check_owed_live_as_after_a_restart(
        log: EventLog) -> None:
    # The test protocol's "BP and HR" every 10 min: BP at T+9, HR at T+18.5 (met T+10, T+20
    # asks for BP). The HR was another patient's: the T+10 check is owed again for its HR,
    # overdue, as a restart (which skips the value) has it.
    s = LoggedSession(log)
    s.to_infusion()
    t0 = s.now().mono - s.origin
    s.t(t0 + 9 * MIN); s.bp(125, 82)
    s.t(t0 + 18.5 * MIN); s.manual("heart_rate", 72)
    s.t(t0 + 19 * MIN); void(s, last_row(s, "heart_rate"), "heart_rate")
    live = seen(s)
    assert [(d.name, round(d.due_in_s), d.missing) for d in s.engine.due(s.now())] == [
        ("BP and HR", -9 * MIN, ("heart_rate",))]
    restart(s, 0)
    assert seen(s)["due"] == live["due"]
