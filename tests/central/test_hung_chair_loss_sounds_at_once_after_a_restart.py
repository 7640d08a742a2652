"""A hung chair's loss sounds at once after a restart of the central (a review).

Room 1's console hangs with its SpO2 high open (its network process alive: no Last Will). The
central running all along has it lost, the high "no connection to the chair", and logs it
(`stale`). Restarted, the central brought it back unheard but not lost: silent until 10 s after
the bus came up (with the broker unreachable, until the bus alarm 10 s later), where a chair
lost by its Last Will sounds at once, the same loss known from the same log. The board now
restores a chair whose last row is `stale` as unheard (`_Chair.unheard_at_return`): lost at
once, until a live status of the chair comes."""

from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from console.clock import Moment
from protocols.model import Priority
from tests.central.helpers import Bus, Central


def _hung_with_a_high_alarm(tmp_path):
    """SpO2 89 open from 10 s, a status every 2 s to 100 s, then nothing (hung, no Will) until
    400 s, a central on a real log running all along: (log, central, chair)."""
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(10)
    chair.device("spo2", 89)
    for message in chair.new_pcd04s():
        central.deliver(message)
    for second in range(10, 101, 2):
        central.t(second)
        central.deliver(chair.status())
    central.t(400)
    # The station running all along: the high loss sounds, and its log knows it.
    lost = [(a.key, a.priority) for a in central.board.station_alarms(central.now())]
    assert lost == [("chair:chair-1", Priority.HIGH)]
    assert central.sounding() == "high"
    assert [r.kind for r in log.received("chair-1")][-1] == "stale"
    return log, central, chair


def _restarted(log: CentralLog, central: Central) -> tuple[Board, Moment]:
    """A new board on the same log, restored before connecting (as app.build does)."""
    now = central.now()
    board = Board("desk", log, Bus())
    board.restore({chair: [(r.kind, r.received_at, r.payload) for r in rows]
                   for chair, rows in log.last_words(now.wall - timedelta(seconds=RESTORE_S))
                   .items()}, now)
    return board, now


def _seconds_later(central: Central, board: Board, start: Moment, seconds: float) -> Moment:
    now = central.clock.advance(start.mono + seconds - central.now().mono)
    board.tick(now)
    return now


def test_a_hung_chairs_high_loss_sounds_at_once_after_a_restart(tmp_path):
    log, central, _ = _hung_with_a_high_alarm(tmp_path)
    board, start = _restarted(log, central)
    board.set_bus(True, "Connected", start)   # the bus connects at once
    for s in (1, 5, 9, 11):
        now = _seconds_later(central, board, start, s)
        assert board.audio(now) is Priority.HIGH, f"{s} s after the restart: silent"
        assert [(a.key, a.priority) for a in board.station_alarms(now)] == [
            ("chair:chair-1", Priority.HIGH)]
        assert "SpO2 89" in board.banner(now).text
    log.close()


def test_a_hung_chairs_high_loss_sounds_at_once_with_the_broker_unreachable(tmp_path):
    log, central, _ = _hung_with_a_high_alarm(tmp_path)
    board, start = _restarted(log, central)
    board.set_bus(False, "Reconnecting · cannot connect to the broker: connection refused", start)
    for s in (1, 5, 9, 11):
        now = _seconds_later(central, board, start, s)
        assert board.audio(now) is Priority.HIGH, f"{s} s after the restart: silent"
        # Its own loss, as before the restart (not folded into the bus alarm).
        assert ("chair:chair-1", Priority.HIGH) in [
            (a.key, a.priority) for a in board.station_alarms(now)]
    log.close()


def test_a_hung_chair_heard_again_after_a_restart_is_no_longer_lost(tmp_path):
    log, central, chair = _hung_with_a_high_alarm(tmp_path)
    board, start = _restarted(log, central)
    board.set_bus(True, "Connected", start)
    now = _seconds_later(central, board, start, 1)
    assert board.audio(now) is Priority.HIGH
    # The chair's console wakes: a live status ends its loss; its alarm is its card's again.
    board.receive(*chair.status(), now)
    now = _seconds_later(central, board, start, 2)
    assert board.station_alarms(now) == []
    card = board.card("chair-1", now)
    assert card.connected and card.alarm is not None and card.alarm.priority is Priority.HIGH
    log.close()


