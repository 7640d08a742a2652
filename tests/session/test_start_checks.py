"""The start checks (console/session/start_checks.py), one row per rule: what is entered, which
field is wrong, how it weighs, and the exact message (what is wrong and what is allowed)."""

from __future__ import annotations

import pytest

from console.session.start_checks import (
    Field,
    Kind,
    StartEntry,
    check_device_address,
    check_start,
    command_line_text,
    parse_weight,
)
from devices.formats import FORMATS
from devices.profiles import default_catalogue
from protocols.loader import builtin_protocols_dir, load_protocols

GOOD = {"patient_id": "MRN-1042", "weight": "72", "protocol_id": "iv-ketamine", "nurse": "Ana Lima"}


@pytest.fixture(scope="module")
def protocols():
    loaded = load_protocols([builtin_protocols_dir()])
    assert not loaded.errors
    return loaded.protocols


def entry(**changes: object) -> StartEntry:
    return StartEntry(**{**GOOD, **changes})  # type: ignore[arg-type]


def test_a_good_entry_has_no_problem_and_gives_the_weight_and_protocol(protocols):
    check = check_start(entry(weight=" 72,5 ", patient_id="  MRN-1042 "), protocols)
    assert check.problems == () and check.ok
    assert check.weight_kg == 72.5
    assert check.protocol is protocols["iv-ketamine"]


@pytest.mark.parametrize(("changes", "field", "kind", "message"), [
    # patient
    ({"patient_id": ""}, Field.PATIENT, Kind.MISSING,
     "Required: the patient identifier (e.g. the MRN), as on the wristband."),
    ({"patient_id": "   "}, Field.PATIENT, Kind.MISSING,
     "Required: the patient identifier (e.g. the MRN), as on the wristband."),
    ({"patient_id": "M" * 65}, Field.PATIENT, Kind.REFUSED,
     "The identifier is 65 characters long; at most 64 are allowed. Enter the patient's MRN."),
    ({"patient_id": "unknown"}, Field.PATIENT, Kind.CONFIRM,
     "“unknown” looks like a placeholder: enter the MRN, or confirm it is "
     "this patient\'s identifier."),
    ({"patient_id": " Test1 "}, Field.PATIENT, Kind.CONFIRM,
     "“Test1” looks like a placeholder: enter the MRN, or confirm it is "
     "this patient\'s identifier."),
    ({"patient_id": "John Doe"}, Field.PATIENT, Kind.CONFIRM,
     "“John Doe” looks like a placeholder: enter the MRN, or confirm it is "
     "this patient\'s identifier."),
    ({"patient_id": "MRN\x01\x02"}, Field.PATIENT, Kind.REFUSED,
     "The identifier contains a control or invisible character (U+0001 at position 4); only visible "
     "characters are allowed. Type the patient's MRN again."),
    ({"patient_id": "MRN\t4711"}, Field.PATIENT, Kind.REFUSED,
     "The identifier contains a control or invisible character (U+0009 at position 4); only visible "
     "characters are allowed. Type the patient's MRN again."),
    ({"patient_id": "MRN-47\u200b11"}, Field.PATIENT, Kind.REFUSED,   # a zero-width space
     "The identifier contains a control or invisible character (U+200B at position 7); only visible "
     "characters are allowed. Type the patient's MRN again."),
    # weight
    ({"weight": ""}, Field.WEIGHT, Kind.MISSING, "Required: the weight measured today, 1–400 kg."),
    ({"weight": "abc"}, Field.WEIGHT, Kind.REFUSED,
     "“abc” is not a number. Enter the weight in kg, 1–400 (e.g. 72 or 72.5)."),
    ({"weight": "nan"}, Field.WEIGHT, Kind.REFUSED,
     "“nan” is not a number. Enter the weight in kg, 1–400 (e.g. 72 or 72.5)."),
    ({"weight": "inf"}, Field.WEIGHT, Kind.REFUSED,
     "“inf” is not a number. Enter the weight in kg, 1–400 (e.g. 72 or 72.5)."),
    ({"weight": "0"}, Field.WEIGHT, Kind.REFUSED,
     "0 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
    ({"weight": "-70"}, Field.WEIGHT, Kind.REFUSED,
     "-70 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
    ({"weight": "400.5"}, Field.WEIGHT, Kind.REFUSED,
     "400.5 kg is outside the allowed range 1–400 kg. Enter the weight in kg."),
    ({"weight": "7,2"}, Field.WEIGHT, Kind.CONFIRM,
     "7.2 kg is unusual (below 30 kg): check it is in kg, then confirm it or correct it."),
    ({"weight": "251"}, Field.WEIGHT, Kind.CONFIRM,
     "251 kg is unusual (above 250 kg): check it is in kg, then confirm it or correct it."),
    # protocol
    ({"protocol_id": None}, Field.PROTOCOL, Kind.MISSING, "Required: the protocol ordered for this session."),
    ({"protocol_id": "nope"}, Field.PROTOCOL, Kind.REFUSED,
     "Unknown protocol “nope”; available: esketamine, iv-ketamine, iv-ketamine-titration."),
    # nurse
    ({"nurse": " "}, Field.NURSE, Kind.MISSING, "Required: the name of the nurse running this session."),
    # device
    ({"device_url": " ", "device_format": "hl7"}, Field.DEVICE, Kind.REFUSED,
     "The port is empty. Give a port (e.g. /dev/ttyUSB0) or URL (e.g. socket://host:4001), or no "
     "device at all (“Manual entry only”)."),
    ({"device_url": "/dev/no-such-port", "device_format": "hl7"}, Field.DEVICE, Kind.ADVICE,
     "/dev/no-such-port does not exist now; the session will keep trying to open it. Check the cable."),
    ({"device_url": "loop://", "device_format": "hl8"}, Field.FORMAT, Kind.REFUSED,
     "Unknown device “hl8”; known: " + ", ".join([*default_catalogue().names(), *FORMATS])
     + "."),
    # a monitor named without a device is still checked (the command line's --format)
    ({"device_url": None, "device_format": "nope"}, Field.FORMAT, Kind.REFUSED,
     "Unknown device “nope”; known: " + ", ".join([*default_catalogue().names(), *FORMATS])
     + "."),
    ({"device_url": "socket://host:99999", "device_format": "mindray-bedside"}, Field.DEVICE,
     Kind.REFUSED, "“socket://host:99999”: the port “99999” is not a number from 1 to 65535. "
     "Give socket://HOST:PORT, e.g. socket://192.0.2.20:4601."),
    # session number
    ({"session_number": 0}, Field.SESSION, Kind.REFUSED, "Session number 0 is outside 1–999."),
    ({"session_number": 1000}, Field.SESSION, Kind.REFUSED, "Session number 1000 is outside 1–999."),
    ({"session_number": 7}, Field.SESSION, Kind.ADVICE,
     "Session 7 is beyond the usual course of 6 for this protocol: check the number."),
])
def test_each_rule_names_what_is_wrong_and_what_is_allowed(protocols, changes, field, kind, message):
    check = check_start(entry(**changes), protocols)
    assert [(p.field, p.kind, p.message) for p in check.problems] == [(field, kind, message)]
    assert check.ok is (kind is Kind.ADVICE)


@pytest.mark.parametrize("fmt", ["hl7", "masimo", "mindray-bedside", None])
def test_a_known_monitor_without_a_device_is_manual_entry(protocols, fmt):
    assert check_start(entry(device_format=fmt), protocols).problems == ()


@pytest.mark.parametrize("url", [
    "/dev/ttyUSB0", "COM3", "loop://", "spy:///dev/ttyUSB0", "hwgrep://0403:6001",
    "socket://192.0.2.20:4601", "socket://monitor-3.ward.lan:4001", "socket://[::1]:4601",
    "socket://h:1?logging=debug", "socket://h:65535", "rfc2217://192.0.2.9:2217?timeout=3",
    "udp://192.0.2.10", "udp://192.0.2.10:24105?local_port=24106", "udp://[fe80::1]:24105",
])
def test_device_addresses_the_transport_opens_are_accepted(url):
    assert check_device_address(url) is None


@pytest.mark.parametrize(("url", "message"), [
    ("socket://:abc",
     "“socket://:abc” has no valid host name or IP address: give socket://HOST:PORT, e.g. "
     "socket://192.0.2.20:4601."),
    ("socket://x y:4601",
     "“socket://x y:4601” has no valid host name or IP address: give socket://HOST:PORT, e.g. "
     "socket://192.0.2.20:4601."),
    ("socket://[::g]:4601",
     "“socket://[::g]:4601” has no valid host name or IP address: give socket://HOST:PORT, "
     "e.g. socket://192.0.2.20:4601."),
    ("socket://host",
     "“socket://host” has no port: give socket://HOST:PORT, e.g. socket://192.0.2.20:4601."),
    ("socket://host:99999",
     "“socket://host:99999”: the port “99999” is not a number from 1 to 65535. Give "
     "socket://HOST:PORT, e.g. socket://192.0.2.20:4601."),
    ("socket://host:0",
     "“socket://host:0”: the port “0” is not a number from 1 to 65535. Give socket://HOST:PORT, "
     "e.g. socket://192.0.2.20:4601."),
    ("socket://host:",
     "“socket://host:”: the port “” is not a number from 1 to 65535. Give socket://HOST:PORT, "
     "e.g. socket://192.0.2.20:4601."),
    ("rfc2217://host:-1",
     "“rfc2217://host:-1”: the port “-1” is not a number from 1 to 65535. Give "
     "rfc2217://HOST:PORT, e.g. rfc2217://192.0.2.20:4601."),
    ("udp://host:abc",
     "“udp://host:abc”: the port “abc” is not a number from 1 to 65535. Give udp://HOST:PORT, "
     "e.g. udp://192.0.2.20:24105."),
    ("udp://:24105",
     "“udp://:24105” has no valid host name or IP address: give udp://HOST:PORT, e.g. "
     "udp://192.0.2.20:24105."),
    ("socket://h:1?x=1", "“socket://h:1?x=1”: unknown option “x”; socket:// takes logging, or none."),
    ("udp://h:1?speed=2",
     "“udp://h:1?speed=2”: unknown option “speed”; udp:// takes local_port, or none."),
    ("udp://h:1?local_port=70000",
     "“udp://h:1?local_port=70000”: local_port “70000” is not a number from 0 to 65535."),
    ("spy://", "“spy://” names no port to spy on: give spy:// then the port, e.g. "
     "spy:///dev/ttyUSB0."),
    ("bogus://x",
     "“bogus://” is not a kind of device address the console opens. Give a port path (e.g. "
     "/dev/ttyUSB0), socket://HOST:PORT, udp://HOST:PORT, rfc2217://HOST:PORT, loop:// or "
     "spy://PORT (or pyserial's alt://, hwgrep://, cp2110://)."),
])
def test_a_device_address_that_cannot_be_opened_says_what_is_allowed(url, message):
    assert check_device_address(url) == message


def test_a_malformed_address_is_said_before_the_kind_of_address_the_monitor_takes(protocols):
    # One problem per field: the address's own, not also "talks over the network (TCP)".
    check = check_start(entry(device_url="socket://h:x", device_format="mindray-bedside"),
                        protocols)
    assert [(p.field, p.message) for p in check.problems] == [
        (Field.DEVICE, "“socket://h:x”: the port “x” is not a number from 1 to 65535. Give "
                       "socket://HOST:PORT, e.g. socket://192.0.2.20:4601.")]


def test_a_refused_protocol_is_named_with_the_loaders_reason(protocols, tmp_path):
    clinic = tmp_path / "clinic-x.toml"
    shipped = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    clinic.write_text(shipped.replace('id = "iv-ketamine"', 'id = "clinic-x"')
                      .replace("at_or_above = 180\n", "at_or_above = 1800\n", 1), encoding="utf-8")
    loaded = load_protocols([builtin_protocols_dir(), tmp_path])
    check = check_start(entry(protocol_id="clinic-x"), loaded.protocols, loaded.errors)
    assert [(p.field, p.kind, p.message) for p in check.problems] == [
        (Field.PROTOCOL, Kind.REFUSED,
         f"The protocol “clinic-x” was refused: {clinic}: alarms[0].at_or_above: 1800 is outside "
         "bp_systolic's range 20–300 mmHg. Fix the file and start again, or choose one of: "
         "esketamine, iv-ketamine, iv-ketamine-titration.")]
    # Named by its file when the problem comes before its id is read.
    clinic.write_text("not toml = = 1\n", encoding="utf-8")
    loaded = load_protocols([builtin_protocols_dir(), tmp_path])
    problem = check_start(entry(protocol_id="clinic-x"), loaded.protocols,
                          loaded.errors).about(Field.PROTOCOL)
    assert problem is not None
    assert problem.message.startswith(f"The protocol “clinic-x” was refused: {clinic}: line 1, ")


def test_a_refused_device_profile_is_named_with_its_problem(protocols, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "infusion-console" / "devices" / "profiles"
    folder.mkdir(parents=True)
    (folder / "p-period.toml").write_text(
        'model = "P"\nformat = "hl7-polled"\n[poll]\nperiod_seconds = -5\n'
        'query = "philips-efficia"\n', encoding="utf-8")
    known = ", ".join([*default_catalogue().names(), *FORMATS])
    for url in ("/dev/ttyS0", None):
        check = check_start(entry(device_url=url, device_format="p-period"), protocols)
        assert [(p.field, p.kind, p.message) for p in check.problems] == [
            (Field.FORMAT, Kind.REFUSED,
             f"The device profile “p-period” was refused: {folder / 'p-period.toml'}: "
             "poll.period_seconds: -5 is outside 0.5-300. Fix the file (infusion-console "
             f"devices names every refused file) or choose another monitor; known: {known}.")]


def test_the_command_line_text_names_the_option_typed_for_the_monitor(protocols):
    check = check_start(entry(device_url="loop://", device_format="hl8"), protocols)
    assert command_line_text(check.problems, {Field.FORMAT: "--device-profile"}).startswith(
        "--device-profile: Unknown device “hl8”; known: ")
    assert command_line_text(check.problems).startswith("--format: Unknown device “hl8”")


@pytest.mark.parametrize(("changes", "which"), [
    ({"patient_id": "unknown"}, Field.PATIENT),
    ({"weight": "25"}, Field.WEIGHT),
])
def test_a_confirmed_doubtful_value_no_longer_blocks_but_is_still_said(protocols, changes, which):
    check = check_start(entry(**changes, confirmed=frozenset({which})), protocols)
    assert check.ok
    (problem,) = check.problems
    assert problem.field is which and problem.kind is Kind.CONFIRM and problem.confirmed
    # Confirming the other field does not confirm this one.
    other = Field.WEIGHT if which is Field.PATIENT else Field.PATIENT
    assert not check_start(entry(**changes, confirmed=frozenset({other})), protocols).ok


def test_a_refused_weight_is_not_confirmable(protocols):
    check = check_start(entry(weight="500", confirmed=frozenset({Field.WEIGHT})), protocols)
    assert not check.ok and check.weight_kg is None


def test_an_unusual_weight_still_gives_the_weight_for_the_dose_preview(protocols):
    assert check_start(entry(weight="25"), protocols).weight_kg == 25.0


def test_no_protocol_loaded_is_refused_whatever_was_chosen():
    check = check_start(entry(), {})
    assert [(p.field, p.kind, p.message) for p in check.problems] == [
        (Field.PROTOCOL, Kind.REFUSED,
         "No protocol loaded: a protocol file is needed before a session can start.")]


def test_every_problem_is_reported_in_the_order_of_the_form(protocols):
    check = check_start(StartEntry("", "abc", None, "", "", "hl7"), protocols)
    assert [p.field for p in check.problems] == [
        Field.PATIENT, Field.WEIGHT, Field.PROTOCOL, Field.NURSE, Field.DEVICE]


def test_the_command_line_text_names_each_option_and_how_to_confirm(protocols):
    check = check_start(entry(patient_id="n/a", weight="700", nurse="",
                              device_url="/dev/no-such-port", device_format="hl7"), protocols)
    assert command_line_text(check.problems) == (
        "--patient: “n/a” looks like a placeholder: enter the MRN, or confirm it is this "
        "patient's identifier. To use it, add --confirm patient. "
        "--weight: 700 kg is outside the allowed range 1–400 kg. Enter the weight in kg. "
        "--nurse: Required: the name of the nurse running this session.")   # advice: not a refusal


@pytest.mark.parametrize(("typed", "value"), [
    ("72", 72.0), (" 72.5 ", 72.5), ("72,5", 72.5),
    ("", None), ("abc", None), ("nan", None), ("-inf", None), ("72 kg", None),
    ("1e2", None), ("7_5", None),   # Python's spellings, not a nurse's (as a vitals field)
])
def test_parse_weight(typed, value):
    assert parse_weight(typed) == value


# The dose of a nasal-device protocol is chosen on purpose (the start screen's Dose box starts on
# "— choose the dose —"): preselected at 56 mg, a patient whose course was at 84 mg was started
# at 56 mg by Start alone.
ESKETAMINE = {"protocol_id": "esketamine", "asks_dose": True}


def test_a_nasal_device_start_needs_its_dose_chosen(protocols):
    check = check_start(entry(**ESKETAMINE), protocols)
    assert [(p.field, p.kind, p.message) for p in check.problems] == [
        (Field.DOSE, Kind.MISSING, "Required: the dose ordered for this session, 56 or 84 mg.")]
    assert not check.ok
    assert check_start(entry(**ESKETAMINE, chosen_mg=84.0), protocols).problems == ()


def test_a_dose_the_protocol_does_not_give_is_refused(protocols):
    check = check_start(entry(**ESKETAMINE, chosen_mg=70.0), protocols)
    assert [(p.field, p.kind, p.message) for p in check.problems] == [
        (Field.DOSE, Kind.REFUSED, "70 mg is not a dose of esketamine: choose 56 or 84 mg.")]


def test_a_start_that_resumes_a_session_with_its_logged_dose_asks_none(protocols):
    # Start resumes the session left open: its dose was fixed at its start (a different one
    # chosen is asked about by the window, naming both).
    assert check_start(entry(**ESKETAMINE, resumed_mg=84.0), protocols).problems == ()


def test_a_dose_by_weight_and_the_command_line_ask_no_dose_here(protocols):
    assert check_start(entry(asks_dose=True), protocols).ok   # the weight decides it
    # The command line asks --dose-mg itself, once it knows the start is not a resume.
    assert check_start(entry(protocol_id="esketamine"), protocols).ok


def test_the_dose_is_said_in_the_order_of_the_form(protocols):
    check = check_start(StartEntry("", "72", "esketamine", "", asks_dose=True), protocols)
    assert [p.field for p in check.problems] == [Field.PATIENT, Field.DOSE, Field.NURSE]
