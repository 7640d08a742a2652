"""R12, quiet room: a central station's confirmation lost in a network cut (the chair's cable
pulled after the broker's PUBACK of an alarm message, before the confirmation came back). The
chair's session is a clean one, so the broker drops what was in flight to it; the alarm message
itself was PUBACKed, so the bus does not send it again; and nothing else asked the central
again. The chair then said "Central station not confirming alarms: bedside alarms at full
volume" (MEDIUM) for the rest of the run, although the central confirmed that message and went
on confirming every new one. At each reconnection the alarm messages still owed go to the
central again: it drops the duplicate and confirms it again (console/central/board.py).

Real Mosquitto, the R12 suite's cuttable TCP proxy between the chair and the broker; the
central is a plain bus client that says it is online (retained) and confirms every alarm
message it receives."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.mllp_sender import control_id_of
from console.network.mqtt_bus import BusClient
from tests.faults.test_r12_network_faults import CuttableProxy
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient, broker, bus_client  # noqa: F401
from tests.network.test_link import Chair, bus_config, chairs  # noqa: F401
from tests.session.helpers import START

pytestmark = pytest.mark.faults


@pytest.fixture
def proxy(broker: Broker) -> Iterator[CuttableProxy]:  # noqa: F811
    with CuttableProxy(broker.port) as made:
        yield made


@pytest.mark.parametrize("cut", [False, True], ids=["no cut", "cut after the PUBACK"])
def test_r12_a_confirmation_lost_in_a_network_cut_does_not_hold_full_volume_for_good(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient,  # noqa: F811
        proxy: CuttableProxy, cut: bool) -> None:
    clock = ManualClock(START)
    answering = threading.Event()   # the central confirms each alarm message it receives
    central: BusClient | None = None

    def confirm(control_id: str) -> None:
        assert central is not None
        central.publish(topics.chair_topic("chair-3", "confirm"), topics.encode(
            {"control_id": control_id, "station": "central-1", "at": "x"}))

    def on_pcd04(_topic: str, payload: bytes) -> None:   # the central's client thread
        if answering.is_set():
            confirm(control_id_of(payload.decode("utf-8")))

    central = bus_client(broker.url, "central-test",
                         subscribe=[topics.chair_topic("chair-3", "pcd04")], on_message=on_pcd04)
    central.publish(topics.central_status_topic("central-1"), topics.encode({"online": True}),
                    retain=True)
    chair = chairs(bus_config(proxy.url, quiet_room=True), clock)
    wait_until(lambda: chair.link.pump().quiet_allowed, "quiet allowed with a central online")

    chair.reading("bp_systolic", 205)   # a high alarm; its message goes to the broker
    pcd04 = chair.outbox_ids()[-1]
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus"))[1],
               "the alarm message PUBACKed")
    if cut:
        proxy.cut()        # the chair's cable is pulled just after the PUBACK ...
    confirm(pcd04)         # ... and the central's confirmation is lost on the way
    answering.set()
    if cut:
        proxy.restore()    # the cable back: the chair reconnects (a clean session)
        wait_until(lambda: (chair.link.pump(), chair.link._bus_connected()
                            and proxy.accepted_count >= 2)[1], "reconnected")

    chair.reading("bp_systolic", 120)   # the alarm ends; the central confirms this one at once
    ended = chair.outbox_ids()[-1]
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus"))[1], "delivered")
    clock.advance(60)   # a minute on: the central has confirmed everything it was sent
    wait_until(lambda: chair.link.pump() is not None
               and ended not in chair.link._central_pending, "the newer confirmation read")
    report = chair.link.pump()
    assert pcd04 not in chair.link._central_pending, "the confirmed alarm message still owed"
    assert (report.quiet_allowed, report.problem.message if report.problem else None) == (
        True, None)
