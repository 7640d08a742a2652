"""A chair's PC reboots (a power cut) and its console is back on the bus before the broker gave
up on the old connection: no Last Will between the two runs. Its clock is 60 s behind until NTP
and its new run counts its statuses from 1 again. Each status looked like an older copy of the
last one heard and was dropped (a code review): the card said "No connection" while the chair
talked, and its high SpO2 85 was shown nowhere. A status with a new run token (`instance`) that
is not a twin's is the new run's whole truth."""

from __future__ import annotations

from datetime import timedelta

from protocols.model import Priority
from tests.central.helpers import Central, MemoryLog


def _rebooted_behind(central: Central, token: str = "run-b"):
    chair = central.chair("chair-1", "Room 1")
    chair.start_infusion()
    for second in range(0, 21, 2):
        central.t(second)
        central.deliver(chair.status(instance="run-a"))
    central.t(50)
    chair.seq = 0
    chair.device("spo2", 85)
    for second in range(50, 71, 2):
        central.t(second)
        behind = (central.now().wall - timedelta(seconds=60)).isoformat()
        central.deliver(chair.status(instance=token, sent_at=behind))
    return chair


def test_a_new_run_with_its_clock_behind_is_heard_with_its_alarm():
    central = Central(MemoryLog())
    _rebooted_behind(central)
    card = central.card("chair-1")
    assert card.connected, card.connection_text
    assert card.alarm is not None and "SpO2" in card.alarm.text
    assert card.alarm.priority is Priority.HIGH
    assert central.sounding() == "high"
    assert central.board.station_alarms(central.now()) == []


def test_an_older_copy_from_the_same_run_is_still_no_sign_of_life():
    central = Central(MemoryLog())
    _rebooted_behind(central, token="run-a")   # no new token: statuses older than the last
    card = central.card("chair-1")
    assert not card.connected
