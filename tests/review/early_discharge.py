"""Esketamine sessions discharged before the discharge gate allowed it ("Discharge anyway" with a
reason), driven through the real engine into a real log, as a nurse walk left them (the logs
of MRN-5530 and MRN-2719, 2 Dec 2026):

    early_discharge   MRN-5530  T0 13:45; device 1 13:45, monitor BP 129/80 13:48 (T+3),
                                device 2 13:51; observation ended early, then discharged at 13:52
                                (T0 + 6 min) over "Observation must reach 120 min ..."
    late_typed_bp     MRN-2719  T0 13:44; monitor BP every 5 minutes to 14:22 (135/85), BP
                                150/95 typed at 14:24 (T+40); discharged over the gate 14:25
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from console.review.model import SessionDetail
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.scenarios import Driver, typed_answer

PRESCRIBER_REASON = "Dr M. Chen: transfer to ED escorted, observation continues there"
NURSE = "J. Alvarez"


def _dosed(log: EventLog, patient: str, start: datetime) -> Driver:
    """Pre-dose values and checks; T0 and device 1 at start + 2 min."""
    r = Driver(log, "esketamine", patient, 64.0, NURSE, start, 1, chosen_mg=56)
    r.manual(bp_systolic=126, bp_diastolic=80, heart_rate=73, spo2=98, resp_rate=13, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(2); r.advance()                                    # T0
    assert r.engine.tick_item("device-1", r.nurse, r.clock.now(), note="LOT-EK2402Q").done
    return r


def _discharge_anyway(r: Driver, reason: str = PRESCRIBER_REASON) -> None:
    """End the observation early and discharge over the gate, both with a reason."""
    r.advance(override_reason="Test: patient asks to leave")
    # All but "Discharge time logged" (its time has not come) and "REMS form fields complete"
    # (its BP at T+40 and pre-discharge BP are not taken).
    for item in r.engine.phase.checklist:
        if item.required and not item.after_discharge_time and not item.needs_checks:
            assert r.engine.tick_item(item.id, r.nurse, r.clock.now(),
                                      note=typed_answer(item.asks)).done, item.id
    outcome = r.engine.discharge(r.nurse, r.clock.now(), override_reason=reason)
    assert outcome.done, outcome.message


def early_discharge(log: EventLog, start: datetime = datetime(2026, 12, 2, 13, 43, 55, tzinfo=UTC),
                    ) -> int:
    """MRN-5530: discharged at T0 + 6 min over the gate (see the module docstring)."""
    r = _dosed(log, "MRN-5530", start)
    r.at(4.7); r.device(bp_systolic=129, bp_diastolic=80)   # T+2.7, from the monitor
    r.at(8); assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="LOT-EK2402Q").done
    r.at(8.1); r.advance()                                  # observation
    r.at(8.3)
    _discharge_anyway(r)
    return r.id


def late_typed_bp(log: EventLog, start: datetime = datetime(2026, 12, 2, 13, 42, 40, tzinfo=UTC),
                  ) -> int:
    """MRN-2719: a monitor BP at T+38 and one typed at T+40, discharged at T+41 over the gate."""
    r = _dosed(log, "MRN-2719", start)
    r.at(8); assert r.engine.tick_item("device-2", r.nurse, r.clock.now(), note="LOT-EK2401B").done
    r.at(8.1); r.advance()                                  # observation
    for minute in range(10, 41, 5):                         # 13:52 ... 14:22, the last 135/85
        r.at(minute); r.device(bp_systolic=135 if minute == 40 else 128, bp_diastolic=85)
    r.at(42); r.manual(bp_systolic=150, bp_diastolic=95)    # typed at 14:24, T+40
    r.ack_all()
    r.at(43)
    _discharge_anyway(r, "Dr M. Chen: walk test, discharge to supervised ward")
    return r.id


# 1:53:42 left at the discharge: a wait still running is rounded up (engine
# `_discharge_time_blockers`, format_duration(round_up=True)), never read as less than it is.
STATEMENT = (
    "⚠ DISCHARGED AGAINST THE DISCHARGE GATE at 13:52, T0 + 6 min (override by J. Alvarez: "
    "Dr M. Chen: transfer to ED escorted, observation continues there; open: Required item "
    "open: REMS Patient Monitoring Form fields complete (submit within 7 days): device times and "
    "lots, BP at T+40, pre-discharge BP, total minutes, adverse events; Required item "
    "open: Discharge time logged (not before T0 + 120 min); Observation must reach 120 min after "
    "the first dose: 1:54 h left; No MOAA/S recorded since the dose (needs 5); No dissociation "
    "(CADSS) score recorded since the dose (needs 4 or less); No modified Aldrete score recorded "
    "(needs ≥9))")
"""What the record says of `early_discharge`'s discharge (review, PDF, REMS form)."""


def build_early_discharges(path: Path) -> dict[str, int]:
    """Both sessions into a new log at `path` (closed afterwards): label -> session id."""
    with EventLog.open(path, "test", now=datetime(2026, 12, 1, tzinfo=UTC)) as log:
        return {"early_discharge": early_discharge(log), "late_typed_bp": late_typed_bp(log)}


def detail_of(path: Path, session_id: int) -> SessionDetail:
    conn = open_readonly(path)
    try:
        return load_session(conn, session_id)
    finally:
        conn.close()
