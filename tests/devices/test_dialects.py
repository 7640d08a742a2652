"""Vendor HL7 dialects: the shipped files, their validation, clinic overrides, and decoding
Nihon Kohden and Draeger messages built from the facts in shared/design/devices.md."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from devices.hl7 import HL7Decoder
from devices.hl7.decoder import decode_message, identify
from devices.hl7.dialects import (
    Dialect,
    DialectError,
    DialectSet,
    load_dialect,
    load_dialects,
    shipped_dialects_dir,
)
from devices.stream import DecodeResult
from tests.devices.conftest import RX, feed_all

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module")
def shipped() -> DialectSet:
    dialects = load_dialects([shipped_dialects_dir()])
    assert dialects.errors == []
    return dialects


def nk(shipped: DialectSet) -> Dialect:
    return shipped.get("nihon-kohden")


def reasons(result: DecodeResult) -> list[str]:
    return [d.reason for d in result.dropped]


def readings(result: DecodeResult) -> list[tuple[str, float]]:
    return [(r.metric, r.value) for r in result.readings]


# --- Messages as the vendors send them (devices.md) -----------------------------------------

# Nihon Kohden PVM/BSM, HL7 2.4: vendor-local codes with text names, VITAL and NIBP in separate
# OBR groups, the NIBP group with its own (older) OBR-7 time; units /min, %, mmHg.
NK_MESSAGE = "\r".join([
    "MSH|^~\\&|NIHON KOHDEN^PVM-2701|WARD3|||20240301101500+0900||ORU^R01|NK000123|P|2.4||||||"
    "8859/1",
    "PID|||0012345^^^HOSP^MR||DOE^JANE",
    "PV1||I|ICU^^3",
    "OBR|1|||VITAL^VITAL|||20240301101500+0900",
    "OBX|1|NM|007000^VITAL SpO2||97|%|||||F",
    "OBX|2|NM|007001^VITAL PR(spo2)||72|/min|||||F",
    "OBX|3|NM|072007^VITAL rPR(spo2)||71|/min|||||F",
    "OBR|2|||NIBP^NIBP|||20240301100500+0900",
    "OBX|4|NM|009000^NIBP SYS||121|mmHg|||||F",
    "OBX|5|NM|009001^NIBP DIAS||78|mmHg|||||F",
    "OBX|6|NM|009002^NIBP MEAN||92|mm(hg)^^ISO+|||||F",
]) + "\r"

# Draeger Infinity through its gateway: local mnemonic first, LOINC in a sub-component of the
# alternate identifier, SN values, *** invalid, three spaces empty, ISO+ units.
DR_MESSAGE = "\r".join([
    "MSH|^~\\&|Infinity Gateway|DRAEGER|||20240301101500+0100||ORU^R01|DR000456|P|2.3",
    "PID|||12345",
    "OBR|1|||MONITORING|||20240301101500+0100",
    "OBX|1|SN|HR^^local^8867-4&1^^LOINC||=^119|/min^^ISO+|||||F",
    "OBX|2|SN|SpO2^^local^59408-5&1^^LOINC||=^96|%^^ISO+|||||F",
    "OBX|3|SN|NBPs^^local^8480-6&1^^LOINC||=^128|mm(hg)^^ISO+|||||F|||20240301100000+0100",
    "OBX|4|SN|NBPd^^local^8462-4&1^^LOINC||***|mm(hg)^^ISO+|||||F",
    "OBX|5|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F",
    "OBX|6|SN|NBPm^^local^8478-0&1^^LOINC||   |mm(hg)^^ISO+|||||F",
    "OBX|7|SN|SpO2^^local^59408-5&2^^LOINC||>^300|%^^ISO+|||||F",
    "OBX|8|SN|HR^^local||=^77|/min^^ISO+|||||F",
]) + "\r"


def test_nihon_kohden_message_with_its_dialect(shipped: DialectSet) -> None:
    result = decode_message(NK_MESSAGE.encode("latin-1"), RX, dialect=nk(shipped))
    assert readings(result) == [("spo2", 97), ("pulse_rate", 72), ("bp_systolic", 121),
                                ("bp_diastolic", 78), ("bp_mean", 92)]
    vital, pr, *nibp = result.readings
    # The VITAL group's OBR-7, and the NIBP group's own older OBR-7 (+0900 -> UTC).
    assert vital.measured_at == pr.measured_at == utc(2024, 3, 1, 1, 15)
    assert {r.measured_at for r in nibp} == {utc(2024, 3, 1, 1, 5)}
    assert {r.source for r in result.readings} == {"hl7:NIHON KOHDEN^PVM-2701"}
    assert [r.unit for r in result.readings] == ["%", "beats/min", "mmHg", "mmHg", "mmHg"]
    # rPR(spo2) is known but not shown (see nihon-kohden.toml), never a second pulse rate.
    assert reasons(result) == ["not-monitored"]
    assert "rPR(spo2): meaning not confirmed" in result.dropped[0].detail


def test_nihon_kohden_codes_are_unknown_without_the_dialect() -> None:
    result = decode_message(NK_MESSAGE.encode("latin-1"), RX)
    assert result.readings == [] and reasons(result) == ["unknown-code"] * 6


def test_nihon_kohden_dialect_recognised_from_msh3(shipped: DialectSet) -> None:
    result = feed_all(HL7Decoder("port", dialects=shipped), NK_MESSAGE.encode("latin-1"))
    assert len(result.readings) == 5


def test_plain_hl7_format_recognises_the_nihon_kohden_code_map_from_msh3() -> None:
    # Review 37: the plain `hl7` format (start screen, `decode --format hl7`) was given no code
    # maps, so [recognise] did nothing and SpO2 88, PR 72 were dropped as unknown-code.
    from devices.formats import FORMATS

    message = ("MSH|^~\\&|NIHON KOHDEN|WARD|||20260302090000||ORU^R01|M1|P|2.4\r"
               "OBR|1||||VITAL|||20260302090000\r"
               "OBX|1|NM|007000^VITAL SpO2||88|%|||||F\r"
               "OBX|2|NM|007001^VITAL PR(spo2)||72|/min|||||F\r").encode()
    result = feed_all(FORMATS["hl7"].new_decoder("/dev/ttyUSB0"), b"\x0b" + message + b"\x1c\r")
    assert [(r.metric, r.value) for r in result.readings] == [("spo2", 88), ("pulse_rate", 72)]


NK_PLAIN = b"\x0b" + ("MSH|^~\\&|NIHON KOHDEN|WARD|||20260302090000||ORU^R01|M1|P|2.4\r"
                       "OBR|1||||VITAL|||20260302090000\r"
                       "OBX|1|NM|007000^VITAL SpO2||88|%|||||F\r"
                       "OBX|2|NM|007001^VITAL PR(spo2)||72|/min|||||F\r").encode() + b"\x1c\r"


def test_a_clinic_profile_reading_hl7_without_a_code_map_recognises_one(tmp_path: Path) -> None:
    # A clinic's own profile (`format = "hl7"`, its port and period) naming no code map was given
    # none: the Nihon Kohden behind it had SpO2 88 and PR 72 dropped as unknown-code.
    from devices.profiles import format_for, load_profile

    path = tmp_path / "ward-2-monitor.toml"
    path.write_text('model = "Ward 2 monitor"\nformat = "hl7"\nconnection = "serial"\n')
    decoder = format_for(load_profile(path)).new_decoder("/dev/ttyUSB0")
    assert readings(feed_all(decoder, NK_PLAIN)) == [("spo2", 88), ("pulse_rate", 72)]


def test_a_refused_clinic_code_map_is_logged_naming_the_file_and_the_reason_when_a_port_opens(
        caplog: pytest.LogCaptureFixture) -> None:
    # Its monitor's values are dropped as unknown-code; IT read nothing that said why.
    from devices.formats import FORMATS
    from devices.profiles import default_dialect_dirs

    clinic = default_dialect_dirs()[-1]
    clinic.mkdir(parents=True, exist_ok=True)
    (clinic / "ward-monitor.toml").write_text('vendor = "Ward"\n[codes."1"]\nmetric = "spo3"\n')
    with caplog.at_level("WARNING", logger="devices.profiles"):
        decoder = FORMATS["hl7"].new_decoder("/dev/ttyUSB0")
    refusals = [r.getMessage() for r in caplog.records if "ward-monitor.toml" in r.getMessage()]
    assert len(refusals) == 1 and "code map refused" in refusals[0]
    assert "spo3" in refusals[0] or "metric" in refusals[0]
    # the shipped maps still serve
    assert readings(feed_all(decoder, NK_PLAIN)) == [("spo2", 88), ("pulse_rate", 72)]


def test_a_code_map_is_recognised_once_per_sending_application() -> None:
    # P1: not a walk over every code map for every message of the same monitor
    dialects = load_dialects([shipped_dialects_dir()])
    nihon_kohden = dialects.get("nihon-kohden")
    assert dialects.recognise("NIHON KOHDEN", "WARD") is nihon_kohden
    dialects.dialects.clear()
    assert dialects.recognise("NIHON KOHDEN", "WARD") is nihon_kohden   # remembered


def test_explicit_dialect_wins_over_recognition(shipped: DialectSet) -> None:
    decoder = HL7Decoder("port", dialect=shipped.get("draeger-infinity"), dialects=shipped)
    result = feed_all(decoder, NK_MESSAGE.encode("latin-1"))
    assert result.readings == [] and "nor in dialect draeger-infinity" in result.dropped[0].detail


def test_nk_empty_unit_takes_the_dialect_unit_and_a_wrong_unit_is_refused(
        shipped: DialectSet) -> None:
    msg = NK_MESSAGE.replace("|97|%|", "|97||").replace("|121|mmHg|", "|121|%|")
    result = decode_message(msg.encode(), RX, dialect=nk(shipped))
    assert ("spo2", 97) in readings(result) and ("bp_systolic", 121) not in readings(result)
    assert "unit-mismatch" in reasons(result)


def test_nk_name_that_disagrees_is_noticed_and_the_code_trusted(shipped: DialectSet) -> None:
    msg = NK_MESSAGE.replace("007000^VITAL SpO2", "007000^NIBP SYS")
    result = decode_message(msg.encode(), RX, dialect=nk(shipped))
    assert ("spo2", 97) in readings(result) and "name-mismatch" in reasons(result)


def test_draeger_message_with_its_dialect(shipped: DialectSet) -> None:
    result = decode_message(DR_MESSAGE.encode(), RX, dialect=shipped.get("draeger-infinity"))
    assert readings(result) == [("heart_rate", 119), ("spo2", 96), ("bp_systolic", 128),
                                ("resp_rate", 5), ("heart_rate", 77)]
    hr, spo2, sys_, rr, hr_local = result.readings
    # The sub-component channel (&1, &2) tells sites apart when OBX-4 is empty.
    assert (hr.channel, spo2.channel, hr_local.channel) == ("8867-4&1", "59408-5&1", "")
    assert sys_.measured_at == utc(2024, 3, 1, 9, 0) and hr.measured_at == utc(2024, 3, 1, 9, 15)
    # "RR <5": below what the monitor measures, kept as its limit flagged `<` so the low RR
    # alarm judges it (dropped, it raised nothing); SpO2 ">300" % is past the hard range.
    assert rr.flags == {"<"} and hr.flags == frozenset()
    assert reasons(result) == ["no-value", "no-value", "out-of-hard-range"]


def test_draeger_loinc_sub_component_needs_no_dialect() -> None:
    result = decode_message(DR_MESSAGE.encode(), RX)
    # Standard LOINC codes are found in sub-components without any dialect; only the row
    # identified by the bare mnemonic "HR" needs the Draeger map.
    assert readings(result) == [("heart_rate", 119), ("spo2", 96), ("bp_systolic", 128),
                                ("resp_rate", 5)]
    assert reasons(result) == ["no-value", "no-value", "out-of-hard-range", "unknown-code"]


@pytest.mark.parametrize("value,reason", [
    ("=^119", ""), ("^119", ""), ("119", ""), ("<>^5", "limit"),
    ("^10^-^20", "not-numeric"), ("^1^:^2", "not-numeric"),
    ("!^5", "not-numeric"), ("=^***", "no-value"), ("***", "no-value"), ("   ", "no-value"),
    ("=^", "no-value"), ("=^-100", "no-value"), ("=^400", "out-of-hard-range"),
])
def test_sn_values(value: str, reason: str) -> None:
    row = f"OBX|1|SN|8867-4^HR^LN||{value}|/min^^ISO+|||||F"
    msg = f"MSH|^~\\&|MON||||||ORU^R01|C1|P|2.6\rOBR|1\r{row}\r"
    result = decode_message(msg.encode(), RX)
    if reason:
        assert result.readings == [] and reasons(result) == [reason]
    else:
        assert readings(result) == [("heart_rate", 119)] and result.dropped == []


@pytest.mark.parametrize("value,kept,flag", [
    ("<^5", 5, "<"), ("<=^5", 5, "<"), (">^250", 250, ">"), (">=^250", 250, ">")])
def test_sn_limits_are_kept_as_the_limit_with_their_side(value: str, kept: float,
                                                         flag: str) -> None:
    # A monitor says "<5" when the value is below what it can measure: the most alarming
    # reading it sends, judged by the alarm limits at its limit, its side an OBX-8 flag.
    row = f"OBX|1|SN|8867-4^HR^LN||{value}|/min^^ISO+|||||F"
    msg = f"MSH|^~\\&|MON||||||ORU^R01|C1|P|2.6\rOBR|1\r{row}\r"
    result = decode_message(msg.encode(), RX)
    assert readings(result) == [("heart_rate", kept)] and result.dropped == []
    assert result.readings[0].flags == {flag}


@pytest.mark.parametrize("unit,expected", [("/min^^ISO+", 60), ("mm(hg)^^ISO+", None),
                                           ("%^^ISO+", None), ("cel^^ISO+", None)])
def test_iso_plus_units(unit: str, expected: float | None) -> None:
    msg = f"MSH|^~\\&|MON||||||ORU^R01|C1|P|2.6\rOBX|1|NM|8867-4^HR^LN||60|{unit}|||||F\r"
    result = decode_message(msg.encode(), RX)
    if expected is None:
        assert result.readings == [] and reasons(result)[0] in ("unit-mismatch", "unknown-unit")
    else:
        assert readings(result) == [("heart_rate", expected)]


def test_mdc_code_in_a_sub_component_and_mdc_name_alone() -> None:
    assert identify("X^^local^150456&2^^MDC").metric == "spo2"  # type: ignore[union-attr]
    assert identify("^MDC_PULS_OXIM_SAT_O2^MDC").metric == "spo2"  # type: ignore[union-attr]
    # An unknown code is never overridden by the name beside it.
    assert identify("1500212^MDC_PRESS_BLD_NONINV_SYS^MDC") is None
    # Mindray's private codes count only as a whole identifier, never as a sub-component.
    assert identify("X^^local^9&101") is None


def test_dialect_names_never_override_an_unknown_code(shipped: DialectSet) -> None:
    draeger = shipped.get("draeger-infinity")
    assert identify("HR^^local", dialect=draeger).metric == "heart_rate"  # type: ignore[union-attr]
    assert identify("^HR", dialect=draeger).metric == "heart_rate"  # type: ignore[union-attr]
    assert identify("999^HR", dialect=draeger) is None
    # Mindray's legacy 101 stays Mindray's, whatever the dialect's names.
    assert identify("101^HR", dialect=draeger).family == "MINDRAY"  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_dialect_messages_decode_the_same_in_any_chunking(shipped: DialectSet, seed: int) -> None:
    stream = b"".join(b"\x0b" + m.encode("latin-1") + b"\x1c\r" for m in (NK_MESSAGE, DR_MESSAGE))
    whole = feed_all(HL7Decoder(dialects=shipped), stream)
    assert len(whole.readings) == 10 and whole.frames == 2
    chunked = feed_all(HL7Decoder(dialects=shipped), stream, seed)
    assert chunked.readings == whole.readings
    assert reasons(chunked) == reasons(whole)


# --- The shipped files and the listing ------------------------------------------------------


def test_shipped_dialects(shipped: DialectSet) -> None:
    assert list(shipped.dialects) == ["draeger-infinity", "nihon-kohden"]
    d = nk(shipped)
    assert (d.vendor, d.models, sorted(d.codes)) == (
        "Nihon Kohden", ("PVM", "BSM"),
        ["007000", "007001", "009000", "009001", "009002", "072007"])
    assert d.codes["072007"].metric is None
    lines = shipped.describe()
    assert lines[1].startswith("nihon-kohden: Nihon Kohden (PVM, BSM); 6 code(s); from ")
    assert lines[1].endswith("devices/dialects/nihon-kohden.toml")


def test_clinic_file_overrides_the_shipped_one_and_the_listing_says_so(tmp_path: Path) -> None:
    text = (shipped_dialects_dir() / "nihon-kohden.toml").read_text()
    text = text.replace('ignore = "rPR(spo2): meaning not confirmed; 007001 PR(spo2) is the '
                        'oximeter pulse rate"', 'metric = "pulse_rate"\nunit = "/min"')
    (tmp_path / "nihon-kohden.toml").write_text(text)
    dialects = load_dialects([shipped_dialects_dir(), tmp_path])
    d = dialects.get("nihon-kohden")
    assert d.source == tmp_path / "nihon-kohden.toml"
    assert d.replaces == shipped_dialects_dir() / "nihon-kohden.toml"
    assert any("(overrides " in line and str(tmp_path) in line for line in dialects.describe())
    result = decode_message(NK_MESSAGE.encode(), RX, dialect=d)
    assert ("pulse_rate", 71) in readings(result)


def test_a_refused_clinic_override_withdraws_the_shipped_dialect(tmp_path: Path) -> None:
    (tmp_path / "nihon-kohden.toml").write_text('vendor = "NK"\n[codes."007000"]\nmetric = "spo3"\n')
    dialects = load_dialects([shipped_dialects_dir(), tmp_path])
    assert "nihon-kohden" not in dialects.dialects
    with pytest.raises(DialectError, match="spo3"):
        dialects.get("nihon-kohden")
    assert any(line.startswith("refused: ") for line in dialects.describe())


def test_unknown_dialect_names_the_known_ones(shipped: DialectSet) -> None:
    with pytest.raises(DialectError) as info:
        shipped.get("philips")
    assert str(info.value) == ("philips.toml: (file): no dialect 'philips'; known: "
                               "draeger-infinity, nihon-kohden")


def test_missing_clinic_folder_is_skipped(tmp_path: Path) -> None:
    dialects = load_dialects([shipped_dialects_dir(), tmp_path / "absent"])
    assert dialects.errors == [] and len(dialects.dialects) == 2


# --- Validation: file, key, reason ----------------------------------------------------------

VITAL_LIST = "bp_systolic, bp_diastolic, bp_mean, heart_rate, pulse_rate, resp_rate, spo2"


@pytest.mark.parametrize("body,message", [
    ('vendor = "NK"\n[codes."007000"]\nmetric = "spo3"\n',
     f"codes.\"007000\".metric: 'spo3' is not a metric; known: {VITAL_LIST}"),
    ('vendor = "NK"\n[codes."007000"]\nmetric = "moaas"\n',
     f"codes.\"007000\".metric: 'moaas' is an observation scale, not a device vital; "
     f"known: {VITAL_LIST}"),
    ('vendor = "NK"\n[codes."007000"]\nmetric = "spo2"\nunit = "mmHg"\n',
     "codes.\"007000\".unit: 'mmHg' cannot measure spo2; allowed: % (262688, %)"),
    ('vendor = "NK"\n[codes."007000"]\nmetric = "spo2"\nunit = "furlong"\n',
     "codes.\"007000\".unit: 'furlong' is not a unit we know; allowed: % (262688, %)"),
    ('vendor = "NK"\n[codes."007000"]\nmetrc = "spo2"\n',
     "codes.\"007000\".metrc: unknown key; allowed: metric, unit, name, ignore"),
    ('vendor = "NK"\n[codes."007000"]\nunit = "%"\n',
     "codes.\"007000\".metric: missing: give the metric it measures, or `ignore` with the "
     "reason it is not shown"),
    ('vendor = "NK"\n[codes."007000"]\nmetric = "spo2"\nignore = "x"\n',
     "codes.\"007000\".ignore: give either metric or ignore, not both"),
    ('vendor = "NK"\n[codes."00^7"]\nmetric = "spo2"\n',
     "codes.\"00^7\": a code must be 1-120 characters without HL7 separators (| ^ ~ \\ &)"),
    ('[codes."007000"]\nmetric = "spo2"\n', "vendor: missing required key"),
    ('vendor = 3\n', "vendor: expected text, got a number (3)"),
    ('vendor = "NK"\nvalue_types = ["ST"]\n',
     "value_types[0]: 'ST' is not a value type the decoder reads; allowed: NM, SN"),
    ('vendor = "NK"\nno_value = [-1]\n',
     "no_value[0]: expected text as sent in OBX-5 (write \"-1\", not -1), got a number (-1)"),
    ('vendor = "NK"\n[recognise]\nsending_app = ["NK"]\n',
     "recognise.sending_app: unknown key; allowed: sending_application, sending_facility"),
    ('vendor = "NK"\n[units]\n"mmhg." = "inch"\n',
     "units.\"mmhg.\": 'inch' is not a unit we know; allowed: mmHg, kPa, /min, %"),
    ('vendor = "NK"\nmodel = "PVM"\n',
     "model: unknown key; allowed: vendor, models, description, value_types, no_value, "
     "recognise, units, codes, names"),
    ('vendor = "NK"\ncodes = 3\n', "codes: expected a table, got a number (3)"),
])
def test_bad_dialect_files_name_file_key_and_reason(tmp_path: Path, body: str,
                                                    message: str) -> None:
    path = tmp_path / "nihon-kohden.toml"
    path.write_text(body)
    with pytest.raises(DialectError) as info:
        load_dialect(path)
    assert str(info.value) == f"{path}: {message}"   # the whole path: which file to fix


@pytest.mark.parametrize("body,message", [
    # The same code twice, spaces aside (TOML takes the two keys as two).
    ('[codes."007000"]\nmetric = "spo2"\n[codes." 007000"]\nmetric = "pulse_rate"\n',
     'codes." 007000": stands for pulse_rate, but codes."007000" (the same code) stands for '
     'spo2; a code stands for one vital: keep one of the two entries'),
    ('[codes."007000"]\nmetric = "spo2"\n[codes."007000 "]\nmetric = "spo2"\n',
     'codes."007000 ": the same code as codes."007000" (both spo2): keep one of the two entries'),
    # The same name twice, case aside.
    ('[names.HR]\nmetric = "heart_rate"\n[names.hr]\nmetric = "pulse_rate"\n',
     "names.hr: stands for pulse_rate, but names.HR (the same name, case aside) stands for "
     "heart_rate; a name stands for one vital: keep one of the two entries"),
    # A name that is a code's text: the row reads as one or the other by where HR is sent.
    ('[codes.HR]\nmetric = "heart_rate"\n[names.hr]\nmetric = "pulse_rate"\n',
     "names.hr: stands for pulse_rate, but codes.HR, the same text (case aside) as a code, "
     "stands for heart_rate; one identifier stands for one vital: make the two agree or remove "
     "one"),
    # A name that is a code's own name, mapped elsewhere or shown where the code is not.
    ('[codes."007001"]\nname = "VITAL PR(spo2)"\nmetric = "pulse_rate"\n'
     '[names."VITAL PR(SPO2)"]\nmetric = "heart_rate"\n',
     'names."VITAL PR(SPO2)": stands for heart_rate, but codes."007001", whose name it is, '
     'stands for pulse_rate; one identifier stands for one vital: make the two agree or remove '
     'one'),
    ('[codes."072007"]\nname = "VITAL rPR(spo2)"\nignore = "meaning not confirmed"\n'
     '[names."VITAL rPR(spo2)"]\nmetric = "pulse_rate"\n',
     'names."VITAL rPR(spo2)": stands for pulse_rate, but codes."072007", whose name it is, '
     'stands for nothing shown (ignore); one identifier stands for one vital: make the two '
     'agree or remove one'),
    # A unit spelling, case aside.
    ('[units]\n"mmhg." = "mmHg"\n"MMHG." = "kPa"\n',
     'units."MMHG.": stands for kPa, but units."mmhg." (the same spelling, case aside) stands '
     'for mmHg; a spelling stands for one unit: keep one of the two'),
], ids=["code-twice", "code-twice-one-vital", "name-twice", "code-text-as-name",
        "code-name-as-name", "ignored-code-name-as-name", "unit-spelling-twice"])
def test_a_code_map_giving_one_identifier_two_vitals_is_refused_naming_both(
    tmp_path: Path, body: str, message: str
) -> None:
    path = tmp_path / "nihon-kohden.toml"
    path.write_text('vendor = "NK"\n' + body)
    with pytest.raises(DialectError) as info:
        load_dialect(path)
    assert str(info.value) == f"{path}: {message}"   # the whole path: which file to fix
    assert [str(e) for e in load_dialects([tmp_path]).errors] == [str(info.value)]


def test_several_identifiers_for_one_vital_are_not_a_contradiction(tmp_path: Path) -> None:
    path = tmp_path / "acme.toml"
    path.write_text('vendor = "Acme"\n'
                    # A private code beside the vendor's mnemonic, and the mnemonic as a name.
                    '[codes."900101"]\nmetric = "heart_rate"\nname = "HR"\n'
                    '[codes.HR]\nmetric = "heart_rate"\n[names.hr]\nmetric = "heart_rate"\n'
                    # One label over three rows.
                    '[codes."900170"]\nmetric = "bp_systolic"\nname = "ART"\n'
                    '[codes."900171"]\nmetric = "bp_diastolic"\nname = "ART"\n'
                    '[units]\n"mmhg." = "mmHg"\n"MMHG." = "mmHg"\n')
    acme = load_dialect(path)
    for code, name, metric in (("900101", "", "heart_rate"), ("HR", "", "heart_rate"),
                               ("", "hr", "heart_rate"), ("900171", "ART", "bp_diastolic")):
        entry = acme.lookup(code, name)
        assert entry is not None and entry.metric == metric, (code, name)


def test_not_toml_and_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "x.toml"
    bad.write_text('vendor = "NK\n')
    with pytest.raises(DialectError) as info:
        load_dialect(bad)
    assert str(info.value).startswith(f"{bad}: (file): not valid TOML")
    bad.write_bytes(b'vendor = "\xff"\n')
    with pytest.raises(DialectError, match=r"not UTF-8 text \(byte 0xff"):
        load_dialect(bad)
    # A key held down in an editor: Python's own ValueError escaped the refusal.
    bad.write_text("x = 1" + "0" * 5000 + "\n")
    with pytest.raises(DialectError, match=r"not valid TOML: a whole number of more than 4300"):
        load_dialect(bad)
    # In hexadecimal tomllib reads it, and its repr in "must be text, got a number (…)" raised.
    bad.write_text('vendor = 0x' + "f" * 4000 + "\n")
    with pytest.raises(DialectError, match=r"a number \(a whole number of more than 4300 digits\)"):
        load_dialect(bad)


def test_refused_files_are_listed_and_the_others_load(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("vendor = 1\n")
    (tmp_path / "acme.toml").write_text('vendor = "Acme"\nno_value = ["-1", "xx"]\n'
                                        '[units]\n"mmhg." = "mmHg"\n'
                                        '[codes."42"]\nmetric = "bp_systolic"\n')
    dialects = load_dialects([tmp_path])
    assert list(dialects.dialects) == ["acme"]
    assert [str(e) for e in dialects.errors] == [f"{tmp_path / 'broken.toml'}: vendor: expected "
                                                 "text, got a number (1)"]
    acme = dialects.get("acme")
    assert acme.is_no_value("-1") and acme.is_no_value(" XX ") and not acme.is_no_value("1")
    msg = ("MSH|^~\\&|ACME||||||ORU^R01|C1|P|2.6\r"
           "OBX|1|NM|42^SYS||-1|mmHg.|||||F\rOBX|2|NM|42^SYS||120|mmHg.|||||F\r")
    result = decode_message(msg.encode(), RX, dialect=acme)
    assert readings(result) == [("bp_systolic", 120)] and reasons(result) == ["no-value"]
