"""A status the board refuses (counted under "Ignored messages") changes nothing the nurse
sees: not the room a card and its loss alarm send her to, and a chair first named by one gets
no card. Its room was taken before the status was judged: a sounding high's card read "Room 9"
from a status said to be ignored, and a refused status from an unknown chair left a grey "No
connection (no status yet)" card for good (a review)."""

from __future__ import annotations

import json

import pytest

from tests.central.helpers import Central, MemoryLog

# Each a status the board refuses, and the words it counts it under.
REFUSED = pytest.mark.parametrize(("override", "reason"), [
    ({"sent_at": "not a time"}, "status without a readable sent_at"),
    ({"session": "open"}, "status session is neither null nor an object"),
    ({"alarms": "SpO2 84"}, "status alarms is not a list"),
    ({"alarms": [{"priority": "high", "occurrence": 1, "state": "loud"}]},
     "a status alarm in state 'loud'"),
    ({"vitals": ["spo2", 84]}, "status vitals is not an object"),
], ids=["sent_at", "session", "alarms", "alarm-state", "vitals"])


def _room1_sounding_spo2(central: Central):
    """Room 1 in infusion with a high SpO2 alarm (84 %), shown and sounding."""
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    central.t(60)
    central.deliver(chair.status())
    chair.device("spo2", 84)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    return chair


@REFUSED
def test_a_refused_status_leaves_a_sounding_alarm_in_its_room(override, reason):
    central = Central(MemoryLog())
    chair = _room1_sounding_spo2(central)
    card = central.card("chair-1")
    assert card.title == "Room 1" and card.alarm is not None and central.sounding() == "high"

    # The chair's next status comes naming Room 9, and is refused.
    topic, payload = chair.status(room="Room 9")
    obj = json.loads(payload)
    obj.update(override)
    central.board.receive(topic, json.dumps(obj).encode(), central.now())
    assert central.board.ignored == 1
    assert reason in central.board.last_ignored

    # The card still sends the nurse to Room 1, its high alarm shown and sounding.
    card = central.card("chair-1")
    assert (card.title, card.room) == ("Room 1", "Room 1")
    assert card.alarm is not None and "SpO2" in card.alarm.text
    assert central.sounding() == "high"
    # The chair falls silent: its loss names Room 1 too.
    central.t(120)
    lost = [a.text for a in central.board.station_alarms(central.now())]
    assert any("Room 1" in text for text in lost), lost
    assert not any("Room 9" in text for text in lost), lost


@REFUSED
def test_a_refused_status_from_a_chair_never_heard_leaves_no_card(override, reason):
    central = Central(MemoryLog())
    stranger = central.chair("chair-7", "Room 7")
    stranger.start_infusion()
    topic, payload = stranger.status()
    obj = json.loads(payload)
    obj.update(override)
    central.board.receive(topic, json.dumps(obj).encode(), central.now())
    assert central.board.ignored == 1
    assert reason in central.board.last_ignored

    # No card: the board says no chair was heard, now and an hour later.
    assert central.board.cards(central.now()) == []
    central.t(3600)
    assert central.board.cards(central.now()) == []
    assert central.board.station_alarms(central.now()) == []

    # Its next good status brings its card as any chair's first status does.
    central.deliver(stranger.status())
    card = central.card("chair-7")
    assert (card.title, card.connected) == ("Room 7", True)
