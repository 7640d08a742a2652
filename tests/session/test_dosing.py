"""The dose line shows what the pump must be set to, from the start until the dose is given."""

from __future__ import annotations

from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import PhaseKind

from console.session.dosing import dose_line


def test_iv_dose_line_gives_dose_concentration_and_pump_rate():
    iv = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    details = {"dose_mg": 36.0, "pump_rate_ml_h": 150.0}
    assert dose_line(iv, details, PhaseKind.DOSING) == (
        "Dose 36 mg in 100 mL (0.36 mg/mL) · pump 150 mL/h over 40 min")
    assert dose_line(iv, details, PhaseKind.PRE).startswith("Dose 36 mg")
    assert dose_line(iv, details, PhaseKind.OBSERVATION).startswith("Dose given: 36 mg")


def test_esketamine_dose_line_counts_the_devices():
    esk = load_protocol(builtin_protocols_dir() / "esketamine.toml")
    assert dose_line(esk, {"dose_mg": 84.0}, PhaseKind.DOSING) == "Dose 84 mg: 3 devices of 28 mg, 5 min apart"


def test_no_dose_recorded_no_line():
    iv = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    assert dose_line(iv, {}, PhaseKind.DOSING) == ""


def test_an_infusion_ended_early_reads_planned_not_given_before_and_after_a_restart():
    # Stopped at 12 minutes (a side effect): the line read "Dose given: 36 mg".
    from tests.session.helpers import Session, iv_protocol
    from tests.session.test_resume import resume

    s = Session()
    s.to_infusion()
    t0 = s.now().mono - s.origin
    s.t(t0 + 12 * 60)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="nausea, pump stopped").done
    details = {"dose_mg": 35.0, "pump_rate_ml_h": 150.0}
    line = dose_line(iv_protocol(), details, s.engine.phase.kind, s.engine.dosing_minutes)
    assert line == ("Dose planned: 35 mg in 100 mL (0.35 mg/mL) · pump 150 mL/h over 40 min · "
                    "infusion ended after 12:00 of 40 min")
    s.engine = resume(s, 30)
    assert s.engine.dosing_minutes == 12


def test_a_whole_infusion_reads_given():
    from tests.session.helpers import Session, iv_protocol

    s = Session()
    s.to_infusion()
    t0 = s.now().mono - s.origin
    s.t(t0 + 40 * 60)
    assert s.engine.advance_phase("nurse.ana", s.now()).done
    line = dose_line(iv_protocol(), {"dose_mg": 35.0}, s.engine.phase.kind, s.engine.dosing_minutes)
    assert line.startswith("Dose given: 35 mg") and "ended after" not in line


def test_fewer_devices_ticked_than_the_dose_needs_reads_planned():
    # A walk moved on to Observation after one device and read "Dose given: 56 mg".
    from console.session.dosing import devices_ticked

    esk = load_protocol(builtin_protocols_dir() / "esketamine.toml")
    one = devices_ticked(esk, ["device-1", "pre-bp"])
    assert one == 1
    assert dose_line(esk, {"dose_mg": 56.0}, PhaseKind.OBSERVATION, devices_ticked=one) == (
        "Dose planned: 56 mg: 2 devices of 28 mg, 5 min apart · 1 of 2 devices recorded given")
    both = devices_ticked(esk, ["device-1", "device-2"])
    assert dose_line(esk, {"dose_mg": 56.0}, PhaseKind.OBSERVATION, devices_ticked=both) == (
        "Dose given: 56 mg: 2 devices of 28 mg, 5 min apart")
    iv = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    assert devices_ticked(iv, ["device-1"]) is None
