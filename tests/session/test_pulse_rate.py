"""A pulse oximeter's pulse rate alarms on the heart rate's limits when no monitor heart rate
(ECG) comes in; with an ECG, the heart rate alone alarms (console/session/engine.py,
`ecg_heart_rate_current`). Before this, a Masimo Rad-8's BPM 123 or 35 raised nothing: every
shipped protocol watched `heart_rate` only (found by the alarm-path audit)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.session.engine import ECG_HEART_RATE_SECONDS, Patient, SessionEngine
from console.store import EventLog
from devices.masimo import MasimoDecoder
from devices.reading import Reading
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Priority
from tests.devices.conftest import samples_dir  # noqa: F401 - the shared device samples


@pytest.fixture
def chair(tmp_path):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, log, Patient("MRN-7", 72), "ana", clock.now())
    yield engine, clock
    log.close()


def device(clock: ManualClock, metric: str, value: float, unit: str = "beats/min") -> Reading:
    now = clock.now()
    return Reading(metric, value, unit, now.wall, now.wall, "hl7:MON")


def shown(engine: SessionEngine) -> list[tuple[str, str]]:
    return [(o.condition, o.priority.label) for o in engine.alarms()]


def test_the_masimo_sample_pulse_alarms_on_the_heart_rates_limit(chair, samples_dir: Path):
    engine, clock = chair
    decoded = MasimoDecoder().feed((samples_dir / "masimo-rad-serial-ascii-lines.txt").read_bytes(),
                                   clock.now().wall)
    assert [(r.metric, r.value) for r in decoded.readings] == [("spo2", 98), ("pulse_rate", 123)]
    engine.ingest_message(decoded.readings, clock.advance(60))
    assert shown(engine) == [("pulse_rate_high", "medium")]
    assert engine.alarms()[0].message == "Pulse rate 123 beats/min, limit >110"


def test_a_pulse_oximeter_alone_raises_a_high_bradycardia(chair):
    engine, clock = chair
    clock.advance(60)
    engine.ingest_message([device(clock, "pulse_rate", 35)], clock.now())
    assert shown(engine) == [("pulse_rate_low", "high")]
    assert engine.audio(clock.now()).priority is Priority.HIGH


def test_with_an_ecg_heart_rate_the_pulse_rules_rest_and_return_when_it_stops(chair):
    engine, clock = chair
    clock.advance(60)
    engine.ingest_message([device(clock, "heart_rate", 72), device(clock, "pulse_rate", 35)],
                          clock.now())
    assert shown(engine) == []   # a pulse artefact beside a sound ECG: no second alarm
    clock.advance(ECG_HEART_RATE_SECONDS)
    engine.ingest_message([device(clock, "pulse_rate", 35)], clock.now())
    assert shown(engine) == []   # the ECG's last 30 s ago: still the heart's watch
    clock.advance(1)             # the ECG leads came off 31 s ago: the pulse watches now
    engine.ingest_message([device(clock, "pulse_rate", 35)], clock.now())
    assert shown(engine) == [("pulse_rate_low", "high")]


def test_a_typed_heart_rate_does_not_rest_the_pulse_rules(chair):
    engine, clock = chair
    clock.advance(60)
    engine.enter_manual("heart_rate", 72, "ana", clock.now())
    engine.ingest_message([device(clock, "pulse_rate", 150)], clock.now())
    assert shown(engine) == [("pulse_rate_high", "high")]


def test_a_message_carrying_both_raises_the_heart_rates_alarm_alone_whatever_their_order(chair):
    engine, clock = chair
    clock.advance(60)
    engine.ingest_message([device(clock, "pulse_rate", 135), device(clock, "heart_rate", 135)],
                          clock.now())
    assert shown(engine) == [("heart_rate_high", "high")]
