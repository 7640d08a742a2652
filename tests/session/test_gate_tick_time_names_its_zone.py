"""A prescriber gate overridden before the first dose logs its blockers, one of them "... since
the baseline was ticked at 09:00": the station's clock time with no zone, kept in the record
that is read in the review, maybe in another zone or across a clock change. Every other clock
time in a logged text names its zone (console.clock.clock_time, review 43)."""

from __future__ import annotations

import time

import pytest

from tests.session.helpers import Session
from tests.session.test_baseline import tick_pre_checks


@pytest.fixture
def in_new_york(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_an_overridden_gate_logs_the_ticked_time_with_its_zone(in_new_york):
    s = Session()   # opened 09:00 UTC on 2 March: 04:00 EST
    s.bp(140, 92)
    s.manual("heart_rate", 70)
    tick_pre_checks(s)
    # The BP reaches the gate again after the tick; the prescriber's decision comes by phone.
    s.t(120)
    s.bp(166, 103)
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="Dr Lee by phone").done
    [override] = s.recorder.events("override")
    [systolic] = [b for b in override.detail["blockers"] if b.startswith("Systolic BP")]
    assert "since the baseline was ticked at 04:00:00 EST: a prescriber review" in systolic, systolic
