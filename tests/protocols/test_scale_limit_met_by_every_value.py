"""A limit on a scale that every value of the scale meets is refused: it alarms on "none".

protocols/README.md, Conventions: limits that fire on every resting value are refused. Only the
vitals and MOAA/S have a resting range, so on the other scales `nausea at_or_above = 0` (a clinic
meaning "any nausea", `above = 0`) loaded: the nurse recording "Nausea: none" raised a medium
alarm, which then refused the discharge for a patient with no nausea; `aldrete at_or_below = 10`
alarmed on a full score, and a pre-dose gate `{ dissociation = 0 }` asked for the prescriber on
every patient (a review of the protocols). Such a limit is judged against the scale's whole range.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols.loader import ProtocolError, builtin_protocols_dir, load_or_refusal, load_protocol
from tests.session.helpers import Session

pytestmark = pytest.mark.faults

SHIPPED = builtin_protocols_dir() / "iv-ketamine.toml"
ADDED = len(load_protocol(SHIPPED).alarms)   # the index of a rule the clinic appends
GATE = "gate = { bp_systolic = 141, bp_diastolic = 91 }"


def clinic_copy(tmp_path: Path, rule: str = "", gate: str = GATE) -> Path:
    """The shipped IV protocol under a clinic's id, with `rule` appended and its gate `gate`."""
    text = SHIPPED.read_text(encoding="utf-8").replace('id = "iv-ketamine"\n',
                                                       'id = "clinic-iv"\n', 1)
    assert text.count(GATE) == 1
    text = text.replace(GATE, gate)
    if rule:
        text += f"\n[[alarms]]\n{rule}source = \"clinic protocol [S]\"\n"
    path = tmp_path / "clinic-iv.toml"
    path.write_text(text, encoding="utf-8")
    return path


def alarm(metric: str, direction: str, key: str, limit: int) -> str:
    return (f'metric = "{metric}"\npriority = "medium"\ndirection = "{direction}"\n'
            f"{key} = {limit}\n")


def test_any_nausea_written_at_or_above_none_is_refused_with_above_0_as_the_fix(
        tmp_path: Path) -> None:
    outcome = load_or_refusal(clinic_copy(tmp_path, alarm("nausea", "high", "at_or_above", 0)))
    assert isinstance(outcome, ProtocolError), "loaded: Nausea none raises a medium alarm"
    assert str(outcome) == (
        f"clinic-iv.toml: alarms[{ADDED}].at_or_above: ≥0 is met by every value of nausea's"
        " range 0–3, 0 (none) included, so nausea_high (medium) would alarm on every nausea the"
        " nurse records; write above = 0 for any nausea above 0 (none)")


@pytest.mark.parametrize(("metric", "words"), [("hallucinations", "0 (absent)"),
                                               ("fatigue", "0 (none)"),
                                               ("dissociation", "0")])
def test_a_high_side_limit_at_the_bottom_of_a_scale_is_refused(tmp_path: Path, metric: str,
                                                                words: str) -> None:
    outcome = load_or_refusal(clinic_copy(tmp_path, alarm(metric, "high", "at_or_above", 0)))
    assert isinstance(outcome, ProtocolError), f"loaded: {metric} ≥0"
    assert str(outcome).endswith(f"write above = 0 for any {metric} above {words}")


def test_an_aldrete_below_a_full_score_written_at_or_below_10_is_refused(tmp_path: Path) -> None:
    outcome = load_or_refusal(clinic_copy(tmp_path, alarm("aldrete", "low", "at_or_below", 10)))
    assert isinstance(outcome, ProtocolError), "loaded: an Aldrete of 10/10 raises an alarm"
    assert str(outcome) == (
        f"clinic-iv.toml: alarms[{ADDED}].at_or_below: ≤10 is met by every value of aldrete's"
        " range 0–10, 10 included, so aldrete_low (medium) would alarm on every aldrete the"
        " nurse records; write below = 10 for any aldrete below 10")


@pytest.mark.parametrize("rule", [alarm("nausea", "high", "above", 0),
                                  alarm("nausea", "high", "at_or_above", 1),
                                  alarm("aldrete", "low", "below", 10),
                                  alarm("dissociation", "high", "above", 4)])
def test_a_scale_limit_that_leaves_a_value_quiet_loads(tmp_path: Path, rule: str) -> None:
    outcome = load_or_refusal(clinic_copy(tmp_path, rule))
    assert not isinstance(outcome, ProtocolError), str(outcome)


def test_with_above_0_nausea_none_raises_nothing_and_mild_raises_the_alarm(
        tmp_path: Path) -> None:
    s = Session(load_protocol(clinic_copy(tmp_path, alarm("nausea", "high", "above", 0))))
    # Nausea recorded "none": no alarm.
    s.t(1)
    s.manual("nausea", 0)
    s.t(2)
    assert [c for c in s.shown() if c[0].startswith("nausea")] == []
    # Nausea "mild": the medium alarm.
    s.manual("nausea", 1)
    s.t(3)
    assert ("nausea_high", "medium", "active") in s.shown()


def test_a_gate_every_dissociation_score_reaches_is_refused(tmp_path: Path) -> None:
    outcome = load_or_refusal(clinic_copy(
        tmp_path, gate="gate = { bp_systolic = 141, bp_diastolic = 91, dissociation = 0 }"))
    assert isinstance(outcome, ProtocolError), "loaded: every patient needs the prescriber"
    key = str(outcome).split(": ")[1]
    assert key.endswith(".gate.dissociation")
    assert str(outcome).endswith(
        ".gate.dissociation: ≥0 is met by every value of dissociation's range 0–92, 0"
        " included, so every patient would need the prescriber's decision before dosing: a gate"
        " is \"at or above\" only (a value at or above its limit needs the prescriber before"
        " dosing); write dissociation = 1 for any dissociation above 0")


def test_a_gate_above_the_bottom_of_a_scale_loads(tmp_path: Path) -> None:
    outcome = load_or_refusal(clinic_copy(
        tmp_path, gate="gate = { bp_systolic = 141, bp_diastolic = 91, hallucinations = 1 }"))
    assert not isinstance(outcome, ProtocolError), str(outcome)


def test_the_shipped_protocols_still_load() -> None:
    for name in ("iv-ketamine", "iv-ketamine-titration", "esketamine"):
        assert load_protocol(builtin_protocols_dir() / f"{name}.toml").id == name
