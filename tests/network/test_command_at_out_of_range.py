"""A central command whose `at` cannot be put in UTC is read without a traceback (review 45). A chair reads a central command's `at` to drop one older than COMMAND_STALE_S
(`NetworkLink._command_age`). It catches ValueError only: an `at` that parses but cannot be
put in UTC ("0001-01-01T00:00:00+01:00", a central with a clock reset or a garbled message)
raises OverflowError out of `pump`, and the commands read before it in the same turn are lost
(already marked seen) - bad input from the bus becomes a traceback, not a refused message."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

from console.clock import ManualClock, iso
from console.network import bus_topics as topics
from console.network.config import NetworkConfig
from tests.network.test_link import Chair
from tests.session.helpers import START


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_a_command_whose_time_is_out_of_range_is_dropped_not_raised(tmp_path: Path) -> None:
    chair = Chair(tmp_path / "log.sqlite3",
                  NetworkConfig(broker=f"mqtt://127.0.0.1:{_closed_port()}", chair="chair-3",
                                room="Room 3"), ManualClock(START))
    try:
        chair.reading("bp_systolic", 205)
        occurrence = next(o for o in chair.engine.alarms() if o.condition == "bp_systolic_high")
        wall = chair.clock.now().wall

        def command(number: int, at: str) -> bytes:
            return topics.encode({"id": f"central-1-{number}", "kind": "acknowledge",
                                  "session": chair.engine.session_id,
                                  "occurrence": occurrence.id, "by": "Nurse Kim",
                                  "station": "central-1", "at": at})

        topic = topics.chair_topic("chair-3", "command")
        chair.link._on_message(topic, command(1, iso(wall - timedelta(seconds=2))))
        chair.link._on_message(topic, command(2, "0001-01-01T00:00:00+01:00"))
        chair.pump()   # raised OverflowError: date value out of range
        kinds = [r.detail["command"] for _, r in chair.log.events(chair.engine.session_id)
                 if r.kind == "acknowledged_at_central"]
        assert kinds == ["central-1-1"], kinds
    finally:
        chair.close()
