"""Ivy 450C ANSAR-B (RS-232, no checksum): an NIBP record damaged on the line (a byte lost) is
dropped whole and never taken for a new cuff measurement.

The monitor repeats its last cuff in every frame. One damaged record had been logged as a new
cuff, and the next whole frame's old record (on the monitor at connect: of unknown age, perhaps
the previous patient's) as a second new one, "measured now": it met "BP at T+40" and could become
the baseline. README "A repeated NIBP is one measurement".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.ansar_b import AnsarBDecoder
from devices.reading import AGE_UNKNOWN
from devices.stream import IMPOSSIBLE_BP, OUT_OF_HARD_RANGE, DecodeResult
from tests.devices.conftest import feed_all

RECORD = b"NIBP=4;121;75;92;80;;"   # the capture's cuff, on the monitor when it started

DAMAGED = [
    (b"NIBP=;121;75;92;80;;", "bad-frame"),          # the status digit lost
    (b"NIBP=4;21;75;92;80;;", IMPOSSIBLE_BP),        # a systolic digit lost: 21/75
    (b"NIBP=4;121;7;92;80;;", OUT_OF_HARD_RANGE),    # a diastolic digit lost: 7 mmHg
    (b"NIBP=4;121;75;9;80;;", OUT_OF_HARD_RANGE),    # a mean digit lost: 9 mmHg
    (b"NIBP=4;121;75;2;80;;", OUT_OF_HARD_RANGE),
    (b"NIBP=4;121;7592;80;;", OUT_OF_HARD_RANGE),    # a ';' lost: 75 and 92 run together
    (b"NIBP=4;121;75;192;80;;", IMPOSSIBLE_BP),      # a mean above the systolic
    (b"NIBP=4;1x1;75;92;80;;", "bad-frame"),         # a byte changed: not a number
]


def _capture_with_damaged_frame(samples: Path, damaged: bytes, frame: int) -> bytes:
    """The Ivy capture with the NIBP record of its `frame`-th frame replaced by `damaged`."""
    data = (samples / "ivy-450c-ansar-b-capture.bin").read_bytes()
    at = -1
    for _ in range(frame + 2):   # the capture starts inside a frame that holds one record too
        at = data.index(RECORD, at + 1)
    return data[:at] + damaged + data[at + len(RECORD):]


def _cuffs(result: DecodeResult) -> list[tuple[str, float, bool]]:
    return [(r.metric, r.value, AGE_UNKNOWN in r.flags) for r in result.readings
            if r.channel == "NIBP"]


@pytest.mark.parametrize(("damaged", "reason"), DAMAGED)
def test_a_damaged_nibp_record_is_dropped_and_the_old_cuff_stays_one_measurement(
    samples_dir: Path, damaged: bytes, reason: str
) -> None:
    # Frame 10 of 27 lost a byte of its NIBP record; the monitor took no cuff meanwhile.
    result = feed_all(AnsarBDecoder("ivy"), _capture_with_damaged_frame(samples_dir, damaged, 10))
    # The cuff on the monitor at connect is reported once, of unknown age; nothing "now".
    assert _cuffs(result) == [("bp_systolic", 121, True), ("bp_diastolic", 75, True),
                              ("bp_mean", 92, True), ("pulse_rate", 80, True)]
    # The damaged record is dropped whole with its reason; the rest are repeats.
    said = [d for d in result.dropped if d.detail.startswith(damaged.decode())]
    assert [d.reason for d in said] == [reason]
    assert "not read" in said[0].detail
    assert [d.reason for d in result.dropped].count("nibp-repeat") == 25


def test_a_damaged_first_record_leaves_the_cuff_of_unknown_age(samples_dir: Path) -> None:
    # The very first whole frame's NIBP lost a byte: the next frame's record is still the cuff
    # on the monitor at connect, not one measured while the console listened.
    result = feed_all(AnsarBDecoder("ivy"),
                      _capture_with_damaged_frame(samples_dir, b"NIBP=4;21;75;92;80;;", 0))
    assert _cuffs(result) == [("bp_systolic", 121, True), ("bp_diastolic", 75, True),
                              ("bp_mean", 92, True), ("pulse_rate", 80, True)]


def test_a_new_cuff_after_a_damaged_record_is_reported_as_measured(samples_dir: Path) -> None:
    # The cuff cycled (130/80); its first frame was damaged: the next whole one reports it.
    data = _capture_with_damaged_frame(samples_dir, b"NIBP=4;130;8;95;82;;", 10)
    at = data.index(b"NIBP=4;130;8;")
    data = data[:at] + data[at:].replace(RECORD, b"NIBP=4;130;80;95;82;;")
    result = feed_all(AnsarBDecoder("ivy"), data)
    assert _cuffs(result)[4:] == [("bp_systolic", 130, False), ("bp_diastolic", 80, False),
                                  ("bp_mean", 95, False), ("pulse_rate", 82, False)]


def test_an_empty_record_is_still_no_measurement_yet(samples_dir: Path) -> None:
    # `NIBP=4;;;;;;` until the first cuff: nothing to report, nothing damaged.
    data = (samples_dir / "ivy-450c-ansar-b-capture.bin").read_bytes()
    result = feed_all(AnsarBDecoder("ivy"), data.replace(RECORD, b"NIBP=4;;;;;;"))
    assert _cuffs(result) == []
    assert [d.reason for d in result.dropped].count("nibp-empty") == 27   # one a whole frame
