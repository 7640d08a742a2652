"""The live trend after a restart on a station whose clock was wrong against the session's log
(a wrong hardware clock after a reboot, before NTP): the readings after the restart are drawn on
the follow view, where the session's timers are, and where the review draws them.

The engine counts its timers from the log's newest time when the clock is behind it (the
restart as at once, with the CLOCK_BEHIND technical alarm); the trend had placed the new readings
by wall time, an hour before the follow view: an SpO2 falling to 88 was not on the trend until
NTP corrected the clock. A clock an hour ahead at the restart, then set back by NTP, had the
follow view stay an hour ahead of the readings (a review)."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from console.clock import Moment
from console.review import content as rc
from console.review.queries import load_session
from tests.ui.conftest import live, shown_live_window  # noqa: F401
from tests.ui.test_trend_after_clock_set_back import feed, resumed_window


def _restart_with_clock_off(live, qtbot, off: timedelta):
    """30 minutes of SpO2 98, then the console restarted 30 s later with its clock `off`
    against the log: (resumed controller, its window, engine)."""
    controller, _journal, clock, _log = live
    window = shown_live_window(qtbot, live, (1366, 768))
    for _ in range(30):
        clock.advance(60); feed(controller, clock, 98)
    window.refresh()
    controller.stop()
    now = clock.now()
    clock._now = Moment(now.mono + 30, now.wall + timedelta(seconds=30) + off)
    return resumed_window(live, qtbot)


def _at_88(feed):
    t, v = feed.series("spo2", False)
    keep = ~np.isnan(v)
    return [float(x) for x, y in zip(t[keep], v[keep]) if y == 88]


def _seen_88(w2, engine, clock, log, session_id, qtbot):
    """The 88s on the live trend, the follow view, the session timer and the minutes the
    session's review (and its PDF report) draws the same readings at."""
    from console.ui.trend import TrendPlot

    detail = load_session(log.conn, session_id, with_observations=True)
    review = TrendPlot.for_session(w2.controller.view.protocol, *rc.trend_inputs(detail),
                                   detail.summary.started_at)
    qtbot.addWidget(review)
    return (_at_88(w2.trend.feed), w2.trend.x_range(),
            engine.times(clock.now()).elapsed_s / 60, _at_88(review.feed))


def test_readings_after_a_restart_with_the_clock_behind_are_on_the_follow_view(live, qtbot):
    """Restarted with the clock an hour behind the log, the SpO2 falling to 88 is drawn on the
    follow view at the session's timer, and the review gives the readings the same minutes."""
    _controller, _journal, clock, log = live
    resumed, w2, engine = _restart_with_clock_off(live, qtbot, -timedelta(hours=1))
    try:
        for _ in range(5):
            clock.advance(60); feed(resumed, clock, 88)
        w2.refresh()
        xs_88, (low, high), elapsed, review = _seen_88(w2, engine, clock, log,
                                                       resumed.view.session_id, qtbot)
        assert len(xs_88) == 5
        assert all(low <= x <= high for x in xs_88), (
            f"SpO2 88 after the restart drawn at minutes {[round(x, 1) for x in xs_88]}; the "
            f"follow view shows {low:.1f}..{high:.1f} (session timer {elapsed:.1f} min)")
        assert xs_88[-1] == pytest.approx(elapsed, abs=0.05)
        assert np.allclose(xs_88, review, atol=1e-3)
    finally:
        resumed.stop()


@pytest.mark.parametrize("off_h", [1, -1], ids=["ahead-set-back", "behind-set-forward"])
def test_readings_after_ntp_corrects_a_restarts_clock_are_on_the_follow_view(live, qtbot, off_h):
    """Restarted with the clock an hour off, NTP puts it right three minutes later: the SpO2
    falling to 88 after it is on the follow view at the session's timer, which no longer
    counts a phantom hour, and the review gives the readings the same minutes."""
    _controller, _journal, clock, log = live
    resumed, w2, engine = _restart_with_clock_off(live, qtbot, timedelta(hours=off_h))
    try:
        for _ in range(3):
            clock.advance(60); feed(resumed, clock, 97)
        w2.refresh()
        n = clock.now()   # NTP puts the clock right
        clock._now = Moment(n.mono + 1, n.wall - timedelta(hours=off_h))
        resumed.tick()
        for _ in range(5):
            clock.advance(60); feed(resumed, clock, 88)
        w2.refresh()
        xs_88, (low, high), elapsed, review = _seen_88(w2, engine, clock, log,
                                                       resumed.view.session_id, qtbot)
        assert len(xs_88) == 5
        assert all(low <= x <= high for x in xs_88), (
            f"SpO2 88 after the restart drawn at minutes {[round(x, 1) for x in xs_88]}; the "
            f"follow view shows {low:.1f}..{high:.1f} (session timer {elapsed:.1f} min)")
        assert elapsed == pytest.approx(30 + 0.5 + 3 + 1 / 60 + 5, abs=0.05)
        assert xs_88[-1] == pytest.approx(elapsed, abs=0.05)
        assert np.allclose(xs_88, review, atol=1e-3)
    finally:
        resumed.stop()
