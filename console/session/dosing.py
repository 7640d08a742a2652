"""The dose line the nurse checks the pump against. No Qt.

The pre-session checklist says "Pump programmed at the rate shown": the rate must be on screen
from the start of the session until the dose has been given (issue: it was never shown during
the infusion). Computed from what the session was opened with (its details) and the protocol.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from console.clock import format_duration
from console.session.device_rest import device_number
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


CONCENTRATION_MAX_DECIMALS = 4
"""The concentration is shown with the fewest decimals (at least 2) that give back the dose in
the bag (concentration × volume): "7.5 mg in 100 mL (0.07 mg/mL)" was 7 mg in the bag (review
45). Doses are logged to 0.01 mg, so a 100 mL bag needs at most 4; past this, "≈"."""


def concentration_text(mg: float, volume_ml: float) -> str:
    """"0.075 mg/mL", "0.6 mg/mL", "≈0.3333 mg/mL" (a volume that does not divide the dose)."""
    exact = mg / volume_ml
    for decimals in range(2, CONCENTRATION_MAX_DECIMALS + 1):
        shown = round(exact, decimals)
        if abs(shown * volume_ml - mg) < 0.005:   # the dose's own step, 0.01 mg
            return f"{_decimal(shown, decimals)} mg/mL"
    return f"≈{_decimal(exact, CONCENTRATION_MAX_DECIMALS)} mg/mL"


def _decimal(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".") or "0"


def cap_text(protocol: Protocol, mg: float, weight_kg: float | None, *, with_sum: bool = True) -> str:
    """" (capped; 0.5 mg/kg × 130 kg = 65 mg)" when the dose by weight was capped at the
    protocol's maximum, " (capped)" when the weight is not given (a dose at the maximum) or
    `with_sum` is False, else "". The chair's line read "Dose 60 mg" under a header "0.5 mg/kg
    over 40 min", the cap unsaid: the second checker's 65 mg did not match (review 45). Short:
    the line is read whole at 14 pt on a 1366 px screen (tests/ui/test_live_dose_line_fits.py).
    """
    dose = protocol.dose
    if dose.mode is not DoseMode.WEIGHT or dose.max_mg is None or mg < dose.max_mg:
        return ""
    if weight_kg is None:
        return " (capped)"
    uncapped = dose.mg_per_kg * weight_kg
    if uncapped <= dose.max_mg:
        return ""
    if not with_sum:
        return " (capped)"
    return f" (capped; {dose.mg_per_kg:g} mg/kg × {weight_kg:g} kg = {round(uncapped, 2):g} mg)"


def infusion_stopped_at(protocol: Protocol | None, minutes: float | None) -> str | None:
    """"0:45 of 40 min": how long an infusion ran (`format_duration`) of its planned minutes,
    when it ended more than `EARLY_STOP_MINUTES` before them (less than the dose was given);
    None otherwise (run whole, a dose by devices, the minutes or the protocol unknown). The
    chair's dose line and the review say it so. Whole minutes cut read an infusion stopped 45 s
    after T0 "ended after 0 of 40 min", as if nothing ran, and one at 38:59 "38"."""
    if minutes is None or protocol is None or protocol.dose.mode is not DoseMode.WEIGHT:
        return None
    planned = protocol.dose.infusion_minutes
    if not minutes < planned - EARLY_STOP_MINUTES:   # NaN too: a review's unknown minute
        return None
    # Both in minutes, their unit is said once, at the end: "0:45 min of 40 min" cut the capped
    # line at 1366 px (tests/ui/test_live_dose_line_fits.py). Past an hour: "1:05 h of 90 min".
    ran = format_duration(minutes * 60).removesuffix(" min")
    return f"{ran} of {planned:g} min"


def dose_line(protocol: Protocol, details: Mapping[str, Any], phase_kind: PhaseKind,
              dosing_minutes: float | None = None, devices_ticked: int | None = None,
              weight_kg: float | None = None, rest_kept: bool = True) -> str:
    """"Dose 36 mg in 100 mL (0.36 mg/mL) · pump 150 mL/h over 40 min" (or the devices), with
    "given:" once the dosing is over (its last phase). An infusion ended early (a side effect,
    an override) was not all given: "Dose planned: 36 mg … · infusion ended after 12:00 of 40
    min" (`infusion_stopped_at`; it read "Dose given: 36 mg" after a stop at 12 minutes).
    Nasal devices likewise: fewer device items ticked (`devices_ticked`) than the dose needs
    reads "Dose planned: 56 mg: 2 devices … · 1 of 2 devices recorded given" (a walk moved on
    after one device and read "Dose given: 56 mg"); more reads what was given, the plan beside
    it. A dose by weight at
    the protocol's maximum says so (`cap_text`, with the sum when `weight_kg` is given)."""
    dose = protocol.dose
    mg = details.get("dose_mg")
    if not isinstance(mg, int | float):
        return ""
    given = phase_kind in (PhaseKind.OBSERVATION, PhaseKind.DISCHARGE)
    ran = infusion_stopped_at(protocol, dosing_minutes) if given else None
    stopped = ran is not None
    prefix = "Dose planned: " if stopped else "Dose given: " if given else "Dose "
    if dose.mode is DoseMode.WEIGHT:
        rate = details.get("pump_rate_ml_h") or dose.pump_rate_ml_per_h()
        # Stopped early, the line says so at its end: the cap's sum gives way (1366 px).
        capped = cap_text(protocol, float(mg), weight_kg, with_sum=not stopped)
        line = f"{prefix}{mg:g} mg{capped}"
        if dose.bag_volume_ml:
            line += (f" in {dose.bag_volume_ml:g} mL "
                     f"({concentration_text(float(mg), dose.bag_volume_ml)})")
        if rate:
            line += f" · pump {pump_rate_text(rate)} over {dose.infusion_minutes:g} min"
        if ran is not None:
            line += f" · infusion ended after {ran}"
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
    # Once given, the rest is said only where it was kept (`devices_rest_kept`): "5 min apart"
    # read over a device given 2 min after the one before, its early reason in the record.
    if dose.rest_minutes and devices > 1 and (rest_kept or not given):
        line += f", {dose.rest_minutes:g} min apart"
    if short:
        line += f" · {devices_ticked} of {devices} devices recorded given"
    return line


def devices_rest_kept(protocol: Protocol, ticked_at: Iterable[tuple[str, float]]) -> bool:
    """Whether each nasal device ticked came at least the protocol's rest after the device
    ticked before it (`ticked_at`: item id and its tick on the monotonic clock, as the engine's
    rest runs, `device_rest.Rest`); True for a dose with no rest or by infusion."""
    rest = protocol.dose.rest_minutes
    if protocol.dose.mode is not DoseMode.DEVICES or not rest:
        return True
    times = sorted(mono for item, mono in ticked_at if device_number(item) is not None)
    return all(later - earlier >= rest * 60 for earlier, later in zip(times, times[1:]))


def devices_ticked(protocol: Protocol, ticked_ids: Iterable[str]) -> int | None:
    """How many device items (`device-<n>`, as the REMS form reads them: `device_number`, not
    any id beginning "device-") of a devices dose were ticked; None for a dose by infusion."""
    if protocol.dose.mode is not DoseMode.DEVICES:
        return None
    return sum(1 for item in ticked_ids if device_number(item) is not None)
