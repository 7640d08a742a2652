"""The trend places a session's values at the minutes its timers give them across a logged step of
the station's clock (`clock_stepped`), read live or from the log (`TrendFeed.load`: the review,
a restart, a long session read again), as the review's tables count them
(`console.session.clock_steps`).

By wall time, NTP setting a clock 60 min fast back 30 min into a session drew every later value
an hour in the past, before the session's start (a review); a clock set forward drew an hour of
nothing; a restart with its clock an hour behind, put right by NTP a few minutes later, drew
that run's values an hour before the ones around them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from console.clock import Moment
from console.records import EventRecord, ObservationRecord
from console.session.engine import CLOCK_STEPPED, OBSERVATIONS_BEFORE
from console.session.trend_feed import TrendFeed
from console.store import EventLog
from tests.session.test_resume_as_live import LoggedSession, log, restart  # noqa: F401

HOUR = 3600.0
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _step_wall_clock(s: LoggedSession, seconds: float) -> None:
    now = s.clock.now()
    s.clock._now = Moment(now.mono, now.wall + timedelta(seconds=seconds))   # the wall clock only


def _spo2(feed: TrendFeed) -> list[float]:
    t, v = feed.series("spo2", False)
    return [float(x) for x in t[~np.isnan(v)]]


def _logged_feed(log: EventLog, s: LoggedSession) -> TrendFeed:  # noqa: F811
    session = s.engine.session_id
    feed = TrendFeed(log.session(session).started_at)
    feed.load(log.observations(session), log.events(session), log.alarm_events(session))
    return feed


@pytest.mark.parametrize("step_s", [-HOUR, -600.0, HOUR], ids=["back-1h", "back-10min", "forward"])
def test_values_after_a_clock_step_are_drawn_as_the_timers_ran(
        log: EventLog, step_s: float) -> None:  # noqa: F811
    s = LoggedSession(log)
    s.to_infusion()
    origin = s.now().mono - s.origin
    for second in range(60, 1800, 60):
        s.t(origin + second); s.device("spo2", 97)
    _step_wall_clock(s, step_s)
    for second in range(1800, 2400, 60):
        s.t(origin + second); s.device("spo2", 89)
    feed = _logged_feed(log, s)
    elapsed = s.engine.times(s.now()).elapsed_s / 60
    times = _spo2(feed)
    assert times == sorted(times), "the line goes back and forth"
    assert times[-1] == pytest.approx(elapsed, abs=1e-3)   # the newest value is now
    assert np.allclose(np.diff(times), 1.0, atol=1e-3)     # one a minute, no hour between
    assert feed.minutes_at(s.now().wall) == pytest.approx(elapsed, abs=1e-3)


def test_a_restart_whose_clock_ntp_put_right_draws_its_values_in_their_place(
        log: EventLog) -> None:  # noqa: F811
    # The console restarts with its clock an hour behind (before NTP); NTP puts it right five
    # minutes later: the values of those five minutes were logged an hour early.
    s = LoggedSession(log)
    s.to_infusion()
    origin = s.now().mono - s.origin
    for second in range(60, 600, 60):
        s.t(origin + second); s.device("spo2", 97)
    _step_wall_clock(s, -HOUR)
    restart(s, 30)
    origin = s.now().mono - s.origin
    for second in range(30, 330, 60):
        s.t(origin + second); s.device("spo2", 95)
    _step_wall_clock(s, HOUR)
    for second in range(330, 630, 60):
        s.t(origin + second); s.device("spo2", 93)
    feed = _logged_feed(log, s)
    t, v = feed.series("spo2", False)
    keep = ~np.isnan(v)
    times, values = list(t[keep]), list(v[keep])
    assert values == [97.0] * 9 + [95.0] * 5 + [93.0] * 5
    assert times == sorted(times)
    # The newest is now, the console's 30 s down included (its timers, on a clock behind
    # the log at the restart, could not count those: `SessionEngine.resume`).
    assert times[-1] == pytest.approx((s.now().mono - s.origin) / 60, abs=1e-3)
    assert np.allclose(np.diff(times), 1.0, atol=1e-3)   # one a minute, the restart's too


def _reading(minute: float, wall_offset_min: float, value: float) -> ObservationRecord:
    at = START + timedelta(minutes=minute + wall_offset_min)
    return ObservationRecord(1, "spo2", value, "%", "hl7:SIM", at, at, "")


def test_a_feed_given_records_one_by_one_asks_to_be_read_again_for_a_restarts_clock_fix(
) -> None:
    # The live window's feed (`add_rows`) cannot move values it placed before the step: it says
    # so, and the window reads the session again (`LiveWindow._feed_trend`).
    resumed = EventRecord(1, START + timedelta(minutes=10 - 60), "session_resumed", "engine",
                          {"clock_gap_s": -HOUR, OBSERVATIONS_BEFORE: 1})
    step = EventRecord(1, START + timedelta(minutes=15), CLOCK_STEPPED, "engine",
                       {"step_s": HOUR, OBSERVATIONS_BEFORE: 2})
    records = [_reading(5, 0, 97), resumed, _reading(12, -60, 95), step, _reading(16, 0, 93)]
    live = TrendFeed(START)
    live.add(records[:3])
    assert not live.needs_reload
    live.add(records[3:])
    assert live.needs_reload
    read = TrendFeed(START)
    read.load([(1, records[0]), (2, records[2]), (3, records[4])],  # type: ignore[list-item]
              [(1, resumed), (2, step)])
    assert not read.needs_reload
    assert _spo2(read) == pytest.approx([5.0, 12.0, 16.0])


def test_a_step_back_fed_live_and_read_from_the_log_draws_the_same_minutes() -> None:
    step = EventRecord(1, START + timedelta(minutes=30 - 60), CLOCK_STEPPED, "engine",
                       {"step_s": -HOUR, OBSERVATIONS_BEFORE: 2})
    note = EventRecord(1, START + timedelta(minutes=33 - 60), "note", "nurse", {"text": "pale"})
    records = [_reading(10, 0, 97), _reading(29, 0, 96), step, _reading(31, -60, 92), note,
               _reading(35, -60, 89)]
    live = TrendFeed(START)
    live.add(records)
    read = TrendFeed(START)
    read.load([(1, records[0]), (2, records[1]), (3, records[3]), (4, records[5])],
              [(1, step), (2, note)])
    assert _spo2(live) == pytest.approx([10.0, 29.0, 31.0, 35.0])
    assert _spo2(read) == pytest.approx(_spo2(live))
    assert [(round(m.minutes, 3), m.text) for m in live.markers()] == [(33.0, "note: pale")]
    assert [(m.minutes, m.text) for m in read.markers()] == [
        (m.minutes, m.text) for m in live.markers()]
    assert not live.needs_reload


def test_an_older_log_without_counts_places_a_step_forward_by_time() -> None:
    step = EventRecord(1, START + timedelta(minutes=20 + 60), CLOCK_STEPPED, "engine",
                       {"step_s": HOUR})
    read = TrendFeed(START)
    read.load([(1, _reading(10, 0, 97)), (2, _reading(19, 0, 96)), (3, _reading(25, 60, 92))],
              [(1, step)])
    assert _spo2(read) == pytest.approx([10.0, 19.0, 25.0])
