"""The label's BP "about 40 minutes after" the dose counts from the first device while the nurse
is still on the devices' screen (review 45). The schedule re-timed it only when Observation
started: device 1 given 10 min into the phase, the console asked the T+40 BP 30 min after the
dose, a BP then met it, and the time shown jumped at the move to Observation. Device 1's tick
now re-times the checks timed after T0 not yet due, as a phase start does, and a restart
rebuilds the same times."""

from __future__ import annotations

from tests.session.test_esketamine_dose import ESKETAMINE, MIN, give, in_devices
from tests.session.test_resume import resume


def _due(s, engine=None) -> dict[str, float]:   # type: ignore[no-untyped-def]
    return {d.name: d.due_at.mono - s.origin for d in (engine or s.engine).due(s.now())}


def test_bp_at_t40_counts_from_device_1_while_still_on_the_devices_screen() -> None:
    s, t0 = in_devices(56)
    assert _due(s)["BP at T+40"] == t0 + 40 * MIN   # before any device: from T0
    give(s, t0 + 10 * MIN, 1, 2)                     # device 1 at T0+10, device 2 at T0+15
    assert s.engine.phase.id == "dosing"
    due = _due(s)
    assert due["BP at T+40"] == t0 + 50 * MIN, (due["BP at T+40"] - t0) / MIN
    assert due["Pre-discharge BP at T+115"] == t0 + 125 * MIN
    # The move to Observation keeps it: the time shown does not jump.
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    assert _due(s)["BP at T+40"] == t0 + 50 * MIN


def test_a_bp_30_min_after_device_1_does_not_meet_the_t40_check_on_the_devices_screen() -> None:
    s, t0 = in_devices(56)
    give(s, t0 + 10 * MIN, 1, 2)
    s.t(t0 + 40 * MIN)                               # 30 min after the dose, still on the devices
    s.bp(130, 82); s.manual("heart_rate", 72)
    assert not s.engine.schedule.done("BP at T+40")
    s.t(t0 + 50 * MIN)                               # 40 min after the dose: this one meets it
    s.bp(128, 80); s.manual("heart_rate", 70)
    assert s.engine.schedule.done("BP at T+40")


def test_a_restart_on_the_devices_screen_rebuilds_the_times_from_device_1() -> None:
    s, t0 = in_devices(56)
    give(s, t0 + 10 * MIN, 1, 2)
    s.t(t0 + 40 * MIN)
    s.bp(130, 82); s.manual("heart_rate", 72)        # 30 min after the dose: not the T+40 BP
    engine = resume(s, 60, protocol=ESKETAMINE)
    assert engine.phase.id == "dosing"
    assert not engine.schedule.done("BP at T+40")
    due = _due(s, engine)
    assert due["BP at T+40"] == t0 + 50 * MIN
    assert due["Pre-discharge BP at T+115"] == t0 + 125 * MIN


def test_a_restart_keeps_a_t40_bp_met_40_min_after_device_1() -> None:
    s, t0 = in_devices(56)
    give(s, t0 + 10 * MIN, 1, 2)
    s.t(t0 + 50 * MIN)
    s.bp(128, 80); s.manual("heart_rate", 70)
    assert s.engine.schedule.done("BP at T+40")
    engine = resume(s, 60, protocol=ESKETAMINE)
    assert engine.schedule.done("BP at T+40")
    assert "BP at T+40" not in _due(s, engine)


def test_a_device_1_ticked_at_t0_leaves_the_times_at_t0() -> None:
    s, t0 = in_devices(56)
    give(s, t0, 1)
    assert _due(s)["BP at T+40"] == t0 + 40 * MIN
    assert "observations_before" not in s.recorder.events("checklist_ticked")[-1].detail
