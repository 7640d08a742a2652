"""Quiet room, a central station that comes online and confirms nothing (README's "connected and
blind" central, whose subscription to the chairs the broker refused; one whose log cannot commit
and holds its confirmations). README: a central started after the chair is sent the chair's last
alarm message, "and the alarm ends once it confirms that one"; soft tones only "with a central
station that confirms every alarm phase it shows". Its presence alone had ended "No central
station online" and brought soft tones, nothing confirmed, until "not confirming" 10 s later
(a review): the record said the network had recovered, the bedside played soft.

Real Mosquitto (the project's fixtures); the central is a plain bus client that says it is online
(retained) and confirms nothing; the chair's clock is a ManualClock."""

from __future__ import annotations

from collections.abc import Callable

from console.network import bus_topics as topics
from console.network.link import CENTRAL_CONFIRM_S
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import Chair, chairs  # noqa: F401
from tests.network.test_quiet_room_central_later import quiet_chair_alone

FULL = "quiet room: full volume"


def test_a_central_come_online_keeps_the_alarm_and_full_volume_until_it_confirms(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    chair, clock = quiet_chair_alone(chairs, broker)
    assert chair.link.bus is not None
    bus = chair.link.bus

    # A minute on, a central starts: it says it is online (retained), and confirms nothing.
    clock.advance(60)
    central = bus_client(broker.url, "central-test")
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)

    def presence_heard() -> bool:
        chair.pump()
        return any(chair.link._centrals.values())

    wait_until(presence_heard, "the central's presence at the chair")
    # Its presence is no confirmation: the alarm stands, at medium, and the bedside stays loud.
    report = chair.link.pump()
    chair.pump()
    assert chair.network_alarm() == (
        "medium", "Central station not confirming alarms yet: bedside alarms at full volume"), (
        f"nothing confirmed yet; status line {report.state!r}")
    assert not report.quiet_allowed
    assert report.state.endswith(FULL)
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus")
                        and bus.status().unconfirmed == 0)[1],
               "the alarm's new words and the message sent again at the broker")

    # 10 s after it came online, still nothing confirmed: "not confirming", as for any alarm.
    clock.advance(CENTRAL_CONFIRM_S)
    report = chair.link.pump()
    chair.pump()
    assert chair.network_alarm() == (
        "medium", "Central station not confirming alarms: bedside alarms at full volume")
    assert not report.quiet_allowed
    assert report.state.endswith(FULL)
