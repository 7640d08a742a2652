"""A sustained limit counts readings that came one after another (README): once the ECG heart
rate stopped counting (the pulse took over), a heart rate that comes starts the 5-minute count
again; no test held it (a review)."""

from __future__ import annotations

from console.clock import ManualClock
from console.session.conditions import trackers_for
from devices.reading import MANUAL
from tests.session.helpers import HIGH, START, default_rules


def test_a_typed_heart_rate_after_the_ecg_stopped_counts_its_5_minutes_anew() -> None:
    clock = ManualClock(START)
    hr = trackers_for(default_rules())["heart_rate_high"]
    t0 = clock.now()
    hr.on_value(125, None, t0, source="hl7:SIM")           # ECG HR 125, every 5 s
    for _ in range(20):
        clock.advance(5)
        hr.on_value(125, None, clock.now(), source="hl7:SIM")   # its last at +100 s
    clock.advance(31)
    hr.taken_over("No heart rate for 31 s")                 # the pulse watches the heart now
    clock.advance(9)
    hr.on_value(125, None, clock.now(), source=MANUAL)      # typed at +140 s
    now = clock.advance(300 - 140)                          # +300 s: 5 min from the ECG's first
    hr.on_time(clock.now().mono - 160, False, now)
    held = hr.held()
    assert held is None or held.priority < HIGH, held       # only 160 s of the new count
