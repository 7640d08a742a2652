"""The scenario log is written in time order, as the console writes a real one.

The console appends each row when it happens, so within one session every table's rows follow the
clock. The surge session once drove its clock back from 09:34 to 09:15 (its 09:15 and 09:25 BPs
were entered after the monitor's readings up to 09:34), and the review showed prompts "raised
09:20, cleared 09:15" and a BP check "overdue" although its BP was on time: data that cannot
happen, which can hide an ordering bug in the review and put impossible times in its screenshots.

An observation's time here is `received_at`, when the console wrote the row; `measured_at` is the
device's own stamp and may lag in a real log (a reading received late), so it is not checked.
"""

from __future__ import annotations

from console.review.queries import open_readonly

# table -> the column holding the time the console wrote the row
WRITTEN_AT = {"observations": "received_at", "alarm_events": "at", "events": "at"}


def out_of_order(conn, session_id: int, table: str) -> list[str]:
    """Every row of `table` in session `session_id` stamped earlier than the row before it."""
    column = WRITTEN_AT[table]
    rows = conn.execute(f"SELECT id, {column} FROM {table} WHERE session_id = ? ORDER BY id",
                        [session_id]).fetchall()
    return [f"{table} row {row_id} at {at} follows row {before_id} at {before}"
            for (before_id, before), (row_id, at) in zip(rows, rows[1:]) if at < before]


def outside_session(conn, session_id: int, table: str) -> list[str]:
    """Every row of `table` in session `session_id` stamped before its start or after its end."""
    column = WRITTEN_AT[table]
    rows = conn.execute(
        f"SELECT t.id, t.{column}, s.started_at, s.ended_at FROM {table} AS t "
        "JOIN sessions AS s ON s.id = t.session_id WHERE t.session_id = ? "
        f"AND (t.{column} < s.started_at OR t.{column} > s.ended_at) ORDER BY t.id",
        [session_id]).fetchall()
    return [f"{table} row {row_id} at {at} is outside the session {start} to {end}"
            for row_id, at, start, end in rows]


def test_every_scenario_session_is_written_in_time_order(scenario_log):
    # ISO 8601 UTC stamps with milliseconds ("2026-03-02T09:15:00.000Z") sort as text.
    conn = open_readonly(scenario_log.path)
    try:
        found = {label: [problem for table in WRITTEN_AT
                         for problem in (*out_of_order(conn, session_id, table),
                                         *outside_session(conn, session_id, table))]
                 for label, session_id in scenario_log.facts.ids.items()}
    finally:
        conn.close()
    assert {label: problems for label, problems in found.items() if problems} == {}
