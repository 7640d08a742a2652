"""The monitor's first message carries its last cuff, 196/104 measured 3 h before the session
opened (the previous patient's), as tests/review/test_review_cuff_before_the_session.py sets it
up. The session's own trend keeps it off its views (`TrendFeed.start_minutes`: never more than
`STALE_MANUAL_SECONDS` back); its vitals table and the course's peaks leave it out
(`queries.before_the_session`). The course's "Trend from T0" drew it as this session's BP 3 h
before T0, and its time axis (`CourseTrend.minute_span`, the view's x range) started there: every
session of the course squeezed into the last fifth of the panel (a review of the course).
"""

from __future__ import annotations

import pytest

from console.review.course_trend import load_course_trend
from console.review.queries import load_course, open_readonly
from console.store import EventLog
from tests.review.test_review_cuff_before_the_session import _session
from tests.session.test_resume_as_live import log  # noqa: F401


def test_the_previous_patients_cuff_is_neither_drawn_nor_stretching_the_course_trend(
        log: EventLog, installed) -> None:  # noqa: F811
    _, session = _session(log)
    log.close()
    conn = open_readonly(log.path)
    try:
        pid = conn.execute("SELECT patient_id FROM sessions WHERE id = ?", [session]).fetchone()[0]
        trend = load_course_trend(conn, load_course(conn, pid), installed)
    finally:
        conn.close()
    (trace,) = trend.sessions
    systolic, diastolic = trace.vitals["bp_systolic"], trace.vitals["bp_diastolic"]
    # This patient's typed 118/76 at 2 min alone, as a symbol and on the line (never dosed: from
    # its start).
    assert list(systolic.measured_values) == [118]
    assert list(systolic.measured_minutes) == [2]
    assert list(systolic.values) == [118]
    assert list(diastolic.measured_values) == [76]
    # The axis and the scale are this session's: from its first value (HR 72 at 5 s) to its
    # last, 196 nowhere.
    assert trend.minute_span() == pytest.approx((5 / 60, 3.0))
    assert trend.value_span(("bp_systolic",)) == (118.0, 118.0)
