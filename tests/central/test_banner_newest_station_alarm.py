"""The station banner shows the newest of its highest-priority alarms, as the bedside's alarm
area and the board's own `in_sight` order do. Two chairs lost with a high alarm each: the banner
showed the one whose key sorts first as a string ("chair:chair-10" before "chair:chair-2"), the
older loss. Each station alarm now has the time it began (a chair's loss: when it was found gone,
kept in the central log), so a restart of the central, which finds every loss again at once,
keeps the order."""

from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from protocols.model import Priority
from tests.central.helpers import Bus, Central, MemoryLog


def _in_session(central: Central, name: str, room: str):
    chair = central.chair(name, room)
    chair.start_infusion()
    central.deliver(chair.status())
    return chair


def _high_alarm(central: Central, chair) -> None:
    central.deliver(chair.status())
    chair.device("spo2", 88)
    for m in chair.new_pcd04s():
        central.deliver(m)
    central.deliver(chair.status())


def _restarted(log: CentralLog, central: Central) -> Board:
    """A new board on the same log, restored before connecting (as app.build does)."""
    now = central.now()
    board = Board("desk", log, Bus())
    since = now.wall - timedelta(seconds=RESTORE_S)
    board.restore({chair: [(r.kind, r.received_at, r.payload) for r in rows]
                   for chair, rows in log.last_words(since).items()}, now)
    board.set_bus(True, "Connected", now)
    return board


def _two_lost_by_will(central: Central):
    """Room 10 lost (Last Will) at 60 s, Room 2 a minute later; each with SpO2 88 (high)."""
    c10 = _in_session(central, "chair-10", "Room 10")
    c2 = _in_session(central, "chair-2", "Room 2")
    central.t(60)
    for chair in (c10, c2):
        _high_alarm(central, chair)
    central.deliver(c10.will())        # Room 10 lost first
    central.t(120)
    central.deliver(c2.status())
    central.deliver(c2.will())         # Room 2 lost a minute later: the newest
    return c10, c2


def test_the_banner_shows_the_newest_of_two_lost_high_chairs():
    central = Central(MemoryLog())
    _two_lost_by_will(central)
    banner = central.board.banner(central.now())
    assert banner is not None and banner.priority is Priority.HIGH
    assert banner.text.startswith("Room 2:"), banner.text
    keys = [a.key for a in central.board.station_alarms(central.now())]
    assert keys == ["chair:chair-2", "chair:chair-10"]


def test_the_order_of_two_lost_chairs_survives_a_restart_of_the_central(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    c10, c2 = _two_lost_by_will(central)
    central.t(300)
    board = _restarted(log, central)
    now = central.clock.advance(1)
    for will in (c10.will(), c2.will()):   # the broker's retained Last Wills, both at once
        board.receive(will[0], will[1], now, retained=True)
    board.tick(now)
    banner = board.banner(now)
    assert banner is not None and banner.text.startswith("Room 2:"), banner.text


def test_chairs_gone_silent_keep_their_order_across_a_restart(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    c10 = _in_session(central, "chair-10", "Room 10")
    c2 = _in_session(central, "chair-2", "Room 2")
    central.t(60)
    for chair in (c10, c2):
        _high_alarm(central, chair)
    # Room 10 falls silent at 60 s (lost at 70 s); Room 2 goes on until 120 s (lost at 130 s).
    for second in range(62, 121, 2):
        central.t(second)
        central.deliver(c2.status())
    central.t(140)
    keys = [a.key for a in central.board.station_alarms(central.now())]
    assert keys == ["chair:chair-2", "chair:chair-10"]
    # The central restarts: no status from either chair; both are lost again 10 s after the bus
    # came up, at the same instant. The log says which was lost last.
    central.t(200)
    board = _restarted(log, central)
    now = central.clock.advance(11)
    board.tick(now)
    keys = [a.key for a in board.station_alarms(now)]
    assert keys == ["chair:chair-2", "chair:chair-10"], keys
