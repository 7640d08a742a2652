"""Esketamine's dose as the record shows it given (an esketamine nurse walk): the label's two
hours count from the first device as recorded given; the dose decides which devices are needed
(an 84 mg session does not move on after two); a device beyond the dose is recorded with why,
and the dose then reads as given; and the observation's checks go on after an early move to
Discharge."""

from __future__ import annotations

import pytest

from console.session.dosing import devices_ticked, dose_line
from console.session.engine import EXTRA_DEVICE
from console.session.journal import describe
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import PhaseKind
from tests.session.helpers import Session
from tests.session.test_resume import resume

MIN = 60
ESKETAMINE = load_protocol(builtin_protocols_dir() / "esketamine.toml")
DEVICE_3 = "Device 3 (84 mg only, after a 5-minute rest): time given and lot number recorded"


def in_devices(mg: float) -> tuple[Session, float]:
    """An esketamine session of `mg` just moved into its devices phase (T0); (session, T0)."""
    s = Session(ESKETAMINE)
    s.engine.details["dose_mg"] = mg   # as opened with that dose
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    return s, s.now().mono - s.origin


def give(s: Session, at_s: float, *devices: int) -> None:
    for k, device in enumerate(devices):
        s.t(at_s + k * 5 * MIN)
        assert s.engine.tick_item(f"device-{device}", "nurse.ana", s.now(), note="LOT-1").done


def test_the_two_hours_count_from_the_first_device_recorded_after_t0():
    s, t0 = in_devices(56)
    give(s, t0 + 10 * MIN, 1, 2)   # device 1 ten minutes after the phase started
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    s.t(t0 + 121 * MIN)
    # 121 min after T0 is 111 min after the first device.
    assert s.engine.phase_blockers(s.now())[0] == (
        "Observation (at least 2 h from the first device) must last 9:00 min more")
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    assert ("Observation must reach 120 min after the first dose: 9:00 min left"
            in s.engine.discharge_blockers(s.now()))
    # A restart keeps it: the ticks are in the log.
    engine = resume(s, 60, protocol=ESKETAMINE)
    assert engine.discharge_wait_s(s.now()) == 8 * MIN
    s.t(t0 + 130 * MIN)
    assert engine.discharge_wait_s(s.now()) is None


def test_an_84_mg_session_does_not_move_on_after_two_devices():
    s, t0 = in_devices(84)
    give(s, t0, 1, 2)
    assert s.engine.advance_phase("nurse.ana", s.now()).reasons == (
        f"Required item open: {DEVICE_3}",)
    give(s, t0 + 10 * MIN, 3)
    assert s.engine.advance_phase("nurse.ana", s.now()).done


def test_a_56_mg_session_moves_on_after_two_devices():
    s, t0 = in_devices(56)
    give(s, t0, 1, 2)
    assert s.engine.advance_phase("nurse.ana", s.now()).done


def test_a_device_beyond_the_dose_asks_why_and_the_dose_then_reads_as_given():
    s, t0 = in_devices(56)
    give(s, t0, 1, 2)
    s.t(t0 + 10 * MIN)
    refused = s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-1")
    assert not refused.done and refused.asks == EXTRA_DEVICE
    assert refused.message == (
        "Device 3 is beyond this session's dose: 56 mg is 2 devices. If it was given, give the "
        "reason to record it (the dose then reads as given, with the planned dose beside it).")
    assert "device-3" not in s.engine.ticks()
    assert s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-1",
                              extra_reason="prescriber changed the dose to 84 mg").done
    ticked = s.recorder.events("checklist_ticked")[-1]
    assert ticked.detail["beyond_dose"] == {"dose_mg": 56, "devices": 2,
                                            "reason": "prescriber changed the dose to 84 mg"}
    assert (" — beyond the 56 mg dose of 2 devices: prescriber changed the dose to 84 mg"
            in describe(ticked))
    given = devices_ticked(ESKETAMINE, s.engine.ticks())
    assert dose_line(ESKETAMINE, s.engine.details, PhaseKind.DOSING, devices_ticked=given) == (
        "Dose given: 84 mg: 3 devices of 28 mg · planned 56 mg (2 devices)")


def test_device_3_ticked_while_device_2_is_open_points_to_device_2():
    # Device 3 ticked for the second device of 56 mg (an X walk): it is device 2's row.
    s, t0 = in_devices(56)
    give(s, t0, 1)
    s.t(t0 + 6 * MIN)
    refused = s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-1",
                                 extra_reason="given")
    assert not refused.done and not refused.asks
    assert refused.message == ("Device 3 is beyond this session's dose (56 mg is 2 devices) "
                               "while device 2 is open: tick device 2 for the device given now.")
    assert "device-3" not in s.engine.ticks()


def test_moving_to_discharge_early_keeps_the_observations_checks():
    s, t0 = in_devices(56)
    give(s, t0, 1, 2)
    assert s.engine.advance_phase("nurse.ana", s.now()).done   # observation
    s.t(t0 + 30 * MIN)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    assert s.engine.phase.kind is PhaseKind.DISCHARGE
    names = {d.name for d in s.engine.due(s.now())}
    assert {"Sedation and breathing", "Dissociation"} <= names
    # Their prompts still come: nothing recorded for 45 minutes.
    s.t(t0 + 75 * MIN)
    assert {"vitals_due:Sedation and breathing", "vitals_due:Dissociation"} <= {
        condition for condition, _, _ in s.shown()}


def test_the_review_says_a_device_beyond_the_dose_with_its_reason():
    from console.review.model import describe_event

    s, t0 = in_devices(56)
    give(s, t0, 1, 2)
    s.t(t0 + 10 * MIN)
    assert s.engine.tick_item("device-3", "nurse.ana", s.now(), note="LOT-1",
                              extra_reason="dose changed").done
    ticked = s.recorder.events("checklist_ticked")[-1]
    assert describe_event("checklist_ticked", ticked.detail).endswith(
        "(LOT-1) — beyond the 56 mg dose of 2 devices: dose changed")


def test_the_checks_timed_after_the_dose_count_from_the_first_device_and_after_a_restart():
    # "BP at T+40" is the label's BP about 40 min after the dose (the REMS form's): with device 1
    # ten minutes into the phase it was due 30 min after the dose, and a BP then met it.
    s, t0 = in_devices(56)
    give(s, t0 + 10 * MIN, 1, 2)
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    first_device = t0 + 10 * MIN
    due = {d.name: d.due_at.mono - s.origin for d in s.engine.due(s.now())}
    assert due["BP at T+40"] == first_device + 40 * MIN
    assert due["Pre-discharge BP at T+115"] == first_device + 115 * MIN
    s.t(t0 + 40 * MIN)
    s.bp(150, 92); s.manual("heart_rate", 80)   # 30 min after the dose: not that BP
    assert not s.engine.schedule.done("BP at T+40")
    s.engine = resume(s, 0, protocol=ESKETAMINE)
    due = {d.name: d.due_at.mono - s.origin for d in s.engine.due(s.now())}
    assert due["BP at T+40"] == first_device + 40 * MIN


def test_a_wall_clock_stepped_back_before_device_1_does_not_shorten_the_two_hours():
    # The first device was found by the tick's wall time: the station clock stepped back 10 min
    # (NTP, a corrected RTC) before device 1, given at T0 + 10, made it read as given at T0, and
    # the patient could leave at T0 + 120, 110 min after it (review 40). The monotonic clock,
    # which every other timer uses, decides.
    from datetime import timedelta

    from console.clock import Moment

    s, t0 = in_devices(56)
    s.t(t0 + 10 * MIN)
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall - timedelta(minutes=10))   # the wall clock only
    give(s, t0 + 10 * MIN, 1, 2)
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    due = {d.name: d.due_at.mono - s.origin for d in s.engine.due(s.now())}
    assert due["BP at T+40"] == t0 + 50 * MIN
    s.t(t0 + 120 * MIN)
    assert s.engine.discharge_wait_s(s.now()) == 10 * MIN
    assert ("Observation must reach 120 min after the first dose: 10:00 min left"
            in s.engine.discharge_blockers(s.now()))
    s.t(t0 + 130 * MIN)
    assert s.engine.discharge_wait_s(s.now()) is None


def _observing_30_min() -> tuple[Session, float]:
    """56 mg, devices 1 and 2 at T0, in Observation with a BP at T0 + 30 min: (session, T0)."""
    s, t0 = in_devices(56)
    give(s, t0, 1, 2)
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    s.t(t0 + 30 * MIN)
    s.bp(120, 80)
    return s, t0


@pytest.mark.parametrize("step_min", [60, -10])
def test_a_wall_clock_step_during_the_session_is_undone_at_a_restart(step_min: int) -> None:
    # A restart rebuilds its timers from the logged wall times: NTP stepping the clock an hour
    # forward at T0 + 30 and a restart at T0 + 32 showed 28 min of the 2 hours left, not 88
    # (review 40). The running engine logs the step; the restart moves what was logged before
    # it onto the clock as it reads now.
    from datetime import timedelta

    from console.clock import Moment

    s, t0 = _observing_30_min()
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(minutes=step_min))   # the wall clock only
    assert s.engine.discharge_wait_s(s.now()) == 90 * MIN   # live: by the monotonic clock
    s.t(t0 + 31 * MIN)
    s.bp(121, 80)
    stepped = s.recorder.events("clock_stepped")
    assert [e.detail["step_s"] for e in stepped] == [step_min * 60]
    assert stepped[0].detail["message"].startswith(
        f"Station clock set {'forward 60' if step_min > 0 else 'back 10'} min (from ")
    # The event list says it in words (it would read "clock_stepped: {...}").
    assert describe(stepped[0]) == stepped[0].detail["message"]
    engine = resume(s, 60, protocol=ESKETAMINE)   # the console crashes and restarts a minute later
    assert engine.discharge_wait_s(s.now()) == 88 * MIN
    due = {d.name: round(d.due_in_s) for d in engine.due(s.now())}
    assert due["Pre-discharge BP at T+115"] == 83 * MIN
    assert not s.recorder.events("clock_stepped")[1:]   # the restart itself is no step


@pytest.mark.parametrize("wrong_by_h", [-1, 1])   # the clock an hour slow (CLOCK_BEHIND), or fast
def test_a_step_that_puts_right_the_clock_a_restart_found_wrong_moves_only_its_own_run(
        wrong_by_h: int) -> None:
    # The common case of a clock without a battery: a restart with the clock an hour wrong, NTP
    # puts it right (a step, logged), a second restart. The step had moved the times logged
    # before the first restart too, right on their own run's clock: 90 min left, or 26 (an
    # hour early), not 86 (a review of session 40's change). A step after a restart that
    # found the clock where the log left it moves the earlier run too
    # (tests/session/test_clock_step_readings.py).
    from datetime import timedelta

    from console.clock import Moment

    s, t0 = _observing_30_min()
    engine = resume(s, 60, clock_behind_s=-3600 * wrong_by_h, protocol=ESKETAMINE)
    engine.tick(s.clock.advance(60))
    now = s.clock.now()   # NTP: the wall clock only
    s.clock._now = Moment(now.mono + 1, now.wall - timedelta(hours=wrong_by_h, seconds=-1))
    engine.enter_manual("heart_rate", 72, "nurse.ana", s.clock.now())
    assert [e.detail["step_s"] for e in s.recorder.events("clock_stepped")] == [
        -3600.0 * wrong_by_h]
    engine = resume(s, 120, protocol=ESKETAMINE)   # restarted again, its clock right
    assert round(engine.discharge_wait_s(s.now()) / 60) == 86   # T0 + 34 min, as live
    assert not [o for o in engine.alarms() if o.condition == "clock_behind"]


def test_a_reading_stamped_just_before_the_step_was_logged_moves_no_timer() -> None:
    # After NTP's step the first action is usually a monitor reading, stamped by the reader a
    # moment before the engine logs the step: taken as before the step, it was moved an hour
    # ahead at a restart, and every timer with it (30 min left, not 89; a review of session
    # 40's change). Readings keep their logged times; only events are moved.
    from datetime import timedelta

    from console.clock import Moment
    from devices.reading import Reading
    from protocols.vitals import metric

    s, t0 = _observing_30_min()
    now = s.clock.now()
    s.clock._now = now = Moment(now.mono + 1, now.wall + timedelta(hours=1, seconds=1))  # NTP
    stamped = now.wall - timedelta(seconds=0.2)
    s.engine.ingest(Reading("heart_rate", 72, metric("heart_rate").unit, stamped, stamped,
                            "hl7:SIM"), now)
    assert [e.detail["step_s"] for e in s.recorder.events("clock_stepped")] == [3600.0]
    engine = resume(s, 60, protocol=ESKETAMINE)
    assert round(engine.discharge_wait_s(s.now()) / 60) == 89   # 31 min since device 1
    assert not [o for o in engine.alarms() if o.condition == "clock_behind"]
