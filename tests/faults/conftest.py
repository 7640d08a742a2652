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
from collections.abc import Callable
from pathlib import Path

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
    """Rows of a query on the log file, through a connection of our own (closed after)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()
