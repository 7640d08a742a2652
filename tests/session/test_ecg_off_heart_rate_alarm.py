"""ECG leads off: the monitor stops sending heart_rate, its pulse rate takes over the heart's watch
(ECG_HEART_RATE_SECONDS) and reads 80; the ECG's last "Heart rate 138" had kept alarming, reminded
"still present" and blocking discharge, beside a pulse of 80 (a review of the alarm rules). Its
last value stops counting when the pulse takes over, as the pulse's does when its SpO2 goes."""

from __future__ import annotations

from console.session.alarm_area import row_text
from tests.devices.conftest import samples_dir  # noqa: F401 - the shared device samples
from tests.session.test_pulse_rate import chair, device, shown  # noqa: F401 - fixture


def _leads_off(engine, clock, seconds: int) -> None:
    """The monitor sends pulse 80 and SpO2 98 every second, no heart rate."""
    for _ in range(seconds):
        clock.advance(1)
        engine.ingest_message([device(clock, "pulse_rate", 80), device(clock, "spo2", 98, "%")],
                              clock.now())
        engine.tick(clock.now())


def _heart_rate_138(engine, clock) -> None:
    engine.device_state_changed("connected", clock.now())
    clock.advance(60)
    engine.ingest_message([device(clock, "heart_rate", 138), device(clock, "pulse_rate", 137),
                           device(clock, "spo2", 98, "%")], clock.now())
    assert shown(engine) == [("heart_rate_high", "high")]


def test_an_acknowledged_ecg_alarm_ends_when_the_pulse_takes_over(chair):
    engine, clock = chair
    _heart_rate_138(engine, clock)
    engine.acknowledge(engine.alarms()[0].id, "ana", clock.now())
    _leads_off(engine, clock, 600)
    assert engine.alarms() == []   # no "Heart rate 138 ... still present" beside a pulse of 80


def test_an_unseen_ecg_high_latches_when_the_pulse_takes_over(chair):
    engine, clock = chair
    _heart_rate_138(engine, clock)
    _leads_off(engine, clock, 600)
    rows = [(o.condition, o.state.value, row_text(o)) for o in engine.alarms()]
    # Unseen, it latches as any high alarm ended does (IEC 60601-1-8): it no longer holds.
    assert rows == [("heart_rate_high", "latched",
                     "*** Heart rate 138 beats/min, limit ≥131 (latched: reset to clear)")], rows


def test_the_ecg_back_counts_again(chair):
    engine, clock = chair
    _heart_rate_138(engine, clock)
    engine.acknowledge(engine.alarms()[0].id, "ana", clock.now())
    _leads_off(engine, clock, 60)
    clock.advance(1)
    engine.ingest_message([device(clock, "heart_rate", 140)], clock.now())
    assert shown(engine) == [("heart_rate_high", "high")]
