"""Quiet room, the central station started after the chair (its first start of the day, or after
its broker session expired). The chair's "No central station online" is itself an alarm message,
published when no central had a session on the broker to receive it: nobody could ever confirm
it, and once the central was online, confirming every message it got, the chair still counted
that one: "Central station not confirming alarms", MEDIUM, full volume, for good.

Real Mosquitto (the project's fixtures); the central is a plain bus client that says it is
online (retained) and confirms every alarm message it receives."""

from __future__ import annotations

from collections.abc import Callable

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.link import UNCONFIRMED_LOW_S
from console.network.mllp_sender import control_id_of
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import Chair, bus_config, chairs  # noqa: F401
from tests.session.helpers import START


def quiet_chair_alone(chairs: Callable[..., Chair], broker: Broker) -> tuple[Chair, ManualClock]:
    """A quiet-room chair connected to `broker` with no central online: its "No central station
    online" alarm raised and that alarm's own message delivered to the broker."""
    clock = ManualClock(START)
    chair = chairs(bus_config(broker.url, quiet_room=True), clock)
    wait_until(lambda: chair.link.bus is not None
               and chair.link.bus.status().state.name == "CONNECTED", "connected")
    chair.pump()
    clock.advance(UNCONFIRMED_LOW_S)   # the broker relayed no central: none online
    chair.pump()
    assert chair.network_alarm() == (
        "medium", "No central station online: bedside alarms at full volume")
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus"))[1],
               "the network alarm's own message delivered to the broker")
    return chair, clock


def test_a_central_started_after_the_chair_ends_the_no_central_alarm_once_it_confirms(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    chair, clock = quiet_chair_alone(chairs, broker)

    clock.advance(60)   # the central station starts, and confirms every alarm message it gets
    central = None
    confirmed_ids: list[str] = []

    def confirm(_topic: str, payload: bytes) -> None:
        assert central is not None
        control_id = control_id_of(payload.decode("utf-8"))
        central.publish(topics.chair_topic("chair-3", "confirm"), topics.encode(
            {"control_id": control_id, "station": "central-1", "at": "x"}))
        confirmed_ids.append(control_id)

    central = bus_client(broker.url, "central-test",
                         subscribe=[topics.chair_topic("chair-3", "pcd04")], on_message=confirm)
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)

    def confirmed() -> bool:
        chair.pump()
        return chair.network_alarm() is None and chair.link.pump().quiet_allowed

    wait_until(confirmed, "the network alarm ended, soft tones, the central confirming")
    (ended,) = chair.log.conn.execute(
        "SELECT control_id FROM outbox WHERE kind = 'pcd04' ORDER BY id DESC LIMIT 1").fetchone()

    def settled() -> bool:
        chair.pump()
        return (ended in confirmed_ids and not chair.log.undelivered("bus")
                and not chair.link._central_pending)

    wait_until(settled, "the network alarm's end delivered, and confirmed by the central")
    clock.advance(15)   # and it stays so: nothing left unconfirmed
    chair.pump()
    assert chair.network_alarm() is None
    assert chair.link.pump().quiet_allowed
