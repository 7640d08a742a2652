"""Nasal devices: the checks timed after T0 ("BP at T+40") count from the first dose, device 1's
tick. Timed from T0 while no device was ticked, the T+40 BP was asked before any drug was given,
and met by a BP taken then (review 46). They now wait for device 1: no prompt and no reading
counts for them before it, and its tick times them from the dose. An infusion's T0 is its dose:
asked from T0 as ever. A nurse who leaves the devices' screen with no device ticked is asked
them from T0 (the safe side)."""

from __future__ import annotations

from datetime import datetime, timezone

from console.clock import Moment
from console.session.schedule import Schedule
from tests.session.test_esketamine_dose import ESKETAMINE

START = Moment(1000.0, datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
T0 = 10                                   # minutes: the devices' phase starts
PROMPT = "vitals_due:BP at T+40"
PRE, DEVICES, OBSERVATION = (ESKETAMINE.phases[k] for k in range(3))


def at(minutes: float) -> Moment:
    return START.plus(minutes * 60)


def _on_the_devices_screen(by_device: bool = True) -> Schedule:
    schedule = Schedule(ESKETAMINE.phases, dosed_by_device=by_device)
    schedule.start_phase(PRE, at(0), None)
    schedule.start_phase(DEVICES, at(T0), at(T0))
    return schedule


def _bp(schedule: Schedule, minutes: float) -> None:
    for name in ("bp_systolic", "bp_diastolic", "heart_rate"):
        schedule.on_reading(name, at(minutes))


def _t40(schedule: Schedule, minutes: float) -> tuple[float, bool]:
    """The T+40 BP as the header reads it at `minutes`: (minutes until due, overdue)."""
    [check] = [d for d in schedule.upcoming(at(minutes)) if d.name == "BP at T+40"]
    return check.due_in_s / 60, check.overdue


def test_no_t40_prompt_before_device_1() -> None:
    schedule = _on_the_devices_screen()
    assert PROMPT not in schedule.prompts(at(T0 + 41))
    assert PROMPT not in schedule.prompts(at(T0 + 50))      # not medium either
    assert _t40(schedule, T0 + 50) == (40, False)             # 40 min after a device given now


def test_a_bp_before_device_1_does_not_meet_it() -> None:
    schedule = _on_the_devices_screen()
    _bp(schedule, T0 + 39)
    assert not schedule.done("BP at T+40")
    schedule.first_dose_given(at(T0 + 45), at(T0 + 45))
    assert _t40(schedule, T0 + 45) == (40, False)
    assert PROMPT not in schedule.prompts(at(T0 + 84))
    assert schedule.prompts(at(T0 + 85))[PROMPT] is not None
    _bp(schedule, T0 + 86)
    assert schedule.done("BP at T+40")


def test_a_copy_waits_too() -> None:
    twin = _on_the_devices_screen().clone()
    assert PROMPT not in twin.prompts(at(T0 + 41))
    twin.first_dose_given(at(T0 + 5), at(T0 + 5))
    assert twin.prompts(at(T0 + 45))[PROMPT] is not None


def test_an_infusion_is_asked_from_t0() -> None:
    schedule = _on_the_devices_screen(by_device=False)
    assert schedule.prompts(at(T0 + 40))[PROMPT] is not None


def test_a_later_phase_with_no_device_ticked_asks_it_from_t0() -> None:
    schedule = _on_the_devices_screen()
    schedule.start_phase(OBSERVATION, at(T0 + 50), at(T0))    # moved on with a reason
    held = schedule.prompts(at(T0 + 50))[PROMPT]
    assert held is not None and held.message.startswith("Vitals overdue by 10 min: BP at T+40")
