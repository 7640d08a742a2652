"""The last run's Last Will, handed again by a broker that crashed and restored an older save, is
not another console using this chair's settings. A broker restores its retained messages from
its last save (the clinic's mosquitto.conf: `autosave_interval 60`), which can predate this
run: the restarted broker hands the last run's will again at this chair's second connection,
and the chair raised MEDIUM "Chair name chair-3 used by another console too: each station
needs its own settings kit" with no other console anywhere (clinic IT went looking for a copied
kit). Two consoles with one kit still raise it: they take the connection from each other at
every reconnection, the other's will read at each (test_link.py's two-console test).

Real Mosquitto (the project's fixtures), killed and restarted from its save; TwinWatch alone for
the order of what a station reads."""

from __future__ import annotations

from collections.abc import Callable

from console.network import bus_topics as topics
from console.network.twin_watch import TwinWatch
from tests.mosquitto import Broker, wait_until
from tests.network.conftest import MakeClient
from tests.network.test_link import Chair, bus_config, chairs, status_now  # noqa: F401

WILL = {"chair": "chair-3", "online": False, "reason": "connection lost", "instance": "a-last-run"}
OWN = {"chair": "chair-3", "online": True, "sent_at": "2026-03-02T08:02:00.000Z",
       "instance": "this-run"}


def test_the_last_runs_will_restored_by_a_broker_crash_is_not_another_console(
        chairs: Callable[..., Chair], broker: Broker, bus_client: MakeClient) -> None:
    # The last run of this chair was killed: its will is retained, and the broker saved it.
    leftover = bus_client(broker.url, "leftover")
    leftover.publish(topics.chair_topic("chair-3", "status"), topics.encode(WILL), retain=True)
    wait_until(lambda: leftover.status().unconfirmed == 0, "the will stored")
    broker.save()
    leftover.stop(timeout=1.0)

    chair = chairs(bus_config(broker.url))   # this run starts and reads the old will
    wait_until(lambda: chair.link.bus is not None
               and chair.link.bus.status().state.name == "CONNECTED", "connected")
    chair.link.publish_status(status_now(chair, "P-001"))
    wait_until(lambda: (chair.link.pump(), chair.link.twins.caught_up())[1], "own status back")
    assert chair.link.pump().problem is None

    broker.kill()      # the broker crashes before its next autosave ...
    wait_until(lambda: (chair.link.pump(), not chair.link._bus_connected())[1], "loss noticed")
    broker.restart()   # ... and comes back with what it last saved: the last run's will
    wait_until(lambda: (chair.link.pump(), chair.link._bus_connected())[1], "reconnected")
    chair.link.publish_status(status_now(chair, "P-001"))
    wait_until(lambda: (chair.link.pump(), chair.link.twins.caught_up())[1], "own status back")
    problem = chair.link.pump().problem
    assert problem is None, problem.message


def test_a_will_read_before_this_runs_own_is_another_station_only_when_handed_at_every_reconnection(
) -> None:
    watch = TwinWatch("this-run", "chair-3")
    watch.connected()
    watch.read(WILL, 10.0)   # the last run's will, or another station's kicked off just now
    watch.read(OWN, 10.1)
    watch.connected()        # a broker restored from an older save hands the same will again
    watch.read(WILL, 60.0)
    watch.read(OWN, 60.1)
    assert watch.seen(60.2) is None
    watch.connected()        # and again: two stations taking the connection from each other
    watch.read(WILL, 61.0)
    watch.read(OWN, 61.1)
    assert watch.seen(61.2) == ("another station as chair-3: its connection was lost at 3 of "
                                "this one's connections; each takes the connection from the other")
