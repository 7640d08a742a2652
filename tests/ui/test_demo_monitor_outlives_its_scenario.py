"""The demo's simulated monitor sends for as long as the demo session runs (a QA review).

`./run.sh` plays its scenario (`normal`: 45 min) into a demo session that runs longer: the
iv-ketamine protocol's 40-min infusion and at least 30 min of observation, which a nurse may
hold longer (esketamine observes for 120 min). The monitor fell silent at the scenario's end,
its port open, and a demo whose scenario expects no alarm sounded "No data from the device"
(low, medium 10 s later) for the rest of its session.

The demo's own device (`app._start_demo_device`) on a real pty, read by the console's transport
into its engine and SQLite log; only its speed (x20000) and the start of its clock are set here,
as the simulator's tests set them, and the console's clock is the monitor's. Nothing sleeps for
time.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import devices.simulator
from console.session import feed
from console.session.engine import SessionEngine
from console.store import EventLog
from console.ui import app
from devices.simulator import SimulatorHandle, player
from devices.transport import ConnectionState, DeviceConnection, DeviceEvent, EventKind
from protocols.loader import builtin_protocols_dir, load_protocol
from protocols.model import Protocol
from tests.devices.test_simulator_probe_off import FAST, T0, at, by_frame, sql


def demo_protocol() -> Protocol:
    return load_protocol(builtin_protocols_dir() / f"{app.DEMO_PROTOCOL}.toml")


def planned_minutes(protocol: Protocol) -> float:
    """The least a session of `protocol` runs: its timed phases and its minimum observation."""
    return sum((p.duration_minutes or 0) + (p.min_minutes or 0) for p in protocol.phases)


@pytest.fixture
def demo_device(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorHandle]:
    """The demo's device as `./run.sh` starts it, at x20000 with its clock starting at T0."""
    def at_test_speed(scenario: str, fmt: str, speed: float, **options: object
                      ) -> SimulatorHandle:
        assert speed == 1.0   # the demo's monitor keeps the console's time
        return player.start_in_thread(scenario, fmt, FAST, **{**options, "start": T0})

    monkeypatch.setattr(devices.simulator, "start_in_thread", at_test_speed)
    cleanups: list[Callable[[], None]] = []
    handle = app._start_demo_device(app.DEMO_SCENARIO, cleanups)
    yield handle
    for cleanup in cleanups:
        cleanup()
    assert handle.stop(), "the demo's device was left playing"
    assert handle.error is None


def opened(handle: SimulatorHandle
           ) -> tuple[DeviceConnection, queue.Queue[DeviceEvent], DeviceEvent]:
    """The console's transport on the demo's port, opened before it plays (as the demo opens
    it: `on_connecting=demo.go`), with its first event (CONNECTING)."""
    events: queue.Queue[DeviceEvent] = queue.Queue()
    conn = DeviceConnection(handle.port_path, "hl7", events.put)
    conn.start()
    first = events.get(timeout=10)
    assert first.state is ConnectionState.CONNECTING
    return conn, events, first


def test_the_demo_monitor_still_sends_when_its_session_is_held_past_its_plan(
        demo_device: SimulatorHandle) -> None:
    planned = planned_minutes(demo_protocol())
    assert planned == 70   # iv-ketamine: 40 min of infusion, at least 30 of observation
    held = planned + 60    # the nurse keeps the patient an hour longer
    conn, events, _ = opened(demo_device)
    try:
        demo_device.go()
        last = 0   # the monitor's second of its latest frame
        while last < held * 60:
            event = events.get(timeout=15)
            event.settle(True)
            if event.kind is EventKind.STATE:
                assert event.state is ConnectionState.CONNECTED, (
                    f"the demo's monitor fell silent ({event.state}) after minute {last / 60:g} "
                    f"of a demo session planned for {planned:g} min")
                continue
            last = max([last, *(sent for sent, _ in by_frame(event.readings))])
    finally:
        conn.stop()


def test_a_demo_session_is_not_alarmed_no_data_after_its_scenario_ends(
        demo_device: SimulatorHandle, tmp_path: Path) -> None:
    # The demo's session as `./run.sh` opens it, moved to the infusion at once; the monitor's
    # scenario (`normal`) expects no alarm, and ends at minute 45. Minute 50: the infusion has
    # ended (at 40), the observation runs to 70 at least.
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    until_s = 50 * 60
    conn, events, first = opened(demo_device)
    engine = SessionEngine.open(demo_protocol(), log, app.DEMO_PATIENT, "demo nurse", at(0),
                                demo=True)
    feed.apply(engine, first, at(0))
    engine.advance_phase("demo nurse", at(0), override_reason="demo")
    second = 0

    def tick_to(target: int) -> None:
        nonlocal second
        while second < target:
            second += 1
            engine.tick(at(second))

    try:
        demo_device.go()
        while second < until_s:
            event = events.get(timeout=15)
            if event.kind is not EventKind.DATA or not event.readings:
                feed.apply(engine, event, at(second))
                if event.state not in (None, ConnectionState.CONNECTED):
                    break   # the monitor fell silent: the session runs on without it
                continue
            frames = by_frame(event.readings)
            for i, (sent, readings) in enumerate(frames):
                tick_to(sent)
                last = i == len(frames) - 1
                # The read's drops and its answer to the monitor go with its last frame.
                feed.apply(engine, replace(event, readings=readings,
                                           dropped=event.dropped if last else (),
                                           ticket=event.ticket if last else None), at(sent))
        tick_to(until_s)
    finally:
        conn.stop()
    technical = sql(log, "SELECT at, condition, transition, priority, message FROM alarm_events "
                         "WHERE category = 'technical' ORDER BY id")
    log.close()
    assert technical == [], f"the demo of {app.DEMO_SCENARIO} (no alarm) alarmed: {technical}"
