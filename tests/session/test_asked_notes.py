"""A checklist item that asks for something (a device's lot number, for the REMS form) is not
ticked without it: the engine refuses, naming what is needed; given, it is the tick's note."""

from __future__ import annotations

from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import Session


def test_a_device_is_not_ticked_without_its_lot_number():
    s = Session(load_protocol(builtin_protocols_dir() / "esketamine.toml"))
    assert s.engine.advance_phase("nurse.ana", s.now(), override_reason="test").done
    refused = s.engine.tick_item("device-1", "nurse.ana", s.now())
    assert not refused.done
    assert refused.message == ("Lot number needed: type it to tick 'Device 1: time given and lot "
                               "number recorded'.")
    assert s.engine.tick_item("device-1", "nurse.ana", s.now(), note="LOT-4711A").done
    assert s.engine.ticks()["device-1"].note == "LOT-4711A"
