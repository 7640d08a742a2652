"""A silence given here to a latched high ends when the alarm comes back, and a restart of the
central keeps it ended (a review).

The nurse silences Room 1's latched SpO2 high here; the excursion returns (active again,
sounding at the chair and here: the silence ends, `Board._settle_acks`) and ends unseen again,
latched again, sounding here. The end of the silence was in no log: a restart took the old
`silence` row back and the latched high read "latched · silenced here", silent. The board now
logs the end (`silence_ended`) and a restart applies silences and their ends in log order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog, CentralLogError
from protocols.model import Priority
from tests.central.helpers import Bus, Central, Chair, at


def _restarted(log: CentralLog, central: Central) -> Board:
    """A new board on the same log, restored before connecting (as app.build does)."""
    now = central.now()
    board = Board("desk", log, Bus())
    since = now.wall - timedelta(seconds=RESTORE_S)
    board.restore({chair: [(r.kind, r.received_at, r.payload) for r in rows]
                   for chair, rows in log.last_words(since).items()}, now)
    board.set_bus(True, "Connected", now)
    return board


def _spo2(central: Central, chair: Chair, value: float, at: float) -> None:
    """SpO2 `value` at the chair at `at` s, its alarm messages and its status heard here."""
    central.t(at)
    chair.device("spo2", value)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())


def _silenced_latched_high(tmp_path):
    """Room 1's SpO2 88 ended unseen (latched), silenced here: (log, central, chair)."""
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    _spo2(central, chair, 88, 10)      # high, sounding
    _spo2(central, chair, 98, 15)      # ended unseen: latched
    assert central.card("chair-1").alarm.note == "latched"
    assert "silenced here" in central.acknowledge("chair-1")
    assert central.sounding() is None
    return log, central, chair


def _returns_and_latches_again(central: Central, chair: Chair) -> None:
    _spo2(central, chair, 92, 30)      # the excursion returns: active, high, sounding
    assert central.card("chair-1").alarm.note == ""
    assert central.sounding() == "high"
    _spo2(central, chair, 98, 40)      # and ends unseen again: latched again
    card = central.card("chair-1")
    assert card.alarm.note == "latched" and card.alarm.priority is Priority.HIGH
    assert central.sounding() == "high"   # live: her silence ended at the return


def _after_a_restart(log: CentralLog, central: Central, chair: Chair) -> Board:
    """The central restarts at 50 s; the chair's next status comes at 51 s."""
    central.t(50)
    board = _restarted(log, central)
    central.t(51)
    board.receive(*chair.status(), central.now())
    board.tick(central.now())
    return board


def test_a_latched_high_that_returned_since_its_silence_still_sounds_after_a_restart(tmp_path):
    log, central, chair = _silenced_latched_high(tmp_path)
    _returns_and_latches_again(central, chair)

    board = _after_a_restart(log, central, chair)
    card = board.card("chair-1", central.now())
    # After the restart: the same latched high as live, sounding, flashing.
    assert card.alarm is not None and card.alarm.priority is Priority.HIGH
    assert card.alarm.note == "latched", card.alarm.note
    assert card.alarm.sounding and card.alarm.flashing
    assert board.audio(central.now()) is Priority.HIGH
    # The log says when her silence ended (at the return, 30 s), and of which alarm.
    (silence,) = [a for a in log.actions() if a.kind == "silence"]
    (ended,) = [a for a in log.actions() if a.kind == "silence_ended"]
    assert (ended.chair, ended.session, ended.occurrence) == (
        silence.chair, silence.session, silence.occurrence)
    assert ended.at == at(30) and ended.nurse == ""
    log.close()


def test_a_latched_high_silenced_again_after_its_return_stays_silenced_after_a_restart(tmp_path):
    log, central, chair = _silenced_latched_high(tmp_path)
    _returns_and_latches_again(central, chair)
    central.t(45)
    assert "silenced here" in central.acknowledge("chair-1")   # she silences it again
    assert central.sounding() is None

    board = _after_a_restart(log, central, chair)
    # Silence, its end, the second silence: taken in that order, the second stands.
    assert board.card("chair-1", central.now()).alarm.note == "latched · silenced here"
    assert board.audio(central.now()) is None
    log.close()


def test_a_silences_end_in_a_batch_whose_commit_failed_is_written_again(tmp_path):
    log, central, chair = _silenced_latched_high(tmp_path)
    # The return comes in a batch whose COMMIT fails (rolled back): the station shows it, and
    # writes the batch's rows again one by one (`Board.log_again`), the silence's end with them.
    with pytest.raises(CentralLogError), central.board.confirming_after():
        log.conn.execute("BEGIN IMMEDIATE")
        _spo2(central, chair, 92, 30)
        log.conn.execute("ROLLBACK")
        raise CentralLogError(log.path, "io", "disk I/O error at COMMIT")
    central.board.log_again()
    assert [a.kind for a in log.actions()] == ["silence", "silence_ended"]
    _spo2(central, chair, 98, 40)   # latched again, sounding here

    board = _after_a_restart(log, central, chair)
    assert board.card("chair-1", central.now()).alarm.note == "latched"
    assert board.audio(central.now()) is Priority.HIGH
    log.close()
