"""A charge nurse opens a chair's trend after the central station restarted: the alarm markers
of what the station received (and logged) earlier in the session are gone."""

from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from tests.central.helpers import Bus, Central


def _talking(central, chair, start, end):
    """The chair's status every 2 s, as its console sends it."""
    for second in range(start, end, 2):
        central.t(second)
        central.deliver(chair.status())


def test_alarm_markers_received_before_a_central_restart_are_on_the_trend_after_it(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    _talking(central, chair, 0, 60)
    # Minute 1: SpO2 89, a high alarm; over 10 s later.
    chair.device("spo2", 89)
    for message in chair.new_pcd04s():
        central.deliver(message)
    _talking(central, chair, 60, 70)
    chair.device("spo2", 97)
    for message in chair.new_pcd04s():
        central.deliver(message)
    _talking(central, chair, 70, 180)
    # Minute 3: HR 125, a medium alarm; its value moves on (126) while it stands.
    chair.device("heart_rate", 125)
    for message in chair.new_pcd04s():
        central.deliver(message)
    _talking(central, chair, 180, 190)
    chair.device("heart_rate", 126)
    for message in chair.new_pcd04s():
        central.deliver(message)
    _talking(central, chair, 190, 200)
    before = [(m.occurrence, m.priority, m.transition)
              for m in central.board.trend("chair-1").alarms]
    shown = central.card("chair-1").alarm
    assert before[0][:2] == (1, "high"), before   # SpO2 89 marked on the trend

    # The central station restarts (an update): a new board on its own log, as app.build does.
    central.t(220)
    now = central.now()
    board = Board("desk", log, Bus())
    since = now.wall - timedelta(seconds=RESTORE_S)
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in log.last_words(since).items()}, now)
    board.set_bus(True, "Connected", now)
    topic, payload = chair.status()   # the chair goes on
    board.receive(topic, payload, now)

    after = [(m.occurrence, m.priority, m.transition) for m in board.trend("chair-1").alarms]
    # The nurse clicks Room 1: the SpO2 89 alarm of minute 1, received and logged by this
    # station, is still marked on the session's trend.
    assert after == before
    # Marked only: the open alarms are the chair's (SpO2 89 latched, HR 126), as before.
    assert board.card("chair-1", now).alarm == shown
    log.close()
