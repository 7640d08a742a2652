"""The IV discharge gate holds the patient ≥ 30 min after the infusion, however long it ran.

clinical-defaults.md, Protocol timings: "IV vitals cadence | ... every 15 min after, until ≥30 min
post-infusion **and** back near baseline" (Emory, Yale series [V]). The gate was T0 + 70 only,
which is 30 min after the infusion only when it ended at exactly T+40. An infusion paused at the
pump for nausea that ended at T+55, Observation left early with a reason (the workflow of
tests/session/test_iv_discharge_after_infusion.py): discharge was allowed at T+70, 15 min after the
infusion (review 41). The gate's `min_minutes_after_dosing = 30` counts from the end of the
infusion phase; the T0 + 70 still holds an infusion stopped early.
"""

from __future__ import annotations

import pytest

from console.clock import format_duration
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import Session
from tests.session.test_iv_discharge_after_infusion import checks_answered_to
from tests.session.test_resume import resume

MIN = 60
IV_FILES = ["iv-ketamine.toml", "iv-ketamine-titration.toml"]


def to_discharge_after_an_infusion_of(s: Session, infusion_minutes: int) -> float:
    """Baseline, an infusion ended `infusion_minutes` after T0 with its BPs, Observation left a
    minute later with a reason; returns T0 in seconds from the session start."""
    s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
    s.manual("moaas", 5); s.manual("dissociation", 0)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="ticked on paper").done
    t0 = s.now().mono - s.origin
    for minute in range(5, infusion_minutes + 1, 5):   # every vitals check, none overdue
        s.t(t0 + minute * MIN)
        s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
        s.manual("moaas", 5)
    s.t(t0 + infusion_minutes * MIN)
    # The infusion phase ends when the pump has run the bag (paused or stopped: earlier or later).
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="pump items on paper").done
    s.t(t0 + (infusion_minutes + 1) * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now(),
                                  override_reason="start the discharge paperwork").done
    return t0


def ready_for_discharge(s: Session) -> None:
    """Vitals, scores and every discharge item ticked, now."""
    s.bp(120, 80); s.manual("moaas", 5); s.manual("aldrete", 10); s.manual("dissociation", 0)
    for item in s.engine.protocol.phase("discharge").checklist:
        assert s.engine.tick_item(item.id, "nurse.ana", s.now()).done, item.id


def after_infusion(left_s: float) -> list[str]:
    return [f"Observation must reach 30 min after Infusion ended: {format_duration(left_s)} left"]


@pytest.mark.parametrize("protocol_file", IV_FILES)
def test_iv_discharge_waits_30_minutes_after_an_infusion_that_ran_long(protocol_file: str) -> None:
    s = Session(load_protocol(builtin_protocols_dir() / protocol_file))
    t0 = to_discharge_after_an_infusion_of(s, 55)   # paused 15 min for nausea: ended at T+55

    # T+71, past T0 + 70 but 16 min after the infusion: the gate holds, naming its reason.
    checks_answered_to(s, t0, 71)
    ready_for_discharge(s)
    assert s.engine.discharge_wait_s(s.now()) == 14 * MIN
    assert s.engine.discharge_blockers(s.now()) == after_infusion(14 * MIN)
    refused = s.engine.discharge("nurse.ana", s.now())
    assert not refused.done and refused.reasons == tuple(after_infusion(14 * MIN))
    assert s.recorder.events("discharge_refused")[-1].detail["reasons"] == after_infusion(14 * MIN)

    # T+84: a minute left.
    checks_answered_to(s, t0, 84)
    assert s.engine.discharge_blockers(s.now()) == after_infusion(1 * MIN)

    # T+85: 30 min after the infusion ended, nothing else holds the patient.
    checks_answered_to(s, t0, 85)
    assert s.engine.discharge_wait_s(s.now()) is None
    assert s.engine.discharge_blockers(s.now()) == []
    assert s.engine.discharge("nurse.ana", s.now()).done


@pytest.mark.parametrize("protocol_file", IV_FILES)
def test_an_infusion_stopped_early_is_still_held_to_t0_plus_70(protocol_file: str) -> None:
    # Stopped at T+20 (a side effect): 30 min after it would be T+50; the planned 40 + 30 from T0
    # still holds, and the line that holds longest is the one shown.
    s = Session(load_protocol(builtin_protocols_dir() / protocol_file))
    t0 = to_discharge_after_an_infusion_of(s, 20)
    checks_answered_to(s, t0, 51)
    ready_for_discharge(s)
    assert s.engine.discharge_wait_s(s.now()) == 19 * MIN
    assert s.engine.discharge_blockers(s.now()) == [
        "Observation must reach 70 min after the first dose: 19:00 min left"]
    checks_answered_to(s, t0, 70)
    assert s.engine.discharge_blockers(s.now()) == []


@pytest.mark.parametrize(("clock_behind_s", "left_s"), [
    (0.0, 12 * MIN),
    # The restarted station's wall clock 5 min slow: the log reads newer than the clock, so the
    # 2 min of the restart are not counted (the engine's rule: a timer is never shortened).
    (5 * MIN, 14 * MIN),
])
def test_the_wait_after_the_infusion_survives_a_restart(clock_behind_s: float,
                                                        left_s: float) -> None:
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    s = Session(protocol)
    t0 = to_discharge_after_an_infusion_of(s, 55)
    checks_answered_to(s, t0, 71)
    ready_for_discharge(s)
    # The console restarts 2 min later: the end of the infusion is rebuilt from the logged
    # phase starts.
    s.engine = resume(s, 2 * MIN, clock_behind_s=clock_behind_s, protocol=protocol)
    assert s.engine.phase.kind.value == "discharge"
    assert s.engine.discharge_wait_s(s.now()) == left_s
    assert s.engine.discharge_blockers(s.now()) == after_infusion(left_s)
    assert not s.engine.discharge("nurse.ana", s.now()).done


def test_a_prescriber_override_passes_the_wait_after_the_infusion_and_logs_it() -> None:
    s = Session(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    t0 = to_discharge_after_an_infusion_of(s, 55)
    checks_answered_to(s, t0, 71)
    ready_for_discharge(s)
    assert s.engine.discharge("nurse.ana", s.now(), override_reason="Dr Reis: transport waiting").done
    override = s.recorder.events("override")[-1].detail
    assert override["action"] == "discharge"
    assert override["blockers"] == after_infusion(14 * MIN)
    assert override["reason"] == "Dr Reis: transport waiting"
    assert s.engine.discharged


def test_the_discharge_time_item_waits_for_the_end_of_the_infusion_wait() -> None:
    # An item marked after_discharge_time ("Discharge time logged") is refused while the gate's
    # wait runs: the wait after the infusion counts as the one from T0 does.
    from dataclasses import replace

    base = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    discharge = base.phase("discharge")
    items = tuple(replace(i, after_discharge_time=True) if i.id == "discharge-time" else i
                  for i in discharge.checklist)
    phases = tuple(replace(p, checklist=items) if p.id == discharge.id else p for p in base.phases)
    s = Session(replace(base, phases=phases))
    t0 = to_discharge_after_an_infusion_of(s, 55)
    s.t(t0 + 71 * MIN)
    refused = s.engine.tick_item("discharge-time", "nurse.ana", s.now())
    assert not refused.done
    assert refused.reasons == ("'Discharge time logged' waits for the discharge time: 14:00 min left.",)
    s.t(t0 + 85 * MIN)
    assert s.engine.tick_item("discharge-time", "nurse.ana", s.now()).done
