"""The whole path from serial bytes to the log: `infusion-sim`'s player on a real pseudo-terminal,
the transport reading it, the engine deciding, the SQLite log keeping every reading and alarm."""

from __future__ import annotations

import queue
import sqlite3
from datetime import UTC, datetime

import pytest

from console.clock import Moment
from console.session import feed
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.simulator import start_in_thread
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent, EventKind
from protocols.loader import builtin_protocols_dir, load_protocol

FAST = 20000.0


def run_scenario(tmp_path, scenario: str, fmt: str = "hl7"):
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    events: queue.Queue[DeviceEvent] = queue.Queue()
    handle = start_in_thread(scenario, fmt, FAST, 1, autostart=False,
                             start=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    conn = DeviceConnection(handle.port_path, fmt, events.put)
    engine = None
    delivered = 0
    try:
        conn.start()
        first = events.get(timeout=10)
        assert first.state is ConnectionState.CONNECTING
        now = Moment(first.mono, first.at)
        engine = SessionEngine.open(protocol, log, Patient("MRN-1", 70), "qa", now)
        feed.apply(engine, first, now)
        # Straight to the infusion so baseline-relative limits apply.
        engine.advance_phase("qa", now, override_reason="QA run")
        handle.go()
        while True:
            try:
                event = events.get(timeout=2 if handle.finished.is_set() else 15)
            except queue.Empty:
                break
            if event.kind is EventKind.DATA:
                delivered += len(event.readings)
            feed.apply(engine, event, Moment(event.mono, event.at))
        assert handle.error is None
    finally:
        conn.stop()
        handle.stop()
    return log, engine, delivered


def sql(log: EventLog, query: str) -> list[tuple]:
    with sqlite3.connect(log.path) as conn:
        return conn.execute(query).fetchall()


def test_hypertensive_surge_from_the_simulator_lands_in_the_log_with_its_alarm(tmp_path):
    log, engine, delivered = run_scenario(tmp_path, "hypertensive-surge")
    device_rows = sql(log, "SELECT count(*) FROM observations WHERE source LIKE 'hl7:%'")[0][0]
    repeats = sql(log, "SELECT count(*) FROM observations")   # NIBP repeats are one reading
    assert 0 < device_rows <= delivered
    assert repeats[0][0] == device_rows
    # Every HR value sent once a second is there; systolic reached 200.
    assert sql(log, "SELECT max(value) FROM observations WHERE metric = 'bp_systolic'")[0][0] >= 200
    raised = sql(log, "SELECT condition, priority FROM alarm_events WHERE transition IN ('raised', 'escalated') "
                      "AND category = 'physiological' ORDER BY id")
    assert ("bp_systolic_high", "high") in raised
    states = [s for (s,) in sql(log, "SELECT json_extract(detail, '$.state') FROM events WHERE kind = 'device_state'")]
    assert states[:2] == ["connecting", "connected"]
    assert log.verify().ok


def test_unplugged_monitor_raises_device_lost_and_clears_it_when_it_returns(tmp_path):
    log, engine, _ = run_scenario(tmp_path, "disconnect")
    states = [s for (s,) in sql(log, "SELECT json_extract(detail, '$.state') FROM events WHERE kind = 'device_state'")]
    assert "disconnected" in states
    assert "connected" in states[states.index("disconnected"):]   # it came back
    lost = sql(log, "SELECT transition FROM alarm_events WHERE condition = 'device_lost' ORDER BY id")
    assert lost[:2] == [("raised",), ("cleared",)]


@pytest.mark.parametrize("fmt", ["masimo", "ansar-b"])
def test_other_formats_reach_the_log(tmp_path, fmt):
    # An oximeter alone sends no RR: its respiratory depression is the desaturation.
    scenario = "desaturation" if fmt == "masimo" else "respiratory-depression"
    log, engine, delivered = run_scenario(tmp_path, scenario, fmt)
    assert sql(log, "SELECT count(*) FROM observations")[0][0] > 0
    assert sql(log, "SELECT min(value) FROM observations WHERE metric = 'spo2'")[0][0] <= 90
    assert ("spo2_low", "high") in sql(log, "SELECT condition, priority FROM alarm_events WHERE transition IN ('raised','escalated')")
