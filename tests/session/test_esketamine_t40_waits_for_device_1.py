"""Esketamine: the checks timed after T0 wait for device 1, the first dose (review 46). Timed
from T0 while no device was ticked, "Vitals due: BP at T+40" was asked with no drug given, and a
BP then met it: the BP the label and the REMS form ask about 40 minutes after the dose was never
asked (clinical-defaults.md). Before device 1 nothing is asked and no BP counts; its tick times
them from it, at T0 too; a restart agrees."""

from __future__ import annotations

from tests.session.helpers import Session
from tests.session.test_esketamine_dose import ESKETAMINE, MIN, give, in_devices
from tests.session.test_resume import resume

BP_T40 = "BP at T+40"
PROMPT = "vitals_due:" + BP_T40


def _asked(s: Session) -> list[str]:
    return [c for c, _, _ in s.shown() if c == PROMPT]


def test_no_t40_bp_is_asked_before_device_1() -> None:
    s, t0 = in_devices(56)
    s.t(t0 + 41 * MIN)
    assert _asked(s) == []
    s.t(t0 + 42 * MIN)
    s.bp(150, 92); s.manual("heart_rate", 80)              # before the dose: not the T+40 BP
    s.t(t0 + 50 * MIN)
    assert _asked(s) == [] and not s.engine.schedule.done(BP_T40)
    [due] = [d for d in s.engine.due(s.now()) if d.name == BP_T40]
    assert (due.due_in_s, due.overdue) == (40 * MIN, False)   # 40 min after a device given now


def test_device_1_then_asks_it_40_minutes_after_the_dose() -> None:
    s, t0 = in_devices(56)
    give(s, t0 + 45 * MIN, 1, 2)
    s.t(t0 + 84 * MIN)
    assert _asked(s) == []
    s.t(t0 + 85 * MIN)
    assert _asked(s) == [PROMPT]


def test_device_1_at_t0_asks_it_from_t0() -> None:
    s, t0 = in_devices(56)
    give(s, t0, 1, 2)
    s.t(t0 + 40 * MIN)
    assert _asked(s) == [PROMPT]
    engine = resume(s, MIN, protocol=ESKETAMINE)
    assert PROMPT in [o.condition for o in engine.alarms()]


def test_a_restart_before_device_1_asks_nothing_either() -> None:
    s, t0 = in_devices(56)
    s.t(t0 + 42 * MIN)
    s.bp(150, 92); s.manual("heart_rate", 80)
    engine = resume(s, 8 * MIN, protocol=ESKETAMINE)
    engine.tick(s.now())
    assert PROMPT not in [o.condition for o in engine.alarms()]
    assert not engine.schedule.done(BP_T40)
