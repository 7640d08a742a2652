"""Line noise without a line end, run into a whole Masimo line: the line after it is still read.

devices.md: serial noise must be resynchronised on, and a bad frame must not cost the readings
around it. Real UART noise does not end at a CR LF, so the noise and the next line's device time
share one framed line; the bytes before the device time are dropped (and said so), the line from
its device time on is read (review 42).
"""

from __future__ import annotations

import pytest

from devices.masimo import MasimoDecoder
from devices.transport import FRAME_REJECTIONS
from tests.devices.conftest import RX, feed_all

LINE = (b"03/17/16 19:19:36 SN=0000093112 SPO2=091% BPM=123 PI=00.55 SPCO=--.-% SPMET=--.-% "
        b"DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000000\r\n")


@pytest.mark.parametrize("noise", [b"\xff\x13", b"\x8a\x02\xfe~", b"#@!"])
def test_an_intact_line_after_noise_without_a_line_end_keeps_its_values(noise: bytes) -> None:
    decoder = MasimoDecoder(at_line_start=True)
    result = decoder.feed(LINE + noise + LINE + LINE, RX)
    result.extend(decoder.flush(RX))
    spo2 = [r.value for r in result.readings if r.metric == "spo2"]
    # Three whole lines were sent; the noise is reported, the line after it is still read.
    assert spo2 == [91.0, 91.0, 91.0], [(d.reason, d.detail[:70]) for d in result.dropped]
    assert [r.value for r in result.readings if r.metric == "pulse_rate"] == [123.0] * 3


@pytest.mark.parametrize("seed", range(4))
def test_the_noise_before_the_line_is_reported_never_silent(seed: int) -> None:
    result = feed_all(MasimoDecoder(at_line_start=True), LINE + b"#@!" + LINE, seed)
    assert [d.reason for d in result.dropped] == ["garbage"]
    assert "3 bytes before a device time" in result.dropped[0].detail
    assert "#@!" in result.dropped[0].detail
    assert len(result.readings) == 4


def test_noise_before_a_line_cut_short_drops_both_and_keeps_the_next_whole_line() -> None:
    cut = b"03/17/16 19:19:39 SN=0000093112 SPO2=098% BPM=12"
    result = feed_all(MasimoDecoder(at_line_start=True), b"\xfe\x01" + cut + LINE)
    assert [d.reason for d in result.dropped] == ["garbage", "truncated-line"]
    assert [r.value for r in result.readings] == [91, 123]


def test_a_partial_first_line_run_into_a_whole_line_is_partial_and_the_line_is_read() -> None:
    # Opened mid-line, and the line end after that tail was lost: the tail is the partial line.
    result = feed_all(MasimoDecoder(), LINE[40:-2] + LINE)
    assert [d.reason for d in result.dropped] == ["partial-line"]
    assert [r.value for r in result.readings] == [91, 123]


@pytest.mark.parametrize("opened_mid_line", [False, True])
def test_a_line_without_values_after_the_noise_still_proves_the_oximeter_is_there(
        opened_mid_line: bool) -> None:
    # Probe off: the line has no values, but it is a whole line of a present oximeter, so the
    # connection must not count it with the rejected frames (transport: frames > rejected).
    empty = LINE.replace(b"SPO2=091%", b"SPO2=---%").replace(b"BPM=123", b"BPM=---")
    decoder = MasimoDecoder(at_line_start=not opened_mid_line)
    result = feed_all(decoder, LINE[40:-2] + empty)
    rejected = sum(d.reason in FRAME_REJECTIONS for d in result.dropped)
    assert not result.readings and result.frames > rejected
