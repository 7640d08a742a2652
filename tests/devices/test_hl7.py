"""HL7 ORU^R01 decoding: every sample with hand-read expectations, and each devices.md edge case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from devices.hl7 import HL7Decoder, decode_message, parse_timestamp
from devices.hl7.codes import mdc_number, resolve_code
from devices.reading import Reading
from devices.stream import DecodeResult, Dropped
from tests.devices.conftest import RX, feed_all, restarted_mid_message

UTC = timezone.utc
MSH = "MSH|^~\\&|MON^0011223344556677^EUI-64|FAC|||20240101120000+0000||ORU^R01^ORU_R01|C1|P|2.6"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def message(*obx: str, msh: str = MSH, end: str = "\r") -> bytes:
    """Build an ORU with one OBR and the given OBX rows (fields after `OBX|n|`)."""
    rows = [msh, "OBR|1|||182777000^monitoring^SNOMED-CT|||20240101115900+0000"]
    rows += [f"OBX|{i}|{row}" for i, row in enumerate(obx, 1)]
    return end.join(rows).encode() + end.encode()


def decode(data: bytes, **kwargs: object) -> DecodeResult:
    return decode_message(data, RX, **kwargs)  # type: ignore[arg-type]


def only(result: DecodeResult) -> Reading:
    assert len(result.readings) == 1, result
    return result.readings[0]


def answers(result: DecodeResult, stored: bool = True) -> list[bytes]:
    """What the console writes back once it knows whether the message was stored."""
    return [reply.answer(stored) for reply in result.replies]


def reasons(result: DecodeResult) -> list[str]:
    return [d.reason for d in result.dropped]


def summary(result: DecodeResult) -> list[tuple[str, float, str]]:
    return [(r.metric, r.value, r.channel) for r in result.readings]


SPO2 = "NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|{v}|262688^MDC_DIM_PERCENT^MDC|||||R"

# --- The third-party samples ----------------------------------------------------------------

ACME = "hl7:AcmeInc^ACDE48234567ABCD^EUI-64"


def test_sample_ipf_nibp(samples_dir: Path) -> None:
    result = feed_all(HL7Decoder(), (samples_dir / "ihe-pcd01-ipf-nibp-request.hl7").read_bytes())
    assert result.frames == 1
    assert summary(result) == [("bp_systolic", 120, "1.0.1.1"), ("bp_diastolic", 80, "1.0.1.2"),
                               ("bp_mean", 100, "1.0.1.3")]
    # NIBP takes its channel row's OBX-14 (20090813095715+0500), not the receive time.
    assert {r.measured_at for r in result.readings} == {utc(2009, 8, 13, 4, 57, 15)}
    assert {r.received_at for r in result.readings} == {RX}
    assert {r.source for r in result.readings} == {ACME}
    assert answers(result) == [b"MSH|^~\\&|INFUSION_CONSOLE||AcmeInc^ACDE48234567ABCD^EUI-64||"
                              b"20260102030405+0000||ACK^R01^ACK|AMSGID1234|P|2.6\r"
                              b"MSA|AA|MSGID1234\r"]


def test_sample_continua_oximeter_decimal_spo2(samples_dir: Path) -> None:
    result = feed_all(HL7Decoder(), (samples_dir / "continua-wan-ipf-oximeter.hl7").read_bytes())
    reading = only(result)
    assert (reading.metric, reading.value, reading.unit) == ("spo2", 80.5, "%")
    assert reading.measured_at == utc(2009, 7, 15, 7, 7, 7)
    assert reasons(result) == ["waveform-skipped"]


def test_sample_continua_bp(samples_dir: Path) -> None:
    result = feed_all(HL7Decoder(), (samples_dir / "continua-wan-ipf-bp.hl7").read_bytes())
    assert summary(result) == [("bp_systolic", 120, "1.0.1.1"), ("bp_diastolic", 80, "1.0.1.2"),
                               ("bp_mean", 100, "1.0.1.3")]
    # Time inherited from the 1.0.1 MDC_PRESS_BLD_NONINV row (20090813095715+0000).
    assert {r.measured_at for r in result.readings} == {utc(2009, 8, 13, 9, 57, 15)}
    assert sorted(reasons(result)) == ["not-monitored", "not-monitored"]  # time-sync CWE, DTM


def test_sample_aware_gateway_ecg_hr_and_invasive_pressures(samples_dir: Path) -> None:
    data = (samples_dir / "ihe-pcd01-ipf-aware-gateway-ibp-ecg.hl7").read_bytes()
    result = feed_all(HL7Decoder(), data)
    assert summary(result) == [("heart_rate", 60, "1.6.1.1")]
    assert {r.source for r in result.readings} == {"hl7:HL7^080019FFFF4F6AC0^EUI-64"}
    # No OBX-14: OBR-7 20081211144500, no offset anywhere -> the station's zone (UTC here).
    assert {r.measured_at for r in result.readings} == {utc(2008, 12, 11, 14, 45)}
    # Arterial and pulmonary pressures are never NIBP; PVC count is not monitored.
    assert not any(r.metric.startswith("bp_") for r in result.readings)
    invasive = [d for d in result.dropped if "not NIBP" in d.detail]
    assert len(invasive) == 6 and reasons(result).count("not-monitored") == 8


def test_the_arterial_line_pulse_is_never_the_oximeter_pulse_rate(samples_dir: Path) -> None:
    # QA: OBX 6 149522^MDC_BLD_PULS_RATE_INV of the Aware gateway sample came out as
    # pulse_rate 60 with no warning. pulse_rate is the oximeter's (devices.md): the arterial
    # line's pulse is dropped like the arterial pressures beside it, saying why.
    data = (samples_dir / "ihe-pcd01-ipf-aware-gateway-ibp-ecg.hl7").read_bytes()
    result = feed_all(HL7Decoder(), data)
    assert not [r for r in result.readings if r.metric == "pulse_rate"]
    assert [d for d in result.dropped if "149522" in d.detail] == [Dropped(
        "not-monitored", "OBX 6 149522^MDC_BLD_PULS_RATE_INV^MDC at 1.2.1.1: MDC 149522: "
        "invasive (arterial line) pulse rate, which is not the oximeter's pulse rate")]


def test_sample_maximum_request_edge_cases(samples_dir: Path) -> None:
    data = (samples_dir / "ihe-pcd01-ipf-maximum-request-edgecases.hl7").read_bytes()
    result = feed_all(HL7Decoder(), data)
    assert summary(result) == [("bp_systolic", 140, "1.0.1.1"), ("bp_mean", 100, "1.0.1.3")]
    systolic, mean = result.readings
    assert systolic.flags == {"QUES"} and systolic.measured_at == utc(2009, 8, 13, 4, 57, 25)
    assert mean.flags == frozenset() and mean.measured_at == utc(2009, 8, 13, 4, 57, 15)
    # Diastolic has OBX-11 D (deleted); 1500212 / 1500232 are invalid codes whatever the name.
    assert reasons(result).count("bad-status") == 1
    assert reasons(result).count("unknown-code") == 3
    assert len(result.replies) == 1 and b"MSA|AA|MSGID1234" in answers(result)[0]


def test_sample_mx500_card_beat_rate(samples_dir: Path) -> None:
    data = (samples_dir / "philips-intellivue-mx500-pocd-ig-example.hl7").read_bytes()
    result = feed_all(HL7Decoder(), data)
    reading = only(result)
    assert (reading.metric, reading.value, reading.channel) == ("heart_rate", 60, "1.2.1.1")
    assert reading.source == "hl7:SendingApplication"  # MSH-3 " SendingApplication" trimmed
    assert reading.measured_at == utc(2021, 4, 26, 3, 3, 31, 496000)  # OBR-7 .496-0400
    assert reading.flags == {"DEBUG"}  # MSH-11 D
    assert "waveform-skipped" in reasons(result)
    assert b"|D|2.6\rMSA|AA|HP0425230332.872USDANRMMD1NBR488\r" in answers(result)[0]


# The Comen sample's two messages, as read by hand: the second's pulse rate is 60.
COMEN_FIRST = [("spo2", 97, "1.3.1.150456"), ("pulse_rate", 59, "1.0.0.149522"),
               ("spo2", 97, "1.3.2.150456"), ("resp_rate", 20, "1.14.1.151562"),
               ("bp_systolic", 120, "1.1.9.150021"), ("bp_diastolic", 80, "1.1.9.150022"),
               ("bp_mean", 90, "1.1.9.150023")]
COMEN_SECOND = [(m, 60 if m == "pulse_rate" else v, c) for m, v, c in COMEN_FIRST]


def test_sample_comen_bare_hl7(samples_dir: Path) -> None:
    result = feed_all(HL7Decoder(), (samples_dir / "comen-nc-monitor-test-sender.hl7").read_bytes())
    assert result.frames == 2
    # Comen stamps every row with the message's time (MSH-7 = OBR-7 = OBX-14): the cuff's
    # 120/80/90 sent again, so stamped in the message before too, is the same measurement,
    # reported once and its repeat said (devices/hl7/decoder.py). First seen in the first
    # message read, it may be older than the connection: of unknown age, no measured time.
    assert summary(result) == COMEN_FIRST + COMEN_SECOND[:4]
    assert [(r.measured_at, "AGE_UNKNOWN" in r.flags) for r in result.readings
            if r.metric.startswith("bp_")] == [(None, True)] * 3
    assert reasons(result).count("nibp-repeat") == 1
    assert {r.source for r in result.readings} == {"hl7:NC_Monitor"}
    times = sorted({r.measured_at for r in result.readings if r.measured_at})
    assert times == [utc(2025, 6, 9, 17, 51, 27), utc(2025, 6, 9, 18, 24, 37)]
    # Comen sends its pulse rate as 149522 under MDC_PULS_RATE (devices.md): read as the pulse
    # rate its name says, not dropped as an arterial line's (which carries its own name).
    assert not [d for d in result.dropped if "149522" in d.detail]
    # Bare input: bare ACKs, one per message.
    assert [r[:4] for r in answers(result)] == [b"MSH|", b"MSH|"]


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_a_bare_message_cut_by_the_next_ones_msh_loses_only_its_cut_row(
    samples_dir: Path, seed: int | None
) -> None:
    # The Comen monitor started again inside the first message's diastolic row. The cut row
    # and the second message's MSH had become one row (a diastolic 80 read from it), and the
    # second message's rows the first one's: the second was never answered.
    stream, _, _ = restarted_mid_message(samples_dir)
    result = feed_all(HL7Decoder(), stream, seed)
    assert result.frames == 2
    # The cut message's lone systolic is no whole cuff measurement: dropped, so the second
    # message's 120/80/90 is the cuff on the monitor at connect, of unknown age (the lone 120
    # had made it a new cuff "measured now").
    assert summary(result) == COMEN_FIRST[:4] + COMEN_SECOND
    assert [(r.measured_at, "AGE_UNKNOWN" in r.flags) for r in result.readings
            if r.metric.startswith("bp_")] == [(None, True)] * 3
    assert reasons(result).count("nibp-incomplete") == 1
    assert reasons(result).count("cut-message") == 1   # a technical alarm, not a count only
    first, second = answers(result)
    # Read only in part: AE, even once committed (AA: the monitor never resends the lost row).
    assert b"MSA|AE|202506100151270003\r" in first and b"MSA|AA|202506100224370006\r" in second


@pytest.mark.parametrize("name", ["ihe-pcd01-ipf-ack-response.hl7",
                                  "ihe-pcd01-ipf-ack-error-response.hl7"])
def test_sample_acks_yield_nothing_and_are_not_answered(samples_dir: Path, name: str) -> None:
    result = feed_all(HL7Decoder(), (samples_dir / name).read_bytes())
    assert result.frames == 1 and result.readings == [] and result.replies == []
    assert reasons(result) == ["not-oru"]


@pytest.mark.parametrize("name", sorted(p.name for p in Path(__file__).resolve().parents[2]
                                        .parent.joinpath("shared", "device-samples")
                                        .glob("*.hl7")))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_samples_decode_the_same_whatever_the_chunking(samples_dir: Path, name: str,
                                                       seed: int) -> None:
    data = (samples_dir / name).read_bytes()
    whole = feed_all(HL7Decoder(), data)
    chunked = feed_all(HL7Decoder(), data, seed)
    assert chunked.readings == whole.readings
    assert answers(chunked) == answers(whole)
    assert sorted(reasons(chunked)) == sorted(reasons(whole))
    # The same messages wrapped in MLLP give the same readings.
    messages = [m for m in data.replace(b"\r\n", b"\r").replace(b"\n", b"\r").split(b"\r\r")
                if m.strip()]
    enveloped = b"".join(b"\x0b" + m + b"\x1c\r" for m in messages)
    assert feed_all(HL7Decoder(), enveloped, seed).readings == whole.readings


# --- Framing and terminators ----------------------------------------------------------------


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n"], ids=["CR", "LF", "CRLF"])
def test_segment_terminators_cr_lf_crlf(end: str) -> None:
    assert only(decode(message(SPO2.format(v=97), end=end))).value == 97


def test_message_without_terminators_is_rejected_clearly() -> None:
    flat = message(SPO2.format(v=97)).replace(b"\r", b"")
    result = decode(flat, mllp=True)
    assert result.readings == []
    assert reasons(result) == ["no-segment-terminators"]
    assert "no segment terminators" in result.dropped[0].detail
    assert answers(result)[0].startswith(b"\x0b") and b"MSA|AR|C1\r" in answers(result)[0]


def test_mid_frame_start_then_frames() -> None:
    framed = b"\x0b" + message(SPO2.format(v=97)) + b"\x1c\r"
    result = feed_all(HL7Decoder(), framed[40:] + framed + framed)
    assert [r.value for r in result.readings] == [97, 97]
    assert "garbage" in reasons(result)


def test_several_frames_in_one_read() -> None:
    frames = b"".join(b"\x0b" + message(SPO2.format(v=v)) + b"\x1c\r" for v in (91, 92, 93))
    result = HL7Decoder().feed(frames, RX)
    assert [r.value for r in result.readings] == [91, 92, 93] and result.frames == 3
    assert len(result.replies) == 3


def test_garbage_then_valid_frame_is_not_lost() -> None:
    stream = b"\x1c\x0b\x00\xffMS\x1cMSH\r" + bytes(range(1, 11)) + b"\x0b" + \
        message(SPO2.format(v=96)) + b"\x1c\r"
    assert [r.value for r in feed_all(HL7Decoder(), stream).readings] == [96]


# --- Character sets -------------------------------------------------------------------------


@pytest.mark.parametrize("charset,codec", [("8859/1", "latin-1"), ("UNICODE UTF-8", "utf-8")])
def test_latin1_and_utf8_names(charset: str, codec: str) -> None:
    msh = "MSH|^~\\&|Moniteur Réa||||||ORU^R01|C1|P|2.6||||||" + charset
    data = message(SPO2.format(v=95), msh=msh).decode().encode(codec)
    reading = only(decode(data))
    assert reading.source == "hl7:Moniteur Réa"


def test_undeclared_charset_is_not_ascii() -> None:
    msh = "MSH|^~\\&|Gerät||||||ORU^R01|C1|P|2.6"
    assert only(decode(message(SPO2.format(v=95), msh=msh).decode().encode("latin-1"))).source \
        == "hl7:Gerät"
    assert only(decode(message(SPO2.format(v=95), msh=msh).decode().encode("utf-8"))).source \
        == "hl7:Gerät"


def test_declared_utf8_with_latin1_bytes_is_noticed_and_decoded() -> None:
    msh = "MSH|^~\\&|Gerät||||||ORU^R01|C1|P|2.6||||||UNICODE UTF-8"
    result = decode(message(SPO2.format(v=95), msh=msh).decode().encode("latin-1"))
    assert only(result).source == "hl7:Gerät"
    assert reasons(result) == ["charset-mismatch"]


def test_escape_sequences_in_source_are_decoded_by_python_hl7() -> None:
    msh = "MSH|^~\\&|Bed\\F\\3||||||ORU^R01|C1|P|2.6"
    assert only(decode(message(SPO2.format(v=95), msh=msh))).source == "hl7:Bed|3"


# --- Timestamps -----------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("20090813095715+0500", utc(2009, 8, 13, 4, 57, 15)),
    ("20210425230332.872-0400", utc(2021, 4, 26, 3, 3, 32, 872000)),
    ("20210425230332.8721", utc(2021, 4, 25, 23, 3, 32, 872100)),
    ("20210425230332872", utc(2021, 4, 25, 23, 3, 32, 872000)),  # 17 digits, ms, no dot
    ("20210425230332872+0100", utc(2021, 4, 25, 22, 3, 32, 872000)),
    ("202104252303", utc(2021, 4, 25, 23, 3)),
    ("20210425", utc(2021, 4, 25)),
    ("19990101000000", utc(1999, 1, 1)),  # a device clock stuck in the past is kept
    ("20240101120000-0030", utc(2024, 1, 1, 12, 30)),
])
def test_timestamp_forms(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == (expected, "")


def test_time_without_offset_is_the_stations_local_time(
        samples_dir: Path, station_zone: Callable[[str], None]) -> None:
    # QA, TZ=Europe/Berlin: a time without an offset was stored as UTC, so a value measured at
    # 14:45 Berlin time was logged as measured at 15:45, an hour after it was received.
    station_zone("Europe/Berlin")
    data = (samples_dir / "ihe-pcd01-ipf-aware-gateway-ibp-ecg.hl7").read_bytes()
    result = feed_all(HL7Decoder(), data)
    # OBR-7 20081211144500, no offset in MSH-7 either: 14:45 in Berlin in winter (UTC+1).
    assert {r.measured_at for r in result.readings} == {utc(2008, 12, 11, 13, 45)}
    # Summer time (UTC+2), and an explicit offset always wins over the station's zone.
    assert parse_timestamp("20210425230332") == (utc(2021, 4, 25, 21, 3, 32), "")
    assert parse_timestamp("20210425230332+0000") == (utc(2021, 4, 25, 23, 3, 32), "")


@pytest.mark.parametrize("text", ["", "00000000000000", "00000000000000.000", "0000"])
def test_timestamp_empty_or_zero_means_none(text: str) -> None:
    assert parse_timestamp(text) == (None, "")


@pytest.mark.parametrize("text", ["2021042523033", "20211345230332", "yesterday", "2021-04-25",
                                  "20210425230332+9900"])
def test_bad_timestamps_are_reported(text: str) -> None:
    value, problem = parse_timestamp(text)
    assert value is None and text in problem


def test_device_clock_in_the_past_kept_but_received_at_is_host_time() -> None:
    row = SPO2.format(v=97) + "|||19990101000000+0000"
    reading = only(decode(message(row)))
    assert reading.measured_at == utc(1999, 1, 1) and reading.received_at == RX


def test_offsetless_time_uses_msh7_offset() -> None:
    msh = MSH.replace("20240101120000+0000", "20240101120000+0200")
    reading = only(decode(message(SPO2.format(v=97) + "|||20240101115000", msh=msh)))
    assert reading.measured_at == utc(2024, 1, 1, 9, 50)


def test_nibp_keeps_its_obx14_time() -> None:
    # MSH-7 and OBR-7 say 12:00; the cuff measured at 11:30 and the message repeats it.
    rows = [f"NM|{code}^{name}^MDC|1.1.9.{code}|{v}|266016^MDC_DIM_MMHG^MDC|||||F|||"
            "20240101113000+0000"
            for code, name, v in [(150021, "MDC_PRESS_BLD_NONINV_SYS", 118),
                                  (150022, "MDC_PRESS_BLD_NONINV_DIA", 76),
                                  (150023, "MDC_PRESS_BLD_NONINV_MEAN", 90)]]
    result = decode(message(*rows))
    assert [r.value for r in result.readings] == [118, 76, 90]
    assert {r.measured_at for r in result.readings} == {utc(2024, 1, 1, 11, 30)}
    assert all(r.received_at == RX for r in result.readings)
    assert RX - result.readings[0].measured_at > timedelta(days=365)  # type: ignore[operator]


# --- Values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-100", "-999", "-99.9", "8388607", "32767", "", "?",
                                   "-100.0", "NaN", "---", "***", "   "])
def test_sentinels_are_never_readings(value: str) -> None:
    result = decode(message(SPO2.format(v=value)))
    assert result.readings == [] and reasons(result) == ["no-value"]


def test_status_x_is_no_value() -> None:
    result = decode(message(SPO2.format(v=97).replace("|||||R", "|||||X")))
    assert result.readings == [] and reasons(result) == ["no-value"]


@pytest.mark.parametrize("status", ["D", "W", "I"])
def test_invalid_statuses_are_dropped(status: str) -> None:
    result = decode(message(SPO2.format(v=97).replace("|||||R", f"|||||{status}")))
    assert result.readings == [] and reasons(result) == ["bad-status"]
    assert "allowed: " in result.dropped[0].detail


@pytest.mark.parametrize("value", ["ninety", "1e2", "inf", "97^98", "<20"])
def test_text_in_numeric_rows_is_refused(value: str) -> None:
    result = decode(message(SPO2.format(v=value)))
    if value == "97^98":  # a component-separated value: only the first component is the value
        assert result.readings == [] or only(result).value == 97
        return
    assert result.readings == [] and reasons(result) == ["not-numeric"]


@pytest.mark.parametrize("value", ["101", "-1", "250"])
def test_values_outside_hard_range_are_dropped(value: str) -> None:
    result = decode(message(SPO2.format(v=value)))
    assert result.readings == [] and reasons(result) == ["out-of-hard-range"]
    assert "0–100 %" in result.dropped[0].detail


@pytest.mark.parametrize("flags", ["DEMO", "TEST", "QUES", "TEST~DEMO"])
def test_demo_and_test_flags_are_carried(flags: str) -> None:
    row = SPO2.format(v=97).replace("|||||R", f"||{flags}|||R")
    reading = only(decode(message(row)))
    assert reading.flags == set(flags.split("~"))
    assert reading.is_demo_or_test == ("DEMO" in flags or "TEST" in flags)


def test_training_processing_id_marks_readings_test() -> None:
    msh = MSH.replace("|C1|P|", "|C1|T|")
    assert only(decode(message(SPO2.format(v=97), msh=msh))).is_demo_or_test


# --- Units ----------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["furlongs^furlongs^UCUM", "", "264864^MDC_DIM_WHATEVER^MDC",
                                  "0004-9999"])
def test_unknown_unit_is_refused(unit: str) -> None:
    row = f"NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.1|120|{unit}|||||F"
    result = decode(message(row))
    assert result.readings == []
    assert reasons(result) in (["unknown-unit"], ["unit-mismatch"])
    assert "allowed: mmHg" in result.dropped[0].detail


@pytest.mark.parametrize("unit,value,expected", [
    ("mm[Hg]^mm[Hg]^UCUM", "120", 120.0),
    ("0004-0f20^MDC_DIM_MMHG^MDC", "120", 120.0),  # MDIL unit
    ("mmHg^Unit", "120", 120.0),
    ("kPa^kPa^UCUM", "16", 120.011),  # converted to mmHg
])
def test_pressure_units_convert_to_mmhg(unit: str, value: str, expected: float) -> None:
    row = f"NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.1|{value}|{unit}|||||F"
    reading = only(decode(message(row)))
    assert reading.value == pytest.approx(expected, abs=0.01) and reading.unit == "mmHg"


def test_rate_units_ucum() -> None:
    row = "NM|151562^MDC_RESP_RATE^MDC|1.2.1.1|14|{breaths}/min^{breaths}/min^UCUM|||||F"
    reading = only(decode(message(row)))
    assert (reading.metric, reading.value, reading.unit) == ("resp_rate", 14, "breaths/min")


# --- Codes ----------------------------------------------------------------------------------


def test_mdil_arithmetic() -> None:
    assert mdc_number("0002-4a05") == 2 * 65536 + 0x4A05 == 150021
    assert mdc_number("0002-4bb8") == 150456
    row = "NM|0002-4a05^NOM_PRESS_BLD_NONINV_SYS^MDIL|1.1.9.1|117|0004-0f20^mmHg^MDIL|||||F"
    reading = only(decode(message(row)))
    assert (reading.metric, reading.value) == ("bp_systolic", 117)


def test_mindray_legacy_codes() -> None:
    rows = ["NM|101^HR||72||||||F", "NM|151^RR||16||||||F", "NM|160^SpO2||98||||||F",
            "NM|161^PR||71||||||F", "NM|170^NIBP-S||121||||||F", "NM|171^NIBP-D||-100||||||F",
            "NM|172^NIBP-M||93||||||F", "NM|200^T1||36.6||||||F"]
    result = decode(message(*rows, msh=MSH.replace("|2.6", "|2.3.1")))
    assert [(r.metric, r.value) for r in result.readings] == [
        ("heart_rate", 72), ("resp_rate", 16), ("spo2", 98), ("pulse_rate", 71),
        ("bp_systolic", 121), ("bp_mean", 93)]
    assert sorted(reasons(result)) == ["no-value", "not-monitored"]  # -100 = none; T1


def test_small_code_in_mdc_system_is_not_mindray() -> None:
    assert resolve_code("101", "HR", "MDC") is None


def test_loinc_fallback() -> None:
    rows = ["NM|8480-6^Systolic^LN|1|122|mm[Hg]|||||F", "NM|8462-4^Diastolic^LN|2|78|mm[Hg]|||||F",
            "NM|8478-0^Mean^LN|3|93|mm[Hg]|||||F", "NM|9279-1^Resp^LN|4|12|/min|||||F",
            "NM|8867-4^HR^LN|5|66|/min|||||F", "NM|59408-5^SpO2^LN|6|99|%|||||F",
            "NM|2708-6^SaO2^LN|7|98|%|||||F"]
    result = decode(message(*rows))
    assert [(r.metric, r.value) for r in result.readings] == [
        ("bp_systolic", 122), ("bp_diastolic", 78), ("bp_mean", 93), ("resp_rate", 12),
        ("heart_rate", 66), ("spo2", 99), ("spo2", 98)]


def test_alternate_code_used_when_primary_unknown() -> None:
    row = "NM|X99^Private^99VEND^150456^MDC_PULS_OXIM_SAT_O2^MDC|1|96|%|||||F"
    assert only(decode(message(row))).metric == "spo2"


def test_alternate_cuff_codes_and_names() -> None:
    rows = ["NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.1|119|266016|||||F",
            "NM|147842^MDC_ECG_CARD_BEAT_RATE^MDC|2.1|61|264864|||||F",
            "NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|3.1|62|264864|||||F"]
    result = decode(message(*rows))
    assert [(r.metric, r.value) for r in result.readings] == [
        ("bp_systolic", 119), ("heart_rate", 61), ("pulse_rate", 62)]
    assert result.dropped == []


def test_code_and_name_disagree_trust_code() -> None:
    row = "NM|150456^MDC_RESP_RATE^MDC|1.3.1.150456|97|262688|||||F"
    result = decode(message(row))
    assert only(result).metric == "spo2"
    assert reasons(result) == ["name-mismatch"]
    assert "trusting the code" in result.dropped[0].detail


def test_obx4_ending_in_other_code_is_noticed() -> None:
    row = "NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.151562|97|262688|||||F"
    result = decode(message(row))
    assert only(result).metric == "spo2" and reasons(result) == ["path-mismatch"]


def test_two_spo2_channels_are_kept_apart() -> None:
    rows = [SPO2.format(v=97), SPO2.format(v=93).replace("1.3.1.150456", "1.3.2.150456")]
    result = decode(message(*rows))
    assert [(r.value, r.channel) for r in result.readings] == [(97, "1.3.1.150456"),
                                                               (93, "1.3.2.150456")]


def test_a_repeated_obx_segment_is_one_reading_and_said() -> None:
    # A gateway or monitor that repeats an OBX segment (same code, OBX-4 path, value, unit and
    # OBX-14) sends one measurement twice: it had become two readings, logged twice (review, CSV,
    # FHIR and counts). One reading; the repeat is dropped as `duplicate-row`, so it stays seen.
    row = SPO2.format(v=97) + "|||20240101115930+0000"
    result = decode(message(row, row))
    assert (only(result).value, only(result).measured_at) == (97, utc(2024, 1, 1, 11, 59, 30))
    assert reasons(result) == ["duplicate-row"]
    assert result.dropped[0].detail.startswith("OBX 2 ")
    assert "repeats OBX 1's row" in result.dropped[0].detail


def test_rows_differing_only_in_time_are_two_readings() -> None:
    # Not a repeated segment: two measurements of the same channel, each with its own OBX-14.
    rows = [SPO2.format(v=97) + f"|||2024010111{m}00+0000" for m in (58, 59)]
    result = decode(message(*rows))
    assert [(r.value, r.measured_at) for r in result.readings] == [
        (97, utc(2024, 1, 1, 11, 58)), (97, utc(2024, 1, 1, 11, 59))]
    assert reasons(result) == []


def test_invasive_arterial_pressure_is_not_nibp() -> None:
    row = "NM|150033^MDC_PRESS_BLD_ART_SYS^MDC|1.3.1.2|120|266016|||||R"
    result = decode(message(row))
    assert result.readings == [] and reasons(result) == ["not-monitored"]
    assert "not NIBP" in result.dropped[0].detail


def test_waveform_rows_skipped_once_per_message() -> None:
    wave = "NA|150452^MDC_PULS_OXIM_PLETH^MDC|1.0.0.2|" + "^".join(["12"] * 5000) + "|262656|||||R"
    result = decode(message(wave, wave, SPO2.format(v=97)))
    assert only(result).value == 97
    assert reasons(result) == ["waveform-skipped"] and "2 NA" in result.dropped[0].detail


# --- Acknowledgements -----------------------------------------------------------------------


def test_ack_is_mllp_framed_when_input_was() -> None:
    result = HL7Decoder().feed(b"\x0b" + message(SPO2.format(v=97)) + b"\x1c\r", RX)
    assert answers(result) == [
        b"\x0bMSH|^~\\&|INFUSION_CONSOLE||MON^0011223344556677^EUI-64|FAC|20260102030405+0000||"
        b"ACK^R01^ACK|AC1|P|2.6\rMSA|AA|C1\r\x1c\r"]


def test_ignored_message_types_are_acknowledged() -> None:
    adt = b"MSH|^~\\&|ADT1||||||ADT^A01|X9|P|2.5\rPID|||123\r"
    result = decode(adt)
    assert result.readings == [] and reasons(result) == ["not-oru"]
    assert b"ACK^A01^ACK|AX9|P|2.5\rMSA|AA|X9\r" in answers(result)[0]


def test_frames_without_msh_are_bad_frames_and_unanswered() -> None:
    result = decode(b"PID|||123\rOBX|1|NM|150456|1|97\r")
    assert reasons(result) == ["bad-frame"] and result.replies == []


def test_decoder_never_raises_on_a_broken_message() -> None:
    for data in [b"MSH|", b"MSH|^~\\&", b"MSH^", b"MSH|^~\\&|" + b"|" * 40, b"\x00" * 10]:
        decode(data)


def test_an_observation_message_is_answered_aa_only_once_stored_and_ae_otherwise() -> None:
    result = decode(message("NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|97|262688^MDC_DIM_PERCENT^MDC"))
    [reply] = result.replies
    assert reply.waits   # the answer depends on the commit
    assert b"MSA|AA|" in reply.answer(True)
    assert b"MSA|AE|" in reply.answer(False)


def test_messages_with_nothing_to_store_are_answered_at_once() -> None:
    rejected = decode(message("NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|97", end=""))
    other = decode((MSH.replace("ORU^R01", "ADT^A01") + "\r").encode())
    for result in (rejected, other):
        assert [reply.waits for reply in result.replies] == [False]
        assert answers(result, stored=True) == answers(result, stored=False)


def test_a_message_read_only_in_part_is_never_answered_aa(monkeypatch: pytest.MonkeyPatch) -> None:
    from devices.hl7 import decoder

    def broken(self: object, segments: object, fs: object) -> None:
        raise RuntimeError("planted decoder bug")

    monkeypatch.setattr(decoder._Observations, "run", broken)
    result = decode(message("NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.1|97"))
    assert reasons(result) == ["decoder-error"]
    assert [b"MSA|AE|" in a for a in answers(result, stored=True)] == [True]


def test_an_nibp_whose_obx14_says_never_is_one_measurement_however_often_it_is_sent() -> None:
    # devices.md: "all zeros for 'never'"; NIBP "repeated in every message". Each message's
    # OBR-7 differs, so each repeat had been a new measurement at its message's time.
    decoder = HL7Decoder()

    def sent(n: int, sys_: int, dia: int, stamp: str = "00000000000000") -> DecodeResult:
        rows = [f"NM|{code}^{name}^MDC|1.1.9.{code}|{v}|266016^MDC_DIM_MMHG^MDC|||||F|||{stamp}"
                for code, name, v in [(150021, "MDC_PRESS_BLD_NONINV_SYS", sys_),
                                      (150022, "MDC_PRESS_BLD_NONINV_DIA", dia)]]
        data = message(SPO2.format(v=97), *rows).replace(
            b"20240101115900", f"202401011{n:03d}00".encode()).replace(b"|C1|", f"|C{n}|".encode())
        return feed_all(decoder, b"\x0b" + data + b"\x1c\r")

    def nibp(result: DecodeResult) -> list[tuple[str, float, bool]]:
        return [(r.metric, r.value, "AGE_UNKNOWN" in r.flags) for r in result.readings
                if r.metric.startswith("bp_")]

    first, *repeats = [sent(n, 120, 80) for n in (1, 2, 3)]
    new, again = sent(4, 150, 95), sent(5, 150, 95)
    # The first message's may be from before the console connected: its age is unknown.
    assert nibp(first) == [("bp_systolic", 120, True), ("bp_diastolic", 80, True)]
    assert [nibp(r) for r in repeats] == [[], []]
    assert all(reasons(r) == ["nibp-repeat"] for r in repeats)
    assert nibp(new) == [("bp_systolic", 150, False), ("bp_diastolic", 95, False)]
    assert nibp(again) == [] and reasons(again) == ["nibp-repeat"]
    # The SpO2 of every message is a new value, never a repeat.
    assert [[r.value for r in m.readings if r.metric == "spo2"]
            for m in (first, *repeats, new, again)] == [[97]] * 5
    # A garbled stamp: its notice comes with the measurement once, not with every repeat.
    garbled = [sent(n, 130, 85, stamp="20240101123") for n in (6, 7)]
    assert nibp(garbled[0]) == [("bp_systolic", 130, False), ("bp_diastolic", 85, False)]
    assert reasons(garbled[0]).count("bad-timestamp") == 2
    assert nibp(garbled[1]) == [] and reasons(garbled[1]) == ["nibp-repeat"]


def test_an_nibp_of_unknown_age_has_no_measured_time() -> None:
    # QA: with OBX-14 00000000000000 the reading was flagged AGE_UNKNOWN but measured_at was the
    # message's OBR-7; ANSAR-B and IntelliVue give None. OBR-7 is the message's time, not the
    # cuff measurement's.
    rows = [f"NM|{code}^{name}^MDC|1.1.9.{code}|{v}|266016^MDC_DIM_MMHG^MDC|||||F|||00000000000000"
            for code, name, v in [(150021, "MDC_PRESS_BLD_NONINV_SYS", 120),
                                  (150022, "MDC_PRESS_BLD_NONINV_DIA", 80)]]
    result = feed_all(HL7Decoder(), b"\x0b" + message(SPO2.format(v=97), *rows) + b"\x1c\r")
    nibp = [r for r in result.readings if r.metric.startswith("bp_")]
    assert [(r.metric, r.flags, r.measured_at) for r in nibp] == [
        ("bp_systolic", frozenset({"AGE_UNKNOWN"}), None),
        ("bp_diastolic", frozenset({"AGE_UNKNOWN"}), None)]
    # The SpO2 beside it keeps the message's time.
    assert [r.measured_at for r in result.readings if r.metric == "spo2"] == [
        utc(2024, 1, 1, 11, 59)]


def periodic(decoder: HL7Decoder, n: int, *rows: str, obr7: str | None = None) -> DecodeResult:
    """Message `n` of a monitor sending every minute: OBR-7 is the message's own time (as the
    MX500 gateway sample: OBR-7 23:03:31.496, MSH-7 23:03:32.872) unless `obr7` says otherwise."""
    when = f"202401011{n:03d}00+0000"
    msh = MSH.replace("20240101120000+0000", when).replace("|C1|", f"|C{n}|")
    data = message(*rows, msh=msh).replace(b"20240101115900+0000", (obr7 or when).encode())
    return feed_all(decoder, b"\x0b" + data + b"\x1c\r")


def cuff(sys_: int, dia: int, stamp: str = "") -> list[str]:
    return [f"NM|{code}^{name}^MDC|1.1.9.{code}|{v}|266016^MDC_DIM_MMHG^MDC|||||F|||{stamp}"
            for code, name, v in [(150021, "MDC_PRESS_BLD_NONINV_SYS", sys_),
                                  (150022, "MDC_PRESS_BLD_NONINV_DIA", dia)]]


def nibp_rows(result: DecodeResult) -> list[tuple[str, float, datetime | None]]:
    return [(r.metric, r.value, r.measured_at) for r in result.readings
            if r.metric.startswith("bp_")]


def test_an_nibp_without_obx14_in_a_periodic_message_is_one_measurement() -> None:
    # Review 47: with OBX-14 empty (not all zeros) each repeat took its message's OBR-7, so one
    # 150/95 became one BP a message: the record, the trend and the alarms' persistence filled.
    decoder = HL7Decoder()
    first, *repeats = [periodic(decoder, n, *cuff(120, 80), SPO2.format(v=97)) for n in (1, 2)]
    # The oximeter's value is missing (probe off): the row still says OBR-7 is the message's time.
    probe_off = periodic(decoder, 3, *cuff(120, 80), SPO2.format(v=""))
    new, again = (periodic(decoder, n, SPO2.format(v=96), *cuff(150, 95)) for n in (4, 5))
    # The first message's may be from before the console connected: its age is unknown.
    assert nibp_rows(first) == [("bp_systolic", 120, None), ("bp_diastolic", 80, None)]
    assert [nibp_rows(r) for r in (*repeats, probe_off)] == [[], []]
    assert all("nibp-repeat" in reasons(r) for r in (*repeats, probe_off))
    # A new measurement is reported once, at the time of the message that first brought it.
    assert nibp_rows(new) == [("bp_systolic", 150, utc(2024, 1, 1, 10, 4)),
                              ("bp_diastolic", 95, utc(2024, 1, 1, 10, 4))]
    assert nibp_rows(again) == [] and reasons(again) == ["nibp-repeat"]
    # The SpO2 of every message is a new value, never a repeat.
    assert [[r.value for r in m.readings if r.metric == "spo2"]
            for m in (first, *repeats, new, again)] == [[97], [97], [96], [96]]


def test_an_nibp_without_obx14_or_obr7_is_one_measurement() -> None:
    # No time at all: each repeat had been a new BP without a time (the engine cannot tell
    # repeats of an untimed NIBP apart).
    decoder = HL7Decoder()
    results = [periodic(decoder, n, SPO2.format(v=97), *cuff(120, 80), obr7="") for n in (1, 2)]
    assert [len(nibp_rows(r)) for r in results] == [2, 0]
    assert reasons(results[1]) == ["nibp-repeat"]


def test_an_nibp_in_its_own_obr_group_is_timed_by_that_obr7_in_every_message() -> None:
    # Nihon Kohden's shape: the continuous vitals in one group at the message's time, the NIBP
    # in its own group whose OBR-7 is the cuff's. Each repeat carries that time (the engine
    # drops repeats by value and time), so a new 120/80 at another time is never taken for one.
    decoder = HL7Decoder()

    def sent(n: int, cuffed: str) -> DecodeResult:
        when = f"202401011{n:03d}00+0000"
        msh = MSH.replace("20240101120000+0000", when).replace("|C1|", f"|C{n}|")
        rows = [msh, f"OBR|1|||VITAL|||{when}", f"OBX|1|{SPO2.format(v=97)}",
                f"OBR|2|||NIBP|||{cuffed}"]
        rows += [f"OBX|{i}|{row}" for i, row in enumerate(cuff(120, 80), 2)]
        return feed_all(decoder, b"\x0b" + "\r".join(rows).encode() + b"\r\x1c\r")

    results = [sent(1, "20240101100030+0000"), sent(2, "20240101100030+0000"),
               sent(3, "20240101100230+0000")]
    assert [nibp_rows(r) for r in results] == [
        [("bp_systolic", 120, utc(2024, 1, 1, 10, 0, 30)),
         ("bp_diastolic", 80, utc(2024, 1, 1, 10, 0, 30))]] * 2 + [
        [("bp_systolic", 120, utc(2024, 1, 1, 10, 2, 30)),
         ("bp_diastolic", 80, utc(2024, 1, 1, 10, 2, 30))]]
    assert all(reasons(r) == [] for r in results)


def test_an_nibp_with_its_own_time_passes_every_message_to_the_engine_to_deduplicate() -> None:
    # Timed, a repeat is the engine's to drop (SessionEngine._is_repeat: value and measured time,
    # which survives a restart); the decoder passes it on each time.
    decoder = HL7Decoder()
    row = ("NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.9.150021|118|266016^MDC_DIM_MMHG^MDC"
           "|||||F|||20240101113000+0000")
    results = [feed_all(decoder, b"\x0b" + message(row) + b"\x1c\r") for _ in (1, 2)]
    assert [[(r.value, r.measured_at) for r in m.readings] for m in results] == [
        [(118, utc(2024, 1, 1, 11, 30))]] * 2


def test_each_reading_carries_its_messages_control_id() -> None:
    """MSH-10 is what tells a monitor's resend from a new message with the same values (the
    engine's `_resent`): a message stamped to the minute was otherwise taken for a resend."""
    result = decode(message(SPO2.format(v=97), msh=MSH.replace("|C1|", "|QR017|")))
    assert [r.message for r in result.readings] == ["QR017"]


def test_a_vt_byte_in_a_bare_message_is_read_and_answered_and_so_are_the_next() -> None:
    # One 0x0B in a bare stream (a vertical tab in a patient name) cut the message at the byte,
    # answered AA with its SpO2 unread, and swallowed every later message without a word.
    named = message(SPO2.format(v=91)).replace(b"OBR", b"PID|||123||DOE\x0b^JOHN\rOBR", 1)
    decoder = HL7Decoder()
    read: list[float] = []
    replies: list[bytes] = []
    for data in (named, message(SPO2.format(v=92)), message(SPO2.format(v=93))):
        result = decoder.feed(data, RX)
        result.extend(decoder.quiet(RX))
        read += [r.value for r in result.readings]
        replies += answers(result)
    assert read == [91, 92, 93]
    assert [b"MSA|AA|C1\r" in a for a in replies] == [True] * 3


def test_a_bare_message_cut_inside_a_row_by_an_mllp_frame_is_answered_ae() -> None:
    whole = message(SPO2.format(v=91), "NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.2.1|72")
    cut = whole[: whole.rindex(b"|72")]
    result = feed_all(HL7Decoder(), cut + b"\x0b" + message(SPO2.format(v=92)) + b"\x1c\r")
    assert summary(result) == [("spo2", 91, "1.3.1.150456"), ("spo2", 92, "1.3.1.150456")]
    assert reasons(result) == ["cut-message"]
    first, second = answers(result)
    assert b"MSA|AE|C1\r" in first and b"MSA|AA|C1\r" in second
