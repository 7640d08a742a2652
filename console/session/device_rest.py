"""The rest between nasal devices. No Qt.

The Spravato label asks a 5-minute rest after each 28 mg device (clinical-defaults.md,
"Esketamine dosing"; the protocol's `rest_minutes`). A nurse walk on X ticked device 2 three
seconds after device 1 without a word. Now the next device's row counts the rest down, and a
device ticked before the rest after the device ticked last has run is refused unless the nurse
gives the reason: a device given early was given, and the record says so, with why (a refusal
alone would leave the record wrong, or push the nurse to tick it later at a false time).
Device items are `device-<n>`, as the REMS form reads them (`dosing.devices_ticked`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from console.clock import Moment
from protocols.model import DoseMode, Protocol

DEVICE_PREFIX = "device-"


@dataclass(frozen=True, slots=True)
class Rest:
    """The rest a device waits for: `minutes` after the device ticked last (`after`).

    Timed by the monotonic clock, as every other timer of the session: by wall times, NTP
    stepping the clock back an hour after device 1 asked a reason for device 2 for 65 minutes,
    and a step forward let it through at once (the clock's review). The times the nurse reads
    are on the wall clock as it reads now."""

    after: str            # the item id of the device ticked last, e.g. "device-1"
    given: Moment         # when it was ticked
    minutes: float

    def left_s(self, now: Moment) -> float:
        """Seconds of rest still to run at `now` (0 once it has run)."""
        return max(0.0, self.given.mono + self.minutes * 60 - now.mono)

    def since_s(self, now: Moment) -> float:
        """Seconds since the device it waits after was ticked."""
        return max(0.0, now.mono - self.given.mono)

    def ends_at(self, now: Moment) -> datetime:
        """When the rest ends, on the wall clock as it reads at `now`."""
        return now.wall + timedelta(seconds=self.given.mono + self.minutes * 60 - now.mono)

    def given_at(self, now: Moment) -> datetime:
        """When the device was ticked, on the wall clock as it reads at `now`."""
        return now.wall - timedelta(seconds=now.mono - self.given.mono)


def device_name(item_id: str) -> str:
    """"device 2" for `device-2`."""
    return item_id.replace("-", " ", 1)


def rest_before(protocol: Protocol, details: Mapping[str, Any],
                ticked_at: Mapping[str, Moment], item_id: str,
                beyond_dose_too: bool = False) -> Rest | None:
    """The rest device `item_id` waits for, from the session's details (its dose) and the
    phase's ticks (item id → when ticked).

    None when the item is no device, is ticked already, the dose has no rest, or no device was
    ticked yet; and, for the row's countdown, when it is beyond the dose (device 3 of 56 mg: a
    countdown there would invite a device the dose does not need). The tick passes
    `beyond_dose_too`: the label's rest follows each device given, one beyond the dose too (the
    prescriber raised 56 mg to 84 mg, and device 3 ticked a minute after device 2 was recorded
    with no rest asked, review 45). The rest counts from the device ticked last, whichever it is.
    """
    dose = protocol.dose
    if (dose.mode is not DoseMode.DEVICES or not dose.rest_minutes
            or device_number(item_id) is None or item_id in ticked_at):
        return None
    if not beyond_dose_too and beyond_dose(protocol, details, item_id) is not None:
        return None
    given = [(at.mono, item) for item, at in ticked_at.items() if device_number(item) is not None]
    if not given:
        return None
    _, item = max(given)
    return Rest(item, ticked_at[item], dose.rest_minutes)


def dose_devices(protocol: Protocol, details: Mapping[str, Any]) -> int | None:
    """How many devices the session's dose is (56 mg: 2, 84 mg: 3); None for a dose by infusion
    or a session opened without a dose."""
    mg = details.get("dose_mg")
    if protocol.dose.mode is not DoseMode.DEVICES or not isinstance(mg, int | float):
        return None
    return protocol.dose.device_count(float(mg))


def device_number(item_id: str) -> int | None:
    """2 for `device-2`; None for an item that is no device. The one rule of what a nasal device
    is, wherever the console counts them: an item `device-<n>` (n from 1, as the loader takes
    them: protocols/loader.py DEVICE_ITEM). By the prefix alone, a clinic's pre-dose
    "device-instructions" was counted as a device given: the label's 2 hours from its tick, 56 mg
    read 84 (a review of the protocols; such an id is refused in a new file, but an older log's
    text may hold one)."""
    number = item_id.removeprefix(DEVICE_PREFIX)
    if not item_id.startswith(DEVICE_PREFIX) or not number.isdigit() or number.startswith("0"):
        return None
    return int(number)


def beyond_dose(protocol: Protocol, details: Mapping[str, Any], item_id: str) -> int | None:
    """The dose's device count when `item_id` is a device beyond it (device 3 of 56 mg), else
    None. Such a device, ticked, was given: the tick asks why, and the dose reads as given
    (a third device ticked on a 56 mg session was taken without a word, and the dose line,
    the PDF and the REMS form said 56 mg: an esketamine walk)."""
    devices, number = dose_devices(protocol, details), device_number(item_id)
    return devices if devices is not None and number is not None and number > devices else None


def devices_open(protocol: Protocol, details: Mapping[str, Any],
                 ticked: Iterable[str]) -> list[str]:
    """The device items the dose needs and nobody ticked, in order: an 84 mg session moved on
    after two devices with no question (device 3 is optional in the protocol file, as 56 mg
    does not need it; the dose decides)."""
    done = set(ticked)
    return [f"{DEVICE_PREFIX}{k}" for k in range(1, (dose_devices(protocol, details) or 0) + 1)
            if f"{DEVICE_PREFIX}{k}" not in done]


def lower_open(item_id: str, items: Collection[str], ticked: Iterable[str]) -> list[str]:
    """The device items of the phase (`items`) numbered before device `item_id` and not ticked,
    in order: the device given now is the first of them, whatever row was ticked."""
    number, done = device_number(item_id), set(ticked)
    return [f"{DEVICE_PREFIX}{k}" for k in range(1, number or 0)
            if f"{DEVICE_PREFIX}{k}" in items and f"{DEVICE_PREFIX}{k}" not in done]


def beyond_question(devices: int, item_id: str, mg: float) -> str:
    """What the nurse reads when she ticks a device beyond the session's dose."""
    return (f"{device_name(item_id).capitalize()} is beyond this session's dose: {mg:g} mg is "
            f"{devices} device{'s' if devices != 1 else ''}. If it was given, give the reason "
            "to record it (the dose then reads as given, with the planned dose beside it)")


def beyond_text(detail: Mapping[str, object]) -> str:
    """" — beyond the 56 mg dose of 2 devices: <reason>" for a tick's `beyond_dose` detail; ''
    without one."""
    if not isinstance(detail, Mapping) or not detail:
        return ""
    mg, devices = detail.get("dose_mg"), detail.get("devices")
    return (f" — beyond the {mg:g} mg dose of {devices} devices: {detail.get('reason')}"
            if isinstance(mg, int | float) else f" — beyond the dose: {detail.get('reason')}")


def _clock(seconds: float) -> str:
    return _minutes(int(seconds + 0.999))   # 0.2 s left reads 0:01, never 0:00 while it runs


def _elapsed(seconds: float) -> str:
    """Time since, in whole seconds rounded down: a device 4:59.4 after the one before is
    "4:59", never "5:00" beside "wait for the 5-min rest" (an esketamine review; the time left,
    `_clock`, rounds up for the same reason)."""
    return _minutes(int(seconds))


def _minutes(whole: int) -> str:
    return f"{whole // 60}:{whole % 60:02d}"


def countdown(rest: Rest, now: Moment) -> str:
    """The row's lead while the rest runs: "Rest 3:12 more (until 10:47:05) · "; '' once over.
    The end to the second: "until 13:49" read as over at 13:49:07, and the device was refused
    until 13:49:49 (a walk on X)."""
    left = rest.left_s(now)
    if left <= 0:
        return ""
    return f"Rest {_clock(left)} more (until {rest.ends_at(now).astimezone():%H:%M:%S}) · "


def early_question(rest: Rest, item_id: str, now: Moment) -> str:
    """What the nurse reads when she ticks a device before its rest has run."""
    return (f"{device_name(item_id).capitalize()} now would be {_elapsed(rest.since_s(now))} min "
            f"after {device_name(rest.after)} (ticked {rest.given_at(now).astimezone():%H:%M}): "
            f"the label asks a {rest.minutes:g}-minute rest after each device, until "
            f"{rest.ends_at(now).astimezone():%H:%M:%S}. Wait for the rest; if the device was "
            "given now, give the reason to record it")


def early_detail(rest: Rest, now: Moment, reason: str) -> dict[str, object]:
    """What the log keeps with a device ticked before its rest had run: the time since the
    device before in whole seconds, rounded down (in tenths of a minute, 4:58 was kept as 5.0
    and read "given 5 min after device 1, before the 5-min rest ended": an esketamine review)."""
    return {"after": rest.after, "seconds_after": int(rest.since_s(now)),
            "rest_minutes": rest.minutes, "reason": reason}


def early_text(detail: Mapping[str, object]) -> str:
    """" — given 2:12 min after device 1, before the 5-min rest ended: <reason>" for a tick's
    `early` detail; '' without one (the review, the journal and the events file say it). A
    log written before the seconds were kept has tenths of a minute (`minutes_after`): said as
    they are, save one rounded up to the rest itself ("under 5 min")."""
    if not isinstance(detail, Mapping) or not detail:
        return ""
    def number(key: str) -> str:
        value = detail.get(key)
        return f"{value:g}" if isinstance(value, int | float) else str(value)

    seconds, minutes, rest = (detail.get(key) for key in
                              ("seconds_after", "minutes_after", "rest_minutes"))
    if isinstance(seconds, int | float):
        after = _elapsed(seconds)
        if isinstance(rest, int | float) and seconds >= rest * 60:
            # Asked before the rest ended, its reason given after (the rest ran out while she
            # typed it): "given 5:10 min after device 1, before the 5-min rest ended" is false.
            return (f" — ticked before the {rest:g}-min rest ended, recorded {after} min after "
                    f"{device_name(str(detail.get('after', '')))}: {detail.get('reason')}")
    elif (isinstance(minutes, int | float) and isinstance(rest, int | float)
          and minutes >= rest):
        after = f"under {rest:g}"
    else:
        after = number("minutes_after")
    return (f" — given {after} min after "
            f"{device_name(str(detail.get('after', '')))}, before the "
            f"{number('rest_minutes')}-min rest ended: {detail.get('reason')}")
