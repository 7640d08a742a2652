"""A central command whose session or occurrence is not a whole number is ignored, never raised
(bus_topics: a receiver "ignores and counts such a message, it never raises"). `"occurrence":
1e999`, which JSON readers take as infinity, raised OverflowError out of the link's pump: the
console's fault alarm (HIGH, until a restart), and the acknowledgement read beside it in the same
pump lost. 7.5 was read as occurrence 7, another alarm."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network import bus_topics as topics
from console.network.config import NetworkConfig
from tests.mosquitto import free_port
from tests.network.test_link import Chair
from tests.session.helpers import START


@pytest.mark.parametrize("number", [b"1e999", b"-1e999", b"NaN", b"Infinity", b"true"],
                         ids=["1e999", "-1e999", "NaN", "Infinity", "true"])
@pytest.mark.parametrize("field", ["session", "occurrence"])
def test_a_command_whose_number_is_not_a_whole_number_is_ignored_and_the_next_applied(
        tmp_path: Path, field: str, number: bytes) -> None:
    chair = Chair(tmp_path / "log.sqlite3",
                  NetworkConfig(broker=f"mqtt://127.0.0.1:{free_port()}", chair="chair-3",
                                room="Room 3"), ManualClock(START))
    try:
        chair.reading("bp_systolic", 205)
        occurrence = next(o for o in chair.engine.alarms() if o.condition == "bp_systolic_high")
        numbers = {"session": b"%d" % chair.engine.session_id,
                   "occurrence": b"%d" % occurrence.id, field: number}
        bad = (b'{"v":1,"id":"central-1-1","kind":"acknowledge","session":%s,"occurrence":%s,'
               b'"by":"Nurse Kim","station":"central-1"}' % (numbers["session"],
                                                            numbers["occurrence"]))
        good = topics.encode({"id": "central-1-2", "kind": "acknowledge",
                              "session": chair.engine.session_id, "occurrence": occurrence.id,
                              "by": "Nurse Kim", "station": "central-1"})
        topic = topics.chair_topic("chair-3", "command")
        chair.link._on_message(topic, bad)
        chair.link._on_message(topic, good)
        chair.pump()   # raised OverflowError: cannot convert float infinity to integer
        applied = [r.detail["command"] for _, r in chair.log.events(chair.engine.session_id)
                   if r.kind == "acknowledged_at_central"]
        assert applied == ["central-1-2"]
        assert next(o for o in chair.engine.alarms()
                    if o.id == occurrence.id).state.value == "acknowledged"
    finally:
        chair.close()


def test_a_command_for_a_fraction_of_an_occurrence_is_not_read_as_another_alarm(
        tmp_path: Path) -> None:
    chair = Chair(tmp_path / "log.sqlite3",
                  NetworkConfig(broker=f"mqtt://127.0.0.1:{free_port()}", chair="chair-3",
                                room="Room 3"), ManualClock(START))
    try:
        chair.reading("bp_systolic", 205)
        occurrence = next(o for o in chair.engine.alarms() if o.condition == "bp_systolic_high")
        chair.link._on_message(topics.chair_topic("chair-3", "command"), topics.encode(
            {"id": "central-1-1", "kind": "acknowledge", "session": chair.engine.session_id,
             "occurrence": occurrence.id + 0.5, "by": "Nurse Kim", "station": "central-1"}))
        chair.pump()
        assert [o.state.value for o in chair.engine.alarms() if o.id == occurrence.id] \
            == ["active"]
    finally:
        chair.close()
