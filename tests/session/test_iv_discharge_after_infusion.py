"""The shipped IV protocols hold the patient ≥ 30 min after the infusion, at the discharge gate.

clinical-defaults.md (IV vitals cadence, Emory and Yale series [V]) watches the patient until at
least 30 minutes after the infusion. The observation phase's `min_minutes = 30` alone could be
overridden with a reason (a workflow the console supports: paperwork started early), and the
discharge gate then let the patient go 2 minutes after the infusion (review 36). The gate's
`min_minutes_from_t0 = 70` (the 40-min infusion + 30) holds unless the discharge itself is
overridden.
"""

from __future__ import annotations

import pytest

from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import Session

MIN = 60


def to_discharge_two_minutes_after_the_infusion(s: Session) -> float:
    """Baseline, a 40-min infusion with its BPs, Observation left at once with a reason, every
    discharge item ticked at T0 + 42; returns T0 in seconds from the session start."""
    s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
    s.manual("moaas", 5); s.manual("dissociation", 0)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="ticked on paper").done
    t0 = s.now().mono - s.origin
    for minute in range(5, 45, 5):   # every vitals check of either protocol, none overdue
        s.t(t0 + minute * MIN)
        s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
        s.manual("moaas", 5)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="pump items on paper").done
    # Observation: its own 30 min refuse the move, and a reason overrides them.
    s.t(t0 + 41 * MIN)
    assert not s.engine.advance_phase("nurse.ana", s.now()).done
    assert s.engine.advance_phase("nurse.ana", s.now(),
                                  override_reason="start the discharge paperwork").done
    s.t(t0 + 42 * MIN)
    s.bp(120, 80); s.manual("moaas", 5); s.manual("aldrete", 10); s.manual("dissociation", 0)
    for item in s.engine.protocol.phase("discharge").checklist:
        assert s.engine.tick_item(item.id, "nurse.ana", s.now()).done, item.id
    return t0


CHECKED = {"bp_systolic": 120.0, "bp_diastolic": 80.0, "heart_rate": 70.0, "spo2": 98.0,
           "resp_rate": 14.0, "moaas": 5.0}


def checks_answered_to(s: Session, t0: float, minute: int) -> None:
    """On, minute by minute, to `minute` after T0 (`t0` in seconds from the session start),
    typing what each vitals check asks for as it falls due (`CHECKED`, the baseline's values):
    a check left overdue is an alarm, which refuses discharge."""
    for m in range(int((s.now().mono - s.origin - t0) // MIN) + 1, minute + 1):
        s.t(t0 + m * MIN)
        for due in s.engine.due(s.now()):
            if due.due_in_s <= 0:
                for name in due.missing:
                    if name != "pulse_rate":   # the heart rate typed meets either
                        s.manual(name, CHECKED[name])


@pytest.mark.parametrize("protocol_file", ["iv-ketamine.toml", "iv-ketamine-titration.toml"])
def test_iv_discharge_is_refused_until_30_minutes_after_the_infusion(protocol_file: str) -> None:
    s = Session(load_protocol(builtin_protocols_dir() / protocol_file))
    t0 = to_discharge_two_minutes_after_the_infusion(s)

    # T0 + 42, 2 min after the 40-min infusion: the gate's 70 min from T0 have not run.
    assert s.engine.discharge_wait_s(s.now()) == 28 * MIN
    assert s.engine.discharge_blockers(s.now()) == [
        "Observation must reach 70 min after the first dose: 28:00 min left"]
    refused = s.engine.discharge("nurse.ana", s.now())
    assert not refused.done
    assert s.engine.phase.kind.value == "discharge"

    # T0 + 69, the observation's T+55 check answered: a minute left.
    checks_answered_to(s, t0, 69)
    assert s.engine.discharge_blockers(s.now()) == [
        "Observation must reach 70 min after the first dose: 1:00 min left"]

    # T0 + 70: 30 min after the infusion, nothing else holds the patient.
    s.t(t0 + 70 * MIN)
    assert s.engine.discharge_wait_s(s.now()) is None
    assert s.engine.discharge_blockers(s.now()) == []
    assert s.engine.discharge("nurse.ana", s.now()).done
