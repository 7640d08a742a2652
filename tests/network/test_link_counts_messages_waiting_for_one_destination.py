"""The status line counts the messages waiting for a chair with one destination only: the clinic
bus with no interface engine configured, or the engine with no bus. Counted only when waiting
for both, clinic IT read no "to send" at all while the readings of a chair whose one destination
was down piled up (nobody listens on the reserved ports here)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from console.network.config import NetworkConfig
from tests.network.conftest import reserve_port
from tests.network.mllp_peer import HOST
from tests.network.test_link import Chair, chairs  # noqa: F401 - the fixture


@pytest.mark.parametrize("destination", ["broker", "forward"])
def test_the_status_line_counts_messages_waiting_for_the_one_destination_there_is(
        chairs: Callable[..., Chair], destination: str) -> None:  # noqa: F811
    with reserve_port() as port:   # nobody listens: the one destination is down
        url = f"mqtt://{HOST}:{port}" if destination == "broker" else f"mllp://{HOST}:{port}"
        chair = chairs(NetworkConfig(**{destination: url}, chair="chair-3", room="Room 3"))
        committed = len(chair.outbox_ids())
        chair.reading("heart_rate", 61)
        chair.reading("heart_rate", 62)
        chair.pump()
        messages = len(chair.outbox_ids())
        assert messages > committed
        assert f"{messages} to send" in chair.link.state_text()
        assert f"{messages} to send" in chair.link.line_text()
