"""In the Discharge phase the
chair's dose line (live_window.py:284, shown until the patient leaves) must still say what was
given: an infusion stopped at 12 min reads "Dose planned ... infusion ended after 12:00 of 40
min", one device of a 56 mg dose "1 of 2 devices recorded given". With Discharge left out of
`given`, every test passed while the line in Discharge read "Dose 35 mg ... pump 150 mL/h over 40
min", as if still to be given in full."""

from __future__ import annotations

from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import PhaseKind

from console.session.dosing import dose_line


def test_an_infusion_stopped_early_still_says_so_in_discharge() -> None:
    iv = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    details = {"dose_mg": 35.0, "pump_rate_ml_h": 150.0}
    assert dose_line(iv, details, PhaseKind.DISCHARGE, 12.0) == (
        "Dose planned: 35 mg in 100 mL (0.35 mg/mL) · pump 150 mL/h over 40 min · "
        "infusion ended after 12:00 of 40 min")
    assert dose_line(iv, details, PhaseKind.DISCHARGE, 40.0).startswith("Dose given: 35 mg")


def test_fewer_devices_than_the_dose_still_read_planned_in_discharge() -> None:
    esk = load_protocol(builtin_protocols_dir() / "esketamine.toml")
    assert dose_line(esk, {"dose_mg": 56.0}, PhaseKind.DISCHARGE, devices_ticked=1) == (
        "Dose planned: 56 mg: 2 devices of 28 mg, 5 min apart · 1 of 2 devices recorded given")
