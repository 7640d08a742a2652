"""Two consoles starting at the same moment on one log of an older schema (a clinic upgraded the
console; both chairs start on their shared log): the one that read which migrations were pending
before the other had run them ran one again over the other's tables, and its nurse saw a
traceback ('table outbox already exists') instead of a started console."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils.migrations import Migrations

from console.store import SCHEMA_VERSION, EventLog, LogError, schema

from . import VERSION

OUTBOX_REMADE = "0004_outbox_control_id_not_indexed"


def old_log(path: Path) -> Path:
    """A log a console of schema 1 wrote (before the outbox), as a file at `path`."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, stop_before="0002_outbox")
    conn.close()
    os.chmod(path, 0o600)
    return path


def applied(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [name for (name,) in conn.execute(
            f"SELECT name FROM {schema.MIGRATIONS_TABLE} ORDER BY id")]
    finally:
        conn.close()


def test_a_second_console_waits_for_the_first_ones_migration(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = old_log(tmp_path / "shared.sqlite3")
    original = Migrations.pending
    other: list[object] = []

    def pending_while_the_other_console_starts(self: Migrations, db: Any) -> Any:
        found = original(self, db)
        if not other:
            other.append("started")
            # The other chair's console, an instant behind: it tries to migrate now.
            conn = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other[:] = schema.migrate(conn)
            except sqlite3.OperationalError as exc:
                other[:] = [exc.sqlite_errorname]   # with its busy timeout it waits for us
            finally:
                conn.close()
        return found

    monkeypatch.setattr(Migrations, "pending", pending_while_the_other_console_starts)
    with EventLog.open(path, VERSION):
        pass
    monkeypatch.undo()
    assert other == ["SQLITE_BUSY"]
    with EventLog.open(path, VERSION) as second:   # the other console, after its wait
        version = second.conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)
    assert applied(path) == [name for name, _ in schema.MIGRATIONS]


def _start(path: str, both_ready: Any, answers: Any) -> None:
    both_ready.wait()
    try:
        EventLog.open(Path(path), VERSION).close()
    except LogError as exc:
        answers.put(f"refused: {exc.cause}")
    except BaseException as exc:  # noqa: BLE001 - what the nurse would see as a traceback
        answers.put(f"traceback: {type(exc).__name__}: {exc}")
    else:
        answers.put("started")


def test_two_consoles_starting_at_once_on_an_old_log_both_start(tmp_path: Path) -> None:
    # Forked processes released together by a barrier: before the fix about half of the
    # starts collided (one of the two ended in a traceback or a 'locked' refusal).
    context = multiprocessing.get_context("fork")
    seen = []
    for trial in range(6):
        path = old_log(tmp_path / f"shared-{trial}.sqlite3")
        both_ready, answers = context.Barrier(2), context.Queue()
        consoles = [context.Process(target=_start, args=(str(path), both_ready, answers))
                    for _ in range(2)]
        for console in consoles:
            console.start()
        for console in consoles:
            console.join(60)
        seen += [answers.get(timeout=10) for _ in consoles]
        assert applied(path) == [name for name, _ in schema.MIGRATIONS]
    assert seen == ["started"] * len(seen)


def test_a_migration_that_fails_on_the_file_is_a_refusal_naming_it(tmp_path: Path) -> None:
    # A table a later migration makes, already there (made outside the console): the log's
    # record of its schema changes does not tell its tables. Refused, not a traceback.
    path = old_log(tmp_path / "edited.sqlite3")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    with pytest.raises(LogError) as refused:
        EventLog.open(path, VERSION)
    assert refused.value.cause == "corrupt"
    assert str(path) in str(refused.value)
    assert "table outbox already exists" in str(refused.value)
    assert applied(path) == ["0001_initial_schema"]   # nothing half done


def test_an_outbox_changed_outside_the_console_is_a_refusal_naming_it(tmp_path: Path) -> None:
    # Migration 0004 remakes the outbox as migration 0002 made it; one that is not so (its
    # control id's UNIQUE taken off outside the console) is damage, said as such, not a traceback.
    path = tmp_path / "edited.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    schema.migrate(conn, stop_before=OUTBOX_REMADE)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()[0]
    conn.execute("DROP TABLE outbox")   # empty; foreign keys are off on this connection
    conn.execute(sql.replace("control_id TEXT NOT NULL UNIQUE,", "control_id TEXT NOT NULL,"))
    conn.close()
    os.chmod(path, 0o600)
    with pytest.raises(LogError) as refused:
        EventLog.open(path, VERSION)
    assert refused.value.cause == "corrupt"
    assert str(path) in str(refused.value)
    assert "not as migration 0002 made it" in str(refused.value)


def test_verify_while_a_console_migrates_the_log_reports_no_table_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `verify` listed the tables, then read the rest in its snapshot: a console upgrading the log
    # in between made the outbox (and its chain head), and verify called it removed outside.
    import console.store.log as store_log

    path = old_log(tmp_path / "shared.sqlite3")
    real_snapshot = store_log.read_snapshot

    def snapshot_after_a_console_migrated(conn: sqlite3.Connection) -> Any:
        EventLog.open(path, VERSION).close()   # a chair's console, upgraded, starts on it now
        return real_snapshot(conn)

    monkeypatch.setattr(store_log, "read_snapshot", snapshot_after_a_console_migrated)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        report = store_log.verify_log(conn)
    finally:
        conn.close()
    assert report.ok, report.message
