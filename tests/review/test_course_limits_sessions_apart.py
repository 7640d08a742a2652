"""The course trend's legend names whose each limit is. A clinic that went back to 1.6 after
session 2 ran under 1.7: SpO2 ≤90 was sessions 1 and 3, ≤86 session 2 alone; the legend does not
say ≤90 was "sessions 1–3" (a review)."""
from __future__ import annotations

from pathlib import Path

from console.review.course_trend import load_course_trend, session_limits_text
from console.review.queries import load_course, open_readonly
from tests.review.test_course_says_the_rules_changed import (
    NEW_SPO2_HIGH, PATIENT, _clinic, _course_log,
)


def test_a_limit_of_sessions_1_and_3_is_not_said_of_session_2(tmp_path: Path) -> None:
    v16, v17 = _clinic("1.6"), _clinic("1.7", NEW_SPO2_HIGH)
    path = tmp_path / "log.sqlite3"
    _course_log(path, v16, v17, v16)
    conn = open_readonly(path)
    try:
        trend = load_course_trend(conn, load_course(conn, PATIENT), {})
    finally:
        conn.close()
    note = session_limits_text(trend)
    assert "≤90 (sessions 1, 3)" in note and "≤86 (session 2)" in note, note
