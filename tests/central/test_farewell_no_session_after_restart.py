"""A station that last heard a chair in session (its log), restarted after the chair ended the
session and closed cleanly, with the statuses in between not queued for it (the broker's
max_queued_messages, an hour of the clinic, or its persistent session gone): the only word it
gets is the retained farewell, which says no session was open. The board kept the session
its log had and raised "no connection to the chair" for good (the card never left): the
farewell ends that session here."""
from __future__ import annotations

from datetime import timedelta

from console.central.board import CLOSED_CARD_S, RESTORE_S, Board
from console.central.central_log import CentralLog
from console.network import bus_topics
from tests.central.helpers import Bus, Central


def test_a_farewell_saying_no_session_raises_no_loss(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    for s in range(0, 20, 2):
        central.t(s)
        central.deliver(chair.status())
    # The station is closed (its nurse confirmed); an hour later it starts again.
    central.t(3600)
    now = central.now()
    board = Board("desk", log, Bus())
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in log.last_words(now.wall - timedelta(seconds=RESTORE_S)).items()},
                  now)
    board.set_bus(True, "Connected", now)
    farewell = chair.topic("status"), bus_topics.encode(
        {"chair": "chair-1", "room": "Room 1", "online": False,
         "reason": bus_topics.CLOSED_REASON, "session_open": False})
    board.receive(*farewell, now, retained=True)
    later = central.clock.advance(CLOSED_CARD_S + 1)
    board.tick(later)
    alarms = [(a.key, a.priority.label, a.text) for a in board.station_alarms(later)]
    assert alarms == [], f"the chair said it closed with no session open: {alarms}"
    # Its card leaves as an idle chair's does after a clean stop.
    assert "chair-1" not in board.chairs

    # Restarted again: the log's farewell ends the session it replays, no loss either.
    again = Board("desk", log, Bus())
    words = log.last_words(later.wall - timedelta(seconds=RESTORE_S))
    again.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in words.items()}, later)
    again.set_bus(True, "Connected", later)
    after = central.clock.advance(bus_topics.STATUS_STALE_S + 1)
    again.tick(after)
    assert again.station_alarms(after) == []
    log.close()
