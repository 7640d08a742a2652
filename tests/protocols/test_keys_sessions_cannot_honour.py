"""Keys a clinic writes that no session could do as the file says (review 43).

Each loaded without a word and the sessions then did something else: an absence rule on a vital
no device sends continuously never fired, a protocol with no discharge phase could not be
discharged, a pre-dose item waiting for a check after T0 or for the discharge time could never
(or at once) be ticked, a gate every resting value reaches asked the prescriber for every healthy
patient, and a check escalating after the protocol's end never became the medium alarm. Each is
now refused with one line naming the file, the key and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, load_protocol
from protocols.vitals import CONTINUOUS
from tests.protocols.test_loader import refusal, valid, write
from tests.session.helpers import Session

pytestmark = pytest.mark.faults


def _refused(tmp_path: Path, document: dict[str, Any]) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        load_protocol(write(tmp_path, document))
    return caught.value


# --- 1. an absence rule on a vital never sent continuously ---------------------------------------


def _absence_rule(metric: str) -> dict[str, Any]:
    return {"metric": metric, "priority": "medium", "direction": "low", "absent_seconds": 600,
            "source": "clinic [S]"}


@pytest.mark.parametrize("metric", ["bp_systolic", "bp_diastolic", "bp_mean"])
def test_an_absence_rule_on_a_cuff_pressure_is_refused(tmp_path: Path, metric: str) -> None:
    # "No BP for 10 min": an NIBP cuff's values never count as continuous (engine._remember).
    document = valid()
    document["alarms"].append(_absence_rule(metric))
    assert refusal(write(tmp_path, document)) == (
        f"clinic.toml: alarms[4].absent_seconds: not allowed on {metric}, so the rule could never"
        " fire: an absence rule watches a vital a monitor sends continuously, and an NIBP cuff's"
        " pressures are spot values, one per measurement (a reading that is due is a"
        " [[phases.checks]] prompt); absent_seconds is allowed on heart_rate, pulse_rate,"
        " resp_rate, spo2")


@pytest.mark.parametrize("metric", ["moaas", "aldrete", "dissociation", "nausea"])
def test_an_absence_rule_on_a_typed_scale_is_refused(tmp_path: Path, metric: str) -> None:
    document = valid()
    document["alarms"].append(_absence_rule(metric))
    error = _refused(tmp_path, document)
    assert error.key == "alarms[4].absent_seconds"
    assert f"{metric} is typed by the nurse, never sent by a device" in error.reason
    assert error.reason.endswith("absent_seconds is allowed on heart_rate, pulse_rate, resp_rate,"
                                 " spo2")


@pytest.mark.parametrize("metric", CONTINUOUS)
def test_an_absence_rule_on_a_continuous_vital_loads_and_fires(tmp_path: Path,
                                                               metric: str) -> None:
    document = valid()
    document["alarms"].append({**_absence_rule(metric), "absent_seconds": 60})
    s = Session(load_protocol(write(tmp_path, document)))
    s.engine.device_state_changed("connected", s.now())
    s.device(metric, 14 if metric == "resp_rate" else 98 if metric == "spo2" else 70)
    other = "heart_rate" if metric != "heart_rate" else "spo2"
    for second in range(10, 100, 10):   # the monitor keeps sending another vital
        s.t(second)
        s.device(other, 70 if other == "heart_rate" else 98)
    assert any(c.startswith(metric) for c, _, _ in s.shown())


# --- 2. a protocol without a discharge phase ---------------------------------------------------


def test_a_protocol_without_a_discharge_phase_is_refused(tmp_path: Path) -> None:
    document = valid()
    document["phases"].pop()   # the clinic's copy ends with Observation
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: phases: needs exactly one phase of kind 'discharge', found 0: a session ends"
        " by discharge, from the discharge phase (its checklist, then [discharge]'s gate); the"
        " phases end with one phase of kind 'discharge'")


def test_a_protocol_with_two_discharge_phases_is_still_refused(tmp_path: Path) -> None:
    document = valid()
    document["phases"].append({"id": "discharge-2", "name": "Discharge 2", "kind": "discharge"})
    error = _refused(tmp_path, document)
    assert error.key == "phases"
    assert error.reason.startswith("needs exactly one phase of kind 'discharge', found 2:")


# --- 3. needs_checks on a pre-dose item ---------------------------------------------------------


def _timed_check(document: dict[str, Any]) -> None:
    document["phases"][2]["checks"] = [{"name": "BP at T+40", "metrics": ["bp_systolic"],
                                        "at_minutes_after_t0": [40], "source": "clinic [S]"}]


def test_a_pre_item_needing_a_check_after_t0_is_refused(tmp_path: Path) -> None:
    # Before T0 no timed check can be done; after T0 the item is no longer in the current phase.
    document = valid()
    _timed_check(document)
    document["phases"][0]["checklist"].append(
        {"id": "rems", "text": "REMS form", "required": True, "needs_checks": ["BP at T+40"]})
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: phases[0].checklist[2].needs_checks: not allowed on an item of a 'pre'"
        " phase: the checks it names are taken at times after T0 (the first dose), when the pre"
        " phase is over, so the item could never be ticked; put it on an item of a dosing,"
        " observation or discharge phase")


def test_a_discharge_item_needing_a_check_after_t0_loads(tmp_path: Path) -> None:
    document = valid()
    _timed_check(document)
    document["phases"][3]["checklist"].append(
        {"id": "rems", "text": "REMS form", "required": True, "needs_checks": ["BP at T+40"]})
    assert load_protocol(write(tmp_path, document)).phases[3].checklist[1].needs_checks == (
        "BP at T+40",)


# --- 4. after_discharge_time where no discharge time can run -----------------------------------


@pytest.mark.parametrize(("phase", "kind"), [(0, "a pre"), (1, "a dosing")])
def test_an_item_before_t0_waiting_for_the_discharge_time_is_refused(
        tmp_path: Path, phase: int, kind: str) -> None:
    # On a pre item there is no T0 yet, so the wait was skipped and the tick taken at once.
    document = valid()
    document["discharge"]["min_minutes_from_t0"] = 120
    document["phases"][phase].setdefault("checklist", []).append(
        {"id": "late", "text": "Discharge time logged", "required": True,
         "after_discharge_time": True})
    index = len(document["phases"][phase]["checklist"]) - 1
    assert refusal(write(tmp_path, document)) == (
        f"clinic.toml: phases[{phase}].checklist[{index}].after_discharge_time: only allowed on an"
        " item of an observation or discharge phase: the discharge time counts from T0 (the"
        f" first dose), so on an item of {kind} phase the wait would be skipped and the tick"
        " taken at once")


def test_waiting_for_a_discharge_time_the_protocol_does_not_set_is_refused(
        tmp_path: Path) -> None:
    document = valid()   # its [discharge] sets neither time
    document["phases"][3]["checklist"].append(
        {"id": "late", "text": "Discharge time logged (T0+120)", "required": True,
         "after_discharge_time": True})
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: phases[3].checklist[1].after_discharge_time: waits for the discharge time,"
        " but [discharge] sets neither min_minutes_from_t0 nor min_minutes_after_dosing (above"
        " 0), so the item would wait for nothing; set one of them in [discharge], or remove"
        " after_discharge_time")


@pytest.mark.parametrize("wait", [{"min_minutes_from_t0": 120}, {"min_minutes_after_dosing": 30}])
def test_waiting_for_a_discharge_time_the_gate_sets_loads(tmp_path: Path,
                                                          wait: dict[str, int]) -> None:
    document = valid()
    document["discharge"].update(wait)
    document["phases"][3]["checklist"].append(
        {"id": "late", "text": "Discharge time logged", "required": True,
         "after_discharge_time": True})
    assert load_protocol(write(tmp_path, document)).phases[3].checklist[1].after_discharge_time


# --- 5. a dosing gate every resting value reaches ----------------------------------------------


@pytest.mark.parametrize(("gate", "range_text", "fix"), [
    ({"spo2": 94}, "96–100 % (NEWS2 score 0, SpO2 scale 1 [V])",
     "leave part of that range below the gate: spo2 = more than 96"),
    ({"resp_rate": 10}, "12–20 breaths/min (NEWS2 score 0 [V])",
     "leave part of that range below the gate: resp_rate = more than 12"),
    # MOAA/S 5 (alert) is the top of the scale: no gate on it leaves the resting value quiet.
    ({"moaas": 3}, "5–5 score (MOAA/S 5 = alert [V])",
     "no gate on moaas leaves it quiet, its resting value 5 being the highest: remove the gate"),
])
def test_a_gate_every_resting_value_reaches_is_refused(
        tmp_path: Path, gate: dict[str, int], range_text: str, fix: str) -> None:
    # `gate` is "at or above": { spo2 = 94 } (meant: below 94 needs the prescriber) asked the
    # prescriber for every healthy patient and let one at 90 be dosed with no question.
    document = valid()
    document["phases"][0]["checklist"][1]["gate"] = {"bp_systolic": 141, **gate}
    (metric, limit), = gate.items()
    assert refusal(write(tmp_path, document)) == (
        f"clinic.toml: phases[0].checklist[1].gate.{metric}: ≥{limit} would ask for the"
        f" prescriber's decision on every value of {metric}'s normal resting range, {range_text}:"
        ' a gate is "at or above" only (a value at or above its limit needs the prescriber before'
        f" dosing), so it guards a high value; {fix} (a low value is an alarm rule's, with"
        ' direction = "low")')


@pytest.mark.parametrize("gate", [{"bp_systolic": 112}, {"heart_rate": 90}, {"spo2": 100}])
def test_a_gate_leaving_part_of_the_resting_range_below_it_loads(
        tmp_path: Path, gate: dict[str, int]) -> None:
    document = valid()
    document["phases"][0]["checklist"][1]["gate"] = gate
    assert load_protocol(write(tmp_path, document)).phases[0].checklist[1].gate == tuple(
        (m, float(v)) for m, v in gate.items())


# --- 6. a check escalating after the protocol's timeline ---------------------------------------


def test_a_check_escalating_after_the_protocols_timeline_is_refused(tmp_path: Path) -> None:
    # escalate_after_minutes = 500 (a slip for 5) on the infusion's BP check of a 70-min
    # protocol: a missed BP never became the medium alarm.
    document = valid()
    document["phases"][1]["checks"][0]["escalate_after_minutes"] = 500
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: phases[1].checks[0].escalate_after_minutes: the wait before a missed 'BP'"
        " becomes a medium alarm, its first due time, 10 min into its phase, +"
        " escalate_after_minutes 500 min = 510 min, is longer than this protocol's whole"
        " timeline, 70 min from the start to the earliest discharge (its phases'"
        " duration_minutes, min_minutes and min_minutes_from_t0, the infusion and the discharge"
        " gate), so it could never escalate in a session run to plan; escalate_after_minutes at"
        " most 60 min here")


def test_a_timed_checks_escalation_counts_from_its_first_time(tmp_path: Path) -> None:
    document = valid()
    _timed_check(document)   # BP at T+40 in Observation; the timeline ends at T+70
    document["phases"][2]["checks"][0]["escalate_after_minutes"] = 31
    error = _refused(tmp_path, document)
    assert error.key == "phases[2].checks[0].escalate_after_minutes"
    assert "its first due time, 40 min after T0, + escalate_after_minutes 31 min" in error.reason
    assert error.reason.endswith("escalate_after_minutes at most 30 min here")
    document["phases"][2]["checks"][0]["escalate_after_minutes"] = 30
    assert load_protocol(write(tmp_path, document))


def test_a_check_whose_cadence_outlasts_its_phase_minimum_loads(tmp_path: Path) -> None:
    # Every 15 min in an observation of at least 10 min: the phase lasts until its exit
    # conditions hold, so the cadence is the clinic's choice; only the escalation is held.
    document = valid()
    document["phases"][2].update(min_minutes=10, checks=[
        {"name": "Vitals", "metrics": ["spo2"], "every_minutes": 15, "source": "clinic [S]"}])
    assert load_protocol(write(tmp_path, document)).phases[2].checks[0].every_minutes == 15


def test_a_check_escalating_within_the_timeline_escalates(tmp_path: Path) -> None:
    document = valid()
    document["phases"][1]["checks"][0]["escalate_after_minutes"] = 20
    s = Session(load_protocol(write(tmp_path, document)))
    for name, value in (("bp_systolic", 124), ("bp_diastolic", 78)):
        s.manual(name, value)
    for item in s.engine.phase.checklist:
        assert s.engine.tick_item(item.id, "nurse.ana", s.now()).done
    assert s.engine.advance_phase("nurse.ana", s.now()).done   # T0
    s.t(31 * 60)   # the T+10 BP 21 min overdue
    assert ("vitals_due:BP", "medium") in [(c, p) for c, p, _ in s.shown()]


@pytest.mark.parametrize("name", ["esketamine", "iv-ketamine", "iv-ketamine-titration"])
def test_the_shipped_protocols_still_load(name: str) -> None:
    assert load_protocol(builtin_protocols_dir() / f"{name}.toml").id == name
