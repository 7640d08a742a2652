"""The network alarm of a console whose interface engine takes nothing: every message fails
(AR, or AE three times), so the EHR receives nothing. Only an AA/CA confirms: after
UNCONFIRMED_MEDIUM_S of failures with nothing confirmed the alarm is MEDIUM, as for an engine
that is down, not LOW ("refused a message") for ever.

The engine here answers AR: AE three times reaches the link as the same failure, but the engine
worker spaces AE resends over its real clock (1 s, then 5 s), 6 s a message.
"""

from __future__ import annotations

from console.clock import ManualClock
from console.network.config import NetworkConfig
from tests.mosquitto import wait_until
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame
from tests.network.test_link import Chair
from tests.session.helpers import START


def refuse_everything(n, conn, peer):
    buf = bytearray()
    while (frame := read_frame(conn, buf)) is not None:
        cid = msh10(frame)
        peer.got(cid)
        conn.sendall(ack("AR", cid, "database unavailable"))


def feed_for(chair: Chair, seconds: int) -> None:
    """A reading every 5 s of the chair's clock, each answered by the engine before the next."""
    for second in range(0, seconds, 5):
        chair.reading("heart_rate", 70 + second % 3)
        wait_until(lambda: (chair.pump(), len(chair.deliveries()) >= len(chair.outbox_ids()))[1],
                   "every message answered")
        chair.clock.advance(5)
    chair.pump()


def test_an_engine_that_takes_nothing_for_a_minute_escalates_the_network_alarm(tmp_path):
    peer = RawPeer(refuse_everything)
    chair = Chair(tmp_path / "log.sqlite3",
                  NetworkConfig(forward=peer.url, chair="chair-3", room="Room 3"),
                  ManualClock(START))
    try:
        feed_for(chair, 45)
        assert {o for _, _, o in chair.deliveries()} == {"failed"}
        assert chair.network_alarm() == ("low", "Interface engine refused a message")
        feed_for(chair, 30)   # 75 s in all, nothing taken
        assert {o for _, _, o in chair.deliveries()} == {"failed"}
        alarm = chair.network_alarm()
        assert alarm is not None and alarm[0] == "medium", alarm
        assert "taking no messages" in alarm[1]
    finally:
        chair.close()
        peer.close()


def test_one_refusal_among_deliveries_stays_low(tmp_path):
    """A single message refused while the engine takes the others: LOW, however long it
    stands (the EHR lacks that one; the engine is working)."""
    refused = []

    def refuse_the_first(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            code = "AA" if refused else "AR"
            refused.append(cid)
            conn.sendall(ack(code, cid, "unknown patient" if code == "AR" else ""))

    peer = RawPeer(refuse_the_first)
    chair = Chair(tmp_path / "log.sqlite3",
                  NetworkConfig(forward=peer.url, chair="chair-3", room="Room 3"),
                  ManualClock(START))
    try:
        feed_for(chair, 90)
        assert chair.network_alarm() == ("low", "Interface engine refused a message")
    finally:
        chair.close()
        peer.close()
