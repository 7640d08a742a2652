"""What the chair's status line says while the engine does not answer a message: the sender's
cause after a time-out (tests/network/test_mllp_sender.py), not only "sent, waiting for its
answer" (the review: an engine acknowledging another control id held the queue for good, and the
cause was only in the engine worker's stderr).

The link is not started: the engine's statuses are given as its client reports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from console.clock import ManualClock
from console.network.config import NetworkConfig
from console.network.link import NetworkLink
from console.network.mllp_sender import SenderState, SenderStatus
from console.network.pcd import Station
from console.store import EventLog
from tests.session.helpers import START

STATION = Station(equipment_id="console-test", equipment_id_type="UUID", room="Room 3",
                  bed="chair-3")


@pytest.fixture
def log(tmp_path: Path) -> Iterator[EventLog]:
    opened = EventLog.open(tmp_path / "log.sqlite3", "test")
    yield opened
    opened.close()


@pytest.mark.parametrize("cause", [
    "the engine acknowledged 'ENGINE-0001', not 'MSG00001' (check its MSA-2 setting)",
    "no answer to 'MSG00001' within 10 s",
], ids=["another control id", "silence"])
def test_the_line_says_why_the_engine_has_not_answered(log: EventLog, cause: str) -> None:
    link = NetworkLink(NetworkConfig(forward="mllp://127.0.0.1:6661", chair="chair-3"), log,
                       ManualClock(START), station=STATION)
    # Sent again after the time-out; the sender's status keeps the cause.
    link._on_mllp_status(SenderStatus(SenderState.AWAITING_ACK, control_id="MSG00001",
                                      last_error=cause))
    report = link.pump()
    assert report.line == f"engine 127.0.0.1:6661: sent, waiting for its answer; engine: {cause}"
    # The log's network_status rows and the network alarm's detail say it with the state.
    assert report.state == f"engine 127.0.0.1:6661: sent, waiting for its answer ({cause})"
