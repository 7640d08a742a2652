"""Fixtures for the central station's tests: a real Mosquitto broker (tests/mosquitto.py, as the
clinic bus tests use it) for the end-to-end test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mosquitto import Broker


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A started anonymous broker, `broker.url` = mqtt://127.0.0.1:<port>."""
    made = Broker(tmp_path / "broker").start()
    yield made
    made.stop()
