"""Esketamine's dose as the record shows it given (an esketamine nurse walk): the label's two
hours count from the first device as recorded given; the dose decides which devices are needed
(an 84 mg session does not move on after two); a device beyond the dose is recorded with why,
and the dose then reads as given; and the observation's checks go on after an early move to
Discharge."""

from __future__ import annotations

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
