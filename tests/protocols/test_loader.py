"""The protocol loader refuses malformed and hostile files clearly (quality bar R6).

Each refusal is checked by its message text: the file name, the dotted key and the reason, as a
clinic author would read them. The files are written from a small valid protocol (a dict) with one
thing broken per case.
"""

from __future__ import annotations

import copy
import json
import math
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from protocols.loader import (
    ProtocolError,
    builtin_protocols_dir,
    default_protocol_dirs,
    load_protocol,
    load_protocols,
)
from protocols.model import Priority

pytestmark = pytest.mark.faults

# --- a tiny TOML writer (the project has no TOML writer dependency, and the tests need none) ----


def toml_value(value: Any) -> str:
    """One value in TOML inline syntax; tables become inline tables, so each key is one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def to_toml(document: dict[str, Any]) -> str:
    return "".join(f"{key} = {toml_value(value)}\n" for key, value in document.items())


def valid() -> dict[str, Any]:
    """A small protocol that loads; each case breaks one thing in a copy."""
    return {
        "id": "test-protocol",
        "version": "1",
        "name": "Test protocol",
        "route": "iv",
        "dose": {
            "mode": "weight", "mg_per_kg": 0.5, "infusion_minutes": 40, "bag_volume_ml": 100,
            "source": "test [V]",
        },
        "phases": [
            {
                "id": "pre", "name": "Pre", "kind": "pre",
                "checklist": [
                    {"id": "identity", "text": "Identity", "required": True},
                    {
                        "id": "baseline-vitals", "text": "Baseline", "required": True,
                        "gate": {"bp_systolic": 141, "bp_diastolic": 91}, "source": "label [V]",
                    },
                ],
            },
            {
                "id": "infusion", "name": "Infusion", "kind": "dosing", "duration_minutes": 40,
                "checks": [
                    {
                        "name": "BP", "metrics": ["bp_systolic", "bp_diastolic"],
                        "every_minutes": 10, "source": "series [V]",
                    },
                ],
            },
            {
                "id": "observation", "name": "Observation", "kind": "observation",
                "min_minutes": 30, "exit_min_moaas": 5,
            },
            {
                "id": "discharge", "name": "Discharge", "kind": "discharge",
                "checklist": [{"id": "escort", "text": "Escort", "required": True}],
            },
        ],
        "alarms": [
            {
                "metric": "bp_systolic", "priority": "medium", "direction": "high",
                "at_or_above": 180, "confirm_repeat_minutes": 5, "escalate_to": "high",
                "source": "label [V]",
            },
            {
                "metric": "bp_systolic", "priority": "high", "direction": "high",
                "at_or_above": 200, "source": "label [V]",
            },
            {
                "metric": "spo2", "priority": "medium", "direction": "low", "at_or_below": 93,
                "source": "NEWS2 [V]",
            },
            {
                "metric": "spo2", "priority": "high", "direction": "low", "at_or_below": 90,
                "source": "NEWS2 [V]",
            },
        ],
        "discharge": {"min_aldrete": 9, "source": "clinic [S]"},
    }


_STEP = re.compile(r"([a-z_0-9]+)(?:\[(\d+)\])?")


def _parent(document: dict[str, Any], dotted: str) -> tuple[Any, str]:
    """Walk `alarms[1].priority` to (the alarms[1] table, 'priority')."""
    *steps, last = dotted.split(".")
    node: Any = document
    for step in steps:
        match = _STEP.fullmatch(step)
        assert match, step
        node = node[match[1]]
        if match[2] is not None:
            node = node[int(match[2])]
    return node, last


def setting(dotted: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node, key = _parent(document, dotted)
        node[key] = value
    return change


def removing(dotted: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        node, key = _parent(document, dotted)
        del node[key]
    return change


def both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        for one in changes:
            one(document)
    return change


def swap_phases(a: int, b: int) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        phases = document["phases"]
        phases[a], phases[b] = phases[b], phases[a]
    return change


def split_infusion(first: float, second: float) -> Callable[[dict[str, Any]], None]:
    """The infusion phase as two dosing phases of `first` then `second` minutes."""
    def change(document: dict[str, Any]) -> None:
        infusion = document["phases"][1]
        start = {"id": "infusion-start", "name": "Infusion start", "kind": "dosing",
                 "duration_minutes": first}
        document["phases"][1:2] = [start, dict(infusion, duration_minutes=second)]
    return change


def timed_check(minutes: list[float], **keys: Any) -> Callable[[dict[str, Any]], None]:
    """Observation's checks: one BP at `minutes` after T0."""
    return setting("phases[2].checks", [{"name": "BP", "metrics": ["bp_systolic"],
                                         "at_minutes_after_t0": minutes, "source": "s [V]",
                                         **keys}])


def write(tmp_path: Path, document: dict[str, Any], name: str = "clinic.toml") -> Path:
    path = tmp_path / name
    path.write_text(to_toml(document), encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    return str(caught.value)


def test_the_valid_base_document_loads(tmp_path: Path) -> None:
    protocol = load_protocol(write(tmp_path, valid()))
    assert protocol.id == "test-protocol"
    assert protocol.alarms[0].escalate_to is Priority.HIGH
    assert protocol.path.endswith("clinic.toml")


# Each case: (what it shows, the change, the key in the message, text the reason must contain).
CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    # missing keys
    ("missing id", removing("id"), "id", "missing required key"),
    ("missing dose table", removing("dose"), "dose", "missing required key"),
    ("missing mg/kg", removing("dose.mg_per_kg"), "dose.mg_per_kg", "missing required key"),
    ("missing bag volume", removing("dose.bag_volume_ml"), "dose.bag_volume_ml",
     "missing required key"),
    ("alarm without source", removing("alarms[0].source"), "alarms[0].source",
     "missing required key"),
    ("check without source", removing("phases[1].checks[0].source"),
     "phases[1].checks[0].source", "missing required key"),
    ("checklist item without required mark", removing("phases[0].checklist[0].required"),
     "phases[0].checklist[0].required", "missing required key"),
    ("no alarms", setting("alarms", []), "alarms", "at least one alarm rule"),
    # wrong types
    ("version as number", setting("version", 1), "version", "expected text, got a number (1)"),
    ("duration as text", setting("phases[1].duration_minutes", "40"),
     "phases[1].duration_minutes", "expected a number, got text ('40')"),
    ("phases as table", setting("phases", {"id": "x"}), "phases", "expected a list, got a table"),
    ("alarm as number", setting("alarms", [1]), "alarms[0]", "expected a table, got a number"),
    ("required as text", setting("phases[0].checklist[0].required", "yes"),
     "phases[0].checklist[0].required", "expected true or false, got text ('yes')"),
    ("an item needing an unknown vital", setting("phases[0].checklist[0].needs", ["cadss"]),
     "phases[0].checklist[0].needs[0]", "unknown metric 'cadss'"),
    ("an item needing an unknown alternative",
     setting("phases[0].checklist[0].needs", [["heart_rate", "pulse"]]),
     "phases[0].checklist[0].needs[0][1]", "unknown metric 'pulse'"),
    ("an item needing one value twice, once as an alternative",
     setting("phases[0].checklist[0].needs", ["heart_rate", ["pulse_rate", "heart_rate"]]),
     "phases[0].checklist[0].needs[1][1]", "duplicate metric 'heart_rate'"),
    ("an item needing a list of one alternative",
     setting("phases[0].checklist[0].needs", [["heart_rate"]]),
     "phases[0].checklist[0].needs[0]", "1 alternative(s): a list of alternatives names two "
     'metrics or more, any one of which counts (e.g. ["heart_rate", "pulse_rate"]); write one '
     "metric as its name"),
    ("an item needing a number", setting("phases[0].checklist[0].needs", ["spo2", 94]),
     "phases[0].checklist[0].needs[1]", "expected a metric name or a list of alternative metric "
     'names (e.g. ["heart_rate", "pulse_rate"]), got a number (94)'),
    ("an item needing nothing", setting("phases[0].checklist[0].needs", []),
     "phases[0].checklist[0].needs", "must list at least one metric"),
    ("after_discharge_time as text", setting("phases[0].checklist[0].after_discharge_time",
                                             "yes"),
     "phases[0].checklist[0].after_discharge_time", "expected true or false, got text ('yes')"),
    ("an item needing a check that does not exist",
     setting("phases[3].checklist[0].needs_checks", ["BP at T+40"]),
     "phases[3].checklist[0].needs_checks[0]",
     "'BP at T+40' is no check with at_minutes_after_t0; those are: none in this protocol"),
    ("an item needing a check with a cadence, not a time",
     setting("phases[3].checklist[0].needs_checks", ["BP"]),
     "phases[3].checklist[0].needs_checks[0]", "'BP' is no check with at_minutes_after_t0"),
    ("an item needing no check at all", setting("phases[3].checklist[0].needs_checks", []),
     "phases[3].checklist[0].needs_checks", "must list at least one check name"),
    ("flag as text", setting("discharge.refuse_while_alarm", "yes"),
     "discharge.refuse_while_alarm", "expected true or false"),
    ("sessions as float", setting("course_sessions", 6.0), "course_sessions",
     "expected a whole number"),
    # bool is not a number
    ("bool mg/kg", setting("dose.mg_per_kg", True), "dose.mg_per_kg",
     "expected a number, got true/false (true)"),
    ("bool limit", setting("alarms[1].at_or_above", False), "alarms[1].at_or_above",
     "expected a number, got true/false (false)"),
    ("bool MOAA/S", setting("discharge.min_moaas", True), "discharge.min_moaas",
     "expected a whole number, got true/false"),
    # numbers that are not numbers
    ("nan dose", setting("dose.mg_per_kg", math.nan), "dose.mg_per_kg", "not a finite number"),
    ("inf limit", setting("alarms[1].at_or_above", math.inf), "alarms[1].at_or_above",
     "not a finite number"),
    # unknown vitals
    ("unknown alarm metric", setting("alarms[0].metric", "bp_sys"), "alarms[0].metric",
     "unknown metric 'bp_sys'; known metrics: bp_systolic, bp_diastolic"),
    ("unknown check metric", setting("phases[1].checks[0].metrics", ["bp_systolic", "temp"]),
     "phases[1].checks[0].metrics[1]", "unknown metric 'temp'; known metrics:"),
    ("unknown gate metric", setting("phases[0].checklist[1].gate", {"systolic": 141}),
     "phases[0].checklist[1].gate.systolic", "unknown metric 'systolic'"),
    ("empty check", setting("phases[1].checks[0].metrics", []), "phases[1].checks[0].metrics",
     "at least one metric"),
    ("a check with an unknown alternative",
     setting("phases[1].checks[0].metrics", ["bp_systolic", ["heart_rate", "pulse"]]),
     "phases[1].checks[0].metrics[1][1]", "unknown metric 'pulse'"),
    ("a check with one alternative",
     setting("phases[1].checks[0].metrics", ["bp_systolic", ["heart_rate"]]),
     "phases[1].checks[0].metrics[1]", "1 alternative(s): a list of alternatives names two "
     "metrics or more"),
    ("a check naming a vital twice",
     setting("phases[1].checks[0].metrics", ["heart_rate", ["pulse_rate", "heart_rate"]]),
     "phases[1].checks[0].metrics[1][1]", "duplicate metric 'heart_rate'"),
    # unknown keys (typos must not vanish)
    ("typo in check", both(removing("phases[1].checks[0].every_minutes"),
                           setting("phases[1].checks[0].evry_minutes", 10)),
     "phases[1].checks[0].evry_minutes", "unknown key (did you mean 'every_minutes'?)"),
    ("typo at top", setting("alarm", []), "alarm", "unknown key (did you mean 'alarms'?)"),
    ("typo in alarm limit", setting("alarms[2].at_or_bellow", 92), "alarms[2].at_or_bellow",
     "did you mean 'at_or_below'?"),
    ("device key in weight mode", setting("dose.mg_per_device", 28), "dose.mg_per_device",
     "not used in weight mode"),
    # thresholds
    ("medium beyond high", setting("alarms[0].at_or_above", 200), "alarms[1].at_or_above",
     "medium limit ≥200 for bp_systolic_high is at or beyond the high limit ≥200"),
    ("high below medium", setting("alarms[1].at_or_above", 170), "alarms[1].at_or_above",
     "medium limit ≥180 for bp_systolic_high is at or beyond the high limit ≥170"),
    ("low side: medium below high", setting("alarms[2].at_or_below", 89), "alarms[3].at_or_below",
     "medium limit ≤89 for spo2_low is at or beyond the high limit ≤90"),
    ("rule with no limit", removing("alarms[1].at_or_above"), "alarms[1]",
     "rule has no limit"),
    ("limit on the wrong side", setting("alarms[1].below", 50), "alarms[1].below",
     "guards the other side"),
    ("limit outside the vital's range", setting("alarms[3].at_or_below", 900),
     "alarms[3].at_or_below", "900 is outside spo2's range 0–100 %"),
    ("escalate without repeat", removing("alarms[0].confirm_repeat_minutes"),
     "alarms[0].confirm_repeat_minutes", "escalate_to needs confirm_repeat_minutes"),
    ("escalate downwards", setting("alarms[0].escalate_to", "low"), "alarms[0].escalate_to",
     "'low' is not above the rule's priority 'medium'"),
    ("bad priority", setting("alarms[3].priority", "urgent"), "alarms[3].priority",
     "'urgent' is not one of info, low, medium, high"),
    ("bad direction", setting("alarms[3].direction", "down"), "alarms[3].direction",
     "'down' is not one of high, low"),
    # durations
    ("zero duration", setting("phases[1].duration_minutes", 0), "phases[1].duration_minutes",
     "0 must be greater than 0"),
    ("negative cadence", setting("phases[1].checks[0].every_minutes", -10),
     "phases[1].checks[0].every_minutes", "-10 must be greater than 0"),
    ("negative sustain", setting("alarms[1].sustained_seconds", -1),
     "alarms[1].sustained_seconds", "-1 must be at least 0"),
    ("zero repeat", setting("alarms[0].confirm_repeat_minutes", 0),
     "alarms[0].confirm_repeat_minutes", "must be greater than 0"),
    ("zero infusion", setting("dose.infusion_minutes", 0), "dose.infusion_minutes",
     "0 min is outside the allowed range, 20–720 min: a ketamine infusion runs about 40 min"),
    ("check with no timing", removing("phases[1].checks[0].every_minutes"),
     "phases[1].checks[0].every_minutes", "needs every_minutes or at_minutes_after_t0"),
    ("infusion timer differs from pump", setting("phases[1].duration_minutes", 30),
     "phases[1].duration_minutes", "differs from dose.infusion_minutes 40 min"),
    # Two dosing phases are one infusion (a 10-min start at close watch, then the rest): the
    # dosing ends with the second, and their minutes together are the pump's.
    ("infusion in two phases shorter than the pump's", split_infusion(10, 20),
     "phases[2].duration_minutes",
     "10 + 20 = 30 min (dosing phases infusion-start and infusion, one infusion) differs from"
     " dose.infusion_minutes 40 min, which sets the pump rate"),
    # ids
    ("duplicate phase id", setting("phases[2].id", "infusion"), "phases[2].id",
     "duplicate phase id 'infusion'"),
    ("duplicate checklist id", setting("phases[3].checklist[0].id", "identity"),
     "phases[3].checklist[0].id", "duplicate checklist id 'identity'"),
    ("protocol id with spaces", setting("id", "IV Ketamine"), "id",
     "'IV Ketamine' is not a valid id: use only a-z 0-9 -"),
    # phase shape
    ("no dosing phase", setting("phases[1].kind", "observation"), "phases",
     "needs at least one phase of kind 'dosing'"),
    ("observation before dosing", swap_phases(1, 2), "phases[2].kind",
     "a dosing phase cannot follow an observation phase; phases run pre → dosing"),
    ("bad phase kind", setting("phases[0].kind", "prep"), "phases[0].kind",
     "'prep' is not one of pre, dosing, observation, discharge"),
    ("T0 minimum before the dose", setting("phases[0].min_minutes_from_t0", 120),
     "phases[0].min_minutes_from_t0", "only allowed in observation or discharge phases"),
    ("gate outside pre", setting("phases[3].checklist[0].gate", {"bp_systolic": 141}),
     "phases[3].checklist[0].gate", "belongs on an item of a 'pre' phase"),
    ("MOAA/S exit out of range", setting("phases[2].exit_min_moaas", 7),
     "phases[2].exit_min_moaas", "7 is outside 0–5"),
    # dose modes
    ("absurd mg/kg", setting("dose.mg_per_kg", 5), "dose.mg_per_kg",
     "5 mg/kg is above 2 mg/kg"),
    ("devices mode without device dose", setting("dose", {
        "mode": "devices", "allowed_mg": [56], "rest_minutes": 5, "source": "label [V]"}),
     "dose.mg_per_device", "missing required key"),
    ("device dose not a multiple", setting("dose", {
        "mode": "devices", "mg_per_device": 28, "allowed_mg": [56, 70], "rest_minutes": 5,
        "source": "label [V]"}),
     "dose.allowed_mg[1]", "70 mg is not a whole number of 28 mg devices"),
    ("bad dose mode", setting("dose.mode", "spray"), "dose.mode",
     "'spray' is not one of weight, devices"),
    # upper bounds: a unit or decimal-point slip must not load quietly
    ("repeat later than any confirmation", setting("alarms[0].confirm_repeat_minutes", 100000),
     "alarms[0].confirm_repeat_minutes",
     "100000 min is outside the allowed range, above 0 and at most 30 min: a repeat NIBP taken"
     " later is a new measurement"),
    # The early window is shorter than the cadence, or a reading on time also meets the next
    # slot and its prompt never comes: the 2-min default with every_minutes = 2 loaded, and a
    # BP at T+2 moved the next prompt to T+6 (review 40).
    ("check every 2 min with the default early window",
     setting("phases[1].checks[0].every_minutes", 2), "phases[1].checks[0].every_minutes",
     "2 min must be longer than early_minutes, 2 min when not written, or one reading would"
     " satisfy two checks: write an early_minutes shorter than 2"),
    ("early window as long as the cadence",
     both(setting("phases[1].checks[0].every_minutes", 5),
          setting("phases[1].checks[0].early_minutes", 5)),
     "phases[1].checks[0].early_minutes",
     "5 must be shorter than every_minutes 5, or one reading would satisfy two checks"),
    # Alike between a check's own times after T0: with times 10 min apart and a 10-min early
    # window, a BP at T+12 met "BP at T+10" and "BP at T+20" (a review of the protocols).
    ("times after T0 no further apart than the early window",
     timed_check([40, 50, 60], early_minutes=10), "phases[2].checks[0].early_minutes",
     "10 must be shorter than the 10 min between at_minutes_after_t0 40 and 50, or one reading"
     " would satisfy two checks"),
    ("times after T0 closer than the default early window", timed_check([40, 41]),
     "phases[2].checks[0].at_minutes_after_t0[1]",
     "41 min is 1 min after 40, which must be longer than early_minutes, 2 min when not"
     " written, or one reading would satisfy two checks: write an early_minutes shorter than 1"),
    ("check interval longer than its phase", setting("phases[1].checks[0].every_minutes", 41),
     "phases[1].checks[0].every_minutes",
     "41 min is outside the allowed range, above 0 and at most 40 min: a check less frequent"
     " than the phase's duration_minutes 40 would never come due in it"),
    ("check interval in an open phase",
     setting("phases[2].checks", [{"name": "BP", "metrics": ["bp_systolic"],
                                   "every_minutes": 100000, "source": "s [V]"}]),
     "phases[2].checks[0].every_minutes",
     "100000 min is outside the allowed range, above 0 and at most 720 min: no session lasts"),
    ("tiny bag", setting("dose.bag_volume_ml", 0.001), "dose.bag_volume_ml",
     "0.001 mL is outside the allowed range, 10–1000 mL: the syringes and bags an infusion"
     " uses; check the unit and the decimal point"),
    ("huge bag", setting("dose.bag_volume_ml", 1000000), "dose.bag_volume_ml",
     "1000000 mL is outside the allowed range, 10–1000 mL"),
    ("cap no dose reaches", setting("dose.max_mg", 6000), "dose.max_mg",
     "6000 mg is outside the allowed range, above 0 and at most 200 mg: 0.5 mg/kg × 400 kg (the"
     " heaviest weight the console accepts) is the largest dose, so a higher cap caps nothing"),
    ("infusion for days", both(setting("dose.infusion_minutes", 100000),
                               removing("phases[1].duration_minutes")),
     "dose.infusion_minutes", "100000 min is outside the allowed range, 20–720 min: no session"
     " lasts that long"),
    ("phase for days", setting("phases[2].min_minutes", 3000), "phases[2].min_minutes",
     "3000 min is outside the allowed range, above 0 and at most 720 min"),
    ("discharge after days", setting("discharge.min_minutes_from_t0", 100000),
     "discharge.min_minutes_from_t0", "100000 min is outside the allowed range"),
    ("escalation never", setting("phases[1].checks[0].escalate_after_minutes", 100000),
     "phases[1].checks[0].escalate_after_minutes", "100000 min is outside the allowed range"),
    ("T0 check after days", setting("phases[2].checks", [
        {"name": "BP", "metrics": ["bp_systolic"], "at_minutes_after_t0": [40, 100000],
         "source": "s [V]"}]),
     "phases[2].checks[0].at_minutes_after_t0[1]",
     "100000 min is outside the allowed range, 0–720 min"),
    ("early by days", setting("phases[2].checks", [
        {"name": "BP", "metrics": ["bp_systolic"], "at_minutes_after_t0": [40],
         "early_minutes": 100000, "source": "s [V]"}]),
     "phases[2].checks[0].early_minutes", "100000 min is outside the allowed range, 0–720 min"),
    ("sustained for a day", setting("alarms[1].sustained_seconds", 100000),
     "alarms[1].sustained_seconds", "100000 s is outside the allowed range, 0–3600 s"),
    ("absent for a day", lambda d: d["alarms"].append({
        "metric": "resp_rate", "priority": "high", "direction": "low", "absent_seconds": 100000,
        "source": "s [V]"}),
     "alarms[4].absent_seconds", "100000 s is outside the allowed range, above 0 and at most"
     " 3600 s"),
    ("rise beyond the vital's range", setting("alarms[0].rise_above_baseline", 4000),
     "alarms[0].rise_above_baseline", "4000 mmHg is outside the allowed range, above 0 and below"
     " 240 mmHg: even from the lowest plausible baseline (60 mmHg)"),
    ("exit band holds every BP", setting("phases[2].exit_bp_within_baseline_mmhg", 2000),
     "phases[2].exit_bp_within_baseline_mmhg", "2000 mmHg is outside the allowed range, above 0"
     " and at most 100 mmHg"),
    ("rest for days", setting("dose", {
        "mode": "devices", "mg_per_device": 28, "allowed_mg": [56], "rest_minutes": 100000,
        "source": "label [V]"}),
     "dose.rest_minutes", "100000 min is outside the allowed range, above 0 and at most 720"),
    # hostile sizes
    ("too many alarms", lambda d: d["alarms"].extend([d["alarms"][2]] * 200), "alarms",
     "204 entries; at most 200 are allowed"),
]


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_malformed_file_is_refused_with_file_key_and_reason(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], key: str, reason: str
) -> None:
    document = copy.deepcopy(valid())
    change(document)
    message = refusal(write(tmp_path, document))
    assert message.startswith(f"clinic.toml: {key}: "), message
    assert reason in message, message


# Files that are not protocols at all: (what, bytes, key, reason).
RAW_CASES: list[tuple[str, bytes, str, str]] = [
    ("not TOML", b'id = "x"\nversion = \n', "line 2, column 11", "not valid TOML"),
    ("unterminated list", b'id = "x"\nalarms = [1,\n', "end of file", "not valid TOML"),
    ("not UTF-8", 'id = "x"\nname = "Caf\u00e9"\n'.encode("latin-1"), "line 2, column 12",
     "not UTF-8 text (byte 0xe9)"),
    ("binary garbage", bytes(range(256)) * 4, "line 2, column 118",
     "not UTF-8 text (byte 0x80)"),
    ("NUL in TOML", b'id = "x"\x00\n', "line 1, column 9", "not valid TOML"),
    ("empty file", b"", "(file)", "the file is empty; a protocol file needs id, version, name"),
    ("huge file", b"# padding\n" * 120_000, "(file)", "larger than 1024 KB"),
    ("nesting bomb", b"a = " + b"[" * 100_000 + b"]" * 100_000, "(file)", "nested too deeply"),
]


def clinic_copy(folder: Path, shipped_id: str, new_id: str, line: str, changed: str) -> Path:
    """A clinic's copy of a shipped protocol under `new_id`, its first `line` made `changed`."""
    shipped = (builtin_protocols_dir() / f"{shipped_id}.toml").read_text(encoding="utf-8")
    assert f"\n{line}" in shipped
    path = folder / f"{new_id}.toml"
    path.write_text(shipped.replace(f'id = "{shipped_id}"', f'id = "{new_id}"')
                    .replace(f"\n{line}", f"\n{changed}", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("line", "changed", "message"), [
    ("confirm_repeat_minutes = 5", "confirm_repeat_minutes = 100000",
     "alarms[0].confirm_repeat_minutes: 100000 min is outside the allowed range, above 0 and at"
     " most 30 min"),
    ("every_minutes = 10", "every_minutes = 100000",
     "phases[1].checks[0].every_minutes: 100000 min is outside the allowed range, above 0 and at"
     " most 40 min"),
    ("bag_volume_ml = 100", "bag_volume_ml = 0.001",
     "dose.bag_volume_ml: 0.001 mL is outside the allowed range, 10–1000 mL"),
    ("bag_volume_ml = 100", "bag_volume_ml = 1000000",
     "dose.bag_volume_ml: 1000000 mL is outside the allowed range, 10–1000 mL"),
    ("max_mg = 60", "max_mg = 6000",
     "dose.max_mg: 6000 mg is outside the allowed range, above 0 and at most 200 mg"),
])
def test_a_clinic_copy_of_the_shipped_iv_protocol_with_an_absurd_value_is_refused(
    tmp_path: Path, line: str, changed: str, message: str
) -> None:
    copy_path = clinic_copy(tmp_path, "iv-ketamine", "clinic-x", line, changed)
    assert refusal(copy_path).startswith(f"clinic-x.toml: {message}: ")
    # The refusal names the protocol the file gives, for a start that chose it by id.
    loaded = load_protocols([tmp_path])
    assert [(e.protocol_id, e.key) for e in loaded.errors] == [
        ("clinic-x", message.split(":")[0])]


@pytest.mark.parametrize(("line", "changed", "message"), [
    ("mg_per_device = 28", "mg_per_device = 280",
     "dose.mg_per_device: 280 mg is outside the allowed range, above 0 and at most 100 mg"),
    ("allowed_mg = [56, 84]", "allowed_mg = [56, 840]",
     "dose.allowed_mg[1]: 840 mg is 30 devices, above 6"),
])
def test_a_clinic_copy_of_the_esketamine_protocol_with_an_absurd_dose_is_refused(
    tmp_path: Path, line: str, changed: str, message: str
) -> None:
    copy_path = clinic_copy(tmp_path, "esketamine", "clinic-e", line, changed)
    assert refusal(copy_path).startswith(f"clinic-e.toml: {message}")


def test_the_shipped_values_are_inside_every_bound(tmp_path: Path) -> None:
    loaded = load_protocols([builtin_protocols_dir()])
    assert not loaded.errors and len(loaded.protocols) == 3


@pytest.mark.parametrize(
    ("content", "key", "reason"), [c[1:] for c in RAW_CASES], ids=[c[0] for c in RAW_CASES]
)
def test_a_file_that_is_not_a_protocol_is_refused(
    tmp_path: Path, content: bytes, key: str, reason: str
) -> None:
    path = tmp_path / "clinic.toml"
    path.write_bytes(content)
    message = refusal(path)
    assert message.startswith(f"clinic.toml: {key}: "), message
    assert reason in message, message


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    # Windows editors write one; it is not an error a clinic should have to understand.
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + to_toml(valid()).encode())
    assert load_protocol(path).id == "test-protocol"


def test_a_folder_named_like_a_protocol_is_refused(tmp_path: Path) -> None:
    (tmp_path / "odd.toml").mkdir()
    assert refusal(tmp_path / "odd.toml").startswith("odd.toml: (file): cannot be read")


def test_error_keeps_file_key_and_reason_apart(tmp_path: Path) -> None:
    document = valid()
    document["alarms"][3]["priority"] = "urgent"
    with pytest.raises(ProtocolError) as caught:
        load_protocol(write(tmp_path, document, "iv-ketamine.toml"))
    error = caught.value
    assert (error.file, error.key) == ("iv-ketamine.toml", "alarms[3].priority")
    assert error.reason == "'urgent' is not one of info, low, medium, high"
    assert str(error) == (
        "iv-ketamine.toml: alarms[3].priority: 'urgent' is not one of info, low, medium, high"
    )
    assert error.path == tmp_path / "iv-ketamine.toml"


def test_hr_sustained_high_rule_beside_an_immediate_medium_is_accepted(tmp_path: Path) -> None:
    # HR >120 for 5 min (high) and >110 at once (medium) are different tests, not a clash; a
    # sustained high rule is not compared with an immediate lower one.
    document = valid()
    heart = [
        {"metric": "heart_rate", "priority": "medium", "direction": "high", "above": 110,
         "source": "s [M]"},
        {"metric": "heart_rate", "priority": "high", "direction": "high", "above": 105,
         "sustained_seconds": 300, "source": "s [M]"},
    ]
    # ... with the pulse rate's twins, which the loader asks beside heart-rate limits.
    document["alarms"] += heart + [dict(rule, metric="pulse_rate") for rule in heart]
    assert len(load_protocol(write(tmp_path, document)).alarms) == 8


# --- folders ------------------------------------------------------------------------------------


def test_a_folder_of_good_and_bad_files_loads_the_good_ones(tmp_path: Path) -> None:
    good = valid()
    write(tmp_path, good, "a-good.toml")
    other = valid()
    other["id"] = "other-good"
    write(tmp_path, other, "e-other.toml")
    bad = valid()
    bad["alarms"][0]["metric"] = "temperature"
    write(tmp_path, bad, "b-bad-metric.toml")
    (tmp_path / "c-not-toml.toml").write_text("id = \n", encoding="utf-8")
    write(tmp_path, valid(), "d-same-id.toml")  # the same id as a-good.toml
    (tmp_path / "notes.md").write_text("not a protocol", encoding="utf-8")  # ignored

    result = load_protocols([tmp_path])

    # a-good.toml and d-same-id.toml give one id (and so does the refused b-bad-metric.toml):
    # none of them starts until the clinic keeps one (test_duplicate_ids.py).
    assert sorted(result.protocols) == ["other-good"]
    assert [e.file for e in result.errors] == [
        "a-good.toml", "b-bad-metric.toml", "c-not-toml.toml", "d-same-id.toml"
    ]
    assert "unknown metric 'temperature'" in str(result.errors[1])
    assert str(result.errors[3]) == (
        "d-same-id.toml: id: protocol id 'test-protocol' is defined by a-good.toml,"
        " b-bad-metric.toml and d-same-id.toml: remove or rename all but one"
    )


def test_a_missing_folder_is_reported_not_fatal(tmp_path: Path) -> None:
    write(tmp_path, valid(), "a.toml")
    result = load_protocols([tmp_path / "nowhere", tmp_path])
    assert list(result.protocols) == ["test-protocol"]
    assert [e.key for e in result.errors] == ["(folder)"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_CONFIG_HOME is Linux-only")
def test_a_clinic_adds_a_protocol_by_dropping_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # platformdirs honours XDG_CONFIG_HOME on Linux; the clinic folder is only used if it exists.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_protocol_dirs() == [builtin_protocols_dir()]
    clinic = tmp_path / "infusion-console" / "protocols"
    clinic.mkdir(parents=True)
    own = (builtin_protocols_dir() / "iv-ketamine-titration.toml").read_text(encoding="utf-8")
    own = own.replace('id = "iv-ketamine-titration"', 'id = "clinic-iv-0-3"', 1)
    own = own.replace("mg_per_kg = 0.25", "mg_per_kg = 0.3", 1)
    (clinic / "our-titration.toml").write_text(own, encoding="utf-8")
    shutil.copy(builtin_protocols_dir() / "iv-ketamine.toml", clinic / "copy-of-iv.toml")

    assert default_protocol_dirs() == [builtin_protocols_dir(), clinic]
    result = load_protocols(default_protocol_dirs())

    assert result.protocols["clinic-iv-0-3"].dose.dose_mg(70) == pytest.approx(21.0)
    assert {"iv-ketamine", "esketamine", "iv-ketamine-titration"} <= set(result.protocols)
    # The copy keeps the built-in id: refused, named by its full path; the built-in stays.
    assert [str(e).split(": ")[:2] for e in result.errors] == [
        [str(clinic / "copy-of-iv.toml"), "id"]]
    assert result.protocols["iv-ketamine"].path.startswith(str(builtin_protocols_dir()))


def test_an_infusion_in_two_phases_that_add_up_to_the_pumps_loads(tmp_path: Path) -> None:
    document = copy.deepcopy(valid())
    split_infusion(10, 30)(document)
    protocol = load_protocol(write(tmp_path, document))
    assert [p.duration_minutes for p in protocol.dosing_phases] == [10, 30]


def test_times_after_t0_further_apart_than_the_early_window_load(tmp_path: Path) -> None:
    document = copy.deepcopy(valid())
    timed_check([40, 50, 60], early_minutes=9)(document)
    assert load_protocol(write(tmp_path, document)).phases[2].checks[0].early_minutes == 9


def test_a_checks_vital_may_be_given_as_alternatives(tmp_path: Path) -> None:
    # An SpO2 + NIBP monitor sends no ECG heart rate: its oximeter's pulse rate meets a check
    # that lists either (as an item's `needs` takes the baseline HR). The check's heart rate
    # alone had left "BP at T+40" overdue beside the pulse on screen (an esketamine review).
    document = copy.deepcopy(valid())
    setting("phases[1].checks[0].metrics",
            ["bp_systolic", "bp_diastolic", ["heart_rate", "pulse_rate"]])(document)
    check = load_protocol(write(tmp_path, document)).phases[1].checks[0]
    assert check.metrics == (("bp_systolic",), ("bp_diastolic",), ("heart_rate", "pulse_rate"))
    assert check.named == ("bp_systolic", "bp_diastolic", "heart_rate", "pulse_rate")


def test_the_authoring_guide_example_loads(tmp_path: Path) -> None:
    guide = (builtin_protocols_dir() / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Example\n\n```toml\n(.*?)```", guide, re.S)
    assert match, "README.md lost its example"
    path = tmp_path / "example.toml"
    path.write_text(match[1], encoding="utf-8")
    protocol = load_protocol(path)
    assert protocol.dose.dose_mg(70) == pytest.approx(28.0)
    assert protocol.dose.pump_rate_ml_per_h() == pytest.approx(150.0)
