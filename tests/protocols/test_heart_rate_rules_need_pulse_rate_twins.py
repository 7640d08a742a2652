"""Heart-rate limits without pulse-rate limits on the same side are refused when the protocol
loads, and the other way round.

clinical-defaults.md's threshold table has one "Heart rate" row. A pulse oximeter (the Masimo
Rad-8 the console reads: SpO2 and pulse rate, no ECG) sends `pulse_rate`, never `heart_rate`,
and the engine judges it by pulse_rate rules only (console/session/engine.py `_evaluate`): a
clinic copy written with heart_rate rules alone (as the shipped files were before they gave the
pulse rate its twins) loaded, and the oximeter's pulse of 35 raised nothing, high bradycardia
included. While an ECG's heart rate comes in, the pulse rate's rules rest
(`ecg_heart_rate_current`), so pulse_rate rules alone leave an ECG monitor's heart rate
unwatched in the same way.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from protocols.loader import (
    builtin_protocols_dir,
    load_protocol,
    load_protocols,
    protocol_from_text,
)
from tests.protocols.test_loader import refusal, valid, write

pytestmark = pytest.mark.faults

# One `[[alarms]]` block of the pulse rate, as the shipped files write them.
PULSE_BLOCK = re.compile(r'\[\[alarms\]\]\nmetric = "pulse_rate"\n(?:[^\[\n][^\n]*\n)*\n?')


def clinic_text_without_pulse_rules() -> str:
    """The shipped IV protocol as a clinic copy made before pulse_rate rules were shipped."""
    shipped = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    text = PULSE_BLOCK.sub("", shipped.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1))
    assert 'metric = "pulse_rate"\n' not in text and 'metric = "heart_rate"\n' in text
    return text


def indexes(text: str, metric: str, direction: str) -> list[int]:
    """The alarms[] indexes of the rules of `metric` on `direction`'s side in `text`."""
    protocol = protocol_from_text(text, "any.toml", authoring=False)
    return [i for i, r in enumerate(protocol.alarms)
            if r.metric == metric and r.direction == direction]


def test_a_clinic_copy_with_heart_rate_limits_alone_is_refused_naming_them(tmp_path: Path) -> None:
    # A Masimo's pulse of 35 would have raised nothing: the file is refused, and told what to add.
    text = clinic_text_without_pulse_rules()
    path = tmp_path / "clinic-iv.toml"
    path.write_text(text, encoding="utf-8")
    high = indexes(text, "heart_rate", "high")
    assert len(high) == 3

    assert refusal(path) == (
        f"clinic-iv.toml: alarms[{high[0]}].metric: heart_rate has high-side limits"
        f" (alarms[{high[0]}], alarms[{high[1]}], alarms[{high[2]}]) and pulse_rate none: a pulse"
        " oximeter (SpO2 and pulse, no ECG) sends its pulse as pulse_rate, never heart_rate, and"
        " the console judges it by the pulse_rate rules only, so its pulse beyond these limits"
        " would raise nothing; add a pulse_rate twin of each, as the shipped files do:"
        ' [[alarms]] metric = "pulse_rate" with the heart_rate rule\'s priority, direction and'
        ' limits (source = "as heart_rate: …")')
    # Refused at loading, under its id for a start that chose it.
    loaded = load_protocols([tmp_path])
    assert [(e.protocol_id, e.key) for e in loaded.errors] == [
        ("clinic-iv", f"alarms[{high[0]}].metric")]


def heart_rules(*directions: str) -> list[dict[str, Any]]:
    limits = {"high": {"above": 110}, "low": {"below": 50}}
    return [{"metric": "heart_rate", "priority": "medium", "direction": d, **limits[d],
             "source": "APA [M]"} for d in directions]


def test_a_side_the_pulse_rate_leaves_unwatched_is_refused(tmp_path: Path) -> None:
    # Pulse rules for tachycardia only: bradycardia on the oximeter would still be silent.
    document = copy.deepcopy(valid())
    document["alarms"] += heart_rules("high", "low") + [
        {"metric": "pulse_rate", "priority": "medium", "direction": "high", "above": 110,
         "source": "as heart_rate: APA [M]"}]
    assert refusal(write(tmp_path, document)).startswith(
        "clinic.toml: alarms[5].metric: heart_rate has low-side limits (alarms[5]) and"
        " pulse_rate none: ")


def test_pulse_rate_limits_alone_are_refused_for_an_ecgs_heart_rate(tmp_path: Path) -> None:
    # While an ECG sends a heart rate the pulse's rules rest: HR 35 on it would raise nothing.
    document = copy.deepcopy(valid())
    document["alarms"].append({"metric": "pulse_rate", "priority": "high", "direction": "low",
                               "at_or_below": 40, "source": "NEWS2 [V]"})
    assert refusal(write(tmp_path, document)) == (
        "clinic.toml: alarms[4].metric: pulse_rate has low-side limits (alarms[4]) and heart_rate"
        " none: a monitor with an ECG sends the heart rate as heart_rate, and while it does the"
        " console judges the heart by the heart_rate rules only (the pulse_rate rules rest), so"
        " a heart rate beyond these limits would raise nothing, nor would a heart rate the nurse"
        " types; add a heart_rate twin of each, as the shipped files do: [[alarms]] metric ="
        ' "heart_rate" with the pulse_rate rule\'s priority, direction and limits')


def test_heart_rate_limits_with_a_pulse_rate_twin_on_each_side_load(tmp_path: Path) -> None:
    document = copy.deepcopy(valid())
    document["alarms"] += heart_rules("high", "low") + [
        dict(rule, metric="pulse_rate") for rule in heart_rules("high", "low")]
    assert [r.metric for r in load_protocol(write(tmp_path, document)).alarms[4:]] == [
        "heart_rate", "heart_rate", "pulse_rate", "pulse_rate"]


def test_the_shipped_protocols_watch_the_pulse_on_both_sides() -> None:
    loaded = load_protocols([builtin_protocols_dir()])
    assert loaded.errors == []
    for protocol in loaded.protocols.values():
        for direction in ("high", "low"):
            assert {r.metric for r in protocol.alarms if r.direction == direction} >= {
                "heart_rate", "pulse_rate"}, (protocol.id, direction)


def test_a_session_text_that_ran_without_pulse_rules_is_still_read() -> None:
    # A session logged under such a file before this refusal is resumed and reviewed under it.
    protocol = protocol_from_text(clinic_text_without_pulse_rules(), "clinic-iv.toml",
                                  authoring=False)
    assert not protocol.rules_for("pulse_rate") and protocol.rules_for("heart_rate")
