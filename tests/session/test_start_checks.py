"""The start checks (console/session/start_checks.py), one row per rule: what is entered, which
field is wrong, how it weighs, and the exact message (what is wrong and what is allowed)."""

from __future__ import annotations

import pytest

from console.session.start_checks import (
    Field,
    Kind,
    StartEntry,
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
    ("72", 72.0), (" 72.5 ", 72.5), ("72,5", 72.5), ("1e2", 100.0),
    ("", None), ("abc", None), ("nan", None), ("-inf", None), ("72 kg", None),
])
def test_parse_weight(typed, value):
    assert parse_weight(typed) == value
