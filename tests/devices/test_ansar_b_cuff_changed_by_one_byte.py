"""Ivy 450C ANSAR-B (RS-232, no checksum): a repeated NIBP record with one byte changed on the
line that still reads as a plausible cuff (121/75/92 read as 121/65/92) is no new cuff.

The monitor repeats its last cuff in every frame (1 s). That damaged record passes every check of
a whole record (numbers in range, diastolic < mean < systolic): it had been logged as a new cuff
"measured now" (a wrong diastolic), and the next frame's old record (on the monitor at connect, of
unknown age, perhaps the previous patient's) as a second one "measured now", meeting "BP at T+40"
and the baseline. A changed record is now reported one frame later, at its own frame's time, once
the next frame does not bring the record before it back. README "A repeated NIBP is one
measurement".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from devices.ansar_b import AnsarBDecoder
from devices.reading import AGE_UNKNOWN, NIBP_PULSE
from devices.stream import DecodeResult
from tests.devices.conftest import RX, feed_all

RECORD = b"NIBP=4;121;75;92;80;;"   # the capture's cuff, on the monitor when it started


def _capture_with(samples: Path, record: bytes, frame: int, new: bytes) -> bytes:
    """The Ivy capture, every NIBP record `record`, the one of its `frame`-th frame `new`."""
    data = (samples / "ivy-450c-ansar-b-capture.bin").read_bytes().replace(RECORD, record)
    at = -1
    for _ in range(frame + 2):   # the capture starts inside a frame that holds one record too
        at = data.index(record, at + 1)
    return data[:at] + new + data[at + len(record):]


def _cuffs(result: DecodeResult) -> list[tuple[str, float, bool]]:
    return [(r.metric, r.value, AGE_UNKNOWN in r.flags) for r in result.readings
            if r.channel == "NIBP"]


def _frame(nibp: str) -> bytes:
    return b"\xffANSAR-B " + bytes(400) + f"HR=1;80;X;\r{nibp}\r".encode() + b"\xfe"


def _feed_each_second(frames: list[str]) -> list[DecodeResult]:
    """Each frame a second after the one before (RX, RX + 1 s, ...), then the port closes: what
    each frame, and last the close, yielded."""
    decoder = AnsarBDecoder("ivy")
    results = [decoder.feed(_frame(nibp), RX + timedelta(seconds=second))
               for second, nibp in enumerate(frames)]
    return [*results, decoder.flush(RX + timedelta(seconds=len(frames)))]


def _systolic(results: list[DecodeResult]) -> list[list[tuple[float, datetime]]]:
    """Per frame (and the close), the systolic values reported and their times."""
    return [[(r.value, r.received_at) for r in result.readings if r.metric == "bp_systolic"]
            for result in results]


def _all(results: list[DecodeResult]) -> DecodeResult:
    whole = DecodeResult()
    for result in results:
        whole.extend(result)
    return whole


def test_a_changed_diastolic_digit_in_the_repeated_cuff_is_not_a_new_cuff(
    samples_dir: Path,
) -> None:
    # Frame 10 of 27 reads 121/65/92 for 121/75/92 ('7' -> '6'); the monitor took no cuff.
    result = feed_all(AnsarBDecoder("ivy"),
                      _capture_with(samples_dir, RECORD, 10, b"NIBP=4;121;65;92;80;;"))
    # The cuff on the monitor at connect, once, of unknown age: no 65 and nothing "now".
    assert _cuffs(result) == [("bp_systolic", 121, True), ("bp_diastolic", 75, True),
                              ("bp_mean", 92, True), ("pulse_rate", 80, True)]
    # The changed record is dropped, counted with the damaged records' words.
    said = [d for d in result.dropped if d.detail.startswith("NIBP=4;121;65;92")]
    assert [d.reason for d in said] == ["bad-frame"]
    assert said[0].detail == ("NIBP=4;121;65;92: shown in one frame only, between two of "
                              "NIBP=4;121;75;92 (a byte changed on the line); the record is not "
                              "read (the monitor sends it again in its next frame)")
    assert [d.reason for d in result.dropped].count("nibp-repeat") == 25


def test_a_lost_digit_of_a_high_diastolic_is_not_a_new_cuff(samples_dir: Path) -> None:
    # A hypertensive cuff 165/110/128 on the monitor; frame 10 loses the diastolic's leading
    # '1': 165/10/128 is in range and in order.
    high = b"NIBP=4;165;110;128;88;;"
    result = feed_all(AnsarBDecoder("ivy"),
                      _capture_with(samples_dir, high, 10, b"NIBP=4;165;10;128;88;;"))
    assert _cuffs(result) == [("bp_systolic", 165, True), ("bp_diastolic", 110, True),
                              ("bp_mean", 128, True), ("pulse_rate", 88, True)]


def test_an_added_semicolon_that_empties_the_mean_is_not_a_new_cuff() -> None:
    # `121;75;;92`: the mean reads as "not measured", the cuff 121/75 plausible.
    results = _feed_each_second(["NIBP=4;121;75;92;80;;", "NIBP=4;121;75;92;80;;",
                                 "NIBP=4;121;75;;92;80;;", "NIBP=4;121;75;92;80;;"])
    assert _systolic(results) == [[(121, RX)], [], [], [], []]
    assert [d.reason for d in _all(results).dropped].count("bad-frame") == 1


def test_a_new_cuff_one_value_apart_is_reported_at_the_time_its_first_frame_came() -> None:
    # The cuff cycles at 12:00:02 and only its diastolic moved (121/78/92): it is reported
    # with the next frame that shows it again, timed when it came, measured while the console
    # listened, its cuff pulse with it.
    results = _feed_each_second(["NIBP=4;121;75;92;80;;"] * 2 + ["NIBP=4;121;78;92;79;;"] * 3)
    at = RX + timedelta(seconds=2)
    assert _systolic(results) == [[(121, RX)], [], [], [(121, at)], [], []]
    assert [(r.metric, r.value, r.flags) for r in results[3].readings if r.channel == "NIBP"] \
        == [("bp_systolic", 121, frozenset()), ("bp_diastolic", 78, frozenset()),
            ("bp_mean", 92, frozenset()), ("pulse_rate", 79, frozenset({NIBP_PULSE}))]
    assert [d.reason for d in _all(results).dropped].count("nibp-repeat") == 3


def test_a_new_cuff_unlike_the_one_before_is_reported_in_its_own_frame() -> None:
    # 118/70/88 after 121/75/92: no single changed byte makes one of the other.
    results = _feed_each_second(["NIBP=4;121;75;92;80;;"] * 2 + ["NIBP=4;118;70;88;79;;"] * 2)
    assert _systolic(results) == [[(121, RX)], [], [(118, RX + timedelta(seconds=2))], [], []]


def test_a_new_cuff_in_the_last_frame_before_the_port_closes_is_not_lost() -> None:
    # The cable is pulled one frame after a new cuff came: it is reported at the close, timed
    # when it came.
    results = _feed_each_second(["NIBP=4;121;75;92;80;;"] * 3 + ["NIBP=4;121;78;92;79;;"])
    assert _systolic(results) == [[(121, RX)], [], [], [], [(121, RX + timedelta(seconds=3))]]
    assert [r.value for r in results[-1].readings if r.metric == "bp_diastolic"] == [78]


def test_a_new_cuff_followed_by_another_record_is_reported() -> None:
    # 121/78/92 shown one frame, then 130/85/100 (not the record before it): both are
    # reported, each at its own frame's time (a cuff is dropped only when the record before
    # it comes back).
    results = _feed_each_second(["NIBP=4;121;75;92;80;;"] * 2 + ["NIBP=4;121;78;92;79;;"]
                                + ["NIBP=4;130;85;100;82;;"] * 2)
    assert [v for frame in _systolic(results) for v in frame] == \
        [(121, RX), (121, RX + timedelta(seconds=2)), (130, RX + timedelta(seconds=3))]


def test_a_changed_byte_in_the_second_frame_leaves_the_cuff_of_unknown_age() -> None:
    # The very first frame's record is the one read damaged (121/65/92), the next ones whole:
    # either may be the cuff on the monitor at connect, so neither is "measured now".
    result = _all(_feed_each_second(["NIBP=4;121;65;92;80;;"] + ["NIBP=4;121;75;92;80;;"] * 3))
    assert [(r.metric, r.value, AGE_UNKNOWN in r.flags) for r in result.readings
            if r.channel == "NIBP" and r.metric != "pulse_rate"] == \
        [("bp_systolic", 121, True), ("bp_diastolic", 65, True), ("bp_mean", 92, True),
         ("bp_systolic", 121, True), ("bp_diastolic", 75, True), ("bp_mean", 92, True)]
