"""A network alarm standing at a restart stands after it when the chair's wall clock is behind its
log (NTP stepped it back, a PC whose hardware clock boots behind). The link read the log's last
delivery, "in the future", as a confirmation heard at the start: the start's grace ended at
once, the bus's wait was 0 s, and the restored MEDIUM "Clinic bus not confirming delivery" was
cleared in the record with the broker still down and nothing delivered; LOW 10 s later, MEDIUM
only a minute after that. A restart restores every alarm as it was: the grace ends on a
confirmation heard in this run only, and the log's times are measured back from its newest
time when the clock is behind it (as the engine's resume does).

Real Mosquitto (the project's fixtures), killed for the outage; the clocks are ManualClocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network.link import NetworkLink
from console.session.engine import NETWORK_UNCONFIRMED
from console.store import EventLog
from tests.mosquitto import Broker, wait_until
from tests.network.test_link import (STATION, Chair, bus_config, chairs,  # noqa: F401
                                     pump_resumed, resumed)
from tests.session.helpers import START

MEDIUM = ("medium", "Clinic bus not confirming delivery")


@pytest.mark.parametrize("behind_min", [0, 5], ids=["clock right", "clock 5 min behind"])
def test_a_bus_alarm_standing_at_a_restart_with_the_clock_behind_the_log_stands_at_medium(
        chairs: Callable[..., Chair], broker: Broker, tmp_path: Path, behind_min: int) -> None:
    clock = ManualClock(START)
    config = bus_config(broker.url)
    chair = chairs(config, clock)
    chair.reading("heart_rate", 72)
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus"))[1],
               "the first message delivered")
    clock.advance(120)
    broker.kill()   # the broker goes down: nothing is confirmed from now on
    wait_until(lambda: chair.link.bus is not None
               and chair.link.bus.status().state.name != "CONNECTED", "the loss noticed")
    chair.reading("heart_rate", 73)
    clock.advance(61)
    chair.pump()
    assert chair.network_alarm() == MEDIUM   # a minute unconfirmed
    (standing,) = [o.id for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED]
    session_id = chair.engine.session_id
    chair.close()

    # The PC restarts 5 s later; its wall clock reads `behind_min` minutes behind.
    later = ManualClock(clock.now().wall - timedelta(minutes=behind_min) + timedelta(seconds=5),
                        mono=50_000.0)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(config, log, later, station=STATION)
    try:
        engine = resumed(log, session_id, later)
        link.start()
        # The start's grace (first pump, 5 s on), then after it (11 s on): MEDIUM throughout.
        seen = [pump_resumed(link, engine, later)]
        for step in (5, 6):
            later.advance(step)
            seen.append(pump_resumed(link, engine, later))
        transitions = [t.transition for _, t in log.alarm_events(session_id)
                       if t.occurrence == standing]
        assert (seen, transitions) == ([MEDIUM, MEDIUM, MEDIUM], ["raised"])
    finally:
        link.stop(timeout=1.0)
        log.close()
