"""A vitals check's window is met by a value measured in it: a cuff measured before the window
opened and delivered inside it (a link outage) is the latest BP, on the tile and judged by the
alarm rules, but the check still asks for a BP, live as after a restart. Counted at its
arrival, a cuff of T+30 delivered at T+45 met "BP at T+40": its prompt went, and the REMS
draft, which places a cuff at its measured time, named a BP of T+115 "the first BP taken for
the console's T+40 check" (an esketamine/REMS review). The same rule holds for the recurring
checks: a cuff of T+5 delivered at T+19 met the T+10 and the T+20 "BP and HR"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.session.engine import SessionEngine
from console.store import EventLog
from tests.session.helpers import Session
from tests.session.test_esketamine_dose import ESKETAMINE, MIN, give, in_devices
from tests.session.test_resume import resume
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401

T40 = "BP at T+40"


def _cuff_delivered_late(s: Session, measured_minutes_ago: float) -> None:
    """The monitor's HR now (its clock reads right), then its cuff measured
    `measured_minutes_ago`, delivered now: the link was down in between."""
    s.device("heart_rate", 74)
    measured = s.now().wall - timedelta(minutes=measured_minutes_ago)
    s.device("bp_systolic", 150, measured_at=measured)
    s.device("bp_diastolic", 92, measured_at=measured)


def _esketamine_cuff_at_t45(measured_at_t: float) -> tuple[Session, float]:
    """Device 1 at T0, the monitor's HR at T+2..T+20, the link down from T+25; at T+45 the
    cuff measured at T+`measured_at_t` arrives."""
    s, t0 = in_devices(56)
    give(s, t0, 1)
    s.engine.device_state_changed("connected", s.now())
    for minute in (2, 10, 20):
        s.t(t0 + minute * MIN); s.device("heart_rate", 72)
    s.t(t0 + 25 * MIN); s.engine.device_state_changed("disconnected", s.now(), "cable unplugged")
    s.t(t0 + 45 * MIN); s.engine.device_state_changed("connected", s.now())
    _cuff_delivered_late(s, 45 - measured_at_t)
    return s, t0


def _t40(engine: SessionEngine, s: Session) -> list[tuple[str, tuple[str, ...]]]:
    return [(d.name, d.missing) for d in engine.due(s.now()) if d.name == T40]


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_bp_at_t40_is_still_asked_after_a_cuff_of_t30_delivered_at_t45(restarted: bool) -> None:
    s, t0 = _esketamine_cuff_at_t45(measured_at_t=30)
    engine = resume(s, 0, protocol=ESKETAMINE) if restarted else s.engine
    # The cuff is the latest BP (nothing newer stands) ...
    latest = engine.latest("bp_systolic")
    assert latest is not None and latest.reading.value == 150
    # ... but no BP about 40 minutes after the dose: the check still asks for one, overdue.
    assert not engine.schedule.done(T40)
    assert _t40(engine, s) == [(T40, ("bp_systolic", "bp_diastolic"))]
    assert [o.message for o in engine.alarms() if o.condition == "vitals_due:" + T40] == [
        "Vitals overdue by 5 min: BP at T+40 (Systolic BP, Diastolic BP)"]
    # A BP taken now meets it.
    s.t(t0 + 46 * MIN)
    for name, value in (("bp_systolic", 138), ("bp_diastolic", 86)):
        engine.enter_manual(name, value, "nurse.ana", s.now())
    assert engine.schedule.done(T40)


@pytest.mark.parametrize("restarted", [False, True], ids=["live", "restarted"])
def test_a_cuff_measured_inside_the_window_and_delivered_late_meets_bp_at_t40(
        restarted: bool) -> None:
    s, _ = _esketamine_cuff_at_t45(measured_at_t=39)
    engine = resume(s, 0, protocol=ESKETAMINE) if restarted else s.engine
    assert engine.schedule.done(T40)
    assert _t40(engine, s) == []


def test_a_cuff_of_t5_delivered_at_t19_meets_neither_the_t10_nor_the_t20_check(
        log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()                                   # T0; "BP and HR" every 10 min
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("heart_rate", 80)               # the monitor's clock reads right
    s.t(4 * MIN); s.engine.device_state_changed("disconnected", s.now(), "cable unplugged")
    s.t(19 * MIN); s.engine.device_state_changed("connected", s.now())
    _cuff_delivered_late(s, 14)                       # measured at T+5, delivered at T+19

    def bp_and_hr() -> list[tuple[float, tuple[str, ...]]]:
        return [((d.due_at.mono - s.origin) / MIN, d.missing) for d in s.engine.due(s.now())
                if d.name == "BP and HR"]

    # The T+10 slot (window from T+8) is still owed its BP; the HR of T+19 counts for it.
    assert bp_and_hr() == [(10.0, ("bp_systolic", "bp_diastolic"))]
    restart(s, 0)
    assert bp_and_hr() == [(10.0, ("bp_systolic", "bp_diastolic"))]
