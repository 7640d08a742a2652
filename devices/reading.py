"""What every device decoder and the manual entry produce: one value of one metric."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Final

from protocols.vitals import BP_METRICS

MANUAL = "manual"

AGE_UNKNOWN: Final = "AGE_UNKNOWN"
"""The flag a decoder sets on a value the device sent without a time that may be much older than
its arrival: an ANSAR-B NIBP already on the monitor when the console connected (the format has no
measurement time; the last cuff result stays on the screen, minutes or hours old, perhaps the
previous patient's). devices.md: an NIBP is never presented as "now"; the tile shows it stale
with its time unknown (console/session/tile_view.py). Every decoder (ANSAR-B, HL7 with an unusable
OBX-14, IntelliVue with an unusable time stamp) gives such a reading no measured_at: None."""

NIBP_PULSE: Final = "NIBP"
"""The flag a decoder sets on the pulse rate an NIBP cuff measured with its pressures (HL7 149546
MDC_PULS_RATE_NON_INV, IntelliVue 0xF0E5, the ANSAR-B NIBP record's f4). It is part of that cuff
measurement: sent again in every message with the cuff's time, like the pressures, and kept once
per measurement by the same rule (devices.stream.UnplacedNibp, console/session/engine.py
`_nibp_key`). It names the pulse's source in the record too ("Pulse rate 78 ... [NIBP]").
Before, each message's repeat was a new pulse reading, every second, alternating with the
oximeter's pulse."""

DEMO_OR_TEST: Final = frozenset({"DEMO", "TEST"})
"""The flags of a monitor's demonstration or test values: never the patient's."""

OTHER_CHANNEL: Final = "OTHER_CHANNEL"
"""The flag the console (not a decoder) sets on a value of a vital its monitor sent on two
channels of one message (two SpO2 probes; capnography's RR beside the impedance RR) other than the
one judged, the worse by the alarm rules (console/session/channels.py). Logged and exported as
sent; no tile, trend, review table or alarm takes it: a normal channel never ends the alarm of
the other."""


def not_patient_flags(demo: bool) -> frozenset[str]:
    """The flags that keep a reading off the patient's values (the live trend, the review's
    vitals table and course, the report, FHIR): an unknown age always (no time to place it at,
    perhaps the previous patient's), DEMO and TEST unless the session is itself a demo."""
    return frozenset({AGE_UNKNOWN}) if demo else frozenset({AGE_UNKNOWN, *DEMO_OR_TEST})


def is_patient_value(flags: Iterable[str], demo: bool) -> bool:
    """A reading with these flags counts as the patient's value (`not_patient_flags`)."""
    return not not_patient_flags(demo).intersection(flags)


STATION_ZONE: tzinfo | None = None
"""The zone a device time sent without one is read in: None is the station computer's own zone
(its TZ), the zone the bedside monitor's clock is set to on the same ward. Masimo lines, HL7
times without an offset and IntelliVue time stamps carry none; reading them as UTC put every
measurement an hour or more off the receive time outside UTC (QA, TZ=Europe/Berlin). No setting
names another zone (devices.md: parse leniently, always store the receive time too)."""


@dataclass(frozen=True, slots=True)
class Reading:
    """One measured value.

    Attributes:
        metric: a name from `protocols.vitals.METRICS`.
        value: in the metric's canonical unit, inside its hard range.
        unit: the metric's canonical unit.
        measured_at: when the device says it measured (UTC, aware), or None when the device gave
            no usable time. NIBP readings repeat with their own older time: never treat as "now".
        received_at: host wall time (UTC, aware) when the bytes arrived or the nurse entered it.
        source: `manual`, or the device that sent it (e.g. `hl7:<MSH-3 or EUI-64>`, `masimo:<SN>`).
        channel: what tells two values of one metric from one source apart (HL7 OBX-4 path, a
            module name); empty when there is only one.
        flags: device flags carried as sent (`DEMO`, `TEST`, `QUES`, ...), `AGE_UNKNOWN`
            where the decoder knows the value may be old, and `NIBP` on an NIBP cuff's pulse
            rate (`NIBP_PULSE`). DEMO and TEST readings are never charted as patient data.
        message: the id of the device message that carried it (HL7 MSH-10), "" when the format
            has none: what tells a monitor's resend from a new message with the same values
            (not logged, not compared).
    """

    metric: str
    value: float
    unit: str
    measured_at: datetime | None
    received_at: datetime
    source: str
    channel: str = ""
    flags: frozenset[str] = field(default_factory=frozenset)
    message: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        # A flag is one word: the log keeps them space-separated and refuses one with a space in
        # it. An HL7 OBX-8 sent as "L L" made the log refuse the whole message (its SpO2 85 with
        # it), so no alarm was raised; its words are kept as flags of their own.
        if any(flag.split() != [flag] for flag in self.flags):   # most readings carry none
            object.__setattr__(self, "flags",
                               frozenset(word for flag in self.flags for word in flag.split()))

    @property
    def is_demo_or_test(self) -> bool:
        return bool(self.flags & DEMO_OR_TEST)


def is_nibp_value(reading: Reading) -> bool:
    """A value of an NIBP cuff measurement: its systolic, diastolic and mean pressure, and the
    pulse rate the cuff measured with them (`NIBP_PULSE`). A monitor repeats all of them in
    every message until the next measurement; each is one reading per measurement."""
    return is_nibp_metric(reading.metric, reading.flags)


def is_nibp_metric(metric: str, flags: AbstractSet[str]) -> bool:
    """`is_nibp_value` for a value known by its vital and flags (a logged or received row)."""
    return metric in BP_METRICS or is_cuff_pulse_metric(metric, flags)


def is_cuff_pulse(reading: Reading) -> bool:
    """The pulse rate an NIBP cuff measured (`NIBP_PULSE`), not a continuous pulse source's."""
    return is_cuff_pulse_metric(reading.metric, reading.flags)


def is_cuff_pulse_metric(metric: str, flags: AbstractSet[str]) -> bool:
    """`is_cuff_pulse` for a value known by its vital and flags (a logged or received row)."""
    return metric == "pulse_rate" and NIBP_PULSE in flags


def beyond_mark(flags: Collection[str]) -> str:
    """"<" (">") for a monitor's value beyond its range, kept as the limit and flagged
    (devices/hl7/decoder.py, SN `<^5`; HL7 table 0078); '' for a measured value. The tile, the
    review's tables and FHIR's comparator all read it so: "RR <5", never a measured 5."""
    return "<" if "<" in flags else ">" if ">" in flags else ""
