"""A protocol text that already ran is read without the authoring advice (review 43).

d375acd refused keys no new session could honour. A session logged its protocol's text at its
start, and that text was read back with the same loader: a session that ran under a clinic file
accepted the day before could no longer be resumed, reviewed or exported with it. A text that
ran (`protocol_from_text(..., authoring=False)`) is still held to every check a sound Protocol
needs; only the refusals that judge whether a new file is sensible are left out. The protocols
folders and `infusion-console protocols FILE` keep every refusal.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from protocols.loader import (
    ProtocolError, builtin_protocols_dir, load_protocol, protocol_from_text,
)
from tests.protocols.test_loader import to_toml, valid, write


def _timed_check(document: dict[str, Any]) -> None:
    document["phases"][2]["checks"] = [{"name": "BP at T+40", "metrics": ["bp_systolic"],
                                        "at_minutes_after_t0": [40], "source": "clinic [S]"}]


def _pre_item_needing_a_check(document: dict[str, Any]) -> None:
    _timed_check(document)
    document["phases"][0]["checklist"].append(
        {"id": "rems", "text": "REMS form", "required": True, "needs_checks": ["BP at T+40"]})


def _discharge_time_on(phase: int, gate_time: bool) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        if gate_time:
            document["discharge"]["min_minutes_from_t0"] = 120
        document["phases"][phase].setdefault("checklist", []).append(
            {"id": "late", "text": "Discharge time logged", "required": True,
             "after_discharge_time": True})
    return change


# Each authoring refusal (d375acd's and the older advice), as one change to a loadable file.
ADVICE: dict[str, Callable[[dict[str, Any]], object]] = {
    "absence rule on a cuff's BP": lambda d: d["alarms"].append(
        {"metric": "bp_systolic", "priority": "medium", "direction": "low",
         "absent_seconds": 900, "source": "clinic [S]"}),
    "no discharge phase": lambda d: d["phases"].pop(),
    "needs_checks on a pre item": _pre_item_needing_a_check,
    "after_discharge_time on a dosing item": _discharge_time_on(1, gate_time=True),
    "after_discharge_time with no discharge time": _discharge_time_on(3, gate_time=False),
    "a gate every resting value reaches": lambda d: d["phases"][0]["checklist"][1].update(
        gate={"spo2": 94}),
    "an escalation longer than the timeline": lambda d: d["phases"][1]["checks"][0].update(
        escalate_after_minutes=500),
    "an alarm delay longer than the timeline": lambda d: (   # 60 min in a 40-min timeline
        d["alarms"][2].update(sustained_seconds=3600), d["phases"][2].pop("min_minutes")),
    "a limit that fires at rest": lambda d: d["alarms"][2].update(at_or_below=100),
    "a limit that can never be crossed": lambda d: d["alarms"][1].update(
        at_or_above=None, above=300),
    "a rise no baseline can reach": lambda d: d["alarms"].append(
        {"metric": "heart_rate", "priority": "medium", "direction": "high",
         "rise_above_baseline": 280, "source": "clinic [S]"}),
    "a medium limit beyond the high one": lambda d: d["alarms"][2].update(at_or_below=89),
    "a low limit above the high one": lambda d: d["alarms"].append(
        {"metric": "spo2", "priority": "medium", "direction": "high", "at_or_above": 92,
         "source": "clinic [S]"}),
    "an absence rule with a limit": lambda d: d["alarms"][3].update(absent_seconds=30),
    "a cadence longer than its phase": lambda d: d["phases"][1]["checks"][0].update(
        every_minutes=45),
    "an early window as long as the cadence": lambda d: d["phases"][1]["checks"][0].update(
        every_minutes=2),
}


def _without_none(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: _without_none(v) for k, v in document.items() if v is not None}
    if isinstance(document, list):
        return [_without_none(v) for v in document]
    return document


def _text(change: Callable[[dict[str, Any]], object]) -> str:
    document = copy.deepcopy(valid())
    change(document)
    return to_toml(_without_none(document))


@pytest.mark.parametrize("advice", ADVICE)
def test_a_text_that_ran_is_read_without_the_authoring_advice(tmp_path: Path,
                                                              advice: str) -> None:
    text = _text(ADVICE[advice])
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolError):   # a new file: refused, naming what is allowed
        load_protocol(path)
    with pytest.raises(ProtocolError):
        protocol_from_text(text, "clinic.toml")
    ran = protocol_from_text(text, "session 1's logged protocol", authoring=False)
    assert ran.text == text and ran.id == "test-protocol"


@pytest.mark.parametrize(("change", "key"), [
    (lambda d: d["phases"].append({"id": "discharge-2", "name": "Discharge 2",
                                   "kind": "discharge"}), "phases"),
    (lambda d: d["alarms"][2].update(at_or_below="93"), "alarms[2].at_or_below"),
    (lambda d: d["alarms"][2].update(at_or_below=140), "alarms[2].at_or_below"),
    (lambda d: d["alarms"][2].update(colour="red"), "alarms[2].colour"),
    (lambda d: d["phases"][1]["checks"][0].update(every_minutes=0),
     "phases[1].checks[0].every_minutes"),
    (lambda d: d["phases"].reverse(), "phases[1].kind"),
    (lambda d: d["phases"][2]["checks"].append({}) if "checks" in d["phases"][2]
     else d["phases"][2].update(checks=[{"name": "x", "metrics": ["spo2"],
                                         "source": "s [S]"}]),
     "phases[2].checks[0].every_minutes"),
], ids=["two discharge phases", "a limit as text", "a limit out of range", "an unknown key",
        "a cadence of 0", "phases out of order", "a check with no time"])
def test_a_text_that_ran_is_still_held_to_what_a_protocol_needs(
        change: Callable[[dict[str, Any]], object], key: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(_text(change), "session 1's logged protocol", authoring=False)
    assert refused.value.key == key


def test_two_discharge_phases_are_refused_as_before_in_a_text_that_ran() -> None:
    text = _text(lambda d: d["phases"].append(
        {"id": "discharge-2", "name": "Discharge 2", "kind": "discharge"}))
    with pytest.raises(ProtocolError) as refused:
        protocol_from_text(text, "session 1's logged protocol", authoring=False)
    assert refused.value.reason == "at most one phase of kind 'discharge'"


def test_the_protocols_folder_keeps_every_refusal(tmp_path: Path) -> None:
    document = valid()
    document["alarms"].append({"metric": "bp_systolic", "priority": "medium",
                               "direction": "low", "absent_seconds": 900,
                               "source": "clinic [S]"})
    with pytest.raises(ProtocolError) as refused:
        load_protocol(write(tmp_path, document))
    assert refused.value.key == "alarms[4].absent_seconds"


def test_a_logged_rule_with_a_limit_and_an_absence_alarms_on_both() -> None:
    # "RR ≤ 8, or no RR for 20 s" written as one rule ran before the loader refused it; read
    # as it was, the engine (which checks an absence rule only for a missing value) dropped the
    # limit, and RR 6 raised no high alarm in the resumed session (a review of 699f580).
    from tests.session.helpers import Session

    shipped = (Path(__file__).resolve().parents[2] / "protocols" / "iv-ketamine.toml").read_text(
        "utf-8")
    two_rules = (
        '[[alarms]]\nmetric = "resp_rate"\npriority = "high"\ndirection = "low"\n'
        'at_or_below = 8\nsource = "NEWS2 respiration \u22648 scores 3 [V]"\n\n'
        '[[alarms]]\nmetric = "resp_rate"\npriority = "high"\ndirection = "low"\n'
        'absent_seconds = 20\n')
    assert two_rules in shipped
    one_rule = ('[[alarms]]\nmetric = "resp_rate"\npriority = "high"\ndirection = "low"\n'
                'at_or_below = 8\nabsent_seconds = 20\n')
    protocol = protocol_from_text(shipped.replace(two_rules, one_rule, 1), "session 1's logged",
                                  authoring=False)
    high = [(r.at_or_below, r.absent_seconds) for r in protocol.alarms
            if r.metric == "resp_rate" and r.priority.label == "high"]
    assert sorted(high, key=str) == sorted([(8.0, None), (None, 20.0)], key=str)
    s = Session(protocol)
    s.engine.device_state_changed("connected", s.now())
    s.t(60); s.device("resp_rate", 14)
    s.t(65); s.device("resp_rate", 6)
    assert ("resp_rate_low", "high", "active") in s.shown()


def test_a_text_that_ran_with_a_checks_heart_rate_alone_still_reads() -> None:
    # Esketamine 1.7 and iv-ketamine 1.5 listed the heart rate alone in their checks; a session
    # started under them resumes under its logged text, its checks as they ran then.
    shipped = (builtin_protocols_dir() / "esketamine.toml").read_text(encoding="utf-8")
    ran = "\n".join(line.replace('["heart_rate", "pulse_rate"]', '"heart_rate"')
                    if line.startswith("metrics = ") else line for line in shipped.splitlines())
    assert ran != shipped
    protocol = protocol_from_text(ran, "session 1's logged protocol", authoring=False)
    bp40 = next(c for p in protocol.phases for c in p.checks if c.name == "BP at T+40")
    assert bp40.metrics == (("bp_systolic",), ("bp_diastolic",), ("heart_rate",))
