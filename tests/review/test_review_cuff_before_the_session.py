"""The monitor's first message carries its last cuff, measured 3 h before the session opened
(the previous patient's): the tile reads it stale, the trend draws it 3 h back, off its views.
The review's vitals table places it at its arrival, as the session's first device BP, and the
course gives it as this session's peak systolic."""
from __future__ import annotations

from datetime import UTC, timedelta

from console.review import content as rc
from console.review.queries import load_course, load_session, open_readonly
from console.store import EventLog
from protocols.loader import builtin_protocols_dir, load_protocol
from tests.session.helpers import START
from tests.session.test_resume_as_live import LoggedSession, log  # noqa: F401


def _session(log: EventLog) -> tuple[LoggedSession, int]:  # noqa: F811
    s = LoggedSession(log)
    s.engine.device_state_changed("connected", s.now())
    s.t(5)
    old = START - timedelta(hours=3)
    s.device("heart_rate", 72)
    s.device("bp_systolic", 196, measured_at=old)
    s.device("bp_diastolic", 104, measured_at=old)
    s.t(60); s.device("heart_rate", 73)
    s.t(120); s.manual("bp_systolic", 118, confirmed=True); s.manual("bp_diastolic", 76, confirmed=True)
    s.t(180); s.device("heart_rate", 74)
    return s, s.engine.session_id


def test_the_old_cuff_is_not_this_sessions_peak(log: EventLog) -> None:  # noqa: F811
    s, session = _session(log)
    log.close()
    conn = open_readonly(log.path)
    try:
        pid = conn.execute("SELECT patient_id FROM sessions WHERE id = ?", [session]).fetchone()[0]
        [row] = load_course(conn, pid)
    finally:
        conn.close()
    cells = rc.course_cells(row, UTC)
    print(cells["peak_systolic"])
    assert not cells["peak_systolic"].startswith("196"), cells["peak_systolic"]


def test_the_old_cuff_is_not_the_first_bp_of_the_vitals_table(log: EventLog) -> None:  # noqa: F811
    s, session = _session(log)
    log.close()
    conn = open_readonly(log.path)
    try:
        detail = load_session(conn, session)
    finally:
        conn.close()
    protocol = load_protocol(builtin_protocols_dir() / "iv-ketamine.toml")
    rows = rc.vital_rows(detail, UTC, protocol)
    print(rows)
    assert all("196" not in r[2] or r[0] < "08:00" for r in rows), rows
