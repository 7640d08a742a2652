"""Acknowledge at the central while the station's own bus is down: the command cannot reach the
chair now. It used to say "acknowledgement sent", silence the central's tone and hand the command
to the bus client, which held it until the next connect, however much later: the chair then
acknowledged (and logged "at central by ...") an alarm minutes after the card had said "ack not
confirmed". Now nothing is sent, queued or silenced, and the nurse reads why and where to act."""

from __future__ import annotations

from tests.central.helpers import Central, MemoryLog


def _chair_with_medium_alarm(central: Central) -> None:
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    central.deliver(chair.status())
    chair.device("spo2", 92)   # medium
    for m in chair.new_pcd04s():
        central.deliver(m)
    central.deliver(chair.status())
    assert central.sounding() == "medium"


def test_acknowledge_while_the_bus_is_down_sends_nothing_and_keeps_the_tone():
    log = MemoryLog()
    central = Central(log)
    _chair_with_medium_alarm(central)
    acted = len(log.actions)
    # The central's bus drops; 3 s later (the chair's last status is still within 10 s, so its
    # card is still drawn connected) the nurse presses Acknowledge.
    central.board.set_bus(False, "Reconnecting to mqtt://broker (connection lost)", central.now())
    central.t(63)
    assert central.board.card("chair-1", central.now()).connected
    result = central.acknowledge("chair-1")
    assert central.bus.on("chair-1/command") == [], result
    assert result == ("Room 1: not connected to the clinic bus: nothing sent; "
                      "acknowledge at the chair")
    assert central.sounding() == "medium"
    assert len(log.actions) == acted   # no acknowledgement recorded as given
    # Back on the bus, the same press sends the command at once.
    central.board.set_bus(True, "Connected to mqtt://broker", central.now())
    result = central.acknowledge("chair-1")
    assert "acknowledgement sent" in result
    assert len(central.bus.on("chair-1/command")) == 1


def test_acknowledge_while_the_broker_refuses_the_chairs_names_the_refusal():
    central = Central(MemoryLog())
    _chair_with_medium_alarm(central)
    central.board.set_bus(False, "Connected, not receiving the chairs", central.now(),
                          blind="not authorised to subscribe")
    central.t(62)
    result = central.acknowledge("chair-1")
    assert central.bus.on("chair-1/command") == [], result
    assert "refuses this station the chairs' messages: nothing sent" in result
    assert central.sounding() == "medium"
