"""Fuzzing the IntelliVue framer + decoder, serial and LAN (quality bar R3), as test_fuzz does
for the other formats:

- nothing raises out of feed() or flush(), whatever the bytes and however they are chunked;
- nothing raises inside either: the decoder's guards report an exception as `decoder-error`,
  and fuzzed input must never produce one (a bug must not pass as a dropped frame);
- every reading is a known vital, in its canonical unit, inside its hard range;
- a valid frame after random garbage is still decoded; so are the real sample frames with a
  corrupted frame before them.

The default run uses modest example counts; the `faults` variants (10,000 cases each) run only
when selected with `-m faults`.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.intellivue import ids
from devices.intellivue.codec import ava, encode_bcd_time, encode_float
from devices.intellivue.decoder import IntelliVueDecoder
from devices.intellivue.framing import frame
from devices.intellivue.messages import poll_reply
from devices.intellivue.numerics import (
    compound_value,
    label_string,
    numeric_value,
    observation,
    poll_info_list,
)
from devices.stream import DecodeResult
from tests.devices.conftest import DECODER_ERROR, RX
from tests.devices.test_fuzz import FAST, FAULTS, _check_result, _run_faults, _split

# --- Strategies ---------------------------------------------------------------------------

_physio = st.one_of(st.sampled_from([*ids.VITAL_IDS, ids.NBP_COMPOUND, 0x0301, 0x4BB0, 0x4A11,
                                     0x4261, 0x0000, 0xFFFF]), st.integers(0, 0xFFFF))
_state = st.one_of(st.sampled_from([0, 0x8000, 0x4000, 0x2000, 0x1000, 0x0800, 0x0400, 0x0040,
                                    0x0002, 0x0001, 0x8200]), st.integers(0, 0xFFFF))
_unit = st.one_of(st.sampled_from([ids.UNIT_BPM, ids.UNIT_PERCENT, ids.UNIT_MMHG, ids.UNIT_KPA,
                                   ids.UNIT_RESP_PER_MIN, 0x0200, 0x0512]),
                  st.integers(0, 0xFFFF))
_float = st.one_of(
    st.integers(0, 0xFFFFFFFF),
    st.sampled_from([0x7FFFFF, 0x800000, 0x7FFFFE, 0x800002, 0x800001, 0x3C, 0xFF00000C,
                     0x80000001, 0x7F7FFFFD, 0x0000012D, 0xFFFFFFFF]),
    st.builds(encode_float, st.floats(-500, 500), st.integers(0, 3)),
)
_stamp = st.one_of(
    st.binary(max_size=10),
    st.just(b"\xff" * 8),
    st.datetimes().map(encode_bcd_time),
)
# Values a monitor plausibly sends (a vital id in one of its units, an ordinary state), so that
# readings are made and the range and unit checks are exercised, beside hostile ones.
_plausible = st.builds(
    lambda pair, state, mantissa, exponent: numeric_value(
        pair[0], state, pair[1], ((-exponent) & 0xFF) << 24 | (mantissa & 0xFFFFFF)),
    st.sampled_from([(i, u) for i, (metric, _name) in ids.VITAL_IDS.items()
                     for u in ids.METRIC_UNITS[metric][1]]),
    st.sampled_from([0, 0, 0x4000, 0x0002, 0x0800]), st.integers(-50, 3500), st.integers(0, 2))
_value = st.one_of(_plausible, st.builds(numeric_value, _physio, _state, _unit, _float))
_value_attribute = st.one_of(
    _value.map(lambda v: ava(ids.ATTR_NUMERIC, v)),
    st.lists(_value, max_size=4).map(lambda vs: ava(ids.ATTR_COMPOUND, compound_value(vs))),
    st.binary(max_size=24).map(lambda b: ava(ids.ATTR_NUMERIC, b)),      # wrong sizes
    st.binary(max_size=40).map(lambda b: ava(ids.ATTR_COMPOUND, b)),
)
_attributes = st.lists(st.one_of(
    _value_attribute,
    st.text(max_size=8).map(lambda t: ava(ids.ATTR_LABEL_STRING, label_string(t))),
    _stamp.map(lambda b: ava(ids.ATTR_TIME_STAMP_ABS, b)),
    st.builds(ava, st.integers(0, 0xFFFF), st.binary(max_size=12)),
), max_size=5)
_observation = st.builds(observation, st.integers(0, 0xFFFF), _attributes)
_poll_message = st.builds(
    lambda obs, invoke, number, linked, cls: poll_reply(
        invoke, number, poll_info_list([(1, obs)]), abs_time=b"\xff" * 8, rel_time=0,
        linked=linked, object_class=cls),
    st.lists(_observation, max_size=5), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF),
    st.one_of(st.none(), st.tuples(st.integers(0, 255), st.integers(0, 255))),
    st.sampled_from([ids.CLASS_NUMERIC] * 4 + [ids.CLASS_WAVE, 0x21, 0]),
)
_session_message = st.builds(lambda first, rest: bytes((first,)) + rest,
                             st.sampled_from([0x0D, 0x0E, 0x0C, 0x09, 0x0A, 0x19, 0xE1, 0x00]),
                             st.binary(max_size=80))
_message = st.one_of(_poll_message, _poll_message, _session_message)

_chunks = st.lists(st.binary(max_size=200), max_size=12)
_garbage = st.one_of(st.binary(max_size=600),
                     st.lists(st.sampled_from(list(b"\xc0\xc1\x7d\x11\x01\x00\xe1")),
                              max_size=600).map(bytes))

VALID = frame(poll_reply(1, 1, poll_info_list([(1, [observation(0x82CF, [
    ava(ids.ATTR_LABEL_STRING, label_string("HR")),
    ava(ids.ATTR_NUMERIC, numeric_value(0x4182, 0, ids.UNIT_BPM, 77))])])]),
    abs_time=b"\xff" * 8, rel_time=0, linked=None))


def _feed(pieces: list[bytes], lan: bool) -> DecodeResult:
    decoder = IntelliVueDecoder("fuzz", lan=lan)
    result = DecodeResult()
    for piece in pieces:
        result.extend(decoder.feed(piece, RX))
        decoder.outgoing(0.0, RX)
    result.extend(decoder.flush(RX))
    return result


# --- Property bodies ------------------------------------------------------------------------


def random_bytes_never_escape(pieces: list[bytes], lan: bool) -> None:
    _check_result(_feed(pieces, lan))


def structured_messages_stay_in_range(messages: list[bytes], cuts: list[int], lan: bool) -> None:
    if lan:
        _check_result(_feed(messages, lan=True))
    else:
        _check_result(_feed(_split(b"".join(frame(m) for m in messages), cuts), lan=False))


def valid_frame_after_garbage_is_decoded(garbage: bytes, cuts: list[int]) -> None:
    result = _feed(_split(garbage + VALID, cuts), lan=False)
    _check_result(result)
    assert [(r.metric, r.value) for r in result.readings][-1:] == [("heart_rate", 77.0)]


# --- The guard's key is the one the properties look for ------------------------------------


def test_a_raising_message_decoder_is_reported_as_decoder_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = IntelliVueDecoder()

    def planted(*_args: object) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(decoder, "_message", planted)
    result = decoder.feed(VALID, RX)
    assert [(d.reason, d.detail) for d in result.dropped] == [
        (DECODER_ERROR, "RuntimeError: planted")]
    with pytest.raises(AssertionError, match="a decoder raised inside its guard"):
        _check_result(result)


def test_a_raising_framer_is_reported_as_decoder_error(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = IntelliVueDecoder()

    def planted(_data: bytes) -> None:
        raise RuntimeError("planted")

    assert decoder._framer is not None
    monkeypatch.setattr(decoder._framer, "push", planted)
    assert [(d.reason, d.detail) for d in decoder.feed(b"x", RX).dropped] == [
        (DECODER_ERROR, "framer: RuntimeError: planted")]


# --- Default run ----------------------------------------------------------------------------

MODES = pytest.mark.parametrize("lan", [False, True], ids=["serial", "lan"])


@MODES
@FAST
@given(pieces=_chunks)
def test_random_bytes_never_raise(pieces: list[bytes], lan: bool) -> None:
    random_bytes_never_escape(pieces, lan)


@MODES
@FAST
@given(messages=st.lists(_message, min_size=1, max_size=4),
       cuts=st.lists(st.integers(0, 10_000), max_size=8))
def test_structured_messages_never_yield_out_of_range(messages: list[bytes], cuts: list[int],
                                                      lan: bool) -> None:
    structured_messages_stay_in_range(messages, cuts, lan)


@FAST
@given(garbage=_garbage, cuts=st.lists(st.integers(0, 10_000), max_size=8))
def test_valid_frame_after_garbage_is_decoded(garbage: bytes, cuts: list[int]) -> None:
    valid_frame_after_garbage_is_decoded(garbage, cuts)


@FAST
@given(data=st.data())
def test_corrupted_real_frames_never_raise(data: st.DataObject) -> None:
    from tests.devices.test_intellivue_samples import SAMPLES, monitor_capture

    if not SAMPLES.is_dir():
        pytest.skip("device samples not found")
    capture = bytearray(monitor_capture())
    for _ in range(data.draw(st.integers(1, 20))):
        capture[data.draw(st.integers(0, len(capture) - 1))] = data.draw(st.integers(0, 255))
    cuts = data.draw(st.lists(st.integers(0, 10_000), max_size=8))
    _check_result(_feed(_split(bytes(capture), cuts), lan=False))


# --- Dedicated fault run: 10,000 cases each -------------------------------------------------


@pytest.mark.faults
@MODES
def test_faults_random_bytes(lan: bool, request: pytest.FixtureRequest) -> None:
    _run_faults(request, FAULTS(given(pieces=_chunks)(
        lambda pieces: random_bytes_never_escape(pieces, lan))))


@pytest.mark.faults
@MODES
def test_faults_structured_messages(lan: bool, request: pytest.FixtureRequest) -> None:
    _run_faults(request, FAULTS(given(
        messages=st.lists(_message, min_size=1, max_size=4),
        cuts=st.lists(st.integers(0, 10_000), max_size=8),
    )(lambda messages, cuts: structured_messages_stay_in_range(messages, cuts, lan))))


@pytest.mark.faults
def test_faults_valid_frame_after_garbage(request: pytest.FixtureRequest) -> None:
    _run_faults(request, FAULTS(given(
        garbage=_garbage, cuts=st.lists(st.integers(0, 10_000), max_size=8),
    )(valid_frame_after_garbage_is_decoded)))
