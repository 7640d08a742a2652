"""In a quiet room a clinic bus that stops confirming is a MEDIUM
network alarm from its first 10 s (README, Quiet room: "The moment no central station is online,
the bus is down, or ... the bedside returns to full volume and raises the network alarm at medium
priority"; console/network/link.py `_level`: `quiet or waited >= UNCONFIRMED_MEDIUM_S`).

Dropping `quiet or` from `_level` passes every existing test: no test has the bus's own wait as
the only part of a quiet room's network alarm. With it dropped, the broker gone for 11 s in a
quiet room gives a LOW alarm (one burst, never repeated) for the minute the central is blind."""

from __future__ import annotations

from collections.abc import Callable

from console.clock import ManualClock
from console.network import bus_topics as topics
from protocols.model import Priority
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient, broker, bus_client  # noqa: F401  (fixtures)
from tests.network.test_link import Chair, bus_config, chairs  # noqa: F401  (fixture)
from tests.session.helpers import START


def test_quiet_room_bus_lost_for_ten_seconds_is_a_medium_alarm(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:  # noqa: F811
    clock = ManualClock(START)
    chair = chairs(bus_config(broker.url, quiet_room=True), clock)
    wait_until(lambda: chair.link.bus.status().state.name == "CONNECTED", "connected")
    central = bus_client(broker.url, "central-test")
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)
    wait_until(lambda: chair.link.pump().quiet_allowed, "quiet allowed with a central online")
    broker.kill()
    wait_until(lambda: (chair.link.pump(),
                        chair.link.bus.status().state.name != "CONNECTED")[1], "loss noticed")
    chair.reading("heart_rate", 72)   # an observation the bus cannot confirm
    clock.advance(11)
    report = chair.link.pump()
    assert not report.quiet_allowed
    assert report.problem is not None, "no network alarm 11 s into a bus outage"
    assert report.problem.priority is Priority.MEDIUM, (
        f"quiet room, bus lost 11 s: network alarm is {report.problem.priority.label} "
        f"({report.problem.message!r}), README says medium")
