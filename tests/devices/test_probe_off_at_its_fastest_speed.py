"""`probe-off` at the fastest --speed it allows (`expect.max_speed`) brings its expected alarm
whatever the phase of the console's half-second tick: played through the console's own decoder
and engine, the probe off long enough on the console's clock. At --speed 3 the 90 s off were
30.3 s to the console, and the alarm came only when a tick fell in the 0.3 s before the probe's
next value: one run in three raised nothing (a QA review)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.clock import Moment
from console.session import feed
from console.session.engine import Patient, SessionEngine
from console.store import EventLog
from devices.formats import FORMATS
from devices.simulator.scenario import compile_timeline, load_builtin
from devices.transport import ConnectionState, DeviceEvent, EventKind
from protocols.loader import builtin_protocols_dir, load_protocol

TICK_S = 0.5   # console/ui/controller.py TICK_MS
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PORT = "/dev/pts/sim"


def spo2_low_rows(tmp_path: Path, tick_phase: float) -> list[tuple[str, str, str]]:
    """The spo2_low alarm rows of 8 minutes of probe-off at its fastest speed, ticked at
    `tick_phase` past each half second."""
    scenario = load_builtin("probe-off")
    speed = scenario.expect.max_speed
    assert speed is not None
    log = EventLog.open(tmp_path / f"log-{tick_phase}.sqlite3", "test")

    def at(real: float) -> Moment:
        return Moment(1000.0 + real, START + timedelta(seconds=real))

    now = at(0.0)
    engine = SessionEngine.open(load_protocol(builtin_protocols_dir() / "iv-ketamine.toml"), log,
                                Patient("MRN-1", 70), "qa", now)
    for state, previous in ((ConnectionState.CONNECTING, None),
                            (ConnectionState.CONNECTED, ConnectionState.CONNECTING)):
        feed.apply(engine, DeviceEvent(EventKind.STATE, PORT, now.wall, now.mono, state=state,
                                       previous=previous), now)
    engine.advance_phase("qa", now, override_reason="QA run")
    decoder = FORMATS["hl7"].new_decoder()
    timeline = compile_timeline(scenario, "hl7", start=START, duration_minutes=8)
    next_tick = tick_phase
    for entry in timeline.entries:
        real = entry.t / speed + 0.005   # a few ms on the wire and in the reader
        while next_tick < real:
            engine.tick(at(next_tick))
            next_tick += TICK_S
        moment = at(real)
        result = decoder.feed(entry.action.data, moment.wall)
        feed.apply(engine, DeviceEvent(EventKind.DATA, PORT, moment.wall, moment.mono,
                                       readings=tuple(result.readings),
                                       dropped=tuple(result.dropped), frames=result.frames),
                   moment)
    log.close()
    with sqlite3.connect(tmp_path / f"log-{tick_phase}.sqlite3") as conn:
        return conn.execute("SELECT condition, transition, priority FROM alarm_events "
                            "WHERE condition = 'spo2_low' ORDER BY id").fetchall()


@pytest.mark.parametrize("tick_phase", [0.0, 0.1, 0.2, 0.3, 0.4])
def test_probe_off_brings_no_spo2_at_its_fastest_speed_at_any_tick_phase(
        tmp_path: Path, tick_phase: float) -> None:
    assert ("spo2_low", "raised", "medium") in spo2_low_rows(tmp_path, tick_phase)
