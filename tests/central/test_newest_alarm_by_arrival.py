"""Two chairs, one whose clock is an hour ahead of the clinic's: "the newest alarm" across chairs
(the trend strip's choice, F2's choice) is decided by each chair's own clock, so the chair with
the fast clock always looks newest, though its alarm came first."""

from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from console.clock import ManualClock
from tests.central.helpers import Bus, Central, Chair, MemoryLog
from tests.session.helpers import START


def test_the_newest_high_alarm_is_the_one_that_came_last_whatever_the_chairs_clocks(qtbot):
    central = Central(MemoryLog(), ManualClock(START, mono=1000.0))
    fast = ManualClock(START + timedelta(hours=1), mono=1000.0)   # chair-1's clock: 1 h ahead
    first = Chair("chair-1", "Room 1", fast)
    second = central.chair("chair-2", "Room 2")                   # chair-2 keeps the clinic's time
    for chair in (first, second):
        chair.start_infusion()

    def both(seconds: float) -> None:
        central.t(seconds)
        fast.advance(central.now().mono - fast.now().mono)

    for second_ in range(0, 61, 2):
        both(second_)
        central.deliver(first.status())
        central.deliver(second.status())
    # 10:01:00 Room 1: SpO2 88 (high). Five minutes later, Room 2: SpO2 87 (high).
    first.device("spo2", 88)
    for message in first.new_pcd04s():
        central.deliver(message)
    for second_ in range(62, 361, 2):
        both(second_)
        central.deliver(first.status())
        central.deliver(second.status())
    second.device("spo2", 87)
    for message in second.new_pcd04s():
        central.deliver(message)
    central.deliver(second.status())
    now = central.now()
    assert central.sounding() == "high"

    # The trend strip keeps the newest high alarm in sight (the bedside's and Dräger's rule:
    # "the most recently detected alarm condition of highest priority"), and F2 acts on it:
    # Room 2's, which came five minutes after Room 1's.
    assert central.board.in_sight(now).chair == "chair-2"
    assert central.board.highest_chair(now) == "chair-2"


def test_the_newest_alarm_across_chairs_after_a_central_restart_is_still_by_arrival(tmp_path):
    """The arrival of each occurrence is read back from the log at a restart (its row's
    receive time), not taken from the chairs' clocks, nor all "now"."""
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log, ManualClock(START, mono=1000.0))
    fast = ManualClock(START + timedelta(hours=1), mono=1000.0)
    first = Chair("chair-1", "Room 1", fast)
    second = central.chair("chair-2", "Room 2")
    for chair in (first, second):
        chair.start_infusion()

    def both(seconds: float) -> None:
        central.t(seconds)
        fast.advance(central.now().mono - fast.now().mono)
        central.deliver(first.status())
        central.deliver(second.status())

    both(0)
    first.device("spo2", 88)
    for message in first.new_pcd04s():
        central.deliver(message)
    for second_ in range(2, 301, 2):
        both(second_)
    second.device("spo2", 87)
    for message in second.new_pcd04s():
        central.deliver(message)
    both(302)

    central.t(320)
    now = central.now()
    board = Board("desk", log, Bus())
    since = now.wall - timedelta(seconds=RESTORE_S)
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in log.last_words(since).items()}, now)
    board.set_bus(True, "Connected", now)
    for message in (first.status(), second.status()):
        board.receive(*message, now)
    assert board.in_sight(now).chair == "chair-2"
    assert board.highest_chair(now) == "chair-2"
    log.close()
