"""The dose line of the review and the PDF counts esketamine devices by the protocol's rule,
`Dose.device_count` (as the chair and the REMS form count them), not a second copy of it: a
protocol's device size lives in its file.

The esketamine session of tests/review/scenarios.py: 84 mg, the protocol's 28 mg devices.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

import pytest

from console.export.protocol_file import find_protocol
from console.export.rems import devices_needed
from console.review.queries import load_session, open_readonly
from console.review.content import dose_text, header_fields


@pytest.fixture(scope="module")
def esketamine(scenario_log):
    conn = open_readonly(scenario_log.path)
    try:
        return load_session(conn, scenario_log.facts.ids["esketamine"])
    finally:
        conn.close()


def with_dose(detail, mg: float):
    return replace(detail, summary=replace(detail.summary, dose_mg=mg))


def test_the_device_count_is_the_protocols_rule(esketamine):
    protocol = find_protocol("esketamine")
    assert protocol is not None
    # The doses the protocol allows read as before, found by the session's protocol id or given.
    # The scenario logs two devices: all of 56 mg, two of the three of 84 mg (planned).
    for mg, text in ((56, "56 mg (2 devices)"), (84, "84 mg planned (3 devices; 2 recorded given)")):
        detail = with_dose(esketamine, mg)
        assert dose_text(detail) == dose_text(detail, protocol) == text
        assert dict(header_fields(detail, UTC))["Dose"] == text
    # The review and the REMS form agree on the one rule.
    assert dose_text(esketamine, protocol) == (
        f"84 mg planned ({devices_needed(esketamine, protocol)} devices; 2 recorded given)")
    # More devices recorded given than the dose (one beyond it, with its reason): what was given
    # first, the plan beside it ("28 mg (1 devices)" had read as the dose given over two).
    assert dose_text(with_dose(esketamine, 28), protocol) == (
        "56 mg given (2 devices); 28 mg planned (1 device)")
    # A protocol with 42 mg devices: 84 mg is two of them, by its file, not by a 28 in the review.
    bigger = replace(protocol, dose=replace(protocol.dose, mg_per_device=42))
    assert dose_text(esketamine, bigger) == "84 mg (2 devices)"
    assert dict(header_fields(esketamine, UTC, protocol=bigger))["Dose"] == "84 mg (2 devices)"


def test_a_weight_based_protocol_prints_no_device_count(esketamine):
    iv = find_protocol("iv-ketamine")
    assert iv is not None
    assert dose_text(esketamine, iv) == "84 mg"


def test_an_infusion_ended_early_reads_planned_in_the_review(tmp_path):
    # The chair's dose line says "Dose planned … infusion ended after 12:00 of 40 min"; the
    # review's header and PDF said "36 mg at 150 mL/h" as if all of it was given.
    from tests.review.logged_session import iv_ketamine, logged_session

    s = logged_session(tmp_path, dose_mg=36.0, pump_rate_ml_h=150.0)
    engine, clock = s.engine, s.clock
    assert engine.advance_phase("ana", clock.advance(60), override_reason="walk").done
    assert engine.phase.kind.value == "dosing"
    assert engine.advance_phase("ana", clock.advance(12 * 60), override_reason="nausea").done
    assert dose_text(s.detail(), iv_ketamine()) == (
        "36 mg at 150 mL/h (planned; infusion ended after 12:00 of 40 min)")


def test_a_session_never_dosed_reads_planned_never_given(tmp_path):
    """A clinician's audit: a session discharged before any dose read "40 mg at 150 mL/h" beside
    "T0 not dosed", as if the dose had been given."""
    from tests.review.logged_session import iv_ketamine, logged_session

    running = logged_session(tmp_path / "a", dose_mg=40.0, pump_rate_ml_h=150.0)
    assert dose_text(running.detail(), iv_ketamine()) == "40 mg planned; not given yet"
    sent_home = logged_session(tmp_path / "b", dose_mg=40.0, pump_rate_ml_h=150.0)
    assert sent_home.engine.discharge("ana", sent_home.clock.advance(180),
                                      override_reason="unwell: sent home").done
    assert dose_text(sent_home.detail(), iv_ketamine()) == "40 mg planned; never given"
