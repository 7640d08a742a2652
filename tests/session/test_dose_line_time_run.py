"""An infusion stopped early says how long it ran to the second (`format_duration`), never its
minutes cut: the chair's dose line read "infusion ended after 0 of 40 min" for an infusion
stopped 45 s after T0 (some of the dose ran: it read as nothing given), and "38" for one
stopped at 38:59."""

from __future__ import annotations

from dataclasses import replace

from console.session.dosing import dose_line
from protocols.model import PhaseKind
from tests.session.helpers import Session, iv_protocol

DETAILS = {"dose_mg": 36.0, "pump_rate_ml_h": 150.0}


def stopped_after(seconds: float) -> str:
    """T0, then the infusion moved on from `seconds` later with a reason: the chair's line."""
    s = Session()
    s.to_infusion()
    t0 = s.now().mono - s.origin
    s.t(t0 + seconds)
    assert s.engine.advance_phase("nurse.ana", s.now(),
                                  override_reason="agitation, pump stopped").done
    return dose_line(iv_protocol(), DETAILS, s.engine.phase.kind, s.engine.dosing_minutes)


def test_an_infusion_stopped_under_a_minute_reads_the_seconds_it_ran():
    line = stopped_after(45)
    assert line.startswith("Dose planned: 36 mg"), line
    assert line.endswith(" · infusion ended after 0:45 of 40 min"), line


def test_an_infusion_stopped_at_38_59_is_not_read_as_38_minutes():
    line = stopped_after(38 * 60 + 59)
    assert line.endswith(" · infusion ended after 38:59 of 40 min"), line


def test_an_infusion_stopped_on_a_whole_minute_reads_it_with_its_unit():
    line = dose_line(iv_protocol(), DETAILS, PhaseKind.OBSERVATION, dosing_minutes=12.0)
    assert line.endswith(" · infusion ended after 12:00 of 40 min"), line


def test_an_infusion_stopped_past_an_hour_reads_hours():
    # A clinic's 90-min infusion stopped at 65 min: "1:05" alone would read as minutes.
    iv = iv_protocol()
    longer = replace(iv, dose=replace(iv.dose, infusion_minutes=90))
    line = dose_line(longer, DETAILS, PhaseKind.OBSERVATION, dosing_minutes=65.0)
    assert line.endswith(" · infusion ended after 1:05 h of 90 min"), line
