"""Quiet room through a restart: a network alarm standing at the stop (the central station had
not confirmed an alarm) stands after it, the bedside at full volume, until the central confirms
again. The central's confirmations are not logged: a restart forgot what it owed, soft tones came
back and the alarm ended at the restart, the central still silent (the audio review).

Real Mosquitto (the project's fixtures); the central is a plain bus client that says it is online
(retained) and confirms, or not, as the test says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.link import NetworkLink
from console.session.engine import NETWORK_UNCONFIRMED
from console.store import EventLog
from protocols.model import Priority
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import STATION, Chair, bus_config, chairs, resumed  # noqa: F401
from tests.session.helpers import START


@pytest.mark.parametrize("central_confirms", [False, True])
def test_a_network_alarm_standing_at_a_restart_keeps_full_volume_until_the_central_confirms(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient, tmp_path: Path,
        central_confirms: bool) -> None:
    clock = ManualClock(START)
    config = bus_config(broker.url, quiet_room=True)
    chair = chairs(config, clock)
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
    central = bus_client(broker.url, "central-test")
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)
    wait_until(lambda: chair.link.pump().quiet_allowed, "quiet allowed with a central online")
    chair.reading("bp_systolic", 205)   # a high alarm: its PCD-04 waits for the central
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus"))[1],
               "the PCD-04 delivered to the broker")
    clock.advance(11)
    chair.pump()
    assert chair.network_alarm() == (
        "medium", "Central station not confirming alarms: bedside alarms at full volume")
    (standing,) = [o.id for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED]
    session_id = chair.engine.session_id
    chair.close()   # the console restarts; the central has not confirmed

    heard: list[str] = []   # the chair's alarm messages reaching a second client of the central
    bus_client(broker.url, "central-listener", subscribe=[topics.chair_topic("chair-3", "pcd04")],
               on_message=lambda _topic, payload: heard.append(payload.decode("utf-8")))

    clock.advance(5)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(config, log, clock, station=STATION)
    try:
        link.start()   # as the app does: the network first, then the resume (app.run)
        engine = resumed(log, session_id, clock)
        link.session_opened(session_id, "P-001", False)
        wait_until(lambda: link.pump() is not None and link._bus_connected()
                   and any(link._centrals.values()), "connected, central heard online")
        assert any(o.priority is Priority.HIGH for o in engine.alarms())   # restored, sounding

        def pump() -> tuple[bool, str | None]:
            report = link.pump()
            if report.judged:
                engine.network_status(report.problem, clock.now(), report.state)
            network = next((o.message for o in engine.alarms()
                            if o.condition == NETWORK_UNCONFIRMED), None)
            return report.quiet_allowed, network

        if not central_confirms:
            for _ in range(3):   # the start's grace, then after it
                quiet, network = pump()
                assert not quiet and network is not None
                assert "entral station not confirming alarms" in network
                clock.advance(6)
            transitions = [t.transition for _, t in log.alarm_events(session_id)
                           if t.occurrence == standing]
            assert transitions == ["raised"]
        else:
            wait_until(lambda: bool(heard), "the alarm message sent to the central again")
            control_id = next(line.split("|")[9] for line in heard[-1].split("\r")
                              if line.startswith("MSH"))
            central.publish(topics.chair_topic("chair-3", "confirm"), topics.encode(
                {"control_id": control_id, "station": "central-1", "at": "x"}))
            wait_until(lambda: pump() == (True, None), "soft tones once the central confirmed")
            transitions = [t.transition for _, t in log.alarm_events(session_id)
                           if t.occurrence == standing]
            assert transitions == ["raised", "cleared"]
    finally:
        link.stop(timeout=1.0)
        log.close()
