"""No gap in RR and sedation checks when an IV infusion ends.

clinical-defaults.md, Protocol timings: "IV continuous | SpO2 + HR by pulse oximetry; RR and
sedation (MOAA/S) every 10-15 min | ASA moderate-sedation guideline [V]" (iv-ketamine.toml: "BP,
HR and SpO2" every 10 min and "RR and sedation" every 15 during the infusion, "Vitals and
sedation" every 15 from the observation's start). RR and MOAA/S at T+15 and T+30, the infusion
ended at T+40: the infusion's T+45 slot was dropped at the phase change and the next RR/MOAA/S
prompt came at T+55, 25 minutes after the last, in every IV session run to plan. The
observation's check now comes at T+45 too, asking only for what was not taken recently (the BP,
HR and SpO2 of T+40 stand: no second BP 5 minutes after the last), then at its own T+55, T+70."""

from __future__ import annotations

from datetime import UTC, datetime

from console.clock import Moment
from console.records import SessionOpened
from console.session.engine import SessionEngine
from console.session.schedule import Schedule
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import Session
from tests.session.test_resume import resume
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401 - the fixture

MIN = 60.0
IV = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")
OBSERVATION = "Vitals and sedation"
ALL = ("bp_systolic", "bp_diastolic", "heart_rate", "spo2", "resp_rate", "moaas")
# What the observation's check asks, as `DueInfo.missing` names it: the HR or the oximeter's pulse.
ALL_DUE = ("bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate", "spo2", "resp_rate", "moaas")
RR_AND_SEDATION = ("resp_rate", "moaas")


def at(minutes: float) -> Moment:
    return Moment(1000.0, datetime(2026, 1, 5, 9, 0, tzinfo=UTC)).plus(minutes * MIN)


def logged_iv(log: EventLog) -> LoggedSession:
    """A session of the shipped IV protocol whose engine commits to a session log on disk."""
    return LoggedSession(log, IV)


def restart(s: LoggedSession) -> SessionEngine:
    """The console killed and started again at once, reading the session back from its log
    (as tests/session/test_resume_as_live.py `restart`, with the shipped IV protocol)."""
    log: EventLog = s.recorder   # type: ignore[assignment]
    row = log.session(s.engine.session_id)
    logged = log.observations(row.id)
    return SessionEngine.resume(
        IV, log, row.id,
        SessionOpened(row.patient_id, row.protocol_id, row.protocol_version, row.session_number,
                      row.nurse, row.weight_kg, row.started_at, row.demo, row.details),
        [r for _, r in logged], [r for _, r in log.events(row.id)],
        [r for _, r in log.alarm_events(row.id)], s.now(),
        observation_ids=[i for i, _ in logged])


def iv_at_t0(s: Session | None = None) -> tuple[Session, float]:
    """A manual station (no monitor) at T0 of the shipped IV protocol; T0 in clock seconds."""
    s = s or Session(IV)
    s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98); s.manual("resp_rate", 14)
    s.manual("moaas", 5); s.manual("dissociation", 0)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="ticked on paper").done
    return s, s.now().mono - s.origin


def bp_hr_spo2(s: Session) -> None:
    s.bp(120, 80); s.manual("heart_rate", 70); s.manual("spo2", 98)


def rr_and_sedation(s: Session) -> None:
    s.manual("resp_rate", 14); s.manual("moaas", 5)


def due_now(engine: SessionEngine, s: Session) -> list[tuple[str, tuple[str, ...]]]:
    return [(d.name, d.missing) for d in engine.due(s.now()) if d.due_in_s <= 0]


def infusion_run_to_plan(s: Session, t0: float, until: float = 40) -> None:
    """Every check as it is prompted, on time, to `until` minutes (T+40: the infusion's end)."""
    for minute in (10, 15, 20, 30, 40):
        if minute > until:
            return
        s.t(t0 + minute * MIN)
        assert due_now(s.engine, s), minute
        if minute % 10 == 0:
            bp_hr_spo2(s)
        if minute % 15 == 0:
            rr_and_sedation(s)
        assert not due_now(s.engine, s), minute


def end_infusion(s: Session) -> None:
    for item in ("pump-programmed", "pump-site-check"):
        assert s.engine.tick_item(item, "nurse.ana", s.now()).done
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    assert s.engine.phase.id == "observation"


def test_rr_and_sedation_are_asked_15_min_after_the_last_when_the_infusion_ends() -> None:
    s, t0 = iv_at_t0()
    infusion_run_to_plan(s, t0)
    end_infusion(s)                                    # at T+40
    s.t(t0 + 44 * MIN)
    assert not due_now(s.engine, s)
    s.t(t0 + 45 * MIN)
    # RR and MOAA/S, last at T+30: asked at T+45; the BP, HR and SpO2 of T+40 stand.
    assert due_now(s.engine, s) == [(OBSERVATION, RR_AND_SEDATION)]
    assert ("vitals_due:" + OBSERVATION, "info", "active") in s.shown()
    prompt = next(o.message for o in s.engine.alarms() if o.condition.endswith(OBSERVATION))
    assert prompt == "Vitals due: Vitals and sedation (Respiratory rate, Sedation: MOAA/S)"
    rr_and_sedation(s)
    assert s.shown() == []
    # Then the observation's own slots, as before: every vital at T+55 and at T+70.
    s.t(t0 + 54 * MIN)
    assert not due_now(s.engine, s)
    s.t(t0 + 55 * MIN)
    assert due_now(s.engine, s) == [(OBSERVATION, ALL_DUE)]
    bp_hr_spo2(s); rr_and_sedation(s)
    s.t(t0 + 69 * MIN)
    assert not due_now(s.engine, s)
    s.t(t0 + 70 * MIN)
    assert due_now(s.engine, s) == [(OBSERVATION, ALL_DUE)]


def test_a_restart_after_the_infusion_ended_asks_rr_and_sedation_at_t45_as_live() -> None:
    s, t0 = iv_at_t0()
    infusion_run_to_plan(s, t0)
    end_infusion(s)
    s.t(t0 + 42 * MIN)
    engine = resume(s, 0, protocol=IV)                 # back at T+42
    assert not due_now(engine, s)
    now = s.clock.advance(3 * MIN)                     # T+45
    engine.tick(now)
    assert due_now(engine, s) == [(OBSERVATION, RR_AND_SEDATION)]
    assert [(o.condition, o.message) for o in engine.alarms()] == [
        ("vitals_due:" + OBSERVATION,
         "Vitals due: Vitals and sedation (Respiratory rate, Sedation: MOAA/S)")]
    assert [round(d.due_in_s) for d in engine.due(now) if d.name == OBSERVATION] == [0]


def test_rr_and_sedation_taken_late_for_the_last_infusion_slot_are_asked_again_at_t45() -> None:
    # RR and MOAA/S at T+33 for the T+30 slot (met late: the next one interval after them,
    # T+48): not counted as taken recently there, else the next would come at T+55, 22 minutes
    # on. The BP of T+40 still counts.
    s = Schedule()
    s.start_phase(IV.phase("infusion"), at(0), at(0))
    for minute in (10, 20, 30, 40):
        for name in ALL[:4]:
            s.on_reading(name, at(minute))
    for minute in (15, 33):
        for name in RR_AND_SEDATION:
            s.on_reading(name, at(minute))
    s.start_phase(IV.phase("observation"), at(40), at(0))
    due = next(d for d in s.upcoming(at(48)) if d.name == OBSERVATION)
    assert (round(due.due_in_s), due.missing) == (0, RR_AND_SEDATION)


def test_rr_and_sedation_taken_after_the_infusion_ended_meet_the_t45_slot() -> None:
    s = Schedule()
    s.start_phase(IV.phase("infusion"), at(0), at(0))
    for minute in (10, 20, 30, 40):
        for name in ALL[:4]:
            s.on_reading(name, at(minute))
    for name in RR_AND_SEDATION:
        s.on_reading(name, at(15)); s.on_reading(name, at(30))
    s.start_phase(IV.phase("observation"), at(40), at(0))
    for name in RR_AND_SEDATION:
        s.on_reading(name, at(41))                     # taken at once, 4 min before T+45
    due = next(d for d in s.upcoming(at(45)) if d.name == OBSERVATION)
    assert (round(due.due_in_s / MIN), due.missing) == (10, ALL_DUE)   # T+55, every vital


def test_a_spo2_entered_in_error_before_the_infusion_ended_is_asked_at_t45_as_after_a_restart(
        log: EventLog) -> None:
    # SpO2 at T+39 for the T+40 check was another patient's, taken back before the infusion
    # ended: it does not count as taken recently, live as after a restart (which skips it).
    s = logged_iv(log)
    _, t0 = iv_at_t0(s)
    infusion_run_to_plan(s, t0, until=30)
    s.t(t0 + 39 * MIN); s.manual("spo2", 97)
    row = s.engine._state.rows["spo2"][-1][0]
    s.t(t0 + 39.5 * MIN)
    assert s.engine.void(row, "spo2", "nurse.ana", s.now(), "another patient's value").done
    s.t(t0 + 40 * MIN); s.bp(120, 80); s.manual("heart_rate", 70)
    end_infusion(s)
    s.t(t0 + 45 * MIN)
    live = [(d.name, round(d.due_in_s), d.missing) for d in s.engine.due(s.now())
            if d.due_in_s <= 0]
    assert (OBSERVATION, 0, ("spo2", "resp_rate", "moaas")) in live
    engine = restart(s)
    assert [(d.name, round(d.due_in_s), d.missing) for d in engine.due(s.now())
            if d.due_in_s <= 0] == live


def test_the_value_before_one_entered_in_error_still_counts_as_taken_recently() -> None:
    s = Schedule()
    s.start_phase(IV.phase("infusion"), at(0), at(0))
    for name in ALL[:4]:
        s.on_reading(name, at(38.5))                   # the T+40 check
    counted = s.on_reading("spo2", at(39.5))           # a second SpO2, another patient's
    s.take_back(counted, [])
    for name in RR_AND_SEDATION:
        s.on_reading(name, at(30))
    s.start_phase(IV.phase("observation"), at(40), at(0))
    due = next(d for d in s.upcoming(at(45)) if d.name == OBSERVATION)
    assert due.missing == RR_AND_SEDATION              # the SpO2 of T+38.5 stands


def test_the_esketamine_protocols_checks_are_unchanged() -> None:
    # Its dosing phase has no recurring check: the observation's come one interval in.
    s = Schedule()
    s.start_phase(ESKETAMINE.phase("pre"), at(-10), None)
    s.start_phase(ESKETAMINE.phase("dosing"), at(0), at(0))
    for name in ("bp_systolic", "bp_diastolic", "heart_rate", "moaas", "resp_rate", "spo2"):
        s.on_reading(name, at(5))
    s.start_phase(ESKETAMINE.phase("observation"), at(10), at(0))
    assert [(d.name, round(d.due_in_s / MIN), d.missing) for d in s.upcoming(at(10))] == [
        ("Sedation and breathing", 15, ("moaas", "resp_rate", "spo2")),
        ("BP at T+40", 30, ("bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate")),
        ("Dissociation", 30, ("dissociation",)),
        ("Pre-discharge BP at T+115", 105,
         ("bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate")),
    ]


def test_the_titration_protocols_observation_checks_are_unchanged() -> None:
    # BP every 5 and RR and sedation every 10 during its infusion, all taken at T+40: nothing
    # is owed before the observation's own first check at T+55.
    titration = load_protocol(builtin_protocols_dir() / "iv-ketamine-titration.toml")
    s = Schedule()
    s.start_phase(titration.phase("infusion"), at(0), at(0))
    for minute in range(5, 41, 5):
        for name in ALL[:4]:
            s.on_reading(name, at(minute))
        if minute % 10 == 0:
            for name in RR_AND_SEDATION:
                s.on_reading(name, at(minute))
    s.start_phase(titration.phase("observation"), at(40), at(0))
    assert [(d.name, round(d.due_in_s / MIN), d.missing) for d in s.upcoming(at(40))] == [
        (OBSERVATION, 15, ALL_DUE)]


def test_a_bp_of_the_infusions_end_taken_back_after_it_is_asked_at_t45_as_after_a_restart(
        log: EventLog) -> None:
    # BP 120/80 at T+39.5 (the infusion's end) was another patient's, taken back at T+41 after the
    # phase change: live it still counted as taken recently and the T+45 prompt asked RR and
    # sedation only, while a restart (which skips it) asked the BP too (a review of the change).
    s = logged_iv(log)
    _, t0 = iv_at_t0(s)
    infusion_run_to_plan(s, t0, until=30)
    s.t(t0 + 39.5 * MIN); bp_hr_spo2(s)
    s.t(t0 + 40 * MIN); end_infusion(s)
    s.t(t0 + 41 * MIN)
    row = s.engine._state.rows["bp_systolic"][-1][0]
    assert s.engine.void(row, "bp_systolic", "nurse.ana", s.now(), "another patient's value").done
    s.t(t0 + 45 * MIN)
    live = [(d.name, round(d.due_in_s), d.missing) for d in s.engine.due(s.now())
            if d.due_in_s <= 0]
    assert (OBSERVATION, 0, ("bp_systolic", "resp_rate", "moaas")) in live
    # After a restart the BP is asked too, and the infusion's T+40 check the BP had met is owed
    # live as the replay, which skips the BP, keeps it owed (tests/session/
    # test_a_value_entered_in_error_after_its_phase_ended_is_asked_again.py).
    engine = restart(s)
    after = [(d.name, round(d.due_in_s), d.missing) for d in engine.due(s.now())
             if d.due_in_s <= 0]
    assert (OBSERVATION, 0, ("bp_systolic", "resp_rate", "moaas")) in after
    assert live == after
