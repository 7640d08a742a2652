"""After a restart of the central station, "No connection since" gives when this station last
heard the chair. A quiet session's status is logged only when something changes (its start), so
a restart said "since 09:00:00" of a chair heard every second until 09:10 (a review). Its
observations (PCD-01, about one a second, each logged) say when it was last heard."""
from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from tests.central.helpers import Bus, Central

VALUES = {"heart_rate": 72, "spo2": 98, "resp_rate": 14}


def _restarted(log: CentralLog, central: Central) -> Board:
    """A new board on the same log, restored before connecting (as app.build does)."""
    now = central.now()
    board = Board("desk", log, Bus())
    board.restore({c: [(r.kind, r.received_at, r.payload) for r in rows]
                   for c, rows in log.last_words(now.wall - timedelta(seconds=RESTORE_S)).items()},
                  now)
    board.set_bus(True, "Connected", now)
    return board


def _clock(central: Central, seconds: float) -> str:
    return (central.now().wall + timedelta(seconds=seconds - (central.now().mono
                                                            - central.origin))
            ).astimezone().strftime("%H:%M:%S")


def test_no_connection_since_is_when_the_chair_was_last_heard_after_a_restart(tmp_path):
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    # Ten quiet minutes: its values and its status every 2 s (the status logged once).
    sent = 0
    for second in range(2, 601, 2):
        central.t(second)
        chair.monitor(VALUES)
        records = chair.observations()
        central.deliver(chair.pcd01(records[sent:]))
        sent = len(records)
        central.deliver(chair.status())
    assert [r.kind for r in log.received("chair-1")].count("status") == 1
    heard = _clock(central, 600)
    # The central stops (an update); the chair's console dies meanwhile: its Last Will retained.
    central.t(700)
    board = _restarted(log, central)
    now = central.now()
    board.receive(*chair.will(), now, retained=True)
    board.tick(now)
    card = board.card("chair-1", now)
    assert card.connection_text == f"No connection since {heard} (connection lost)"
    log.close()


def test_observations_queued_for_the_station_are_no_sign_of_life_at_the_next_restart(tmp_path):
    # The station stops at 100 s; the chair hangs at 150 s (no Last Will), its observations of
    # 100-150 s queued for the station's persistent session. They come at its restart at 400 s
    # (logged then); a second restart still says the chair was last heard at 150 s, when it
    # sent them, not 400 s.
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    sent = 0
    queued = []
    for second in range(2, 151, 2):
        central.t(second)
        chair.monitor(VALUES)
        records = chair.observations()
        message = chair.pcd01(records[sent:])
        sent = len(records)
        if second <= 100:
            central.deliver(message)
            central.deliver(chair.status())
        else:
            queued.append(message)
    central.t(400)
    board = _restarted(log, central)
    for topic, payload in queued:
        board.receive(topic, payload, central.now())
    central.t(500)
    board = _restarted(log, central)
    now = central.now()
    board.tick(now)
    assert board.card("chair-1", now).connection_text.startswith(
        f"No connection since {_clock(central, 150)} ")
    log.close()


def test_an_alarm_queued_for_the_station_is_no_sign_of_life_at_the_next_restart(tmp_path):
    # As above with a chair sending no observations (manual entry only): its last words are
    # an alarm's PCD-04, sent at 150 s when it hung and logged at the station's restart at
    # 400 s. A second restart says the chair was last heard when it sent that alarm.
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log)
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    for second in range(2, 101, 2):
        central.t(second)
        central.deliver(chair.status())
    central.t(150)
    chair.device("spo2", 84)
    queued = list(chair.new_pcd04s())
    assert queued, "the SpO2 84 raised an alarm"
    central.t(400)
    board = _restarted(log, central)
    for topic, payload in queued:
        board.receive(topic, payload, central.now())
    central.t(500)
    board = _restarted(log, central)
    now = central.now()
    board.tick(now)
    assert board.card("chair-1", now).connection_text.startswith(
        f"No connection since {_clock(central, 150)} ")
    log.close()
