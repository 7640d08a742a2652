"""The REMS draft judges the blood pressure before the dose against the protocol's threshold
(141/91, the label's >140/90) as the tile shows it, as the chair's gate does (README: every limit
judges a value as its tile shows it). A monitor's 140.6/86 reads "141/86": the chair asked the
prescriber and logged the decision, and the draft for the regulator said "141/86 mmHg at 10:05
(below)" and the decision "not needed"."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from console.export.rems import RemsForm, rems_form, render_text
from console.store import EventLog
from tests.export.test_rems_pre_dose_bp import DECISION, dose, read, start


def _draft(path: Path, systolic: float, diastolic: float, decision: str = "") -> RemsForm:
    """An esketamine session whose monitor sends `systolic`/`diastolic` at 10:05, the gate item
    ticked with `decision` (the chair refuses the tick without one when the tile is at the
    gate), device 1 at 10:10; the draft from its log."""
    with EventLog.open(path, "t") as log:
        r = start(log, "MRN-7101")
        r.at(5)
        r.device(bp_systolic=systolic, bp_diastolic=diastolic)
        r.tick_required(gate_decision=decision)
        dose(r)
        session = r.id
    detail, signatures = read(path, session)
    return rems_form(detail, tz=UTC, signatures=signatures)


def _line(form: RemsForm, start: str) -> str:
    return next(x for x in render_text(form, tz=UTC).splitlines() if x.startswith(start))


@pytest.mark.parametrize(("systolic", "diastolic", "shown"),
                         [(140.6, 86, "141/86"), (132, 90.6, "132/91")],
                         ids=["systolic", "diastolic"])
def test_a_pressure_shown_at_the_threshold_reaches_it_and_reads_with_the_decision(
        tmp_path, systolic, diastolic, shown):
    form = _draft(tmp_path / "log.sqlite3", systolic, diastolic, DECISION)
    last = form.pre_dose_bp.readings[-1]
    assert (last.text(), last.reaches_threshold) == (f"{shown} mmHg", True)
    assert _line(form, "Blood pressures before dose, each against the threshold:").endswith(
        f"; {shown} mmHg at 10:05 (REACHES THE THRESHOLD)")
    assert _line(form, "Prescriber's decision on the blood pressure before dose:") == (
        "Prescriber's decision on the blood pressure before dose: logged (the last before the "
        f"dose, {shown} mmHg at 10:05, reached the threshold)")
    assert DECISION in render_text(form, tz=UTC)


def test_a_pressure_shown_below_the_threshold_needs_no_decision(tmp_path):
    # 140.4/90.4 reads "140/90": the chair ticks without the prescriber, the draft agrees.
    form = _draft(tmp_path / "log.sqlite3", 140.4, 90.4)
    assert form.pre_dose_bp.readings[-1].reaches_threshold is False
    assert "the last before the dose, 140/90 mmHg at 10:05, was below the threshold" in (
        _line(form, "Prescriber's decision on the blood pressure before dose:"))
