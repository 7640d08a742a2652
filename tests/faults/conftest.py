"""Shared pieces of the fault suite: what only the dedicated fault run does, and process helpers.

Every test here is marked `faults`, so `pytest -m faults` runs the suite alone. The default run
(`pytest`, `./test.sh`, CI) runs them too, except the parts too slow for every commit: those ask
for the `fault_run` fixture, which tells whether `-m faults` selected this run, and either scale
down (R1 kills the console 4 times instead of 20) or skip with the command that runs them.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _selected_by_marker(config: pytest.Config) -> bool:
    expr = str(config.getoption("markexpr") or "")
    return "faults" in expr and "not faults" not in expr


@pytest.fixture
def fault_run(request: pytest.FixtureRequest) -> bool:
    """True when this run is the dedicated fault run (`pytest -m faults`)."""
    return _selected_by_marker(request.config)


@pytest.fixture
def live(tmp_path: Path, qtbot: object) -> Iterator[tuple[Any, Any, Any, Any]]:
    """A session for widget tests, as tests/ui/conftest.py builds it: real engine, real SQLite
    log behind a journal, a clock moved by hand. Yields (controller, journal, clock, log)."""
    from console.clock import ManualClock
    from console.session.engine import Patient, SessionEngine
    from console.session.journal import Journal
    from console.store import EventLog
    from console.ui.controller import SessionController
    from protocols.loader import builtin_protocols_dir, load_protocol

    log = EventLog.open(tmp_path / "log.sqlite3", "test")
    journal = Journal(log)
    clock = ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    engine = SessionEngine.open(protocol, journal, Patient("MRN-7", 72), "ana", clock.now())
    controller = SessionController(engine, clock)
    yield controller, journal, clock, log
    controller.stop()
    log.close()


def console_env(**extra: str) -> dict[str, str]:
    """The environment a console child runs in: offscreen Qt, nothing else changed."""
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", **extra}


def wait_until(predicate: Callable[[], bool], timeout: float, what: str,
               poll: float = 0.05) -> float:
    """Poll another process's effect until `predicate` holds; return the monotonic time it did.

    Waiting on a real subprocess or pty has no clock to inject: this is a deadline-bounded poll.
    """
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(poll)


def sql(db: Path, query: str, params: tuple[object, ...] = ()) -> list[tuple]:
    """Rows of a query on the log file, through a connection of our own (closed after). Read
    and write, never create: a connection made before the console's log would leave an empty
    file at the path, which the console refuses as a log that lost its content."""
    conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()
