"""`network undelivered` and `network resend` on a session log they cannot read as the console
wrote it: one line and a documented exit status, never a traceback (console/network/resend.py).

The clinic IT person runs these exactly when something went wrong at a chair. Before: a log
SQLite finds damaged ("database disk image is malformed") ended both in a Python traceback, exit
1, which for `resend` means "some were refused again" (a script took it for a refusal), where
`verify`, `export` and `access-log` say in one line that the file is damaged, exit 3; a log from
before the clinic network (schema 1) ended `undelivered` in "no such table: deliveries".
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from console import cli
from console.network.config import NetworkConfig
from console.store import schema
from console.store.outbox import ENGINE, FAILED, Delivery
from tests.network.test_link import Chair
from tests.network.test_resend import run
from tests.session.helpers import START
from tests.store import damage


def next_steps(db: Path, not_done: str) -> str:
    return (f"; {not_done}. Check it with `infusion-console verify --db {db}`, keep a copy of it "
            "for review and restore the log from the last backup, removing its -wal and -shm "
            "files first")


NOT_DONE = {"undelivered": "nothing was listed", "resend": "nothing was sent"}


@pytest.fixture
def refused(tmp_path: Path, reserved_port: int) -> Path:
    """A closed log whose messages the engine refused (AR), listed by `undelivered`."""
    db = tmp_path / "log.sqlite3"
    chair = Chair(db, NetworkConfig(forward=f"mllp://127.0.0.1:{reserved_port}",
                                    chair="chair-3", room="Room 3"))
    chair.reading("heart_rate", 72)
    ids = [i for (i,) in chair.log.conn.execute("SELECT id FROM outbox ORDER BY id")]
    assert ids
    chair.log.record_deliveries([Delivery(i, ENGINE, FAILED, START + timedelta(seconds=1),
                                          "the engine answered AR (unknown patient)")
                                 for i in ids])
    chair.close()
    return db


@pytest.mark.parametrize("table", ["deliveries", "outbox"])
@pytest.mark.parametrize("command", ["undelivered", "resend"])
def test_a_damaged_log_is_said_damaged_in_one_line_exit_3(
        capsys: pytest.CaptureFixture[str], refused: Path, command: str, table: str) -> None:
    damage(refused, table)   # its root page overwritten, as `dd conv=notrunc` does
    code, out, err = run(capsys, command, *(["--all"] if command == "resend" else []),
                         "--db", refused)
    assert (code, out) == (3, "")   # resend's 1 is "refused again": nothing was sent
    assert err == (f"infusion-console network {command}: cannot read the network's messages "
                   f"in {refused}: the file is damaged: database disk image is malformed"
                   f"{next_steps(refused, NOT_DONE[command])}\n")


def schema_1_log(db: Path) -> Path:
    """A log a console from before the clinic network wrote (no outbox, no deliveries)."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        schema.migrate(conn, stop_before="0002_outbox")
    finally:
        conn.close()
    return db


@pytest.mark.parametrize("command", ["undelivered", "resend"])
def test_a_log_from_before_the_network_says_nothing_was_ever_sent_and_is_left_as_it_was(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    db = schema_1_log(tmp_path / "old.sqlite3")
    before = db.read_bytes()
    code, out, err = run(capsys, command, *(["--all"] if command == "resend" else []),
                         "--db", db)
    assert (code, err) == (0, "")
    assert out == (f"No message was ever sent to the clinic network from {db}: it is of schema "
                   "version 1, from before the network (schema version 2 added it): nothing to "
                   "resend.\n")
    assert db.read_bytes() == before   # resend did not bring it to this console's schema


@pytest.mark.parametrize("command", ["undelivered", "resend"])
def test_a_deliveries_table_removed_outside_the_console_is_not_nothing_sent(
        capsys: pytest.CaptureFixture[str], refused: Path, command: str) -> None:
    with contextlib.closing(sqlite3.connect(refused, isolation_level=None)) as conn:
        conn.execute("DROP TABLE deliveries")
    code, out, err = run(capsys, command, *(["--all"] if command == "resend" else []),
                         "--db", refused)
    assert (code, out) == (3, "")
    assert err.startswith(f"infusion-console network {command}: cannot read the network's "
                          f"messages in {refused}: deliveries: the table is not in the file, "
                          "though the log recorded ")
    assert err.endswith(f"it was removed outside the console, or the file is damaged"
                        f"{next_steps(refused, NOT_DONE[command])}\n")
    assert err.count("\n") == 1
