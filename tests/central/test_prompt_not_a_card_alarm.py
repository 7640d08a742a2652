"""A prompt ("Vitals due: BP", information) comes to the central as a PCD-04 (PN), but the
chair's status lists only low, medium and high alarms. The card showed the prompt as the chair's
alarm (or in "+1 more") from its PCD-04 and dropped it at the next status 2 s later while it was
still open at the chair: the alarm line flickered (a review). One rule for both: a prompt is no
card alarm; the trend still marks it, as the bedside's does."""
from __future__ import annotations

from console.network import bus_topics
from console.records import AlarmTransition
from tests.central.helpers import Central, MemoryLog


def _vitals_due(chair, central: Central, session: int) -> AlarmTransition:
    return AlarmTransition(session, 99, "vitals_due:BP", "prompt", "info", "raised",
                           central.now().wall, "Vitals due: BP (Systolic)")


def test_a_prompt_is_not_the_cards_alarm_from_its_pcd04_or_its_status():
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    session = bus_topics.decode(chair.status()[1])["session"]["id"]
    # 1 s: "Vitals due" comes as a PCD-04: nothing on the card, nothing sounds.
    central.t(1)
    due = _vitals_due(chair, central, session)
    central.deliver(chair.pcd04(due))
    card = central.card("chair-1")
    assert (card.alarm, card.can_acknowledge, central.sounding()) == (None, False, None)
    # 2 s: the chair's status, the prompt still open there: the card unchanged.
    central.t(2)
    central.deliver(chair.status())
    assert central.card("chair-1").alarm is None
    # A status that lists it (an older chair's) says no more.
    central.t(4)
    listed = {"occurrence": 99, "priority": "info", "category": "prompt",
              "text": "Vitals due: BP (Systolic)", "state": "active"}
    central.deliver(chair.status(alarms=[listed]))
    assert central.card("chair-1").alarm is None
    # The trend marks it, as the bedside's trend does.
    assert [(m.occurrence, m.priority) for m in central.board.trend("chair-1").alarms] == \
        [(99, "info")]


def test_a_prompt_is_not_counted_beside_the_chairs_alarm():
    central = Central(MemoryLog())
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    central.deliver(chair.status())
    session = bus_topics.decode(chair.status()[1])["session"]["id"]
    # 60 s: SpO2 92, a medium alarm, shown alone.
    central.t(60)
    chair.device("spo2", 92)
    for message in chair.new_pcd04s():
        central.deliver(message)
    central.deliver(chair.status())
    assert central.card("chair-1").alarm.others == ()
    # 61 s: "Vitals due": not "+1 more", neither now nor at the next status.
    central.t(61)
    central.deliver(chair.pcd04(_vitals_due(chair, central, session)))
    alarm = central.card("chair-1").alarm
    assert (alarm.text.startswith("SpO2 92"), alarm.more()) == (True, "")
    central.t(62)
    central.deliver(chair.status())
    alarm = central.card("chair-1").alarm
    assert (alarm.text.startswith("SpO2 92"), alarm.more()) == (True, "")
