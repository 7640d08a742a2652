"""The dose line the nurse checks the pump against. No Qt.

The pre-session checklist says "Pump programmed at the rate shown": the rate must be on screen
from the start of the session until the dose has been given (issue: it was never shown during
the infusion). Computed from what the session was opened with (its details) and the protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocols.model import DoseMode, PhaseKind, Protocol


def dose_line(protocol: Protocol, details: Mapping[str, Any], phase_kind: PhaseKind) -> str:
    """"Dose 36 mg in 100 mL (0.36 mg/mL) · pump 150 mL/h over 40 min" (or the devices), with
    "given:" once the dosing phase is over."""
    dose = protocol.dose
    mg = details.get("dose_mg")
    if not isinstance(mg, int | float):
        return ""
    given = phase_kind in (PhaseKind.OBSERVATION, PhaseKind.DISCHARGE)
    prefix = "Dose given: " if given else "Dose "
    if dose.mode is DoseMode.WEIGHT:
        rate = details.get("pump_rate_ml_h") or dose.pump_rate_ml_per_h()
        line = f"{prefix}{mg:g} mg"
        if dose.bag_volume_ml:
            line += f" in {dose.bag_volume_ml:g} mL ({mg / dose.bag_volume_ml:.2f} mg/mL)"
        if rate:
            line += f" · pump {rate:g} mL/h over {dose.infusion_minutes:g} min"
        return line
    devices = dose.device_count(float(mg))
    line = f"{prefix}{mg:g} mg: {devices} device{'s' if devices != 1 else ''} of {dose.mg_per_device:g} mg"
    if dose.rest_minutes and devices > 1:
        line += f", {dose.rest_minutes:g} min apart"
    return line
