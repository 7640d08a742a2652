"""Encoders: one `Sample` in, the bytes a real device of each format would send out.

- `hl7`: HL7 v2.6 ORU^R01 in the IHE PCD-01 shape, MLLP framed: MSH (MSH-10 control id, MSH-18
  `UNICODE UTF-8`, MSH-21 the PCD-01 profile), OBR, then OBX rows keyed on IEEE 11073 MDC codes
  with MDC units, OBX-4 containment paths (MDS.VMD.CHAN.METRIC), OBX-11 `R` and OBX-14 times.
  NIBP is repeated in every message with its own older measured time, as bedside monitors do.
- `masimo`: Masimo Rad-8 "ASCII 1" trend lines, one a second, CR LF terminated.

With the oximeter's probe off (`Sample.probe_on` False, a scenario's `probe_off` step) the
formats in `PROBE_OFF_FORMATS` send every frame as usual with the oximeter's values as their own
"no value" (devices.md):
- `hl7`: the SpO2 (150456) and oximeter pulse (149530) rows stay in the message, OBX-2 `NM` with
  OBX-5 empty and OBX-11 `X` ("results cannot be obtained for this observation"), as a PCD-01
  sender reports a parameter it has configured but cannot measure; the ECG heart rate, RR and
  the repeated NIBP rows are sent as usual. (Leaving the rows out would look like a monitor with
  no oximeter at all; the console's decoder drops both forms as no value.)
- `masimo`: `SPO2=---% BPM=--- PI=--.--` with EXC bit 0x000020, "Sensor Off" (Masimo's serial
  exception bits: 0x000001 No Sensor, as on the Rad-8 line with dashes in
  shared/device-samples/masimo-rad-serial-ascii-lines.txt, is the cable unplugged; 0x000020 the
  sensor off the patient).
- `ansar-b` cannot send it (no capture or document shows what an Ivy 450C sends then):
  `scenario.check_playable` refuses such a scenario for it.

A vital on a second channel (`SECOND_CHANNEL_FORMATS`): `hl7` sends a second SpO2 probe as a
second 150456 row on OBX-4 1.2.2.1 (both probes' rows "no value" while the probe is off), and
with capnography the scenario's RR as MDC_AWAY_RESP_RATE 151570 (OBX-4 1.4.1.1) after the
chest-impedance MDC_RESP_RATE 151562 row, which then carries `Sample.chest_rr`.
- `ansar-b`: Ivy 450C ANSAR-B frames: 0xFF `ANSAR-B ` + 400 waveform bytes + CR-terminated
  records + 0xFE.

Encoders are deterministic: the only state is a message counter and a waveform phase. Each is
made for one device (`DeviceIdentity`; the library's fixed `DEFAULT_IDENTITY` unless given).
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from devices.simulator.physiology import Nibp, Sample

FORMAT_NAMES: tuple[str, ...] = ("hl7", "masimo", "ansar-b")
PROBE_OFF_FORMATS: tuple[str, ...] = ("hl7", "masimo")
"""The formats whose encoder can send an oximeter probe off (`Sample.probe_on` False)."""
SECOND_CHANNEL_FORMATS: dict[str, tuple[str, ...]] = {
    # A Masimo line has one SpO2 and no RR, an ANSAR-B frame one record of each; the polled HL7
    # devices and the Mindray bedside answer with one of each.
    "spo2": ("hl7",),
    "resp_rate": ("hl7", "intellivue", "intellivue-lan"),
}
"""The formats that send a vital on a second channel (a scenario's `[second_channel]`,
`Sample.spo2_probe2`, `Sample.chest_rr`): hl7 a second SpO2 probe on its own OBX-4 and the
airway RR (151570) beside the impedance RR; the IntelliVue the airway RR numeric (0x5012)."""
LINE_FAULT_FORMATS: tuple[str, ...] = FORMAT_NAMES
"""The devices that play a line's faults: a port that disappears (`disconnect`, device_lost)
and bytes that are no frame (`garbage`, `nul_bytes`, `truncated_frame`, `mid_frame`). The devices
that are asked (`answering.ANSWERING_FORMATS`) keep their port open and answer whole messages:
they can only fall silent, which the console shows as device_stale ("no data")."""
_EVERY_METRIC: tuple[str, ...] = ("heart_rate", "pulse_rate", "spo2", "resp_rate", "bp_systolic",
                                   "bp_diastolic", "bp_mean")
SENT_METRICS: dict[str, tuple[str, ...]] = {
    "hl7": _EVERY_METRIC,
    "masimo": ("spo2", "pulse_rate"),   # a pulse oximeter: no ECG, no respiration, no cuff
    "ansar-b": _EVERY_METRIC,
    # The devices that are asked (`answering.ANSWERING_FORMATS`): polled_monitor.py,
    # intellivue_monitor.py and mindray_bedside_monitor.py answer with every one.
    "philips-efficia": _EVERY_METRIC,
    "draeger-gateway": _EVERY_METRIC,
    "mindray-gateway": _EVERY_METRIC,
    "intellivue": _EVERY_METRIC,
    "intellivue-lan": _EVERY_METRIC,
    "mindray-bedside": _EVERY_METRIC,
}
"""The metrics each simulated device (`infusion-sim --format`) sends, as the console reads them:
a scenario expecting an alarm on another is refused for it (`scenario.check_playable`)."""

MLLP_START = b"\x0b"
MLLP_END = b"\x1c\x0d"

PCD01_PROFILE = "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO"
MASIMO_EXC_SENSOR_OFF = 0x000020
"""The Masimo exception bit "Sensor Off": the probe is off the patient."""


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Who a simulated monitor says it is, in each format's own field for it: what the console
    tells monitors apart by (`Reading.source`; `SessionEngine._monitor_identity` raises "Another
    monitor is sending" when it changes). Every simulator had said the same, so a console
    reading another chair's simulator took its values silently (a review): `infusion-sim` is
    a monitor of its own each run (`new_identity`, or `device_identity` of its `--device-id`).

    Attributes:
        eui64: 16 hex digits, an EUI-64 in the locally administered range no vendor uses; HL7
            (and the polled devices) send it in MSH-3 (`sending_app`) and in the MDS row.
        masimo_serial: the Masimo line's `SN=`.
        intellivue_system_id: the IntelliVue's system id (6 bytes, in its MDS-create event).
        mindray_app: the Mindray bedside monitor's MSH-3.
    """

    eui64: str
    masimo_serial: str
    intellivue_system_id: bytes
    mindray_app: str

    @property
    def sending_app(self) -> str:
        return f"INFUSION-SIM^{self.eui64}^EUI-64"

    def sent_as(self, fmt: str) -> str:
        """What a device of format `fmt` sends as its identity, as its header line names it."""
        if fmt == "masimo":
            return f"SN={self.masimo_serial}"
        if fmt in ("intellivue", "intellivue-lan"):
            return f"system id {self.intellivue_system_id.hex()}"
        if fmt == "mindray-bedside":
            return f"MSH-3 {self.mindray_app}"
        if fmt == "ansar-b":
            return "ANSAR-B sends none: the console knows it by its port"
        return f"MSH-3 {self.sending_app}"


DEFAULT_IDENTITY = DeviceIdentity("0200000000ABCDEF", "0000012345", bytes.fromhex("0009fb000001"),
                                  "MINDRAY-SIM")
"""The library's one fixed identity (`start_in_thread`, `answer_in_thread`, the encoders): the
console's demo, resumed after a restart, reads its new process's simulator as the monitor it
had; tests compare bytes. Its fields are the ones it always sent, not made from its EUI-64;
`infusion-sim` sends it only when given its `--device-id`."""
DEVICE_EUI64 = DEFAULT_IDENTITY.eui64   # as tests name it
DEVICE_ID_EXAMPLE = "02C0FFEE00000001"
_DEVICE_ID = re.compile(r"[0-9A-F][26AE][0-9A-F]{14}")


def device_identity(device_id: str) -> DeviceIdentity:
    """The identity of the simulated monitor `device_id` (`infusion-sim --device-id`): its EUI-64,
    and each format's field made from it (Masimo's serial its last ten decimal digits, the
    IntelliVue's system id its last six bytes).

    Raises:
        ValueError: not 16 hex digits in the locally administered range (the message says what
            is allowed, with an example).
    """
    eui64 = device_id.strip().upper()
    if not _DEVICE_ID.fullmatch(eui64):
        # The second digit holds the EUI's U/L and I/G bits (IEEE Std 802): 2, 6, A or E is
        # locally administered and one device; anything else may be a vendor's real monitor.
        raise ValueError(f"must be 16 hex digits, the second of them 2, 6, A or E (a locally "
                         f"administered EUI-64: no vendor's monitor has one), got {device_id!r}; "
                         f"e.g. {DEVICE_ID_EXAMPLE}")
    if eui64 == DEFAULT_IDENTITY.eui64:
        return DEFAULT_IDENTITY   # the demo's monitor, in every format
    return DeviceIdentity(eui64, f"{int(eui64, 16) % 10**10:010d}", bytes.fromhex(eui64[4:]),
                          f"MINDRAY-SIM^{eui64}^EUI-64")


def new_identity() -> DeviceIdentity:
    """A monitor no other run has been: a random locally administered EUI-64 (62 random bits)."""
    bits = secrets.randbits(64)
    first = (bits >> 56) & 0xFC | 0x02   # locally administered, one device (`device_identity`)
    return device_identity(f"{first:02X}{bits & (1 << 56) - 1:014X}")


class Encoder(Protocol):
    """Turns one sample into one device frame."""

    name: str
    line_based: bool
    """Records end at a line end: noise must end at one too, or it corrupts the next record."""

    def frame(self, sample: Sample, at: datetime, start: datetime) -> bytes:
        """Encode `sample`; `at` is the device clock for it, `start` the scenario start."""
        ...


def hl7_time(t: datetime, fraction: bool = False) -> str:
    """HL7 DTM with seconds and the UTC offset, as PCD-01 senders write it. With `fraction`, a
    time with a fraction of a second keeps it to 0.1 ms (YYYYMMDDHHMMSS.ffff), as monitors that
    send more than once a second do: two messages with equal values are then told from one
    message sent twice (the console keeps a resend once)."""
    tenths_of_ms = f".{t.microsecond // 100:04d}" if fraction and t.microsecond else ""
    return t.strftime("%Y%m%d%H%M%S") + tenths_of_ms + "+0000"


@dataclass(frozen=True, slots=True)
class _Obx:
    code: str  # OBX-3
    path: str  # OBX-4
    value: str  # OBX-5
    unit: str  # OBX-6
    limits: str  # OBX-7
    at: datetime  # OBX-14
    status: str = "R"  # OBX-11: R a valid result, X cannot be obtained (OBX-5 then empty)


_BPM = "264864^MDC_DIM_BEAT_PER_MIN^MDC"
_RPM = "264928^MDC_DIM_RESP_PER_MIN^MDC"
_PCT = "262688^MDC_DIM_PERCENT^MDC"
_MMHG = "266016^MDC_DIM_MMHG^MDC"


class Hl7Encoder:
    """HL7 ORU^R01 PCD-01 messages, MLLP framed; MSH-10 counts up from SIM00000001."""

    name = "hl7"
    line_based = False

    def __init__(self, identity: DeviceIdentity = DEFAULT_IDENTITY) -> None:
        self._count = 0
        self._identity = identity

    def frame(self, sample: Sample, at: datetime, start: datetime) -> bytes:
        self._count += 1
        control_id = f"SIM{self._count:08d}"
        if sample.probe_on:
            status, pulse, spo2 = "R", str(sample.pulse_rate), str(sample.spo2)
        else:   # the oximeter's rows say "cannot be obtained": OBX-11 X, OBX-5 empty
            status, pulse, spo2 = "X", "", ""
        rows = [
            _Obx("147842^MDC_ECG_HEART_RATE^MDC", "1.1.1.1", str(sample.heart_rate), _BPM, "50^110", at),
            _Obx("149530^MDC_PULS_OXIM_PULS_RATE^MDC", "1.2.1.2", pulse, _BPM, "50^110", at, status),
            _Obx("150456^MDC_PULS_OXIM_SAT_O2^MDC", "1.2.1.1", spo2, _PCT, "94^100", at, status),
        ]
        if sample.spo2_probe2 is not None:   # a second probe: its own channel, 1.2.2
            probe2 = str(sample.spo2_probe2) if sample.probe_on else ""
            rows.append(_Obx("150456^MDC_PULS_OXIM_SAT_O2^MDC", "1.2.2.1", probe2, _PCT, "94^100",
                             at, status))
        if sample.chest_rr is None:
            rows.append(_Obx("151562^MDC_RESP_RATE^MDC", "1.1.2.1", str(sample.resp_rate), _RPM,
                             "12^24", at))
        else:   # capnography (VMD 4): the airway RR is the scenario's, the chest's beside it
            rows.append(_Obx("151562^MDC_RESP_RATE^MDC", "1.1.2.1", str(sample.chest_rr), _RPM,
                             "12^24", at))
            rows.append(_Obx("151570^MDC_AWAY_RESP_RATE^MDC", "1.4.1.1", str(sample.resp_rate),
                             _RPM, "12^24", at))
        if sample.nibp is not None:
            rows.extend(_nibp_rows(sample.nibp, start))
        segments = [
            "MSH|^~\\&|" + self._identity.sending_app + "|SIM-WARD|||" + hl7_time(at)
            + "||ORU^R01^ORU_R01|" + control_id + "|P|2.6|||NE|AL||UNICODE UTF-8|||" + PCD01_PROFILE,
            "OBR|1|" + control_id + "^INFUSION-SIM|" + control_id
            + "^INFUSION-SIM|182777000^monitoring of patient^SNOMED-CT|||" + hl7_time(at),
            # Device hierarchy row: the monitor (MDS) itself, value "cannot be obtained" (X).
            "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||"
            + self._identity.eui64 + "^EUI-64",
        ]
        for i, row in enumerate(rows, start=2):
            segments.append(
                f"OBX|{i}|NM|{row.code}|{row.path}|{row.value}|{row.unit}|{row.limits}||||"
                f"{row.status}|||"
                + hl7_time(row.at, fraction=True)
            )
        message = "\r".join(segments) + "\r"
        return MLLP_START + message.encode("utf-8") + MLLP_END


def _nibp_rows(nibp: Nibp, start: datetime) -> list[_Obx]:
    measured = start + timedelta(seconds=nibp.t)
    return [
        _Obx("150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "1.3.1.1", str(nibp.systolic), _MMHG, "90^160", measured),
        _Obx("150022^MDC_PRESS_BLD_NONINV_DIA^MDC", "1.3.1.2", str(nibp.diastolic), _MMHG, "50^90", measured),
        _Obx("150023^MDC_PRESS_BLD_NONINV_MEAN^MDC", "1.3.1.3", str(nibp.mean), _MMHG, "60^110", measured),
    ]


class MasimoEncoder:
    """Masimo Rad-8 ASCII 1 trend lines: SpO2, pulse rate and perfusion index once a second."""

    name = "masimo"
    line_based = True

    def __init__(self, identity: DeviceIdentity = DEFAULT_IDENTITY) -> None:
        self._serial = identity.masimo_serial

    def frame(self, sample: Sample, at: datetime, start: datetime) -> bytes:
        # Perfusion index drifts slowly between ~1 and ~3 %: deterministic from the time.
        pi = 2.0 + 0.8 * math.sin(sample.t / 97.0)
        if sample.probe_on:
            spo2, bpm, pi_text = f"{sample.spo2:03d}", f"{sample.pulse_rate:03d}", f"{pi:05.2f}"
            exc = 0
        else:   # the probe off: dashes, as the oximeter shows them, and its exception bit
            spo2, bpm, pi_text, exc = "---", "---", "--.--", MASIMO_EXC_SENSOR_OFF
        # The oximeter's clock is the ward's local time, sent without a zone (as the decoder
        # reads it: devices.reading.STATION_ZONE).
        line = (
            f"{at.astimezone():%m/%d/%y %H:%M:%S} SN={self._serial} SPO2={spo2}% "
            f"BPM={bpm} PI={pi_text} SPCO=--.-% SPMET=--.-% DESAT=-- "
            f"PIDELTA=+-- ALARM=0000 EXC={exc:06X}"
        )
        return line.encode("ascii") + b"\r\n"


class AnsarBEncoder:
    """Ivy 450C ANSAR-B frames with HR, RR, SpO2/PR and NIBP records."""

    name = "ansar-b"
    line_based = False

    def frame(self, sample: Sample, at: datetime, start: datetime) -> bytes:
        if not sample.probe_on:
            # Never the oximeter's values as if the probe were on (`PROBE_OFF_FORMATS`).
            raise ValueError(f"the {self.name} simulator cannot send a probe off; formats that "
                             f"can: {', '.join(PROBE_OFF_FORMATS)}")
        waveform = _waveform(sample)
        if sample.nibp is not None:
            n = sample.nibp
            nibp = f"NIBP=4;{n.systolic};{n.diastolic};{n.mean};{sample.pulse_rate};;"
        else:
            nibp = "NIBP=4;;;;;;"  # no measurement yet: the Ivy sends empty fields
        records = [
            f"HR=1;{sample.heart_rate};ECG-II-DIAG;",
            f"RR=1;{sample.resp_rate};;",
            "ETCO2=1;;;",
            f"SPO2=1;{sample.spo2};PR={sample.pulse_rate} ;",
            nibp,
            "P1=3;;;;NO TRANSDUCER;",
            "P2=3;;;;NO TRANSDUCER;",
            "T1=1;;;",
            "T2=1;;;",
        ]
        body = "".join(r + "\r" for r in records).encode("ascii")
        return b"\xffANSAR-B " + waveform + body + b"\xfe"


def _waveform(sample: Sample) -> bytes:
    """400 waveform bytes (ECG 200, resp 50, pleth 50, P1 50, P2 50) around 0x80.

    Values stay within 0x40..0xC0 so they can never be taken for the 0xFF start or 0xFE end.
    """
    beat = max(sample.heart_rate, 1) / 60.0
    breath = max(sample.resp_rate, 1) / 60.0
    ecg = [_wave_byte(sample.t + i / 200, beat, 40, spike=True) for i in range(200)]
    resp = [_wave_byte(sample.t + i / 50, breath, 30) for i in range(50)]
    pleth = [_wave_byte(sample.t + i / 50, beat, 35) for i in range(50)]
    flat = [0x80] * 100  # P1, P2: no transducer
    return bytes(ecg + resp + pleth + flat)


def _wave_byte(t: float, freq: float, amplitude: float, spike: bool = False) -> int:
    phase = (t * freq) % 1.0
    if spike:
        value = amplitude if phase < 0.04 else amplitude * 0.1 * math.sin(2 * math.pi * phase)
    else:
        value = amplitude * math.sin(2 * math.pi * phase)
    return max(0x40, min(0xC0, 0x80 + round(value)))


ENCODERS: dict[str, Callable[[DeviceIdentity], Encoder]] = {
    "hl7": Hl7Encoder,
    "masimo": MasimoEncoder,
    "ansar-b": lambda identity: AnsarBEncoder(),   # its frames carry no identity
}


def new_encoder(fmt: str, identity: DeviceIdentity = DEFAULT_IDENTITY) -> Encoder:
    """Return a fresh encoder for `fmt`, for a device that says it is `identity`.

    Raises:
        ValueError: unknown format (the message lists the known ones).
    """
    try:
        make = ENCODERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; allowed: {', '.join(FORMAT_NAMES)}") from None
    return make(identity)

