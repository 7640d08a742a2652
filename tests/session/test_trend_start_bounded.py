"""A monitor sends its last cuff in its first message, however old: one of 3 h before the
session (the previous patient's, its clock right by its HR) made every view of the trend start
3 h back. The start reaches back at most as far as a cuff stays current on its tile
(`STALE_MANUAL_SECONDS`, 20 min): an older one was stale before the session opened."""
from __future__ import annotations

from console.session.conditions import STALE_MANUAL_SECONDS
from console.session.trend_feed import TrendFeed
from tests.session.test_trend_feed import START, points, reading


def test_a_cuff_of_hours_before_the_session_does_not_move_the_start() -> None:
    feed = TrendFeed(START)
    feed.add([reading("heart_rate", 72, 0.3),
              reading("bp_systolic", 118, 0.3, measured=-180.0),
              reading("bp_diastolic", 76, 0.3, measured=-180.0)])
    assert feed.start_minutes == -STALE_MANUAL_SECONDS / 60
    assert points(feed, "bp_systolic") == [(-180.0, 118)]   # kept, off the default range


def test_a_cuff_of_minutes_before_the_session_still_starts_the_trend() -> None:
    feed = TrendFeed(START)
    feed.add([reading("heart_rate", 72, 0.3),
              reading("bp_systolic", 118, 0.3, measured=-6.0),
              reading("bp_diastolic", 76, 0.3, measured=-6.0)])
    assert feed.start_minutes == -6.0
