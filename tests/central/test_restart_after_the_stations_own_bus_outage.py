"""A central station restarted during or after an outage of its OWN bus (a review of cda02df).

While the station cannot hear anyone, its board logs every chair in session `stale` (not
connected), and cda02df restored a chair whose last row is `stale` as a hung chair, lost at once.
Live, the same outage is one bus alarm and no chair lost (`Board._lost`: the clock of the rule
stops at the drop), and when the bus returns a chair with no alarm open has 10 s to be heard
(`Board.set_bus`). After a restart every chair in session was lost at once: one alarm per chair
where live only the bus alarm showed, and chairs alive and quiet had no 10 s once the bus came
back. The board now logs in its `stale` row whether the chair was lost, and restores as lost
only a chair the log found lost; one unheard for the station's own bus comes back as the bus
alarm names it, and the bus's return takes it as live does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from console.central.board import BUS_ALARM_S, RESTORE_S, Board
from console.central.central_log import CentralLog
from console.clock import Moment
from protocols.model import Priority
from tests.central.helpers import Bus, Central
from tests.central.test_board import spo2_alarm

DOWN = "Reconnecting · cannot connect to the broker"


def _three_chairs_then_station_bus_down(central: Central) -> None:
    """Three chairs in session, heard every 2 s to 100 s; the STATION's bus drops at 100.5 s
    (the chairs are fine; the station hears nothing) and stays down to 300 s."""
    chairs = [central.chair(f"chair-{n}", f"Room {n}") for n in (1, 2, 3)]
    for chair in chairs:
        chair.start_infusion()
        central.deliver(chair.status())
    for second in range(2, 101, 2):
        central.t(second)
        for chair in chairs:
            central.deliver(chair.status())
    central.t(100.5)
    central.board.set_bus(False, DOWN, central.now())
    for second in range(101, 301):
        central.t(second)


def _high_and_quiet_then_station_bus_down(central: Central) -> None:
    """Room 1 with SpO2 89 (high) open and Room 2 quiet, both last heard at 60 s; the station's
    bus drops at 61 s and is still down at 120 s: one high bus alarm naming Room 1."""
    spo2_alarm(central, "chair-1", "Room 1", value=89)
    quiet = central.chair("chair-2", "Room 2")
    quiet.start_infusion()
    central.deliver(quiet.status())
    central.t(61)
    central.board.set_bus(False, DOWN, central.now())
    central.t(120)
    (bus,) = central.board.station_alarms(central.now())
    assert (bus.key, bus.priority) == ("bus", Priority.HIGH)


def _restarted(log: CentralLog, central: Central) -> tuple[Board, Moment]:
    """A new board on the same log, restored before connecting (as app.build does)."""
    now = central.now()
    board = Board("desk", log, Bus())
    board.restore({chair: [(r.kind, r.received_at, r.payload) for r in rows]
                   for chair, rows in log.last_words(now.wall - timedelta(seconds=RESTORE_S))
                   .items()}, now)
    return board, now


def _later(central: Central, board: Board, start: Moment, seconds: float) -> Moment:
    now = central.clock.advance(start.mono + seconds - central.now().mono)
    board.tick(now)
    return now


def _keys(board: Board, now: Moment) -> list[tuple[str, Priority]]:
    return [(a.key, a.priority) for a in board.station_alarms(now)]


def test_live_the_stations_bus_outage_is_one_bus_alarm_and_no_chair_lost(tmp_path: Path) -> None:
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    _three_chairs_then_station_bus_down(central)
    assert _keys(central.board, central.now()) == [("bus", Priority.MEDIUM)]
    # ... while the log's last word of every chair is the board's own `stale`.
    assert all([r.kind for r in log.received(f"chair-{n}")][-1] == "stale" for n in (1, 2, 3))
    log.close()


def test_restarted_while_its_bus_is_still_down_the_station_has_the_bus_alarm_not_every_chair_lost(
        tmp_path: Path) -> None:
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    _three_chairs_then_station_bus_down(central)
    board, start = _restarted(log, central)
    board.set_bus(False, DOWN, start)   # as app.build: "Connecting", and it cannot
    for s in (1, BUS_ALARM_S + 1, 60):
        now = _later(central, board, start, s)
        # As live: the one bus alarm says why no chair is heard, not three losses.
        assert _keys(board, now) == [("bus", Priority.MEDIUM)], f"{s} s after the restart"
        assert all(not card.connected for card in board.cards(now))
    log.close()


def test_restarted_with_the_bus_back_a_chair_with_no_alarm_has_its_ten_seconds(
        tmp_path: Path) -> None:
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    _three_chairs_then_station_bus_down(central)
    board, start = _restarted(log, central)
    board.set_bus(True, "Connected", start)
    # Live, a chair heard with no alarm open keeps its 10 s when the bus returns (`set_bus`):
    # its status is on its way.
    now = _later(central, board, start, 1)
    assert _keys(board, now) == [], "1 s after the restart, the chairs alive and quiet"
    now = _later(central, board, start, 9.5)
    assert _keys(board, now) == []
    # Still unheard after them: lost, each, as live.
    now = _later(central, board, start, 10.5)
    assert sorted(_keys(board, now)) == [(f"chair:chair-{n}", Priority.MEDIUM) for n in (1, 2, 3)]
    log.close()


def test_restarted_during_the_outage_the_bus_alarm_names_the_high_alarm_at_once(
        tmp_path: Path) -> None:
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    _high_and_quiet_then_station_bus_down(central)
    board, start = _restarted(log, central)
    board.set_bus(False, DOWN, start)
    for s in (0, 1, 5, BUS_ALARM_S + 1):
        now = _later(central, board, start, s)
        # As live: the high bus alarm naming Room 1's alarm, from the first second (the chair
        # was unheard before the restart: nothing new to wait for).
        (bus,) = board.station_alarms(now)
        assert (bus.key, bus.priority) == ("bus", Priority.HIGH), f"{s} s after the restart"
        assert "Room 1: last heard with *** SpO2 89 %" in bus.text
        assert board.audio(now) is Priority.HIGH
    log.close()


def test_restarted_during_the_outage_its_return_is_as_live_for_each_chair(tmp_path: Path) -> None:
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    _high_and_quiet_then_station_bus_down(central)
    board, start = _restarted(log, central)
    board.set_bus(False, DOWN, start)
    now = _later(central, board, start, 2)
    board.set_bus(True, "Connected", now)   # the broker back 2 s after the restart
    # As live (`set_bus`): Room 1, unheard with its high alarm open, is lost at once, high;
    # Room 2, quiet, has its 10 s to be heard.
    for s in (2, 3, 11.5):
        now = _later(central, board, start, s)
        assert _keys(board, now) == [("chair:chair-1", Priority.HIGH)], f"{s} s after the restart"
        assert board.audio(now) is Priority.HIGH
    now = _later(central, board, start, 12.5)
    assert sorted(_keys(board, now)) == [("chair:chair-1", Priority.HIGH),
                                         ("chair:chair-2", Priority.MEDIUM)]
    log.close()


def test_a_chair_lost_at_the_buss_return_is_lost_at_once_after_a_restart(tmp_path: Path) -> None:
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    _high_and_quiet_then_station_bus_down(central)
    # The bus returns at 120 s: live, Room 1 (still unheard, its high alarm open) is lost at
    # once; Room 2 has its 10 s. The station restarts at 125 s and connects at once.
    central.board.set_bus(True, "Connected", central.now())
    central.t(125)
    assert _keys(central.board, central.now()) == [("chair:chair-1", Priority.HIGH)]
    board, start = _restarted(log, central)
    board.set_bus(False, "Connecting", start)
    board.set_bus(True, "Connected", start)
    for s in (0, 1, 9.5):
        now = _later(central, board, start, s)
        assert _keys(board, now) == [("chair:chair-1", Priority.HIGH)], f"{s} s after the restart"
    log.close()
