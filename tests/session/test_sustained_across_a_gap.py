""""Heart rate >120 sustained 5 min" (high) counts readings that came one after another: a 10-s
run of 125, the monitor unplugged six minutes, then one reading of 125 after it reconnected was
raised at once as high, "limit >120 for 5 min", the rate measured above 120 for 11 s (a review
of the alarm rules). A silence longer than a tile keeps a monitor's value current (30 s) starts
the count again."""

from __future__ import annotations

from tests.devices.conftest import samples_dir  # noqa: F401 - the shared device samples
from tests.session.test_pulse_rate import chair, device, shown  # noqa: F401 - fixture


def _heart_rate(engine, clock, value: float, seconds: int) -> None:
    for _ in range(seconds):
        clock.advance(1)
        engine.ingest_message([device(clock, "heart_rate", value)], clock.now())
        engine.tick(clock.now())


def test_a_monitor_unplugged_between_two_runs_is_not_sustained(chair):
    engine, clock = chair
    engine.device_state_changed("connected", clock.now())
    clock.advance(60)
    _heart_rate(engine, clock, 125, 10)
    assert shown(engine) == [("heart_rate_high", "medium")]
    engine.device_state_changed("disconnected", clock.now(), "cable unplugged")
    clock.advance(360)
    engine.tick(clock.now())
    engine.device_state_changed("connected", clock.now())
    _heart_rate(engine, clock, 125, 1)
    assert [(o.priority.label, o.message) for o in engine.alarms()
            if o.condition == "heart_rate_high"] == [
        ("medium", "Heart rate 125 beats/min, limit >110")]


def test_the_count_starts_again_after_the_gap(chair):
    engine, clock = chair
    engine.device_state_changed("connected", clock.now())
    clock.advance(60)
    _heart_rate(engine, clock, 125, 10)
    clock.advance(45)   # no heart rate for 45 s, the monitor still connected
    _heart_rate(engine, clock, 125, 300)   # the first 45 s after the last: 299 s above 120
    assert [p for c, p in shown(engine) if c == "heart_rate_high"] == ["medium"]
    _heart_rate(engine, clock, 125, 1)     # 5 min of readings since the gap
    assert [p for c, p in shown(engine) if c == "heart_rate_high"] == ["high"]
