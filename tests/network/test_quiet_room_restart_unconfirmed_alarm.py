"""Quiet room through a restart that comes less than 10 s after an alarm message the central
station has not confirmed (the console killed, the power, "Restart and resume"). No network
alarm stood at the stop, so the restart owed the central nothing: the restored high alarm
played soft tones for good, the central never having shown it. Live, the same message
unconfirmed at 10 s is full volume and "Central station not confirming alarms"
(test_link.py's quiet-room test). The central's confirmations are not logged: at every resume
the session's last alarm message goes to the central again and is owed from then, so a
central that confirms gives soft tones back within moments and a hung one full volume and the
network alarm 10 s later.

Real Mosquitto (the project's fixtures); the central is a plain bus client that says it is
online (retained) and, after the restart, confirms every alarm message it receives, or none."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.link import NetworkLink
from console.network.mllp_sender import control_id_of
from console.network.mqtt_bus import BusClient
from console.session.engine import NETWORK_UNCONFIRMED
from console.store import EventLog
from protocols.model import Priority
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import STATION, Chair, bus_config, chairs, resumed  # noqa: F401
from tests.session.helpers import START

NOT_CONFIRMING = "Central station not confirming alarms: bedside alarms at full volume"


@pytest.mark.parametrize("central_confirms", [False, True],
                         ids=["central hung", "central confirms"])
def test_an_alarm_unconfirmed_at_a_restart_is_full_volume_10_s_after_it_is_sent_again(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient, tmp_path: Path,
        central_confirms: bool) -> None:
    clock = ManualClock(START)
    config = bus_config(broker.url, quiet_room=True)
    answering = threading.Event()   # the central confirms what it receives (after the restart)
    central: BusClient | None = None

    def on_pcd04(_topic: str, payload: bytes) -> None:   # the central's client thread
        if answering.is_set():
            assert central is not None
            central.publish(topics.chair_topic("chair-3", "confirm"), topics.encode(
                {"control_id": control_id_of(payload.decode("utf-8")), "station": "central-1",
                 "at": "x"}))

    central = bus_client(broker.url, "central-test",
                         subscribe=[topics.chair_topic("chair-3", "pcd04")], on_message=on_pcd04)
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)
    chair = chairs(config, clock)
    wait_until(lambda: chair.link.pump().quiet_allowed, "quiet allowed with a central online")
    # A high alarm; its message reaches the broker, and the central confirms nothing.
    chair.reading("bp_systolic", 205)
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus"))[1],
               "the alarm message delivered to the broker")
    clock.advance(5)
    chair.pump()
    assert chair.network_alarm() is None   # 5 s: the central still has 5 s to confirm
    session_id = chair.engine.session_id
    chair.close()   # the console restarts 5 s after the alarm, the central silent

    clock.advance(2)
    if central_confirms:
        answering.set()
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(config, log, clock, station=STATION)
    try:
        link.start()   # as the app does: the network first, then the resume (app.run)
        engine = resumed(log, session_id, clock)
        link.session_opened(session_id, "P-001", False)
        assert any(o.priority is Priority.HIGH for o in engine.alarms())   # restored, sounding

        def pump() -> tuple[bool, str | None]:   # the app's pump: soft tones? the network alarm
            report = link.pump()
            if report.judged:
                engine.network_status(report.problem, clock.now(), report.state)
            network = next((o.message for o in engine.alarms()
                            if o.condition == NETWORK_UNCONFIRMED), None)
            return report.quiet_allowed, network

        wait_until(lambda: link.pump() is not None and link._bus_connected()
                   and any(link._centrals.values()), "connected, the central heard online")
        bus = link.bus
        assert bus is not None
        wait_until(lambda: (link.pump(), not log.undelivered("bus")
                            and bus.status().unconfirmed == 0)[1],
                   "what the restart sent confirmed by the broker")
        if central_confirms:
            # The alarm message again: confirmed at once, soft tones, nothing raised.
            wait_until(lambda: pump() == (True, None) and not link._central_pending,
                       "soft tones once the central confirmed the alarm message again")
            clock.advance(11)
            assert pump() == (True, None)
        else:
            clock.advance(11)   # 18 s since the alarm message, 11 s since it went again
            assert pump() == (False, NOT_CONFIRMING)
    finally:
        link.stop(timeout=1.0)
        log.close()
