"""Quiet room: a high alarm whose message could not be built (a bug in the composer) never
reaches the central station. The next observation's message, built fine, ended the network
alarm, and the high alarm played 12 dB softer, confirmed by no one (README, Quiet room: soft
only "with a central station that confirms every alarm phase it shows"). It now stays at full
volume, the network alarm standing at medium, until the central confirms a bedside alarm's
message built since; so through a restart too.

Real Mosquitto (the project's fixtures); the central is a plain bus client that is online and
confirms every alarm message it receives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.link import NetworkLink
from console.network.mllp_sender import control_id_of
from console.session.engine import NETWORK_UNCONFIRMED
from console.store import EventLog
from protocols.model import Priority
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import STATION, Chair, bus_config, chairs, resumed  # noqa: F401
from tests.network.test_quiet_room_central_later import quiet_chair_alone

NOT_BUILT = ("medium",
             "A network message could not be built or handed on: bedside alarms at full volume")


def confirming_central(broker: Broker, bus_client: MakeClient) -> None:
    """A central station online that confirms every alarm message of chair-3 it receives."""
    central = None

    def confirm(_topic: str, payload: bytes) -> None:
        assert central is not None
        central.publish(topics.chair_topic("chair-3", "confirm"), topics.encode(
            {"control_id": control_id_of(payload.decode("utf-8")), "station": "central-1",
             "at": "x"}))

    central = bus_client(broker.url, "central-test",
                         subscribe=[topics.chair_topic("chair-3", "pcd04")], on_message=confirm)
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)


def soft(chair: Chair) -> bool:
    chair.pump()
    return (chair.network_alarm() is None and not chair.log.undelivered("bus")
            and not chair.link._central_pending and chair.link.pump().quiet_allowed)


def high_alarm_not_built(chair: Chair, clock: ManualClock) -> None:
    """The composer fails once: the high BP alarm's message is not built; then an observation's
    message is built and delivered."""
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
    assert [o.priority for o in chair.engine.alarms()] == [Priority.HIGH]
    clock.advance(1)
    chair.reading("heart_rate", 72)   # its PCD-01 is built fine
    clock.advance(1)
    wait_until(lambda: (chair.pump(), not chair.log.undelivered("bus"))[1],
               "the observation's message and the network alarm's own delivered")
    assert chair.log.conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'pcd04' AND message LIKE '%205%'"
    ).fetchone() == (0,)   # the high alarm never went to the central


def test_a_high_alarm_never_sent_to_the_central_plays_at_full_volume_until_one_is_confirmed(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    chair, clock = quiet_chair_alone(chairs, broker)
    confirming_central(broker, bus_client)
    wait_until(lambda: soft(chair), "soft tones, the central confirming")

    high_alarm_not_built(chair, clock)
    for _ in range(3):   # the central confirms the network alarm's own message: not enough
        clock.advance(5)
        chair.pump()
        assert chair.network_alarm() == NOT_BUILT
        assert not chair.link.pump().quiet_allowed
    (high,) = [o for o in chair.engine.alarms() if o.priority is Priority.HIGH]
    detail = next(o.detail for o in chair.engine.alarms() if o.condition == NETWORK_UNCONFIRMED)
    assert "composer bug" in detail
    assert "the central station has confirmed no alarm message built since" in detail

    # The nurse acknowledges the high alarm: its message goes, the central confirms it.
    assert chair.engine.acknowledge(high.id, "nurse.ana", clock.now()).done
    wait_until(lambda: soft(chair), "soft tones again, the central confirming the alarm")


def test_the_alarm_for_a_message_not_built_stands_through_a_restart(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient,
        tmp_path: Path) -> None:
    chair, clock = quiet_chair_alone(chairs, broker)
    confirming_central(broker, bus_client)
    wait_until(lambda: soft(chair), "soft tones, the central confirming")
    high_alarm_not_built(chair, clock)
    wait_until(lambda: (chair.pump(), not chair.log.undelivered("bus"))[1],
               "every message delivered to the broker")
    assert chair.network_alarm() == NOT_BUILT
    session_id = chair.engine.session_id
    config = chair.link.config
    chair.close()   # the console restarts

    clock.advance(5)
    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    link = NetworkLink(config, log, clock, station=STATION)
    try:
        link.start()
        engine = resumed(log, session_id, clock)
        link.session_opened(session_id, "P-001", False)

        def pump() -> tuple[bool, str | None]:
            report = link.pump()
            if report.judged:
                engine.network_status(report.problem, clock.now(), report.state)
            network = next((o.message for o in engine.alarms()
                            if o.condition == NETWORK_UNCONFIRMED), None)
            return report.quiet_allowed, network

        # The last alarm message, sent again at the resume, confirmed: still not enough.
        wait_until(lambda: (pump(), link._bus_connected() and not link._central_pending
                            and not log.undelivered("bus"))[1],
                   "connected, the last alarm message confirmed again")
        for _ in range(3):   # the start's grace, then after it
            # Each message the pump makes (the alarm restored, then judged) delivered first.
            wait_until(lambda: (pump(), link.bus is not None
                                and link.bus.status().oldest_unconfirmed_mono is None
                                and not log.undelivered("bus"))[1], "delivered")
            assert pump() == (False, NOT_BUILT[1])
            clock.advance(6)
        (high,) = [o for o in engine.alarms() if o.priority is Priority.HIGH]
        assert engine.acknowledge(high.id, "nurse.ana", clock.now()).done
        wait_until(lambda: pump() == (True, None), "soft tones once the central confirmed it")
    finally:
        link.stop(timeout=1.0)
        log.close()
