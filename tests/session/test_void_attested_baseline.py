"""A value entered in error counts nowhere, a baseline's too (README): a BP the gate's tick took
as the baseline, or the pre-dose value T0 logged, then entered in error, had stayed the
baseline, and the gate item ticked on it stayed met. The next chair's 138/88 ticked as this
patient's "Baseline BP below 140/90" and taken back let dosing start with no BP of this patient,
and a rise of 52 above her real 98 raised nothing."""
from __future__ import annotations

from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401
from tests.session.test_void_as_restart import seen

NURSE = "nurse.ana"


def void_last(s: LoggedSession, *names: str) -> None:
    for name in names:
        row = s.engine._state.rows[name][-1][0]
        assert s.engine.void(row, name, NURSE, s.now(), "typed for the wrong patient").done


def test_a_ticked_baseline_bp_entered_in_error_opens_the_gate_item_again(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    e = s.engine
    # Chair 4's BP typed here by mistake; the baseline item ticked on it.
    s.bp(138, 88); s.manual("heart_rate", 70)
    assert e.tick_item("consent", NURSE, s.now()).done
    assert e.tick_item("baseline_bp", NURSE, s.now()).done
    s.t(60); void_last(s, "bp_systolic", "bp_diastolic")
    # No BP of this patient stands: the item is open again and dosing waits, saying why.
    assert "baseline_bp" not in e.ticks()
    refused = e.advance_phase(NURSE, s.now())
    assert not refused.done
    assert any("Systolic BP 138 mmHg, entered in error" in r for r in refused.reasons), refused
    assert "bp_systolic" not in e.baseline
    live = seen(s)
    restart(s, 0)
    assert seen(s)["baseline"] == live["baseline"]
    assert not s.engine.advance_phase(NURSE, s.now()).done
    e = s.engine
    # Her own BP, the item ticked on it, then the dose.
    s.t(120); s.bp(98, 60)
    assert e.tick_item("baseline_bp", NURSE, s.now()).done
    assert e.advance_phase(NURSE, s.now()).done
    assert e.baseline["bp_systolic"] == 98
    # 52 above her pre-dose pressure, past the 40 the protocol alarms at.
    s.t(600); s.bp(150, 80)
    assert ("bp_systolic_high", "MEDIUM", "active") in [
        (c, p.upper(), st) for c, p, st in s.shown()], s.shown()


def test_the_pre_dose_bp_t0_logged_entered_in_error_after_t0_gives_back_the_one_before(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    e = s.engine
    s.bp(100, 60)   # her pre-dose BP
    s.t(60)
    s.to_infusion(systolic=130)   # 130/80 typed (another patient's), ticked, T0
    assert e.baseline["bp_systolic"] == 130
    s.t(300); s.bp(135, 80)       # 35 above the wrong baseline: nothing; 35 above hers too
    s.t(360)
    row = next(r for r, kept in e._state.rows["bp_systolic"] if kept.reading.value == 130)
    assert e.void(row, "bp_systolic", NURSE, s.now(), "typed for chair 4").done
    assert e.baseline["bp_systolic"] == 100
    assert [ev.detail for _, ev in log.events(e.session_id)
            if ev.kind == "baseline_set"][-1] == {"baseline": {"bp_systolic": 100}}
    s.t(420); s.bp(145, 80)       # 45 above hers
    assert ("bp_systolic_high", "MEDIUM", "active") in [
        (c, p.upper(), st) for c, p, st in s.shown()], s.shown()
    live = seen(s)
    restart(s, 0)
    after = seen(s)
    assert after["baseline"] == live["baseline"]
    assert after["alarms"] == live["alarms"]


def test_a_cadss_logged_at_t0_entered_in_error_gives_back_the_score_before(log: EventLog) -> None:  # noqa: F811
    s = LoggedSession(log)
    e = s.engine
    s.manual("dissociation", 0)
    s.t(30); s.manual("dissociation", 40)   # mis-typed, the baseline at T0
    s.to_infusion()
    assert e.baseline["dissociation"] == 40
    s.t(300)
    row = e._state.rows["dissociation"][-1][0]
    assert e.void(row, "dissociation", NURSE, s.now(), "mis-typed").done
    assert e.baseline["dissociation"] == 0
    live = seen(s)
    restart(s, 0)
    assert seen(s)["baseline"] == live["baseline"]


def test_the_gate_item_ticked_again_on_her_own_bp_before_a_restart_stays_met(log: EventLog) -> None:  # noqa: F811
    # The replay opened the item again at the void and had to close it at the second tick: a
    # restart between the re-tick and the dose refused dosing with her own BP ticked.
    s = LoggedSession(log)
    e = s.engine
    s.bp(138, 88); s.manual("heart_rate", 70)
    assert e.tick_item("consent", NURSE, s.now()).done
    assert e.tick_item("baseline_bp", NURSE, s.now()).done
    s.t(60); void_last(s, "bp_systolic", "bp_diastolic")
    s.t(120); s.bp(98, 60)
    assert e.tick_item("baseline_bp", NURSE, s.now()).done   # ticked again on her own BP
    live = seen(s)
    restart(s, 0)
    assert "baseline_bp" in s.engine.ticks()
    assert seen(s)["baseline"] == live["baseline"]
    outcome = s.engine.advance_phase(NURSE, s.now())
    assert outcome.done, outcome
    assert s.engine.baseline["bp_systolic"] == 98
