"""A monitor clock with no zone read in the hours a summer-time change makes ambiguous or skips.

Masimo lines and HL7 times without an offset are the monitor's wall clock, read in the
station's zone (devices.reading.STATION_ZONE). When the clocks go back, 01:00-02:00 happens
twice; `astimezone` alone took the first (summer) reading, so a right clock read in the second
01:30 became an hour before it arrived: "60 min behind" (a technical notice, the device marked
skewed), a fresh cuff pressure an hour old. Of the two readings the one nearer the receive time
is kept (devices.local_time).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from console.session.trend_feed import clock_offset
from devices import masimo
from devices.hl7.decoder import decode_message, parse_timestamp
from devices.local_time import wall_clock_to_utc
from devices.stream import DecodeResult

SECOND_0130_LONDON = datetime(2026, 10, 25, 1, 30, 2, tzinfo=UTC)   # 01:30:02 GMT, after the change
FIRST_0130_LONDON = datetime(2026, 10, 25, 0, 30, 2, tzinfo=UTC)    # 01:30:02 BST, before it
MASIMO_0130 = b"10/25/26 01:30:00 SN=0000012345 SPO2=098% BPM=072 PI=02.10 ALARM=000000 EXC=000000"


def _hl7_spo2_at(stamp: str) -> bytes:
    return (f"MSH|^~\\&|MON1|WARD|||{stamp}||ORU^R01|1|P|2.6\r"
            f"OBR|1||||||{stamp}\r"
            "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|98|262688^MDC_DIM_PERCENT^MDC"
            f"|||||R|||{stamp}\r").encode()


def _spo2_gap(result: DecodeResult, received: datetime) -> float:
    [spo2] = [r for r in result.readings if r.metric == "spo2"]
    assert spo2.measured_at is not None
    return (spo2.measured_at - received).total_seconds()


@pytest.mark.parametrize("received", [FIRST_0130_LONDON, SECOND_0130_LONDON])
def test_masimo_line_in_the_repeated_hour_is_read_as_the_time_it_arrived(
        station_zone: Callable[[str], None], received: datetime) -> None:
    station_zone("Europe/London")
    result = masimo.decode_line(MASIMO_0130, received)
    assert abs(_spo2_gap(result, received)) < 60
    [spo2] = [r for r in result.readings if r.metric == "spo2"]
    assert spo2.measured_at is not None
    assert clock_offset("spo2", spo2.measured_at, spo2.received_at,
                        datetime(2026, 10, 25, 0, 0, tzinfo=UTC)) is None   # no false skew


def test_hl7_time_without_offset_in_the_repeated_hour_new_york(
        station_zone: Callable[[str], None]) -> None:
    # 01:30 EST on Sun 01 Nov 2026 = 06:30 UTC; read as EDT (the first 01:30) it is 05:30 UTC.
    station_zone("America/New_York")
    value, problem = parse_timestamp("20261101013000")
    assert problem == ""   # alone the text is ambiguous, and still read
    received = datetime(2026, 11, 1, 6, 30, 3, tzinfo=UTC)
    result = decode_message(_hl7_spo2_at("20261101013000"), received)
    gap = _spo2_gap(result, received)
    assert abs(gap) < 60, f"a right clock read as {-gap / 60:.0f} min behind"
    assert parse_timestamp("20261101013000", received_at=received)[0] == datetime(
        2026, 11, 1, 6, 30, tzinfo=UTC)


def test_hl7_time_with_an_offset_is_not_moved_by_the_receive_time() -> None:
    received = datetime(2026, 11, 1, 6, 30, 3, tzinfo=UTC)
    value, _ = parse_timestamp("20261101013000-0400", received_at=received)
    assert value == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)   # the sender said EDT


@pytest.mark.parametrize(("received", "expected"), [
    # A clock not yet put forward sends 01:30 at 01:30 GMT: read on the offset before the change.
    (datetime(2026, 3, 29, 1, 30, 2, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
    # Sent at 00:30 GMT (a clock put forward early): read on the offset after the change.
    (datetime(2026, 3, 29, 0, 30, 2, tzinfo=UTC), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
])
def test_masimo_time_in_the_skipped_hour_is_kept_and_read_nearer_its_arrival(
        station_zone: Callable[[str], None], received: datetime, expected: datetime) -> None:
    station_zone("Europe/London")
    line = MASIMO_0130.replace(b"10/25/26", b"03/29/26")
    [spo2] = [r for r in masimo.decode_line(line, received).readings if r.metric == "spo2"]
    assert spo2.measured_at == expected


def test_wall_clock_outside_the_change_ignores_the_receive_time(
        station_zone: Callable[[str], None]) -> None:
    station_zone("Europe/London")
    far = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert wall_clock_to_utc(datetime(2026, 7, 1, 1, 30), None, far) == datetime(
        2026, 7, 1, 0, 30, tzinfo=UTC)
    # No receive time: the first reading of the repeated hour, as before (summer time).
    assert wall_clock_to_utc(datetime(2026, 10, 25, 1, 30), None, None) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("received", [FIRST_0130_LONDON, SECOND_0130_LONDON])
def test_an_intellivue_time_in_the_repeated_hour_is_read_as_the_time_it_arrived(
        station_zone: Callable[[str], None], received: datetime) -> None:
    # Before the monitor's clock is learnt (MDS create), its times are the station's wall clock.
    from devices.intellivue.codec import encode_bcd_time
    from devices.intellivue.numerics import MonitorClock

    station_zone("Europe/London")
    when, problem = MonitorClock().to_utc(
        encode_bcd_time(datetime(2026, 10, 25, 1, 30, 0)), received)
    assert problem == "" and when is not None
    assert abs((when - received).total_seconds()) < 60
