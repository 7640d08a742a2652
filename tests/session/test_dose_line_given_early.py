"""Esketamine, device 2 given 2 minutes after device 1, the reason it was given before the rest
ended recorded with its tick: the bedside dose line then read "Dose given: 56 mg: 2 devices of
28 mg, 5 min apart", a statement of what was given that the record contradicts (an esketamine
walk through the window). Once given, the line no longer says the rest was kept when a device
came before it ended (`devices_rest_kept`, from the devices' ticks as the live window passes
them)."""

from __future__ import annotations

from console.session.dosing import devices_rest_kept, devices_ticked, dose_line
from tests.session.helpers import Session
from tests.session.test_esketamine_dose import ESKETAMINE, MIN, in_devices


def _line(s: Session) -> str:
    """The dose line as the live window writes it."""
    engine = s.engine
    ticks = [(item, t.mono) for item, t in engine.ticks("dosing").items()]
    return dose_line(engine.protocol, engine.details, engine.phase.kind, engine.dosing_minutes,
                     devices_ticked(engine.protocol, [item for item, _ in ticks]),
                     rest_kept=devices_rest_kept(engine.protocol, ticks))


def _devices(device_2_after_min: float, reason: str = "") -> Session:
    s, t0 = in_devices(56)
    s.t(t0 + MIN)
    assert s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-1").done
    s.t(t0 + (1 + device_2_after_min) * MIN)
    assert s.engine.tick_item("device-2", "nurse.ana", s.now(), note="LOT-1",
                              early_reason=reason).done
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    assert s.engine.phase.id == "observation"
    return s


def test_the_dose_line_does_not_say_5_min_apart_over_a_device_given_early() -> None:
    s = _devices(2, "patient ready, prescriber present")
    assert _line(s) == "Dose given: 56 mg: 2 devices of 28 mg"


def test_devices_given_after_the_rest_still_read_5_min_apart() -> None:
    s = _devices(5)
    assert _line(s) == "Dose given: 56 mg: 2 devices of 28 mg, 5 min apart"
