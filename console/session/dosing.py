"""The dose line the nurse checks the pump against. No Qt.

The pre-session checklist says "Pump programmed at the rate shown": the rate must be on screen
from the start of the session until the dose has been given (issue: it was never shown during
the infusion). Computed from what the session was opened with (its details) and the protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from protocols.model import DoseMode, PhaseKind, Protocol


EARLY_STOP_MINUTES = 1.0
"""An infusion phase that ended this much before its planned minutes was stopped early."""

PUMP_RATE_DECIMALS = 1
"""The pump rate is shown to 0.1 mL/h, the step in which volumetric and syringe infusion pumps
are programmed in this range (a ketamine bag runs at about 75–300 mL/h). The nurse types the
figure shown into the pump and the second checker reads it back against the chair's dose line:
the start screen read "133.33 mL/h", the chair and the review "133.333 mL/h" for the one setting
(review 41). A tenth of a mL/h is under 0.1 % of such a rate: no dose difference a pump makes."""


def pump_rate_text(rate_ml_h: float) -> str:
    """"133.3 mL/h", "150 mL/h": the pump rate as every screen shows it (`PUMP_RATE_DECIMALS`,
    a trailing ".0" dropped)."""
    text = f"{rate_ml_h:.{PUMP_RATE_DECIMALS}f}".rstrip("0").rstrip(".")
    return f"{text or '0'} mL/h"


def dose_line(protocol: Protocol, details: Mapping[str, Any], phase_kind: PhaseKind,
              dosing_minutes: float | None = None, devices_ticked: int | None = None) -> str:
    """"Dose 36 mg in 100 mL (0.36 mg/mL) · pump 150 mL/h over 40 min" (or the devices), with
    "given:" once the dosing phase is over. An infusion whose phase ended early (a side effect,
    an override) was not all given: "Dose planned: 36 mg … · infusion ended after 12 of 40 min"
    (it read "Dose given: 36 mg" after a stop at 12 minutes). Nasal devices likewise: fewer
    device items ticked (`devices_ticked`) than the dose needs reads "Dose planned: 56 mg: 2
    devices … · 1 of 2 devices recorded given" (a walk moved on after one device and read
    "Dose given: 56 mg"); more reads what was given, the plan beside it."""
    dose = protocol.dose
    mg = details.get("dose_mg")
    if not isinstance(mg, int | float):
        return ""
    given = phase_kind in (PhaseKind.OBSERVATION, PhaseKind.DISCHARGE)
    stopped = (given and dose.mode is DoseMode.WEIGHT and dosing_minutes is not None
               and dosing_minutes < dose.infusion_minutes - EARLY_STOP_MINUTES)
    prefix = "Dose planned: " if stopped else "Dose given: " if given else "Dose "
    if dose.mode is DoseMode.WEIGHT:
        rate = details.get("pump_rate_ml_h") or dose.pump_rate_ml_per_h()
        line = f"{prefix}{mg:g} mg"
        if dose.bag_volume_ml:
            line += f" in {dose.bag_volume_ml:g} mL ({mg / dose.bag_volume_ml:.2f} mg/mL)"
        if rate:
            line += f" · pump {pump_rate_text(rate)} over {dose.infusion_minutes:g} min"
        if stopped and dosing_minutes is not None:
            line += (f" · infusion ended after {int(dosing_minutes)} of "
                     f"{dose.infusion_minutes:g} min")
        return line
    devices = dose.device_count(float(mg))
    if devices_ticked is not None and devices_ticked > devices:
        # A device beyond the dose was recorded given (with its reason): the dose given is
        # what was recorded, the plan beside it (it read "Dose given: 56 mg" over 3 devices).
        return (f"Dose given: {devices_ticked * dose.mg_per_device:g} mg: {devices_ticked} "
                f"devices of {dose.mg_per_device:g} mg · planned {mg:g} mg ({devices} "
                f"device{'s' if devices != 1 else ''})")
    short = given and devices_ticked is not None and devices_ticked < devices
    if short:
        prefix = "Dose planned: "
    line = f"{prefix}{mg:g} mg: {devices} device{'s' if devices != 1 else ''} of {dose.mg_per_device:g} mg"
    if dose.rest_minutes and devices > 1:
        line += f", {dose.rest_minutes:g} min apart"
    if short:
        line += f" · {devices_ticked} of {devices} devices recorded given"
    return line


def devices_ticked(protocol: Protocol, ticked_ids: Iterable[str]) -> int | None:
    """How many device items (`device-<n>`, as the REMS form reads them) of a devices dose were
    ticked; None for a dose by infusion."""
    if protocol.dose.mode is not DoseMode.DEVICES:
        return None
    return sum(1 for item in ticked_ids if item.startswith("device-"))
