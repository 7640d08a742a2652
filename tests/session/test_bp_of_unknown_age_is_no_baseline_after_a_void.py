"""Before the dose, a typed BP entered in error leaves the monitor's screen BP of unknown age
(an Ivy's NIBP found at connect, `AGE_UNKNOWN`) standing, and it is no baseline, live as after
a restart (README: a BP of unknown age "is no baseline nor one of the BP readings 'still rising'
compares"). Taking the typed BP back had made it the baseline live (T0 then logged it, and the
BP limits judged the patient against a pressure of unknown age), never after a restart."""

from __future__ import annotations

from pathlib import Path

from console.store import EventLog
from tests.session.test_bp_of_unknown_age_under_a_typed_bp import screen_bp
from tests.session.test_resume_as_live import NURSE, LoggedSession, restart


def typed_bp_taken_back_over_a_screen_bp(log: EventLog, restarted: bool) -> LoggedSession:
    """The Ivy's screen BP 128/80 (time unknown) at connect, the next chair's 131/83 typed
    here a minute later, both halves entered in error; perhaps a restart."""
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    s.t(5); screen_bp(s, 128, 80)
    s.t(60); s.bp(131, 83)
    s.t(90)
    for name in ("bp_systolic", "bp_diastolic"):
        row = next(r for r, kept in s.engine._state.rows[name]
                   if kept.reading.source == "manual")
        assert s.engine.void(row, name, NURSE, s.now(), "typed for chair 4").done
    if restarted:
        restart(s, 1)
        s.engine.device_state_changed("connected", s.now())
    s.t(91)
    return s


def bp_baselines(s: LoggedSession) -> dict[str, float]:
    return {k: v for k, v in s.engine.baseline.items() if k.startswith("bp_")}


def test_a_screen_bp_of_unknown_age_is_no_baseline_once_the_typed_bp_is_taken_back(
        tmp_path: Path) -> None:
    for name, restarted in (("live", False), ("restarted", True)):
        log = EventLog.open(tmp_path / f"{name}.sqlite3", "test")
        try:
            s = typed_bp_taken_back_over_a_screen_bp(log, restarted)
            assert bp_baselines(s) == {}, name
        finally:
            log.close()


def test_dosed_by_override_the_first_bp_after_t0_is_the_baseline_live_as_after_a_restart(
        tmp_path: Path) -> None:
    # The dose started by an override (no BP of this patient); a BP of 170/95 typed at T+5
    # is the first of known time: the baseline, no alarm against a baseline of 128/80.
    for name, restarted in (("live", False), ("restarted", True)):
        log = EventLog.open(tmp_path / f"{name}.sqlite3", "test")
        try:
            s = typed_bp_taken_back_over_a_screen_bp(log, restarted)
            s.t(100)
            s.manual("heart_rate", 70)
            assert s.engine.tick_item("consent", NURSE, s.now()).done
            assert s.engine.advance_phase(NURSE, s.now(), override_reason="Dr Lee: proceed").done
            s.t(400); s.bp(170, 95)
            s.t(401)
            assert bp_baselines(s) == {"bp_systolic": 170, "bp_diastolic": 95}, name
            assert [o.condition for o in s.engine.alarms()
                    if o.condition.startswith("bp_")] == [], name
        finally:
            log.close()


def ticked_bp_taken_back_over_a_screen_bp(log: EventLog, restarted: bool,
                                          dosed: bool) -> LoggedSession:
    """The screen BP 128/80 at connect, the next chair's 131/83 typed and the baseline BP
    ticked on it, perhaps the dose started (T0 logs 131/83), then both typed halves entered in
    error; perhaps a restart; then the first BP of known time after the dose, 170/95."""
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    s.t(5); screen_bp(s, 128, 80)
    s.t(60); s.bp(131, 83); s.manual("heart_rate", 70)
    for item in ("consent", "baseline_bp"):
        assert s.engine.tick_item(item, NURSE, s.now()).done
    if dosed:
        s.t(70)
        assert s.engine.advance_phase(NURSE, s.now()).done
    s.t(90)
    for name in ("bp_systolic", "bp_diastolic"):
        row = next(r for r, kept in s.engine._state.rows[name]
                   if kept.reading.source == "manual")
        assert s.engine.void(row, name, NURSE, s.now(), "typed for chair 4").done
    if restarted:
        restart(s, 1)
        s.engine.device_state_changed("connected", s.now())
    s.t(91)
    assert bp_baselines(s) == {}
    if not dosed:   # the gate's tick taken back: dosed by an override
        assert s.engine.tick_item("baseline_bp", NURSE, s.now()).done is False
        assert s.engine.advance_phase(NURSE, s.now(), override_reason="Dr Lee: proceed").done
    s.t(400); s.bp(170, 95)
    s.t(401)
    return s


def test_a_baseline_tick_taken_back_leaves_no_baseline_of_unknown_age(tmp_path: Path) -> None:
    for name, restarted in (("live", False), ("restarted", True)):
        log = EventLog.open(tmp_path / f"{name}.sqlite3", "test")
        try:
            s = ticked_bp_taken_back_over_a_screen_bp(log, restarted, dosed=False)
            assert bp_baselines(s) == {"bp_systolic": 170, "bp_diastolic": 95}, name
            assert [o.condition for o in s.engine.alarms()
                    if o.condition.startswith("bp_")] == [], name
        finally:
            log.close()


def test_a_baseline_logged_at_t0_taken_back_leaves_no_baseline_of_unknown_age(
        tmp_path: Path) -> None:
    for name, restarted in (("live", False), ("restarted", True)):
        log = EventLog.open(tmp_path / f"{name}.sqlite3", "test")
        try:
            s = ticked_bp_taken_back_over_a_screen_bp(log, restarted, dosed=True)
            assert bp_baselines(s) == {"bp_systolic": 170, "bp_diastolic": 95}, name
            assert [o.condition for o in s.engine.alarms()
                    if o.condition.startswith("bp_")] == [], name
        finally:
            log.close()
