"""Masimo ASCII 1 lines: the three sample lines, placeholders, partial first line, flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from devices.masimo import MasimoDecoder, decode_line
from tests.devices.conftest import RX, feed_all

UTC = timezone.utc
LINE = (b"03/17/16 19:19:36 SN=0000093112 SPO2=098% BPM=123 PI=00.55 SPCO=--% "
        b"ALARM=0000 EXC=000000")


def test_sample_lines(samples_dir: Path) -> None:
    data = (samples_dir / "masimo-rad-serial-ascii-lines.txt").read_bytes()
    result = feed_all(MasimoDecoder(), data)
    assert result.frames == 3
    # Line 2 (Rad-7) is the only one with values: SpO2 098% and BPM 123, EXC=0000C00.
    assert [(r.metric, r.value, r.unit) for r in result.readings] == [
        ("spo2", 98, "%"), ("pulse_rate", 123, "beats/min")]
    for reading in result.readings:
        assert reading.measured_at == datetime(2016, 3, 17, 19, 19, 36, tzinfo=UTC)
        assert reading.received_at == RX
        assert reading.source == "masimo"  # SN=---------- : no serial number
        assert reading.flags == {"EXC=0000C00"}
    # Lines 1 and 3: SPO2=---% and BPM=---% / BPM=--- are placeholders, never numbers.
    assert [d.reason for d in result.dropped] == ["no-value"] * 4


@pytest.mark.parametrize("seed", range(6))
def test_sample_lines_any_chunking(samples_dir: Path, seed: int) -> None:
    data = (samples_dir / "masimo-rad-serial-ascii-lines.txt").read_bytes()
    whole = feed_all(MasimoDecoder(), data)
    chunked = feed_all(MasimoDecoder(), data, seed)
    assert chunked.readings == whole.readings
    assert [d.reason for d in chunked.dropped] == [d.reason for d in whole.dropped]


def test_serial_number_names_the_source() -> None:
    result = decode_line(LINE, RX)
    assert {r.source for r in result.readings} == {"masimo:0000093112"}
    assert result.readings[0].flags == frozenset()


def test_source_hint_when_no_serial_number() -> None:
    line = LINE.replace(b"SN=0000093112", b"SN=----------")
    assert decode_line(line, RX, source_hint="ttyUSB0").readings[0].source == "masimo:ttyUSB0"


@pytest.mark.parametrize("field", [b"SPO2=---%", b"SPO2=--.-%", b"SPO2=", b"SPO2=--"])
def test_placeholders_are_never_numbers(field: bytes) -> None:
    result = decode_line(LINE.replace(b"SPO2=098%", field), RX)
    assert [r.metric for r in result.readings] == ["pulse_rate"]
    assert [d.reason for d in result.dropped] == ["no-value"]


def test_partial_first_line_after_opening_is_dropped_as_partial() -> None:
    stream = LINE[25:] + b"\r\n" + LINE + b"\r\n"
    result = feed_all(MasimoDecoder(), stream)
    assert [d.reason for d in result.dropped] == ["partial-line"]
    assert [r.value for r in result.readings] == [98, 123]


def test_nul_bytes_and_crlf() -> None:
    stream = b"\x00\x00" + LINE + b"\r\n\x00" + LINE + b"\r"
    assert len(feed_all(MasimoDecoder(), stream).readings) == 4


def test_malformed_line_is_a_bad_frame() -> None:
    result = feed_all(MasimoDecoder(at_line_start=True), b"hello world\r\n" + LINE + b"\r\n")
    assert [d.reason for d in result.dropped] == ["bad-frame"]
    assert len(result.readings) == 2


def test_out_of_range_spo2_is_dropped() -> None:
    result = decode_line(LINE.replace(b"SPO2=098%", b"SPO2=101%"), RX)
    assert [d.reason for d in result.dropped] == ["out-of-hard-range"]


def test_impossible_device_date_keeps_values_without_time() -> None:
    result = decode_line(LINE.replace(b"03/17/16", b"13/45/16"), RX)
    assert [r.measured_at for r in result.readings] == [None, None]
    assert [d.reason for d in result.dropped] == ["bad-timestamp"]


# A cut-off line (QA: /tmp/qa-devices/masimo-truncated.txt) was read as SpO2 9 or pulse 7: a false
# low-SpO2 alarm. Lines are complete only with fixed-width values and their ALARM/EXC end.
@pytest.mark.parametrize("cut", [
    b"03/17/16 19:19:37 SN=0000012345 SPO2=098% BPM=07",
    b"03/17/16 19:19:38 SN=0000012345 SPO2=09",
    b"03/17/16 19:19:39 SN=0000012345 SPO2=087% BPM=118 PI=00.55 SPCO=--% SPMET=--.-% DESAT=",
    b"03/17/16 19:19:39 SN=0000012345 SPO2=087% BPM=118 PI=00.55 ALARM=0000 EXC=",
    # bytes lost inside an otherwise whole line: a value without its width or unit
    b"03/17/16 19:19:39 SN=0000012345 SPO2=09 BPM=118 PI=00.55 ALARM=0000 EXC=000000",
    b"03/17/16 19:19:39 SN=0000012345 SPO2=098 BPM=118 PI=00.55 ALARM=0000 EXC=000000",
    b"03/17/16 19:19:39 SN=0000012345 SPO2=098% BPM=7 PI=00.55 ALARM=0000 EXC=000000",
])
def test_cut_off_line_is_dropped_as_truncated_never_read_as_a_value(cut: bytes) -> None:
    result = feed_all(MasimoDecoder(at_line_start=True), LINE + b"\r\n" + cut + b"\r\n")
    # Only the whole line before it gives values; the cut one is dropped, with its reason.
    assert [(r.metric, r.value) for r in result.readings] == [("spo2", 98), ("pulse_rate", 123)]
    assert [d.reason for d in result.dropped] == ["truncated-line"]
    assert cut[:40].decode() in result.dropped[0].detail


def test_a_line_cut_short_and_run_into_the_next_keeps_the_next_lines_values() -> None:
    # No line end between them on the wire: the cut one is dropped, the whole one after it read.
    cut = b"03/17/16 19:19:39 SN=0000012345 SPO2=098% BPM=12"
    after = b"03/17/16 19:19:40 SN=0000012345 SPO2=087% BPM=118 PI=00.55 ALARM=0000 EXC=000000"
    result = feed_all(MasimoDecoder(at_line_start=True), LINE + b"\r\n" + cut + after + b"\r\n")
    assert [(r.metric, r.value) for r in result.readings] == [
        ("spo2", 98), ("pulse_rate", 123), ("spo2", 87), ("pulse_rate", 118)]
    assert [d.reason for d in result.dropped] == ["truncated-line"]
    assert cut.decode() in result.dropped[0].detail


def test_every_cut_of_a_real_line_gives_its_own_values_or_none(samples_dir: Path) -> None:
    lines = (samples_dir / "masimo-rad-serial-ascii-lines.txt").read_bytes().splitlines()
    whole = lines[1]  # the Rad-7 line: SPO2=098% BPM=123, ALARM=000000 EXC=0000C00 EXC1=...
    assert [r.value for r in decode_line(whole, RX).readings] == [98, 123]
    for end in range(len(whole)):
        got = decode_line(whole[:end], RX)
        # A prefix is either dropped whole or, once past EXC=, reads the line's own values.
        assert [r.value for r in got.readings] in ([], [98, 123]), whole[:end]
        if not got.readings:
            assert [d.reason for d in got.dropped] in (["truncated-line"], ["bad-frame"]), whole[:end]
    assert decode_line(whole[:whole.index(b" ALARM=")], RX).dropped[0].reason == "truncated-line"


def test_oximeter_time_is_the_stations_local_time(
        samples_dir: Path, station_zone: Callable[[str], None]) -> None:
    # The oximeter's clock is set to ward time and sent without a zone; read as UTC, a reading
    # in Berlin was stored as measured an hour after it was received (QA, TZ=Europe/Berlin).
    station_zone("Europe/Berlin")
    data = (samples_dir / "masimo-rad-serial-ascii-lines.txt").read_bytes()
    result = feed_all(MasimoDecoder(), data)
    # 03/17/16 19:19:36 is Berlin winter time, UTC+1.
    assert {r.measured_at for r in result.readings} == {datetime(2016, 3, 17, 18, 19, 36, tzinfo=UTC)}
    # A zone given explicitly still wins.
    line = decode_line(LINE, RX, default_tz=UTC)
    assert {r.measured_at for r in line.readings} == {datetime(2016, 3, 17, 19, 19, 36, tzinfo=UTC)}
