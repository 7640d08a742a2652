"""The schema is a public contract: its tables, columns, indexes and migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.store import SCHEMA_VERSION, EventLog
from console.store.schema import MIGRATION_SET, MIGRATIONS_TABLE

from . import VERSION, new_log

CONTRACT = {
    "meta": ["key", "value"],
    "sessions": ["id", "patient_id", "protocol_id", "protocol_version", "session_number",
                 "started_at", "ended_at", "nurse", "weight_kg", "demo", "details", "row_hash"],
    "observations": ["id", "session_id", "metric", "value", "unit", "source", "channel", "flags",
                     "measured_at", "received_at", "entered_by", "confirmed", "corrects",
                     "row_hash"],
    "alarm_events": ["id", "session_id", "occurrence", "condition", "category", "priority",
                     "transition", "at", "value", "threshold", "message", "actor", "row_hash"],
    "events": ["id", "session_id", "at", "kind", "actor", "detail", "row_hash"],
    "alarms": ["session_id", "occurrence", "condition", "category", "priority", "raised_at",
               "acknowledged_at", "cleared_at", "value", "threshold", "message",
               "seconds_to_acknowledge"],
}


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    new_log(tmp_path).close()
    return sqlite3.connect(tmp_path / "log.sqlite3")


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_columns_match_the_contract(conn: sqlite3.Connection, table: str) -> None:
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    assert columns == CONTRACT[table]


def test_not_null_and_defaults(conn: sqlite3.Connection) -> None:
    info = {row[1]: row for row in conn.execute("PRAGMA table_info(observations)")}
    assert info["measured_at"][3] == 0 and info["corrects"][3] == 0  # nullable
    assert info["received_at"][3] == 1 and info["value"][3] == 1
    assert info["flags"][4] == "''" and info["confirmed"][4] == "0"
    foreign = {(row[3], row[2]) for row in conn.execute("PRAGMA foreign_key_list(observations)")}
    assert foreign == {("session_id", "sessions"), ("corrects", "observations")}


@pytest.mark.parametrize(("query", "index"), [
    ("SELECT * FROM observations WHERE session_id = 1 ORDER BY id", "observations_by_session"),
    ("SELECT * FROM observations WHERE session_id = 1 AND metric = 'heart_rate' "
     "ORDER BY received_at", "observations_by_session"),
    ("SELECT * FROM alarm_events WHERE session_id = 1 ORDER BY id", "alarm_events_by_occurrence"),
    ("SELECT * FROM alarms WHERE session_id = 1", "alarm_events_by_occurrence"),
    ("SELECT * FROM events WHERE session_id = 1 ORDER BY id", "events_by_session"),
    ("SELECT * FROM sessions WHERE patient_id = 'P' ORDER BY started_at", "sessions_by_patient"),
    ("SELECT * FROM sessions ORDER BY started_at DESC LIMIT 50", "sessions_by_start"),
])
def test_review_queries_use_an_index(conn: sqlite3.Connection, query: str, index: str) -> None:
    plan = " | ".join(str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert index in plan, plan


def test_migrations_are_recorded_and_not_run_twice(tmp_path: Path) -> None:
    for _ in range(3):
        EventLog.open(tmp_path / "log.sqlite3", VERSION).close()
    conn = sqlite3.connect(tmp_path / "log.sqlite3")
    applied = conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", [MIGRATION_SET]
    ).fetchall()
    assert [name for (name,) in applied] == ["0001_initial_schema", "0002_outbox", "0003_staff",
                                             "0004_outbox_control_id_not_indexed"]
    assert SCHEMA_VERSION == len(applied)
    version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)


def test_meta_may_be_updated_but_records_may_not(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE meta SET value = 'x' WHERE key = 'last_opened_by_version'")
    triggers = {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {
        "sessions_update_only_end", "sessions_no_delete", "observations_no_update",
        "observations_no_delete", "alarm_events_no_update", "alarm_events_no_delete",
        "events_no_update", "events_no_delete", "outbox_no_update", "outbox_no_delete",
        "deliveries_no_update", "deliveries_no_delete",
        "staff_no_update", "staff_no_delete", "sign_ins_no_update", "sign_ins_no_delete",
        "signatures_no_update", "signatures_no_delete", "access_log_no_update",
        "access_log_no_delete",
    }


def test_migrations_table_name_is_sqlite_utils_own() -> None:
    from sqlite_utils.migrations import Migrations

    assert MIGRATIONS_TABLE == Migrations.migrations_table


def test_the_record_tables_of_each_migration_are_the_ones_it_makes(tmp_path: Path) -> None:
    # verify names a record table the log recorded but lacks by this map (RECORD_TABLES_MADE_BY).
    from console.store.chain import RECORD_TABLES
    from console.store.schema import MIGRATIONS, RECORD_TABLES_MADE_BY, made_by, migrate

    names = [name for name, _ in MIGRATIONS]
    made: set[str] = set()
    for upto in range(len(names)):
        conn = sqlite3.connect(tmp_path / f"upto-{upto}.sqlite3", isolation_level=None)
        stop = names[upto + 1] if upto + 1 < len(names) else None
        migrate(conn, stop_before=stop)
        tables = {t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.close()
        new = (tables & set(RECORD_TABLES)) - made
        assert new == set(RECORD_TABLES_MADE_BY.get(names[upto], ())), names[upto]
        made |= new
    assert made == set(RECORD_TABLES)
    assert all(made_by(table) is not None for table in RECORD_TABLES)


def test_a_new_log_has_the_schema_version_its_migrations_give(conn: sqlite3.Connection) -> None:
    from console.store.schema import version_problem

    assert version_problem(conn) is None
