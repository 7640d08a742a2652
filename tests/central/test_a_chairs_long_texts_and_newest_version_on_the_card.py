"""What the central station shows of a chair's texts a card cannot hold, and of a chair whose
console was updated twice: a Last Will whose reason is megabytes long (a chair's bug, a bridge
on the bus) is cut on arrival as every other text a card shows; so is a PCD-04's room (the
card's alarm line names it when two consoles share a chair's name); and the station alarm of a chair sending statuses of a newer
version names the version it sends now, not the first newer one it sent."""

from __future__ import annotations

import json

from console.central.board import TEXT_LIMIT
from tests.central.helpers import Central, Chair, MemoryLog

MB = 1024 * 1024


def test_a_last_will_whose_reason_is_megabytes_long_is_cut_on_the_card() -> None:
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    central.deliver(chair.status())
    topic, payload = chair.will()
    will = json.loads(payload)
    will["reason"] = "network cable out " + "x" * MB
    central.t(61)
    central.board.receive(topic, json.dumps(will).encode(), central.now())

    card = central.card("chair-1")
    assert not card.connected
    # "No connection since hh:mm:ss (network cable out xxx…)": the reason's start, cut.
    assert "(network cable out xxx" in card.connection_text, card.connection_text[:200]
    assert len(card.connection_text) < 2 * TEXT_LIMIT
    assert card.connection_text.endswith("…)")
    assert central.board.ignored == 1
    assert f"{len(will['reason']):,}-character reason" in central.board.last_ignored


def test_a_pcd04_whose_room_is_megabytes_long_shows_its_alarm_with_the_room_cut() -> None:
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    central.deliver(chair.status())
    chair.device("spo2", 86)
    (topic, payload), *_ = chair.new_pcd04s()
    text = payload.decode()
    assert "Room 1" in text
    room = "Room 1" + "x" * MB
    central.board.receive(topic, text.replace("Room 1", room).encode(), central.now())

    card = central.card("chair-1")
    assert card.alarm is not None and card.alarm.text.startswith("SpO2 86")
    assert central.sounding() == "high"
    # "Ignored messages" says what was cut; the board keeps no megabytes of it (the room
    # names the alarm's console on the card while two consoles share the chair's name).
    assert central.board.ignored == 1
    assert f"a {len(room):,}-character room" in central.board.last_ignored
    assert f"cut to {TEXT_LIMIT}" in central.board.last_ignored
    assert len(repr(central.board.__dict__)) < MB


def _status_of_version(central: Central, chair: Chair, version: int) -> None:
    topic, payload = chair.status()
    obj = json.loads(payload)
    obj["v"] = version
    central.board.receive(topic, json.dumps(obj).encode(), central.now())


def test_a_chair_updated_again_names_the_version_it_sends_now_in_the_station_alarm() -> None:
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.t(60)
    _status_of_version(central, chair, 2)
    (alarm,) = central.board.station_alarms(central.now())
    assert "sends status version 2;" in alarm.text, alarm.text
    central.t(62)
    _status_of_version(central, chair, 3)   # its console updated again
    (alarm,) = central.board.station_alarms(central.now())
    assert alarm.text.startswith(
        "chair-1 sends status version 3; this station reads 1: update the central station"), \
        alarm.text
