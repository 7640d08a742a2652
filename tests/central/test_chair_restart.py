"""A chair restarted with its clock behind what it sent before (a hardware clock before NTP:
the README's restart rule stamps with the clock as it is). Its first status after its Last Will
is the whole truth of its open alarms: an alarm it ended at the restart must not stay on the
central's card, sounding, because the old "raised" carries a later time than anything new."""

from __future__ import annotations

from datetime import timedelta

from console.network import bus_topics
from console.network.pcd import PatientShown, Station, pcd04
from console.records import AlarmTransition
from tests.central.helpers import Central, MemoryLog
from tests.session.helpers import START

STATION = Station("0200000012345678", facility="Clinic", room="Room 1", bed="chair-1")
CHAIR = "chair-1"


def status(sent_at, seq, alarms) -> tuple[str, bytes]:
    return (bus_topics.chair_topic(CHAIR, "status"), bus_topics.encode({
        "chair": CHAIR, "room": "Room 1", "online": True, "sent_at": sent_at.isoformat(),
        "seq": seq, "session": {"id": 1, "patient": "K-1", "protocol": "p", "phase": "infusion",
                                "elapsed_s": 600, "ended": False},
        "device": "connected", "vitals": {}, "alarms": alarms, "highest": None,
        "audio": "full", "network": "ok"}))


def monitor_lost(transition: str, at, control_id: str) -> tuple[str, bytes]:
    step = AlarmTransition(1, 3, "device_lost", "technical", "medium", transition, at,
                           "Monitor disconnected")
    return (bus_topics.chair_topic(CHAIR, "pcd04"),
            pcd04(step, control_id=control_id, sent_at=at, station=STATION,
                  patient=PatientShown("K-1")).encode())


def test_a_chair_back_with_its_clock_behind_leaves_no_ended_alarm_sounding_here():
    central = Central(MemoryLog())
    central.deliver(status(START, 10, []))
    central.t(1)
    central.deliver(monitor_lost("raised", START + timedelta(seconds=1), "A-1"))
    assert central.sounding() == "medium"
    central.t(2)   # killed: its Last Will
    central.deliver((bus_topics.chair_topic(CHAIR, "status"), bus_topics.encode(
        {"chair": CHAIR, "room": "Room 1", "online": False, "reason": "connection lost"})))
    behind = START - timedelta(minutes=5)   # restarted, its clock 5 min behind
    central.t(7)
    central.deliver(monitor_lost("cleared", behind, "A-2"))   # ended by the restart
    central.deliver(status(behind, 1, []))
    for k in range(1, 4):
        central.t(7 + 2 * k)
        central.deliver(status(behind + timedelta(seconds=2 * k), 1 + k, []))
    card = central.card(CHAIR)
    assert card.connected and card.alarm is None
    assert central.sounding() is None
