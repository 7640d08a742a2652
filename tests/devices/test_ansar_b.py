"""Ivy 450C ANSAR-B: the raw capture, the derived records file, and record edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.ansar_b import AnsarBDecoder, decode_records
from devices.reading import AGE_UNKNOWN, NIBP_PULSE
from tests.devices.conftest import RX, feed_all

PER_FRAME = [("heart_rate", 80, "HR"), ("resp_rate", 35, "RR"), ("spo2", 100, "SPO2"),
             ("pulse_rate", 80, "SPO2"), ("bp_systolic", 121, "NIBP"),
             ("bp_diastolic", 75, "NIBP"), ("bp_mean", 92, "NIBP"), ("pulse_rate", 80, "NIBP")]
CONTINUOUS = [r for r in PER_FRAME if r[2] != "NIBP"]


def test_capture_27_frames_with_their_values(samples_dir: Path) -> None:
    data = (samples_dir / "ivy-450c-ansar-b-capture.bin").read_bytes()
    result = feed_all(AnsarBDecoder(), data)
    # 27 complete frames (the upstream test expects 27 messages); the 252 bytes before the
    # first header are the end of a frame the capture started in.
    assert result.frames == 27
    # The NIBP 121/75 (92), cuff pulse 80, is one measurement repeated in all 27 frames: it is
    # reported once, in the first frame; each repeat is dropped with its reason (QA: 27 identical
    # bp readings from this capture, 2365 bp rows for 8 measurements live).
    assert [(r.metric, r.value, r.channel) for r in result.readings] == \
        PER_FRAME + CONTINUOUS * 26
    assert all(r.measured_at is None and r.received_at == RX and r.source == "ansar-b"
               for r in result.readings)
    # The capture starts with that NIBP on the monitor: measured before, at a time nothing tells.
    # Its cuff pulse (f4) is flagged NIBP: part of that measurement, not the oximeter's pulse.
    unknown = frozenset({AGE_UNKNOWN})
    assert [r.flags for r in result.readings[:len(PER_FRAME)]] == \
        [frozenset()] * len(CONTINUOUS) + [unknown] * 3 + [unknown | {NIBP_PULSE}]
    assert not any(r.flags for r in result.readings[len(PER_FRAME):])
    reasons = [d.reason for d in result.dropped]
    assert reasons.count("partial-frame") == 1
    # ETCO2, P1, P2, T1, T2 in every frame.
    assert reasons.count("not-monitored") == 5 * 27
    assert reasons.count("nibp-repeat") == 26
    assert len(reasons) == 1 + 5 * 27 + 26


@pytest.mark.parametrize("seed", range(5))
def test_capture_any_chunking(samples_dir: Path, seed: int) -> None:
    data = (samples_dir / "ivy-450c-ansar-b-capture.bin").read_bytes()
    whole = feed_all(AnsarBDecoder(), data)
    chunked = feed_all(AnsarBDecoder(), data, seed)
    assert chunked.readings == whole.readings
    assert chunked.frames == whole.frames
    assert [d.reason for d in chunked.dropped] == [d.reason for d in whole.dropped]


def test_records_file_blocks(samples_dir: Path) -> None:
    text = (samples_dir / "ivy-450c-ansar-b-records.txt").read_text()
    blocks = text.split("# [")[1:]
    assert len(blocks) == 2  # [22 frames] and [5 frames]
    for block in blocks:
        records = "\r".join(line for line in block.splitlines()[1:] if not line.startswith("#"))
        assert records.count("\r") == 8  # nine records per frame
        result = decode_records(records.encode(), RX)
        assert [(r.metric, r.value, r.channel) for r in result.readings] == PER_FRAME
        # P1 systolic differs (111 / 110) but invasive pressure is never shown.
        assert [d.reason for d in result.dropped] == ["not-monitored"] * 5


def test_empty_fields_are_no_value() -> None:
    result = decode_records(b"NIBP=4;;;;;;\rSPO2=1;;PR= ;\rHR=1;;ECG-II;\r", RX)
    assert result.readings == []
    # An NIBP record without systolic, diastolic and mean is one drop: no measurement yet.
    assert [d.reason for d in result.dropped] == ["nibp-empty"] + ["no-value"] * 3


def test_unknown_label_and_malformed_record() -> None:
    result = decode_records(b"FOO=1;2;\rgarbage\rHR=1;300;;\rHR=1;301;;\rHR=1;abc;;\r", RX)
    assert [r.value for r in result.readings] == [300]
    assert [d.reason for d in result.dropped] == ["unknown-code", "bad-frame",
                                                  "out-of-hard-range", "not-numeric"]


def test_source_hint() -> None:
    result = decode_records(b"HR=1;80;;\r", RX, source_hint="ivy-bed3")
    assert result.readings[0].source == "ansar-b:ivy-bed3"


def _frame(nibp: str) -> bytes:
    return b"\xffANSAR-B " + bytes(400) + f"HR=1;80;X;\r{nibp}\r".encode() + b"\xfe"


def test_each_cuff_measurement_is_reported_once() -> None:
    frames = [
        "NIBP=4;;;;;;",              # no measurement yet
        "NIBP=4;;;;;;",
        "NIBP=4;121;75;92;80;;",     # measurement 1
        "NIBP=4;121;75;92;80;;",
        "NIBP=4;121;75;92;84;;",     # only the pulse field moved: still measurement 1
        "NIBP=4;118;70;88;79;;",     # measurement 2
        "NIBP=4;118;70;88;79;;",
        "NIBP=4;121;75;92;80;;",     # measurement 3, equal to 1 but not to the one before
    ]
    result = feed_all(AnsarBDecoder(), b"".join(_frame(f) for f in frames))
    systolic = [r.value for r in result.readings if r.metric == "bp_systolic"]
    assert systolic == [121, 118, 121]
    assert [r.value for r in result.readings if r.metric == "heart_rate"] == [80] * 8
    reasons = [d.reason for d in result.dropped]
    assert reasons.count("nibp-repeat") == 3
    # QA: the empty records were counted as repeats of a measurement that never was.
    assert reasons.count("nibp-empty") == 2 and "no-value" not in reasons
    # Each came while the console listened: its receive time is its time, not AGE_UNKNOWN; the
    # cuff's pulse of each measurement is one reading with it, flagged NIBP.
    cuff = frozenset({NIBP_PULSE})
    assert [(r.value, r.flags) for r in result.readings if r.flags] == \
        [(80, cuff), (79, cuff), (80, cuff)]


def test_the_nibp_on_the_monitor_at_connect_has_an_unknown_age() -> None:
    # The console connects to a monitor showing its last cuff result (minutes or hours old,
    # perhaps the previous patient's): ANSAR-B gives it no time, so it must never read as "now".
    frames = ["NIBP=4;162;98;119;77;;", "NIBP=4;162;98;119;77;;", "NIBP=4;128;80;96;75;;"]
    result = feed_all(AnsarBDecoder(), b"".join(_frame(f) for f in frames))
    nibp = [(r.metric, r.value, r.flags) for r in result.readings if r.channel == "NIBP"]
    unknown, now = frozenset({AGE_UNKNOWN}), frozenset[str]()
    assert nibp == [("bp_systolic", 162, unknown), ("bp_diastolic", 98, unknown),
                    ("bp_mean", 119, unknown), ("pulse_rate", 77, unknown | {NIBP_PULSE}),
                    ("bp_systolic", 128, now), ("bp_diastolic", 80, now), ("bp_mean", 96, now),
                    ("pulse_rate", 75, frozenset({NIBP_PULSE}))]
    # A new connection (the transport makes a new decoder at each open) starts over.
    again = feed_all(AnsarBDecoder(), _frame(frames[-1]))
    assert {r.flags - {NIBP_PULSE} for r in again.readings if r.channel == "NIBP"} == {unknown}


def test_two_equal_consecutive_measurements_cannot_be_told_apart() -> None:
    # ANSAR-B sends no measurement time or counter: a second cuff measurement with the same
    # status and values as the one before looks exactly like a repeat (NibpRepeats' rule).
    frames = ["NIBP=4;121;75;92;80;;"] * 3
    result = feed_all(AnsarBDecoder(), b"".join(_frame(f) for f in frames))
    assert [r.value for r in result.readings if r.metric == "bp_systolic"] == [121]
    assert [d.reason for d in result.dropped] == ["nibp-repeat"] * 2
