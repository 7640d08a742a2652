"""Rules found by a QA walk of the clinic-protocol authoring path (protocols/README.md).

An old copy beside a new one, a file the console cannot decode, limits that can never fire, an
esketamine protocol that shortens the label's observation, doses and infusions no source gives,
and messages that did not say what is allowed. Each refusal is checked by its whole text.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from console.session.start_checks import check_protocol
from protocols.loader import builtin_protocols_dir, load_protocol, load_protocols
from protocols.vitals import METRICS, RESTING, VITALS
from tests.protocols.test_loader import clinic_copy, refusal, removing, setting, valid, write
from tests.session.helpers import Session

pytestmark = pytest.mark.faults

SHIPPED_IDS = "esketamine, iv-ketamine, iv-ketamine-titration"


def esketamine_document() -> dict[str, Any]:
    """The small valid protocol made an esketamine nasal spray one (route, devices, 2 h)."""
    document = copy.deepcopy(valid())
    document["route"] = "intranasal"
    document["dose"] = {"mode": "devices", "mg_per_device": 28, "allowed_mg": [56, 84],
                        "rest_minutes": 5, "source": "Spravato label [V]"}
    del document["phases"][1]["duration_minutes"]
    document["phases"][1]["checklist"] = device_items(3)
    document["discharge"]["min_minutes_from_t0"] = 120
    return document


def device_items(count: int) -> list[dict[str, Any]]:
    """The dosing phase's items of a dose of `count` nasal devices (the loader asks them)."""
    return [{"id": f"device-{k}", "text": f"Device {k}", "required": k == 1}
            for k in range(1, count + 1)]


# --- 1. one id, one file ------------------------------------------------------------------------


def test_two_clinic_files_giving_one_id_are_both_refused_each_naming_the_other(
    tmp_path: Path,
) -> None:
    # An old copy left beside the new one: neither runs until the clinic keeps one.
    old, new = copy.deepcopy(valid()), copy.deepcopy(valid())
    old["id"] = new["id"] = "clinic-iv"
    new["dose"]["mg_per_kg"] = 0.4
    write(tmp_path, old, "clinic-iv-2024.toml")
    write(tmp_path, new, "clinic-iv.toml")

    loaded = load_protocols([builtin_protocols_dir(), tmp_path])

    assert "clinic-iv" not in loaded.protocols
    reason = ("protocol id 'clinic-iv' is defined by both clinic-iv-2024.toml and clinic-iv.toml:"
              " remove or rename one")
    assert [str(e) for e in loaded.errors] == [
        f"clinic-iv-2024.toml: id: {reason}", f"clinic-iv.toml: id: {reason}"]
    # A start that chose the id hears why, not "unknown protocol".
    problem, protocol = check_protocol("clinic-iv", loaded.protocols, loaded.errors)
    assert protocol is None and problem is not None
    assert problem.message == (
        f"The protocol “clinic-iv” was refused: {tmp_path / 'clinic-iv-2024.toml'}: id: {reason}."
        f" Fix the file and start again, or choose one of: {SHIPPED_IDS}.")
    # Removing the old copy lets the new one start.
    (tmp_path / "clinic-iv-2024.toml").unlink()
    again = load_protocols([builtin_protocols_dir(), tmp_path])
    assert again.errors == [] and again.protocols["clinic-iv"].dose.mg_per_kg == 0.4


def test_a_refused_new_copy_still_keeps_the_old_copy_of_its_id_from_starting(
    tmp_path: Path,
) -> None:
    old, new = copy.deepcopy(valid()), copy.deepcopy(valid())
    old["id"] = new["id"] = "clinic-iv"
    new["alarms"][0]["priority"] = "urgent"   # the new copy has its own problem
    write(tmp_path, old, "a-old.toml")
    write(tmp_path, new, "b-new.toml")

    loaded = load_protocols([tmp_path])

    assert loaded.protocols == {}
    assert [str(e) for e in loaded.errors] == [
        "a-old.toml: id: protocol id 'clinic-iv' is defined by both a-old.toml and b-new.toml:"
        " remove or rename one",
        "b-new.toml: alarms[0].priority: 'urgent' is not one of info, low, medium, high",
    ]


def test_a_clinic_file_reusing_a_shipped_id_is_named_by_its_full_path(tmp_path: Path) -> None:
    # Both files are called iv-ketamine.toml: the message must say which one is refused.
    shutil.copy(builtin_protocols_dir() / "iv-ketamine.toml", tmp_path / "iv-ketamine.toml")

    loaded = load_protocols([builtin_protocols_dir(), tmp_path])

    assert loaded.protocols["iv-ketamine"].path == str(builtin_protocols_dir() / "iv-ketamine.toml")
    assert [str(e) for e in loaded.errors] == [
        f"{tmp_path / 'iv-ketamine.toml'}: id: protocol id 'iv-ketamine' is already defined by"
        f" the shipped protocol file {builtin_protocols_dir() / 'iv-ketamine.toml'}; give this"
        " protocol its own id"]


# --- 2. a file that is not UTF-8 is refused under its id ----------------------------------------


def latin1_copy(folder: Path, name: str) -> Path:
    """A clinic's copy of the IV protocol, id `clinic-latin1`, its name saved in Latin-1."""
    path = clinic_copy(folder, "iv-ketamine", "clinic-latin1", 'name = "', 'name = "Café ')
    text = path.read_text(encoding="utf-8")
    path.unlink()
    target = folder / name
    target.write_bytes(text.encode("utf-8").replace("Café".encode("utf-8"), b"Caf\xe9"))
    return target


def test_a_file_that_is_not_utf8_is_refused_under_the_id_it_gives(tmp_path: Path) -> None:
    # The file is not named after its id, so only the id read from its bytes can match.
    path = latin1_copy(tmp_path, "our-protocol.toml")

    loaded = load_protocols([builtin_protocols_dir(), tmp_path])

    [error] = loaded.errors
    assert error.protocol_id == "clinic-latin1"
    problem, protocol = check_protocol("clinic-latin1", loaded.protocols, loaded.errors)
    assert protocol is None and problem is not None
    assert problem.message == (
        f"The protocol “clinic-latin1” was refused: {path}: line 12, column 12: not UTF-8 text"
        f" (byte 0xe9); save the file as UTF-8. Fix the file and start again, or choose one"
        f" of: {SHIPPED_IDS}.")


@pytest.mark.parametrize("content", [
    b'# clinic copy\nid = "clinic-x"   # ours\nversion = \n',   # not TOML
    b"\xef\xbb\xbfid = 'clinic-x'\r\nname = \"Caf\xe9\"\r\n",   # not UTF-8, BOM, CRLF
], ids=["not TOML", "BOM and CRLF"])
def test_the_id_of_an_undecodable_file_is_read_from_its_top_level_line(
    tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "x.toml").write_bytes(content)
    # Only the top level's id: one inside a table is a phase's or an item's.
    (tmp_path / "y.toml").write_bytes(b'version = "1"\n[dose]\nid = "not-it"\nname = "\xe9"\n')
    assert [e.protocol_id for e in load_protocols([tmp_path]).errors] == ["clinic-x", None]


def test_a_problem_before_the_id_is_read_still_names_the_id(tmp_path: Path) -> None:
    # Unknown keys are refused when the top table is opened, before `id` was read.
    document = copy.deepcopy(valid())
    document["alarm"] = []
    write(tmp_path, document, "clinic.toml")
    [error] = load_protocols([tmp_path]).errors
    assert (error.key, error.protocol_id) == ("alarm", "test-protocol")


# --- 3. limits that can never fire --------------------------------------------------------------


@pytest.mark.parametrize(("rule", "message"), [
    ({"metric": "bp_systolic", "priority": "high", "direction": "high", "above": 300},
     "alarms[4].above: 300 can never be crossed: 300 mmHg is the top of bp_systolic's range"
     " 20–300 mmHg and the console rejects any higher value as impossible, so the rule would"
     " never alarm; use at_or_above = 300 or a lower limit"),
    ({"metric": "spo2", "priority": "high", "direction": "low", "below": 0},
     "alarms[4].below: 0 can never be crossed: 0 % is the bottom of spo2's range 0–100 % and the"
     " console rejects any lower value as impossible, so the rule would never alarm; use"
     " at_or_below = 0 or a higher limit"),
    ({"metric": "moaas", "priority": "high", "direction": "low", "below": 0},
     "alarms[4].below: 0 can never be crossed: 0 score is the bottom of moaas's range 0–5 score"
     " (whole numbers) and the console rejects any lower value as impossible, so the rule would"
     " never alarm; use at_or_below = 0 or a higher limit"),
    ({"metric": "bp_systolic", "priority": "medium", "direction": "high",
      "rise_above_baseline": 240},
     "alarms[4].rise_above_baseline: 240 mmHg is outside the allowed range, above 0 and below"
     " 240 mmHg: even from the lowest plausible baseline (60 mmHg) a rise of 240 mmHg or more"
     " needs a reading at or beyond 300 mmHg, the most the console accepts for bp_systolic, so"
     " the rule could never alarm"),
    ({"metric": "moaas", "priority": "info", "direction": "high", "rise_above_baseline": 5},
     "alarms[4].rise_above_baseline: 5 score is outside the allowed range, above 0 and below"
     " 5 score: even from the lowest plausible baseline (0 score) a rise of 5 score or more needs"
     " a reading at or beyond 5 score, the most the console accepts for moaas, so the rule could"
     " never alarm"),
], ids=["above the systolic maximum", "below SpO2 0", "below MOAA/S 0", "systolic rise 240",
        "MOAA/S rise 5"])
def test_a_limit_that_can_never_fire_is_refused(
    tmp_path: Path, rule: dict[str, Any], message: str
) -> None:
    document = copy.deepcopy(valid())
    document["alarms"].append({**rule, "source": "clinic [S]"})
    assert refusal(write(tmp_path, document)) == f"clinic.toml: {message}"
    # The same limits on the reachable side of the edge load.
    reachable = {"above": ("at_or_above", 300), "below": ("at_or_below", 0),
                 "rise_above_baseline": ("rise_above_baseline", 239 if "bp" in rule["metric"]
                                         else 4)}
    name = next(k for k in reachable if k in rule)
    fixed = {k: v for k, v in rule.items() if k != name}
    fixed[reachable[name][0]] = reachable[name][1]
    document["alarms"][-1] = {**fixed, "source": "clinic [S]"}
    assert len(load_protocol(write(tmp_path, document)).alarms) == 5


# --- 4. esketamine keeps the label's two hours --------------------------------------------------


@pytest.mark.parametrize(("change", "reason"), [
    (setting("discharge.min_minutes_from_t0", 90),
     "90 min is outside the allowed range for esketamine nasal spray, 120–720 min: the Spravato"
     " label (boxed warning, REMS) requires observation for at least 2 hours from the first"
     " device (shared/design/clinical-defaults.md, Esketamine observation [V])"),
    (removing("discharge.min_minutes_from_t0"),
     "missing required key for esketamine nasal spray (route intranasal, dose mode devices): the"
     " Spravato label (boxed warning, REMS) requires observation for at least 2 hours from the"
     " first device (shared/design/clinical-defaults.md, Esketamine observation [V]); set it to"
     " at least 120 min"),
], ids=["90 min", "missing"])
def test_an_esketamine_discharge_before_two_hours_is_refused_citing_the_label(
    tmp_path: Path, change: Any, reason: str
) -> None:
    document = esketamine_document()
    assert load_protocol(write(tmp_path, document)).discharge.min_minutes_from_t0 == 120
    change(document)
    assert refusal(write(tmp_path, document)) == (
        f"clinic.toml: discharge.min_minutes_from_t0: {reason}")


def test_a_clinic_copy_of_esketamine_cannot_shorten_the_discharge_gate(tmp_path: Path) -> None:
    # The observation phase keeps its 120: the discharge gate is what lets the patient go.
    path = clinic_copy(tmp_path, "esketamine", "clinic-e", "min_minutes_from_t0 = 120\nrefuse",
                       "min_minutes_from_t0 = 60\nrefuse")
    assert refusal(path).startswith(
        "clinic-e.toml: discharge.min_minutes_from_t0: 60 min is outside the allowed range for"
        " esketamine nasal spray, 120–720 min: the Spravato label")


# --- 5. doses and infusions no source gives -----------------------------------------------------


def test_iv_racemic_ketamine_above_1_mg_per_kg_is_refused_citing_the_source(
    tmp_path: Path,
) -> None:
    document = copy.deepcopy(valid())
    document["dose"]["mg_per_kg"] = 1.0
    assert load_protocol(write(tmp_path, document)).dose.mg_per_kg == 1.0
    document["dose"]["mg_per_kg"] = 1.2
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: dose.mg_per_kg: 1.2 mg/kg is outside the allowed range for IV racemic"
        " ketamine, above 0 and at most 1 mg/kg: the usual dose is 0.5 mg/kg over 40 min"
        " (Sanacora 2017 [M]; Emory, Yale series [V]; shared/design/clinical-defaults.md), and"
        " twice that is the most the console accepts; check the decimal point")
    # Another route keeps the general bound (2 mg/kg).
    document["route"] = "im"
    assert load_protocol(write(tmp_path, document)).dose.mg_per_kg == 1.2


@pytest.mark.parametrize(("minutes", "rate"), [(1, 6000), (10, 600), (19.5, 308)])
def test_an_infusion_shorter_than_20_minutes_is_refused_with_its_pump_rate(
    tmp_path: Path, minutes: float, rate: int
) -> None:
    document = copy.deepcopy(valid())
    del document["phases"][1]["duration_minutes"]
    document["dose"]["infusion_minutes"] = 20
    assert load_protocol(write(tmp_path, document)).dose.pump_rate_ml_per_h() == 300
    document["dose"]["infusion_minutes"] = minutes
    assert refusal(write(tmp_path, document)) == (
        f"clinic.toml: dose.infusion_minutes: {minutes:g} min is outside the allowed range,"
        " 20–720 min: a ketamine infusion runs about 40 min (0.5 mg/kg over 40 min: Sanacora"
        " 2017 [M]; Emory, Yale series [V]; shared/design/clinical-defaults.md), and 100 mL over"
        f" {minutes:g} min is a pump rate of {rate} mL/h; a shorter infusion is close to a bolus")


@pytest.mark.parametrize(("allowed", "key", "mg"), [
    ([28], "dose.allowed_mg[0]", "28"), ([56, 112], "dose.allowed_mg[1]", "112"),
    ([56, 140], "dose.allowed_mg[1]", "140"),
])
def test_an_esketamine_dose_the_label_does_not_give_is_refused(
    tmp_path: Path, allowed: list[int], key: str, mg: str
) -> None:
    document = esketamine_document()
    document["dose"]["allowed_mg"] = [84, 56]   # either order, the first is the default
    assert load_protocol(write(tmp_path, document)).dose.allowed_mg == (84, 56)
    document["dose"]["allowed_mg"] = allowed
    assert refusal(write(tmp_path, document)) == (
        f"clinic.toml: {key}: {mg} mg is not a dose of the label: the Spravato label gives 56 mg"
        " (2 devices) or 84 mg (3 devices) per session (shared/design/clinical-defaults.md,"
        " Esketamine dosing [V]); allowed: 56, 84")


# --- 6. messages say what is allowed ------------------------------------------------------------


@pytest.mark.parametrize(("missing", "message"), [
    ("alarms[0].direction",
     "alarms[0].direction: missing required key; set it to one of high, low"),
    ("route", "route: missing required key; set it to one of iv, intranasal, im, oral"),
    ("phases[1].kind",
     "phases[1].kind: missing required key; set it to one of pre, dosing, observation, discharge"),
    ("alarms[2].priority",
     "alarms[2].priority: missing required key; set it to one of info, low, medium, high"),
    ("dose.mode", "dose.mode: missing required key; set it to one of weight, devices"),
])
def test_a_missing_key_with_a_fixed_set_of_values_says_the_values(
    tmp_path: Path, missing: str, message: str
) -> None:
    document = copy.deepcopy(valid())
    removing(missing)(document)
    assert refusal(write(tmp_path, document)) == f"clinic.toml: {message}"


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "the file is empty"),
    (b"\xef\xbb\xbf \n\n\t\n", "the file is empty"),
    (b"# our protocol, to do\n\n", "the file is empty (only comments or blank lines)"),
], ids=["no bytes", "BOM and blanks", "comments only"])
def test_an_empty_file_is_said_to_be_empty(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "clinic.toml").write_bytes(content)
    assert refusal(tmp_path / "clinic.toml") == (
        f"clinic.toml: (file): {reason}; a protocol file needs id, version, name, route, [dose],"
        " [[phases]], [[alarms]] and [discharge] (copy a shipped file: protocols/README.md)")


def test_a_file_the_loader_would_pass_over_is_named(tmp_path: Path) -> None:
    # QA: `clinic-notepad.toml.txt` (a Notepad save) and `Clinic.TOML` were ignored in silence.
    shipped = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    for name, protocol_id in (("clinic-notepad.toml.txt", "clinic-a"), ("Clinic.TOML", "clinic-b")):
        (tmp_path / name).write_text(shipped.replace('id = "iv-ketamine"', f'id = "{protocol_id}"'),
                                     encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a protocol", encoding="utf-8")
    result = load_protocols([tmp_path])
    assert result.protocols == {}
    assert sorted(str(e) for e in result.errors) == [
        "Clinic.TOML: (file): not read: a protocol file's name ends in .toml, in lower case; "
        "rename it Clinic.toml",
        "clinic-notepad.toml.txt: (file): not read: a protocol file's name ends in .toml, in "
        "lower case; rename it clinic-notepad.toml",
    ]


# --- 7. limits that fire on every resting value -------------------------------------------------


def only_alarm(rule: dict[str, Any]) -> dict[str, Any]:
    """The small valid protocol with this one alarm rule (alarms[0], medium unless it says), so
    that no rule on the other side of the same vital refuses it first (SpO2 `above = 50` beside
    `at_or_below = 93` is refused as a clash of the two). A heart-rate or pulse-rate rule comes
    with its twin of the other metric (alarms[1]), which the loader asks for beside it."""
    document = copy.deepcopy(valid())
    document["alarms"] = [{"priority": "medium", **rule, "source": "clinic [S]"}]
    twin = {"heart_rate": "pulse_rate", "pulse_rate": "heart_rate"}.get(rule["metric"])
    if twin is not None:
        document["alarms"].append({**document["alarms"][0], "metric": twin})
    return document


@pytest.mark.parametrize(("rule", "message"), [
    ({"metric": "spo2", "priority": "medium", "direction": "high", "above": 50},
     "alarms[0].above: >50 would fire on every value of spo2's normal resting range, 96–100 %"
     " (NEWS2 score 0, SpO2 scale 1 [V]), so spo2_high (medium) would alarm on a healthy patient"
     " at rest; leave part of that range quiet: above = 96 or more"),
    ({"metric": "resp_rate", "priority": "medium", "direction": "low", "below": 40},
     "alarms[0].below: <40 would fire on every value of resp_rate's normal resting range, 12–20"
     " breaths/min (NEWS2 score 0 [V]), so resp_rate_low (medium) would alarm on a healthy"
     " patient at rest; leave part of that range quiet: below = 20 or less"),
    ({"metric": "bp_diastolic", "priority": "high", "direction": "high", "at_or_above": 60},
     "alarms[0].at_or_above: ≥60 would fire on every value of bp_diastolic's normal resting"
     " range, 60–90 mmHg (chosen: label pre-dose gate 90 [V], floor 60 [M]), so bp_diastolic_high"
     " (high) would alarm on a healthy patient at rest; leave part of that range quiet:"
     " at_or_above more than 60"),
    ({"metric": "heart_rate", "priority": "low", "direction": "low", "at_or_below": 90},
     "alarms[0].at_or_below: ≤90 would fire on every value of heart_rate's normal resting range,"
     " 51–90 beats/min (NEWS2 pulse score 0 [V]), so heart_rate_low (low) would alarm on a"
     " healthy patient at rest; leave part of that range quiet: at_or_below less than 90"),
    ({"metric": "moaas", "priority": "medium", "direction": "low", "at_or_below": 5},
     "alarms[0].at_or_below: ≤5 would fire on every value of moaas's normal resting range, 5–5"
     " score (MOAA/S 5 = alert [V]), so moaas_low (medium) would alarm on a healthy patient at"
     " rest; leave part of that range quiet: at_or_below less than 5"),
], ids=["SpO2 high above 50", "RR low below 40", "diastolic at or above 60", "HR at or below 90",
        "MOAA/S at or below 5"])
def test_a_limit_that_fires_on_every_resting_value_is_refused(
    tmp_path: Path, rule: dict[str, Any], message: str
) -> None:
    assert refusal(write(tmp_path, only_alarm(rule))) == f"clinic.toml: {message}"


def test_a_clinic_copy_alarming_on_every_resting_heart_rate_is_refused(tmp_path: Path) -> None:
    # Beside the shipped HR rules (>110, <50, ≥131, ≤40) nothing clashes with it: it loaded.
    path = clinic_copy(tmp_path, "iv-ketamine", "clinic-x", "below = 50", "below = 95")
    assert refusal(path) == (
        "clinic-x.toml: alarms[5].below: <95 would fire on every value of heart_rate's normal"
        " resting range, 51–90 beats/min (NEWS2 pulse score 0 [V]), so heart_rate_low (medium)"
        " would alarm on a healthy patient at rest; leave part of that range quiet: below = 90"
        " or less")


# The boundary, for every vital with a resting range: a limit that leaves only the far end of the
# range quiet loads; the same figure with an inclusive edge covers the whole range and is refused.
RESTING_EDGES = [
    (metric, direction, edge)
    for metric, (low, high) in {
        "bp_systolic": (111, 219), "bp_diastolic": (60, 90), "bp_mean": (70, 100),
        "heart_rate": (51, 90), "pulse_rate": (51, 90), "resp_rate": (12, 20), "spo2": (96, 100),
    }.items()
    for direction, edge in (("high", low), ("low", high))
]


@pytest.mark.parametrize(("metric", "direction", "edge"), RESTING_EDGES,
                         ids=[f"{m} {d} {e}" for m, d, e in RESTING_EDGES])
def test_a_limit_leaving_the_far_end_of_the_resting_range_quiet_loads(
    tmp_path: Path, metric: str, direction: str, edge: int
) -> None:
    strict, inclusive = (("above", "at_or_above") if direction == "high"
                         else ("below", "at_or_below"))
    rule = {"metric": metric, "direction": direction}
    loaded = load_protocol(write(tmp_path, only_alarm({**rule, strict: edge}))).alarms[0]
    assert not loaded.violated_by(edge, None)
    assert refusal(write(tmp_path, only_alarm({**rule, inclusive: edge}))).startswith(
        f"clinic.toml: alarms[0].{inclusive}: {'≥' if direction == 'high' else '≤'}{edge} would"
        f" fire on every value of {metric}'s normal resting range")


@pytest.mark.parametrize("rule", [
    # The shipped limits nearest the resting ranges (SpO2 ≤93 below 96, RR ≥25 and ≤11 around
    # 12–20, HR >110 and <50 around 51–90) and the systolic ≥180 inside NEWS2's 111–219.
    {"metric": "spo2", "direction": "low", "at_or_below": 93},
    {"metric": "resp_rate", "direction": "high", "at_or_above": 25},
    {"metric": "resp_rate", "direction": "low", "at_or_below": 11},
    {"metric": "heart_rate", "direction": "high", "above": 110},
    {"metric": "heart_rate", "direction": "low", "below": 50},
    {"metric": "bp_systolic", "direction": "high", "at_or_above": 180},
    # Inside a range but not covering it: a clinic's choice, not a slip.
    {"metric": "bp_systolic", "direction": "high", "at_or_above": 160},
    {"metric": "spo2", "direction": "low", "at_or_below": 97},
], ids=lambda rule: f"{rule['metric']} {rule['direction']}")
def test_a_limit_near_or_inside_the_resting_range_loads(
    tmp_path: Path, rule: dict[str, Any]
) -> None:
    loaded = load_protocol(write(tmp_path, only_alarm(rule))).alarms[0]
    assert loaded.metric == rule["metric"]
    # And every shipped protocol still loads with its own table.
    assert not load_protocols([builtin_protocols_dir()]).errors


def test_every_vital_has_a_resting_range_inside_its_plausible_range() -> None:
    for name in VITALS:
        resting = RESTING[name]
        low, high = METRICS[name].plausible
        assert low <= resting.low < resting.high <= high, name
        assert resting.source, name
    # Of the scales, the sedation score alone has a resting value: alert.
    assert set(RESTING) == {*VITALS, "moaas"} and (RESTING["moaas"].low, RESTING["moaas"].high) == (5, 5)


# --- 8. alarm delays longer than the protocol -----------------------------------------------------


def forty_minute_protocol() -> dict[str, Any]:
    """The small valid protocol without the observation's 30 min: a 40-minute infusion is all the
    time it plans."""
    document = copy.deepcopy(valid())
    del document["phases"][2]["min_minutes"]
    return document


TIMELINE_40 = ("this protocol's whole timeline, 40 min from the start to the earliest discharge"
               " (its phases' duration_minutes, min_minutes and min_minutes_from_t0, the infusion"
               " and the discharge gate)")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("sustained_seconds", 3600,
     f"3600 s is longer than {TIMELINE_40}, so spo2_low (high) could never sound in a"
     " session run to plan; sustained_seconds at most 2400 s"),
    ("sustained_seconds", 2401,
     f"2401 s is longer than {TIMELINE_40}, so spo2_low (high) could never sound in a"
     " session run to plan; sustained_seconds at most 2400 s"),
    ("absent_seconds", 2401,
     f"2401 s is longer than {TIMELINE_40}, so heart_rate_high (high) could never sound in a"
     " session run to plan; absent_seconds at most 2400 s"),
])
def test_an_alarm_delay_longer_than_the_protocol_is_refused(
    tmp_path: Path, key: str, value: int, message: str
) -> None:
    document = forty_minute_protocol()
    # Either wait is on a vital a monitor sends continuously (not a cuff's BP: review 43;
    # protocols/loader.py `check_sustained_watchable`): SpO2 ≤90 (alarms[3]) sustained.
    index = 3 if key == "sustained_seconds" else 1
    if key == "absent_seconds":
        del document["alarms"][1]["at_or_above"]   # an absence rule has no limit
        document["alarms"][1]["metric"] = "heart_rate"
    document["alarms"][index][key] = 2400   # exactly the 40 minutes: it can still sound at the end
    assert getattr(load_protocol(write(tmp_path, document)).alarms[index], key) == 2400
    document["alarms"][index][key] = value
    assert refusal(write(tmp_path, document)) == f"clinic.toml: alarms[{index}].{key}: {message}"


def test_a_confirmed_nibp_that_escalates_after_the_protocol_is_refused(tmp_path: Path) -> None:
    # A 20-min infusion is all the time planned (a cuff's pressure takes no sustained time:
    # protocols/loader.py `check_sustained_watchable`).
    document = forty_minute_protocol()
    document["dose"]["infusion_minutes"] = document["phases"][1]["duration_minutes"] = 20
    document["alarms"][0]["confirm_repeat_minutes"] = 20   # the 20 minutes: escalates at the end
    assert load_protocol(write(tmp_path, document)).alarms[0].confirm_repeat_minutes == 20
    document["alarms"][0]["confirm_repeat_minutes"] = 21
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: alarms[0].confirm_repeat_minutes: the wait before escalating,"
        " sustained_seconds 0 s + confirm_repeat_minutes 21 min = 1260 s, is longer than"
        f" {TIMELINE_40.replace('40 min', '20 min')}, so bp_systolic_high (medium) could never"
        " escalate to high in a session run to plan; the two together at most 1200 s")


@pytest.mark.parametrize("protocol_id", ["iv-ketamine", "iv-ketamine-titration", "esketamine"])
def test_an_hour_long_wait_fits_every_shipped_timeline(tmp_path: Path, protocol_id: str) -> None:
    # IV: the 40-min infusion and ≥ 30 min of observation (70 min); esketamine: ≥ 120 min from
    # the first device, though none of its phases is timed, so the 30-min ceiling does not apply.
    path = both_twins(clinic_copy(tmp_path, protocol_id, "clinic-x", "sustained_seconds = 300",
                                  "sustained_seconds = 3600"), "sustained_seconds = 3600")
    assert load_protocol(path).rules_for("heart_rate")[-1].sustained_seconds == 3600


def both_twins(path: Path, changed: str) -> Path:
    """A clinic copy whose HR > 120 wait (`clinic_copy`: the first one) is `changed` in its
    pulse_rate twin too: a twin apart is refused (protocols/loader.py check_pulse_watched)."""
    text = path.read_text(encoding="utf-8")
    assert text.count("\nsustained_seconds = 300\n") == 1
    path.write_text(text.replace("\nsustained_seconds = 300\n", f"\n{changed}\n"),
                    encoding="utf-8")
    return path


def test_the_timeline_adds_the_observation_minimum_to_the_infusion(tmp_path: Path) -> None:
    # The shipped IV protocol with 10 min of observation and no discharge gate of its own
    # (the shipped 70 min from T0): 40 + 10 = 50 min, so an hour is too long.
    path = both_twins(clinic_copy(tmp_path, "iv-ketamine", "clinic-x", "sustained_seconds = 300",
                                  "sustained_seconds = 3000"), "sustained_seconds = 3000")
    text = path.read_text(encoding="utf-8")
    assert text.count("min_minutes = 30") == 1 and text.count("\nmin_minutes_from_t0 = 70\n") == 1
    path.write_text(text.replace("min_minutes = 30", "min_minutes = 10")
                    .replace("\nmin_minutes_from_t0 = 70\n", "\n")
                    .replace("\nmin_minutes_after_dosing = 30\n", "\n"), encoding="utf-8")
    assert load_protocol(path).rules_for("heart_rate")[-1].sustained_seconds == 3000
    path.write_text(path.read_text(encoding="utf-8").replace(
        "sustained_seconds = 3000", "sustained_seconds = 3600"), encoding="utf-8")   # both
    assert refusal(path) == (
        "clinic-x.toml: alarms[8].sustained_seconds: 3600 s is longer than this protocol's whole"
        " timeline, 50 min from the start to the earliest discharge (its phases' duration_minutes,"
        " min_minutes and min_minutes_from_t0, the infusion and the discharge gate), so"
        " heart_rate_high (high) could never sound in a session run to plan; sustained_seconds at"
        " most 3000 s")


def test_a_protocol_whose_phases_give_no_length_allows_30_minutes(tmp_path: Path) -> None:
    document = copy.deepcopy(valid())
    document["route"] = "im"   # devices mode with no timed phase and no T0 minimum
    document["dose"] = {"mode": "devices", "mg_per_device": 28, "allowed_mg": [56],
                        "rest_minutes": 5, "source": "clinic [S]"}
    del document["phases"][1]["duration_minutes"]
    document["phases"][1]["checklist"] = device_items(2)
    del document["phases"][2]["min_minutes"]
    document["alarms"][3]["sustained_seconds"] = 1800   # SpO2 ≤90: a vital sent continuously
    assert load_protocol(write(tmp_path, document)).alarms[3].sustained_seconds == 1800
    document["alarms"][3]["sustained_seconds"] = 1801
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: alarms[3].sustained_seconds: 1801 s is longer than 30 min, the most a"
        " protocol whose phases give no length may wait (the shortest watch after a dose the"
        " sources plan: 30 min after an IV infusion), so spo2_low (high) could never"
        " sound in a session run to plan; sustained_seconds at most 1800 s")


# --- 9. files in subfolders of the clinic folder ------------------------------------------------


def test_a_protocol_file_in_a_subfolder_is_named_as_not_read(tmp_path: Path) -> None:
    # QA: a lead nurse filed `2026/titration.toml` and saw nothing. Any depth is named.
    write(tmp_path, valid(), "top.toml")
    for relative in ("2026/titration.toml", "old/2024/iv.toml", "old/Notepad.toml.txt"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        document = copy.deepcopy(valid())
        document["id"] = Path(relative).name.split(".")[0].lower()
        write(tmp_path, document, relative)
    (tmp_path / "old" / "notes.txt").write_text("not a protocol", encoding="utf-8")

    loaded = load_protocols([builtin_protocols_dir(), tmp_path])

    # Nothing in a subfolder is read; the file directly in the folder loads as before.
    assert "test-protocol" in loaded.protocols
    assert not {"titration", "iv", "notepad"} & set(loaded.protocols)
    reason = f"not read: protocol files are read only from {tmp_path} itself; move it up"
    assert [str(e) for e in loaded.errors] == [
        f"{Path('2026/titration.toml')}: (file): {reason}",
        f"{Path('old/2024/iv.toml')}: (file): {reason}",
        f"{Path('old/Notepad.toml.txt')}: (file): {reason}",
    ]
    # A start that chose it by its file name hears where it is, not "unknown protocol".
    problem, protocol = check_protocol("titration", loaded.protocols, loaded.errors)
    assert protocol is None and problem is not None
    assert problem.message.startswith(
        f"The protocol “titration” was refused: {tmp_path / '2026' / 'titration.toml'}: (file):"
        f" {reason}.")


# --- 10. an absence rule has no limit -------------------------------------------------------------

# The shipped IV file writes the defaults table's "RR ≤8, or no RR for 20 s" (high) as two rules.
RR_HIGH = '''[[alarms]]
metric = "resp_rate"
priority = "high"
direction = "low"
at_or_below = 8
source = "NEWS2 respiration ≤8 scores 3 [V]"
'''
RR_ABSENT = '''[[alarms]]
metric = "resp_rate"
priority = "high"
direction = "low"
absent_seconds = 20
'''
SPLIT_ADVICE = ("put absent_seconds in a rule of its own: an absence rule has no limit (one rule"
                " with {limit}, another with absent_seconds = {absent}, both of this metric,"
                " direction and priority)")


def test_a_limit_and_absent_seconds_in_one_rule_is_refused_naming_the_rule(
    tmp_path: Path,
) -> None:
    # Review 36: the row written as one rule loaded, and its limit was never checked (the engine
    # keeps absence rules apart from value rules, console/session/conditions.py): RR 6 raised
    # the medium "≤11" alarm only, never the high one.
    shipped = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    assert RR_HIGH in shipped and RR_ABSENT in shipped
    combined = RR_ABSENT.replace("absent_seconds", "at_or_below = 8\nabsent_seconds")
    path = tmp_path / "clinic-iv.toml"
    path.write_text(shipped.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1)
                    .replace(RR_HIGH, "").replace(RR_ABSENT, combined), encoding="utf-8")

    assert refusal(path) == (
        "clinic-iv.toml: alarms[16].absent_seconds: resp_rate_low (high) sets both a limit"
        " (at_or_below = 8) and absent_seconds = 20: an absence rule only watches for a missing"
        " value, so the limit would never be checked; "
        + SPLIT_ADVICE.format(limit="at_or_below = 8", absent=20))


def test_the_two_rules_the_refusal_asks_for_alarm_high_on_the_limit() -> None:
    # The shipped split: RR 6 is at or below 8, a high alarm (with the medium ≤11 beneath it).
    s = Session(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"))
    s.t(60)
    s.manual("resp_rate", 6)
    assert ("resp_rate_low", "high", "active") in s.shown()


@pytest.mark.parametrize(("change", "key", "message"), [
    (lambda d: d["alarms"][3].update(absent_seconds=30), "alarms[3].absent_seconds",
     "spo2_low (high) sets both a limit (at_or_below = 90) and absent_seconds = 30: an absence"
     " rule only watches for a missing value, so the limit would never be checked; "
     + SPLIT_ADVICE.format(limit="at_or_below = 90", absent=30)),
    (lambda d: d["alarms"][1].update(metric="heart_rate", rise_above_baseline=50,
                                     absent_seconds=60),
     "alarms[1].absent_seconds",
     "heart_rate_high (high) sets both a limit (at_or_above = 200 and rise_above_baseline = 50)"
     " and absent_seconds = 60: an absence rule only watches for a missing value, so the limit"
     " would never be checked; "
     + SPLIT_ADVICE.format(limit="at_or_above = 200 and rise_above_baseline = 50", absent=60)),
    (lambda d: d["alarms"].append({
        "metric": "resp_rate", "priority": "high", "direction": "low", "absent_seconds": 20,
        "sustained_seconds": 10, "source": "s [V]"}), "alarms[4].sustained_seconds",
     "resp_rate_low (high) sets sustained_seconds = 10 on an absence rule (absent_seconds = 20),"
     " which would never use it: absent_seconds is itself the wait; set absent_seconds to the"
     " whole wait and remove sustained_seconds"),
    (lambda d: d["alarms"].append({
        "metric": "spo2", "priority": "medium", "direction": "low", "absent_seconds": 30,
        "confirm_repeat_minutes": 5, "escalate_to": "high", "source": "s [V]"}),
     "alarms[4].confirm_repeat_minutes",
     "spo2_low (medium) sets confirm_repeat_minutes on an absence rule (absent_seconds = 30),"
     " which would never use it: an absence rule is raised when no value comes, so there is no"
     " reading to repeat; put the confirmation on a rule with a limit"),
], ids=["limit", "two limits", "sustained", "confirm repeat"])
def test_an_absence_rule_with_a_key_it_would_ignore_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], key: str, message: str
) -> None:
    document = copy.deepcopy(valid())
    change(document)
    assert refusal(write(tmp_path, document)) == f"clinic.toml: {key}: {message}"


def test_an_absence_rule_with_sustained_seconds_0_loads(tmp_path: Path) -> None:
    # 0 is the default, "at once": nothing is ignored.
    document = copy.deepcopy(valid())
    document["alarms"].append({"metric": "resp_rate", "priority": "high", "direction": "low",
                               "absent_seconds": 20, "sustained_seconds": 0, "source": "s [V]"})
    assert load_protocol(write(tmp_path, document)).alarms[4].absent_seconds == 20
