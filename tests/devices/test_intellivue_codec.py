"""IntelliVue building blocks: FCS-16, escapes and framing, FLOAT, BCD times, and the rules that
turn a numeric into a reading (ids, states, units, ranges, labels ignored, NBP time)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from devices.intellivue import ids
from devices.intellivue.codec import (
    Malformed,
    Reader,
    ava,
    decode_bcd_time,
    decode_float,
    encode_bcd_time,
    encode_float,
    read_attributes,
)
from devices.intellivue.decoder import IntelliVueDecoder
from devices.intellivue.framing import (
    SerialFramer,
    escape,
    fcs16,
    frame,
    open_frame,
    split_frames,
    unescape,
)
from devices.intellivue.messages import poll_reply
from devices.intellivue.numerics import (
    MonitorClock,
    compound_value,
    label_string,
    numeric_value,
    observation,
    poll_info_list,
)
from devices.stream import DecodeResult
from tests.devices.conftest import RX

# --------------------------------------------------------------------------- helpers


def value_observation(physio_id: int, raw: int, *, state: int = 0, unit: int = ids.UNIT_BPM,
                      label: str = "HR", handle: int = 0x8001,
                      stamp: bytes | None = None) -> bytes:
    """One observation holding one 0x0950 value (raw FLOAT bits) and a label."""
    attributes = [ava(ids.ATTR_LABEL_STRING, label_string(label))]
    if stamp is not None:
        attributes.append(ava(ids.ATTR_TIME_STAMP_ABS, stamp))
    attributes.append(ava(ids.ATTR_NUMERIC, numeric_value(physio_id, state, unit, raw)))
    return observation(handle, attributes)


def nbp_observation(sys_: float | None, dia: float | None, mean: float | None, *,
                    state: int = 0, unit: int = ids.UNIT_MMHG, stamp: bytes | None = None,
                    decimals: int = 0) -> bytes:
    members = [numeric_value(i, state, unit, encode_float(v, decimals))
               for i, v in zip((0x4A05, 0x4A06, 0x4A07), (sys_, dia, mean))]
    attributes = [ava(ids.ATTR_LABEL_STRING, label_string("NBP"))]
    if stamp is not None:
        attributes.append(ava(ids.ATTR_TIME_STAMP_ABS, stamp))
    attributes.append(ava(ids.ATTR_COMPOUND, compound_value(members)))
    return observation(0x8272, attributes)


def reply(*observations: bytes, invoke_id: int = 1, poll_number: int = 1) -> bytes:
    """A final extended poll reply (unframed) holding `observations` in one context."""
    return poll_reply(invoke_id, poll_number, poll_info_list([(1, list(observations))]),
                      abs_time=b"\xff" * 8, rel_time=0, linked=None)


def decode(*observations: bytes) -> DecodeResult:
    return IntelliVueDecoder("t", lan=True).feed(reply(*observations), RX)


# --------------------------------------------------------------------------- FCS and framing


def _fcs_bitwise(data: bytes) -> int:
    """RFC 1662's FCS-16 written out bit by bit (the definition the fast version must match)."""
    fcs = 0xFFFF
    for byte in data:
        fcs ^= byte
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs ^ 0xFFFF


@pytest.mark.parametrize("data", [b"", b"\x00", b"123456789", bytes(range(256)) * 3,
                                  b"\x7d\xc0\xc1" * 10])
def test_fcs_matches_the_bitwise_definition(data: bytes) -> None:
    assert fcs16(data) == _fcs_bitwise(data)


def test_fcs_check_value() -> None:
    # CRC-16/X-25 (the PPP FCS) of "123456789" is 0x906E.
    assert fcs16(b"123456789") == 0x906E


def test_escape_round_trip_and_what_is_escaped() -> None:
    assert escape(b"\x7d\xc0\xc1\x11") == b"\x7d\x5d\x7d\xe0\x7d\xe1\x11"
    assert unescape(escape(bytes(range(256)))) == bytes(range(256))
    assert unescape(b"\x01\x7d") is None  # a lone escape at the end


def test_frame_round_trip_escapes_header_message_and_fcs() -> None:
    for message in (b"", b"\xc0\xc1\x7d", bytes(range(256))):
        wire = frame(message)
        assert wire[0] == 0xC0 and wire[-1] == 0xC1
        assert 0xC0 not in wire[1:-1] and 0xC1 not in wire[1:-1]
        assert split_frames(wire).frames[0].data == message


def test_frame_refuses_an_oversize_message() -> None:
    with pytest.raises(ValueError, match="at most 65535"):
        frame(bytes(65536))


def test_bad_fcs_is_dropped_and_the_next_frame_read() -> None:
    good = frame(b"\xe1\x00hello")
    bad = bytearray(frame(b"\xe1\x00world"))
    bad[8] ^= 0x01
    split = split_frames(bytes(bad) + good)
    assert [d.reason for d in split.dropped] == ["bad-fcs"]
    assert [f.data for f in split.frames] == [b"\xe1\x00hello"]


def test_bad_headers_are_dropped() -> None:
    def body(content: bytes) -> bytes:
        fcs = fcs16(content)
        return escape(content + bytes((fcs & 0xFF, fcs >> 8)))

    assert open_frame(body(b"\x11\x01\x00\x05abc"))[1].reason == "bad-frame-header"  # type: ignore[union-attr]
    assert open_frame(body(b"\x12\x01\x00\x03abc"))[1].reason == "bad-frame-header"  # type: ignore[union-attr]
    assert open_frame(b"\x11\x01")[1].reason == "bad-frame-header"  # type: ignore[union-attr]
    assert open_frame(b"\x11\x01\x00\x00\x00\x7d")[1].reason == "bad-frame-header"  # type: ignore[union-attr]


def test_garbage_is_reported_once_however_it_is_chunked() -> None:
    data = b"noise without a start" + frame(b"\xe1\x00ok")
    whole = split_frames(data)
    framer = SerialFramer()
    pieces = [framer.push(data[i : i + 3]) for i in range(0, len(data), 3)]
    assert [d.reason for d in whole.dropped] == ["garbage"]
    assert [d.reason for p in pieces for d in p.dropped] == ["garbage"]
    assert [f.data for p in pieces for f in p.frames] == [b"\xe1\x00ok"]


def test_open_frame_at_end_of_stream_is_truncated() -> None:
    framer = SerialFramer()
    assert framer.push(frame(b"\xe1\x00abc")[:-3]).frames == []
    assert [d.reason for d in framer.flush().dropped] == ["truncated-frame"]


def test_a_frame_without_its_end_is_bounded() -> None:
    from devices.intellivue.framing import MAX_ESCAPED_FRAME

    framer = SerialFramer()
    framer.push(b"\xc0" + bytes(MAX_ESCAPED_FRAME // 2))
    split = framer.push(bytes(MAX_ESCAPED_FRAME // 2 + 10))
    assert [d.reason for d in split.dropped] == ["frame-too-long"]
    assert split.rest == b""


# --------------------------------------------------------------------------- FLOAT and BCD


@pytest.mark.parametrize(("raw", "value"), [
    (0x0000003C, 60.0),          # the sample's HR
    (0xFFFFFFF7, -0.9),          # ST I: exponent -1, mantissa -9
    (0xFF00000C, 1.2),           # ST aVR
    (0xFE002615, 97.49),         # 9749 x 10^-2
    (0x01000005, 50.0),          # 5 x 10^1
    (0x00000000, 0.0),
    (0x007FFFFD, 8388605.0),     # largest ordinary mantissa
    (0x00800003, -8388605.0),    # smallest ordinary mantissa
    (0x80000001, 1e-128),        # exponent -128
])
def test_float_values(raw: int, value: float) -> None:
    assert decode_float(raw)[0] == pytest.approx(value, rel=1e-12, abs=0)


@pytest.mark.parametrize(("raw", "name"), [
    (0x007FFFFF, "NaN"), (0xFF7FFFFF, "NaN"), (0x00800000, "NRes"), (0x007FFFFE, "+INF"),
    (0x00800002, "-INF"), (0x00800001, "reserved"),
])
def test_float_specials_are_not_values(raw: int, name: str) -> None:
    assert decode_float(raw) == (None, name)


def test_float_encode_round_trip_and_limits() -> None:
    for value, decimals in ((97.0, 0), (36.6, 1), (-0.9, 1), (0.0, 0), (120.25, 2)):
        assert decode_float(encode_float(value, decimals))[0] == value
    assert encode_float(None) == ids.FLOAT_NAN
    assert encode_float(float("nan")) == ids.FLOAT_NAN
    with pytest.raises(ValueError):
        encode_float(9_000_000.0)


def test_bcd_time() -> None:
    when, problem = decode_bcd_time(bytes.fromhex("2021032912461800"))
    assert (when, problem) == (datetime(2021, 3, 29, 12, 46, 18), "")
    assert encode_bcd_time(datetime(2026, 1, 2, 3, 4, 5, 670000)) == bytes.fromhex(
        "2026010203040567")
    assert decode_bcd_time(b"\xff" * 8)[0] is None
    assert "not BCD" in decode_bcd_time(bytes.fromhex("20210a2912461800"))[1]
    assert "not a real date" in decode_bcd_time(bytes.fromhex("2021023012000000"))[1]
    assert decode_bcd_time(b"\x20")[0] is None


def test_reader_never_reads_past_its_slice() -> None:
    reader = Reader(b"\x00\x01\x00\x02", "x")
    assert reader.u16() == 1
    with pytest.raises(Malformed):
        reader.u32()
    # An attribute list whose item claims more bytes than the list holds.
    with pytest.raises(Malformed):
        read_attributes(Reader(struct.pack(">HHHH", 1, 4, 0x0950, 10)), "obs")


# --------------------------------------------------------------------------- numerics rules


def test_each_vital_by_physiological_id() -> None:
    result = decode(
        value_observation(0x4182, 72, label="HR"),
        value_observation(0x4822, 71, label="Pulse"),
        value_observation(0x4BB8, encode_float(97.5, 1), unit=ids.UNIT_PERCENT, label="SpO2"),
        value_observation(0x500A, 14, unit=ids.UNIT_RESP_PER_MIN, label="RR"),
        nbp_observation(121, 79, 93),
    )
    assert [(r.metric, r.value, r.unit) for r in result.readings] == [
        ("heart_rate", 72, "beats/min"), ("pulse_rate", 71, "beats/min"), ("spo2", 97.5, "%"),
        ("resp_rate", 14, "breaths/min"), ("bp_systolic", 121, "mmHg"),
        ("bp_diastolic", 79, "mmHg"), ("bp_mean", 93, "mmHg")]
    assert result.dropped == []


def test_labels_are_ignored_only_ids_count() -> None:
    result = decode(
        value_observation(0x4182, 64, label="ЧСС"),          # HR with a Russian label
        value_observation(0x4182, 65, label="SpO2"),         # a label that lies
        value_observation(0x4BB0, 3, unit=0x0200, label="HR"),  # perfusion labelled HR
    )
    assert [(r.metric, r.value) for r in result.readings] == [("heart_rate", 64),
                                                             ("heart_rate", 65)]
    (unused,) = result.dropped
    assert unused.reason == "not-monitored" and "0x4bb0 (HR)" in unused.detail


def test_invasive_pressure_is_never_nbp() -> None:
    art = [numeric_value(i, 0, ids.UNIT_MMHG, 120) for i in (0x4A11, 0x4A12, 0x4A13)]
    result = decode(observation(0x9000, [ava(ids.ATTR_COMPOUND, compound_value(art))]))
    assert result.readings == []
    assert [d.reason for d in result.dropped] == ["not-monitored"]


@pytest.mark.parametrize(("state", "reason"), [
    (0x8000, "invalid"), (0x8001, "invalid"), (0x8200, "invalid"), (0x2000, "no-value"),
    (0xA000, "invalid"), (0x1000, "no-value"),
])
def test_states_that_remove_the_value(state: int, reason: str) -> None:
    result = decode(value_observation(0x4182, 60, state=state))
    assert result.readings == []
    assert [d.reason for d in result.dropped] == [reason]
    assert f"{state:#06x}" in result.dropped[0].detail


@pytest.mark.parametrize(("state", "flags"), [
    (0x4000, {"QUES"}), (0x0800, {"TEST"}), (0x0400, {"DEMO"}), (0x0040, {"EARLY"}),
    (0x4002, {"QUES"}), (0x0002, set()), (0x0001, set()), (0x0000, set()),
])
def test_states_kept_as_flags(state: int, flags: set[str]) -> None:
    (reading,) = decode(value_observation(0x4182, 60, state=state)).readings
    assert reading.flags == frozenset(flags)


def test_nan_and_other_specials_are_no_value() -> None:
    result = decode(value_observation(0x4182, ids.FLOAT_NAN),
                    value_observation(0x4182, 0x007FFFFE),
                    nbp_observation(None, None, None))
    assert result.readings == []
    # An NBP with no value at all is no cuff measurement yet, whatever its time stamp.
    assert [d.reason for d in result.dropped] == ["no-value", "no-value", "nibp-empty"]
    assert "NaN" in result.dropped[0].detail and "+INF" in result.dropped[1].detail


def test_units_are_checked() -> None:
    result = decode(
        value_observation(0x4182, 60, unit=ids.UNIT_RESP_PER_MIN),   # HR in resp/min
        value_observation(0x4BB8, 97, unit=0x0200),                  # SpO2 dimensionless
        value_observation(0x500A, 14, unit=ids.UNIT_BPM),            # RR in beats/min
    )
    assert result.readings == []
    assert [d.reason for d in result.dropped] == ["unknown-unit"] * 3
    assert "0x0ae0" in result.dropped[0].detail and "allowed: 0x0aa0 bpm" in \
        result.dropped[0].detail


def test_nbp_in_kpa_is_converted() -> None:
    result = decode(nbp_observation(16.0, 10.5, 12.4, unit=ids.UNIT_KPA, decimals=1))
    assert [(r.metric, r.value) for r in result.readings] == [
        ("bp_systolic", 120.01), ("bp_diastolic", 78.756), ("bp_mean", 93.008)]


@pytest.mark.parametrize(("physio_id", "value", "unit"), [
    (0x4182, 301, ids.UNIT_BPM), (0x4182, encode_float(-1.0), ids.UNIT_BPM),
    (0x4BB8, encode_float(100.1, 1), ids.UNIT_PERCENT), (0x500A, 151, ids.UNIT_RESP_PER_MIN),
    (0x4A05, 301, ids.UNIT_MMHG), (0x4A06, 9, ids.UNIT_MMHG),
])
def test_never_outside_the_hard_range(physio_id: int, value: int, unit: int) -> None:
    result = decode(value_observation(physio_id, value, unit=unit))
    assert result.readings == []
    assert [d.reason for d in result.dropped] == ["out-of-hard-range"]


def test_labels_only_observations_yield_nothing() -> None:
    labels_only = observation(0x82CF, [ava(ids.ATTR_LABEL_STRING, label_string("HR"))])
    result = decode(labels_only)
    assert (result.readings, result.dropped, result.frames) == ([], [], 1)


def test_malformed_value_keeps_what_came_before() -> None:
    broken = observation(0x8002, [ava(ids.ATTR_NUMERIC, b"\x41\x82\x00")])
    result = decode(value_observation(0x4182, 70), broken)
    assert [r.value for r in result.readings] == [70]
    assert [d.reason for d in result.dropped] == ["malformed-message"]


def test_a_broken_observation_keeps_what_came_before() -> None:
    # The second observation says it has 5 attributes but holds 1: the list is read up to it.
    one = ava(ids.ATTR_LABEL_STRING, label_string("SpO2"))
    broken = struct.pack(">HHH", 0x8400, 5, len(one)) + one
    result = decode(value_observation(0x4182, 70), broken)
    assert [r.value for r in result.readings] == [70]
    assert [d.reason for d in result.dropped] == ["malformed-message"]
    assert "the rest of the message was not read" in result.dropped[0].detail


# --------------------------------------------------------------------------- NBP time


def test_nbp_time_maps_through_the_monitor_clock_offset() -> None:
    # The monitor's clock reads 10:00 local (UTC+2) when the host's UTC is 08:00:05.
    clock = MonitorClock()
    clock.learn(encode_bcd_time(datetime(2026, 1, 2, 10, 0, 0)), datetime(2026, 1, 2, 8, 0, 5,
                                                                          tzinfo=UTC))
    rx = datetime(2026, 1, 2, 8, 30, tzinfo=UTC)
    when, why = clock.to_utc(encode_bcd_time(datetime(2026, 1, 2, 10, 20, 0)), rx)
    assert (when, why) == (datetime(2026, 1, 2, 8, 20, 5, tzinfo=UTC), "")


def test_nbp_time_before_the_clock_is_known_uses_monitor_tz() -> None:
    clock = MonitorClock(timezone(timedelta(hours=2)))
    rx = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    when, _ = clock.to_utc(encode_bcd_time(datetime(2026, 1, 2, 10, 30)), rx)
    assert when == datetime(2026, 1, 2, 8, 30, tzinfo=UTC)


def test_nbp_time_before_the_clock_is_known_is_the_stations_local_time(
        station_zone: Callable[[str], None]) -> None:
    # A capture that starts after MDS-create: the monitor's zoneless clock is ward time.
    station_zone("Europe/Berlin")
    rx = datetime(2026, 7, 2, 9, 0, tzinfo=UTC)
    when, _ = MonitorClock().to_utc(encode_bcd_time(datetime(2026, 7, 2, 10, 30)), rx)
    assert when == datetime(2026, 7, 2, 8, 30, tzinfo=UTC)   # Berlin summer time, UTC+2


def test_nbp_reading_carries_its_own_time_and_a_future_one_is_not_used() -> None:
    past = encode_bcd_time(RX.replace(tzinfo=None) - timedelta(minutes=7))
    future = encode_bcd_time(RX.replace(tzinfo=None) + timedelta(hours=2))
    result = decode(nbp_observation(120, 80, 93, stamp=past))
    assert {r.measured_at for r in result.readings} == {RX - timedelta(minutes=7)}
    result = decode(nbp_observation(120, 80, 93, stamp=future))
    assert {r.measured_at for r in result.readings} == {None}
    assert [d.reason for d in result.dropped] == ["bad-timestamp"]
    assert "check the monitor's clock" in result.dropped[0].detail
    unset = decode(nbp_observation(120, 80, 93, stamp=b"\xff" * 8))
    assert {r.measured_at for r in unset.readings} == {None}
    assert [d.reason for d in unset.dropped] == ["bad-timestamp"]


def test_a_time_stamp_at_the_calendars_edge_is_unusable_not_a_decoder_error() -> None:
    # 0001-01-01 (a monitor whose clock was never set) cannot go through the station's local
    # time (the C library refuses year 0): the reading keeps no time, the decoder goes on.
    when, why = MonitorClock().to_utc(bytes([0x00, 0x01, 0x01, 0x01, 0, 0, 0, 0]),
                                      datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert when is None and "cannot be placed on the station's clock" in why


def test_an_nbp_without_a_usable_time_is_one_measurement_however_often_it_is_polled() -> None:
    # A monitor whose clock was never set stamps its NBP 0xFF..; every poll reply repeats the last
    # cuff measurement until the next. Each repeat had become a new reading (one a second in the
    # record, the trend and the alarm timers for a single cuff measurement).
    decoder = IntelliVueDecoder("t", lan=True)
    unset = b"\xff" * 8

    def poll(n: int, *observations: bytes) -> DecodeResult:
        return decoder.feed(reply(*observations, invoke_id=n, poll_number=n),
                            RX + timedelta(seconds=n))

    hr = value_observation(0x4182, encode_float(72))
    first = poll(1, hr, nbp_observation(120, 80, 93, stamp=unset))
    repeats = [poll(n, hr, nbp_observation(120, 80, 93, stamp=unset)) for n in (2, 3, 4)]
    later = poll(5, hr, nbp_observation(150, 95, 113, stamp=unset))
    again = poll(6, hr, nbp_observation(150, 95, 113, stamp=unset))

    def nbp(result: DecodeResult) -> list[tuple[str, float, frozenset[str]]]:
        return [(r.metric, r.value, r.flags) for r in result.readings if r.metric != "heart_rate"]

    # The first poll's measurement may be from before the console connected: age unknown.
    age_unknown = frozenset({"AGE_UNKNOWN"})
    assert nbp(first) == [("bp_systolic", 120.0, age_unknown), ("bp_diastolic", 80.0, age_unknown),
                          ("bp_mean", 93.0, age_unknown)]
    assert [nbp(r) for r in repeats] == [[], [], []]
    assert all([d.reason for d in r.dropped] == ["nibp-repeat"] for r in repeats)
    # A new cuff measurement, seen come: its time is its arrival; its repeat is dropped again.
    assert nbp(later) == [("bp_systolic", 150, frozenset()), ("bp_diastolic", 95, frozenset()),
                          ("bp_mean", 113, frozenset())]
    assert {r.measured_at for r in later.readings} == {None}
    assert [d.reason for d in later.dropped] == ["bad-timestamp"]
    assert nbp(again) == [] and [d.reason for d in again.dropped] == ["nibp-repeat"]
    # The continuous values are never taken for repeats.
    assert all([r.value for r in result.readings if r.metric == "heart_rate"] == [72]
               for result in (first, *repeats, later, again))


def test_an_nbp_without_a_value_or_a_usable_time_is_empty_not_a_repeat() -> None:
    # As ANSAR-B's `NIBP=4;;;;;;` (QA: counted as nibp-repeat): before the first cuff
    # measurement the compound holds NaN; each poll's is "no measurement yet", never a repeat.
    decoder = IntelliVueDecoder("t", lan=True)
    unset = b"\xff" * 8
    results = [decoder.feed(reply(nbp_observation(None, None, None, stamp=unset), invoke_id=n,
                                  poll_number=n), RX + timedelta(seconds=n)) for n in (1, 2, 3)]
    assert [[d.reason for d in r.dropped] for r in results] == [["nibp-empty"]] * 3
    assert results[0].dropped[0].detail == ("poll 1 handle 0x8272 (label 'NBP'): no measurement "
                                            "yet (no systolic, diastolic or mean value)")
    # The first measurement after it was seen come: reported, not of unknown age.
    first = decoder.feed(reply(nbp_observation(120, 80, 93, stamp=unset), invoke_id=4,
                               poll_number=4), RX + timedelta(seconds=4))
    assert [(r.metric, r.flags) for r in first.readings] == [
        ("bp_systolic", frozenset()), ("bp_diastolic", frozenset()), ("bp_mean", frozenset())]


def test_an_nbp_with_a_usable_time_reaches_the_engine_every_poll_to_be_deduplicated_there() -> None:
    # With a time the engine keeps one reading per measured time (SessionEngine._is_repeat) and
    # survives a restart; the decoder passes each poll's values on.
    decoder = IntelliVueDecoder("t", lan=True)
    stamp = encode_bcd_time(RX.replace(tzinfo=None) - timedelta(minutes=2))
    results = [decoder.feed(reply(nbp_observation(120, 80, 93, stamp=stamp), invoke_id=n,
                                  poll_number=n), RX + timedelta(seconds=n)) for n in (1, 2)]
    assert [len(r.readings) for r in results] == [3, 3]
    assert not [d for r in results for d in r.dropped]
