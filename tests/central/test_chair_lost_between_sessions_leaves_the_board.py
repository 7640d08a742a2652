"""A chair whose console was lost between sessions (its Last Will, "connection lost": a PC
unplugged, then renamed chair-3 -> chair-7 by IT) kept its grey "No connection" card for good,
nothing at risk there, and so after each restart of the station (the broker keeps the Will
retained): a 21st card shrinks every chair's numbers at 1366x768 (a review). It leaves as a chair
closed cleanly with no session open does, CLOSED_CARD_S later, logged `card_removed`; a chair lost
during a session keeps its card and its alarm."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.central.board import CLOSED_CARD_S, RESTORE_S, Board
from console.central.central_log import CentralLog
from tests.central.helpers import Bus, Central, MemoryLog


@pytest.fixture
def central() -> Central:
    return Central(MemoryLog())


def test_a_chair_lost_between_sessions_and_renamed_leaves_the_board(central):
    old = central.chair("chair-3", "Room 3", session=False)
    central.deliver(old.status())                         # heard idle: no session open
    central.t(5)
    central.deliver(old.will())                           # lost between sessions
    new = central.chair("chair-7", "Room 3", session=False)   # the same PC, renamed
    for second in range(6, int(5 + CLOSED_CARD_S), 2):
        central.t(second)
        central.deliver(new.status())
    # Nothing at risk: no station alarm, and the grey card stays its while.
    assert central.board.station_alarms(central.now()) == []
    assert central.card("chair-3").connection_text.endswith("(connection lost)")
    central.t(5 + CLOSED_CARD_S)
    central.deliver(new.status())
    assert sorted(central.board.chairs) == ["chair-7"]
    assert central.card("chair-7").title == "Room 3"   # one chair in the room again
    (removed,) = [a for a in central.log.actions if a[5] == "card_removed"]
    assert (removed[2], removed[6]) == ("chair-3", {
        "reason": f"connection lost with no session open, {CLOSED_CARD_S:g} s ago"})


def test_a_chair_lost_after_its_session_ended_leaves_the_board(central):
    chair = central.chair("chair-3", "Room 3")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(2)
    central.deliver(chair.status(session={"ended": True}))   # discharged, the card still up
    central.t(4)
    central.deliver(chair.will())
    central.t(4 + CLOSED_CARD_S)
    assert "chair-3" not in central.board.chairs


def test_a_chair_lost_during_a_session_keeps_its_card_and_alarm(central):
    chair = central.chair("chair-3", "Room 3")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(5)
    central.deliver(chair.will())
    central.t(5 + CLOSED_CARD_S + 120)
    assert "chair-3" in central.board.chairs
    assert [a.key for a in central.board.station_alarms(central.now())] == ["chair:chair-3"]


def test_after_a_restart_the_retained_will_of_a_chair_last_heard_idle_lets_its_card_go(
        tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    old = central.chair("chair-3", "Room 3", session=False)
    central.deliver(old.status())                         # its last status logged: idle
    central.t(5)
    central.deliver(old.will())
    # The station restarts an hour later; the broker hands it the chair's retained Will.
    central.t(3600)
    now = central.now()
    board = Board("desk", log, Bus())
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in log.last_words(now.wall - timedelta(seconds=RESTORE_S)).items()},
                  now)
    board.set_bus(True, "Connected", now)
    board.receive(*old.will(), now, retained=True)
    assert "chair-3" in board.chairs and board.station_alarms(now) == []
    later = central.clock.advance(CLOSED_CARD_S)
    board.tick(later)
    assert "chair-3" not in board.chairs
    log.close()


def test_after_a_restart_the_retained_will_of_a_chair_never_heard_keeps_its_card(central):
    # Nothing tells whether a session was open there: its grey card stays (as a farewell that
    # does not say: test_board.py).
    never = central.chair("chair-4", "Room 4", session=False)
    central.deliver(never.will())
    central.t(CLOSED_CARD_S + 60)
    assert "chair-4" in central.board.chairs
