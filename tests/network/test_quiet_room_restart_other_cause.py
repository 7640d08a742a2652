"""Quiet room, a restart with the network alarm standing for an interface-engine refusal (the
central station online and confirming every alarm message all along): nothing is owed to the
central. The recall had marked the session's last PCD-04 as owed since the alarm was raised, so
the first pump after the restart read the central as "not confirming alarms" and raised the LOW
engine alarm to MEDIUM, naming the wrong cause (a review of the change)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.link import NetworkLink
from console.network.mllp_sender import control_id_of
from console.session.engine import NETWORK_UNCONFIRMED
from console.store import EventLog
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient, broker, bus_client, reserved_port  # noqa: F401
from tests.network.mllp_peer import HOST, MllpPeer, always
from tests.network.test_link import STATION, Chair, bus_config, chairs, resumed  # noqa: F401
from tests.session.helpers import START


def test_an_engine_refusal_standing_at_a_restart_is_not_read_as_the_central_not_confirming(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient,
        reserved_port: int, tmp_path: Path) -> None:
    peer = MllpPeer(reserved_port, always("AR", "unknown patient"))
    peer.listen()
    heard: list[str] = []
    lock = threading.Lock()

    def on_pcd04(_topic: str, payload: bytes) -> None:
        with lock:
            heard.append(control_id_of(payload.decode("utf-8")))

    central = bus_client(broker.url, "central-test",
                         subscribe=[topics.chair_topic("chair-3", "pcd04")], on_message=on_pcd04)
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)
    confirmed: set[str] = set()

    def confirm_all() -> None:   # the central confirms every alarm message it received
        with lock:
            new = [c for c in heard if c not in confirmed]
        for cid in new:
            confirmed.add(cid)
            central.publish(topics.chair_topic("chair-3", "confirm"), topics.encode(
                {"control_id": cid, "station": "central-1", "at": "x"}))

    try:
        clock = ManualClock(START)
        config = bus_config(broker.url, quiet_room=True, forward=f"mllp://{HOST}:{reserved_port}")
        chair = chairs(config, clock)
        wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
        chair.reading("heart_rate", 72)   # refused by the engine: the LOW network alarm
        wait_until(lambda: (confirm_all(), chair.pump(),
                            chair.network_alarm() == ("low",
                                                      "Interface engine refused a message"),
                            not chair.link._central_pending)[-1] and
                   chair.network_alarm() == ("low", "Interface engine refused a message"),
                   "the engine's alarm, every alarm message confirmed by the central")
        session_id = chair.engine.session_id
        assert chair.link.mllp is not None
        wait_until(lambda: (chair.pump(), not chair.link.mllp.pending())[1], "all answered")
        chair.close()   # the console restarts: the central confirmed everything

        clock.advance(60)
        log = EventLog.open(tmp_path / "log.sqlite3", "test")
        link = NetworkLink(config, log, clock, station=STATION)
        try:
            link.start()
            engine = resumed(log, session_id, clock)
            link.session_opened(session_id, "P-001", False)
            wait_until(lambda: link.pump() is not None and link._bus_connected()
                       and any(link._centrals.values()), "connected, central heard online")
            report = link.pump()   # the central has not re-confirmed the resend yet
            if report.judged:
                engine.network_status(report.problem, clock.now(), report.state)
            network = next((o.priority.label, o.message) for o in engine.alarms()
                           if o.condition == NETWORK_UNCONFIRMED)
            assert network == ("low", "Interface engine refused a message"), network
        finally:
            link.stop(timeout=1.0)
            log.close()
    finally:
        peer.close()
