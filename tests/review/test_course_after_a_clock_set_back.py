"""The course after the station's clock is set back 60 min during an IV infusion (NTP correcting
a fast clock, logged as `clock_stepped`): T0 at real 09:05, the step at real 09:20, BP 172/96
typed at real 09:35, its wall time 08:35, 25 min before the session's logged start. It is this
session's highest BP, typed as it was measured: only a value already more than 20 min old when
it arrived (a monitor's last cuff, the previous patient's) is none of the session's
(`queries.before_the_session`). Judged by its place alone, the course's peak and its trend had
left the patient's 172/96 out."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from console.review import content as rc
from console.review.course_trend import load_course_trend
from console.review.queries import load_course, open_readonly
from tests.review.test_course_across_clock_step import PATIENT, _session


def test_the_course_keeps_a_bp_typed_after_the_clock_is_set_back(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _session(path, -60)
    conn = open_readonly(path)
    try:
        course = load_course(conn, PATIENT)
        trend = load_course_trend(conn, course, {})
    finally:
        conn.close()
    # The peak (its minute as the session's "Min" column reads a time before its logged start:
    # tests/review/test_course_across_clock_step.py).
    assert rc.course_cells(course[0], UTC)["peak_systolic"] == (
        f"172 at T0 + {rc.UNKNOWN_MINUTE} min")
    (trace,) = trend.sessions
    assert 172.0 in list(trace.vitals["bp_systolic"].measured_values)
    assert 96.0 in list(trace.vitals["bp_diastolic"].measured_values)
