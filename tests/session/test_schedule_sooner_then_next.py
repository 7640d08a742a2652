"""An infusion stopped early for nausea: the vitals taken at the observation's sooner slot are
not asked again 5 minutes later at its own first slot; the next check is one interval after them.

iv-ketamine.toml: infusion checks BP/HR/SpO2 every 10 and RR/sedation every 15 from T0, the
observation's "Vitals and sedation" every 15 from its start. Stopped at T+5, the sooner slot is
T+15 and asks all six vitals (none was taken since the phase began); answered at T+15, the phase's
own slot T+20 had asked all six again, and a medium "Vitals overdue" alarm at T+25 (a review of
the change). Now the next is T+30."""

from __future__ import annotations

from tests.session.helpers import Session
from tests.session.test_schedule_gap_after_infusion import (ALL_DUE, MIN, OBSERVATION,
                                                            bp_hr_spo2, due_now, iv_at_t0,
                                                            rr_and_sedation)


def _stopped_at_t5_every_vital_at_t15() -> tuple[Session, float]:
    """The infusion stopped at T+5 for nausea; at the sooner slot (T+15) every vital is asked and
    taken on time: (session, T0)."""
    s, t0 = iv_at_t0()
    s.t(t0 + 5 * MIN)
    for item in ("pump-programmed", "pump-site-check"):
        s.engine.tick_item(item, "nurse.ana", s.now())
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="nausea: stopped").done
    s.t(t0 + 15 * MIN)
    assert due_now(s.engine, s) == [(OBSERVATION, ALL_DUE)]   # the sooner slot, as designed
    bp_hr_spo2(s); rr_and_sedation(s)                      # every vital, on time
    assert due_now(s.engine, s) == []
    return s, t0


def test_vitals_taken_at_the_sooner_slot_are_not_asked_again_five_minutes_later() -> None:
    s, t0 = _stopped_at_t5_every_vital_at_t15()
    s.t(t0 + 20 * MIN)
    # Every vital was taken 5 min ago: no new full set (and no overdue alarm at T+25).
    assert due_now(s.engine, s) == []
    s.t(t0 + 25 * MIN)
    assert not [c for c, p, _ in s.shown() if c.startswith("vitals_due:") and p == "medium"]
    due = next(d for d in s.engine.due(s.now()) if d.name == OBSERVATION)
    assert round(due.due_in_s / MIN) == 5   # T+30, one interval after the vitals of T+15


def test_a_restart_after_the_sooner_slot_keeps_the_next_check_one_interval_on() -> None:
    from protocols.loader import builtin_protocols_dir, load_protocol
    from tests.session.test_resume import resume

    s, _ = _stopped_at_t5_every_vital_at_t15()
    engine = resume(s, 5 * MIN, protocol=load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    assert due_now(engine, s) == []
    due = next(d for d in engine.due(s.now()) if d.name == OBSERVATION)
    assert round(due.due_in_s / MIN) == 10   # T+30, as live
