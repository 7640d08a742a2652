""""Interface engine taking no messages" (MEDIUM: every message failed for UNCONFIRMED_MEDIUM_S
with nothing confirmed) through a restart of the console, the engine still refusing everything:
a restart restores every alarm as it was. The link read the refusals back from the log but not
that nothing had been confirmed since, so its first pump lowered the standing MEDIUM to LOW
"refused a message" for a minute or more.
"""

from __future__ import annotations

from pathlib import Path

from console.clock import ManualClock
from console.network.config import NetworkConfig
from console.network.link import NetworkLink
from console.store import EventLog
from tests.network.raw_mllp_peer import RawPeer, ack, msh10, read_frame
from tests.network.test_link import STATION, Chair, resumed
from tests.network.test_link_engine_refusing import feed_for, refuse_everything
from tests.session.helpers import START


def test_taking_no_messages_stays_medium_through_a_restart(tmp_path: Path) -> None:
    peer = RawPeer(refuse_everything)
    config = NetworkConfig(forward=peer.url, chair="chair-3", room="Room 3")
    db = tmp_path / "log.sqlite3"
    chair = Chair(db, config, ManualClock(START))
    link = log = None
    try:
        feed_for(chair, 75)
        before = chair.network_alarm()
        assert before is not None and before[0] == "medium", before
        session = chair.engine.session_id
        clock = chair.clock
        chair.close()

        clock.advance(5)   # the console restarted; the engine still takes nothing
        log = EventLog.open(db, "test")
        link = NetworkLink(config, log, clock, station=STATION)
        link.start()
        engine = resumed(log, session, clock)
        link.session_opened(session, "P-001", False)
        for _ in range(3):
            report = link.pump()
            if report.judged:
                engine.network_status(report.problem, clock.now(), report.state)
            clock.advance(1)
        after = [(o.priority.label, o.message) for o in engine.alarms()
                 if o.condition == "network_unconfirmed"]
        assert after == [before], f"before the restart {before}, after it {after}"
    finally:
        if link is not None:
            link.stop(timeout=1.0)
        if log is not None:
            log.close()
        peer.close()


def test_refusals_before_the_engines_last_delivery_are_low_after_a_restart(
        tmp_path: Path) -> None:
    """An old refusal (the engine took messages since) is "refused a message", LOW, as before
    the restart: only failures after the last delivery make "taking no messages"."""
    refusing = {"on": True}

    def handler(n, conn, peer):
        buf = bytearray()
        while (frame := read_frame(conn, buf)) is not None:
            cid = msh10(frame)
            peer.got(cid)
            code = "AR" if refusing["on"] else "AA"
            conn.sendall(ack(code, cid, "database unavailable" if code == "AR" else ""))

    peer = RawPeer(handler)
    config = NetworkConfig(forward=peer.url, chair="chair-3", room="Room 3")
    db = tmp_path / "log.sqlite3"
    chair = Chair(db, config, ManualClock(START))
    link = log = None
    try:
        feed_for(chair, 75)
        refusing["on"] = False
        feed_for(chair, 10)          # the engine takes messages again; the refusals stand
        before = chair.network_alarm()
        assert before is not None and before[0] == "low", before
        session = chair.engine.session_id
        clock = chair.clock
        chair.close()

        clock.advance(5)
        log = EventLog.open(db, "test")
        link = NetworkLink(config, log, clock, station=STATION)
        link.start()
        engine = resumed(log, session, clock)
        link.session_opened(session, "P-001", False)
        for _ in range(3):
            report = link.pump()
            if report.judged:
                engine.network_status(report.problem, clock.now(), report.state)
            clock.advance(1)
        after = [(o.priority.label, o.message) for o in engine.alarms()
                 if o.condition == "network_unconfirmed"]
        assert after == [before], f"before the restart {before}, after it {after}"
    finally:
        if link is not None:
            link.stop(timeout=1.0)
        if log is not None:
            log.close()
        peer.close()
