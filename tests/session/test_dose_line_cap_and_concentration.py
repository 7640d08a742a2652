"""The chair's dose line (console/session/dosing.py dose_line) says a capped dose is capped, and
its concentration gives back the dose in the bag (review 45)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console.clock import ManualClock
from console.session.dosing import dose_line
from console.session.engine import Patient, SessionEngine
from console.session.journal import Journal
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import PhaseKind


def opened(tmp_path, protocol_file: str, weight: float):
    protocol = load_protocol(builtin_protocols_dir() / protocol_file)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    try:
        clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        engine = SessionEngine.open(protocol, Journal(log), Patient("MRN-7", weight), "ana",
                                    clock.now())
        return protocol, dict(engine.details)
    finally:
        log.close()


@pytest.mark.parametrize(("weight", "shown"), [(30.0, "Dose 7.5 mg in 100 mL (0.075 mg/mL)"),
                                               (62.0, "Dose 15.5 mg in 100 mL (0.155 mg/mL)"),
                                               (72.0, "Dose 18 mg in 100 mL (0.18 mg/mL)"),
                                               (29.3, "Dose 7.33 mg in 100 mL (0.0733 mg/mL)")])
def test_the_concentration_agrees_with_the_dose_in_the_bag(tmp_path, weight, shown):
    # 7.5 mg in 100 mL read "(0.07 mg/mL)": 7 mg in the bag.
    protocol, details = opened(tmp_path, "iv-ketamine-titration.toml", weight)
    assert dose_line(protocol, details, PhaseKind.PRE).startswith(shown)


def test_a_capped_dose_says_it_is_capped_at_the_chair(tmp_path):
    # 0.5 mg/kg x 130 kg = 65 mg, capped at 60 mg: the line read "Dose 60 mg in 100 mL …" under
    # a header "0.5 mg/kg over 40 min", the cap unsaid.
    protocol, details = opened(tmp_path, "iv-ketamine.toml", 130.0)
    assert dose_line(protocol, details, PhaseKind.PRE) == (
        "Dose 60 mg (capped) in 100 mL (0.6 mg/mL) · pump 150 mL/h over 40 min")
    assert dose_line(protocol, details, PhaseKind.PRE, weight_kg=130.0) == (
        "Dose 60 mg (capped; 0.5 mg/kg × 130 kg = 65 mg) in 100 mL "
        "(0.6 mg/mL) · pump 150 mL/h over 40 min")
    assert dose_line(protocol, details, PhaseKind.OBSERVATION).startswith(
        "Dose given: 60 mg (capped)")
    assert dose_line(protocol, details, PhaseKind.OBSERVATION, dosing_minutes=12.0,
                     weight_kg=130.0).startswith("Dose planned: 60 mg (capped) in 100 mL")


def test_a_dose_under_the_cap_says_nothing_of_it(tmp_path):
    protocol, details = opened(tmp_path, "iv-ketamine.toml", 72.0)
    line = dose_line(protocol, details, PhaseKind.PRE, weight_kg=72.0)
    assert line == "Dose 36 mg in 100 mL (0.36 mg/mL) · pump 150 mL/h over 40 min"
    # 120 kg is exactly the maximum: not capped, and the sum is not said.
    protocol, details = opened(tmp_path, "iv-ketamine.toml", 120.0)
    assert dose_line(protocol, details, PhaseKind.PRE, weight_kg=120.0).startswith(
        "Dose 60 mg in 100 mL")
