"""Fuzzing every framer + decoder (quality bar R3).

Properties, for HL7, Masimo and ANSAR-B alike:
- nothing raises out of feed() or flush(), whatever the bytes and however they are chunked;
- nothing raises inside them either: the guards that keep a stream alive when a framer or decoder
  raises (FramedDecoder, the HL7 message decoder) report it as a `decoder-error` drop, and fuzzed
  input must never produce one, or a decoder bug would pass as a dropped frame;
- every reading is a known vital, in its canonical unit, inside its hard range;
- a valid frame appended after random garbage is still decoded.

The default run uses modest example counts; the `faults` variants (>= 10,000 cases each) run
only when selected with `-m faults`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import devices.hl7.decoder
from devices.formats import FORMATS
from devices.hl7.decoder import HL7Decoder
from devices.hl7.dialects import load_dialects, shipped_dialects_dir
from devices.framing import FramedDecoder, MllpFramer, Split
from devices.hl7.codes import CANONICAL_UNIT
from devices.stream import DecodeResult
from protocols.vitals import METRICS, VITALS
from tests.devices.conftest import DECODER_ERROR, RX
from tests.devices.test_intellivue_strategies import (
    FUZZ_GARBAGE_ALPHABET,
    FUZZ_STRUCTURED,
    FUZZ_VALID,
)

FAST = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FAULTS = settings(max_examples=10_000, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HL7_VALID = (b"\x0bMSH|^~\\&|FUZZ||||||ORU^R01|F1|P|2.6\r"
             b"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1|97|262688|||||R\r\x1c\r")
MASIMO_VALID = (b"\r\n03/17/16 19:19:36 SN=0000093112 SPO2=097% BPM=071 PI=01.00 ALARM=0000 "
                b"EXC=000000\r\n")
ANSAR_VALID = b"\xffANSAR-B " + bytes(400) + b"HR=1;77;ECG-II;\rSPO2=1;97;PR=76 ;\r\xfe"
VALID = {
    "hl7": (HL7_VALID, [("spo2", 97.0)]),
    "masimo": (MASIMO_VALID, [("spo2", 97.0), ("pulse_rate", 71.0)]),
    "ansar-b": (ANSAR_VALID, [("heart_rate", 77.0), ("spo2", 97.0), ("pulse_rate", 76.0)]),
    "intellivue": FUZZ_VALID,
}

# --- Strategies: raw bytes, and structured frames with hostile field values -----------------

_numbers = st.one_of(
    st.integers(-10**9, 10**9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["-100", "-999", "-99.9", "8388607", "32767", "", "?", "---", "--.-", "1e3",
                     "300.0001", "-0", "00097", "100.00", "nan", "inf", " 98 ", "97^98"]),
    st.text(max_size=8),
)
_codes = st.sampled_from([
    "150021^MDC_PRESS_BLD_NONINV_SYS^MDC", "150022", "150023^X^MDC", "150301", "151562",
    "147842^MDC_ECG_CARD_BEAT_RATE^MDC", "149530", "149522^MDC_PULS_RATE^MDC", "150456",
    "0002-4a05^NOM^MDIL", "101^HR", "160^SpO2", "170^NIBP-S", "8480-6^SBP^LN", "59408-5^^LN",
    "150033^MDC_PRESS_BLD_ART_SYS^MDC", "999999", "", "^^", "1500212"])
_units = st.sampled_from(["266016", "mm[Hg]", "kPa", "262688", "%", "/min", "264864", "",
                          "0004-0f20", "furlong", "264928^MDC_DIM_RESP_PER_MIN^MDC"])
_obx = st.builds(
    lambda t, c, p, v, u, f, s, ts: f"OBX|1|{t}|{c}|{p}|{v}|{u}||{f}|||{s}|||{ts}",
    st.sampled_from(["NM", "", "ST", "NA", "CWE"]), _codes,
    st.sampled_from(["1.1.1.1", "", "1.3.2.150456", "1"]), _numbers, _units,
    st.sampled_from(["", "DEMO", "TEST~QUES", "<"]),
    st.sampled_from(["R", "F", "X", "D", "", "C"]),
    st.sampled_from(["", "20240101120000+0000", "20210425230332872", "0", "abc",
                     "99991399999999-9999", "00000000000000"]),
)
_hl7_message = st.builds(
    lambda rows, end, charset, wrap: (
        (b"\x0b" if wrap else b"")
        + end.join([f"MSH|^~\\&|Gerät||||||ORU^R01|X|P|2.6||||||{charset}"] + rows)
        .encode("utf-8") + end.encode() + (b"\x1c\r" if wrap else b"")),
    st.lists(_obx, max_size=6), st.sampled_from(["\r", "\n", "\r\n", ""]),
    st.sampled_from(["", "8859/1", "UNICODE UTF-8", "junk"]), st.booleans(),
)
_masimo_line = st.builds(
    lambda s, b, d: f"{d} SN=0000000001 SPO2={s}% BPM={b} PI=--.-- ALARM=0000 EXC=00ff\r\n".encode(),
    _numbers, _numbers, st.sampled_from(["03/17/16 19:19:36", "99/99/99 99:99:99", "1/2/3"]),
)
_ansar_frame = st.builds(
    lambda hr, spo2, pr, sys_, dia: (
        b"\xffANSAR-B " + bytes(400)
        + f"HR=1;{hr};X;\rSPO2=1;{spo2};PR={pr};\rNIBP=4;{sys_};{dia};;;;\r".encode("latin-1",
                                                                                  "replace")
        + b"\xfe"),
    _numbers, _numbers, _numbers, _numbers, _numbers,
)
STRUCTURED: dict[str, st.SearchStrategy[bytes]] = {
    "hl7": _hl7_message, "masimo": _masimo_line, "ansar-b": _ansar_frame,
    "intellivue": FUZZ_STRUCTURED}

_chunks = st.lists(st.binary(max_size=200), max_size=12)


def _feed_pieces(fmt: str, pieces: list[bytes]) -> DecodeResult:
    decoder = FORMATS[fmt].new_decoder("fuzz")
    result = DecodeResult()
    for piece in pieces:
        result.extend(decoder.feed(piece, RX))
    result.extend(decoder.flush(RX))
    return result


def _check_result(result: DecodeResult) -> None:
    # A guard caught an exception: the input found a bug even though nothing escaped.
    bugs = [d for d in result.dropped if d.reason == DECODER_ERROR]
    assert not bugs, f"a decoder raised inside its guard: {bugs[:3]}"
    for reading in result.readings:
        assert reading.metric in VITALS
        assert METRICS[reading.metric].in_hard_range(reading.value), reading
        assert reading.unit == CANONICAL_UNIT[reading.metric]
        assert reading.received_at == RX


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


# --- Property bodies ------------------------------------------------------------------------


def random_bytes_never_escape(fmt: str, pieces: list[bytes]) -> None:
    _check_result(_feed_pieces(fmt, pieces))


def structured_frames_stay_in_range(fmt: str, frames: list[bytes], cuts: list[int]) -> None:
    _check_result(_feed_pieces(fmt, _split(b"".join(frames), cuts)))


def valid_frame_after_garbage_is_decoded(fmt: str, garbage: bytes, cuts: list[int]) -> None:
    frame, expected = VALID[fmt]
    result = _feed_pieces(fmt, _split(garbage + frame, cuts))
    _check_result(result)
    got = [(r.metric, r.value) for r in result.readings]
    assert got[-len(expected):] == expected, (got, result.dropped[-3:])


def _garbage_for(fmt: str) -> st.SearchStrategy[bytes]:
    # Raw bytes, plus bytes rich in each format's own delimiters (the hard case for a framer).
    alphabet = {"hl7": b"\x0b\x1c\rMSH|^~\\&OBX", "masimo": b"\r\n\x00SPO2=BPM 0123456789/:",
                "ansar-b": b"\xff\xfeANSAR-B =;\r0123", "intellivue": FUZZ_GARBAGE_ALPHABET}[fmt]
    return st.one_of(st.binary(max_size=600),
                     st.lists(st.sampled_from(list(alphabet)), max_size=600).map(bytes))


# --- The key the properties look for is the one the guards give -----------------------------


def _raise(*_args: object) -> NoReturn:
    raise RuntimeError("planted")


def test_framed_decoder_reports_a_raising_frame_decoder_as_decoder_error() -> None:
    decoder = FramedDecoder(MllpFramer(), _raise)
    result = decoder.feed(HL7_VALID, RX)
    assert [(d.reason, d.detail) for d in result.dropped] == [
        (DECODER_ERROR, "RuntimeError: planted")]


def test_framed_decoder_reports_a_raising_framer_as_decoder_error() -> None:
    class BrokenFramer:
        def push(self, data: bytes) -> Split:
            raise RuntimeError("planted")

        def flush(self) -> Split:
            return Split()

    result = FramedDecoder(BrokenFramer(), _raise).feed(b"x", RX)
    assert [(d.reason, d.detail) for d in result.dropped] == [
        (DECODER_ERROR, "framer: RuntimeError: planted")]


def test_hl7_message_decoder_reports_a_raising_decode_as_decoder_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(devices.hl7.decoder, "_decode", _raise)
    result = FORMATS["hl7"].new_decoder("fuzz").feed(HL7_VALID, RX)
    assert [d.reason for d in result.dropped] == [DECODER_ERROR]
    assert result.readings == []


# --- Default run ----------------------------------------------------------------------------

FORMAT_NAMES = list(FORMATS)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
@FAST
@given(pieces=_chunks)
def test_random_bytes_never_raise(fmt: str, pieces: list[bytes]) -> None:
    random_bytes_never_escape(fmt, pieces)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
@FAST
@given(data=st.data())
def test_structured_frames_never_yield_out_of_range(fmt: str, data: st.DataObject) -> None:
    frames = data.draw(st.lists(STRUCTURED[fmt], min_size=1, max_size=4))
    cuts = data.draw(st.lists(st.integers(0, 10_000), max_size=8))
    structured_frames_stay_in_range(fmt, frames, cuts)


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
@FAST
@given(data=st.data())
def test_valid_frame_after_garbage_is_decoded(fmt: str, data: st.DataObject) -> None:
    garbage = data.draw(_garbage_for(fmt))
    cuts = data.draw(st.lists(st.integers(0, 10_000), max_size=8))
    valid_frame_after_garbage_is_decoded(fmt, garbage, cuts)


# --- Vendor dialects: codes in sub-components, SN values, vendor markers --------------------

DIALECTS = load_dialects([shipped_dialects_dir()])
_dialect_codes = st.sampled_from([
    "007000^VITAL SpO2", "007001^VITAL PR(spo2)", "072007^VITAL rPR(spo2)", "009000^NIBP SYS",
    "009001^NIBP DIAS", "009002^NIBP MEAN", "HR^^local^8867-4&1^^LOINC", "HR^^local",
    "SpO2^^local^59408-5&2^^LOINC", "X^^local^150456&&2^^MDC", "^MDC_PULS_OXIM_SAT_O2^MDC",
    "NBPs^^local^8480-6&1&9^^LOINC", "&^&^&^&&&", "007000&8867-4^^LN", "101&&^HR"])
_dialect_values = st.one_of(_numbers, st.sampled_from([
    "=^119", "^119", "<^5", ">^300", "<=^2", "=^***", "***", "   ", "=^", "^10^-^20", "=^-100",
    "=^1e3", "=^400", "=^-5", "=^ 97", "=^97^", "=^=^9"]))
_dialect_obx = st.builds(
    lambda t, c, v, u, s: f"OBX|1|{t}|{c}||{v}|{u}|||||{s}",
    st.sampled_from(["NM", "SN", "ST", ""]), _dialect_codes, _dialect_values,
    st.sampled_from(["/min^^ISO+", "mm(hg)^^ISO+", "%^^ISO+", "cel^^ISO+", "", "%", "mmHg"]),
    st.sampled_from(["R", "F", "X", ""]))
_dialect_message = st.builds(
    lambda app, rows, end: (end.join([f"MSH|^~\\&|{app}||||||ORU^R01|X|P|2.4",
                                      "OBR|1|||VITAL|||20240301101500+0900", *rows]) + end)
    .encode("utf-8"),
    st.sampled_from(["NIHON KOHDEN", "Infinity Gateway", "other", ""]),
    st.lists(_dialect_obx, max_size=8), st.sampled_from(["\r", "\n", "\r\n"]))


def dialect_messages_stay_in_range(choice: str, messages: list[bytes], cuts: list[int]) -> None:
    dialect = DIALECTS.get(choice) if choice != "recognised" else None
    decoder = HL7Decoder("fuzz", dialect=dialect, dialects=DIALECTS)
    result = DecodeResult()
    for piece in _split(b"".join(messages), cuts):
        result.extend(decoder.feed(piece, RX))
    result.extend(decoder.flush(RX))
    _check_result(result)


DIALECT_CHOICES = ["recognised", "nihon-kohden", "draeger-infinity"]


@pytest.mark.parametrize("choice", DIALECT_CHOICES)
@FAST
@given(messages=st.lists(_dialect_message, min_size=1, max_size=4),
       cuts=st.lists(st.integers(0, 10_000), max_size=8))
def test_dialect_messages_never_yield_out_of_range(choice: str, messages: list[bytes],
                                                   cuts: list[int]) -> None:
    dialect_messages_stay_in_range(choice, messages, cuts)


# --- Dedicated fault run: >= 10,000 cases per framer + decoder ------------------------------


def _run_faults(request: pytest.FixtureRequest, test: Callable[..., Any]) -> None:
    expr = str(request.config.getoption("markexpr") or "")
    if "faults" not in expr or "not faults" in expr:
        pytest.skip("10,000-case fuzzing runs only in the fault suite: pytest -m faults")
    test()


@pytest.mark.faults
@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_faults_random_bytes(fmt: str, request: pytest.FixtureRequest) -> None:
    _run_faults(request, FAULTS(given(pieces=_chunks)(
        lambda pieces: random_bytes_never_escape(fmt, pieces))))


@pytest.mark.faults
@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_faults_structured_frames(fmt: str, request: pytest.FixtureRequest) -> None:
    _run_faults(request, FAULTS(given(
        frames=st.lists(STRUCTURED[fmt], min_size=1, max_size=4),
        cuts=st.lists(st.integers(0, 10_000), max_size=8),
    )(lambda frames, cuts: structured_frames_stay_in_range(fmt, frames, cuts))))


@pytest.mark.faults
@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_faults_valid_frame_after_garbage(fmt: str, request: pytest.FixtureRequest) -> None:
    _run_faults(request, FAULTS(given(
        garbage=_garbage_for(fmt), cuts=st.lists(st.integers(0, 10_000), max_size=8),
    )(lambda garbage, cuts: valid_frame_after_garbage_is_decoded(fmt, garbage, cuts))))


@pytest.mark.faults
@pytest.mark.parametrize("choice", DIALECT_CHOICES)
def test_faults_dialect_messages(choice: str, request: pytest.FixtureRequest) -> None:
    _run_faults(request, FAULTS(given(
        messages=st.lists(_dialect_message, min_size=1, max_size=4),
        cuts=st.lists(st.integers(0, 10_000), max_size=8),
    )(lambda messages, cuts: dialect_messages_stay_in_range(choice, messages, cuts))))
