"""The "Central log unavailable" alarm stands while anything is held in memory.

It ended at the next row written (`log_problem = ""` in `_keep`, `_log_change`,
`_record_action`), whatever had failed before: a row that could not be written was never written
again. The central nurse silences a latched high at Room 1 while the log is locked for a moment
(a database viewer, a backup holding it longer than the busy timeout): she reads "silenced
here", the medium log alarm comes, and a PCD-01 written a second later ended it. Her silence was
in no log and nothing said so: a restart sounded and flashed Room 1's latched high again at her
(the restart takes silences back from the log) (a review). Her silence is now held with the
rest, in order, and the alarm says how many records wait until they are written."""

from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, RETRY_S, Board
from console.central.central_log import CentralLog
from tests.central.failing_log import FlakyLog
from tests.central.helpers import Bus, Central


def _silenced_while_the_log_was_locked(tmp_path):
    """Room 1's SpO2 88 latched (ended unseen), sounding here; at 15 s the nurse silences it
    while the log is locked, then the log works again: (real log, central, chair, said)."""
    real = CentralLog.open(tmp_path / "central.sqlite3")
    log = FlakyLog(real)
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
    log.failing = True                      # the log locked for a moment
    said = central.acknowledge("chair-1")   # the nurse silences the latched high here
    assert "silenced here" in said
    log.failing = False
    return real, central, chair, said


def test_the_log_alarm_stands_while_the_nurses_silence_is_in_no_log(tmp_path):
    real, central, chair, said = _silenced_while_the_log_was_locked(tmp_path)
    # 16 s: the next observation and status come, before the retry is due: held behind her
    # silence, which the alarm counts.
    central.t(16)
    central.deliver(chair.pcd01(chair.observations()[-2:]))
    central.deliver(chair.status())
    central.t(16.5)
    silences = [a for a in real.actions() if a.kind == "silence"]
    (alarm,) = central.board.station_alarms(central.now())
    assert not silences and alarm.key == "log", (
        f"silence in the log: {silences}; station alarms: {alarm} (said to the nurse: {said!r})")
    assert alarm.text.startswith(
        "Central log unavailable: 2 records held in memory, written when the log takes them; ")
    # The retry: her silence written first, then the observation; the alarm ends.
    central.t(15 + RETRY_S)
    assert [a.kind for a in real.actions()] == ["silence"]
    assert [r.kind for r in real.received("chair-1")][-1] == "pcd01"
    assert central.board.station_alarms(central.now()) == []


def test_a_silence_given_while_the_log_was_locked_holds_after_a_restart(tmp_path):
    real, central, chair, _ = _silenced_while_the_log_was_locked(tmp_path)
    central.t(16)
    central.deliver(chair.pcd01(chair.observations()[-2:]))
    central.deliver(chair.status())
    assert not central.card("chair-1").alarm.sounding   # live: silenced here

    central.t(20)                           # the station restarts
    now = central.now()
    board = Board("desk", real, Bus())
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in real.last_words(now.wall - timedelta(seconds=RESTORE_S)).items()},
                  now)
    board.set_bus(True, "Connected", now)
    central.t(21)
    board.receive(*chair.status(), central.now())
    board.tick(central.now())
    assert board.audio(central.now()) is None, (
        f"after the restart Room 1 sounds {board.audio(central.now())}: "
        f"{board.card('chair-1', central.now()).alarm.note!r}")
    assert board.card("chair-1", central.now()).alarm.note == "latched · silenced here"
