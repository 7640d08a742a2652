"""A restart of the central station keeps what its nurse silenced there (a code review).

Her silences lived in memory only: the log held the `silence` row, but `Board.restore` replayed
only what the chairs said. After a restart (an update, a crash) a latched high she had silenced
sounded and flashed again at the same nurse, and so did a lost chair's alarm. `restore` now
takes back her silences (and acknowledgements still awaiting their confirmation) for what is
still open, at the priority each was given; the chair's statuses settle them as before."""

from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from protocols.model import Priority
from tests.central.helpers import Bus, Central


def _restarted(log: CentralLog, central: Central) -> Board:
    """A new board on the same log, restored before connecting (as app.build does)."""
    now = central.now()
    board = Board("desk", log, Bus())
    since = now.wall - timedelta(seconds=RESTORE_S)
    board.restore({chair: [(r.kind, r.received_at, r.payload) for r in rows]
                   for chair, rows in log.last_words(since).items()}, now)
    board.set_bus(True, "Connected", now)
    return board


def _latched_high(tmp_path):
    """Room 1's SpO2 88 ended unseen: latched at the chair, sounding here: (log, central, chair)."""
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(10)
    chair.device("spo2", 88)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.t(15)
    chair.device("spo2", 98)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    assert central.card("chair-1").alarm.note == "latched"
    assert central.sounding() == "high"
    return log, central, chair


def test_a_latched_high_silenced_here_stays_silenced_after_a_restart(tmp_path):
    log, central, chair = _latched_high(tmp_path)
    assert "silenced here" in central.acknowledge("chair-1")
    assert central.sounding() is None

    central.t(20)
    board = _restarted(log, central)
    central.t(21)
    board.receive(*chair.status(), central.now())
    board.tick(central.now())
    card = board.card("chair-1", central.now())
    # Still the high latched alarm, still silenced here: nothing sounds, nothing flashes for
    # what the nurse already did.
    assert card.alarm is not None and card.alarm.priority is Priority.HIGH
    assert card.alarm.note == "latched · silenced here"
    assert not card.alarm.sounding
    assert board.audio(central.now()) is None
    log.close()


def test_a_latched_high_not_silenced_still_sounds_after_a_restart(tmp_path):
    log, central, chair = _latched_high(tmp_path)
    central.t(20)
    board = _restarted(log, central)
    central.t(21)
    board.receive(*chair.status(), central.now())
    board.tick(central.now())
    assert board.audio(central.now()) is Priority.HIGH
    log.close()


def test_a_silence_from_an_earlier_session_is_not_taken_back(tmp_path):
    log, central, chair = _latched_high(tmp_path)
    central.acknowledge("chair-1")
    # A new session at the chair (its ids start again): the old silence is not its own.
    central.t(20)
    central.deliver(chair.status(session={"id": 99}))
    board = _restarted(log, central)
    assert all(not c.acks for c in board.chairs.values())
    log.close()


def _lost(tmp_path):
    """Room 1's console dies during its session, no alarm open: the medium station alarm
    "Room 1: no connection to the chair" sounds here: (log, central, chair, its Will)."""
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(5)
    central.deliver(chair.status())
    will = chair.will()
    central.deliver(will)
    central.t(6)
    assert central.sounding() == "medium"
    return log, central, chair, will


def test_a_lost_chair_silenced_here_stays_silenced_after_a_restart(tmp_path):
    log, central, chair, will = _lost(tmp_path)
    assert central.board.silence_station("B. Central", central.now(), "chair:chair-1",
                                         Priority.MEDIUM).startswith("Silenced")
    assert central.sounding() is None

    central.t(60)
    board = _restarted(log, central)
    # Before the broker hands the retained Will, and after it, for the minutes that follow.
    assert board.audio(central.now()) is None
    board.receive(*will, central.now(), retained=True)
    for second in (61, 75, 120):
        board.tick(central.t(second))
        assert board.audio(central.now()) is None
        banner = board.banner(central.now())
        assert banner is not None and banner.note == "silenced here"

    # The chair comes back: its loss ends, and a later loss is a new one that sounds.
    board.receive(*chair.status(), central.now())
    board.tick(central.t(121))
    assert board.station_alarms(central.now()) == []
    board.receive(*will, central.now())
    board.tick(central.t(122))
    assert board.audio(central.now()) is Priority.MEDIUM
    log.close()


def test_a_loss_silenced_before_the_chair_was_last_heard_is_not_taken_back(tmp_path):
    log, central, chair, will = _lost(tmp_path)
    central.board.silence_station("B. Central", central.now(), "chair:chair-1", Priority.MEDIUM)
    # The chair came back, then was lost again: the silence was of the earlier loss.
    central.t(10)
    central.deliver(chair.status())
    central.t(12)
    central.deliver(will)
    central.t(13)
    assert central.sounding() == "medium"
    central.t(60)
    board = _restarted(log, central)
    board.receive(*will, central.now(), retained=True)
    board.tick(central.t(61))
    assert board.audio(central.now()) is Priority.MEDIUM
    log.close()
