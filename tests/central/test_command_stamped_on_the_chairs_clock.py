"""A central acknowledgement is stamped on the chair's own clock (review 45). The chair does not
apply a command that reached it more than COMMAND_STALE_S after it was given, judged on its
clock: stamped on the central machine's clock, a chair 2 minutes ahead refused every
acknowledgement (only a line in its Python log; the central said "ack not confirmed" again and
again), and one 2 minutes behind applied one held 2.5 minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.clock import ManualClock, parse_iso
from tests.central.helpers import Central, Chair, MemoryLog
from tests.session.helpers import START


@pytest.mark.parametrize("ahead_s", [120.0, -120.0], ids=["chair-ahead", "chair-behind"])
def test_the_acknowledgement_says_when_by_the_chairs_clock(ahead_s: float) -> None:
    central = Central(MemoryLog(), ManualClock(START, mono=1000.0))
    chair_clock = ManualClock(START + timedelta(seconds=ahead_s), mono=1000.0)
    chair = Chair("chair-1", "Room 1", chair_clock)
    chair.start_infusion()

    def both(seconds: float) -> None:
        central.t(seconds)
        chair_clock.advance(central.now().mono - chair_clock.now().mono)

    central.board.set_bus(True, "Connected", central.now())
    for second in range(0, 21, 2):
        both(second)
        central.deliver(chair.status())
    chair.monitor({"spo2": 85})
    both(22)
    central.deliver(chair.status())
    said = central.acknowledge("chair-1")
    assert said.startswith("Room 1: acknowledgement sent"), said
    [command] = central.bus.on("/command")
    stamped = parse_iso(command.json["at"])
    off = (stamped - chair_clock.now().wall).total_seconds()
    assert abs(off) < 5, f"stamped {off:+.0f} s from the chair's clock: read as that late"
