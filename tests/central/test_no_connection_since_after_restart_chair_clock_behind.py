"""After a restart of the central station, "No connection since" of a chair whose clock runs 5
minutes behind the station's said a time 5 minutes early: the chair's newest PCD-01 says when it
was sent by the chair's clock (MSH-7), and that was taken as this station's time whenever it was
the earlier (a review). Live, the card said when this station last heard the chair; after the
restart it says the same."""
from __future__ import annotations

from datetime import timedelta

from console.central.board import RESTORE_S, Board
from console.central.central_log import CentralLog
from console.clock import ManualClock
from tests.central.helpers import Bus, Central, Chair
from tests.session.helpers import START

BEHIND_S = 300.0
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
    """This station's clock time `seconds` after its start, as a card says it."""
    return (central.now().wall + timedelta(seconds=seconds - (central.now().mono
                                                            - central.origin))
            ).astimezone().strftime("%H:%M:%S")


def test_no_connection_since_after_a_restart_of_a_chair_whose_clock_is_behind(tmp_path):
    # The central machine's clock is right; the chair's is 5 minutes behind.
    log = CentralLog.open(tmp_path / "central.sqlite3")
    central = Central(log, ManualClock(START + timedelta(seconds=BEHIND_S), mono=1000.0))
    chair_clock = ManualClock(START, mono=1000.0)
    chair = Chair("chair-1", "Room 1", chair_clock)

    def both(seconds: float) -> None:
        central.t(seconds)
        chair_clock.advance(central.now().mono - chair_clock.now().mono)

    chair.start_infusion()
    central.deliver(chair.status())
    # Ten quiet minutes: its values and its status every 2 s (the status logged once).
    sent = 0
    for second in range(2, 601, 2):
        both(second)
        chair.monitor(VALUES)
        records = chair.observations()
        central.deliver(chair.pcd01(records[sent:]))
        sent = len(records)
        central.deliver(chair.status())
    heard = _clock(central, 600)
    # The chair hangs (no Last Will yet): live, the card says when it was last heard.
    both(615)
    assert central.card("chair-1").connection_text.startswith(f"No connection since {heard} ")
    # The central stops (an update); the chair's console dies meanwhile: its Last Will retained.
    both(700)
    board = _restarted(log, central)
    now = central.now()
    board.receive(*chair.will(), now, retained=True)
    board.tick(now)
    card = board.card("chair-1", now)
    assert card.connection_text == f"No connection since {heard} (connection lost)"
    log.close()
