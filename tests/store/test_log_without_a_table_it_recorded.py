"""A log whose `alarm_events` (or `events`, `observations`, `sessions`, `meta`) table was dropped
outside the console (`sqlite3 log.sqlite3 'DROP TABLE alarm_events'`).

`verify` said "not a session log of this console ... Check the file name" (exit 2, nothing
checked) instead of naming the table removed outside the console (exit 1), as it does for
`access_log`, `outbox` or `deliveries` (README, `verify`'s exit status 1: "a record table the log
recorded is gone"). The console opened such a log without a word, started or resumed a session
on it, and the first alarm it raised failed to commit with SQLite's "no such table": taken for a
bug, the step was undone and the high alarm never reached the board. It now refuses the log at
its start, as a damaged one, naming the table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.cli import main
from console.store import EventLog, LogError
from console.store.schema import RECORD_TABLES_MADE_BY
from tests.store import VERSION, filled_log

CORE = ["sessions", "observations", "alarm_events", "events"]
EVERY_TABLE = ["meta", *(t for tables in RECORD_TABLES_MADE_BY.values() for t in tables)]


def _drop(db: Path, table: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(f"DROP TABLE {table}")
    finally:
        conn.close()


@pytest.mark.parametrize("table", CORE)
def test_verify_names_a_core_record_table_removed_outside_the_console(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, table: str) -> None:
    db, _ = filled_log(tmp_path)
    rows = {"sessions": "row 1", "observations": "rows 1 to 5", "alarm_events": "rows 1 to 2",
            "events": "rows 1 to 2"}[table]
    _drop(db, table)
    code, (out, err) = main(["verify", "--db", str(db)]), capsys.readouterr()
    assert (code, err) == (1, ""), (code, out, err)
    assert out == (f"{db}: {table}: the table is not in the file, though the log recorded it "
                   f"({rows}): it was removed outside the console\n")


def test_verify_names_the_meta_table_removed_outside_the_console(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db, _ = filled_log(tmp_path)
    _drop(db, "meta")
    code, (out, err) = main(["verify", "--db", str(db)]), capsys.readouterr()
    assert (code, err) == (1, ""), (code, out, err)
    assert out == (f"{db}: meta: the table is not in the file, though the log recorded the "
                   "schema change that made it (0001_initial_schema): it was removed outside "
                   "the console\n")


@pytest.mark.parametrize("table", EVERY_TABLE)
def test_the_console_refuses_a_log_without_a_table_its_schema_changes_made(
        tmp_path: Path, table: str) -> None:
    db, _ = filled_log(tmp_path)
    _drop(db, table)
    before = db.read_bytes()
    with pytest.raises(LogError) as refused:
        EventLog.open(db, VERSION).close()
    assert refused.value.cause == "corrupt"
    assert f"Cannot use the session log {db}: the file is damaged" in str(refused.value)
    assert (f"(Details: {table}: the table is not in the file, though the log recorded "
            in str(refused.value))
    assert "it was removed outside the console" in str(refused.value)
    assert db.read_bytes() == before   # nothing stamped or migrated into it


def test_a_start_on_a_log_without_its_alarm_table_is_refused_in_the_damaged_log_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: the console started, and its first alarm was lost to "no such table".
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    db, _ = filled_log(tmp_path)
    _drop(db, "alarm_events")
    assert main(["--db", str(db), "--demo"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"infusion-console: Cannot use the session log {db}: the file is "
                          "damaged. Keep a copy of it (and of its -wal) for review, restore it "
                          "from the last backup"), err
    assert "alarm_events: the table is not in the file" in err


@pytest.mark.parametrize("command, not_done", [
    (["access-log"], "nothing was printed"),
    (["export", "1", "--csv", "{out}", "--account", "Ada Admin"], "no file was written"),
], ids=["access-log", "export"])
def test_the_other_commands_refuse_it_as_damaged_naming_the_table(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str],
        not_done: str) -> None:
    # Opened for `verify` to name the table, such a log is refused by the readers of its
    # sessions before any of them reads a table that is not there (SQLite's "no such table").
    db, _ = filled_log(tmp_path)
    _drop(db, "alarm_events")
    args = [a.format(out=tmp_path / "out") for a in command]
    code, (out, err) = main([*args, "--db", str(db)]), capsys.readouterr()
    assert (code, out) == (3, ""), (code, err)
    assert err.count("\n") == 1, err
    assert (f"cannot read the session log {db}: the file is damaged: alarm_events: the table "
            "is not in the file, though the log recorded it (rows 1 to 2): it was removed "
            f"outside the console; {not_done}.") in err
