"""Hypothesis strategies for IntelliVue messages, shared by test_intellivue_fuzz and (for the
cross-format properties) tests/devices/test_fuzz.py. This module imports no other test module,
so either may import it without a cycle.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.intellivue import ids
from devices.intellivue.codec import ava, encode_bcd_time, encode_float
from devices.intellivue.framing import frame
from devices.intellivue.messages import poll_reply
from devices.intellivue.numerics import (
    compound_value,
    label_string,
    numeric_value,
    observation,
    poll_info_list,
)

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

_garbage = st.one_of(st.binary(max_size=600),
                     st.lists(st.sampled_from(list(b"\xc0\xc1\x7d\x11\x01\x00\xe1")),
                              max_size=600).map(bytes))
"""Raw bytes, and bytes rich in the framing's own (0xC0, 0xC1, 0x7D, header)."""

# A frame with one HR of 77 /min.
VALID = frame(poll_reply(1, 1, poll_info_list([(1, [observation(0x82CF, [
    ava(ids.ATTR_LABEL_STRING, label_string("HR")),
    ava(ids.ATTR_NUMERIC, numeric_value(0x4182, 0, ids.UNIT_BPM, 77))])])]),
    abs_time=b"\xff" * 8, rel_time=0, linked=None))


MESSAGES = _message
"""One unframed message: a poll reply with hostile fields, or a session-layer message."""
GARBAGE = _garbage


# --- For tests/devices/test_fuzz.py, which fuzzes every format in FORMATS --------------------

FUZZ_VALID = (VALID, [("heart_rate", 77.0)])
"""test_fuzz.VALID["intellivue"]: a valid frame and the readings it gives."""
FUZZ_STRUCTURED: st.SearchStrategy[bytes] = MESSAGES.map(frame)
"""test_fuzz.STRUCTURED["intellivue"]: one framed message with hostile fields."""
FUZZ_GARBAGE_ALPHABET = b"\xc0\xc1\x7d\x11\x01\x00\xe1"
"""test_fuzz._garbage_for's alphabet for "intellivue": the framing bytes."""


@settings(max_examples=50, database=None, deadline=None)
@given(message=MESSAGES)
def test_strategies_build_messages(message: bytes) -> None:
    assert message and frame(message)[0] == 0xC0
