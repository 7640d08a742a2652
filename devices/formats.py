"""The device formats the console can read: how to decode each, and its serial defaults.

`FORMATS[name].new_decoder(source_hint)` gives a fresh StreamDecoder for one stream. The serial
settings are the defaults a port opens with for that format (all three are 9600 8N1 per
devices.md); `stale_after_seconds` is how long a line may go without a valid frame before the
transport reports it STALE, which the session engine shows as a "no data" technical alarm.

Why 4 s for every format (quality bar R2: a technical alarm within 5 s of the last good frame):
all three formats are sent continuously, at least once every 1-2 s (devices.md: Masimo one line a
second, Ivy ANSAR-B 1-2 frames a second, HL7 PCD-01 senders every 1-2 s on a 9600-baud line). The
watchdog counts *frames*, not vitals: a monitor whose NIBP comes every few minutes still sends its
numerics in every message, so a slow NIBP never looks like a quiet line (the per-value age is
the tiles' business). 4 s is two to four send periods, so one lost or retransmitted message
does not alarm, and it leaves 1 s for the read timeout (0.1 s), the hop to the GUI thread and the
commit. The engine raises the alarm at low priority and escalates it to medium if the silence
goes on (console/session/engine.py). A sender configured slower than one message every ~3 s
cannot meet R2: give its connection a longer `stale_after_seconds` and accept the later alarm.
(Until R2 was measured the intervals were 15 s for HL7 and 10 s for the others: the alarm came
10-15 s after a monitor fell silent.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from devices.stream import StreamDecoder, UnplacedNibp

NO_DATA_SECONDS = 4.0
"""No valid frame for this long: the line is STALE (see the module docstring for why 4 s)."""


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
        stale_after_seconds: watchdog interval: no valid frame for this long is STALE.
    """

    name: str
    description: str
    factory: Callable[[str, UnplacedNibp | None], StreamDecoder]
    serial: SerialSettings = field(default_factory=SerialSettings)
    stale_after_seconds: float = NO_DATA_SECONDS

    def new_decoder(self, source_hint: str = "", nibp: UnplacedNibp | None = None) -> StreamDecoder:
        """Return a fresh decoder for one stream.

        Args:
            source_hint: the transport's name for the device (port or configured name), used
                as the source when the data names none.
            nibp: the connection's memory of the NIBP it reported without a time, kept across
                reopens (None: the decoder's own).
        """
        return self.factory(source_hint, nibp)


# Each decoder is imported when a stream of its format is opened, not with this table: the
# start-up checks and the start screen read only the names, and a console that starts with no
# device (or one format) need not import the others (HL7 brings in python-hl7): P7, start-up.


def _hl7(hint: str, nibp: UnplacedNibp | None) -> StreamDecoder:
    from devices.hl7.decoder import HL7Decoder
    from devices.profiles import code_maps

    # The code maps' [recognise] chooses one from MSH-3/MSH-4 (a Nihon Kohden read as plain hl7
    # had every value dropped as unknown-code). Read when a stream opens, never at start (P7).
    return HL7Decoder(hint, dialects=code_maps(), unplaced=nibp)


def _masimo(hint: str, nibp: UnplacedNibp | None) -> StreamDecoder:
    from devices.masimo import MasimoDecoder

    return MasimoDecoder(hint)   # an oximeter: no NIBP


def _ansar_b(hint: str, nibp: UnplacedNibp | None) -> StreamDecoder:
    from devices.ansar_b import AnsarBDecoder

    return AnsarBDecoder(hint, nibp)


def _intellivue(hint: str, nibp: UnplacedNibp | None) -> StreamDecoder:
    from devices.intellivue.decoder import IntelliVueDecoder

    return IntelliVueDecoder(hint, unplaced=nibp)


FORMATS: dict[str, FormatSpec] = {
    "hl7": FormatSpec(
        name="hl7",
        description="HL7 v2 ORU^R01 (IHE PCD-01), MLLP or bare: Mindray, GE, Philips gateway, "
        "Comen, Welch Allyn",
        factory=_hl7,
        # Senders push every 1-2 s (a ~1.2 KB message takes 1.25 s at 9600 baud).
        stale_after_seconds=NO_DATA_SECONDS,
    ),
    "masimo": FormatSpec(
        name="masimo",
        description="Masimo Rad-8 / Rad-7 / Radical-7 ASCII 1 trend lines (SpO2, pulse rate)",
        factory=_masimo,
        # One line a second: four missed lines is a dead line, not jitter.
        stale_after_seconds=NO_DATA_SECONDS,
    ),
    "ansar-b": FormatSpec(
        name="ansar-b",
        description="Ivy 450C ANSAR-B frames (HR, RR, SpO2 and pulse, NIBP)",
        factory=_ansar_b,
        # A 562-byte frame takes 0.6 s at 9600 baud and the monitor sends ~1-2 a second.
        stale_after_seconds=NO_DATA_SECONDS,
    ),
    "intellivue": FormatSpec(
        name="intellivue",
        description="Philips IntelliVue Data Export, MIB/RS232 serial (polled: HR, pulse rate, "
        "SpO2, RR, NBP)",
        factory=_intellivue,
        serial=SerialSettings(baudrate=115200),
        # Polled once a second by default; every answer is a frame, so 4 s is four answers. A
        # slower poll period needs a profile's longer watchdog (devices/profiles.py).
        stale_after_seconds=NO_DATA_SECONDS,
    ),
}
