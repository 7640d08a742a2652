"""Esketamine: device 1 given 45 min after T0 (the nurse moved to the devices' screen, then the
prescriber reviewed a high pre-dose BP). The "BP at T+40", due at T0+40 with no device given, was
kept there when device 1 was ticked (one already due stayed): a BP 5 minutes after the device met
it, and no BP was asked 40 minutes after the dose, the label's and the REMS form's BP
(clinical-defaults.md, review 46). Device 1's tick now times every check after T0 not yet met
from the dose, one past its time too; a restart agrees."""

from __future__ import annotations

from tests.session.helpers import Session
from tests.session.test_esketamine_dose import ESKETAMINE, MIN, give, in_devices
from tests.session.test_resume import resume

BP_T40 = "BP at T+40"
PROMPT = "vitals_due:" + BP_T40


def _due(s: Session, engine: object = None) -> dict[str, float]:
    """Each check's due time, in minutes after the session opened."""
    shown = (engine or s.engine).due(s.now())   # type: ignore[attr-defined]
    return {d.name: (d.due_at.mono - s.origin) / MIN for d in shown}


def _late_device_1() -> tuple[Session, float]:
    """Devices' screen at T0, device 1 at T0+45, device 2 at T0+50: (session, T0 in minutes)."""
    s, t0 = in_devices(56)
    s.t(t0 + 44 * MIN)
    give(s, t0 + 45 * MIN, 1, 2)
    return s, t0 / MIN


def test_the_t40_bp_counts_from_a_late_device_1() -> None:
    s, t0 = _late_device_1()
    assert _due(s)[BP_T40] == t0 + 85
    assert _due(s)["Pre-discharge BP at T+115"] == t0 + 160
    assert PROMPT not in [c for c, _, _ in s.shown()]      # nothing asked till 40 min after it


def test_a_bp_5_minutes_after_the_device_does_not_meet_it() -> None:
    s, t0 = _late_device_1()
    s.bp(128, 80); s.manual("heart_rate", 70)              # T0+50, 5 min after device 1
    assert not s.engine.schedule.done(BP_T40)
    s.t((t0 + 85) * MIN)
    assert (PROMPT, "info", "active") in s.shown()         # asked 40 min after the dose
    s.bp(132, 82); s.manual("heart_rate", 72)
    assert s.engine.schedule.done(BP_T40)


def test_a_restart_times_it_from_the_device_too() -> None:
    s, t0 = _late_device_1()
    s.bp(128, 80); s.manual("heart_rate", 70)
    engine = resume(s, MIN, protocol=ESKETAMINE)
    assert not engine.schedule.done(BP_T40)
    assert _due(s, engine)[BP_T40] == t0 + 85
