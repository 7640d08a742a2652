"""An item's `needs`, a gate or a check's `metrics` naming only a vital the bedside form cannot
record is refused when the protocol loads.

The entry panel records BP as systolic/diastolic, RR, HR, SpO2 and the scores
(console/ui/entry_panel.py); a mean BP (`bp_mean`) and a pulse rate (`pulse_rate`) come only
from a monitor. A clinic copy needing "bp_mean" loaded, and at a chair without a monitor
sending it the baseline item could never be ticked ("Record Mean BP before ticking …"): the
dose was held on a value no nurse could enter; a check of it was never met and its overdue
alarm never ended.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from console.ui.entry_panel import FIELDS
from protocols.loader import (
    builtin_protocols_dir,
    load_protocol,
    load_protocols,
    protocol_from_text,
)
from protocols.vitals import FORM_METRICS, SCALES
from tests.protocols.test_loader import refusal, valid, write

pytestmark = pytest.mark.faults

SHIPPED_NEEDS = 'needs = [["heart_rate", "pulse_rate"], "spo2", "resp_rate"]'
RECORDS = ("the form records bp_systolic, bp_diastolic, heart_rate, resp_rate, spo2, moaas,"
           " nausea, dissociation, hallucinations, fatigue, aldrete")


def clinic_text(needs: str) -> str:
    shipped = (builtin_protocols_dir() / "iv-ketamine.toml").read_text(encoding="utf-8")
    assert SHIPPED_NEEDS in shipped
    return shipped.replace('id = "iv-ketamine"', 'id = "clinic-iv"', 1).replace(
        SHIPPED_NEEDS, needs, 1)


def test_a_baseline_item_needing_a_mean_bp_is_refused(tmp_path: Path) -> None:
    # The dose would have been held on "Record Mean BP" at a manual-only chair.
    path = tmp_path / "clinic-iv.toml"
    path.write_text(clinic_text(
        'needs = [["heart_rate", "pulse_rate"], "spo2", "resp_rate", "bp_mean"]'), encoding="utf-8")

    assert refusal(path) == (
        "clinic-iv.toml: phases[0].checklist[13].needs[3]: the bedside form cannot record"
        " bp_mean (Mean BP), which only a monitor sends, so at a chair without one the item"
        ' could never be ticked; list it with an alternative the form records, e.g. ["bp_mean",'
        f' "bp_systolic"], or drop it ({RECORDS})')
    loaded = load_protocols([tmp_path])
    assert [(e.protocol_id, e.key) for e in loaded.errors] == [
        ("clinic-iv", "phases[0].checklist[13].needs[3]")]


NEVER_MET = "the check could never be met and its overdue alarm never end"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["phases"][1]["checks"][0].update(metrics=["bp_systolic", "pulse_rate"]),
     "phases[1].checks[0].metrics[1]: the bedside form cannot record pulse_rate (Pulse rate),"
     f" which only a monitor sends, so at a chair without one {NEVER_MET}; list it with an"
     ' alternative the form records, e.g. ["pulse_rate", "heart_rate"], or drop it'),
    (lambda d: d["phases"][1]["checks"][0].update(
        metrics=["bp_systolic", ["bp_mean", "pulse_rate"]]),
     "phases[1].checks[0].metrics[1]: the bedside form can record neither bp_mean (Mean BP) nor"
     f" pulse_rate (Pulse rate), which only a monitor sends, so at a chair without one"
     f" {NEVER_MET}; list it with an alternative the form records, e.g. [\"bp_mean\","
     ' "pulse_rate", "bp_systolic"], or drop it'),
    (lambda d: d["phases"][0]["checklist"][1]["gate"].update(bp_mean=110),
     "phases[0].checklist[1].gate.bp_mean: the bedside form cannot record bp_mean (Mean BP),"
     " which only a monitor sends, so at a chair without one the item could never be ticked;"
     " gate on a vital the form records instead, or drop it"),
], ids=["check's pulse rate", "check's alternatives", "gate"])
def test_a_check_or_gate_of_what_only_a_monitor_sends_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    document = copy.deepcopy(valid())
    change(document)
    assert refusal(write(tmp_path, document)) == f"clinic.toml: {message} ({RECORDS})"


def test_a_monitor_only_vital_with_an_alternative_the_form_records_loads(tmp_path: Path) -> None:
    # The shipped pattern: an oximeter's pulse rate, or the heart rate the nurse types.
    document = copy.deepcopy(valid())
    document["phases"][1]["checks"][0]["metrics"] = [["bp_mean", "bp_systolic"],
                                                     ["heart_rate", "pulse_rate"]]
    check = load_protocol(write(tmp_path, document)).phases[1].checks[0]
    assert check.metrics == (("bp_mean", "bp_systolic"), ("heart_rate", "pulse_rate"))


def test_the_shipped_protocols_ask_only_what_the_form_records() -> None:
    loaded = load_protocols([builtin_protocols_dir()])
    assert loaded.errors == []


def test_the_forms_list_is_the_entry_panels_fields_and_scores() -> None:
    # One list for the loader (protocols may not import Qt): the panel's fields (BP is typed as
    # systolic/diastolic) and its score buttons and boxes, one for every scale.
    typed = {"bp_systolic", "bp_diastolic"} | {key for key, _, _ in FIELDS if key != "bp"}
    assert set(FORM_METRICS) == typed | set(SCALES)


def test_a_session_text_that_ran_with_it_is_still_read() -> None:
    # A session logged under such a file before this refusal is resumed and reviewed under it.
    protocol = protocol_from_text(
        clinic_text('needs = [["heart_rate", "pulse_rate"], "spo2", "resp_rate", "bp_mean"]'),
        "clinic-iv.toml", authoring=False)
    (baseline,) = [i for i in protocol.phases[0].checklist if i.id == "baseline-vitals"]
    assert ("bp_mean",) in baseline.needs
