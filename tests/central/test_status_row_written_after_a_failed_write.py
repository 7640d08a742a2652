"""A chair's status row whose write failed is written once the central log takes writes again.

`Board._log_change` counted a status summary as logged before writing it: when the write failed
(the log locked by another program for longer than its busy timeout, an I/O error, the disk full
for a moment), every later status of the chair, saying the same, was skipped as "nothing
changed", and the change was never written (the "Central log unavailable" alarm ending at the
next row written, a PCD-01 a second later). The log then lacked the chair's high alarm: a
restart brought the chair back from it as a medium "no connection" naming no alarm, where the
station that ran all along showed the high "no connection … last heard with *** SpO2" (a
review). The rows a failed write leaves are now held in memory, in order, and written on the
retry timer (`Board.tick`, RETRY_S); a summary held counts as logged once written."""

from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, RETRY_S, Board
from console.central.central_log import CentralLog
from protocols.model import Priority
from tests.central.failing_log import FlakyLog
from tests.central.helpers import Bus, Central


def _spo2_86_while_the_log_fails(tmp_path):
    """Room 1 in session, heard for a minute; its SpO2 86 alarm (its PCD-04 and the status
    naming it) comes while the log fails: (real log, flaky log, central, chair)."""
    real = CentralLog.open(tmp_path / "central.sqlite3")
    log = FlakyLog(real)
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    central.deliver(chair.status())
    # 60 s: the log fails for a moment, just as the chair's SpO2 86 alarm comes.
    log.failing = True
    chair.device("spo2", 86)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    assert [a.key for a in central.board.station_alarms(central.now())] == ["log"]
    # The log works again: the chair's statuses go on every 2 s, its observations every second.
    log.failing = False
    for second in range(62, 92, 2):
        central.t(second)
        central.deliver(chair.pcd01(chair.observations()[-2:]))
        central.deliver(chair.status())
    return real, log, central, chair


def test_a_chairs_alarm_whose_status_row_failed_is_in_the_log_once_it_works(tmp_path):
    real, _, central, _ = _spo2_86_while_the_log_fails(tmp_path)
    # The held rows written, the log alarm has ended.
    assert central.board.station_alarms(central.now()) == []
    # What the log holds of the chair's state: its high alarm, in the order it came (unheard
    # from 10 s, heard again at 60 s, its alarm, the status naming it, then its observations).
    rows = [r for r in real.received("chair-1") if r.kind in ("status", "pcd04")]
    assert any("SpO2" in r.payload for r in rows), \
        f"no row of the chair's SpO2 alarm in the log: {[r.kind for r in rows]}"
    rows = list(real.received("chair-1"))
    assert [r.kind for r in rows[:6]] == ["status", "stale", "status", "pcd04", "status", "pcd01"]
    assert '"text": "SpO2 86 %' in rows[4].payload


def test_a_restart_after_a_failed_write_keeps_the_lost_chairs_high_alarm(tmp_path):
    real, _, central, chair = _spo2_86_while_the_log_fails(tmp_path)
    will = chair.will()
    central.deliver(will)   # the chair's console dies with its SpO2 86 sounding
    live = [(a.key, a.priority) for a in central.board.station_alarms(central.now())]
    assert live == [("chair:chair-1", Priority.HIGH)]

    # The central restarts on its log (an update); the broker hands it the retained Will.
    central.t(200)
    now = central.now()
    board = Board("desk", real, Bus())
    since = now.wall - timedelta(seconds=RESTORE_S)
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in real.last_words(since).items()}, now)
    board.set_bus(True, "Connected", now)
    board.receive(will[0], will[1], now, retained=True)
    now = central.clock.advance(1)
    board.tick(now)
    after = [(a.key, a.priority, a.text) for a in board.station_alarms(now)]
    assert [(k, p) for k, p, _ in after] == live, after
    assert "last heard with *** SpO2 86" in after[0][2]


def test_rows_are_held_not_tried_per_message_and_written_on_the_retry_timer(tmp_path):
    real = CentralLog.open(tmp_path / "central.sqlite3")
    log = FlakyLog(real)
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    # 10 s: the log locked; the first write fails, the next messages do not try it.
    central.t(10)
    log.failing = True
    tried = log.writes
    chair.device("spo2", 86)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    for _ in range(3):
        central.deliver(chair.pcd01(chair.observations()[-2:]))
    assert log.writes == tried + 1
    (alarm,) = central.board.station_alarms(central.now())
    assert (alarm.key, alarm.priority) == ("log", Priority.MEDIUM)
    assert alarm.text.startswith(
        "Central log unavailable: 5 records held in memory, written when the log takes them; "
        f"Cannot write the central station's log {real.path} (locked)"), alarm.text
    # The retry timer, on the station's clock: one attempt every RETRY_S while it fails.
    central.t(10 + RETRY_S / 2)
    central.t(10 + RETRY_S)
    assert log.writes == tried + 2
    # The log works again: at the next attempt every held row is written, in order.
    log.failing = False
    central.t(10 + 2 * RETRY_S)
    assert central.board.station_alarms(central.now()) == []
    assert [r.kind for r in real.received("chair-1")] == [
        "status", "pcd04", "status", "pcd01", "pcd01", "pcd01"]
