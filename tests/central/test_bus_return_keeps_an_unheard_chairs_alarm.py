"""The station's own bus comes back while a chair it could not hear for the outage is still
silent. A chair hung with its SpO2 89 (high) sounding (its network process alive: no Last Will)
was named by the high bus alarm through the outage; at the bus's return that alarm ended at
once, and for 10 s nothing sounded or showed for Room 1, still unheard with its high alarm open,
until its loss was found (a review). IEC 60601-1-8: an alarm condition lasts until it ends; a
chair heard with no alarm open keeps its 10 s to be heard again (its status may simply not have
come yet)."""
from __future__ import annotations

from protocols.model import Priority
from tests.central.helpers import Central, MemoryLog
from tests.central.test_board import spo2_alarm

LOST_TEXT = "Room 1: no connection to the chair; last heard with *** SpO2 89 %, limit ≤90"


def _outage(central: Central):
    """Room 1's SpO2 89 sounding and Room 2 quiet, both heard at 60 s; the station's bus
    drops at 61 s and comes back at 120 s. Returns both chairs."""
    alarming = spo2_alarm(central, "chair-1", "Room 1", value=89)   # its last status
    quiet = central.chair("chair-2", "Room 2")
    quiet.start_infusion()
    central.deliver(quiet.status())
    central.t(61)
    central.board.set_bus(False, "Reconnecting to mqtt://broker: connection lost", central.now())
    central.t(120)
    (bus,) = central.board.station_alarms(central.now())
    assert (bus.key, bus.priority) == ("bus", Priority.HIGH)
    assert "Room 1: last heard with *** SpO2 89 %" in bus.text
    central.board.set_bus(True, "Connected", central.now())
    return alarming, quiet


def test_the_high_alarm_of_a_chair_still_unheard_sounds_on_when_the_bus_returns():
    central = Central(MemoryLog())
    _outage(central)
    for s in (120, 120.25, 122, 125, 129.5, 130.5, 140):
        central.t(s)
        # Room 1's own loss takes over from the bus alarm at once: high, named, sounding.
        banner = central.board.banner(central.now())
        assert banner is not None and banner.text == LOST_TEXT, (s, banner)
        assert (banner.priority, banner.flashing) == (Priority.HIGH, True), s
        assert central.sounding() == "high", s
        card = central.card("chair-1")
        assert not card.connected and card.connection_text.endswith(
            "; last heard with *** SpO2 89 %, limit ≤90"), s


def test_a_chair_heard_with_no_alarm_open_keeps_its_10_s_after_the_bus_returns():
    central = Central(MemoryLog())
    _, quiet = _outage(central)
    # Room 2 had nothing open: no alarm for it while its status is on its way.
    central.t(125)
    assert [a.key for a in central.board.station_alarms(central.now())] == ["chair:chair-1"]
    central.deliver(quiet.status())
    assert central.card("chair-2").connected
    central.t(131)
    assert [a.key for a in central.board.station_alarms(central.now())] == ["chair:chair-1"]


def test_the_kept_loss_ends_when_the_chair_is_heard_again():
    central = Central(MemoryLog())
    alarming, _ = _outage(central)
    # Room 1 was alive after all: its status comes 3 s after the bus; its own alarm is back on
    # its card, sounding, and its loss is over.
    central.t(123)
    central.deliver(alarming.status())
    assert central.board.station_alarms(central.now()) == []
    card = central.card("chair-1")
    assert card.connected and card.alarm.text.startswith("SpO2 89")
    assert central.sounding() == "high"

