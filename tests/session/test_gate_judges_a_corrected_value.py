"""The pre-dose gate judges a corrected value (review 45): the prescriber decides on the value
that stands.

1. A BP over the gate, decided on by the prescriber and ticked (150/95, "Dr Lee: proceed"),
   then corrected before T0 to a higher value (the cuff read 175): the prescriber decided on
   150, not on 175. Before cf73383 the correction counted as a value after the tick
   (`_gate_reached_again` read `received_at > tick.at`) and dosing was blocked until a new
   decision; `_standing_for` now gives the correction the measurement's received_at (before
   the tick) and dosing starts on 175/95 with no prescriber asked.

2. Esketamine: a pre-T0 BP of 128/80 corrected after T0, on the devices' screen, to 158/80
   ("typed 128, cuff read 158"). The BP before the dose is over the gate; no device is given
   yet. `_gate_before_first_device` only looks at values with `after_t0`, and a correction
   keeps the corrected row's `after_t0` (False): device 1 is ticked with no prescriber asked.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.session.engine import GATE_APPROVAL
from console.store import EventLog
from tests.session.test_esketamine_dose import ESKETAMINE
from tests.session.test_resume_as_live import LoggedSession

NURSE = "nurse.ana"
MIN = 60


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "sessions.sqlite3", "test")
    yield opened
    opened.close()


def typed_bp(s: LoggedSession, systolic: float, diastolic: float) -> int:
    _, row = s.engine.enter_manual_row("bp_systolic", systolic, NURSE, s.now())
    s.engine.enter_manual_row("bp_diastolic", diastolic, NURSE, s.now())
    assert row is not None
    return row


def test_a_decided_baseline_corrected_higher_after_the_tick_asks_the_prescriber_again(
        log: EventLog) -> None:
    s = LoggedSession(log)
    e = s.engine
    s.t(10)
    systolic = typed_bp(s, 150, 95)   # over 140/90: the prescriber decides
    e.enter_manual("heart_rate", 70, NURSE, s.now())
    s.t(20)
    assert e.tick_item("consent", NURSE, s.now()).done
    assert e.tick_item("baseline_bp", NURSE, s.now(), gate_decision="Dr Lee: proceed").done
    s.t(30)
    assert e.correct(systolic, "bp_systolic", 175, NURSE, s.now(),
                     reason="typed 150, cuff read 175", confirmed=True)
    assert e.latest("bp_systolic").reading.value == 175
    outcome = e.advance_phase(NURSE, s.now())
    # The decision was on 150/95: a BP of 175/95 needs the prescriber again before dosing.
    assert not outcome.done, "dosing started on 175/95, the prescriber having decided on 150/95"
    assert any("Systolic BP is now 175 mmHg" in r for r in outcome.reasons), outcome.reasons


def test_esketamine_pre_t0_bp_corrected_over_the_gate_after_t0_asks_at_device_1(
        log: EventLog) -> None:
    s = LoggedSession(log, ESKETAMINE)
    e = s.engine
    e.details["dose_mg"] = 56
    s.t(10)
    systolic = typed_bp(s, 128, 80)
    assert e.advance_phase(NURSE, s.now(), override_reason="test").done   # T0: devices
    assert e.t0 is not None
    s.t(10 + 3 * MIN)
    assert e.correct(systolic, "bp_systolic", 158, NURSE, s.now(),
                     reason="typed 128, cuff read 158", confirmed=True)
    assert e.latest("bp_systolic").reading.value == 158
    s.t(10 + 5 * MIN)
    refused = e.tick_item("device-1", NURSE, s.now(), note="LOT-1")
    # The BP before the dose is 158/80, over the gate, and no device is given yet.
    assert not refused.done and refused.asks == GATE_APPROVAL, (
        "device 1 ticked on a BP before the dose of 158/80 with no prescriber asked")
