"""One entry, one number: the review's minute offsets agree with the clock column beside them,
and every "after T0" reads the same way (issue: "+2" in one tab and "+3" in another, "9.4 min
after T0" beside "T0+9.3")."""

from __future__ import annotations

from datetime import UTC, datetime

from console.review.content import after_t0, elapsed, hhmm


def test_the_minute_offset_is_the_clock_minutes_the_time_column_shows():
    start = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    at = datetime(2026, 3, 2, 9, 2, 40, tzinfo=UTC)     # 2.5 min later; the clock reads 09:02
    assert hhmm(at, UTC) == "09:02" and elapsed(at, start) == "+2"
    late = datetime(2026, 3, 2, 9, 3, 5, tzinfo=UTC)    # 2.9 min later; the clock reads 09:03
    assert hhmm(late, UTC) == "09:03" and elapsed(late, start) == "+3"


def test_after_t0_is_said_one_way_in_whole_minutes():
    assert after_t0(9.4) == "T0 + 9 min" == after_t0(9.3)
    assert after_t0(72.0) == "T0 + 72 min"
    assert after_t0(-5.2) == "T0 − 5 min" and after_t0(-0.2) == "T0 + 0 min"
