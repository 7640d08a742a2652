"""An NIBP found on the monitor when the console connects (an Ivy's first frame, after "Restart
and resume" at T+39) has no time: the console calls it "measured at an unknown time", its tile
STALE, no trend draws it. It met "BP at T+40" (no prompt, the REMS form's item needing that BP
could be ticked with no BP taken after the dose), and it fed the baseline and the pre-dose
gate's "recorded" check (a review). It stays on the tile and in the alarm rules while no BP of
known time stands."""

from __future__ import annotations

from pathlib import Path

from console.session.entry import Accepted
from console.session.schedule import Schedule
from devices.reading import AGE_UNKNOWN, NIBP_PULSE, Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.vitals import metric
from tests.session.test_schedule_slots import at
from tests.session.test_scores_since_dose import Run
from tests.test_full_sessions import NURSE

ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")

BP_T40 = "BP at T+40"


def _old_nibp_at_connect(r: Run, systolic: float = 131, diastolic: float = 83) -> None:
    now = r.now()
    for name, value, flags in (("bp_systolic", systolic, {AGE_UNKNOWN}),
                               ("bp_diastolic", diastolic, {AGE_UNKNOWN}),
                               ("pulse_rate", 71, {AGE_UNKNOWN, NIBP_PULSE})):
        r.engine.ingest(Reading(name, value, metric(name).unit, None, now.wall, "ansar-b",
                                "NIBP", frozenset(flags)), now)


def _restarted_at_t39(tmp_path: Path) -> Run:
    """Esketamine, device 1 at 10 min (T0), Observation at T+11, "Restart and resume" at T+39:
    the Ivy's screen BP and the oximeter, live."""
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    r.manual(bp_systolic=132, bp_diastolic=84, heart_rate=70, spo2=98, resp_rate=14, moaas=5,
             dissociation=0)
    r.tick_required()
    r.at(10); r.advance()                                    # T0
    assert r.engine.tick_item("device-1", NURSE, r.now(), note="lot A").done
    r.at(15); assert r.engine.tick_item("device-2", NURSE, r.now(), note="lot A").done
    r.at(21); r.advance()                                    # Observation
    r.at(49)                                                 # T+39
    r.restart()
    _old_nibp_at_connect(r)
    r.device(pulse_rate=72, spo2=97)
    return r


def test_a_bp_of_unknown_age_does_not_meet_the_bp_at_t40(tmp_path: Path) -> None:
    r = _restarted_at_t39(tmp_path)
    r.at(52)                                                 # T+42
    assert not r.engine.schedule.done(BP_T40)
    assert "vitals_due:" + BP_T40 in [o.condition for o in r.engine.alarms()]
    shown = r.engine.latest("bp_systolic")
    # The BP typed before the dose, of known time, stands: the screen's is history.
    assert shown is not None and shown.reading.value == 132


def test_a_restart_after_it_asks_the_bp_too(tmp_path: Path) -> None:
    r = _restarted_at_t39(tmp_path)
    r.at(51)
    r.restart()
    r.at(52)
    assert not r.engine.schedule.done(BP_T40)
    assert "vitals_due:" + BP_T40 in [o.condition for o in r.engine.alarms()]


def test_a_bp_measured_then_meets_it(tmp_path: Path) -> None:
    r = _restarted_at_t39(tmp_path)
    r.at(50)
    r.device(bp_systolic=128, bp_diastolic=80)
    r.at(52)
    assert r.engine.schedule.done(BP_T40)


def test_it_is_no_pre_dose_bp_nor_a_baseline(tmp_path: Path) -> None:
    """Before the dose, a BP of unknown age alone: the gate item asks for a BP, and there is
    no baseline BP."""
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    _old_nibp_at_connect(r)
    r.manual(heart_rate=70, spo2=98, resp_rate=14)
    refused = r.engine.tick_item("bp-before-dose", NURSE, r.now())
    assert not refused.done
    assert "Systolic BP" in refused.message and "Diastolic BP" in refused.message, refused
    assert "bp_systolic" not in r.engine.baseline
    r.manual(bp_systolic=126, bp_diastolic=80)
    assert r.engine.tick_item("bp-before-dose", NURSE, r.now()).done
    assert r.engine.baseline["bp_systolic"] == 126


def test_it_still_alarms_with_no_bp_of_known_time(tmp_path: Path) -> None:
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    _old_nibp_at_connect(r, systolic=205, diastolic=95)
    assert ("bp_systolic_high", "high") in [(o.condition, o.priority.label)
                                            for o in r.engine.alarms()]


def test_it_is_history_under_a_bp_of_known_time(tmp_path: Path) -> None:
    """Nothing says it is newer than the BP typed before it (a typed 205/95's alarm had ended
    by the screen's 128/80, test_bp_of_unknown_age_under_a_typed_bp)."""
    r = _restarted_at_t39(tmp_path)
    r.at(50)
    _old_nibp_at_connect(r, systolic=205, diastolic=95)
    assert "bp_systolic_high" not in [o.condition for o in r.engine.alarms()]


def test_the_schedule_counts_it_for_no_check() -> None:
    """The schedule alone: the esketamine's BP at T+40, the screen's BP given at T+39."""
    schedule = Schedule(ESKETAMINE.phases)
    schedule.start_phase(ESKETAMINE.phases[-2], at(0), at(0))
    schedule.on_reading("pulse_rate", at(39))
    for name in ("bp_systolic", "bp_diastolic"):
        assert schedule.on_reading(name, at(39), frozenset({AGE_UNKNOWN})) == ()
    assert not schedule.done(BP_T40)
    for name in ("bp_systolic", "bp_diastolic"):
        schedule.on_reading(name, at(39.5))
    assert schedule.done(BP_T40)


REPEAT = "Repeat Systolic BP"


def test_it_meets_no_repeat_when_a_bp_before_it_is_entered_in_error(tmp_path: Path) -> None:
    """The screen's 185 asks to confirm it in 5 min; a BP typed for another chair, the link
    lost; at reconnect the screen shows 130, of unknown age: history under the typed one. The
    typed BP entered in error, the 130 stands and is judged as it arrived, and counts for no
    check: counted in the rebuild after the void, it met the repeat (its prompt gone, no BP
    taken after the 185), which a restart asked again."""
    r = Run(tmp_path, "esketamine", chosen_mg=56)
    r.engine.device_state_changed("connected", r.now())
    _old_nibp_at_connect(r, systolic=185, diastolic=95)
    assert REPEAT in [d.name for d in r.engine.due(r.now())]
    r.at(1)
    r.engine.device_state_changed("disconnected", r.now(), "cable unplugged")
    for name, value in (("bp_systolic", 150), ("bp_diastolic", 85)):   # chair 4's
        assert isinstance(r.engine.enter_manual(name, value, NURSE, r.now(), True), Accepted)
    r.at(5)
    r.engine.device_state_changed("connected", r.now())
    _old_nibp_at_connect(r, systolic=130, diastolic=80)
    r.at(5.5)
    row = next(i for i, kept in r.engine._state.rows["bp_systolic"]
               if kept.reading.source == "manual")
    assert r.engine.void(row, "bp_systolic", NURSE, r.now(), "typed for chair 4").done
    live = [(d.name, round(d.due_in_s)) for d in r.engine.due(r.now())]
    assert (REPEAT, -30) in live, live
    assert "vitals_due:" + REPEAT in [o.condition for o in r.engine.alarms()]
    r.restart()
    assert [(d.name, round(d.due_in_s)) for d in r.engine.due(r.now())] == live
