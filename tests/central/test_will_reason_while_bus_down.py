"""A chair whose Last Will came before this station's own bus dropped keeps its reason on its
card ("connection lost"): it read "this station is not connected to the clinic bus" for the
whole outage, as if the chair had been lost by it. A chair only unheard for the outage still
says the station's own link is why."""
from __future__ import annotations

from tests.central.helpers import Central, MemoryLog


def test_a_chair_lost_before_the_bus_dropped_keeps_the_reason_of_its_will():
    central = Central(MemoryLog())
    lost = central.chair("chair-1", "Room 1")
    quiet = central.chair("chair-2", "Room 2")
    for chair in (lost, quiet):
        chair.start_infusion()
        central.deliver(chair.status())
    central.t(2)
    central.deliver(lost.will())
    central.deliver(quiet.status())
    central.t(20)
    central.board.set_bus(False, "Reconnecting to mqtt://broker: connection lost", central.now())
    central.t(40)
    assert central.card("chair-1").connection_text.endswith("(connection lost)")
    assert central.card("chair-2").connection_text.endswith(
        "(this station is not connected to the clinic bus)")
