"""An outage's stale retained snapshots. The chair's status (every 2 s) and trend (every 30 s, the
whole session so far, up to ~120 kB) are retained snapshots: each replaces the one before on the
broker. While the broker was away the bus kept every one of them (in the console and again in its
network process) and, once the broker was back, sent them all, in among the backlog's PCD-01 and
PCD-04 messages: after a 10-minute outage the central station took in 300 stale statuses and 20
stale trend snapshots of one chair (P11's 20 chairs and 30 minutes: ~150 MB), none saying more
than the newest (a review).

Now a retained message replaces the one to its topic still waiting (not yet handed to paho);
the PCD messages keep their order, every one. Real Mosquitto, killed and restarted with what it
had saved; the chair's clock is a ManualClock."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from console.clock import ManualClock, parse_iso
from console.network import bus_topics as topics
from console.network.chair_status import TrendPoints, build_status, build_trend
from console.network.mllp_sender import control_id_of
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import Chair, bus_config, chairs  # noqa: F401


class Central:
    """What a central station hears of chair-3: the PCD-01 messages, and the statuses and
    trends the chair built after `since` (those the broker held for this station's session from
    before, and the retained copy a subscription brings at a reconnection, are not counted)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: datetime | None = None
        self.counts: Counter[str] = Counter()
        self.pcd01: list[str] = []

    def __call__(self, topic: str, payload: bytes, retain: bool, held_s: int | None) -> None:
        kind = topic.rsplit("/", 1)[-1]
        with self.lock:
            if kind == "pcd01":
                self.pcd01.append(control_id_of(payload.decode()))
            elif kind in ("status", "trend") and not retain and self.since is not None:
                built = topics.decode(payload)
                if built is not None and parse_iso(str(built["sent_at"])) > self.since:
                    self.counts[kind] += 1


def test_after_an_outage_the_central_gets_the_newest_status_and_trend_not_every_stale_one(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    central = Central()
    bus_client(broker.url, "central-test", subscribe=[topics.all_chairs_filter()],
               on_message_aged=central, persistent_session=True)
    clock = ManualClock()
    chair = chairs(bus_config(broker.url), clock)
    assert chair.link.bus is not None
    bus = chair.link.bus
    trend = TrendPoints(chair.engine.session_id, chair.engine.started.wall)

    def second(n: int) -> None:
        """One second of the session: three readings; the window's bridge publishes the status
        every 2 s and the trend every 30 s."""
        clock.advance(1)
        for name, value in (("heart_rate", 72 + n % 5), ("spo2", 97), ("resp_rate", 14)):
            chair.reading(name, value)
        now = clock.now()
        if n % 2 == 0:
            chair.link.publish_status(build_status(
                chair.engine, now, chair="chair-3", room="Room 3", patient_shown="id",
                audio="full", network="ok", seq=chair.link.status_seq))
        if n % 30 == 0:
            rows = chair.log.observations(chair.engine.session_id, after_id=trend.last_id)
            chair.link.publish_trend(build_trend("chair-3", chair.engine.session_id, now.wall,
                                                 trend.add(rows)))
        chair.link.pump()

    wait_until(lambda: bus.status().state.name == "CONNECTED", "connected")
    for n in range(1, 121):   # two minutes of the session, all delivered
        second(n)
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus")
                        and bus.status().unconfirmed == 0)[1], "all delivered before the outage")
    with central.lock:
        central.since = clock.now().wall
    broker.save()
    broker.kill()
    wait_until(lambda: bus.status().state.name != "CONNECTED", "the loss noticed")
    for n in range(121, 421):   # five minutes without the broker: 150 statuses, 10 trends
        second(n)
    waiting = [cid for cid in chair.outbox_ids()
               if cid in {r.control_id for r in chair.log.undelivered("bus")}]
    assert len(waiting) == 900
    # The console keeps one status and one trend beside the PCD-01 messages, not 160 snapshots.
    assert bus.status().unconfirmed == 900 + 2
    broker.restart()
    wait_until(lambda: (chair.link.pump(), not chair.log.undelivered("bus")
                        and bus.status().unconfirmed == 0)[1], "the backlog delivered",
               timeout=60)

    def heard() -> list[str]:
        with central.lock:
            return [cid for cid in dict.fromkeys(central.pcd01) if cid in set(waiting)]

    wait_until(lambda: len(heard()) == len(waiting), "the backlog at the central")
    assert heard() == waiting   # every PCD-01, in order
    with central.lock:
        counts = dict(central.counts)
    assert (counts.get("status"), counts.get("trend")) == (1, 1), counts
