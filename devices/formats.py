"""The device formats the console can read: how to decode each, and its serial defaults.

`FORMATS[name].new_decoder(source_hint)` gives a fresh StreamDecoder for one stream. The serial
settings are the defaults a port opens with for that format (all three are 9600 8N1 per
devices.md); `stale_after_seconds` is how long a line may stay quiet before the transport raises a
"no data" technical alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from devices.ansar_b import AnsarBDecoder
from devices.hl7.decoder import HL7Decoder
from devices.masimo import MasimoDecoder
from devices.stream import StreamDecoder


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """pyserial settings a port opens with (`serial.Serial(**asdict(settings))` style)."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """One device format.

    Attributes:
        name: the key in FORMATS and on the command line (`hl7`, `masimo`, `ansar-b`).
        description: one line for help texts and the device set-up screen.
        factory: builds a decoder; use `new_decoder`.
        serial: default serial settings.
        stale_after_seconds: quiet-line watchdog interval.
    """

    name: str
    description: str
    factory: Callable[[str], StreamDecoder]
    serial: SerialSettings = field(default_factory=SerialSettings)
    stale_after_seconds: float = 10.0

    def new_decoder(self, source_hint: str = "") -> StreamDecoder:
        """Return a fresh decoder for one stream.

        Args:
            source_hint: the transport's name for the device (port or configured name), used
                as the source when the data names none.
        """
        return self.factory(source_hint)


FORMATS: dict[str, FormatSpec] = {
    "hl7": FormatSpec(
        name="hl7",
        description="HL7 v2 ORU^R01 (IHE PCD-01), MLLP or bare: Mindray, GE, Philips gateway, "
        "Comen, Welch Allyn",
        factory=lambda hint: HL7Decoder(hint),
        # Senders push every 1-5 s. 15 s is three periods of the slowest: one message lost or
        # retransmitted after a late ACK does not raise a technical alarm, a silent monitor does.
        stale_after_seconds=15.0,
    ),
    "masimo": FormatSpec(
        name="masimo",
        description="Masimo Rad-8 / Rad-7 / Radical-7 ASCII 1 trend lines (SpO2, pulse rate)",
        factory=lambda hint: MasimoDecoder(hint),
        # One line a second: ten missed lines is a dead line, not jitter.
        stale_after_seconds=10.0,
    ),
    "ansar-b": FormatSpec(
        name="ansar-b",
        description="Ivy 450C ANSAR-B frames (HR, RR, SpO2 and pulse, NIBP)",
        factory=lambda hint: AnsarBDecoder(hint),
        # A 562-byte frame takes 0.6 s at 9600 baud and the monitor sends ~1-2 a second.
        stale_after_seconds=10.0,
    ),
}
