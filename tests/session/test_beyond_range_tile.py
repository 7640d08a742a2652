"""The chair's tile shows a monitor's value beyond its range as its limit: "<5", not "5".

A Dräger Infinity sends "RR below 5" as `<^5`; the console keeps it as 5 flagged `<` and alarms
on it (test_device_value_beyond_range.py). The review says "<5"; the tile, what the nurse reads
at the chair, said "5", a rate the monitor never measured.
"""

from __future__ import annotations

from console.session.tile_view import tile_view
from protocols.model import Priority
from tests.session.helpers import Session
from tests.session.test_device_value_beyond_range import infinity_sends


def test_a_respiratory_rate_below_the_monitors_range_reads_as_its_limit_on_the_tile() -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    assert infinity_sends(s, "OBX|1|SN|RR^^local^9279-1&1^^LOINC||<^5|/min^^ISO+|||||F", "D1")
    view = tile_view(s.engine, "resp_rate", s.now())
    assert view.value == "<5"
    assert view.marked() == {"resp_rate": Priority.HIGH}   # still the number its alarm marks


def test_a_measured_value_reads_as_it_is() -> None:
    s = Session()
    s.to_infusion()
    s.engine.device_state_changed("connected", s.now())
    assert infinity_sends(s, "OBX|1|SN|RR^^local^9279-1&1^^LOINC||=^5|/min^^ISO+|||||F", "D1")
    assert tile_view(s.engine, "resp_rate", s.now()).value == "5"
