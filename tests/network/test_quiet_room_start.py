"""Quiet room at a start: the central stations' presence is known once the broker has relayed
what it holds (a central's retained presence, this chair's own status back), or after
UNCONFIRMED_LOW_S. Until then the bedside is at full volume and no network alarm is raised for
the central: the app pumps the link before the bus has even connected (console/ui/app.py
`_start_network`), and every resume had raised a MEDIUM "No central station online" in the
patient's record, sounding, and cleared it a moment later. A central truly absent is still
said, as soon as it is known. A central station's 10 s to confirm an alarm message run from
when the message is handed to the broker: a backlog's, dated from its commit, read "not
confirming" at once after a restart.

Real Mosquitto (the project's fixtures); the central is a plain bus client that says it is
online (retained), and confirms nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.link import UNCONFIRMED_LOW_S, NetworkLink
from console.session.engine import NETWORK_UNCONFIRMED, SessionEngine
from console.store import EventLog
from tests.mosquitto import Broker, free_port, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import (STATION, Chair, bus_config, chairs, resumed,  # noqa: F401
                                     status_now)
from tests.session.helpers import START


def central_online(bus_client: MakeClient, broker: Broker) -> None:
    central = bus_client(broker.url, "central-test")
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)


def network_raised(log: EventLog, session_id: int) -> list[tuple[str, str]]:
    return [(t.priority, t.message) for _, t in log.alarm_events(session_id)
            if t.condition == NETWORK_UNCONFIRMED and t.transition == "raised"]


def apply(link: NetworkLink, engine: SessionEngine, clock: ManualClock) -> bool:
    """The app's pump: a judged report is the network alarm; whether soft tones are allowed."""
    report = link.pump()
    if report.judged:
        engine.network_status(report.problem, clock.now(), report.state)
    return report.quiet_allowed


def test_a_resume_with_a_central_online_raises_no_network_alarm(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient,
        tmp_path: Path) -> None:
    clock = ManualClock(START)
    config = bus_config(broker.url, quiet_room=True)
    central_online(bus_client, broker)
    chair = chairs(config, clock)
    wait_until(lambda: chair.link.pump().quiet_allowed, "quiet allowed with a central online")
    chair.pump()
    session_id = chair.engine.session_id
    chair.close()   # a restart, nothing wrong with the network

    clock.advance(5)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(config, log, clock, station=STATION)
    try:
        link.start()
        engine = resumed(log, session_id, clock)
        link.session_opened(session_id, "P-001", False)
        # The app's first pump, the bus not connected yet: full volume, nothing raised.
        assert apply(link, engine, clock) is False
        assert network_raised(log, session_id) == []
        wait_until(lambda: apply(link, engine, clock), "soft tones once the central is heard")
        assert network_raised(log, session_id) == []
    finally:
        link.stop(timeout=1.0)
        log.close()


@pytest.mark.parametrize("relayed", [True, False], ids=["own status back", "nothing relayed"])
def test_no_central_online_is_said_once_the_broker_has_relayed_what_it_holds_or_after_10_s(
        chairs: Callable[..., Chair], broker: Broker, relayed: bool) -> None:
    clock = ManualClock(START)
    chair = chairs(bus_config(broker.url, quiet_room=True), clock)
    wait_until(lambda: chair.link.bus is not None
               and chair.link.bus.status().state.name == "CONNECTED", "connected")
    report = chair.link.pump()
    assert (report.problem, report.quiet_allowed) == (None, False)
    assert report.line.endswith("quiet room: full volume")
    if relayed:   # the app publishes the chair's status: back, it says nothing more is held
        chair.link.publish_status(status_now(chair, "P-001"))
        wait_until(lambda: (chair.link.pump(), chair.link.twins.caught_up())[1], "caught up")
    else:
        chair.pump()
        assert chair.network_alarm() is None
        clock.advance(UNCONFIRMED_LOW_S)
    chair.pump()
    assert chair.network_alarm() == (
        "medium", "No central station online: bedside alarms at full volume")


def test_an_alarm_message_sent_after_a_restart_gives_the_central_10_s_from_then(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient,
        tmp_path: Path) -> None:
    # The chair could not reach the broker: its alarm message waits in the log, unsent.
    clock = ManualClock(START)
    away = chairs(bus_config(f"mqtt://127.0.0.1:{free_port()}", quiet_room=True), clock)
    away.reading("bp_systolic", 205)
    session_id = away.engine.session_id
    away.close()

    clock.advance(120)   # restarted two minutes later, the broker and a central there
    central_online(bus_client, broker)
    config = bus_config(broker.url, quiet_room=True)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(config, log, clock, station=STATION)
    try:
        link.start()
        engine = resumed(log, session_id, clock)
        link.session_opened(session_id, "P-001", False)
        wait_until(lambda: (apply(link, engine, clock), not log.undelivered("bus")
                            and any(link._centrals.values()))[1],
                   "the backlog delivered and the central heard online")
        apply(link, engine, clock)
        assert network_raised(log, session_id) == []   # its 10 s have not run yet
        clock.advance(11)   # and this central confirms nothing
        report = link.pump()
        engine.network_status(report.problem, clock.now(), report.state)
        assert network_raised(log, session_id) == [
            ("medium", "Central station not confirming alarms: bedside alarms at full volume")]
        assert report.problem is not None
        assert report.problem.detail.startswith("an alarm sent 11 s ago is not confirmed")
    finally:
        link.stop(timeout=1.0)
        log.close()
