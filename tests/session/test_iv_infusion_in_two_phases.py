"""An infusion in two dosing phases ends when the second does.

A clinic's IV protocol gives the 40-min infusion (`infusion_minutes = 40`) as a 10-min start at
close watch, then 30 min: two dosing phases, which the loader accepts. The session took the end
of the first as the end of the infusion: the discharge's "30 min after the infusion" ran from
minute 10, and a whole infusion read "infusion ended after 10 of 40 min" (a review of the
protocols). The dosing ends when the last of the dosing phases does, live and after a restart.
"""

from __future__ import annotations

from console.clock import format_duration
from console.session.dosing import dose_line
from protocols.loader import builtin_protocols_dir, protocol_from_text
from protocols.model import Protocol
from tests.session.helpers import Session
from tests.session.test_resume import resume

MIN = 60
NURSE = "nurse.ana"

SPLIT = '''[[phases]]
id = "infusion-start"
name = "Infusion: first 10 min"
kind = "dosing"
duration_minutes = 10

[[phases]]
id = "infusion"
name = "Infusion"
kind = "dosing"
duration_minutes = 30
'''


def split_infusion() -> Protocol:
    """The shipped IV protocol with its 40-min infusion phase as 10 + 30 min."""
    text = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    text = text.replace('id = "iv-ketamine"', 'id = "clinic-iv-split"', 1)
    whole = '[[phases]]\nid = "infusion"\nname = "Infusion"\nkind = "dosing"\nduration_minutes = 40\n'
    assert whole in text
    return protocol_from_text(text.replace(whole, SPLIT, 1), "clinic-iv-split.toml")


def to_second_dosing_phase(s: Session) -> float:
    """Baseline, T0, the first 10 min; returns T0 in seconds from the session start."""
    s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
    s.manual("moaas", 5); s.manual("dissociation", 0)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="ticked on paper").done
    t0 = s.now().mono - s.origin
    s.t(t0 + 10 * MIN)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="pump items on paper").done
    assert s.engine.phase.id == "infusion"
    return t0


def to_observation(s: Session, t0: float, ended_min: float) -> None:
    s.t(t0 + ended_min * MIN)
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="pump items on paper").done
    assert s.engine.phase.id == "observation"


def line(s: Session) -> str:
    engine = s.engine
    return dose_line(engine.protocol, engine.details, engine.phase.kind, engine.dosing_minutes,
                     weight_kg=engine.patient.weight_kg)


def test_the_second_phase_is_still_the_infusion() -> None:
    s = Session(split_infusion())
    to_second_dosing_phase(s)
    assert s.engine.dosing_minutes is None
    assert "ended after" not in line(s)


def test_a_whole_infusion_in_two_phases_reads_given() -> None:
    s = Session(split_infusion())
    to_observation(s, to_second_dosing_phase(s), 40)
    assert s.engine.dosing_minutes == 40
    assert line(s).startswith("Dose given: ") and "ended after" not in line(s), line(s)


def test_an_infusion_stopped_in_its_second_phase_reads_its_minutes() -> None:
    s = Session(split_infusion())
    to_observation(s, to_second_dosing_phase(s), 25)
    assert "infusion ended after 25:00 of 40 min" in line(s)


def test_discharge_waits_30_min_after_the_second_phase_ended() -> None:
    # Paused at the pump for nausea: the infusion ended at T+55.
    s = Session(split_infusion())
    t0 = to_second_dosing_phase(s)
    to_observation(s, t0, 55)
    s.t(t0 + 75 * MIN)                      # 20 min after the infusion ended
    assert s.engine.discharge_wait_s(s.now()) == 10 * MIN
    assert s.engine.advance_phase(NURSE, s.now(), override_reason="paperwork").done
    assert (f"Observation must reach 30 min after Infusion ended: {format_duration(10 * MIN)}"
            " left") in s.engine.discharge_blockers(s.now())


def test_a_restart_reads_the_same_end_of_the_infusion() -> None:
    protocol = split_infusion()
    s = Session(protocol)
    t0 = to_second_dosing_phase(s)
    s.engine = resume(s, 5 * MIN, protocol=protocol)   # in the second phase: still infusing
    assert s.engine.dosing_minutes is None
    to_observation(s, t0, 55)
    s.engine = resume(s, 20 * MIN, protocol=protocol)  # T+75
    assert s.engine.dosing_minutes == 55
    assert s.engine.discharge_wait_s(s.now()) == 10 * MIN
