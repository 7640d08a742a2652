"""A chair whose clock is 5 minutes behind the central machine's: its trend at the central
ends 5 minutes before "now", an empty stretch that reads as a monitor silent for 5 minutes,
and its time axis disagrees with the card's elapsed time."""

from __future__ import annotations

from datetime import timedelta

from console.clock import ManualClock
from console.ui.central_trend import CentralTrendDialog
from tests.central.helpers import Central, Chair, MemoryLog
from tests.session.helpers import START

BEHIND_S = 300.0


def test_the_trend_of_a_chair_whose_clock_is_behind_ends_at_its_newest_values(qtbot):
    # The central machine's clock is right; the chair's is 5 minutes behind.
    central = Central(MemoryLog(), ManualClock(START + timedelta(seconds=BEHIND_S), mono=1000.0))
    chair_clock = ManualClock(START, mono=1000.0)
    chair = Chair("chair-1", "Room 1", chair_clock)
    chair.start_infusion()

    def both(seconds: float) -> None:
        central.t(seconds)
        chair_clock.advance(central.now().mono - chair_clock.now().mono)

    values = {"bp_systolic": 120, "bp_diastolic": 80, "bp_mean": 93, "heart_rate": 72,
              "resp_rate": 14, "spo2": 98}
    sent = 0
    for second in range(0, 601, 2):
        both(second)
        chair.monitor(values)
        records = chair.observations()
        if records[sent:]:
            central.deliver(chair.pcd01(records[sent:]))
            sent = len(records)
        central.deliver(chair.status())

    card = central.card("chair-1")
    assert card.connected and card.elapsed == "10:00 min"
    dialog = CentralTrendDialog(central.board, "chair-1", central.clock)
    qtbot.addWidget(dialog)
    data = central.board.trend("chair-1")
    newest = max(t for points in data.series.values() for t, _, _ in points)
    newest_minute = (newest - data.started_at.timestamp()) / 60.0
    assert abs(newest_minute - 10.0) < 0.1   # the chair's own 10 minutes of values
    # The trend's "now" is the session's 10th minute, as the card and the bedside say; it was
    # the 15th (the central's own clock against the chair's start): 5 empty minutes drawn
    # after the newest values.
    assert abs(dialog.plot._now - newest_minute) < 0.5, (dialog.plot._now, newest_minute)
