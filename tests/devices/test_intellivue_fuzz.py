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

from devices.intellivue.decoder import IntelliVueDecoder
from devices.intellivue.framing import frame
from devices.stream import DecodeResult
from tests.devices.conftest import DECODER_ERROR, RX
from tests.devices.test_fuzz import FAST, FAULTS, _check_result, _run_faults, _split
from tests.devices.test_intellivue_strategies import GARBAGE, MESSAGES, VALID

_chunks = st.lists(st.binary(max_size=200), max_size=12)


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
@given(messages=st.lists(MESSAGES, min_size=1, max_size=4),
       cuts=st.lists(st.integers(0, 10_000), max_size=8))
def test_structured_messages_never_yield_out_of_range(messages: list[bytes], cuts: list[int],
                                                      lan: bool) -> None:
    structured_messages_stay_in_range(messages, cuts, lan)


@FAST
@given(garbage=GARBAGE, cuts=st.lists(st.integers(0, 10_000), max_size=8))
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
        messages=st.lists(MESSAGES, min_size=1, max_size=4),
        cuts=st.lists(st.integers(0, 10_000), max_size=8),
    )(lambda messages, cuts: structured_messages_stay_in_range(messages, cuts, lan))))


@pytest.mark.faults
def test_faults_valid_frame_after_garbage(request: pytest.FixtureRequest) -> None:
    _run_faults(request, FAULTS(given(
        garbage=GARBAGE, cuts=st.lists(st.integers(0, 10_000), max_size=8),
    )(valid_frame_after_garbage_is_decoded)))

