"""Another station with this one's settings, told from what the broker relays on this station's
own topic, by connection and order alone: no clock compared."""

from __future__ import annotations

from console.network.twin_watch import TwinWatch

LAST_RUN = {"chair": "chair-1", "online": True, "sent_at": "2026-03-02T08:05:00.000Z",
            "instance": "last-run"}
OWN = {"chair": "chair-1", "online": True, "sent_at": "2026-03-02T08:02:00.000Z",
       "instance": "this-run"}


def test_the_last_runs_status_read_at_a_restart_with_the_clock_behind_is_not_a_twin():
    # The station's clock is 3 minutes behind its last run's (a hardware clock before NTP):
    # "sent since this run started" took the last run's retained status for another station.
    watch = TwinWatch("this-run", "chair-1")
    watch.connected()
    watch.read(LAST_RUN, 10.0)
    watch.read(OWN, 10.1)
    assert watch.seen(10.2) is None
    watch.connected()   # a reconnection: its own status is what is retained now
    watch.read(OWN, 20.0)
    assert watch.seen(20.1) is None


def test_another_runs_status_at_two_connections_is_a_twin():
    watch = TwinWatch("this-run", "chair-1")
    for mono in (10.0, 12.0):
        watch.connected()
        watch.read(LAST_RUN, mono)
        watch.read(OWN, mono + 0.1)
    assert watch.seen(12.2) == ("another station as chair-1: its status was read at 2 of this "
                                "one's connections; each takes the connection from the other")


def test_a_status_relayed_after_this_stations_own_was_sent_while_it_runs():
    watch = TwinWatch("this-run", "chair-1")
    watch.connected()
    watch.read(OWN, 10.0)
    watch.read(LAST_RUN, 10.5)
    assert watch.seen(11.0) == ("a status from another station as chair-1 at "
                                "2026-03-02T08:05:00.000Z since this one's own")


def test_the_last_runs_will_read_again_after_a_first_connection_lost_early_is_not_a_twin():
    # A restart after a kill whose first connection is lost before its own status came back:
    # the broker still holds the last run's will and hands it again at the next connection.
    watch = TwinWatch("this-run", "chair-1")
    will = {**LAST_RUN, "online": False}
    watch.connected()
    watch.read(will, 10.0)        # lost here, before its own status came back
    watch.connected()
    watch.read(will, 12.0)
    watch.read(OWN, 12.1)
    assert watch.seen(12.2) is None
    # Another station indeed: read again at a later connection, after this one's own was seen.
    watch.connected()
    watch.read(LAST_RUN, 14.0)
    watch.read(OWN, 14.1)
    assert watch.seen(14.2) is not None
