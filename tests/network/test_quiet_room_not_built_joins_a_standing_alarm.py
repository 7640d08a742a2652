"""Quiet room: a message not built, and the central station's wait, each joining a network alarm
that already stood at medium for the other. Their words join the same alarm at the same
priority, which writes no alarm row, only a `network_status` event: a restart that read the
alarm's last row forgot the part that had joined.

- "No central station online" first, then a high alarm's message not built: after the restart
  the central came online, confirmed the last message sent again, and soft tones came back for
  a high alarm no central had ever been sent (live the same central keeps full volume).
- The message not built first, then "central station not confirming alarms": after the restart
  the alarm read only "could not be built" for 10 s, as if the hung central had confirmed.

Real Mosquitto (the project's fixtures); the central is a plain bus client that says it is
online (retained) and confirms the alarm messages it receives while the test lets it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.link import NetworkLink
from console.network.mllp_sender import control_id_of
from console.network.mqtt_bus import BusClient
from console.session.engine import NETWORK_UNCONFIRMED, SessionEngine
from console.store import EventLog
from protocols.model import Priority
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import STATION, Chair, bus_config, chairs, resumed  # noqa: F401
from tests.network.test_quiet_room_alarm_message_not_built import (
    NOT_BUILT,
    confirming_central,
    high_alarm_not_built,
    soft,
)
from tests.network.test_quiet_room_central_later import quiet_chair_alone
from tests.session.helpers import START

NOT_CONFIRMING = "central station not confirming alarms: bedside alarms at full volume"
BOTH = f"{NOT_BUILT[1]}; {NOT_CONFIRMING}"


def high_alarm_not_built_beside(chair: Chair, clock: ManualClock) -> None:
    """The composer fails once: the high BP alarm's message is not built (the network alarm
    already standing); then an observation's message is built and delivered."""
    composer = chair.link.composer
    real = composer.compose
    calls = {"n": 0}

    def once_broken(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("composer bug")
        return real(*args, **kwargs)

    composer.compose = once_broken  # type: ignore[method-assign]
    chair.reading("bp_systolic", 205)
    assert Priority.HIGH in [o.priority for o in chair.engine.alarms()]
    clock.advance(1)
    chair.reading("heart_rate", 72)   # its PCD-01 is built fine
    clock.advance(1)
    wait_until(lambda: (chair.pump(), not chair.log.undelivered("bus"))[1], "delivered")
    assert chair.log.conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'pcd04' AND message LIKE '%205%'"
    ).fetchone() == (0,)   # the high alarm never went to the central


def restarted(chair: Chair, clock: ManualClock,
              tmp_path: Path) -> tuple[EventLog, NetworkLink, SessionEngine]:
    """The console restarted 5 s after it stopped, as the app does: the network first, then the
    resume."""
    session_id, config = chair.engine.session_id, chair.link.config
    chair.close()
    clock.advance(5)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(config, log, clock, station=STATION)
    link.start()
    engine = resumed(log, session_id, clock)
    link.session_opened(session_id, "P-001", False)
    return log, link, engine


def shown(link: NetworkLink, engine: SessionEngine,
          clock: ManualClock) -> tuple[bool, str | None, str | None]:
    """The app's pump: soft tones allowed? the network alarm's words and its detail."""
    report = link.pump()
    if report.judged:
        engine.network_status(report.problem, clock.now(), report.state)
    network = next((o for o in engine.alarms() if o.condition == NETWORK_UNCONFIRMED), None)
    return (report.quiet_allowed, network.message if network else None,
            network.detail if network else None)


def test_a_message_not_built_under_no_central_online_keeps_full_volume_after_a_restart(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient,
        tmp_path: Path) -> None:
    chair, clock = quiet_chair_alone(chairs, broker)   # "No central station online" (medium)
    (standing,) = [o.id for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED]
    high_alarm_not_built_beside(chair, clock)   # the high BP alarm's message never built
    chair.pump()
    assert chair.network_alarm() == (
        "medium", f"{NOT_BUILT[1]}; no central station online: bedside alarms at full volume")
    assert [t.transition for _, t in chair.log.alarm_events(chair.engine.session_id)
            if t.occurrence == standing] == ["raised"]   # the words joined: no alarm row

    log, link, engine = restarted(chair, clock, tmp_path)
    try:
        confirming_central(broker, bus_client)   # a central comes online, confirms what it gets
        wait_until(lambda: (shown(link, engine, clock), link._bus_connected()
                            and any(link._centrals.values()) and not link._central_pending
                            and not log.undelivered("bus"))[1],
                   "the central online, the last alarm message sent again and confirmed")
        for _ in range(3):   # the start's grace, then after it: as live
            # Each message the pump makes (the alarm restored, then judged) delivered first.
            wait_until(lambda: (shown(link, engine, clock), link.bus is not None
                                and link.bus.status().oldest_unconfirmed_mono is None
                                and not log.undelivered("bus"))[1], "delivered")
            quiet, words, detail = shown(link, engine, clock)
            assert (quiet, words) == (False, NOT_BUILT[1])
            assert detail is not None
            assert "the central station has confirmed no alarm message built since" in detail
            clock.advance(6)
        # The nurse acknowledges the high alarm: its message goes, the central confirms it.
        (high,) = [o for o in engine.alarms() if o.priority is Priority.HIGH]
        assert engine.acknowledge(high.id, "nurse.ana", clock.now()).done
        wait_until(lambda: shown(link, engine, clock)[:2] == (True, None),
                   "soft tones once the central confirmed an alarm message built since")
    finally:
        link.stop(timeout=1.0)
        log.close()


def test_a_central_not_confirming_after_a_message_not_built_stands_through_a_restart(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient,
        tmp_path: Path) -> None:
    clock = ManualClock(START)
    answering = threading.Event()
    answering.set()
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
    chair = chairs(bus_config(broker.url, quiet_room=True), clock)
    wait_until(lambda: soft(chair), "soft tones, the central confirming")
    high_alarm_not_built(chair, clock)   # the not-built alarm raised (medium), confirmed
    wait_until(lambda: (chair.pump(), not chair.link._central_pending)[1],
               "the network alarm's own message confirmed by the central")
    assert chair.network_alarm() == NOT_BUILT
    (standing,) = [o.id for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED]

    answering.clear()   # the central hangs
    (high,) = [o for o in chair.engine.alarms() if o.priority is Priority.HIGH]
    assert chair.engine.acknowledge(high.id, "nurse.ana", clock.now()).done   # its message goes
    wait_until(lambda: (chair.pump(), not chair.log.undelivered("bus"))[1],
               "the acknowledgement's message delivered to the broker")
    clock.advance(11)
    chair.pump()
    assert chair.network_alarm() == ("medium", BOTH)
    assert [t.transition for _, t in chair.log.alarm_events(chair.engine.session_id)
            if t.occurrence == standing] == ["raised"]   # the words joined: no alarm row

    log, link, engine = restarted(chair, clock, tmp_path)
    try:
        wait_until(lambda: (shown(link, engine, clock), link._bus_connected()
                            and any(link._centrals.values())
                            and not log.undelivered("bus"))[1],
                   "connected, the central heard online")
        # 16 s since the alarm message the central has not confirmed: it still says so, at once,
        # owed from 10 s before the central's part joined the alarm (at the latest), not from
        # the alarm's raising 2 s before that message (28 s) nor from the restart (0 s).
        quiet, words, detail = shown(link, engine, clock)
        assert (quiet, words) == (False, BOTH)
        assert detail is not None and "an alarm sent 15 s ago is not confirmed" in detail
        clock.advance(6)
        assert shown(link, engine, clock)[:2] == (False, BOTH)
        assert [t.transition for _, t in log.alarm_events(engine.session_id)
                if t.occurrence == standing] == ["raised"]
    finally:
        link.stop(timeout=1.0)
        log.close()
