"""The NIBP cuff's pulse rate is part of the cuff measurement, in every format that sends it.

A monitor sends its last cuff measurement again in every message until the next one, with the
cuff's own (older) time, and the pulse the cuff measured travels with it: HL7 149546
(MDC_PULS_RATE_NON_INV) under the NIBP rows, IntelliVue 0xF0E5 on its own handle beside the NBP
compound (the real LAN sample: handle 0x8275 "Пульс", stamped 2025-05-23 11:45 like the NBP), the
Ivy's NIBP record's fourth field. Before, the pressures were kept once per measurement but the
cuff's pulse was taken as a new pulse reading in every message: a 10-minute-old 78 logged each
second between the oximeter's pulse readings. Each decoder now flags it NIBP
(`devices.reading.NIBP_PULSE`) and keeps it by the rule that keeps the pressures once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from devices.ansar_b import AnsarBDecoder
from devices.hl7.decoder import HL7Decoder
from devices.intellivue.codec import encode_float
from devices.intellivue.decoder import IntelliVueDecoder
from devices.reading import AGE_UNKNOWN, NIBP_PULSE, is_cuff_pulse, is_nibp_value
from tests.devices.conftest import feed_all
from tests.devices.test_intellivue_samples import LAN, load_sections

CUFF_STAMP = bytes.fromhex("2025052311450000")   # the sample's NBP time: 2025-05-23 11:45:00
CUFF_AT = datetime(2025, 5, 23, 11, 45, tzinfo=UTC)
RX = datetime(2025, 5, 23, 11, 47, tzinfo=UTC)   # polled two minutes after the cuff measured


def _bytes(value: float) -> bytes:
    return encode_float(value).to_bytes(4, "big")


def sample_with_a_cuff_measurement(samples_dir: Path) -> bytes:
    """The real LAN poll reply (MESSAGE 3), its NaN NBP and NBP pulse given values: 120/80 (93),
    pulse 78. Only the state and FLOAT bytes change; every handle, label and time is as sent."""
    message = load_sections(samples_dir / LAN)["MESSAGE 3"]
    nan_pulse = bytes.fromhex("f0e520000aa0007fffff")   # 0xF0E5, unavailable, bpm, NaN
    assert message.count(nan_pulse) == 1
    message = message.replace(nan_pulse, bytes.fromhex("f0e500000aa0") + _bytes(78))
    for physio_id, value in ((0x4A05, 120), (0x4A06, 80), (0x4A07, 93)):
        member = physio_id.to_bytes(2, "big") + bytes.fromhex("20000f20007fffff")
        assert message.count(member) == 1
        message = message.replace(member, member[:2] + bytes.fromhex("00000f20") + _bytes(value))
    return message


def test_intellivue_sample_sends_the_cuff_pulse_with_the_cuff_time(samples_dir: Path) -> None:
    # The real message as sent: the NBP pulse handle carries the NBP's own time stamp.
    message = load_sections(samples_dir / LAN)["MESSAGE 3"]
    assert message.count(CUFF_STAMP) == 2   # handle 0x8272 (NBP) and handle 0x8275 (its pulse)
    # With values in them, the pulse is read as part of that cuff measurement: its time, NIBP.
    decoder = IntelliVueDecoder("lan", lan=True)
    result = decoder.feed(sample_with_a_cuff_measurement(samples_dir), RX)
    assert [(r.metric, r.value, r.channel, r.measured_at, r.flags) for r in result.readings] == [
        ("bp_systolic", 120, "PRESS_BLD_NONINV_SYS:8272", CUFF_AT, frozenset()),
        ("bp_diastolic", 80, "PRESS_BLD_NONINV_DIA:8272", CUFF_AT, frozenset()),
        ("bp_mean", 93, "PRESS_BLD_NONINV_MEAN:8272", CUFF_AT, frozenset()),
        ("pulse_rate", 78, "NBP_PULS_RATE:8275", CUFF_AT, frozenset({NIBP_PULSE})),
    ]
    assert all(is_nibp_value(r) for r in result.readings)
    assert [is_cuff_pulse(r) for r in result.readings] == [False, False, False, True]


def test_intellivue_cuff_pulse_with_a_clock_never_set_is_reported_once(
        samples_dir: Path) -> None:
    # The monitor's clock never set (FF time stamps): the stamp and values as sent still name
    # the measurement, pulse included. Reported once (its age unknown), then dropped as a repeat
    # like the NBP; it had been a new pulse reading at every poll.
    message = sample_with_a_cuff_measurement(samples_dir).replace(CUFF_STAMP, b"\xff" * 8)
    decoder = IntelliVueDecoder("lan", lan=True)
    first = decoder.feed(message, RX)
    assert [(r.metric, r.value, r.measured_at, r.flags) for r in first.readings] == [
        ("bp_systolic", 120, None, frozenset({AGE_UNKNOWN})),
        ("bp_diastolic", 80, None, frozenset({AGE_UNKNOWN})),
        ("bp_mean", 93, None, frozenset({AGE_UNKNOWN})),
        ("pulse_rate", 78, None, frozenset({AGE_UNKNOWN, NIBP_PULSE})),
    ]
    for _ in range(3):
        again = decoder.feed(message, RX)
        assert again.readings == []
        assert [d.detail.split(" handle ")[1][:6] for d in again.dropped
                if d.reason == "nibp-repeat"] == ["0x8272", "0x8275"]


def test_intellivue_empty_cuff_pulse_with_a_clock_never_set_is_no_measurement_yet(
        samples_dir: Path) -> None:
    # The sample as sent (no cuff measurement yet: NaN), clock never set: nothing to report or
    # repeat, for the pulse as for the NBP, and said as such.
    message = load_sections(samples_dir / LAN)["MESSAGE 3"].replace(CUFF_STAMP, b"\xff" * 8)
    result = IntelliVueDecoder("lan", lan=True).feed(message, RX)
    assert result.readings == []
    assert [d.detail.split(": ", 1)[1] for d in result.dropped if d.reason == "nibp-empty"] == [
        "no measurement yet (no systolic, diastolic or mean value)",
        "no measurement yet (no cuff pulse value)"]


def _hl7(n: int, cuff_time: str, pulse: float = 78) -> bytes:
    """A PCD-01 message as a monitor sends it every second: the oximeter's pulse now, and the
    last NIBP group (systolic, diastolic, mean and the cuff's pulse 149546) with its own time."""
    now = f"2025052311{47 + n // 60:02d}{n % 60:02d}+0000"
    rows = [
        f"MSH|^~\\&|MON||||{now}||ORU^R01^ORU_R01|M{n}|P|2.6",
        f"OBR|1||||||{now}",
        f"OBX|1|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|125|"
        f"264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||{now}",
        f"OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|120|266016^MDC_DIM_MMHG^MDC"
        f"|||||R|||{cuff_time}",
        f"OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.1.9.150022|80|266016^MDC_DIM_MMHG^MDC"
        f"|||||R|||{cuff_time}",
        f"OBX|4|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.1.9.150023|93|266016^MDC_DIM_MMHG^MDC"
        f"|||||R|||{cuff_time}",
        f"OBX|5|NM|149546^MDC_PULS_RATE_NON_INV^MDC|1.1.9.149546|{pulse:g}|"
        f"264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||{cuff_time}",
    ]
    return b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r"


def test_hl7_cuff_pulse_149546_carries_the_cuff_time_and_the_nibp_flag() -> None:
    result = HL7Decoder("socket://mon").feed(_hl7(1, "20250523114500+0000"), RX)
    assert [(r.metric, r.value, r.measured_at, r.flags) for r in result.readings] == [
        ("pulse_rate", 125, datetime(2025, 5, 23, 11, 47, 1, tzinfo=UTC), frozenset()),
        ("bp_systolic", 120, CUFF_AT, frozenset()),
        ("bp_diastolic", 80, CUFF_AT, frozenset()),
        ("bp_mean", 93, CUFF_AT, frozenset()),
        ("pulse_rate", 78, CUFF_AT, frozenset({NIBP_PULSE})),   # the cuff's, not the oximeter's
    ]
    assert [d.reason for d in result.dropped] == []   # its name is known: no name-mismatch


def test_hl7_cuff_pulse_without_a_usable_time_is_reported_once_with_its_nibp() -> None:
    # OBX-14 all zeros ("never"): the NIBP group, the cuff's pulse with it, is one measurement
    # sent again in every message; reported once, then one nibp-repeat per message for the group.
    decoder = HL7Decoder("socket://mon")
    first = decoder.feed(_hl7(1, "00000000000000"), RX)
    assert [(r.metric, r.value, r.measured_at, r.flags) for r in first.readings[1:]] == [
        ("bp_systolic", 120, None, frozenset({AGE_UNKNOWN})),
        ("bp_diastolic", 80, None, frozenset({AGE_UNKNOWN})),
        ("bp_mean", 93, None, frozenset({AGE_UNKNOWN})),
        ("pulse_rate", 78, None, frozenset({AGE_UNKNOWN, NIBP_PULSE})),
    ]
    for n in range(2, 5):
        again = decoder.feed(_hl7(n, "00000000000000"), RX)
        assert [(r.metric, r.value, r.flags) for r in again.readings] == [
            ("pulse_rate", 125, frozenset())]   # the oximeter's pulse alone is new
        assert [d.detail for d in again.dropped if d.reason == "nibp-repeat"] == [
            "4 NIBP row(s) without a usable OBX-14: the measurement of an earlier message, "
            "sent again"]
    # A new cuff measurement (its pulse moved with it) is reported again.
    new = decoder.feed(_hl7(5, "00000000000000", pulse=81), RX)
    assert [(r.metric, r.value) for r in new.readings if is_nibp_value(r)] == [
        ("bp_systolic", 120), ("bp_diastolic", 80), ("bp_mean", 93), ("pulse_rate", 81)]


def _ansar_frame(spo2_pr: int, nibp: str) -> bytes:
    return (b"\xffANSAR-B " + bytes(400)
            + f"SPO2=1;97;PR={spo2_pr} ;\r{nibp}\r".encode() + b"\xfe")


def test_ivy_nibp_record_carries_the_cuff_pulse_reported_once_per_measurement(
        samples_dir: Path) -> None:
    # The real Ivy 450C capture: the NIBP record (121/75 (92), cuff pulse 80) is repeated in all
    # 27 frames with no time. Its pulse is reported once, with it, flagged NIBP; the oximeter's
    # PR=80 of the SPO2 record comes in every frame and is not the cuff's.
    result = feed_all(AnsarBDecoder(), (samples_dir / "ivy-450c-ansar-b-capture.bin").read_bytes())
    cuff = [(r.value, r.channel, r.flags) for r in result.readings if is_cuff_pulse(r)]
    assert cuff == [(80, "NIBP", frozenset({AGE_UNKNOWN, NIBP_PULSE}))]
    oximeter = [r for r in result.readings if r.metric == "pulse_rate" and not is_cuff_pulse(r)]
    assert len(oximeter) == 27 and {r.channel for r in oximeter} == {"SPO2"}
    # A later measurement's pulse comes once with it, as its pressures do.
    frames = [_ansar_frame(125, "NIBP=4;121;75;92;80;;")] * 3 + \
        [_ansar_frame(125, "NIBP=4;118;70;88;79;;")] * 3
    later = feed_all(AnsarBDecoder(), b"".join(frames))
    assert [(r.value, r.flags) for r in later.readings if is_cuff_pulse(r)] == [
        (80, frozenset({AGE_UNKNOWN, NIBP_PULSE})), (79, frozenset({NIBP_PULSE}))]
