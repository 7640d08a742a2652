"""The review given a log whose `alarm_events` (or `meta`, `sessions`, `observations`, `events`)
table was dropped outside the console: refused as a damaged log, naming the table, before any
list or session is read. `open_readonly` lets such a log through for `verify` alone, which names
the table (exit 1); read by the review, SQLite's "no such table" was a bug's error."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.review.queries import open_readonly
from console.store import LogError
from tests.store import filled_log


@pytest.mark.parametrize("table", ["meta", "sessions", "observations", "alarm_events", "events"])
def test_the_review_refuses_a_log_without_a_table_every_session_is_read_from(
        tmp_path: Path, table: str) -> None:
    db, _ = filled_log(tmp_path)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(f"DROP TABLE {table}")
    finally:
        conn.close()
    with pytest.raises(LogError) as refused:
        open_readonly(db).close()
    assert refused.value.cause == "corrupt"
    assert str(refused.value).startswith(f"Cannot use the session log {db}: the file is damaged.")
    assert (f"(Details: {table}: the table is not in the file, though the log recorded "
            in str(refused.value))
    open_readonly(db, tables_removed_ok=True).close()   # verify's: it names the table
