"""A discharge over the gate on a later day than the session's start says its day: the
statement under the header read "… AGAINST THE DISCHARGE GATE at 00:00" for a session started
at 23:52 the day before (the header's own "Discharged" is dated: `content.hhmm_or_day`)."""

from __future__ import annotations

from datetime import UTC, datetime

from console.review import content as rc
from console.review.queries import load_session, open_readonly
from console.store import EventLog
from tests.review.early_discharge import early_discharge


def test_a_discharge_against_the_gate_after_midnight_says_its_day(tmp_path):
    path = tmp_path / "log.sqlite3"
    start = datetime(2026, 12, 2, 23, 52, tzinfo=UTC)   # discharged 00:00:18 on 3 December
    with EventLog.open(path, "test", now=start) as log:
        sid = early_discharge(log, start)
    conn = open_readonly(path)
    try:
        detail = load_session(conn, sid)
    finally:
        conn.close()
    said = rc.discharge_override_text(detail, UTC)
    assert "AGAINST THE DISCHARGE GATE at Thu 03 Dec 2026 00:00, T0 + 6 min (" in said, said
